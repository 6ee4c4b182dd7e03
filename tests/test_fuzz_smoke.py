"""A few seconds of fuzzing on every run: the harness checks of fuzz/ fed by a
seeded mutator over the committed corpus, plus a short atheris run when it is
installed. Long runs: see fuzz/README.md."""

from __future__ import annotations

import os
import random
import resource
import re
import subprocess
import sys
from pathlib import Path

import pytest

FUZZ_DIR = Path(__file__).resolve().parents[1] / "fuzz"
sys.path.insert(0, str(FUZZ_DIR))

import harness  # noqa: E402

MUTATIONS_PER_TARGET = 1500
# Each "long" input is a text of 1-32 KB, each "open" one runs six families' references, each
# "tables" one loads 6-23 MB of tables, each "mark_sets" one may build two encodings, each "unstable" one
# may wait on tiktoken's completions of a whitespace tail (up to 1 s) and build two small ones: fewer of them.
RUNS_SCALE = {"long": 10, "open": 4, "tables": 40, "mark_sets": 4, "unstable": 10}

_INSERTS = [b"<|endoftext|>", b"<|", b"|>", b" ", b"\n", b"\r\n", b"\x00", b"'s", b"\xff", b"\xed\xa0\x80",
            b"\xe2\x80\x8d", b"\xcc\x81", "\u3000".encode(), "\U0001f600".encode(), b"123456", b"\t" * 7]


def _corpus(target: str) -> list[bytes]:
    return [p.read_bytes() for p in sorted((FUZZ_DIR / "corpus" / target).iterdir())]


def _mutate(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        at = rng.randint(1 if out else 0, len(out))  # keep byte 0 (the encoding) mostly stable
        if op == 0:
            out[at:at] = bytes([rng.randrange(256)])
        elif op == 1 and len(out) > 1:
            del out[at : at + rng.randint(1, 8)]
        elif op == 2:
            out[at:at] = rng.choice(_INSERTS)
        elif op == 3 and len(out) > at:
            piece = out[at : at + rng.randint(1, 16)]
            out[at:at] = piece * rng.randint(1, 20)
        elif op == 4:
            other = rng.choice(pool)
            out[at:] = other[rng.randint(0, len(other)) :]
        elif op == 5 and out:
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out[: harness.MAX_LEN])


@pytest.mark.parametrize("target", sorted(harness.TARGETS))
def test_seeded_mutations(target):
    check = harness.TARGETS[target]
    pool = _corpus(target)
    assert pool, f"empty seed corpus for {target}"
    for data in pool:
        check(data)
    rng = random.Random(f"tokcost-{target}")
    for _ in range(MUTATIONS_PER_TARGET // RUNS_SCALE.get(target, 1)):
        data = _mutate(rng, rng.choice(pool), pool)
        try:
            check(data)
        except AssertionError as exc:
            raise AssertionError(f"{target} input {data!r}: {exc}") from None


@pytest.mark.parametrize("target", sorted(harness.TARGETS))
def test_atheris_short_run(target, tmp_path):
    pytest.importorskip("atheris", reason="atheris not installed (pip install atheris)")
    script = FUZZ_DIR / f"fuzz_{target}.py"
    env = dict(os.environ, PYTHONHASHSEED="0")
    runs = 2000 // RUNS_SCALE.get(target, 1)
    # libFuzzer's memory limit (2 GB by default) reads getrusage's peak, which Linux carries over
    # fork and exec from this process: late in a whole test session, pytest's own peak (2 GB in
    # round 15's CI) made every fuzzer "run out of memory" before its first input. So the limit
    # is this process's peak plus the 2 GB the fuzzer may use.
    limit_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024 + 2048
    proc = subprocess.run(
        [sys.executable, str(script), str(tmp_path), str(FUZZ_DIR / "corpus" / target),
         f"-runs={runs}", "-max_len=1024", "-seed=1", "-print_final_stats=1", f"-rss_limit_mb={limit_mb}",
         f"-artifact_prefix={tmp_path}/"],  # slow units of a loaded machine, not into the working directory
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    # libFuzzer stops once it has made at least -runs executions; one more can land first (seen in
    # a clean-clone CI run on 2026-12-04, tables target, under load: "Done 51 runs").
    done = re.search(r"^Done (\d+) runs", proc.stderr, re.MULTILINE)
    assert done and runs <= int(done.group(1)) <= runs + 5, proc.stderr[-4000:]


def test_the_harness_caches_one_entry_per_choice_whatever_the_byte():
    """Round 30: saved_tables was cached by the fuzzer's raw first byte, so fuzz_tables kept a
    7-27 MB table blob for each of up to 256 bytes and ran out of memory after 9,403 inputs."""
    for byte in (0, 1, 2, 3, 130, 255):
        assert harness.saved_tables(byte) is harness.saved_tables(byte % len(harness.TABLE_ENCODINGS))
        harness.encodings(byte)
    assert harness.saved_tables.cache_info().currsize == len(harness.TABLE_ENCODINGS)
    assert harness.encodings.cache_info().currsize <= len(harness.ENCODING_NAMES)

"""`tokcost count` says the same whatever --jobs is, and its start-up on threads changes nothing.

With more than one job the CLI loads the vocabulary on a thread of its own while it imports the
corpus modules (``cli.count._load_encoding_meanwhile``), with the table cache's copies and checks
run without the GIL (``tables.pxi``). These tests run the real command in fresh processes, since
that start-up is what changed.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import tokcost

SRC = str(Path(tokcost.__file__).resolve().parents[1])


def tokcost_count(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": SRC}
    return subprocess.run([sys.executable, "-m", "tokcost", "count", *args], capture_output=True, text=True,
                          env=env, timeout=300, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, flores_dir) -> Path:
    """Text in several scripts, invalid UTF-8, an empty file and a binary file, over 50 files
    (so the table shows the largest ones), in nested directories; beside it, a binary file to
    name on the command line."""
    root = tmp_path_factory.mktemp("jobs-corpus") / "tree"
    (root.parent / "named.bin").write_bytes(b"\0binary")
    langs = ("eng_Latn", "rus_Cyrl", "arb_Arab", "hin_Deva", "tha_Thai", "zho_Hans", "jpn_Jpan", "kor_Hang")
    for i, lang in enumerate(langs):
        text = (flores_dir / f"{lang}.txt").read_text(encoding="utf-8")
        for j in range(8):
            sub = root / f"d{i % 3}" / f"e{j % 2}"
            sub.mkdir(parents=True, exist_ok=True)
            (sub / f"{lang}-{j}.txt").write_text(text[j * 3000:(j + 1) * 3000 + 17 * i], encoding="utf-8")
    (root / "latin1.txt").write_bytes("caf\xe9 cr\xe8me br\xfbl\xe9e\n".encode("latin-1") * 50)
    (root / "empty.txt").write_bytes(b"")
    (root / "image.bin").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0" + bytes(range(256)) * 4)
    return root


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_output_and_exit_status_do_not_change_with_jobs(corpus, fmt):
    """stdout, stderr and the exit status of --jobs 1, 2 and 3 are the same, per-file errors included
    (a missing path and a binary file named on the command line: exit status 1)."""
    named = corpus.parent / "named.bin"
    args = [str(corpus), str(corpus / "missing.txt"), str(named), "--format", fmt]
    runs = {jobs: tokcost_count(*args, "--jobs", str(jobs)) for jobs in (1, 2, 3)}
    one = runs[1]
    assert one.returncode == 1, one.stderr
    assert f"tokcost: error: {corpus / 'missing.txt'}:" in one.stderr
    assert f"tokcost: error: {named}: binary" in one.stderr
    assert "tokcost: skipped 1 binary file(s)" in one.stderr  # the one in the tree
    assert "not valid UTF-8" in one.stderr
    for jobs in (2, 3):
        assert (runs[jobs].returncode, runs[jobs].stdout, runs[jobs].stderr) == (one.returncode, one.stdout,
                                                                                 one.stderr), jobs


def test_an_unknown_encoding_is_reported_alike_with_jobs(corpus):
    """The loading thread fails quietly; the calling thread meets the error again and reports it once."""
    runs = [tokcost_count(str(corpus), "--encoding", "o200k_bas", "--jobs", str(jobs)) for jobs in (1, 2)]
    assert runs[0].returncode == 1 and "o200k_base" in runs[0].stderr  # did you mean ...
    assert "Traceback" not in runs[1].stderr
    assert (runs[1].returncode, runs[1].stdout, runs[1].stderr) == (runs[0].returncode, runs[0].stdout,
                                                                    runs[0].stderr)


def test_another_encoding_with_jobs_counts_as_with_one_job(corpus):
    runs = [tokcost_count(str(corpus), "--encoding", "cl100k_base", "--format", "json", "--jobs", str(jobs))
            for jobs in (1, 2)]
    assert '"encoding": "cl100k_base"' in runs[0].stdout
    assert runs[1].stdout == runs[0].stdout and runs[1].returncode == runs[0].returncode


def test_the_switch_interval_is_restored_after_the_load(corpus, capsys):
    from tokcost.cli import main

    before = sys.getswitchinterval()
    assert main(["count", str(corpus / "d0"), "--jobs", "2", "--format", "json"]) == 0
    for thread in threading.enumerate():
        if thread.name == "tokcost-load-encoding":
            thread.join()
    assert sys.getswitchinterval() == before
    assert '"total_tokens"' in capsys.readouterr().out


def test_by_choices_are_the_groupings():
    from tokcost.cli.count import BY_CHOICES
    from tokcost.corpus.aggregate import GROUPINGS

    assert BY_CHOICES == GROUPINGS


def _table_offsets(blob: bytes) -> dict:
    """Where each table of an exported blob starts (tables.pxi's layout)."""
    from tokcost import _core

    magic = len(_core.TABLES_MAGIC)
    n_ranks, _, n_bytes, n_piece, n_pair, _ = struct.unpack_from("<6Q", blob, magic + 8)
    dec_off = magic + 7 * 8 + 1024 + 4096 * 8
    piece = dec_off + 8 * n_ranks
    pair = piece + 16 * n_piece
    sig = pair + 8 * n_pair
    sig += -sig % 16
    byte_pair = sig + 16 * n_ranks
    straddle = byte_pair + 4 * 65536
    return {"n_ranks": n_ranks, "n_bytes": n_bytes, "n_piece": n_piece, "n_pair": n_pair, "byte_rank": magic + 7 * 8,
            "dec_off": dec_off, "piece": piece, "pair": pair, "byte_pair": byte_pair, "straddle": straddle}


def test_every_table_is_checked_when_loaded_without_the_gil():
    """Each check of a loaded blob (now made without the GIL, then raised with it) still refuses a rank
    or offset out of bounds, table by table; the untouched blob loads and encodes as before."""
    from tokcost import _core

    enc = tokcost.get_encoding("cl100k_base")
    good = enc._core.export_tables()
    at = _table_offsets(good)
    too_big = 2**21 - 2  # a rank past the vocabulary, below TC_MAX_RANKS

    def used_piece_slot(blob: bytes) -> int:
        for k in range(at["n_piece"]):
            (meta,) = struct.unpack_from("<I", blob, at["piece"] + 16 * k + 12)
            if meta != 0xFFFFFFFF:
                return at["piece"] + 16 * k + 12
        raise AssertionError("no token in the piece table")

    def used_pair_slot(blob: bytes) -> int:
        for k in range(at["n_pair"]):
            (slot,) = struct.unpack_from("<Q", blob, at["pair"] + 8 * k)
            if slot != 2**64 - 1:
                return at["pair"] + 8 * k
        raise AssertionError("no pair in the pair table")

    def long_token_slot(blob: bytes) -> tuple[int, int]:
        """Where the first slot of a token of more than 12 bytes keeps its bytes' offset (format t13), and
        the token's length."""
        for k in range(at["n_piece"]):
            (meta,) = struct.unpack_from("<I", blob, at["piece"] + 16 * k + 12)
            if meta != 0xFFFFFFFF and 12 < meta >> 21 < 2047:
                return at["piece"] + 16 * k + 8, meta >> 21
        raise AssertionError("no token of more than 12 bytes in the piece table")

    piece_at, pair_at = used_piece_slot(good), used_pair_slot(good)
    (meta,) = struct.unpack_from("<I", good, piece_at)
    (pair,) = struct.unpack_from("<Q", good, pair_at)
    offset_at, long_len = long_token_slot(good)
    damage = {
        "byte arena": ("<Q", at["dec_off"] + 8 * 1000, (2**40 << 16) | 3),  # a token's bytes at offset 2**40
        # A long token's slot (t13) whose offset puts its last byte one past the arena.
        "token outside its byte arena": ("<I", offset_at, at["n_bytes"] - long_len + 1),
        "token table": ("<I", piece_at, (meta & ~(2**21 - 1)) | too_big),
        "pair table": ("<Q", pair_at, (pair & (2**42 - 1)) | (too_big << 42)),
        "byte table": ("<I", at["byte_rank"] + 4 * 65, too_big),
        "byte-pair table": ("<I", at["byte_pair"] + 4 * 300, too_big),
        "straddle table": ("<I", at["straddle"] + 4 * 10, too_big),
    }
    for what, (fmt, offset, value) in damage.items():
        blob = bytearray(good)
        struct.pack_into(fmt, blob, offset, value)
        with pytest.raises(ValueError, match=what):
            _core.CoreBPE(bytes(blob), {}, "cl100k")
    at_the_end = bytearray(good)  # the token's last byte the arena's last: in bounds, so it loads
    struct.pack_into("<I", at_the_end, offset_at, at["n_bytes"] - long_len)
    _core.CoreBPE(bytes(at_the_end), {}, "cl100k")
    loaded = _core.CoreBPE(good, {}, "cl100k")
    text = "tables loaded without the GIL: héllo wörld 中文 😀"
    assert loaded.encode_ordinary(text) == enc.encode_ordinary(text)


def test_tables_load_on_threads_while_others_encode():
    """Several threads load the same blob at once (each load releases the GIL for its copies and
    checks) while another encodes: every result agrees with the encoding loaded before."""
    from tokcost import _core

    enc = tokcost.get_encoding("cl100k_base")
    blob = enc._core.export_tables()
    text = "naïve café 東京 Привет, мир! " * 50
    expected = enc.encode_ordinary(text)
    results, errors = [], []

    def load() -> None:
        try:
            for _ in range(3):
                results.append(_core.CoreBPE(blob, {}, "cl100k").encode_ordinary(text))
        except BaseException as exc:  # handed to the test's thread
            errors.append(exc)

    def encode() -> None:
        for _ in range(200):
            results.append(enc.encode_ordinary(text))

    threads = [threading.Thread(target=load) for _ in range(3)] + [threading.Thread(target=encode)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results) == 9 + 200 and all(r == expected for r in results)


class _RecordingExecutor:
    """An executor that runs each task at once and records how many it was given."""

    def __init__(self):
        self.submitted = 0

    def submit(self, fn, *args):
        from tokcost.corpus.local import _Task

        self.submitted += 1
        task = _Task(fn, args)
        task.run()
        return task


@pytest.mark.parametrize("jobs, n_units", [(2, 5), (3, 2), (2, 2)])
def test_on_busy_runs_once_when_every_worker_has_a_unit(monkeypatch, jobs, n_units):
    from tokcost.corpus import local
    from tokcost.corpus.work import Options, Unit

    monkeypatch.setattr(local, "run_unit", lambda unit, options: [unit.paths[0]])
    executor = _RecordingExecutor()
    seen = []
    units = (Unit((f"f{i}",)) for i in range(n_units))  # an iterator, as the lazy listing gives
    out = local._run_on(executor, jobs, units, Options(), None,
                        lambda: seen.append((executor.submitted, threading.current_thread())))
    assert out == [[f"f{i}"] for i in range(n_units)]
    assert seen == [(min(jobs, n_units), threading.current_thread())]


def test_on_busy_runs_before_the_first_unit_inline(monkeypatch):
    from tokcost.corpus import local
    from tokcost.corpus.work import Options, Unit

    calls = []
    monkeypatch.setattr(local, "run_unit", lambda unit, options: calls.append(unit.paths[0]) or [])
    local.run_local(iter([Unit(("a",)), Unit(("b",))]), Options(), jobs=1, on_busy=lambda: calls.append("busy"))
    assert calls == ["busy", "a", "b"]


def test_the_loading_thread_loads_the_default_encoding_the_count_uses(monkeypatch, corpus, capsys):
    """One source for the default: the thread that loads the encoding beside the imports and the
    count itself both take ``cli.common.DEFAULT_ENCODING``."""
    import tokcost.registry as registry
    from tokcost.cli import common, main

    asked = []
    get_encoding = registry.get_encoding

    def recording(name):
        asked.append((threading.current_thread().name, name))
        return get_encoding(name)

    monkeypatch.setattr(common, "DEFAULT_ENCODING", "cl100k_base")
    monkeypatch.setattr(registry, "get_encoding", recording)
    assert main(["count", str(corpus / "d0"), "--jobs", "2", "--format", "json"]) == 0
    for thread in threading.enumerate():
        if thread.name == "tokcost-load-encoding":
            thread.join()
    assert '"encoding": "cl100k_base"' in capsys.readouterr().out
    assert ("tokcost-load-encoding", "cl100k_base") in asked
    assert {name for _, name in asked} == {"cl100k_base"}


def test_the_renderer_thread_loads_what_the_table_of_the_largest_files_needs(corpus):
    """With jobs, ``heapq`` (the table of the largest files) is imported by the renderer thread while
    the files are counted, not on the calling thread after them; the table is as with one job."""
    probe = (
        "import sys, threading\n"
        "import tokcost.cli.count as count\n"
        "counted = count.count_paths\n"
        "def count_paths(*args, **kwargs):\n"
        "    result = counted(*args, **kwargs)\n"
        "    for thread in threading.enumerate():\n"
        "        if thread.name == 'tokcost-import-renderer':\n"
        "            thread.join()\n"
        "    print('heapq loaded by then:', 'heapq' in sys.modules, file=sys.stderr)\n"
        "    return result\n"
        "count.count_paths = count_paths\n"
        "from tokcost.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    env = {**os.environ, "PYTHONPATH": SRC}
    runs = {jobs: subprocess.run([sys.executable, "-c", probe, "count", str(corpus), "--jobs", str(jobs)],
                                 capture_output=True, text=True, env=env, timeout=300, stdin=subprocess.DEVNULL)
            for jobs in (1, 2)}
    assert "heapq loaded by then: False" in runs[1].stderr  # nothing else loads it before the table
    assert "heapq loaded by then: True" in runs[2].stderr
    assert "largest of" in runs[2].stdout and runs[2].stdout == runs[1].stdout


@pytest.mark.parametrize("extra", [["--strict"], []])
def test_an_unknown_encoding_is_reported_before_what_the_listing_met(corpus, extra):
    """A failed load is the one error reported, with jobs as with one, even where the listing would
    fail too (a missing path, under --strict, stops the listing itself): the encoding is resolved
    before the files are counted (docs/NATIVE.md, Threads, round 28, for a try at the other order)."""
    args = [str(corpus / "missing.txt"), str(corpus), "--encoding", "o200k_bas", *extra]
    runs = [tokcost_count(*args, "--jobs", str(jobs)) for jobs in (1, 2)]
    assert runs[0].returncode == 1 and "o200k_base" in runs[0].stderr and "missing" not in runs[0].stderr
    assert (runs[1].returncode, runs[1].stdout, runs[1].stderr) == (runs[0].returncode, runs[0].stdout,
                                                                    runs[0].stderr)

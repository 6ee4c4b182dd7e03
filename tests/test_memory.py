"""No leaks: resident memory stays flat across a million calls.

Each check runs in a fresh interpreter, warms up, then compares the current
RSS (not the peak) before and after the loop. A leak of even 16 bytes a call
would show as 16 MB per million calls."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

_PROBE = """
    import json, os, time
    def rss_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    import numpy as np
    import tokcost
    enc = tokcost.get_encoding("o200k_base")
    texts = ["hello world", "naïve café 東京 \\U0001f600", "I'm here  \\n\\t 12345", "<|endoftext|> x", "a\\udc00b"]
    ids = [enc.encode_ordinary(t) for t in texts]
    raw = [b"ok \\xff", b"\\xe2\\x82 x"]
    def step(i):
    {body}
    for i in range({warmup}):
        step(i)
    tokcost._core.wait_ints_populated()  # the int block's pages, faulted in on a thread of their own
    before = rss_mb()
    t = time.perf_counter()
    for i in range({calls}):
        step(i)
    print(json.dumps({{"before": before, "after": rss_mb(), "seconds": time.perf_counter() - t}}))
"""

BODIES = {
    "encode_ordinary": "enc.encode_ordinary(texts[i % 5])",
    "encode+decode": "enc.decode(enc.encode(texts[i % 4], allowed_special='all'))",
    "count": "enc.count(texts[i % 5])",
    "encode_bytes": "enc.encode_bytes(raw[i % 2])",
    "bad_token": """
        try:
            enc.decode([1, -1 - i])
        except ValueError:
            pass""",
    "batch": "enc.count_batch(texts * 4); enc.encode_ordinary_batch(texts * 4)",
    # decode_single_token_bytes is a C function on raw references (decode.pxi, round 21) that
    # releases by hand what it made: a numpy id's index (an int past the small ones) and an
    # unknown id's message. Either left unreleased grew RSS by 6 and 18 MB over these calls (r21).
    "single_token_numpy": "enc.decode_single_token_bytes(np.uint32(1000 + i % 5000))",
    "single_token_bad": """
        try:
            enc.decode_single_token_bytes(-1 - i)
        except KeyError:
            pass""",
    # encode_single_token of a str past ASCII: token_rank (r21-single) frees the UTF-8 it made.
    "single_token_str": "enc.encode_single_token('é' if i % 2 else '東京')",
}


def _measure(body: str, calls: int, warmup: int) -> dict:
    body = textwrap.indent(textwrap.dedent(body).strip(), " " * 4)
    code = textwrap.dedent(_PROBE).format(body=body, calls=calls, warmup=warmup)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_no_leak_across_a_million_encode_calls():
    result = _measure(BODIES["encode_ordinary"], calls=1_000_000, warmup=50_000)
    growth = result["after"] - result["before"]
    print(f"1e6 encode_ordinary: {result['seconds']:.1f} s, RSS {result['before']:.1f} -> {result['after']:.1f} MB")
    assert growth < 4, result


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
@pytest.mark.parametrize("name", ["encode+decode", "count", "encode_bytes", "bad_token", "batch",
                                  "single_token_numpy", "single_token_bad", "single_token_str"])
def test_no_leak_other_paths(name):
    calls = 5_000 if name == "batch" else 200_000
    result = _measure(BODIES[name], calls=calls, warmup=calls // 10)
    print(f"{calls} x {name}: {result['seconds']:.1f} s, RSS {result['before']:.1f} -> {result['after']:.1f} MB")
    assert result["after"] - result["before"] < 4, result


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
@pytest.mark.parametrize("name", sorted(BODIES))
def test_no_leak_ten_million_calls(name):
    calls = 200_000 if name == "batch" else 10_000_000
    result = _measure(BODIES[name], calls=calls, warmup=calls // 20)
    print(f"{calls} x {name}: {result['seconds']:.1f} s, RSS {result['before']:.1f} -> {result['after']:.1f} MB")
    assert result["after"] - result["before"] < 4, result


_FRESH = """
    import json, os, random
    def rss_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    import tokcost
    enc = tokcost.get_encoding("o200k_base")
    cjk = [chr(c) for c in range(0x4E00, 0x9FA5)]
    def fresh(seed):
        # 1 MB of pieces never seen before: random letters cut into words, and runs of random
        # CJK (long pieces for the second-level cache)
        rng = random.Random(seed)
        words = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz     ", k=600_000))
        han = " ".join("".join(rng.choices(cjk, k=rng.randint(2, 60))) for _ in range(4_000))
        return words + han
    # The long-piece tables, read from the table cache or built (their counting rule is not this
    # test's subject): one long piece of random letters.
    enc.encode_ordinary("".join(random.Random(99).choices("abcdefghijklmnopqrstuvwxyz", k=200_000)))
    # The second level grows when it fills, to 40 MB at most (thread_caches.h): runs of 300 to 1,300
    # random CJK characters, every one kept there, take each thread's to its most and fill it.
    for seed in range(100, 116):
        rng = random.Random(seed)
        runs = " ".join("".join(rng.choices(cjk, k=rng.randint(300, 1300))) for _ in range(2_000))
        enc.encode_ordinary(runs)
        enc.count_batch([runs[i:i + 20_000] for i in range(0, len(runs), 20_000)], num_threads=2)
    for seed in range(6):  # every cache of both threads filled
        text = fresh(seed)
        enc.encode_ordinary(text)
        enc.count_batch([text[i:i + 20_000] for i in range(0, len(text), 20_000)], num_threads=2)
    tokcost._core.wait_ints_populated()
    before = rss_mb()
    for seed in range(6, 22):
        text = fresh(seed)
        enc.count(text)
        enc.encode_ordinary_batch([text[i:i + 20_000] for i in range(0, len(text), 20_000)], num_threads=2)
    print(json.dumps({"before": before, "after": rss_mb()}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_caches_stay_bounded_on_text_never_seen():
    # Every cache has a size limit (docs/NATIVE.md, "Caches"): once full, 16 MB more of fresh
    # pieces, on the calling thread and a batch worker, must not grow the process.
    # glibc raises its mmap threshold when a large block is freed, after which blocks of that size
    # (a batch's ids, the interpreter's lists) stay in the heap once freed: a step of several MB the
    # first time a larger batch runs, whatever tokcost caches. A fixed threshold leaves only the caches.
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="131072")
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(_FRESH)], capture_output=True, text=True,
                          timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"16 MB of fresh pieces: RSS {result['before']:.1f} -> {result['after']:.1f} MB")
    assert result["after"] - result["before"] < 4, result

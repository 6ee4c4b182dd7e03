"""Threads and interrupts: one Encoding shared by 8 threads gives what one
thread gives, and Ctrl-C during a long batch leaves the process usable."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import textwrap
import threading

import pytest


def _texts(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    parts = ["hello", " world", "  ", "\n", "I'm", " 12345", " naïve", " 東京", "\U0001f600", "<|endoftext|>",
             "\t", "a" * 150, " " * 40, "déjà-vu", "\ud800", "x" * 3]
    return ["".join(rng.choice(parts) for _ in range(rng.randint(0, 400))) for _ in range(n)]


def test_eight_threads_match_one_thread(pair):
    ours, _ = pair
    per_thread = [_texts(seed, 40) for seed in range(8)]
    expected = [
        [(ours.encode(t, disallowed_special=()), ours.count(t), ours.encode(t, allowed_special="all"))
         for t in texts]
        for texts in per_thread
    ]
    results: list = [None] * 8
    errors: list = []
    barrier = threading.Barrier(8)

    def work(k: int) -> None:
        try:
            barrier.wait()
            out = []
            for _ in range(3):
                out = [(ours.encode(t, disallowed_special=()), ours.count(t), ours.encode(t, allowed_special="all"))
                       for t in per_thread[k]]
                assert ours.count_batch(per_thread[k], num_threads=2) == [c for _, c, _ in out]
                assert ours.encode_ordinary_batch(per_thread[k], num_threads=2) == [ours.encode_ordinary(t)
                                                                                   for t in per_thread[k]]
                assert ours.decode_batch([ids for ids, _, _ in out]) == [ours.decode(ids) for ids, _, _ in out]
            results[k] = out
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert results == expected


def test_threads_with_large_texts_release_the_gil(pair):
    """Texts above the GIL-release threshold run truly in parallel: same ids."""
    ours, theirs = pair
    texts = [("Lorem ipsum dolor sit amet %d, " % k) * 2000 for k in range(8)]
    expected = [theirs.encode_ordinary(t) for t in texts]
    results: list = [None] * 8

    def work(k: int) -> None:
        results[k] = [ours.encode_ordinary(texts[k]) for _ in range(3)]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert results == [[e] * 3 for e in expected]


_INTERRUPT_CHILD = """
    import json, os, signal, sys, threading, time
    import tokcost
    signal.signal(signal.SIGINT, signal.default_int_handler)  # a child of a background job inherits SIGINT ignored
    enc = tokcost.get_encoding("o200k_base")
    texts = ["Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 40] * 20_000
    expected = enc.encode_ordinary("hello world after the interrupt")
    # Send ourselves SIGINT while the batch is running natively.
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
    interrupted = False
    t = time.perf_counter()
    try:
        # Batches back to back, so the signal lands inside one whatever the speed.
        while time.perf_counter() - t < 60:
            enc.{method}(texts)
    except KeyboardInterrupt:
        interrupted = True
    seconds = time.perf_counter() - t
    ok = enc.encode_ordinary("hello world after the interrupt") == expected
    ok = ok and enc.count_batch(["a b", "c"] * 100) == [2, 1] * 100
    print(json.dumps({{"interrupted": interrupted, "ok": ok, "seconds": seconds}}))
"""


@pytest.mark.parametrize("method", ["count_batch", "encode_ordinary_batch"])
def test_ctrl_c_during_long_batch_leaves_process_usable(method):
    import json

    code = textwrap.dedent(_INTERRUPT_CHILD.format(method=method))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    # The batch finishes its native work, then Python raises KeyboardInterrupt;
    # either way the encoding still gives right answers.
    assert result["interrupted"], result
    assert result["ok"], result


def test_ctrl_c_from_outside_kills_cleanly_or_recovers():
    """A real SIGINT from another process, as a terminal's Ctrl-C sends it."""
    code = textwrap.dedent("""
        import signal, sys, tokcost
        signal.signal(signal.SIGINT, signal.default_int_handler)  # as a terminal's Python has it, even under nohup
        enc = tokcost.get_encoding("cl100k_base")
        texts = ["some text to count, over and over. " * 50] * 100_000
        print("ready", flush=True)
        try:
            while True:
                enc.count_batch(texts)
        except KeyboardInterrupt:
            print("interrupted", enc.count("still works"), flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        import time

        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-3000:]
    assert out.strip() == "interrupted 2"


_FORK_CHILD = """
    import os, sys
    import tokcost
    enc = tokcost.get_encoding("o200k_base")
    texts = ["batch text number %d, with some words" % k for k in range(500)]
    expected = [enc.encode_ordinary(t) for t in texts]
    assert enc.encode_ordinary_batch(texts, num_threads=2) == expected   # the worker pool now exists
    pid = os.fork()
    if pid == 0:
        # The child has none of the parent's worker threads; its batches must still finish.
        ok = enc.encode_ordinary_batch(texts, num_threads=2) == expected
        ok = ok and enc.count_batch(texts, num_threads=2) == [len(e) for e in expected]
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert enc.encode_ordinary_batch(texts, num_threads=2) == expected
    sys.exit(os.waitstatus_to_exitcode(status))
"""


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork()")
def test_batches_work_in_a_forked_child():
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(_FORK_CHILD)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_batches_of_long_and_short_texts_match_tiktoken(pair, threads):
    # Chunks close at 16 texts or 64 KiB: long texts go alone, runs of short ones
    # together, and the results come back in order whatever thread did them.
    ours, theirs = pair
    rng = random.Random(threads)
    short = [t.replace("\ud800", "") for t in _texts(7, 60)]
    texts = []
    for k in range(90):
        texts.append(rng.choice(short) * (rng.choice([1, 1, 1, 50, 120]) if k % 7 == 0 else 1))
    expected = theirs.encode_ordinary_batch(texts, num_threads=1)
    assert ours.encode_ordinary_batch(texts, num_threads=threads) == expected
    assert ours.count_batch(texts, num_threads=threads) == [len(ids) for ids in expected]
    assert ours.encode_ordinary_batch(texts[:1] * 3, num_threads=threads) == expected[:1] * 3
    assert ours.count_batch([], num_threads=threads) == []


def test_batches_leave_no_utf8_copy_in_the_callers_strings(pair):
    # Batch threads convert each non-ASCII text themselves; asking CPython for
    # the UTF-8 would convert them all on the caller's thread first and keep a
    # copy inside every str for as long as it lives.
    ours, theirs = pair
    texts = ["Grüße aus 東京 \U0001f600 " * 50 + str(k) for k in range(40)]
    expected = theirs.encode_ordinary_batch(["".join(list(t)) for t in texts])  # equal strings, other objects
    sizes = [sys.getsizeof(t) for t in texts]
    assert ours.count_batch(texts, num_threads=2) == [len(ids) for ids in expected]
    assert ours.encode_ordinary_batch(texts, num_threads=2) == expected
    assert [sys.getsizeof(t) for t in texts] == sizes
    texts.append("lone \ud800 surrogate")
    assert ours.count_batch(texts, num_threads=2)[-1] == len(theirs.encode_ordinary(texts[-1]))


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def test_batch_plan_keeps_small_batches_on_one_thread(pair):
    # Waking a worker costs about as much as counting a few kilobytes of text.
    ours, _ = pair
    threads, chunks = ours._core._batch_plan(["a short chat message"] * 500, 8)
    assert threads == 1
    assert chunks[0] == 0 and chunks[-1] == 500
    assert ours._core._batch_plan([], 8) == (1, [0])
    assert ours._core._batch_plan(["x" * 100_000] * 4, 1)[0] == 1


@pytest.mark.skipif(_cpus() < 2, reason="needs 2 CPUs")
def test_batch_plan_spreads_a_few_long_texts_over_the_threads(pair):
    # Four texts of 30 KB: one chunk each, so both threads have work; never
    # more threads than texts, CPUs, or than asked for.
    ours, _ = pair
    assert ours._core._batch_plan(["x" * 30_000] * 4, 2) == (2, [0, 1, 2, 3, 4])
    assert ours._core._batch_plan(["x" * 200_000], 8)[0] == 1
    threads, chunks = ours._core._batch_plan(["word " * 200] * 1000, 2)
    assert threads == 2
    # Chunks of 1 KB texts close at 16 texts: enough of them to balance two threads.
    assert len(chunks) - 1 >= 16 and all(b - a <= 16 for a, b in zip(chunks, chunks[1:]))
    assert ours._core._batch_plan(["word " * 200] * 1000, 64)[0] == min(_cpus(), 64, 1000 * 1000 // (16 << 10))


@pytest.mark.skipif(_cpus() < 2, reason="needs 2 CPUs")
def test_batch_plan_weighs_a_text_by_its_utf8_at_most(pair):
    # A thread per 16 KB of UTF-8: two texts of 5,500 Chinese characters (33 KB of UTF-8, a UCS-2
    # str) take two threads, as two ASCII texts of as many bytes do; Latin-1 text counts a byte a
    # character (mostly ASCII). Counted at two bytes a UCS-2 character, the Chinese ran on one.
    ours, _ = pair
    chinese = "\u4e2d\u6587" * 2750
    assert len(chinese.encode()) * 2 >= 2 * (16 << 10)
    assert ours._core._batch_plan([chinese] * 2, 2)[0] == 2
    assert ours._core._batch_plan(["x" * 16_200] * 2, 2)[0] == 1
    assert ours._core._batch_plan(["x" * 16_400] * 2, 2)[0] == 2
    assert ours._core._batch_plan(["\u00e9" * 16_200] * 2, 2)[0] == 1


def test_encode_batch_with_a_surrogate_while_lists_are_built(pair):
    # A worker that meets a lone surrogate flags the batch while the calling
    # thread turns finished chunks into lists; that thread reads the flag
    # atomically (a plain read was a data race under ThreadSanitizer, see
    # docs/HARDENING.md). The batch is then retried with surrogates replaced.
    ours, theirs = pair
    texts = [("word " * 200) + str(k) for k in range(400)]
    texts[300] = "lone \ud800 surrogate " * 10
    expected = [theirs.encode_ordinary(t) for t in texts]
    assert ours._core._batch_plan(texts, 2)[0] == min(2, _cpus())
    for _ in range(3):
        assert ours.encode_ordinary_batch(texts, num_threads=2) == expected
        assert ours.count_batch(texts, num_threads=2) == [len(ids) for ids in expected]

"""A thread with the smallest stack Python allows (threading.stack_size(32768)) gets every answer
tiktoken gives, on every native path, building its tables there too.

The native core once kept its work arrays on the stack, 30 KB deep under encode_batch, and such a
thread crashed (SIGSEGV) on a Thai word of 300 bytes. The child process runs it all on that thread;
a crash shows as its exit status."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import textwrap

import pytest

SMALLEST_STACK = 32768   # threading.stack_size's least


def _texts() -> list[str]:
    rng = random.Random(35)
    thai = [chr(c) for c in range(0x0E01, 0x0E2F)]
    armenian = [chr(c) for c in range(0x0561, 0x0587)]
    texts = ["".join(rng.choice(thai) for _ in range(rng.randint(40, 300))) for _ in range(40)]
    texts += [" ".join("".join(rng.choice(armenian) for _ in range(rng.randint(2, 12))) for _ in range(40))
              for _ in range(5)]
    texts += [
        "".join(rng.choice(thai) for _ in range(3000)),            # a long piece of characters
        "a" * 20000, " " * 5000, "\n" * 3000, "1" * 4000, "." * 3000, "日本語" * 700, "\U0001f600" * 500,
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(70000)),   # over two threads
        "def f(x):\n    return {'k': [x, 2.5]}  # naïve\n" * 50,
        "<|endoftext|> hello <|endoftext|>",
    ]
    return texts


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_a_thread_with_the_smallest_stack_gets_tiktokens_answers(name, tmp_path):
    import tiktoken

    texts = _texts()
    reference = tiktoken.get_encoding(name)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for k, text in enumerate(texts[:: 8]):
        (corpus / f"{k}.txt").write_text(text, encoding="utf-8")
    ids = [reference.encode(t, disallowed_special=()) for t in texts]
    expected = {
        "encode": ids,
        "unstable": [reference.encode_with_unstable(t[:200], disallowed_special=())[0] for t in texts],
        "offsets": [reference.decode_with_offsets(x)[1] for x in ids],
        "corpus": sum(len(reference.encode(t, disallowed_special=())) for t in texts[:: 8]),
        "special": [reference.encode(t, allowed_special="all") for t in texts],
        "tokens": sorted(reference.token_byte_values())[:: 997],
    }
    child = textwrap.dedent("""
        import json, sys, threading
        import tokcost, tokcost.corpus
        texts = json.loads(sys.stdin.read())
        result = {}
        def work():
            enc = tokcost.get_encoding(sys.argv[1])   # tables built on this thread: a fresh cache dir
            ids = [enc.encode(t, disallowed_special=()) for t in texts]
            result["encode"] = ids
            result["special"] = enc.encode_batch(texts, allowed_special="all")
            result["ordinary_batch"] = enc.encode_ordinary_batch(texts) == ids
            result["counts"] = [enc.count(t) for t in texts] == [len(x) for x in ids]
            result["count_batch"] = enc.count_batch(texts) == [len(x) for x in ids]
            result["decode"] = [enc.decode(x) for x in ids] == texts
            result["tokens"] = [list(b) for b in enc.token_byte_values()[:: 997]]
            result["numpy"] = [enc.encode_to_numpy(t, disallowed_special=()).tolist() for t in texts] == ids
            result["unstable"] = [enc.encode_with_unstable(t[:200], disallowed_special=())[0] for t in texts]
            result["offsets"] = [enc.decode_with_offsets(x)[1] for x in ids]
            counted = tokcost.corpus.count_corpus([sys.argv[2]], sys.argv[1], jobs=1)   # on this thread
            result["corpus"] = counted.total_tokens
        threading.stack_size(%d)
        def guarded():
            try:
                work()
            except BaseException as e:   # shown by the test, not lost in the thread
                import traceback
                result["error"] = traceback.format_exc()
        thread = threading.Thread(target=guarded)
        thread.start()
        thread.join()
        print(json.dumps(result))
    """ % SMALLEST_STACK)
    env = {**os.environ, "TOKCOST_CACHE_DIR": str(tmp_path / "tables")}
    run = subprocess.run([sys.executable, "-c", child, name, str(corpus)], input=json.dumps(texts), capture_output=True,
                         text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    got = json.loads(run.stdout)
    assert "error" not in got, got["error"]
    assert got["encode"] == expected["encode"]
    assert got["special"] == expected["special"]
    assert [bytes(b) for b in got["tokens"]] == expected["tokens"]
    for key in ("unstable", "offsets", "corpus"):
        assert got[key] == expected[key], key
    assert got["ordinary_batch"] and got["counts"] and got["count_batch"] and got["decode"] and got["numpy"]
    assert list((tmp_path / "tables").iterdir()), "the child built its tables, and saved them"


@pytest.fixture
def scratch():
    """_core.scratch_bytes, given back its full size after the test."""
    import tokcost

    full, _ = tokcost._core.scratch_bytes()
    yield tokcost._core.scratch_bytes
    tokcost._core.scratch_bytes(full)


def test_a_full_scratch_takes_another_exact_path_or_raises_memory_error(pair, scratch):
    """The scratch never fills (encoder.h asserts its deepest chain fits), but a caller that finds
    it full must still answer exactly, by another path, or raise MemoryError: a smaller scratch
    makes every such branch run."""
    ours, reference = pair
    rng = random.Random(7)
    thai = "".join(chr(rng.randrange(0x0E01, 0x0E2F)) for _ in range(2000))
    armenian = " ".join("".join(chr(rng.randrange(0x0561, 0x0587)) for _ in range(8)) for _ in range(100))
    texts = [thai, armenian, thai[:300], "x" + "ab" * 3000, "hello world, " * 50]
    expected = [reference.encode(t) for t in texts]
    probe = "hello world, again and again"
    pool = _pool_size(ours, probe, scratch)
    assert 4096 < pool < 65536
    scratch(pool - 64)
    for call in (ours.encode, ours.count, ours.encode_ordinary_batch, ours.count_batch):
        with pytest.raises(MemoryError):
            call([probe, probe] if "batch" in call.__name__ else probe)
    # Room for the pool alone: the character path and the long-piece search are refused their room.
    for size in (pool, pool + 64 * 110):   # the second: the search's state fits, the units do not
        _, before = scratch(size)
        assert [ours.encode(t) for t in texts] == expected
        assert ours.encode_ordinary_batch(texts) == expected
        assert ours.count_batch(texts) == [len(x) for x in expected]
        assert scratch()[1] > before, "a take was refused"
    _, before = scratch(65536)
    assert [ours.encode(t) for t in texts] == expected
    assert scratch()[1] == before, "nothing is refused at full size"


def _pool_size(enc, text: str, scratch) -> int:
    """The text loop's pool is the first room taken: the least scratch in which ``enc`` encodes a text
    of several pieces is the pool's size (rounded to a cache line)."""
    for size in range(0, 65537, 64):
        scratch(size)
        try:
            enc.encode(text)
            return size
        except MemoryError:
            continue
    raise AssertionError("no scratch size encodes a short text")


def test_open_model_encodings_on_the_smallest_stack():
    """Every native splitter of the open families (whose exactness against their own tokenizers
    tests/test_open_models.py checks) gives on a 32 KB thread what it gives on the main thread."""
    child = textwrap.dedent("""
        import json, random, threading
        import tokcost
        rng = random.Random(3)
        texts = ["".join(chr(rng.randrange(0x0E01, 0x0E2F)) for _ in range(3000)), "héllo wörld " * 100,
                 "日本語のテキスト" * 200, "a" * 20000, "Ἀθῆναι é\\u0301 " * 100]
        names = ["llama3", "llama4", "tekken", "qwen", "qwen3_5", "deepseek_v4"]
        def run(enc):
            return [enc.encode(t) for t in texts], enc.count_batch(texts)
        encodings, small = {}, {}
        for name in names:
            try:
                encodings[name] = tokcost.get_encoding(name)
            except Exception:   # the family's package is not installed
                pass
        def work():
            for name, enc in encodings.items():
                small[name] = run(enc)
        threading.stack_size(%d)
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        print(json.dumps({"loaded": sorted(encodings),
                          "same": [name for name, enc in encodings.items() if small.get(name) == run(enc)]}))
    """ % SMALLEST_STACK)
    run = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    got = json.loads(run.stdout)
    if not got["loaded"]:
        pytest.skip("no open family's package is installed")
    assert sorted(got["same"]) == got["loaded"]

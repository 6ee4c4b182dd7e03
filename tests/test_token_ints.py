"""The int objects in lists of token ids (pyints.h): one shared object per id, laid out by id.

They must be ints in every respect, equal to tiktoken's ids, the interpreter's own small ints up
to 256 (as tiktoken's are), and they must outlive the encoding and the lists that held them."""

from __future__ import annotations

import gc
import os
import pickle
import platform
import subprocess
import sys
import textwrap

import numpy as np
import pytest


def test_ids_are_plain_ints_equal_to_tiktokens(pair):
    ours, ref = pair
    text = "Hello, world! 12345 naïve café 東京 \U0001f600 <|endoftext|>\n\tdef f(x): return x ** 2\n"
    got, want = ours.encode_ordinary(text), ref.encode_ordinary(text)
    assert got == want
    for a, b in zip(got, want):
        assert type(a) is int and a == b and hash(a) == hash(b) and repr(a) == repr(b)
        assert a + 0 == b and a.bit_length() == b.bit_length() and int(str(a)) == b
        assert (a is b) == (b <= 256)  # small ints are the interpreter's own, as tiktoken's
    assert pickle.loads(pickle.dumps(got)) == want
    assert np.array(got, dtype=np.int64).tolist() == want


def test_every_id_round_trips(pair):
    """The object for each id (every seventh, and the last) is that id."""
    ours, ref = pair
    for r in [*range(0, ours.max_token_value, 7), ours.max_token_value]:
        try:
            token = ref.decode_single_token_bytes(r)
        except KeyError:  # a gap in the ranks
            continue
        if ours.is_special_token(r):
            continue
        got = ours._core.encode_single_piece(token)
        assert got == [r] and type(got[0]) is int and str(got[0]) == str(r), r


def test_ids_outlive_the_encoding_and_repeated_lists():
    """Lists keep their ids after the encoding is gone, and a million references taken and
    dropped leave them intact (their counts never reach zero)."""
    code = textwrap.dedent("""
        import gc, sys
        import tokcost
        enc = tokcost.get_encoding("o200k_base")
        ids = enc.encode_ordinary("token ids that outlive their encoding")
        expected = list(map(int, map(str, ids)))
        for _ in range(200000):
            enc.encode_ordinary("token ids that outlive their encoding")
        del enc
        gc.collect()
        held = [ids[:] for _ in range(1000)]
        del held
        gc.collect()
        assert ids == expected and all(type(i) is int for i in ids), ids
        print("ok", sum(ids))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("ok")


def test_batch_lists_use_the_same_objects(pair):
    ours, ref = pair
    texts = ["alpha beta", "γάμμα δέλτα", "東京 大阪", "x" * 100] * 8
    got = ours.encode_ordinary_batch(texts, num_threads=2)
    assert got == [ref.encode_ordinary(t) for t in texts]
    gc.collect()
    assert got[0] is not got[4] and got[0] == got[4]
    assert all(a is b for a, b in zip(got[0], got[4]))  # one object per id


def test_small_ints_are_counted_once_per_slot(pair):
    """A list holds a counted reference to each small int it contains (pyints.h counts those and
    not the block's, which are never freed): the interpreter's counts go up by the number of
    slots and come back when the list goes. Ids of both kinds alternate in the text."""
    ours, _ = pair
    text = "a, b. c; d! " * 50 + "x = (1, 2) # ids below and above 256\n" * 20
    ids = ours.encode_ordinary(text)
    small = sorted({i for i in ids if i <= 256})
    assert small and any(i > 256 for i in ids)
    del ids
    gc.collect()
    before = [sys.getrefcount(i) for i in small]  # lists: a dict's keys would be references too
    ids = ours.encode_ordinary(text)
    during = [sys.getrefcount(i) for i in small]
    if sys.version_info < (3, 12):  # immortal from 3.12: the counts are not kept
        assert [d - b for d, b in zip(during, before)] == [ids.count(i) for i in small]
    del ids
    gc.collect()
    assert [sys.getrefcount(i) for i in small] == before


def test_batch_counts_are_ints_equal_to_tiktokens_counts():
    """count_batch's counts below the vocabulary's size are the block's ints (pyints.h,
    tc_sizes_list): in a fresh process, so their groups are filled by the counts themselves, and
    one count past the block's whole reserved range (2^21 ids), which must be a fresh int."""
    code = textwrap.dedent("""
        import tiktoken, tokcost
        sizes = [0, 1, 256, 257, 300, 199_990, 2_200_000]
        texts = [" x" * k for k in sizes] + ["Grüße aus 東京 " * 40]
        want = [len(ids) for ids in tiktoken.get_encoding("o200k_base").encode_ordinary_batch(texts)]
        enc = tokcost.get_encoding("o200k_base")
        for threads in (1, 2):
            got = enc.count_batch(texts, num_threads=threads)
            assert got == want, (got, want)
            assert all(type(c) is int and str(c) == str(w) and hash(c) == hash(w) for c, w in zip(got, want))
        print("ok", want)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("ok")


def test_a_processs_first_lists_take_young_ints_then_the_block():
    """A fresh process's first lists (those that start before 4,096 ids were listed) take their
    ints from the young arena (pyints.h), up to 16,384 distinct ids, then from the block, mid-list
    when the arena fills: lists of each kind, and the one that crosses, against tiktoken. Ids
    recur within and across lists (the young table's hits, and its probes past other ids in a
    slot), and an id keeps one object while young."""
    code = textwrap.dedent("""
        import random, tiktoken, tokcost
        from tokcost.testing import space_word_tokens
        ref, enc = tiktoken.get_encoding("o200k_base"), tokcost.get_encoding("o200k_base")
        words = space_word_tokens(ref)  # one piece each
        rng = random.Random(7)
        rng.shuffle(words)
        small = ["".join(rng.choices(words[:3000], k=200)) for _ in range(15)]  # young lists
        first = [enc.encode_ordinary(t) for t in small]
        assert first == [ref.encode_ordinary(t) for t in small]
        again = enc.encode_ordinary(small[0])
        assert all(a is b for a, b in zip(again, first[0]))  # one object per id while young
        crossing = "".join(words[:30000]) + small[1]  # fills the arena mid-list
        assert len(set(ref.encode_ordinary(crossing))) > 16384
        for text in (crossing, crossing, small[2], "".join(words[-20000:])):
            got = enc.encode_ordinary(text)
            assert got == ref.encode_ordinary(text)
            assert all(type(i) is int and hash(i) == i for i in got)
        print("ok", len(words))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("ok")


@pytest.mark.skipif(not sys.platform.startswith("linux") or tuple(map(int, platform.release().split(".")[:2])) < (5, 14),
                    reason="MADV_POPULATE_WRITE needs Linux 5.14")
def test_a_processs_second_list_faults_in_the_block_on_another_thread():
    """A process's second list starts a thread that faults in the int block's pages (pyints.h)
    while lists still take young ints; once it is done, lists take the block. The block's 6 MB
    for o200k_base are then resident, and every list, before, during and after, equals tiktoken's."""
    code = textwrap.dedent("""
        import os, random, tiktoken, tokcost
        from tokcost.testing import space_word_tokens
        def rss_mb():
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        ref, enc = tiktoken.get_encoding("o200k_base"), tokcost.get_encoding("o200k_base")
        words = space_word_tokens(ref)
        rng = random.Random(11)
        # ids over the whole vocabulary; the first two lists, 2,000 ids, are young
        texts = ["".join(rng.choices(words, k=1000 if i < 2 else 3000)) for i in range(12)]
        want = [ref.encode_ordinary(t) for t in texts]
        assert enc.encode_ordinary(texts[0]) == want[0]
        before = rss_mb()
        got = [enc.encode_ordinary(texts[1])]  # the second list starts the thread
        tokcost._core.wait_ints_populated()
        grown = rss_mb() - before  # by the thread alone: no list has taken the block yet
        got += [enc.encode_ordinary(t) for t in texts[2:]]  # young while the thread runs, then the block
        assert got == want[1:], "ids differ from tiktoken's"
        print("ok", round(grown, 1))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("ok")
    assert float(proc.stdout.split()[1]) >= 5, proc.stdout  # the block's pages are in


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_child_forked_while_the_block_is_populated_lists_and_waits():
    """A child forked while the populating thread runs has no such thread: it must not wait for
    one, and its lists equal tiktoken's."""
    code = textwrap.dedent("""
        import os, random, tiktoken, tokcost
        from tokcost.testing import space_word_tokens
        ref, enc = tiktoken.get_encoding("o200k_base"), tokcost.get_encoding("o200k_base")
        words = space_word_tokens(ref)
        rng = random.Random(5)
        texts = ["".join(rng.choices(words, k=2500)) for _ in range(6)]
        want = [ref.encode_ordinary(t) for t in texts]
        enc.encode_ordinary(texts[0]); enc.encode_ordinary(texts[1])  # the second list starts the thread
        pid = os.fork()  # most likely while it runs
        if pid == 0:
            tokcost._core.wait_ints_populated()  # must return at once
            ok = [enc.encode_ordinary(t) for t in texts] == want
            os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, "the child's ids differ from tiktoken's"
        print("ok")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("ok")

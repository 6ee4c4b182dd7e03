"""Byte-level merge jobs (interleave.h) against tiktoken.

A piece that is not a token and not in the piece cache, of up to TC_SMALL_PIECE bytes and not taken
by the character path, becomes a job: ``tc_job_start`` sets up its bytes' ranks and the rank of
each adjacent pair, then the job merges, yielding at each pair it must fetch from the shared table,
and up to 16 jobs are in flight before the pool is drained. These texts are words no vocabulary
has (letters whose pairs are rare, so few merges are found in the caches), every length from 2 to
past TC_SMALL_PIECE, each word new to the process (random, seeded), many to a text so the pool
fills and drains at every count, with and without a leading space. Ids are compared with
tiktoken's, and with the texts' count.
"""

from __future__ import annotations

import random
import zlib

import pytest

ALPHABETS = ["qxzjkvw", "aeiou", "zq", "bcdfghklmnprst"]


def _words(seed: int, alphabet: str) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(n)) for n in [*range(2, 104), *rng.choices(range(2, 60), k=200)]]


@pytest.mark.parametrize("alphabet", ALPHABETS)
@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base", "r50k_base"])
def test_new_words_of_every_length(name, alphabet):
    import tiktoken

    import tokcost

    ours, ref = tokcost.get_encoding(name), tiktoken.get_encoding(name)
    seed = zlib.crc32(f"{name} {alphabet}".encode()) & 0xFFFF  # the same words every run
    for sep in (" ", "\n", "-"):
        words = _words(seed, alphabet)
        seed += 1
        text = sep.join(words)
        expected = ref.encode_ordinary(text)
        assert ours.encode_ordinary(text) == expected
        assert ours.count(text) == len(expected)
    for word in _words(seed + 7, alphabet)[:120]:   # one piece a text: a job alone in its pool
        assert ours.encode_ordinary(word) == ref.encode_ordinary(word), word


def _job_words(rng: random.Random, n: int) -> list[str]:
    """n words no vocabulary has, each new to the process (the piece cache keeps a job's answer:
    met again, a word is a hit, not a job)."""
    return [" " + "".join(rng.choices("qxzjvkwy", k=rng.randrange(6, 14))) for _ in range(n)]


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_pool_drained_at_every_place_in_a_group(name):
    """Round 19 (r19-textloop): the group loop writes single bytes and piece cache hits itself and
    keeps its place in the output outside out->len; the rest goes to tc_encode_uncached, which
    drains the pool when the 17th job of a text arrives (16 in flight). The drain closes the gaps
    of finished jobs, moving every id written since, the loop's own among them, so the loop writes
    out->len before the call and reads its place back after. test_group_hits_beside_every_other_kind
    _of_piece's texts have about 6 jobs each (drained at the text's end only); here 16 jobs come
    first, then 0-40 pieces the loop writes inline, the 17th job (so the drain falls at every place
    of a group), a token not yet cached, 16 jobs more and a second drain. Each text made of fresh
    words for each call: encoded, counted (the drained jobs' counts go to the group's sum), and as
    batches on two threads, against tiktoken."""
    import tiktoken

    import tokcost

    ours, ref = tokcost.get_encoding(name), tiktoken.get_encoding(name)
    rng = random.Random(f"r19 pool drain {name}")
    inline = [" the", ",", " of", ".", " and", ";", " to", ":"]
    ours.encode_ordinary("".join(inline))  # the words hit the piece cache from here on
    uncached = iter(w for w in (ref.decode_single_token_bytes(r) for r in range(3000, 40000))
                    if w[:1] == b" " and w[1:].isalpha() and w.isascii() and len(w) >= 4)

    def text(m: int) -> str:
        jobs = _job_words(rng, 34)
        after = "".join(inline[(m + k) % len(inline)] for k in range(5))
        return ("".join(jobs[:16]) + "".join(inline[k % len(inline)] for k in range(m)) + jobs[16] + after
                + next(uncached).decode() + "".join(jobs[17:33]) + after + jobs[33] + after)

    places = range(41)
    for m in places:
        encoded = text(m)
        assert ours.encode_ordinary(encoded) == ref.encode_ordinary(encoded), (m, encoded)
        counted = text(m)
        assert ours.count(counted) == len(ref.encode_ordinary(counted)), (m, counted)
    batch = [text(m) for m in places]
    want = [ref.encode_ordinary(t) for t in batch]
    assert ours.encode_ordinary_batch(batch, num_threads=2) == want
    batch = [text(m) for m in places]
    assert ours.count_batch(batch, num_threads=2) == [len(ref.encode_ordinary(t)) for t in batch]


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base", "r50k_base"])
def test_jobs_whose_pairs_the_pair_cache_answers(name):
    """Round 35: after each merge a job starts loading its new pairs' pair-cache slots and yields,
    and reads them when it runs next (interleave.h). Words of common letters, thousands to a text, so
    most of those pairs were asked before and the pair cache answers them; words of rare letters
    beside them, whose pairs go on to the table."""
    import tiktoken

    import tokcost

    ours, ref = tokcost.get_encoding(name), tiktoken.get_encoding(name)
    rng = random.Random(35)
    for alphabet in ("etaoinshrdlu", "aeiou", "etaoinshrdlu" + "qxzjkvw"):
        words = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(3, 14))) for _ in range(3000)]
        text = " ".join(words)
        expected = ref.encode_ordinary(text)
        assert ours.encode_ordinary(text) == expected
        assert ours.count(text) == len(expected)
        assert ours.encode_ordinary_batch([text[: len(text) // 2], text], num_threads=2) == [
            ref.encode_ordinary(text[: len(text) // 2]), expected]

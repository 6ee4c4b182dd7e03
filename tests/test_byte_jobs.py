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
    seed = hash((name, alphabet)) & 0xFFFF
    for sep in (" ", "\n", "-"):
        words = _words(seed, alphabet)
        seed += 1
        text = sep.join(words)
        expected = ref.encode_ordinary(text)
        assert ours.encode_ordinary(text) == expected
        assert ours.count(text) == len(expected)
    for word in _words(seed + 7, alphabet)[:120]:   # one piece a text: a job alone in its pool
        assert ours.encode_ordinary(word) == ref.encode_ordinary(word), word

"""``encode_ordinary_batch_to_numpy``: tiktoken's ids for every text, flat, with offsets."""

from __future__ import annotations

import random

import numpy as np
import pytest
import tiktoken

import tokcost


def _texts(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    parts = ["hello", " world", "  ", "\n", "I'm", " 12345", " naïve", " 東京", "\U0001f600", "<|endoftext|>",
             "\t", "a" * 150, " " * 40, "déjà-vu", "x" * 3, "สวัสดี", "Привет"]
    return ["".join(rng.choice(parts) for _ in range(rng.randint(0, 300))) for _ in range(n)]


def _check(ids, offsets, expected):
    assert ids.dtype == np.uint32 and offsets.dtype == np.uint64
    assert len(offsets) == len(expected) + 1 and offsets[0] == 0 and offsets[-1] == len(ids)
    for k, want in enumerate(expected):
        assert ids[offsets[k]:offsets[k + 1]].tolist() == want, k


@pytest.mark.parametrize("threads", [1, 2, 8])
def test_flat_batch_matches_tiktoken(pair, threads):
    ours, theirs = pair
    texts = _texts(threads, 120) + ["", "x" * 70_000, ""]
    expected = theirs.encode_ordinary_batch(texts, num_threads=1)
    ids, offsets = ours.encode_ordinary_batch_to_numpy(texts, num_threads=threads)
    _check(ids, offsets, expected)
    assert ids.tolist() == [i for want in expected for i in want]


def test_flat_batch_of_many_small_texts_over_threads(pair):
    # Enough bytes for two threads and many chunks: offsets carry across chunk boundaries.
    ours, theirs = pair
    texts = ["word %d, and more words " % k * (k % 5) for k in range(2000)]
    ids, offsets = ours.encode_ordinary_batch_to_numpy(texts, num_threads=2)
    _check(ids, offsets, theirs.encode_ordinary_batch(texts, num_threads=1))


def test_flat_batch_empty():
    enc = tokcost.get_encoding("o200k_base")
    ids, offsets = enc.encode_ordinary_batch_to_numpy([])
    assert ids.tolist() == [] and offsets.tolist() == [0]
    ids, offsets = enc.encode_ordinary_batch_to_numpy(["", ""])
    assert ids.tolist() == [] and offsets.tolist() == [0, 0, 0]


def test_flat_batch_arrays_are_writable_and_own_their_data():
    enc = tokcost.get_encoding("o200k_base")
    ids, offsets = enc.encode_ordinary_batch_to_numpy(["hello world"])
    ids[0] = 7
    offsets[1] = 1
    assert enc.encode_ordinary_batch_to_numpy(["hello world"])[0].tolist() == tiktoken.get_encoding(
        "o200k_base").encode_ordinary("hello world")


def test_flat_batch_replaces_lone_surrogates_as_tiktoken_does(pair):
    ours, theirs = pair
    texts = ["fine", "lone \ud800 surrogate", "after"]
    ids, offsets = ours.encode_ordinary_batch_to_numpy(texts, num_threads=2)
    _check(ids, offsets, theirs.encode_ordinary_batch(texts))


def test_flat_batch_bad_input_raises_as_tiktoken_does():
    ours = tokcost.get_encoding("o200k_base")
    theirs = tiktoken.get_encoding("o200k_base")
    for bad in (["ok", 3], [b"bytes"], [None]):
        with pytest.raises(TypeError):
            theirs.encode_ordinary_batch(bad)
        with pytest.raises(TypeError, match="expected str"):
            ours.encode_ordinary_batch_to_numpy(bad)


def test_flat_batch_on_an_encoding_split_in_python(python_split_parts):
    # A pattern no native splitter serves: the ids come from the Python splitter's lists.
    ours = tokcost.Encoding("custom_flat", **python_split_parts)
    assert ours._split_regex is not None
    theirs = tiktoken.Encoding("custom_flat", **python_split_parts)
    texts = ["12345 hello", "", "mixed 中文 123"]
    ids, offsets = ours.encode_ordinary_batch_to_numpy(texts)
    _check(ids, offsets, theirs.encode_ordinary_batch(texts))
    ids, offsets = ours.encode_ordinary_batch_to_numpy([])
    assert ids.tolist() == [] and offsets.tolist() == [0]

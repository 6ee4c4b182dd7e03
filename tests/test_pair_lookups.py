"""The character path's pair lookups, against tiktoken.

cache.h's ``tc_merge_units`` asks the rank of every pair of neighbouring units from the per-thread
pair cache and, when it misses, from the shared pair table (tables.h, linear probing over 8-byte
slots). Round 17 (r17-pairs, NATIVE.md) measured the table asked first and kept the cache; these
tests hold either way to tiktoken. They put every pair of the single-character tokens of Arabic
and Devanagari side by side (the first merges of every word of those scripts), words of three to
nine of them (the merges after the first, whose pairs are longer tokens), and tokens of those
scripts glued two and three at a time. The pairs land anywhere in the table's probe sequences, so
a lookup that stops short of a pair's slot, or asks the wrong key, fails them."""

from __future__ import annotations

import random

import pytest

ENCODINGS = ["o200k_base", "cl100k_base"]
BLOCKS = {"arabic": range(0x0600, 0x0700), "devanagari": range(0x0900, 0x0980)}


@pytest.fixture(scope="module", params=ENCODINGS)
def encodings(request):
    import tiktoken

    import tokcost

    return tokcost.get_encoding(request.param), tiktoken.get_encoding(request.param)


def _single_character_tokens(ref, block):
    """The characters of a block that are one token of the reference."""
    out = []
    for cp in block:
        ch = chr(cp)
        if ch.isprintable() and len(ref.encode_ordinary(ch)) == 1:
            out.append(ch)
    return out


def _same(ours, ref, words):
    """Every word against tiktoken: all at once (a space before each, so each its own piece),
    then one by one only to name the first that differs."""
    text = "".join(" " + w for w in words)
    if ours.encode_ordinary(text) != ref.encode_ordinary(text):
        for w in words:
            assert ours.encode_ordinary(" " + w) == ref.encode_ordinary(" " + w), repr(w)
        pytest.fail("the text differs, no word alone does")
    for w in words[::7]:     # and some as pieces of their own, no space before them
        assert ours.encode_ordinary(w) == ref.encode_ordinary(w), repr(w)


@pytest.mark.parametrize("script", sorted(BLOCKS))
def test_every_pair_of_single_character_tokens(encodings, script):
    ours, ref = encodings
    chars = _single_character_tokens(ref, BLOCKS[script])
    assert len(chars) >= 15, len(chars)   # cl100k_base has 17 of Devanagari
    _same(ours, ref, [a + b for a in chars for b in chars])


@pytest.mark.parametrize("script", sorted(BLOCKS))
def test_words_of_single_character_tokens(encodings, script):
    """Words of 3 to 9 characters: their merges pair tokens of two, three and more letters."""
    ours, ref = encodings
    chars = _single_character_tokens(ref, BLOCKS[script])
    rng = random.Random(f"words-{script}")
    _same(ours, ref, ["".join(rng.choice(chars) for _ in range(rng.randrange(3, 10))) for _ in range(3_000)])


@pytest.mark.parametrize("script", sorted(BLOCKS))
def test_tokens_of_the_script_glued(encodings, script):
    """Tokens of several letters glued two and three at a time: pairs of long tokens, most of
    which no word of the other tests reaches."""
    ours, ref = encodings
    block = BLOCKS[script]
    toks = set()
    for rank in range(ref.n_vocab):
        try:
            t = ref.decode_single_token_bytes(rank).decode("utf-8").strip()
        except (KeyError, UnicodeDecodeError):
            continue
        if len(t) >= 2 and all(ord(ch) in block for ch in t):
            toks.add(t)
    assert toks
    toks = sorted(toks)   # cl100k_base has one of Devanagari, so its own letters go too
    toks += _single_character_tokens(ref, block)
    rng = random.Random(f"glued-{script}")
    _same(ours, ref, ["".join(rng.choice(toks) for _ in range(rng.randrange(2, 4))) for _ in range(2_000)])

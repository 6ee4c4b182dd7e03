"""Short pieces that are not tokens, against tiktoken.

Round 27 (r27-short, NATIVE.md "Merging"): a piece of 2 or 3 bytes that is not a token is merged by
``tc_merge_short`` from ``byte_pair`` alone (a merge of all of it would make it a token, so only its
two-byte pairs can merge) and never goes to the second-level cache; and a byte-level job stops as
soon as its piece is two tokens (their pair would be the whole piece, which is not a token). These
tests give every two-byte string, the three-byte strings over bytes of every kind, and texts made of
short fresh pieces (random base64 and mixed-case letters, split by o200k_base at case changes, digits
and punctuation) to both libraries in all five encodings, fresh and again from the piece cache,
encoded, counted and in a batch.
"""

from __future__ import annotations

import base64
import itertools
import random
import zlib

import pytest

ENCODINGS = ["o200k_base", "o200k_harmony", "cl100k_base", "r50k_base", "p50k_base"]
# Bytes of every kind for the three-byte strings: letters of both cases, digits, punctuation,
# whitespace, control bytes, continuation bytes and the lead bytes of two-, three- and four-byte
# characters.
BYTES = b"aeinstzAEINSTZ019 \t\n!#'+-./=_\x00\x7f\x80\x9f\xa0\xbf\xc3\xc9\xd0\xd8\xe0\xe3\xe4\xef\xf0\xff"


def _encoders(name):
    import tiktoken

    import tokcost

    return tokcost.get_encoding(name), tiktoken.get_encoding(name)


def _assert_pieces(ours, ref, pieces):
    """Each piece alone (no splitting) against tiktoken, fresh and then from the piece cache."""
    expected = [ref._encode_single_piece(p) for p in pieces]
    for _ in range(2):
        got = [ours._encode_single_piece(p) for p in pieces]
        bad = [(p, g, e) for p, g, e in zip(pieces, got, expected) if g != e]
        assert not bad, bad[:5]


@pytest.mark.parametrize("name", ENCODINGS)
def test_every_two_byte_piece(name):
    ours, ref = _encoders(name)
    _assert_pieces(ours, ref, [bytes([a, b]) for a in range(256) for b in range(256)])


@pytest.mark.parametrize("name", ENCODINGS)
def test_three_byte_pieces(name):
    """Every three bytes of BYTES, every byte three times (the pairs' ranks tie: the left one
    merges), and random three-byte strings."""
    ours, ref = _encoders(name)
    rng = random.Random(zlib.crc32(name.encode()))
    pieces = [bytes(t) for t in itertools.product(BYTES, repeat=3)]
    pieces += [bytes([b]) * 3 for b in range(256)]
    pieces += [rng.randbytes(3) for _ in range(20000)]
    _assert_pieces(ours, ref, pieces)


def _texts(kind: str, rng: random.Random) -> list[str]:
    """Texts whose pieces are mostly 1 to 8 bytes in o200k_base, each new to the process."""
    lower = "abcdefghijklmnopqrstuvwxyz"
    if kind == "base64":
        return [base64.b64encode(rng.randbytes(rng.randrange(1, 3000))).decode() for _ in range(40)]
    if kind == "urlsafe base64":
        return [base64.urlsafe_b64encode(rng.randbytes(rng.randrange(1, 3000))).decode() for _ in range(40)]
    if kind == "Aa":
        return ["".join(rng.choices(lower + lower.upper(), k=rng.randrange(1, 4000))) for _ in range(40)]
    if kind == "words and digits":   # each run of letters its own piece in every encoding
        return ["".join(rng.choice("0123456789") + "".join(rng.choices(lower, k=rng.randrange(1, 6)))
                        for _ in range(rng.randrange(1, 800))) for _ in range(40)]
    if kind == "short words":        # a space before each: the pieces " ab", " abc" of cl100k, r50k, p50k
        return [" ".join("".join(rng.choices(lower + "ABC", k=rng.randrange(1, 5))) for _ in range(rng.randrange(1, 800)))
                for _ in range(40)]
    raise ValueError(kind)


@pytest.mark.parametrize("kind", ["base64", "urlsafe base64", "Aa", "words and digits", "short words"])
@pytest.mark.parametrize("name", ENCODINGS)
def test_texts_of_short_pieces(name, kind):
    """Each text alone, all joined (fresh, then again from the caches), counted, and as a batch."""
    ours, ref = _encoders(name)
    texts = _texts(kind, random.Random(zlib.crc32(f"{name} {kind}".encode())))
    expected = [ref.encode_ordinary(t) for t in texts]
    for text, ids in zip(texts, expected):
        assert ours.encode_ordinary(text) == ids, text
    joined = "".join(texts)
    want = ref.encode_ordinary(joined)
    for _ in range(2):
        assert ours.encode_ordinary(joined) == want
    assert ours.count(joined) == len(want)
    assert ours.encode_ordinary_batch(texts, num_threads=2) == expected

"""Characters below U+0800 read by index in the character path, against tiktoken.

The character path finds a character's standalone BPE (its token, done_rank, wait and partner
signatures) in a per-thread cache by hash; a code point below U+0800 (one or two bytes: ASCII,
Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic, Syriac, Thaana, NKo) instead has its entry in a
table built with the vocabulary and is found by index, decoded from its first byte's entry in
``tc_utf8_lead`` (cache.h, NATIVE.md "Characters below U+0800 by index"). A wrong index gives a
character another's token; these tests put every such code point, beside neighbours of its own
block and others, in words the character path merges, and compare ids with tiktoken's.
"""

from __future__ import annotations

import random

import pytest

ENCODINGS = ["o200k_base", "cl100k_base"]
# Two-byte code points in blocks of 64 (one first byte each: C2 to DF).
LEADS = [(cp, min(cp + 64, 0x800)) for cp in range(0x80, 0x800, 64)]
NEIGHBOURS = ["", " ", "a", "é", "я", "ب", "न", "中", "1", ",", "'"]


@pytest.fixture(scope="module", params=ENCODINGS)
def encodings(request):
    import tiktoken

    import tokcost

    return tokcost.get_encoding(request.param), tiktoken.get_encoding(request.param)


def _check(ours, ref, texts):
    for text in texts:
        assert ours.encode(text) == ref.encode(text), repr(text)


@pytest.mark.parametrize("start,stop", LEADS, ids=[f"U+{a:04X}" for a, _ in LEADS])
def test_every_two_byte_code_point_in_words(encodings, start, stop):
    ours, ref = encodings
    chars = [chr(cp) for cp in range(start, stop)]
    texts = []
    for c in chars:
        for left in NEIGHBOURS:
            texts.append(f"{left}{c}{c}{chars[0]}")
            texts.append(f" {c}{left}{chars[-1]}{c}")
    _check(ours, ref, texts)


@pytest.mark.parametrize("start,stop", LEADS, ids=[f"U+{a:04X}" for a, _ in LEADS])
def test_random_words_of_one_block(encodings, start, stop):
    ours, ref = encodings
    rng = random.Random(start)
    chars = [chr(cp) for cp in range(start, stop)]
    texts = [" ".join("".join(rng.choice(chars) for _ in range(rng.randint(1, 9))) for _ in range(12))
             for _ in range(40)]
    _check(ours, ref, texts)


def test_ascii_beside_two_byte_letters(encodings):
    """One-byte characters (the prefix of most pieces) by index too, in every position."""
    ours, ref = encodings
    letters = ["é", "ж", "ب", "ש", "Ω", "ա", "ñ", "ö"]
    texts = [f"{chr(b)}{x}{y}{chr(b)}{x}" for b in range(0x20, 0x7F) for x in letters for y in letters[:3]]
    _check(ours, ref, texts)


def test_fresh_vocabulary_built_from_ranks():
    """A vocabulary built from its ranks (not the table cache) has the same table."""
    import tiktoken

    from tokcost._core import CoreBPE

    ref = tiktoken.get_encoding("cl100k_base")
    core = CoreBPE(dict(ref._mergeable_ranks), {}, "cl100k")
    rng = random.Random(7)
    for _ in range(200):
        text = "".join(chr(rng.randrange(0x80, 0x800)) for _ in range(rng.randint(2, 12)))
        assert core.encode_ordinary(text) == ref.encode_ordinary(text), repr(text)


# Words whose pieces the character path decodes, and bytes that are not UTF-8 there: stray
# continuation bytes, C0/C1, F5-FF, and first bytes of every length with nothing after them.
BROKEN_WORDS = ["مرحبا", " كتاب", "привет", " Москва", "数据分析", " สวัสดี", "한국어", "नमस्ते", "🙂🙂a", "é"]
STRAY_BYTES = [0x80, 0xA7, 0xBF, 0xC0, 0xC1, 0xC2, 0xD8, 0xDF, 0xE0, 0xE4, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF]


def test_pieces_of_broken_utf8(encodings):
    """The decoder refuses a byte that starts no character only on the one- and two-byte side,
    and a character the piece cuts short by its continuation test alone (cache.h,
    tc_merge_chars): every word cut at every byte, and a stray byte at every position, as one
    piece against tiktoken's BPE of it."""
    ours, ref = encodings
    for word in BROKEN_WORDS:
        raw = word.encode("utf-8")
        pieces = [raw[:cut] for cut in range(1, len(raw) + 1)] + [raw[cut:] for cut in range(1, len(raw))]
        pieces += [raw[:at] + bytes([b]) + raw[at:] for at in range(len(raw) + 1) for b in STRAY_BYTES]
        pieces += [raw + raw[:cut] for cut in range(1, len(raw))]
        for piece in pieces:
            assert ours._core.encode_single_piece(piece) == ref._encode_single_piece(piece), piece

"""The pretokenizer's block-at-a-time letter runs (pretokenize.h: tc_cyrillic_lower_run) against
the regex engine and tiktoken: runs of every length up to four blocks, each ended by every kind of
character that can follow (every code point of the Cyrillic blocks, combining marks, Latin, digits,
punctuation, spaces, contractions, emoji), after each kind of start."""

from __future__ import annotations

import random

import pytest
import regex
import tiktoken

import tokcost

LOWER = [chr(c) for c in range(0x430, 0x460)]
STOPPERS = ([chr(c) for c in range(0x400, 0x530)] + [chr(c) for c in range(0x300, 0x370, 7)]
            + list("aZ09 \t\n.,!?'-\u00e9\u00c9\u2019\u201c\u3001\u6771") + ["'s", "'LL", "\U0001f600", "\u0301x", ""])
STARTS = ["", " ", "\u0411", "\u0431", "!", "\u00ab", "A", "\u041f\u0420", " \u0301"]
O200K_PATTERN = regex.compile(tokcost.get_encoding("o200k_base")._pat_str)


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_lower_case_cyrillic_runs(name):
    from tokcost.testing import seed_tiktoken_cache

    seed_tiktoken_cache()
    ours, theirs = tokcost.get_encoding(name), tiktoken.get_encoding(name)
    pattern = regex.compile(ours._pat_str)
    rng = random.Random(33)
    texts = []
    for length in list(range(1, 36)) + [47, 48, 49, 63, 64, 65]:
        for stopper in STOPPERS:
            start = rng.choice(STARTS)
            word = "".join(rng.choice(LOWER) for _ in range(length))
            texts.append(start + word + stopper + " \u0442\u0435\u043a\u0441\u0442 " + "x" * rng.randrange(0, 20))
    for text in texts:
        assert ours._core.split_text(text) == pattern.findall(text), text
    joined = "\n".join(texts)
    assert ours.encode_ordinary(joined) == theirs.encode_ordinary(joined)


# tc_arabic_run, tc_devanagari_run and tc_hangul_run (o200k's caseless letters a block at a time): words of every
# length up to four blocks from the letters each covers, each ended by every code point of its
# block and the neighbouring ones (digits, punctuation, the letters it leaves to the class table),
# and by Latin, spaces, marks and emoji; texts cut short so that blocks meet the end.
RUNS = {
    "arabic": ([chr(c) for c in range(0x620, 0x660)], [chr(c) for c in range(0x5F0, 0x720)]),
    "devanagari": ([chr(c) for c in list(range(0x900, 0x964)) + list(range(0x971, 0x980))],
                   [chr(c) for c in range(0x8F0, 0x9A0)]),
    "hangul": ([chr(c) for c in range(0xAC00, 0xD780)],
               [chr(c) for c in list(range(0xABE0, 0xAC10)) + list(range(0xD770, 0xD800)) + list(range(0xE000, 0xE004))
                + list(range(0x1100, 0x1200, 5)) + list(range(0x3130, 0x3190, 3)) + list(range(0xAC00, 0xD780, 997))]),
}
OTHER_STOPPERS = list("aZ09 \t\n.,!?'-\u00e9\u0301\u0430\u3001") + ["'s", "\U0001f600", ""]


@pytest.mark.parametrize("script", sorted(RUNS))
def test_caseless_block_runs(script):
    from tokcost.testing import seed_tiktoken_cache

    seed_tiktoken_cache()
    ours, theirs = tokcost.get_encoding("o200k_base"), tiktoken.get_encoding("o200k_base")
    pattern = regex.compile(ours._pat_str)
    letters, block = RUNS[script]
    rng = random.Random(34)
    texts = []
    for length in list(range(1, 36)) + [47, 48, 49, 63, 64, 65]:
        for stopper in block + OTHER_STOPPERS:
            start = rng.choice(["", " ", "!", "\u00ab", "A", "\n", " \u0301", rng.choice(letters)])
            word = "".join(rng.choice(letters) for _ in range(length))
            tail = "".join(rng.choice(letters + [" "]) for _ in range(rng.randrange(0, 20)))
            texts.append(start + word + stopper + tail)
    for text in texts:
        for cut in (len(text), len(text) - 1):
            assert ours._core.split_text(text[:cut]) == pattern.findall(text[:cut]), text[:cut]
    joined = "\n".join(texts)
    assert ours.encode_ordinary(joined) == theirs.encode_ordinary(joined)


@pytest.mark.parametrize("script", sorted(RUNS))
def test_word_starts_a_block_refuses(script):
    """o200k_word tries a word's first character as a block before reading its class: every code
    point around the block, alone and before letters, at a piece's start and after each kind of
    ASCII prefix (the block refuses digits, dandas, punctuation and the letters it leaves to the
    class table, which must then be read as before), against the regex engine and tiktoken."""
    from tokcost.testing import seed_tiktoken_cache

    seed_tiktoken_cache()
    ours, theirs = tokcost.get_encoding("o200k_base"), tiktoken.get_encoding("o200k_base")
    pattern = regex.compile(ours._pat_str)
    letters, block = RUNS[script]
    rng = random.Random(35)
    texts = [start + first + after
             for first in block
             for start in ("", " ", "!", "(", "\n", "x", "1", "\u00ab")
             for after in ("", " ", "".join(rng.choice(letters) for _ in range(rng.randrange(1, 20))))]
    for text in texts:
        assert ours._core.split_text(text) == pattern.findall(text), text
    joined = "\n".join(texts)
    assert ours.encode_ordinary(joined) == theirs.encode_ordinary(joined)


# o200k_script_word (the text loop's inline words of other scripts): words of each script it takes
# (Arabic, Devanagari and Hangul blocks, lower-case Cyrillic after at most one capital), with and without
# a space before them, ended by every ASCII character and by the non-ASCII characters that go on
# or end a word (marks of other scripts, letters, dandas, the Arabic comma), then by what could
# let the word go on past it (lower-case after a capital, a contraction's letters), between other
# such words so that the text loop meets them in its groups of other scripts.
WORDS = {
    "arabic": RUNS["arabic"][0],
    "devanagari": RUNS["devanagari"][0],
    "cyrillic": LOWER,
    "hangul": RUNS["hangul"][0],
}
WORD_ENDS = ([chr(c) for c in range(0x80)]
             + list("\u0301\u09bc\u0e31\u0651\u093c\u0964\u060c\u00e9\u0430\u0416\u0905\u0628\u00a0\u200d"
                    "\uac00\ud7a3\u1161\u3131\uabe5"))
AFTER_ENDS = ["", "x", "X", "ab", "Ab", "s", "ll", " ", "\u0430", "\u0905", "\u0628", "\ud55c", "1"]


def script_word_maker(script, rng):
    """word(length): a random word of the script's letters (Cyrillic: a capital first, half the time)."""
    letters = WORDS[script]

    def word(length):
        capital = chr(rng.randrange(0x410, 0x430)) if script == "cyrillic" and rng.random() < 0.5 else ""
        return capital + "".join(rng.choice(letters) for _ in range(length))
    return word


def assert_o200k_splits(text):
    """Pieces of one text against the regex engine (o200k_base)."""
    ours = tokcost.get_encoding("o200k_base")
    assert ours._core.split_text(text) == O200K_PATTERN.findall(text), text


def assert_o200k_ids(texts):
    """Ids of all the texts joined against tiktoken (o200k_base)."""
    from tokcost.testing import seed_tiktoken_cache

    seed_tiktoken_cache()
    joined = "\n".join(texts)
    ours, theirs = tokcost.get_encoding("o200k_base"), tiktoken.get_encoding("o200k_base")
    assert ours.encode_ordinary(joined) == theirs.encode_ordinary(joined)


def assert_o200k_splits_and_ids(texts):
    """Pieces against the regex engine, ids of all the texts joined against tiktoken (o200k_base)."""
    for text in texts:
        assert_o200k_splits(text)
    assert_o200k_ids(texts)


@pytest.mark.parametrize("script", sorted(WORDS))
def test_inline_script_words(script):
    rng = random.Random(36)
    word = script_word_maker(script, rng)

    texts = []
    for end in WORD_ENDS:
        for after in AFTER_ENDS:
            for length in (1, 3, 5, 8, 17):
                before = " ".join(word(rng.randrange(1, 9)) for _ in range(rng.randrange(0, 4)))
                start = rng.choice(["", " "]) if before else rng.choice(["", " ", "  "])
                tail = " ".join(word(rng.randrange(1, 9)) for _ in range(rng.randrange(0, 6)))
                texts.append(before + start + word(length) + end + after + " " + tail)
    assert_o200k_splits_and_ids(texts)


# The character after an inline word when it is of 0x80 and up (o200k_script_word reads its class):
# every code point of the two-byte range, of Devanagari, Bengali and Thai, of general punctuation,
# CJK punctuation and fullwidth forms, some astral ones (a letter, a mathematical digit, emoji),
# each followed by what could let the word go on.
NON_ASCII_ENDS = [chr(c) for c in list(range(0x80, 0x800)) + list(range(0x900, 0xA00)) + list(range(0xE00, 0xE80))
                  + list(range(0x2000, 0x2070)) + list(range(0x3000, 0x3040)) + list(range(0xFF00, 0xFF66))]
NON_ASCII_ENDS += ["\U00010000", "\U0001d7ce", "\U0001f600", "\U000e0001"]


@pytest.mark.parametrize("script", sorted(WORDS))
def test_inline_words_before_every_character_of_other_scripts(script):
    rng = random.Random(37)
    word = script_word_maker(script, rng)

    texts = []
    for end in NON_ASCII_ENDS:
        after = rng.choice(AFTER_ENDS + ["'s", "\u0964", "\u060c"])
        before = " ".join(word(rng.randrange(1, 9)) for _ in range(rng.randrange(1, 4)))
        texts.append(before + rng.choice(["", " "]) + word(rng.choice((1, 3, 5, 8, 17))) + end + after + " "
                     + word(rng.randrange(1, 9)))
    assert_o200k_splits_and_ids(texts)


# tc_devanagari_window (o200k's Devanagari words a window at a time, round 14): lines of words with
# a space before them, long enough for the windows (66 bytes from a piece start), with one character
# that ends or breaks the run put after a varying number of words of varying length, so that it
# falls at every offset of a window: every code point of U+0880-U+09FF (the dandas, digits and the
# abbreviation sign among them), every ASCII character, and the look-alikes and neighbours (ZWJ,
# ZWNJ, a no-break space, marks and letters of other scripts), each followed by what could let the
# word go on; every letter the windows take first, last and alone in a word; and lines of words
# ended by newlines, dandas and digits. Both mask paths.
# (U+088F, unassigned in Unicode 16.0, tiktoken's tables, is a letter to the `regex` package.)
DEVANAGARI = RUNS["devanagari"][0]
WINDOW_BREAKS = ([chr(c) for c in range(0x880, 0xA00) if c != 0x88F] + [chr(c) for c in range(0x80)]
                 + list("\u200c\u200d\u00a0\u0301\u09bc\u0e31\u0651\u00e9\u0430\u3001\ufeff\u2009")
                 + ["  ", " \n", "\n ", " '", "'s", " \u0964", "\U0001f600"])
WINDOW_AFTER = ["", "x", "X", "ab", "'s", "s", " ", "1", "\u0905", "\u093e", "\u0964", "\n"]


@pytest.fixture(params=["cpu", "sse2"])
def simd_paths(request):
    """The windows' AVX2 masks where the CPU has them, and their SSE2 ones on any CPU."""
    from tokcost import _core

    _core.use_avx2(request.param == "cpu")
    yield request.param
    _core.use_avx2(True)


def test_devanagari_windows(simd_paths):
    rng = random.Random(38)

    def word(length):
        return "".join(rng.choice(DEVANAGARI) for _ in range(length))

    texts = []
    for brk in WINDOW_BREAKS:
        for count in range(0, 14):
            start = rng.choice(["", " ", "\n", "x ", "A", "\u0964 "])
            before = "".join(" " + word(rng.randrange(1, 9)) for _ in range(count))
            after = rng.choice(WINDOW_AFTER)
            tail = "".join(" " + word(rng.randrange(1, 9)) for _ in range(rng.randrange(4, 12)))
            texts.append(start + word(rng.randrange(1, 6)) + before + brk + after + tail)
    for letter in DEVANAGARI:
        texts.append(" ".join([word(3), letter + word(4), word(2) + letter, letter, word(5) + letter + word(1)] * 4))
    for _ in range(400):
        lines = [" ".join(word(rng.randrange(1, 9)) for _ in range(rng.randrange(1, 6))) for _ in range(rng.randrange(2, 8))]
        ends = ["\n", "\n", "\n\n", " \n", "\r\n", "\u0964\n", "\n ", "\u0966\n", "\n\u0964"]
        texts.append(rng.choice(["", " ", "\n"]) + "".join(line + rng.choice(ends) for line in lines))
    for text in texts:
        for cut in (len(text), len(text) - 1, len(text) - 2):
            assert_o200k_splits(text[:cut])
    assert_o200k_ids(texts)


# tc_caseless_run (round 15, r15-mixed): o200k's caseless letters of U+0800-U+1FFF (lead byte E0 or E1:
# Thai, Lao, Tibetan, Myanmar, Ethiopic, Khmer, the Indic scripts but Devanagari, ...) a character at
# a time by a bitmap of each block of 128 code points, and eleven at a time (AVX2) past a word's fourth
# character. For every block: words of its caseless letters (the regex engine's classes, not our
# table) of lengths that put the end at every offset of the vector steps, ended by every code point of
# the block (digits, punctuation, unassigned code points, letters of the other half), by letters of the
# neighbouring blocks, of other scripts and ASCII, then by what could let the word go on; texts cut
# short so the runs meet the end. Pieces against the regex engine, ids against tiktoken, both paths.
CASELESS_A = regex.compile(r"[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]")
CASELESS_B = regex.compile(r"[\p{Ll}\p{Lm}\p{Lo}\p{M}]")


def _newer_than_16(first, last):
    """Code points unassigned in Unicode 16.0 (tiktoken's tables) that the `regex` package, which
    follows the newest version, assigns (U+088F, U+0C5C, ...): its pieces would differ there."""
    import unicodedata2

    assert unicodedata2.unidata_version == "16.0.0"
    unassigned = regex.compile(r"\p{Cn}")
    return {c for c in range(first, last) if unicodedata2.category(chr(c)) == "Cn" and not unassigned.match(chr(c))}


NEWER_THAN_16 = _newer_than_16(0x800, 0x2000)
CASELESS_ENDS = list("aZ09 \t\n.,!?'-\u00e9\u0301\u0430\u3001\u200c\u200d\u00a0\u0964") + ["'s", "\U0001f600", ""]


def _caseless(c):
    return c not in NEWER_THAN_16 and CASELESS_A.match(chr(c)) and CASELESS_B.match(chr(c))


@pytest.mark.parametrize("lead", [0xE0, 0xE1])
def test_caseless_runs_of_every_block(lead, simd_paths):
    from tokcost.testing import seed_tiktoken_cache

    seed_tiktoken_cache()
    ours, theirs = tokcost.get_encoding("o200k_base"), tiktoken.get_encoding("o200k_base")
    rng = random.Random(39)
    texts = []
    first = 0x800 if lead == 0xE0 else 0x1000
    for block in range(first, first + 0x800, 0x80):
        letters = [chr(c) for c in range(block, block + 0x80) if _caseless(c)]
        if not letters:
            continue
        near = [chr(c) for c in range(max(block - 0x80, 0x800), min(block + 0x100, 0x2000), 5) if c not in NEWER_THAN_16]
        ends = [chr(c) for c in range(block, block + 0x80) if c not in NEWER_THAN_16] + near + CASELESS_ENDS
        for k, end in enumerate(ends):
            length = 1 + k % 40
            start = rng.choice(["", " ", "!", "\n", "x", "A", "\u00ab", rng.choice(letters)])
            word = "".join(rng.choice(letters) for _ in range(length))
            after = rng.choice(["", "x", "X", " ", "'s", rng.choice(letters), "".join(rng.choices(letters, k=12))])
            texts.append(start + word + end + after)
    for text in texts:
        for cut in (len(text), len(text) - 1):
            assert_o200k_splits(text[:cut])
    joined = "\n".join(texts)
    assert ours.encode_ordinary(joined) == theirs.encode_ordinary(joined)
    assert ours.encode_ordinary(" ".join(texts)) == theirs.encode_ordinary(" ".join(texts))

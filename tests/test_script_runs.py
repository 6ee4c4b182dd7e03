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


# tc_arabic_run and tc_devanagari_run (o200k's caseless letters a block at a time): words of every
# length up to four blocks from the letters each covers, each ended by every code point of its
# block and the neighbouring ones (digits, punctuation, the letters it leaves to the class table),
# and by Latin, spaces, marks and emoji; texts cut short so that blocks meet the end.
RUNS = {
    "arabic": ([chr(c) for c in range(0x620, 0x660)], [chr(c) for c in range(0x5F0, 0x720)]),
    "devanagari": ([chr(c) for c in list(range(0x900, 0x964)) + list(range(0x971, 0x980))],
                   [chr(c) for c in range(0x8F0, 0x9A0)]),
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

"""Whitespace runs through every splitter with an ASCII whitespace fast path.

The splitters answer a run of ASCII whitespace (indentation, blank lines, a
newline before a word) without their general function, and hand it back when a
byte of 0x80 or more follows the run. This file puts every whitespace code
point, alone and inside ASCII runs of several lengths and mixes, between every
kind of character, and compares:

- the pieces of each native splitter with the ``regex`` engine running the
  family's pattern (o200k, cl100k, GPT-2, Tekken, Qwen, Qwen 3.5, Llama 3);
- the ids of o200k_base, cl100k_base and r50k_base with tiktoken's.

Hypothesis adds text drawn mostly from whitespace.
"""

from __future__ import annotations

import functools
import itertools
import os

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokcost import _core
from tokcost.patterns import NATIVE_SPLITTERS

# Each native splitter by name, with the pattern the regex engine must split alike (the very
# table the registry chooses splitters by, so a splitter filed under the wrong pattern fails).
PATTERNS = {name: pattern for pattern, name in NATIVE_SPLITTERS.items()}
ENCODINGS = ["o200k_base", "cl100k_base", "r50k_base"]

ASCII_SPACE = "\t\n\x0b\x0c\r "
# Unicode White_Space beyond ASCII; the splitters' fast path must hand these back.
OTHER_SPACE = "\x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
# Look like whitespace but are not \s: ASCII separators, zero-width space, Mongolian vowel separator, BOM.
NOT_SPACE = "\x1c\x1f\u200b\u180e\ufeff"

# A character of every class the patterns tell apart, before and after a run.
NEIGHBOURS = ["", "a", "Z", "7", ".", "'", "'s", "/", "é", "Б", "中", "😀", "\u0301", "٣", "ſ"] + list(NOT_SPACE)

# ASCII runs: every run of one to three characters, and longer indentation, blank lines and \r\n mixes.
ASCII_RUNS = ["".join(p) for n in (1, 2, 3) for p in itertools.product(ASCII_SPACE, repeat=n)] + [
    " " * 4, " " * 8, " " * 17, " " * 40, "\t" * 5, "\n" * 4, "\n" * 20, "\n" * 20 + " " * 3,
    "\r\n" * 3, "\r\n    ", "\n\r\n\r", "\n        ", "  \n  \n  ", " \t \t\n\t ", "\n" + " " * 33,
]
# Non-ASCII whitespace alone, doubled, and inside short ASCII runs at every position.
BASES = ["", " ", "  ", "\n", "\r\n", " \n ", "\t\t", "    "]
MIXED_RUNS = [u for u in OTHER_SPACE] + [u + v for u, v in itertools.product(OTHER_SPACE[:4], OTHER_SPACE[-4:])] + [
    base[:k] + u + base[k:] for u in OTHER_SPACE for base in BASES[1:] for k in range(len(base) + 1)
]


def _texts(runs):
    for run in runs:
        for before in NEIGHBOURS:
            for after in NEIGHBOURS:
                yield before + run + after


@functools.cache
def _byte_level(splitter):
    return _core.CoreBPE({bytes([b]): b for b in range(256)}, {}, splitter)


@pytest.mark.parametrize("splitter", PATTERNS)
@pytest.mark.parametrize("runs", [ASCII_RUNS, MIXED_RUNS], ids=["ascii", "mixed"])
def test_pieces_equal_the_regex_engine(splitter, runs):
    core, pattern = _byte_level(splitter), regex.compile(PATTERNS[splitter])
    for text in _texts(runs):
        assert core.split_text(text) == pattern.findall(text), repr(text)


@pytest.fixture(scope="module", params=ENCODINGS)
def encodings(request):
    import tiktoken

    import tokcost

    return tokcost.get_encoding(request.param), tiktoken.get_encoding(request.param)


@pytest.mark.parametrize("runs", [ASCII_RUNS, MIXED_RUNS], ids=["ascii", "mixed"])
def test_ids_equal_tiktoken(encodings, runs):
    ours, ref = encodings
    for text in _texts(runs):
        assert ours.encode_ordinary(text) == ref.encode_ordinary(text), repr(text)


def test_runs_in_one_long_text(encodings):
    """All runs in one text, so the splitter meets them after one another, not only at a text's start."""
    ours, ref = encodings
    text = "x".join(before + run for run in ASCII_RUNS + MIXED_RUNS for before in NEIGHBOURS)
    assert ours.encode_ordinary(text) == ref.encode_ordinary(text)
    assert ours.count(text) == len(ref.encode_ordinary(text))


EXAMPLES = int(os.environ.get("TOKCOST_HYPOTHESIS_EXAMPLES", "300"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
# Mostly whitespace: ASCII whitespace weighted up, then the rest of \s, then one character of each other class.
ALPHABET = ASCII_SPACE * 6 + " " * 10 + OTHER_SPACE + NOT_SPACE + "aZ7.'/é中😀\u0301٣s"
mostly_space = st.text(alphabet=st.sampled_from(ALPHABET), max_size=60)


@SETTINGS
@given(text=mostly_space)
def test_hypothesis_ids(encodings, text):
    ours, ref = encodings
    assert ours.encode_ordinary(text) == ref.encode_ordinary(text)


@SETTINGS
@given(text=mostly_space)
def test_hypothesis_pieces(text):
    for splitter, pattern in PATTERNS.items():
        assert _byte_level(splitter).split_text(text) == regex.findall(pattern, text), splitter

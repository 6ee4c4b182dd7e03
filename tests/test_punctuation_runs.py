"""Punctuation runs that reach a character of 0x80 or more, through every native splitter.

The splitters' ASCII fronts answer a space or ASCII punctuation before a non-ASCII punctuation
mark, symbol or emoji (` “`, `(“`, ` 😀`), a punctuation run that goes on past ASCII (`.”`,
`--—`), and in cl100k and GPT-2 a space before any non-ASCII character, without their general
functions. This file puts every kind of starter (space, tab, ASCII punctuation, one and two of
them, apostrophes) before every kind of non-ASCII character (punctuation, symbols, emoji,
letters of each case and none, marks, digits, whitespace, format characters) and what may follow
it, and compares:

- the pieces of each native splitter with the ``regex`` engine running the family's pattern;
- the ids of o200k_base, cl100k_base and r50k_base with tiktoken's.

Hypothesis adds text drawn mostly from punctuation, spaces and non-ASCII symbols.
"""

from __future__ import annotations

import itertools
import os

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# The seven splitters' patterns, and a byte-level vocabulary for each: the whitespace tests' own.
from test_whitespace_runs import PATTERNS, _byte_level

ENCODINGS = ["o200k_base", "cl100k_base", "r50k_base"]

# What starts the piece: nothing, a space, a tab, a newline, ASCII punctuation of one and two
# characters (an apostrophe too, which starts a contraction in some patterns).
STARTERS = ["", " ", "\t", "\n", ".", "(", "'", "/", " .", " (", "..", ".(", "(.", " '", "''", "--", "  ", " \n"]
# The first character of 0x80 or more: punctuation and symbols of two, three and four bytes,
# emoji, letters (lower, upper, title, caseless, modifier), marks, digits, whitespace, format
# characters, and the long s (a contraction's s in cl100k).
WIDE = ["\xab", "\xbb", "\xa9", "\xb0", "\xd7", "\u2014", "\u201c", "\u201d", "\u2019", "\u2026", "\u20ac", "\u3002",
        "\uff0c", "\U0001f600", "\U0001f44d", "\u2603", "\xe9", "\xc9", "\u01c5", "\u4e2d", "\u02b0", "\u0301",
        "\u0663", "\u2160", "\xa0", "\u3000", "\u200b", "\ufeff", "\u017f", "\U0001d400", "\U00010000"]
# What follows it: nothing, more of the same and other punctuation, letters, digits, spaces, newlines.
AFTER = ["", "a", "A", "7", " ", "\n", "\r\n", "/", ".", "'s", "\u201d", "\U0001f600", "\xe9", "\u4e2d", "\u0301",
         "\u0663", " x", "\n\n", "//\n"]


def _texts():
    for start, wide, after in itertools.product(STARTERS, WIDE, AFTER):
        yield start + wide + after
        yield "x" + start + wide + wide + after


@pytest.mark.parametrize("splitter", PATTERNS)
def test_pieces_equal_the_regex_engine(splitter):
    core, pattern = _byte_level(splitter), regex.compile(PATTERNS[splitter])
    for text in _texts():
        assert core.split_text(text) == pattern.findall(text), repr(text)


@pytest.fixture(scope="module", params=ENCODINGS)
def encodings(request):
    import tiktoken

    import tokcost

    return tokcost.get_encoding(request.param), tiktoken.get_encoding(request.param)


def test_ids_equal_tiktoken(encodings):
    ours, ref = encodings
    for text in _texts():
        assert ours.encode_ordinary(text) == ref.encode_ordinary(text), repr(text)


def test_all_in_one_text(encodings):
    """Every case after one another in one text, so the splitter meets them mid-text too."""
    ours, ref = encodings
    text = "z".join(_texts())
    assert ours.encode_ordinary(text) == ref.encode_ordinary(text)
    assert ours.count(text) == len(ref.encode_ordinary(text))


EXAMPLES = int(os.environ.get("TOKCOST_HYPOTHESIS_EXAMPLES", "300"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
ALPHABET = " " * 8 + ".,;:!?()[]{}'\"-/*#\n\t" * 2 + "".join(WIDE) + "aZ7"


@SETTINGS
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_hypothesis_pieces(text):
    for splitter, pattern in PATTERNS.items():
        assert _byte_level(splitter).split_text(text) == regex.findall(pattern, text), (splitter, repr(text))


@SETTINGS
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_hypothesis_ids(encodings, text):
    ours, ref = encodings
    assert ours.encode_ordinary(text) == ref.encode_ordinary(text)

"""ASCII letters that reach a character of 0x80 and up: accented Latin, in every splitter's front.

o200k's front (``o200k_next``) scans an ASCII word's capitals and lower-case letters; when a byte
of 0x80 or more follows them, ``o200k_word_on`` goes on from that byte with what the ASCII letters
decided (capitals only: A* under way; a lower-case letter: B+ under way) instead of scanning the
word again from its start. cl100k's and GPT-2's fronts go on with ``\\p{L}+`` from that byte
(``tc_letters``). These texts put ASCII words of every shape (lower case, capitalised, capitals,
one letter; with each prefix the pattern allows and characters that are no prefix) before a
character of every class o200k tells apart (lower and upper case, titlecase, modifier letters,
marks, caseless letters, the long s, numbers, punctuation, spaces, emoji) and what may follow it
(letters of both cases, marks, contractions, digits, the end of the text). Pieces are compared
with the ``regex`` engine running tiktoken's pattern, ids with tiktoken, in 2- and 4-byte strings
(the all-language mix is UCS-4).
"""

from __future__ import annotations

import itertools

import pytest
import regex

BEFORE = ["", " ", "(", "\t", "'", "\n", "1", "é", "É", "\u00a0"]
HEADS = ["a", "ab", "A", "AB", "Ab", "ABc", "aB", "xyz", "Q"]
AFTER_ASCII = ["é", "É", "ǅ", "ʰ", "\u0301", "中", "ß", "ſ", "ı", "İ", "·", "—", "١", "\u00a0", "😀", "Ω", "ω",
               "я", "Я", "ª", "Ⅷ", "ⅷ", "ﬁ", "\u2019", "\u2028"]
TAILS = ["", "a", "A", "é", "É", "ab", "AB", "'s", "'S", "'ll", "'\u017f", "'x", "\u2019s", " x", ".", "\u0301",
         "ʰ", "ǅ", "1", "\n"]

ENCODINGS = ["o200k_base", "cl100k_base", "r50k_base"]


def _texts():
    return [b + h + m + t for b, h, m, t in itertools.product(BEFORE, HEADS, AFTER_ASCII, TAILS)]


@pytest.mark.parametrize("wide", [False, True], ids=["ucs2", "ucs4"])
@pytest.mark.parametrize("name", ENCODINGS)
def test_ascii_letters_then_other_split_and_encode_as_tiktoken(name, wide):
    import tiktoken

    import tokcost

    ours, ref = tokcost.get_encoding(name), tiktoken.get_encoding(name)
    pattern = regex.compile(ref._pat_str)
    # An astral character after a space makes the string UCS-4 and ends every word before it.
    texts = [t + " 𐑖" if wide else t for t in _texts()]
    wrong = [t for t in texts if ours._core.split_text(t) != pattern.findall(t)]
    assert not wrong, f"{len(wrong)} texts split differently, first {wrong[0]!r}"
    joined = "|".join(texts)
    assert ours.encode_ordinary(joined) == ref.encode_ordinary(joined)
    wrong = [t for t in texts if ours.encode_ordinary(t) != ref.encode_ordinary(t)]
    assert not wrong, f"{len(wrong)} texts encode differently, first {wrong[0]!r}"


@pytest.mark.parametrize("name", ENCODINGS)
def test_accented_words_in_lines(name):
    """Lines of accented words as a text of many pieces (the text loop's groups and windows)."""
    import tiktoken

    import tokcost

    ours, ref = tokcost.get_encoding(name), tiktoken.get_encoding(name)
    words = ["français", "Straße", "niño", "Général", "CAFÉ", "HÉllo", "Hé", "naïve's", "résumé'S", "Zürich",
             "Ødegaard", "cœur", "İstanbul", "CAFÉs", "ABCǅx", "aʰb", "De\u0301ja\u0300", "Łódź", "ŁÓDŹ", "Dvořák"]
    lines = [" ".join(itertools.islice(itertools.cycle(words), k, k + 17)) + ".\n" for k in range(len(words))]
    for text in ("".join(lines), "".join(lines) + "𐑖"):
        assert ours._core.split_text(text) == regex.findall(ref._pat_str, text)
        assert ours.encode_ordinary(text) == ref.encode_ordinary(text)

"""Words of letters in o200k_base: caseless (Hangul, CJK, Arabic, Devanagari, Thai, marks) and cased
(Cyrillic, Greek, Armenian, Georgian, accented Latin).

o200k's splitter answers a word of any letters with one scan (``o200k_word`` in pretokenize.h):
an optional prefix, the run of upper-case and caseless letters (class A), then lower-case
letters (class B), with the regex's backtracking worked out in advance; anything else goes to
its general rules. These texts put words of every shape (caseless runs; lower, capitalised, all
capitals, capitals after lower case; caseless letters and marks inside and at the edges) beside
what ends or changes the scan: letters of either case and script, marks, digits, contractions,
ASCII and non-ASCII prefixes, newlines, and the end of the text. Pieces are compared with the
``regex`` engine running tiktoken's pattern, ids with tiktoken.
"""

from __future__ import annotations

import itertools

import pytest
import regex

RUNS = ["한국어", "中文", "مرحبا", "हिन्दी", "ภาษาไทย", "ـــ", "\u0301\u0301", "ʰʰ", "ㄱ"]
BESIDE = ["", "A", "a", "É", "é", "1", "١", " ", "\n", "'s", "'S", "'ll", "'x", "!", "«", "\u00a0",
          "\u0301", "ǅ", "ʰ", "中", "😀", "\r\n", "  x", "'"]

WORDS = [
    "привет", "Привет", "ПРИВЕТ", "ПРИвет", "пРИВЕТ", "приВет", "Я", "я",
    "Καλημέρα", "ΚΑΛΗΜΈΡΑ", "ς", "Բարև", "բարև", "გამარჯობა", "ᲒᲐᲛᲐᲠᲯᲝᲑᲐ",
    "Café", "ÉCOLE", "naïve", "Ǆemal", "ǅ", "ǅx", "abcпр", "ABCПР", "ABé", "Ab\u0301",
    "Пʰр", "ПРʰ", "ʰПР", "ПР\u0301", "ПР\u0301ивет", "\u0301Пр", "пр\u0301", "ПРИ中", "中Пр", "пр中", "ПР中ив",
    "Aʼ", "ПРИВЕТ𝐀", "при𝐚",
]
WORD_BESIDE = ["", "A", "a", "Я", "я", "É", "1", "١", " ", "\n", "\r\n", "\t", "'s", "'S", "'ll", "'\u017f",
               "'x", "'", "!", "«", "—", "\u00a0", "\u0301", "ǅ", "ʰ", "中", "😀", "  x", "’s"]


def _texts(runs, beside):
    for run, before, after in itertools.product(runs, beside, beside):
        yield before + run + after
        yield before + run + after + run


def _check(name, texts):
    import tiktoken

    import tokcost

    ours, ref = tokcost.get_encoding(name), tiktoken.get_encoding(name)
    pattern = regex.compile(ref._pat_str)
    for text in texts:
        assert ours._core.split_text(text) == pattern.findall(text), repr(text)
    joined = "|".join(texts)
    assert ours.encode_ordinary(joined) == ref.encode_ordinary(joined)
    for text in texts:
        assert ours.encode_ordinary(text) == ref.encode_ordinary(text), repr(text)


@pytest.mark.parametrize("name", ["o200k_base"])
def test_caseless_words_split_and_encode_as_tiktoken(name):
    _check(name, list(_texts(RUNS, BESIDE)))


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_cased_words_split_and_encode_as_tiktoken(name):
    _check(name, list(_texts(WORDS, WORD_BESIDE)))

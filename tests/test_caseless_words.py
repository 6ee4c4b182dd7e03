"""Words of caseless letters (Hangul, CJK, Arabic, Devanagari, Thai, marks) in o200k_base.

o200k's splitter answers such a word with a short scan (``o200k_caseless_word`` in
pretokenize.h) and hands anything else to its general rules. These texts put caseless runs
beside what ends or changes the scan: upper- and lower-case letters, marks, digits,
contractions, ASCII and non-ASCII prefixes, newlines, and the end of the text. Pieces are
compared with the ``regex`` engine running tiktoken's pattern, ids with tiktoken.
"""

from __future__ import annotations

import itertools

import pytest
import regex

RUNS = ["한국어", "中文", "مرحبا", "हिन्दी", "ภาษาไทย", "ـــ", "\u0301\u0301", "ʰʰ", "ㄱ"]
BESIDE = ["", "A", "a", "É", "é", "1", "١", " ", "\n", "'s", "'S", "'ll", "'x", "!", "«", "\u00a0",
          "\u0301", "ǅ", "ʰ", "中", "😀", "\r\n", "  x", "'"]


def _texts():
    for run, before, after in itertools.product(RUNS, BESIDE, BESIDE):
        yield before + run + after
        yield before + run + after + run


@pytest.mark.parametrize("name", ["o200k_base"])
def test_caseless_words_split_and_encode_as_tiktoken(name):
    import tiktoken

    import tokcost

    ours, ref = tokcost.get_encoding(name), tiktoken.get_encoding(name)
    pattern = regex.compile(ref._pat_str)
    texts = list(_texts())
    for text in texts:
        assert ours._core.split_text(text) == pattern.findall(text), repr(text)
    joined = "|".join(texts)
    assert ours.encode_ordinary(joined) == ref.encode_ordinary(joined)
    for text in texts:
        assert ours.encode_ordinary(text) == ref.encode_ordinary(text), repr(text)

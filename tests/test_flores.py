"""Every FLORES-200 line in 56 languages (32 in the bundled sample), and each file whole, against tiktoken."""

from __future__ import annotations

import itertools

import pytest

from tokcost.bundled import FLORES_SAMPLE_DIR


def _languages(corpus_dir):
    files = sorted(corpus_dir.glob("*_*.txt"))
    assert len(files) == (32 if corpus_dir == FLORES_SAMPLE_DIR else 56), corpus_dir
    return files


def test_every_line_of_every_language(pair, parallel_corpus_dir):
    ours, ref = pair
    mismatches = []
    for path in _languages(parallel_corpus_dir):
        lines = path.read_text(encoding="utf-8").split("\n")
        got = ours.encode_ordinary_batch(lines)
        want = [ref.encode_ordinary(line) for line in lines]
        mismatches += [(path.name, i) for i, (a, b) in enumerate(zip(got, want)) if a != b]
        assert ours.count_batch(lines) == [len(w) for w in want]
        ids, offsets = ours.encode_ordinary_batch_to_numpy(lines)
        assert ids.tolist() == [i for w in want for i in w]
        assert offsets.tolist() == [0, *itertools.accumulate(len(w) for w in want)]
        for line, tokens in zip(lines[:50], want):
            assert ours.encode(line) == tokens
            assert ours.decode(tokens) == line
    assert mismatches == []


def test_each_file_whole(pair, parallel_corpus_dir):
    ours, ref = pair
    for path in _languages(parallel_corpus_dir):
        text = path.read_text(encoding="utf-8")
        tokens = ref.encode(text)
        assert ours.encode(text) == tokens, path.name
        assert ours.count(text) == len(tokens)
        assert ours.decode_bytes(tokens) == text.encode("utf-8")
        assert ours.encode_to_numpy(text).tolist() == tokens


@pytest.mark.parametrize("join", [" ", "\n", "\r\n", "  ", ""])
def test_multilingual_mix(pair, parallel_corpus_dir, join):
    ours, ref = pair
    rows = [path.read_text(encoding="utf-8").split("\n")[7:9] for path in _languages(parallel_corpus_dir)]
    text = join.join(line for row in rows for line in row)
    assert ours.encode(text) == ref.encode(text)

"""Every code point through the open models' native splitters (Tekken, Qwen, Qwen 3.5, Llama 3, DeepSeek V4).

What tests/test_codepoints.py does for the OpenAI splitters: each family's
reference runs its pattern through tiktoken, whose classes are Unicode 16.0,
the version of our tables. So:

1. The native splitter splits every code point, alone and beside letters,
   digits, spaces, apostrophes, newlines, punctuation and combining marks,
   exactly as the ``regex`` engine running the family's pattern does (for the
   code points whose class both engines agree on).
2. The code points whose class changed after Unicode 16.0 are checked one by
   one against the family's own tokenizer (token ids), when it is installed.

The splitters run over a byte-level vocabulary here, so the first check needs
no package.

DeepSeek V4's reference is Hugging Face ``tokenizers`` (Oniguruma), running three
split steps; ``patterns.IsolatedSplits`` runs them with the ``regex`` engine
for the fast check, and the reference engine itself splits every code point
in one context and the code points whose class differs between Unicode 16.0
and the ``regex`` package in every context.
"""

from __future__ import annotations

import pytest
import regex
from test_codepoints import PROBES, _changed_after_16, _chunks, _code_points
from test_open_models import _installed, _reference

import tokcost
from tokcost import _core
from tokcost.patterns import DEEPSEEK_SPLITS, LLAMA3_PATTERN, QWEN3_5_PATTERN, QWEN_PATTERN, TEKKEN_PATTERN, IsolatedSplits

SPLITTERS = {"tekken": TEKKEN_PATTERN, "qwen": QWEN_PATTERN, "qwen3_5": QWEN3_5_PATTERN, "llama3": LLAMA3_PATTERN}
# Beyond test_codepoints' contexts: an apostrophe before (a contraction's start), newlines
# before and after, a combining mark before and after (Qwen 3.5 counts marks as letters).
OPEN_PROBES = PROBES + ["'{}", "{}'s", "\n{}", "{}\n", "{}\u0301", "\u0301{}", "{}  "]
# DeepSeek's steps add CJK runs (a segment of their own), ASCII punctuation before letters,
# and characters no alternative matches (a zero-width space here).
DEEPSEEK_PROBES = OPEN_PROBES + ["日{}", "{}カ", ".{}b", "{}\u200b", "\u200b{}", "{} 1", "{}\r\n"]


@pytest.mark.parametrize("splitter", SPLITTERS)
def test_splits_match_the_regex_engine_on_every_code_point(splitter):
    core = _core.CoreBPE({bytes([b]): b for b in range(256)}, {}, splitter)
    pattern = regex.compile(SPLITTERS[splitter])
    code_points = _code_points(_changed_after_16())
    for probe in OPEN_PROBES:
        for text in _chunks(code_points, probe):
            assert core.split_text(text) == pattern.findall(text), probe


@pytest.mark.parametrize("name", SPLITTERS)
def test_code_points_whose_class_changed_after_unicode_16(name):
    if not _installed(name):
        pytest.skip(f"{name}'s package not installed (pip install 'tokcost[open-models]')")
    ours, ref = tokcost.get_encoding(name), _reference(name)[0]
    assert ours._core.splitter == name
    for probe in OPEN_PROBES:
        for c in sorted(_changed_after_16()):
            text = probe.format(chr(c), chr(c))
            assert ours.encode_ordinary(text) == ref(text), (probe, hex(c))


def _byte_level(splitter):
    return _core.CoreBPE({bytes([b]): b for b in range(256)}, {}, splitter)


def _changed_for_deepseek() -> frozenset[int]:
    """Code points whose class in DeepSeek's steps (letter or mark, number, punctuation or
    symbol, whitespace) differs between Unicode 16.0 and the ``regex`` package."""
    import unicodedata2

    assert unicodedata2.unidata_version == "16.0.0"
    classes = [("LM", regex.compile(r"[\p{L}\p{M}]")), ("N", regex.compile(r"\p{N}")),
               ("PS", regex.compile(r"[\p{P}\p{S}]"))]
    changed = set(_changed_after_16())
    for c in _code_points():
        cat = unicodedata2.category(chr(c))[0]
        for name, pattern in classes:
            if (cat in name) != bool(pattern.match(chr(c))):
                changed.add(c)
    return frozenset(changed)


def _hf_reference():
    tokenizers = pytest.importorskip("tokenizers", reason="Hugging Face tokenizers is the DeepSeek reference")
    from tokenizers import pre_tokenizers

    steps = [pre_tokenizers.Split(tokenizers.Regex(p), "isolated") for p in DEEPSEEK_SPLITS]
    engine = pre_tokenizers.Sequence(steps)
    return lambda text: [piece for piece, _ in engine.pre_tokenize_str(text)]


def test_deepseek_splits_match_its_steps_on_every_code_point():
    core, steps = _byte_level("deepseek_v4"), IsolatedSplits(DEEPSEEK_SPLITS)
    code_points = _code_points(_changed_for_deepseek())
    for probe in DEEPSEEK_PROBES:
        for text in _chunks(code_points, probe):
            assert core.split_text(text) == steps.findall(text), probe


def test_deepseek_splits_match_the_reference_engine():
    """Oniguruma itself: every code point once, and the code points whose class the
    regex package sees differently in every context."""
    core, reference = _byte_level("deepseek_v4"), _hf_reference()
    for text in _chunks(_code_points(), "{}{} "):
        assert core.split_text(text) == reference(text)
    changed = sorted(_changed_for_deepseek())
    for probe in DEEPSEEK_PROBES:
        for text in _chunks(changed, probe):
            assert core.split_text(text) == reference(text), probe

"""Every code point through the open models' native splitters (Tekken, Qwen, Qwen 3.5).

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
"""

from __future__ import annotations

import pytest
import regex
from test_codepoints import PROBES, _changed_after_16, _chunks, _code_points
from test_open_models import _installed, _reference

import tokcost
from tokcost import _core
from tokcost.patterns import QWEN3_5_PATTERN, QWEN_PATTERN, TEKKEN_PATTERN

SPLITTERS = {"tekken": TEKKEN_PATTERN, "qwen": QWEN_PATTERN, "qwen3_5": QWEN3_5_PATTERN}
# Beyond test_codepoints' contexts: an apostrophe before (a contraction's start), newlines
# before and after, a combining mark before and after (Qwen 3.5 counts marks as letters).
OPEN_PROBES = PROBES + ["'{}", "{}'s", "\n{}", "{}\n", "{}\u0301", "\u0301{}", "{}  "]


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

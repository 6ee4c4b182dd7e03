"""Exactness for every code point, not only for sampled text.

The pretokenizer classifies characters with tables generated from Unicode
16.0 (tiktoken's version). Each code point is placed in contexts whose split
depends on its class: after a lowercase letter, an uppercase letter, a digit,
a space, punctuation, whitespace, an apostrophe. For each probe we compare the
token ids with tiktoken's, and also the *stable* tokens of
``encode_with_unstable`` (everything but the last pretokenized piece), which
exposes where the last piece starts even when the ids alone would not.
"""

from __future__ import annotations

import os

import pytest

from tokcost._unstable import increase_last_piece_token_len

PROBES = ["{}", "a{}", "A{}", "1{}", " {}", "!{}", "\t{}", "x'{}", "{}a", "{}1 ", "é{}", "{}{}"]
STEP = int(os.environ.get("TOKCOST_CODEPOINT_STEP", "1"))  # >1 samples for quick runs


def _code_points():
    return [c for c in range(0, 0x110000, STEP) if not 0xD800 <= c < 0xE000]


def _stable_tokens(enc, text):
    tokens, last = enc._encode_with_last_piece(text, set())
    if last == 0:
        return tokens
    last = increase_last_piece_token_len(enc, tokens, last)
    return tokens[: len(tokens) - last]


@pytest.mark.parametrize("probe", PROBES)
def test_every_code_point_in_context(pair, probe):
    ours, ref = pair
    texts = [probe.format(chr(c), chr(c)) for c in _code_points()]
    got = ours.encode_ordinary_batch(texts)
    mismatched = [t for t, g in zip(texts, got) if g != ref.encode_ordinary(t)]
    assert mismatched[:20] == []
    split_mismatch = [
        t for t in texts if _stable_tokens(ours, t) != ref.encode_with_unstable(t, disallowed_special=())[0]
    ]
    assert split_mismatch[:20] == []


def test_unicode_version_is_the_reference_one():
    from tokcost import _core

    assert _core.UNICODE_VERSION == "16.0.0"

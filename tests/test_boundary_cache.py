"""The character path's boundary cache, against tiktoken.

A flagged character boundary asks the straddle table for the lowest rank of a token not made of
whole characters in each of its contexts (up to two bytes each side); ``tc_boundary_matters``
keeps that lowest rank per thread under the boundary's four bytes, in 2,048 slots (cache.h,
NATIVE.md "The boundary cache"). These texts meet many thousands of distinct four-byte contexts
in scripts whose boundaries are flagged (Thai, Devanagari, Cyrillic, Arabic, accented Latin), so
slots are shared and overwritten, and short words put boundaries one byte from either end of a
piece, where not every context has its bytes and the cache is not asked. Ids are compared with
tiktoken's, each text alone and all joined in one call.
"""

from __future__ import annotations

import random

import pytest

SCRIPTS = {
    "thai": [chr(c) for c in range(0x0E01, 0x0E3B)] + [chr(c) for c in range(0x0E40, 0x0E4F)],
    "devanagari": [chr(c) for c in range(0x0900, 0x0950)] + [chr(c) for c in range(0x0958, 0x0970)],
    "cyrillic": [chr(c) for c in range(0x0430, 0x0450)] + [chr(c) for c in range(0x0410, 0x0430)],
    "arabic": [chr(c) for c in range(0x0621, 0x064B)] + [chr(c) for c in range(0x064B, 0x0653)],
    "latin": list("abcdeéèêëàâäîïôöùûüçñßøå"),
}
GAPS = [" ", "  ", "\n", ", ", ". ", " (", "-", "'", "1", "«", ""]


def _texts(script: str, seed: int, n: int) -> list:
    rnd = random.Random(seed)
    letters = SCRIPTS[script]
    texts = []
    for _ in range(n):
        words = ["".join(rnd.choice(letters) for _ in range(rnd.choice([1, 1, 2, 2, 3, 4, 6, 9, 14])))
                 for _ in range(rnd.randint(1, 12))]
        texts.append("".join(w + rnd.choice(GAPS) for w in words))
    return texts


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_many_boundary_contexts_encode_as_tiktoken(name, script):
    import tiktoken

    import tokcost

    ours, ref = tokcost.get_encoding(name), tiktoken.get_encoding(name)
    texts = _texts(script, seed=len(script), n=600)
    joined = "".join(texts)
    assert ours.encode_ordinary(joined) == ref.encode_ordinary(joined)
    for text in texts:
        assert ours.encode_ordinary(text) == ref.encode_ordinary(text), repr(text)


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_scripts_interleaved_share_the_cache(name):
    """Every script's contexts in one call, in turn, so each overwrites the others' slots."""
    import tiktoken

    import tokcost

    ours, ref = tokcost.get_encoding(name), tiktoken.get_encoding(name)
    rounds = [_texts(script, seed=7 * k + len(script), n=40) for k in range(5) for script in sorted(SCRIPTS)]
    text = "".join(t for texts in rounds for t in texts)
    assert ours.encode_ordinary(text) == ref.encode_ordinary(text)

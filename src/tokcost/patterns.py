"""The split patterns of OpenAI's encodings, and which of them the native core splits itself.

Both ``core.Encoding`` (to pick a native splitter for a pattern it is given)
and ``registry`` (to describe encodings) read this table; it depends on
nothing, so neither has to import the other for it.
"""

from __future__ import annotations

from typing import Optional

# The split patterns, exactly as tiktoken 0.14 defines them.
O200K_PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
R50K_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""

# Patterns the native core can split without a regex engine, and the name of
# its splitter for each (``_core.SPLITTERS``).
NATIVE_SPLITTERS = {O200K_PATTERN: "o200k", CL100K_PATTERN: "cl100k", R50K_PATTERN: "gpt2"}


def native_splitter(pat_str: str) -> Optional[str]:
    """The native splitter that splits exactly like ``pat_str``, or None (then
    the ``regex`` package splits and the native core only merges)."""
    return NATIVE_SPLITTERS.get(pat_str)

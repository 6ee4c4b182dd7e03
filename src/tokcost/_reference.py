"""The algorithm stated plainly: a slow pure-Python BPE encoder.

It exists to explain what the native core does and to cross-check it; both
are tested against tiktoken. Pretokenization uses the ``regex`` package with
the encoding's pattern, so on code points whose Unicode properties changed
after tiktoken's Unicode version (16.0) it may split differently.

>>> ranks = {b"a": 0, b"b": 1, b"ab": 2}
>>> byte_pair_encode(b"abab", ranks)
[2, 2]
"""

from __future__ import annotations

import regex


def byte_pair_encode(piece: bytes, ranks: dict[bytes, int]) -> list[int]:
    """Merge the adjacent pair whose concatenation has the lowest rank, leftmost
    first, until no adjacent pair is a token; return the ranks of the parts."""
    parts = [piece[i : i + 1] for i in range(len(piece))]
    while len(parts) > 1:
        best_rank, best_i = None, -1
        for i in range(len(parts) - 1):
            rank = ranks.get(parts[i] + parts[i + 1])
            if rank is not None and (best_rank is None or rank < best_rank):
                best_rank, best_i = rank, i
        if best_rank is None:
            break
        parts[best_i : best_i + 2] = [parts[best_i] + parts[best_i + 1]]
    return [ranks[part] for part in parts]


def encode_ordinary(text: str, pat_str: str, ranks: dict[bytes, int]) -> list[int]:
    """Split ``text`` with the pattern, then encode each piece: a piece that is
    itself a token becomes that token, any other goes through BPE."""
    tokens: list[int] = []
    for piece in regex.findall(pat_str, text):
        data = piece.encode("utf-8")
        rank = ranks.get(data)
        tokens.extend([rank] if rank is not None else byte_pair_encode(data, ranks))
    return tokens

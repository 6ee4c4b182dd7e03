"""The token table's slots against tiktoken: a piece is only ever its token when every byte matches.

A slot (tables.h, tc_piece_slot) holds a token's first 8 bytes and its length, and then either its
bytes 8 to 11 or, for a token of more than 12 bytes, where its bytes start in the vocabulary's
byte arena, where the probe compares the rest (round 17, r17-prefetch: one memory access fewer
than through the rank's dec_off). A piece reaches a slot only when its own hash's probe passes
it, so the pieces here are built to: each is a long token with its bytes 8 to 11, all from 8, all
from 12, or its last four replaced by other letters, drawn until the piece's probe starts in the run of slots
that ends at the token's (the table is rebuilt here as tables.h builds it: tokens in rank order,
linear probing, a power of two at least twice their number). The expected tokens come from
tiktoken."""

from __future__ import annotations

import numpy as np
import pytest
import regex

from test_piece_cache import _piece_hash as _hash  # tables.h's tc_hash_piece

_K0, _K1, _C = 0x243F6A8885A308D3, 0x13198A2E03707344, 0x9E3779B97F4A7C15  # its constants
_LETTERS = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
_DRAWS, _BATCH = 64, 1 << 16  # at most 4 M pieces drawn for one token, then the test fails (o200k: 2^19 slots)


def _mix_many(a: np.ndarray, b) -> np.ndarray:
    """test_piece_cache's _mix over arrays of uint64: the 128-bit product from 32-bit halves."""
    m32 = np.uint64(0xFFFFFFFF)
    s32 = np.uint64(32)
    b = np.uint64(b) if isinstance(b, int) else b
    al, ah, bl, bh = a & m32, a >> s32, b & m32, b >> s32
    p0, p1, p2, p3 = al * bl, al * bh, ah * bl, ah * bh
    mid = (p0 >> s32) + (p1 & m32) + (p2 & m32)
    lo = (p0 & m32) | (mid << s32)
    hi = p3 + (p1 >> s32) + (p2 >> s32) + (mid >> s32)
    return lo ^ hi


def _hash_many(rows: np.ndarray) -> np.ndarray:
    """_hash of each row of a (k, n) uint8 array, n >= 12."""
    k, n = rows.shape
    pad = np.zeros((k, 12 + -(-(n - 12) // 8) * 8), dtype=np.uint8)
    pad[:, :n] = rows
    w0 = pad[:, :8].copy().view("<u8")[:, 0]
    w1 = pad[:, 8:12].copy().view("<u4")[:, 0].astype(np.uint64)
    h = _mix_many(w0 ^ np.uint64(_K0), ((w1 << np.uint64(16)) | np.uint64(n & 0xFFFF)) ^ np.uint64(_K1))
    words = pad[:, 12:].copy().view("<u8")
    for i in range(words.shape[1]):
        h = _mix_many(h ^ words[:, i], _C)
    return h


def _table(ranks: dict) -> tuple[np.ndarray, dict, int]:
    """Which slots are taken, each token's slot, and the mask: tc_build_piece_table's layout."""
    size = 16
    while size < 2 * len(ranks):
        size <<= 1
    taken, at = np.zeros(size, dtype=bool), {}
    for token, _rank in sorted(ranks.items(), key=lambda kv: kv[1]):
        i = _hash(token) & (size - 1)
        while taken[i]:
            i = (i + 1) & (size - 1)
        taken[i] = True
        at[token] = i
    return taken, at, size - 1


def _run_to(taken: np.ndarray, i: int, mask: int) -> np.ndarray:
    """The slots from the start of slot i's run of taken slots to i: a probe starting at any of
    them meets slot i before an empty one."""
    first = i
    while taken[(first - 1) & mask]:
        first = (first - 1) & mask
    return (np.arange(first, first + ((i - first) & mask) + 1) & mask).astype(np.uint64)


def _piece_within(token: bytes, start: int, stop: int, starts: np.ndarray, mask: int, rng, ranks,
                  one_piece) -> bytes:
    """A piece of the token's length and bytes but for other lowercase letters in [start, stop),
    that is no token, is one pretokenized piece, and whose probe starts in `starts`."""
    n = len(token)
    for _ in range(_DRAWS):
        rows = np.tile(np.frombuffer(token, dtype=np.uint8), (_BATCH, 1))
        rows[:, start:stop] = rng.choice(_LETTERS, size=(_BATCH, stop - start))
        for k in np.flatnonzero(np.isin(_hash_many(rows) & np.uint64(mask), starts)):
            piece = rows[k].tobytes()
            if piece != token and piece not in ranks and one_piece(piece):
                return piece
    raise AssertionError(f"no piece of {token!r} new in [{start}, {stop}) met its slot in {_DRAWS * _BATCH} draws")


@pytest.mark.parametrize("encoding_name", ["o200k_base", "cl100k_base"])
def test_long_tokens_compared_past_their_slot(encoding_name):
    import tiktoken

    import tokcost

    ours, ref = tokcost.get_encoding(encoding_name), tiktoken.get_encoding(encoding_name)
    ranks = ref._mergeable_ranks
    pattern = regex.compile(ref._pat_str)

    def one_piece(p: bytes) -> bool:
        return pattern.findall(p.decode()) == [p.decode()]

    taken, at, mask = _table(ranks)
    # Tokens of a space and 15 to 23 lowercase letters, those deepest in their run first (the
    # most probe starts reach them, so a piece meets them soonest).
    long = [t for t in ranks if 16 <= len(t) <= 24 and t[:1] == b" " and t[1:].isalpha() and t[1:].islower()]
    long.sort(key=lambda t: -len(_run_to(taken, at[t], mask)))
    rng = np.random.default_rng(17)
    pieces = []
    for token in long[:3]:
        starts = _run_to(taken, at[token], mask)
        n = len(token)
        for start, stop in ((8, 12), (8, n), (12, n), (n - 4, n)):
            pieces.append(_piece_within(token, start, stop, starts, mask, rng, ranks, one_piece))
    want = [ref.encode_ordinary(p.decode()) for p in pieces]
    for _ in range(2):  # cold, then from the piece cache
        assert [ours.encode_ordinary(p.decode()) for p in pieces] == want
    text = "\n".join(t.decode() for t in long[:3]) + "\n" + "\n".join(p.decode() for p in pieces)
    assert ours.encode_ordinary(text) == ref.encode_ordinary(text)
    # The tokens themselves, each found through its slot's offset.
    tokens = [t.decode() for t in long[:2000]]
    assert [ours.encode_ordinary(t) for t in tokens] == [[ranks[t.encode()]] for t in tokens]

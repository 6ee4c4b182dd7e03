"""The per-thread piece caches against tiktoken: a cached answer must only ever be
returned for the identical byte string.

The second-level cache (thread_caches.h) keeps pieces of up to 4096 bytes in a
fixed arena, indexed by a hash in buckets of four slots, and starts again when
the arena is full. These tests encode the same pieces cold and then warm, pieces
built to share a bucket (and their first bytes, length and most of their
content), pieces on either side of the length limit, and more distinct pieces
than the arena holds, and compare every result with tiktoken's."""

from __future__ import annotations

import random

THAI = [chr(c) for c in range(0x0E01, 0x0E2F)]  # consonants: letters (Lo), so a run is one piece
KANA = [chr(c) for c in range(0x30A1, 0x30F7)]  # katakana, also Lo

_MASK = (1 << 64) - 1
_INDEX_BITS = 16  # TC_BIG_INDEX_BITS
_WAYS = 4  # TC_BIG_WAYS


def _mix(a: int, b: int) -> int:
    r = a * b
    return (r & _MASK) ^ (r >> 64)


def _piece_hash(p: bytes) -> int:
    """tables.h's tc_hash_piece, to pick pieces that land in one bucket (the
    expected tokens still come from tiktoken)."""
    head = p[:12].ljust(12, b"\0")
    w0, w1 = int.from_bytes(head[:8], "little"), int.from_bytes(head[8:], "little")
    h = _mix(w0 ^ 0x243F6A8885A308D3, ((w1 << 16) | (len(p) & 0xFFFF)) ^ 0x13198A2E03707344)
    for i in range(12, len(p), 8):
        h = _mix(h ^ int.from_bytes(p[i:i + 8], "little"), 0x9E3779B97F4A7C15)
    return h


def _bucket(p: bytes) -> int:
    return (_piece_hash(p) >> (64 - _INDEX_BITS)) & ~(_WAYS - 1)


def _check(pair, pieces, sep="\n"):
    """Each piece alone, then all of them in one text, twice (cold, then warm),
    then counted: always tiktoken's tokens."""
    ours, ref = pair
    want = [ref.encode_ordinary(p) for p in pieces]
    for _ in range(2):
        assert [ours.encode_ordinary(p) for p in pieces] == want
    text = sep.join(pieces)
    whole = ref.encode_ordinary(text)
    assert ours.encode_ordinary(text) == whole
    assert ours.encode_ordinary(text) == whole
    assert ours.count(text) == len(whole)
    assert [ours.count(p) for p in pieces] == [len(w) for w in want]


def test_long_thai_and_kana_runs(pair):
    rng = random.Random(1)
    pieces = ["".join(rng.choices(alphabet, k=k)) for alphabet in (THAI, KANA)
              for k in (11, 22, 30, 60, 85, 86, 200, 700, 1365, 1366, 1367, 3000)]
    _check(pair, pieces)


def test_pieces_either_side_of_the_cached_length():
    """4096 bytes is the longest piece kept; 4095 to 4097 (and repeats) must all be right."""
    import tiktoken

    import tokcost

    ours, ref = tokcost.get_encoding("o200k_base"), tiktoken.get_encoding("o200k_base")
    rng = random.Random(2)
    for n in (4094, 4095, 4096, 4097, 4098):
        piece = "".join(rng.choices(THAI, k=n // 3)) + "a" * (n % 3)  # Latin letters join the run
        assert len(piece.encode()) == n
        want = ref.encode_ordinary(piece)
        assert ours.encode_ordinary(piece) == want
        assert ours.encode_ordinary(piece) == want
        assert ours.count(piece) == len(want)


def test_pieces_sharing_a_bucket_head_and_length(pair):
    """Pieces that differ only near their end, with equal length and first bytes,
    chosen so that many fall into one bucket: more than it has slots."""
    rng = random.Random(3)
    stem = "".join(rng.choices(THAI, k=40))
    by_bucket: dict = {}
    for tail in range(60000):
        piece = stem + THAI[tail % 46] + THAI[tail // 46 % 46] + THAI[tail // 2116 % 46]
        by_bucket.setdefault(_bucket(piece.encode()), []).append(piece)
    crowded = sorted(by_bucket.values(), key=len, reverse=True)[:3]
    assert len(crowded[0]) > _WAYS
    pieces = [p for group in crowded for p in group]
    _check(pair, pieces + pieces[::-1])


def test_more_distinct_pieces_than_the_arena_holds(pair):
    """About 6 MB of distinct long pieces: the arena (4 MB) fills and starts
    again; the first pieces, asked again, are merged afresh and still right."""
    ours, ref = pair
    rng = random.Random(4)
    pieces = ["".join(rng.choices(THAI, k=150)) for _ in range(9000)]
    text = "\n".join(pieces)
    want = ref.encode_ordinary(text)
    assert ours.encode_ordinary(text) == want
    assert ours.encode_ordinary(text) == want
    head = "\n".join(pieces[:500])
    assert ours.encode_ordinary(head) == ref.encode_ordinary(head)
    assert ours.count(text) == len(want)


def test_batch_workers_keep_their_own_caches(pair):
    ours, ref = pair
    rng = random.Random(5)
    docs = ["\n".join("".join(rng.choices(THAI + KANA, k=rng.randrange(20, 400))) for _ in range(8))
            for _ in range(200)]
    want = [ref.encode_ordinary(d) for d in docs]
    for _ in range(2):
        assert ours.encode_ordinary_batch(docs, num_threads=2) == want
        assert ours.count_batch(docs, num_threads=2) == [len(w) for w in want]

"""The long-piece search as two chains (src/_native/longpiece_search.h, "two
chains"; longpiece.h tc_long_search_split): a piece searched from 0 (A) and from
a split m (B), joined where A's stack ends at a boundary of B's tokens with a
valid pair across it, or A run to the end alone when they never meet. Every
answer is compared with tiktoken's BPE of the same piece.

``long_piece_search(piece, split, reveal, threads, second_last)`` forces the two
chains at any split, so short pieces exercise the join at every position: B
searched first and looked at once A's stack reaches ``reveal`` (so A may already
be past the split, as when B's thread finishes late), B on a pool worker, or B
claimed first and searched only once A is done (a worker that claimed it and did
not run), when B stops early. Pieces of 64 KB or more take a second thread on
their own while ``tokcost.long_piece_threads()`` is on, as it is by default
(``tests/test_thread_policy.py``).
"""

from __future__ import annotations

import random

import pytest

import tokcost
from tokcost import _core
from tokcost.testing import LONG_PIECE_ALPHABETS as ALPHABETS

THREADS_MIN = 64 << 10  # longpiece.h TC_LONG_THREADS_MIN

def _random_piece(rnd: random.Random, alphabet: str, size: int) -> bytes:
    return "".join(rnd.choices(alphabet, k=size)).encode()


def _check_every_split(core, ref, piece: bytes, late: int = 0) -> int:
    """Every split m of piece, B looked at once A reaches m + late."""
    want = ref._encode_single_piece(piece)
    wrong = [m for m in range(1, len(piece)) if core.long_piece_search(piece, m, m + late) != want]
    assert not wrong, (piece, late, wrong[:10])
    return len(piece) - 1


@pytest.mark.parametrize("alphabet", sorted(ALPHABETS))
def test_every_split_of_short_pieces(pair, alphabet):
    """Pieces of 2-40 bytes searched as two chains split at every byte (inside a
    character too): the join lands at the split, a few bytes on, or nowhere."""
    ours, ref = pair
    rnd = random.Random(26)
    splits = 0
    for _ in range(60):
        piece = _random_piece(rnd, ALPHABETS[alphabet], rnd.randint(2, 40))[:40]
        if len(piece) >= 2:
            splits += _check_every_split(ours._core, ref, piece, late=rnd.choice([0, 0, 1, 3, 8, 40]))
    assert splits > 500


@pytest.mark.parametrize("unit", ["a", "z", " ", "-", "7", "\n", "ab", "中", "😀"], ids=repr)
def test_runs_where_the_chains_never_meet(pair, unit):
    """A run of one character or of `ab`: BPE of the run from a split seldom shares a
    boundary and the tokens after it with BPE of the whole run (tiktoken: for `a` in
    o200k_base, 1,215 of 1,560 splits of 20-59 bytes meet nowhere before the end), so
    the first chain runs to the end alone; every split of every length of 20-59 bytes."""
    ours, ref = pair
    for n in range(20, 60):
        _check_every_split(ours._core, ref, (unit * 60).encode()[:n], late=n % 3)


def test_glued_tokens_every_split(pair):
    """Pieces glued from the vocabulary's tokens (so many boundaries of the two
    searches coincide, and the pair at a coinciding one is often invalid), with runs
    spliced in, at every split."""
    ours, ref = pair
    rnd = random.Random(15)
    tokens = [t for t in ref._mergeable_ranks if 1 <= len(t) <= 6]
    for _ in range(60):
        piece = b""
        while len(piece) < 30:
            piece += rnd.choice(tokens) if rnd.random() < 0.8 else bytes([rnd.randrange(97, 123)]) * rnd.randint(2, 9)
        _check_every_split(ours._core, ref, piece[:48], late=rnd.choice([0, 2, 5]))


@pytest.mark.parametrize("alphabet", sorted(ALPHABETS))
def test_long_pieces_split_anywhere(pair, alphabet):
    """Pieces of 300-1,000 characters split near the start, the middle and the end,
    B looked at from the split on or once A is 1-200 bytes past it, and B on a pool
    worker (which may finish before or after A reaches the split)."""
    ours, ref = pair
    rnd = random.Random(7)
    for _ in range(4):
        piece = _random_piece(rnd, ALPHABETS[alphabet], rnd.randint(300, 1000))
        want = ref._encode_single_piece(piece)
        for m in {1, 2, 7, len(piece) // 3, len(piece) // 2, len(piece) - 5, len(piece) - 1}:
            for late in (0, 1, 30, 200):
                assert ours._core.long_piece_search(piece, m, m + late) == want, (alphabet, m, late, piece[:60])
            assert ours._core.long_piece_search(piece, m, threads=True) == want, (alphabet, m, piece[:60])


@pytest.mark.parametrize("alphabet", sorted(ALPHABETS))
def test_second_chain_stops_once_the_first_is_done(pair, alphabet):
    """B claimed before A starts and searched only once A is done (a worker that claimed
    it and then did not run): A goes on alone past the split, and B, finding A done at
    its first look (its 256th token, longpiece_search.h TC_LONG_HALF_LOOK), stops instead
    of searching the rest of its half for nothing. Every split of short pieces (B looked
    for from the split or later; B never gets to look), and pieces of 3,000-5,000
    characters, where each call counts one stop."""
    ours, ref = pair
    core = ours._core
    rnd = random.Random(27)
    for _ in range(30):
        piece = _random_piece(rnd, ALPHABETS[alphabet], rnd.randint(2, 40))[:40]
        want = ref._encode_single_piece(piece)
        late = rnd.choice([0, 1, 5])
        wrong = [m for m in range(1, len(piece)) if core.long_piece_search(piece, m, m + late, second_last=True) != want]
        assert not wrong, (piece, late, wrong[:10])
    for _ in range(2):
        piece = _random_piece(rnd, ALPHABETS[alphabet], rnd.randint(3000, 5000))
        want = ref._encode_single_piece(piece)
        for m in (1, 7, len(piece) // 3, len(piece) // 2):
            before = _core.long_halves_stopped()
            assert core.long_piece_search(piece, m, m + rnd.choice([0, 30]), second_last=True) == want, (m, piece[:60])
            assert _core.long_halves_stopped() == before + 1, (alphabet, m, "B searched on after A was done")


@pytest.mark.parametrize("alphabet", sorted(ALPHABETS))
def test_second_chain_searched_first_never_stops(pair, alphabet):
    """B searched before A starts is never past by A, so it never stops early: its tokens
    are there for the join (a B that stopped whenever it looked would leave A alone every
    time, exact but slow, and only this count shows it)."""
    ours, ref = pair
    rnd = random.Random(28)
    before = _core.long_halves_stopped()
    for _ in range(3):
        piece = _random_piece(rnd, ALPHABETS[alphabet], rnd.randint(3000, 5000))
        want = ref._encode_single_piece(piece)
        for m in (1, 7, len(piece) // 3, len(piece) // 2, len(piece) - 40):
            assert ours._core.long_piece_search(piece, m) == want, (m, piece[:60])
    assert _core.long_halves_stopped() == before


@pytest.fixture(params=[True, False], ids=["two_threads", "one_thread"])
def threads_setting(request):
    """long_piece_threads on (tokcost's default) and off for one test each, then the setting it found."""
    before = tokcost.long_piece_threads(request.param)
    assert tokcost.long_piece_threads() is request.param
    yield
    tokcost.long_piece_threads(before)


@pytest.mark.parametrize("alphabet", ["lowercase", "base64", "cjk", "thai", "emoji"])
def test_pieces_past_the_threads_threshold_through_encode(pair, alphabet, threads_setting):
    """Pieces of 64-100 KB, which take a second thread on their own, through the
    search and through encode_ordinary (x and y around: one piece wherever the
    pattern keeps the alphabet so), against tiktoken."""
    ours, ref = pair
    rnd = random.Random(4)
    for size in (THREADS_MIN, THREADS_MIN + 1, 100_000):
        piece = _random_piece(rnd, ALPHABETS[alphabet], size)[:size]
        piece = piece.decode("utf-8", "ignore").encode()
        want = ref._encode_single_piece(piece)
        assert ours._core.long_piece_search(piece) == want
        assert ours._core.long_piece_search(piece, len(piece) // 2, threads=True) == want
        text = "x " + piece.decode() + " y"
        assert ours.encode_ordinary(text) == ref.encode_ordinary(text)


def test_batches_on_two_threads(pair, threads_setting):
    """Long pieces in a batch on two threads (each batch thread's pieces search as one
    chain: the pool is the batch's) and alone (two chains), against tiktoken."""
    ours, ref = pair
    rnd = random.Random(2)
    texts = [_random_piece(rnd, ALPHABETS[name], rnd.randint(THREADS_MIN // 3, THREADS_MIN + 5000)).decode()
             for name in ("lowercase", "thai", "cjk", "lowercase", "base64", "lowercase")]
    want = ref.encode_ordinary_batch(texts, num_threads=2)
    assert ours.encode_ordinary_batch(texts, num_threads=2) == want
    assert [ours.encode_ordinary(t) for t in texts] == want

"""Long single pieces: the linear long-piece encoder (src/_native/longpiece.h)
gives tiktoken's ids, and so does merging before its tables are built.

tiktoken's own merge is quadratic on one long piece, so the pieces compared
stay at a few KB, with a few of 20 KB; the encoder itself is exercised on
megabytes by the benchmarks and test_hostile.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tokcost
from tokcost import _reference_backtrack
from tokcost.core import Encoding

BUILD_AFTER = 256 << 10  # longpiece.h TC_LONG_BUILD_AFTER: a piece this long builds the tables

CLASSES = {
    "latin": "a",
    "space": " ",
    "newline": "\n",
    "digit": "7",
    "punctuation": "!",
    "dash": "-",
    "cjk": "中",
    "emoji": "😀",
    "thai": "ก",
    "cyrillic": "ж",
    "pair": "ab",
    "triple": "xyz",
    "crlf": "\r\n",
}
# Around the long-piece threshold (96 bytes), the on-stack dead set (4096) and beyond.
LENGTHS = [97, 98, 100, 127, 128, 129, 255, 256, 257, 1000, 4095, 4096, 4097, 4099]


@pytest.fixture(scope="module")
def long_pair(pair):
    """(tokcost encoding with its long-piece tables built, tiktoken encoding)."""
    ours, ref = pair
    big = b"q" * BUILD_AFTER
    assert ours.decode_bytes(ours._core.byte_pair_encode(big)) == big
    assert ours._core.long_piece_table_bytes() > 0
    return ours, ref


def _check_piece(ours, ref, piece: bytes):
    want = ref._encode_single_piece(piece)
    assert ours._core.byte_pair_encode(piece) == want, piece[:60]


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_repeated_class_as_one_piece(long_pair, name):
    ours, ref = long_pair
    unit = CLASSES[name].encode()
    for length in LENGTHS:
        _check_piece(ours, ref, (unit * length)[:length])
        _check_piece(ours, ref, unit * (length // len(unit) + 1))


@pytest.mark.parametrize("name", ["latin", "space", "newline", "punctuation", "cjk", "emoji"])
def test_repeated_class_as_text(long_pair, name):
    """Through the pretokenizer, encode and count: the run is one long piece."""
    ours, ref = long_pair
    for length in [97, 300, 5000, 20000]:
        text = CLASSES[name] * length
        want = ref.encode_ordinary(text)
        assert ours.encode_ordinary(text) == want
        assert ours.count(text) == len(want)
        assert ours.encode_ordinary("x " + text + " y") == ref.encode_ordinary("x " + text + " y")


def test_long_random_pieces(long_pair):
    ours, ref = long_pair
    rnd = random.Random(15)
    alphabets = [
        "abcdefghijklmnopqrstuvwxyz",
        "etaoin",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij",
        "абвгдежзийклмнопрстуфхцчшщъыьэюя",
        "अआइईउऊएऐओऔकखगघचछजझटठडढणतथदधनपफबभमयरलवशषसह्ािीुूेैोौं",
        "กขคงจฉชซญดตถทนบปผพฟมยรลวสหอฮะาิีึืุูเแโใไ่้๊๋็์",
        "中文字日本語한국어漢字かなカナ",
        "ñéüßçàèìòùâêîôûäëïöÿ",
        "😀🎉👍🏽❤️🚀🔥✨🌍",
        "0123456789",
    ]
    for alphabet in alphabets:
        for _ in range(12):
            text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(40, 1500)))
            _check_piece(ours, ref, text.encode())
    for _ in range(60):
        _check_piece(ours, ref, bytes(rnd.randrange(256) for _ in range(rnd.randint(97, 2000))))
    for _ in range(20):  # few distinct bytes: many equal pairs, many ties
        _check_piece(ours, ref, bytes(rnd.choice(b"ab \n") for _ in range(rnd.randint(97, 3000))))


def test_twenty_kilobyte_pieces(long_pair):
    ours, ref = long_pair
    rnd = random.Random(20)
    letters = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(20000)).encode()
    for piece in [b"a" * 20000, b" " * 20000, "中".encode() * 7000, letters, bytes(rnd.randrange(256) for _ in range(20000))]:
        _check_piece(ours, ref, piece)


def test_random_letters_without_spaces(long_pair):
    """128 KB of random a-z is one piece: the encoder's slowest case, where
    nearly every token is checked against its neighbours and many are undone."""
    ours, ref = long_pair
    text = "".join(random.Random(128).choices("abcdefghijklmnopqrstuvwxyz", k=128 << 10))
    want = ref.encode_ordinary(text)
    assert ours.encode_ordinary(text) == want
    assert ours.count(text) == len(want)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from("aeiouxyzst ,.!-\n中😀ж0"), min_size=97, max_size=800))
def test_hypothesis_long_pieces(long_pair, text):
    ours, ref = long_pair
    _check_piece(ours, ref, text.encode())
    assert ours.encode_ordinary(text) == ref.encode_ordinary(text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(min_size=97, max_size=600))
def test_hypothesis_long_byte_pieces(long_pair, data):
    ours, ref = long_pair
    _check_piece(ours, ref, data)
    assert ours.encode_bytes(data) == ref._encode_bytes(data)


def test_merging_answers_before_the_tables_exist(encoding_name, pair):
    """A fresh vocabulary merges its first long pieces (same ids) and builds the
    tables once long pieces have cost enough; their size is bounded."""
    ours, ref = pair
    fresh = Encoding(
        encoding_name + "-fresh",
        pat_str=ours._pat_str,
        mergeable_ranks=ours._mergeable_ranks,
        special_tokens=ours._special_tokens,
    )
    pieces = [b"a" * 300, b"ab" * 400, "中".encode() * 300, b"!" * 999]
    for piece in pieces:
        assert fresh._core.byte_pair_encode(piece) == ref._encode_single_piece(piece)
    assert fresh._core.long_piece_table_bytes() == 0
    big = b"a" * BUILD_AFTER
    assert fresh._core.byte_pair_encode(big) == ours._core.byte_pair_encode(big)
    size = fresh._core.long_piece_table_bytes()
    assert 0 < size <= 16 << 20, size
    for piece in pieces:
        assert fresh._core.byte_pair_encode(piece) == ref._encode_single_piece(piece)


def test_reference_backtracking_matches_tiktoken(pair):
    """The plain statement of the algorithm agrees with tiktoken too."""
    ours, ref = pair
    encoder = _reference_backtrack.LongPieceEncoder(ours._mergeable_ranks)
    rnd = random.Random(5)
    pieces = [b"a" * 300, b"\n" * 200, "😀".encode() * 60, b"ab" * 150]
    pieces += ["".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(300)).encode() for _ in range(10)]
    pieces += [bytes(rnd.randrange(256) for _ in range(200)) for _ in range(10)]
    for piece in pieces:
        assert encoder.encode(piece) == ref._encode_single_piece(piece)


def test_megabyte_piece_decodes_back(long_pair):
    ours, _ = long_pair
    for unit in ["a", " ", "\n", "😀", "中", "ab"]:
        text = unit * (1 << 20)
        tokens = ours.encode_ordinary(text)
        assert ours.decode(tokens) == text
        assert ours.count(text) == len(tokens)


def test_default_encodings_serve_long_pieces():
    for name in ["o200k_base", "cl100k_base"]:
        enc = tokcost.get_encoding(name)
        enc._core.byte_pair_encode(b"z" * BUILD_AFTER)
        assert enc._core.long_piece_table_bytes() > 0


@pytest.mark.parametrize("unit", ["\n", "!", "-", "=", "/", ".", "\r\n", "\n\n ", "!?"])
def test_runs_across_block_edges_in_context(pair, unit):
    """Newline and punctuation runs are scanned sixteen bytes at a time: every
    length around the block edges, alone and between other characters."""
    ours, ref = pair
    for length in list(range(1, 40)) + [47, 48, 49, 63, 64, 65]:
        run = unit * length
        for text in [run, "x" + run + "y", run + " z", " " + run, "\n" + run + "\n", "a" + run + "/b", run + "1"]:
            assert ours.encode_ordinary(text) == ref.encode_ordinary(text), repr(text)

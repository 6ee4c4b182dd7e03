"""The table cache's checksum (``_core.crc32``, checksum.h) against zlib.crc32, the reference.

The cache files written before it used zlib.crc32, and a load rejects a file whose
checksum differs, so any difference would show as a rebuilt cache or, worse, a
damaged file accepted; every length from 0 to 300 (each tail and fold path), odd
offsets (unaligned loads), chained values and a few MB are compared."""

from __future__ import annotations

import random
import zlib

import pytest

from tokcost._core import crc32


@pytest.fixture(scope="module")
def data() -> bytes:
    return random.Random(15).randbytes(1 << 20) + bytes(4096) + b"\xff" * 4096


def test_every_short_length_and_offset(data):
    view = memoryview(data)
    for n in range(301):
        for offset in (0, 1, 7, 15):
            piece = view[offset:offset + n]
            assert crc32(piece) == zlib.crc32(piece), (n, offset)


def test_chained_values_and_large(data):
    for value in (0, 1, 0xFFFFFFFF, 0x1234ABCD):
        assert crc32(data, value) == zlib.crc32(data, value)
    half = len(data) // 2 + 3
    assert crc32(data[half:], crc32(data[:half])) == zlib.crc32(data)
    assert crc32(b"") == 0 and crc32(b"123456789") == 0xCBF43926  # the CRC-32 check value


def test_single_bit_flips_change_it(data):
    piece = bytearray(data[:4099])
    good = crc32(piece)
    for i in (0, 63, 64, 2047, 4098):
        piece[i] ^= 0x10
        assert crc32(piece) == zlib.crc32(piece) != good
        piece[i] ^= 0x10

"""utf8_check.h's strict UTF-8 check against CPython's decoder, on both of its paths (32-byte blocks
with AVX2, where the CPU has it, then the byte walk alone): every kind of bad sequence at every
offset across several blocks, every pair of bytes and every three- and four-byte lead's second
byte on each side of a block's edge, every code point whole and cut short, and hypothesis bytes.
The answer is where the decoder's first error starts (``UnicodeDecodeError.start``), else the
length: what ``count_files`` and ``encode_bytes`` rely on."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_word_windows import _cpu_has_avx2

from tokcost import _core

# Bad sequences of every kind (a stray or missing continuation, an overlong form, a surrogate, past
# U+10FFFF, a byte that is never UTF-8) and good ones of each length next to the edges of the ranges.
SEQUENCES = [b"\x80", b"\xbf", b"\xc0\xaf", b"\xc1\xbf", b"\xc2", b"\xc2\x80", b"\xdf\xbf", b"\xe0\x80\x80",
             b"\xe0\x9f\xbf", b"\xe0\xa0\x80", b"\xe1\x80", b"\xe1\x80\x41", b"\xed\x9f\xbf", b"\xed\xa0\x80",
             b"\xed\xbf\xbf", b"\xee\x80\x80", b"\xef\xbf\xbf", b"\xf0\x8f\xbf\xbf", b"\xf0\x90\x80\x80",
             b"\xf0\x90\x80", b"\xf0\x90\x80\x41", b"\xf3\xbf\xbf\xbf", b"\xf4\x8f\xbf\xbf", b"\xf4\x90\x80\x80",
             b"\xf5\x80\x80\x80", b"\xf8\x88\x80\x80\x80", b"\xfe", b"\xff", b"\xc2\x80\x80", b"\xe4\xb8\xad\xbf",
             b"\xf0\x9f\x98\x80\x80"]
# 200 bytes each: ASCII, two- and three-byte characters, four-byte ones, and a mix of all.
BACKGROUNDS = [b"x" * 200, ("数据 é" * 40).encode()[:200], ("😀" * 50).encode(),
               "hello Привет 数据 😀 नमस्ते ".encode() * 5]


def _python(data: bytes) -> int:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return len(data)


@pytest.fixture(params=["cpu", "walk"])
def check_path(request):
    """The check with AVX2 blocks (where the CPU has it), then the byte walk alone."""
    assert _core.use_avx2(request.param == "cpu") == (request.param == "cpu" and _cpu_has_avx2())
    yield request.param
    _core.use_avx2(True)


def test_every_sequence_at_every_offset(check_path):
    """Each sequence at every offset of each background (so at every lane of the first blocks,
    across their edges and in the walked tail), and at its end."""
    for background in BACKGROUNDS:
        for seq in SEQUENCES:
            for at in range(len(background) + 1):
                data = background[:at] + seq + background[at:]
                assert _core.utf8_valid_up_to(data) == _python(data), (background[:8], seq, at)


@pytest.mark.parametrize("at", [0, 29, 30, 31, 32, 63, 64, 65])
def test_every_pair_of_bytes_near_a_block_edge(check_path, at):
    """All 65,536 pairs of bytes in ASCII, starting at a block's first lanes, across the edge
    between the first two blocks (and the second and third) and in its last lanes."""
    background = b"a" * 128
    for first in range(256):
        for second in range(256):
            data = background[:at] + bytes((first, second)) + background[at:]
            assert _core.utf8_valid_up_to(data) == _python(data), (at, first, second)


@pytest.mark.parametrize("at", [1, 28, 29, 30, 31, 32])
def test_every_second_byte_of_every_long_lead(check_path, at):
    """Each lead of three or four bytes (E0-F4) with every second byte and third and fourth
    bytes inside, at and outside the continuation range, after a two-byte character, so that the
    sequence falls across the first block's edge at each lane."""
    head = "é".encode() * 40
    for lead in range(0xE0, 0xF5):
        for second in range(256):
            for rest in (b"\x80\x80", b"\xbf\xbf", b"\x7f\x80", b"\x80\xc0", b"\x80"):
                data = head[:at] + bytes((lead, second)) + rest + head[at:]
                assert _core.utf8_valid_up_to(data) == _python(data), (at, lead, second, rest)


def test_every_code_point_whole_and_cut_short(check_path):
    """Every scalar value's UTF-8 in one buffer is valid; each multi-byte one with its last byte
    cut off, in the middle of valid text and at its end, is an error exactly there."""
    everything = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000).encode()
    assert _core.utf8_valid_up_to(everything) == len(everything)
    context = "数据 é hello ".encode() * 4
    for c in list(range(0x80, 0x110000, 97)) + [0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x10FFFF]:
        if 0xD800 <= c < 0xE000:
            continue
        cut = chr(c).encode()[:-1]
        for data in (context + cut + context, context + cut):
            assert _core.utf8_valid_up_to(data) == _python(data) == len(context), hex(c)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=5),
                          st.text(max_size=12).map(lambda t: t.encode("utf-8", "surrogatepass"))),
                max_size=40).map(b"".join))
def test_hypothesis_bytes(data):
    for on in (True, False):
        _core.use_avx2(on)
        try:
            assert _core.utf8_valid_up_to(data) == _python(data), (on, data)
        finally:
            _core.use_avx2(True)

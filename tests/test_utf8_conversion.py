"""utf8.h against CPython's encoder: every string layout (ASCII, latin-1, UCS-2, UCS-4), ASCII runs
on either side of the sixteen- and eight-character blocks, and lone surrogates, which must raise
UnicodeEncodeError exactly where CPython's strict encoder does."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tiktoken

import tokcost

ENC = tokcost.get_encoding("o200k_base")
_TIKTOKEN = tiktoken.get_encoding("o200k_base")


def _round_trip(text: str) -> None:
    # split_text decodes each piece from the converted bytes: their join is the text only when
    # every byte was right.
    assert "".join(ENC._core.split_text(text)) == text
    assert ENC._core.count(text) == len(ENC._core.encode_ordinary(text))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_any_text(text):
    _round_trip(text)


@pytest.mark.parametrize("wide", ["\xe9", "\u201c", "\u6771", "\U0001f600", "\x80", "\u07ff", "\u0800", "\uffff",
                                  "\U00010000", "\U0010ffff"])
def test_ascii_runs_around_each_block_size(wide):
    for before in range(0, 35):
        for after in (0, 1, 7, 8, 9, 15, 16, 17):
            _round_trip("a" * before + wide + "b" * after)
            _round_trip(wide + "c" * before + wide * 2 + "d" * after)


def test_long_mixed_texts():
    rng = random.Random(15)
    alphabet = ["x", " ", "\n", "\xe9", "\u201c", "\u6771", "\U0001f600", "\u0e01"]
    for _ in range(200):
        _round_trip("".join(rng.choice(alphabet) * rng.randrange(1, 30) for _ in range(rng.randrange(1, 40))))


@pytest.mark.parametrize("prefix", ["", "abc", "\xe9" * 20, "\u6771" * 9, "\U0001f600" * 3, "q" * 40])
def test_lone_surrogates_raise_as_cpython_does(prefix):
    for surrogate in ("\ud800", "\udbff", "\udc00", "\udfff"):
        text = prefix + surrogate + "tail"
        with pytest.raises(UnicodeEncodeError) as ours:
            ENC._core.count(text)
        with pytest.raises(UnicodeEncodeError) as cpython:
            text.encode("utf-8")
        assert (ours.value.start, ours.value.reason) == (cpython.value.start, cpython.value.reason)
        # The public API replaces them, as tiktoken does.
        assert ENC.encode_ordinary(text) == ENC.encode_ordinary(text.replace(surrogate, "\ufffd"))


# Code points at the edges of each UTF-8 length and of the surrogates, in every group of four at
# every offset (a conversion that takes several code points at a time must get each mix right).
EDGES = ["a", "\x7f", "\x80", "\xe9", "\u07ff", "\u0800", "\u6771", "\ud7ff", "\ue000", "\uffff"]


@pytest.mark.parametrize("offset", range(6))
def test_every_group_of_four_at_every_offset(offset):
    lead = "\u0416" * offset  # a UCS-2 string, with the groups shifted by the offset
    for group in itertools.product(EDGES, repeat=4):
        text = lead + "".join(group) + "x"
        _round_trip(text)
        _round_trip(text[:-1])


@pytest.mark.parametrize("offset", range(5))
def test_a_surrogate_in_any_lane_raises_where_cpython_does(offset):
    for before, after in itertools.product(["a", "\u0416", "\u6771"], repeat=2):
        for lane in range(4):
            text = "\u0416" * offset + before * lane + "\udc00" + after * (4 - lane) + "tail"
            with pytest.raises(UnicodeEncodeError) as ours:
                ENC._core.count(text)
            assert ours.value.start == text.index("\udc00")


@pytest.mark.parametrize("offset", range(5))
def test_latin1_groups_of_four_at_every_offset(offset):
    for group in itertools.product(["a", "\x7f", "\x80", "\xe9", "\xff"], repeat=4):
        text = "\xe9" * offset + "".join(group) + "x"
        _round_trip(text)
        _round_trip(text[:-1])


@pytest.mark.parametrize("wide", ["\x80", "\xff", "\u0100", "\u07ff", "\u0800", "\u8000", "\uffff", "\U00010000",
                                  "\U0010ffff"])
def test_ucs4_blocks_of_sixteen_with_one_wide_character_in_any_lane(wide):
    # A UCS-4 string (the emoji) whose ASCII runs go sixteen code points at a time: one character
    # of any UTF-8 length at every position of two blocks, at every alignment of the blocks.
    for lead in range(0, 4):
        for at in range(0, 34):
            text = "\U0001f600" + "x" * lead + "a" * at + wide + "b" * (33 - at)
            _round_trip(text)
            assert ENC.encode_ordinary(text) == _TIKTOKEN.encode_ordinary(text)


# Code points at each edge of utf8.h's eight-at-a-time ways (ASCII, below 0x800, below 0x10000 and
# no surrogate) and of UTF-8's widths, mixed in every layout: a wrong byte or a wrong step in any
# lane shows in the round trip.
_EDGES = ["a", " ", "\x7f", "\x80", "\xe9", "\xff", "\u0100", "\u043f", "\u07ff", "\u0800", "\u6771", "\ud7ff",
          "\ue000", "\uffff"]


@pytest.mark.parametrize("layout", ["", "\u0100", "\u6771", "\U0001f600"])
def test_blocks_of_eight_mixing_widths(layout):
    rng = random.Random(9)
    for _ in range(400):
        body = "".join(rng.choice(_EDGES) for _ in range(rng.randrange(1, 40)))
        _round_trip(body + layout)
        _round_trip(layout + body)
        assert ENC._core.encode_ordinary(body + layout) == _TIKTOKEN.encode_ordinary(body + layout)


@pytest.mark.parametrize("layout", ["\u0100", "\u6771", "\U0001f600"])
def test_surrogate_after_wide_blocks(layout):
    for before in range(0, 20):
        text = layout + "\u043f\u6771a" * before + "\udc00" + "\u6771" * 9
        with pytest.raises(UnicodeEncodeError) as ours:
            ENC._core.count(text)
        with pytest.raises(UnicodeEncodeError) as cpython:
            text.encode("utf-8")
        assert ours.value.start == cpython.value.start


@pytest.fixture(params=["cpu", "sse2"])
def shuffle_or_lanes(request):
    """utf8.h's narrow way with SSSE3's packing shuffle (where the CPU has it), then without."""
    from tokcost import _core

    _core.use_avx2(request.param == "cpu")
    yield request.param
    _core.use_avx2(True)


@pytest.mark.parametrize("layout", ["", "\u0100", "\U0001f600"])
def test_every_mix_of_one_and_two_byte_lanes(shuffle_or_lanes, layout):
    """Blocks of eight code points below U+0800 are written by one shuffle per mix of one- and
    two-byte lanes (tc_utf8_pack): every one of the 256 mixes, at every offset from a block's
    start, in each string layout, round-trips and encodes as tiktoken does."""
    two_byte = {"": "\xe9\xff\x80", "\u0100": "\u0628\u07ff\u0430", "\U0001f600": "\u0628\u0080\u07ff"}[layout]
    texts = []
    for mix in range(256):
        block = "".join(two_byte[(mix + k) % 3] if mix >> k & 1 else " az"[(mix + k) % 3] for k in range(8))
        for offset in range(8):
            texts.append("q" * offset + block + block[::-1] + "b" * (mix % 9) + layout)
    for text in texts:
        _round_trip(text)
    joined = "\n".join(texts)
    assert ENC.encode(joined) == _TIKTOKEN.encode(joined)


@pytest.mark.parametrize("layout", ["", "\U0001f600"])
def test_every_mix_of_one_two_and_three_byte_lanes(shuffle_or_lanes, layout):
    """Blocks of eight code points below U+10000 with a three-byte one among them are written by
    one shuffle per half and mix of one-, two- and three-byte lanes (tc_utf8_pack3): every one of
    the 3^8 mixes, as a block and across two, in a UCS-2 and a UCS-4 string, round-trips
    and encodes as tiktoken does (the characters are the edges of each width: a shuffle that keeps
    a wrong byte or steps by a wrong length changes the text)."""
    widths = (" az\x7f", "\u0628\x80\u07ff\u0416", "\u0915\u0800\uffff\ud7ff\ue000\u6771\u0e01")
    texts = []
    for mix in itertools.product(range(3), repeat=8):
        if 2 not in mix:
            continue  # the narrow way's blocks: test_every_mix_of_one_and_two_byte_lanes
        seed = sum(w * 3**k for k, w in enumerate(mix))
        block = "".join(widths[w][(seed + k) % len(widths[w])] for k, w in enumerate(mix))
        aligned = "\u0915" * (8 * (seed % 3))  # blocks start at the string's start: this one is a block
        texts.append(aligned + block + "b" * (seed % 5) + layout)
        texts.append("\u0915" * (seed % 8) + block + block[::-1] + layout)
    for text in texts:
        _round_trip(text)
    joined = "\n".join(texts)
    assert ENC.encode(joined) == _TIKTOKEN.encode(joined)

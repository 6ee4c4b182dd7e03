"""Boundary-safe streaming: chunked counts equal whole-text encoding, memory stays bounded."""

from __future__ import annotations

import gzip
import io
import os
import random
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tiktoken
import tokcost
from tokcost.corpus.streaming import (
    SAMPLE_CHARS,
    chunk_views,
    count_stream,
    cut_rule,
    encode_stream,
    find_cut_in_file,
    is_cut,
    last_cut,
    next_cut,
)

ENCODINGS = ["o200k_base", "cl100k_base", "r50k_base", "p50k_base"]
# Characters that sit next to the cut rule's edges: newlines, \r, slashes, contractions,
# Unicode whitespace, marks, digits, punctuation runs, non-Latin letters.
TRICKY = ["\n", "\n", "\n\n", "\r\n", " ", "  ", "\t", "/", "//", ".", ",", "a", "B", "Zz", "'", "'s", "'LL", "1", "234",
          "é", "Ж", "中", "😀", "\u00a0", "\u3000", "\u0085", "\u0301", "\u2028", "-", "#", "{", "}", "http://x", "$",
          "I", "\x0b", "\x0c", "_", "<|endoftext|>"]


def _chunks(stream, chunk_size, **kwargs) -> list[bytes]:
    """chunk_views' chunks, each copied before the next overwrites its buffer."""
    return [bytes(view) for view in chunk_views(stream, chunk_size, **kwargs)]


def _split_everywhere(data: bytes, enc=None) -> list:
    rule = cut_rule(enc)
    cuts = [p for p in range(1, len(data)) if is_cut(data, p, rule)]
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)])]


def _assert_split_is_exact(enc, data: bytes, pieces: list) -> None:
    assert b"".join(pieces) == data
    whole = enc.encode_ordinary(data.decode("utf-8", "replace"))
    joined = [t for piece in pieces for t in enc.encode_ordinary(piece.decode("utf-8", "replace"))]
    assert joined == whole, (data, pieces)


@pytest.mark.parametrize("name", ENCODINGS)
@settings(max_examples=400, deadline=None)
@given(parts=st.lists(st.sampled_from(TRICKY), max_size=60))
def test_every_cut_is_a_pretokenizer_boundary(name, parts):
    enc = tokcost.get_encoding(name)
    data = "".join(parts).encode("utf-8")
    _assert_split_is_exact(enc, data, _split_everywhere(data, enc))


def test_cuts_agree_with_tiktoken(pair):
    """The rule holds for tiktoken's own regex split too, not only for our native splitter."""
    ours, theirs = pair
    rng = random.Random(7)
    for _ in range(300):
        data = "".join(rng.choice(TRICKY) for _ in range(rng.randint(1, 50))).encode()
        pieces = _split_everywhere(data, ours)
        whole = theirs.encode_ordinary(data.decode())
        assert [t for p in pieces for t in theirs.encode_ordinary(p.decode())] == whole
        assert len(whole) == sum(ours.count(p.decode()) for p in pieces)


@pytest.mark.parametrize("name", ENCODINGS)
def test_real_text_split_at_every_cut(name, parallel_corpus_dir):
    enc = tokcost.get_encoding(name)
    paths = sorted(parallel_corpus_dir.glob("*"))[:6] + [__file__]
    for path in paths:
        if os.path.isfile(path):
            data = open(path, "rb").read()[:20000]
            data = data[: len(data.decode("utf-8", "ignore").encode())]  # whole characters only
            _assert_split_is_exact(enc, data, _split_everywhere(data, enc))


def test_gpt2_newline_cut_needs_no_whitespace_before():
    # r50k's "\n\n" before text is two pieces, but one ("\s++$") at the end of a chunk.
    rule = cut_rule(tokcost.get_encoding("r50k_base"))
    assert is_cut(b"x.\ny", 3, rule) and is_cut(b"ab cd", 2, rule)
    for before in [b"\n", b" ", b"\t", "\u3000".encode(), "\u00a0".encode(), "\u2028".encode(), "\u0085".encode()]:
        data = b"x" + before + b"\ny"
        assert not is_cut(data, len(data) - 1, rule), before
        assert is_cut(data, len(data) - 1), before  # o200k/cl100k: "\s*[\r\n]" keeps the run whole either way
    assert cut_rule(tokcost.get_encoding("o200k_base")) is not rule


def test_slash_after_newline_is_not_a_cut():
    # o200k's punctuation piece ".\n/" runs across the newline.
    assert not is_cut(b"x.\n/y", 3)
    assert is_cut(b"x.\ny", 3)
    assert is_cut(b"ab cd", 2)
    assert not is_cut(b"a\n y", 2) and not is_cut(b"1 2", 1)


@pytest.mark.parametrize("name", ENCODINGS)
@pytest.mark.parametrize("chunk_size", [1, 7, 64, 1000])
def test_chunks_reassemble_and_cut_safely(name, chunk_size):
    enc = tokcost.get_encoding(name)
    rng = random.Random(chunk_size)
    data = "".join(rng.choice(TRICKY) for _ in range(3000)).encode()
    chunks = _chunks(io.BytesIO(data), chunk_size, rule=cut_rule(enc))
    _assert_split_is_exact(enc, data, chunks)
    offset = 0
    for chunk in chunks[:-1]:
        offset += len(chunk)
        assert is_cut(data, offset, cut_rule(enc))
    assert count_stream(enc, io.BytesIO(data), chunk_size).tokens == enc.count(data.decode())


@pytest.mark.parametrize("name", ENCODINGS)
@pytest.mark.parametrize(
    "data",
    [
        b"a" * 5000,  # one enormous letter run
        b"\n" * 3000 + b"   " * 1000,  # whitespace only
        b"x.\n/" * 1500,  # newline always followed by '/'
        b"\n    indented" * 400,  # newline always followed by a space
        b"1234567890" * 500,  # digits
        "中文字符".encode() * 800,  # no ASCII at all
        b"".join(bytes([b]) for b in range(1, 256)) * 20,  # every byte, invalid UTF-8 included
    ],
    ids=["letters", "whitespace", "newline-slash", "indented", "digits", "cjk", "all-bytes"],
)
def test_pathological_files_fall_back_to_bigger_chunks(name, data):
    enc = tokcost.get_encoding(name)
    chunks = _chunks(io.BytesIO(data), 256, rule=cut_rule(enc))
    _assert_split_is_exact(enc, data, chunks)
    assert count_stream(enc, io.BytesIO(data), 256).tokens == enc.count(data.decode("utf-8", "replace"))


@pytest.mark.parametrize("name", ["o200k_base", "r50k_base"])
def test_chunks_are_of_the_usual_size_again_after_a_stretch_without_cuts(name):
    enc, ref = tokcost.get_encoding(name), tiktoken.get_encoding(name)
    data = ("中文" * 3000 + "\n" + "ab cd.\n" * 3000).encode()  # 18 KB without a cut, then cuts everywhere
    chunks = _chunks(io.BytesIO(data), 256, rule=cut_rule(enc))
    assert b"".join(chunks) == data and len(chunks[0]) > 18000
    assert all(len(chunk) <= 256 for chunk in chunks[1:]) and len(chunks) > 80
    assert count_stream(enc, io.BytesIO(data), 256).tokens == len(ref.encode_ordinary(data.decode()))


def test_no_boundary_means_one_chunk():
    data = b"a" * 10_000
    assert _chunks(io.BytesIO(data), 100) == [data]


def test_invalid_utf8_counts_as_replacement_characters():
    enc = tokcost.get_encoding("o200k_base")
    data = (b"caf\xe9 au lait\n" + b"ok \xf0\x9f\x98 broken emoji\n" + b"fine\n") * 500
    counted = count_stream(enc, io.BytesIO(data), 100)
    assert counted.invalid_utf8 and counted.chunks > 10
    assert counted.tokens == enc.count(data.decode("utf-8", "replace"))


def test_next_and_last_cut():
    data = b"aaa\nbbb\nccc"
    assert next_cut(data, 0) == 4 and next_cut(data, 4) == 4 and next_cut(data, 5) == 8 and next_cut(data, 9) == -1
    assert last_cut(data) == 8 and last_cut(data, 8) == -1 and last_cut(b"zzzz") == -1
    big = b"x\ny" + b"z" * 200_000
    assert last_cut(big) == 2  # found beyond the tail window


@pytest.mark.parametrize("name", ["o200k_base", "r50k_base"])
def test_last_cut_is_the_last_position_the_rule_allows(name):
    rule = cut_rule(tokcost.get_encoding(name))
    rng = random.Random(11)
    # "\nA " is two cuts that overlap as matches; long letter runs put the last cut far back.
    parts = TRICKY + ["\nA ", "\nB", "a ", "\n\nZ ", "x" * 300, "y" * 5000]
    for _ in range(300):
        data = "".join(rng.choice(parts) for _ in range(rng.randint(0, 40))).encode()
        lo = rng.randint(0, len(data))
        cuts = [p for p in range(lo + 1, len(data)) if is_cut(data, p, rule)]
        assert last_cut(data, lo, rule) == (cuts[-1] if cuts else -1), (data, lo)
        end = rng.randint(lo, len(data))
        cuts = [p for p in range(lo + 1, end) if is_cut(data[:end], p, rule)]
        assert last_cut(data, lo, rule, end=end) == (cuts[-1] if cuts else -1), (data, lo, end)


class _ReadOnly:
    """A stream with only read(), returning a few bytes at a time."""

    def __init__(self, data: bytes, most: int):
        self._data, self._at, self._most = data, 0, most

    def read(self, n: int = -1) -> bytes:
        n = self._most if n < 0 else min(n, self._most)
        block = self._data[self._at:self._at + n]
        self._at += len(block)
        return block


class _ShortInto(_ReadOnly):
    """A stream whose readinto() fills only part of what it is given, as a decompressor's may."""

    def readinto(self, b) -> int:
        block = self.read(len(b))
        b[: len(block)] = block
        return len(block)


@pytest.mark.parametrize("name", ["o200k_base", "r50k_base"])
@pytest.mark.parametrize("kind", ["bytesio", "read-only", "short-readinto", "gzip"])
@pytest.mark.parametrize("chunk_size", [7, 64, 1000])
def test_chunk_views_read_every_kind_of_stream(name, kind, chunk_size):
    enc, ref = tokcost.get_encoding(name), tiktoken.get_encoding(name)
    rule = cut_rule(enc)
    rng = random.Random(chunk_size)
    data = "".join(rng.choice(TRICKY + ["x" * 2000]) for _ in range(1500)).encode()
    streams = {"bytesio": lambda d: io.BytesIO(d), "read-only": lambda d: _ReadOnly(d, 13),
               "short-readinto": lambda d: _ShortInto(d, 5),
               "gzip": lambda d: gzip.GzipFile(fileobj=io.BytesIO(gzip.compress(d)))}
    for first, limit in [(0, None), (3, None), (200, None), (0, len(data) // 3), (50, len(data) // 2), (40, 30)]:
        want = data[: len(data) if limit is None else limit]
        head, rest = data[:first], data[first:]
        chunks = [bytes(view) for view in chunk_views(streams[kind](rest), chunk_size, limit, rule, first=head)]
        assert b"".join(chunks) == want, (first, limit)
        offset = 0
        for chunk in chunks[:-1]:
            offset += len(chunk)
            assert is_cut(want, offset, rule)
        counted = count_stream(enc, streams[kind](rest), chunk_size, limit=limit, first=head)
        text = want.decode("utf-8", "replace")
        assert counted.tokens == len(ref.encode_ordinary(text)) and counted.bytes == len(want)
        assert counted.invalid_utf8 == (text.encode() != want)


@pytest.mark.parametrize("data", [("Ж" * 3000 + "\nabc " * 2000).encode(), b"caf\xe9 " * 3000, b"x\n" * 10])
def test_the_sample_is_the_start_of_the_text(data):
    enc = tokcost.get_encoding("o200k_base")
    for chunk_size in (100, 1 << 20):
        counted = count_stream(enc, io.BytesIO(data), chunk_size)
        assert counted.sample == data.decode("utf-8", "replace")[:SAMPLE_CHARS]


@pytest.mark.parametrize("name", ENCODINGS)
def test_byte_ranges_meet_exactly(tmp_path, name):
    enc = tokcost.get_encoding(name)
    rng = random.Random(3)
    data = "".join(rng.choice(TRICKY) for _ in range(20000)).encode()
    path = tmp_path / "f.txt"
    path.write_bytes(data)
    for step in (97, 1000, 7919):
        total = 0
        with open(path, "rb") as f:
            bounds = [find_cut_in_file(f, p, len(data), block=64, rule=cut_rule(enc))
                      for p in range(0, len(data), step)] + [len(data)]
        assert bounds == sorted(bounds)
        for lo, hi in zip(bounds, bounds[1:]):
            total += enc.count(data[lo:hi].decode("utf-8", "replace"))
        assert total == enc.count(data.decode())


_RSS_SCRIPT = textwrap.dedent(
    """
    import sys, tokcost
    from tokcost.corpus.readers import read_text

    def status(key):
        for line in open("/proc/self/status"):
            if line.startswith(key):
                return int(line.split()[1])

    enc = tokcost.get_encoding("o200k_base")
    enc.count("warm up")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the high-water mark: measure counting, not loading the tables
    base = status("VmRSS:")
    mode, path, chunk = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "stream":
        tokens = read_text(enc, path, chunk_size=chunk).tokens
    else:
        tokens = enc.count(open(path, encoding="utf-8").read())
    print(tokens, base, status("VmHWM:"))
    """
)


def _peak_rss(mode: str, path, chunk: int):
    out = subprocess.run([sys.executable, "-c", _RSS_SCRIPT, mode, str(path), str(chunk)], check=True,
                         capture_output=True, text=True).stdout.split()
    tokens, base_kib, peak_kib = map(int, out)
    return tokens, base_kib / 1024, peak_kib / 1024


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="needs Linux /proc to reset the RSS peak")
def test_peak_rss_is_bounded_on_a_file_many_times_the_chunk(tmp_path):
    chunk = 1 << 20
    line = "The quick brown fox jumps over the lazy dog; Быстрая лиса 123.\n"
    path = tmp_path / "big.txt"
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(48):  # 48 MiB-ish: 48x the chunk size
            f.write(line * ((1 << 20) // len(line)))
    size_mib = os.path.getsize(path) / (1 << 20)
    tokens, base, peak = _peak_rss("stream", path, chunk)
    whole_tokens, whole_base, whole_peak = _peak_rss("whole", path, chunk)
    assert tokens == whole_tokens
    growth = peak - base
    print(f"\nfile {size_mib:.0f} MiB, chunk 1 MiB: streaming peak RSS {peak:.0f} MiB (+{growth:.1f} over the "
          f"loaded encoding), whole-file read {whole_peak:.0f} MiB (+{whole_peak - whole_base:.1f})")
    assert growth < 24, f"streaming grew RSS by {growth:.1f} MiB on a {size_mib:.0f} MiB file"
    assert whole_peak - whole_base > size_mib / 2  # the contrast: reading it whole costs about the file size


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_encode_stream_equals_whole_text_encoding(name, parallel_corpus_dir):
    import tiktoken

    enc = tokcost.get_encoding(name)
    data = b"".join((parallel_corpus_dir / f"{code}.txt").read_bytes() for code in ["eng_Latn", "zho_Hans", "hin_Deva"])
    data += b"  trailing  \n\n  spaces /\n//x\n" * 50
    # Small chunks, so even the bundled sample (a tenth of the full files) is cut a hundred times.
    chunks = list(encode_stream(enc, io.BytesIO(data), chunk_size=512))
    assert len(chunks) > 100
    assert [t for chunk in chunks for t in chunk] == tiktoken.get_encoding(name).encode_ordinary(data.decode())

"""Counting text of any size in bounded memory, cut only where tokens split anyway.

A text can be counted in pieces when every cut falls on a boundary the
pretokenizer (the split pattern of o200k_base and cl100k_base) makes on the
whole text: then both see the same pieces and BPE merges each piece alone.
We cut at position ``p`` of the UTF-8 bytes only when

* ``data[p-1]`` is ``\\n`` and ``data[p]`` is printable ASCII other than ``/``:
  no piece runs from a newline into a non-space character (a letter piece may
  start with one non-letter, but never ``\\r`` or ``\\n``), except o200k's
  punctuation piece, whose tail ``[\\r\\n/]*`` swallows a ``/`` after newlines;
  and a whitespace run that ends in ``\\n`` is one piece whether text or the end
  of the chunk follows (cl100k's ``\\s++$`` and ``\\s*[\\r\\n]`` agree there), or
* ``data[p-1]`` is an ASCII letter and ``data[p]`` is a space: a space only
  ever starts a piece or sits inside whitespace, so no piece spans the two.

The GPT-2 pattern (r50k_base, p50k_base, p50k_edit) has no ``\\s*[\\r\\n]``:
a whitespace run before text gives up its last character (``\\s+(?!\\S)``), but
at the end of a chunk stays whole (``\\s++$``). So for it a newline cut also
needs the character before the newline not to be whitespace (``cut_rule``).

Both cuts sit between ASCII bytes, so decoding the chunks with
``errors="replace"`` gives the same characters as decoding the whole. A stretch
with no such position (one enormous token-dense line) is never cut: the chunk
grows until a cut or the end arrives. tests/test_streaming.py checks the rule
against whole-text encoding for both encodings.

>>> import io, tokcost
>>> enc = tokcost.get_encoding("o200k_base")
>>> count_stream(enc, io.BytesIO(b"hello world\\n" * 1000), chunk_size=64).tokens
3000
"""

from __future__ import annotations

import re
from typing import BinaryIO, Iterator, Optional

from tokcost.patterns import R50K_PATTERN

DEFAULT_CHUNK_SIZE = 4 << 20

# A match starting at m.start() means a cut at m.start() + 1.
_CUT = re.compile(rb"\n[\x21-\x2e\x30-\x7e]|[A-Za-z] ")
# The same, where the newline follows no whitespace character (ASCII, or the
# UTF-8 of U+0085, U+00A0, U+1680, U+2000-200A, U+2028/9, U+202F, U+205F, U+3000).
_NOT_AFTER_SPACE = rb"(?<![\t\n\v\f\r ])(?<!\xc2[\x85\xa0])(?<!\xe1\x9a\x80)(?<!\xe2\x80[\x80-\x8a\xa8\xa9\xaf])" \
                   rb"(?<!\xe2\x81\x9f)(?<!\xe3\x80\x80)"
_GPT2_CUT = re.compile(_NOT_AFTER_SPACE + rb"\n[\x21-\x2e\x30-\x7e]|[A-Za-z] ")
_LOOKBEHIND = 3  # bytes before a newline the GPT-2 rule looks at


def cut_rule(enc) -> re.Pattern:
    """The cut rule for ``enc``'s split pattern (a match at m means a cut at m + 1)."""
    return _GPT2_CUT if getattr(enc, "_pat_str", None) == R50K_PATTERN else _CUT


_FIRST_WINDOW = 256  # bytes of a chunk's tail last_cut searches first
_FIRST_BUFFER = 64 << 10  # chunk_views' buffer to begin with


def is_cut(data, p: int, rule: re.Pattern = _CUT) -> bool:
    """Whether the bytes may be split before ``data[p]``."""
    if p <= 0 or p >= len(data):
        return False
    return rule.match(data, p - 1) is not None


def next_cut(data, start: int, end: Optional[int] = None, rule: re.Pattern = _CUT) -> int:
    """The first cut at or after ``start`` (before ``end``), or -1."""
    m = rule.search(data, max(start - 1, 0), len(data) if end is None else end)
    return -1 if m is None else m.start() + 1


def last_cut(data, lo: int = 0, rule: re.Pattern = _CUT, end: Optional[int] = None) -> int:
    """The last cut after ``lo`` (and before ``end``, by default the end of ``data``), or -1.

    Looks at the last 256 bytes first, then at sixteen times as many before them, and so on: a cut
    is almost always within a line of the end, and a window costs a match object for each of its
    candidates (English has one every six bytes).
    """
    hi = len(data) if end is None else end
    width = _FIRST_WINDOW
    while hi > lo:
        window_lo = max(lo, hi - width)
        last = None
        for last in rule.finditer(data, max(window_lo - 1, 0), hi):
            pass
        if last is not None:
            # finditer's matches do not overlap: "\nA " is "\nA" to it, and the "A " after it a cut too.
            while (later := rule.search(data, last.start() + 1, hi)) is not None:
                last = later
            if last.start() + 1 > lo:
                return last.start() + 1
        if window_lo == lo:
            break
        hi = window_lo + 1  # matches are two bytes wide; keep the seam
        width *= 16
    return -1


def chunk_views(stream: BinaryIO, chunk_size: int = DEFAULT_CHUNK_SIZE, limit: Optional[int] = None,
                rule: re.Pattern = _CUT, first: bytes = b"") -> Iterator[memoryview]:
    """Bytes of ``stream`` (after ``first``, bytes already read from it; up to ``limit`` bytes in
    all) in chunks cut only at safe positions, about ``chunk_size`` long (longer when no cut is
    found: never wrong). Each chunk is a view of one buffer, valid only until the next is asked
    for: no chunk is allocated or copied, and the stream reads into the buffer where it can. Fresh
    buffers of megabytes fault their pages in one by one, which took a third of counting a large
    file of repeated English (Round 32)."""
    if limit is not None:
        first = first[:limit]
    # Grown as it fills, up to chunk_size: a new bytearray is zeroed, so a file of 100 KB would
    # otherwise fault in a whole chunk's pages.
    buf = bytearray(max(min(chunk_size, _FIRST_BUFFER), len(first), 1))
    buf[: len(first)] = first
    filled = len(first)  # buf[:filled] holds bytes read and not yet given out
    target = max(chunk_size, filled, 1)  # bytes to hold before looking for a cut
    searched = 0  # buf[:searched] holds no cut
    remaining = None if limit is None else limit - len(first)
    readinto = getattr(stream, "readinto", None)
    while True:
        if filled < target:  # read on; the stream's end is a read of 0
            if filled == len(buf):  # doubled: up to the chunk size, then as a chunk without a cut grows
                buf = _grown(buf, 2 * len(buf) if target > chunk_size else min(2 * len(buf), target))
            want = min(len(buf), target) - filled
            if remaining is not None:
                want = min(want, remaining)
            got = _read_into(stream, readinto, buf, filled, want) if want > 0 else 0
            if got:
                filled += got
                if remaining is not None:
                    remaining -= got
                continue
            if filled:
                yield memoryview(buf)[:filled]
            return
        cut = last_cut(buf, searched, rule, end=filled)
        if cut <= 0:  # no cut yet: this chunk takes a chunk's size more
            searched = max(filled - 1, 0)
            target = filled + max(chunk_size, 1)
            continue
        yield memoryview(buf)[:cut]
        buf[: filled - cut] = buf[cut:filled]  # the tail after the cut, a line or so, to the front
        filled -= cut
        searched = 0
        target = max(chunk_size, 1)  # the next chunk is of the usual size again


def _grown(buf: bytearray, size: int) -> bytearray:
    """A new buffer of ``size`` bytes that starts with ``buf`` (a view of the old one stays as it was)."""
    grown = bytearray(size)
    grown[: len(buf)] = buf
    return grown


def _read_into(stream: BinaryIO, readinto, buf: bytearray, at: int, want: int) -> int:
    """Read up to ``want`` bytes of ``stream`` into ``buf[at:]``; how many (0 at the end)."""
    if readinto is not None:
        with memoryview(buf) as view, view[at:at + want] as target:
            return readinto(target) or 0
    block = stream.read(want)
    buf[at:at + len(block)] = block
    return len(block)


def decode(data) -> tuple[str, bool]:
    """(text, had_invalid_utf8) of bytes or a view of them: invalid bytes become U+FFFD, as an API
    client would send them."""
    try:
        return str(data, "utf-8"), False
    except UnicodeDecodeError:
        return str(data, "utf-8", "replace"), True


class StreamCount:
    __slots__ = ("tokens", "bytes", "chunks", "invalid_utf8", "sample")

    def __init__(self):
        self.tokens = self.bytes = self.chunks = 0
        self.invalid_utf8 = False
        self.sample = ""  # the start of the text, for script detection


SAMPLE_CHARS = 4096


def count_stream(enc, stream: BinaryIO, chunk_size: int = DEFAULT_CHUNK_SIZE, limit: Optional[int] = None,
                 first: Optional[bytes] = None) -> StreamCount:
    """Tokens of everything ``stream`` yields (after ``first``, bytes already read), chunk by chunk."""
    result = StreamCount()
    # Strict UTF-8 is counted as bytes, without the str (a fifth of counting repeated non-ASCII text,
    # docs/NATIVE.md, Threads, Round 32); anything else is decoded with U+FFFD and counted as a str.
    for chunk in chunk_views(stream, chunk_size, limit, cut_rule(enc), first or b""):
        tokens = enc._count_utf8(chunk)
        if tokens is None:
            text, bad = decode(chunk)
            tokens = enc.count(text)
        else:
            text, bad = None, False
        if len(result.sample) < SAMPLE_CHARS:
            want = SAMPLE_CHARS - len(result.sample)
            # A valid chunk's first `want` characters lie within its first 4 * want bytes.
            head = text if text is not None else str(chunk[: 4 * want], "utf-8", "ignore")
            result.sample += head[:want]
        result.tokens += tokens
        result.bytes += len(chunk)
        result.chunks += 1
        result.invalid_utf8 |= bad
    return result


def encode_stream(enc, stream: BinaryIO, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[list[int]]:
    """Token ids of everything ``stream`` yields, one list per chunk, in bounded
    memory; their concatenation equals ``enc.encode_ordinary`` of the whole
    (invalid UTF-8 decoded as U+FFFD).

    >>> import io, tokcost
    >>> enc = tokcost.get_encoding("o200k_base")
    >>> sum(encode_stream(enc, io.BytesIO(b"hello world\\n" * 3), chunk_size=8), [])
    [24912, 2375, 198, 24912, 2375, 198, 24912, 2375, 198]
    """
    for chunk in chunk_views(stream, chunk_size, rule=cut_rule(enc)):
        yield enc.encode_ordinary(decode(chunk)[0])


def find_cut_in_file(f: BinaryIO, pos: int, size: int, block: int = 1 << 16, rule: re.Pattern = _CUT) -> int:
    """The first cut at or after byte ``pos`` of a seekable file, or ``size`` when none follows.

    Both neighbours of a byte range compute this the same way, so ranges meet exactly.
    """
    if pos <= 0:
        return 0
    if pos >= size:
        return size
    offset = max(pos - 1 - _LOOKBEHIND, 0)
    carry = b""
    while offset < size:
        f.seek(offset)
        data = carry + f.read(block)
        if len(data) <= len(carry):
            break
        base = offset - len(carry)
        cut = next_cut(data, max(pos - base, len(carry)), rule=rule)  # the carry is context, searched before
        if cut >= 0:
            return base + cut
        offset += len(data) - len(carry)
        carry = data[-1 - _LOOKBEHIND:]
    return size

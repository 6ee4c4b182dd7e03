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
_TAIL_WINDOW = 1 << 16


def is_cut(data, p: int, rule: re.Pattern = _CUT) -> bool:
    """Whether the bytes may be split before ``data[p]``."""
    if p <= 0 or p >= len(data):
        return False
    return rule.match(data, p - 1) is not None


def next_cut(data, start: int, end: Optional[int] = None, rule: re.Pattern = _CUT) -> int:
    """The first cut at or after ``start`` (before ``end``), or -1."""
    m = rule.search(data, max(start - 1, 0), len(data) if end is None else end)
    return -1 if m is None else m.start() + 1


def last_cut(data, lo: int = 0, rule: re.Pattern = _CUT) -> int:
    """The last cut after ``lo``, or -1; looks at the tail first, where it almost always is."""
    hi = len(data)
    while hi > lo:
        window_lo = max(lo, hi - _TAIL_WINDOW)
        best = -1
        m = rule.search(data, max(window_lo - 1, 0), hi)
        while m is not None:
            if m.start() + 1 > lo:
                best = m.start() + 1
            m = rule.search(data, m.start() + 1, hi)
        if best > 0:
            return best
        hi = window_lo + 1  # matches are two bytes wide; keep the seam
        if window_lo == lo:
            break
    return -1


def iter_chunks(stream: BinaryIO, chunk_size: int = DEFAULT_CHUNK_SIZE, limit: Optional[int] = None,
                rule: re.Pattern = _CUT) -> Iterator[bytes]:
    """Bytes of ``stream`` (up to ``limit`` bytes) in chunks cut only at safe positions.

    Chunks are about ``chunk_size`` long; longer when no cut is found (never wrong).
    """
    buf = bytearray()
    searched = 0  # buf[:searched] holds no cut
    remaining = limit
    while True:
        want = chunk_size if remaining is None else min(chunk_size, remaining)
        block = stream.read(want) if want > 0 else b""
        if remaining is not None:
            remaining -= len(block)
        if not block:
            if buf:
                yield bytes(buf)
            return
        buf += block
        if len(buf) < chunk_size:
            continue
        cut = last_cut(buf, searched, rule)
        if cut <= 0:
            searched = max(len(buf) - 1, 0)
            continue
        yield bytes(buf[:cut])
        del buf[:cut]
        searched = 0


def decode(data: bytes) -> tuple[str, bool]:
    """(text, had_invalid_utf8): invalid bytes become U+FFFD, as an API client would send them."""
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), True


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
    if first:
        stream = _Prefixed(first, stream)
    for chunk in iter_chunks(stream, chunk_size, limit, cut_rule(enc)):
        text, bad = decode(chunk)
        if len(result.sample) < SAMPLE_CHARS:
            result.sample += text[: SAMPLE_CHARS - len(result.sample)]
        result.tokens += enc.count(text)
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
    for chunk in iter_chunks(stream, chunk_size, rule=cut_rule(enc)):
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


class _Prefixed:
    """A stream that first returns ``head``: bytes already read for sniffing."""

    def __init__(self, head: bytes, stream: BinaryIO):
        self._head = head
        self._stream = stream

    def read(self, n: int = -1) -> bytes:
        if self._head:
            if n < 0 or n >= len(self._head):
                head, self._head = self._head, b""
                more = self._stream.read(n - len(head) if n >= 0 else -1)
                return head + more
            head, self._head = self._head[:n], self._head[n:]
            return head
        return self._stream.read(n)

"""Incomplete input: the completions of ``encode_with_unstable`` and the widened tail of
``encode_bytes`` and of ``encode_with_unstable``'s stable tokens.

When text may continue, its last tokens are not final: more bytes could merge
into them. These follow tiktoken's algorithm step for step, so their results
match it; none of this is on a hot path. Encodings with a native pretokenizer
take the tail's steps natively (``_native/unstable.pxi``), the same steps.
"""

from __future__ import annotations

from typing import Protocol, Sequence


class EncodingLike(Protocol):
    """What these algorithms need of an encoding (``core.Encoding`` has it all),
    so this module depends on no other part of tokcost."""

    def is_special_token(self, token: int) -> bool: ...
    def decode_single_token_bytes(self, token: int) -> bytes: ...
    def encode_ordinary(self, text: str) -> list[int]: ...
    def _byte_pair_encode(self, data: bytes) -> list[int]: ...
    def _piece_ranks(self, pieces: Sequence[bytes]) -> list[int]: ...
    def _tokens_starting_with(self, prefix: bytes) -> Sequence[bytes]: ...
    def _straddling_completions(self, unstable: bytes) -> set[tuple[int, ...]]: ...

# The White_Space property (what Rust's char::is_whitespace tests).
_WHITE_SPACE = frozenset(
    [*map(chr, range(0x09, 0x0E)), " ", "\x85", "\xa0", "\u1680", *map(chr, range(0x2000, 0x200B)),
     "\u2028", "\u2029", "\u202f", "\u205f", "\u3000"]
)


def _is_all_space(enc: EncodingLike, token: int) -> bool:
    if enc.is_special_token(token):
        return False
    try:
        data = enc.decode_single_token_bytes(token)
    except KeyError:
        return False
    return all(b in b" \n\t" for b in data)


def increase_last_piece_token_len(enc: EncodingLike, tokens: list[int], last: int) -> int:
    """Widen the unstable tail over preceding all-whitespace tokens: a split
    between whitespace runs can disappear when more text arrives."""
    if last > 0 and _is_all_space(enc, tokens[-last]):
        while last < len(tokens) and _is_all_space(enc, tokens[-last - 1]):
            last += 1
    return last


def _last_utf8_char(data: bytes):
    """The last character of ``data`` and its byte length, or (None, 1)."""
    for size in range(1, min(4, len(data)) + 1):
        try:
            return data[-size:].decode("utf-8"), size
        except UnicodeDecodeError:
            continue
    return None, 1


def straddling_completions(enc: EncodingLike, unstable: bytes) -> set[tuple[int, ...]]:
    """The completions with a token straddling a split point of ``unstable``: at each split, the
    bytes before it and each token that starts with the bytes after it, re-encoded (as text when
    that is UTF-8, else plain BPE) and cut after the first token that reaches the end of
    ``unstable``. (``CoreBPE.straddling_completions`` takes the same steps natively.)"""
    completions: set[tuple[int, ...]] = set()
    token_bytes_of = enc.decode_single_token_bytes  # bound once: the loop below runs per candidate
    encode_ordinary, byte_pair_encode = enc.encode_ordinary, enc._byte_pair_encode
    n = len(unstable)
    for i in range(1, n):
        prefix, suffix = unstable[:i], unstable[i:]
        for token_bytes in enc._tokens_starting_with(suffix):
            possibility = prefix + token_bytes
            try:
                encoded = encode_ordinary(possibility.decode("utf-8"))
            except UnicodeDecodeError:
                encoded = byte_pair_encode(possibility)
            seq_len = 0
            for k, token in enumerate(encoded, 1):
                seq_len += len(token_bytes_of(token))
                if seq_len >= n:
                    del encoded[k:]
                    break
            completions.add(tuple(encoded))
    return completions


def completions(enc: EncodingLike, unstable: bytes) -> list[list[int]]:
    """The token sequences that may follow the stable tokens of a text whose last tokens'
    bytes are ``unstable`` (``encode_with_unstable``'s second part), in no particular order."""
    # Single tokens that start with the unstable bytes: thousands can start with a short tail
    # ("." or " he"), so their ranks come in one call (each is a mergeable token: none is -1).
    singles = enc._piece_ranks(enc._tokens_starting_with(unstable))
    n = len(unstable)
    if n == 1:  # no split point, no whitespace to split off: the single tokens are all
        return [[rank] for rank in dict.fromkeys(singles)]
    completions: set[tuple[int, ...]] = set(zip(singles))
    completions |= enc._straddling_completions(unstable)
    # A trailing whitespace character may split off once text follows it.
    char, size = _last_utf8_char(unstable)
    if n - size > 0 and char is not None and char in _WHITE_SPACE:
        byte_pair_encode = enc._byte_pair_encode
        completions.add(tuple(byte_pair_encode(unstable[:-size]) + byte_pair_encode(unstable[-size:])))
    return [list(c) for c in completions]

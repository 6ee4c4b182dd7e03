"""Incomplete input: ``encode_with_unstable`` and the tail of ``encode_bytes``.

When text may continue, its last tokens are not final: more bytes could merge
into them. These follow tiktoken's algorithm step for step, so their results
match it; none of this is on a hot path.
"""

from __future__ import annotations

from typing import AbstractSet, Protocol, Sequence


class EncodingLike(Protocol):
    """What these algorithms need of an encoding (``core.Encoding`` has it all),
    so this module depends on no other part of tokcost."""

    def is_special_token(self, token: int) -> bool: ...
    def decode_single_token_bytes(self, token: int) -> bytes: ...
    def decode_bytes(self, tokens: list[int]) -> bytes: ...
    def encode_ordinary(self, text: str) -> list[int]: ...
    def encode_single_token(self, text_or_bytes: bytes) -> int: ...
    def _byte_pair_encode(self, data: bytes) -> list[int]: ...
    def _encode_with_last_piece(self, text: str, allowed: AbstractSet[str]) -> tuple[list[int], int]: ...
    def _tokens_starting_with(self, prefix: bytes) -> Sequence[bytes]: ...

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


def encode_with_unstable(enc: EncodingLike, text: str, allowed: AbstractSet[str]):
    tokens, last = enc._encode_with_last_piece(text, allowed)
    if last == 0:
        return tokens, []
    last = increase_last_piece_token_len(enc, tokens, last)
    unstable = enc.decode_bytes(tokens[-last:])
    del tokens[len(tokens) - last :]
    if not unstable:
        return tokens, []

    completions: set[tuple[int, ...]] = set()
    # Single tokens that start with the unstable bytes. Thousands of tokens can start with a short
    # tail ("." or " he"), and this runs once per candidate: the methods are bound once.
    encode_single_token, token_bytes_of = enc.encode_single_token, enc.decode_single_token_bytes
    encode_ordinary, byte_pair_encode = enc.encode_ordinary, enc._byte_pair_encode
    completions.update([(encode_single_token(t),) for t in enc._tokens_starting_with(unstable)])
    # A token straddling each possible split point, the rest re-encoded.
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
    # A trailing whitespace character may split off once text follows it.
    if len(unstable) > 1:
        char, size = _last_utf8_char(unstable)
        if len(unstable) - size > 0 and char is not None and char in _WHITE_SPACE:
            completions.add(
                tuple(enc._byte_pair_encode(unstable[:-size]) + enc._byte_pair_encode(unstable[-size:]))
            )
    return tokens, [list(c) for c in completions]

"""Incomplete input: ``encode_with_unstable`` (its stable tokens and the completions of the rest)
and the widened tail of ``encode_bytes``.

When text may continue, its last tokens are not final: more bytes could merge
into them. These follow tiktoken's algorithm step for step, so their results
match it; none of this is on a hot path. Encodings with a native pretokenizer
take the steps natively (``_native/unstable.pxi``), the same steps. An
encoding's parts come in as arguments (the encoding's methods, its native core,
its special-token policy, its sorted token bytes), so this module depends on no
other part of tokcost.
"""

from __future__ import annotations

import bisect
from typing import AbstractSet, Any, Callable, Protocol, Sequence


class EncodingLike(Protocol):
    """What these algorithms call of an encoding (``core.Encoding`` has it all)."""

    def is_special_token(self, token: int) -> bool: ...
    def decode_single_token_bytes(self, token: int) -> bytes: ...
    def decode_bytes(self, tokens: Sequence[int]) -> bytes: ...
    def encode_ordinary(self, text: str) -> list[int]: ...
    def _encode_ordinary(self, text: str) -> list[int]: ...
    def _byte_pair_encode(self, data: bytes) -> list[int]: ...
    def _piece_ranks(self, pieces: Sequence[bytes]) -> list[int]: ...
    def _last_piece_token_count(self, text: str) -> int: ...


class SpecialPolicyLike(Protocol):
    """What the stable tokens read of an encoding's special-token rules (``special_policy.SpecialPolicy``)."""

    names: frozenset[str]
    all: set[str]
    all_with_ids: Any  # a _core.MarkSet, or None when the native screens do not serve the encoding

    def marks(self, tokens: frozenset, with_ids: bool = False) -> Any: ...
    def encode_segments(self, text: str, allowed: AbstractSet[str],
                        encode_ordinary: Callable[[str], list[int]]) -> tuple[list[int], str]: ...


_NO_TOKENS: frozenset = frozenset()

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


def stable_and_unstable(enc: EncodingLike, core, policy: SpecialPolicyLike, text: str,
                        allowed: AbstractSet[str]) -> tuple[list[int], bytes]:
    """``encode`` of ``text`` as (stable tokens, the bytes of the tokens after them that more
    text could change: its last ordinary piece's, widened over the all-space tokens before
    them; none when it ends with a special token). ``core`` is the encoding's ``CoreBPE`` when
    its native screens serve it (``policy.all_with_ids`` is then a MarkSet), else None.
    ``allowed`` has been checked (``SpecialPolicy.check``). Lone surrogates raise
    UnicodeEncodeError, as in tiktoken's encode_with_unstable."""
    if core is not None:
        # Natively when the text holds no special token but allowed ones (the caller raised on
        # the disallowed ones already): encode_special's search then finds what segments()
        # finds, which skips a token not allowed one character at a time.
        if allowed is policy.all:  # allowed_special="all"
            return core.encode_unstable_tail(text, policy.all_with_ids)
        own = policy.names & allowed if allowed else _NO_TOKENS
        others = policy.names - own
        if not others or not policy.marks(others).found_in(text):
            return core.encode_unstable_tail(text, policy.marks(own, with_ids=True) if own else None)
    text.encode("utf-8")
    tokens, segment = policy.encode_segments(text, allowed, enc._encode_ordinary)
    last = increase_last_piece_token_len(enc, tokens, enc._last_piece_token_count(segment))
    unstable = enc.decode_bytes(tokens[len(tokens) - last:])
    del tokens[len(tokens) - last:]
    return tokens, unstable


def tokens_starting_with(sorted_tokens: Sequence[bytes], prefix: bytes) -> Sequence[bytes]:
    """The tokens of ``sorted_tokens`` (every mergeable token's bytes, sorted) that start with
    ``prefix``: those from ``prefix`` up to the first string above every one with that start
    (``prefix`` without its trailing 0xFF bytes, its last byte one higher), found by two binary
    searches and taken as one slice."""
    lo = bisect.bisect_left(sorted_tokens, prefix)
    above = prefix.rstrip(b"\xff")
    if not above:
        return sorted_tokens[lo:]
    return sorted_tokens[lo:bisect.bisect_left(sorted_tokens, above[:-1] + bytes([above[-1] + 1]), lo)]


def straddling_completions(enc: EncodingLike, unstable: bytes, sorted_tokens: Sequence[bytes]) -> set[tuple[int, ...]]:
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
        for token_bytes in tokens_starting_with(sorted_tokens, suffix):
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


def completions(enc: EncodingLike, core, sorted_tokens: Sequence[bytes], unstable: bytes) -> list[list[int]]:
    """The token sequences that may follow the stable tokens of a text whose last tokens'
    bytes are ``unstable`` (``encode_with_unstable``'s second part), in no particular order.
    ``sorted_tokens`` is every mergeable token's bytes, sorted; ``core`` the encoding's
    ``CoreBPE`` when it splits text natively (the straddling completions then come in one
    native call: thousands of candidates, each re-encoded), else None."""
    # Single tokens that start with the unstable bytes: thousands can start with a short tail
    # ("." or " he"), so their ranks come in one call (each is a mergeable token: none is -1).
    singles = enc._piece_ranks(tokens_starting_with(sorted_tokens, unstable))
    n = len(unstable)
    if n == 1:  # no split point, no whitespace to split off: the single tokens are all
        return [[rank] for rank in dict.fromkeys(singles)]
    completions: set[tuple[int, ...]] = set(zip(singles))
    if core is not None:
        completions |= core.straddling_completions(unstable, sorted_tokens)
    else:
        completions |= straddling_completions(enc, unstable, sorted_tokens)
    # A trailing whitespace character may split off once text follows it.
    char, size = _last_utf8_char(unstable)
    if n - size > 0 and char is not None and char in _WHITE_SPACE:
        byte_pair_encode = enc._byte_pair_encode
        completions.add(tuple(byte_pair_encode(unstable[:-size]) + byte_pair_encode(unstable[-size:])))
    return [list(c) for c in completions]

"""Context windows: how much of a model's window a token count takes, and text cut to a token budget.

``truncate`` keeps the longest start of a text that ends on a token boundary,
is whole characters (a token may end inside a multi-byte character; the cut
then backs off to the previous boundary that does not) and counts at most
``budget`` tokens when encoded again.

>>> import tokcost
>>> enc = tokcost.get_encoding("o200k_base")
>>> truncate(enc, "This is too many tokens", 3).text
'This is too'
>>> window_use(150_000, 128_000)["overflow"]
22000
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Cut:
    """The kept start of a text: its tokens, and how many tokens of the whole were dropped."""

    text: str
    tokens: int
    total_tokens: int

    @property
    def dropped_tokens(self) -> int:
        return self.total_tokens - self.tokens


def truncate(enc, text: str, budget: int) -> Cut:
    """The start of ``text`` that fits ``budget`` tokens of ``enc``, cut on a token and character boundary."""
    if budget < 0:
        raise ValueError(f"token budget {budget} must be 0 or more")
    tokens = enc.encode_ordinary(text)
    if len(tokens) <= budget:
        return Cut(text, len(tokens), len(tokens))
    # As the encoder does: lone surrogates become U+FFFD, so the offsets below match the tokens' bytes.
    data = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode("utf-8")
    ends = _token_ends(enc, tokens[:budget])
    for keep in range(budget, -1, -1):
        end = ends[keep]
        if _char_boundary(data, end):
            head = data[:end].decode("utf-8")
            count = enc.count(head)
            # A cut word may split into more tokens than it had inside the whole text: back off further.
            if count <= budget:
                return Cut(head, count, len(tokens))
    return Cut("", 0, len(tokens))


def _token_ends(enc, tokens) -> list:
    """Byte offset of the end of each prefix of ``tokens``: ends[k] = bytes of the first k tokens."""
    ends = [0]
    for piece in enc.decode_tokens_bytes(tokens):
        ends.append(ends[-1] + len(piece))
    return ends


def _char_boundary(data: bytes, offset: int) -> bool:
    """Whether ``offset`` falls between two UTF-8 characters of ``data`` (never inside one)."""
    return offset >= len(data) or (data[offset] & 0xC0) != 0x80


def window_use(tokens: int, window: Optional[int]) -> dict:
    """``{tokens, window, share, overflow, fits}``: ``share`` of the window taken (None: window unknown)."""
    if not window:
        return {"tokens": tokens, "window": None, "share": None, "overflow": None, "fits": None}
    return {"tokens": tokens, "window": window, "share": tokens / window, "overflow": max(0, tokens - window),
            "fits": tokens <= window}


def describe_use(model: str, use: dict, counted: str = "", estimate: bool = False) -> str:
    """One sentence: how much of ``model``'s window ``use`` takes, or by how much it overflows.

    ``counted`` says how the tokens were counted (``exact, o200k_base``); ``estimate`` marks the total ≈.
    """
    name = f"{model} ({counted})" if counted else model
    tokens = f"{'≈' if estimate else ''}{use['tokens']:,}"
    if use["window"] is None:
        return f"{name}: {tokens} tokens; its context window is not on record"
    if use["fits"]:
        return (f"{name}: {tokens} of {use['window']:,} tokens ({use['share']:.1%} of the context window; "
                f"{use['window'] - use['tokens']:,} left)")
    return (f"{name}: {tokens} tokens overflow the {use['window']:,}-token context window by "
            f"{use['overflow']:,} ({use['share']:.0%}); cut it with --fit {model}")

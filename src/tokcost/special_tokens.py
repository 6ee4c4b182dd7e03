"""Finding special tokens in a text: the leftmost, and the longest of those that start there.

tiktoken searches with one alternation of every special token. That is cheap for OpenAI's few,
but Tekken has 1,000 and DeepSeek V4 1,283 that share no start, so the native probe cannot rule
them out and ``re`` tried each in turn at every place a text could start one: that cost their
default ``encode`` more than encoding did. Here the tokens are one trie regex, and where their
first characters are few and rare in the text, ``str.find`` jumps from one to the next.
"""

from __future__ import annotations

import functools
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import AbstractSet, Iterator
    from typing import NoReturn, Optional


def find_special_token(text: str, tokens: frozenset[str], start: int = 0) -> Optional[re.Match[str]]:
    """The leftmost of ``tokens`` in ``text`` from ``start`` (the longest where several start
    there), or None.

    Where the tokens start with at most four characters, each is found by ``str.find`` and the
    trie is tried only there; ``re``'s own search tests every character of the text against the
    first characters. After ``len(text) / 64`` tries (first characters that are not rare),
    ``re``'s search goes on from there."""
    pattern, firsts = special_token_regex(tokens), _first_chars(tokens)
    at, end, tries = start, len(text), len(text) >> 6
    # The empty string, when one of them, is at the start of every text: no first character to find.
    if 0 < len(firsts) <= 4 and "" not in tokens:
        next_at = {char: text.find(char, start) % (end + 1) for char in firsts}   # not found: end
        while tries:
            at = min(next_at.values())
            if at == end:
                return None
            match = pattern.match(text, at)
            if match:
                return match
            next_at[text[at]] = text.find(text[at], at + 1) % (end + 1)
            tries -= 1
    return pattern.search(text, at)


def first_special_token(text: str, tokens: frozenset[str]) -> Optional[str]:
    """The leftmost of ``tokens`` in ``text``, or None (what the disallowed check raises on)."""
    match = find_special_token(text, tokens)
    return match.group() if match else None


def segments(text: str, tokens: frozenset[str], allowed: AbstractSet[str]) -> Iterator[tuple[str, Optional[str]]]:
    """(ordinary text, following allowed special token or None) pairs.

    As tiktoken, a special token that is not allowed is skipped one character at a time, so an
    allowed one that starts inside it is still found."""
    start = 0
    while True:
        match = find_special_token(text, tokens, start)
        while match is not None and match.group() not in allowed:
            match = find_special_token(text, tokens, match.start() + 1)
        if match is None:
            yield text[start:], None
            return
        yield text[start : match.start()], match.group()
        start = match.end()


def raise_disallowed_special_token(token: str) -> NoReturn:
    # tiktoken's message, word for word: callers match on it. It shows both ways out.
    raise ValueError(
        f"Encountered text corresponding to disallowed special token {token!r}.\n"
        "If you want this text to be encoded as a special token, "
        f"pass it to `allowed_special`, e.g. `allowed_special={{{token!r}, ...}}`.\n"
        f"If you want this text to be encoded as normal text, disable the check for this token "
        f"by passing `disallowed_special=(enc.special_tokens_set - {{{token!r}}})`.\n"
        "To disable this check for all special tokens, pass `disallowed_special=()`.\n"
    )


def raise_if_not_utf8(allowed: AbstractSet[str], text: Optional[str] = None) -> None:
    """Raise UnicodeEncodeError when a string in ``allowed_special`` holds a lone surrogate.

    tiktoken's Rust side takes the set as UTF-8 and raises so on every text; no text could
    spell such a token anyway, as a text's own lone surrogates become U+FFFD. The error is the
    one pyo3 raises: CPython's own, of the first such string in the set's order. ``text``, when
    given, is converted first (tiktoken's numpy and unstable entries take it before the set; its
    ``encode`` retries a text that fails with the surrogates replaced, so the set's error wins)."""
    try:
        "".join(allowed).encode("utf-8")
    except UnicodeEncodeError:
        pass  # raised below, outside this handler: no context (tiktoken's has its own first try's at most)
    else:
        return
    if text is not None:
        text.encode("utf-8")
    for token in allowed:
        token.encode("utf-8")


@functools.lru_cache(maxsize=128)
def _first_chars(tokens: frozenset[str]) -> frozenset[str]:
    return frozenset(token[0] for token in tokens if token)


@functools.lru_cache(maxsize=128)
def special_token_regex(tokens: frozenset[str]) -> re.Pattern[str]:
    """``tokens`` as one regex: the leftmost, the longest where several start there.

    The tokens go in as a trie, not a flat alternation: where a text could start one, ``re``
    follows the few branches that match instead of trying every token in turn. Where the trie
    would nest its groups deeper than ``re``'s parser recurses (hundreds of tokens each a prefix
    of the next), a flat alternation, longest first, means the same."""
    trie: dict = {}
    for token in tokens:
        node = trie
        for char in token:
            node = node.setdefault(char, {})
        node[""] = {}                         # a token ends here
    pattern = _trie_pattern(trie, 0)
    if pattern is None:
        pattern = "|".join(re.escape(token) for token in sorted(tokens, key=len, reverse=True))
    return re.compile(pattern)


# Groups inside groups: re's parser and compiler recurse on each (a few frames a level), so
# a trie as deep as a long token would overflow the interpreter's stack (round 15: a disallowed
# string of 500 characters raised RecursionError where tiktoken raises ValueError).
_MAX_NESTING = 32


def _trie_pattern(node: dict, depth: int) -> Optional[str]:
    """The regex of the strings a trie ``node`` spells; longer ones are tried first (a greedy
    ``?`` where a token ends and others go on), as the longest token wins. A chain of nodes
    with one child and no token ending is one literal, no group; None past ``_MAX_NESTING``."""
    if depth > _MAX_NESTING:
        return None
    branches = []
    for char, child in sorted(node.items()):
        if not char:
            continue
        run = [char]
        while len(child) == 1 and "" not in child:
            ((char, child),) = child.items()
            run.append(char)
        rest = _trie_pattern(child, depth + 1)
        if rest is None:
            return None
        branches.append(re.escape("".join(run)) + rest)
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body

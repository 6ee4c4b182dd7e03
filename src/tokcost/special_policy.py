"""One encoding's special tokens under tiktoken's rules: which a call allows, which raise.

``encode(text, allowed_special=..., disallowed_special=...)`` reads the two arguments as tiktoken
does: "all" means every special token, a token not allowed is disallowed unless left out of
``disallowed_special``, and a disallowed one found in the text raises ValueError before anything
is encoded. ``SpecialPolicy`` holds those rules for one encoding, with the native screens that
apply them on the UTF-8 the encoder makes anyway (``_core.MarkSet``: where each token's first
byte is found, a binary search), and the segments path for the rest. ``special_tokens`` finds
the tokens in a text; ``core.Encoding`` asks this module what to allow and encodes.
"""

from __future__ import annotations

import os

import tokcost._core as _core
from tokcost.special_tokens import first_special_token, raise_disallowed_special_token, raise_if_not_utf8, segments

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import AbstractSet, Callable, Optional

_SET_TYPES = (set, frozenset)  # exact types: a subclass may compare or iterate its own way
_EMPTY_TYPES = (tuple, list, set, frozenset)  # disallowed_special's forms whose emptiness means nothing disallowed


class SpecialPolicy:
    """The special tokens of one encoding, name -> id, and the screens that enforce the rules.

    ``core``, when given, is the encoding's ``CoreBPE`` with a native pretokenizer: the screens
    (``screened``) then run in it. Without it (text split in Python, or an empty token, which
    matches everywhere) every call takes the segments path.
    """

    def __init__(self, special_tokens: dict[str, int], core: Optional[_core.CoreBPE] = None):
        self.ids = dict(special_tokens)
        self.names = frozenset(special_tokens)
        # What "all" means; also Encoding.special_tokens_set, so `allowed is self.all` tells "all" apart.
        self.all = set(special_tokens)
        self.first_chars = frozenset(t[0] for t in special_tokens if t)
        # encode_single_token's second lookup, by UTF-8 as tiktoken's (a name that is no UTF-8 never matches).
        self.ids_by_utf8 = {}
        for token, rank in special_tokens.items():
            try:
                self.ids_by_utf8[token.encode("utf-8")] = rank
            except UnicodeEncodeError:  # a lone surrogate: no UTF-8 spells this name
                pass
        # The longest start every token shares: a text without it holds none of them (Qwen 3.5's
        # share only "<", DeepSeek's and Tekken's nothing).
        self.probe = os.path.commonprefix(list(special_tokens)) if special_tokens else "\x00"
        self.probe_utf8 = self.probe.encode("utf-8", "surrogatepass") if special_tokens else b""
        # MarkSets by (tokens, with_ids), and screened's pairs of them by the allowed set; cleared past 16.
        self._marks_cache: dict = {}
        self.core = core  # the native entries the screens call
        # The screens of the common calls: every token disallowed (the default), every token allowed
        # with its id ("all"), and none (encode_special with nothing allowed).
        self.every = _core.MarkSet(special_tokens) if core is not None else None
        self.all_with_ids = _core.MarkSet(special_tokens, special_tokens) if core is not None else None
        self.none = _core.MarkSet((), {}) if core is not None else None

    def resolve(self, allowed_special, disallowed_special) -> tuple[AbstractSet[str], frozenset]:
        """tiktoken's reading of the two arguments: (allowed, disallowed) sets."""
        if allowed_special == "all":
            allowed_special = self.all
        if disallowed_special == "all":
            disallowed_special = self.all - allowed_special
        return allowed_special, frozenset(disallowed_special)

    def marks(self, tokens: frozenset, with_ids: bool = False) -> _core.MarkSet:
        """``tokens`` as the native screens and ``encode_special`` take them (with their ids for
        the allowed ones), cached per set."""
        key = (tokens, with_ids)
        marks = self._marks_cache.get(key)
        if marks is None:
            if len(self._marks_cache) > 16:
                self._marks_cache.clear()
            marks = self._marks_cache[key] = _core.MarkSet(tokens, self.ids if with_ids else None)
        return marks

    def may_hold(self, text: str) -> bool:
        """False when ``text`` can hold no special token: it lacks the start they all share, or
        (when they share none) the first character of each."""
        if not self.first_chars:
            return False
        if self.probe:
            return self.probe in text
        if self.every is not None:  # exact: DeepSeek's and Tekken's thousand, natively
            try:
                return self.every.found_in(text)
            except UnicodeEncodeError:  # a lone surrogate: the test below
                pass
        return any(c in text for c in self.first_chars)

    def present(self, text: str, allowed: AbstractSet[str]) -> bool:
        """Whether ``text`` may hold one of ``allowed``: else it is all ordinary text."""
        return bool(allowed) and self.may_hold(text)

    def raise_if_disallowed(self, text: str, disallowed: frozenset) -> None:
        # As tiktoken, any disallowed string raises, a special token of this encoding or not;
        # the probe rules out only this encoding's own special tokens. Those the native search
        # finds on the UTF-8 (the leftmost, the longest there: what first_special_token finds).
        if disallowed and (self.may_hold(text) or not disallowed <= self.names):
            token = None
            if self.every is not None and disallowed <= self.names:
                try:
                    token = self.marks(disallowed).first_in(text)
                except UnicodeEncodeError:  # a lone surrogate: the search on the str
                    token = first_special_token(text, disallowed)
            else:
                token = first_special_token(text, disallowed)
            if token is not None:
                raise_disallowed_special_token(token)

    def check(self, text, allowed_special, disallowed_special,
              text_first: bool = False) -> tuple[AbstractSet[str], frozenset[str]]:
        """Raise on disallowed special tokens in ``text``, then on a string of the allowed set that is
        no UTF-8 (``text``'s own lone surrogate first with ``text_first``: tiktoken's numpy and
        unstable entries); return the allowed and disallowed sets."""
        # A false disallowed_special (None too) is nothing disallowed, as tiktoken's single-text entries read it.
        allowed, disallowed = self.resolve(allowed_special, disallowed_special or ())
        self.raise_if_disallowed(text, disallowed)
        if allowed and allowed is not self.all:
            raise_if_not_utf8(allowed, text if text_first else None)
        return allowed, disallowed

    def encode_segments(self, text: str, allowed: AbstractSet[str],
                        encode_ordinary: Callable[[str], list[int]]) -> tuple[list[int], str]:
        """(the ids of ``text``, its last ordinary segment): each allowed special token found as its
        id, the text between them by ``encode_ordinary`` (the segments path, tiktoken's steps); the
        segment is the text after the last special token ("" when the text ends with one), where
        ``encode_with_unstable``'s unstable tail lies."""
        if not self.present(text, allowed):
            return encode_ordinary(text), text
        tokens: list[int] = []
        segment = ""
        for segment, special in segments(text, self.names, allowed):
            tokens.extend(encode_ordinary(segment))
            if special is not None:
                tokens.append(self.ids[special])
        return tokens, segment  # segments() ends with (the text after the last special token, None)

    def _own_screens(self, allowed_special) -> tuple:
        """The MarkSets of a set of this encoding's own tokens, allowed (with ids), and of the rest."""
        own = frozenset(allowed_special)
        screens = self._marks_cache.get(own)  # both MarkSets in one lookup
        if screens is None:
            screens = self.marks(own, with_ids=True), self.marks(self.names - own)
            self._marks_cache[own] = screens
        return screens

    def screened(self, text: str, allowed_special, disallowed_special, as_bytes: bool):
        """encode's and encode_to_numpy's common calls in one native call, which screens the UTF-8
        it makes for the disallowed special tokens and encodes the allowed ones as their ids: every
        special token not allowed is disallowed and those allowed are none (the default, or
        LangChain's set()), "all" or a set of this encoding's own (chat templates); or nothing is
        allowed and a set of its own is disallowed (the others are then plain text); or nothing is
        disallowed and "all" or any set is allowed. Returns the
        ids (a list, or uint32 bytes with ``as_bytes``), the leftmost disallowed token in the text
        (a str, for the caller to raise on), or None for other arguments. A lone surrogate raises
        UnicodeEncodeError: the callers' full paths then do what tiktoken does. Needs ``core``."""
        allowed = None
        if disallowed_special == "all":
            if type(allowed_special) in _SET_TYPES:  # (a set is never == "all": not asked)
                if not allowed_special:
                    disallowed = self.every
                elif allowed_special <= self.names:
                    allowed, disallowed = self._own_screens(allowed_special)
                else:
                    return None
            elif allowed_special == "all":
                allowed, disallowed = self.all_with_ids, None
            else:
                return None
        elif type(disallowed_special) in _EMPTY_TYPES and not disallowed_special:
            # Nothing disallowed (LangChain's disallowed_special=()): tiktoken checks nothing and
            # encodes the allowed tokens it finds, the same call as the screen above without the
            # disallowed marks. Nothing allowed either way is encode_ordinary, the caller's case.
            if allowed_special == "all":
                allowed, disallowed = self.all_with_ids, None
            elif type(allowed_special) in _SET_TYPES and allowed_special:
                if not allowed_special <= self.names:
                    # A string that is no special token of this encoding is never found: only its
                    # own are (none: plain text). tiktoken still converts every one to UTF-8.
                    raise_if_not_utf8(allowed_special, text if as_bytes else None)
                    allowed_special = allowed_special & self.names
                    if not allowed_special:
                        return self.core.encode_ordinary_to_bytes(text) if as_bytes else self.core.encode_ordinary(text)
                allowed, disallowed = self._own_screens(allowed_special)[0], None
            else:
                return None
        elif (type(disallowed_special) in _SET_TYPES and disallowed_special
              and type(allowed_special) in _SET_TYPES and not allowed_special
              and disallowed_special <= self.names):
            disallowed = self.marks(frozenset(disallowed_special))
        else:
            return None
        if allowed is None:
            if not as_bytes:  # nothing allowed: encode_ordinary's entry, the marks looked for after the probe
                return self.core.encode_ordinary_unless(text, self.probe_utf8, disallowed)
            allowed = self.none
        return self.core.encode_special(text, allowed, disallowed, as_bytes)

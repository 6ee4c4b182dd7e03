"""``Encoding``: tiktoken's API over tokcost's native core.

Every public method and property of ``tiktoken.Encoding`` is here with the
same signature and results, so switching is one import::

    import tokcost as tiktoken
    enc = tiktoken.get_encoding("o200k_base")
    enc.encode("hello world")            # [24912, 2375]

Extras: ``count`` / ``count_batch`` (token counts without building lists) and
``encode_bytes`` (bytes that need not be valid UTF-8). Special-token policy
is ``special_policy``'s; the native core only splits, merges and decodes. Where rank files
come from and which encodings have names is decided above this module
(``load``, ``registry``): an ``Encoding`` is built from a pattern and ready
tables, and knows nothing of either.
"""

from __future__ import annotations

import functools
import os

import tokcost._core as _core
from tokcost.patterns import native_splitter
from tokcost.special_policy import _EMPTY_TYPES, _SET_TYPES, SpecialPolicy
from tokcost.special_tokens import raise_disallowed_special_token, raise_if_not_utf8
from tokcost.threads import apply_default as apply_thread_policy

apply_thread_policy()  # before any encoding runs: may one long piece take a second thread (tokcost.threads)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a sixth of `import tokcost`)
if TYPE_CHECKING:
    from typing import AbstractSet, Callable, Collection, Literal, Optional, Sequence

    import numpy as np
    import numpy.typing as npt


# encode's default allowed_special, an empty set as in tiktoken's signature; encode checks it is
# still this object and still empty before taking its fast path.
_NOTHING_ALLOWED: AbstractSet[str] = set()
# What encode's screen gave when the text holds a lone surrogate (its UTF-8 could not be made): the
# full path then encodes the cleaned text at once, without first failing on the text again.
_LONE_SURROGATE = object()


# tokcost._unstable (incomplete input), imported on first need: it imports typing, which `import
# tokcost` does not. Kept here once imported: an import statement per encode_with_unstable call
# cost more than a global's test.
_unstable = None


def _import_unstable():
    global _unstable
    import tokcost._unstable as rules

    _unstable = rules
    return rules


def _without_surrogates(text: str) -> str:
    # As tiktoken does: pair up surrogates that form a character, replace lone
    # ones with U+FFFD, so the text can be UTF-8 encoded.
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


class Encoding:
    """A tokenizer: split pattern, ranks and special tokens, with tiktoken's methods.

    Get one by name (``tokcost.get_encoding("o200k_base")``) or build one from
    its parts as ``tiktoken.Encoding`` takes them; patterns tiktoken defines run
    on a native pretokenizer, any other on the ``regex`` package.

    >>> enc = Encoding("mini", pat_str=r"\\S+|\\s+", mergeable_ranks={bytes([b]): b for b in range(256)},
    ...                special_tokens={})
    >>> enc.encode("hi")
    [104, 105]
    """

    def __init__(
        self,
        name: str,
        *,
        pat_str: str,
        mergeable_ranks: dict[bytes, int],
        special_tokens: dict[str, int],
        explicit_n_vocab: Optional[int] = None,
    ):
        """An encoding from its parts, as ``tiktoken.Encoding(...)`` takes them."""
        if explicit_n_vocab:
            if len(mergeable_ranks) + len(special_tokens) != explicit_n_vocab:
                raise ValueError(
                    f"{name}: {len(mergeable_ranks)} mergeable + {len(special_tokens)} special tokens "
                    f"!= explicit_n_vocab {explicit_n_vocab}"
                )
        core = _core.CoreBPE(mergeable_ranks, dict(special_tokens), native_splitter(pat_str))
        self._setup(name, pat_str, core, special_tokens)
        self._mergeable_ranks_cache = mergeable_ranks
        if explicit_n_vocab and self.max_token_value != explicit_n_vocab - 1:
            raise ValueError(f"{name}: max token value {self.max_token_value} != explicit_n_vocab - 1")

    @classmethod
    def _from_core(cls, name: str, pat_str: str, core: _core.CoreBPE, special_tokens: dict[str, int],
                   split=None) -> "Encoding":
        """An encoding over native tables already built (``tokcost.load`` builds
        and caches them), without rebuilding them from ranks. ``split``, when
        given, replaces ``pat_str``'s regex on the general path: any object with
        ``findall(text) -> list[str]`` (``patterns.IsolatedSplits``)."""
        self = cls.__new__(cls)
        self._setup(name, pat_str, core, special_tokens)
        if split is not None and not core.splitter:
            self._split_regex = split
        self._mergeable_ranks_cache = None
        return self

    def _setup(self, name: str, pat_str: str, core: _core.CoreBPE, special_tokens: dict[str, int]) -> None:
        self.name = name
        self._pat_str = pat_str
        self._core = core
        self._loader: Optional[Callable[[str], "Encoding"]] = None
        # The highest id of any token, from the native tables.
        self.max_token_value = core.n_ranks - 1
        self._split_regex = None if core.splitter else _compile_pattern(pat_str)
        # The native screens serve text the native pretokenizer splits, unless a special token is
        # empty (it would be found everywhere).
        usable = self._split_regex is None and "" not in special_tokens
        self._special_policy = special = SpecialPolicy(special_tokens, core if usable else None)
        self._special_tokens = special.ids  # tiktoken's name for it
        self._special_token_values = set(special_tokens.values())
        # encode_single_token's lookup of special tokens before the native one, by name and by UTF-8:
        # only names that are UTF-8 and that no mergeable token spells (tiktoken answers a mergeable
        # token's rank first, and raises on a str it cannot convert).
        self._special_ids_by_arg = {}
        for utf8, rank in special.ids_by_utf8.items():
            if core.token_rank(utf8) < 0:
                self._special_ids_by_arg[utf8] = self._special_ids_by_arg[utf8.decode("utf-8")] = rank
        # encode's two commonest calls (nothing allowed, "all") take their native screen with these
        # operands, copied from the policy: a call into it cost them 700 instructions, more than the
        # native entry's whole fixed cost (docs/NATIVE.md, Round 18 r18-docs).
        self._native_ordinary = core.encode_ordinary_unless if usable else None
        self._native_special = core.encode_special if usable else None
        self._special_probe_utf8 = special.probe_utf8
        self._special_marks = special.every
        self._all_special_marks = special.all_with_ids

    def __repr__(self) -> str:
        return f"<Encoding {self.name!r}>"

    # ------------------------------------------------------------------ encoding

    def encode_ordinary(self, text: str) -> list[int]:
        """Token ids of ``text``, special tokens encoded as plain text.

        >>> tokcost.get_encoding("o200k_base").encode_ordinary("hello world")
        [24912, 2375]
        """
        try:
            if self._split_regex is None:
                return self._core.encode_ordinary(text)
            return self._encode_ordinary(text)
        except UnicodeEncodeError:
            return self._encode_ordinary(_without_surrogates(text))

    def encode(
        self,
        text: str,
        *,
        allowed_special: Literal["all"] | AbstractSet[str] = _NOTHING_ALLOWED,
        disallowed_special: Literal["all"] | Collection[str] = "all",
    ) -> list[int]:
        """Token ids of ``text``.

        Text that spells a special token raises ValueError unless the token is in
        ``allowed_special`` (then it becomes that token) or left out of
        ``disallowed_special`` (then it is plain text). ``"all"`` means every
        special token.

        >>> enc = tokcost.get_encoding("o200k_base")
        >>> enc.encode("<|endoftext|>", allowed_special="all")
        [199999]
        """
        # The common calls take a native screen over the UTF-8 it makes anyway (SpecialPolicy.screened),
        # which returns the ids, or the leftmost disallowed token (the one tiktoken's search names:
        # raised below), or None for what it does not serve; a lone surrogate goes to the full path
        # below on the text with them replaced, which tiktoken encodes after its own first try fails.
        # The screen's first two cases, nothing allowed (the default, LangChain's set()) and "all"
        # (chat templates), are made here: a second Python call cost them 700 instructions, more
        # than the native entry's whole fixed cost.
        if self._native_ordinary is not None:
            try:
                if disallowed_special == "all" and (allowed_special is _NOTHING_ALLOWED and not _NOTHING_ALLOWED
                                                    or type(allowed_special) in _SET_TYPES and not allowed_special):
                    ids = self._native_ordinary(text, self._special_probe_utf8, self._special_marks)
                elif allowed_special == "all" and disallowed_special == "all":
                    ids = self._native_special(text, self._all_special_marks)
                else:
                    ids = self._special_policy.screened(text, allowed_special, disallowed_special, False)
            except UnicodeEncodeError:
                ids = _LONE_SURROGATE
            if ids.__class__ is list:
                return ids
            if ids is not None and ids is not _LONE_SURROGATE:  # the leftmost disallowed token
                raise_disallowed_special_token(ids)
        if not disallowed_special and not allowed_special and type(allowed_special) in _SET_TYPES:
            return self.encode_ordinary(text)  # nothing special either way, as LangChain's disallowed_special=()
        allowed, _ = self._special_policy.check(text, allowed_special, disallowed_special)
        if self._native_ordinary is None or ids is not _LONE_SURROGATE:  # else this try would fail as the screen did
            try:
                return self._special_policy.encode_segments(text, allowed, self._encode_ordinary)[0]
            except UnicodeEncodeError:
                pass
        # Lone surrogates: tiktoken encodes the text with them paired up or replaced.
        return self._special_policy.encode_segments(_without_surrogates(text), allowed, self._encode_ordinary)[0]

    def encode_to_numpy(
        self,
        text: str,
        *,
        allowed_special: Literal["all"] | AbstractSet[str] = set(),  # noqa: B006
        disallowed_special: Literal["all"] | Collection[str] = "all",
    ) -> "npt.NDArray[np.uint32]":
        """``encode`` as a numpy uint32 array, without a Python list in between."""
        # The native entries with uint32 bytes return False for a text with a lone surrogate: the
        # error is raised here, in this frame, as tiktoken's is (raised natively, it left two or
        # three native frames, a traceback entry each, and took 1.1-1.4x tiktoken's time).
        if self._native_special is not None:
            # (emptiness first: the default "all" then costs one test, its class's lookup 500 instructions)
            if not disallowed_special and disallowed_special.__class__ in _EMPTY_TYPES \
                    and not allowed_special and allowed_special.__class__ in _SET_TYPES:
                # Nothing special either way (LangChain's disallowed_special=()): the ordinary
                # encoder, without the chooser's call and tests, which cost a short text a tenth.
                ids = self._core.encode_ordinary_to_bytes(text)
            else:
                ids = self._special_policy.screened(text, allowed_special, disallowed_special, True)
            if ids.__class__ is bytes:
                import numpy as np

                return np.frombuffer(ids, dtype=np.uint32)
            if ids is False:  # a lone surrogate: tiktoken searches the str for disallowed tokens first
                if disallowed_special:  # (with none, it searches nothing: the text's error is next)
                    self._special_policy.check(text, allowed_special, disallowed_special, text_first=True)
                import numpy as np  # noqa: F401  (as tiktoken: an ImportError comes before the text's)

                text.encode("utf-8")  # raises tiktoken's UnicodeEncodeError
                ids = None  # not reached (utf8.h and CPython agree on surrogates): the full path below
            if ids is not None:
                raise_disallowed_special_token(ids)
        special = self._special_policy
        allowed, disallowed = special.check(text, allowed_special, disallowed_special, text_first=True)
        import numpy as np  # as tiktoken: after the disallowed check, before the text is converted

        if self._split_regex is None:
            own_allowed = special.names & allowed
            ids = None  # the segments path, below
            if not own_allowed or not special.may_hold(text):
                ids = self._core.encode_ordinary_to_bytes(text)
            elif disallowed >= special.names - allowed:  # as in encode_batch: only allowed ones can be there
                ids = self._core.encode_special(text, special.marks(own_allowed, with_ids=True), None, True)
            if ids.__class__ is bytes:
                return np.frombuffer(ids, dtype=np.uint32)
            if ids is False:
                text.encode("utf-8")  # a lone surrogate: tiktoken's UnicodeEncodeError
        try:
            return np.array(special.encode_segments(text, allowed, self._encode_ordinary)[0], dtype=np.uint32)
        except UnicodeEncodeError as error:  # raised on a segment
            segment_error = error
        text.encode("utf-8")  # raises tiktoken's error, which names the place in the whole text
        raise segment_error

    def encode_ordinary_batch(self, text: list[str], *, num_threads: int = 8) -> list[list[int]]:
        """``[encode_ordinary(t) for t in text]``, on native threads without the GIL."""
        if self._split_regex is not None:
            return self._thread_map(self.encode_ordinary, text, num_threads)
        try:
            return self._core.encode_ordinary_batch(text, num_threads)
        except UnicodeEncodeError:
            return self._core.encode_ordinary_batch([_without_surrogates(t) for t in text], num_threads)

    def encode_ordinary_batch_to_numpy(
        self, text: list[str], *, num_threads: int = 8
    ) -> "tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint64]]":
        """``encode_ordinary_batch`` as two numpy arrays: ``ids``, every text's ids one after
        another, and ``offsets``, one more than there are texts, so that
        ``ids[offsets[k]:offsets[k + 1]]`` is ``encode_ordinary(text[k])``. No list or int
        object is made per token, so it is the faster batch when numpy is where ids go.
        """
        import numpy as np

        if self._split_regex is not None:
            import itertools

            lists = self.encode_ordinary_batch(text, num_threads=num_threads)
            offsets = np.zeros(len(lists) + 1, dtype=np.uint64)
            offsets[1:] = np.cumsum([len(ids) for ids in lists], dtype=np.uint64)
            return np.fromiter(itertools.chain.from_iterable(lists), np.uint32, int(offsets[-1])), offsets
        try:
            ids, offsets = self._core.encode_ordinary_batch_flat(text, num_threads)
        except UnicodeEncodeError:
            ids, offsets = self._core.encode_ordinary_batch_flat([_without_surrogates(t) for t in text], num_threads)
        return np.frombuffer(ids, dtype=np.uint32), np.frombuffer(offsets, dtype=np.uint64)

    def encode_batch(
        self,
        text: list[str],
        *,
        num_threads: int = 8,
        allowed_special: Literal["all"] | AbstractSet[str] = set(),  # noqa: B006
        disallowed_special: Literal["all"] | Collection[str] = "all",
    ) -> list[list[int]]:
        """``[encode(t, ...) for t in text]``, in parallel."""
        special = self._special_policy
        allowed, disallowed = special.resolve(allowed_special, disallowed_special)
        if text and allowed and allowed is not special.all:
            try:
                raise_if_not_utf8(allowed)
            except UnicodeEncodeError:  # as tiktoken: what the first text raises, the disallowed check first
                self.encode(text[0], allowed_special=allowed, disallowed_special=disallowed)
                raise
        if (self._split_regex is None and (disallowed or allowed) and "" not in disallowed
                and disallowed >= special.names - allowed):
            # Every special token of the encoding allowed or disallowed (the default call, "all",
            # chat templates): the batch's threads screen each text they encode for the disallowed
            # ones (on the calling thread the screen was 4% of a two-thread batch of 500 chat texts
            # and 3% of 2,000 documents, all of it serial: docs/NATIVE.md, Threads) and encode the
            # allowed ones as their ids. No other special token can be in a text that passes, so
            # finding only the allowed ones finds what tiktoken's search finds. A text that holds a
            # disallowed one is then found again by the screen below, which raises.
            own_allowed = special.names & allowed
            try:
                screened = self._core.encode_batch_screened(
                    text, num_threads, special.marks(disallowed) if disallowed else None,
                    special.marks(own_allowed, with_ids=True) if own_allowed else None)
            except UnicodeEncodeError:
                pass  # lone surrogates: the screen below, then encode_ordinary_batch's retry
            else:
                # Indexed, not unpacked: until the interpreter specialises this line, unpacking
                # makes a tuple iterator, the first new container after the lists, and the
                # collection it sets off walks every list (docs/NATIVE.md, Threads).
                if screened[1] is None:
                    return screened[0]
        if disallowed:
            # One pass over the batch for the characters a special token starts with: a
            # method call per text cost a third of a 500-text batch, all on this thread.
            first = special.first_chars
            if not disallowed <= special.names:
                suspects = text  # a disallowed string that is no special token: look everywhere
            elif len(first) == 1:
                (c,) = first
                suspects = [t for t in text if c in t]
            else:
                suspects = [t for t in text if any(f in t for f in first)]
            for t in suspects:
                special.raise_if_disallowed(t, disallowed)
        if not allowed or not any(special.present(t, allowed) for t in text):
            return self.encode_ordinary_batch(text, num_threads=num_threads)
        encoder = functools.partial(self.encode, allowed_special=allowed, disallowed_special=())
        return self._thread_map(encoder, text, num_threads)

    def encode_with_unstable(
        self,
        text: str,
        *,
        allowed_special: Literal["all"] | AbstractSet[str] = set(),  # noqa: B006
        disallowed_special: Literal["all"] | Collection[str] = "all",
    ) -> tuple[list[int], list[list[int]]]:
        """Stable tokens of ``text`` and the token sequences that may complete it.

        The stable tokens cover a prefix of ``text``; each completion decodes to
        bytes that start with the rest. Completions come in no particular order.
        """
        policy = self._special_policy
        allowed, _ = policy.check(text, allowed_special, disallowed_special, text_first=True)
        rules = _unstable if _unstable is not None else _import_unstable()
        screening_core = self._core if self._native_special is not None else None
        tokens, unstable = rules.stable_and_unstable(self, screening_core, policy, text, allowed)
        if not unstable:  # empty, or ending with a special token: nothing more text could change
            return tokens, []
        splitting_core = self._core if self._split_regex is None else None
        return tokens, rules.completions(self, splitting_core, self._sorted_token_bytes, unstable)

    def encode_single_token(self, text_or_bytes: str | bytes) -> int:
        """The id of the one token spelled by ``text_or_bytes`` (special tokens too).

        Raises KeyError when it is not a single token.
        """
        # Special tokens first, by the argument itself, str or bytes: its hash is kept on it, so a
        # word's lookup costs little (by the bytes made below, 10% of its call). Looked up after the
        # native call, a special token cost 2,911 instructions a call, tiktoken 2,202; now 1,112.
        try:
            special = self._special_ids_by_arg.get(text_or_bytes)
        except TypeError:  # unhashable (a bytearray, a str subclass without __hash__): as before, below
            special = None
        if special is not None:
            return special
        # An exact str or bytes natively (a str's UTF-8 without a bytes object); -3 for anything else.
        rank = self._core.token_rank(text_or_bytes)
        if rank >= 0:
            return rank
        if isinstance(text_or_bytes, str):
            text_or_bytes = text_or_bytes.encode()  # a lone surrogate raises here, as tiktoken's call does
        if rank == -3:  # a str subclass (its own encode) or another type: tiktoken takes any bytes (pyo3)
            if not isinstance(text_or_bytes, bytes):
                raise TypeError(f"{type(text_or_bytes).__name__!r} object is not an instance of 'bytes'")
            text_or_bytes = bytes(text_or_bytes)  # a bytes subclass: its bytes, and KeyError's argument
            rank = self._core.token_rank(text_or_bytes)
            if rank >= 0:
                return rank
        raise KeyError(text_or_bytes)

    def encode_bytes(self, data: bytes) -> list[int]:
        """Token ids of raw bytes, which need not be valid UTF-8 (tiktoken's ``_encode_bytes``).

        The valid UTF-8 prefix is encoded as text; the bytes from the first
        invalid sequence on, joined to the last piece of that prefix, are
        merged with plain BPE.
        """
        if type(data) is not bytes:
            data = bytes(data)
        if self._split_regex is None:
            return self._core.encode_bytes(data)  # the same steps as below, in one native call
        try:
            return self.encode_ordinary(data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            valid = exc.start
        if not valid:  # no text before the invalid bytes: tiktoken merges them all as one piece
            rank = self._core.token_rank(data)
            return [rank] if rank >= 0 else self._byte_pair_encode(data)
        text = data[:valid].decode("utf-8")
        tokens = self.encode_ordinary(text)
        rules = _unstable if _unstable is not None else _import_unstable()
        last = rules.increase_last_piece_token_len(self, tokens, self._last_piece_token_count(text))
        if tokens and last:
            unstable = self.decode_bytes(tokens[-last:]) + data[valid:]
            del tokens[-last:]
        else:
            unstable = data[valid:]
        rank = self._core.token_rank(unstable)
        tokens.extend([rank] if rank >= 0 else self._byte_pair_encode(unstable))
        return tokens

    def _byte_pair_encode(self, data: bytes) -> list[int]:
        """Plain BPE of ``data``, even when it is a token itself (no splitting)."""
        return self._core.byte_pair_encode(data)

    def _piece_ranks(self, pieces: Sequence[bytes]) -> list[int]:
        """The rank of each of ``pieces``, -1 where one is no mergeable token."""
        return self._core.piece_ranks(pieces)

    _encode_bytes = encode_bytes

    # ------------------------------------------------------------------ counting

    def count(self, text: str) -> int:
        """``len(encode_ordinary(text))``, without building the list.

        >>> tokcost.get_encoding("o200k_base").count("hello world")
        2
        """
        if self._split_regex is not None:
            return len(self.encode_ordinary(text))
        try:
            return self._core.count(text)
        except UnicodeEncodeError:
            return self._core.count(_without_surrogates(text))

    @property
    def _counts_bytes_as_read(self) -> bool:
        """Whether a file's bytes may be counted as they are read (``_count_utf8``,
        ``count_plain_files``): text is split natively and changed by nothing first."""
        return self._split_regex is None

    def _count_utf8(self, data: bytes) -> Optional[int]:
        """``count(data.decode("utf-8"))`` without making the str, when ``data`` is strict UTF-8
        and ``_counts_bytes_as_read``; None otherwise (decode it and call ``count``).
        A file's chunks are counted so (``corpus.streaming``)."""
        if not self._counts_bytes_as_read:
            return None
        tokens = self._core.count_utf8(data)
        return None if tokens < 0 else tokens

    def count_batch(self, texts: Sequence[str], *, num_threads: int = 8) -> list[int]:
        """``[count(t) for t in texts]`` on native threads without the GIL."""
        if self._split_regex is not None:
            return [len(t) for t in self.encode_ordinary_batch(list(texts), num_threads=num_threads)]
        try:
            return self._core.count_batch(texts, num_threads)
        except UnicodeEncodeError:
            return self._core.count_batch([_without_surrogates(t) for t in texts], num_threads)

    def count_plain_files(self, paths: Sequence[str], *, limit: int, sniff: int) -> Optional[list]:
        """For corpus readers: ``(status, tokens, bytes)`` per file, each read
        and counted natively without the GIL. Status 0: counted (the file is
        strict UTF-8, shorter than ``limit`` bytes); 1: a NUL byte in its first
        ``sniff`` bytes; 2: anything else, left for the caller's reader. None
        when not ``_counts_bytes_as_read``.
        """
        if not self._counts_bytes_as_read:
            return None
        return self._core.count_files(list(paths), limit, sniff)

    # ------------------------------------------------------------------ decoding

    def decode_bytes(self, tokens: Sequence[int]) -> bytes:
        """The bytes of ``tokens``.

        >>> tokcost.get_encoding("o200k_base").decode_bytes([24912, 2375])
        b'hello world'
        """
        return self._core.decode_bytes(tokens)

    def decode(self, tokens: Sequence[int], errors: str = "replace") -> str:
        """The text of ``tokens``; bytes that are not UTF-8 follow ``errors``."""
        return self._core.decode_bytes(tokens).decode("utf-8", errors=errors)

    def decode_single_token_bytes(self, token: int) -> bytes:
        """The bytes of one token (special tokens too). Raises KeyError for unknown ids."""
        return self._core.decode_single_token_bytes(token)

    def decode_tokens_bytes(self, tokens: Sequence[int]) -> list[bytes]:
        """The bytes of each token, for visualising a tokenization."""
        return self._core.decode_tokens_bytes(tokens)

    def decode_with_offsets(self, tokens: Sequence[int]) -> tuple[str, list[int]]:
        """The text of ``tokens`` and, per token, the index of the first character
        it contributes bytes to. Raises UnicodeDecodeError on invalid UTF-8."""
        data, offsets = self._core.decode_with_offsets(tokens)  # offsets counted natively, as tiktoken counts
        return data.decode("utf-8", errors="strict"), offsets

    def decode_batch(
        self, batch: Sequence[Sequence[int]], *, errors: str = "replace", num_threads: int = 8
    ) -> list[str]:
        """``[decode(tokens) for tokens in batch]``."""
        return [self.decode(tokens, errors=errors) for tokens in batch]

    def decode_bytes_batch(self, batch: Sequence[Sequence[int]], *, num_threads: int = 8) -> list[bytes]:
        """``[decode_bytes(tokens) for tokens in batch]``."""
        return [self._core.decode_bytes(tokens) for tokens in batch]

    # ------------------------------------------------------------------ vocabulary

    def token_byte_values(self) -> list[bytes]:
        """The bytes of every mergeable token, sorted."""
        # A new list each call (the caller may change it) of the bytes sorted once: the sort was
        # 0.18 s of every call, six times tiktoken's call, which sorts once when it loads.
        return list(self._sorted_token_bytes)

    @functools.cached_property
    def eot_token(self) -> int:
        # Cached in the instance (a dict lookup, not a call): _special_tokens is this encoding's own
        # copy, never changed after _setup; without the token, KeyError on every access, as tiktoken.
        return self._special_tokens["<|endoftext|>"]

    @functools.cached_property
    def special_tokens_set(self) -> set[str]:
        return self._special_policy.all  # the object "all" stands for (SpecialPolicy.resolve)

    def is_special_token(self, token: int) -> bool:
        return token in self._special_token_values

    @property
    def n_vocab(self) -> int:
        """``max_token_value + 1``, as in tiktoken."""
        return self.max_token_value + 1

    @property
    def _mergeable_ranks(self) -> dict[bytes, int]:
        if self._mergeable_ranks_cache is None:
            skip = self._special_token_values
            self._mergeable_ranks_cache = {
                self._core.decode_single_token_bytes(r): r
                for r in range(self.n_vocab)
                if r not in skip and self._has_rank(r)
            }
        return self._mergeable_ranks_cache

    def _has_rank(self, rank: int) -> bool:
        try:
            self._core.decode_single_token_bytes(rank)
            return True
        except KeyError:
            return False

    # ------------------------------------------------------------------ private

    def _encode_ordinary(self, text: str) -> list[int]:
        if self._split_regex is None:
            return self._core.encode_ordinary(text)
        text.encode("utf-8")  # raise UnicodeEncodeError on surrogates, as the core does
        out: list[int] = []
        for piece in self._split_regex.findall(text):
            out.extend(self._core.encode_single_piece(piece.encode("utf-8")))
        return out

    def _encode_single_piece(self, text_or_bytes: str | bytes) -> list[int]:
        """Encode without splitting; no special tokens."""
        if isinstance(text_or_bytes, str):
            text_or_bytes = text_or_bytes.encode("utf-8")
        return self._core.encode_single_piece(text_or_bytes)

    def _encode_only_native_bpe(self, text: str) -> list[int]:
        """Split with the ``regex`` package, merge natively (for cross-checks)."""
        out: list[int] = []
        for piece in _compile_pattern(self._pat_str).findall(text):
            out.extend(self._core.encode_single_piece(piece.encode("utf-8")))
        return out

    def _last_piece_token_count(self, text: str) -> int:
        if not text:
            return 0
        if self._split_regex is None:
            return self._core.last_piece_token_count(text)
        pieces = self._split_regex.findall(text)
        return len(self._core.encode_single_piece(pieces[-1].encode("utf-8"))) if pieces else 0

    @functools.cached_property
    def _sorted_token_bytes(self) -> tuple[bytes, ...]:
        """Every mergeable token's bytes, sorted; made on first use (token_byte_values, unstable
        completions), about 10 MB for o200k_base's 200 K tokens."""
        return self._core.sorted_token_bytes(self._special_token_values)

    @staticmethod
    def _thread_map(fn, items, num_threads: int) -> list:
        from concurrent.futures import ThreadPoolExecutor  # here: its import is a tenth of `import tokcost`

        with ThreadPoolExecutor(max(1, num_threads)) as pool:
            return list(pool.map(fn, items))

    # ------------------------------------------------------------------ pickling

    def _pickle_by_name(self, loader: Callable[[str], "Encoding"]) -> None:
        """Pickle this encoding as ``loader(self.name)`` instead of by value.

        The registry calls this on the encodings it loads, so a pickled
        ``o200k_base`` is a name, and unpickling returns the registry's copy
        (as tiktoken does), while an ``Encoding`` built from parts travels with
        its parts."""
        self._loader = loader

    def __reduce__(self):
        if self._loader is not None:
            return self._loader, (self.name,)
        return _encoding_from_parts, (type(self), self.name, self._pat_str, self._mergeable_ranks, self._special_tokens)


def _encoding_from_parts(cls: type[Encoding], name: str, pat_str: str, mergeable_ranks: dict[bytes, int],
                         special_tokens: dict[str, int]) -> Encoding:
    return cls(name, pat_str=pat_str, mergeable_ranks=mergeable_ranks, special_tokens=special_tokens)


@functools.lru_cache(maxsize=16)
def _compile_pattern(pat_str: str):
    import regex

    return regex.compile(pat_str)

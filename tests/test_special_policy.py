"""Round 19 (r19-review): the special-token policy in a module of its own, and the API rows that
were slower than tiktoken, each against tiktoken.

``SpecialPolicy`` reads ``allowed_special`` and ``disallowed_special`` and picks the native screen;
``Encoding.encode`` now encodes a text with a lone surrogate once, on the text with them replaced,
where it first failed on the text again (tiktoken fails once in Rust, then retries the same way);
``encode_to_numpy``'s segments path raises tiktoken's error for a lone surrogate (its place in the
whole text, not in a segment); ``encode_single_token`` looks special tokens up before the native
call, so a name that a mergeable token spells must still give that token's rank; ``decode_bytes``
checks short id lists on the stack and returns an empty list's bytes at once. Bounded: fixed
lists of texts, forms and ids.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
import tiktoken

import tokcost

FORMS = [
    {},
    {"allowed_special": "all"},
    {"allowed_special": {"<|endoftext|>"}},
    {"allowed_special": set()},
    {"disallowed_special": ()},
    {"allowed_special": set(), "disallowed_special": {"<|endoftext|>"}},
    {"allowed_special": {"<|endoftext|>"}, "disallowed_special": ()},
    {"allowed_special": "all", "disallowed_special": ()},
    {"disallowed_special": frozenset({"<|endoftext|>", "<|endofprompt|>"})},
]
# Lone surrogates (and a pair written as two code points) beside allowed, disallowed and
# unlisted special tokens, at either end and between them.
SURROGATE_TEXTS = [
    "\ud800",
    "lone \ud800 here",
    "\udc00<|endoftext|>",
    "<|endoftext|>\udfff",
    "a <|endofprompt|> b \ud83d",
    "pair \ud83d\ude00 and <|endoftext|> then \udbff",
    "<|endof\ud800text|> <|endoftext|>",
    "x\ud800 <|endoftext|><|endofprompt|> y",
]


def _outcome(call):
    try:
        out = call()
    except (ValueError, KeyError, TypeError) as error:  # UnicodeEncodeError is a ValueError
        return type(error), str(error)
    return out.tolist() if hasattr(out, "tolist") else out


@pytest.mark.parametrize("method", ["encode", "encode_to_numpy"])
def test_lone_surrogates_beside_special_tokens_under_every_form(method):
    ours, ref = tokcost.get_encoding("o200k_base"), tiktoken.get_encoding("o200k_base")
    failures = []
    for text in SURROGATE_TEXTS:
        for kwargs in FORMS:
            want = _outcome(lambda: getattr(ref, method)(text, **kwargs))
            got = _outcome(lambda: getattr(ours, method)(text, **kwargs))
            if got != want:
                failures.append((text, kwargs, got, want))
    assert not failures, f"{len(failures)} differ, first: {failures[0]}"


def _checked_forms(names):
    """Forms beside the default: nothing disallowed with "all" or a set of the encoding's own allowed
    (a native screen since round 20), and the forms no screen serves (a string that is no special
    token, "all" or a set with a disallowed set), which take check() and the segments path."""
    eot = "<|endoftext|>"
    return [
        {"allowed_special": "all", "disallowed_special": ()},
        {"allowed_special": set(names), "disallowed_special": ()},
        {"allowed_special": set(names) | {"foo"}},
        {"allowed_special": {eot, "foo"}},
        {"allowed_special": {"foo"}},
        {"allowed_special": set(), "disallowed_special": {"foo"}},
        {"allowed_special": "all", "disallowed_special": {"foo"}},
        {"allowed_special": {eot}, "disallowed_special": {"foo"}},
        {"allowed_special": {eot, "foo"}, "disallowed_special": ()},
        {"allowed_special": {eot}, "disallowed_special": ()},
        {"allowed_special": {names[-1]}, "disallowed_special": set()},
        {"allowed_special": frozenset(names), "disallowed_special": frozenset()},
        {"allowed_special": "all", "disallowed_special": []},
    ]


@pytest.mark.parametrize("method", ["encode", "encode_to_numpy"])
def test_checked_forms_under_every_special_token(pair, method):
    ours, ref = pair
    names = sorted(ref.special_tokens_set)
    texts = ["", "plain text", "foo", "a <|endof", "x\ud800 y", "\u65e5\u672c " * 3]
    texts += [f"a {name} b" for name in names] + [f"{names[0]}{names[-1]}foo{names[0]}", f"\ud800{names[-1]}"]
    failures = []
    for text in texts:
        for kwargs in _checked_forms(names):
            want = _outcome(lambda: getattr(ref, method)(text, **kwargs))
            got = _outcome(lambda: getattr(ours, method)(text, **kwargs))
            if got != want:
                failures.append((text, kwargs, got, want))
    assert not failures, f"{len(failures)} differ, first: {failures[0]}"


def _parts():
    # Bytes, two merges, and special tokens of which two spell mergeable tokens ("b", "ab"). None
    # is a prefix of another: where one is, tiktoken names whichever its set's order tries first.
    ranks = {bytes([b]): b for b in range(256)}
    ranks[b"ab"] = 256
    ranks[b"abc"] = 257
    specials = {"b": 300, "ab": 301, "<|x|>": 302, "\u00e9\u00e9": 303}
    return dict(pat_str=r"\S+|\s+", mergeable_ranks=ranks, special_tokens=specials)


def test_special_token_names_that_mergeable_tokens_spell():
    ours, ref = tokcost.Encoding("spelled", **_parts()), tiktoken.Encoding("spelled", **_parts())
    for arg in ["a", "b", "ab", "abc", b"b", b"ab", "<|x|>", b"<|x|>", "\u00e9\u00e9", "\u00e9\u00e9".encode(), "b", "zz",
                b"\xff", b"\xc3"]:
        assert _outcome(lambda: ours.encode_single_token(arg)) == _outcome(lambda: ref.encode_single_token(arg)), arg
    for text in ["ab b <|x|> abc", "b", "<|x|><|x|>ab", "a b"]:
        for kwargs in ({"allowed_special": "all"}, {"disallowed_special": ()}, {"allowed_special": {"<|x|>"}}, {}):
            assert _outcome(lambda: ours.encode(text, **kwargs)) == _outcome(lambda: ref.encode(text, **kwargs)), \
                (text, kwargs)


def _known(ref, rank):
    try:
        ref.decode_single_token_bytes(rank)
    except KeyError:  # o200k_base has ids with no token
        return False
    return True


def _decode_cases(ref):
    rng = random.Random(19)
    ids = [r for r in rng.sample(range(ref.n_vocab), 4000) if not ref.is_special_token(r) and _known(ref, r)]
    longest = sorted(ids, key=lambda r: -len(ref.decode_single_token_bytes(r)))[:200]  # > 8 KB in under 256 ids
    cases = {"empty list": [], "empty tuple": (), "empty array": np.array([], dtype=np.uint32),
             "one": ids[:1], "specials": [ref.eot_token] + ids[:20] + [ref.eot_token],
             "many long tokens": longest, "many long tokens, tuple": tuple(longest),
             "array": np.array(ids[:300], dtype=np.uint32)}
    for n in (255, 256, 257, 3000):  # around the stack array's size, and far past it
        cases[f"{n} ids"] = ids[:n]
        cases[f"{n} ids, unknown last"] = ids[:n - 1] + [ref.n_vocab + 7]
    # The copy releases the GIL from 8 KB of bytes: either side of it, with the ids on the stack
    # and off it ("many long tokens" above is 3.4 KB on o200k_base: the stack's ids never went
    # without the GIL until these).
    for n in (255, 256):
        for total in (8191, 8192, 8193):
            cases[f"{n} ids, {total} bytes"] = _ids_of_total(ref, n, total)
    return cases


def _ids_of_total(ref, n, total):
    """n mergeable ids (repeated as needed) whose bytes add up to total exactly."""
    by_length = {len(token): rank for token, rank in ref._mergeable_ranks.items()}
    lengths = sorted(by_length)
    out, left = [], total
    for after in range(n - 1, -1, -1):  # each id leaves at least a byte for every id after it
        length = max(k for k in lengths if k <= left - after)
        out.append(by_length[length])
        left -= length
    assert len(ref.decode_bytes(out)) == total, (n, total)
    return out


def test_decode_bytes_on_the_stack_and_off_it(pair):
    ours, ref = pair
    cases = _decode_cases(ref)
    # A generator has no len(): it is listed first.
    assert ours.decode_bytes(i for i in cases["257 ids"]) == ref.decode_bytes(cases["257 ids"])
    for name, ids in cases.items():
        want = _outcome(lambda: ref.decode_bytes(ids))
        got = _outcome(lambda: ours.decode_bytes(ids))
        if isinstance(want, tuple):  # both raise; tiktoken's message differs, the kind must not
            assert isinstance(got, tuple) and issubclass(got[0], want[0]), name
        else:
            assert got == want, name
            assert _outcome(lambda: ours.decode(ids)) == _outcome(lambda: ref.decode(ids)), name


class _ShortLen:
    """Ids whose len() is fewer than it yields."""

    def __init__(self, ids, claimed):
        self.ids, self.claimed = ids, claimed

    def __len__(self):
        return self.claimed

    def __iter__(self):
        return iter(self.ids)

    def __getitem__(self, k):
        return self.ids[k]


class _Growing:
    """An id whose __index__ appends 300 ids to the list being decoded."""

    def __init__(self, target, rank):
        self.target, self.rank = target, rank

    def __index__(self):
        self.target.extend([self.rank] * 300)
        return self.rank


def test_decode_bytes_of_ids_more_than_their_length():
    """decode_bytes checks ids into an array sized by len(tokens) (on the stack below 256, round 19);
    tiktoken decodes every id the iteration yields (PyO3 takes len() as a capacity hint), and so
    does decode_bytes since round 20: past the array's room the ids move to a heap buffer twice as
    large, as often as they fill it (stack to heap, heap grown once and more than once)."""
    ours, ref = tokcost.get_encoding("o200k_base"), tiktoken.get_encoding("o200k_base")
    ids = [r for r in range(1000, 1700) if not ref.is_special_token(r)] * 6

    def grown(start):
        tokens = ids[:start]
        tokens.append(_Growing(tokens, ids[0]))
        return tokens

    makers = {f"len {claimed}, {real} ids": (lambda c=claimed, r=real: _ShortLen(ids[:r], c))
              for claimed, real in [(0, 5), (1, 300), (10, 600), (255, 600), (256, 600), (600, 10), (300, 255),
                                    (0, 256), (0, 257), (256, 513), (257, 4000), (1000, 4000)]}
    makers.update({f"list of {start} grown": (lambda s=start: grown(s)) for start in (3, 255, 256, 300, 600)})
    for name, make in makers.items():
        assert ours.decode_bytes(make()) == ref.decode_bytes(make()), name
        assert ours.decode(make()) == ref.decode(make()), name


def test_encode_single_piece_as_tiktoken(pair):
    ours, ref = pair
    # Not b"": tiktoken panics on it.
    for piece in [b"hello", b" world", b"antidisestablishmentarianism", "日本語".encode(), b"\xff\xfe", b"a" * 300]:
        assert ours._encode_single_piece(piece) == ref._encode_single_piece(piece), piece

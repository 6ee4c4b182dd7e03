"""The native screen for special tokens (utf8.h tc_contains_any, through _core.MarkSet) answers
``any(token in text)`` exactly, and encode's default call raises on every special token of every
family: DeepSeek's and Tekken's 1,000 and more share no start, so only the screen finds them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tokcost
from tokcost import _core

from test_open_models import _installed

# Few characters, so marks are often prefixes of one another and of the text; one of two, three and
# four UTF-8 bytes, and "｜" (EF BD 9C), whose lead byte DeepSeek's tokens start with.
ALPHABET = "<|ab\x00é｜😀"
marks_strategy = st.sets(st.text(ALPHABET, min_size=1, max_size=6), min_size=1, max_size=12)


@settings(max_examples=3000, deadline=None)
@given(marks=marks_strategy, text=st.text(ALPHABET, max_size=40))
def test_found_in_is_any_mark_in_text(marks, text):
    assert _core.MarkSet(marks).found_in(text) == any(m in text for m in marks)


@settings(max_examples=1000, deadline=None)
@given(marks=marks_strategy, data=st.data())
def test_a_mark_is_found_wherever_it_stands(marks, data):
    mark = data.draw(st.sampled_from(sorted(marks)))
    before = data.draw(st.text(ALPHABET, max_size=10))
    after = data.draw(st.text(ALPHABET, max_size=10))
    assert _core.MarkSet(marks).found_in(before + mark + after)


def test_every_set_of_short_strings_over_two_letters():
    # Every set of up to three strings of length 1-3 over "ab", against every text up to length 5:
    # found_in against `in`, first_in against the Python search.
    import itertools

    from tokcost.special_tokens import first_special_token

    words = ["".join(p) for n in (1, 2, 3) for p in itertools.product("ab", repeat=n)]
    texts = ["".join(p) for n in range(6) for p in itertools.product("ab", repeat=n)]
    for size in (1, 2, 3):
        for marks in itertools.combinations(words, size):
            screen = _core.MarkSet(marks)
            for text in texts:
                assert screen.found_in(text) == any(m in text for m in marks), (marks, text)
                assert screen.first_in(text) == first_special_token(text, frozenset(marks)), (marks, text)


def test_the_empty_set_finds_nothing_and_the_empty_string_is_refused():
    assert not _core.MarkSet([]).found_in("anything <|endoftext|>")
    with pytest.raises(ValueError, match="empty string"):
        _core.MarkSet(["", "x"])


FAMILIES = ["o200k_base", "cl100k_base", "tekken", "deepseek_v4", "qwen3_5", "llama3"]


@pytest.mark.parametrize("name", FAMILIES)
def test_default_encode_raises_on_every_special_token_and_only_on_them(name):
    if name not in ("o200k_base", "cl100k_base") and not _installed(name):
        pytest.skip(f"{name}'s package is not installed")
    enc = tokcost.get_encoding(name)
    tokens = sorted(enc.special_tokens_set)
    for token in tokens:
        # at the start, inside a long text (the native path), and at the very end
        for text in (token + " tail", "words [and] <tags> " * 20 + token + " x", "x " + token):
            with pytest.raises(ValueError, match="disallowed"):
                enc.encode(text)
        cut = token[:-1]  # one character short is no token unless another token is in it
        if not any(t in cut + "\n" for t in tokens):
            assert enc.encode(cut + "\n") == enc.encode_ordinary(cut + "\n"), token


# Round 16 (r16-api): first_in names the mark the screens find, for encode's error message: the
# leftmost, the longest of those that start there, as special_tokens.first_special_token finds it.
@settings(max_examples=3000, deadline=None)
@given(marks=marks_strategy, text=st.text(ALPHABET, max_size=40))
def test_first_in_is_the_leftmost_longest_mark(marks, text):
    from tokcost.special_tokens import first_special_token

    assert _core.MarkSet(marks).first_in(text) == first_special_token(text, frozenset(marks))

"""Pieces of two tokens, and the vocabularies where the greedy split is wrong, against tiktoken.

Round 15 tried a piece that is not a token as two tokens first (``tc_merge_two``: split at a
character start, both halves tokens, kept only when the pair is valid, a replay of BPE backwards
at the boundary through each token's last merge, ``v->split``); it cost wall clock and round 16
deleted it (NATIVE.md). These pieces now take the character path, which the tests still hold to
tiktoken: the small vocabularies below make the greedy split wrong on purpose, and the last
tests put pairs of real tokens of every script side by side in o200k_base and cl100k_base, from
the table cache and built from ranks.
"""

from __future__ import annotations

import random
import unicodedata

import pytest

PAT = r"\S+|\s+"


# The made-up vocabularies spell their tokens in Cyrillic letters, each a token of its own (ranks
# 256 and up), so that their pieces take the two-token path (words of two-byte letters); the
# docstrings name them by the Latin letter each stands for.
LETTERS = dict(zip("abcdefwxyz", "абвгдежзик"))


def _encodings(name, extra):
    """Bytes, the letters, then the given tokens (Latin letters standing for Cyrillic ones)."""
    import tiktoken

    from tokcost import Encoding

    ranks = {bytes([b]): b for b in range(256)}
    for i, letter in enumerate(LETTERS.values()):
        ranks[letter.encode("utf-8")] = 256 + i
    for token, rank in extra:
        ranks[_spell(token).encode("utf-8") if isinstance(token, str) else token] = rank
    ours = Encoding(name, pat_str=PAT, mergeable_ranks=ranks, special_tokens={})
    ref = tiktoken.Encoding(name, pat_str=PAT, mergeable_ranks=ranks, special_tokens={})
    return ranks, ours, ref


def _spell(text):
    return "".join(LETTERS.get(ch, ch) for ch in text)


def _check(ours, ref, texts, spell=True):
    texts = [_spell(text) for text in texts] if spell else texts
    for text in texts:
        assert ours.encode_ordinary(text) == ref.encode_ordinary(text), repr(text)
    joined = " ".join(texts)
    assert ours.encode_ordinary(joined) == ref.encode_ordinary(joined)


def _words(letters, seed, count=2000):
    rnd = random.Random(seed)
    return ["".join(rnd.choice(letters) for _ in range(rnd.randint(2, 12))) for _ in range(count)]


def test_the_longest_prefix_is_not_the_answer():
    """abcd: abc and d are tokens, but cd (300) merges before abc (310) can form, so BPE gives
    [ab, cd]: the split with the longest prefix is not a valid pair."""
    ranks, ours, ref = _encodings("two_greedy", (("cd", 300), ("ab", 301), ("abc", 310)))
    assert ref.encode_ordinary(_spell("abcd")) == [301, 300]
    _check(ours, ref, ["abcd", "abcdabcd", "xabcd", " abcd"] + _words("abcdx", seed=1))


def test_no_valid_split_at_a_character_start():
    """aé: a\\xc3 (300) forms before é (301), so BPE's two tokens split é; the split at the
    character start, [a, é], is not valid and the character path answers."""
    ranks, ours, ref = _encodings("two_inside", ((b"a\xc3", 300), (b"\xc3\xa9", 301), ("éa", 302)))
    assert ref.encode_ordinary("aé") == [300, 0xA9]
    _check(ours, ref, ["aé", "aéa", "éaé"] + _words("aéb", seed=2), spell=False)


def test_a_boundary_pair_just_after_a_parent():
    """xy (301) is made before yz (302): in "xyz" the left merge wins, and "wxyz" makes wx (300)
    first; xyz and wxy are tokens too, so several splits are two tokens."""
    extra = (("wx", 300), ("xy", 301), ("yz", 302), ("xyz", 303), ("wxy", 304))
    ranks, ours, ref = _encodings("two_tie", extra)
    _check(ours, ref, ["xyz", "wxyz", "wxyzw", "yzx"] + _words("wxyz", seed=3))


def test_a_deep_pair_whose_last_letters_decide():
    """The replay goes down both tokens: abc and def are tokens built from ab and de, and cd
    (340) ranks below abc (341), yet "abcdef" is [abc, def]: bc (303) takes c before cd can
    form; "bcdef" and "abcde" differ from it only at their edges."""
    extra = (("ab", 300), ("de", 301), ("ef", 302), ("bc", 303), ("cd", 340), ("abc", 341), ("def", 342))
    ranks, ours, ref = _encodings("two_deep", extra)
    assert ref.encode_ordinary(_spell("abcdef")) == [341, 342]
    _check(ours, ref, ["abcdef", "abcde", "bcdef"] + _words("abcdef", seed=4))


@pytest.fixture(scope="module", params=["o200k_base", "cl100k_base"])
def encodings(request):
    import tiktoken

    import tokcost

    return tokcost.get_encoding(request.param), tiktoken.get_encoding(request.param)


SCRIPTS = ["LATIN", "CYRILLIC", "GREEK", "ARABIC", "HEBREW", "ARMENIAN", "DEVANAGARI", "BENGALI", "TAMIL",
           "THAI", "CJK", "HIRAGANA", "KATAKANA", "HANGUL", "GEORGIAN", "ETHIOPIC"]


def _script_tokens(ref, script):
    """Tokens of ref that are whole letters of one script, with or without a leading space."""
    found = []
    for token in ref._mergeable_ranks:
        try:
            text = token.decode("utf-8")
        except UnicodeDecodeError:
            continue
        word = text[1:] if text.startswith(" ") else text
        if word and all(unicodedata.name(ch, "").startswith(script) for ch in word):
            found.append(text)
    return sorted(found)


@pytest.mark.parametrize("script", SCRIPTS)
def test_pairs_of_tokens_of_every_script(encodings, script):
    """Two tokens of a script side by side, the second without its space: most are two tokens,
    some BPE splits elsewhere or further."""
    ours, ref = encodings
    tokens = _script_tokens(ref, script)
    if len(tokens) < 10:
        pytest.skip(f"{script}: {len(tokens)} tokens")
    rnd = random.Random(script)
    texts = [rnd.choice(tokens) + rnd.choice(tokens).lstrip(" ") for _ in range(1500)]
    two = sum(len(ref.encode_ordinary(text)) == 2 for text in texts)
    assert two > len(texts) // 10
    _check(ours, ref, texts)


def test_pairs_built_from_ranks():
    """A vocabulary built from its ranks finds its splits itself (not from the table cache)."""
    import tiktoken

    from tokcost._core import CoreBPE

    ref = tiktoken.get_encoding("cl100k_base")
    core = CoreBPE(dict(ref._mergeable_ranks), {}, "cl100k")
    rnd = random.Random(15)
    for script in ("CYRILLIC", "ARABIC", "LATIN"):
        tokens = _script_tokens(ref, script)
        for _ in range(400):
            text = rnd.choice(tokens) + rnd.choice(tokens).lstrip(" ")
            assert core.encode_ordinary(text) == ref.encode_ordinary(text), repr(text)

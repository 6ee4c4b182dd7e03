"""The character path's merges with their next lookups loaded ahead, against tiktoken.

When a pair of cache.h's ``tc_merge_units`` gets a rank, the loop starts loading the pair-cache
slots of the two pairs its token would make with the units on its left and right (and the
token's signatures), so that the lookups a merge makes find their lines on the way (round 16,
r16-arabic, NATIVE.md). Those are prefetches and change nothing; these tests make the loop meet
every place a neighbour can be (none on the left, none on the right, both; after merges, after a
waiting unit completes) in words of the scripts whose pieces merge most, and the second level's
answers for words that come back after the piece cache lost them (its bucket is prefetched for
non-ASCII pieces now), and compare the ids with tiktoken's. A mutant that stores a wrong answer
for either neighbour's pair where the prefetch is makes most of them fail (NATIVE.md).
"""

from __future__ import annotations

import random

import pytest

ENCODINGS = ["o200k_base", "cl100k_base"]
# Letters of the scripts whose words merge most on the character path, and a few that wait.
ALPHABETS = {
    "arabic": "ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأؤإئةى",
    "cyrillic": "абвгдежзийклмнопрстуфхцчшщъыьэюяё",
    "greek": "αβγδεζηθικλμνξοπρστυφχψωάέήίόύώ",
    "hebrew": "אבגדהוזחטיכלמנסעפצקרשת",
    "latin": "àáâäçèéêëìíîïñòóôöùúûüÿœß",
    "devanagari": "कखगघचछजझटठडढणतथदधनपफबभमयरलवशसह",
    "thai": "กขคงจฉชซญดตถทธนบปผพฟภมยรลวศสหอฮ",
    "cjk": "的一是了不在人有我他这中大来上国个到说们",
}


def _words(alphabet, rng, n):
    """n words of 1 to 24 letters, a few with a space or a prefix of ASCII before them."""
    for _ in range(n):
        word = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 25)))
        yield rng.choice(["", "", " ", " ", "(", "x"]) + word


def _encoders(name):
    import tiktoken

    import tokcost

    return tokcost.get_encoding(name), tiktoken.get_encoding(name)


def _assert_alone_and_joined(ours, ref, texts):
    """tiktoken's ids for each text as a call of its own, then for all of them joined by spaces."""
    for t in texts:
        assert ours.encode_ordinary(t) == ref.encode_ordinary(t), t
    joined = " ".join(texts)
    assert ours.encode_ordinary(joined) == ref.encode_ordinary(joined)


@pytest.mark.parametrize("name", ENCODINGS)
@pytest.mark.parametrize("script", sorted(ALPHABETS))
def test_words_merge_as_tiktoken(name, script):
    """Random words, each its own piece (the merge loop meets neighbours on both sides, one side,
    none), then as running text."""
    ours, ref = _encoders(name)
    rng = random.Random(f"{script}-{name}")
    _assert_alone_and_joined(ours, ref, list(_words(ALPHABETS[script], rng, 600)))


@pytest.mark.parametrize("name", ENCODINGS)
def test_real_words_glued(name):
    """Tokens of every script above glued two and three at a time: pieces whose merges build
    long tokens next to other long tokens, so a neighbour's pair is often a token too."""
    ours, ref = _encoders(name)
    rng = random.Random(name)
    by_script = {s: [] for s in ALPHABETS}
    for rank in range(ref.n_vocab):
        try:
            b = ref.decode_single_token_bytes(rank)
            t = b.decode("utf-8")
        except Exception:
            continue
        t = t.strip()
        if len(t) < 2:
            continue
        for s, alphabet in ALPHABETS.items():
            if all(ch in alphabet for ch in t):
                by_script[s].append(t)
                break
    texts = []
    for s, toks in by_script.items():
        if len(toks) < 10:
            continue
        for _ in range(300):
            texts.append("".join(rng.choice(toks) for _ in range(rng.randrange(2, 4))))
    _assert_alone_and_joined(ours, ref, texts)


@pytest.mark.parametrize("name", ENCODINGS)
def test_words_back_from_the_second_level(name):
    """Enough distinct non-ASCII words to push earlier ones out of the piece cache (32,768 slots),
    then all of them again: the second level answers, through the bucket now loaded ahead."""
    ours, ref = _encoders(name)
    rng = random.Random(f"second-{name}")
    alphabet = ALPHABETS["arabic"] + ALPHABETS["cyrillic"]
    words = list(dict.fromkeys(" " + "".join(rng.choice(alphabet) for _ in range(rng.randrange(3, 9)))
                               for _ in range(60_000)))
    text = "".join(words)
    assert ours.encode_ordinary(text) == ref.encode_ordinary(text)
    rng.shuffle(words)
    again = "".join(words)
    assert ours.encode_ordinary(again) == ref.encode_ordinary(again)

"""How the character path's merge loop finds its lowest pair, against tiktoken.

cache.h's ``tc_merge_units`` keeps each pair as a key, rank << 8 | position, so the lowest key is
the lowest rank and the leftmost of equal ranks, and finds it three ways: an AVX2 minimum over
every unit's key eight lanes at a time (lanes past the last unit hold TC_NONE); without AVX2, a
scan of the units that have a pair, and from 64 units on a tournament tree (NATIVE.md, "The
lowest pair eight keys at a time"). Words drawn from a few characters of one script repeat the
same pair at several places, so ties decide their tokens; their lengths cross every multiple of
eight units and the tree's threshold, and long words come before short ones, so a lane past the
end that held a key of the previous piece would be read. Each text is encoded with AVX2 and
without, and the ids compared with tiktoken's. Built with the rightmost pair taken on ties, 12 of
the tests fail; without the lanes past the end set to TC_NONE, they hang or crash.
"""

from __future__ import annotations

import random

import pytest

from test_word_windows import _cpu_has_avx2

from tokcost import _core

# A few letters per script, chosen so that pairs of them are tokens and repeat in a word.
ALPHABETS = {
    "thai": "กานรอเม่ีั",
    "devanagari": "कानरमेंि",
    "cyrillic": "оаевнт",
    "hangul": "다이는가",
    "arabic": "الموني",
    "cjk": "的一是了",
}
ENCODINGS = ["o200k_base", "cl100k_base"]


@pytest.fixture(params=["cpu", "scalar"])
def lowest_by(request):
    """Both ways of finding the lowest pair on this machine: AVX2 where the CPU has it, and the
    scan of the live set any x86-64 takes."""
    assert _core.use_avx2(request.param == "cpu") == (request.param == "cpu" and _cpu_has_avx2())
    yield request.param
    _core.use_avx2(True)


def _words(alphabet, seed):
    """Words of 1 to 80 characters, longest first, then in random order, and some of up to 250
    (the most units the character path takes is 256), one piece each."""
    rng = random.Random(seed)
    lengths = list(range(80, 0, -1)) + [rng.randrange(1, 81) for _ in range(120)]
    lengths += [rng.randrange(81, 251) for _ in range(20)]
    for n in lengths:
        letters = rng.sample(alphabet, rng.randrange(2, 5))
        yield "".join(rng.choice(letters) for _ in range(n))


def _check(name, texts):
    import tiktoken

    import tokcost

    ours, ref = tokcost.get_encoding(name), tiktoken.get_encoding(name)
    for text in texts:
        assert ours.encode_ordinary(text) == ref.encode_ordinary(text), text


@pytest.mark.parametrize("name", ENCODINGS)
@pytest.mark.parametrize("script", sorted(ALPHABETS))
def test_repeated_letters(lowest_by, name, script):
    _check(name, _words(ALPHABETS[script], script))


@pytest.mark.parametrize("name", ENCODINGS)
def test_pieces_one_after_another(lowest_by, name):
    """Long and short pieces in one text, so the loop runs on what the last piece left behind."""
    rng = random.Random(name)
    for script, alphabet in sorted(ALPHABETS.items()):
        words = list(_words(alphabet, script + name))
        rng.shuffle(words)
        _check(name, [" ".join(words[i:i + 12]) for i in range(0, len(words), 12)])

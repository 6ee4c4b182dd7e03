"""Runs of ASCII digits taken a run at a time (encoder.h tc_digit_pieces, pretokenize.h
tc_digit_pieces_end) against tiktoken: runs of every length from 1 to 70 between every kind of
neighbour, digits of other scripts (which \\p{N}{1,3} groups with ASCII ones) on both sides, and
made-up vocabularies where a digit group that takes such a digit is a token, or where some string
of three digits is not."""

from __future__ import annotations

import random

import pytest
import tiktoken

import tokcost

# What may stand before a run (the run then starts a piece of its own, or not: "x1" is "x", "1").
BEFORE = ["", " ", "  ", "a", "Z", "ab ", "!", " !", "$", ".", "\n", "\r\n", "\t", "'", "é", "中", "\u0663",
          "\uff11", "\u00b2", "\u2167", "\u0967", "12\u0663", "\U0001d7ce"]
# What may end it: ASCII of every kind, and characters of 0x80 and up that are \p{N} (Arabic-Indic
# and Devanagari digits, fullwidth, superscript, Roman numeral, vulgar fraction, mathematical
# digit) or not.
AFTER = ["", " ", "a", "Z", "!", ".5", "\n", "'s", "'", "/", "-", "\u0663", "\u0663\u0664", "\u0663\u0664\u0665x",
         "\uff11\uff12", "\u00b2", "\u2167", "\u00bd", "\u0967\u0968", "\U0001d7ce", "é", "中", "\u0301", "\u00a0",
         "\u3000", "\U0001f600"]


def _texts(rng: random.Random) -> list[str]:
    texts = []
    for length in range(1, 71):
        for after in AFTER:
            digits = "".join(rng.choice("0123456789") for _ in range(length))
            texts.append(rng.choice(BEFORE) + digits + after)
            texts.append(rng.choice(BEFORE) + "7" * length + after)
    return texts


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_digit_runs_between_every_neighbour(name):
    from tokcost.testing import seed_tiktoken_cache

    seed_tiktoken_cache()
    ours, theirs = tokcost.get_encoding(name), tiktoken.get_encoding(name)
    texts = _texts(random.Random(15))
    for text in texts:
        expected = theirs.encode_ordinary(text)
        assert ours.encode_ordinary(text) == expected, repr(text)
        assert ours.count(text) == len(expected), repr(text)
    # Runs at the start of a group of pieces, inside one, and long runs across many groups.
    joined = " ".join(texts) + "7" * 10_000 + "\u0663" + "31415926535" * 300
    assert ours.encode_ordinary(joined) == theirs.encode_ordinary(joined)
    assert ours.encode_ordinary_batch(texts[:500]) == theirs.encode_ordinary_batch(texts[:500])
    assert ours.count_batch(texts[:500]) == [len(ids) for ids in theirs.encode_ordinary_batch(texts[:500])]


def _made_up(name: str, ranks: dict[bytes, int]):
    pattern = tiktoken.get_encoding(name)._pat_str
    return (tokcost.Encoding(f"digits_{name}", pat_str=pattern, mergeable_ranks=ranks, special_tokens={}),
            tiktoken.Encoding(f"digits_{name}", pat_str=pattern, mergeable_ranks=ranks, special_tokens={}))


def _digit_vocabulary(extra: list[str], missing: str = "") -> dict[bytes, int]:
    """Every byte, every string of one to three digits (but `missing`), then `extra`."""
    tokens = [bytes([b]) for b in range(256)]
    tokens += [f"{x:0{n}d}".encode() for n in (2, 3) for x in range(10 ** n) if f"{x:0{n}d}" != missing]
    tokens += [t.encode() for t in extra]
    return {t: rank for rank, t in enumerate(dict.fromkeys(tokens))}


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_a_group_that_takes_a_digit_of_another_script(name):
    """Tokens that mix ASCII digits with a digit of another script, as the last group of a run takes
    it ("4٣" of "1234٣"): a run whose next character such a digit is must leave its last digits to
    the splitter."""
    arabic = [chr(c) for c in range(0x660, 0x66A)]
    extra = arabic + [d + a for d in "0123456789" for a in arabic] + [a + b for a in arabic for b in arabic]
    extra += ["12\u0663", "5\uff11", "\uff11", "9\u00b2", "\u0967", "3\u0967"]
    ours, theirs = _made_up(name, _digit_vocabulary(extra))
    rng = random.Random(3)
    texts = [b + d * n + a for n in range(1, 12) for d in ("7", "12", "4") for b in BEFORE for a in AFTER]
    texts += ["".join(rng.choice("0123456789" * 3 + "".join(arabic) + "\uff11\u00b2 x") for _ in range(rng.randint(1, 40)))
              for _ in range(2000)]
    for text in texts:
        expected = theirs.encode_ordinary(text)
        assert ours.encode_ordinary(text) == expected, repr(text)
        assert ours.count(text) == len(expected), repr(text)


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
@pytest.mark.parametrize("missing", ["123", "00", "999"])
def test_a_vocabulary_without_some_digit_string(name, missing):
    """With some string of digits not a token, its pieces go through BPE, as tiktoken's do."""
    ours, theirs = _made_up(name, _digit_vocabulary([], missing=missing))
    rng = random.Random(5)
    texts = [missing * n + a for n in range(1, 8) for a in ("", " ", "x", "\u0663")]
    texts += ["".join(rng.choice("0123456789 ,") for _ in range(rng.randint(1, 60))) for _ in range(1000)]
    texts += ["7" * 5000 + missing * 400]
    for text in texts:
        expected = theirs.encode_ordinary(text)
        assert ours.encode_ordinary(text) == expected, repr(text)
        assert ours.count(text) == len(expected), repr(text)

"""Segments of the character path, against tiktoken.

Two neighbouring characters X and Y whose boundary matters (a token that is not whole characters
may straddle it before one of them is complete) may enter the merge loop as one unit, the segment
XY, when its standalone BPE ends as one token and evolves alone until then (cache.h
``tc_segment_bpe``, NATIVE.md "Segments"). Each edge has two conditions:
- no token that is not whole characters may straddle it before the segment is complete (the
  boundary tests, with the segment's done rank);
- while the segment is unfinished with X whole as its first token (Y whole as its last), the
  merge it makes next must rank below every pair with X on the right (Y on the left): minR(X),
  minL(Y); otherwise a neighbour could take X (Y) first.
The small vocabularies below each make one of these conditions decide a result; built without
that condition, the character path gives other ids than tiktoken for their first text. The last
test encodes random words of the scripts whose segments the real encodings use (Cyrillic `о`
before a letter, Devanagari, Thai) at the start of a piece and inside it.
"""

from __future__ import annotations

import random

import pytest

PAT = r"\S+|\s+"


def _encodings(name, extra):
    """Bytes, then é (256) and ñ (257), ü (400), and the given tokens."""
    import tiktoken

    from tokcost import Encoding

    ranks = {bytes([b]): b for b in range(256)}
    for token, rank in (("é", 256), ("ñ", 257), ("ü", 400), *extra):
        ranks[token.encode("utf-8", "surrogateescape") if isinstance(token, str) else token] = rank
    ours = Encoding(name, pat_str=PAT, mergeable_ranks=ranks, special_tokens={})
    ref = tiktoken.Encoding(name, pat_str=PAT, mergeable_ranks=ranks, special_tokens={})
    return ranks, ours, ref


def _check(ours, ref, first, letters, seed):
    rnd = random.Random(seed)
    texts = [first] + ["".join(rnd.choice(letters) for _ in range(rnd.randint(2, 30))) for _ in range(2000)]
    for text in texts:
        assert ours.encode_ordinary(text) == ref.encode_ordinary(text), repr(text)
    joined = " ".join(texts)
    assert ours.encode_ordinary(joined) == ref.encode_ordinary(joined)


def test_x_whole_first_waits_for_a_left_neighbour():
    """\\xa9\\xc3 (258) makes the boundary of é and ü matter for ü (done at 400), and éü's BPE
    passes [é, ü] (next merge 500) with é whole first, but ñé ranks 450: in "ñéü" byte-level BPE
    makes ñé before éü, so éü may start a piece but not follow ñ."""
    ranks, ours, ref = _encodings("seg_left_window", (("\xa9\xc3".encode("latin-1"), 258), ("ñé", 450), ("éü", 500)))
    assert ref.encode_ordinary("ñéü") == [ranks["ñé".encode()], ranks["ü".encode()]]
    assert ref.encode_ordinary("éüñ") == [ranks["éü".encode()], ranks["ñ".encode()]]
    _check(ours, ref, "ñéü", "ñéüa", seed=1)


def test_y_whole_last_waits_for_a_right_neighbour():
    """The mirror image: éü's BPE passes [é, ü] with ü whole last, and üñ ranks 450, so in
    "éüñ" byte-level BPE makes üñ before éü, even where éü starts the piece."""
    ranks, ours, ref = _encodings("seg_right_window", (("\xa9\xc3".encode("latin-1"), 258), ("üñ", 450), ("éü", 500)))
    assert ref.encode_ordinary("éüñ") == [ranks["é".encode()], ranks["üñ".encode()]]
    _check(ours, ref, "éüñ", "ñéüa", seed=2)


def test_a_straddling_token_at_the_left_edge_comes_first():
    """é\\xc3 (259) makes the boundary of é and ü matter for ü, and éü (500) forms through it;
    ñé\\xc3 (300), not whole characters, straddles the boundary of ñ and é before éü is complete,
    so in "ñéü" éü never forms: the left edge's straddling tokens must come after the segment's
    done rank, not only after é's."""
    extra = (("é".encode() + b"\xc3", 259), ("ñé".encode() + b"\xc3", 300), ("éü", 500))
    ranks, ours, ref = _encodings("seg_left_straddle", extra)
    assert ref.encode_ordinary("ñéü") == [300, 0xBC]
    _check(ours, ref, "ñéü", "ñéüa", seed=3)


SCRIPTS = {
    "cyrillic": [chr(c) for c in range(0x0430, 0x0450)] + ["о"] * 12,
    "devanagari": [chr(c) for c in range(0x0900, 0x0950)],
    "thai": [chr(c) for c in range(0x0E01, 0x0E3B)] + [chr(c) for c in range(0x0E40, 0x0E4F)],
}


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_segments_of_real_encodings_encode_as_tiktoken(name, script):
    import tiktoken

    import tokcost

    ours, ref = tokcost.get_encoding(name), tiktoken.get_encoding(name)
    rnd = random.Random(len(script) + len(name))
    letters = SCRIPTS[script]
    texts = []
    for _ in range(1500):
        words = ["".join(rnd.choice(letters) for _ in range(rnd.choice([1, 2, 2, 3, 4, 6, 9, 20])))
                 for _ in range(rnd.randint(1, 8))]
        texts.append("".join(w + rnd.choice([" ", "", "\n", ", ", "1"]) for w in words))
    joined = "".join(texts)
    assert ours.encode_ordinary(joined) == ref.encode_ordinary(joined)
    for text in texts:
        assert ours.encode_ordinary(text) == ref.encode_ordinary(text), repr(text)

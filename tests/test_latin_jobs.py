"""Words of accented Latin letters as byte-level jobs (encoder.h, ``tc_non_ascii_kind``) against tiktoken.

Round 25 (r25-latin): a piece of up to TC_SMALL_PIECE bytes whose bytes of 0x80 and up are all
letters of U+00C0-U+027F (first bytes C3-C9: the accents of Czech, Polish, Hungarian, Turkish,
German, Finnish, Romanian), a few to the word, skips the character path and becomes a byte-level
job, so its pair-table misses overlap with other pieces'. These texts are words no vocabulary has (random, seeded, each new to the
process, so they reach the jobs and not the piece cache), built from ASCII letters and accented
letters of every first byte the rule takes (C3 to C9), few to a word (jobs) and many (the
character path), and of those beside it that it leaves to the character path (C2, CA-CB, Cyrillic
D0-D1), alone and mixed in one word, every length from 2 bytes to past TC_SMALL_PIECE, many to a
text so the pool fills and drains, and each as a text of its own (a job alone in its pool); encoded,
counted, and as a batch on two threads; and pieces at the rule's edges (the jobs' length limit, one
accented letter a TC_LATIN_BYTES_PER_ACCENT bytes).
"""

from __future__ import annotations

import random
import zlib

import pytest

ASCII = "bcdfghklmnprstvzaeiou"
TAKEN = "áéíóúýčďěňřšťůžąęłńśźżőűöüäßçğışñôâîãõåøæœÁÉČŘŠŽŁŐÜÖİŞĞơưǎǐǒǔșțȘƏəɛɐ"  # first bytes C3-C9
LEFT = "·«»\u00a0°ʰʃˈяжшё"  # C2, CA-CB, D0-D1: the character path
# (other letters, share of them among the letters): a sparse share of TAKEN makes most words jobs (at
# most one accented letter a TC_LATIN_BYTES_PER_ACCENT = 4 bytes), a dense one leaves most to the
# character path, and LEFT letters leave a word there whatever its share.
# Round 26 (r26-viet) measured three-byte letters of U+1E00-U+1EFF (E1 B8-BB: Vietnamese, Yoruba's
# dotted letters) and combining marks U+0300-U+036F (CC 80 to CD AF: Yoruba's decomposed tones) as
# jobs' letters too, each weighing more bytes of piece than a two-byte letter (branch r26-viet-tried,
# not landed: NATIVE.md, Round 26); they and their neighbours (U+1DC0, U+1DFF of E1 B7, U+1F00-U+1F01
# of E1 BC, U+02FF of CB, U+0370-U+0371 of CD B0) take the character path, and these words hold the
# range edges for any rule that moves them.
EXTENDED = "\u1e00\u1e01ḃḍḥḳṃṇṛṣṭẓẠạẢảẤấầẩẫậắằẳẵặẸẹẻẽếềểễệỉịỌọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ\u1efe\u1eff"
MARKS = "\u0300\u0301\u0302\u0303\u0304\u0306\u0308\u030c\u0323\u0331\u0340\u0350\u0360\u036e\u036f"
NEIGHBOURS = "\u1dc0\u1dff\u1f00\u1f01\u02ff\u0370\u0371"
ALPHABETS = {"taken": (TAKEN, 0.12), "dense": (TAKEN, 0.5), "left": (LEFT, 0.12), "both": (TAKEN + LEFT, 0.12),
             "accents": (TAKEN, 1.0), "extended": (EXTENDED, 0.12), "extended dense": (EXTENDED, 0.5),
             "marks": (MARKS, 0.12), "marks dense": (MARKS, 0.5), "neighbours": (NEIGHBOURS, 0.12),
             "yoruba and vietnamese": (TAKEN + EXTENDED + MARKS, 0.2),
             "all with neighbours": (TAKEN + EXTENDED + MARKS + NEIGHBOURS, 0.2)}
ENCODINGS = ["o200k_base", "cl100k_base", "r50k_base"]
# Bytes of piece a letter of each class weighed in round 26's tried density bound (r26-viet-tried).
WEIGHTS = {"extended": 6, "mark": 4}


def _words(rng: random.Random, alphabet: tuple[str, float], lengths) -> list[str]:
    other, share = alphabet
    return ["".join(rng.choice(other) if rng.random() < share else rng.choice(ASCII) for _ in range(n))
            for n in lengths]


def _each_and_joined_encode_as_tiktoken(ours, ref, texts: list[str]) -> None:
    """Each text alone (a job alone in its pool), then all of them as one text, encoded and counted."""
    for text in texts:
        assert ours.encode_ordinary(text) == ref.encode_ordinary(text), text
    joined = "".join(texts)
    assert ours.encode_ordinary(joined) == ref.encode_ordinary(joined)
    assert ours.count(joined) == len(ref.encode_ordinary(joined))


def _broken_among_new_words_encode_as_tiktoken(ours, ref, rng: random.Random, alphabet, broken: list[bytes]) -> None:
    """Each broken sequence, 20 times, cut in between the characters of twelve new words, as raw bytes."""
    for bad in broken:
        for _ in range(20):
            words = " ".join(_words(rng, alphabet, rng.choices(range(2, 14), k=12))).encode()
            at = rng.randrange(len(words) + 1)
            while at < len(words) and 0x80 <= words[at] < 0xC0:  # cut between characters
                at += 1
            raw = words[:at] + bad + words[at:]
            assert ours.encode_bytes(raw) == ref._encode_bytes(raw), raw


@pytest.mark.parametrize("alphabet", list(ALPHABETS))
@pytest.mark.parametrize("name", ENCODINGS)
def test_new_accented_words_of_every_length(name, alphabet):
    import tiktoken

    import tokcost

    ours, ref = tokcost.get_encoding(name), tiktoken.get_encoding(name)
    letters = ALPHABETS[alphabet]
    rng = random.Random(zlib.crc32(f"r25 latin {name} {alphabet}".encode()))  # the same words every run
    # Characters, not bytes: 2 to 60 characters reach past TC_SMALL_PIECE (96 bytes) with two-byte letters.
    lengths = [*range(2, 61), *rng.choices(range(2, 20), k=300)]
    for sep in (" ", "\n", "-", ". "):
        text = sep.join(_words(rng, letters, lengths))
        expected = ref.encode_ordinary(text)
        assert ours.encode_ordinary(text) == expected
        assert ours.count(text) == len(expected)
    for word in _words(rng, letters, [*range(2, 61)]):   # one piece a text: a job alone in its pool
        assert ours.encode_ordinary(" " + word) == ref.encode_ordinary(" " + word), word
    batch = [" ".join(_words(rng, letters, rng.choices(range(2, 16), k=40))) for _ in range(30)]
    assert ours.encode_ordinary_batch(batch, num_threads=2) == [ref.encode_ordinary(t) for t in batch]
    batch = [" ".join(_words(rng, letters, rng.choices(range(2, 16), k=40))) for _ in range(30)]
    assert ours.count_batch(batch, num_threads=2) == [len(ref.encode_ordinary(t)) for t in batch]


@pytest.mark.parametrize("name", ENCODINGS)
def test_accented_pieces_at_the_job_length_limit(name):
    """Pieces of 94 to 99 bytes (TC_SMALL_PIECE is 96): a two-byte letter, a three-byte letter of
    U+1E00-U+1EFF or a letter and its combining mark at the start, the end, or across the limit, so
    the rule sees pieces just inside and just past the jobs' room."""
    import tiktoken

    import tokcost

    ours, ref = tokcost.get_encoding(name), tiktoken.get_encoding(name)
    rng = random.Random(f"r25 latin limit {name}")
    texts = []
    for letter in (lambda: rng.choice(TAKEN), lambda: rng.choice(EXTENDED), lambda: "a" + rng.choice(MARKS)):
        for total in range(94, 100):
            for at in (0, 1, total // 2, total - 4, total - 3, total - 2):
                one = letter()
                letters = [rng.choice(ASCII) for _ in range(total - 1 - len(one.encode()))]
                letters.insert(min(at, len(letters)), one)
                texts.append(" " + "".join(letters))
                assert len(texts[-1].encode()) == total
    _each_and_joined_encode_as_tiktoken(ours, ref, texts)


@pytest.mark.parametrize("name", ENCODINGS)
def test_accented_pieces_at_the_density_limit(name):
    """A job takes a Latin piece of n bytes with k accented letters when 4k <= n: pieces of k = 1 to 6
    accented letters and 4k - 2 to 4k + 2 bytes, the letters at the start, spread, or at the end."""
    import tiktoken

    import tokcost

    ours, ref = tokcost.get_encoding(name), tiktoken.get_encoding(name)
    rng = random.Random(f"r25 latin density {name}")
    texts = []
    for k in range(1, 7):
        for total in range(4 * k - 2, 4 * k + 3):
            n_ascii = total - 2 * k - 1  # the leading space is one byte, each accented letter two
            if n_ascii < 0:
                continue
            accents = [rng.choice(TAKEN) for _ in range(k)]
            ascii_letters = [rng.choice(ASCII) for _ in range(n_ascii)]
            for word in (accents + ascii_letters, ascii_letters + accents,
                         [c for pair in zip(accents, [*ascii_letters, *[""] * k]) for c in pair] + ascii_letters[k:]):
                texts.append(" " + "".join(word))
    _each_and_joined_encode_as_tiktoken(ours, ref, texts)


@pytest.mark.parametrize("name", ENCODINGS)
def test_broken_accented_letters_in_raw_bytes(name):
    """Bad input beside the rule: raw bytes of new accented words (``encode_bytes``) in which one letter
    is broken (a lead byte C3-C9 alone, before an ASCII letter or at the end, a continuation byte alone,
    an overlong form), so the valid words before it go through the rule and the rest through plain BPE,
    as tiktoken's ``_encode_bytes`` does."""
    import tiktoken

    import tokcost

    ours, ref = tokcost.get_encoding(name), tiktoken.get_encoding(name)
    rng = random.Random(f"r25 latin raw {name}")
    broken = [b"\xc3", b"\xc5k", b"\xc9 ", b"\xa9", b"\x80\x80", b"\xc0\xa9", b"\xc3\xc3\xa9"]
    _broken_among_new_words_encode_as_tiktoken(ours, ref, rng, ALPHABETS["taken"], broken)


@pytest.mark.parametrize("name", ENCODINGS)
def test_broken_extended_letters_and_marks_in_raw_bytes(name):
    """Round 26's classes broken in raw bytes, among new words of them: a three-byte letter cut short
    (E1 alone, E1 B8 or E1 BB then an ASCII letter, a space or the end), its continuation bytes alone,
    a mark's lead byte alone (CC, CD, CD before a space), CD B0 (U+0370, just past the marks), an
    overlong three-byte form (E0 81 80), as tiktoken's ``_encode_bytes`` encodes them."""
    import tiktoken

    import tokcost

    ours, ref = tokcost.get_encoding(name), tiktoken.get_encoding(name)
    rng = random.Random(f"r26 viet raw {name}")
    broken = [b"\xe1", b"\xe1\xb8", b"\xe1\xbbk", b"\xe1\xbb ", b"\xbb\x87", b"\xb8", b"\xcc", b"\xcdk",
              b"\xcd ", b"\xcd\xb0", b"\xe0\x81\x80", b"\xe1\xe1\xbb\x87"]
    _broken_among_new_words_encode_as_tiktoken(ours, ref, rng, ALPHABETS["yoruba and vietnamese"], broken)


@pytest.mark.parametrize("name", ENCODINGS)
def test_extended_letters_and_marks_at_the_density_limit(name):
    """Round 26's tried rule (r26-viet-tried) made a job of a piece whose letters weigh at most its
    bytes, a two-byte letter 4 (TC_LATIN_BYTES_PER_ACCENT), a letter of U+1E00-U+1EFF and a combining
    mark as WEIGHTS says: pieces of k = 1 to 6 such letters (or a letter and its mark) of one class,
    and of the classes mixed, of w - 3 to w + 3 bytes where w is their weight, the letters at the
    start, spread, or at the end; the two-byte letters' bound is round 25's, in cache.h."""
    import tiktoken

    import tokcost

    ours, ref = tokcost.get_encoding(name), tiktoken.get_encoding(name)
    rng = random.Random(f"r26 viet density {name}")
    classes = [(TAKEN, 4), (EXTENDED, WEIGHTS["extended"]), (MARKS, WEIGHTS["mark"])]
    texts = []
    for k in range(1, 7):
        for mixed in (False, True):
            picks = [rng.choice(classes) if mixed else classes[k % 3] for _ in range(k)]
            specials = ["a" + rng.choice(chars) if chars is MARKS else rng.choice(chars) for chars, _ in picks]
            weight = sum(w for _, w in picks)
            for total in range(weight - 3, weight + 4):
                n_ascii = total - 1 - sum(len(c.encode()) for c in specials)
                if n_ascii < 0:
                    continue
                ascii_letters = [rng.choice(ASCII) for _ in range(n_ascii)]
                for word in (specials + ascii_letters, ascii_letters + specials,
                             [c for pair in zip(specials, [*ascii_letters, *[""] * k]) for c in pair] + ascii_letters[k:]):
                    texts.append(" " + "".join(word))
                    assert len(texts[-1].encode()) == total
    _each_and_joined_encode_as_tiktoken(ours, ref, texts)

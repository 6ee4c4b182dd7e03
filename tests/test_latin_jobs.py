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
ALPHABETS = {"taken": (TAKEN, 0.12), "dense": (TAKEN, 0.5), "left": (LEFT, 0.12), "both": (TAKEN + LEFT, 0.12),
             "accents": (TAKEN, 1.0)}
ENCODINGS = ["o200k_base", "cl100k_base", "r50k_base"]


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
    """Pieces of 94 to 99 bytes (TC_SMALL_PIECE is 96): a two-byte letter at the start, the end, or
    across the limit, so the rule sees pieces just inside and just past the jobs' room."""
    import tiktoken

    import tokcost

    ours, ref = tokcost.get_encoding(name), tiktoken.get_encoding(name)
    rng = random.Random(f"r25 latin limit {name}")
    texts = []
    for total in range(94, 100):
        for at in (0, 1, total // 2, total - 3, total - 2):
            letters = [rng.choice(ASCII) for _ in range(total - 2)]
            letters.insert(min(at, len(letters)), rng.choice(TAKEN))
            texts.append(" " + "".join(letters))
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
    for bad in broken:
        for _ in range(20):
            words = " ".join(_words(rng, ALPHABETS["taken"], rng.choices(range(2, 14), k=12))).encode()
            at = rng.randrange(len(words) + 1)
            while at < len(words) and 0x80 <= words[at] < 0xC0:  # cut between characters
                at += 1
            raw = words[:at] + bad + words[at:]
            assert ours.encode_bytes(raw) == ref._encode_bytes(raw), raw

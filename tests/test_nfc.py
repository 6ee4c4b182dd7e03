"""Qwen's NFC step: ``_core.nfc`` and ``load._nfc`` against ``unicodedata.normalize``.

``_core.nfc`` runs NFC's quick check (UAX #15) natively from tables generated from this
interpreter's ``unicodedata`` (``gen_nfc_table.py``), cuts the text before each starter NFC never
changes, and normalises each part the check doubts alone: full canonical decomposition (Hangul by
arithmetic), canonical reordering, canonical composition. Every test here compares it with
``unicodedata`` itself, and checks that a text NFC leaves alone comes back as the same object.
"""

from __future__ import annotations

import itertools
import random
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokcost import _core
from tokcost import load
from tokcost.load import _nfc

# Marks with NFC_Quick_Check=Yes of combining classes 1, 220 and 230, and marks that compose with
# what precedes them (Maybe): ordering and composition around each code point.
_YES_MARKS = ["\u0334", "\u0316", "\u0305"]
_MAYBE_MARKS = ["\u0301", "\u093c", "\u3099", "\u1161"]


def _contexts(c: str) -> list[str]:
    return ["a" + c + "b", "\u0436" + c, c + "\u0301", c + "\u0316", "e\u0316" + c, "e\u0305" + c + "\u0334",
            "\u0334" + c, c + c + "\u0305", "\u1100" + c + "\u11a8", c + "\u0323\u0302", "a\u0323" + c + "\u0302"]


def _check(text: str) -> None:
    """``_core.nfc`` and ``_nfc`` are ``unicodedata.normalize``; the text itself when it is NFC."""
    want = unicodedata.normalize("NFC", text)
    got = _core.nfc(text)
    assert got == want, ascii(text)
    assert (got is text) == (want == text), ascii(text)
    assert _nfc(text) == want, ascii(text)


def test_the_table_is_this_interpreters_unicodedata():
    assert _core.NFC_UNICODE_VERSION == unicodedata.unidata_version
    assert load._NFC_TABLE_FITS


@pytest.mark.parametrize("block", range(17))
def test_every_code_point_in_contexts(block):
    """Every code point of a plane (surrogates too: a str may hold them) beside letters, marks of
    each kind, Hangul jamo, a composing sequence and itself."""
    for cp in range(block << 16, (block + 1) << 16):
        for text in _contexts(chr(cp)):
            _check(text)


def test_text_that_is_nfc_comes_back_itself(parallel_corpus_dir):
    """The quick check answers Yes natively for starters and the Quick_Check=Yes marks of the
    world's scripts: Thai's and Arabic's marks, Devanagari's virama, Hangul, CJK, Cyrillic."""
    for text in ["", "plain ASCII", "caf\u00e9 \u00a9", "\u0416\u0438\u0437\u043d\u044c", "\u4e2d\u6587 \u65e5\u672c\u8a9e",
                 "\ud55c\uad6d\uc5b4", "\u0e01\u0e38\u0e48\u0e07", "\u0643\u064e\u062a\u064e\u0628\u064e",
                 "\u0928\u092e\u0938\u094d\u0924\u0947", "\U0001f600 \U00020000", "a\u0334\u0316\u0305"]:
        assert _core.nfc(text) is text, ascii(text)
    for lang in ("tha_Thai", "pes_Arab", "zho_Hans", "kor_Hang", "ukr_Cyrl", "jpn_Jpan"):
        text = (parallel_corpus_dir / f"{lang}.txt").read_text(encoding="utf-8")
        assert unicodedata.is_normalized("NFC", text) and _core.nfc(text) is text, lang


def test_random_texts_of_every_kind():
    rnd = random.Random(22)
    pool = ["a", "e", " ", "\n", "\u0436", "\u0418", "\u1100", "\uac00", "\u0928", "\u0627", "\u0e01", "\u304b",
            "\u00e9", "\u0958", "\u0f73", "\u0344", "\u212b", "\U0001d15e", "\U0001f600", "\ud800"] + _YES_MARKS + _MAYBE_MARKS
    for _ in range(20000):
        _check("".join(rnd.choice(pool) for _ in range(rnd.randint(0, 30))))


def test_one_character_at_every_position_of_every_length():
    """ASCII texts of every length up to 70 with one character of 0x80 and up (or one that
    composes with the letter before it) at each position, in strings of each width: ``_core.nfc``
    reads ASCII and U+0400-U+047F eight code units at a time, so each lane of the wide steps and
    of the units after them must still see what NFC changes."""
    passed = ["\u0436", "\u0400", "\u047f", "\u0480", "\u00e9", "\u2014", "\U0001f600", "\u0483", "\u0c00"]
    changed = ["e\u0301", "\u0418\u0306", "\u1100\u1161", "\u0958", "\u0344", "\u2126", "\u0483\u0334",
               "\U0001d15e"]
    for c in passed + changed:
        for n in range(len(c), 71):
            for p in range(n - len(c) + 1):
                for text in ["x" * p + c + "y" * (n - p - len(c)), "\u0436" + "x" * p + c + "y" * (n - p - len(c))]:
                    for text in [text, text + "\u0436"]:
                        got = _core.nfc(text)
                        assert got == unicodedata.normalize("NFC", text), (ascii(c), n, p)
                        assert (got is text) == (c in passed), (ascii(c), n, p)


def test_every_code_unit_at_the_end_of_a_wide_step():
    """Each code point of the BMP as the eighth unit of one of ``_core.nfc``'s eight-unit steps, then
    a mark: one of class 1 (U+0334), which NFC reorders before every mark of a higher class, and
    U+0301, which composes with what precedes it. Only ASCII and U+0400-U+047F may pass a wide step,
    and the part after one begins at its last unit; a step that took more (Cyrillic's marks
    U+0483-U+0487 of class 230) or a part that began after it would give another text than
    ``unicodedata`` here, where the contexts of ``test_every_code_point_in_contexts`` are too short
    for a wide step (round 22)."""
    for cp in range(0x10000):
        c = chr(cp)
        _check("a" * 7 + c + "\u0334")  # the step of a text's first eight units
        _check("\u0436" * 15 + c + "\u0301")  # the steps after a run of them


def test_another_unicode_version_falls_back_to_unicodedata(monkeypatch):
    monkeypatch.setattr(load, "_NFC_TABLE_FITS", False)
    for text in ["e\u0301", "\u0436\u0301 x", "\u1100\u1161\u11a8", "plain"]:
        assert _nfc(text) == unicodedata.normalize("NFC", text)
    with pytest.raises(TypeError):
        _nfc(b"x")


def _canonical_decompositions() -> list[str]:
    return [chr(cp) for cp in range(0x110000)
            if unicodedata.decomposition(chr(cp)) and not unicodedata.decomposition(chr(cp)).startswith("<")]


def test_every_canonical_decomposition_alone_and_beside_marks():
    """Each code point with a canonical decomposition (decomposed fully, then composed again, or
    not: exclusions, singletons, non-starter decompositions) alone, doubled, after a letter and
    marks, and before marks of lower, equal and higher classes than its own."""
    for c in _canonical_decompositions():
        for text in [c, c + c, "a" + c, "\u0316\u0301" + c, "o\u031b" + c, c + "\u0334", c + "\u0316\u0301",
                     c + "\u0345", c + "\u0301", c + "\u0323\u0302", c + "\u0f72\u0f71", c + "\u05b0\u0591"]:
            _check(text)


def test_hangul_syllables_and_jamo():
    """Every syllable alone and before each trailing consonant (and U+11A7 before the first, which
    is none); every L V and L V T; broken sequences: a mark or a second jamo between, an LVT and
    another T, a V or T alone, the code points just outside each jamo range."""
    ts = [chr(t) for t in range(0x11A7, 0x11C4)]
    for s in range(0xAC00, 0xD7A4):
        _check(chr(s))
        _check(chr(s) + "\u11a8")
    for s in range(0xAC00, 0xD7A4, 28):
        for t in ts:
            _check(chr(s) + t)
    for lead in range(0x10FF, 0x1114):
        for vowel in range(0x1160, 0x1177):
            lv = chr(lead) + chr(vowel)
            _check(lv)
            for t in ts:
                _check(lv + t)
            for broken in [chr(lead) + "\u0301" + chr(vowel), chr(lead) + chr(lead) + chr(vowel), lv + "\u0334\u11a8",
                           lv + "\u11a8\u11a8", lv + chr(vowel), chr(vowel) + "\u11a8",
                           "\u11a8" + chr(lead) + chr(vowel),
                           lv + "\u302e", "a" + lv + "\u0301"]:
                _check(broken)


# Marks of classes 1, 10, 129, 130, 132, 202, 216, 220, 230 and 240; most compose with a starter.
_RUN_MARKS = ["\u0334", "\u05b0", "\u0f71", "\u0f72", "\u0f74", "\u0327", "\u031b", "\u0323", "\u0316", "\u0301",
              "\u0302", "\u0308", "\u0345"]
_RUN_STARTERS = ["a", "o", "u", "e", "\u03c9", "\u1e0b", "\u00f4", "\u1ea1", "\u0f40", "\u0915", "\u09c7", "\u0b47",
                 "\u1100", "\u0415", "\u03b1", "\u01a1"]


def test_runs_of_marks_in_every_order():
    """Runs of 2-3 marks of different classes in every order, and of 4-5 in every order of a
    smaller set, after several starters, with a second starter after them: compositions blocked
    and unblocked (U+0061 U+0323 U+0302, U+1E0B U+0323, U+0F71 U+0F72 U+0F74)."""
    for text in ["a\u0323\u0302", "\u1e0b\u0323", "\u0f71\u0f72\u0f74", "\u0f40\u0f74\u0f72\u0f71"]:
        _check(text)
    runs = [run for n in (2, 3) for run in itertools.permutations(_RUN_MARKS, n)]
    six = ["\u0334", "\u031b", "\u0323", "\u0301", "\u0345", "\u0302"]
    runs += [run for n in (4, 5) for run in itertools.permutations(six, n)]
    for run in runs:
        marks = "".join(run)
        for starter in _RUN_STARTERS:
            _check(starter + marks)
            _check(starter + marks + "\u0301" + starter)


def test_exclusions_singletons_and_non_starter_decompositions():
    """Code points NFC decomposes and never composes again, alone, after a letter, before marks."""
    for c in ["\u0344", "\u0f73", "\u0f75", "\u0f81", "\u0958", "\u095f", "\u2126", "\u212b", "\u0340", "\u0341",
              "\u0343", "\u0374", "\u037e", "\u0387", "\u1f71", "\ufb1d", "\ufb2c", "\u2adc", "\U0001d15e",
              "\U0001d160", "\U0002f800"]:
        assert unicodedata.normalize("NFC", c) != c
        for text in [c, "a" + c, c + "\u0301", "\u0f40" + c + "\u0f72", c * 3, "\u0436" * 9 + c]:
            _check(text)


def test_text_that_grows_and_shrinks():
    """Texts NFC makes longer (each part growing past what the first change reserved) or shorter,
    mark runs longer than insertion sorts, and a run of 100,000 marks in falling classes (linear:
    sorted by counting)."""
    rnd = random.Random(23)
    marks = _RUN_MARKS + _YES_MARKS + _MAYBE_MARKS
    for text in ["\u0958" * 1000, "e\u0301" * 1000, "\U0001d160" * 5000, "x" + "\U0001d160" * 5000,
                 "\u0f73" * 3000 + "e\u0301" * 3000, "\u1100\u1161" * 2000, "\u0436" * 500 + "\ufb2c" * 2000,
                 "a" + "".join(rnd.choice(marks) for _ in range(1000)),
                 "".join(rnd.choice(marks + ["a", "\u0958", "\u1100"]) for _ in range(20000))]:
        _check(text)
    for n in range(30, 70):
        _check("a" + "\u0301\u0323\u0334" * n)
        _check("\u0334" * n + "\u0301" * n + "\u0316" * n)
    _check("e" + "\u0301\u0316\u0334" * 33333 + "\u0301")


def test_a_run_sorted_by_counting_that_outgrows_the_work_buffer():
    """The work buffer holds four units per code point of a part (the most one decomposes into); a
    run of more than 32 marks is sorted by counting into room after the units, grown for it (the
    buffer may move) when the decomposition and the run outgrow that: a Greek letter of four units
    (U+1F82: alpha and three marks) before marks that decompose into two marks each (U+0344, U+0F73,
    U+0F75, U+0F81), 4 + 2 k units and a run of 3 + 2 k in a part of 1 + k code points. No other test
    here grows it: a run of its own marks, or of marks after a letter, fits in the four units a code
    point (round 23's harden; a reorder that kept the pointer from before the growth passed them)."""
    for first in ["\u1f82", "\u1f8f", "\u1faf"]:
        for mark in ["\u0344", "\u0f73", "\u0f75", "\u0f81"]:
            for k in range(12, 80):
                for text in [first + mark * k, "x" + first + mark * k + "\u0301", "\U0001f600" + first + mark * k]:
                    _check(text)

def test_every_flores_file_whole(flores_dir):
    """All 56 FLORES-200 files, each one text; Yoruba's and Vietnamese's are not all NFC."""
    paths = sorted(flores_dir.glob("*_*.txt"))
    assert len(paths) == 56
    for path in paths:
        _check(path.read_text(encoding="utf-8"))


_ALPHABET = ["a", "e", "o", " ", "\u0436", "\u1100", "\u1161", "\u11a8", "\uac00", "\u0915", "\u093c", "\u09c7",
             "\u09be", "\u0f40", "\u00e9", "\u1e0b", "\u0958", "\u0f73", "\u0344", "\u2126", "\u0340",
             "\U00011099", "\U000110ba", "\U0001d15e", "\U0001d165", "\U0001f600", *_RUN_MARKS, *_MAYBE_MARKS]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_ALPHABET), max_size=40))
def test_hypothesis_mixed_starters_and_marks(parts):
    _check("".join(parts))


def test_string_kinds():
    """A 1-byte str comes back itself; a 2-byte one may come back 1-byte, a 4-byte one 2-byte, and
    a 2-byte one 4-byte (U+FA6C decomposes to U+242EE), also after parts already normalised in 16
    bits; astral code points compose (Kaithi, Grantha) and decompose (musical symbols)."""
    latin1 = "".join(map(chr, range(256)))
    assert _core.nfc(latin1) is latin1
    for text, want in [("e\u0301", "\u00e9"), ("\U00011099\U000110ba", "\U0001109a"),
                       ("\U0001f600e\u0301", "\U0001f600\u00e9"),
                       ("\U0001d15e", "\U0001d157\U0001d165"), ("\U00011347\U0001133e", "\U0001134b"),
                       ("\U0002f800x", "\u4e3dx"), ("\U0001f600\u0958", "\U0001f600\u0915\u093c"),
                       ("\ufa6c", "\U000242ee"), ("a\u0301" * 300 + "\ufad0" + "\u0958" * 300,
                                                 "\u00e1" * 300 + "\U00022844" + "\u0915\u093c" * 300)]:
        assert unicodedata.normalize("NFC", text) == want
        _check(text)
        _check(want)
    # One part (U+0958 and U+FA6C are no starters NFC leaves alone) that grows, widened midway.
    for k in range(40):
        for text in ["\u0958" * k + "\ufa6c", "\ufa6c" + "\u0958" * k, "x" * k + "\u0958" * k + "\ufa6c\u0958",
                     "\u0f73" * k + "\ufa6c" * k]:
            _check(text)


def _composing_pairs() -> dict[str, list[str]]:
    """For each second code point of a canonical composition NFC makes (from ``unicodedata``: a
    canonical mapping a b whose NFC is the one code point; Hangul L V and LV T as ch. 3.12 has
    them), the first code points it composes with."""
    firsts: dict[str, list[str]] = {}
    for cp in range(0x110000):
        mapping = unicodedata.decomposition(chr(cp))
        if mapping and not mapping.startswith("<") and len(mapping.split()) == 2:
            a, b = (chr(int(part, 16)) for part in mapping.split())
            if unicodedata.normalize("NFC", a + b) == chr(cp):
                firsts.setdefault(b, []).append(a)
    for v in range(0x1161, 0x1176):
        firsts[chr(v)] = [chr(lead) for lead in range(0x1100, 0x1113)]
    for t in range(0x11A8, 0x11C3):
        firsts[chr(t)] = [chr(s) for s in range(0xAC00, 0xD7A4, 28)]
    return firsts


# The first mark of each of the 55 combining classes, and Maybe marks of classes 7, 9, 230 and 240:
# what may come before and after a Maybe code point.
_MARK_OF_EACH_CLASS = sorted({unicodedata.combining(chr(cp)): chr(cp) for cp in range(0x30000, -1, -1)
                              if unicodedata.combining(chr(cp))}.values(), key=unicodedata.combining)
_MAYBE_SAMPLE_MARKS = ["\u093c", "\u0dca", "\u0301", "\u0345"]


def test_every_maybe_code_point_after_what_composes_with_it_and_after_others():
    """The scan counts a Maybe code point (the second of some composition) as Yes when it cannot
    compose with what precedes it (``_nfc_maybe_class``): each one after each code point it composes
    with, after every starter that decomposes, after a mark of each class, after Hangul L, LV and
    LVT syllables, plain starters and at the text's start, then before nothing, a starter, marks of
    lower and higher classes (each alone, rising and falling) and itself; each in 16- and 32-bit
    strings and after eight ASCII units (the scan's wide step)."""
    firsts = _composing_pairs()
    decomposing = [c for c in _canonical_decompositions() if unicodedata.normalize("NFC", c) == c]
    others = (decomposing + [chr(0x61) + m for m in _MARK_OF_EACH_CLASS + _MAYBE_SAMPLE_MARKS]
              + ["\u1100", "\uac00", "\uac01", "\ud7a3", "\u1161", "\u11a8", "", "a", "\u0915", "\u0995",
                 "\u0d9a", "\u0b15", "\u0b95", "\u0d15", "\u0c95", "\u09c7\u09be", "\u0dd9\u0dcf"])
    low, high = _MARK_OF_EACH_CLASS[0], _MARK_OF_EACH_CLASS[-1]
    assert len(firsts) > 100 and unicodedata.combining(low) == 1 and unicodedata.combining(high) == 240
    cases = 0
    for second, composers in firsts.items():
        assert unicodedata.normalize("NFC", second) == second
        k = unicodedata.combining(second)
        below = [m for m in _MARK_OF_EACH_CLASS if unicodedata.combining(m) < k][-1:]
        above = [m for m in _MARK_OF_EACH_CLASS if unicodedata.combining(m) > k][:1]
        after = ["", "b", low, high, second, low + high, high + low, "\u0301", "\u0dca", *below, *above]
        for before in composers + others:
            for tail in after:
                text = before + second + tail
                _check(text)
                _check("abcdefgh" + text)
                _check("\U0001f600" + text)
                cases += 3
    assert cases > 500_000


def test_maybe_code_points_back_to_back():
    """Strings of Maybe code points (Indic vowel signs, Hangul V and T jamo, Sinhala's U+0DCA of
    class 9, Latin's composing marks) with the starters they compose with and marks between."""
    rnd = random.Random(24)
    firsts = _composing_pairs()
    seconds = sorted(firsts)
    starters = sorted({a for composers in firsts.values() for a in composers[:8]})
    pool = seconds + starters + _MARK_OF_EACH_CLASS[:: 6] + ["a", " ", "\u0995", "\u0d9a"]
    for _ in range(20000):
        _check("".join(rnd.choice(seconds) for _ in range(rnd.randint(1, 8))))
        _check("".join(rnd.choice(pool) for _ in range(rnd.randint(1, 16))))
    for text in ["\u09be" * 50, "\u0dcf\u0dca\u0dcf\u0dca", "\u1161\u11a8" * 30, "\u0995\u09be\u09d7\u09be",
                 "\u0b15\u0b3e\u0b56\u0b57", "\u0d9a\u0dca\u0dcf", "\u0dd9\u0dca\u0dcf", "\uac00\u11a8\u11a8"]:
        _check(text)

"""Qwen's NFC step: ``_core.nfc_stable`` against ``unicodedata`` on every code point.

``load._nfc`` returns a text unchanged when ``nfc_stable`` says every character is ASCII or in
``NFC_STABLE_RANGES``. That is exact if no character of the ranges can change under NFC wherever
it stands: each is assigned, of canonical combining class 0, its own NFC, and never the second
of a canonical composition (so NFC_Quick_Check=Yes: UAX #15's quick check answers Yes for a text
of them). Checked here for every code point of the ranges, beside starters that compose with
others, and ``nfc_stable`` against the ranges for every code point in strings of each width.
"""

from __future__ import annotations

import random
import unicodedata

from tokcost import _core

# Hangul medial vowels and final consonants compose algorithmically (no decomposition entry).
_HANGUL_SECONDS = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))
# Starters that begin compositions: Latin, Greek, Cyrillic, Hangul leading consonant and LV
# syllable, Devanagari, Tamil and Kannada vowel carriers, kana.
_STARTERS = ["a", "e", "o", "ε", "и", "ᄀ", "가", "अ", "क", "ஒ", "ொ", "ಕ", "か", "ウ", "ᬅ"]


def _stable_code_points():
    return [cp for lo, hi in _core.NFC_STABLE_RANGES for cp in range(lo, hi + 1)]


def _composition_seconds():
    seconds = set(_HANGUL_SECONDS)
    for cp in range(0x110000):
        mapping = unicodedata.decomposition(chr(cp))
        if mapping and not mapping.startswith("<"):
            parts = mapping.split()
            if len(parts) == 2:
                seconds.add(int(parts[1], 16))
    return seconds


def test_every_stable_code_point_never_changes_under_nfc():
    seconds = _composition_seconds()
    cps = _stable_code_points()
    assert len(cps) == len(set(cps))
    for cp in cps:
        c = chr(cp)
        assert unicodedata.category(c) != "Cn", hex(cp)
        assert unicodedata.combining(c) == 0, hex(cp)
        assert unicodedata.normalize("NFC", c) == c, hex(cp)
        assert unicodedata.combining(unicodedata.normalize("NFD", c)[0]) == 0, hex(cp)
        assert cp not in seconds, hex(cp)
    chars = [chr(cp) for cp in cps]
    for starter in _STARTERS:
        text = " ".join(starter + c + starter for c in chars)
        assert unicodedata.normalize("NFC", text) == text, starter


def test_nfc_stable_is_the_ranges_on_every_code_point():
    """Each code point after an ASCII letter and after a stable one (a string of width 2), and
    each non-BMP one (width 4, never stable): ``nfc_stable`` says yes exactly for the ranges."""
    stable = set(_stable_code_points())
    assert set(range(0x80, 0x100)) <= stable  # width-1 strings are answered without a look
    for cp in range(0x80, 0x110000):
        if 0xD800 <= cp < 0xE000:
            continue
        c = chr(cp)
        expected = cp in stable
        assert _core.nfc_stable("a" + c) is expected, hex(cp)
        assert _core.nfc_stable("ж" + c + "b") is expected, hex(cp)
    assert _core.nfc_stable("plain ASCII") and _core.nfc_stable("") and _core.nfc_stable("café ©")
    assert not _core.nfc_stable("e\u0301") and not _core.nfc_stable("가\u11a8") and not _core.nfc_stable(b"x")


def test_stable_texts_are_their_own_nfc():
    """Random texts of stable, unstable and ASCII characters: whenever ``nfc_stable`` says yes,
    NFC leaves the text as it is, and Qwen's step gives what ``unicodedata.normalize`` gives."""
    from tokcost.load import _nfc

    rnd = random.Random(15)
    stable = [chr(cp) for cp in _stable_code_points()]
    unstable = ["\u0301", "\u0308", "\u093c", "\u3099", "\u1161", "\u11a8", "\u0bbe", "\u2000", "\u0344", "\U0001d15e"]
    said_yes = 0
    for _ in range(4000):
        pool = stable if rnd.random() < 0.7 else stable + unstable
        text = "".join(rnd.choice(pool) if rnd.random() < 0.5 else rnd.choice(" aeoik\n") for _ in range(rnd.randint(0, 40)))
        if _core.nfc_stable(text):
            said_yes += 1
            assert unicodedata.normalize("NFC", text) == text, repr(text)
        assert _nfc(text) == unicodedata.normalize("NFC", text), repr(text)
    assert said_yes > 2000


def test_one_character_at_every_position_of_every_length():
    """ASCII texts of every length up to 70 with one character of 0x80 and up at each position, in
    strings of each width: ``nfc_stable`` reads ASCII and U+0400-U+047F eight code units at a time,
    so each lane of the wide steps and of the units left after them must still see that character."""
    stable = set(_stable_code_points())
    # Stable and unstable characters of width 2 (U+0400-U+047F are read eight at a time, U+0483 is
    # a combining mark beside them), one of width 1 (all stable) and of width 4.
    for c in ("ж", "\u0400", "\u047f", "\u0480", "\u0483", "\u0301", "\u093c", "\u0c00", "é", "\U0001f600", "\u2014"):
        for n in range(71):
            for p in range(n):
                text = "x" * p + c + "y" * (n - p - 1)
                expected = c.isascii() or ord(c) in stable
                assert _core.nfc_stable(text) is expected, (c, n, p)
                # A stable character of width 2 first, so every text is width 2 or more.
                wide = "ж" + text
                assert _core.nfc_stable(wide) is expected, (c, n, p)
                assert _core.nfc_stable(text + "ж") is expected, (c, n, p)

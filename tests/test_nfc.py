"""Qwen's NFC step: ``_core.nfc_spans`` and ``load._nfc`` against ``unicodedata`` on every code point.

``nfc_spans`` runs NFC's quick check (UAX #15) natively from a table generated from this
interpreter's ``unicodedata`` (``gen_nfc_table.py``), cuts the text before each starter NFC never
changes, and returns the parts where the check does not answer Yes; ``_nfc`` asks ``unicodedata``
about those parts only. Two claims make that exact, each checked here against ``unicodedata``
itself: a text ``nfc_spans`` passes whole is NFC, and NFC of the text is NFC of its pieces cut at
the spans' ends.
"""

from __future__ import annotations

import random
import unicodedata

import pytest

from tokcost import _core
from tokcost import load
from tokcost.load import _nfc

# Marks with NFC_Quick_Check=Yes of combining classes 1, 220 and 230, and marks that compose with
# what precedes them (Maybe): ordering and composition around each code point.
_YES_MARKS = ["\u0334", "\u0316", "\u0305"]
_MAYBE_MARKS = ["\u0301", "\u093c", "\u3099", "\u1161"]


def _contexts(c: str) -> list[str]:
    return ["a" + c + "b", "\u0436" + c, c + "\u0301", c + "\u0316", "e\u0316" + c, "e\u0305" + c + "\u0334",
            "\u0334" + c, c + c + "\u0305"]


def _check(text: str) -> None:
    nfc = unicodedata.normalize("NFC", text)
    assert _nfc(text) == nfc, ascii(text)
    spans = _core.nfc_spans(text)
    if spans is None:
        assert nfc == text, ascii(text)
        return
    ends = [0]
    for start, end in spans:
        assert ends[-1] <= start < end <= len(text), (ascii(text), spans)
        ends += [start, end]
    # NFC works on the pieces cut at the spans' ends alone.
    cuts = sorted(set(ends + [len(text)]))
    assert "".join(unicodedata.normalize("NFC", text[a:b]) for a, b in zip(cuts, cuts[1:])) == nfc, ascii(text)


def test_the_table_is_this_interpreters_unicodedata():
    assert _core.NFC_UNICODE_VERSION == unicodedata.unidata_version
    assert load._NFC_TABLE_FITS


@pytest.mark.parametrize("block", range(17))
def test_every_code_point_in_contexts(block):
    """Every code point of a plane (surrogates too: a str may hold them) beside letters, marks of
    each kind and itself: ``_nfc`` is ``unicodedata.normalize``, a text passed whole is NFC, and
    the cuts are exact."""
    for cp in range(block << 16, (block + 1) << 16):
        for text in _contexts(chr(cp)):
            _check(text)


def test_text_that_needs_no_unicodedata_is_passed_whole(parallel_corpus_dir):
    """The quick check answers Yes natively for starters and the Quick_Check=Yes marks of the
    world's scripts: Thai's and Arabic's marks, Devanagari's virama, Hangul, CJK, Cyrillic."""
    for text in ["", "plain ASCII", "caf\u00e9 \u00a9", "\u0416\u0438\u0437\u043d\u044c", "\u4e2d\u6587 \u65e5\u672c\u8a9e",
                 "\ud55c\uad6d\uc5b4", "\u0e01\u0e38\u0e48\u0e07", "\u0643\u064e\u062a\u064e\u0628\u064e",
                 "\u0928\u092e\u0938\u094d\u0924\u0947", "\U0001f600 \U00020000", "a\u0334\u0316\u0305"]:
        assert _core.nfc_spans(text) is None, ascii(text)
    for lang in ("tha_Thai", "pes_Arab", "zho_Hans", "kor_Hang", "ukr_Cyrl", "jpn_Jpan"):
        text = (parallel_corpus_dir / f"{lang}.txt").read_text(encoding="utf-8")
        assert unicodedata.is_normalized("NFC", text) and _core.nfc_spans(text) is None, lang


def test_random_texts_of_every_kind():
    rnd = random.Random(22)
    pool = ["a", "e", " ", "\n", "\u0436", "\u0418", "\u1100", "\uac00", "\u0928", "\u0627", "\u0e01", "\u304b",
            "\u00e9", "\u0958", "\u0f73", "\u0344", "\u212b", "\U0001d15e", "\U0001f600", "\ud800"] + _YES_MARKS + _MAYBE_MARKS
    for _ in range(20000):
        _check("".join(rnd.choice(pool) for _ in range(rnd.randint(0, 30))))


def test_one_character_at_every_position_of_every_length():
    """ASCII texts of every length up to 70 with one character of 0x80 and up at each position, in
    strings of each width: ``nfc_spans`` reads ASCII and U+0400-U+047F eight code units at a time,
    so each lane of the wide steps and of the units after them must still see that character, and
    a span must hold it."""
    passed = ["\u0436", "\u0400", "\u047f", "\u0480", "\u00e9", "\u2014", "\U0001f600", "\u0483", "\u0c00"]
    doubtful = ["\u0301", "\u093c", "\u0958", "\u1161", "\u0344"]
    for c in passed + doubtful:
        for n in range(71):
            for p in range(n):
                for text, at in [("x" * p + c + "y" * (n - p - 1), p), ("\u0436" + "x" * p + c + "y" * (n - p - 1), p + 1)]:
                    for text, at in [(text, at), (text + "\u0436", at)]:
                        spans = _core.nfc_spans(text)
                        if c in passed:
                            assert spans is None, (ascii(c), n, p)
                        else:
                            assert spans is not None and any(a <= at < b for a, b in spans), (ascii(c), n, p, spans)
                        assert _nfc(text) == unicodedata.normalize("NFC", text)


def test_every_code_unit_at_the_end_of_a_wide_step():
    """Each code point of the BMP as the eighth unit of one of ``nfc_spans``' eight-unit steps, then
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

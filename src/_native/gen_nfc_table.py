"""Generate ``nfc_table.h``: what NFC (its quick check, then decomposition, canonical reordering and
composition) needs of each code point, for Qwen's NFC step.

Run by ``setup.py`` at build time, beside ``gen_unicode_table.py``. Qwen's tokenizer calls
``unicodedata.normalize("NFC", text)`` of the interpreter it runs in, so the table comes from that
same ``unicodedata``: the extension is built for one CPython feature release, and CPython changes
its Unicode data only in those. ``tokcost.load`` still compares ``unidata_version`` with the
table's before it trusts it.

One byte per code point (UAX #15, "Detecting Normalization Forms"): 0 for a starter that NFC
leaves alone wherever it stands (canonical combining class 0, NFC_Quick_Check=Yes), the class
(1-252) of a combining mark with NFC_Quick_Check=Yes, 254 (253) for a Maybe code point of class 0
(above 0), which is NFC alone and has no decomposition, so it changes nothing unless it composes
with the code point before it (``nfc.pxi``'s scan asks, by a bit per BMP code point that
decomposes or begins a composition), and 255 for No. Two-stage like ``unicode_table.h``:
``nfc_stage1[cp >> 7]`` picks a 128-entry block of ``nfc_stage2``.

For the parts the quick check doubts, ``nfc.pxi`` normalises natively (UAX #15, Unicode ch. 3.11)
from three more tables, all read from ``unicodedata`` too, so no list is written by hand:
- each code point's canonical combining class (two-stage);
- each code point's full canonical decomposition (its mapping expanded until no part has one; at
  most four code points): a two-stage index of 16-bit entries into ``nfc_decomposition_points``.
  Hangul syllables have no mapping here; ``nfc.pxi`` decomposes them arithmetically;
- the primary composites: each pair (a, b) -> c where c's canonical mapping is a b and NFC of
  "a b" is c, which leaves out the composition exclusions, singletons and non-starter
  decompositions without naming them; an open-addressing hash on (a << 21 | b).
"""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

from gen_unicode_table import c_rows, c_two_stage, two_stage, write_if_changed

NOT_YES = 255
MAYBE_STARTER = 254
MAYBE_MARK = 253
# Hangul vowels and trailing consonants compose algorithmically (no decomposition entry).
HANGUL_SECONDS = [*range(0x1161, 0x1176), *range(0x11A8, 0x11C3)]


def quick_check_not_yes() -> set[int]:
    """Code points whose NFC_Quick_Check is No (NFC changes them alone: they never occur in NFC)
    or Maybe (the second code point of a canonical composition NFC makes)."""
    not_yes = set(HANGUL_SECONDS)
    for cp in range(0x110000):
        c = chr(cp)
        if unicodedata.normalize("NFC", c) != c:
            not_yes.add(cp)
            continue
        mapping = unicodedata.decomposition(c)
        if mapping and not mapping.startswith("<") and len(mapping.split()) == 2:
            not_yes.add(int(mapping.split()[1], 16))  # c is a primary composite: NFC makes it
    return not_yes


def quick_check_value(cp: int, not_yes: set[int]) -> int:
    """The scan's byte for cp: its class when Quick_Check=Yes, MAYBE_STARTER or MAYBE_MARK for a
    Maybe code point (the second of some composition, NFC alone and with no decomposition), NOT_YES
    for No."""
    c = chr(cp)
    if cp not in not_yes:
        return unicodedata.combining(c)
    if unicodedata.normalize("NFC", c) != c:
        return NOT_YES
    # a Maybe code point: the scan treats it as Yes when it cannot compose, which needs both
    assert unicodedata.normalize("NFD", c) == c and not unicodedata.decomposition(c), hex(cp)
    return MAYBE_MARK if unicodedata.combining(c) else MAYBE_STARTER


def build_table() -> tuple[list[int], list[tuple[int, ...]]]:
    not_yes = quick_check_not_yes()
    classes = [quick_check_value(cp, not_yes) for cp in range(0x110000)]
    assert max(c for c in classes if c < MAYBE_MARK) < MAYBE_MARK
    assert {MAYBE_STARTER, MAYBE_MARK} <= set(classes)
    return two_stage(classes)


def bmp_starter_bits(stage1: list[int], stage2: list[tuple[int, ...]]) -> list[int]:
    """A bit per code point of the BMP: 1 for class 0 (a starter NFC never changes)."""
    words = [0] * (0x10000 // 64)
    for cp in range(0x10000):
        if stage2[stage1[cp >> 7]][cp & 127] == 0:
            words[cp >> 6] |= 1 << (cp & 63)
    return words


def bmp_may_combine_bits() -> list[int]:
    """A bit per code point of the BMP: 1 when it has a canonical decomposition, is a Hangul
    syllable, or is the first code point of some primary composite (Hangul L and LV included), so
    a Maybe code point after one with 0 can neither compose with it nor be reordered away from it."""
    words = [0] * (0x10000 // 64)
    firsts = {a for a, _ in primary_composites()} | set(range(0x1100, 0x1113)) | set(range(0xAC00, 0xD7A4))
    for cp in range(0x10000):
        if cp in firsts or unicodedata.decomposition(chr(cp)) and not unicodedata.decomposition(chr(cp)).startswith("<"):
            words[cp >> 6] |= 1 << (cp & 63)
    return words


def canonical_mappings() -> dict[int, list[int]]:
    """Each code point's canonical decomposition mapping (one level; compatibility ones are not NFC's)."""
    mappings = {}
    for cp in range(0x110000):
        mapping = unicodedata.decomposition(chr(cp))
        if mapping and not mapping.startswith("<"):
            mappings[cp] = [int(part, 16) for part in mapping.split()]
    return mappings


def full_decomposition(cp: int, mappings: dict[int, list[int]]) -> list[int]:
    """cp's mapping applied again to each of its parts until none has one (Unicode ch. 3.7, D68)."""
    if cp not in mappings:
        return [cp]
    return [part for first in mappings[cp] for part in full_decomposition(first, mappings)]


def decomposition_table() -> tuple[list[int], list[int]]:
    """Per code point 0 (no canonical decomposition) or offset << 2 | (length - 1) of its full
    decomposition in the returned list of code points (offset 0 is left unused)."""
    mappings = canonical_mappings()
    index, points = [0] * 0x110000, [0]
    for cp in sorted(mappings):
        full = full_decomposition(cp, mappings)
        assert 1 <= len(full) <= 4 and unicodedata.normalize("NFD", chr(cp)) == "".join(map(chr, full)), hex(cp)
        index[cp] = len(points) << 2 | (len(full) - 1)
        points += full
    assert len(points) << 2 < 1 << 16
    return index, points


COMPOSE_BITS = 12
GOLDEN = 0x9E3779B97F4A7C15  # Knuth's multiplicative hash; nfc_compose_slot in the header repeats it


def compose_slot(key: int) -> int:
    return ((key * GOLDEN) & (1 << 64) - 1) >> (64 - COMPOSE_BITS)


def primary_composites() -> dict[tuple[int, int], int]:
    """(a, b) -> c for each canonical composition NFC makes (Hangul's are arithmetic, in nfc.pxi)."""
    pairs = {}
    for cp, mapping in canonical_mappings().items():
        if len(mapping) == 2 and unicodedata.normalize("NFC", chr(mapping[0]) + chr(mapping[1])) == chr(cp):
            assert unicodedata.combining(chr(cp)) == 0 == unicodedata.combining(chr(mapping[0])), hex(cp)
            pairs[mapping[0], mapping[1]] = cp
    return pairs


def compose_hash() -> tuple[list[int], list[int]]:
    """The primary composites as an open-addressing table of (a << 21 | b) keys (0: an empty slot,
    which no pair makes), linear probing; at most a quarter full, so every probe ends."""
    pairs = primary_composites()
    keys, values = [0] * (1 << COMPOSE_BITS), [0] * (1 << COMPOSE_BITS)
    assert len(pairs) * 4 <= len(keys)
    for (a, b), c in sorted(pairs.items()):
        key = a << 21 | b
        slot = compose_slot(key)
        while keys[slot]:
            slot = (slot + 1) & (len(keys) - 1)
        keys[slot], values[slot] = key, c
    return keys, values


def render_normalizer() -> str:
    ccc = [unicodedata.combining(chr(cp)) for cp in range(0x110000)]
    index, points = decomposition_table()
    keys, values = compose_hash()
    return (
        "/* Canonical combining class of every code point. */\n"
        + c_two_stage("nfc_ccc", *two_stage(ccc))
        + "static inline uint8_t tc_nfc_ccc(uint32_t cp) {\n"
        "    return cp < 0x110000 ? nfc_ccc_stage2[(uint32_t)nfc_ccc_stage1[cp >> 7] * 128 + (cp & 127)] : 0;\n}\n"
        "/* Full canonical decompositions: 0, or offset << 2 | (length - 1) in nfc_decomposition_points. */\n"
        + c_two_stage("nfc_decomposition", *two_stage(index), c_type="uint16_t")
        + f"static const uint32_t nfc_decomposition_points[{len(points)}] = {{\n{c_rows(points, 12)}\n}};\n"
        "static inline uint16_t tc_nfc_decomposition(uint32_t cp) {\n"
        "    return cp < 0x110000\n"
        "        ? nfc_decomposition_stage2[(uint32_t)nfc_decomposition_stage1[cp >> 7] * 128 + (cp & 127)] : 0;\n}\n"
        "/* Primary composites (no Hangul): key a << 21 | b, linear probing from its hash. */\n"
        f"#define TC_NFC_COMPOSE_BITS {COMPOSE_BITS}\n"
        f"static const uint64_t nfc_compose_keys[{len(keys)}] = {{\n{c_rows((f'{k:#x}ull' for k in keys), 6)}\n}};\n"
        f"static const uint32_t nfc_compose_values[{len(values)}] = {{\n{c_rows(values, 12)}\n}};\n"
        "/* The primary composite of a then b, or 0 when they make none (Hangul aside). */\n"
        "static inline uint32_t tc_nfc_compose(uint32_t a, uint32_t b) {\n"
        "    uint64_t key = (uint64_t)a << 21 | b;\n"
        f"    uint32_t slot = (uint32_t)((key * {GOLDEN:#x}ull) >> (64 - TC_NFC_COMPOSE_BITS));\n"
        "    while (nfc_compose_keys[slot] != key) {\n"
        "        if (nfc_compose_keys[slot] == 0) return 0;\n"
        "        slot = (slot + 1) & ((1u << TC_NFC_COMPOSE_BITS) - 1);\n"
        "    }\n"
        "    return nfc_compose_values[slot];\n}\n"
    )


def render(stage1: list[int], stage2: list[tuple[int, ...]]) -> str:
    return (
        f"/* Generated by gen_nfc_table.py from Python's unicodedata {unicodedata.unidata_version}; do not edit. */\n"
        "#pragma once\n#include <stdint.h>\n"
        f'#define TOKCOST_NFC_UNICODE_VERSION "{unicodedata.unidata_version}"\n'
        f"#define TC_NFC_NOT_YES {NOT_YES}\n#define TC_NFC_MAYBE_STARTER {MAYBE_STARTER}\n"
        f"#define TC_NFC_MAYBE_MARK {MAYBE_MARK}\n"
        + c_two_stage("nfc", stage1, stage2)
        + "/* The BMP's class-0 code points, a bit each: one load answers most characters. */\n"
        f"static const uint64_t nfc_bmp_starter[{0x10000 // 64}] = {{\n"
        f"{c_rows((f'{w:#x}ull' for w in bmp_starter_bits(stage1, stage2)), 6)}\n}};\n"
        "/* The BMP's code points that decompose or begin a composition (Hangul L and syllables too). */\n"
        f"static const uint64_t nfc_bmp_may_combine[{0x10000 // 64}] = {{\n"
        f"{c_rows((f'{w:#x}ull' for w in bmp_may_combine_bits()), 6)}\n}};\n"
        "/* 0: a starter NFC never changes; 1-252: a mark of that combining class, Quick_Check=Yes;\n"
        " * TC_NFC_MAYBE_STARTER / TC_NFC_MAYBE_MARK: Quick_Check Maybe, class 0 / above 0, NFC alone\n"
        " * and no decomposition; TC_NFC_NOT_YES: Quick_Check No. */\n"
        "static inline uint8_t tc_nfc_class(uint32_t cp) {\n"
        "    return cp < 0x110000 ? nfc_stage2[(uint32_t)nfc_stage1[cp >> 7] * 128 + (cp & 127)] : TC_NFC_NOT_YES;\n"
        "}\n"
        + render_normalizer()
    )


def main(out: str) -> None:
    write_if_changed(out, render(*build_table()))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).with_name("nfc_table.h")))

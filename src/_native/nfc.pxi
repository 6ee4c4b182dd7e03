# Included by _core.pyx: a quick NFC check for the encodings that normalise (Qwen), no part of BPE.

# Code points that can never change under NFC, wherever they stand: assigned, canonical combining
# class 0, NFC of themselves, and never the second of a canonical composition (NFC_Quick_Check=Yes).
# A text of these and ASCII is NFC (UAX #15's quick check answers Yes). The blocks most text is
# written in; tests/test_nfc.py checks every code point of them against unicodedata.
NFC_STABLE_RANGES = (
    (0x0080, 0x02FF), (0x03A3, 0x0482), (0x0488, 0x052F), (0x0559, 0x058A), (0x05D0, 0x05EA),
    (0x061B, 0x064A), (0x0671, 0x06D5), (0x0900, 0x093B), (0x093D, 0x094C), (0x0D12, 0x0D3A),
    (0x0E01, 0x0E37), (0x1000, 0x102D), (0x10D0, 0x1160), (0x1780, 0x17D1), (0x1E00, 0x1F15),
    (0x2002, 0x2064), (0x20A0, 0x20C0), (0x2100, 0x2125), (0x2190, 0x2328), (0x2D30, 0x2D67),
    (0x3000, 0x3029), (0x3041, 0x3096), (0x309B, 0x30FF), (0x3220, 0xA48C), (0xAC00, 0xD7A3),
    (0xFF01, 0xFFBE),
)
cdef uint64_t _nfc_stable_bits[1024]  # the ranges as one bit per BMP code point


cdef void _nfc_stable_init():
    cdef uint32_t cp
    for lo, hi in NFC_STABLE_RANGES:
        for cp in range(lo, hi + 1):
            _nfc_stable_bits[cp >> 6] |= 1ull << (cp & 63)


_nfc_stable_init()


cdef inline bint _nfc_unit_stable(uint32_t c) noexcept nogil:
    return c < 0x80 or (_nfc_stable_bits[c >> 6] >> (c & 63)) & 1


def nfc_stable(text):
    """Whether every character of ``text`` is ASCII or in ``NFC_STABLE_RANGES``: then ``text`` is
    NFC, found without ``unicodedata.is_normalized``'s lookup of every character (about 25
    instructions each, against about 1 here for ASCII). False says nothing: ask ``unicodedata``."""
    if not isinstance(text, str):
        return False
    PyUnicode_READY(text)
    if PyUnicode_IS_ASCII(text):
        return True
    cdef int kind = PyUnicode_KIND(text)
    if kind == 1:
        return True  # U+0080-U+00FF, inside the first range
    cdef Py_ssize_t i = 0, j, n = PyUnicode_GET_LENGTH(text)
    cdef const uint16_t *two = <const uint16_t *>PyUnicode_DATA(text)
    cdef uint64_t head, tail
    if kind != 2:
        return False  # beyond the BMP: no range reaches there
    # Eight code units per step by two 64-bit loads: a stretch of ASCII and of U+0400-U+047F
    # (Cyrillic, inside the ranges: each unit's bits but bit 10 and the low seven are zero) costs
    # one test; a step with any other unit looks at each.
    while i + 8 <= n:
        memcpy(&head, two + i, 8)
        memcpy(&tail, two + i + 4, 8)
        if (head | tail) & 0xFB80FB80FB80FB80ull:
            for j in range(i, i + 8):
                if not _nfc_unit_stable(two[j]):
                    return False
        i += 8
    for j in range(i, n):
        if not _nfc_unit_stable(two[j]):
            return False
    return True


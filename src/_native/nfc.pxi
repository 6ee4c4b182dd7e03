# Included by _core.pyx: where NFC may change a text, for the encodings that normalise (Qwen); no part of BPE.

cdef extern from "nfc_table.h" nogil:
    const char *TOKCOST_NFC_UNICODE_VERSION
    uint8_t tc_nfc_class(uint32_t cp)
    const uint64_t nfc_bmp_starter[1024]
    enum: TC_NFC_NOT_YES

# The unicodedata version nfc_table.h was generated from (gen_nfc_table.py): tokcost.load trusts
# nfc_spans only when the interpreter's is the same.
NFC_UNICODE_VERSION = TOKCOST_NFC_UNICODE_VERSION.decode()


cdef list _nfc_add_span(list spans, Py_ssize_t start, Py_ssize_t end):
    """spans with [start, end) added, joined to the last span when it ends at start."""
    if spans is None:
        return [(start, end)]
    cdef Py_ssize_t last = len(spans) - 1   # no negative index: the core is built without wraparound
    if spans[last][1] == start:
        spans[last] = (spans[last][0], end)
    else:
        spans.append((start, end))
    return spans


ctypedef fused _nfc_unit_t:
    uint16_t
    uint32_t


cdef inline bint _nfc_starter(uint32_t c) noexcept nogil:
    """Whether c is a starter NFC never changes, by one bit for the BMP."""
    if c < 0x10000:
        return (nfc_bmp_starter[c >> 6] >> (c & 63)) & 1
    return tc_nfc_class(c) == 0


cdef inline bint _nfc_eight_starters(const uint16_t *s) noexcept nogil:
    """Whether s[0:8] are ASCII or U+0400-U+047F (Cyrillic; each unit's bits but bit 10 and the low
    seven are zero), all starters NFC never changes: two 64-bit loads and one test."""
    cdef uint64_t head, tail
    memcpy(&head, s, 8)
    memcpy(&tail, s + 4, 8)
    return not (head | tail) & 0xFB80FB80FB80FB80ull


cdef list _nfc_scan(const _nfc_unit_t *s, Py_ssize_t n):
    """nfc_spans of the n code units at s (one width per compiled copy)."""
    cdef Py_ssize_t i = 0, end, part = 0
    cdef uint8_t k, last = 0
    cdef bint doubtful = False
    cdef list spans = None
    while i < n:
        end = n
        if _nfc_unit_t is uint16_t and i + 8 <= n:
            if _nfc_eight_starters(<const uint16_t *>s + i):
                if doubtful:
                    spans = _nfc_add_span(spans, part, i)
                    doubtful = False
                i += 8
                while i + 8 <= n and _nfc_eight_starters(<const uint16_t *>s + i):
                    i += 8
                part, last = i - 1, 0
                continue
            end = i + 8
        while i < end:
            if _nfc_starter(s[i]):  # the part before it ends here; so does each starter after it
                if doubtful:
                    spans = _nfc_add_span(spans, part, i)
                    doubtful = False
                i += 1
                while i < end and _nfc_starter(s[i]):
                    i += 1
                part, last = i - 1, 0
                continue
            k = tc_nfc_class(s[i])
            if k == TC_NFC_NOT_YES or k < last:
                doubtful = True
            last = k
            i += 1
    if doubtful:
        spans = _nfc_add_span(spans, part, n)
    return spans


def nfc_spans(str text not None):
    """Where NFC may change ``text``: None when NFC's quick check (UAX #15) answers Yes for all of
    it, so ``text`` is NFC; else the ``(start, end)`` spans, in order, where it does not.

    The text is cut before every starter NFC never changes (``tc_nfc_class`` 0: canonical
    combining class 0, NFC_Quick_Check=Yes). Such a starter composes with nothing before it and
    stops any reordering, so NFC works on each part alone. A part is NFC when every code point
    after its starter is a mark with Quick_Check=Yes and their classes never fall (the quick
    check's Yes); the spans are the other parts, adjacent ones joined. One combining mark in a
    long text no longer sends all of it through ``unicodedata``, and Thai's or Arabic's marks
    never reach it."""
    PyUnicode_READY(text)
    if PyUnicode_IS_ASCII(text) or PyUnicode_KIND(text) == 1:
        return None  # U+0000-U+00FF: starters NFC never changes (tests/test_nfc.py)
    if PyUnicode_KIND(text) == 2:
        return _nfc_scan(<const uint16_t *>PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text))
    return _nfc_scan(<const uint32_t *>PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text))

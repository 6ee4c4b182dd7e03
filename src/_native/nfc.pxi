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
    cdef int kind = PyUnicode_KIND(text)
    cdef const void *data = PyUnicode_DATA(text)
    cdef const uint16_t *two = <const uint16_t *>data
    cdef Py_ssize_t i = 0, end, n = PyUnicode_GET_LENGTH(text), part = 0
    cdef uint32_t c
    cdef uint8_t k, last = 0
    cdef bint doubtful = False
    cdef uint64_t head, tail
    cdef list spans = None
    while i < n:
        end = n
        if kind == 2 and i + 8 <= n:
            # Eight code units by two 64-bit loads: ASCII and U+0400-U+047F (Cyrillic; each unit's
            # bits but bit 10 and the low seven are zero) are all starters NFC never changes.
            memcpy(&head, two + i, 8)
            memcpy(&tail, two + i + 4, 8)
            if not (head | tail) & 0xFB80FB80FB80FB80ull:
                if doubtful:
                    spans = _nfc_add_span(spans, part, i)
                    doubtful = False
                part, last, i = i + 7, 0, i + 8
                continue
            end = i + 8
        while i < end:
            c = two[i] if kind == 2 else (<const uint32_t *>data)[i]
            if c < 0x10000 and (nfc_bmp_starter[c >> 6] >> (c & 63)) & 1:
                k = 0
            else:
                k = tc_nfc_class(c)
            if k == 0:  # a starter: the part before it ends here
                if doubtful:
                    spans = _nfc_add_span(spans, part, i)
                    doubtful = False
                part, last = i, 0
            else:
                if k == TC_NFC_NOT_YES or k < last:
                    doubtful = True
                last = k
            i += 1
    if doubtful:
        spans = _nfc_add_span(spans, part, n)
    return spans

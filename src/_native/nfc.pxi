# Included by _core.pyx: NFC (UAX #15) for the encodings that normalise (Qwen); no part of BPE.

cdef extern from "nfc_table.h" nogil:
    const char *TOKCOST_NFC_UNICODE_VERSION
    uint8_t tc_nfc_class(uint32_t cp)
    const uint64_t nfc_bmp_starter[1024]
    const uint64_t nfc_bmp_may_combine[1024]
    enum: TC_NFC_NOT_YES
    enum: TC_NFC_MAYBE_STARTER
    enum: TC_NFC_MAYBE_MARK
    uint8_t tc_nfc_ccc(uint32_t cp)
    uint16_t tc_nfc_decomposition(uint32_t cp)
    const uint32_t nfc_decomposition_points[]
    uint32_t tc_nfc_compose(uint32_t a, uint32_t b)

cdef extern from "Python.h":
    object PyUnicode_FromKindAndData(int kind, const void *buffer, Py_ssize_t size)
    enum: PY_SSIZE_T_MAX

# The unicodedata version nfc_table.h was generated from (gen_nfc_table.py): tokcost.load trusts
# nfc only when the interpreter's is the same.
NFC_UNICODE_VERSION = TOKCOST_NFC_UNICODE_VERSION.decode()


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


# Hangul syllables decompose and compose by arithmetic (Unicode ch. 3.12).
cdef enum:
    _HANGUL_S = 0xAC00
    _HANGUL_L = 0x1100
    _HANGUL_V = 0x1161
    _HANGUL_T = 0x11A7  # one before the first trailing consonant: T index 0 is "none"
    _HANGUL_L_COUNT = 19
    _HANGUL_V_COUNT = 21
    _HANGUL_T_COUNT = 28
    _HANGUL_S_COUNT = 11172
    # A unit of the work buffer: the code point in the low 24 bits, its combining class above.
    _CP_MASK = 0xFFFFFF
    # Canonical reordering sorts a run of marks longer than this by counting (linear), not insertion.
    _INSERTION_RUN = 32


cdef struct _NfcBuffer:
    void *units
    Py_ssize_t length
    Py_ssize_t capacity
    int unit_size  # 4 for the work buffer; the result's is the text's, 4 once it holds an astral code point


cdef int _nfc_reserve(_NfcBuffer *buf, Py_ssize_t more) except -1:
    """Room for ``more`` units after ``buf.length``; the capacity at least doubles when it grows."""
    if more > PY_SSIZE_T_MAX // 8 - buf.length:
        raise MemoryError()
    cdef Py_ssize_t need = buf.length + more
    if need <= buf.capacity:
        return 0
    cdef Py_ssize_t capacity = max(need, 2 * buf.capacity)
    cdef void *units = realloc(buf.units, <size_t>capacity * buf.unit_size)
    if units == NULL:
        raise MemoryError()
    buf.units, buf.capacity = units, capacity
    return 0


cdef int _nfc_widen(_NfcBuffer *buf) except -1:
    """A result of 16-bit units widened to 32 (a CJK compatibility ideograph of the BMP, such as
    U+FA6C, decomposes to an astral one), in place from the back."""
    cdef Py_ssize_t i
    buf.unit_size = 4
    buf.capacity = buf.capacity // 2  # the same bytes hold half as many units
    _nfc_reserve(buf, 0)  # room for the units it holds, at 32 bits
    for i in range(buf.length - 1, -1, -1):
        (<uint32_t *>buf.units)[i] = (<uint16_t *>buf.units)[i]
    return 0


cdef inline uint32_t _nfc_unit(uint32_t cp) noexcept nogil:
    return <uint32_t>tc_nfc_ccc(cp) << 24 | cp


cdef inline Py_ssize_t _nfc_decompose(const _nfc_unit_t *s, Py_ssize_t n, uint32_t *out) noexcept nogil:
    """The full canonical decomposition of s[0:n] into out (room for 4 n units: no code point
    decomposes into more than four), each unit with its combining class; their number."""
    cdef Py_ssize_t i, d = 0
    cdef uint32_t c, syllable, j
    cdef uint16_t entry
    cdef const uint32_t *points
    for i in range(n):
        c = s[i]
        if c - _HANGUL_S < <uint32_t>_HANGUL_S_COUNT:
            syllable = c - _HANGUL_S
            out[d] = _HANGUL_L + syllable // (_HANGUL_V_COUNT * _HANGUL_T_COUNT)  # jamo: class 0
            out[d + 1] = _HANGUL_V + syllable % (_HANGUL_V_COUNT * _HANGUL_T_COUNT) // _HANGUL_T_COUNT
            d += 2
            if syllable % _HANGUL_T_COUNT:
                out[d] = _HANGUL_T + syllable % _HANGUL_T_COUNT
                d += 1
            continue
        entry = tc_nfc_decomposition(c)
        if entry == 0:
            out[d] = _nfc_unit(c)
            d += 1
            continue
        points = nfc_decomposition_points + (entry >> 2)
        for j in range((entry & 3) + 1):
            out[d] = _nfc_unit(points[j])
            d += 1
    return d


cdef int _nfc_reorder(_NfcBuffer *work) except -1:
    """Canonical reordering of work.units[0:work.length]: each run of marks (non-zero classes)
    sorted by class, stably; by insertion when short, else by counting into room after the units
    (the buffer may move), so no run costs more than linear time."""
    cdef Py_ssize_t i = 0, j, at, end, n = work.length
    cdef Py_ssize_t counts[256]
    cdef uint32_t unit
    cdef uint32_t *units = <uint32_t *>work.units
    cdef uint32_t *sorted_units
    cdef int k
    while i < n:
        if units[i] >> 24 == 0:
            i += 1
            continue
        end = i + 1
        while end < n and units[end] >> 24:
            end += 1
        if end - i <= _INSERTION_RUN:
            for j in range(i + 1, end):
                unit = units[j]
                at = j
                while at > i and units[at - 1] >> 24 > unit >> 24:
                    units[at] = units[at - 1]
                    at -= 1
                units[at] = unit
        else:
            _nfc_reserve(work, end - i)
            units = <uint32_t *>work.units
            sorted_units = units + n
            memset(counts, 0, sizeof(counts))
            for j in range(i, end):
                counts[units[j] >> 24] += 1
            for k in range(1, 256):
                counts[k] += counts[k - 1]
            for j in range(end - 1, i - 1, -1):  # from the back, so equal classes keep their order
                counts[units[j] >> 24] -= 1
                sorted_units[counts[units[j] >> 24]] = units[j]
            memcpy(units + i, sorted_units, (end - i) * sizeof(uint32_t))
        i = end
    return 0


cdef inline uint32_t _nfc_compose_pair(uint32_t a, uint32_t b) noexcept nogil:
    """The primary composite of a then b, or 0: Hangul L V and LV T by arithmetic, the rest from
    the table."""
    if b - _HANGUL_V < <uint32_t>_HANGUL_V_COUNT and a - _HANGUL_L < <uint32_t>_HANGUL_L_COUNT:
        return _HANGUL_S + ((a - _HANGUL_L) * _HANGUL_V_COUNT + b - _HANGUL_V) * _HANGUL_T_COUNT
    if (b - _HANGUL_T - 1 < <uint32_t>_HANGUL_T_COUNT - 1 and a - _HANGUL_S < <uint32_t>_HANGUL_S_COUNT
            and (a - _HANGUL_S) % _HANGUL_T_COUNT == 0):
        return a + b - _HANGUL_T
    return tc_nfc_compose(a, b)


cdef Py_ssize_t _nfc_compose(uint32_t *units, Py_ssize_t n) noexcept nogil:
    """Canonical composition of units[0:n] in place (decomposed and reordered); the new length.

    Each code point C is tried with the last starter L (class 0) before it when C is not blocked
    from L: C is blocked when a code point between has class 0 or a class >= C's. Every code point
    between is a mark (a class-0 one would be the last starter) and the marks are in canonical
    order, so the last one kept has the highest class: C is unblocked when it is next to L, or
    when C is a mark of a higher class than that one."""
    cdef Py_ssize_t r, w = 0, starter = -1
    cdef uint32_t unit, composite
    for r in range(n):
        unit = units[r]
        if starter >= 0 and (w == starter + 1 or units[w - 1] >> 24 < unit >> 24):
            composite = _nfc_compose_pair(units[starter], unit & _CP_MASK)  # a starter's unit is its code point
            if composite:
                units[starter] = composite  # a primary composite is a starter (gen_nfc_table.py)
                continue
        if unit >> 24 == 0:
            starter = w
        units[w] = unit
        w += 1
    return w


cdef inline bint _nfc_part_is_nfc(const _nfc_unit_t *s, Py_ssize_t n) noexcept nogil:
    """Whether s[0:n] is NFC as it stands, found without copying it: no code point of it has a
    decomposition (nor is a Hangul syllable), its marks' classes never fall within a run, and no
    code point makes a composite with the last starter when not blocked from it. Then the
    decomposition is the part itself, already in canonical order, and composition finds nothing
    to do, so NFC leaves it. Most doubtful parts (a consonant and a vowel sign that is Maybe)
    end here. False sends the part through the whole of NFC."""
    cdef Py_ssize_t i, starter = -1
    cdef uint32_t c
    cdef uint8_t k, last = 0
    for i in range(n):
        c = s[i]
        if c - _HANGUL_S < <uint32_t>_HANGUL_S_COUNT or tc_nfc_decomposition(c):
            return False
        k = tc_nfc_ccc(c)
        if k and last > k:
            return False
        # the code points since the starter are marks of rising classes, the last the highest
        if starter >= 0 and (i == starter + 1 or last < k) and _nfc_compose_pair(s[starter], c):
            return False
        if k == 0:
            starter = i
        last = k
    return True


cdef int _nfc_append_text(_NfcBuffer *out, const _nfc_unit_t *s, Py_ssize_t n) except -1:
    """s[0:n], code units of the text, after the result's units."""
    cdef Py_ssize_t i
    _nfc_reserve(out, n)
    if out.unit_size == sizeof(_nfc_unit_t):
        memcpy(<char *>out.units + out.length * out.unit_size, s, n * sizeof(_nfc_unit_t))
    else:  # a 16-bit text's result, widened
        for i in range(n):
            (<uint32_t *>out.units)[out.length + i] = s[i]
    out.length += n
    return 0


cdef int _nfc_part(const _nfc_unit_t *s, Py_ssize_t start, Py_ssize_t end, Py_ssize_t text_length,
                   _NfcBuffer *work, _NfcBuffer *out, Py_ssize_t *copied) except -1:
    """NFC of the doubtful part s[start:end]; when it differs from the part, the text from
    *copied up to it and then its NFC are appended to out, and *copied moves to end."""
    cdef Py_ssize_t n = end - start, i, composed
    cdef uint32_t *units
    if _nfc_part_is_nfc(s + start, n):
        return 0
    work.length = 0
    _nfc_reserve(work, 4 * n)
    work.length = _nfc_decompose(s + start, n, <uint32_t *>work.units)
    _nfc_reorder(work)
    units = <uint32_t *>work.units
    composed = _nfc_compose(units, work.length)
    if composed == n:
        i = 0
        while i < n and units[i] & _CP_MASK == s[start + i]:
            i += 1
        if i == n:
            return 0
    if out.units == NULL:  # the first part that changes: room for the whole text at once
        _nfc_reserve(out, text_length + composed)
    _nfc_append_text(out, s + copied[0], start - copied[0])
    for i in range(composed):
        units[i] &= _CP_MASK
        if units[i] > 0xFFFF and out.unit_size == 2:
            _nfc_widen(out)
    _nfc_reserve(out, composed)  # after any widening: its capacity counts 32-bit units then
    if out.unit_size == 2:
        for i in range(composed):
            (<uint16_t *>out.units)[out.length + i] = <uint16_t>units[i]
    else:
        memcpy(<uint32_t *>out.units + out.length, units, composed * sizeof(uint32_t))
    out.length += composed
    copied[0] = end
    return 0


cdef inline uint8_t _nfc_maybe_class(const _nfc_unit_t *s, Py_ssize_t i, uint8_t k, uint8_t last) noexcept nogil:
    """The class the scan gives s[i], a Maybe code point (``k`` TC_NFC_MAYBE_STARTER or _MARK: NFC
    alone, no decomposition) in a part whose code points so far are Yes or were given a class
    here, ``last`` the class of s[i - 1]: its combining class when it cannot compose, so the part
    stays NFC; TC_NFC_NOT_YES when it may.

    Such a code point changes nothing unless it composes with the last starter before it. One of
    class 0 is blocked from that starter by any code point between, so after a mark it is left as
    it is. Right after a starter of the BMP that neither decomposes nor begins any composition
    (``nfc_bmp_may_combine``: Hangul L and syllables included) one of any class meets that starter
    and nothing else, and they make no composite: a mark after it does not fall below its class
    (or the part is doubtful anyway), so reordering leaves it next to the starter. Anything else
    (a starter that decomposes, as U+00E1 does to a U+0301 that U+0323 is reordered before; one
    that composes; a mark before one of a class above 0, which may be unblocked from the starter;
    an astral one; the text's first unit) stays doubtful."""
    cdef uint32_t before
    if k == TC_NFC_NOT_YES or i == 0:
        return TC_NFC_NOT_YES
    if last != 0:
        return 0 if k == TC_NFC_MAYBE_STARTER else TC_NFC_NOT_YES
    before = s[i - 1]
    if before > 0xFFFF or (nfc_bmp_may_combine[before >> 6] >> (before & 63)) & 1:
        return TC_NFC_NOT_YES
    return 0 if k == TC_NFC_MAYBE_STARTER else tc_nfc_ccc(s[i])


cdef Py_ssize_t _nfc_doubtful_part(const _nfc_unit_t *s, Py_ssize_t n, Py_ssize_t i,
                                   Py_ssize_t *start) noexcept nogil:
    """The end of the first part of s[i:n] NFC's quick check does not answer Yes for, its start
    in *start; -1 when there is none. s[i] is a starter NFC never changes, or i is 0.

    The text is cut before every starter NFC never changes (``tc_nfc_class`` 0): such a starter
    composes with nothing before it and stops any reordering, so NFC works on each part alone. A
    part is NFC when every code point after its starter is a mark with Quick_Check=Yes and their
    classes never fall (UAX #15's quick check, Yes), Maybe code points that cannot compose
    (``_nfc_maybe_class``) counted as Yes; the part returned is the first other one."""
    cdef Py_ssize_t end, part = i
    cdef uint8_t k, last = 0
    cdef bint doubtful = False
    while i < n:
        end = n
        if _nfc_unit_t is uint16_t and i + 8 <= n:
            if _nfc_eight_starters(<const uint16_t *>s + i):
                if doubtful:
                    start[0] = part
                    return i
                i += 8
                while i + 8 <= n and _nfc_eight_starters(<const uint16_t *>s + i):
                    i += 8
                part, last = i - 1, 0
                continue
            end = i + 8
        while i < end:
            if _nfc_starter(s[i]):  # the part before it ends here; so does each starter after it
                if doubtful:
                    start[0] = part
                    return i
                i += 1
                while i < end and _nfc_starter(s[i]):
                    i += 1
                part, last = i - 1, 0
                continue
            k = tc_nfc_class(s[i])
            if k >= TC_NFC_MAYBE_MARK:
                k = _nfc_maybe_class(s, i, k, last)
                if k == 0:  # a starter that stays as it is: no mark is reordered across it
                    last = 0
                    i += 1
                    continue
            if k == TC_NFC_NOT_YES or k < last:
                doubtful = True
            last = k
            i += 1
    if doubtful:
        start[0] = part
        return n
    return -1


cdef object _nfc_text(const _nfc_unit_t *s, Py_ssize_t n, str text, int kind):
    """NFC of the text whose n code units (of ``kind``) are at s: ``text`` itself when no
    doubtful part changes, else the result built once from the parts copied and normalised."""
    cdef Py_ssize_t start = 0, end = 0, copied = 0
    cdef _NfcBuffer work, out
    work.units = out.units = NULL
    work.length = work.capacity = out.length = out.capacity = 0
    work.unit_size, out.unit_size = 4, kind
    try:
        while True:
            end = _nfc_doubtful_part(s, n, end, &start)
            if end < 0:
                break
            _nfc_part(s, start, end, n, &work, &out, &copied)
        if out.units == NULL:
            return text
        _nfc_append_text(&out, s + copied, n - copied)
        return PyUnicode_FromKindAndData(out.unit_size, out.units, out.length)  # narrowed when it can be
    finally:
        free(work.units)
        free(out.units)


def nfc(str text not None):
    """``unicodedata.normalize("NFC", text)`` of the interpreter this core was built for, and
    ``text`` itself when that equals it.

    Parts of the text NFC's quick check (UAX #15) answers Yes for are copied untouched, most texts
    whole at a few instructions a character; each other part (from a starter NFC never changes to
    the next) is decomposed fully (``nfc_table.h``; Hangul by arithmetic), canonically reordered
    and composed (Unicode ch. 3.11), and the result is built once, only when some part changed.

    >>> nfc("e\u0301") == "\u00e9"
    True
    """
    PyUnicode_READY(text)
    if PyUnicode_IS_ASCII(text) or PyUnicode_KIND(text) == 1:
        return text  # U+0000-U+00FF: starters NFC never changes (tests/test_nfc.py)
    if PyUnicode_KIND(text) == 2:
        return _nfc_text(<const uint16_t *>PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text), text, 2)
    return _nfc_text(<const uint32_t *>PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text), text, 4)

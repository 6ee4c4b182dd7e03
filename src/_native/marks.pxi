# The screen for strings in a text (an encoding's special tokens, or those a call allows or
# disallows): MarkSet, made once per set, and the two searches the encode entries and _Batch run
# with it (utf8.h's tc_contains_any and tc_find_mark). Included by _core.pyx where MarkSet stood, so
# _core.c keeps its functions in the same order (code layout alone has moved wall clock 2-3%).


cdef class MarkSet:
    """Strings a text is screened for, made once per set (an encoding's special tokens, or those a
    call disallows or allows): their UTF-8, sorted and without repeats, as tc_find_mark searches
    them, the strings in the same order (to name the one found), and with ``ids`` (a mapping of
    every string to its token id) the id of each."""

    def __cinit__(self, strings, ids=None):
        by_utf8 = {s.encode("utf-8", "surrogatepass"): s for s in strings}
        marks = sorted(by_utf8)
        if marks and not marks[0]:
            raise ValueError("a MarkSet cannot hold the empty string (every text holds it)")
        cdef Py_ssize_t k, n = len(marks)
        self.marks = tuple(marks)
        self.names = tuple([by_utf8[m] for m in marks])
        self.at = <const uint8_t **>malloc((n + 1) * sizeof(uint8_t *))
        self.lens = <size_t *>malloc((n + 1) * sizeof(size_t))
        if self.at == NULL or self.lens == NULL:
            raise MemoryError()
        for k in range(n):
            self.at[k] = <const uint8_t *>PyBytes_AS_STRING(self.marks[k])
            self.lens[k] = len(self.marks[k])
        if ids is not None:
            self.ids = <uint32_t *>malloc((n + 1) * sizeof(uint32_t))
            if self.ids == NULL:
                raise MemoryError()
            for k in range(n):
                self.ids[k] = ids[by_utf8[marks[k]]]

    def __dealloc__(self):
        free(self.at)
        free(self.lens)
        free(self.ids)

    def __len__(self):
        return len(self.marks)

    def found_in(self, text):
        """Whether ``text`` holds one of the strings (for tests: the screens' own search)."""
        return bool(_holds_any(_utf8(text), self))

    def first_in(self, text):
        """The leftmost of the strings in ``text`` (the longest of those that start there), or
        None: what the Python search for special tokens finds (special_tokens.py), on the UTF-8."""
        cdef _Utf8 u = _utf8(text)
        return _first_mark(u.p, u.n, self)


cdef inline bint _holds_any(_Utf8 u, MarkSet marks):
    return tc_contains_any(u.p, u.n, marks.at, marks.lens, len(marks.marks))


cdef inline object _first_mark(const uint8_t *p, size_t n, MarkSet marks):
    """The string of the leftmost mark in p[0:n] (the longest there), or None. A mark's first byte
    is a lead byte, so a match in valid UTF-8 is a match of the strings, at the same place."""
    cdef size_t which = 0
    if tc_find_mark(p, n, marks.at, marks.lens, len(marks.marks), &which) == n:
        return None
    return marks.names[which]

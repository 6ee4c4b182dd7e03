# A str as UTF-8, for the entries of _core.pyx and its other .pxi files: on the caller's stack
# (_Utf8Span, the per-call entries) or in an object that frees it (_Utf8), converted by utf8.h;
# a lone surrogate raises CPython's own error, or is reported for the entry to raise in its own
# frame. Included by _core.pyx where _Utf8 stood, before marks.pxi (whose searches take a _Utf8):
# _core.c keeps its functions' order but for these four helpers, now before MarkSet's methods.


cdef extern from "Python.h":
    # The fixed-width layout of a str (PEP 393), read here and by nfc.pxi.
    int PyUnicode_READY(object text) except -1
    bint PyUnicode_IS_ASCII(object text)
    int PyUnicode_KIND(object text)
    void *PyUnicode_DATA(object text)
    Py_ssize_t PyUnicode_GET_LENGTH(object text)


@cython.freelist(8)
cdef class _Utf8:
    """A str as UTF-8: its own bytes when it is ASCII, else a copy converted by utf8.h (faster
    than CPython's encoder, and not left cached inside the caller's string), freed with this."""
    cdef const uint8_t *p
    cdef Py_ssize_t n
    cdef uint8_t *owned
    cdef object text  # keeps an ASCII string's bytes alive (a str, or an instance of a subclass)

    def __dealloc__(self):
        free(self.owned)


cdef struct _Utf8Span:
    # A str as UTF-8 on the caller's stack (encode's per-call entries: no object to make and
    # free per call, about 230 instructions of a short text's call): ``owned`` is the converted
    # copy or NULL, and the caller frees it; an ASCII str's own bytes live as long as the str.
    const uint8_t *p
    Py_ssize_t n
    uint8_t *owned


cdef inline int _utf8_into(object text, _Utf8Span *u) except -1:
    if _utf8_or_surrogate(text, u):
        _raise_surrogate(text)
    return 0


cdef int _raise_surrogate(object text) except -1:
    text.encode("utf-8")  # a lone surrogate: CPython's own UnicodeEncodeError, position and all
    raise AssertionError("utf8.h found a surrogate that CPython's encoder accepts")


cdef inline int _utf8_or_surrogate(object text, _Utf8Span *u) except -1:
    """``text`` as UTF-8 in ``u`` (0), or 1 with nothing to free when it holds a lone surrogate: for
    the entries that return False then, so that their caller raises in its own frame (each native
    frame an exception leaves adds a traceback entry of about 830 instructions)."""
    # Any str, subclasses included (numpy.str_, markupsafe.Markup), as tiktoken takes them.
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    cdef Py_ssize_t length
    cdef int kind
    cdef size_t k
    u.owned = NULL
    PyUnicode_READY(text)
    length = PyUnicode_GET_LENGTH(text)
    if PyUnicode_IS_ASCII(text):
        u.p, u.n = <const uint8_t *>PyUnicode_DATA(text), length
        return 0
    kind = PyUnicode_KIND(text)
    u.owned = <uint8_t *>malloc(tc_utf8_room(length, kind) + 1)
    if u.owned == NULL:
        raise MemoryError()
    k = tc_utf8_of(PyUnicode_DATA(text), length, kind, u.owned)
    if k == <size_t>-1:
        free(u.owned)
        u.owned = NULL
        u.p, u.n = NULL, 0  # nothing to read (and GCC sees every path set them)
        return 1
    u.p, u.n = u.owned, k
    return 0


cdef _Utf8 _utf8(object text):
    cdef _Utf8Span span
    _utf8_into(text, &span)
    cdef _Utf8 u = _Utf8()
    u.text = text
    u.p, u.n, u.owned = span.p, span.n, span.owned
    return u

# Ids back to bytes (the decoders), and the vocabulary's bytes in byte order. Included by _core.pyx;
# CoreBPE's methods of the same names call these. Every id is checked (CoreBPE._checked_rank)
# before its bytes are read.


cdef extern from "Python.h":
    # An int's value, *overflow set (not an exception) when it is outside long long.
    long long PyLong_AsLongLongAndOverflow(object value, int *overflow)


cdef enum:
    _DECODE_ON_STACK = 256  # ids checked into a stack array (1 KB) below this many


cdef inline void _copy_token_bytes(CoreBPE core, const uint32_t *ids, Py_ssize_t n, char *out) noexcept nogil:
    cdef size_t length
    cdef const uint8_t *src
    cdef Py_ssize_t k
    for k in range(n):
        src = tc_token_bytes(&core.v, ids[k], &length)
        memcpy(out, src, length)
        out += length


cdef bytes _decode_bytes(CoreBPE core, tokens):
    """The bytes of a sequence of ids: checked and summed with the GIL, copied (without it when
    they are many). An empty list or tuple, and a short one's ids, make no buffer: each object
    made and freed cost a call more than tiktoken's (r19: decode_bytes([]) 2,395 instructions
    a call against its 2,137). len() sizes the array, and every id the iteration yields is
    decoded, as tiktoken does: past the array's room (a __len__ that understates, a list an id's
    __index__ grows) the ids move to a heap buffer twice as large, each time they fill it."""
    cdef type kind = type(tokens)
    if kind is not list and kind is not tuple and not hasattr(tokens, "__len__"):
        tokens = list(tokens)
    cdef Py_ssize_t n = len(tokens), k
    if n == 0 and (kind is list or kind is tuple):
        return b""  # an empty list or tuple: no id to check, no __index__ to call
    cdef uint32_t on_stack[_DECODE_ON_STACK]
    cdef uint32_t *ids = on_stack
    cdef size_t room = _DECODE_ON_STACK  # ids[0:room] may be written
    cdef _Tokens checked = None
    cdef uint64_t total = 0
    cdef char *out
    if n >= _DECODE_ON_STACK:
        checked = _Tokens()
        if tc_buf_reserve(&checked.buf, n + 1):
            raise MemoryError()
        ids, room = checked.buf.data, checked.buf.cap
    k = 0
    for token in tokens:
        if <size_t>k == room:
            checked = _more_room(checked, ids, k)
            ids, room = checked.buf.data, checked.buf.cap
        ids[k] = core._checked_rank(token)
        total += core.v.dec_off[ids[k]] & 0xFFFF
        k += 1
    n = k
    result = PyBytes_FromStringAndSize(NULL, total)
    out = PyBytes_AS_STRING(result)
    if total < GIL_RELEASE_BYTES:
        _copy_token_bytes(core, ids, n, out)
    else:
        with nogil:
            _copy_token_bytes(core, ids, n, out)
    return result


cdef _Tokens _more_room(_Tokens checked, const uint32_t *ids, Py_ssize_t k):
    """The buffer for _decode_bytes' ids once its array is full at k, with room for twice as many:
    a new one holding the stack array's ids, or ``checked`` grown (realloc keeps them)."""
    if checked is None:
        checked = _Tokens()
        if tc_buf_reserve(&checked.buf, 2 * k):
            raise MemoryError()
        memcpy(checked.buf.data, ids, k * sizeof(uint32_t))
    elif tc_buf_reserve(&checked.buf, 2 * k):  # buf.len stays 0: room for 2k ids
        raise MemoryError()
    return checked


cdef inline uint32_t _rank_with_bytes(CoreBPE core, object token) noexcept:
    """The id ``token`` (an int) as a rank that has bytes (a mergeable or special token), else TC_NONE."""
    cdef long long r
    cdef int overflow = 0
    r = PyLong_AsLongLongAndOverflow(token, &overflow)
    if overflow or r < 0 or r >= core.v.n_ranks or (core.v.dec_off[r] & 0xFFFF) == 0:
        return TC_NONE
    return <uint32_t>r


cdef extern from *:
    # decode_single_token_bytes as a plain C method (METH_O), on raw pointers: a Cython def
    # method parses its argument through the keyword-capable entry, and adds a traceback entry
    # (a code object and a frame) for an exception that leaves it, where tiktoken's pyo3 method
    # adds none. The raw calls below return NULL with the error set; nothing here raises by Cython.
    """
    static PyObject *tc_new_reference_or_raise(PyObject *result) { return result; }

    /* ``method`` as a method of ``type`` (a descriptor in its dict, replacing one of that name). */
    static int tc_add_method(PyTypeObject *type, PyMethodDef *method) {
        PyObject *descriptor = PyDescr_NewMethod(type, method);
        if (descriptor == NULL)
            return -1;
        int failed = PyDict_SetItemString(type->tp_dict, method->ml_name, descriptor);
        Py_DECREF(descriptor);
        PyType_Modified(type);
        return failed;
    }
    """
    ctypedef PyObject *(*PyCFunction)(PyObject *, PyObject *)
    ctypedef struct PyMethodDef:
        const char *ml_name
        PyCFunction ml_meth
        int ml_flags
        const char *ml_doc
    enum: METH_O
    int tc_add_method(PyTypeObject *type, PyMethodDef *method) except -1
    # A new reference from a raw call, or the raw call's error raised (Cython checks the NULL).
    object _new_reference_or_raise "tc_new_reference_or_raise"(PyObject *result)
    bint _is_exact_int "PyLong_CheckExact"(PyObject *value)
    PyObject *_index_or_null "PyNumber_Index"(PyObject *value)
    long long _raw_as_long_long "PyLong_AsLongLongAndOverflow"(PyObject *value, int *overflow)
    PyObject *_bytes_or_null "PyBytes_FromStringAndSize"(const char *data, Py_ssize_t length)
    PyObject *_format_or_null "PyUnicode_FromFormat"(const char *format, ...)
    PyObject *_ascii_or_null "PyUnicode_FromStringAndSize"(const char *text, Py_ssize_t length)
    void _set_error "PyErr_SetObject"(PyObject *kind, PyObject *value)
    void _release "Py_XDECREF"(PyObject *value)


cdef object _InvalidTokenError = InvalidTokenError  # a C global: read without the module's dict


cdef PyObject *_invalid_token_message(PyObject *token) noexcept:
    """The InvalidTokenError message for an id (an int) with no bytes (_rank_with_bytes gave
    TC_NONE), a new str, or NULL with the error set. An id within long long is written here:
    PyUnicode_FromFormat's "%S" took 1,900 instructions, more than the rest of the raise."""
    cdef char text[64]
    cdef char digits[20]
    cdef int overflow = 0, k = 0
    cdef long long r = _raw_as_long_long(token, &overflow)
    if overflow:
        return _format_or_null("Invalid token for decoding: %S (out of range)", token)
    cdef const char *prefix = "Invalid token for decoding: "
    cdef size_t n = strlen(prefix)
    memcpy(text, prefix, n)
    cdef unsigned long long magnitude = <unsigned long long>r
    if r < 0:
        text[n] = c'-'
        n += 1
        magnitude = 0 - magnitude  # LLONG_MIN's too: unsigned arithmetic
    while True:
        digits[k] = c'0' + <char>(magnitude % 10)
        k += 1
        magnitude //= 10
        if magnitude == 0:
            break
    while k:
        k -= 1
        text[n] = digits[k]
        n += 1
    return _ascii_or_null(text, <Py_ssize_t>n)


cdef PyObject *_single_token_bytes(PyObject *owner, PyObject *token) noexcept:
    """The bytes of one id (an int or anything with __index__), or NULL with InvalidTokenError
    (its message as _invalid_token_message's) or __index__'s TypeError set."""
    cdef CoreBPE core = <CoreBPE>owner
    cdef PyObject *index = NULL
    cdef PyObject *result = NULL
    cdef PyObject *message
    cdef const uint8_t *src
    cdef size_t length
    cdef int overflow = 0
    cdef long long r
    if not _is_exact_int(token):
        index = _index_or_null(token)  # numpy integers, bools; a float or a str: TypeError
        if index == NULL:
            return NULL
        token = index
    r = _raw_as_long_long(token, &overflow)
    if not overflow and 0 <= r < core.v.n_ranks and (core.v.dec_off[r] & 0xFFFF) != 0:
        src = tc_token_bytes(&core.v, <uint32_t>r, &length)
        result = _bytes_or_null(<const char *>src, <Py_ssize_t>length)
    else:
        message = _invalid_token_message(token)
        if message != NULL:
            _set_error(<PyObject *>_InvalidTokenError, message)
            _release(message)
    _release(index)
    return result


cdef PyMethodDef _single_token_bytes_method
_single_token_bytes_method.ml_name = "decode_single_token_bytes"
_single_token_bytes_method.ml_meth = _single_token_bytes
_single_token_bytes_method.ml_flags = METH_O
_single_token_bytes_method.ml_doc = NULL


cdef list _decode_tokens_bytes(CoreBPE core, tokens):
    """``[decode_single_token_bytes(t) for t in tokens]`` without a method call per token."""
    cdef size_t length
    cdef const uint8_t *src
    out = []
    for token in tokens:
        src = tc_token_bytes(&core.v, core._checked_rank(token), &length)
        out.append(PyBytes_FromStringAndSize(<char *>src, length))
    return out


cdef tuple _decode_with_offsets(CoreBPE core, tokens):
    """(the bytes of ``tokens``, per token the index of the first character it adds bytes to):
    characters counted as the bytes that are no UTF-8 continuation byte (0x80-0xBF), as tiktoken
    counts them; a token that starts with one belongs to the character before."""
    cdef size_t length, k
    cdef const uint8_t *src
    cdef Py_ssize_t chars = 0
    cdef Py_ssize_t used = 0
    offsets = []
    parts = bytearray()  # grown in place: bytearray over-allocates, so appending is amortised
    for token in tokens:
        src = tc_token_bytes(&core.v, core._checked_rank(token), &length)
        offsets.append(chars - 1 if length and chars and 0x80 <= src[0] < 0xC0 else chars)
        for k in range(length):
            chars += not (0x80 <= src[k] < 0xC0)
        PyByteArray_Resize(parts, used + length)
        memcpy(PyByteArray_AS_STRING(parts) + used, src, length)
        used += length
    return bytes(parts), offsets


# ---------------------------------------------------------------- the bytes in byte order

ctypedef struct tc_span:
    uint64_t key  # the first 8 bytes, big-endian, zero-padded (_span_key)
    const uint8_t *p
    size_t n


cdef inline uint64_t _span_key(const uint8_t *p, size_t n) noexcept nogil:
    """p's first 8 bytes as a big-endian integer, zero-padded. Where two keys differ, their order
    is the bytes' order: at the first byte that differs either both have a byte there, or one
    has padding (0) against a byte that is not 0, so that one is a prefix and comes first."""
    cdef uint64_t key = 0
    cdef size_t k
    for k in range(8):
        key = (key << 8) | (p[k] if k < n else 0)
    return key


cdef int _compare_spans(const void *a, const void *b) noexcept nogil:
    """Byte order, a prefix first: as Python compares bytes."""
    cdef const tc_span *x = <const tc_span *>a
    cdef const tc_span *y = <const tc_span *>b
    cdef int c = memcmp(x.p, y.p, x.n if x.n < y.n else y.n)
    if c:
        return c
    return (x.n > y.n) - (x.n < y.n)


cdef int _sort_spans(tc_span *spans, size_t n) noexcept nogil:
    """spans in byte order: a radix sort of the keys, a byte a pass from the last (a pass is
    skipped where every key has the same byte there), then each run of equal keys (spans alike
    in their first 8 bytes) by a full compare. 0, or -1 when out of memory. qsort's compare calls
    for 200 K tokens took 70 ms; the passes, about 2."""
    cdef size_t at[256]
    cdef size_t i, j, d, b, total
    cdef tc_span *src = spans
    cdef tc_span *dst
    # The counts (16 KB) with the spans' second room, not on the stack: a thread's may be 32 KB.
    cdef tc_span *other = <tc_span *>malloc((n + 1) * sizeof(tc_span) + 8 * 256 * sizeof(size_t))
    if other == NULL:
        return -1
    cdef size_t *counts = <size_t *>(other + n + 1)   # counts[256 * d + byte]
    memset(counts, 0, 8 * 256 * sizeof(size_t))
    for i in range(n):
        for d in range(8):
            counts[256 * d + ((spans[i].key >> (8 * d)) & 0xFF)] += 1
    dst = other
    for d in range(8):
        if n == 0 or counts[256 * d + ((src[0].key >> (8 * d)) & 0xFF)] == n:
            continue
        total = 0
        for b in range(256):
            at[b] = total
            total += counts[256 * d + b]
        for i in range(n):
            b = (src[i].key >> (8 * d)) & 0xFF
            dst[at[b]] = src[i]
            at[b] += 1
        src, dst = dst, src
    if src != spans:
        memcpy(spans, src, n * sizeof(tc_span))
    free(other)
    i = 0
    while i < n:
        j = i + 1
        while j < n and spans[j].key == spans[i].key:
            j += 1
        if j - i > 1:
            qsort(spans + i, j - i, sizeof(tc_span), _compare_spans)
        i = j
    return 0


cdef tuple _sorted_token_bytes(CoreBPE core, special_ids):
    """Every mergeable token's bytes (every id with bytes but ``special_ids``), in byte order."""
    cdef size_t length, n = 0, k
    cdef uint32_t r, n_ranks = core.v.n_ranks
    cdef tc_span *spans = <tc_span *>malloc((n_ranks + 1) * sizeof(tc_span))
    cdef uint8_t *special = <uint8_t *>calloc(n_ranks + 1, 1)
    try:
        if spans == NULL or special == NULL:
            raise MemoryError()
        for s in special_ids:
            if 0 <= s < n_ranks:
                special[<uint32_t>s] = 1
        for r in range(n_ranks):
            if (core.v.dec_off[r] & 0xFFFF) and not special[r]:
                spans[n].p = tc_token_bytes(&core.v, r, &spans[n].n)
                spans[n].key = _span_key(spans[n].p, spans[n].n)
                n += 1
        if _sort_spans(spans, n):
            raise MemoryError()
        out = PyTuple_New(n)
        for k in range(n):
            item = PyBytes_FromStringAndSize(<char *>spans[k].p, spans[k].n)
            Py_INCREF(item)  # PyTuple_SET_ITEM takes the reference; Cython drops its own
            PyTuple_SET_ITEM(out, k, item)
        return out
    finally:
        free(spans)
        free(special)

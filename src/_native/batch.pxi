# The batch's Python side, included by _core.pyx: a failed batch's error raised once the GIL is
# back, the ids a batch owns (_Tokens) and the batch itself (_Batch: its own copy of the texts and the
# native tc_batch over them).

cdef extern from "Python.h":
    # A str's layout (PEP 393) on a borrowed reference: no reference count touched (see _Batch).
    bint PyUnicode_Check(PyObject *text)
    int _unicode_ready "PyUnicode_READY"(PyObject *text) except -1
    bint _unicode_is_ascii "PyUnicode_IS_ASCII"(PyObject *text)
    int _unicode_kind "PyUnicode_KIND"(PyObject *text)
    void *_unicode_data "PyUnicode_DATA"(PyObject *text)
    Py_ssize_t _unicode_length "PyUnicode_GET_LENGTH"(PyObject *text)
    # The cyclic collector's switch (3.10+): off while a batch makes its lists (see _encode_batch).
    int PyGC_Enable()
    int PyGC_Disable()


cdef _raise_if_failed(const tc_batch *batch):
    if batch.failed == TC_BATCH_SURROGATE:
        # As PyUnicode_AsUTF8AndSize would have: the caller replaces lone surrogates and tries again.
        raise UnicodeEncodeError("utf-8", "", 0, 0, "surrogates not allowed")
    if batch.failed:
        raise MemoryError()


@cython.freelist(8)
cdef class _Tokens:
    # Zeroed on allocation, so a fresh buffer is empty and owns nothing.

    def __dealloc__(self):
        free(self.buf.data)


cdef class _Batch:
    def __cinit__(self, CoreBPE core, list texts, bint counting, int threads, MarkSet marks=None,
                  MarkSet specials=None):
        # marks: (encode mode) the strings each text is screened for, by the thread that encodes
        # it (b.marked, one flag per text; tc_batch_marked). specials: (encode mode, made with ids)
        # the special tokens encoded as their ids where a text holds them (tc_encode_special).
        cdef Py_ssize_t n = len(texts), k, length
        cdef const uint8_t **ptrs
        cdef size_t *lens
        cdef uint8_t *kinds
        self.core = core
        self.texts = texts
        self.b.v = &core.v
        self.b.split = core.split
        self.b.n = n
        self.b.ptrs = ptrs = <const uint8_t **>malloc((n + 1) * sizeof(uint8_t *))
        self.b.lens = lens = <size_t *>malloc((n + 1) * sizeof(size_t))
        self.b.chunk_at = <size_t *>malloc((n + 1) * sizeof(size_t))
        self.b.kinds = kinds = <uint8_t *>malloc(n + 1)
        if counting:
            self.b.counts = <size_t *>calloc(n + 1, sizeof(size_t))
        else:
            self.b.id_at = <size_t *>malloc((n + 1) * sizeof(size_t))  # one per chunk, and one past the last
            self.b.ends = <size_t *>calloc(n + 1, sizeof(size_t))
            self.b.done = <uint8_t *>calloc(n + 1, 1)  # one per chunk; never more chunks than texts
        if (ptrs == NULL or lens == NULL or self.b.chunk_at == NULL or kinds == NULL or (counting and self.b.counts == NULL)
                or (not counting and (self.b.id_at == NULL or self.b.ends == NULL or self.b.done == NULL))):
            raise MemoryError()
        cdef PyObject *text
        for k in range(n):
            # Borrowed from this batch's own copy of the list, which no one else sees: no reference
            # count is written, so the line a worker read the string's first bytes from in the last
            # batch is not taken back from its core (each write to it cost the caller a transfer).
            text = PyList_GET_ITEM(texts, k)
            if not PyUnicode_Check(text):
                raise TypeError(f"expected str, got {(<object>text).__class__.__name__}")
            _unicode_ready(text)
            # ASCII is its own UTF-8; other strings are converted by the thread that encodes them (encoder.h).
            ptrs[k] = <const uint8_t *>_unicode_data(text)
            lens[k] = _unicode_length(text)
            kinds[k] = 0 if _unicode_is_ascii(text) else _unicode_kind(text)
        if marks is not None:
            self.marks = marks
            self.b.n_marks = len(marks.marks)
            self.b.marks = marks.at
            self.b.mark_lens = marks.lens
            self.b.marked = <uint8_t *>calloc(n + 1, 1)
            if self.b.marked == NULL:
                raise MemoryError()
        if specials is not None and len(specials.marks):
            if specials.ids == NULL:
                raise ValueError("a batch's special tokens need a MarkSet made with ids")
            self.specials = specials
            self.b.n_specials = len(specials.marks)
            self.b.specials = specials.at
            self.b.special_lens = specials.lens
            self.b.special_ids = specials.ids
        tc_batch_plan(&self.b, threads)
        if not counting:
            # The ids of every chunk, written by the thread that encodes it (encoder.h, tc_batch_step).
            self.b.ids = <uint32_t *>malloc((self.b.id_at[self.b.n_chunks] + 1) * sizeof(uint32_t))
            if self.b.ids == NULL:
                raise MemoryError()

    def __dealloc__(self):
        free(self.b.marked)
        free(self.b.ids)
        free(self.b.id_at)
        free(self.b.ends)
        free(self.b.done)
        free(self.b.counts)
        free(<void *>self.b.ptrs)
        free(<void *>self.b.lens)
        free(<void *>self.b.chunk_at)
        free(<void *>self.b.kinds)

# The batch's Python side, included by _core.pyx: a failed batch's error raised once the GIL is
# back, the ids a batch owns (_Tokens), the batch itself (_Batch: its own copy of the texts and the
# native tc_batch over them), and what CoreBPE's batch methods call: the run, the lists made while
# the workers encode (_batch_lists), the flat ids, the screened run and the plan.

cdef extern from "Python.h":
    # A str's layout (PEP 393) on a borrowed reference: no reference count touched (see _Batch).
    bint PyUnicode_Check(PyObject *text)
    int _unicode_ready "PyUnicode_READY"(PyObject *text) except -1
    bint _unicode_is_ascii "PyUnicode_IS_ASCII"(PyObject *text)
    int _unicode_kind "PyUnicode_KIND"(PyObject *text)
    void *_unicode_data "PyUnicode_DATA"(PyObject *text)
    Py_ssize_t _unicode_length "PyUnicode_GET_LENGTH"(PyObject *text)
    # The cyclic collector's switch (3.10+): off while a batch makes its lists (see _batch_lists).
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


# ------------------------------------------------------------ the entries (CoreBPE's batch methods call these)

cdef _run_batch(CoreBPE core, texts, int num_threads, bint counting):
    """encode_ordinary_batch's lists, or count_batch's counts, of ``texts``."""
    core._require_splitter()
    cdef _Batch batch = _Batch(core, list(texts), counting, num_threads)
    if not counting:
        return _batch_lists(batch)
    with nogil:
        tc_batch_run(&batch.b)
    _raise_if_failed(&batch.b)
    return tc_sizes_list(batch.b.counts, batch.b.n, core.v.n_ranks)


cdef tuple _encode_batch_flat(CoreBPE core, texts, int num_threads):
    """encode_ordinary_batch_flat's (ids, offsets) bytearrays."""
    core._require_splitter()
    cdef _Batch batch = _Batch(core, list(texts), False, num_threads)
    # Room for the most ids there can be; the pages past the real count are never touched,
    # and the resize below gives them back.
    ids = PyByteArray_FromStringAndSize(NULL, batch.b.id_at[batch.b.n_chunks] * sizeof(uint32_t))
    offsets = PyByteArray_FromStringAndSize(NULL, (batch.b.n + 1) * sizeof(uint64_t))
    cdef tc_flat flat
    flat.ids = <uint32_t *>PyByteArray_AS_STRING(ids)
    flat.offsets = <uint64_t *>PyByteArray_AS_STRING(offsets)
    flat.offsets[0] = 0
    flat.chunk = flat.at = 0
    with nogil:
        tc_batch_run_flat(&batch.b, &flat)
    _raise_if_failed(&batch.b)
    PyByteArray_Resize(ids, flat.at * sizeof(uint32_t))
    return ids, offsets


cdef tuple _encode_batch_screened(CoreBPE core, texts, int num_threads, MarkSet marks, MarkSet specials):
    """encode_batch_screened's (lists, the first text that holds one of ``marks`` or None)."""
    core._require_splitter()
    cdef _Batch batch = _Batch(core, list(texts), False, num_threads, marks, specials)
    cdef const uint8_t *hit
    out = _batch_lists(batch)
    hit = <const uint8_t *>memchr(batch.b.marked, 1, batch.b.n) if batch.b.marked != NULL and batch.b.n else NULL
    # The pair is made with the collector paused: it is the first container since the lists,
    # and the collection it set off walked every one of them (14 M of the 86 M instructions of
    # encode_batch on 2,000 documents, docs/NATIVE.md, Threads).
    cdef int collecting = PyGC_Disable()
    try:
        return out, (None if hit == NULL else batch.texts[hit - batch.b.marked])
    finally:
        if collecting:
            PyGC_Enable()


cdef tuple _plan_batch(CoreBPE core, texts, int num_threads):
    """(threads, chunk boundaries) a batch of ``texts`` would run with."""
    cdef _Batch batch = _Batch(core, list(texts), True, num_threads)
    return batch.b.threads, [batch.b.chunk_at[k] for k in range(batch.b.n_chunks + 1)]


cdef list _batch_lists(_Batch owner):
    """Run an encode batch and return its lists. With pool workers, this
    thread encodes chunks too and, between them, turns every chunk that is
    done into lists, in whatever order they finish: building lists (which
    needs the GIL) overlaps the encoding, and little is left for the end."""
    cdef tc_batch *batch = &owner.b
    cdef size_t n = batch.n, n_chunks = batch.n_chunks
    cdef size_t scanned = 0, c, k
    cdef int more = 1
    cdef list out = [None] * n
    cdef list pending = []  # claimed chunks not yet built: at most one per worker, after a scan
    cdef bint pooled
    # No cyclic collection while this makes its lists: every list of ints is a new tracked
    # container, so a collection ran every 700 of them and walked all their items, a sixth of
    # a batch of 2,000 documents (docs/NATIVE.md, Threads). The lists are traversed at most once,
    # by the next collection after this, and not at all when the caller frees them first. The
    # pause holds only while this thread has the GIL: other threads that run during the nogil
    # waits see the collector as they left it, and a gc.disable() of theirs stands.
    cdef int collecting = 0
    with nogil:
        pooled = tc_batch_start(batch)
        if not pooled:
            tc_batch_run(batch)
    try:
        while pooled and more:
            if collecting:
                PyGC_Enable()
                collecting = 0
            with nogil:
                more = tc_batch_step(batch)
            collecting = PyGC_Disable()
            # Workers may be setting it now: read it atomically (ThreadSanitizer).
            if tc_batch_failed(batch):
                continue
            claimed = tc_batch_claimed(batch)
            pending.extend(range(scanned, claimed))
            scanned = claimed
            waiting = []
            for c in pending:
                if not tc_batch_chunk_done(batch, c):
                    waiting.append(c)
                    continue
                _chunk_lists(batch, c, out)
                tc_batch_mark_built(batch, c)
            pending = waiting
    finally:
        if collecting:
            PyGC_Enable()
        if pooled:
            with nogil:
                tc_workers_finish()
    _raise_if_failed(batch)
    collecting = PyGC_Disable()
    try:
        for c in range(n_chunks):
            if not pooled or tc_batch_chunk_done(batch, c) != 2:
                _chunk_lists(batch, c, out)
    finally:
        if collecting:
            PyGC_Enable()
    return out


cdef _chunk_lists(const tc_batch *batch, size_t c, list out):
    """The lists of chunk c's texts, into ``out``."""
    cdef size_t k, m
    cdef const uint32_t *ids
    cdef uint32_t n_ranks = batch.v.n_ranks
    for k in range(batch.chunk_at[c], batch.chunk_at[c + 1]):
        ids = tc_batch_ids(batch, c, k, &m)
        out[k] = tc_ints_list(ids, m, n_ranks)

"""The native core of tokcost: rank tables, pretokenizers and BPE, GIL released.

Private. ``tokcost.core.Encoding`` wraps it; special-token rules, vocabulary
files and the registry live in Python.
"""

cimport cython
from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_FromStringAndSize, PyByteArray_Resize
from cpython.list cimport PyList_GET_ITEM
from cpython.object cimport PyTypeObject
from cpython.ref cimport Py_INCREF, PyObject
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, qsort, realloc
from libc.string cimport memchr, memcmp, memcpy, memset, strlen

import operator

# Errors are defined in Python, in the one hierarchy of tokcost.errors.
from tokcost.errors import InvalidTokenError

tc_init_ascii()
tc_merge_use_avx2(1)
tc_utf8_use_ssse3(1)

UNICODE_VERSION = TOKCOST_UNICODE_VERSION.decode()
SPLITTERS = ("o200k", "cl100k", "gpt2", "tekken", "qwen", "qwen3_5", "llama3", "deepseek_v4")

cdef enum:
    # Below this many bytes a text is encoded without releasing the GIL: the
    # release costs more than it frees.
    GIL_RELEASE_BYTES = 8192

include "tables.pxi"


cdef extern from "checksum.h" nogil:
    int tc_crc32_fast(uint32_t crc, const uint8_t *p, size_t n, uint32_t *out)


def crc32(const uint8_t[::1] data, uint32_t value=0):
    """``zlib.crc32(data, value)``, by carry-less multiplication where the CPU has it (about
    5x zlib's speed here; checksum.h). The table cache is checked with it on every load."""
    cdef uint32_t out
    cdef int done
    with nogil:
        done = tc_crc32_fast(value, &data[0] if data.shape[0] else NULL, data.shape[0], &out)
    if done:
        return out
    import zlib

    return zlib.crc32(data, value)


def use_avx2(bint on):
    """Let the ASCII windows, the character path's merge loop and list building use AVX2, and the
    UTF-8 conversion SSSE3, where the CPU has it (the default), or not, so tests check their SSE2
    and scalar paths on this CPU too. Returns whether AVX2 is now in use. Not thread-safe: for
    tests only."""
    cdef int windows = tc_window_use_avx2(on)
    cdef int merges = tc_merge_use_avx2(on)
    cdef int lists = tc_ints_use_avx2(on)
    tc_utf8_use_ssse3(on)
    return bool(windows or merges or lists)


def char_flags():
    """The pretokenizer's class flags of every code point, as bytes indexed by
    code point (bit 1 letter, 2 number, 4 whitespace, 8 o200k upper class,
    16 o200k lower class). For tests that compare the tables with other sources."""
    cdef bytearray out = bytearray(0x110000)
    cdef unsigned char *o = out
    cdef uint8_t buf[4]
    cdef size_t n
    cdef uint32_t cp
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000:
            continue
        if cp < 0x80:
            buf[0] = cp
        elif cp < 0x800:
            buf[0] = 0xC0 | (cp >> 6); buf[1] = 0x80 | (cp & 0x3F)
        elif cp < 0x10000:
            buf[0] = 0xE0 | (cp >> 12); buf[1] = 0x80 | ((cp >> 6) & 0x3F); buf[2] = 0x80 | (cp & 0x3F)
        else:
            buf[0] = 0xF0 | (cp >> 18); buf[1] = 0x80 | ((cp >> 12) & 0x3F)
            buf[2] = 0x80 | ((cp >> 6) & 0x3F); buf[3] = 0x80 | (cp & 0x3F)
        o[cp] = tc_class(buf, 0, &n)
    return bytes(out)





cdef extern from "Python.h":
    # The fixed-width layout of a str (PEP 393), read by batch threads without the GIL.
    int PyUnicode_READY(object text) except -1
    bint PyUnicode_IS_ASCII(object text)
    int PyUnicode_KIND(object text)
    void *PyUnicode_DATA(object text)
    Py_ssize_t PyUnicode_GET_LENGTH(object text)
    # The same, on a borrowed reference (no reference count touched; see _Batch).
    bint PyUnicode_Check(PyObject *text)
    int _unicode_ready "PyUnicode_READY"(PyObject *text) except -1
    bint _unicode_is_ascii "PyUnicode_IS_ASCII"(PyObject *text)
    int _unicode_kind "PyUnicode_KIND"(PyObject *text)
    void *_unicode_data "PyUnicode_DATA"(PyObject *text)
    Py_ssize_t _unicode_length "PyUnicode_GET_LENGTH"(PyObject *text)
    # An int's value, *overflow set (not an exception) when it is outside long long.
    long long PyLong_AsLongLongAndOverflow(object value, int *overflow)
    # The cyclic collector's switch (3.10+): off while a batch makes its lists (see _encode_batch).
    int PyGC_Enable()
    int PyGC_Disable()


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


include "marks.pxi"


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


cdef inline _count_or_raise(size_t k):
    """A native count, where (size_t)-1 means the native side ran out of memory."""
    if k == <size_t>-1:
        raise MemoryError()
    return k


include "batch.pxi"
include "nfc.pxi"
include "unstable.pxi"
include "decode.pxi"


cdef class CoreBPE:
    """Rank tables plus a pretokenizer.

    ``ranks`` is the contents of a ``.tiktoken`` file or a dict of token bytes
    to rank; ``special_tokens`` maps special token text to id (kept only for
    decoding); ``splitter`` names a native pretokenizer, or None when the
    caller splits text itself. ``table_fd``: the open table cache file whose
    first bytes ``ranks`` (export_tables's blob) are, so that some tables are
    used in place (tables.pxi).
    """

    def __cinit__(self, ranks, dict special_tokens, splitter, int table_fd=-1):
        cdef long bad
        cdef uint32_t min_ranks = max(special_tokens.values(), default=-1) + 1
        if min_ranks >= TC_MAX_RANKS - 1:
            raise ValueError(f"special token ids must be below {TC_MAX_RANKS - 1}")
        if isinstance(ranks, (bytes, memoryview)) and ranks[:len(TABLES_MAGIC)] == TABLES_MAGIC:
            _load_tables(self, ranks, table_fd)
            if tc_script_chars_build(&self.v):
                raise MemoryError()
            tc_vocab_assign_uid(&self.v)
            tc_vocab_find_digits(&self.v)
            self._set_splitter(splitter)
            return
        if isinstance(ranks, (bytes, bytearray, memoryview)):
            data = bytes(ranks)
            bad = tc_parse_tiktoken(<const uint8_t *>PyBytes_AS_STRING(data), len(data), min_ranks, &self.v)
            if bad == -1:
                raise MemoryError()
            if bad:
                raise ValueError(f"line {bad}: expected '<base64 token> <rank>' with a unique rank below {TC_MAX_RANKS - 1}")
        else:
            self._load_dict(ranks, min_ranks)
        cdef uint32_t mergeable_limit = self.v.n_ranks
        if tc_vocab_build(&self.v, mergeable_limit) or tc_vocab_check_own_bpe(&self.v):
            raise MemoryError()
        for b in range(256):
            if self.v.byte_rank[b] == TC_NONE:
                raise ValueError(f"the vocabulary has no token for byte {b}; BPE needs all 256")
        if tc_script_chars_build(&self.v):
            raise MemoryError()
        self._add_special_tokens(special_tokens)
        tc_vocab_assign_uid(&self.v)
        tc_vocab_find_digits(&self.v)
        self._set_splitter(splitter)

    cdef _set_splitter(self, splitter):
        if splitter == "o200k":
            self.split = o200k_next
        elif splitter == "cl100k":
            self.split = cl100k_next
        elif splitter == "gpt2":
            self.split = gpt2_next
        elif splitter == "tekken":
            self.split = tekken_next
        elif splitter == "qwen":
            self.split = qwen_next
        elif splitter == "qwen3_5":
            self.split = qwen3_5_next
        elif splitter == "llama3":
            self.split = llama3_next
        elif splitter == "deepseek_v4":
            self.split = deepseek_next
        elif splitter is not None:
            raise ValueError(f"unknown splitter {splitter!r}; expected one of {SPLITTERS} or None")
        self.splitter = splitter

    def __dealloc__(self):
        tc_vocab_free(&self.v)

    cdef _load_dict(self, dict ranks, uint32_t min_ranks):
        cdef uint64_t total = 0, off = 0
        cdef long long r, top = -1
        for token, r in ranks.items():
            if r < 0 or r >= TC_MAX_RANKS - 1:
                raise ValueError(f"rank {r} of {token!r} is outside 0..{TC_MAX_RANKS - 2}")
            if not 0 < len(token) < 0x10000:
                raise ValueError(f"token {token!r} must be 1 to 65535 bytes")
            total += len(token)
            top = max(top, r)
        self.v.n_ranks = max(<uint32_t>(top + 1), min_ranks)
        self.v.dec_off = <uint64_t *>calloc(self.v.n_ranks, sizeof(uint64_t))
        self.v.bytes = <uint8_t *>malloc(total + 1)
        if self.v.dec_off == NULL or self.v.bytes == NULL:
            raise MemoryError()
        for token, r in ranks.items():
            if self.v.dec_off[r]:
                raise ValueError(f"rank {r} is given to more than one token")
            memcpy(self.v.bytes + off, PyBytes_AS_STRING(token), len(token))
            self.v.dec_off[r] = off << 16 | len(token)
            off += len(token)
        self.v.n_bytes = off

    cdef _add_special_tokens(self, dict special_tokens):
        """Special tokens decode like any token but never take part in merges."""
        encoded = {text.encode("utf-8"): rank for text, rank in special_tokens.items()}
        cdef uint64_t extra = sum(len(b) for b in encoded)
        cdef uint8_t *grown = <uint8_t *>realloc(self.v.bytes, self.v.n_bytes + extra + 1)
        if grown == NULL:
            raise MemoryError()
        self.v.bytes = grown
        mergeable = {rank for rank in encoded.values() if self.v.dec_off[rank]}
        if mergeable:
            raise ValueError(f"special token ids {sorted(mergeable)} are also ranks of mergeable tokens")
        for token, rank in encoded.items():
            if self.v.dec_off[rank]:
                continue  # a second name for the same id decodes as the first
            if not 0 < len(token) < 0x10000:
                raise ValueError(f"special token {token!r} must be 1 to 65535 bytes")
            memcpy(self.v.bytes + self.v.n_bytes, PyBytes_AS_STRING(token), len(token))
            self.v.dec_off[rank] = self.v.n_bytes << 16 | len(token)
            self.v.n_bytes += len(token)

    def export_tables(self):
        """The built tables as one blob that the constructor accepts back (tables.pxi)."""
        return _export_tables(self)

    # ------------------------------------------------------------ encoding

    cdef int _encode_text(self, const uint8_t *s, size_t n, tc_buf *out) except -1 nogil:
        if tc_encode_text(&self.v, self.split, s, n, out):
            with gil:
                raise MemoryError()
        return 0

    cdef list _to_list(self, tc_buf *buf):
        # One int object per id, at an address computed from the id (pyints.h).
        return tc_ints_list(buf.data, buf.len, self.v.n_ranks)

    cdef _require_splitter(self):
        if self.split == NULL:
            raise TypeError("this encoding has no native pretokenizer; split the text first")

    cdef _encode_str(self, object text, tc_buf *buf):
        """Encode ``text`` into buf (the caller frees it), the GIL released for long texts."""
        self._require_splitter()
        cdef _Utf8Span u
        _utf8_into(text, &u)
        try:
            self._encode_bytes(u.p, u.n, buf)
        finally:
            free(u.owned)

    cdef _encode_bytes(self, const uint8_t *p, size_t n, tc_buf *buf):
        if n < GIL_RELEASE_BYTES:
            self._encode_text(p, n, buf)
        else:
            with nogil:
                self._encode_text(p, n, buf)

    def encode_ordinary(self, text):
        """Token ids of ``text``, special tokens treated as plain text."""
        cdef tc_buf buf = tc_buf(NULL, 0, 0)  # on the stack, as in encode_special: no _Tokens per call
        try:
            self._encode_str(text, &buf)
            return self._to_list(&buf)
        finally:
            free(buf.data)

    def encode_ordinary_unless(self, text, bytes probe not None, MarkSet marks not None):
        """``encode_ordinary(text)`` (a list), or when text's UTF-8 holds one of ``marks`` the
        leftmost (a str; MarkSet.first_in): the default ``Encoding.encode`` asks whether a special
        token is in the text this way, on the bytes it converts anyway, instead of searching the
        str first, and raises on the one named. ``probe`` is a start every mark shares (may be
        empty): the marks are looked for only where it is found."""
        self._require_splitter()
        cdef _Utf8Span u
        cdef tc_buf buf = tc_buf(NULL, 0, 0)  # on the stack, as u: freed below, whatever is raised
        _utf8_into(text, &u)
        try:
            if len(probe) == 0 or tc_contains(u.p, u.n, <const uint8_t *>probe, len(probe)):
                found = _first_mark(u.p, u.n, marks)
                if found is not None:
                    return found
            self._encode_bytes(u.p, u.n, &buf)
            return self._to_list(&buf)
        finally:
            free(buf.data)
            free(u.owned)

    def encode_special(self, text, MarkSet allowed not None, MarkSet disallowed=None, bint as_bytes=False):
        """Token ids of ``text`` where each of ``allowed`` (made with ids) is found, leftmost first
        and the longest where several start there, as its id, the text between them encoded as
        ordinary text; when text holds one of ``disallowed``, the leftmost of them (a str, which the
        caller raises on). One UTF-8 conversion for the whole call. With ``as_bytes``, the ids as
        native-endian uint32 bytes, or False when the text holds a lone surrogate (encode_to_numpy
        raises CPython's error in its own frame, as tiktoken's does)."""
        self._require_splitter()
        if allowed.ids == NULL:
            raise ValueError("encode_special needs a MarkSet made with ids")
        cdef _Utf8Span u
        cdef tc_buf buf = tc_buf(NULL, 0, 0)  # on the stack, as u: freed below, whatever is raised
        if not as_bytes:
            _utf8_into(text, &u)
        elif _utf8_or_surrogate(text, &u):
            return False
        try:
            if disallowed is not None:
                found = _first_mark(u.p, u.n, disallowed)
                if found is not None:
                    return found
            self._encode_special_into(u.p, u.n, allowed, &buf)
            if as_bytes:
                return PyBytes_FromStringAndSize(<char *>buf.data, buf.len * sizeof(uint32_t))
            return self._to_list(&buf)
        finally:
            free(buf.data)
            free(u.owned)

    cdef _encode_special_into(self, const uint8_t *p, size_t n, MarkSet allowed, tc_buf *buf):
        cdef int failed
        cdef size_t k = len(allowed.marks)
        if n < GIL_RELEASE_BYTES:
            failed = tc_encode_special(&self.v, self.split, p, n, allowed.at, allowed.lens, allowed.ids, k, buf, NULL)
        else:
            with nogil:
                failed = tc_encode_special(&self.v, self.split, p, n, allowed.at, allowed.lens, allowed.ids, k, buf,
                                           NULL)
        if failed:
            raise MemoryError()

    def encode_ordinary_to_bytes(self, text):
        """Token ids of ``text`` as native-endian uint32 bytes (for numpy), or False when the text
        holds a lone surrogate (encode_to_numpy raises CPython's error in its own frame)."""
        self._require_splitter()
        cdef _Utf8Span u
        cdef tc_buf buf = tc_buf(NULL, 0, 0)
        if _utf8_or_surrogate(text, &u):
            return False
        try:
            self._encode_bytes(u.p, u.n, &buf)
            return PyBytes_FromStringAndSize(<char *>buf.data, buf.len * sizeof(uint32_t))
        finally:
            free(buf.data)
            free(u.owned)

    def count(self, text):
        """``len(encode_ordinary(text))`` without building the list."""
        self._require_splitter()
        cdef _Utf8Span u
        cdef size_t k
        _utf8_into(text, &u)
        try:
            if u.n < GIL_RELEASE_BYTES:
                k = tc_count_text(&self.v, self.split, u.p, u.n)
            else:
                with nogil:
                    k = tc_count_text(&self.v, self.split, u.p, u.n)
        finally:
            free(u.owned)  # as the other entries: whatever a later change lets raise above
        return _count_or_raise(k)

    def last_piece_token_count(self, text):
        """How many tokens the last pretokenized piece of ``text`` encodes to."""
        self._require_splitter()
        cdef _Utf8 u = _utf8(text)
        return _count_or_raise(tc_last_piece_tokens(&self.v, self.split, u.p, u.n))

    def encode_unstable_tail(self, text, MarkSet allowed=None):
        """(stable ids of ``text``, the bytes of the ids after them that more text could change),
        the allowed special tokens found as ``allowed``: encode_with_unstable's first step
        (unstable.pxi)."""
        return _encode_unstable_tail(self, text, allowed)

    def encode_bytes(self, bytes data):
        """Token ids of bytes that need not be UTF-8, as tiktoken's _encode_bytes (unstable.pxi)."""
        return _encode_raw_bytes(self, data)

    def piece_ranks(self, pieces):
        """``[piece_rank(p) for p in pieces]`` in one call (unstable.pxi)."""
        return _piece_ranks(self, pieces)

    def straddling_completions(self, bytes unstable, tuple sorted_tokens):
        """encode_with_unstable's completions with a token straddling a split point of
        ``unstable``, a set of tuples of ids; ``sorted_tokens`` is sorted_token_bytes()'s tuple
        (unstable.pxi)."""
        return _straddling_completions(self, unstable, sorted_tokens)

    def split_text(self, text):
        """The pretokenized pieces of ``text`` (for tests and inspection)."""
        self._require_splitter()
        cdef _Utf8 u = _utf8(text)
        cdef const uint8_t *s = u.p
        cdef size_t i = 0, j, k, n = u.n
        cdef size_t starts[17]
        cdef tc_split_state st
        pieces = []
        tc_split_begin(&st)
        while i < n:
            # A group at a time, as the text loop finds them (tc_split_many).
            k = tc_split_many(self.split, s, i, n, starts, 16, &st)
            for j in range(k):
                pieces.append((<const char *>s)[starts[j]:starts[j + 1]].decode("utf-8"))
            i = starts[k]
        return pieces

    def _run_batch(self, texts, int num_threads, bint counting):
        self._require_splitter()
        cdef _Batch batch = _Batch(self, list(texts), counting, num_threads)
        if not counting:
            return self._encode_batch(batch)
        with nogil:
            tc_batch_run(&batch.b)
        _raise_if_failed(&batch.b)
        return tc_sizes_list(batch.b.counts, batch.b.n, self.v.n_ranks)

    def encode_ordinary_batch_flat(self, texts, int num_threads=8):
        """(ids, offsets): the ids of every text one after another as native-endian uint32, and
        where each text's ids start as uint64 (one more than there are texts, the last the
        total), both in bytearrays (writable, for numpy): no list or int object per text."""
        self._require_splitter()
        cdef _Batch batch = _Batch(self, list(texts), False, num_threads)
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

    def _batch_plan(self, texts, int num_threads=8):
        """(threads, chunk boundaries) a batch of ``texts`` would run with (for tests)."""
        cdef _Batch batch = _Batch(self, list(texts), True, num_threads)
        return batch.b.threads, [batch.b.chunk_at[k] for k in range(batch.b.n_chunks + 1)]

    cdef list _encode_batch(self, _Batch owner):
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
                    self._chunk_lists(batch, c, out)
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
                    self._chunk_lists(batch, c, out)
        finally:
            if collecting:
                PyGC_Enable()
        return out

    cdef _chunk_lists(self, tc_batch *batch, size_t c, list out):
        """The lists of chunk c's texts, into ``out``."""
        cdef size_t k, m
        cdef const uint32_t *ids
        for k in range(batch.chunk_at[c], batch.chunk_at[c + 1]):
            ids = tc_batch_ids(batch, c, k, &m)
            out[k] = tc_ints_list(ids, m, self.v.n_ranks)

    def encode_ordinary_batch(self, texts, int num_threads=8):
        """``[encode_ordinary(t) for t in texts]`` on native threads."""
        return self._run_batch(texts, num_threads, False)

    def count_batch(self, texts, int num_threads=8):
        """``[count(t) for t in texts]`` on native threads."""
        return self._run_batch(texts, num_threads, True)

    def encode_batch_screened(self, texts, int num_threads, MarkSet marks, MarkSet specials=None):
        """(``encode_ordinary_batch(texts)``, the first text that holds one of ``marks`` or None):
        ``marks`` are non-empty UTF-8 bytes (``encode_batch``'s disallowed special tokens), looked
        for by the threads that encode each text, so the screen adds nothing serial. With
        ``specials`` (made with ids; the allowed special tokens), each text as ``encode_special``
        encodes it."""
        self._require_splitter()
        cdef _Batch batch = _Batch(self, list(texts), False, num_threads, marks, specials)
        cdef const uint8_t *hit
        out = self._encode_batch(batch)
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

    def count_files(self, list paths, size_t limit, size_t sniff):
        """(status, tokens, bytes) of each file in ``paths`` (bytes, no NUL),
        read and counted without the GIL; status 0 counted, 1 binary, 2 left
        to the caller (see files.h)."""
        self._require_splitter()
        cdef Py_ssize_t n = len(paths), k
        cdef const char **ptrs = <const char **>malloc((n + 1) * sizeof(char *))
        cdef tc_file_count *out = <tc_file_count *>malloc((n + 1) * sizeof(tc_file_count))
        try:
            if ptrs == NULL or out == NULL:
                raise MemoryError()
            for k in range(n):
                path = paths[k]
                if type(path) is not bytes or b"\0" in path:
                    raise ValueError("count_files takes file system paths as bytes without NUL")
                ptrs[k] = PyBytes_AS_STRING(path)
            with nogil:
                tc_count_files(&self.v, self.split, ptrs, n, limit, sniff, out)
            return [(out[k].status, out[k].tokens, out[k].bytes) for k in range(n)]
        finally:
            free(<void *>ptrs)
            free(out)

    def encode_single_piece(self, bytes piece):
        """One piece, no splitting: its own rank if it is a token, else BPE."""
        cdef tc_buf buf = tc_buf(NULL, 0, 0)  # on the stack, as in encode_ordinary: no _Tokens per call
        try:
            if tc_encode_piece(&self.v, tc_caches_for(&self.v), <const uint8_t *>PyBytes_AS_STRING(piece),
                               len(piece), len(piece), &buf, NULL):
                raise MemoryError()
            return self._to_list(&buf)
        finally:
            free(buf.data)

    def byte_pair_encode(self, bytes piece):
        """Plain BPE of ``piece``, even when it is a token itself."""
        if not piece:
            return []
        cdef _Tokens tokens = _Tokens()
        if tc_byte_pair_encode(&self.v, <const uint8_t *>PyBytes_AS_STRING(piece), len(piece), &tokens.buf):
            raise MemoryError()
        return self._to_list(&tokens.buf)

    def piece_rank(self, bytes piece):
        """Rank of a mergeable token, or -1."""
        if not piece:
            return -1
        cdef uint32_t r = tc_piece_rank(&self.v, <const uint8_t *>PyBytes_AS_STRING(piece), len(piece))
        return -1 if r == TC_NONE else r

    def long_piece_table_bytes(self):
        """Memory held by the long-piece encoder's tables; 0 until they are built or read."""
        return tc_long_table_bytes(&self.v)

    def long_piece_tables_source(self):
        """Where the long-piece tables came from: "read" (the table cache), "built", or None
        before either."""
        return {-1: None, 0: "built", 1: "read"}[tc_long_tables_read(&self.v)]

    def long_short_pair_valid(self, uint32_t a, uint32_t b):
        """The long-piece tables' stored answer for whether tokens a, b form a valid pair
        (1 or 0), or -1 when they hold none (not short tokens, or not built yet)."""
        return tc_long_short_pair(&self.v, a, b)

    def long_piece_search(self, bytes piece):
        """The long-piece search's own tokens for ``piece``, or None when it declines (no
        merging behind it, no cache, no periodic shortcut; tables built now): for tests."""
        return _long_piece_search(self, piece)

    def export_long_tables(self):
        """The long-piece encoder's tables as bytes (built now if need be), or None when
        the encoder cannot serve this vocabulary (tables.pxi)."""
        return _export_long_tables(self)

    def use_long_tables_file(self, str path):
        """Read the long-piece tables from this file (export_long_tables's bytes) once
        long pieces need them, instead of building them; a missing, damaged or foreign
        file means they are built. Call before encoding."""
        _use_long_tables_file(self, path)

    # ------------------------------------------------------------ decoding

    def decode_bytes(self, tokens):
        """The bytes of a sequence of token ids (special tokens included)."""
        return _decode_bytes(self, tokens)

    cdef uint32_t _checked_rank(self, token) except? 0xFFFFFFFF:
        if type(token) is not int:
            token = operator.index(token)  # ints and numpy integers; floats raise TypeError
        cdef uint32_t rank = _rank_with_bytes(self, token)
        if rank == TC_NONE:
            raise InvalidTokenError(_new_reference_or_raise(_invalid_token_message(<PyObject *>token)))
        return rank

    def decode_tokens_bytes(self, tokens):
        """``[decode_single_token_bytes(t) for t in tokens]`` without a method call per token."""
        return _decode_tokens_bytes(self, tokens)

    def decode_with_offsets(self, tokens):
        """(the bytes of ``tokens``, per token the index of the first character it adds bytes to),
        as tiktoken counts characters (decode.pxi)."""
        return _decode_with_offsets(self, tokens)

    def sorted_token_bytes(self, special_ids=()):
        """Every mergeable token's bytes (every id but ``special_ids``) in byte order, as a tuple
        (decode.pxi: a radix sort of their first 8 bytes; Python's sort took 0.15 s, qsort 70 ms)."""
        return _sorted_token_bytes(self, special_ids)

    @property
    def n_ranks(self):
        return self.v.n_ranks

    @property
    def max_token_len(self):
        return self.v.max_token_len


# decode_single_token_bytes(token) is a plain C method (decode.pxi's _single_token_bytes, METH_O) put in
# CoreBPE's dict: no argument parsing, and an unknown id's error leaves no native traceback entry, so
# Encoding's method raises it with one entry, its own, as tiktoken's does (r21-api).
tc_add_method(<PyTypeObject *>CoreBPE, &_single_token_bytes_method)

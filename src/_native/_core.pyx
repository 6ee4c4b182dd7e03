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
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.stdint cimport int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, qsort, realloc
from libc.string cimport memchr, memcmp, memcpy, memset, strlen

import operator

# Errors are defined in Python, in the one hierarchy of tokcost.errors.
from tokcost.errors import InvalidTokenError

tc_init_ascii()
tc_merge_use_avx2(1)
tc_utf8_use_ssse3(1)
tc_utf8_check_use_avx2(1)

UNICODE_VERSION = TOKCOST_UNICODE_VERSION.decode()
SPLITTERS = ("o200k", "cl100k", "gpt2", "tekken", "qwen", "qwen3_5", "llama3", "deepseek_v4")

cdef enum:
    # Below this many bytes a text is encoded without releasing the GIL: the
    # release costs more than it frees.
    GIL_RELEASE_BYTES = 8192

include "tables.pxi"
include "settings.pxi"
include "utf8.pxi"
include "marks.pxi"


cdef inline _count_or_raise(size_t k):
    """A native count, where (size_t)-1 means the native side ran out of memory."""
    if k == <size_t>-1:
        raise MemoryError()
    return k


cdef size_t _NOT_UTF8 = <size_t>-2


cdef inline size_t _count_span(const tc_vocab *v, tc_split_fn split, const uint8_t *p, size_t n, bint strict_utf8):
    """The tokens of UTF-8 p[0:n]: with the GIL below GIL_RELEASE_BYTES, else without it and cut over
    threads (tc_count_text_threads); (size_t)-1 when out of memory. With strict_utf8 the bytes are
    checked first, and _NOT_UTF8 when they fail."""
    cdef size_t k
    if n < GIL_RELEASE_BYTES:
        if strict_utf8 and tc_utf8_valid_up_to(p, n) != n:
            return _NOT_UTF8
        return tc_count_text(v, split, p, n)
    with nogil:
        if strict_utf8 and tc_utf8_valid_up_to(p, n) != n:
            k = _NOT_UTF8
        else:
            k = tc_count_text_threads(v, split, p, n)
    return k


include "batch.pxi"
include "nfc.pxi"
include "unstable.pxi"
include "decode.pxi"
include "files.pxi"


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
        # One call's text (a batch's texts take tc_encode_text): a long one may be cut over threads.
        if tc_encode_text_threads(&self.v, self.split, s, n, out):
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
        else:  # one call's text: a long one may be cut over threads
            with nogil:
                failed = tc_encode_special_threads(&self.v, self.split, p, n, allowed.at, allowed.lens, allowed.ids, k,
                                                   buf)
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
            k = _count_span(&self.v, self.split, u.p, u.n, False)
        finally:
            free(u.owned)  # as the other entries: whatever a later change lets raise above
        return _count_or_raise(k)

    def count_utf8(self, const unsigned char[::1] data):
        """``count(data.decode("utf-8"))`` for bytes that are strict UTF-8, without making the str
        (nor converting it back to UTF-8); -1 when they are not, for the caller to decode them its
        own way. A file's chunks are counted so (corpus/streaming.py)."""
        self._require_splitter()
        if data.shape[0] == 0:
            return 0
        cdef size_t k = _count_span(&self.v, self.split, &data[0], data.shape[0], True)
        return -1 if k == _NOT_UTF8 else _count_or_raise(k)

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
        """``[token_rank(p) for p in pieces]`` (bytes each) in one call (unstable.pxi)."""
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

    def encode_ordinary_batch(self, texts, int num_threads=8):
        """``[encode_ordinary(t) for t in texts]`` on native threads (batch.pxi)."""
        return _run_batch(self, texts, num_threads, False)

    def count_batch(self, texts, int num_threads=8):
        """``[count(t) for t in texts]`` on native threads (batch.pxi)."""
        return _run_batch(self, texts, num_threads, True)

    def encode_ordinary_batch_flat(self, texts, int num_threads=8):
        """(ids, offsets): the ids of every text one after another as native-endian uint32, and
        where each text's ids start as uint64 (one more than there are texts, the last the
        total), both in bytearrays (writable, for numpy): no list or int object per text."""
        return _encode_batch_flat(self, texts, num_threads)

    def encode_batch_screened(self, texts, int num_threads, MarkSet marks, MarkSet specials=None):
        """(``encode_ordinary_batch(texts)``, the first text that holds one of ``marks`` or None):
        ``marks`` are non-empty UTF-8 bytes (``encode_batch``'s disallowed special tokens), looked
        for by the threads that encode each text, so the screen adds nothing serial. With
        ``specials`` (made with ids; the allowed special tokens), each text as ``encode_special``
        encodes it."""
        return _encode_batch_screened(self, texts, num_threads, marks, specials)

    def _batch_plan(self, texts, int num_threads=8):
        """(threads, chunk boundaries) a batch of ``texts`` would run with (for tests)."""
        return _plan_batch(self, texts, num_threads)

    def count_files(self, list paths, size_t limit, size_t sniff):
        """(status, tokens, bytes) of each file in ``paths`` (file system paths, as ``os.fsencode``
        takes them; no NUL), read and counted without the GIL; status 0 counted, 1 binary, 2 left
        to the caller (files.pxi, files.h)."""
        return _count_files(self, paths, limit, sniff)

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

    @cython.always_allow_keywords(False)
    def token_rank(self, piece):
        """The rank of the mergeable token spelled by ``piece``, exact bytes or an exact str (by its
        UTF-8, read in place when ASCII); -1 when none is, -2 for a str with a lone surrogate (the
        caller raises tiktoken's error in its own frame), -3 for any other type (the caller's)."""
        cdef _Utf8Span u
        cdef uint32_t r
        if type(piece) is bytes:
            if not PyBytes_GET_SIZE(piece):
                return -1
            r = tc_piece_rank(&self.v, <const uint8_t *>PyBytes_AS_STRING(piece), PyBytes_GET_SIZE(piece))
        elif type(piece) is str:
            if _utf8_or_surrogate(piece, &u):
                return -2
            r = tc_piece_rank(&self.v, u.p, u.n) if u.n else TC_NONE
            free(u.owned)
        else:
            return -3
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

    def long_piece_search(self, bytes piece, size_t split=0, size_t reveal=0, bint threads=False,
                          bint second_last=False):
        """The long-piece search's own tokens for ``piece``, or None when it declines (no
        merging behind it, no cache, no periodic shortcut; tables built now): for tests.
        ``split`` (0 < split < len(piece)): searched as two chains, from 0 and from split,
        the second on a pool worker when ``threads``; else first, its tokens looked at
        once the first chain reaches ``reveal`` (at least split), or, ``second_last``,
        claimed first and searched once the first chain is done (it stops early:
        ``long_halves_stopped``)."""
        cdef int order = TC_LONG_B_WORKER if threads else TC_LONG_B_LAST if second_last else TC_LONG_B_FIRST
        return _long_piece_search(self, piece, split, reveal, order)

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

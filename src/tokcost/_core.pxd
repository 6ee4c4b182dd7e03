# The contract of tokcost._core: what the C hot path (the headers beside this
# file) offers the Cython layer (_core.pyx), and the extension types that
# layer defines. Nothing here knows about special tokens, files or policy.
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t


cdef extern from "tables.h" nogil:
    const uint32_t TC_NONE
    const uint32_t TC_MAX_RANKS
    const uint32_t TC_STRADDLE_BITS
    const uint32_t TC_SLOT_EMPTY
    const uint32_t TC_INLINE
    const uint64_t TC_EMPTY

    ctypedef struct tc_piece_slot:
        uint64_t w0
        uint32_t w1
        uint32_t meta

    ctypedef struct tc_sig_pair:
        uint64_t lsig
        uint64_t rsig

    ctypedef struct tc_vocab:
        uint32_t n_ranks
        uint32_t max_token_len
        uint64_t *dec_off
        uint8_t *bytes
        uint64_t n_bytes
        uint32_t byte_rank[256]
        tc_piece_slot *piece
        uint64_t piece_mask
        uint64_t boundary_bits[4096]
        uint32_t own_bpe_ok
        uint32_t *straddle_rank
        tc_sig_pair *sig
        uint32_t *byte_pair
        uint64_t *pair
        uint64_t pair_mask
        uint32_t *min_pair
        uint64_t *split
        char *long_file
        void *mapped

    int tc_vocab_build(tc_vocab *v, uint32_t n_mergeable_limit)
    void tc_vocab_free(tc_vocab *v)
    const uint8_t *tc_vocab_map_in_place(tc_vocab *v, int fd, uint64_t start, uint64_t end)
    void tc_vocab_assign_uid(tc_vocab *v)
    void *tc_alloc_table(size_t bytes)
    const uint8_t *tc_token_bytes(const tc_vocab *v, uint32_t rank, size_t *len)
    uint32_t tc_piece_rank(const tc_vocab *v, const uint8_t *p, size_t n)


cdef extern from "longpiece.h" nogil:
    ctypedef struct tc_longpiece:
        int usable
    size_t tc_long_table_bytes(const tc_vocab *v)
    int tc_long_tables_read(const tc_vocab *v)
    int tc_long_short_pair(const tc_vocab *v, uint32_t a, uint32_t b)
    const tc_longpiece *tc_long_tables_now(const tc_vocab *v)


cdef extern from "tiktoken_format.h" nogil:
    long tc_parse_tiktoken(const uint8_t *data, size_t n, uint32_t min_ranks, tc_vocab *v)


cdef extern from "thread_caches.h" nogil:
    ctypedef struct tc_caches:
        pass
    tc_caches *tc_caches_for(const tc_vocab *v)
    unsigned tc_bit_count(uint32_t x)
    uint32_t tc_big_first_bits_set(uint32_t bits)
    uint32_t tc_big_bits_now(const tc_vocab *v)
    void tc_big_events(size_t *out)
    size_t tc_scratch_bytes_set(size_t bytes, size_t *refused)


cdef extern from "longpiece.h" nogil:
    size_t tc_long_export(const tc_longpiece *t, const tc_vocab *v, tc_caches *c, uint8_t *out)
    size_t tc_long_search_only(const tc_vocab *v, tc_caches *c, const uint8_t *p, size_t n, size_t m, size_t reveal,
                               int order, uint32_t *out)
    int tc_long_threads_allowed(int on)
    size_t tc_long_halves_stopped_count()
    enum:
        TC_LONG_B_FIRST
        TC_LONG_B_WORKER
        TC_LONG_B_LAST


cdef extern from "bpe.h" nogil:
    ctypedef struct tc_buf:
        uint32_t *data
        size_t len
        size_t cap

    int tc_buf_reserve(tc_buf *b, size_t extra)


cdef extern from "cache.h" nogil:
    ctypedef struct tc_piece_key:
        pass
    int tc_vocab_check_own_bpe(tc_vocab *v)
    int tc_script_chars_build(tc_vocab *v)
    int tc_merge_use_avx2(int on)
    int tc_byte_pair_encode(const tc_vocab *v, const uint8_t *p, size_t n, tc_buf *b)
    int tc_encode_piece(const tc_vocab *v, tc_caches *c, const uint8_t *p, size_t n, size_t avail, tc_buf *b,
                        const tc_piece_key *key)


cdef extern from "pretokenize.h" nogil:
    const char *TOKCOST_UNICODE_VERSION
    void tc_init_ascii()
    int tc_window_use_avx2(int on)
    uint8_t tc_class(const uint8_t *s, size_t i, size_t *n)
    size_t o200k_next(const uint8_t *s, size_t i, size_t end)
    size_t cl100k_next(const uint8_t *s, size_t i, size_t end)
    size_t gpt2_next(const uint8_t *s, size_t i, size_t end)


cdef extern from "pretokenize_open.h" nogil:
    size_t tekken_next(const uint8_t *s, size_t i, size_t end)
    size_t qwen_next(const uint8_t *s, size_t i, size_t end)
    size_t qwen3_5_next(const uint8_t *s, size_t i, size_t end)
    size_t llama3_next(const uint8_t *s, size_t i, size_t end)
    size_t deepseek_next(const uint8_t *s, size_t i, size_t end)


cdef extern from "encoder.h" nogil:
    ctypedef size_t (*tc_split_fn)(const uint8_t *s, size_t i, size_t end) noexcept nogil

    ctypedef struct tc_batch:
        const tc_vocab *v
        tc_split_fn split
        const uint8_t *const *ptrs
        const size_t *lens
        const uint8_t *kinds
        size_t n
        size_t *chunk_at
        size_t n_chunks
        int threads
        size_t *counts
        size_t *id_at
        uint32_t *ids
        size_t *ends
        uint8_t *done
        const uint8_t *const *marks
        const size_t *mark_lens
        size_t n_marks
        uint8_t *marked
        const uint8_t *const *specials
        const size_t *special_lens
        const uint32_t *special_ids
        size_t n_specials
        int failed

    void tc_vocab_find_digits(tc_vocab *v)
    int tc_encode_special(const tc_vocab *v, tc_split_fn split, const uint8_t *s, size_t n,
                          const uint8_t *const *marks, const size_t *lens, const uint32_t *ids, size_t k, tc_buf *out,
                          size_t *tail)
    int tc_encode_text(const tc_vocab *v, tc_split_fn split, const uint8_t *s, size_t n, tc_buf *out)
    size_t tc_count_text(const tc_vocab *v, tc_split_fn split, const uint8_t *s, size_t n)
    int tc_encode_text_threads(const tc_vocab *v, tc_split_fn split, const uint8_t *s, size_t n, tc_buf *out)
    int tc_encode_special_threads(const tc_vocab *v, tc_split_fn split, const uint8_t *s, size_t n,
                                  const uint8_t *const *marks, const size_t *lens, const uint32_t *ids, size_t k,
                                  tc_buf *out)
    size_t tc_count_text_threads(const tc_vocab *v, tc_split_fn split, const uint8_t *s, size_t n)
    int tc_text_threads_allowed(int on)
    size_t tc_text_threads_sizes(size_t min_text, size_t min_segment)
    size_t tc_texts_cut_count()
    size_t tc_last_piece_tokens(const tc_vocab *v, tc_split_fn split, const uint8_t *s, size_t n)
    ctypedef struct tc_split_state:
        int have
    void tc_split_begin(tc_split_state *st)
    size_t tc_split_many(tc_split_fn split, const uint8_t *s, size_t i, size_t end, size_t *starts, size_t max,
                         tc_split_state *st)
    enum: TC_BATCH_SURROGATE
    # tc_batch_plan decides the batch's threads (tc_batch_threads, the one
    # place that bounds the caller's request) and its chunks; the others run it.
    void tc_batch_plan(tc_batch *b, int requested)
    int tc_batch_run(tc_batch *b)
    int tc_batch_start(tc_batch *b)
    int tc_batch_step(tc_batch *b)
    int tc_batch_chunk_done(const tc_batch *b, size_t chunk)
    const uint32_t *tc_batch_ids(const tc_batch *b, size_t c, size_t k, size_t *n)
    void tc_batch_mark_built(tc_batch *b, size_t chunk)
    size_t tc_batch_claimed(const tc_batch *b)
    int tc_batch_failed(const tc_batch *b)
    ctypedef struct tc_flat:
        uint32_t *ids
        uint64_t *offsets
        size_t chunk
        size_t at
    void tc_batch_run_flat(tc_batch *b, tc_flat *f)


cdef extern from "utf8.h" nogil:
    size_t tc_utf8_room(size_t n, int kind)
    size_t tc_utf8_of(const void *data, size_t n, int kind, uint8_t *out)
    int tc_utf8_use_ssse3(int on)
    int tc_contains(const uint8_t *s, size_t n, const uint8_t *p, size_t m)
    int tc_contains_any(const uint8_t *s, size_t n, const uint8_t *const *marks, const size_t *lens, size_t k)
    size_t tc_find_mark(const uint8_t *s, size_t n, const uint8_t *const *marks, const size_t *lens, size_t k,
                        size_t *which)


cdef extern from "utf8_check.h" nogil:
    int tc_utf8_check_use_avx2(int on)
    size_t tc_utf8_valid_up_to(const uint8_t *s, size_t n)


cdef extern from "files.h" nogil:
    ctypedef struct tc_file_count:
        int status
        size_t tokens
        size_t bytes

    void tc_count_files(const tc_vocab *v, tc_split_fn split, const char *const *paths, size_t n, size_t limit,
                        size_t sniff, tc_file_count *out)
    int tc_stat_path(const char *path, int follow, unsigned *mode, int64_t *size, double *mtime)


cdef extern from "pyints.h":
    # A new list of ids (ids below n_ranks), as one shared int object per id.
    list tc_ints_list(const uint32_t *ids, size_t n, uint32_t n_ranks)
    # Return once no thread populates the int block's pages.
    void tc_ints_populate_wait() nogil
    # A new list of counts, made at its full size; those below n_ranks are the ids' shared ints.
    list tc_sizes_list(const size_t *v, size_t n, uint32_t n_ranks)
    int tc_ints_use_avx2(int on)


cdef extern from "workers.h" nogil:
    void tc_workers_finish()


cdef class _Tokens:
    """A native token buffer; freed with this object."""
    cdef tc_buf buf


cdef class MarkSet:
    """Strings to screen text for (special tokens as UTF-8), as tc_contains_any takes them."""
    cdef readonly tuple marks  # the bytes, sorted in memcmp order; at points into them
    cdef readonly tuple names  # the strings, in the order of their bytes
    cdef const uint8_t **at
    cdef size_t *lens
    cdef uint32_t *ids  # each mark's token id, when made with ids (encode_special); else NULL


cdef class _Batch:
    """The native arrays of one batch call; all freed with this object."""
    cdef tc_batch b
    cdef object core  # the CoreBPE whose tables b.v points to, kept alive
    cdef list texts   # the strings whose UTF-8 b.ptrs point into, kept alive
    cdef MarkSet marks  # the marks b.marks point into, kept alive
    cdef MarkSet specials  # the marks b.specials point into, kept alive


cdef class CoreBPE:
    cdef tc_vocab v
    cdef tc_split_fn split
    cdef readonly str splitter

    cdef _set_splitter(self, splitter)
    cdef _load_dict(self, dict ranks, uint32_t min_ranks)
    cdef _add_special_tokens(self, dict special_tokens)
    cdef int _encode_text(self, const uint8_t *s, size_t n, tc_buf *out) except -1 nogil
    cdef list _to_list(self, tc_buf *buf)
    cdef _require_splitter(self)
    cdef _encode_str(self, object text, tc_buf *buf)
    cdef _encode_bytes(self, const uint8_t *p, size_t n, tc_buf *buf)
    cdef _encode_special_into(self, const uint8_t *p, size_t n, MarkSet allowed, tc_buf *buf)
    cdef uint32_t _checked_rank(self, token) except? 0xFFFFFFFF

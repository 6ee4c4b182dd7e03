/* Whole texts and batches: pretokenize, then encode or count each piece.
 * Everything here runs without the GIL; batches run on native threads. */
#pragma once
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#include "bpe.h"
#include "cache.h"
#include "interleave.h"
#include "pretokenize_open.h"
#include "utf8.h"
#include "workers.h"

/* Pieces are found a batch at a time (tc_split_many, pretokenize_open.h), and their table lookups
 * prefetched before any of them is encoded (see tc_prefetch_piece). */
#define TC_AHEAD 16

static inline __attribute__((always_inline)) size_t tc_split_ahead(tc_split_fn split, const uint8_t *s, size_t i, size_t n,
                                    const tc_vocab *v, const tc_caches *c, size_t *starts, tc_piece_key *keys,
                                    tc_split_state *st) {
    size_t k = tc_split_many(split, s, i, n, starts, TC_AHEAD, st);
    for (size_t j = 0; j < k; j++) {
        size_t len = starts[j + 1] - starts[j];
        if (len >= 2 && len <= TC_KEYED_MAX) {
            tc_piece_key_of(s + starts[j], len, n - starts[j], &keys[j]);
            tc_prefetch_piece(v, c, &keys[j], len);
        }
    }
    return k;
}

/* The key computed ahead for piece j, or NULL when it has none. */
static inline const tc_piece_key *tc_key_at(const size_t *starts, const tc_piece_key *keys, size_t j) {
    size_t len = starts[j + 1] - starts[j];
    return len >= 2 && len <= TC_KEYED_MAX ? &keys[j] : NULL;
}

/* Pieces waiting for their byte-level BPE (interleave.h). Jobs outlive the
 * group of pieces that started them, so a text with few such pieces still has
 * several in flight. When encoding, each job's piece holds room in the output
 * for as many tokens as it has bytes; later pieces are written after it, and
 * the gaps are closed when the pool is drained. */
#define TC_POOL 16

typedef struct {
    tc_merge_job jobs[TC_POOL];
    size_t at[TC_POOL];             /* where the piece's room starts in the output */
    size_t len[TC_POOL];            /* the piece's bytes */
    const uint8_t *piece[TC_POOL];
    tc_piece_key key[TC_POOL];      /* valid when the piece fits the piece cache */
    uint32_t running;               /* bit q: job q has not finished */
    size_t n;
} tc_job_pool;

/* The deepest the thread's scratch gets (thread_caches.h): the text loop's pool, under it a piece's
 * units on the character path, and a long piece's search, each rounded up to a cache line. */
_Static_assert(sizeof(tc_job_pool) + sizeof(tc_units_room) + sizeof(tc_long_state) + 3 * 64 <= TC_SCRATCH_BYTES,
               "the scratch holds the deepest chain of work arrays");

/* Let each unfinished job merge until it next waits for memory. Inline in both callers (the compiler
 * stopped inlining it when the merge step grew by tc_shift_down: English paid 0.6 instructions a byte). */
static inline __attribute__((always_inline)) void tc_pool_step(const tc_vocab *v, tc_caches *c, tc_job_pool *pool) {
    for (uint32_t live = pool->running; live; live &= live - 1) {
        unsigned q = (unsigned)__builtin_ctz(live);
        if (tc_job_run(v, c, &pool->jobs[q])) pool->running &= ~(1u << q);
    }
}

/* Finish every job: results into the piece cache, then into out (closing
 * the gaps) or, when counting, added to *total. */
static void tc_pool_drain(const tc_vocab *v, tc_caches *c, tc_job_pool *pool, tc_buf *out, size_t *total) {
    while (pool->running) tc_pool_step(v, c, pool);
    size_t w = pool->n ? pool->at[0] : 0;
    for (size_t q = 0; q < pool->n; q++) {
        const tc_merge_job *jb = &pool->jobs[q];
        if (pool->len[q] <= TC_KEYED_MAX)
            tc_piece_remember(c, pool->piece[q], pool->len[q], &pool->key[q], jb->ids, jb->m);
        if (!out) { *total += jb->m; continue; }
        memcpy(out->data + w, jb->ids, jb->m * sizeof(uint32_t));
        w += jb->m;
        size_t from = pool->at[q] + pool->len[q], to = q + 1 < pool->n ? pool->at[q + 1] : out->len;
        memmove(out->data + w, out->data + from, (to - from) * sizeof(uint32_t));
        w += to - from;
    }
    if (out && pool->n) out->len = w;
    pool->n = 0;
}

/* Piece j of a group (tc_encode_group) past its piece cache entry: its tokens appended to out (at
 * out->len), or (out NULL) their number added to *sum. A piece that needs byte-level BPE becomes a
 * job in the pool. Out of line, so that the group loop's hits keep their registers. 0, or -1 on OOM. */
static __attribute__((noinline)) int tc_encode_uncached(const tc_vocab *v, tc_caches *c, const uint8_t *s, size_t n,
                                                        const size_t *starts, const tc_piece_key *keys, size_t j,
                                                        tc_buf *out, size_t *sum, tc_job_pool *pool) {
    uint32_t scratch[TC_SMALL_PIECE];
    const uint8_t *p = s + starts[j];
    size_t len = starts[j + 1] - starts[j], got;
    const tc_piece_key *key = tc_key_at(starts, keys, j);
    uint32_t *dst = out ? out->data + out->len : scratch;
    if (!out && len > TC_SMALL_PIECE) {
        got = tc_count_piece(v, c, p, len, n - starts[j], scratch, key);
    } else {
        got = tc_piece_uncached(v, c, p, len, n - starts[j], dst, key);
        if (got == TC_NEEDS_MERGE && len <= TC_SHORT_PIECE) {
            /* As in tc_merge_piece: the one test inside tc_piece_uncached instead cost 0.1-0.2% more
             * instructions (NATIVE.md, Round 28, r28-core). */
            got = tc_merge_short(v, p, len, dst);
            if (key) tc_piece_remember(c, p, len, key, dst, got);
        } else if (got == TC_NEEDS_MERGE) {
            /* Words with a few accented Latin letters go to the jobs, whose pair-table misses
             * overlap with other pieces' (one piece at a time, the character path waits for each:
             * NATIVE.md, Round 25); other non-ASCII pieces, and longer ones, take the character path. */
            int kind = tc_non_ascii_kind(p, len);
            int job = kind == TC_BYTES_ASCII || (kind == TC_BYTES_LATIN && len <= TC_SMALL_PIECE);
            got = job ? (size_t)-1 : tc_merge_non_ascii(v, c, p, len, dst);
            if (got == (size_t)-1 && len <= TC_SMALL_PIECE) {
                if (pool->n == TC_POOL) tc_pool_drain(v, c, pool, out, sum);
                size_t q = pool->n++;
                tc_job_start(v, &pool->jobs[q], p, len);
                pool->running |= 1u << q;
                pool->at[q] = out ? out->len : 0;
                pool->len[q] = len;
                pool->piece[q] = p;
                if (key) pool->key[q] = *key;
                if (out) out->len += len;
                return 0;
            }
            if (got == (size_t)-1) got = tc_merge(v, c, p, len, dst);
            if (got != (size_t)-1 && key) tc_piece_remember(c, p, len, key, dst, got);
        }
    }
    if (got == (size_t)-1) return -1;
    if (out) out->len += got;
    else *sum += got;
    return 0;
}

/* The k pieces starting at starts[0..k) of s[0:n]. Encoding (out given):
 * their tokens are appended to out. Counting (out NULL): their number is
 * added to *total. Single bytes and piece cache hits (most pieces of English and code) are done
 * here, the rest by tc_encode_uncached, which puts pieces that need byte-level BPE in the pool as
 * jobs. 0, or -1 on OOM. */
static int tc_encode_group(const tc_vocab *v, tc_caches *c, const uint8_t *s, size_t n, const size_t *starts,
                           const tc_piece_key *keys, size_t k, tc_buf *out, size_t *total, tc_job_pool *pool) {
    uint32_t scratch[TC_PIECE_CACHE_TOKENS > 2 ? TC_PIECE_CACHE_TOKENS : 2];
    size_t sum = 0;
    if (out && tc_buf_reserve(out, starts[k] - starts[0])) return -1;
    /* Where the next piece's tokens go: kept here, and in out->len only around the calls out. */
    uint32_t *at = out ? out->data + out->len : scratch;
    for (size_t j = 0; j < k; j++) {
        const uint8_t *p = s + starts[j];
        size_t len = starts[j + 1] - starts[j], got;
        if (len == 1) {
            *at = v->byte_rank[p[0]];
            got = 1;
        } else if (len > TC_PIECE_CACHE_KEY || !(got = tc_piece_cached(c, p, len, &keys[j], at))) {
            if (out) out->len = (size_t)(at - out->data);
            if (tc_encode_uncached(v, c, s, n, starts, keys, j, out, &sum, pool)) return -1;
            if (out) at = out->data + out->len;
            continue;
        }
        if (out) at += got;
        else sum += got;
    }
    if (out) out->len = (size_t)(at - out->data);
    else *total += sum;
    tc_pool_step(v, c, pool);
    return 0;
}

/* Where the string of len (1 to 3) ASCII digits at p is in tc_vocab's digit_rank: the strings of one
 * digit, then of two, then of three, each in numeric order. (The '0's are taken off once, as a
 * constant: each sum is at least its string's '0's' worth, so nothing wraps.) */
static inline size_t tc_digit_index(const uint8_t *p, size_t len) {
    if (len == 1) return (size_t)p[0] - '0';
    if (len == 2) return (size_t)p[0] * 10 + p[1] - (11 * '0' - 10);
    return (size_t)p[0] * 100 + (size_t)p[1] * 10 + p[2] - (111 * '0' - 110);
}

/* Set v->digit_rank and v->digits_ok: whether every string of one to three ASCII digits is a
 * token. A piece that is a token is that token (tc_piece_lookup), so such a vocabulary's digit
 * pieces need no lookup; in one where some is not, they take the lookups and BPE as before. */
static void tc_vocab_find_digits(tc_vocab *v) {
    uint8_t p[3];
    v->digits_ok = 1;
    for (size_t len = 1; len <= 3; len++) {
        for (unsigned x = 0; x < (len == 1 ? 10u : len == 2 ? 100u : 1000u); x++) {
            for (size_t k = 0, d = x; k < len; k++, d /= 10) p[len - 1 - k] = (uint8_t)('0' + d % 10);
            uint32_t r = len == 1 ? v->byte_rank[p[0]] : tc_piece_rank(v, p, len);
            v->digit_rank[tc_digit_index(p, len)] = r;
            if (r == TC_NONE) v->digits_ok = 0;
        }
    }
}

/* The pieces of s[i:e), a run of ASCII digits that the splitter cuts into groups of three from i
 * (tc_digit_pieces_end), each a token (v->digits_ok): their ranks appended to out, or (out NULL)
 * their number added to *total. 0, or -1 when out of memory. 1 MB of `7` was 350,000 pieces
 * through the group loop's splitting, keys and piece cache, about 210 instructions each. */
static int tc_digit_pieces(const tc_vocab *v, const uint8_t *s, size_t i, size_t e, tc_buf *out, size_t *total) {
    if (!out) {
        *total += (e - i + 2) / 3;
        return 0;
    }
    if (tc_buf_reserve(out, (e - i + 2) / 3)) return -1;
    uint32_t *dst = out->data + out->len;
    for (; i + 6 <= e; i += 6, dst += 2) {   /* two pieces a step: half the loop's own instructions */
        dst[0] = v->digit_rank[tc_digit_index(s + i, 3)];
        dst[1] = v->digit_rank[tc_digit_index(s + i + 3, 3)];
    }
    if (i + 3 <= e) { *dst++ = v->digit_rank[tc_digit_index(s + i, 3)]; i += 3; }
    if (i < e) *dst++ = v->digit_rank[tc_digit_index(s + i, e - i)];
    out->len = (size_t)(dst - out->data);
    return 0;
}

/* All of s[0:n], a group of pieces at a time: tokens appended to out, or
 * (out NULL) their number added to *total. With `digits` (splitters whose numbers are \p{N}{1,3}:
 * o200k's, cl100k's), a group that starts at an ASCII digit takes the run's pieces at once when
 * the vocabulary allows (tc_digit_pieces). 0, or -1 when out of memory. */
static inline __attribute__((always_inline)) int tc_run_text_with(const tc_vocab *v, tc_caches *c, tc_job_pool *pool,
                                                                  tc_split_fn split, int digits,
                                                                  const uint8_t *s, size_t n, tc_buf *out,
                                                                  size_t *total) {
    size_t starts[TC_AHEAD + 1];
    tc_piece_key keys[TC_AHEAD];
    tc_split_state st;
    pool->n = 0;
    pool->running = 0;
    tc_split_begin(&st);
    for (size_t i = 0; i < n;) {
        if (digits && (uint8_t)(s[i] - '0') < 10 && v->digits_ok) {
            size_t e = tc_digit_pieces_end(s, i, n);
            if (e > i) {
                if (tc_digit_pieces(v, s, i, e, out, total)) return -1;
                i = e;
                st.found = 0;   /* the window finds its starts again from e */
                continue;
            }
        }
        size_t k = tc_split_ahead(split, s, i, n, v, c, starts, keys, &st);
        if (tc_encode_group(v, c, s, n, starts, keys, k, out, total, pool)) return -1;
        i = starts[k];
    }
    tc_pool_drain(v, c, pool, out, total);
    return 0;
}

/* tc_run_text_with, with the splitter of the two most used encodings known at compile time, so
 * that the loop that finds the pieces calls it directly instead of through a pointer, with
 * tc_split_ahead and the run loop compiled around it (Russian 92.4 -> 89.7 instructions per
 * byte with the keys' plain loads, English 55.8 -> 54.7; inlining the splitter itself as well,
 * by flatten, gained 1% on English and lost 1% on Russian). */
static int tc_run_text(const tc_vocab *v, tc_split_fn split, const uint8_t *s, size_t n, tc_buf *out, size_t *total) {
    tc_caches *c = tc_caches_for(v);
    tc_job_pool *pool = c ? tc_scratch_take(c, sizeof *pool) : NULL;
    if (!pool) return -1;
    int failed = split == o200k_next ? tc_run_text_with(v, c, pool, o200k_next, 1, s, n, out, total)
                 : split == cl100k_next ? tc_run_text_with(v, c, pool, cl100k_next, 1, s, n, out, total)
                 : tc_run_text_with(v, c, pool, split, 0, s, n, out, total);
    tc_scratch_give(c, pool);
    return failed;
}

static int tc_encode_text(const tc_vocab *v, tc_split_fn split, const uint8_t *s, size_t n, tc_buf *out) {
    /* Room for one token per byte, the most there can be, at once: the groups' own reservations
     * then never grow the buffer (before: a realloc and copy every few groups, 5% of encode's
     * instructions on 32 KB of English). Pages past the tokens written are never touched. */
    if (tc_buf_reserve(out, n)) return -1;
    return tc_run_text(v, split, s, n, out, NULL);
}

static int tc_run_text_threads(const tc_vocab *v, tc_split_fn split, const uint8_t *s, size_t n, tc_buf *out,
                               size_t *total);   /* below, after the worker pool's planning */

/* s[0:n] encoded with the k marks (special tokens, sorted as tc_find_mark takes them) found in it
 * as their ids, leftmost first and the longest where several start there, and the text between
 * them as ordinary text: encode's allowed_special. A mark is at least a byte and becomes one id,
 * so one id per byte is still the most there can be, and the room reserved at once suffices.
 * *tail, when tail is not NULL: where the text after the last mark starts (0 without marks, n
 * when s ends with one), whose last piece encode_with_unstable leaves open. With `threads` (one
 * call's text, never a batch's), the text between marks may be cut over threads
 * (tc_run_text_threads). */
static int tc_encode_special_with(const tc_vocab *v, tc_split_fn split, const uint8_t *s, size_t n,
                                  const uint8_t *const *marks, const size_t *lens, const uint32_t *ids, size_t k,
                                  tc_buf *out, size_t *tail, int threads) {
    const uint8_t *begin = s;
    if (tc_buf_reserve(out, n)) return -1;
    for (;;) {
        size_t which = 0, at = tc_find_mark(s, n, marks, lens, k, &which);
        int done = threads ? tc_run_text_threads(v, split, s, at, out, NULL) : 0;
        if (done < 0 || (!done && tc_run_text(v, split, s, at, out, NULL))) return -1;
        if (at == n) {
            if (tail) *tail = (size_t)(s - begin);
            return 0;
        }
        out->data[out->len++] = ids[which];
        s += at + lens[which];
        n -= at + lens[which];
    }
}

static int tc_encode_special(const tc_vocab *v, tc_split_fn split, const uint8_t *s, size_t n,
                             const uint8_t *const *marks, const size_t *lens, const uint32_t *ids, size_t k,
                             tc_buf *out, size_t *tail) {
    return tc_encode_special_with(v, split, s, n, marks, lens, ids, k, out, tail, 0);
}

static int tc_encode_special_threads(const tc_vocab *v, tc_split_fn split, const uint8_t *s, size_t n,
                                     const uint8_t *const *marks, const size_t *lens, const uint32_t *ids, size_t k,
                                     tc_buf *out) {
    return tc_encode_special_with(v, split, s, n, marks, lens, ids, k, out, NULL, 1);
}

/* Token count of s[0:n], or (size_t)-1 when out of memory. */
static size_t tc_count_text(const tc_vocab *v, tc_split_fn split, const uint8_t *s, size_t n) {
    size_t total = 0;
    return tc_run_text(v, split, s, n, NULL, &total) ? (size_t)-1 : total;
}

/* Number of tokens the last piece of s[0:n] encodes to (0 for empty text). */
static size_t tc_last_piece_tokens(const tc_vocab *v, tc_split_fn split, const uint8_t *s, size_t n) {
    uint32_t scratch[TC_SMALL_PIECE];
    size_t start = 0;
    tc_caches *c = tc_caches_for(v);
    if (!c) return (size_t)-1;
    for (size_t i = 0; i < n;) { start = i; i = split(s, i, n); }
    return n ? tc_count_piece(v, c, s + start, n - start, n - start, scratch, NULL) : 0;
}

/* A batch: texts are claimed in chunks from a shared counter, so threads stay
 * busy whatever the mix of long and short texts. */
typedef struct {
    const tc_vocab *v;
    tc_split_fn split;
    const uint8_t *const *ptrs;
    const size_t *lens;
    const uint8_t *kinds;   /* optional, per text: 0 UTF-8 (lens in bytes), else Python's fixed-width
                             * code units of 1, 2 or 4 bytes (lens in code points); see tc_utf8_of */
    size_t n;
    size_t *chunk_at;       /* chunk c is texts [chunk_at[c], chunk_at[c + 1]); room for n + 1 */
    size_t n_chunks;
    int threads;            /* set by tc_batch_plan, the caller's thread included */
    size_t *counts;         /* count mode: one per text */
    size_t *id_at;          /* encode mode: chunk c's ids go to ids[id_at[c] .. id_at[c + 1]) (tc_batch_plan) */
    uint32_t *ids;          /* encode mode: room for id_at[n_chunks] ids, the chunks' ids one after another */
    size_t *ends;           /* encode mode: where text k's ids end in its chunk's room */
    uint8_t *done;          /* optional: set per chunk once its results are written */
    /* Optional, encode mode: strings (UTF-8) a text is screened for, and one flag per text, set when
     * it holds one of them (encode_batch's disallowed special tokens; see tc_batch_marked). */
    const uint8_t *const *marks;
    const size_t *mark_lens;
    size_t n_marks;
    uint8_t *marked;
    /* Optional, encode mode: special tokens encoded as their ids where a text holds them
     * (encode_batch's allowed ones; tc_encode_special). */
    const uint8_t *const *specials;
    const size_t *special_lens;
    const uint32_t *special_ids;
    size_t n_specials;
    /* Texts of at least this many bytes (tc_batch_text_bytes; 0: none) are each a chunk of their own,
     * cut over the threads as one long text of a call is, before the other chunks (tc_batch_alone). */
    size_t alone_min;
    int alone_done;         /* set by the calling thread once it has done them */
    /* Written by every thread: kept off the cache line of the fields above,
     * which each thread reads for every text. */
    char pad_before[64];
    size_t next;            /* next unclaimed chunk, taken atomically */
    int failed;             /* TC_BATCH_OUT_OF_MEMORY or TC_BATCH_SURROGATE, 0 when all went well */
    char pad_after[64];
} tc_batch;

enum { TC_BATCH_OUT_OF_MEMORY = 1, TC_BATCH_SURROGATE = 2 };

/* A chunk closes at this many texts or bytes, whichever comes first: enough
 * work to pay for the claim, little enough that a batch of a few long texts
 * still spreads over the threads and no thread is left with a long tail. */
#define TC_BATCH_CHUNK 16
#define TC_BATCH_CHUNK_BYTES (64 << 10)
/* With several threads, chunks are also cut so that each thread can claim
 * at least this many, but never below TC_BATCH_MIN_CHUNK_BYTES. */
#define TC_BATCH_CHUNKS_PER_THREAD 8
#define TC_BATCH_MIN_CHUNK_BYTES (2 << 10)
/* The least work worth a second thread. Waking a pool worker costs the
 * caller a system call and the worker tens of microseconds; the caller never
 * waits for it (workers.h), so on a busy machine a worker that wakes late
 * costs almost nothing (20 KB of chat messages, load 11: 0.95x), and on a
 * free one it takes half of anything longer. */
#define TC_BATCH_THREAD_BYTES (16 << 10)

/* Bytes of text k, as an estimate for planning: UTF-8 length, or code points
 * times the most UTF-8 bytes one can take in that layout (Latin-1 text is mostly
 * ASCII; a str needs UCS-2 for a single character past U+00FF, and most such
 * text is of scripts of 3 bytes a character, Chinese, Japanese, Korean, the Indic
 * scripts, Thai, where encoding also costs the most a byte). */
static inline size_t tc_batch_text_bytes(const tc_batch *b, size_t k) {
    int kind = b->kinds ? b->kinds[k] : 0;
    return b->lens[k] * (size_t)(kind == 2 ? 3 : kind ? kind : 1);
}

static long tc_cpus(void) {
#ifdef CPU_COUNT
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
#endif
    return sysconf(_SC_NPROCESSORS_ONLN);
}

/* The one thread-count policy of batches: what the caller asked for, but at
 * most one thread per processor this process may run on, per text, and per
 * TC_BATCH_THREAD_BYTES of text, and no more than the pool's size plus the
 * caller's own thread. */
static int tc_batch_threads(int requested, size_t texts, size_t bytes) {
    long cpus = tc_cpus();
    size_t threads = requested < 1 ? 1 : (size_t)requested;
    if (cpus > 0 && threads > (size_t)cpus) threads = (size_t)cpus;
    if (threads > TC_MAX_WORKERS + 1) threads = TC_MAX_WORKERS + 1;
    if (threads > texts) threads = texts;
    if (threads > bytes / TC_BATCH_THREAD_BYTES) threads = bytes / TC_BATCH_THREAD_BYTES;
    return threads < 1 ? 1 : (int)threads;
}

/* One long text on several threads, below: a batch's long texts are cut as it is. */
static size_t tc_text_threads_min;
static int tc_text_threads_allowed(int on);
/* Where a splitter's texts may be cut. */
enum { TC_CUT_NEVER, TC_CUT_NEWLINE_LETTER, TC_CUT_LONE_NEWLINE_LETTER };
static int tc_text_cut_rule(tc_split_fn split);
static int tc_encode_text_threads(const tc_vocab *v, tc_split_fn split, const uint8_t *s, size_t n, tc_buf *out);
static size_t tc_count_text_threads(const tc_vocab *v, tc_split_fn split, const uint8_t *s, size_t n);

/* Whether text k is cut over the threads on its own (b->alone_min), and whether chunk c is such a text. */
static inline int tc_batch_text_alone(const tc_batch *b, size_t k) {
    return b->alone_min && tc_batch_text_bytes(b, k) >= b->alone_min;
}

static inline int tc_batch_chunk_alone(const tc_batch *b, size_t c) {
    return b->alone_min && b->chunk_at[c + 1] - b->chunk_at[c] == 1 && tc_batch_text_alone(b, b->chunk_at[c]);
}

/* Room for the ids of text k: one per UTF-8 byte, the most there can be
 * (tc_encode_text reserves that much at once and never grows its buffer
 * further), from the bound on the UTF-8 length of a str's code units. */
static inline size_t tc_batch_text_room(const tc_batch *b, size_t k) {
    int kind = b->kinds ? b->kinds[k] : 0;
    return kind ? tc_utf8_room(b->lens[k], kind) : b->lens[k];
}

/* Decide b->threads and cut the texts into chunks (b->chunk_at, b->n_chunks),
 * and in encode mode (b->id_at set) where each chunk's ids go.
 *
 * A text of 64 KB or more that holds at least half of one thread's share of the batch is not left to
 * one thread (a chunk is never split): it is cut over the threads itself, where its splitter allows
 * and text_threads is on, as one long text of a call is (tc_run_text_threads). A batch of one 1 MB
 * text ran on one thread, and a 1 MB text among short ones kept one thread busy after the rest. */
static void tc_batch_plan(tc_batch *b, int requested) {
    size_t bytes = 0, longest = 0;
    for (size_t k = 0; k < b->n; k++) {
        size_t text_bytes = tc_batch_text_bytes(b, k);
        bytes += text_bytes;
        longest = text_bytes > longest ? text_bytes : longest;
    }
    b->alone_min = 0;
    b->alone_done = 0;
    if (longest >= tc_text_threads_min && tc_text_cut_rule(b->split) != TC_CUT_NEVER && tc_text_threads_allowed(-1)) {
        int most = tc_batch_threads(requested, (size_t)-1, (size_t)-1);   /* the CPUs: a system call */
        size_t half_share = bytes / (2 * (size_t)most);
        if (most > 1) b->alone_min = half_share > tc_text_threads_min ? half_share : tc_text_threads_min;
    }
    size_t texts_left = b->n, bytes_left = bytes;   /* what the chunks hold */
    for (size_t k = 0; b->alone_min && k < b->n; k++) {
        if (tc_batch_text_alone(b, k)) {
            texts_left--;
            bytes_left -= tc_batch_text_bytes(b, k);
        }
    }
    b->threads = tc_batch_threads(requested, texts_left, bytes_left);
    bytes = bytes_left;
    size_t limit = TC_BATCH_CHUNK_BYTES;
    if (b->threads > 1) {
        size_t even = bytes / ((size_t)b->threads * TC_BATCH_CHUNKS_PER_THREAD);
        if (even < limit) limit = even < TC_BATCH_MIN_CHUNK_BYTES ? TC_BATCH_MIN_CHUNK_BYTES : even;
    }
    size_t c = 0, texts = 0, chunk_bytes = 0;
    b->chunk_at[0] = 0;
    for (size_t k = 0; k < b->n; k++) {
        if (tc_batch_text_alone(b, k)) {   /* a chunk of its own */
            if (texts) b->chunk_at[++c] = k;
            b->chunk_at[++c] = k + 1;
            texts = chunk_bytes = 0;
            continue;
        }
        texts++;
        chunk_bytes += tc_batch_text_bytes(b, k);
        if (texts == TC_BATCH_CHUNK || chunk_bytes >= limit || k + 1 == b->n) {
            b->chunk_at[++c] = k + 1;
            texts = chunk_bytes = 0;
        }
    }
    b->n_chunks = c;
    if (b->id_at) {
        size_t room = 0;
        for (c = 0; c < b->n_chunks; c++) {
            b->id_at[c] = room;
            for (size_t k = b->chunk_at[c]; k < b->chunk_at[c + 1]; k++) room += tc_batch_text_room(b, k);
        }
        b->id_at[b->n_chunks] = room;
    }
}

/* Text k of the batch as UTF-8: its own bytes, or converted into *scratch
 * (grown as needed). NULL, with b->failed set, when that fails. */
static const uint8_t *tc_batch_text(tc_batch *b, size_t k, size_t *len, uint8_t **scratch, size_t *cap) {
    *len = b->lens[k];
    int kind = b->kinds ? b->kinds[k] : 0;
    if (!kind) return b->ptrs[k];
    size_t need = tc_utf8_room(*len, kind);
    if (need > *cap) {
        uint8_t *grown = realloc(*scratch, need);
        if (!grown) {
            __atomic_store_n(&b->failed, TC_BATCH_OUT_OF_MEMORY, __ATOMIC_RELAXED);
            return NULL;
        }
        *scratch = grown;
        *cap = need;
    }
    *len = tc_utf8_of(b->ptrs[k], b->lens[k], kind, *scratch);
    if (*len == (size_t)-1) {
        __atomic_store_n(&b->failed, TC_BATCH_SURROGATE, __ATOMIC_RELAXED);
        return NULL;
    }
    return *scratch;
}

/* Whether s[0:n] holds one of b's marks (tc_contains_any). */
static int tc_batch_marked(const tc_batch *b, const uint8_t *s, size_t n) {
    return tc_contains_any(s, n, b->marks, b->mark_lens, b->n_marks);
}

/* Claim the next chunk of texts and do it; 0 when none is left. */
static int tc_batch_step(tc_batch *b) {
    size_t c = __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED);
    if (c >= b->n_chunks) return 0;
    if (tc_batch_chunk_alone(b, c)) return 1;   /* done by tc_batch_alone */
    uint8_t *scratch = NULL;
    size_t cap = 0, len;
    /* The chunk's room in the batch's one block of ids, allocated by the
     * calling thread: room for every id its texts can have, so
     * tc_encode_text's reservation never reallocates it. Before, each chunk
     * had a buffer malloc'ed by the thread that encoded it and freed by the
     * calling thread: those frees put the worker's blocks into the caller's
     * malloc caches, the caller's next buffers came from the worker's arena,
     * and both threads slept on that arena's lock (perf: 2.5 sleeps per
     * 500-text batch for the worker, 0.7 for the caller). */
    tc_buf out = {NULL, 0, 0};
    if (!b->counts) out = (tc_buf){b->ids + b->id_at[c], 0, b->id_at[c + 1] - b->id_at[c]};
    for (size_t k = b->chunk_at[c]; k < b->chunk_at[c + 1]; k++) {
        const uint8_t *s = tc_batch_text(b, k, &len, &scratch, &cap);
        if (s && b->marked) b->marked[k] = (uint8_t)tc_batch_marked(b, s, len);
        if (s && b->counts) {
            b->counts[k] = tc_count_text(b->v, b->split, s, len);
            if (b->counts[k] == (size_t)-1) __atomic_store_n(&b->failed, TC_BATCH_OUT_OF_MEMORY, __ATOMIC_RELAXED);
        } else if (s && (b->n_specials ? tc_encode_special(b->v, b->split, s, len, b->specials, b->special_lens,
                                                             b->special_ids, b->n_specials, &out, NULL)
                                       : tc_encode_text(b->v, b->split, s, len, &out))) {
            __atomic_store_n(&b->failed, TC_BATCH_OUT_OF_MEMORY, __ATOMIC_RELAXED);
        }
        if (!b->counts) b->ends[k] = out.len;
    }
    free(scratch);
    if (b->done) __atomic_store_n(&b->done[c], 1, __ATOMIC_RELEASE);
    return 1;
}

/* Whether a thread of the batch has failed; safe to ask while they run. */
static inline int tc_batch_failed(const tc_batch *b) {
    return __atomic_load_n(&b->failed, __ATOMIC_RELAXED);
}

/* Text k's ids, in chunk c's buffer (encode mode, once the chunk is done). */
static inline const uint32_t *tc_batch_ids(const tc_batch *b, size_t c, size_t k, size_t *n) {
    size_t start = k == b->chunk_at[c] ? 0 : b->ends[k - 1];
    *n = b->ends[k] - start;
    return b->ids + b->id_at[c] + start;
}

/* done[c]: 0 while chunk c is claimed or not, 1 once its results are
 * written, 2 once the caller has turned them into lists (tc_batch_mark_built). */
static inline int tc_batch_chunk_done(const tc_batch *b, size_t chunk) {
    return __atomic_load_n(&b->done[chunk], __ATOMIC_ACQUIRE);
}

static inline void tc_batch_mark_built(tc_batch *b, size_t chunk) {
    __atomic_store_n(&b->done[chunk], 2, __ATOMIC_RELAXED);
}

/* How many chunks have been claimed so far (every chunk below may be done). */
static inline size_t tc_batch_claimed(const tc_batch *b) {
    size_t next = __atomic_load_n(&b->next, __ATOMIC_RELAXED);
    return next < b->n_chunks ? next : b->n_chunks;
}

/* The flat form of an encode batch: every text's ids one after another, and
 * where each text's ids start (n + 1 offsets, the last the total). */
typedef struct {
    uint32_t *ids;          /* room for id_at[n_chunks] ids, the most there can be */
    uint64_t *offsets;      /* n + 1; offsets[0] is set by the caller */
    size_t chunk;           /* the first chunk not copied yet */
    size_t at;              /* ids copied so far */
} tc_flat;

/* Copy the chunks that are done, in order from f->chunk, into the flat form;
 * stops at the first chunk still being encoded. One thread owns f: the
 * calling thread, between its own chunks (so the copy overlaps the workers'
 * encoding) and once more after the batch. */
static void tc_batch_flatten_done(const tc_batch *b, tc_flat *f) {
    for (; f->chunk < b->n_chunks && __atomic_load_n(&b->done[f->chunk], __ATOMIC_ACQUIRE); f->chunk++) {
        size_t c = f->chunk, first = b->chunk_at[c], last = b->chunk_at[c + 1];
        size_t n = b->ends[last - 1];  /* chunks are never empty */
        if (n) memcpy(f->ids + f->at, b->ids + b->id_at[c], n * sizeof(uint32_t));
        for (size_t k = first; k < last; k++) f->offsets[k + 1] = f->at + b->ends[k];
        f->at += n;
    }
}

static void *tc_batch_worker(void *arg) {
    while (tc_batch_step(arg)) {}
    return NULL;
}

/* The texts tc_batch_plan cut over the threads on their own, one after another, by the calling
 * thread and pool workers (tc_run_text_threads; on this thread alone when the pool is busy), before
 * any other chunk is claimed. Once per batch; tc_batch_start and tc_batch_run begin with it. */
static void tc_batch_alone(tc_batch *b) {
    if (!b->alone_min || b->alone_done) return;
    b->alone_done = 1;
    uint8_t *scratch = NULL;
    size_t cap = 0, len;
    for (size_t c = 0; c < b->n_chunks; c++) {
        if (!tc_batch_chunk_alone(b, c)) continue;
        size_t k = b->chunk_at[c];
        const uint8_t *s = tc_batch_failed(b) ? NULL : tc_batch_text(b, k, &len, &scratch, &cap);
        if (s && b->marked) b->marked[k] = (uint8_t)tc_batch_marked(b, s, len);
        if (s && b->counts) {
            b->counts[k] = tc_count_text_threads(b->v, b->split, s, len);
            if (b->counts[k] == (size_t)-1) __atomic_store_n(&b->failed, TC_BATCH_OUT_OF_MEMORY, __ATOMIC_RELAXED);
        } else if (s) {
            /* The chunk's room holds an id per UTF-8 byte, so the reservation never reallocates it. */
            tc_buf out = {b->ids + b->id_at[c], 0, b->id_at[c + 1] - b->id_at[c]};
            if (b->n_specials ? tc_encode_special_threads(b->v, b->split, s, len, b->specials, b->special_lens,
                                                          b->special_ids, b->n_specials, &out)
                              : tc_encode_text_threads(b->v, b->split, s, len, &out))
                __atomic_store_n(&b->failed, TC_BATCH_OUT_OF_MEMORY, __ATOMIC_RELAXED);
            b->ends[k] = out.len;
        }
        if (b->done) __atomic_store_n(&b->done[c], 1, __ATOMIC_RELEASE);
    }
    free(scratch);
}

/* Start pool workers on the batch, to join the caller's own tc_batch_step
 * calls; 1 when started (end with tc_workers_finish), 0 when the batch should
 * run with tc_batch_run instead (one thread, or the pool is busy). */
static int tc_batch_start(tc_batch *b) {
    tc_batch_alone(b);
    return b->threads > 1 && tc_workers_start(tc_batch_worker, b, b->threads - 1) >= 0;
}

/* Run the batch on its planned threads (the caller's included). 0, or -1 on failure. */
static int tc_batch_run(tc_batch *b) {
    tc_batch_alone(b);
    if (b->threads <= 1) {
        tc_batch_worker(b);
    } else if (tc_workers_start(tc_batch_worker, b, b->threads - 1) >= 0) {
        tc_batch_worker(b);
        tc_workers_finish();
    } else {
        pthread_t tids[TC_MAX_WORKERS];
        int started = 0;
        for (int t = 1; t < b->threads; t++)
            if (pthread_create(&tids[started], NULL, tc_batch_worker, b) == 0) started++;
        tc_batch_worker(b);
        for (int t = 0; t < started; t++) pthread_join(tids[t], NULL);
    }
    return b->failed ? -1 : 0;
}

/* Run an encode batch into its flat form, the calling thread copying done
 * chunks between its own. Without the GIL. */
static void tc_batch_run_flat(tc_batch *b, tc_flat *f) {
    if (tc_batch_start(b)) {
        while (tc_batch_step(b)) tc_batch_flatten_done(b, f);
        tc_workers_finish();
    } else {
        tc_batch_run(b);
    }
    tc_batch_flatten_done(b, f);
}

/* ---- one long text on several threads
 *
 * A text of 64 KB or more (tc_text_threads_min) is cut into segments where no piece can cross the
 * cut, and the segments are claimed from a shared counter by the calling thread and pool workers,
 * as a batch's chunks are; their ids are then put one after another. The cut: just after a
 * newline that a letter follows. Whether one call may take a second core is policy: off in the
 * core, set by tokcost.threads.
 *
 * Why the ids are the same, segment by segment, as the whole text's (tests: test_text_threads.py).
 * The patterns look behind nothing, so a piece found from the letter on is the one found from the
 * text's start, once a piece ends at the newline; and before the cut, a segment must split as the
 * whole text does although its end comes where the whole text goes on with a letter.
 * - o200k's and cl100k's patterns, and the open ones built like them (Llama 3's, Tekken's, Qwen's
 *   and Qwen 3.5's): no piece holds a newline and then a letter (the letter alternatives cannot
 *   start with \r or \n; the punctuation piece ends in [\r\n/]* and the space pieces in \s,
 *   neither a letter), so a piece ends at the newline. The whitespace run that ends there is taken
 *   through its last newline by \s*[\r\n]+ (cl100k: \s++$ at a segment's end, \s*[\r\n] inside the
 *   text, the same piece) before \s+(?!\S) could look past it, at a segment's end as in the text.
 * - GPT-2's (r50k, p50k): no piece holds a newline and a letter either, but its whitespace pieces
 *   look ahead: before a letter \s+(?!\S) leaves a run's last character alone ("  " then "\n"),
 *   where at a text's end \s++$ takes the run whole ("  \n"). A run of the newline alone splits
 *   alike either way ("\n" by \s inside the text, by \s++$ at the end), so a cut needs a character
 *   that is not whitespace before the newline too.
 * - DeepSeek V4's three split steps: neither a newline nor a letter is a number, so the numbers of
 *   step 1 are found alike on both sides of the cut; a CJK letter after the newline starts a
 *   segment of step 2 in the text as in the cut text, and any other letter leaves both characters
 *   in one segment of step 3, whose pattern is built as o200k's (its letter alternatives start
 *   with ASCII punctuation or a character that is not \r or \n; its punctuation piece ends in
 *   [\r\n]*; \s*[\r\n]+ before \s+(?!\S)). The newline is always matched by \s*[\r\n]+ (no text
 *   between matches, which Isolated keeps as pieces, reaches past it), and the letter starts a
 *   match. */
#define TC_TEXT_SEGMENTS 32
static int tc_text_two_threads;   /* atomic; 0 until text_threads(True) */
/* The least text cut, and the least segment (a text of 1 MB: 32 of 32 KB). Variables only so that
 * tests can cut short texts at every cut (tc_text_threads_sizes); calls never change them. */
static size_t tc_text_threads_min = 64u << 10, tc_text_segment_min = 16u << 10;

static int tc_text_threads_allowed(int on) {
    if (on >= 0) __atomic_store_n(&tc_text_two_threads, on ? 1 : 0, __ATOMIC_RELAXED);
    return __atomic_load_n(&tc_text_two_threads, __ATOMIC_RELAXED);
}

/* Texts cut over threads since the process started: for tests and benchmarks (_core.texts_cut). */
static size_t tc_texts_cut;   /* atomic */

static size_t tc_texts_cut_count(void) { return __atomic_load_n(&tc_texts_cut, __ATOMIC_RELAXED); }

/* Tests: set the two sizes (0 keeps one), and say the least text cut. */
static size_t tc_text_threads_sizes(size_t min_text, size_t min_segment) {
    if (min_text) tc_text_threads_min = min_text;
    if (min_segment) tc_text_segment_min = min_segment;
    return tc_text_threads_min;
}

/* Where a splitter's texts may be cut (see above; the rules are named before the batches). */
static int tc_text_cut_rule(tc_split_fn split) {
    if (split == o200k_next || split == cl100k_next || split == llama3_next || split == tekken_next ||
        split == qwen_next || split == qwen3_5_next || split == deepseek_next)
        return TC_CUT_NEWLINE_LETTER;
    return split == gpt2_next ? TC_CUT_LONE_NEWLINE_LETTER : TC_CUT_NEVER;
}

/* The first newline at or after i with a byte of 'A' or above after it, or n when none. A letter
 * after a newline starts with such a byte (an ASCII letter, or the lead byte of any other), so this
 * passes over every newline no letter can follow, a run of newlines or "\n\n" before a blank line,
 * 16 bytes at a step: a call a newline made a text of newlines cost 30 instructions a byte. */
static size_t tc_newline_before_high(const uint8_t *s, size_t i, size_t n) {
#ifdef __SSE2__
    const __m128i newline = _mm_set1_epi8('\n'), a = _mm_set1_epi8('A');
    for (; i + 17 <= n; i += 16) {
        __m128i here = _mm_loadu_si128((const __m128i *)(s + i)), next = _mm_loadu_si128((const __m128i *)(s + i + 1));
        __m128i high = _mm_cmpeq_epi8(_mm_max_epu8(next, a), next);
        int m = _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(here, newline), high));
        if (m) return i + (size_t)__builtin_ctz((unsigned)m);
    }
#endif
    for (; i + 1 < n; i++)
        if (s[i] == '\n' && s[i + 1] >= 'A') return i;
    return n;
}

/* The first cut at or after i + 1 (i >= 1) under `rule`: just after a newline that a letter follows
 * (and, TC_CUT_LONE_NEWLINE_LETTER, that a character other than whitespace comes before); n when
 * none. */
static size_t tc_text_cut_from(const uint8_t *s, size_t i, size_t n, int rule) {
    while (i < n) {
        size_t newline = tc_newline_before_high(s, i, n);
        if (newline >= n) return n;
        size_t at = newline + 1, len;
        size_t need = s[at] < 0x80 ? 1 : s[at] < 0xE0 ? 2 : s[at] < 0xF0 ? 3 : 4;
        if (at + need <= n && (tc_class(s, at, &len) & F_L)) {
            if (rule != TC_CUT_LONE_NEWLINE_LETTER) return at;
            size_t before = at - 1;   /* the newline; then back to the start of the character before it */
            while (before > 0 && (s[--before] & 0xC0) == 0x80) {}
            if (at >= 2 && !(tc_class(s, before, &len) & F_WS)) return at;
        }
        i = at;
    }
    return n;
}

typedef struct {
    const tc_vocab *v;
    tc_split_fn split;
    const uint8_t *s;
    size_t at[TC_TEXT_SEGMENTS + 1];   /* segment k is s[at[k], at[k + 1]) */
    size_t n_segments;
    uint32_t *ids;                     /* encode: segment k's ids at ids + at[k]; NULL: count */
    size_t got[TC_TEXT_SEGMENTS];      /* ids (or the count) of each segment */
    char pad_before[64];
    size_t next;                       /* next unclaimed segment, taken atomically */
    int failed;
    char pad_after[64];
} tc_text_segments;

static void *tc_text_segments_work(void *arg) {
    tc_text_segments *t = arg;
    for (;;) {
        size_t k = __atomic_fetch_add(&t->next, 1, __ATOMIC_RELAXED);
        if (k >= t->n_segments) return NULL;
        size_t len = t->at[k + 1] - t->at[k], total = 0;
        tc_buf room = {t->ids ? t->ids + t->at[k] : NULL, 0, len};   /* one id per byte at most */
        if (tc_run_text(t->v, t->split, t->s + t->at[k], len, t->ids ? &room : NULL, &total))
            __atomic_store_n(&t->failed, 1, __ATOMIC_RELAXED);
        t->got[k] = t->ids ? room.len : total;
    }
}

/* s[0:n] on the calling thread and pool workers, ids into out (its room for n ids reserved) or
 * their number into *total: 1 when done so, 0 when the text is not cut (too short, another
 * splitter, the setting off, one processor, no cut, the pool busy), -1 when out of memory. */
static int tc_run_text_threads(const tc_vocab *v, tc_split_fn split, const uint8_t *s, size_t n, tc_buf *out,
                               size_t *total) {
    int rule = tc_text_cut_rule(split);
    if (n < tc_text_threads_min || rule == TC_CUT_NEVER || !__atomic_load_n(&tc_text_two_threads, __ATOMIC_RELAXED))
        return 0;
    long cpus = tc_cpus();
    if (cpus < 2) return 0;
    tc_text_segments *t = malloc(sizeof *t);
    if (!t) return -1;
    size_t want = n / tc_text_segment_min < TC_TEXT_SEGMENTS ? n / tc_text_segment_min : TC_TEXT_SEGMENTS;
    t->v = v;
    t->split = split;
    t->s = s;
    t->ids = out ? out->data + out->len : NULL;
    t->next = 0;
    t->failed = 0;
    t->n_segments = 0;
    t->at[0] = 0;
    for (size_t k = 1; k < want; k++) {
        size_t goal = n / want * k, cut = tc_text_cut_from(s, goal > t->at[t->n_segments] ? goal : t->at[t->n_segments] + 1, n, rule);
        if (cut >= n) break;   /* none at or after here, so none after a later goal either: one pass at most */
        t->at[++t->n_segments] = cut;
    }
    t->at[++t->n_segments] = n;
    int helpers = t->n_segments - 1 < (size_t)cpus - 1 ? (int)t->n_segments - 1 : (int)cpus - 1;
    if (helpers < 1 || tc_workers_start(tc_text_segments_work, t, helpers) < 0) {
        free(t);
        return 0;
    }
    __atomic_add_fetch(&tc_texts_cut, 1, __ATOMIC_RELAXED);
    tc_text_segments_work(t);
    tc_workers_finish();
    int failed = t->failed;
    if (!failed) {
        size_t sum = 0;
        for (size_t k = 0; k < t->n_segments; k++) {
            if (out) memmove(out->data + out->len + sum, t->ids + t->at[k], t->got[k] * sizeof(uint32_t));
            sum += t->got[k];
        }
        if (out) out->len += sum;
        else *total += sum;
    }
    free(t);
    return failed ? -1 : 1;
}

/* tc_encode_text and tc_count_text for one text of a call (not a batch's), cut over threads
 * where tc_run_text_threads can. */
static int tc_encode_text_threads(const tc_vocab *v, tc_split_fn split, const uint8_t *s, size_t n, tc_buf *out) {
    if (tc_buf_reserve(out, n)) return -1;
    int done = tc_run_text_threads(v, split, s, n, out, NULL);
    return done < 0 ? -1 : done ? 0 : tc_run_text(v, split, s, n, out, NULL);
}

static size_t tc_count_text_threads(const tc_vocab *v, tc_split_fn split, const uint8_t *s, size_t n) {
    size_t total = 0;
    int done = tc_run_text_threads(v, split, s, n, NULL, &total);
    if (done < 0) return (size_t)-1;
    return done ? total : tc_count_text(v, split, s, n);
}

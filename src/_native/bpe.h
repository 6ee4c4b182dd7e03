/* The byte-pair merge loops over the rank tables (tables.h).
 *
 * Merging follows tiktoken exactly: repeatedly merge the adjacent pair whose
 * concatenation has the lowest rank, the leftmost one on ties.
 */
#pragma once
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "tables.h"
#include "thread_caches.h"

#define TC_SMALL_PIECE 96                     /* linear scans below, a heap above */

/* ---------------------------------------------------------------- merging */

/* Output buffer of ranks that grows as needed. */
typedef struct { uint32_t *data; size_t len, cap; } tc_buf;

static int tc_buf_reserve(tc_buf *b, size_t extra) {
    if (b->len + extra <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra) cap *= 2;
    uint32_t *d = realloc(b->data, cap * sizeof(uint32_t));
    if (!d) return -1;
    b->data = d; b->cap = cap;
    return 0;
}

/* a[0:count] = a[1:count + 1]: the element at a[0] leaves, the rest move down one. Front to back,
 * four, then two, then one at a time: a load never reads a slot an earlier store wrote, and
 * nothing past a[count] is read or written. Inline, where memmove was a library call (about 30
 * instructions with its dispatch) to move the handful of ranks a piece's merge leaves behind it. */
static inline __attribute__((always_inline)) void tc_shift_down(uint32_t *a, size_t count) {
    size_t k = 0;
#ifdef __SSE2__
    for (; k + 4 <= count; k += 4) _mm_storeu_si128((__m128i *)(a + k), _mm_loadu_si128((const __m128i *)(a + k + 1)));
    if (k + 2 <= count) {
        _mm_storel_epi64((__m128i *)(a + k), _mm_loadl_epi64((const __m128i *)(a + k + 1)));
        k += 2;
    }
    if (k < count) a[k] = a[k + 1];
#else
    memmove(a, a + 1, count * sizeof(uint32_t));
#endif
}

/* One step of the plain merge loop over m tokens and their m - 1 pair
 * ranks: the lowest pair (the leftmost on ties) merges. Returns its index,
 * or m when no pair merges; pr[j - 1] and pr[j] are then the caller's to
 * refresh for the merged token. */
static inline __attribute__((always_inline)) size_t tc_merge_step(uint32_t *ids, uint32_t *pr, size_t *m, uint32_t *merged) {
    uint32_t best = TC_NONE;
    size_t j = 0, n = *m;
    for (size_t i = 0; i + 1 < n; i++) {    /* selects, not a branch: which pair is lowest is data */
        uint32_t r = pr[i];
        int lower = r < best;
        best = lower ? r : best;
        j = lower ? i : j;
    }
    if (best == TC_NONE) return n;
    ids[j] = best;
    tc_shift_down(ids + j + 1, n - j - 2);
    tc_shift_down(pr + j + 1, n > j + 2 ? n - j - 3 : 0);
    *m = n - 1;
    *merged = best;
    return j;
}

/* Pieces up to TC_SMALL_PIECE bytes: arrays on the stack, a linear scan for
 * the lowest rank (what tiktoken does, minus its allocations). */
static size_t tc_merge_small_done(const tc_vocab *v, struct tc_caches *pc, const uint8_t *p, size_t n,
                                  uint32_t *out, uint32_t *done);

static size_t tc_merge_small(const tc_vocab *v, struct tc_caches *pc, const uint8_t *p, size_t n, uint32_t *out) {
    return tc_merge_small_done(v, pc, p, n, out, NULL);
}

/* The same, also reporting in *done (when given) the highest rank merged;
 * pair ranks through the thread's pair cache pc (cached), or from the shared
 * table alone (tc_merge_small_shared: building tables, with no thread's
 * caches to touch). */
static inline __attribute__((always_inline)) size_t tc_merge_small_with(
        const tc_vocab *v, struct tc_caches *pc, const uint8_t *p, size_t n, uint32_t *out, uint32_t *done,
        const int cached) {
#define TC_SMALL_PAIR(a, b) (cached ? tc_pair_rank_cached(v, pc, (a), (b)) : tc_pair_rank(v, (a), (b)))
    uint32_t pr[TC_SMALL_PIECE];
    size_t m = n;
    for (size_t i = 0; i < n; i++) out[i] = v->byte_rank[p[i]];
    for (size_t i = 0; i + 1 < m; i++) pr[i] = v->byte_pair[(unsigned)p[i] << 8 | p[i + 1]];
    while (m > 1) {
        uint32_t best;
        size_t j = tc_merge_step(out, pr, &m, &best);
        if (j == m) break;
        if (done && best > *done) *done = best;
        if (j + 1 < m) pr[j] = TC_SMALL_PAIR(out[j], out[j + 1]);
        if (j > 0) pr[j - 1] = TC_SMALL_PAIR(out[j - 1], out[j]);
    }
    return m;
#undef TC_SMALL_PAIR
}

static size_t tc_merge_small_done(const tc_vocab *v, struct tc_caches *pc, const uint8_t *p, size_t n,
                                  uint32_t *out, uint32_t *done) {
    return tc_merge_small_with(v, pc, p, n, out, done, 1);
}

static size_t tc_merge_small_shared(const tc_vocab *v, const uint8_t *p, size_t n, uint32_t *out, uint32_t *done) {
    return tc_merge_small_with(v, NULL, p, n, out, done, 0);
}

/* Min-heap of (rank << 32 | position): the lowest rank first, then the leftmost. */
static inline void tc_heap_push(uint64_t *h, size_t *len, uint64_t x) {
    size_t i = (*len)++;
    while (i) {
        size_t parent = (i - 1) / 2;
        if (h[parent] <= x) break;
        h[i] = h[parent]; i = parent;
    }
    h[i] = x;
}

static inline uint64_t tc_heap_pop(uint64_t *h, size_t *len) {
    uint64_t top = h[0], x = h[--(*len)];
    size_t i = 0, n = *len;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && h[c + 1] < h[c]) c++;
        if (x <= h[c]) break;
        h[i] = h[c]; i = c;
    }
    if (n) h[i] = x;
    return top;
}

/* Long pieces: a linked list of parts and a heap of candidate merges, so the
 * work is O(n log n) where the linear scan would be O(n^2). Stale heap entries
 * are skipped when popped. Returns the count, or (size_t)-1 when out of memory. */
static size_t tc_merge_large(const tc_vocab *v, struct tc_caches *pc, const uint8_t *p, size_t n, uint32_t *out) {
    uint32_t *rank = malloc(n * sizeof(uint32_t));
    uint32_t *next = malloc(n * sizeof(uint32_t));
    uint32_t *prev = malloc(n * sizeof(uint32_t));
    /* n - 1 initial candidates plus at most two per merge: 3n bounds the heap. */
    uint64_t *heap = malloc(3 * n * sizeof(uint64_t));
    size_t hlen = 0, count = 0;
    if (!rank || !next || !prev || !heap) { count = (size_t)-1; goto done; }
    for (size_t i = 0; i < n; i++) {
        rank[i] = v->byte_rank[p[i]];
        next[i] = (uint32_t)(i + 1);
        prev[i] = (uint32_t)(i - 1);  /* wraps for i = 0, never read */
    }
    for (size_t i = 0; i + 1 < n; i++) {
        uint32_t r = v->byte_pair[(unsigned)p[i] << 8 | p[i + 1]];
        if (r != TC_NONE) tc_heap_push(heap, &hlen, (uint64_t)r << 32 | i);
    }
    while (hlen) {
        uint64_t top = tc_heap_pop(heap, &hlen);
        uint32_t r = (uint32_t)(top >> 32), i = (uint32_t)top;
        if (rank[i] == TC_NONE) continue;                 /* merged away */
        uint32_t j = next[i];
        if (j >= n || tc_pair_rank_cached(v, pc, rank[i], rank[j]) != r) continue;  /* stale */
        rank[i] = r;
        rank[j] = TC_NONE;
        next[i] = next[j];
        if (next[j] < n) prev[next[j]] = i;
        if (i > 0) {
            uint32_t h = prev[i], rr = tc_pair_rank_cached(v, pc, rank[h], rank[i]);
            if (rr != TC_NONE) tc_heap_push(heap, &hlen, (uint64_t)rr << 32 | h);
        }
        if (next[i] < n) {
            uint32_t rr = tc_pair_rank_cached(v, pc, rank[i], rank[next[i]]);
            if (rr != TC_NONE) tc_heap_push(heap, &hlen, (uint64_t)rr << 32 | i);
        }
    }
    for (uint32_t k = 0; k < n; k = next[k]) out[count++] = rank[k];
done:
    free(rank); free(next); free(prev); free(heap);
    return count;
}


/* ------------------------------------------------------------ splits
 *
 * A token's split is the two tokens BPE of its own bytes holds just before
 * its last merge. The long-piece encoder's valid-pair check (longpiece.h)
 * walks down splits, and the own-BPE check (cache.h, tc_vocab_check_own_bpe)
 * reads a token's BPE off its split; both are found once, when the tables are
 * built, and saved with them (tables.h, v->split). */

#define TC_SPLIT_BAD 0xFFFFFFFFFFFFFFFFull   /* BPE of the token's bytes is not itself, or a part outranks it */
#define TC_SPLIT_BYTE (1ull << 62)           /* a one-byte token: | the byte */
#define TC_SPLIT_MAX_TOKEN 1024              /* longer tokens are left TC_SPLIT_BAD */

/* Token r's split: (left + 1) << 32 | (right + 1), the two tokens BPE of
 * its own bytes holds just before its last merge; TC_SPLIT_BYTE | byte for a
 * token of one byte; TC_SPLIT_BAD when that BPE does not end in r or a part
 * outranks r (then the replay's timeline would not hold). ids and pr: room for
 * TC_SPLIT_MAX_TOKEN each (8 KB: too much for a small thread's stack). */
static uint64_t tc_token_split_of(const tc_vocab *v, struct tc_caches *c, uint32_t r, uint32_t *ids, uint32_t *pr) {
    size_t n, m;
    const uint8_t *p = tc_token_bytes(v, r, &n);
    if (n == 1) return v->byte_rank[p[0]] == r ? TC_SPLIT_BYTE | p[0] : TC_SPLIT_BAD;
    if (n < 2 || n > TC_SPLIT_MAX_TOKEN) return TC_SPLIT_BAD;
    m = n;
    for (size_t i = 0; i < n; i++) ids[i] = v->byte_rank[p[i]];
    for (size_t i = 0; i + 1 < n; i++) pr[i] = v->byte_pair[(unsigned)p[i] << 8 | p[i + 1]];
    while (m > 2) {
        uint32_t best;
        size_t j = tc_merge_step(ids, pr, &m, &best);
        if (j == m) return TC_SPLIT_BAD;
        if (j + 1 < m) pr[j] = tc_pair_rank_cached(v, c, ids[j], ids[j + 1]);
        if (j > 0) pr[j - 1] = tc_pair_rank_cached(v, c, ids[j - 1], ids[j]);
    }
    if (m != 2 || pr[0] != r || ids[0] >= r || ids[1] >= r) return TC_SPLIT_BAD;
    return (uint64_t)(ids[0] + 1) << 32 | (ids[1] + 1);
}

/* Token r's split from v->split (tables.h: found when the tables are built,
 * saved with them). A split whose parts do not both rank below r, which only
 * a damaged table cache file could hold, is taken as TC_SPLIT_BAD: so a walk
 * down splits only meets lower ranks, and never reads outside the tables. */
static inline uint64_t tc_token_split(const tc_vocab *v, uint32_t r) {
    uint64_t s = v->split[r];
    if (s & TC_SPLIT_BYTE) return s;                     /* a byte, or TC_SPLIT_BAD */
    if ((uint32_t)(s >> 32) - 1 >= r || (uint32_t)s - 1 >= r) return TC_SPLIT_BAD;
    return s;
}

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


/* ------------------------------------------------------------ two tokens
 *
 * Most pieces that are not tokens are two (57% of fresh Arabic's merged
 * pieces, half of Russian's). For such a piece p = a + b, BPE's answer is
 * [a, b] exactly when (a, b) is a *valid pair*: BPE of a's bytes followed by
 * b's leaves the two tokens. That is checked by replaying BPE backwards at
 * the boundary alone (the `bpe` crate's idea; longpiece.h's search rests on
 * the same check): each side evolves on its own until a merge crosses the
 * boundary, and the token each side holds at the boundary lived from its own
 * merge (its rank) to its parent's. Undoing the later of the two sides'
 * merges step by step visits every boundary pair BPE met; a pair that is a
 * token merges if its rank comes before either side changes (a tie with the
 * left side's parent loses: that merge lies further left; a tie with the
 * right side's parent wins: the boundary lies further left). So a valid
 * split found anywhere is the answer: no vocabulary condition is needed. */

#define TC_SPLIT_BAD 0xFFFFFFFFFFFFFFFFull   /* BPE of the token's bytes is not itself, or a part outranks it */
#define TC_SPLIT_BYTE (1ull << 62)           /* a one-byte token: | the byte */
#define TC_SPLIT_MAX_TOKEN 1024              /* longer tokens are left TC_SPLIT_BAD */

/* Token r's split: (left + 1) << 32 | (right + 1), the two tokens BPE of
 * its own bytes holds just before its last merge; TC_SPLIT_BYTE | byte for a
 * token of one byte; TC_SPLIT_BAD when that BPE does not end in r or a part
 * outranks r (then the replay's timeline would not hold). */
static uint64_t tc_token_split_of(const tc_vocab *v, struct tc_caches *c, uint32_t r) {
    uint32_t ids[TC_SPLIT_MAX_TOKEN], pr[TC_SPLIT_MAX_TOKEN];
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

/* Whether BPE of token a's bytes followed by token b's ends as [a, b]: 1 or
 * 0, or -1 when a token met breaks the replay's assumptions (TC_SPLIT_BAD). */
static inline int tc_pair_valid(const tc_vocab *v, struct tc_caches *c, uint32_t a, uint32_t b) {
    /* A merge across the boundary happens when its rank comes before either
     * side changes: below a's parent's rank and below b's parent's rank + 1,
     * that is below the smaller of the two; both only fall as the walk goes on. */
    uint32_t limit = TC_NONE;
    uint64_t sa = tc_token_split(v, a), sb = tc_token_split(v, b);
    for (;;) {
        if (sa == TC_SPLIT_BAD || sb == TC_SPLIT_BAD) return -1;
        int a_byte = (sa & TC_SPLIT_BYTE) != 0, b_byte = (sb & TC_SPLIT_BYTE) != 0;
        if (a_byte & b_byte)   /* the last step, every valid pair's: two bytes, from the dense table */
            return v->byte_pair[(unsigned)(sa & 0xFF) << 8 | (unsigned)(sb & 0xFF)] >= limit;
        if ((v->sig[a].rsig >> tc_sig_bit(b)) & (v->sig[b].lsig >> tc_sig_bit(a)) & 1) {
            if (tc_pair_rank_cached(v, c, a, b) < limit) return 0;   /* TC_NONE is never below a limit */
        }
        /* Undo the latest merge; on equal ranks the right side's came later. */
        if (b_byte || (!a_byte && a > b)) {
            if (a < limit) limit = a;
            a = (uint32_t)sa - 1;
            sa = tc_token_split(v, a);
        } else {
            if (b + 1 < limit) limit = b + 1;
            b = (uint32_t)(sb >> 32) - 1;
            sb = tc_token_split(v, b);
        }
    }
}

/* The rank of the token p[0:n] (2 <= n), TC_NONE when it is none; `avail`
 * >= n bytes may be read from p. */
static inline uint32_t tc_token_at(const tc_vocab *v, const uint8_t *p, size_t n, size_t avail) {
    if (n > v->max_token_len) return TC_NONE;
    uint64_t w0; uint32_t w1;
    tc_load_head(p, n, avail, &w0, &w1);
    return tc_piece_probe(v, p, n, w0, w1, tc_hash_piece_avail(p, n, avail, w0, w1));
}

#define TC_TWO_TRIES 5                       /* prefixes looked up before giving up */
#define TC_TWO_MAX 64                        /* longest piece tried, in bytes */

/* Bit i set for each character start p[i], 0 < i < n (n <= TC_TWO_MAX):
 * bytes that are not continuation bytes (0x80-0xBF, -128 to -65 signed),
 * sixteen at a time when the bytes to read are there. */
static inline uint64_t tc_char_starts(const uint8_t *p, size_t n, size_t avail) {
    uint64_t m = 0;
#ifdef __SSE2__
    if (avail >= ((n + 15) & ~(size_t)15)) {
        const __m128i cont_top = _mm_set1_epi8(-65);
        for (size_t i = 0; i < n; i += 16)
            m |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpgt_epi8(_mm_loadu_si128((const __m128i *)(p + i)),
                                                                      cont_top)) << i;
        return m & ((n < 64 ? (1ull << n) : 0) - 1) & ~1ull;
    }
#endif
    for (size_t i = 1; i < n; i++) m |= (uint64_t)((p[i] & 0xC0) != 0x80) << i;
    return m;
}

/* BPE of p[0:n] (not a token; `avail` >= n bytes may be read) when it is
 * two tokens: 2, with them in out; 0 when this finds no such answer (the
 * piece may still be two tokens). Splits are tried at character starts,
 * the longest prefix first (the first token is most often the longest that
 * fits), a few prefixes at most: a piece of three tokens and more pays those
 * lookups for nothing. Any valid split is BPE's answer, and a piece has at
 * most one. */
static size_t tc_merge_two(const tc_vocab *v, struct tc_caches *c, const uint8_t *p, size_t n, size_t avail,
                           uint32_t *out) {
    if (n > TC_TWO_MAX) return 0;
    uint64_t starts = tc_char_starts(p, n, avail);
    if (n > v->max_token_len) starts &= ~0ull << (n - v->max_token_len);   /* shorter prefixes leave longer rests */
    for (unsigned tries = TC_TWO_TRIES; starts && tries; tries--) {
        size_t s = 63 - (size_t)__builtin_clzll(starts);
        starts &= ~(1ull << s);
        uint32_t a = s == 1 ? v->byte_rank[p[0]] : tc_token_at(v, p, s, avail);
        if (a == TC_NONE) continue;
        uint32_t b = n - s == 1 ? v->byte_rank[p[s]] : tc_token_at(v, p + s, n - s, avail - s);
        if (b == TC_NONE) continue;
        int valid = tc_pair_valid(v, c, a, b);
        if (valid > 0) { out[0] = a; out[1] = b; return 2; }
        if (valid < 0) break;
    }
    return 0;
}

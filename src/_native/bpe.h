/* Rank tables and the byte-pair merge loop.
 *
 * A vocabulary is the byte string of every rank. Two open-addressing tables
 * sit over it: `piece` maps a whole byte string to its rank (the fast path for
 * pieces that are already tokens), and `pair` maps two adjacent ranks to the
 * rank of their concatenation. BPE only ever merges two tokens into a token,
 * so the merge loop hashes two integers instead of byte strings.
 *
 * Merging follows tiktoken exactly: repeatedly merge the adjacent pair whose
 * concatenation has the lowest rank, the leftmost one on ties.
 */
#pragma once
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TC_NONE 0xFFFFFFFFu
#define TC_RANK_BITS 21                       /* ranks below 2^21 */
#define TC_MAX_RANKS (1u << TC_RANK_BITS)
#define TC_EMPTY 0xFFFFFFFFFFFFFFFFull
#define TC_SMALL_PIECE 96                     /* linear scans below, a heap above */

typedef struct {
    uint32_t n_ranks;        /* max rank + 1 (special tokens included, for decoding) */
    uint32_t max_token_len;  /* longest mergeable token, in bytes */
    uint64_t *dec_off;       /* [n_ranks]: offset << 16 | length; length 0 = no such token */
    uint8_t *bytes;          /* token bytes, concatenated */
    uint64_t n_bytes;
    uint32_t byte_rank[256]; /* rank of each single byte; TC_NONE if missing */
    uint64_t *piece;         /* hash tag << 32 | rank */
    uint64_t piece_mask;
    uint64_t *pair;          /* rank << 42 | left << 21 | right */
    uint64_t pair_mask;
} tc_vocab;

static inline uint64_t tc_mix(uint64_t a, uint64_t b) {
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t tc_hash_bytes(const uint8_t *p, size_t n) {
    uint64_t h = 0x243F6A8885A308D3ull ^ n, w;
    while (n >= 8) {
        memcpy(&w, p, 8);
        h = tc_mix(h ^ w, 0x9E3779B97F4A7C15ull);
        p += 8; n -= 8;
    }
    if (n) {
        w = 0;
        memcpy(&w, p, n);
        h = tc_mix(h ^ w, 0xBF58476D1CE4E5B9ull);
    }
    return tc_mix(h, 0x94D049BB133111EBull);
}

static inline const uint8_t *tc_token_bytes(const tc_vocab *v, uint32_t rank, size_t *len) {
    uint64_t d = v->dec_off[rank];
    *len = d & 0xFFFF;
    return v->bytes + (d >> 16);
}

/* Rank of the byte string p[0:n], TC_NONE if it is not a mergeable token. */
static inline uint32_t tc_piece_rank(const tc_vocab *v, const uint8_t *p, size_t n) {
    if (n == 1) return v->byte_rank[p[0]];
    if (n > v->max_token_len) return TC_NONE;
    uint64_t h = tc_hash_bytes(p, n);
    uint32_t tag = (uint32_t)(h >> 32);
    for (uint64_t i = h & v->piece_mask;; i = (i + 1) & v->piece_mask) {
        uint64_t slot = v->piece[i];
        if (slot == TC_EMPTY) return TC_NONE;
        if ((uint32_t)(slot >> 32) == tag) {
            uint32_t r = (uint32_t)slot;
            size_t len;
            const uint8_t *tb = tc_token_bytes(v, r, &len);
            if (len == n && memcmp(tb, p, n) == 0) return r;
        }
    }
}

static inline uint64_t tc_pair_key(uint32_t a, uint32_t b) { return ((uint64_t)a << TC_RANK_BITS) | b; }

static inline uint64_t tc_pair_slot(uint64_t key, uint64_t mask) {
    return tc_mix(key, 0x9E3779B97F4A7C15ull) & mask;
}

/* Rank of token(a) + token(b), TC_NONE if that is not a token. */
static inline uint32_t tc_pair_rank(const tc_vocab *v, uint32_t a, uint32_t b) {
    uint64_t key = tc_pair_key(a, b);
    const uint64_t keymask = (1ull << (2 * TC_RANK_BITS)) - 1;
    for (uint64_t i = tc_pair_slot(key, v->pair_mask);; i = (i + 1) & v->pair_mask) {
        uint64_t slot = v->pair[i];
        if (slot == TC_EMPTY) return TC_NONE;
        if ((slot & keymask) == key) return (uint32_t)(slot >> (2 * TC_RANK_BITS));
    }
}

/* ---------------------------------------------------------------- building */

static uint64_t tc_table_size(uint64_t n) {
    uint64_t size = 16;
    while (size < n * 2) size <<= 1;
    return size;
}

/* Build the lookup tables once dec_off/bytes hold every mergeable token.
 * Returns 0, or -1 when out of memory. */
static int tc_vocab_build(tc_vocab *v, uint32_t n_mergeable_limit) {
    uint64_t count = 0;
    v->max_token_len = 0;
    for (int b = 0; b < 256; b++) v->byte_rank[b] = TC_NONE;
    for (uint32_t r = 0; r < n_mergeable_limit; r++) {
        size_t len;
        const uint8_t *tb = tc_token_bytes(v, r, &len);
        if (!len) continue;
        count++;
        if (len > v->max_token_len) v->max_token_len = (uint32_t)len;
        if (len == 1) v->byte_rank[tb[0]] = r;
    }
    uint64_t size = tc_table_size(count);
    v->piece = malloc(size * sizeof(uint64_t));
    if (!v->piece) return -1;
    memset(v->piece, 0xFF, size * sizeof(uint64_t));
    v->piece_mask = size - 1;
    for (uint32_t r = 0; r < n_mergeable_limit; r++) {
        size_t len;
        const uint8_t *tb = tc_token_bytes(v, r, &len);
        if (!len) continue;
        uint64_t h = tc_hash_bytes(tb, len);
        uint64_t i = h & v->piece_mask;
        while (v->piece[i] != TC_EMPTY) i = (i + 1) & v->piece_mask;
        v->piece[i] = (h >> 32) << 32 | r;
    }
    /* Every split of a token into two tokens is a pair that can merge into it.
     * Found pairs are staged in a list first, so each split is looked up once. */
    uint64_t n_splits = 0, n_pairs = 0;
    for (uint32_t r = 0; r < n_mergeable_limit; r++) {
        uint64_t len = v->dec_off[r] & 0xFFFF;
        if (len > 1) n_splits += len - 1;
    }
    uint64_t *staged = malloc((n_splits + 1) * sizeof(uint64_t));
    if (!staged) return -1;
    for (uint32_t r = 0; r < n_mergeable_limit; r++) {
        size_t len;
        const uint8_t *tb = tc_token_bytes(v, r, &len);
        for (size_t k = 1; k < len; k++) {
            uint32_t a = tc_piece_rank(v, tb, k), b;
            if (a == TC_NONE || (b = tc_piece_rank(v, tb + k, len - k)) == TC_NONE) continue;
            staged[n_pairs++] = (uint64_t)r << (2 * TC_RANK_BITS) | tc_pair_key(a, b);
        }
    }
    size = tc_table_size(n_pairs);
    v->pair = malloc(size * sizeof(uint64_t));
    if (!v->pair) { free(staged); return -1; }
    memset(v->pair, 0xFF, size * sizeof(uint64_t));
    v->pair_mask = size - 1;
    const uint64_t keymask = (1ull << (2 * TC_RANK_BITS)) - 1;
    for (uint64_t k = 0; k < n_pairs; k++) {
        uint64_t i = tc_pair_slot(staged[k] & keymask, v->pair_mask);
        while (v->pair[i] != TC_EMPTY) i = (i + 1) & v->pair_mask;
        v->pair[i] = staged[k];
    }
    free(staged);
    return 0;
}

static void tc_vocab_free(tc_vocab *v) {
    free(v->dec_off); free(v->bytes); free(v->piece); free(v->pair);
    memset(v, 0, sizeof(*v));
}

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

/* Pieces up to TC_SMALL_PIECE bytes: arrays on the stack, a linear scan for
 * the lowest rank (what tiktoken does, minus its allocations). */
static size_t tc_merge_small(const tc_vocab *v, const uint8_t *p, size_t n, uint32_t *out) {
    uint32_t pr[TC_SMALL_PIECE];
    size_t m = n;
    for (size_t i = 0; i < n; i++) out[i] = v->byte_rank[p[i]];
    for (size_t i = 0; i + 1 < m; i++) pr[i] = tc_pair_rank(v, out[i], out[i + 1]);
    while (m > 1) {
        uint32_t best = TC_NONE;
        size_t j = 0;
        for (size_t i = 0; i + 1 < m; i++)
            if (pr[i] < best) { best = pr[i]; j = i; }
        if (best == TC_NONE) break;
        out[j] = best;
        memmove(out + j + 1, out + j + 2, (m - j - 2) * sizeof(uint32_t));
        memmove(pr + j + 1, pr + j + 2, (m > j + 2 ? m - j - 3 : 0) * sizeof(uint32_t));
        m--;
        if (j + 1 < m) pr[j] = tc_pair_rank(v, out[j], out[j + 1]);
        if (j > 0) pr[j - 1] = tc_pair_rank(v, out[j - 1], out[j]);
    }
    return m;
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
static size_t tc_merge_large(const tc_vocab *v, const uint8_t *p, size_t n, uint32_t *out) {
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
        uint32_t r = tc_pair_rank(v, rank[i], rank[i + 1]);
        if (r != TC_NONE) tc_heap_push(heap, &hlen, (uint64_t)r << 32 | i);
    }
    while (hlen) {
        uint64_t top = tc_heap_pop(heap, &hlen);
        uint32_t r = (uint32_t)(top >> 32), i = (uint32_t)top;
        if (rank[i] == TC_NONE) continue;                 /* merged away */
        uint32_t j = next[i];
        if (j >= n || tc_pair_rank(v, rank[i], rank[j]) != r) continue;  /* stale */
        rank[i] = r;
        rank[j] = TC_NONE;
        next[i] = next[j];
        if (next[j] < n) prev[next[j]] = i;
        if (i > 0) {
            uint32_t h = prev[i], rr = tc_pair_rank(v, rank[h], rank[i]);
            if (rr != TC_NONE) tc_heap_push(heap, &hlen, (uint64_t)rr << 32 | h);
        }
        if (next[i] < n) {
            uint32_t rr = tc_pair_rank(v, rank[i], rank[next[i]]);
            if (rr != TC_NONE) tc_heap_push(heap, &hlen, (uint64_t)rr << 32 | i);
        }
    }
    for (uint32_t k = 0; k < n; k = next[k]) out[count++] = rank[k];
done:
    free(rank); free(next); free(prev); free(heap);
    return count;
}

/* BPE of p[0:n] (no whole-piece shortcut), appended to b. 0, or -1 on OOM. */
static int tc_byte_pair_encode(const tc_vocab *v, const uint8_t *p, size_t n, tc_buf *b) {
    if (tc_buf_reserve(b, n)) return -1;
    size_t k = n <= TC_SMALL_PIECE ? tc_merge_small(v, p, n, b->data + b->len)
                                   : tc_merge_large(v, p, n, b->data + b->len);
    if (k == (size_t)-1) return -1;
    b->len += k;
    return 0;
}

/* A pretokenized piece: its own token when it is one, else BPE. */
static inline int tc_encode_piece(const tc_vocab *v, const uint8_t *p, size_t n, tc_buf *b) {
    uint32_t r = tc_piece_rank(v, p, n);
    if (r != TC_NONE) {
        if (b->len == b->cap && tc_buf_reserve(b, 1)) return -1;
        b->data[b->len++] = r;
        return 0;
    }
    return tc_byte_pair_encode(v, p, n, b);
}

/* The same, counting instead of storing; scratch holds TC_SMALL_PIECE ranks. */
static inline size_t tc_count_piece(const tc_vocab *v, const uint8_t *p, size_t n, uint32_t *scratch) {
    if (tc_piece_rank(v, p, n) != TC_NONE) return 1;
    if (n <= TC_SMALL_PIECE) return tc_merge_small(v, p, n, scratch);
    uint32_t *tmp = malloc(n * sizeof(uint32_t));
    if (!tmp) return (size_t)-1;
    size_t k = tc_merge_large(v, p, n, tmp);
    free(tmp);
    return k;
}

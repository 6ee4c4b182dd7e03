/* Rank tables: what a vocabulary is once built, and building it.
 *
 * A vocabulary is the byte string of every rank. Two open-addressing tables
 * sit over it: `piece` maps a whole byte string to its rank (the fast path for
 * pieces that are already tokens; the first 12 bytes of each token sit in its
 * slot, so most lookups touch one cache line), and `pair` maps two adjacent
 * ranks to the rank of their concatenation. BPE only ever merges two tokens into a token,
 * so the merge loop hashes two integers instead of byte strings.
 *
 * These tables are read-only once built and shared by every thread; the
 * per-thread caches in front of them are in thread_caches.h, the merge loops
 * over them in bpe.h.
 */
#pragma once
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>


#define TC_NONE 0xFFFFFFFFu
#define TC_RANK_BITS 21                       /* ranks below 2^21 */
#define TC_MAX_RANKS (1u << TC_RANK_BITS)
#define TC_EMPTY 0xFFFFFFFFFFFFFFFFull
#define TC_BOUNDARY_BITS 18
#define TC_BOUNDARY_WORDS (1u << (TC_BOUNDARY_BITS - 6))
#define TC_STRADDLE_BITS 14                   /* slots of straddle_rank: boundary bits' hash, fewer bits */

/* A token's first 8 bytes (zero-padded), its rank and length, and either its bytes 8 to 11
 * (zero-padded) or, for a token of more than 12 bytes, where its bytes start in tc_vocab's bytes:
 * the probe then compares the rest there at once, instead of reading the rank's dec_off first
 * (two dependent misses for every such token not in a piece cache: r17-prefetch). */
typedef struct tc_piece_slot {
    uint64_t w0;
    uint32_t w1;             /* bytes 8..11, or (length > TC_INLINE) the token's offset in bytes */
    uint32_t meta;           /* rank | min(length, 2047) << 21; TC_SLOT_EMPTY if free */
} tc_piece_slot;

#define TC_SLOT_EMPTY 0xFFFFFFFFu
#define TC_INLINE 12

/* A rank's partner signatures (see tc_vocab), side by side: a merge reads both for the token it
 * makes, and 16-aligned they share one cache line instead of costing a miss each. */
typedef struct {
    uint64_t lsig, rsig;
} tc_sig_pair;

typedef struct {
    uint64_t uid;            /* unique per vocabulary ever built in this process (caches key on it) */
    uint32_t n_ranks;        /* max rank + 1 (special tokens included, for decoding) */
    uint32_t max_token_len;  /* longest mergeable token, in bytes */
    uint64_t *dec_off;       /* [n_ranks]: offset << 16 | length; length 0 = no such token */
    uint8_t *bytes;          /* token bytes, concatenated */
    uint64_t n_bytes;
    uint32_t byte_rank[256]; /* rank of each single byte; TC_NONE if missing */
    struct tc_piece_slot *piece;
    uint64_t piece_mask;
    /* Character boundaries inside tokens that are not whole UTF-8 characters:
     * for each, the 1-2 bytes on either side (as far as the token reaches),
     * hashed into a bit set. Where no boundary of a piece matches, BPE can
     * run on characters instead of bytes (see cache.h). */
    uint64_t boundary_bits[TC_BOUNDARY_WORDS];
    uint32_t own_bpe_ok;  /* every token's own BPE is itself: the long-piece encoder is exact */
    /* [1 << TC_STRADDLE_BITS]: the lowest rank of such a token per hashed
     * boundary context (tc_boundary_bit's, fewer bits; cache.h's
     * tc_boundary_matters says what it is for). */
    uint32_t *straddle_rank;
    /* [n_ranks], 16-aligned: 64-bit signatures of each rank's partners: bit
     * tc_sig_bit(b) of sig[a].rsig is set when (a, b) merges, bit tc_sig_bit(a)
     * of sig[b].lsig likewise. A clear bit answers "no such pair" without
     * touching the pair table. */
    tc_sig_pair *sig;
    /* Rank of every byte pair's concatenation (TC_NONE if none): BPE starts
     * from bytes, so its first lookups come from this 256 KB table. */
    uint32_t *byte_pair;
    uint64_t *pair;          /* rank << 42 | left << 21 | right */
    uint64_t pair_mask;
    /* [2 * n_ranks]: the lowest rank of a pair in the pair table with rank r
     * on its left ([2r], minL) and on its right ([2r + 1], minR); TC_NONE when
     * there is none. A character whose own merges end below both never waits
     * in the character path (cache.h, tc_char_wait). */
    uint32_t *min_pair;
    /* The standalone BPE of every code point below U+0800, built with the
     * vocabulary (cache.h, tc_script_chars_build): the character path reads
     * these characters by index instead of through the per-thread cache. */
    struct tc_char_entry *script_chars;
    /* [n_ranks]: the two tokens BPE of each token's own bytes holds before
     * its last merge (bpe.h, tc_token_split), found with own_bpe_ok; saved
     * with the tables and used in place like min_pair. */
    uint64_t *split;
    struct tc_longpiece *longpiece;  /* long-piece tables, built when first needed (longpiece.h) */
    uint64_t long_bytes_merged;      /* long-piece bytes merged before they were */
    char *long_file;                 /* the table cache's copy of them (longpiece.h), or NULL */
    /* When loaded from the table cache: sig, min_pair, split and bytes point into this
     * read-only private mapping of the cache file (tc_vocab_map_in_place), and
     * are unmapped with it instead of freed. NULL: they were allocated. */
    void *mapped;
    size_t mapped_len;
    /* The rank of every string of one to three ASCII digits (encoder.h's tc_digit_index), and
     * whether each is a token (digits_ok, set by tc_vocab_find_digits): runs of digits are then
     * their pieces' ranks, without a lookup per piece. */
    uint32_t digits_ok;
    uint32_t digit_rank[1110];
} tc_vocab;

static inline uint64_t tc_mix(uint64_t a, uint64_t b) {
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* The first 12 bytes of p[0:n] as two zero-padded words. `avail` is how many
 * bytes may be read from p: with 16 or more, plain loads and a mask. */
static inline void tc_load_head(const uint8_t *p, size_t n, size_t avail, uint64_t *w0, uint32_t *w1) {
    if (n >= TC_INLINE) {   /* all twelve are the piece's: plain loads (most words of 2-byte scripts) */
        memcpy(w0, p, 8); memcpy(w1, p + 8, 4);
        return;
    }
    /* The bytes past n cleared by a mask per length: no branch on the length, which is as
     * unpredictable as the words of a text. */
    static const uint64_t keep0[TC_INLINE + 1] = {
        0, 0xFFull, 0xFFFFull, 0xFFFFFFull, 0xFFFFFFFFull, 0xFFFFFFFFFFull, 0xFFFFFFFFFFFFull,
        0xFFFFFFFFFFFFFFull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull};
    static const uint32_t keep1[TC_INLINE + 1] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFFu, 0xFFFFu, 0xFFFFFFu, ~0u};
    if (avail >= 16) {   /* n < TC_INLINE here */
        uint64_t a; uint32_t b;
        memcpy(&a, p, 8); memcpy(&b, p + 8, 4);
        *w0 = a & keep0[n]; *w1 = b & keep1[n];
        return;
    }
    uint8_t head[TC_INLINE] = {0};
    memcpy(head, p, n < TC_INLINE ? n : TC_INLINE);
    memcpy(w0, head, 8); memcpy(w1, head + 8, 4);
}

static inline uint64_t tc_hash_piece(const uint8_t *p, size_t n, uint64_t w0, uint32_t w1) {
    uint64_t h = tc_mix(w0 ^ 0x243F6A8885A308D3ull, ((uint64_t)w1 << 16 | (n & 0xFFFF)) ^ 0x13198A2E03707344ull);
    for (size_t i = TC_INLINE; i < n; i += 8) {
        uint64_t w = 0;
        memcpy(&w, p + i, n - i < 8 ? n - i : 8);
        h = tc_mix(h ^ w, 0x9E3779B97F4A7C15ull);
    }
    return h;
}

/* tc_hash_piece, when `avail` >= n bytes may be read from p: the last partial word is a plain
 * load and a mask when eight bytes are there to read, instead of a copy of variable length
 * (pieces of 13 bytes and more: most words of 2- and 3-byte scripts). Same hash. */
static inline uint64_t tc_hash_piece_avail(const uint8_t *p, size_t n, size_t avail, uint64_t w0, uint32_t w1) {
    uint64_t h = tc_mix(w0 ^ 0x243F6A8885A308D3ull, ((uint64_t)w1 << 16 | (n & 0xFFFF)) ^ 0x13198A2E03707344ull);
    size_t i = TC_INLINE;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = tc_mix(h ^ w, 0x9E3779B97F4A7C15ull);
    }
    if (i < n) {
        uint64_t w = 0;
        if (avail >= i + 8) {
            memcpy(&w, p + i, 8);
            w &= (1ull << (8 * (n - i))) - 1;
        } else {
            memcpy(&w, p + i, n - i);
        }
        h = tc_mix(h ^ w, 0x9E3779B97F4A7C15ull);
    }
    return h;
}

static inline const uint8_t *tc_token_bytes(const tc_vocab *v, uint32_t rank, size_t *len) {
    uint64_t d = v->dec_off[rank];
    *len = d & 0xFFFF;
    return v->bytes + (d >> 16);
}

/* Rank of the byte string p[0:n], TC_NONE if it is not a mergeable token;
 * `avail` >= n bytes may be read from p. */
static inline uint32_t tc_piece_probe(const tc_vocab *v, const uint8_t *p, size_t n,
                                      uint64_t w0, uint32_t w1, uint64_t h) {
    uint32_t want_len = (uint32_t)(n < 2047 ? n : 2047);
    for (uint64_t i = h & v->piece_mask;; i = (i + 1) & v->piece_mask) {
        const tc_piece_slot *slot = &v->piece[i];
        if (slot->meta == TC_SLOT_EMPTY) return TC_NONE;
        if (slot->w0 != w0 || (slot->meta >> 21) != want_len) continue;
        uint32_t r = slot->meta & (TC_MAX_RANKS - 1);
        if (n <= TC_INLINE) {
            if (slot->w1 == w1) return r;
        } else if ((want_len < 2047 || (v->dec_off[r] & 0xFFFF) == n) &&
                   memcmp(v->bytes + slot->w1 + 8, p + 8, n - 8) == 0) {
            return r;
        }
    }
}

static inline uint32_t tc_piece_rank_avail(const tc_vocab *v, const uint8_t *p, size_t n, size_t avail) {
    if (n == 1) return v->byte_rank[p[0]];
    if (n > v->max_token_len) return TC_NONE;
    uint64_t w0; uint32_t w1;
    tc_load_head(p, n, avail, &w0, &w1);
    return tc_piece_probe(v, p, n, w0, w1, tc_hash_piece(p, n, w0, w1));
}

static inline uint32_t tc_piece_rank(const tc_vocab *v, const uint8_t *p, size_t n) {
    return tc_piece_rank_avail(v, p, n, n);
}

static inline unsigned tc_sig_bit(uint32_t rank) { return (rank * 0x9E3779B1u) >> 26; }

static inline uint64_t tc_pair_key(uint32_t a, uint32_t b) { return ((uint64_t)a << TC_RANK_BITS) | b; }

static inline uint64_t tc_pair_slot(uint64_t key, uint64_t mask) {
    return tc_mix(key, 0x9E3779B97F4A7C15ull) & mask;
}

/* Rank of token(a) + token(b), TC_NONE if that is not a token: the shared table. */
static inline uint32_t tc_pair_rank_of_key(const tc_vocab *v, uint64_t key) {
    const uint64_t keymask = (1ull << (2 * TC_RANK_BITS)) - 1;
    for (uint64_t i = tc_pair_slot(key, v->pair_mask);; i = (i + 1) & v->pair_mask) {
        uint64_t slot = v->pair[i];
        if (slot == TC_EMPTY) return TC_NONE;
        if ((slot & keymask) == key) return (uint32_t)(slot >> (2 * TC_RANK_BITS));
    }
}

static inline uint32_t tc_pair_rank(const tc_vocab *v, uint32_t a, uint32_t b) {
    return tc_pair_rank_of_key(v, tc_pair_key(a, b));
}

/* ---------------------------------------------------------------- building */

/* Memory for a table read at random: at 2 MB and up, aligned and marked for
 * transparent huge pages, so lookups stop missing the TLB as well as the cache. */
static void *tc_alloc_table(size_t bytes) {
    void *p = NULL;
    if (bytes < (1u << 21)) return malloc(bytes ? bytes : 1);
    if (posix_memalign(&p, 1u << 21, bytes)) return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

/* Zeroed memory mapped on 2 MB boundaries and marked for transparent huge
 * pages, in whole 2 MB pages: resident as it is touched, 2 MB at a time, so
 * a table written at random faults a few times instead of once or twice
 * (read, then write) per 4 KB page. Freed with tc_unmap_huge(p, bytes).
 * NULL when out of memory. */
static inline size_t tc_huge_round(size_t bytes) {
    size_t huge = (size_t)1 << 21;
    return (bytes + huge - 1) & ~(huge - 1);
}

static void *tc_map_huge(size_t bytes) {
    size_t huge = (size_t)1 << 21, size = tc_huge_round(bytes);
    char *p = mmap(NULL, size + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    size_t head = (huge - (uintptr_t)p % huge) % huge;
    if (head) munmap(p, head);
    munmap(p + head + size, huge - head);
    p += head;
#ifdef MADV_HUGEPAGE
    madvise(p, size, MADV_HUGEPAGE);
#endif
    return p;
}

static void tc_unmap_huge(void *p, size_t bytes) {
    munmap(p, tc_huge_round(bytes));
}

/* Whether p[0:n] is a sequence of whole UTF-8 characters (well-formedness of
 * the lead/continuation structure is all that matters here). */
static int tc_is_whole_utf8(const uint8_t *p, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
        if (!len || i + len > n) return 0;
        for (size_t k = 1; k < len; k++)
            if ((p[i + k] & 0xC0) != 0x80) return 0;
        i += len;
    }
    return 1;
}

/* Bit of the boundary context: lw bytes before it (l[-lw..-1]), rw after (r[0..rw-1]).
 * The two bytes next to the boundary, which every context has, pick the 64-bit
 * word (tc_boundary_word); lw, rw and the outer bytes pick the bit in it. So a
 * boundary whose word is zero is settled by one load, and only a few hundred
 * of the 4,096 words are not zero (o200k_base has 736 contexts). */
static inline unsigned tc_boundary_word(uint8_t left, uint8_t right) {
    return ((uint32_t)(left << 8 | right) * 0x9E3779B1u) >> (32 - (TC_BOUNDARY_BITS - 6));
}

static inline unsigned tc_boundary_sub(const uint8_t *l, unsigned lw, const uint8_t *r, unsigned rw) {
    uint32_t key = lw | rw << 2 | (lw > 1 ? (uint32_t)l[-2] << 8 : 0) | (rw > 1 ? (uint32_t)r[1] << 16 : 0);
    return (key * 0x85EBCA6Bu) >> 26;
}

static inline unsigned tc_boundary_bit(const uint8_t *l, unsigned lw, const uint8_t *r, unsigned rw) {
    return tc_boundary_word(l[-1], r[0]) << 6 | tc_boundary_sub(l, lw, r, rw);
}

static uint64_t tc_table_size(uint64_t n) {
    uint64_t size = 16;
    while (size < n * 2) size <<= 1;
    return size;
}

/* Give v an identity no other vocabulary in this process has had or will have. */
static void tc_vocab_assign_uid(tc_vocab *v) {
    static uint64_t next_uid = 1;
    v->uid = __atomic_fetch_add(&next_uid, 1, __ATOMIC_RELAXED);
}

/* Building: tc_vocab_build runs these steps in order, each filling one table
 * from dec_off/bytes and the tables of the steps before it. */

/* byte_rank and max_token_len; the number of mergeable tokens. */
static uint64_t tc_build_byte_ranks(tc_vocab *v, uint32_t n_mergeable_limit) {
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
    return count;
}

/* The piece table: every mergeable token's bytes to its rank. */
static int tc_build_piece_table(tc_vocab *v, uint32_t n_mergeable_limit, uint64_t count) {
    uint64_t size = tc_table_size(count);
    v->piece = tc_alloc_table(size * sizeof(tc_piece_slot));
    if (!v->piece) return -1;
    memset(v->piece, 0xFF, size * sizeof(tc_piece_slot));
    v->piece_mask = size - 1;
    for (uint32_t r = 0; r < n_mergeable_limit; r++) {
        size_t len;
        const uint8_t *tb = tc_token_bytes(v, r, &len);
        if (!len) continue;
        tc_piece_slot slot;
        tc_load_head(tb, len, len, &slot.w0, &slot.w1);
        slot.meta = r | (uint32_t)(len < 2047 ? len : 2047) << 21;
        uint64_t i = tc_hash_piece(tb, len, slot.w0, slot.w1) & v->piece_mask;
        if (len > TC_INLINE) {   /* the rest is compared in bytes, found from the slot (tc_piece_slot) */
            if (v->dec_off[r] >> 16 > UINT32_MAX) return -1;
            slot.w1 = (uint32_t)(v->dec_off[r] >> 16);
        }
        while (v->piece[i].meta != TC_SLOT_EMPTY) i = (i + 1) & v->piece_mask;
        v->piece[i] = slot;
    }
    return 0;
}

/* The pair table and the partner signatures. Every split of a token into two
 * tokens is a pair that can merge into it. Found pairs are staged in a list
 * first, so each split is looked up once (in the piece table). */
static int tc_build_pair_table(tc_vocab *v, uint32_t n_mergeable_limit) {
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
    uint64_t size = tc_table_size(n_pairs);
    v->pair = tc_alloc_table(size * sizeof(uint64_t));
    v->sig = calloc(v->n_ranks, sizeof(tc_sig_pair));   /* malloc's 16-byte alignment */
    v->min_pair = malloc(2 * (size_t)v->n_ranks * sizeof(uint32_t));
    if (!v->pair || !v->sig || !v->min_pair) { free(staged); return -1; }
    memset(v->min_pair, 0xFF, 2 * (size_t)v->n_ranks * sizeof(uint32_t));
    memset(v->pair, 0xFF, size * sizeof(uint64_t));
    v->pair_mask = size - 1;
    const uint64_t keymask = (1ull << (2 * TC_RANK_BITS)) - 1;
    for (uint64_t k = 0; k < n_pairs; k++) {
        uint64_t i = tc_pair_slot(staged[k] & keymask, v->pair_mask);
        while (v->pair[i] != TC_EMPTY) i = (i + 1) & v->pair_mask;
        v->pair[i] = staged[k];
        uint32_t a = (uint32_t)(staged[k] >> TC_RANK_BITS) & (TC_MAX_RANKS - 1);
        uint32_t b = (uint32_t)staged[k] & (TC_MAX_RANKS - 1);
        v->sig[a].rsig |= 1ull << tc_sig_bit(b);
        v->sig[b].lsig |= 1ull << tc_sig_bit(a);
        uint32_t r = (uint32_t)(staged[k] >> (2 * TC_RANK_BITS));
        if (r < v->min_pair[2 * a]) v->min_pair[2 * a] = r;
        if (r < v->min_pair[2 * b + 1]) v->min_pair[2 * b + 1] = r;
    }
    free(staged);
    return 0;
}

/* byte_pair: the pair table's answer for every two bytes, read directly. */
static int tc_build_byte_pairs(tc_vocab *v) {
    v->byte_pair = malloc(65536 * sizeof(uint32_t));
    if (!v->byte_pair) return -1;
    for (unsigned a = 0; a < 256; a++)
        for (unsigned b = 0; b < 256; b++)
            v->byte_pair[a << 8 | b] = v->byte_rank[a] == TC_NONE || v->byte_rank[b] == TC_NONE
                ? TC_NONE : tc_pair_rank(v, v->byte_rank[a], v->byte_rank[b]);
    return 0;
}

/* boundary_bits: the character boundaries inside tokens that are not whole
 * UTF-8 characters (see tc_vocab); and straddle_rank: for each hashed
 * boundary context, the lowest rank of such a token with a character boundary
 * in that context (TC_NONE: none). Contexts that share a slot share the
 * lowest rank, which can only keep more boundaries flagged. Special tokens
 * are left out: they never form by merging. Built with the other tables
 * (about 12 M instructions for o200k_base) and cached on disk with them, so
 * no encode call pays for it. */
static int tc_build_boundary_tables(tc_vocab *v, uint32_t n_mergeable_limit) {
    uint32_t *t = malloc(sizeof(uint32_t) << TC_STRADDLE_BITS);
    if (!t) return -1;
    memset(t, 0xFF, sizeof(uint32_t) << TC_STRADDLE_BITS);
    memset(v->boundary_bits, 0, sizeof(v->boundary_bits));
    for (uint32_t r = 0; r < n_mergeable_limit; r++) {
        size_t len;
        const uint8_t *tb = tc_token_bytes(v, r, &len);
        if (len < 2 || tc_is_whole_utf8(tb, len)) continue;
        for (size_t k = 1; k < len; k++)
            if ((tb[k] & 0xC0) != 0x80) {
                unsigned lw = k < 2 ? (unsigned)k : 2, rw = len - k < 2 ? (unsigned)(len - k) : 2;
                unsigned bit = tc_boundary_bit(tb + k, lw, tb + k, rw);
                unsigned slot = bit >> (TC_BOUNDARY_BITS - TC_STRADDLE_BITS);
                v->boundary_bits[bit >> 6] |= 1ull << (bit & 63);
                if (r < t[slot]) t[slot] = r;
            }
    }
    v->straddle_rank = t;
    return 0;
}

/* Build the lookup tables once dec_off/bytes hold every mergeable token (ranks
 * below n_mergeable_limit). own_bpe_ok is left 0 for cache.h's
 * tc_vocab_check_own_bpe to decide. Returns 0, or -1 when out of memory. */
static int tc_vocab_build(tc_vocab *v, uint32_t n_mergeable_limit) {
    tc_vocab_assign_uid(v);  /* before anything can cache answers for it */
    v->own_bpe_ok = 0;
    uint64_t count = tc_build_byte_ranks(v, n_mergeable_limit);
    if (tc_build_piece_table(v, n_mergeable_limit, count) || tc_build_pair_table(v, n_mergeable_limit)
        || tc_build_byte_pairs(v) || tc_build_boundary_tables(v, n_mergeable_limit))
        return -1;
    return 0;
}

/* Map the table cache file's bytes [start, end) (fd still open) read-only and
 * private: tables that sit there (8-aligned) are used in place. Their pages
 * come from the page cache as they are first read, no copy and no zeroed
 * page. Returns the address of file byte `start`, or NULL (then they are
 * copied as before). */
static const uint8_t *tc_vocab_map_in_place(tc_vocab *v, int fd, uint64_t start, uint64_t end) {
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), base = start - start % page;
    struct stat st;
    if (fstat(fd, &st) || (uint64_t)st.st_size < end) return NULL;  /* never map past its end (SIGBUS) */
    size_t len = (size_t)(end - base);
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, (off_t)base);
    if (p == MAP_FAILED) return NULL;
    /* One page made private (its first byte written back unchanged) gives the
     * mapping an anon_vma, and Linux's fork copies the page table entries of
     * such a mapping; of a file mapping without one it copies none, and a
     * forked child (a benchmark's first call, a fork-started worker) faulted
     * every page again. Then read-only, and every page mapped now: from the
     * page cache, nothing zeroed or copied. */
    volatile uint8_t *first = p;
    *first = *first;
    if (mprotect(p, len, PROT_READ)) { munmap(p, len); return NULL; }
#ifdef MADV_POPULATE_READ
    madvise(p, len, MADV_POPULATE_READ);      /* an older kernel: faulted as they are read */
#endif
    v->mapped = p;
    v->mapped_len = len;
    return (const uint8_t *)p + (start - base);
}

static void tc_vocab_free(tc_vocab *v) {
    if (v->mapped) {
        munmap(v->mapped, v->mapped_len);
        v->sig = NULL;
        v->min_pair = NULL;
        v->split = NULL;
        v->bytes = NULL;
    }
    free(v->dec_off); free(v->bytes); free(v->piece); free(v->pair); free(v->sig); free(v->byte_pair);
    free(v->longpiece); free(v->straddle_rank); free(v->long_file); free(v->min_pair); free(v->script_chars);
    free(v->split);
    memset(v, 0, sizeof(*v));
}

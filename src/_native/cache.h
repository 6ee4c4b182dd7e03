/* The per-piece entry point: piece caches, the character path, and BPE as a
 * last resort. The caches themselves are in thread_caches.h.
 */
#pragma once
#include <pthread.h>
#include "bpe.h"
#include "longpiece.h"

#define TC_KEYED_MAX TC_BIG_KEY              /* pieces whose key is computed ahead */
#define TC_MAX_UNITS 256                    /* units per piece on the character path */

/* The character path's units (tc_merge_chars) and their merge's state (tc_merge_units): 14 KB, in
 * the thread's scratch (tc_scratch_take) rather than on its stack. */
typedef struct {
    uint32_t ids[TC_MAX_UNITS], pending[TC_MAX_UNITS];
    uint64_t lsig[TC_MAX_UNITS], rsig[TC_MAX_UNITS];
    uint32_t pr[TC_MAX_UNITS + 8];           /* TC_LOWEST_VEC reads up to 8 keys past m - 1 */
    uint32_t tree[2 * TC_MAX_UNITS];         /* TC_LOWEST_TREE only */
    uint64_t queue[TC_MAX_UNITS], sorting[TC_MAX_UNITS];
    uint16_t nxt[TC_MAX_UNITS], prv[TC_MAX_UNITS];
} tc_units_room;

/* BPE of p[0:n] into out (room for n ranks), without the whole-piece
 * shortcut. The count, or (size_t)-1 when out of memory. */
static size_t tc_merge(const tc_vocab *v, tc_caches *c, const uint8_t *p, size_t n, uint32_t *out) {
    if (n <= TC_SMALL_PIECE) return tc_merge_small(v, c, p, n, out);
    size_t k = tc_long_encode(v, c, p, n, out);
    return k != TC_LONG_DECLINED ? k : tc_merge_large(v, c, p, n, out);
}

/* ------------------------------------------------------------ character path
 *
 * In a piece of multi-byte characters, byte-level BPE spends most of its
 * merges assembling characters. Where no token that is not whole UTF-8
 * characters can straddle a character boundary (checked with boundary_bits),
 * no merge crosses that boundary until both sides are whole characters, so
 * each character evolves exactly as it would alone and only then takes part
 * in merges with its neighbours. The character path replays that: a character
 * whose standalone BPE is one token enters as that token, joining the merges
 * once the merge order passes the highest rank it merged on its own
 * (done_rank); characters that stay several tokens or touch a flagged
 * boundary enter as their bytes. Same result as byte-level BPE, with about
 * one lookup per character instead of three per byte. */

/* Standalone BPE of one character's bytes (1 to 4); with the thread's caches
 * c, or from the shared tables alone when c is NULL. */
static void tc_char_bpe(const tc_vocab *v, tc_caches *c, const uint8_t *p, size_t n, tc_char_entry *e) {
    uint32_t ids[4];
    e->done_rank = 0;
    e->n_tokens = (uint32_t)(c ? tc_merge_small_done(v, c, p, n, ids, &e->done_rank)
                               : tc_merge_small_shared(v, p, n, ids, &e->done_rank));
    for (uint32_t i = 0; i < e->n_tokens; i++) e->tokens[i] = ids[i];
}

/* The character cache's slot for the character whose UTF-8 bytes,
 * little-endian, are key; and that slot filled for it (bytes p[0:len]). */
static inline tc_char_entry *tc_char_slot(tc_caches *c, uint32_t key) {
    return &c->chars[(key * 0x9E3779B1u) >> (32 - TC_CHAR_CACHE_BITS)];
}

/* How long a character that is one token t (done_rank d) must wait in the
 * merge loop before its pairs may merge: d, or 0 when every pair t can be
 * part of ranks above d (min_pair, minL and minR), so that no pair of it can
 * merge before it is complete anyway. *Why exact:* byte-level BPE with the
 * character already whole merges as byte-level BPE with its bytes does, less
 * the character's own merges: while it is partial it holds a merge of its own
 * ranked at most d, so the lowest pair of the whole piece ranks at most d,
 * and every pair the whole token adds ranks above d and cannot be chosen;
 * once it is complete the two states are the same (docs/NATIVE.md, "Units
 * that need not wait"). */
static inline uint32_t tc_char_wait(const tc_vocab *v, uint32_t t, uint32_t d) {
    const uint32_t *lr = v->min_pair + 2 * (size_t)t;
    return d < lr[0] && d < lr[1] ? 0 : d;
}

/* Entry e for the character whose UTF-8 bytes are p[0:len] (key: them, little-endian). */
static void tc_char_entry_set(const tc_vocab *v, tc_caches *c, tc_char_entry *e, uint32_t key,
                              const uint8_t *p, size_t len) {
    tc_char_bpe(v, c, p, len, e);
    e->wait = e->n_tokens == 1 ? tc_char_wait(v, e->tokens[0], e->done_rank) : e->done_rank;
    e->lsig = v->sig[e->tokens[0]].lsig;
    e->rsig = v->sig[e->tokens[0]].rsig;
    e->cp_plus1 = key + 1;                   /* key + 1 is never 0: a lead byte is at most 0xF4 */
}

static inline const tc_char_entry *tc_char_fill(const tc_vocab *v, tc_caches *c, tc_char_entry *e, uint32_t key,
                                                const uint8_t *p, size_t len) {
    if (e->cp_plus1 != key + 1) tc_char_entry_set(v, c, e, key, p, len);
    return e;
}

/* Script characters: every code point below U+0800 (ASCII, Latin, Greek,
 * Cyrillic, Armenian, Hebrew, Arabic, Syriac, Thaana, NKo) has its entry in
 * v->script_chars, built with the vocabulary, so the character path finds it
 * by index: no hash, no key to compare, no entry to fill or to save from
 * eviction. The entry is what tc_char_fill would compute (the same function
 * over the same shared tables; the pair cache only repeats the pair table). */
#define TC_SCRIPT_CHARS 0x800

/* Per first byte of a character, what the character path decodes from it at
 * once: its UTF-8 length (0: not a first byte) | the bits of the second byte
 * that index v->script_chars << 8 | the index they are added to << 16 (one
 * and two bytes). So a code point below U+0800 is found by a mask and an add,
 * one way for both lengths. */
#define TC_LEAD1(b) [b] = 1u | (uint32_t)(b) << 16,
#define TC_LEAD2(b) [b] = 2u | 0x3Fu << 8 | (uint32_t)((b) & 0x1F) << 22,
#define TC_LEAD_4(f, b) f(b) f((b) + 1) f((b) + 2) f((b) + 3)
#define TC_LEAD_16(f, b) TC_LEAD_4(f, b) TC_LEAD_4(f, (b) + 4) TC_LEAD_4(f, (b) + 8) TC_LEAD_4(f, (b) + 12)
#define TC_LEAD_64(f, b) TC_LEAD_16(f, b) TC_LEAD_16(f, (b) + 16) TC_LEAD_16(f, (b) + 32) TC_LEAD_16(f, (b) + 48)
static const uint32_t tc_utf8_lead[256] = {
    TC_LEAD_64(TC_LEAD1, 0x00) TC_LEAD_64(TC_LEAD1, 0x40)
    TC_LEAD2(0xC2) TC_LEAD2(0xC3) TC_LEAD_4(TC_LEAD2, 0xC4) TC_LEAD_4(TC_LEAD2, 0xC8) TC_LEAD_4(TC_LEAD2, 0xCC)
    TC_LEAD_16(TC_LEAD2, 0xD0)
    [0xE0 ... 0xEF] = 3, [0xF0 ... 0xF4] = 4,
};
#undef TC_LEAD1
#undef TC_LEAD2
#undef TC_LEAD_4
#undef TC_LEAD_16
#undef TC_LEAD_64

/* Build v->script_chars (after the tables, and only once every byte has a
 * rank). 0, or -1 when out of memory. */
static int tc_script_chars_build(tc_vocab *v) {
    tc_char_entry *t = malloc(TC_SCRIPT_CHARS * sizeof(tc_char_entry));
    if (!t) return -1;
    for (uint32_t cp = 0; cp < TC_SCRIPT_CHARS; cp++) {
        uint8_t b[2] = {(uint8_t)(0xC0 | cp >> 6), (uint8_t)(0x80 | (cp & 0x3F))};
        if (cp < 0x80) tc_char_entry_set(v, NULL, &t[cp], cp, (const uint8_t[1]){(uint8_t)cp}, 1);
        else tc_char_entry_set(v, NULL, &t[cp], (uint32_t)b[1] << 8 | b[0], b, 2);
    }
    free(v->script_chars);
    v->script_chars = t;
    return 0;
}

/* A segment: two neighbouring characters X and Y whose boundary matters (a
 * space before a Cyrillic word: " \xd0" forms before the letter does; "\xd0\xbe\xd0"
 * after "о"), entering the merge loop as one unit. Its standalone BPE must end
 * as one token, evolving alone until then, which each edge must allow (see
 * NATIVE.md, "Segments"). Right edge: no state before the last may end with Y
 * whole unless the merge it makes next ranks below every pair with Y on the
 * left (minL): a whole Y could otherwise merge with the next unit first. Left
 * edge, for a segment that does not start the piece (inner): the same with X
 * whole first and minR; the straddling tokens of each edge are the boundary
 * tests'. n_tokens 0 when it cannot be a unit. p[0:n], n <= 8, X is p[0:xlen]. */
static void tc_segment_bpe(const tc_vocab *v, tc_caches *c, const uint8_t *p, size_t n, size_t xlen,
                           tc_seg_entry *s) {
    uint32_t ids[8], pr[8];
    uint8_t start[8];
    size_t m = n;
    tc_char_entry *e = &s->e;
    e->done_rank = 0;
    e->n_tokens = 0;
    s->inner = 1;
    /* It ends as one token only if its bytes are one (and then it does: every
     * token's own BPE is that token), which one lookup tells. */
    if (tc_piece_rank(v, p, n) == TC_NONE) return;
    for (size_t i = 0; i < n; i++) { ids[i] = v->byte_rank[p[i]]; start[i] = (uint8_t)i; }
    for (size_t i = 0; i + 1 < n; i++) pr[i] = tc_pair_rank_cached(v, c, ids[i], ids[i + 1]);
    while (m > 1) {
        size_t j = 0;
        for (size_t i = 1; i + 1 < m; i++) if (pr[i] < pr[j]) j = i;
        uint32_t best = pr[j];
        if (best == TC_NONE) return;         /* several tokens */
        if (start[m - 1] == xlen && best >= v->min_pair[2 * (size_t)ids[m - 1]]) return;   /* Y whole */
        if (start[1] == xlen && best >= v->min_pair[2 * (size_t)ids[0] + 1]) s->inner = 0; /* X whole */
        if (best > e->done_rank) e->done_rank = best;
        ids[j] = best;
        for (size_t i = j + 1; i + 1 < m; i++) {
            ids[i] = ids[i + 1];
            start[i] = start[i + 1];
            if (i + 2 < m) pr[i] = pr[i + 1];
        }
        m--;
        if (j + 1 < m) pr[j] = tc_pair_rank_cached(v, c, ids[j], ids[j + 1]);
        if (j > 0) pr[j - 1] = tc_pair_rank_cached(v, c, ids[j - 1], ids[j]);
    }
    e->n_tokens = 1;
    e->tokens[0] = ids[0];
}

/* The segment of X (key kx, bytes p[0:xlen]) and Y (key ky, the next ylen
 * bytes), from the segment cache or filled into it. */
static inline const tc_seg_entry *tc_segment_fill(const tc_vocab *v, tc_caches *c, uint32_t kx, uint32_t ky,
                                                  const uint8_t *p, size_t xlen, size_t ylen) {
    uint64_t key = (uint64_t)ky << 32 | kx;
    tc_seg_entry *s = &c->segs[(key * 0x9E3779B97F4A7C15ull) >> (64 - TC_SEG_CACHE_BITS)];
    if (!s->filled || s->key != key) {
        tc_char_entry *e = &s->e;
        tc_segment_bpe(v, c, p, xlen + ylen, xlen, s);
        e->wait = e->n_tokens ? tc_char_wait(v, e->tokens[0], e->done_rank) : e->done_rank;
        e->lsig = e->n_tokens ? v->sig[e->tokens[0]].lsig : 0;
        e->rsig = e->n_tokens ? v->sig[e->tokens[0]].rsig : 0;
        s->key = key;
        s->filled = 1;
    }
    return s;
}

/* UTF-8: the length of a character by its first byte (0: not a first byte),
 * which of its bytes must be continuation bytes, and which are its own. */
static const uint8_t tc_utf8_len[256] = {
    [0x00 ... 0x7F] = 1, [0xC2 ... 0xDF] = 2, [0xE0 ... 0xEF] = 3, [0xF0 ... 0xF4] = 4,
};
static const uint32_t tc_utf8_cont_mask[5] = {0, 0, 0xC000u, 0xC0C000u, 0xC0C0C000u};
static const uint32_t tc_utf8_own_mask[5] = {0, 0xFFu, 0xFFFFu, 0xFFFFFFu, 0xFFFFFFFFu};

/* Each pair of the merge loop is kept as a key, rank << 8 | position (ranks
 * are below 2^21 and positions below 256), TC_NONE when there is none: the
 * lowest key is the lowest rank, the leftmost on ties, which is the pair BPE
 * merges. How the loop finds it depends on the piece:
 * - TC_LOWEST_VEC, where the CPU has AVX2: a minimum over every unit's key,
 *   eight at a time, a few instructions where a scan took about seven per
 *   unit that has a pair, and cheaper than the tree even at 256 units;
 * - else TC_LOWEST_LIVE: a scan of the units that have a pair (a 64-bit set);
 * - else, for long pieces (Thai, written without spaces, reaches hundreds of
 *   units), where rescanning after each merge was quadratic, TC_LOWEST_TREE: a
 *   tournament tree whose leaf i is unit i's key and each inner node the lower
 *   of its two children, so the root is the pair to merge. */
enum { TC_LOWEST_LIVE, TC_LOWEST_VEC, TC_LOWEST_TREE };
#define TC_TREE_FROM 64                     /* units; below this the live set's scan is cheaper */

static inline uint32_t tc_merge_key(uint32_t r, size_t i) { return r == TC_NONE ? TC_NONE : r << 8 | (uint32_t)i; }

static inline void tc_tree_set(uint32_t *tree, size_t leaves, size_t i, uint32_t key) {
    size_t x = leaves + i;
    tree[x] = key;
    for (x >>= 1; x; x >>= 1) {
        uint32_t a = tree[2 * x], b = tree[2 * x + 1], lo = a < b ? a : b;
        if (tree[x] == lo) break;            /* unchanged here, so above too */
        tree[x] = lo;
    }
}

/* Whether the merge loop takes the lowest key with AVX2 (tc_merge_use_avx2). */
static int tc_merge_avx2;

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TC_HAVE_AVX2_MERGE 1

/* The lowest of key[0:8 * blocks], eight lanes at a time. Not always_inline:
 * GCC inlines it where the caller has AVX2 and refuses (at compile time) where
 * it does not, even in a branch the caller never takes. */
__attribute__((target("avx2"))) static inline uint32_t tc_lowest_key_avx2(const uint32_t *key, size_t blocks) {
    __m256i lo = _mm256_loadu_si256((const __m256i *)key);
    for (size_t b = 1; b < blocks; b++) lo = _mm256_min_epu32(lo, _mm256_loadu_si256((const __m256i *)(key + 8 * b)));
    __m128i x = _mm_min_epu32(_mm256_castsi256_si128(lo), _mm256_extracti128_si256(lo, 1));
    x = _mm_min_epu32(x, _mm_shuffle_epi32(x, 0x4E));
    x = _mm_min_epu32(x, _mm_shuffle_epi32(x, 0xB1));
    return (uint32_t)_mm_cvtsi128_si32(x);
}

/* nxt[i] = i + 1 and prv[i] = i - 1 for i < 16 * blocks, sixteen at a time
 * (a scalar loop cost about 7 instructions a unit, 50 a word of Arabic). */
__attribute__((target("avx2"))) static inline void tc_link_units_avx2(uint16_t *nxt, uint16_t *prv, size_t blocks) {
    __m256i next = _mm256_setr_epi16(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
    const __m256i two = _mm256_set1_epi16(2), sixteen = _mm256_set1_epi16(16);
    for (size_t b = 0; b < blocks; b++, next = _mm256_add_epi16(next, sixteen)) {
        _mm256_storeu_si256((__m256i *)(nxt + 16 * b), next);
        _mm256_storeu_si256((__m256i *)(prv + 16 * b), _mm256_sub_epi16(next, two));
    }
}
#else   /* never called: the TC_LOWEST_VEC variant is built only with TC_HAVE_AVX2_MERGE */
static inline uint32_t tc_lowest_key_avx2(const uint32_t *key, size_t blocks) { (void)key; (void)blocks; return TC_NONE; }
static inline void tc_link_units_avx2(uint16_t *nxt, uint16_t *prv, size_t blocks) { (void)nxt; (void)prv; (void)blocks; }
#endif

/* Sort a[0:n] (n <= TC_MAX_UNITS) ascending, tmp[0:n] its room: insertion sort of runs of 8,
 * then merges; a long piece has a hundred pending characters and more, where
 * insertion sort alone was quadratic. */
static inline void tc_sort_u64(uint64_t *a, size_t n, uint64_t *tmp) {
    for (size_t lo = 0; lo < n; lo += 8) {
        size_t hi = lo + 8 < n ? lo + 8 : n;
        for (size_t i = lo + 1; i < hi; i++) {
            uint64_t x = a[i];
            size_t k = i;
            for (; k > lo && a[k - 1] > x; k--) a[k] = a[k - 1];
            a[k] = x;
        }
    }
    for (size_t w = 8; w < n; w *= 2) {
        for (size_t lo = 0; lo + w < n; lo += 2 * w) {
            size_t mid = lo + w, hi = lo + 2 * w < n ? lo + 2 * w : n, i = lo, k = mid, o = 0;
            while (i < mid && k < hi) tmp[o++] = a[i] <= a[k] ? a[i++] : a[k++];
            while (i < mid) tmp[o++] = a[i++];
            memcpy(a + lo, tmp, o * sizeof(uint64_t));   /* a[k:hi] is already in place */
        }
    }
}

/* The rank of the pair of units i and k, from their signatures and the pair cache. */
#define TC_RAW_PAIR(i, k) (!((rsig[i] >> tc_sig_bit(ids[k])) & (lsig[k] >> tc_sig_bit(ids[i])) & 1) \
        ? TC_NONE : tc_pair_rank_cached(v, c, ids[i], ids[k]))
/* pr[i] changed: update the tree, or the set of units that have a pair. */
#define TC_TREE_SET(i) do { if (lowest_by == TC_LOWEST_TREE) tc_tree_set(tree, leaves, (i), pr[i]); \
        else if (lowest_by == TC_LOWEST_LIVE) live = (live & ~(1ull << (i))) | (uint64_t)(pr[i] != TC_NONE) << (i); \
    } while (0)
/* A pair that may merge into token r: start loading what its merge will read,
 * the token's signatures and the pair-cache slots of the two pairs it would
 * make with the units around it, unit l on its left (none: TC_NONE) and
 * unit k on its right (none: m). A merge's new pairs decide the next merge,
 * so a piece's merges are one chain of lookups; loaded ahead, their misses
 * overlap instead of coming one after another. Prefetches only: nothing
 * read or written changes. */
#define TC_PREFETCH_MERGE(r, l, k) do { uint32_t pf_rank_ = (r); \
        if (pf_rank_ != TC_NONE) { \
            size_t pf_l_ = (l), pf_k_ = (k); \
            __builtin_prefetch(&v->sig[pf_rank_]); \
            if (pf_l_ != (size_t)TC_NONE) tc_pair_cache_prefetch(c, tc_pair_key(ids[pf_l_], pf_rank_)); \
            if (pf_k_ < m) tc_pair_cache_prefetch(c, tc_pair_key(pf_rank_, ids[pf_k_])); \
        } } while (0)
/* pr[i] = the key of units i and k when both are whole, prefetching. */
#define TC_SET_PAIR(i, k) do { uint32_t r_ = waiting && (pending[i] | pending[k]) ? TC_NONE : TC_RAW_PAIR(i, k); \
        TC_PREFETCH_MERGE(r_, (i) > 0 ? (size_t)prv[i] : (size_t)TC_NONE, (size_t)nxt[k]); \
        pr[i] = tc_merge_key(r_, (i)); } while (0)

/* tc_merge_units_with's merges, once its keys are set: the lowest key merges
 * or, before it, the next pending unit completes. `waiting` says whether any
 * unit pends at all (most words of 2- and 3-byte scripts have none); compiled
 * without, the loop neither reads `pending` nor looks at the queue. */
static inline __attribute__((always_inline)) size_t tc_merge_units_loop(
        const tc_vocab *v, tc_caches *c, uint32_t *restrict ids, uint32_t *restrict pending, uint64_t *restrict lsig,
        uint64_t *restrict rsig, size_t m, uint32_t *restrict out, uint32_t *restrict pr, uint16_t *restrict nxt,
        uint16_t *restrict prv, uint32_t *restrict tree, size_t leaves, uint64_t live, const uint64_t *restrict queue,
        size_t n_queued, const int lowest_by, const int waiting) {
    uint32_t best = TC_NONE;             /* the lowest key */
    size_t head = 0, n_out = 0;
    int rescan = 1;
    for (;;) {
        if (rescan) {
            /* A merge removed pairs: find the lowest again. */
            if (lowest_by == TC_LOWEST_TREE) {
                best = tree[1];
            } else if (lowest_by == TC_LOWEST_LIVE) {
                best = TC_NONE;
                for (uint64_t x = live; x; x &= x - 1) {
                    uint32_t key = pr[__builtin_ctzll(x)];
                    best = key < best ? key : best;
                }
            } else {
                best = tc_lowest_key_avx2(pr, (m + 7) / 8);
            }
            rescan = 0;
        }
        if (waiting && head < n_queued && (uint32_t)(queue[head] >> 32) < best >> 8) {
            /* A character completes. Its pairs were blocked, so nothing
             * else changes: the lowest pair can only be one of its two.
             * (Unit 0 is never unlinked: a merge unlinks the right unit.) */
            size_t at = (uint32_t)queue[head++], before = prv[at], after = nxt[at];
            pending[at] = 0;
            if (at > 0) {
                TC_SET_PAIR(before, at);
                TC_TREE_SET(before);
                best = pr[before] < best ? pr[before] : best;
            }
            if (after < m) {
                TC_SET_PAIR(at, after);
                TC_TREE_SET(at);
                best = pr[at] < best ? pr[at] : best;
            }
            continue;
        }
        if (best == TC_NONE) break;
        /* Merge pair j: unit j becomes the merged token and the next one is
         * unlinked. Both were whole (their pair has a rank). */
        size_t j = best & 0xFF, gone = nxt[j], after = nxt[gone];
        uint32_t merged = best >> 8;
        ids[j] = merged;
        lsig[j] = v->sig[merged].lsig;
        rsig[j] = v->sig[merged].rsig;
        nxt[j] = (uint16_t)after;
        if (after < m) prv[after] = (uint16_t)j;
        pr[gone] = TC_NONE;
        TC_TREE_SET(gone);
        if (after < m) TC_SET_PAIR(j, after);
        else pr[j] = TC_NONE;
        TC_TREE_SET(j);
        if (j > 0) {
            size_t before = prv[j];
            TC_SET_PAIR(before, j);
            TC_TREE_SET(before);
        }
        rescan = 1;
    }
    for (size_t i = 0; i < m; i = nxt[i]) out[n_out++] = ids[i];
    return n_out;
}

/* BPE over m units (whole characters, or bytes); pending[i] is the rank the
 * merge order must pass before unit i is whole (0: whole from the start);
 * lsig/rsig are the units' partner signatures. Appends the result to out and
 * returns the count.
 *
 * The units stay where they are and form a linked list: a merge keeps the
 * left unit and unlinks the right one, so nothing is shifted, and positions
 * (which break ties, leftmost first) keep their order. pr[i] is the key
 * (tc_merge_key) of unit i's pair with the next live unit, TC_NONE for
 * unlinked and last units. `lowest_by` says how the lowest key is found; the
 * function is compiled once for each way, so a piece pays only for its own. */
static inline __attribute__((always_inline)) size_t tc_merge_units_with(
        const tc_vocab *v, tc_caches *c, tc_units_room *w, size_t m, uint32_t *out, const int lowest_by) {
    /* restrict: the arrays are the room's own (on the stack the compiler knew they did not overlap) */
    uint32_t *restrict ids = w->ids, *restrict pending = w->pending, *restrict pr = w->pr, *restrict tree = w->tree;
    uint64_t *restrict lsig = w->lsig, *restrict rsig = w->rsig;
    uint16_t *restrict nxt = w->nxt, *restrict prv = w->prv;
    size_t leaves = 0;
    const int use_tree = lowest_by == TC_LOWEST_TREE, use_live = lowest_by == TC_LOWEST_LIVE;
    uint64_t live = 0;                       /* TC_LOWEST_LIVE: bit i set when pr[i] != TC_NONE */
    /* Pair ranks as if every unit were whole. No pair at all (the common case:
     * each character its own token) means no merge will ever happen; and no
     * merge can happen before the lowest of them, so units whole by then are
     * whole from the start. */
    uint32_t lowest = TC_NONE, waits = 0;   /* lowest: a key; waits: some unit is pending at all */
    size_t n_out = m;
    if (m > 1) {
        for (size_t i = 0; i + 1 < m; i++) {
            uint32_t r = TC_RAW_PAIR(i, i + 1);
            TC_PREFETCH_MERGE(r, i > 0 ? i - 1 : (size_t)TC_NONE, i + 2);
            pr[i] = tc_merge_key(r, i);
            if (pr[i] < lowest) lowest = pr[i];
            waits |= pending[i];
            if (use_live) live |= (uint64_t)(r != TC_NONE) << i;
        }
        waits |= pending[m - 1];
        pr[m - 1] = TC_NONE;
    }
    if (lowest != TC_NONE) {
        if (lowest_by == TC_LOWEST_VEC) {
            tc_link_units_avx2(nxt, prv, (m + 15) / 16);
            memset(pr + m, 0xFF, 8 * sizeof(uint32_t));   /* TC_NONE */
        } else {
            for (size_t i = 0; i < m; i++) { nxt[i] = (uint16_t)(i + 1); prv[i] = (uint16_t)(i - 1); }
        }
        /* Characters still pending, as (done_rank, position) in ascending
         * order: they complete in that order, the lowest rank first and the
         * leftmost on ties. */
        uint64_t *queue = w->queue;
        size_t n_queued = 0;
        for (size_t i = 0; waits && i < m; i++) {
            if (pending[i] < lowest >> 8) { pending[i] = 0; continue; }
            queue[n_queued++] = (uint64_t)pending[i] << 32 | i;
        }
        tc_sort_u64(queue, n_queued, w->sorting);
        /* Pairs of a pending unit are blocked; the live set is the rest. */
        if (n_queued) {
            if (use_live) live = 0;
            for (size_t i = 0; i + 1 < m; i++) {
                if (pending[i] | pending[i + 1]) pr[i] = TC_NONE;
                if (use_live) live |= (uint64_t)(pr[i] != TC_NONE) << i;
            }
        }
        if (use_tree) {
            for (leaves = 32; leaves < m; leaves *= 2) {}   /* at most TC_MAX_UNITS */
            for (size_t i = 0; i < leaves; i++) tree[leaves + i] = i < m ? pr[i] : TC_NONE;
            for (size_t x = leaves - 1; x; x--) {
                uint32_t a = tree[2 * x], b = tree[2 * x + 1];
                tree[x] = a < b ? a : b;
            }
        }
        if (n_queued)
            return tc_merge_units_loop(v, c, ids, pending, lsig, rsig, m, out, pr, nxt, prv, tree, leaves, live,
                                       queue, n_queued, lowest_by, 1);
        return tc_merge_units_loop(v, c, ids, pending, lsig, rsig, m, out, pr, nxt, prv, tree, leaves, live,
                                   queue, n_queued, lowest_by, 0);
    }
#undef TC_SET_PAIR
#undef TC_TREE_SET
#undef TC_PREFETCH_MERGE
#undef TC_RAW_PAIR
    for (size_t i = 0; i < n_out; i++) out[i] = ids[i];
    return n_out;
}

/* One function per way of finding the lowest pair, each with its own frame:
 * tc_merge_units only picks one (a jump). */
#define TC_MERGE_UNITS_VARIANT(name, lowest_by, attrs) \
    attrs static __attribute__((noinline)) size_t name(const tc_vocab *v, tc_caches *c, tc_units_room *w, \
            size_t m, uint32_t *out) { \
        return tc_merge_units_with(v, c, w, m, out, lowest_by); }
TC_MERGE_UNITS_VARIANT(tc_merge_units_live, TC_LOWEST_LIVE, )
#ifdef TC_HAVE_AVX2_MERGE
TC_MERGE_UNITS_VARIANT(tc_merge_units_avx2, TC_LOWEST_VEC, __attribute__((target("avx2"))))
#endif
TC_MERGE_UNITS_VARIANT(tc_merge_units_tree, TC_LOWEST_TREE, )
#undef TC_MERGE_UNITS_VARIANT

static inline size_t tc_merge_units(const tc_vocab *v, tc_caches *c, tc_units_room *w, size_t m, uint32_t *out) {
#ifdef TC_HAVE_AVX2_MERGE
    if (tc_merge_avx2) return tc_merge_units_avx2(v, c, w, m, out);
#endif
    if (m >= TC_TREE_FROM) return tc_merge_units_tree(v, c, w, m, out);
    return tc_merge_units_live(v, c, w, m, out);
}

/* Let the merge loop use AVX2 where the CPU has it, or not (tests check both
 * ways on this CPU). Returns whether it does now. */
static int tc_merge_use_avx2(int on) {
#ifdef TC_HAVE_AVX2_MERGE
    tc_merge_avx2 = on && __builtin_cpu_supports("avx2");
#else
    (void)on;
#endif
    return tc_merge_avx2;
}

/* The index of the piece's first byte of 0x80 or more; n when there is none. */
static inline size_t tc_first_non_ascii(const uint8_t *p, size_t n) {
    size_t i = 0;
    for (uint64_t w; i + 8 <= n; i += 8) {   /* eight at a time: long pieces are scanned whole */
        memcpy(&w, p + i, 8);
        uint64_t high = w & 0x8080808080808080ull;
        if (high) return i + ((size_t)__builtin_ctzll(high) >> 3);
    }
    for (; i < n; i++)
        if (p[i] >= 0x80) return i;
    return n;
}

static inline int tc_has_non_ascii(const uint8_t *p, size_t n) {
    return tc_first_non_ascii(p, n) < n;
}

/* What a piece's bytes of 0x80 and up are, for the choice between the character path and the
 * byte-level jobs (encoder.h). */
enum { TC_BYTES_ASCII, TC_BYTES_LATIN, TC_BYTES_OTHER };
/* A Latin piece goes to the jobs with at most one accented letter per this many bytes: each such
 * letter costs the jobs a merge and pairs of its partial bytes, and words dense with them (Yoruba's
 * tones) were slower as jobs (NATIVE.md, Round 25). */
#define TC_LATIN_BYTES_PER_ACCENT 4

/* TC_BYTES_LATIN: the piece's non-ASCII bytes are letters of U+00C0-U+027F only (first bytes C3-C9,
 * and continuation bytes), the accents of Czech, Polish, Hungarian, Turkish, German, Finnish,
 * Romanian, and no more than one a TC_LATIN_BYTES_PER_ACCENT bytes. Only a choice between two exact paths: any
 * answer gives the same tokens. */
static inline int tc_non_ascii_kind(const uint8_t *p, size_t n) {
    size_t i = tc_first_non_ascii(p, n);
    if (i == n) return TC_BYTES_ASCII;
    /* In UTF-8 the first such byte starts a character: one compare settles other scripts. */
    if ((uint8_t)(p[i] - 0xC3) > 6) return TC_BYTES_OTHER;
    size_t letters = 1;
    for (i++; i < n; i++) {
        if (p[i] < 0xC0) continue;
        if ((uint8_t)(p[i] - 0xC3) > 6) return TC_BYTES_OTHER;
        letters++;
    }
    return letters * TC_LATIN_BYTES_PER_ACCENT <= n ? TC_BYTES_LATIN : TC_BYTES_OTHER;
}

/* A flagged boundary whose tokens come too late to matter.
 *
 * A flagged boundary only says that some token that is not whole characters
 * spans that context. Such a token T forms at its rank, so if both neighbours
 * X and Y are one token each and complete first (done_rank(X), done_rank(Y) <
 * rank(T) for every such T), the boundary is as good as unflagged: until a
 * merge first crosses a boundary with a partial side, every character evolves
 * alone, so an unfinished neighbour still has a pair of its own ranked at most
 * its done_rank, below rank(T), and BPE takes that first; once both are whole,
 * a token across the boundary is whole characters. tables.h's straddle_rank
 * holds, per hashed context, the lowest rank of a token that is not whole
 * characters and has a character boundary in that context; it is built with
 * the other tables and cached on disk with them. */
static inline const uint32_t *tc_straddle_table(const tc_vocab *v) {
    return v->straddle_rank;
}

/* The lowest rank (tc_straddle_table t) of a token not made of whole
 * characters whose context at the boundary before p[k] has its bit set in
 * word w of boundary_bits; TC_NONE when no context there is set (a set
 * context whose slot holds no rank counts as TC_NONE - 1: it flags only a
 * neighbour of several tokens, as a rank above every done_rank does). */
static inline uint32_t tc_boundary_lowest(const uint32_t *t, const uint8_t *p, size_t k, size_t n,
                                          unsigned word, uint64_t w) {
    uint32_t lo = TC_NONE;
    for (unsigned lw = 1; lw <= 2 && lw <= k; lw++)
        for (unsigned rw = 1; rw <= 2 && k + rw <= n; rw++) {
            unsigned sub = tc_boundary_sub(p + k, lw, p + k, rw);
            if (!(w >> sub & 1)) continue;
            uint32_t s = t[(word << 6 | sub) >> (TC_BOUNDARY_BITS - TC_STRADDLE_BITS)];
            if (s == TC_NONE) s = TC_NONE - 1;
            if (s < lo) lo = s;
        }
    return lo;
}

/* The lowest rank of a token not made of whole characters that may straddle
 * the character boundary before p[k] (0 < k < n); TC_NONE when none may.
 * Some token T that is not whole characters may straddle the boundary when its
 * context's bit is set in boundary_bits. The word of the two bytes next to the
 * boundary answers most boundaries at once: zero means no context there has
 * its bit set. Otherwise the lowest rank over the contexts depends only on the
 * two bytes each side when the piece has them, so it is kept in the boundary
 * cache under those four bytes (Thai and Devanagari meet the same few hundred
 * contexts again and again). */
static inline uint32_t tc_boundary_straddle(const tc_vocab *v, tc_caches *c, const uint8_t *p, size_t k, size_t n) {
    unsigned word = tc_boundary_word(p[k - 1], p[k]);
    uint64_t w = v->boundary_bits[word];
    if (!w) return TC_NONE;
    const uint32_t *t = tc_straddle_table(v);
    if (!t) return 0;
    if (k >= 2 && k + 2 <= n) {              /* every context has its bytes: cached by them */
        uint32_t key;
        memcpy(&key, p + k - 2, 4);
        uint64_t *slot = &c->bound[(key * 0x9E3779B1u) >> (32 - TC_BOUND_CACHE_BITS)];
        uint64_t e = *slot;
        if (e && (uint32_t)(e >> 32) == key) return (uint32_t)e - 1;
        uint32_t s = tc_boundary_lowest(t, p, k, n, word, w);
        *slot = (uint64_t)key << 32 | (uint32_t)(s + 1);
        return s;
    }
    return tc_boundary_lowest(t, p, k, n, word, w);
}

/* Whether a neighbour that is one token with done_rank d (e) is safe from the
 * straddling tokens of its boundary, the lowest of which ranks s: they come too
 * late for it (while it is unfinished it holds a pair of its own ranked at
 * most d, so no such token can form first). A neighbour of several tokens is
 * safe only from none. */
static inline int tc_boundary_spares(uint32_t s, const tc_char_entry *e) {
    return s == TC_NONE || (e->n_tokens == 1 && s > e->done_rank);
}

/* Which neighbours of a character boundary (lowest straddling rank s) must
 * enter as bytes: bit 1 the left one, x, bit 2 the right one, y (their
 * standalone BPE). A neighbour that enters as bytes needs no condition on
 * the other: bytes merge as byte-level BPE does. */
static inline unsigned tc_boundary_matters(uint32_t s, const tc_char_entry *x, const tc_char_entry *y) {
    return (unsigned)!tc_boundary_spares(s, x) | (unsigned)!tc_boundary_spares(s, y) << 1;
}

/* Append character e (bytes p[0:len]) to the units of tc_merge_chars: as one
 * unit when no boundary of it matters (isolated) and it is one token, as a
 * wall (the units so far are merged, then its tokens) when isolated and
 * several tokens, else as its bytes. -1 when the character path gives up. */
static inline __attribute__((always_inline)) int tc_char_unit(
        const tc_vocab *v, tc_caches *c, const tc_char_entry *e, const uint8_t *p, size_t len, int isolated,
        size_t n, tc_units_room *w, size_t *m, uint32_t *out, size_t *k, size_t *expanded) {
    uint32_t *ids = w->ids, *pending = w->pending;
    uint64_t *lsig = w->lsig, *rsig = w->rsig;
    if (isolated && e->n_tokens == 1) {
        if (*m == TC_MAX_UNITS) return -1;
        ids[*m] = e->tokens[0];
        lsig[*m] = e->lsig;
        rsig[*m] = e->rsig;
        pending[(*m)++] = e->wait;
    } else if (isolated) {
        /* Several tokens that no neighbour can merge with: a wall. */
        *k += tc_merge_units(v, c, w, *m, out + *k);
        *m = 0;
        for (uint32_t t = 0; t < e->n_tokens; t++) out[(*k)++] = e->tokens[t];
    } else {
        if (*m + len > TC_MAX_UNITS) return -1;
        for (size_t b = 0; b < len; b++) {
            ids[*m] = v->byte_rank[p[b]];
            lsig[*m] = v->sig[ids[*m]].lsig;
            rsig[*m] = v->sig[ids[*m]].rsig;
            pending[(*m)++] = 0;
        }
        /* Mostly bytes: byte-level BPE's plain loop is quicker. */
        if ((*expanded += len) * 2 > n) return -1;
    }
    return 0;
}

/* Two neighbouring characters whose boundary matters, X = p[at:at + xlen] and
 * Y (key ky, the next ylen bytes), as one unit: the segment's entry, or NULL
 * when it cannot be one. Its standalone BPE must allow it (tc_segment_bpe),
 * and the straddling tokens of its edges must spare it: the left one unless it
 * starts the piece, the right one unless it ends it (bytes decide both, so the
 * next character need not be known). X must be one character, not a segment.
 * Kept out of tc_merge_chars's loop, which meets such boundaries rarely. */
static __attribute__((noinline)) const tc_char_entry *tc_segment_try(
        const tc_vocab *v, tc_caches *c, const uint8_t *p, size_t at, size_t xlen, uint32_t ky, size_t ylen,
        size_t n) {
    if (tc_utf8_len[p[at]] != xlen) return NULL;
    uint32_t kx = 0;
    if (at + 4 <= n) memcpy(&kx, p + at, 4);
    else for (size_t b = 0; b < xlen; b++) kx |= (uint32_t)p[at + b] << 8 * b;
    kx &= tc_utf8_own_mask[xlen];
    const tc_seg_entry *g = tc_segment_fill(v, c, kx, ky, p + at, xlen, ylen);
    size_t end = at + xlen + ylen;
    if (!g->e.n_tokens
            || (at && (!g->inner || !tc_boundary_spares(tc_boundary_straddle(v, c, p, at, n), &g->e)))
            || (at && end < n && !tc_boundary_spares(tc_boundary_straddle(v, c, p, end, n), &g->e)))
        return NULL;
    return &g->e;
}

/* The character path for p[0:n] into out (room for n ranks); (size_t)-1 when
 * it does not apply (not UTF-8, too many units) and byte-level BPE must run.
 * Characters next to a boundary that some token not made of whole characters
 * may straddle, and characters that stay several tokens, enter as their bytes:
 * there the merges are byte-level BPE's own; but two characters whose boundary
 * matters may enter together as a segment. One pass: a character's units are
 * decided once the boundary after it is known. */
static size_t tc_merge_chars_in(const tc_vocab *v, tc_caches *c, const uint8_t *p, size_t n, uint32_t *out,
                                tc_units_room *w) {
    const tc_char_entry *prev = NULL;        /* the previous unit's cache slot, a copy, or a segment */
    tc_char_entry saved;
    size_t m = 0, k = 0, expanded = 0, prev_at = 0, prev_len = 0;
    int prev_flagged = 0;                    /* the boundary before the previous unit matters for it */
    /* Long pieces go to the long-piece encoder once its tables exist (Thai,
     * written without spaces: FLORES 249 -> 165 instructions per byte), decided
     * before any preparing; until then they stay here and count a share of
     * their bytes toward building them (longpiece.h). A vocabulary with tokens
     * that are not their own BPE (Llama 3, Qwen 3.5) never has those tables;
     * the character path itself needs no such condition (NATIVE.md). */
    if (n > TC_SMALL_PIECE && v->own_bpe_ok) {
        const tc_longpiece *lt = tc_long_tables_for_chars(v, n);
        if (lt && lt->usable) return (size_t)-1;
    }
    for (size_t i = 0; i < n;) {
        uint32_t u;
        if (i + 4 <= n) memcpy(&u, p + i, 4);
        else for (size_t b = u = 0; i + b < n; b++) u |= (uint32_t)p[i + b] << 8 * b;
        uint32_t lead = tc_utf8_lead[u & 0xFF];
        size_t len = lead & 7;
        /* Not UTF-8: bytes it is. Past the piece's end u holds zeros, which
         * are not continuation bytes, so this also refuses a character that
         * the piece cuts short. Length 0 (not a first byte) passes it, and is
         * refused on the table's side only: three- and four-byte characters
         * (CJK, kana, Thai, Hangul) pay no test for it. */
        if ((u ^ 0x80808080u) & tc_utf8_cont_mask[len]) return (size_t)-1;
        const tc_char_entry *e;
        if (len <= 2) {
            if (!len) return (size_t)-1;
            e = &v->script_chars[(lead >> 16) + (u >> 8 & lead >> 8 & 0xFF)];
        } else {
            uint32_t key = u & tc_utf8_own_mask[len];
            tc_char_entry *slot = tc_char_slot(c, key);
            if (slot == prev) { saved = *prev; prev = &saved; }   /* filling it may evict the previous one */
            e = tc_char_fill(v, c, slot, key, p + i, len);
        }
        if (i) {
            uint32_t s = tc_boundary_straddle(v, c, p, i, n);
            unsigned flagged = s == TC_NONE ? 0 : tc_boundary_matters(s, prev, e);
            if (flagged) {
                const tc_char_entry *g = tc_segment_try(v, c, p, prev_at, prev_len, u & tc_utf8_own_mask[len], len, n);
                if (g) {
                    prev = g;
                    prev_len += len;
                    prev_flagged = 0;
                    i += len;
                    continue;
                }
            }
            if (tc_char_unit(v, c, prev, p + prev_at, prev_len, !prev_flagged && !(flagged & 1), n,
                             w, &m, out, &k, &expanded)) return (size_t)-1;
            prev_flagged = flagged & 2;
        }
        prev = e;
        prev_at = i;
        prev_len = len;
        i += len;
    }
    if (prev && tc_char_unit(v, c, prev, p + prev_at, prev_len, !prev_flagged, n,
                                w, &m, out, &k, &expanded)) return (size_t)-1;
    return k + tc_merge_units(v, c, w, m, out + k);
}

/* tc_merge_chars_in with its room; (size_t)-1, and byte-level BPE runs, should the scratch be full. */
static size_t tc_merge_chars(const tc_vocab *v, tc_caches *c, const uint8_t *p, size_t n, uint32_t *out) {
    tc_units_room *w = tc_scratch_take(c, sizeof *w);
    if (!w) return (size_t)-1;
    size_t k = tc_merge_chars_in(v, c, p, n, out, w);
    tc_scratch_give(c, w);
    return k;
}

/* Set v->split (bpe.h, tc_token_split_of) for every rank, and
 * v->own_bpe_ok: the long-piece encoder assumes every token's own BPE is that
 * token, which a split says (BPE of the bytes ends in its last merge); a
 * token without one is merged whole. Run once when the tables are built. */
static int tc_vocab_check_own_bpe(tc_vocab *v) {
    tc_caches *c = tc_caches_for(v);
    uint32_t *out = malloc((v->max_token_len + 1 + 2 * TC_SPLIT_MAX_TOKEN) * sizeof(uint32_t));
    free(v->split);
    v->split = malloc((size_t)v->n_ranks * sizeof(uint64_t));
    if (!out || !c || !v->split) { free(out); return -1; }
    uint32_t *room = out + v->max_token_len + 1;   /* tc_token_split_of's */
    int ok = 1;
    for (uint32_t r = 0; r < v->n_ranks; r++) {
        size_t len;
        const uint8_t *tb = tc_token_bytes(v, r, &len);
        v->split[r] = TC_SPLIT_BAD;
        if (!len || tc_piece_rank(v, tb, len) != r) continue;  /* gaps and special tokens */
        v->split[r] = tc_token_split_of(v, c, r, room, room + TC_SPLIT_MAX_TOKEN);
        if (!ok || v->split[r] != TC_SPLIT_BAD) continue;
        size_t k = tc_merge(v, c, tb, len, out);
        ok = k == 1 && out[0] == r;
    }
    free(out);
    v->own_bpe_ok = (uint32_t)ok;
    return 0;
}


/* BPE of a piece with non-ASCII bytes (not a token): the character path;
 * (size_t)-1 when it does not apply. (Round 15's two tokens by their valid
 * pair ran first for words of two-byte letters; its reads of the split table
 * missed the caches and it cost wall clock: deleted in round 16, NATIVE.md.) */
static inline size_t tc_merge_non_ascii(const tc_vocab *v, tc_caches *c, const uint8_t *p, size_t n, uint32_t *out) {
    return tc_merge_chars(v, c, p, n, out);
}

/* Pieces of up to this many bytes that are not tokens are merged by tc_merge_short and never kept in
 * the second level: their BPE costs a few loads from tables that stay in the caches. */
#define TC_SHORT_PIECE 3

/* BPE of a piece of 2 or 3 bytes that is not a token. A merge of all of it would make it a token, so
 * its only merges are of two bytes, whose ranks byte_pair holds: none, or the lower pair (the left
 * one on ties). A pair table lookup would only confirm that the piece is not a token. */
static inline size_t tc_merge_short(const tc_vocab *v, const uint8_t *p, size_t n, uint32_t *out) {
    uint32_t a = v->byte_rank[p[0]], b = v->byte_rank[p[1]];
    if (n == 2) { out[0] = a; out[1] = b; return 2; }
    uint32_t c = v->byte_rank[p[2]];
    uint32_t left = v->byte_pair[(unsigned)p[0] << 8 | p[1]], right = v->byte_pair[(unsigned)p[1] << 8 | p[2]];
    if (left == TC_NONE && right == TC_NONE) { out[0] = a; out[1] = b; out[2] = c; return 3; }
    if (left <= right) { out[0] = left; out[1] = c; }
    else { out[0] = a; out[1] = right; }
    return 2;
}

/* BPE of a piece already known not to be a token. */
static inline size_t tc_merge_piece(const tc_vocab *v, tc_caches *c, const uint8_t *p, size_t n, uint32_t *out) {
    if (n <= TC_SHORT_PIECE) return tc_merge_short(v, p, n, out);
    size_t k = tc_has_non_ascii(p, n) ? tc_merge_non_ascii(v, c, p, n, out) : (size_t)-1;
    return k != (size_t)-1 ? k : tc_merge(v, c, p, n, out);
}

/* A piece's table key: its first 12 bytes and its hash over all its bytes
 * (pieces of 2 to TC_KEYED_MAX bytes). */
typedef struct { uint64_t w0; uint32_t w1; uint64_t h; } tc_piece_key;

static inline void tc_piece_key_of(const uint8_t *p, size_t n, size_t avail, tc_piece_key *key) {
    tc_load_head(p, n, avail, &key->w0, &key->w1);
    key->h = tc_hash_piece_avail(p, n, avail, key->w0, key->w1);
}

/* Put a piece's tokens in the piece cache when they fit it, and in the second level (pieces of 2 to
 * TC_KEYED_MAX bytes) when they do not, or when the piece was merged a second time lately. */
static inline void tc_piece_remember(tc_caches *c, const uint8_t *p, size_t n, const tc_piece_key *key,
                                     const uint32_t *tokens, size_t k) {
    if (n < 2) return;
    if (n <= TC_PIECE_CACHE_KEY && k <= TC_PIECE_CACHE_TOKENS) {
        tc_piece_entry *e = &c->piece[key->h >> (64 - TC_PIECE_CACHE_BITS)];
        e->w0 = key->w0; e->w1 = key->w1; e->len = (uint8_t)n; e->n_tokens = (uint8_t)k;
        if (n > TC_INLINE) memcpy(e->rest, p + TC_INLINE, n - TC_INLINE);
        for (size_t j = 0; j < k; j++) e->tokens[j] = tokens[j];
        if (k == 1) return;                  /* a token: the token table answers it */
        if (n <= TC_SHORT_PIECE) return;     /* tc_merge_short costs less than the second level's line */
        if (!tc_big_admits(e, key->h)) return;
    }
    tc_big_remember(c, p, n, key->h, tokens, k);
}

#define TC_NEEDS_MERGE ((size_t)-2)

/* The tokens of a piece of 2 to TC_PIECE_CACHE_KEY bytes from its piece cache entry, into out (room
 * for n >= 2 ranks); 0 when the entry holds another piece. The first of tc_piece_lookup's answers,
 * on its own so that the text loop can keep it inline and the rest out of line (encoder.h). */
static inline __attribute__((always_inline)) size_t tc_piece_cached(const tc_caches *c, const uint8_t *p, size_t n,
                                                                    const tc_piece_key *key, uint32_t *out) {
    const tc_piece_entry *e = &c->piece[key->h >> (64 - TC_PIECE_CACHE_BITS)];
    if (e->len != n || e->w0 != key->w0 || e->w1 != key->w1 ||
        (n > TC_INLINE && memcmp(e->rest, p + TC_INLINE, n - TC_INLINE) != 0))
        return 0;
    /* Two tokens whatever the count (out has room for n >= 2): most entries are one or two, and the
     * loop's test then goes once. */
    memcpy(out, e->tokens, 2 * sizeof(uint32_t));
    for (unsigned k = 2; k < e->n_tokens; k++) out[k] = e->tokens[k];
    return e->n_tokens;
}

/* tc_piece_lookup past the piece cache entry (n >= 2; with a key and n <= TC_PIECE_CACHE_KEY, only
 * after tc_piece_cached found another piece there): the token table, then the second level. */
static inline __attribute__((always_inline)) size_t tc_piece_uncached(const tc_vocab *v, tc_caches *c, const uint8_t *p,
                                                                      size_t n, size_t avail, uint32_t *out,
                                                                      const tc_piece_key *key) {
    uint32_t r;
    if (!key) {
        r = tc_piece_rank_avail(v, p, n, avail);
    } else {
        r = n <= v->max_token_len ? tc_piece_probe(v, p, n, key->w0, key->w1, key->h) : TC_NONE;
        if (r != TC_NONE) {
            if (n <= TC_PIECE_CACHE_KEY) tc_piece_remember(c, p, n, key, &r, 1);
        } else if (n <= TC_SHORT_PIECE) {
            return TC_NEEDS_MERGE;           /* never in the second level (tc_piece_remember) */
        } else if (n > TC_PIECE_CACHE_KEY || tc_big_might_hold(c, key->h)) {
            /* Not a token: BPE's answer may be in the second level. */
            const tc_big_slot *b = tc_big_find(c, p, n, key->h);
            if (b) {
                memcpy(out, tc_big_tokens(c, b), b->n_tokens * sizeof(uint32_t));
                return b->n_tokens;
            }
        } else if (c->big && (c->piece[key->h >> (64 - TC_PIECE_CACHE_BITS)].asked & tc_asked_bit(key->h))) {
            /* Not there, but merged before: its BPE goes there (tc_piece_remember, tc_big_admits), so
             * its bucket, a line that misses the caches, is on its way while the merge runs. */
            __builtin_prefetch(tc_big_bucket(c->big, key->h), 1);
        }
    }
    if (r == TC_NONE) return TC_NEEDS_MERGE;
    out[0] = r;
    return 1;
}

/* The tokens of a piece when the piece caches or the token table have them;
 * TC_NEEDS_MERGE when BPE must run. key: the piece's key when the caller has
 * it (2 <= n <= TC_KEYED_MAX), else NULL. */
static inline __attribute__((always_inline)) size_t tc_piece_lookup(const tc_vocab *v, tc_caches *c, const uint8_t *p, size_t n,
                                     size_t avail, uint32_t *out, const tc_piece_key *key) {
    if (n == 1) { out[0] = v->byte_rank[p[0]]; return 1; }
    if (key && n <= TC_PIECE_CACHE_KEY) {
        size_t k = tc_piece_cached(c, p, n, key, out);
        if (k) return k;
    }
    return tc_piece_uncached(v, c, p, n, avail, out, key);
}

/* The tokens of one pretokenized piece into out (room for n ranks): its own
 * rank when it is a token, else BPE. `avail` >= n bytes may be read from p. */
static inline size_t tc_piece_tokens(const tc_vocab *v, tc_caches *c, const uint8_t *p, size_t n,
                                     size_t avail, uint32_t *out, const tc_piece_key *key) {
    tc_piece_key own;
    if (!key && n >= 2 && n <= TC_KEYED_MAX) { tc_piece_key_of(p, n, avail, &own); key = &own; }
    size_t k = tc_piece_lookup(v, c, p, n, avail, out, key);
    if (k != TC_NEEDS_MERGE) return k;
    k = tc_merge_piece(v, c, p, n, out);
    if (k != (size_t)-1 && key) tc_piece_remember(c, p, n, key, out, k);
    return k;
}

/* Start loading what tc_piece_tokens will read for this piece: its cache
 * entry and its slot in the token table. Issued for a batch of pieces ahead
 * of encoding them, so their cache misses overlap instead of queueing. */
static inline void tc_prefetch_piece(const tc_vocab *v, const tc_caches *c, const tc_piece_key *key, size_t n) {
    if (n <= TC_PIECE_CACHE_KEY) __builtin_prefetch(&c->piece[key->h >> (64 - TC_PIECE_CACHE_BITS)]);
    else if (c->big) __builtin_prefetch(tc_big_bucket(c->big, key->h));
    __builtin_prefetch(&v->piece[key->h & v->piece_mask]);
}

/* Plain BPE of p[0:n] appended to b (no whole-piece shortcut). 0, or -1 on OOM. */
static int tc_byte_pair_encode(const tc_vocab *v, const uint8_t *p, size_t n, tc_buf *b) {
    tc_caches *c = tc_caches_for(v);
    if (!c || tc_buf_reserve(b, n)) return -1;
    size_t k = tc_merge(v, c, p, n, b->data + b->len);
    if (k == (size_t)-1) return -1;
    b->len += k;
    return 0;
}

/* One piece appended to b. 0, or -1 on OOM. */
static inline int tc_encode_piece(const tc_vocab *v, tc_caches *c, const uint8_t *p, size_t n, size_t avail,
                                  tc_buf *b, const tc_piece_key *key) {
    if (!c || tc_buf_reserve(b, n)) return -1;
    size_t k = tc_piece_tokens(v, c, p, n, avail, b->data + b->len, key);
    if (k == (size_t)-1) return -1;
    b->len += k;
    return 0;
}

/* The token count of one piece; scratch holds TC_SMALL_PIECE ranks. */
static inline size_t tc_count_piece(const tc_vocab *v, tc_caches *c, const uint8_t *p, size_t n, size_t avail,
                                    uint32_t *scratch, const tc_piece_key *key) {
    if (n <= TC_SMALL_PIECE) return tc_piece_tokens(v, c, p, n, avail, scratch, key);
    if (key) {                                /* the count alone, when the big-piece cache has it */
        const tc_big_slot *b = tc_big_find(c, p, n, key->h);
        if (b) return b->n_tokens;
    }
    uint32_t *tmp = malloc(n * sizeof(uint32_t));
    if (!tmp) return (size_t)-1;
    size_t k = tc_piece_tokens(v, c, p, n, avail, tmp, key);
    free(tmp);
    return k;
}

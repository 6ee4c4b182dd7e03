/* The long-piece search: longest match with backtracking (longpiece.h has
 * the algorithm), the types it reads and its steps, from the trie walk to
 * the loop. Two units compile this text: _core.c (through longpiece.h) as
 * tc_long_search_plain, and longpiece_shorts.c as tc_long_search_shorts,
 * the loop that reads two short tokens' pair from the short pairs' table.
 * This header includes nothing of either unit and names nothing either
 * defines; a unit picks its loop with TC_LONG_SEARCH_SHORTS before it
 * includes it. Not a constant parameter of one always-inlined loop: GCC
 * then laid out both loops otherwise (r19: 1,750 and 1,816 instructions
 * against 1,740 and 1,793), and the plain loop must stay the code that
 * round 18 measured. */
#pragma once
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "bpe.h"

#ifndef TC_LONG_SEARCH_SHORTS
#define TC_LONG_SEARCH_SHORTS 0   /* 1: the loop with the short pairs' table (longpiece_shorts.c) */
#endif
#ifndef TC_LONG_SEARCH_MEET
#define TC_LONG_SEARCH_MEET 0     /* 1: instead of the loop, the two chains' meeting loop (longpiece_meet*.c) */
#endif
#ifndef TC_LONG_SEARCH_HALF
#define TC_LONG_SEARCH_HALF 0     /* 1: instead of the loop, the second chain's loop (longpiece_half*.c) */
#endif
/* The walk and the memo'd check, inlined into the loop: the meeting loop's
 * units force it (they call the check from three places, and GCC kept it
 * out of line); the one-chain loops' units keep GCC's own choice, main's code. */
#if TC_LONG_SEARCH_MEET
#define TC_LONG_STEP_INLINE inline __attribute__((always_inline))
#else
#define TC_LONG_STEP_INLINE inline
#endif

#define TC_LONG_DECLINED ((size_t)-3)        /* not for this encoder: merge instead */
#define TC_LONG_PAIR_MEMO 512                /* valid-pair answers kept per piece */
#define TC_LONG_DEAD_INLINE 4096             /* pieces up to this many bytes keep their dead set in the state itself */

/* What the search reads about one token, in one place: a valid-pair check
 * visits a chain of tokens, and each visit costs one cache line, not four. */
typedef struct {
    uint64_t split;          /* (left + 1) << 32 | (right + 1): the tokens of its last merge, found on
                              * first use (atomic); 0 = not yet, TC_LONG_BAD = breaks the assumptions */
    uint32_t prefix;         /* longest token that is a proper prefix of it; TC_NONE for a single byte */
    uint16_t len;            /* bytes; 0 for ranks that are not mergeable tokens */
    uint8_t sig_bit;         /* tc_sig_bit(rank) */
    uint8_t byte;            /* the byte of a one-byte token (its pair with another byte is in v->byte_pair) */
    uint64_t lsig, rsig;     /* v->sig[rank] (tables.h) */
} tc_long_token;

#define TC_LONG_BAD TC_SPLIT_BAD                  /* bpe.h */

/* The trie, read by the search: nodes numbered breadth first, so that the
 * children of a node are consecutive ids, children of consecutive nodes
 * follow one another, and the short prefixes that text keeps reaching sit
 * together in a few hundred KB instead of scattered over a hash table. */
typedef struct {
    uint32_t first;          /* id of the first child; the children of q are first(q) .. first(q + 1) - 1 */
    uint32_t token;          /* rank + 1 of the token spelled by the path to this node; 0: none */
} tc_long_node;

typedef struct tc_longpiece {
    int usable;              /* 0: the vocabulary does not meet the encoder's assumptions */
    int read;                /* 1: read from the table cache, 0: built in this process */
    int pairs_by_trie;       /* 1: a pair's rank may be read from the trie (tc_long_pair_rank) */
    uint32_t n_nodes;        /* ids 1 .. n_nodes (0 = none); the node of byte b is 1 + b */
    uint32_t *d2;            /* [65536]: the node of each two-byte prefix, 0 when no token starts so */
    tc_long_node *node;      /* [n_nodes + 2] */
    uint8_t *label;          /* [n_nodes + 2 + 32]: the byte on the edge into each node, ascending among siblings */
    tc_long_token *token;    /* [n_ranks] */
    size_t bytes;            /* memory held by these tables */
    const uint8_t *short_valid;   /* bit per pair of short ids (tc_long_short_id), or NULL */
} tc_longpiece;

/* Short pairs. On random letters two thirds of the valid-pair checks are
 * between tokens of one or two lowercase letters: 26 + 26 * 26 short ids (a
 * letter x is x - 'a', two letters x y are 26 + 26 (x - 'a') + y - 'a'), so
 * a bit per pair (61.6 KB) holds every answer, filled once by the check
 * itself. The id comes from the token's bytes in the piece, so no per-rank
 * record changes and the search without the table stays main's code. */
#define TC_LONG_SHORT_IDS (26 + 26 * 26)
#define TC_LONG_SHORT_BYTES ((((size_t)TC_LONG_SHORT_IDS * TC_LONG_SHORT_IDS + 7) / 8 + 63) & ~(size_t)63)

/* The short id of the token spelling s[0:len], or TC_LONG_SHORT_IDS when it
 * is not one or two lowercase letters. */
static inline uint32_t tc_long_short_id(const uint8_t *s, size_t len) {
    /* No branch: on random letters whether a token is short is a coin toss. */
    uint32_t x = (uint8_t)(s[0] - 'a'), y = (uint8_t)(s[len - 1] - 'a'), two = (uint32_t)len - 1;
    uint32_t id = two * (26 + 26 * x) + y;   /* one letter: x == y */
    return ((two > 1) | (x >= 26) | (y >= 26)) ? TC_LONG_SHORT_IDS : id;
}

/* Token r's split (r a mergeable token of 2 or more bytes), copied from
 * v->split on first use (bpe.h: the same value). Threads that race store the
 * same value. */
static inline uint64_t tc_long_split(const tc_longpiece *t, const tc_vocab *v, struct tc_caches *c, uint32_t r) {
    (void)c;
    uint64_t s = __atomic_load_n(&t->token[r].split, __ATOMIC_RELAXED);
    if (!s) {
        s = tc_token_split(v, r);
        __atomic_store_n(&t->token[r].split, s, __ATOMIC_RELAXED);
    }
    return s;
}

/* The child of trie node q's (first .. end - 1) labelled b, 0 when none.
 * The first 32 children are compared at once and the answer masked to the
 * node's own children, so the common walk step has no branch on how many
 * children a node has or on whether the byte was found (on random letters a
 * walk ends after 3-4 steps at a place no predictor guesses). */
static inline uint32_t tc_long_child(const uint8_t *label, uint32_t first, uint32_t end, uint8_t b) {
#ifdef __SSE2__
    const __m128i want = _mm_set1_epi8((char)b);
    uint32_t count = end - first;   /* the label array has 32 bytes past its end */
    uint32_t hit = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(label + first)), want))
                   | (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(label + first + 16)), want)) << 16;
    hit &= (uint32_t)((1ull << (count < 32 ? count : 32)) - 1);   /* siblings' labels differ: at most one bit is left */
    if (__builtin_expect(count > 32, 0) && !hit) {
        for (uint32_t c = first + 32; c < end; c += 16) {
            unsigned more = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(label + c)), want));
            if (more) {
                uint32_t at = c + (uint32_t)__builtin_ctz(more);
                return at < end ? at : 0;
            }
        }
        return 0;
    }
    return hit ? first + (uint32_t)__builtin_ctz(hit) : 0;
#else
    for (uint32_t c = first; c < end && label[c] <= b; c++)
        if (label[c] == b) return c;
    return 0;
#endif
}

/* The tokens met by a walk down the trie from one position of the piece,
 * kept so that a valid-pair check reads the rank of the token its two tokens
 * spell together (the piece's bytes from the left one's start) instead of
 * hashing the pair: the search walked from the left token's start when it
 * took that token, and the checks at one boundary start again where an
 * earlier one did, each asking a shorter string. tok[L - 2]: rank + 1 of the
 * token spelling p[at : at + L] (0: none), for 2 <= L <= known; reach: how
 * many bytes from `at` the trie holds a node for, so no token longer than
 * that starts there. A ring of TC_LONG_PATHS positions, by position (1 KB:
 * it must stay in L1, 256 cost more in misses than it saved); an entry is a
 * fact about the piece's bytes at `at`, so an old one stays true.
 *
 * Why the trie's answer is the pair table's (when t->pairs_by_trie): the
 * trie's token for a byte string is the lowest mergeable rank that spells
 * it (tc_long_entries); the pair table keys every mergeable rank r under
 * each split (piece_rank(head), piece_rank(tail)) and its probe meets the
 * lowest such r first; the search's tokens of two or more bytes are the
 * trie's or the pair table's answers, i.e. piece_rank's, and its one-byte
 * tokens are byte_rank's, which pairs_by_trie checked to be piece_rank's.
 * Short strings only (TC_LONG_PATH_MAX): a walk costs a step per byte, where
 * the hashed lookup costs the same at any length. */
#define TC_LONG_PATH_MAX 6
#define TC_LONG_PATHS 32
#define TC_LONG_REACH_UNKNOWN 0xFFFF
typedef struct {
    uint64_t at;             /* UINT64_MAX: empty */
    uint16_t reach;          /* TC_LONG_REACH_UNKNOWN: not known (a walk that stopped early) */
    uint16_t known;          /* tok holds lengths 2 .. known (<= TC_LONG_PATH_MAX, <= reach) */
    uint32_t tok[TC_LONG_PATH_MAX - 1];
} tc_long_path;

/* The rank of the token spelled by p[s : s + len] (len >= 2, s + len <= n),
 * TC_NONE when none: from the walk kept for s, else walked now and kept (the
 * checks at one boundary start there again, each shorter than the one
 * before), or the pair table for longer strings. */
static inline uint32_t tc_long_rank_at(const tc_longpiece *t, const tc_vocab *v, struct tc_caches *c,
                                       tc_long_path *paths, const uint8_t *p, size_t s, size_t len,
                                       uint32_t a, uint32_t b) {
    tc_long_path *e = &paths[s & (TC_LONG_PATHS - 1)];
    if (e->at == s) {
        if (len > e->reach) return TC_NONE;
        if (len <= e->known) return e->tok[len - 2] - 1;   /* 0 - 1 = TC_NONE */
    }
    if (len > TC_LONG_PATH_MAX) return tc_pair_rank_cached(v, c, a, b);
    uint32_t q = t->d2[(unsigned)p[s] << 8 | p[s + 1]];
    e->at = s;
    e->reach = e->known = 1;
    if (!q) return TC_NONE;
    e->tok[0] = t->node[q].token;
    for (size_t i = 2; i < len; i++) {
        q = tc_long_child(t->label, t->node[q].first, t->node[q + 1].first, p[s + i]);
        if (!q) { e->reach = e->known = (uint16_t)i; return TC_NONE; }
        e->tok[i - 1] = t->node[q].token;
    }
    e->known = (uint16_t)len;
    e->reach = TC_LONG_REACH_UNKNOWN;
    return e->tok[len - 2] - 1;
}

/* Whether BPE of token a's bytes followed by token b's ends as [a, b]:
 * 1 or 0, or -1 when a token met breaks the encoder's assumptions. p, at:
 * the piece and where the two meet in it (a's bytes end there, b's start
 * there), with the walks kept from it (paths); p NULL: ranks from the pair
 * table only. */
static inline __attribute__((always_inline)) int tc_long_valid_pair(const tc_longpiece *t, const tc_vocab *v, struct tc_caches *c,
                                                                    uint32_t a, uint32_t b, const uint8_t *p, size_t at,
                                                                    tc_long_path *paths) {
    /* A merge across the boundary happens when its rank comes before either
     * side changes: below a's parent's rank and below b's parent's rank + 1,
     * that is below the smaller of the two; both only fall as the walk goes on. */
    uint32_t limit = TC_NONE;
    const tc_long_token *ta = &t->token[a], *tb = &t->token[b];
    for (;;) {
        int a_byte = ta->len == 1, b_byte = tb->len == 1;
        if (a_byte & b_byte)   /* the last step, every valid pair's: two bytes, read from the dense table */
            return v->byte_pair[(unsigned)ta->byte << 8 | tb->byte] >= limit;
        if ((ta->rsig >> tb->sig_bit) & (tb->lsig >> ta->sig_bit) & 1) {
            size_t both = (size_t)ta->len + tb->len;
            uint32_t r = p ? tc_long_rank_at(t, v, c, paths, p, at - ta->len, both, a, b) : tc_pair_rank_cached(v, c, a, b);
            if (r < limit) return 0;                     /* TC_NONE is never below a limit */
        }
        /* Undo the latest merge; on equal ranks the right side's came later. */
        if (b_byte || (!a_byte && a > b)) {
            uint64_t s = tc_long_split(t, v, c, a);
            if (s == TC_LONG_BAD) return -1;
            if (a < limit) limit = a;
            a = (uint32_t)s - 1;
            ta = &t->token[a];
        } else {
            uint64_t s = tc_long_split(t, v, c, b);
            if (s == TC_LONG_BAD) return -1;
            if (b + 1 < limit) limit = b + 1;
            b = (uint32_t)(s >> 32) - 1;
            tb = &t->token[b];
        }
    }
}

/* rec's walk reached i bytes and no further. */
static inline void tc_long_path_end(tc_long_path *rec, size_t i) {
    rec->reach = i < TC_LONG_REACH_UNKNOWN ? (uint16_t)i : TC_LONG_REACH_UNKNOWN;
    rec->known = i < TC_LONG_PATH_MAX ? (uint16_t)i : TC_LONG_PATH_MAX;
}

/* The longest token at p[0:avail] (avail >= 1). *depth: how many bytes the
 * answer depends on, 0 when it depends on where the piece ends. The tokens
 * met on the way go to rec (its reach and tok; the caller sets at). */
static TC_LONG_STEP_INLINE uint32_t tc_long_match(const tc_longpiece *t, const tc_vocab *v, const uint8_t *p, size_t avail,
                                     size_t *depth, tc_long_path *rec) {
    uint32_t best = v->byte_rank[p[0]];
    rec->reach = rec->known = 1;
    if (avail < 2) { *depth = 0; return best; }
    uint32_t q = t->d2[(unsigned)p[0] << 8 | p[1]];
    if (!q) { *depth = 2; return best; }
    uint32_t tok = t->node[q].token;
    rec->tok[0] = tok;
    if (tok) best = tok - 1;
    size_t i = 2;
    for (; i < avail; i++) {
        q = tc_long_child(t->label, t->node[q].first, t->node[q + 1].first, p[i]);
        if (!q) { *depth = i + 1; tc_long_path_end(rec, i); return best; }
        tok = t->node[q].token;
        if (i < TC_LONG_PATH_MAX) rec->tok[i - 1] = tok;
        if (tok) best = tok - 1;
    }
    *depth = 0;
    tc_long_path_end(rec, i);
    return best;
}

/* The search's memory for one piece. */
typedef struct {
    uint64_t *dead;          /* bit per position: no tokenization of the rest starts there */
    uint64_t *memo;          /* valid-pair answers: (pair key + 1) << 1 | valid; 0 = empty */
    uint64_t memo_mask;
    /* Longest matches found, by their first byte: runs and repeated patterns
     * find the same bytes again and skip the trie walk. */
    struct { uint32_t at, depth, rank; } seen[64];
    size_t seen_tries, seen_hits, memo_tries, memo_hits;
    int use_seen, use_memo;  /* each dropped after 4096 tries if it hits too seldom to pay (text, not runs) */
    /* Recent choices, by the token before and the longest match: after token prev, longest match
     * cand led to choice; of the candidates before it (cand and its prefixes,
     * in order), those with bit i of dead_mask set were skipped for ending at a
     * dead position, the others for being invalid after prev. Validity depends
     * only on the two tokens, so the same two tokens lead to the same choice
     * when the dead-skipped candidates end at dead positions again and the
     * choice does not. Dropped after 4096 steps if it hits less than one in
     * four (text, not runs). */
    struct { uint32_t prev, cand, choice, dead_mask; } recent[8];
    size_t steps, hits;
    int use_recent;
    uint64_t dead_inline[TC_LONG_DEAD_INLINE / 64 + 1], memo_inline[TC_LONG_PAIR_MEMO];
    tc_long_path path[TC_LONG_PATHS];   /* the walks from recent positions (see tc_long_path) */
} tc_long_state;

/* Set up st for a piece of n bytes; -1 when out of memory. */
static int tc_long_state_init(tc_long_state *st, size_t n) {
    /* Long pieces get a larger memo (one slot per 4 bytes, up to 32 KB: it must stay in cache). */
    st->memo_mask = TC_LONG_PAIR_MEMO;
    while (st->memo_mask < n / 4 && st->memo_mask < (1u << 12)) st->memo_mask <<= 1;
    st->memo = st->memo_mask == TC_LONG_PAIR_MEMO ? st->memo_inline : calloc(st->memo_mask, sizeof(uint64_t));
    st->dead = n <= TC_LONG_DEAD_INLINE ? st->dead_inline : calloc(n / 64 + 1, sizeof(uint64_t));
    st->memo_mask--;
    if (st->dead == st->dead_inline) memset(st->dead, 0, (n / 64 + 1) * sizeof(uint64_t));
    if (st->memo == st->memo_inline) memset(st->memo, 0, sizeof(st->memo_inline));
    memset(st->seen, 0, sizeof(st->seen));
    st->seen_tries = st->seen_hits = st->memo_tries = st->memo_hits = 0;
    st->use_seen = st->use_memo = 1;
    memset(st->recent, 0xFF, sizeof(st->recent));
    st->steps = st->hits = 0;
    st->use_recent = 1;
    for (size_t i = 0; i < TC_LONG_PATHS && i <= n; i++) st->path[i].at = UINT64_MAX;
    return st->dead && st->memo ? 0 : -1;
}

static void tc_long_state_free(tc_long_state *st) {
    if (st->dead != st->dead_inline) free(st->dead);
    if (st->memo != st->memo_inline) free(st->memo);
}

/* A search's state for a piece of n bytes, in c's scratch (7 KB: too much for a small thread stack);
 * NULL when out of memory. */
static tc_long_state *tc_long_state_take(struct tc_caches *c, size_t n) {
    tc_long_state *st = tc_scratch_take(c, sizeof *st);
    if (st && tc_long_state_init(st, n)) {
        tc_long_state_free(st);
        tc_scratch_give(c, st);
        return NULL;
    }
    return st;
}

static void tc_long_state_give(struct tc_caches *c, tc_long_state *st) {
    tc_long_state_free(st);
    tc_scratch_give(c, st);
}

static inline int tc_long_dead(const tc_long_state *st, size_t pos) { return (st->dead[pos >> 6] >> (pos & 63)) & 1; }

/* Whether a[0:n] == b[0:n]: matches are short, so a call to memcmp costs more than the comparing. */
static inline int tc_long_same(const uint8_t *a, const uint8_t *b, size_t n) {
    for (; n >= 8; a += 8, b += 8, n -= 8) {
        uint64_t x, y;
        memcpy(&x, a, 8); memcpy(&y, b, 8);
        if (x != y) return 0;
    }
    for (; n; a++, b++, n--)
        if (*a != *b) return 0;
    return 1;
}

/* The longest token at p[pos:n], from st->seen when the same bytes were matched before. */
static inline __attribute__((always_inline)) uint32_t tc_long_match_at(const tc_longpiece *t, const tc_vocab *v, tc_long_state *st,
                                        const uint8_t *p, size_t pos, size_t n) {
    size_t depth;
    tc_long_path *rec = &st->path[pos & (TC_LONG_PATHS - 1)];
    rec->at = pos;
    if (!st->use_seen) return tc_long_match(t, v, p + pos, n - pos, &depth, rec);
    __typeof__(st->seen[0]) *e = &st->seen[p[pos] & 63];
    if (++st->seen_tries == 4096) st->use_seen = st->seen_hits * 8 > st->seen_tries;
    if (e->depth && n - pos >= e->depth && tc_long_same(p + pos, p + e->at, e->depth)) {
        st->seen_hits++;
        rec->at = UINT64_MAX;   /* not walked */
        return e->rank;
    }
    uint32_t r = tc_long_match(t, v, p + pos, n - pos, &depth, rec);
    if (depth && pos <= UINT32_MAX) { e->at = (uint32_t)pos; e->depth = (uint32_t)depth; e->rank = r; }
    return r;
}

/* Whether (a, b) is a valid pair, remembered for the rest of the piece (as tc_long_valid_pair). */
static TC_LONG_STEP_INLINE int tc_long_valid_memo(const tc_longpiece *t, const tc_vocab *v, struct tc_caches *c,
                                     tc_long_state *st, uint32_t a, uint32_t b, const uint8_t *p, size_t at) {
    if (!st->use_memo) return tc_long_valid_pair(t, v, c, a, b, p, at, st->path);
    if (++st->memo_tries == 4096) st->use_memo = st->memo_hits * 2 > st->memo_tries;
    uint64_t key = tc_pair_key(a, b) + 1;   /* 0 = empty */
    uint64_t *e = &st->memo[(key * 0x9E3779B97F4A7C15ull) >> 40 & st->memo_mask];
    if ((*e >> 1) == key) { st->memo_hits++; return (int)(*e & 1); }
    int ok = tc_long_valid_pair(t, v, c, a, b, p, at, st->path);
    if (ok >= 0) *e = key << 1 | (uint64_t)ok;
    return ok;
}

/* The token to take at pos: the first of cand and its shorter prefixes that
 * ends where a tokenization may continue and is valid after the last token
 * (k tokens in out so far). TC_NONE when none is; *bad set when a token breaks
 * the encoder's assumptions. In the loop with the table (TC_LONG_SEARCH_SHORTS)
 * two short tokens' pair is read from t->short_valid (there p is the piece,
 * never NULL). */
static inline __attribute__((always_inline)) uint32_t tc_long_choose(const tc_longpiece *t, const tc_vocab *v, struct tc_caches *c, tc_long_state *st,
                                      const uint32_t *out, size_t k, size_t pos, uint32_t cand, int *bad,
                                      const uint8_t *p) {
    if (!k) {   /* the first token: any that leaves a way on */
        while (cand != TC_NONE && tc_long_dead(st, pos + t->token[cand].len)) cand = t->token[cand].prefix;
        return cand;
    }
    uint32_t prev = out[k - 1], first = cand;
    __typeof__(st->recent[0]) *r = NULL;
    if (st->use_recent) {
        r = &st->recent[((prev ^ cand) * 0x9E3779B1u) >> 29];
        if (++st->steps == 4096) st->use_recent = st->hits * 4 > st->steps;
        if (r->prev == prev && r->cand == cand) {
            uint32_t c = cand, i = 0;
            for (; c != r->choice; c = t->token[c].prefix, i++)
                if ((r->dead_mask >> i) & 1 && !tc_long_dead(st, pos + t->token[c].len)) break;
            if (c == r->choice && !tc_long_dead(st, pos + t->token[c].len)) {
                st->hits++;
                return c;
            }
        }
    }
    uint32_t dead_mask = 0, i = 0;   /* candidates skipped for a dead end, by place in the chain */
#if TC_LONG_SEARCH_SHORTS
    uint32_t prev_id = tc_long_short_id(p + pos - t->token[prev].len, t->token[prev].len);   /* prev ends at pos */
    size_t prev_row = (size_t)prev_id * TC_LONG_SHORT_IDS;
#endif
    for (; cand != TC_NONE; cand = t->token[cand].prefix, i++) {
        if (tc_long_dead(st, pos + t->token[cand].len)) { dead_mask |= i < 32 ? 1u << i : 0; continue; }
        int ok;
#if TC_LONG_SEARCH_SHORTS
        uint32_t id = tc_long_short_id(p + pos, t->token[cand].len);
        if ((prev_id < TC_LONG_SHORT_IDS) & (id < TC_LONG_SHORT_IDS))   /* one branch */
            ok = t->short_valid[(prev_row + id) >> 3] >> ((prev_row + id) & 7) & 1;
        else
#endif
            ok = tc_long_valid_memo(t, v, c, st, prev, cand, p, pos);
        if (ok < 0) { *bad = 1; return TC_NONE; }
        if (ok) break;
    }
    if (r && cand != TC_NONE && i < 32) {
        r->prev = prev; r->cand = first; r->choice = cand; r->dead_mask = dead_mask;
    }
    return cand;
}

/* BPE of p[0:n] into out by the search alone (see tc_long_search in
 * longpiece.h): tc_long_search_plain in _core.c, tc_long_search_shorts (only
 * called when t->short_valid) in longpiece_shorts.c. */
#if !TC_LONG_SEARCH_MEET && !TC_LONG_SEARCH_HALF
#if TC_LONG_SEARCH_SHORTS
__attribute__((visibility("hidden"))) size_t tc_long_search_shorts(const tc_longpiece *t, const tc_vocab *v,
                                                                   struct tc_caches *c, const uint8_t *p, size_t n,
                                                                   uint32_t *out) {
#else
static __attribute__((noinline)) size_t tc_long_search_plain(const tc_longpiece *t, const tc_vocab *v, struct tc_caches *c,
                                                             const uint8_t *p, size_t n, uint32_t *out) {
#endif
    tc_long_state *st = tc_long_state_take(c, n);
    if (!st) return TC_LONG_DECLINED;
    size_t pos = 0, k = 0;
    int bad = 0, pairs_at = t->pairs_by_trie;
    uint32_t cand = tc_long_match_at(t, v, st, p, 0, n);
    while (pos < n) {
        cand = tc_long_choose(t, v, c, st, out, k, pos, cand, &bad, pairs_at ? p : NULL);
        if (cand != TC_NONE) {
            out[k++] = cand;
            pos += t->token[cand].len;
            if (pos < n) cand = tc_long_match_at(t, v, st, p, pos, n);
            continue;
        }
        if (bad) break;
        /* Nothing fits here: no tokenization of the rest starts at pos. */
        st->dead[pos >> 6] |= 1ull << (pos & 63);
        if (!k) break;   /* not BPE-built after all: let merging answer */
        uint32_t last = out[--k];
        pos -= t->token[last].len;
        cand = t->token[last].prefix;
    }
    tc_long_state_give(c, st);
    return !bad && pos == n ? k : TC_LONG_DECLINED;
}
#endif

/* ---- two chains (r26). The loop above is one dependent chain: walk, the
 * candidate's record, the check, the next walk. A piece can be searched from
 * two places, p[0:] (A, here) and p[m:] (B, by another thread: longpiece.h),
 * and joined: A meets B where A's stack ends at a boundary of B's tokens and
 * A's top token forms a valid pair with B's token starting there. A's tokens
 * up to there, then B's from there, is a tokenization of p whose every
 * adjacent pair is valid (A's among themselves and B's among themselves by
 * the search, the pair at the seam by the check), and that is BPE's answer,
 * the only such tokenization (longpiece.h). A that never meets B runs to the
 * end alone: the same answer, B's work wasted. */

/* B: p[m:n] searched by whoever claims it first, B's thread or A when it gets
 * to m before anyone did (then A goes on alone). B stops early once A is as far
 * past m as B is (a_past): from there A has no more bytes left to search than B
 * has, so B's tokens cannot come in time to save A any (and once A is done, no
 * use at all), and the caller, which waits for B's thread before it frees out,
 * does not wait for work that is thrown away. */
typedef struct {
    const tc_longpiece *t;
    const tc_vocab *v;
    const uint8_t *p;        /* p + m */
    size_t n;                /* n - m */
    uint32_t *out;           /* room for n tokens; B's are out[0:k] once state is 1 */
    size_t k;
    int claimed;             /* atomic: 1 once someone took B */
    int state;               /* atomic, written once by B (release): 0 running, 1 done, 2 failed or stopped */
    size_t a_past;           /* atomic, written by A: how far past m its stack reaches (SIZE_MAX: A is done) */
} tc_long_half;

/* B reads a_past each time its stack holds a multiple of this many tokens (a
 * power of two): a load of a line A writes, so not at every step, and once A
 * is done, the caller waits for about this many of B's tokens at most (0.5-1.5
 * KB, some 30-60 us) before B's thread leaves. */
#define TC_LONG_HALF_LOOK 256
#define TC_LONG_STOPPED ((size_t)-4)   /* B's search: stopped early, A being past it */

/* One step of a search (the body of the loop above): 2 after a push, 1 after
 * an undo, 0 once it stops (*pos == n: done; else it failed). */
static inline __attribute__((always_inline)) int tc_long_step(const tc_longpiece *t, const tc_vocab *v, struct tc_caches *c,
                                                             tc_long_state *st, const uint8_t *p, size_t n, uint32_t *out,
                                                             size_t *pos, size_t *k, uint32_t *cand, int *bad, int pairs_at) {
    *cand = tc_long_choose(t, v, c, st, out, *k, *pos, *cand, bad, pairs_at ? p : NULL);
    if (*cand != TC_NONE) {
        out[(*k)++] = *cand;
        *pos += t->token[*cand].len;
        if (*pos >= n) return 0;
        *cand = tc_long_match_at(t, v, st, p, *pos, n);
        return 2;
    }
    if (*bad) return 0;
    st->dead[*pos >> 6] |= 1ull << (*pos & 63);
    if (!*k) return 0;
    uint32_t last = out[--*k];
    *pos -= t->token[last].len;
    *cand = t->token[last].prefix;
    return 1;
}

/* B's tokens (outb[0:kb], spelling p[m:n]) read by position: *at is where
 * token *i starts; moved to the token that starts at x, or past x. A's tries
 * come in order but for its undos, so each move is a step or two. */
static inline void tc_long_seek(const tc_longpiece *t, const uint32_t *outb, size_t kb, size_t *i, size_t *at, size_t x) {
    while (*at > x) *at -= t->token[outb[--*i]].len;
    while (*at < x && *i < kb) *at += t->token[outb[(*i)++]].len;
}

/* Whether A's token a, ending at x (m <= x < n), meets B there: x a boundary
 * of B's tokens and (a, B's token at x) a valid pair. */
static inline int tc_long_meets(const tc_longpiece *t, const tc_vocab *v, struct tc_caches *c, tc_long_state *sa,
                                const uint8_t *p, int pairs_at, uint32_t a, const uint32_t *outb, size_t kb,
                                size_t *i, size_t *at, size_t x) {
    tc_long_seek(t, outb, kb, i, at, x);
    return *at == x && *i < kb && tc_long_valid_memo(t, v, c, sa, a, outb[*i], pairs_at ? p : NULL, x) == 1;
}

/* BPE of p[0:n] into out (room for n) as A, joined to B (p[m:n], 0 < m < n)
 * where they meet. B's result is looked at once A's stack reaches `reveal`
 * (>= m; tests set it later to meet with A's stack already past m). Compiled
 * in units of their own (longpiece_meet.c, longpiece_meet_shorts.c): beside a
 * one-chain loop, GCC stopped inlining the walk and the check into it. */
#if TC_LONG_SEARCH_MEET
#if TC_LONG_SEARCH_SHORTS
__attribute__((visibility("hidden"))) size_t tc_long_meet_shorts(const tc_longpiece *t, const tc_vocab *v,
                                                                 struct tc_caches *c, const uint8_t *p, size_t n,
                                                                 size_t m, size_t reveal, tc_long_half *b, uint32_t *out) {
#else
__attribute__((visibility("hidden"))) size_t tc_long_meet_plain(const tc_longpiece *t, const tc_vocab *v,
                                                                struct tc_caches *c, const uint8_t *p, size_t n,
                                                                size_t m, size_t reveal, tc_long_half *b, uint32_t *out) {
#endif
    tc_long_state *st = tc_long_state_take(c, n);
    if (!st) return TC_LONG_DECLINED;
    size_t pos = 0, k = 0, i = 0, at = m, kb = 0;   /* B's token i starts at `at` */
    int bad = 0, pairs_at = t->pairs_by_trie, run = 1;
    int b_known = 0;   /* 1: B done, its tokens usable; -1: B failed or never ran */
    uint32_t cand = tc_long_match_at(t, v, st, p, 0, n);
    while (run) {
        run = tc_long_step(t, v, c, st, p, n, out, &pos, &k, &cand, &bad, pairs_at);
        if (run != 2 || pos < reveal || b_known < 0) continue;
        if (b_known) {
            if (tc_long_meets(t, v, c, st, p, pairs_at, out[k - 1], b->out, kb, &i, &at, pos)) goto join;
            continue;
        }
        __atomic_store_n(&b->a_past, pos - m, __ATOMIC_RELAXED);   /* for B's early stop */
        int s = __atomic_load_n(&b->state, __ATOMIC_ACQUIRE);
        if (!s && !__atomic_load_n(&b->claimed, __ATOMIC_RELAXED) && !__atomic_exchange_n(&b->claimed, 1, __ATOMIC_ACQ_REL))
            s = 2;   /* nobody took B: A goes on alone */
        if (!s) continue;
        if (s != 1) { b_known = -1; continue; }
        b_known = 1;
        kb = b->k;
        /* A's tokens that end at m or later, lowest first (the top ends at pos). */
        size_t j = k, end = pos;   /* token j - 1 ends at end */
        while (j > 1 && end - t->token[out[j - 1]].len >= m) end -= t->token[out[--j]].len;
        for (; j <= k; end += j < k ? t->token[out[j]].len : 0, j++)
            if (tc_long_meets(t, v, c, st, p, pairs_at, out[j - 1], b->out, kb, &i, &at, end)) {
                k = j;
                goto join;
            }
    }
    tc_long_state_give(c, st);
    return !bad && pos == n ? k : TC_LONG_DECLINED;
join:
    memcpy(out + k, b->out + i, (kb - i) * sizeof(uint32_t));
    tc_long_state_give(c, st);
    return k + kb - i;
}
#endif

#if TC_LONG_SEARCH_HALF
/* B's search of b->p[0:b->n] into b->out: the one-chain loop, stopping once A
 * is as far past m as B is (tc_long_half). The count, TC_LONG_DECLINED, or
 * TC_LONG_STOPPED. Compiled in units of their own (longpiece_half.c,
 * longpiece_half_shorts.c): beside the meeting loop it made that loop 1-5% more
 * instructions, and itself 5-10% more than the one-chain loop it copies. */
#if TC_LONG_SEARCH_SHORTS
__attribute__((visibility("hidden"))) size_t tc_long_half_shorts(const tc_longpiece *t, const tc_vocab *v,
                                                                 struct tc_caches *c, tc_long_half *b) {
#else
__attribute__((visibility("hidden"))) size_t tc_long_half_plain(const tc_longpiece *t, const tc_vocab *v,
                                                                struct tc_caches *c, tc_long_half *b) {
#endif
    const uint8_t *p = b->p;
    uint32_t *out = b->out;
    size_t n = b->n, pos = 0, k = 0;
    tc_long_state *st = tc_long_state_take(c, n);
    if (!st) return TC_LONG_DECLINED;
    int bad = 0, pairs_at = t->pairs_by_trie;
    uint32_t cand = tc_long_match_at(t, v, st, p, 0, n);
    while (pos < n) {   /* the one-chain loop (tc_long_search_plain), and the look */
        cand = tc_long_choose(t, v, c, st, out, k, pos, cand, &bad, pairs_at ? p : NULL);
        if (cand != TC_NONE) {
            out[k++] = cand;
            pos += t->token[cand].len;
            /* The look, by the count of tokens the loop holds anyway: a variable of
             * its own (the next byte to look at) cost this loop 2.5% more instructions. */
            if (!(k & (TC_LONG_HALF_LOOK - 1)) && __atomic_load_n(&b->a_past, __ATOMIC_RELAXED) >= pos) {
                tc_long_state_give(c, st);
                return TC_LONG_STOPPED;
            }
            if (pos < n) cand = tc_long_match_at(t, v, st, p, pos, n);
            continue;
        }
        if (bad) break;
        st->dead[pos >> 6] |= 1ull << (pos & 63);
        if (!k) break;
        uint32_t last = out[--k];
        pos -= t->token[last].len;
        cand = t->token[last].prefix;
    }
    tc_long_state_give(c, st);
    return !bad && pos == n ? k : TC_LONG_DECLINED;
}
#endif

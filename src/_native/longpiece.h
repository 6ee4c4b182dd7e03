/* Long pieces in linear time: longest match with backtracking.
 *
 * Merging (bpe.h) costs O(n log n) with a heap on long pieces. For a
 * vocabulary built by BPE, its answer is the one tokenization of the piece in
 * which every two adjacent tokens form a *valid pair*: a pair that BPE of
 * their two byte strings would leave as those two tokens. This encoder finds
 * that tokenization left to right: at each position it takes the longest
 * token that matches, keeps it when it forms a valid pair with the token
 * before, and otherwise tries the next shorter token that matches there,
 * backing up one token when nothing fits. A position from which nothing fits
 * is marked dead, so it is never tried twice: each position is left at most
 * once per token ending there, and the work is linear in practice. The same
 * algorithm stated plainly, and tested against tiktoken, is
 * src/tokcost/_reference_backtrack.py; the idea is the one of GitHub's `bpe`
 * crate (its README explains it at length).
 *
 * Valid pair, replayed backwards: BPE of a + b evolves each side on its own
 * until a merge crosses the boundary between them. Each side's token at the
 * boundary lived from its own merge (its rank) to its parent's merge; the
 * tokens were built by their last merges (`left`, `right` below), found from
 * BPE of each token's own bytes. Undoing the latest merge of the two sides
 * step by step visits every boundary pair BPE met; a pair that is a token
 * merges if its rank comes before either side changes. A tie with the left
 * parent loses (that merge lies further left), a tie with the right parent
 * wins (the boundary lies further left).
 *
 * Tables, built once a vocabulary's long pieces have cost enough (see
 * TC_LONG_BUILD_AFTER): a trie of all tokens with its nodes numbered breadth
 * first (tc_long_node), and 32 bytes per rank (tc_long_token). o200k_base:
 * 10.5 MB in all, cl100k_base 5.4 MB. Until then, and for a vocabulary the
 * encoder cannot serve, the heap in bpe.h merges. docs/NATIVE.md has the
 * measurements.
 *
 * Two shortcuts in front of the search (below): a stretch with a short
 * period is encoded from a shortened copy whose repeating tokens are copied
 * back in, and each thread keeps the pieces of more than TC_BIG_KEY bytes it
 * searched.
 */
#pragma once
#include <pthread.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "bpe.h"

#define TC_LONG_DECLINED ((size_t)-3)        /* not for this encoder: merge instead */
#define TC_LONG_PAIR_MEMO 512                /* valid-pair answers kept per piece */
#define TC_LONG_DEAD_ON_STACK 4096           /* pieces up to this many bytes keep their dead set on the stack */
#define TC_LONG_MAX_TOKEN 1024               /* longer tokens: the vocabulary is left to merging */
/* Building the tables costs about what merging 256 KB of long pieces does
 * (35-75 ms); they are built once a vocabulary's long pieces have cost that
 * much (or one piece is that long), so text with a few long pieces never pays
 * for them, and text made of them pays at most about twice the least it could. */
#define TC_LONG_BUILD_AFTER (256u << 10)

/* What the search reads about one token, in one place: a valid-pair check
 * visits a chain of tokens, and each visit costs one cache line, not four. */
typedef struct {
    uint64_t split;          /* (left + 1) << 32 | (right + 1): the tokens of its last merge, found on
                              * first use (atomic); 0 = not yet, TC_LONG_BAD = breaks the assumptions */
    uint32_t prefix;         /* longest token that is a proper prefix of it; TC_NONE for a single byte */
    uint16_t len;            /* bytes; 0 for ranks that are not mergeable tokens */
    uint8_t sig_bit;         /* tc_sig_bit(rank) */
    uint8_t byte;            /* the byte of a one-byte token (its pair with another byte is in v->byte_pair) */
    uint64_t lsig, rsig;     /* v->lsig, v->rsig (bpe.h) */
} tc_long_token;

#define TC_LONG_BAD 0xFFFFFFFFFFFFFFFFull

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
    uint32_t n_nodes;        /* ids 1 .. n_nodes (0 = none); the node of byte b is 1 + b */
    uint32_t *d2;            /* [65536]: the node of each two-byte prefix, 0 when no token starts so */
    tc_long_node *node;      /* [n_nodes + 2] */
    uint8_t *label;          /* [n_nodes + 2 + 16]: the byte on the edge into each node, ascending among siblings */
    tc_long_token *token;    /* [n_ranks] */
    size_t bytes;            /* memory held by these tables */
} tc_longpiece;

/* ---- building: tokens go into a hash trie first (edges keyed by parent and
 * byte), which is then laid out breadth first. */

typedef struct {
    uint32_t edge_mask;
    uint32_t root;           /* id of the node of byte b is root + b */
    uint32_t n_edges;
    uint64_t *edge;          /* (rank + 1) << 32 | (parent + 1) << 8 | byte; 0 = free */
} tc_long_hash_trie;

static inline uint32_t tc_long_edge_key(uint32_t parent, uint8_t byte) { return (parent + 1) << 8 | byte; }

static inline uint64_t tc_long_edge_slot(uint32_t key, uint32_t mask) {
    return ((uint64_t)key * 0x9E3779B97F4A7C15ull) >> 32 & mask;
}

/* Insert token r (p[0:n], n >= 2) into h and note its longest proper prefix
 * token in tok (tokens are inserted shortest first, so every shorter one is
 * marked already). 0, or -1 when the table is three quarters full (probing
 * would slow down: build a larger one). */
static int tc_long_insert(tc_long_hash_trie *h, tc_long_token *tok, const tc_vocab *v, uint32_t r,
                          const uint8_t *p, size_t n) {
    uint32_t node = h->root + p[0], prefix = v->byte_rank[p[0]];
    for (size_t i = 1; i < n; i++) {
        uint32_t key = tc_long_edge_key(node, p[i]), s = (uint32_t)tc_long_edge_slot(key, h->edge_mask);
        while (h->edge[s] && (uint32_t)h->edge[s] != key) s = (s + 1) & h->edge_mask;
        if (!h->edge[s]) {
            if (++h->n_edges > h->edge_mask / 4 * 3) return -1;
            h->edge[s] = key;
        }
        node = s;
        uint32_t here = (uint32_t)(h->edge[s] >> 32);
        if (here && i + 1 < n) prefix = here - 1;
    }
    h->edge[node] |= (uint64_t)(r + 1) << 32;
    tok[r].prefix = prefix;
    return 0;
}

/* Fill tok (zeroed) and h (zeroed, with room for its edges): 1 when done, 0
 * when the vocabulary does not suit the encoder, -1 when the edge table is too
 * small. by_len: scratch for n_ranks ranks. */
static int tc_long_fill(tc_long_hash_trie *h, tc_long_token *tok, const tc_vocab *v, uint32_t *by_len) {
    uint32_t count[TC_LONG_MAX_TOKEN + 2] = {0};
    if (!v->char_merge_ok || v->max_token_len > TC_LONG_MAX_TOKEN) return 0;
    for (int b = 0; b < 256; b++)
        if (v->byte_rank[b] == TC_NONE) return 0;
    for (uint32_t r = 0; r < v->n_ranks; r++) {
        size_t len;
        const uint8_t *tb = tc_token_bytes(v, r, &len);
        tok[r].prefix = TC_NONE;
        if (!len || tc_piece_rank(v, tb, len) != r) continue;          /* gaps and special tokens */
        tok[r].len = (uint16_t)len;
        tok[r].sig_bit = (uint8_t)tc_sig_bit(r);
        tok[r].byte = tb[0];
        tok[r].lsig = v->lsig[r];
        tok[r].rsig = v->rsig[r];
        count[len + 1]++;
    }
    for (size_t len = 1; len <= TC_LONG_MAX_TOKEN; len++) count[len + 1] += count[len];
    for (uint32_t r = 0; r < v->n_ranks; r++)
        if (tok[r].len) by_len[count[tok[r].len]++] = r;
    for (uint32_t k = count[1]; k < count[v->max_token_len]; k++) {   /* past the single bytes */
        uint32_t r = by_len[k];
        size_t len;
        const uint8_t *tb = tc_token_bytes(v, r, &len);
        if (tc_long_insert(h, tok, v, r, tb, len)) return -1;
    }
    return 1;
}

/* The hash trie of every token of v, and tok filled; 1, 0 when v does not
 * suit the encoder, -1 when out of memory. Distinct token prefixes are about
 * two per rank in BPE vocabularies; the table doubles until they fit. Ids
 * must fit the 24-bit edge key. */
static int tc_long_hash_build(tc_long_hash_trie *h, tc_long_token *tok, const tc_vocab *v) {
    uint32_t *by_len = malloc((v->n_ranks + 1) * sizeof(uint32_t));
    if (!by_len) return -1;
    uint64_t slots = 1u << 16;
    while (slots < v->n_ranks * 3ull) slots <<= 1;
    for (; slots + 256 < (1u << 24); slots <<= 1) {
        h->edge = tc_alloc_table(slots * sizeof(uint64_t));   /* huge pages: the inserts land at random */
        if (!h->edge) break;
        memset(h->edge, 0, slots * sizeof(uint64_t));
        h->edge_mask = (uint32_t)(slots - 1);
        h->root = (uint32_t)slots;
        h->n_edges = 0;
        memset(tok, 0, (size_t)v->n_ranks * sizeof(tc_long_token));
        int got = tc_long_fill(h, tok, v, by_len);
        if (got == 1) { free(by_len); return 1; }
        free(h->edge);
        h->edge = NULL;
        if (got == 0) { free(by_len); return 0; }
    }
    free(by_len);
    return -1;
}

/* Lay the hash trie h out breadth first into t (t->node, t->label, t->d2
 * allocated for h->n_edges + 256 nodes). The edges are sorted by parent and,
 * among siblings, by byte (two counting sorts); then each node, in id order,
 * numbers its children. 0, or -1 when out of memory. */
static int tc_long_lay_out(tc_longpiece *t, const tc_long_hash_trie *h, const tc_vocab *v) {
    uint32_t m = h->n_edges, n_old = h->root + 256, n = m + 256;
    uint32_t *slot = malloc((size_t)m * sizeof(uint32_t)), *by_byte = malloc((size_t)m * sizeof(uint32_t));
    uint32_t *start = calloc((size_t)n_old + 1, sizeof(uint32_t)), *old = malloc(((size_t)n + 1) * sizeof(uint32_t));
    int ok = slot && by_byte && start && old;
    if (ok) {
        uint32_t k = 0, count[257] = {0};
        for (uint32_t s = 0; s <= h->edge_mask; s++)
            if (h->edge[s]) { slot[k++] = s; count[(h->edge[s] & 255) + 1]++; }
        for (int b = 0; b < 256; b++) count[b + 1] += count[b];
        for (uint32_t e = 0; e < m; e++) by_byte[count[h->edge[slot[e]] & 255]++] = slot[e];
        for (uint32_t e = 0; e < m; e++) start[((uint32_t)h->edge[by_byte[e]] >> 8) - 1 + 1]++;
        for (uint32_t o = 0; o < n_old; o++) start[o + 1] += start[o];
        for (uint32_t e = 0; e < m; e++) slot[start[((uint32_t)h->edge[by_byte[e]] >> 8) - 1]++] = by_byte[e];
        for (uint32_t o = n_old; o > 0; o--) start[o] = start[o - 1];   /* back to group starts */
        start[0] = 0;
        /* slot[start[o] .. start[o + 1]) are now the children of old node o, by byte. */
        uint32_t next = 257;
        t->node[0].first = t->node[0].token = 0;
        t->label[0] = 0;
        for (int b = 0; b < 256; b++) {
            old[1 + b] = h->root + (uint32_t)b;
            t->label[1 + b] = (uint8_t)b;
            t->node[1 + b].token = v->byte_rank[b] + 1;
        }
        for (uint32_t q = 1; q < next; q++) {
            t->node[q].first = next;
            for (uint32_t e = start[old[q]]; e < start[old[q] + 1]; e++, next++) {
                uint64_t edge = h->edge[slot[e]];
                old[next] = slot[e];
                t->label[next] = (uint8_t)edge;
                t->node[next].token = (uint32_t)(edge >> 32);
            }
        }
        t->node[next].first = next;   /* the end of the last node's (empty) children */
        t->node[next].token = 0;
        memset(t->label + next, 0, 17);
        t->n_nodes = next - 1;
        for (uint32_t q = 1; q <= 256; q++)
            for (uint32_t c = t->node[q].first; c < t->node[q + 1].first; c++) t->d2[(q - 1) << 8 | t->label[c]] = c;
        ok = next == n + 1;
    }
    free(slot); free(by_byte); free(start); free(old);
    return ok ? 0 : -1;
}

/* The tables for v in one block (freed by tc_vocab_free); NULL when out of
 * memory. A vocabulary the encoder cannot serve gets a header marked unusable. */
static tc_longpiece *tc_long_build(const tc_vocab *v) {
    tc_long_hash_trie h = {0};
    tc_long_token *tok = malloc((size_t)v->n_ranks * sizeof(tc_long_token));
    int got = tok ? tc_long_hash_build(&h, tok, v) : -1;
    tc_longpiece *t = NULL;
    if (got == 1) {
        size_t n = (size_t)h.n_edges + 256;
        size_t head = (sizeof(tc_longpiece) + 63) & ~(size_t)63;
        size_t d2 = 65536 * sizeof(uint32_t), nodes = (n + 2) * sizeof(tc_long_node);
        size_t tokens = (size_t)v->n_ranks * sizeof(tc_long_token), labels = (n + 2 + 16 + 63) & ~(size_t)63;
        size_t total = head + tokens + d2 + nodes + labels;
        if ((t = tc_alloc_table(total))) {
            memset(t, 0, head);
            t->bytes = total;
            t->token = (tc_long_token *)((uint8_t *)t + head);
            t->d2 = (uint32_t *)((uint8_t *)t->token + tokens);
            memset(t->d2, 0, d2);
            t->node = (tc_long_node *)((uint8_t *)t->d2 + d2);
            t->label = (uint8_t *)t->node + nodes;
            memcpy(t->token, tok, tokens);
            if (tc_long_lay_out(t, &h, v) == 0) t->usable = 1;
            else { free(t); t = NULL; }
        }
    }
    free(h.edge);
    free(tok);
    if (got == 0) return calloc(1, sizeof(tc_longpiece));   /* unusable (or NULL: out of memory) */
    return t;
}

static pthread_mutex_t tc_long_lock = PTHREAD_MUTEX_INITIALIZER;

/* v's tables, built by the first thread that needs them once v's long
 * pieces have cost enough (see TC_LONG_BUILD_AFTER); NULL until then, or
 * when out of memory. */
static const tc_longpiece *tc_long_tables(const tc_vocab *v, size_t n) {
    tc_longpiece *t = __atomic_load_n(&v->longpiece, __ATOMIC_ACQUIRE);
    if (t) return t;
    if (n < TC_LONG_BUILD_AFTER &&
        __atomic_add_fetch(&((tc_vocab *)v)->long_bytes_merged, n, __ATOMIC_RELAXED) < TC_LONG_BUILD_AFTER)
        return NULL;   /* a counter beside the cache below, for the same reason */
    pthread_mutex_lock(&tc_long_lock);
    t = v->longpiece;
    if (!t && (t = tc_long_build(v)))
        /* The tables are a cache of what v already says; building them does not change v. */
        __atomic_store_n(&((tc_vocab *)v)->longpiece, t, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&tc_long_lock);
    return t;
}

/* Memory held by v's tables (0 before they are built). */
static size_t tc_long_table_bytes(const tc_vocab *v) {
    const tc_longpiece *t = __atomic_load_n(&v->longpiece, __ATOMIC_ACQUIRE);
    return t ? t->bytes : 0;
}

/* The two tokens BPE of token r's own bytes holds just before its last
 * merge, as stored in tc_long_token.split; TC_LONG_BAD when that BPE does not
 * end in r or a part outranks r (the replay's timeline would not hold). */
static uint64_t tc_long_split_of(const tc_vocab *v, struct tc_caches *c, uint32_t r) {
    uint32_t ids[TC_LONG_MAX_TOKEN], pr[TC_LONG_MAX_TOKEN];
    size_t n, m;
    const uint8_t *p = tc_token_bytes(v, r, &n);
    m = n;
    for (size_t i = 0; i < n; i++) ids[i] = v->byte_rank[p[i]];
    for (size_t i = 0; i + 1 < n; i++) pr[i] = v->byte_pair[(unsigned)p[i] << 8 | p[i + 1]];
    while (m > 2) {
        uint32_t best;
        size_t j = tc_merge_step(ids, pr, &m, &best);
        if (j == m) return TC_LONG_BAD;
        if (j + 1 < m) pr[j] = tc_pair_rank_cached(v, c, ids[j], ids[j + 1]);
        if (j > 0) pr[j - 1] = tc_pair_rank_cached(v, c, ids[j - 1], ids[j]);
    }
    if (m != 2 || pr[0] != r || ids[0] >= r || ids[1] >= r) return TC_LONG_BAD;
    return (uint64_t)(ids[0] + 1) << 32 | (ids[1] + 1);
}

/* Token r's split (r a mergeable token of 2 or more bytes), found on first
 * use. Threads that race compute the same value. */
static inline uint64_t tc_long_split(const tc_longpiece *t, const tc_vocab *v, struct tc_caches *c, uint32_t r) {
    uint64_t s = __atomic_load_n(&t->token[r].split, __ATOMIC_RELAXED);
    if (!s) {
        s = tc_long_split_of(v, c, r);
        __atomic_store_n(&t->token[r].split, s, __ATOMIC_RELAXED);
    }
    return s;
}

/* Whether BPE of token a's bytes followed by token b's ends as [a, b]:
 * 1 or 0, or -1 when a token met breaks the encoder's assumptions. */
static inline __attribute__((always_inline)) int tc_long_valid_pair(const tc_longpiece *t, const tc_vocab *v, struct tc_caches *c, uint32_t a, uint32_t b) {
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
            uint32_t r = tc_pair_rank_cached(v, c, a, b);
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

/* The child of trie node q's (first .. end - 1) labelled b, 0 when none. */
static inline uint32_t tc_long_child(const uint8_t *label, uint32_t first, uint32_t end, uint8_t b) {
#ifdef __SSE2__
    const __m128i want = _mm_set1_epi8((char)b);
    for (uint32_t c = first; c < end; c += 16) {   /* the label array has 16 bytes past its end */
        unsigned hit = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(label + c)), want));
        if (hit) {   /* siblings' labels differ: the first equal byte is the only one among them */
            uint32_t at = c + (uint32_t)__builtin_ctz(hit);
            return at < end ? at : 0;
        }
    }
    return 0;
#else
    for (uint32_t c = first; c < end && label[c] <= b; c++)
        if (label[c] == b) return c;
    return 0;
#endif
}

/* The longest token at p[0:avail] (avail >= 1). *depth: how many bytes the
 * answer depends on, 0 when it depends on where the piece ends. */
static inline uint32_t tc_long_match(const tc_longpiece *t, const tc_vocab *v, const uint8_t *p, size_t avail,
                                     size_t *depth) {
    uint32_t best = v->byte_rank[p[0]];
    if (avail < 2) { *depth = 0; return best; }
    uint32_t q = t->d2[(unsigned)p[0] << 8 | p[1]];
    if (!q) { *depth = 2; return best; }
    if (t->node[q].token) best = t->node[q].token - 1;
    for (size_t i = 2; i < avail; i++) {
        q = tc_long_child(t->label, t->node[q].first, t->node[q + 1].first, p[i]);
        if (!q) { *depth = i + 1; return best; }
        if (t->node[q].token) best = t->node[q].token - 1;
    }
    *depth = 0;
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
    uint64_t dead_stack[TC_LONG_DEAD_ON_STACK / 64 + 1], memo_stack[TC_LONG_PAIR_MEMO];
} tc_long_state;

/* Set up st for a piece of n bytes; -1 when out of memory. */
static int tc_long_state_init(tc_long_state *st, size_t n) {
    /* Long pieces get a larger memo (one slot per 4 bytes, up to 32 KB: it must stay in cache). */
    st->memo_mask = TC_LONG_PAIR_MEMO;
    while (st->memo_mask < n / 4 && st->memo_mask < (1u << 12)) st->memo_mask <<= 1;
    st->memo = st->memo_mask == TC_LONG_PAIR_MEMO ? st->memo_stack : calloc(st->memo_mask, sizeof(uint64_t));
    st->dead = n <= TC_LONG_DEAD_ON_STACK ? st->dead_stack : calloc(n / 64 + 1, sizeof(uint64_t));
    st->memo_mask--;
    if (st->dead == st->dead_stack) memset(st->dead, 0, (n / 64 + 1) * sizeof(uint64_t));
    if (st->memo == st->memo_stack) memset(st->memo, 0, sizeof(st->memo_stack));
    memset(st->seen, 0, sizeof(st->seen));
    st->seen_tries = st->seen_hits = st->memo_tries = st->memo_hits = 0;
    st->use_seen = st->use_memo = 1;
    memset(st->recent, 0xFF, sizeof(st->recent));
    st->steps = st->hits = 0;
    st->use_recent = 1;
    return st->dead && st->memo ? 0 : -1;
}

static void tc_long_state_free(tc_long_state *st) {
    if (st->dead != st->dead_stack) free(st->dead);
    if (st->memo != st->memo_stack) free(st->memo);
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
    if (!st->use_seen) return tc_long_match(t, v, p + pos, n - pos, &depth);
    __typeof__(st->seen[0]) *e = &st->seen[p[pos] & 63];
    if (++st->seen_tries == 4096) st->use_seen = st->seen_hits * 8 > st->seen_tries;
    if (e->depth && n - pos >= e->depth && tc_long_same(p + pos, p + e->at, e->depth)) {
        st->seen_hits++;
        return e->rank;
    }
    uint32_t r = tc_long_match(t, v, p + pos, n - pos, &depth);
    if (depth && pos <= UINT32_MAX) { e->at = (uint32_t)pos; e->depth = (uint32_t)depth; e->rank = r; }
    return r;
}

/* Whether (a, b) is a valid pair, remembered for the rest of the piece (as tc_long_valid_pair). */
static inline int tc_long_valid_memo(const tc_longpiece *t, const tc_vocab *v, struct tc_caches *c,
                                     tc_long_state *st, uint32_t a, uint32_t b) {
    if (!st->use_memo) return tc_long_valid_pair(t, v, c, a, b);
    if (++st->memo_tries == 4096) st->use_memo = st->memo_hits * 2 > st->memo_tries;
    uint64_t key = tc_pair_key(a, b) + 1;   /* 0 = empty */
    uint64_t *e = &st->memo[(key * 0x9E3779B97F4A7C15ull) >> 40 & st->memo_mask];
    if ((*e >> 1) == key) { st->memo_hits++; return (int)(*e & 1); }
    int ok = tc_long_valid_pair(t, v, c, a, b);
    if (ok >= 0) *e = key << 1 | (uint64_t)ok;
    return ok;
}

/* The token to take at pos: the first of cand and its shorter prefixes that
 * ends where a tokenization may continue and is valid after the last token
 * (k tokens in out so far). TC_NONE when none is; *bad set when a token breaks
 * the encoder's assumptions. */
static inline __attribute__((always_inline)) uint32_t tc_long_choose(const tc_longpiece *t, const tc_vocab *v, struct tc_caches *c, tc_long_state *st,
                                      const uint32_t *out, size_t k, size_t pos, uint32_t cand, int *bad) {
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
    for (; cand != TC_NONE; cand = t->token[cand].prefix, i++) {
        if (tc_long_dead(st, pos + t->token[cand].len)) { dead_mask |= i < 32 ? 1u << i : 0; continue; }
        int ok = tc_long_valid_memo(t, v, c, st, prev, cand);
        if (ok < 0) { *bad = 1; return TC_NONE; }
        if (ok) break;
    }
    if (r && cand != TC_NONE && i < 32) {
        r->prev = prev; r->cand = first; r->choice = cand; r->dead_mask = dead_mask;
    }
    return cand;
}

/* BPE of p[0:n] into out by the search alone (see tc_long_encode). */
static size_t tc_long_search(const tc_longpiece *t, const tc_vocab *v, struct tc_caches *c, const uint8_t *p, size_t n,
                             uint32_t *out) {
    tc_long_state st;
    if (tc_long_state_init(&st, n)) { tc_long_state_free(&st); return TC_LONG_DECLINED; }
    size_t pos = 0, k = 0;
    int bad = 0;
    uint32_t cand = tc_long_match_at(t, v, &st, p, 0, n);
    while (pos < n) {
        cand = tc_long_choose(t, v, c, &st, out, k, pos, cand, &bad);
        if (cand != TC_NONE) {
            out[k++] = cand;
            pos += t->token[cand].len;
            if (pos < n) cand = tc_long_match_at(t, v, &st, p, pos, n);
            continue;
        }
        if (bad) break;
        /* Nothing fits here: no tokenization of the rest starts at pos. */
        st.dead[pos >> 6] |= 1ull << (pos & 63);
        if (!k) break;   /* not BPE-built after all: let merging answer */
        uint32_t last = out[--k];
        pos -= t->token[last].len;
        cand = t->token[last].prefix;
    }
    tc_long_state_free(&st);
    return !bad && pos == n ? k : TC_LONG_DECLINED;
}

/* ---- periodic stretches: runs of one character, `ab` repeated, ...
 *
 * BPE's answer is the one tokenization of a piece whose every two adjacent
 * tokens form a valid pair (the search above rests on this; each adjacent
 * pair of a BPE answer is valid because BPE of the two tokens' bytes replays
 * what happened to them inside the piece). Let p have period P on p[s:e]
 * (p[i] == p[i + P] for s <= i < e - P), and let p' be p with D bytes of that
 * stretch removed (D a multiple of P; p' = p[0:e - D] + p[e:n]). Suppose
 * BPE of p' reads A B B C, where B is a run of tokens spelling Q bytes (Q a
 * multiple of P dividing D) that starts at byte a >= s with a + Q <= e - D.
 * Then A B^(D/Q) B B C spells p (the stretch keeps its period), and each of
 * its adjacent pairs already stands next to each other in A B B C, so each
 * is valid: it is BPE's answer for p. A megabyte run is thus encoded by
 * searching a few kilobytes and copying tokens. */

#define TC_LONG_PERIOD_MAX 16               /* byte periods looked for */
#define TC_LONG_PERIODIC_MIN 2048           /* shorter stretches are searched whole */
#define TC_LONG_PERIODIC_KEEP 1024          /* bytes of the stretch kept in p' */
#define TC_LONG_REPEAT_MAX 256              /* longest B looked for, in bytes */

/* The stretch with a period of at most TC_LONG_PERIOD_MAX bytes around the
 * middle of p, as *s, *e and its period; 0 when there is none that long. */
static size_t tc_long_find_period(const uint8_t *p, size_t n, size_t *s, size_t *e) {
    size_t m = n / 2 - 32;
    for (size_t P = 1; P <= TC_LONG_PERIOD_MAX; P++) {
        if (memcmp(p + m, p + m + P, 32) != 0) continue;
        size_t lo = m, hi = m;
        for (uint64_t x, y; lo >= 8; lo -= 8) {
            memcpy(&x, p + lo - 8, 8); memcpy(&y, p + lo - 8 + P, 8);
            if (x != y) break;
        }
        while (lo > 0 && p[lo - 1] == p[lo - 1 + P]) lo--;
        for (uint64_t x, y; hi + P + 8 <= n; hi += 8) {
            memcpy(&x, p + hi, 8); memcpy(&y, p + hi + P, 8);
            if (x != y) break;
        }
        while (hi + P < n && p[hi] == p[hi + P]) hi++;
        /* p[i] == p[i + P] for lo <= i < hi: the stretch p[lo : hi + P] has period P. */
        if (hi + P - lo < TC_LONG_PERIODIC_MIN) return 0;
        *s = lo; *e = hi + P;
        return P;
    }
    return 0;
}

/* In tokens out[0:k] of p' (the stretch p'[s:e2] has period P): B as a token
 * index *i and count *len, B B at byte a >= s, a + Q <= e2, Q a multiple of P
 * (and of nothing else; Q divides D when D is given), Q <= TC_LONG_REPEAT_MAX,
 * looked for from the middle of the stretch on. Returns Q, or 0. */
static size_t tc_long_find_repeat(const tc_longpiece *t, const uint32_t *out, size_t k, size_t s, size_t e2,
                                  size_t P, size_t D, size_t *i, size_t *len) {
    size_t a = 0, x = 0, mid = s + (e2 - s) / 2;
    while (x < k && a < mid) a += t->token[out[x++]].len;
    for (size_t tries = 0; x < k && a + 2 * P <= e2 && tries < 64; a += t->token[out[x++]].len, tries++) {
        size_t Q = 0;
        for (size_t y = x; y < k && Q < TC_LONG_REPEAT_MAX && a + 2 * Q < e2; y++) {
            Q += t->token[out[y]].len;
            size_t L = y + 1 - x;
            if (Q % P || (D && D % Q) || a + Q > e2 || y + 1 + L > k) continue;
            if (memcmp(out + x, out + y + 1, L * sizeof(uint32_t)) == 0) { *i = x; *len = L; return Q; }
        }
    }
    return 0;
}

/* BPE of p' = p[0:e - D] + p[e:n] into out; the count, or TC_LONG_DECLINED. */
static size_t tc_long_search_shortened(const tc_longpiece *t, const tc_vocab *v, struct tc_caches *c, const uint8_t *p,
                                       size_t n, size_t e, size_t D, uint32_t *out) {
    uint8_t *q = malloc(n - D);
    if (!q) return TC_LONG_DECLINED;
    memcpy(q, p, e - D);
    memcpy(q + e - D, p + e, n - e);
    size_t k = tc_long_search(t, v, c, q, n - D, out);
    free(q);
    return k;
}

/* BPE of p (its stretch p[s:e] of period P) by the argument above; the count,
 * or TC_LONG_DECLINED when no repeat was found (the caller searches p whole). */
static size_t tc_long_encode_periodic(const tc_longpiece *t, const tc_vocab *v, struct tc_caches *c, const uint8_t *p,
                                      size_t n, size_t s, size_t e, size_t P, uint32_t *out) {
    size_t D = (e - s - TC_LONG_PERIODIC_KEEP) / P * P, i, len;
    size_t k = tc_long_search_shortened(t, v, c, p, n, e, D, out);
    size_t Q = k == TC_LONG_DECLINED ? 0 : tc_long_find_repeat(t, out, k, s, e - D, P, 0, &i, &len);
    if (Q && D % Q) {   /* keep a little more of the stretch, so that B fits D a whole number of times */
        D -= D % Q;
        k = tc_long_search_shortened(t, v, c, p, n, e, D, out);
        Q = k == TC_LONG_DECLINED ? 0 : tc_long_find_repeat(t, out, k, s, e - D, P, D, &i, &len);
    }
    if (!Q) return TC_LONG_DECLINED;
    size_t add = D / Q * len;
    memmove(out + i + add, out + i, (k - i) * sizeof(uint32_t));
    /* B, then copies of what is filled, doubling: out[i ..] repeats B. */
    memcpy(out + i, out + i + add, len * sizeof(uint32_t));
    for (size_t d = len, m; d < add; d += m) {
        m = d < add - d ? d : add - d;
        memcpy(out + i + d, out + i, m * sizeof(uint32_t));
    }
    return k + add;
}

/* ---- whole long pieces, per thread
 *
 * The second-level piece cache (thread_caches.h) keeps pieces of up to
 * TC_BIG_KEY bytes. Longer ones (a minified line, base64, a run of glued
 * words) are kept here when the same piece comes back: up to
 * TC_LONG_CACHE_ENTRIES pieces and TC_LONG_CACHE_BYTES of their bytes and
 * tokens per thread, the oldest dropped first, freed when the thread ends.
 * An answer is returned only for the identical byte string (same vocabulary,
 * length, 64-bit hash, then the stored bytes compared in full), so it is the
 * encoder's answer for that piece. */

#define TC_LONG_CACHE_ENTRIES 32
#define TC_LONG_CACHE_BYTES (16u << 20)       /* per thread: pieces, their tokens */

typedef struct {
    uint64_t uid, h, age;    /* age 0: empty */
    size_t n, k;
    uint8_t *mem;            /* the piece's n bytes, then its k tokens (4-byte aligned) */
} tc_long_cached;

typedef struct {
    tc_long_cached entry[TC_LONG_CACHE_ENTRIES];
    size_t bytes;            /* held by the entries */
    uint64_t clock;
} tc_long_cache;

static pthread_key_t tc_long_cache_key;
static pthread_once_t tc_long_cache_once = PTHREAD_ONCE_INIT;
static __thread tc_long_cache *tc_long_cache_tls;

static void tc_long_cache_free(void *p) {
    tc_long_cache *c = p;
    for (int i = 0; i < TC_LONG_CACHE_ENTRIES; i++) free(c->entry[i].mem);
    free(c);
}
static void tc_long_cache_key_init(void) { pthread_key_create(&tc_long_cache_key, tc_long_cache_free); }

static inline size_t tc_long_cached_size(size_t n, size_t k) { return ((n + 3) & ~(size_t)3) + k * sizeof(uint32_t); }

/* A hash of every byte of p, eight at a time in two lanes. */
static uint64_t tc_long_hash(const uint8_t *p, size_t n) {
    uint64_t a = 0x243F6A8885A308D3ull ^ n, b = 0x13198A2E03707344ull, w, x;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        memcpy(&w, p + i, 8); memcpy(&x, p + i + 8, 8);
        a = (a ^ w) * 0x9E3779B97F4A7C15ull; a ^= a >> 29;
        b = (b ^ x) * 0xC2B2AE3D27D4EB4Full; b ^= b >> 31;
    }
    for (; i < n; i++) a = (a ^ p[i]) * 0x100000001B3ull;
    return tc_mix(a, b);
}

/* The cached tokens of p[0:n] for vocabulary uid, as an entry, or NULL. */
static const tc_long_cached *tc_long_cache_find(uint64_t uid, const uint8_t *p, size_t n, uint64_t h) {
    tc_long_cache *c = tc_long_cache_tls;
    if (!c) return NULL;
    for (int i = 0; i < TC_LONG_CACHE_ENTRIES; i++) {
        tc_long_cached *e = &c->entry[i];
        if (e->age && e->uid == uid && e->n == n && e->h == h && memcmp(e->mem, p, n) == 0) {
            e->age = ++c->clock;
            return e;
        }
    }
    return NULL;
}

/* Keep p[0:n]'s k tokens, dropping the oldest entries to make room. Out of
 * memory only means not kept. */
static void tc_long_cache_put(uint64_t uid, const uint8_t *p, size_t n, uint64_t h, const uint32_t *tokens, size_t k) {
    size_t need = tc_long_cached_size(n, k);
    if (need > TC_LONG_CACHE_BYTES / 2) return;
    tc_long_cache *c = tc_long_cache_tls;
    if (!c) {
        pthread_once(&tc_long_cache_once, tc_long_cache_key_init);
        if (!(c = calloc(1, sizeof(*c)))) return;
        if (pthread_setspecific(tc_long_cache_key, c)) { free(c); return; }
        tc_long_cache_tls = c;
    }
    tc_long_cached *slot = NULL;
    for (;;) {
        tc_long_cached *oldest = NULL;
        for (int i = 0; i < TC_LONG_CACHE_ENTRIES; i++) {
            tc_long_cached *e = &c->entry[i];
            if (!e->age) { if (!slot) slot = e; continue; }
            if (!oldest || e->age < oldest->age) oldest = e;
        }
        if (slot && c->bytes + need <= TC_LONG_CACHE_BYTES) break;
        if (!oldest) return;
        c->bytes -= tc_long_cached_size(oldest->n, oldest->k);
        free(oldest->mem);
        memset(oldest, 0, sizeof(*oldest));
        slot = NULL;
    }
    if (!(slot->mem = malloc(need))) return;
    memcpy(slot->mem, p, n);
    memcpy(slot->mem + ((n + 3) & ~(size_t)3), tokens, k * sizeof(uint32_t));
    slot->uid = uid; slot->h = h; slot->n = n; slot->k = k; slot->age = ++c->clock;
    c->bytes += need;
}

/* BPE of p[0:n] into out (room for n ranks) by longest match with
 * backtracking, a periodic stretch by its repeat, a piece seen before on this
 * thread from the cache above. The count, or TC_LONG_DECLINED when merging
 * must do it (the tables are not built yet, the vocabulary does not suit, out
 * of memory). */
static __attribute__((noinline)) size_t tc_long_encode(const tc_vocab *v, struct tc_caches *c, const uint8_t *p, size_t n, uint32_t *out) {
    if (!v->char_merge_ok) return TC_LONG_DECLINED;   /* also: while that is being checked */
    const tc_longpiece *t = tc_long_tables(v, n);
    if (!t || !t->usable) return TC_LONG_DECLINED;
    size_t k = TC_LONG_DECLINED, s, e, P;
    if (n >= TC_LONG_PERIODIC_MIN && (P = tc_long_find_period(p, n, &s, &e)) &&
        (k = tc_long_encode_periodic(t, v, c, p, n, s, e, P, out)) != TC_LONG_DECLINED)
        return k;   /* cheaper than the cache would be */
    uint64_t h = 0;
    if (n > TC_BIG_KEY) {
        h = tc_long_hash(p, n);
        const tc_long_cached *hit = tc_long_cache_find(v->uid, p, n, h);
        if (hit) {
            memcpy(out, hit->mem + ((n + 3) & ~(size_t)3), hit->k * sizeof(uint32_t));
            return hit->k;
        }
    }
    k = tc_long_search(t, v, c, p, n, out);
    if (k != TC_LONG_DECLINED && n > TC_BIG_KEY) tc_long_cache_put(v->uid, p, n, h, out, k);
    return k;
}

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
 * Tables, built (or read from the table cache) once a vocabulary's long
 * pieces have cost enough (see TC_LONG_BUILD_AFTER, TC_LONG_LOAD_AFTER): a trie of all tokens with its nodes numbered breadth
 * first (tc_long_node), and 32 bytes per rank (tc_long_token). o200k_base:
 * 10.5 MB in all, cl100k_base 5.4 MB. Until then, and for a vocabulary the
 * encoder cannot serve, the heap in bpe.h merges. docs/NATIVE.md has the
 * measurements.
 *
 * Two shortcuts in front of the search (below): a stretch with a short
 * period is encoded from a shortened copy whose repeating tokens are copied
 * back in, and each thread keeps the pieces of more than TC_BIG_KEY bytes it
 * searched. Inside the search, a pair's rank is read from the trie over the
 * piece's bytes (tc_long_rank_at, from the walks kept in tc_long_path)
 * rather than hashed, when the two tokens are short.
 *
 * The search itself (its types, the trie walk, the valid-pair check, the
 * loop) is in longpiece_search.h, which longpiece_shorts.c compiles too;
 * this header holds the tables, the two shortcuts and the entry.
 */
#pragma once
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include "longpiece_search.h"   /* the types and the search; this header: the tables, the shortcuts, the entry */

#define TC_LONG_MAX_TOKEN 1024               /* longer tokens: the vocabulary is left to merging */
/* Building the tables costs about what merging 128 KB of long pieces with
 * the heap does (o200k_base, a fresh process's 128 KB of random letters under
 * a load average of 10-12: heap 37-74 ms, building and searching 48-90 ms); they
 * are built once a vocabulary's long pieces have cost that much (or one piece
 * is that long), so text with a few long pieces never pays for them, and text
 * made of them pays at most about twice the least it could. */
#define TC_LONG_BUILD_AFTER (128u << 10)
/* A long piece the character path merges instead (cache.h: a language
 * written without spaces, Thai, Khmer, ..., before the tables exist) costs
 * about 20 ns a byte more than this encoder would (FLORES Thai, 357 KB: 17.6-
 * 19.4 ms against 11.2-13.6 with the tables), not the heap's 400: it counts
 * one sixteenth of its bytes, so about 2 MB of such pieces builds them. */
#define TC_LONG_CHAR_PATH_SHARE 16

/* longpiece_shorts.c, a translation unit of its own: the search of
 * longpiece_search.h compiled with the short pairs' table as
 * tc_long_search_shorts, and the table's fill. Compiled beside the plain
 * search, GCC's inlining budget for the unit changed the plain search's code
 * (it outlined the walk and the memo: r17 measured random punctuation, CJK
 * and Thai 3-7% slower); apart, the plain search here (tc_long_search_plain)
 * compiles to the same machine code as the search before the table. */
__attribute__((visibility("hidden"))) size_t tc_long_search_shorts(const tc_longpiece *t, const tc_vocab *v,
                                                                   struct tc_caches *c, const uint8_t *p, size_t n,
                                                                   uint32_t *out);
__attribute__((visibility("hidden"))) size_t tc_long_meet_plain(const tc_longpiece *t, const tc_vocab *v,
                                                                struct tc_caches *c, const uint8_t *p, size_t n,
                                                                size_t m, size_t reveal, tc_long_half *b, uint32_t *out);
__attribute__((visibility("hidden"))) size_t tc_long_meet_shorts(const tc_longpiece *t, const tc_vocab *v,
                                                                 struct tc_caches *c, const uint8_t *p, size_t n,
                                                                 size_t m, size_t reveal, tc_long_half *b, uint32_t *out);
__attribute__((visibility("hidden"))) size_t tc_long_half_plain(const tc_longpiece *t, const tc_vocab *v,
                                                                struct tc_caches *c, tc_long_half *b);
__attribute__((visibility("hidden"))) size_t tc_long_half_shorts(const tc_longpiece *t, const tc_vocab *v,
                                                                 struct tc_caches *c, tc_long_half *b);
__attribute__((visibility("hidden"))) void tc_long_fill_short(tc_longpiece *t, const tc_vocab *v, uint8_t *bits);

/* ---- building. The tokens are sorted by their bytes. In that order a
 * token's proper prefixes that are tokens come before it (a stack gives the
 * longest), and the distinct prefixes of each length come in the order a
 * breadth-first numbering gives them, so the trie is laid out one length at
 * a time by passes over the sorted tokens, reading memory in order. The
 * build before (a hash trie, laid out afterwards) chased one cache miss per
 * token byte and probed the piece table once per rank: o200k_base 125-170 ms.
 * Each sorted token carries its first 8 bytes as a number, so most steps do
 * not touch its bytes. */

typedef struct {
    uint64_t key;            /* the first 8 bytes, big-endian, zero-padded: sorts as the bytes do */
    const uint8_t *p;        /* the bytes */
    uint32_t rank, len;
} tc_long_entry;

/* Byte order, a prefix first; copies of the same bytes by rank. */
static int tc_long_entry_cmp(const void *x, const void *y) {
    const tc_long_entry *a = x, *b = y;
    int d = memcmp(a->p, b->p, a->len < b->len ? a->len : b->len);
    if (d) return d;
    if (a->len != b->len) return a->len < b->len ? -1 : 1;
    return a->rank < b->rank ? -1 : a->rank > b->rank;
}

/* Sort e[0:m] by bytes: a stable radix sort by key (16 bits a pass), then
 * each run of equal keys by the whole bytes. tmp: room for m entries;
 * count: 65537. */
static void tc_long_sort(tc_long_entry *e, tc_long_entry *tmp, uint32_t m, uint32_t *count) {
    for (int shift = 0; shift < 64; shift += 16) {
        memset(count, 0, 65537 * sizeof(uint32_t));
        for (uint32_t i = 0; i < m; i++) count[(e[i].key >> shift & 0xFFFF) + 1]++;
        if (count[(e[0].key >> shift & 0xFFFF) + 1] == m) continue;   /* one digit for all: already in order */
        for (uint32_t d = 0; d < 65536; d++) count[d + 1] += count[d];
        for (uint32_t i = 0; i < m; i++) tmp[count[e[i].key >> shift & 0xFFFF]++] = e[i];
        memcpy(e, tmp, (size_t)m * sizeof(*e));
    }
    for (uint32_t i = 0, j; i < m; i = j) {
        for (j = i + 1; j < m && e[j].key == e[i].key; j++) {}
        if (j - i > 1) qsort(e + i, j - i, sizeof(*e), tc_long_entry_cmp);
    }
}

/* The mergeable tokens of v, each byte string once, into e, sorted; their
 * count, or 0 when v does not suit the encoder (or out of memory). A rank
 * counts when its bytes map back to it (what tc_piece_rank answers): it is
 * in the piece table (special tokens are not), and among ranks with the same
 * bytes it is the lowest (the one the table's probe meets first), or for one
 * byte the one in byte_rank. The piece table is read in order instead of
 * probed once per rank (a cache miss each: 40% of the build). */
static uint32_t tc_long_entries(const tc_vocab *v, tc_long_entry *e, tc_long_entry *tmp, uint32_t *count) {
    uint32_t m = 0, kept = 0;
    if (!v->own_bpe_ok || v->max_token_len > TC_LONG_MAX_TOKEN) return 0;
    for (int b = 0; b < 256; b++)
        if (v->byte_rank[b] == TC_NONE) return 0;
    uint64_t *in_table = calloc(v->n_ranks / 64 + 1, sizeof(uint64_t));
    if (!in_table) return 0;
    for (uint64_t i = 0; i <= v->piece_mask; i++) {
        uint32_t meta = v->piece[i].meta, r = meta & (TC_MAX_RANKS - 1);
        if (meta != TC_SLOT_EMPTY && r < v->n_ranks) in_table[r >> 6] |= 1ull << (r & 63);
    }
    for (uint32_t r = 0; r < v->n_ranks; r++) {
        size_t len;
        const uint8_t *tb = tc_token_bytes(v, r, &len);
        if (!len || !(in_table[r >> 6] >> (r & 63) & 1) || (len == 1 && v->byte_rank[tb[0]] != r)) continue;
        uint64_t key = 0;
        for (size_t i = 0; i < 8; i++) key = key << 8 | (i < len ? tb[i] : 0);
        e[m].key = key; e[m].p = tb; e[m].rank = r; e[m].len = (uint32_t)len;
        m++;
    }
    free(in_table);
    if (!m) return 0;
    tc_long_sort(e, tmp, m, count);
    for (uint32_t i = 0; i < m; i++) {   /* a later copy of the same bytes is not the token of those bytes */
        const tc_long_entry *k = &e[kept ? kept - 1 : 0];
        if (kept && k->key == e[i].key && k->len == e[i].len && memcmp(k->p, e[i].p, e[i].len) == 0) continue;
        e[kept++] = e[i];
    }
    return kept;
}

/* lcp[i]: how many bytes e[i - 1] and e[i] have in common (lcp[0] = 0).
 * Returns the number of trie nodes (distinct non-empty prefixes). */
static size_t tc_long_common(const tc_long_entry *e, uint32_t m, uint16_t *lcp) {
    size_t nodes = 256;
    lcp[0] = 0;
    for (uint32_t i = 0; i < m; i++) {
        uint32_t l = 0;
        if (i) {
            uint32_t lim = e[i - 1].len < e[i].len ? e[i - 1].len : e[i].len;
            uint64_t x = e[i - 1].key ^ e[i].key;
            if (x) l = (uint32_t)__builtin_clzll(x) / 8;
            else for (l = 8; l < lim && e[i - 1].p[l] == e[i].p[l]; l++) {}
            if (l > lim) l = lim;   /* the zeros that pad a key are not bytes */
            lcp[i] = (uint16_t)l;
        }
        nodes += e[i].len - (l > 1 ? l : 1);   /* the prefixes of lengths max(l, 1) + 1 .. len are new */
    }
    return nodes;
}

/* t->token (zeroed): each token's facts, in rank order, then its longest
 * proper prefix token, in byte order. There the stack holds the tokens that
 * are prefixes of the token before (itself on top); those longer than what
 * it shares with this one are not prefixes of this one, the rest are. */
static void tc_long_fill_tokens(tc_longpiece *t, const tc_vocab *v, const tc_long_entry *e, uint32_t m,
                                const uint16_t *lcp, uint32_t *stack) {
    for (uint32_t r = 0; r < v->n_ranks; r++) t->token[r].prefix = TC_NONE;
    for (uint32_t i = 0; i < m; i++) t->token[e[i].rank].len = (uint16_t)e[i].len;
    for (uint32_t r = 0; r < v->n_ranks; r++) {
        tc_long_token *tk = &t->token[r];
        if (!tk->len) continue;
        size_t len;
        tk->sig_bit = (uint8_t)tc_sig_bit(r);
        tk->byte = tc_token_bytes(v, r, &len)[0];
        tk->lsig = v->sig[r].lsig;
        tk->rsig = v->sig[r].rsig;
    }
    uint32_t depth = 0;
    for (uint32_t i = 0; i < m; i++) {
        while (depth && e[stack[depth - 1]].len > lcp[i]) depth--;
        if (depth) t->token[e[i].rank].prefix = e[stack[depth - 1]].rank;
        stack[depth++] = i;
    }
}

/* Byte d - 1 of e. */
static inline uint8_t tc_long_entry_byte(const tc_long_entry *e, uint32_t d) {
    return d <= 8 ? (uint8_t)(e->key >> (64 - 8 * d)) : e->p[d - 1];
}

/* The trie, breadth first, one length at a time. At length d, each token of
 * d bytes or more (act, in byte order) gets the node of its first d bytes: a
 * new one when it differs there from the token before it (lcp < d; a token
 * in between shorter than d means they differ), else that token's. New nodes
 * come in byte order, so siblings are consecutive and ascending and the runs
 * of children follow their parents' order. cur[k]: act[k]'s node one length
 * shorter. Returns the number of nodes. */
static uint32_t tc_long_lay_out(tc_longpiece *t, const tc_vocab *v, const tc_long_entry *e, uint32_t m,
                                const uint16_t *lcp, uint32_t *act, uint32_t *cur) {
    uint32_t n_act = 0, next = 257, fill = 1;
    t->node[0].first = t->node[0].token = 0;
    t->label[0] = 0;
    for (int b = 0; b < 256; b++) {
        t->label[1 + b] = (uint8_t)b;
        t->node[1 + b].token = v->byte_rank[b] + 1;
    }
    for (uint32_t i = 0; i < m; i++)
        if (e[i].len >= 2) { act[n_act] = i; cur[n_act++] = 1 + (uint32_t)(e[i].key >> 56); }
    for (uint32_t d = 2; n_act; d++) {
        uint32_t level = next, kept = 0, last = 0;   /* ids below level: shorter prefixes */
        for (uint32_t k = 0; k < n_act; k++) {
            uint32_t i = act[k], parent = cur[k];
            if (k == 0 || lcp[i] < d) {
                while (fill <= parent) t->node[fill++].first = next;   /* parent's children start here */
                t->label[next] = tc_long_entry_byte(&e[i], d);
                t->node[next].token = e[i].len == d ? e[i].rank + 1 : 0;
                last = next++;
            }
            if (e[i].len > d) { act[kept] = i; cur[kept++] = last; }
        }
        while (fill < level) t->node[fill++].first = next;   /* childless nodes one length shorter */
        n_act = kept;
    }
    while (fill <= next) t->node[fill++].first = next;   /* childless nodes, and the end of the last one */
    t->node[next].token = 0;
    memset(t->label + next, 0, 33);
    t->n_nodes = next - 1;
    for (uint32_t q = 1; q <= 256; q++)
        for (uint32_t c = t->node[q].first; c < t->node[q + 1].first; c++) t->d2[(q - 1) << 8 | t->label[c]] = c;
    return next - 1;
}

/* Whether the trie can answer the pair table's question (see
 * tc_long_pair_rank): the pair table keys each pair by the ranks the piece
 * table gives the two parts, the search meets one-byte tokens as byte_rank
 * gives them, and the two agree on every byte. Always 1: piece_rank of one
 * byte answers byte_rank (tables.h). Dropping it and its read in the search
 * loop cost random letters 1.3% more instructions (GCC laid the loop out
 * otherwise; docs/NATIVE.md, round 20), so it stays. */
static int tc_long_pairs_by_trie(const tc_vocab *v) {
    for (int b = 0; b < 256; b++) {
        uint8_t x = (uint8_t)b;
        if (tc_piece_rank(v, &x, 1) != v->byte_rank[b]) return 0;
    }
    return 1;
}

/* The tables for v in one block (freed by tc_vocab_free); NULL when out of
 * memory. A vocabulary the encoder cannot serve gets a header marked unusable. */
static tc_longpiece *tc_long_build(const tc_vocab *v) {
    size_t n_ranks = v->n_ranks ? v->n_ranks : 1;
    tc_long_entry *e = malloc(n_ranks * sizeof(tc_long_entry)), *tmp = malloc(n_ranks * sizeof(tc_long_entry));
    uint32_t *count = malloc(65537 * sizeof(uint32_t));   /* the sort's counts, then the prefix stack */
    tc_longpiece *t = NULL;
    int unsuitable = 0;
    if (e && tmp && count) {
        uint32_t m = tc_long_entries(v, e, tmp, count);
        unsuitable = !m;
        /* tmp is free again: the common prefixes and the passes' lists go there (10 bytes per token). */
        uint16_t *lcp = (uint16_t *)tmp;
        uint32_t *act = (uint32_t *)tmp + (m + 1) / 2, *cur = act + m;
        size_t n = m ? tc_long_common(e, m, lcp) : 0;
        size_t head = (sizeof(tc_longpiece) + 63) & ~(size_t)63;
        size_t d2 = 65536 * sizeof(uint32_t), nodes = (n + 2) * sizeof(tc_long_node);
        size_t tokens = (size_t)v->n_ranks * sizeof(tc_long_token), labels = (n + 2 + 32 + 63) & ~(size_t)63;
        size_t total = head + tokens + d2 + nodes + labels + TC_LONG_SHORT_BYTES;
        if (m && n < UINT32_MAX - 64 && (t = tc_alloc_table(total))) {
            memset(t, 0, head);
            t->bytes = total;
            t->token = (tc_long_token *)((uint8_t *)t + head);
            t->d2 = (uint32_t *)((uint8_t *)t->token + tokens);
            t->node = (tc_long_node *)((uint8_t *)t->d2 + d2);
            t->label = (uint8_t *)t->node + nodes;
            memset(t->token, 0, tokens + d2);
            tc_long_fill_tokens(t, v, e, m, lcp, count);
            if (tc_long_lay_out(t, v, e, m, lcp, act, cur) == n) {
                t->usable = 1, t->pairs_by_trie = tc_long_pairs_by_trie(v);
                tc_long_fill_short(t, v, t->label + labels);
            } else { free(t); t = NULL; }
        }
    }
    free(e); free(tmp); free(count);
    if (unsuitable) return calloc(1, sizeof(tc_longpiece));   /* unusable (or NULL: out of memory) */
    return t;
}

/* ---- the table cache. The tables are saved beside the vocabulary's cached
 * tables (tokcost.vocab, tokcost.load), so a fresh process reads them (a
 * few ms) instead of building them (34-49 ms). Only the facts the build
 * derives are saved: the trie (d2, nodes, labels) and each rank's split,
 * length and longest prefix token (every split found at export, so a fresh
 * process does not run BPE on each token it meets); the rest of
 * tc_long_token is copied from v at load. Layout, native byte order: magic,
 * n_ranks, n_nodes, body bytes (4 x u64); d2, nodes, labels (padded to 8
 * bytes), splits (u64 per rank), prefixes (u32 per rank), lengths (u16 per
 * rank, padded to 8 bytes), whether the short pairs' bits follow (u64: 1
 * or 0) and those bits (TC_LONG_SHORT_BYTES, filled by the check at build:
 * about as long as the rest of a read); a checksum of all that (u64). */
#define TC_LONG_FILE_MAGIC 0x32676e6f6c6b7400ull   /* "\0tklong2" */
/* Reading them in a fresh process (mapping, checksum, checks, filling the
 * per-rank facts: 10-15 ms and 300-600 page faults for o200k_base) costs
 * about what 32 KB of long pieces cost the heap: once v has a file, they are
 * read after that many (or for a piece that long). Long pieces the character
 * path merges count a quarter of their usual share then, so they read the
 * file after 2 MB, as they build the tables without one: FLORES Thai
 * (0.71 MB) read them at 512 KB and its first call took 50-57 ms instead of
 * 36-43 (fresh processes, load average 12). */
#define TC_LONG_LOAD_AFTER (32u << 10)
#define TC_LONG_CHAR_PATH_SHARE_READ (4 * TC_LONG_CHAR_PATH_SHARE)

static size_t tc_long_pad8(size_t n) { return (n + 7) & ~(size_t)7; }

static size_t tc_long_body_bytes(uint64_t n_ranks, uint64_t n_nodes) {
    return 65536 * sizeof(uint32_t) + (n_nodes + 2) * sizeof(tc_long_node) + tc_long_pad8(n_nodes + 2 + 16)
           + 8 * n_ranks + tc_long_pad8(4 * n_ranks) + tc_long_pad8(2 * n_ranks) + 8 + TC_LONG_SHORT_BYTES;
}

/* A checksum of n bytes, two lanes of multiply-mix. */
static uint64_t tc_long_checksum(const uint8_t *p, size_t n) {
    uint64_t a = 0x9E3779B97F4A7C15ull, b = 0xC2B2AE3D27D4EB4Full, w = 0, x;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        memcpy(&w, p + i, 8); memcpy(&x, p + i + 8, 8);
        a = tc_mix(a ^ w, 0xFF51AFD7ED558CCDull);
        b = tc_mix(b ^ x, 0xC4CEB9FE1A85EC53ull);
    }
    for (w = 0; i < n; i++) w = w << 8 | p[i];
    return tc_mix(a ^ w, 0xFF51AFD7ED558CCDull) ^ tc_mix(b + n, 0x9E3779B97F4A7C15ull);
}

/* The tables from a file's bytes, every size, index and rank checked; NULL
 * when anything is off (the caller builds them instead) or out of memory. */
static tc_longpiece *tc_long_import(const tc_vocab *v, const uint8_t *p, size_t n) {
    uint64_t head[4], sum;
    if (n < sizeof(head) + 8) return NULL;
    memcpy(head, p, sizeof(head));
    if (head[0] != TC_LONG_FILE_MAGIC || head[1] != v->n_ranks || head[2] < 256 || head[2] >= UINT32_MAX - 64
        || head[3] != tc_long_body_bytes(head[1], head[2]) || n != sizeof(head) + head[3] + 8)
        return NULL;
    memcpy(&sum, p + n - 8, 8);
    if (sum != tc_long_checksum(p, n - 8)) return NULL;
    uint32_t n_nodes = (uint32_t)head[2], n_ranks = v->n_ranks;
    size_t head_bytes = (sizeof(tc_longpiece) + 63) & ~(size_t)63;
    size_t d2 = 65536 * sizeof(uint32_t), nodes = ((size_t)n_nodes + 2) * sizeof(tc_long_node);
    size_t tokens = (size_t)n_ranks * sizeof(tc_long_token), labels = (n_nodes + 2 + 32 + 63) & ~(size_t)63;
    size_t total = head_bytes + tokens + d2 + nodes + labels + TC_LONG_SHORT_BYTES;
    tc_longpiece *t = tc_alloc_table(total);
    if (!t) return NULL;
    memset(t, 0, head_bytes);
    t->bytes = total;
    t->n_nodes = n_nodes;
    t->token = (tc_long_token *)((uint8_t *)t + head_bytes);
    t->d2 = (uint32_t *)((uint8_t *)t->token + tokens);
    t->node = (tc_long_node *)((uint8_t *)t->d2 + d2);
    t->label = (uint8_t *)t->node + nodes;
    const uint8_t *q = p + sizeof(head);
    memcpy(t->d2, q, d2); q += d2;
    memcpy(t->node, q, nodes); q += nodes;
    memcpy(t->label, q, n_nodes + 2 + 16); q += tc_long_pad8(n_nodes + 2 + 16);
    memset(t->label + n_nodes + 2 + 16, 0, 16);   /* the file keeps 16 bytes past the end, the walk reads 32 */
    const uint8_t *split = q, *prefix = q + 8 * (size_t)n_ranks, *len = prefix + tc_long_pad8(4 * (size_t)n_ranks);
    int ok = 1;
    /* The walk reads node[first(q) .. first(q + 1)) and 16 labels from there: the runs must stay in bounds. */
    for (uint32_t k = 0; k <= n_nodes + 1; k++)
        ok &= (t->node[k].first <= n_nodes + 1) & (k == 0 || t->node[k].first >= t->node[k - 1].first)
              & (t->node[k].token <= n_ranks);
    for (uint32_t k = 0; k < 65536; k++) ok &= t->d2[k] <= n_nodes;
    for (uint32_t r = 0; r < n_ranks && ok; r++) {
        tc_long_token *tk = &t->token[r];
        size_t tl;
        const uint8_t *tb = tc_token_bytes(v, r, &tl);
        memset(tk, 0, sizeof(*tk));
        memcpy(&tk->prefix, prefix + 4 * (size_t)r, 4);
        memcpy(&tk->len, len + 2 * (size_t)r, 2);
        memcpy(&tk->split, split + 8 * (size_t)r, 8);
        /* A split is 0 (found on first use), TC_LONG_BAD, or two lower ranks. */
        uint64_t sl = tk->split >> 32, sr = tk->split & 0xFFFFFFFFu;
        ok &= tk->split == 0 || tk->split == TC_LONG_BAD || (sl && sr && sl <= r && sr <= r);
        if (!tk->len) { ok &= !tk->split; continue; }
        /* A prefix is a shorter token, so the chain of prefixes ends. */
        ok &= tk->len == tl && (tk->prefix == TC_NONE ? tl == 1 : tk->prefix < n_ranks);
        tk->sig_bit = (uint8_t)tc_sig_bit(r);
        tk->byte = tb[0];
        tk->lsig = v->sig[r].lsig;
        tk->rsig = v->sig[r].rsig;
    }
    for (uint32_t r = 0; r < n_ranks && ok; r++) {
        uint32_t f = t->token[r].prefix;
        if (t->token[r].len && f != TC_NONE) ok &= t->token[f].len && t->token[f].len < t->token[r].len;
    }
    uint64_t has_short;
    const uint8_t *shorts = len + tc_long_pad8(2 * (size_t)n_ranks);
    memcpy(&has_short, shorts, 8);
    if (!ok || has_short > 1) { free(t); return NULL; }
    t->usable = t->read = 1;
    t->pairs_by_trie = tc_long_pairs_by_trie(v);
    if (has_short && t->pairs_by_trie) {   /* the bits were filled with ranks from the trie */
        memcpy(t->label + labels, shorts + 8, TC_LONG_SHORT_BYTES);
        t->short_valid = t->label + labels;
    }
    return t;
}

/* The tables in v's file, or NULL. The file is mapped, not read into fresh
 * memory (1,700 page faults of 4 KB for o200k_base's 6.9 MB): its pages come
 * from the page cache, many per fault. The table cache replaces a file by
 * renaming a new one over it, never by writing into it, so the mapping does
 * not shrink under the check. */
static tc_longpiece *tc_long_read(const tc_vocab *v) {
    tc_longpiece *t = NULL;
    int fd = open(v->long_file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) return NULL;
    if (fstat(fd, &st) == 0 && st.st_size > 0) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p != MAP_FAILED) {
            t = tc_long_import(v, p, (size_t)st.st_size);
            munmap(p, (size_t)st.st_size);
        }
    }
    close(fd);
    /* A damaged or foreign file goes, so the next load saves good ones (tokcost.load);
     * out of memory too, needlessly: then it is saved again. */
    if (!t) remove(v->long_file);
    return t;
}

static pthread_mutex_t tc_long_lock = PTHREAD_MUTEX_INITIALIZER;

/* v's tables, read from the table cache or built, by the first thread that
 * needs them once v's long pieces have cost enough (see TC_LONG_BUILD_AFTER,
 * TC_LONG_LOAD_AFTER): this piece of n bytes counts `counted` of them. NULL
 * until then, or when out of memory. */
static const tc_longpiece *tc_long_tables_counting(const tc_vocab *v, size_t n, size_t counted) {
    tc_longpiece *t = __atomic_load_n(&v->longpiece, __ATOMIC_ACQUIRE);
    if (t) return t;
    size_t after = v->long_file ? TC_LONG_LOAD_AFTER : TC_LONG_BUILD_AFTER;
    if (n < after &&
        __atomic_add_fetch(&((tc_vocab *)v)->long_bytes_merged, counted, __ATOMIC_RELAXED) < after)
        return NULL;   /* a counter beside the cache below, for the same reason */
    pthread_mutex_lock(&tc_long_lock);
    t = v->longpiece;
    if (!t && v->long_file) t = tc_long_read(v);   /* a damaged or foreign file: built below */
    if (!t) t = tc_long_build(v);
    if (t && !v->longpiece)
        /* The tables are a cache of what v already says; building them does not change v. */
        __atomic_store_n(&((tc_vocab *)v)->longpiece, t, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&tc_long_lock);
    return t;
}

/* v's tables now (built if need be, whatever v's long pieces cost so far),
 * for saving them; NULL when out of memory. */
static const tc_longpiece *tc_long_tables_now(const tc_vocab *v) {
    return tc_long_tables_counting(v, (size_t)-1, 0);
}

static inline const tc_longpiece *tc_long_tables(const tc_vocab *v, size_t n) {
    return tc_long_tables_counting(v, n, n);
}

/* The tables for a long piece of n bytes that the character path would
 * merge: it counts a share of its bytes (TC_LONG_CHAR_PATH_SHARE, or
 * TC_LONG_CHAR_PATH_SHARE_READ when they would be read from a file). */
static inline const tc_longpiece *tc_long_tables_for_chars(const tc_vocab *v, size_t n) {
    return tc_long_tables_counting(v, n, n / (v->long_file ? TC_LONG_CHAR_PATH_SHARE_READ : TC_LONG_CHAR_PATH_SHARE));
}

/* Whether v's tables were read from the table cache (1), built (0), or are not there yet (-1). */
static int tc_long_tables_read(const tc_vocab *v) {
    const tc_longpiece *t = __atomic_load_n(&v->longpiece, __ATOMIC_ACQUIRE);
    return t ? t->read : -1;
}

/* Memory held by v's tables (0 before they are built or read). */
static size_t tc_long_table_bytes(const tc_vocab *v) {
    const tc_longpiece *t = __atomic_load_n(&v->longpiece, __ATOMIC_ACQUIRE);
    return t ? t->bytes : 0;
}


/* t (usable) as a file: its size, written to out when out is not NULL
 * (finding every split first, with c's caches). */
static size_t tc_long_export(const tc_longpiece *t, const tc_vocab *v, struct tc_caches *c, uint8_t *out) {
    uint64_t head[4] = {TC_LONG_FILE_MAGIC, v->n_ranks, t->n_nodes, tc_long_body_bytes(v->n_ranks, t->n_nodes)};
    size_t total = sizeof(head) + head[3] + 8;
    if (!out) return total;
    uint8_t *o = out;
    memset(out, 0, total);
    memcpy(o, head, sizeof(head)); o += sizeof(head);
    memcpy(o, t->d2, 65536 * sizeof(uint32_t)); o += 65536 * sizeof(uint32_t);
    memcpy(o, t->node, (t->n_nodes + 2) * sizeof(tc_long_node)); o += (t->n_nodes + 2) * sizeof(tc_long_node);
    memcpy(o, t->label, t->n_nodes + 2 + 16); o += tc_long_pad8(t->n_nodes + 2 + 16);
    for (uint32_t r = 0; r < v->n_ranks; r++, o += 8) {
        uint64_t split = t->token[r].len >= 2 ? tc_long_split(t, v, c, r) : 0;
        memcpy(o, &split, 8);
    }
    for (uint32_t r = 0; r < v->n_ranks; r++) memcpy(o + 4 * r, &t->token[r].prefix, 4);
    o += tc_long_pad8(4 * (size_t)v->n_ranks);
    for (uint32_t r = 0; r < v->n_ranks; r++) memcpy(o + 2 * r, &t->token[r].len, 2);
    o += tc_long_pad8(2 * (size_t)v->n_ranks);
    uint64_t has_short = t->short_valid != NULL;
    memcpy(o, &has_short, 8);
    if (has_short) memcpy(o + 8, t->short_valid, TC_LONG_SHORT_BYTES);
    uint64_t sum = tc_long_checksum(out, total - 8);
    memcpy(out + total - 8, &sum, 8);
    return total;
}


/* The short-pair table's answer for tokens a, b (1 valid, 0 not), or -1 when
 * it holds none (not both short, or no table): for tests. */
static int tc_long_short_pair(const tc_vocab *v, uint32_t a, uint32_t b) {
    const tc_longpiece *t = __atomic_load_n(&v->longpiece, __ATOMIC_ACQUIRE);
    size_t la = 0, lb = 0;
    if (!t || !t->short_valid || a >= v->n_ranks || b >= v->n_ranks || !t->token[a].len || !t->token[b].len) return -1;
    const uint8_t *ba = tc_token_bytes(v, a, &la), *bb = tc_token_bytes(v, b, &lb);
    if (!la || !lb) return -1;
    uint32_t i = tc_long_short_id(ba, la), j = tc_long_short_id(bb, lb);
    if (i >= TC_LONG_SHORT_IDS || j >= TC_LONG_SHORT_IDS) return -1;
    size_t bit = (size_t)i * TC_LONG_SHORT_IDS + j;
    return t->short_valid[bit >> 3] >> (bit & 7) & 1;
}

/* Pieces of lowercase letters (at most two other bytes among the first 32)
 * search with the short pairs' table; any other with the check alone, since
 * the table's reads cost the searches that seldom meet a short pair
 * (cl100k_base's random a-zA-Z, one piece: 14% slower with it). */
#define TC_LONG_SHORTS_SAMPLE 32

/* Which loop searches p[0:n]: the one with the short pairs' table for lowercase letters. */
static inline int tc_long_use_shorts(const tc_longpiece *t, const uint8_t *p, size_t n) {
    size_t s = n < TC_LONG_SHORTS_SAMPLE ? n : TC_LONG_SHORTS_SAMPLE, lower = 0;
    for (size_t i = 0; i < s; i++) lower += (uint8_t)(p[i] - 'a') < 26;
    return t->short_valid && lower + 2 >= s;
}

/* BPE of p[0:n] into out by the search alone, one chain. Both loops give the
 * same tokens: this only picks the faster. */
static size_t tc_long_search_one(const tc_longpiece *t, const tc_vocab *v, struct tc_caches *c, const uint8_t *p,
                                 size_t n, uint32_t *out) {
    return tc_long_use_shorts(t, p, n) ? tc_long_search_shorts(t, v, c, p, n, out) : tc_long_search_plain(t, v, c, p, n, out);
}

/* ---- two chains on two threads (longpiece_search.h, "two chains"). One
 * piece takes a pool worker only when Python allows it (long_piece_threads:
 * whether one call may take a second core is policy), only for pieces of
 * TC_LONG_THREADS_MIN bytes or more (waking a worker costs tens to hundreds
 * of microseconds), and never while a batch holds the pool. Interleaving the
 * two chains in one thread, a step of each in turn, did not pay (NATIVE.md,
 * round 26). */
#define TC_LONG_THREADS_MIN (64u << 10)
static int tc_long_two_threads;   /* atomic; 0 until long_piece_threads(True) (core.py sets it) */

/* workers.h, which includes this header (through cache.h), defines them
 * later in the same unit: declared here rather than an include circle. */
static int tc_workers_start(void *(*fn)(void *), void *arg, int helpers);
static void tc_workers_finish(void);

/* Second halves that stopped early, A having passed them (tc_long_half): for
 * tests and benchmarks (_core.long_halves_stopped). */
static size_t tc_long_halves_stopped;   /* atomic */

/* B's search, by the thread that claimed it. */
static void tc_long_half_run(tc_long_half *b) {
    struct tc_caches *c = tc_caches_for(b->v);   /* this thread's own */
    size_t k = !c ? TC_LONG_DECLINED
               : tc_long_use_shorts(b->t, b->p, b->n) ? tc_long_half_shorts(b->t, b->v, c, b)
                                                      : tc_long_half_plain(b->t, b->v, c, b);
    if (k == TC_LONG_STOPPED) __atomic_add_fetch(&tc_long_halves_stopped, 1, __ATOMIC_RELAXED);
    b->k = k;
    __atomic_store_n(&b->state, k == TC_LONG_DECLINED || k == TC_LONG_STOPPED ? 2 : 1, __ATOMIC_RELEASE);
}

/* B's search, on whichever thread claims it first (tc_long_half). */
static void *tc_long_half_work(void *arg) {
    tc_long_half *b = arg;
    if (__atomic_load_n(&b->claimed, __ATOMIC_RELAXED) || __atomic_exchange_n(&b->claimed, 1, __ATOMIC_ACQ_REL))
        return NULL;
    tc_long_half_run(b);
    return NULL;
}

/* Who searches B, and when (tc_long_search_split). */
enum {
    TC_LONG_B_FIRST = 0,    /* tests: on this thread, before A */
    TC_LONG_B_WORKER = 1,   /* on a pool worker, beside A */
    TC_LONG_B_LAST = 2,     /* tests: claimed before A starts, searched on this thread once A is done,
                             * as by a worker that claimed it and then did not run */
};

/* BPE of p[0:n] into out as two chains split at m (0 < m < n), B searched as
 * `order` says (on a pool worker, or one chain when the pool is busy), A
 * looking at B's tokens once its stack reaches `reveal` (tests set it past m).
 * The buffers are this call's: the worker has left when tc_workers_finish
 * returns. */
static size_t tc_long_search_split(const tc_longpiece *t, const tc_vocab *v, struct tc_caches *c, const uint8_t *p,
                                   size_t n, size_t m, size_t reveal, int order, uint32_t *out) {
    tc_long_half b = {t, v, p + m, n - m, malloc((n - m) * sizeof(uint32_t)), 0, 0, 0, 0};
    int started = 0;
    if (b.out && order == TC_LONG_B_WORKER) started = tc_workers_start(tc_long_half_work, &b, 1);
    if (!b.out || started < 0) {
        free(b.out);
        return tc_long_search_one(t, v, c, p, n, out);
    }
    if (order == TC_LONG_B_FIRST) tc_long_half_work(&b);
    if (order == TC_LONG_B_LAST) b.claimed = 1;
    if (reveal < m) reveal = m;
    size_t k = tc_long_use_shorts(t, p, n) ? tc_long_meet_shorts(t, v, c, p, n, m, reveal, &b, out)
                                           : tc_long_meet_plain(t, v, c, p, n, m, reveal, &b, out);
    __atomic_store_n(&b.a_past, SIZE_MAX, __ATOMIC_RELAXED);   /* A is done: B, if still searching, stops */
    if (order == TC_LONG_B_WORKER) tc_workers_finish();
    if (order == TC_LONG_B_LAST) tc_long_half_run(&b);
    free(b.out);
    return k;
}

/* BPE of p[0:n] into out by the search alone (see tc_long_encode). */
static size_t tc_long_search(const tc_longpiece *t, const tc_vocab *v, struct tc_caches *c, const uint8_t *p, size_t n,
                             uint32_t *out) {
    if (n >= TC_LONG_THREADS_MIN && __atomic_load_n(&tc_long_two_threads, __ATOMIC_RELAXED))
        return tc_long_search_split(t, v, c, p, n, n / 2, n / 2, TC_LONG_B_WORKER, out);
    return tc_long_search_one(t, v, c, p, n, out);
}

/* The search's own answer for p[0:n] (the tables built now if need be): no
 * periodic shortcut, no cache, no merging when it declines (for tests: a
 * search that gave up would otherwise hide behind merging's exact answer).
 * 0 < m < n: as two chains split at m, B searched as `order` says
 * (tc_long_search_split); else one chain. */
static size_t tc_long_search_only(const tc_vocab *v, struct tc_caches *c, const uint8_t *p, size_t n, size_t m,
                                  size_t reveal, int order, uint32_t *out) {
    const tc_longpiece *t = tc_long_tables_now(v);
    if (!t || !t->usable || !n) return TC_LONG_DECLINED;
    return m && m < n ? tc_long_search_split(t, v, c, p, n, m, reveal, order, out) : tc_long_search_one(t, v, c, p, n, out);
}

/* How many second halves have stopped early since the process started. */
static size_t tc_long_halves_stopped_count(void) { return __atomic_load_n(&tc_long_halves_stopped, __ATOMIC_RELAXED); }

/* Whether one long piece may take a second thread (tc_long_search); on < 0 only reads it. */
static int tc_long_threads_allowed(int on) {
    if (on >= 0) __atomic_store_n(&tc_long_two_threads, on ? 1 : 0, __ATOMIC_RELAXED);
    return __atomic_load_n(&tc_long_two_threads, __ATOMIC_RELAXED);
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
    if (!v->own_bpe_ok) return TC_LONG_DECLINED;   /* also: while that is being checked */
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

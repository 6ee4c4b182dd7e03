/* Byte-level BPE of several pieces at once.
 *
 * Each merge creates up to two new adjacent pairs whose ranks must be known
 * before the next merge can be chosen. When they miss the thread's pair cache
 * they come from the shared pair table, a trip to memory, and one piece alone
 * waits for each in turn. Here each piece is a job: on such a miss it starts
 * loading the table slot and yields, and the other jobs run meanwhile, so the
 * misses of several pieces overlap. Each job runs tc_merge_small's loop
 * unchanged; only the order of work across independent pieces differs.
 */
#pragma once
#include "cache.h"

typedef struct {
    uint32_t ids[TC_SMALL_PIECE];   /* the piece's tokens so far */
    uint32_t pr[TC_SMALL_PIECE];    /* rank of each adjacent pair's concatenation */
    uint32_t m;                     /* number of tokens */
    uint32_t n_wait;                /* pairs whose table slot is on its way */
    uint32_t wait_at[2];
    uint64_t wait_key[2];
} tc_merge_job;

/* A job for the piece p[0:n], 2 <= n <= TC_SMALL_PIECE. One pass: each byte is read once, for its
 * rank and for the pair it ends (two loops read each byte twice: about 140 instructions a job). */
static inline void tc_job_start(const tc_vocab *v, tc_merge_job *jb, const uint8_t *p, size_t n) {
    unsigned prev = p[0];
    jb->ids[0] = v->byte_rank[prev];
    for (size_t i = 1; i < n; i++) {
        unsigned b = p[i];
        jb->ids[i] = v->byte_rank[b];
        jb->pr[i - 1] = v->byte_pair[prev << 8 | b];
        prev = b;
    }
    jb->m = (uint32_t)n;
    jb->n_wait = 0;
}

/* pr[at] from the pair cache, or, on a miss, start loading its table slot. */
static inline void tc_job_pair(const tc_vocab *v, tc_caches *c, tc_merge_job *jb, size_t at) {
    uint64_t key = tc_pair_key(jb->ids[at], jb->ids[at + 1]);
    uint32_t r;
    if (tc_pair_cache_get(c, key, &r)) { jb->pr[at] = r; return; }
    __builtin_prefetch(&v->pair[tc_pair_slot(key, v->pair_mask)]);
    jb->wait_at[jb->n_wait] = (uint32_t)at;
    jb->wait_key[jb->n_wait++] = key;
}

/* Merge until a pair must come from the table; 1 once the piece is done. A job's piece is not a token
 * (tc_encode_uncached starts one only then), so once it is two tokens their pair, which would be the
 * whole piece, never merges: the piece is done without that pair's lookup. */
static int tc_job_run(const tc_vocab *v, tc_caches *c, tc_merge_job *jb) {
    uint32_t *ids = jb->ids, *pr = jb->pr;
    for (uint32_t k = 0; k < jb->n_wait; k++) {
        uint32_t r = tc_pair_rank_of_key(v, jb->wait_key[k]);
        tc_pair_cache_put(c, jb->wait_key[k], r);
        pr[jb->wait_at[k]] = r;
    }
    jb->n_wait = 0;
    size_t m = jb->m;
    while (m > 2) {
        uint32_t merged;
        size_t j = tc_merge_step(ids, pr, &m, &merged);
        if (j == m || m == 2) break;
        if (j + 1 < m) tc_job_pair(v, c, jb, j);
        if (j > 0) tc_job_pair(v, c, jb, j - 1);
        if (jb->n_wait) { jb->m = (uint32_t)m; return 0; }
    }
    jb->m = (uint32_t)m;
    return 1;
}

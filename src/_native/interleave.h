/* Byte-level BPE of several pieces at once.
 *
 * Each merge creates up to two new adjacent pairs whose ranks must be known
 * before the next merge can be chosen. When they miss the thread's pair cache
 * they come from the shared pair table, a trip to memory, and one piece alone
 * waits for each in turn. Here each piece is a job: after each merge it starts
 * loading the pair-cache slots of the new pairs and yields; when it runs next it
 * reads them, and on a miss starts loading the table slots and yields again.
 * Other jobs, and the text loop's next pieces, run meanwhile, so the misses of
 * several pieces overlap. Each job runs tc_merge_small's loop unchanged; only
 * the order of work across independent pieces differs.
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
    uint32_t n_asked;               /* pairs whose pair-cache slot is on its way */
    uint32_t asked_at[2];
    uint64_t asked_key[2];
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
    jb->n_asked = 0;
}

/* pr[at]: its pair-cache slot started loading, to be read when the job runs next. */
static inline void tc_job_pair(tc_caches *c, tc_merge_job *jb, size_t at) {
    uint64_t key = tc_pair_key(jb->ids[at], jb->ids[at + 1]);
    tc_pair_cache_prefetch(c, key);
    jb->asked_at[jb->n_asked] = (uint32_t)at;
    jb->asked_key[jb->n_asked++] = key;
}

/* One step of the job: the pairs it asked for last from the pair cache, or, on a miss, their table
 * slots started (then it yields again), or else one merge, whose new pairs' pair-cache slots it starts
 * loading before it yields. 1 once the piece is done. A job's piece is not a token (tc_encode_uncached
 * starts one only then), so once it is two tokens their pair, which would be the whole piece, never
 * merges: the piece is done without that pair's lookup. */
static int tc_job_run(const tc_vocab *v, tc_caches *c, tc_merge_job *jb) {
    uint32_t *ids = jb->ids, *pr = jb->pr;
    for (uint32_t k = 0; k < jb->n_wait; k++) {
        uint32_t r = tc_pair_rank_of_key(v, jb->wait_key[k]);
        tc_pair_cache_put(c, jb->wait_key[k], r);
        pr[jb->wait_at[k]] = r;
    }
    jb->n_wait = 0;
    for (uint32_t k = 0; k < jb->n_asked; k++) {
        uint64_t key = jb->asked_key[k];
        uint32_t r;
        if (tc_pair_cache_get(c, key, &r)) { pr[jb->asked_at[k]] = r; continue; }
        __builtin_prefetch(&v->pair[tc_pair_slot(key, v->pair_mask)]);
        jb->wait_at[jb->n_wait] = jb->asked_at[k];
        jb->wait_key[jb->n_wait++] = key;
    }
    jb->n_asked = 0;
    if (jb->n_wait) return 0;
    size_t m = jb->m, j = m;
    uint32_t merged;
    if (m > 2) j = tc_merge_step(ids, pr, &m, &merged);
    jb->m = (uint32_t)m;
    if (j == m || m == 2) return 1;   /* nothing merges, or two tokens are left */
    if (j + 1 < m) tc_job_pair(c, jb, j);
    if (j > 0) tc_job_pair(c, jb, j - 1);
    return 0;
}

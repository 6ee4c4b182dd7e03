/* Per-thread caches in front of the shared tables.
 *
 * The shared tables are megabytes, so every lookup is a trip to the last-level
 * cache. Text keeps asking about the same few thousand pairs and pieces, so
 * each thread keeps small direct-mapped copies of answers it has computed, for
 * the last two vocabularies it used. They only ever hold what the shared
 * tables (and BPE over them) say, so they cannot change a result; they make
 * repeated work cheap whether or not the text was seen before.
 */
#pragma once
#include <pthread.h>
#include <sys/mman.h>
#include "tables.h"


#define TC_PAIR_CACHE_BITS 15
#define TC_PIECE_CACHE_BITS 15
#define TC_PIECE_CACHE_TOKENS 6
#define TC_PIECE_CACHE_KEY 32                /* longest piece cached, in bytes */
#define TC_LONG_CACHE_BITS 12                /* pieces with longer keys or more tokens */
#define TC_LONG_KEY 64
#define TC_LONG_TOKENS 16
#define TC_CHAR_CACHE_BITS 12

/* A character's standalone BPE: its tokens, and the highest rank merged on
 * the way (when, in the merge order, the character is complete). */
typedef struct {
    uint32_t cp_plus1;                      /* 0 = empty */
    uint32_t done_rank;
    uint32_t n_tokens;
    uint32_t tokens[4];
    uint32_t pad;
    uint64_t lsig, rsig;                    /* partner signatures of tokens[0] */
} tc_char_entry;

typedef struct {
    uint64_t w0;                            /* the piece's first 12 bytes, as in the table */
    uint32_t w1;
    uint8_t len;                            /* 0 = empty */
    uint8_t n_tokens;
    uint8_t rest[TC_PIECE_CACHE_KEY - TC_INLINE];  /* bytes 12 and on */
    uint32_t tokens[TC_PIECE_CACHE_TOKENS];
} tc_piece_entry;

/* Pieces that do not fit a tc_piece_entry: up to 64 bytes and 16 tokens. */
typedef struct {
    uint64_t h;                             /* the piece's hash */
    uint8_t len;                            /* 0 = empty */
    uint8_t n_tokens;
    uint8_t pad[6];
    uint8_t bytes[TC_LONG_KEY];
    uint32_t tokens[TC_LONG_TOKENS];
} tc_long_entry;

typedef struct tc_caches {
    uint64_t owner;                          /* uid of the vocabulary; 0 = none */
    uint64_t pair[1 << TC_PAIR_CACHE_BITS];  /* (answer + 1) << 42 | key; 0 = empty */
    tc_piece_entry piece[1 << TC_PIECE_CACHE_BITS];
    tc_long_entry long_piece[1 << TC_LONG_CACHE_BITS];
    tc_char_entry chars[1 << TC_CHAR_CACHE_BITS];
} tc_caches;

/* Each thread's caches, for the last two vocabularies it used: a few
 * megabytes mapped on the thread's first call and unmapped when it ends, so
 * threads that come and go (batch workers) hand their memory straight back.
 * Fresh pages are zero, and only the pages a thread touches become resident. */
typedef struct {
    tc_caches slot[2];
    unsigned next;
} tc_thread_caches;

static pthread_key_t tc_caches_key;
static pthread_once_t tc_caches_once = PTHREAD_ONCE_INIT;
static __thread tc_thread_caches *tc_tls_caches;

static void tc_caches_unmap(void *p) { munmap(p, sizeof(tc_thread_caches)); }
static void tc_caches_key_init(void) { pthread_key_create(&tc_caches_key, tc_caches_unmap); }

/* This thread's block of caches, mapped on first use; NULL when out of memory.
 * `populate` faults every page in at once, which suits a thread that encodes
 * now; a pool worker maps lazily and pays only for the pages it touches. */
static tc_thread_caches *tc_thread_caches_get(int populate) {
    tc_thread_caches *t = tc_tls_caches;
    if (!t) {
        pthread_once(&tc_caches_once, tc_caches_key_init);
        t = mmap(NULL, sizeof(tc_thread_caches), PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0), -1, 0);
        if (t == MAP_FAILED) return NULL;
        if (pthread_setspecific(tc_caches_key, t)) { munmap(t, sizeof(*t)); return NULL; }
        tc_tls_caches = t;
    }
    return t;
}

/* This thread's caches for vocabulary v; NULL when out of memory. */
static tc_caches *tc_caches_for(const tc_vocab *v) {
    tc_thread_caches *t = tc_thread_caches_get(1);
    if (!t) return NULL;
    tc_caches *c = t->slot;
    if (c[0].owner == v->uid) return &c[0];
    if (c[1].owner == v->uid) return &c[1];
    c = &c[t->next++ & 1];
    if (c->owner) memset(c, 0, sizeof(*c));   /* reused: clear the last vocabulary's answers */
    c->owner = v->uid;
    return c;
}

/* The pair cache's answer for a pair key: 1, with the rank in *rank, when it has one. */
static inline int tc_pair_cache_get(const tc_caches *c, uint64_t key, uint32_t *rank) {
    uint64_t e = c->pair[(key * 0x9E3779B97F4A7C15ull) >> (64 - TC_PAIR_CACHE_BITS)];
    if (!e || (e & ((1ull << 42) - 1)) != key) return 0;
    uint32_t answer = (uint32_t)(e >> 42) - 1;
    *rank = answer == TC_MAX_RANKS - 1 ? TC_NONE : answer;
    return 1;
}

static inline void tc_pair_cache_put(tc_caches *c, uint64_t key, uint32_t r) {
    c->pair[(key * 0x9E3779B97F4A7C15ull) >> (64 - TC_PAIR_CACHE_BITS)] =
        (uint64_t)((r == TC_NONE ? TC_MAX_RANKS - 1 : r) + 1) << 42 | key;
}

static inline uint32_t tc_pair_rank_cached(const tc_vocab *v, tc_caches *c, uint32_t a, uint32_t b) {
    uint64_t key = tc_pair_key(a, b);
    uint32_t r;
    if (tc_pair_cache_get(c, key, &r)) return r;
    r = tc_pair_rank_of_key(v, key);
    tc_pair_cache_put(c, key, r);
    return r;
}

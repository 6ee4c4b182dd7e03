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
#include <stddef.h>
#include <sys/mman.h>
#include "tables.h"


#define TC_PAIR_CACHE_BITS 15
#define TC_PIECE_CACHE_BITS 15
#define TC_PIECE_CACHE_TOKENS 6
#define TC_PIECE_CACHE_KEY 32                /* longest piece cached, in bytes */
#define TC_CHAR_CACHE_BITS 12
#define TC_BOUND_CACHE_BITS 11               /* boundary contexts: 2,048 x 8 bytes */
#define TC_SEG_CACHE_BITS 12                 /* segments: 4,096 x 64 bytes */
#define TC_BIG_KEY 4096                      /* longest piece the second-level cache keeps */
#define TC_BIG_WAYS 4                        /* slots per bucket: one cache line */
#define TC_BIG_INDEX_BITS 16                 /* slots at first, 16 bytes each (1 MB), and 64 bytes of arena a slot (4 MB) */
#define TC_BIG_ARENA_PER_SLOT 64
#define TC_BIG_GROWTHS 3                     /* doublings when full, at most: 8 MB of index and 32 MB of arena */
#define TC_ASKED_MAX 8                       /* bits an entry's admission filter holds before it starts again */
#define TC_SCRATCH_BYTES (64 << 10)          /* a thread's scratch stack (tc_scratch_take), per vocabulary slot */

/* What the checkers know of the scratch: under AddressSanitizer only the room taken may be touched
 * (a stack array had red zones; a room that overflows into the next would pass unseen), and under
 * valgrind (a build with -DTC_VALGRIND) the room taken starts undefined, as a stack array did. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define TC_SCRATCH_OPEN(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#define TC_SCRATCH_CLOSE(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#elif defined(TC_VALGRIND)
#include <valgrind/memcheck.h>
#define TC_SCRATCH_OPEN(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define TC_SCRATCH_CLOSE(p, n) VALGRIND_MAKE_MEM_NOACCESS((p), (n))
#else
#define TC_SCRATCH_OPEN(p, n) ((void)0)
#define TC_SCRATCH_CLOSE(p, n) ((void)0)
#endif

/* A character's standalone BPE: its tokens, and the highest rank merged on
 * the way (when, in the merge order, the character is complete). */
typedef struct tc_char_entry {
    uint32_t cp_plus1;                      /* 0 = empty */
    uint32_t done_rank;
    uint32_t n_tokens;
    uint32_t tokens[4];
    uint32_t wait;                          /* its pending rank in the merge loop (cache.h, tc_char_wait) */
    uint64_t lsig, rsig;                    /* partner signatures of tokens[0] */
} tc_char_entry;

/* A segment's standalone BPE: two neighbouring characters that enter the
 * character path's merge loop as one unit (cache.h, tc_segment_bpe). Keyed by
 * its bytes: the first character's, little-endian, in the low half, the
 * second's in the high half. */
typedef struct {
    uint64_t key;
    uint32_t filled;                        /* 0 = empty */
    uint32_t inner;                         /* its left edge allows it inside a piece, not only first */
    tc_char_entry e;                        /* n_tokens 0: not a unit */
} tc_seg_entry;

typedef struct {
    uint64_t w0;                            /* the piece's first 12 bytes, as in the table */
    uint32_t w1;
    uint8_t len;                            /* 0 = empty */
    uint8_t n_tokens;
    uint8_t rest[TC_PIECE_CACHE_KEY - TC_INLINE];  /* bytes 12 and on */
    /* Not this entry's either, like `big` below: bit (h >> 5 & 15) is set when a piece of hash h whose
     * entry this is was merged and not kept in the second level (tc_big_admits). In the padding
     * before `tokens`. */
    uint16_t asked;
    uint32_t tokens[TC_PIECE_CACHE_TOKENS];
    /* Not this entry's: bit (h & 31) is set when a piece of hash h whose entry this is (h's top
     * bits) went into the second level since it was last cleared (tc_big_might_hold). Kept when
     * the entry is overwritten; in the line's spare bytes. */
    uint32_t big;
} tc_piece_entry;

_Static_assert(sizeof(tc_piece_entry) == 64, "a piece cache entry is one cache line");

/* The second level: pieces of 2 to 4096 bytes whose BPE ran. It holds the pieces the piece cache
 * cannot (longer than 32 bytes or more than 6 tokens: runs of Thai, Japanese,
 * Myanmar and other scripts written without spaces, which o200k's letter rule
 * keeps whole), all of them, and of the ones it can, those merged a second time
 * lately (tc_big_admits): a collision pushed them out of it (a mix of scripts
 * has more distinct pieces than it has slots). An index slot holds the
 * piece's hash and where its bytes and tokens sit in the arena; a lookup
 * compares the stored bytes with the piece in full, so an answer is only
 * returned for the identical byte string. Slots come in buckets of four, one
 * cache line. The arena is filled front to back. When a piece does not fit,
 * the pieces move to a block of twice the index and twice the arena, which takes
 * its place, up to TC_BIG_GROWTHS times (5 MB at first, 40 MB at most: mapped on
 * first use, resident as it fills); past that the live pieces are packed to the
 * arena's front when they fill at most three quarters of it, else the index is
 * cleared and filling starts again. A text with more distinct pieces than 5 MB holds (20 MB of FLORES'
 * 56 languages has 456,000 that are not tokens) is then merged once, not
 * again each time it comes back after the arena was cleared; text with fewer
 * never grows it. */
typedef struct {
    uint64_t h;                             /* the piece's hash (tc_hash_piece) */
    uint32_t off;                           /* its bytes at arena[off], then its tokens (aligned) */
    uint16_t len;                           /* 0 = empty */
    uint16_t n_tokens;
} tc_big_slot;

typedef struct {
    uint32_t bits;                          /* the index has 1 << bits slots */
    uint32_t first_bits;                    /* and had 1 << first_bits before it grew */
    uint32_t used;                          /* arena bytes filled, a multiple of 4 */
    uint8_t *arena;                         /* after the index (so derivable from bits: kept so a lookup reads one field) */
    _Alignas(64) tc_big_slot index[];       /* buckets on cache lines */
} tc_big_cache;

typedef struct tc_caches {
    uint64_t owner;                          /* uid of the vocabulary; 0 = none */
    uint64_t pair[1 << TC_PAIR_CACHE_BITS];  /* (answer + 1) << 42 | key; 0 = empty */
    /* On a line boundary: a piece entry is one line only if it starts one (tc_piece_entry). Left
     * to follow owner and the pair cache, every entry began 16 bytes into a line (32 in the second
     * vocabulary slot), and a lookup of a piece of more than two tokens, or one that missed (the
     * `big` marks), read two lines. The segment entries below, 64 bytes too, now start on a line. */
    _Alignas(64) tc_piece_entry piece[1 << TC_PIECE_CACHE_BITS];
    tc_char_entry chars[1 << TC_CHAR_CACHE_BITS];
    /* The lowest straddling rank of a boundary by its four bytes (two each side):
     * key << 32 | (rank + 1), TC_NONE stored as 0; 0 = empty (see tc_boundary_matters). */
    uint64_t bound[1 << TC_BOUND_CACHE_BITS];
    tc_seg_entry segs[1 << TC_SEG_CACHE_BITS];
    tc_big_cache *big;                       /* mapped on its first piece; NULL before */
    /* Work arrays too large for the thread's own stack, which Python lets be 32 KB
     * (threading.stack_size): the text loop's job pool (13 KB), a piece's units and their merge
     * (14 KB), a long piece's search state (7 KB). On the stack they were 30 KB deep under
     * encode_batch, and such a thread crashed on a Thai word of 300 bytes. Taken and given back in
     * stack order (tc_scratch_take). Last in the slot, whose pages the slot's caches touch anyway. */
    size_t scratch_used;
    _Alignas(64) uint8_t scratch[TC_SCRATCH_BYTES];
} tc_caches;

_Static_assert(offsetof(tc_caches, piece) % 64 == 0 && offsetof(tc_caches, segs) % 64 == 0,
               "piece and segment entries start on a cache line (the block is mapped on 2 MB boundaries)");

/* Each thread's caches, for the last two vocabularies it used: a few
 * megabytes mapped on the thread's first call and unmapped when it ends, so
 * threads that come and go (batch workers) hand their memory straight back.
 * Fresh pages are zero, and only the pages a thread touches become resident. */
typedef struct {
    /* First, beside slot 0's pair cache: at the end it was alone in the block's
     * third 2 MB page, which a thread's first call then faulted in (zeroing
     * 2 MB) only to write this counter. */
    unsigned next;
    tc_caches slot[2];
} tc_thread_caches;

/* How many times, since the process started, a second level grew, was packed (tc_big_pack) and was
 * cleared: for tests. */
static size_t tc_big_grown, tc_big_packed, tc_big_cleared;

/* log2 of the slots of a thread's first second level: TC_BIG_INDEX_BITS, less in tests
 * (tc_big_first_bits_set) so that a few megabytes of text make it grow. */
static uint32_t tc_big_first_bits = TC_BIG_INDEX_BITS;

/* The bytes of a second level whose index has 1 << bits slots. */
static inline size_t tc_big_bytes(uint32_t bits) {
    return sizeof(tc_big_cache) + ((sizeof(tc_big_slot) + TC_BIG_ARENA_PER_SLOT) << bits);
}

/* An empty second level with 1 << bits slots; NULL when out of memory. */
static tc_big_cache *tc_big_map(uint32_t bits) {
    tc_big_cache *b = tc_map_huge(tc_big_bytes(bits));
    if (!b) return NULL;
    b->bits = bits;
    b->first_bits = tc_big_first_bits;
    b->arena = (uint8_t *)(b->index + ((size_t)1 << bits));
    return b;
}

/* The arena bytes of b. */
static inline uint32_t tc_big_arena_bytes(const tc_big_cache *b) { return (uint32_t)TC_BIG_ARENA_PER_SLOT << b->bits; }

static void tc_big_unmap(tc_big_cache *b) { tc_unmap_huge(b, tc_big_bytes(b->bits)); }

static pthread_key_t tc_caches_key;
static pthread_once_t tc_caches_once = PTHREAD_ONCE_INIT;
static __thread tc_thread_caches *tc_tls_caches;

static void tc_caches_unmap(void *p) {
    tc_thread_caches *t = p;
    for (int i = 0; i < 2; i++) {
        if (t->slot[i].big) tc_big_unmap(t->slot[i].big);
        TC_SCRATCH_OPEN(t->slot[i].scratch, TC_SCRATCH_BYTES);   /* no closed bytes left for a later mapping */
    }
    tc_unmap_huge(p, sizeof(tc_thread_caches));
}
static void tc_caches_key_init(void) { pthread_key_create(&tc_caches_key, tc_caches_unmap); }

/* This thread's block of caches, mapped on first use; NULL when out of memory.
 * Its pages become resident as they are touched: faulting all of them in at
 * once cost a process's first call 5 ms, however short its text. */
static tc_thread_caches *tc_thread_caches_get(void) {
    tc_thread_caches *t = tc_tls_caches;
    if (!t) {
        pthread_once(&tc_caches_once, tc_caches_key_init);
        t = tc_map_huge(sizeof(tc_thread_caches));
        if (!t) return NULL;
        if (pthread_setspecific(tc_caches_key, t)) { tc_unmap_huge(t, sizeof(*t)); return NULL; }
        tc_tls_caches = t;
    }
    return t;
}

/* This thread's caches for vocabulary v; NULL when out of memory. */
static tc_caches *tc_caches_for(const tc_vocab *v) {
    tc_thread_caches *t = tc_thread_caches_get();
    if (!t) return NULL;
    tc_caches *c = t->slot;
    if (c[0].owner == v->uid) return &c[0];
    if (c[1].owner == v->uid) return &c[1];
    c = &c[t->next++ & 1];
    if (c->owner) {                            /* reused: clear the last vocabulary's answers */
        tc_big_cache *big = c->big;
        memset(c, 0, offsetof(tc_caches, scratch));   /* the scratch holds nothing between calls */
        if (big && big->bits > big->first_bits) { tc_big_unmap(big); big = NULL; }  /* grown: give it back */
        if (big) { memset(big->index, 0, sizeof(tc_big_slot) << big->bits); big->used = 0; }
        c->big = big;
    }
    c->owner = v->uid;
    return c;
}

/* The scratch's size as tc_scratch_take sees it: TC_SCRATCH_BYTES, less in tests
 * (tc_scratch_bytes_set), so that takes fail and the callers' other paths run. */
static size_t tc_scratch_bytes = TC_SCRATCH_BYTES;
static size_t tc_scratch_refused;   /* takes refused since the process started, for tests */

/* `bytes` of c's scratch, on a cache line, or NULL when it is full: callers then take another exact
 * path, or fail as when out of memory. Nothing nests deep enough to fill it (encoder.h asserts that
 * the deepest chain fits). Give it back with tc_scratch_give, after whatever was taken later. */
static inline void *tc_scratch_take(tc_caches *c, size_t bytes) {
    size_t at = c->scratch_used, end = at + ((bytes + 63) & ~(size_t)63);
    if (end > __atomic_load_n(&tc_scratch_bytes, __ATOMIC_RELAXED)) {
        __atomic_add_fetch(&tc_scratch_refused, 1, __ATOMIC_RELAXED);
        return NULL;
    }
    c->scratch_used = end;
    TC_SCRATCH_OPEN(c->scratch + at, bytes);
    TC_SCRATCH_CLOSE(c->scratch + at + bytes, TC_SCRATCH_BYTES - at - bytes);
    return c->scratch + at;
}

static inline void tc_scratch_give(tc_caches *c, void *p) {
    c->scratch_used = (size_t)((uint8_t *)p - c->scratch);
    TC_SCRATCH_CLOSE(p, TC_SCRATCH_BYTES - c->scratch_used);
}

/* The pair cache's answer for a pair key: 1, with the rank in *rank, when it has one. */
static inline int tc_pair_cache_get(const tc_caches *c, uint64_t key, uint32_t *rank) {
    uint64_t e = c->pair[(key * 0x9E3779B97F4A7C15ull) >> (64 - TC_PAIR_CACHE_BITS)];
    if (!e || (e & ((1ull << 42) - 1)) != key) return 0;
    uint32_t answer = (uint32_t)(e >> 42) - 1;
    *rank = answer == TC_MAX_RANKS - 1 ? TC_NONE : answer;
    return 1;
}

/* Start loading the pair cache's slot for a pair key. */
static inline void tc_pair_cache_prefetch(const tc_caches *c, uint64_t key) {
    __builtin_prefetch(&c->pair[(key * 0x9E3779B97F4A7C15ull) >> (64 - TC_PAIR_CACHE_BITS)]);
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

/* ------------------------------------------------------- big-piece cache */

/* The second level's marks in the piece cache (tc_piece_entry.big), by a piece's hash. */
static inline uint32_t *tc_big_mark(tc_caches *c, uint64_t h) { return &c->piece[h >> (64 - TC_PIECE_CACHE_BITS)].big; }
static inline uint32_t tc_big_mark_bit(uint64_t h) { return 1u << (h & 31); }

/* Whether the second level may hold a piece of hash h and of 2 to TC_PIECE_CACHE_KEY bytes, by the
 * mark in h's piece cache entry (a line the lookup has just read): 0 means it holds none, since
 * every such piece it takes sets its mark and the marks are cleared only with its index. (Longer
 * pieces set none: the line would be one more miss for each, Thai's 3% of wall clock.) A fresh piece that misses the piece cache
 * then skips the second level's bucket, a read that missed the caches (its index is 1 MB) for
 * almost every such piece: 2,400 of the 2,500 lookups of fresh Hindi found nothing. */
static inline int tc_big_might_hold(const tc_caches *c, uint64_t h) {
    return (c->piece[h >> (64 - TC_PIECE_CACHE_BITS)].big & tc_big_mark_bit(h)) != 0;
}

/* The second level's marks in the piece cache cleared: it holds none of the pieces they stand for. */
static void tc_big_marks_clear(tc_caches *c) {
    for (size_t i = 0; i < (size_t)1 << TC_PIECE_CACHE_BITS; i++) c->piece[i].big = 0;
}

static inline tc_big_slot *tc_big_bucket(tc_big_cache *b, uint64_t h) {
    return &b->index[(h >> (64 - b->bits)) & ~(uint64_t)(TC_BIG_WAYS - 1)];
}

/* The arena bytes of a slot's piece and its tokens. */
static inline uint32_t tc_big_slot_bytes(const tc_big_slot *s) {
    return ((s->len + 3u) & ~3u) + s->n_tokens * (uint32_t)sizeof(uint32_t);
}

/* Every piece b holds, into g: empty, with twice b's slots and arena. A bucket's slots go to two
 * buckets of g (one more bit of the hash), so each finds an empty slot, and the arena is twice
 * what b filled at least. Slots overwritten in b left their bytes behind; those are not copied. */
static void tc_big_move(tc_big_cache *g, const tc_big_cache *b) {
    for (size_t i = 0; i < (size_t)1 << b->bits; i++) {
        const tc_big_slot *s = &b->index[i];
        if (!s->len) continue;
        tc_big_slot *e = tc_big_bucket(g, s->h);
        int w = 0;
        while (w < TC_BIG_WAYS && e[w].len) w++;
        if (w == TC_BIG_WAYS) continue;
        uint32_t bytes = tc_big_slot_bytes(s);
        e[w] = *s;
        e[w].off = g->used;
        memcpy(g->arena + g->used, b->arena + s->off, bytes);
        g->used += bytes;
    }
}

_Static_assert(((size_t)TC_BIG_ARENA_PER_SLOT << (TC_BIG_INDEX_BITS + TC_BIG_GROWTHS)) <= (size_t)1 << 26,
               "tc_big_pack sorts arena offsets / 4 in two passes of 12 bits");

/* The live pieces of b packed to the front of its arena, in the order they lie there, when they
 * fill at most three quarters of it: a slot overwritten in a full bucket leaves its bytes behind,
 * about half of the arena by the time a 20 MB mix of 56 languages fills the largest block. 0 (and b
 * unchanged) when they fill more, or out of memory. Each piece moves down to the end of the ones
 * before it, which lay below it, so a move never reaches bytes not yet moved. */
static int tc_big_pack(tc_big_cache *b) {
    size_t slots = (size_t)1 << b->bits, n = 0, live = 0;
    for (size_t i = 0; i < slots; i++)
        if (b->index[i].len) { n++; live += tc_big_slot_bytes(&b->index[i]); }
    if (live > tc_big_arena_bytes(b) / 4 * 3) return 0;
    /* Keys, their copy and the counts on the heap: a Python thread's stack may be 32 KB. */
    uint64_t *buf = malloc((2 * n + 4097) * sizeof(uint64_t)), *keys = buf, *tmp = buf + n, *count = buf + 2 * n;
    if (!buf) return 0;
    size_t k = 0;
    for (size_t i = 0; i < slots; i++)
        if (b->index[i].len) keys[k++] = (uint64_t)(b->index[i].off >> 2) << 32 | i;
    for (int shift = 32; shift < 56; shift += 12) {            /* by offset: two stable passes */
        memset(count, 0, 4097 * sizeof(uint64_t));
        for (k = 0; k < n; k++) count[(keys[k] >> shift & 4095) + 1]++;
        for (int d = 0; d < 4096; d++) count[d + 1] += count[d];
        for (k = 0; k < n; k++) tmp[count[keys[k] >> shift & 4095]++] = keys[k];
        uint64_t *t = keys; keys = tmp; tmp = t;
    }                                                          /* an even count: in buf again */
    uint32_t at = 0;
    for (k = 0; k < n; k++) {
        tc_big_slot *s = &b->index[(uint32_t)keys[k]];
        uint32_t bytes = tc_big_slot_bytes(s);
        memmove(b->arena + at, b->arena + s->off, bytes);
        s->off = at;
        at += bytes;
    }
    b->used = at;
    free(buf);
    return 1;
}

/* Room in the second level for want more bytes. When full, its pieces move to a block of twice its
 * slots and arena, which takes its place (its marks stay true); past TC_BIG_GROWTHS doublings they
 * are packed (tc_big_pack); when that leaves too little room, or out of memory, the block is
 * emptied and its marks cleared. 0 when even an empty block is too small (only a test's first size
 * can be). */
static int tc_big_make_room(tc_caches *c, uint32_t want) {
    tc_big_cache *b = c->big;
    if (b->used + want <= tc_big_arena_bytes(b)) return 1;
    tc_big_cache *grown = b->bits < b->first_bits + TC_BIG_GROWTHS ? tc_big_map(b->bits + 1) : NULL;
    if (grown) {
        grown->first_bits = b->first_bits;
        tc_big_move(grown, b);
        tc_big_unmap(b);
        c->big = grown;
        __atomic_fetch_add(&tc_big_grown, 1, __ATOMIC_RELAXED);
        if (grown->used + want <= tc_big_arena_bytes(grown)) return 1;
        b = grown;
    } else if (tc_big_pack(b)) {
        __atomic_fetch_add(&tc_big_packed, 1, __ATOMIC_RELAXED);
        if (b->used + want <= tc_big_arena_bytes(b)) return 1;
    }
    __atomic_fetch_add(&tc_big_cleared, 1, __ATOMIC_RELAXED);
    memset(b->index, 0, sizeof(tc_big_slot) << b->bits);
    b->used = 0;
    tc_big_marks_clear(c);
    return want <= tc_big_arena_bytes(b);
}

/* The slot holding p[0:n] (hash h), or NULL. */
static inline const tc_big_slot *tc_big_find(const tc_caches *c, const uint8_t *p, size_t n, uint64_t h) {
    if (!c->big) return NULL;
    const tc_big_slot *e = tc_big_bucket(c->big, h);
    for (int w = 0; w < TC_BIG_WAYS; w++)
        if (e[w].h == h && e[w].len == n && memcmp(c->big->arena + e[w].off, p, n) == 0) return &e[w];
    return NULL;
}

static inline const uint32_t *tc_big_tokens(const tc_caches *c, const tc_big_slot *e) {
    return (const uint32_t *)(c->big->arena + e->off + ((e->len + 3u) & ~3u));
}

/* The second level, mapped on first use; NULL when out of memory. */
static inline tc_big_cache *tc_big_of(tc_caches *c) {
    if (!c->big) c->big = tc_big_map(tc_big_first_bits);
    return c->big;
}

/* The admission filter's bit for hash h in its piece cache entry: bits 5 to 8, apart from the
 * entry's slot (the top 15) and its marks (the low 5). */
static inline uint16_t tc_asked_bit(uint64_t h) { return (uint16_t)(1u << (h >> 5 & 15)); }

/* The number of bits set in x. The build targets plain x86-64, which has no popcnt instruction, so
 * __builtin_popcount is a call into libgcc (20 instructions): the instruction is used where the CPU
 * has it, a test of libgcc's CPU flags (set once at load) choosing, as tc_merge_avx2 chooses AVX2. */
static inline unsigned tc_bit_count(uint32_t x) {
#if defined(__x86_64__) && defined(__GNUC__)
    if (__builtin_cpu_supports("popcnt")) {
        uint32_t count;
        __asm__("popcntl %1, %0" : "=r"(count) : "rm"(x) : "cc");
        return count;
    }
#endif
    return (unsigned)__builtin_popcount(x);
}

/* Tests only: the size of the second levels mapped from now on, as log2 of their first slots (4 to
 * TC_BIG_INDEX_BITS; anything else keeps it); returns it. Not thread-safe. */
static uint32_t tc_big_first_bits_set(uint32_t bits) {
    if (bits >= 4 && bits <= TC_BIG_INDEX_BITS) tc_big_first_bits = bits;
    return tc_big_first_bits;
}

/* Tests only: the scratch's size as tc_scratch_take sees it (at most TC_SCRATCH_BYTES; anything
 * more keeps it); returns it, and in *refused the takes refused so far. */
static size_t tc_scratch_bytes_set(size_t bytes, size_t *refused) {
    if (bytes <= TC_SCRATCH_BYTES) __atomic_store_n(&tc_scratch_bytes, bytes, __ATOMIC_RELAXED);
    *refused = __atomic_load_n(&tc_scratch_refused, __ATOMIC_RELAXED);
    return __atomic_load_n(&tc_scratch_bytes, __ATOMIC_RELAXED);
}

/* Tests only: tc_big_grown, tc_big_packed and tc_big_cleared, into out[0:3]. */
static void tc_big_events(size_t *out) {
    out[0] = __atomic_load_n(&tc_big_grown, __ATOMIC_RELAXED);
    out[1] = __atomic_load_n(&tc_big_packed, __ATOMIC_RELAXED);
    out[2] = __atomic_load_n(&tc_big_cleared, __ATOMIC_RELAXED);
}

/* Tests only: log2 of the slots of the calling thread's second level for vocabulary v, 0 when none.
 * It only looks: no slot is taken for v (tc_caches_for would clear another vocabulary's). */
static uint32_t tc_big_bits_now(const tc_vocab *v) {
    tc_thread_caches *t = tc_tls_caches;
    for (int i = 0; t && i < 2; i++)
        if (t->slot[i].owner == v->uid && t->slot[i].big) return t->slot[i].big->bits;
    return 0;
}

/* Whether a merged piece of hash h (2 to 6 tokens) that the piece cache has just taken in entry e
 * goes into the second level too: only when a piece of its hash and slot was merged before and not
 * kept (its bit in e->asked), else the bit is set. Fresh text merges most of its pieces once: they
 * stay out (a store touched a line of the 1 MB index and the arena for each, and about 1 in 20
 * came back); a piece that comes back after a collision pushed it out of the piece cache is merged
 * a second time and then kept. An entry holds at most TC_ASKED_MAX bits and starts again when it has
 * them, so a piece merged once is kept with a chance of at most 8 in 16, about 7 in 32 over time,
 * and a slot of up to 8 pieces merged in turns (a mix of scripts) keeps all of them from the second
 * turn on. The bits sit in the line the piece cache write has just taken: no other line is read.
 * Only what is kept changes, never what it says (tc_big_might_hold). */
static inline int tc_big_admits(tc_piece_entry *e, uint64_t h) {
    uint16_t bit = tc_asked_bit(h);
    if (e->asked & bit) return 1;
    if (tc_bit_count(e->asked) >= TC_ASKED_MAX) e->asked = 0;
    e->asked |= bit;
    return 0;
}

/* Keep p[0:n]'s k tokens (n <= TC_BIG_KEY). Out of memory only means not kept. */
static __attribute__((noinline)) void tc_big_remember(tc_caches *c, const uint8_t *p, size_t n, uint64_t h, const uint32_t *tokens, size_t k) {
    if (!tc_big_of(c)) return;
    uint32_t need = (uint32_t)((n + 3) & ~(size_t)3) + (uint32_t)(k * sizeof(uint32_t));
    if (!tc_big_make_room(c, need)) return;
    tc_big_cache *b = c->big;
    if (n <= TC_PIECE_CACHE_KEY) *tc_big_mark(c, h) |= tc_big_mark_bit(h);   /* only such pieces ask */
    /* An empty slot of the bucket, else one picked by the hash's low bits. */
    tc_big_slot *e = tc_big_bucket(b, h);
    int w = 0;
    while (w < TC_BIG_WAYS && e[w].len) w++;
    e = &e[w < TC_BIG_WAYS ? w : (int)(h & (TC_BIG_WAYS - 1))];
    e->h = h; e->off = b->used; e->len = (uint16_t)n; e->n_tokens = (uint16_t)k;
    memcpy(b->arena + b->used, p, n);
    memcpy(b->arena + b->used + ((n + 3) & ~(size_t)3), tokens, k * sizeof(uint32_t));
    b->used += need;
}

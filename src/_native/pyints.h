/* Python int objects for token ids, laid out by id: lists of ids at one memory access per token.
 *
 * A list of ids holds one int object per token. A fresh int per token costs an allocation and a
 * free (about a hundred instructions). One shared int per id costs a reference-count update, and
 * with ints reached through a table (a tuple, as before), two scattered memory accesses: the
 * table's slot, then the object, wherever the allocator put it. On text the caches have not seen,
 * those two misses per token were most of the difference between encode and count.
 *
 * Here the int for id r (r > 256) sits at tc_ints_base + r * TC_INT_STRIDE: the address is
 * arithmetic, and frequent ids (BPE gives them low ranks) share cache lines. Ids up to 256 are the
 * interpreter's own small ints, as with tiktoken, so `tokens[0] is 5` behaves the same.
 *
 * Each object is a byte copy of an int the interpreter made for that value, so it is an int in
 * every respect (type, value, hash, equality). Lists handed to the caller may outlive every
 * vocabulary, so the block is never freed; its reference counts start at 2^60 and so never reach
 * zero, which means the interpreter never tries to free one. It is one block per process, grown
 * in place (reserved virtual memory, pages touched only as ids are filled) to the largest
 * vocabulary used, 6.4 MB for o200k_base; the tuple of ints it replaces was 8 MB per vocabulary.
 *
 * Builds where copying an object is not sound (free-threaded, reference tracing, digits other
 * than 30 bits) use fresh ints instead: tc_ints_ready() says which. Everything here runs with the
 * GIL held.
 */
#pragma once
#include <Python.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include "tables.h"

#define TC_INT_STRIDE 32
#define TC_SMALL_INTS 257                    /* ids 0..256: the interpreter's cached small ints */

static char *tc_ints_base;                   /* reserved for TC_MAX_RANKS ids; NULL before */
static uint32_t tc_ints_n;                   /* ids below this may be used (filled 8 at a time) */
#define TC_INTS_PER_FILL 8                   /* 256 bytes: four cache lines */
/* One flag per group; 4 bytes more, so that reading 4 bytes at any group's flag stays inside. */
static uint8_t tc_ints_filled[TC_MAX_RANKS / TC_INTS_PER_FILL + 4];
static char tc_int_template[TC_INT_STRIDE];  /* the bytes of an int of one digit */
static size_t tc_int_size, tc_int_digit_at;  /* its size, and where its digit sits */
#define TC_SMALL_SLOTS 512                   /* a power of two above TC_SMALL_INTS */
static PyObject *tc_small_ints[TC_SMALL_SLOTS];
static int tc_ints_broken;                   /* 1: use fresh ints */

/* 1 when the block can be used in this build. */
static inline int tc_ints_supported(void) {
#if defined(Py_GIL_DISABLED) || defined(Py_TRACE_REFS) || PyLong_SHIFT != 30
    return 0;
#else
    return 1;
#endif
}

/* 1 when an int of one digit is `tmpl`'s bytes with that digit at `digit_at` (a 32-bit digit):
 * checked against ints the interpreter makes, at both ends of the range of ids. */
static int tc_ints_template_ok(PyObject *tmpl, size_t size, size_t digit_at) {
    static const uint32_t probes[] = {TC_SMALL_INTS, TC_SMALL_INTS + 1, 65535, 65536, TC_MAX_RANKS - 1};
    if (sizeof(digit) != sizeof(uint32_t) || digit_at + sizeof(uint32_t) > size) return 0;
    char stamped[TC_INT_STRIDE];
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        PyObject *real = PyLong_FromUnsignedLong(probes[i]);
        if (!real) { PyErr_Clear(); return 0; }
        memcpy(stamped, tmpl, size);
        memcpy(stamped + digit_at, &probes[i], sizeof probes[i]);
        /* Compare all but the reference count, which leads the object. */
        size_t skip = sizeof(Py_ssize_t);
        int same = memcmp(stamped + skip, (char *)real + skip, size - skip) == 0;
        Py_DECREF(real);
        if (!same) return 0;
    }
    return 1;
}

/* The bytes of the block's huge pages for ids below n: the 2 MB pages those ids fill, as the big
 * tables have them (tables.h), since lookups by id are random and with 4 KB pages would miss the
 * TLB as well. A last page filled less than a quarter stays in 4 KB pages: o200k_base's last 3,411
 * ids fill 107 KB of a fourth 2 MB page, which a first call touching any of them faulted in whole
 * (zeroing 2 MB: 0.2 to 40 ms on this VM) for a few 4 KB pages. */
static size_t tc_ints_huge_bytes(uint32_t n) {
    size_t huge = (size_t)1 << 21, used = (size_t)n * TC_INT_STRIDE, full = used & ~(huge - 1);
    return used - full > huge / 4 ? full + huge : full;
}

/* Make ids below n usable (GIL held): the block reserved, the template checked; ids are filled
 * as lists need them. 0, or -1 when the block cannot be used (fresh ints then; never an error for
 * the caller). */
static int tc_ints_reserve(uint32_t n) {
    if (tc_ints_broken) return -1;
    if (n <= tc_ints_n) return 0;
    if (!tc_ints_supported() || n > TC_MAX_RANKS) { tc_ints_broken = 1; return -1; }
    if (!tc_ints_base) {
        /* On 2 MB boundaries; the pages the ids fill are marked for huge pages below. */
        size_t size = (size_t)TC_MAX_RANKS * TC_INT_STRIDE, huge = (size_t)1 << 21;
        char *p = mmap(NULL, size + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) { tc_ints_broken = 1; return -1; }
        p += (huge - (uintptr_t)p % huge) % huge;
        for (uint32_t r = 0; r < TC_SMALL_INTS; r++) {
            tc_small_ints[r] = PyLong_FromUnsignedLong(r);   /* held for good */
            if (!tc_small_ints[r]) { PyErr_Clear(); tc_ints_broken = 1; return -1; }
        }
        tc_ints_base = p;
        tc_ints_n = TC_SMALL_INTS;
    }
    if (!tc_int_size) {
        /* Every id fits one 30-bit digit, so the ints differ only in that digit: groups of ids are filled
         * with copies of one template with the digit set (a few instructions per id; making each
         * int with PyLong_FromUnsignedLong cost about 10 ms for o200k_base, all in the first call).
         * tc_ints_template_ok() checks that layout on this interpreter first. */
        PyObject *tmpl = PyLong_FromUnsignedLong(TC_SMALL_INTS);
        if (!tmpl) { PyErr_Clear(); return -1; }       /* out of memory: fresh ints this time */
        size_t size = (size_t)Py_TYPE(tmpl)->tp_basicsize + (size_t)Py_TYPE(tmpl)->tp_itemsize;
        size_t digit_at = (size_t)Py_TYPE(tmpl)->tp_basicsize;
        int ok = size <= TC_INT_STRIDE && tc_ints_template_ok(tmpl, size, digit_at);
        if (ok) memcpy(tc_int_template, tmpl, size);
        Py_DECREF(tmpl);
        if (!ok) { tc_ints_broken = 1; return -1; }
        tc_int_size = size;
        tc_int_digit_at = digit_at;
    }
#if defined(MADV_HUGEPAGE) && defined(MADV_NOHUGEPAGE)
    {
        /* A larger vocabulary later marks its own. */
        size_t size = (size_t)TC_MAX_RANKS * TC_INT_STRIDE, full = tc_ints_huge_bytes(n);
        if (full) madvise(tc_ints_base, full, MADV_HUGEPAGE);
        madvise(tc_ints_base + full, size - full, MADV_NOHUGEPAGE);
    }
#endif
    tc_ints_n = n;
    return 0;
}

/* The block's huge pages, faulted in on a thread of its own while lists still take young ints
 * (below). Without it, the first list past the young ints faulted in the three huge pages of
 * o200k_base's ids within one call, the kernel zeroing 6 MB there: FLORES English in 8 KB chunks,
 * one process, load and a warm-up left out, took 0.16-0.21 ms a chunk but 0.9-11.2 ms for the
 * fourth, the first past the young ints (this VM's host backs a fresh page in 0.2 to 40 ms).
 * MADV_POPULATE_WRITE maps the pages writable and leaves the memory's bytes as they are, so it
 * cannot race with the stamping of ids. It starts at a process's second list, not at load nor at
 * the first list: a process that loads and then forks (a benchmark's zygote, a worker pool) would
 * hand its children populated pages that they copy on their first writes (populating the block
 * and the thread caches at load took a child's first call on English from 5.0 to 6.5 ms), and a
 * process that lists once has no use for the block. Where the
 * kernel lacks MADV_POPULATE_WRITE (before Linux 5.14) or no thread can be had, nothing starts
 * and the block faults as before. */
static int tc_ints_populating;               /* 1 while that thread runs; read and written atomically */

#ifdef MADV_POPULATE_WRITE
#include <pthread.h>
static void *tc_ints_populate(void *bytes) {
    /* A 2 MB page a call: populating holds the process's memory-map lock for reading, which a
     * malloc that grows the heap on the caller's thread waits for; one page at a time, it waits
     * for one page's zeroing at most. */
    size_t huge = (size_t)1 << 21;
    for (size_t at = 0; at < (size_t)bytes; at += huge)
        madvise(tc_ints_base + at, (size_t)bytes - at < huge ? (size_t)bytes - at : huge, MADV_POPULATE_WRITE);
    __atomic_store_n(&tc_ints_populating, 0, __ATOMIC_RELEASE);
    return NULL;
}
#endif

/* Return once no thread populates the block (for benchmarks and tests; GIL released). */
static void tc_ints_populate_wait(void) {
    while (__atomic_load_n(&tc_ints_populating, __ATOMIC_ACQUIRE)) {
        struct timespec pause = {0, 100000};
        nanosleep(&pause, NULL);
    }
}

#ifdef MADV_POPULATE_WRITE
/* A child forked meanwhile has no such thread: its pages fault as they come. */
static void tc_ints_populate_forked(void) { __atomic_store_n(&tc_ints_populating, 0, __ATOMIC_RELAXED); }
#endif

static void tc_ints_populate_start(void) {
#ifdef MADV_POPULATE_WRITE
    size_t bytes = tc_ints_huge_bytes(tc_ints_n);
    pthread_t thread;
    pthread_attr_t attr;
    if (!bytes || pthread_atfork(NULL, NULL, tc_ints_populate_forked) || pthread_attr_init(&attr)) return;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 1 << 16);
    __atomic_store_n(&tc_ints_populating, 1, __ATOMIC_RELAXED);
    if (pthread_create(&thread, &attr, tc_ints_populate, (void *)bytes))
        __atomic_store_n(&tc_ints_populating, 0, __ATOMIC_RELAXED);
    pthread_attr_destroy(&attr);
#endif
}

/* Fill the ints of one group of TC_INTS_PER_FILL ids: groups are filled only when a list first
 * needs an id in them, so a first call on a short text does not pay for the whole vocabulary.
 * Whole 4 KB pages (128 ids) were filled before: a first call on 64 KB of Chinese (2,069
 * distinct ids above 256) stamped 121 K ints on 949 pages, a tenth of its instructions. */
static void tc_ints_fill(uint32_t group) {
    uint32_t first = group * TC_INTS_PER_FILL;
    for (uint32_t r = first; r < first + TC_INTS_PER_FILL; r++) {
        char *copy = tc_ints_base + (size_t)r * TC_INT_STRIDE;
        /* The whole stride: a fixed size is two stores, not a call (the bytes past the int's size
         * are the template's zeros, padding no one reads). */
        memcpy(copy, tc_int_template, TC_INT_STRIDE);
        memcpy(copy + tc_int_digit_at, &r, sizeof r);
        Py_SET_REFCNT((PyObject *)copy, (Py_ssize_t)1 << 60);
    }
    tc_ints_filled[group] = 1;
}

/* A process's first lists (those that start before it has listed TC_YOUNG_TOKENS ids, or while
 * the block's pages are being populated, above) take the
 * ints of their first TC_YOUNG_INTS distinct ids from a small arena, in the order the ids first
 * come, found through a small hash table; after that, lists use the block. Why: a first call's
 * ids are spread over the whole vocabulary (64 KB of Chinese: 2,069 distinct ids on 949 of the
 * block's 4 KB pages), so the block's huge pages were 3 of the 6 a first call faulted in
 * (zeroing 6 MB for 66 KB of ints: 0.2 ms per 2 MB page on this VM, or 1-40 ms when the host
 * must back the page again). The arena fills front to back (66 KB of ints for those 2,069 ids;
 * 512 KB at most) and the table is 64 KB, in 4 KB pages. Young ints are stamped from the same
 * template as the block's and are never freed either, so a list holds equal ints whichever it
 * got; the ids, and so the results, are the same. */
#define TC_YOUNG_INTS 16384
#define TC_YOUNG_TOKENS 4096                 /* about 10 instructions an id here, 2 from the block */
#define TC_YOUNG_SLOTS (2 * TC_YOUNG_INTS)  /* at most half full: short probes */
static uint16_t *tc_young_slots;             /* arena index + 1 of the int in each slot; 0 = empty */
static char *tc_young_arena;                 /* TC_YOUNG_INTS ints, TC_INT_STRIDE apart */
static uint32_t tc_young_used;
static int tc_young_over;                    /* 1 once the arena is full (or could not be had) */
static size_t tc_young_listed;               /* ids listed so far */
static size_t tc_ints_lists;                 /* lists made so far */

/* The young int for id r (r >= TC_SMALL_INTS), borrowed; NULL once the arena is full. A slot
 * holds only where the int sits; the int's own digit says which id it is. */
static inline PyObject *tc_young_int(uint32_t r) {
    _Static_assert(TC_YOUNG_SLOTS == 1 << 15, "a slot is the hash's top 15 bits");
    uint32_t at = (r * 0x9E3779B1u) >> (32 - 15);
    for (;; at = (at + 1) & (TC_YOUNG_SLOTS - 1)) {
        uint32_t slot = tc_young_slots[at];
        if (!slot) break;
        char *o = tc_young_arena + (size_t)(slot - 1) * TC_INT_STRIDE;
        uint32_t id;
        memcpy(&id, o + tc_int_digit_at, sizeof id);
        if (id == r) return (PyObject *)o;
    }
    if (tc_young_used == TC_YOUNG_INTS) return NULL;
    char *copy = tc_young_arena + (size_t)tc_young_used * TC_INT_STRIDE;
    memcpy(copy, tc_int_template, TC_INT_STRIDE);
    memcpy(copy + tc_int_digit_at, &r, sizeof r);
    Py_SET_REFCNT((PyObject *)copy, (Py_ssize_t)1 << 60);
    tc_young_slots[at] = (uint16_t)++tc_young_used;
    return (PyObject *)copy;
}

/* items[0:k] for ids[0:n] from the small ints and the young arena; k < n once the arena is
 * full, and from then on lists use the block. */
static size_t tc_young_items(const uint32_t *ids, size_t n, PyObject **items) {
    if (!tc_young_arena) {
        /* Zeroed pages, resident as they are touched: 4 KB ones, so the arena's last
         * ints fault in 4 KB, not 2 MB. Never freed: lists may hold its ints. */
        size_t bytes = TC_YOUNG_SLOTS * sizeof(uint16_t) + (size_t)TC_YOUNG_INTS * TC_INT_STRIDE;
        char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) { tc_young_over = 1; return 0; }
#ifdef MADV_NOHUGEPAGE
        madvise(p, bytes, MADV_NOHUGEPAGE);
#endif
        tc_young_slots = (uint16_t *)p;
        tc_young_arena = p + TC_YOUNG_SLOTS * sizeof(uint16_t);
    }
    size_t i = 0;
    for (; i < n; i++) {
        uint32_t r = ids[i];
        PyObject *o;
        if (r < TC_SMALL_INTS) {
            o = tc_small_ints[r];
            Py_INCREF(o);
        } else if (!(o = tc_young_int(r))) {
            tc_young_over = 1;
            break;
        } else {
#if defined(Py_REF_DEBUG)
            Py_INCREF(o);                    /* as the block's ints are, in such a build */
#endif
        }
        items[i] = o;
    }
    return i;
}

/* The int object for id r (r < tc_ints_n), borrowed. */
static inline PyObject *tc_int_of(uint32_t r) {
    /* Both loads, then a select: small and large ids alternate unpredictably in text. */
    PyObject *small = tc_small_ints[r & (TC_SMALL_SLOTS - 1)];
    PyObject *large = (PyObject *)(tc_ints_base + (size_t)r * TC_INT_STRIDE);
    return r < TC_SMALL_INTS ? small : large;
}

/* A new list of the ids ids[0:n] (all below tc_ints_n when the block is used), or NULL with an
 * exception set. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(Py_REF_DEBUG) && !defined(Py_GIL_DISABLED) && \
    !defined(Py_TRACE_REFS)
#include <immintrin.h>
#define TC_INTS_AVX2 1
_Static_assert(TC_INT_STRIDE == 32, "tc_ints_items_avx2 multiplies ids by 32 with a shift");

/* tc_ints_list's loop, eight ids at a time (chosen when the CPU has AVX2): each slot is the block's
 * int at base + 32 * id, computed for all eight at once, and the groups' flags read by one gather;
 * a group not filled yet is filled first, and the few small ids (the interpreter's ints, which
 * take a reference) are put in one by one after. The items are the scalar loop's. Returns how
 * many ids it did (all but the last n % 8). */
__attribute__((target("avx2"))) static size_t tc_ints_items_avx2(const uint32_t *ids, size_t n, PyObject **items) {
    const __m256i base = _mm256_set1_epi64x((long long)(uintptr_t)tc_ints_base);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i r = _mm256_loadu_si256((const __m256i *)(ids + i));
        __m256i large = _mm256_cmpgt_epi32(r, _mm256_set1_epi32(TC_SMALL_INTS - 1));
        __m256i flag = _mm256_i32gather_epi32((const int *)tc_ints_filled, _mm256_srli_epi32(r, 3), 1);
        __m256i unfilled = _mm256_cmpeq_epi32(_mm256_and_si256(flag, _mm256_set1_epi32(0xFF)), _mm256_setzero_si256());
        if (__builtin_expect(_mm256_movemask_epi8(_mm256_and_si256(large, unfilled)) != 0, 0)) {
            for (size_t j = i; j < i + 8; j++)
                if (ids[j] >= TC_SMALL_INTS && !tc_ints_filled[ids[j] / TC_INTS_PER_FILL]) tc_ints_fill(ids[j] / TC_INTS_PER_FILL);
        }
        __m256i lo = _mm256_cvtepu32_epi64(_mm256_castsi256_si128(r));
        __m256i hi = _mm256_cvtepu32_epi64(_mm256_extracti128_si256(r, 1));
        _mm256_storeu_si256((__m256i *)(items + i), _mm256_add_epi64(base, _mm256_slli_epi64(lo, 5)));
        _mm256_storeu_si256((__m256i *)(items + i + 4), _mm256_add_epi64(base, _mm256_slli_epi64(hi, 5)));
        unsigned small = ~(unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(large)) & 0xFF;
        for (; small; small &= small - 1) {
            PyObject *o = tc_small_ints[ids[i + (unsigned)__builtin_ctz(small)]];
            Py_INCREF(o);
            items[i + (unsigned)__builtin_ctz(small)] = o;
        }
    }
    return i;
}

static int tc_ints_avx2 = -1;   /* whether this CPU has AVX2; -1 before the first list */
#endif

/* For tests: 0 makes lists take the one-slot loop on a CPU with AVX2; 1 restores the CPU's
 * choice. Returns whether AVX2 is now used. */
static int tc_ints_use_avx2(int on) {
#ifdef TC_INTS_AVX2
    tc_ints_avx2 = on && __builtin_cpu_supports("avx2");
    return tc_ints_avx2;
#else
    (void)on;
    return 0;
#endif
}

static PyObject *tc_ints_list(const uint32_t *ids, size_t n, uint32_t n_ranks) {
    if (tc_ints_reserve(n_ranks) == 0 && n > 0 && n <= (size_t)PY_SSIZE_T_MAX / sizeof(PyObject *)) {
        /* The list's array is allocated, not zeroed as PyList_New's is (about 2 instructions per
         * byte of English), since every slot is written below; the list gets it only once every
         * slot is written, so nothing (the collector included) can read a slot before then. */
        PyObject **items = PyMem_Malloc(n * sizeof(PyObject *));
        if (!items) return PyErr_NoMemory();
        PyObject *list = PyList_New(0);
        if (!list) { PyMem_Free(items); return NULL; }
        if (++tc_ints_lists == 2) tc_ints_populate_start();
        int young = !tc_young_over && (tc_young_listed < TC_YOUNG_TOKENS ||
                                       __atomic_load_n(&tc_ints_populating, __ATOMIC_ACQUIRE));
        size_t i = young ? tc_young_items(ids, n, items) : 0;
        tc_young_listed += n;
#ifdef TC_INTS_AVX2
        if (tc_ints_avx2 < 0) tc_ints_avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
        if (tc_ints_avx2 && i < n) i += tc_ints_items_avx2(ids + i, n - i, items + i);
#endif
        for (; i < n; i++) {
            uint32_t r = ids[i];
            if (__builtin_expect(!tc_ints_filled[r / TC_INTS_PER_FILL], 0)) tc_ints_fill(r / TC_INTS_PER_FILL);
            PyObject *o = tc_int_of(r);
#if defined(Py_REF_DEBUG) || defined(Py_GIL_DISABLED) || defined(Py_TRACE_REFS)
            Py_INCREF(o);
#else
            /* A reference for the interpreter's small ints; none for the block's, which are never
             * freed (their counts start at 2^60, so the list's decrefs cannot bring one to zero),
             * so the list is built without touching them: no load or write of their cache lines. */
            if (r < TC_SMALL_INTS) Py_INCREF(o);
#endif
            items[i] = o;
        }
        PyListObject *l = (PyListObject *)list;
        l->ob_item = items;
        l->allocated = (Py_ssize_t)n;
        Py_SET_SIZE(l, (Py_ssize_t)n);
        return list;
    }
    PyObject *list = PyList_New((Py_ssize_t)n);
    if (!list) return NULL;
    for (size_t i = 0; i < n; i++) {
        PyObject *o = PyLong_FromUnsignedLong(ids[i]);
        if (!o) { Py_DECREF(list); return NULL; }
        PyList_SET_ITEM(list, (Py_ssize_t)i, o);
    }
    return list;
}

/* A new list of the numbers v[0:n] (count_batch's counts), or NULL with an exception set. Made at
 * its full size and filled in place (a comprehension appended to a list it grew by realloc), and a
 * number below the vocabulary's size is the block's int for it, as an id would be: no int object is
 * made for it, nor freed with the list. */
static PyObject *tc_sizes_list(const size_t *v, size_t n, uint32_t n_ranks) {
    int shared = tc_ints_reserve(n_ranks) == 0;
    PyObject *list = PyList_New((Py_ssize_t)n);
    if (!list) return NULL;
    for (size_t i = 0; i < n; i++) {
        PyObject *o;
        if (shared && v[i] < tc_ints_n) {  /* the block holds ints only for ids it has reserved */
            uint32_t r = (uint32_t)v[i];
            if (r >= TC_SMALL_INTS && !tc_ints_filled[r / TC_INTS_PER_FILL]) tc_ints_fill(r / TC_INTS_PER_FILL);
            o = tc_int_of(r);
            Py_INCREF(o);
        } else {
            o = PyLong_FromSize_t(v[i]);
            if (!o) { Py_DECREF(list); return NULL; }
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, o);
    }
    return list;
}

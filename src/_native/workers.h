/* Native worker threads for batches, kept from one call to the next.
 *
 * A thread's caches (cache.h) are what make its next look at a piece cheap.
 * Threads created for each batch would start every batch cold and map their
 * caches anew, so these stay, waiting on a condition variable between
 * batches. One batch uses them at a time; a batch that finds them busy (a
 * second Python thread) starts threads of its own. A forked child has none
 * of the parent's threads, so the pool starts over there.
 *
 * The caller never waits for a worker to wake up: a worker joins a round only
 * while the round is open, and tc_workers_finish closes it and waits only for
 * the workers that joined. On a busy machine a woken worker may not run for
 * milliseconds; by then the caller has done the batch alone and moved on, and
 * the late worker goes back to sleep without touching the finished batch.
 *
 * Both sides spin a little before they sleep. Waking a sleeping thread costs
 * a system call and, on an idle processor of a virtual machine, tens to
 * hundreds of microseconds before it runs: more than half of a 500-text chat
 * batch (about 0.4 ms). So a worker that finishes a round polls for the next
 * one for TC_SPIN_NS before it waits on the condition variable, and the
 * caller polls for the last worker to leave before it does. The spinner
 * yields the processor every few microseconds, so on a busy machine it does
 * not hold up the thread it waits for.
 */
#pragma once
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "cache.h"

#define TC_MAX_WORKERS 63

typedef void *(*tc_work_fn)(void *);

/* tc_workers.steered_from when it names no CPU: the workers may run on every CPU the process has
 * (TC_ALL_CPUS), or a worker started since the last steer still runs where its creator may, so the
 * next round steers whichever CPU the caller is on (TC_STEER_AGAIN). */
enum { TC_ALL_CPUS = -1, TC_STEER_AGAIN = -2 };

static struct {
    pthread_mutex_t mu;
    pthread_cond_t wake;       /* a round has started */
    pthread_cond_t idle;       /* the round's last worker has finished */
    int n_threads;             /* workers started so far */
    pthread_t tids[TC_MAX_WORKERS];
    int steered_from;          /* the CPU the workers are kept off (tc_workers_steer), or one of the two above */
    int in_use;                /* a batch owns the pool */
    int wanted;                /* workers 0 .. wanted-1 may join this round */
    int open;                  /* the round still takes workers */
    unsigned active;           /* workers that joined the round and are not done (polled unlocked) */
    unsigned round;            /* polled unlocked by spinning workers */
    tc_work_fn fn;
    void *arg;
} tc_workers = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, .steered_from = TC_ALL_CPUS};

static pthread_once_t tc_workers_once = PTHREAD_ONCE_INIT;

/* How long a thread polls before it sleeps (see the top of this file). */
#define TC_SPIN_NS 200000

static inline uint64_t tc_now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Poll until *p != v (1), for at most TC_SPIN_NS (0). */
static int tc_spin_while_equal(const unsigned *p, unsigned v) {
    uint64_t end = tc_now_ns() + TC_SPIN_NS;
    for (unsigned i = 1;; i++) {
        if (__atomic_load_n(p, __ATOMIC_ACQUIRE) != v) return 1;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
        if (i % 64 == 0) {
            if (tc_now_ns() > end) return 0;
            sched_yield();
        }
    }
}

static void tc_workers_after_fork(void) {
    pthread_mutex_init(&tc_workers.mu, NULL);
    pthread_cond_init(&tc_workers.wake, NULL);
    pthread_cond_init(&tc_workers.idle, NULL);
    tc_workers.n_threads = tc_workers.in_use = tc_workers.wanted = tc_workers.open = tc_workers.active = 0;
    tc_workers.steered_from = TC_ALL_CPUS;
}

static void tc_workers_init(void) { pthread_atfork(NULL, NULL, tc_workers_after_fork); }

/* Make the pages of a new worker's caches resident before it joins a batch:
 * the slot its first vocabulary takes (2.5 MB), and the second-level piece
 * cache (thread_caches.h), mapped here rather than on its first piece, its
 * index (1 MB) and the first 1 MB of its arena. Touched as they come, these
 * pages fault one by one (a few microseconds each on a virtual machine) over
 * the worker's first batches, the index at random. 1 KB English documents,
 * 70 KB batches on two threads right after the pool started: the first three
 * took 4.6 ms (median of 7 fresh processes), 3.9 ms with the slot made
 * resident, 2.0 ms with the second-level cache as well. It costs the worker
 * about 1.5 ms once, while the caller, which never waits for it, has begun
 * the batch alone. The calling thread's caches still fault page by page: on
 * that thread the whole block at once cost a process's first call 5 ms. */
static void tc_workers_populate(void *p, size_t size) {
    size &= ~(size_t)4095;
#ifdef MADV_POPULATE_WRITE
    if (madvise(p, size, MADV_POPULATE_WRITE) == 0) return;
#endif
    for (size_t at = 0; at < size; at += 4096) ((volatile uint8_t *)p)[at] = 0;  /* fresh zero pages: unchanged */
}

static void tc_workers_prefault(tc_thread_caches *t) {
    tc_workers_populate(t, sizeof(t->slot[0]));
    if (!tc_big_of(&t->slot[0])) return;
    tc_workers_populate(t->slot[0].big, sizeof(tc_big_cache) + (sizeof(tc_big_slot) << t->slot[0].big->bits) + (1 << 20));
}

static void *tc_workers_thread(void *arg) {
    int index = (int)(intptr_t)arg;
    unsigned seen = 0;                          /* rounds are numbered from 1 */
    tc_thread_caches *caches = tc_thread_caches_get();  /* mapped now, so its first batch does not */
    if (caches) tc_workers_prefault(caches);
    pthread_mutex_lock(&tc_workers.mu);
    for (;;) {
        if (tc_workers.round == seen) {
            pthread_mutex_unlock(&tc_workers.mu);
            tc_spin_while_equal(&tc_workers.round, seen);
            pthread_mutex_lock(&tc_workers.mu);
        }
        while (tc_workers.round == seen) pthread_cond_wait(&tc_workers.wake, &tc_workers.mu);
        seen = tc_workers.round;
        if (index >= tc_workers.wanted || !tc_workers.open) continue;  /* too late: the batch is done */
        tc_work_fn fn = tc_workers.fn;
        void *work = tc_workers.arg;
        __atomic_store_n(&tc_workers.active, tc_workers.active + 1, __ATOMIC_RELAXED);
        pthread_mutex_unlock(&tc_workers.mu);
        fn(work);
        pthread_mutex_lock(&tc_workers.mu);
        /* Release: a caller that sees 0 without the lock also sees fn's writes. */
        unsigned left = tc_workers.active - 1;
        __atomic_store_n(&tc_workers.active, left, __ATOMIC_RELEASE);
        if (left == 0 && !tc_workers.open) pthread_cond_signal(&tc_workers.idle);
    }
    return NULL;
}

/* Keep the workers off the CPU the caller runs on, or give them every CPU back (TC_ALL_CPUS). Linux
 * may wake a thread onto the CPU of the thread that wakes it, and that CPU is busy: the caller
 * goes on with its own share. Then the two take turns until the scheduler next balances its
 * CPUs, milliseconds later. After a pause of 20 ms (a C program: a caller woke a worker and
 * spun while it did 3 ms of work), the worker shared the caller's CPU at the end of 20 rounds in
 * 30 and its 3 ms took 7 ms; kept off the caller's CPU, 0 rounds and 3.1 ms. A round of the pool
 * after a pause (a program's next long text or batch) lost most of its second thread that way.
 * The affinity is set only when the caller's CPU is not the one the workers were kept off
 * already, so a caller that stays on its CPU pays nothing per round. Called under the lock. */
static void tc_workers_steer(int to) {
    if (to == tc_workers.steered_from) return;
    cpu_set_t set;
    if (pthread_getaffinity_np(pthread_self(), sizeof set, &set)) return;
    if (to >= 0) {
        if (!CPU_ISSET(to, &set) || CPU_COUNT(&set) < 2) return;
        CPU_CLR(to, &set);
    }
    for (int i = 0; i < tc_workers.n_threads; i++) pthread_setaffinity_np(tc_workers.tids[i], sizeof set, &set);
    tc_workers.steered_from = to;
}

/* Start fn(arg) on up to `helpers` pool workers and return at once; the
 * number started, or -1 when the pool is busy (the caller then starts threads
 * of its own). Every start is followed by tc_workers_finish. */
static int tc_workers_start(tc_work_fn fn, void *arg, int helpers) {
    pthread_once(&tc_workers_once, tc_workers_init);
    pthread_mutex_lock(&tc_workers.mu);
    if (tc_workers.in_use) {
        pthread_mutex_unlock(&tc_workers.mu);
        return -1;
    }
    tc_workers.in_use = 1;
    if (helpers > TC_MAX_WORKERS) helpers = TC_MAX_WORKERS;
    while (tc_workers.n_threads < helpers) {
        pthread_t tid;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&tid, &attr, tc_workers_thread, (void *)(intptr_t)tc_workers.n_threads);
        pthread_attr_destroy(&attr);
        if (failed) break;
        tc_workers.tids[tc_workers.n_threads++] = tid;
        tc_workers.steered_from = TC_STEER_AGAIN;
    }
    tc_workers_steer(sched_getcpu());
    if (helpers > tc_workers.n_threads) helpers = tc_workers.n_threads;
    tc_workers.fn = fn;
    tc_workers.arg = arg;
    tc_workers.wanted = helpers;
    tc_workers.open = 1;
    __atomic_store_n(&tc_workers.round, tc_workers.round + 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&tc_workers.wake);
    pthread_mutex_unlock(&tc_workers.mu);
    return helpers;
}

/* Close the round tc_workers_start began and wait for the workers that
 * joined it; fn must by then have nothing left for a newcomer to do. */
static void tc_workers_finish(void) {
    pthread_mutex_lock(&tc_workers.mu);
    tc_workers.open = 0;
    if (tc_workers.active > 0) {
        /* A worker that joined is finishing its last chunk: poll for it
         * rather than sleep and be woken (no newcomer can join now). */
        pthread_mutex_unlock(&tc_workers.mu);
        uint64_t end = tc_now_ns() + TC_SPIN_NS;
        for (unsigned i = 1; __atomic_load_n(&tc_workers.active, __ATOMIC_ACQUIRE) > 0; i++) {
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
            if (i % 64 == 0) {
                if (tc_now_ns() > end) break;
                sched_yield();
            }
        }
        pthread_mutex_lock(&tc_workers.mu);
        /* Still running after the poll: it may be waiting for its CPU, which another process
         * holds, while this one is about to be free. Let it move here. */
        if (tc_workers.active > 0) tc_workers_steer(TC_ALL_CPUS);
    }
    while (tc_workers.active > 0) pthread_cond_wait(&tc_workers.idle, &tc_workers.mu);
    tc_workers.in_use = 0;
    pthread_mutex_unlock(&tc_workers.mu);
}

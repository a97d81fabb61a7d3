/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/percpu/common.h - what every per-CPU structure shares: the
 * per-CPU slot header, the choice between rseq and atomic mode, and the
 * "claim" protocol that lets a thread without rseq (or a thread acting on
 * another CPU's data) own one CPU's slot.  See docs/percpu.md for the
 * correctness argument and rseq_percpu(7)-style overview in
 * rseq_percpu_claim(3).
 *
 * Structures built on this:
 *   rseqkit/percpu/counter.h  rseqkit/percpu/lock.h   rseqkit/percpu/stack.h
 *   rseqkit/percpu/buffer.h   rseqkit/percpu/fifo.h   rseqkit/percpu/cache.h
 */
#ifndef RSEQKIT_PERCPU_COMMON_H
#define RSEQKIT_PERCPU_COMMON_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <rseqkit/rseq.h>
#include <rseqkit/pool.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The value a claimer stores in a slot's key word: no critical section
 * ever stores it, and every critical section fails its comparison on it.
 */
/* The structures' fast paths: always inlined into the caller. */
#define RSEQ_PERCPU_INLINE	static inline __attribute__((always_inline))

#define RSEQ_PERCPU_STOP	((intptr_t)-1)

/*
 * 1: the structures' fast paths use rseq critical sections (rseq works in
 * this process and membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ) is
 * registered, so non-rseq users can fence them); 0: every user takes the
 * atomic path.  Decided once, by rseq_percpu_init(), before the first
 * structure exists; never changes afterwards.
 */
extern int rseq_percpu_rseq_ok RSEQKIT_SYM(percpu_rseq_ok);

/* Per thread: non-zero when rseq_percpu_thread_disable_rseq(true) ran. */
extern __thread int rseq_percpu_thread_off RSEQKIT_SYM(percpu_thread_off)
	__attribute__((tls_model("initial-exec")));

/*
 * Make the calling thread take the non-rseq (claim / atomic) paths of
 * every structure (true), or the fast paths again (false).  For a thread
 * that must not run critical sections (a debugger or an emulator that
 * cannot restart them) and for tests of mixed processes.
 */
void rseq_percpu_thread_disable_rseq(bool off) RSEQKIT_SYM(percpu_thread_disable_rseq);

/*
 * Decide the mode (idempotent; every *_create() calls it).  Set
 * RSEQKIT_PERCPU_NO_MEMBARRIER=1 in the environment to force the atomic
 * mode (as on kernels without the membarrier rseq command).
 * Returns rseq_percpu_rseq_ok.
 */
int rseq_percpu_init(void) RSEQKIT_SYM(percpu_init);

/* Fence the critical sections on 'cpu' (-1: on every CPU). 0 or -1. */
int rseq_percpu_fence(int cpu) RSEQKIT_SYM(percpu_fence);

/* Start of every claimable per-CPU slot. */
struct rseq_percpu_slot {
	intptr_t word;		/* the key word critical sections commit to */
	intptr_t remote;	/* lock among claimers; rseq never touches it */
};

/*
 * rseq_percpu_base.fast: which fast path a structure's operations take,
 * fixed at creation.  RSEQ_PERCPU_FAST_CPU is the common case: rseq mode,
 * indexed by CPU number, and every CPU number the kernel can report has an
 * instance, so the index is rseq_cpu_start() (always a possible CPU)
 * without a range check, and the critical section's own comparison of
 * cpu_id with it stands for the "registered?" check (cpu_id is negative
 * when the thread has no working registration: the section aborts, and
 * the slow path sorts it out).
 */
#define RSEQ_PERCPU_FAST_CPU	 0	/* as above */
#define RSEQ_PERCPU_FAST_CHECKED 1	/* rseq mode, index checked (mm_cid,
					   or a pool without every CPU) */
#define RSEQ_PERCPU_FAST_NONE	 2	/* atomic mode: no critical sections */

/* A structure's view of its per-CPU item. */
struct rseq_percpu_base {
	/*
	 * 'base' while the plain fast path may be taken: the structure is
	 * RSEQ_PERCPU_FAST_CPU and no thread has rseq disabled
	 * (rseq_percpu_thread_disable_rseq() clears it in every structure
	 * while one has, under a global lock); NULL otherwise.  One load
	 * is both the mode check and the base address.
	 */
	char *fast_base;
	size_t stride;
	char *base;		/* CPU 0's instance */
	int nr;			/* instances: indexes 0 .. nr - 1 */
	enum rseq_percpu_mode mode;
	int fast;		/* RSEQ_PERCPU_FAST_* */
	struct rseq_mempool *pool;
	void *owned_pool;	/* the pool, when the structure created it */
	struct rseq_percpu_base *reg_prev, *reg_next;	/* all structures */
};

/*
 * The base for the plain fast path (index rseq_cpu_start(), sections of
 * the RSEQ_PERCPU_CPU_ID kind), or NULL: take rseq_percpu_fast_index().
 */
RSEQ_PERCPU_INLINE char *rseq_percpu_fast_base(const struct rseq_percpu_base *b)
{
	return __atomic_load_n(&b->fast_base, __ATOMIC_RELAXED);
}

RSEQ_PERCPU_INLINE void *rseq_percpu_slot_of(const struct rseq_percpu_base *b,
					int cpu)
{
	return b->base + (size_t)cpu * b->stride;
}

/*
 * The index this thread's critical sections use, or -1 when it has no
 * working registration.  (The section itself validates it.)
 */
RSEQ_PERCPU_INLINE int rseq_percpu_index(enum rseq_percpu_mode mode)
{
	int cpu = rseq_current_cpu_raw();

	if (mode == RSEQ_PERCPU_MM_CID && cpu >= 0)
		cpu = (int)rseq_current_mm_cid();
	return cpu;
}

/*
 * The fast-path index, or -1 for the slow path: atomic mode, no
 * registration, or an index outside the structure.
 */
RSEQ_PERCPU_INLINE int rseq_percpu_fast_index(const struct rseq_percpu_base *b)
{
	int cpu;

	if (rseq_unlikely(!rseq_percpu_rseq_ok || rseq_percpu_thread_off))
		return -1;
	cpu = rseq_percpu_index(b->mode);
	if (rseq_unlikely((unsigned int)cpu >= (unsigned int)b->nr))
		return -1;
	return cpu;
}

/* Flags of rseq_percpu_claim(). */
#define RSEQ_PERCPU_CLAIM_ZERO	0x1	/* wait until the word is 0 (a lock) */
#define RSEQ_PERCPU_CLAIM_LOCK	0x2	/* drop 'remote' once claimed */

/*
 * Own slot 'cpu' of b: stores RSEQ_PERCPU_STOP into its key word so that
 * no critical section commits to the slot until rseq_percpu_release(),
 * and returns the word's previous value.  Waits (never for ever: only
 * for another claimer, or a lock holder with CLAIM_ZERO).
 */
intptr_t rseq_percpu_claim(const struct rseq_percpu_base *b, int cpu,
			   int flags) RSEQKIT_SYM(percpu_claim);
/* Give the slot back with 'word' as its new key word. */
void rseq_percpu_release(const struct rseq_percpu_base *b, int cpu,
			 intptr_t word) RSEQKIT_SYM(percpu_release);

/*
 * The slow paths' choice of slot: the index of a registered thread, else
 * sched_getcpu(), folded into 0 .. nr - 1.  *registered says whether a
 * critical section may be tried (registers the thread on first use).
 */
int rseq_percpu_slow_index(const struct rseq_percpu_base *b, bool *registered) RSEQKIT_SYM(percpu_slow_index);

/* Back off while waiting for a claimer (a pause, then sched_yield()). */
void rseq_percpu_backoff(unsigned int *n) RSEQKIT_SYM(percpu_backoff);

/* Internal: set up / tear down b over pool (NULL: a private pool). */
int rseq_percpu_base_init(struct rseq_percpu_base *b,
			  struct rseq_mempool *pool, size_t item_len,
			  const char *name) RSEQKIT_SYM(percpu_base_init);
void rseq_percpu_base_fini(struct rseq_percpu_base *b) RSEQKIT_SYM(percpu_base_fini);

#ifdef __cplusplus
}
#endif

#endif /* RSEQKIT_PERCPU_COMMON_H */

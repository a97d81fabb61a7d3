/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/percpu/common.h - what every per-CPU structure shares: the
 * per-CPU slot header, the choice between rseq and atomic mode, and what
 * the inline fast paths read.  Overview: rseq_percpu_init(3); the
 * correctness argument: docs/percpu.md; signal handlers and fork():
 * docs/safety.md.
 *
 * Structures built on this (one header and one source file each):
 *   rseqkit/percpu/counter.h  rseqkit/percpu/lock.h   rseqkit/percpu/stack.h
 *   rseqkit/percpu/buffer.h   rseqkit/percpu/fifo.h   rseqkit/percpu/cache.h
 */
#ifndef RSEQKIT_PERCPU_COMMON_H
#define RSEQKIT_PERCPU_COMMON_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <rseqkit/rseq.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rseq_mempool;

/* The structures' fast paths: always inlined into the caller. */
#define RSEQ_PERCPU_INLINE	static inline __attribute__((always_inline))

/*
 * The value a claim stores in a slot's key word: no critical section
 * ever stores it, and every critical section fails its comparison on it.
 */
#define RSEQ_PERCPU_STOP	((intptr_t)-1)

/*
 * 1: the structures' fast paths use rseq critical sections (rseq works in
 * this process and membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ) is
 * registered, so non-rseq users can fence them); 0: every user takes the
 * atomic path.  Decided once, by rseq_percpu_init(), before the first
 * structure exists; never changes afterwards.  Read by the inline paths.
 */
extern int rseq_percpu_rseq_ok RSEQKIT_SYM(percpu_rseq_ok);

/* Per thread: non-zero while rseq_percpu_thread_without_rseq(true) holds. */
extern __thread int rseq_percpu_thread_off RSEQKIT_SYM(percpu_thread_off)
	__attribute__((tls_model("initial-exec")));

/*
 * Decide the mode (idempotent; every *_create() calls it).  Set
 * RSEQKIT_PERCPU_NO_MEMBARRIER=1 in the environment to force the atomic
 * mode (as on kernels without the membarrier rseq command).
 * Returns rseq_percpu_rseq_ok.
 */
int rseq_percpu_init(void) RSEQKIT_SYM(percpu_init);

/*
 * true: the calling thread stops running critical sections on the
 * structures (it takes the claim paths: for a debugger, an emulator, a
 * thread that must not be restarted); false: it uses them again.
 * PROCESS-WIDE COST: while any thread is in this state, every thread of
 * the process takes the checked fast path of every structure (a few
 * loads more per operation; measured by 'make bench', group
 * "percpu-mixed"), because the plain fast path cannot see the other
 * threads' state.  0, or -1 with errno.  Not async-signal-safe.
 */
int rseq_percpu_thread_without_rseq(bool on) RSEQKIT_SYM(percpu_thread_without_rseq);

/* The name of rseq_percpu_thread_without_rseq() in rseqkit 0.1. */
static inline void rseq_percpu_thread_disable_rseq(bool off)
{
	(void)rseq_percpu_thread_without_rseq(off);
}

/*
 * Start of every claimable per-CPU slot.  'word' is the key word every
 * critical section of the structure compares (lock word, stack head,
 * buffer count, FIFO state); the other two belong to claimers.
 */
struct rseq_percpu_slot {
	intptr_t word;		/* the key word critical sections commit to */
	uintptr_t owner;	/* 0, or the claiming thread's token */
	intptr_t saved;		/* the key word before the current claim */
};

/*
 * A structure's view of its per-CPU items: what the inline fast paths
 * read, the library's private part, and room to grow.  Never read or
 * write these fields: use the structures' functions and accessors
 * (rseq_percpu_<structure>_nr_cpus() ...).
 */
struct rseq_percpu_base {
	/*
	 * 'base' while the plain fast path may be taken (rseq mode, a
	 * CPU-indexed pool that covers every possible CPU, and no thread
	 * in rseq_percpu_thread_without_rseq()); NULL otherwise.  One load
	 * is both the mode check and the base address.
	 */
	char *fast_base;
	char *base;		/* index 0's instance */
	size_t stride;		/* distance between two indexes' instances */
	int nr;			/* instances: indexes 0 .. nr - 1 */
	enum rseq_percpu_mode mode;
	void *priv;		/* the library's part */
	uintptr_t reserved[3];
};

/*
 * The helpers of the inline fast paths.  The base for the plain fast
 * path (index rseq_cpu_start(), sections of the RSEQ_PERCPU_CPU_ID kind),
 * or NULL: take rseq_percpu_fast_index().
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

#ifdef __cplusplus
}
#endif

#endif /* RSEQKIT_PERCPU_COMMON_H */

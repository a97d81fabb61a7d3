/* SPDX-License-Identifier: MIT */
/*
 * src/percpu_common.c - the mode decision, membarrier fences and the claim
 * protocol shared by the per-CPU structures (rseqkit/percpu/common.h).
 * The argument for why claims and critical sections cannot corrupt each
 * other is in docs/percpu.md.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <rseqkit/percpu/common.h>
#include "internal.h"

RSEQKIT_EXPORT int rseq_percpu_rseq_ok;

static pthread_once_t percpu_once = PTHREAD_ONCE_INIT;

static long sys_membarrier(int cmd, unsigned int flags, int cpu)
{
#ifdef SYS_membarrier
	return syscall(SYS_membarrier, cmd, flags, cpu);
#else
	(void)cmd; (void)flags; (void)cpu;
	errno = ENOSYS;
	return -1;
#endif
}

static void percpu_decide(void)
{
	const char *e = getenv("RSEQKIT_PERCPU_NO_MEMBARRIER");

	if (!rseq_available())
		return;
	if (e && *e && strcmp(e, "0"))
		return;
	if (sys_membarrier(RSEQKIT_MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0))
		return;
	rseq_percpu_rseq_ok = 1;
}

RSEQKIT_EXPORT int rseq_percpu_init(void)
{
	pthread_once(&percpu_once, percpu_decide);
	return rseq_percpu_rseq_ok;
}

RSEQKIT_EXPORT int rseq_percpu_fence(int cpu)
{
	if (!rseq_percpu_rseq_ok)
		return 0;	/* no critical sections to fence */
	if (cpu >= 0) {
		if (!sys_membarrier(RSEQKIT_MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ,
				    RSEQKIT_MEMBARRIER_CMD_FLAG_CPU, cpu))
			return 0;
		if (errno == ENXIO)
			return 0;	/* no such CPU online: nothing runs there */
	}
	if (!sys_membarrier(RSEQKIT_MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 0, 0))
		return 0;
	return rseqkit_fail(errno, "membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ) failed");
}

RSEQKIT_EXPORT void rseq_percpu_backoff(unsigned int *n)
{
	if (*n < 64) {
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#else
		rseq_barrier();
#endif
		(*n)++;
	} else {
		sched_yield();
	}
}

RSEQKIT_EXPORT intptr_t rseq_percpu_claim(const struct rseq_percpu_base *b,
					  int cpu, int flags)
{
	struct rseq_percpu_slot *s = rseq_percpu_slot_of(b, cpu);
	unsigned int n = 0;
	intptr_t v, zero;

	/* Claimers take turns: only one of them installs STOP at a time. */
	for (;;) {
		zero = 0;
		if (__atomic_compare_exchange_n(&s->remote, &zero, 1, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			break;
		rseq_percpu_backoff(&n);
	}
	n = 0;
	for (;;) {
		v = __atomic_load_n(&s->word, __ATOMIC_RELAXED);
		if (v == RSEQ_PERCPU_STOP ||
		    ((flags & RSEQ_PERCPU_CLAIM_ZERO) && v != 0)) {
			rseq_percpu_backoff(&n);
			continue;
		}
		if (!__atomic_compare_exchange_n(&s->word, &v, RSEQ_PERCPU_STOP,
						 false, __ATOMIC_SEQ_CST,
						 __ATOMIC_RELAXED))
			continue;
		if (!rseq_percpu_rseq_ok)
			break;
		/*
		 * A critical section that read the word before our CAS may
		 * still commit over STOP.  After the fence no such section
		 * is in flight, and none can start that would commit on STOP:
		 * if STOP is still there, the slot is ours.
		 */
		while (rseq_percpu_fence(b->mode == RSEQ_PERCPU_MM_CID ? -1 : cpu))
			sched_yield();
		if (__atomic_load_n(&s->word, __ATOMIC_ACQUIRE) == RSEQ_PERCPU_STOP)
			break;
	}
	if (flags & RSEQ_PERCPU_CLAIM_LOCK)
		__atomic_store_n(&s->remote, 0, __ATOMIC_RELEASE);
	return v;
}

RSEQKIT_EXPORT void rseq_percpu_release(const struct rseq_percpu_base *b,
					int cpu, intptr_t word)
{
	struct rseq_percpu_slot *s = rseq_percpu_slot_of(b, cpu);

	__atomic_store_n(&s->word, word, __ATOMIC_RELEASE);
	__atomic_store_n(&s->remote, 0, __ATOMIC_RELEASE);
}

static __thread int percpu_register_tried;

RSEQKIT_EXPORT int rseq_percpu_slow_index(const struct rseq_percpu_base *b,
					  bool *registered)
{
	int cpu;

	*registered = false;
	if (rseq_percpu_rseq_ok) {
		cpu = rseq_percpu_index(b->mode);
		if (cpu < 0 && !percpu_register_tried) {
			percpu_register_tried = 1;
			if (rseq_register_current_thread() == 0)
				cpu = rseq_percpu_index(b->mode);
		}
		if (cpu >= 0 && cpu < b->nr) {
			*registered = true;
			return cpu;
		}
	}
	cpu = sched_getcpu();
	if (cpu < 0)
		cpu = 0;
	return (int)((unsigned int)cpu % (unsigned int)b->nr);
}

RSEQKIT_EXPORT int rseq_percpu_base_init(struct rseq_percpu_base *b,
					 struct rseq_mempool *pool,
					 size_t item_len, const char *name)
{
	struct rseq_mempool_stats st;

	rseq_percpu_init();
	memset(b, 0, sizeof(*b));
	if (!pool) {
		struct rseq_mempool_attr a = { 0 };
		size_t page = (size_t)sysconf(_SC_PAGESIZE);

		a.stride = (item_len + page - 1) / page * page;
		pool = rseq_mempool_create(name, item_len, &a);
		if (!pool)
			return -1;
		b->owned_pool = pool;
	}
	if (rseq_mempool_get_stats(pool, &st) || st.item_len < item_len) {
		rseq_percpu_base_fini(b);
		return rseqkit_fail(EINVAL, "the pool's items are too small for this structure");
	}
	b->base = rseq_mempool_percpu_zmalloc(pool);
	if (!b->base) {
		rseq_percpu_base_fini(b);
		return -1;
	}
	b->pool = pool;
	b->stride = st.stride;
	b->nr = st.nr_cpus;
	b->mode = rseq_mempool_percpu_mode(pool);
	return 0;
}

RSEQKIT_EXPORT void rseq_percpu_base_fini(struct rseq_percpu_base *b)
{
	if (b->base && b->pool)
		rseq_mempool_percpu_free(b->pool, b->base);
	if (b->owned_pool)
		rseq_mempool_destroy(b->owned_pool);
	b->base = NULL;
	b->owned_pool = NULL;
}

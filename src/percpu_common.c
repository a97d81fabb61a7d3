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
RSEQKIT_EXPORT __thread int rseq_percpu_thread_off
	__attribute__((tls_model("initial-exec")));

/*
 * Every structure, so that fast_base can be cleared in all of them while
 * some thread has rseq disabled (the fast paths then need no per-thread
 * check), and set again afterwards.  Under reg_lock: the list, the count
 * of disabled threads, and every write of fast_base.
 */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rseq_percpu_base *reg_head;
static int reg_threads_off;

static void reg_set_fast(struct rseq_percpu_base *b)
{
	char *fb = b->fast == RSEQ_PERCPU_FAST_CPU && !reg_threads_off ? b->base : NULL;

	__atomic_store_n(&b->fast_base, fb, __ATOMIC_RELAXED);
}

static void reg_add(struct rseq_percpu_base *b)
{
	pthread_mutex_lock(&reg_lock);
	b->reg_prev = NULL;
	b->reg_next = reg_head;
	if (reg_head)
		reg_head->reg_prev = b;
	reg_head = b;
	reg_set_fast(b);
	pthread_mutex_unlock(&reg_lock);
}

static void reg_del(struct rseq_percpu_base *b)
{
	pthread_mutex_lock(&reg_lock);
	if (b->reg_prev)
		b->reg_prev->reg_next = b->reg_next;
	else if (reg_head == b)
		reg_head = b->reg_next;
	if (b->reg_next)
		b->reg_next->reg_prev = b->reg_prev;
	b->reg_prev = b->reg_next = NULL;
	__atomic_store_n(&b->fast_base, NULL, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&reg_lock);
}

/*
 * The calling thread's flag and the count.  Only the thread itself must
 * see that it is disabled, and it does: it cleared fast_base everywhere
 * (or found it cleared) before it returns from here, in program order.
 */
static void set_thread_off(int off)
{
	pthread_mutex_lock(&reg_lock);
	if (off != rseq_percpu_thread_off) {
		rseq_percpu_thread_off = off;
		reg_threads_off += off ? 1 : -1;
		if (reg_threads_off == (off ? 1 : 0))
			for (struct rseq_percpu_base *b = reg_head; b; b = b->reg_next)
				reg_set_fast(b);
	}
	pthread_mutex_unlock(&reg_lock);
}

static pthread_once_t off_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t off_key;
static int off_key_ok;

/* A thread that exits with rseq disabled no longer counts. */
static void off_thread_exit(void *arg)
{
	(void)arg;
	set_thread_off(0);
}

static void off_key_create(void)
{
	off_key_ok = !pthread_key_create(&off_key, off_thread_exit);
}

RSEQKIT_EXPORT void rseq_percpu_thread_disable_rseq(bool off)
{
	if (off) {
		pthread_once(&off_key_once, off_key_create);
		if (off_key_ok)
			pthread_setspecific(off_key, (void *)1);
	}
	set_thread_off(off ? 1 : 0);
}

static pthread_once_t percpu_once = PTHREAD_ONCE_INIT;

#define RSEQKIT_PERCPU_MAX_CPUS	8192

/* Highest possible CPU + 1 of the system, and which are possible. */
static int sys_nr_cpus;
static unsigned char *sys_possible;

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
	unsigned char *mask = rseqkit_ialloc(RSEQKIT_PERCPU_MAX_CPUS);

	if (mask) {
		int n = rseq_possible_cpus(mask, RSEQKIT_PERCPU_MAX_CPUS);

		if (n > 0) {
			sys_nr_cpus = n;
			sys_possible = mask;
		} else {
			rseqkit_ifree(mask);
		}
	}
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
	if (rseq_percpu_rseq_ok && !rseq_percpu_thread_off) {
		cpu = rseq_percpu_index(b->mode);
		if (cpu < 0 && !percpu_register_tried) {
			percpu_register_tried = 1;
			if (rseqkit_register_implicit() == 0)
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

/*
 * RSEQ_PERCPU_FAST_CPU only when any CPU number the kernel may report
 * (cpu_id_start: a possible CPU) has an instance in the pool.
 */
static int percpu_fast_kind(const struct rseq_percpu_base *b)
{
	if (!rseq_percpu_rseq_ok)
		return RSEQ_PERCPU_FAST_NONE;
	if (b->mode != RSEQ_PERCPU_CPU_ID || !sys_possible || sys_nr_cpus > b->nr)
		return RSEQ_PERCPU_FAST_CHECKED;
	for (int cpu = 0; cpu < sys_nr_cpus; cpu++)
		if (sys_possible[cpu] && !rseq_mempool_cpu_possible(b->pool, cpu))
			return RSEQ_PERCPU_FAST_CHECKED;
	return RSEQ_PERCPU_FAST_CPU;
}

RSEQKIT_EXPORT int rseq_percpu_base_init(struct rseq_percpu_base *b,
					 struct rseq_mempool *pool,
					 size_t item_len, const char *name)
{
	struct rseq_mempool_stats st;

	rseq_percpu_init();
	memset(b, 0, sizeof(*b));
	if (!pool) {
		struct rseq_mempool_attr *a = rseq_mempool_attr_create();
		size_t stride = (size_t)sysconf(_SC_PAGESIZE);

		while (stride < item_len && stride <= SIZE_MAX / 2)
			stride <<= 1;	/* a power of two that holds the item */
		if (!a || rseq_mempool_attr_set_percpu(a, stride, 0) ||
		    rseq_mempool_attr_set_populate_policy(a, RSEQ_MEMPOOL_POPULATE_COW_ZERO))
			pool = NULL;
		else
			pool = rseq_mempool_create(name, item_len, a);
		rseq_mempool_attr_destroy(a);
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
	b->fast = percpu_fast_kind(b);
	reg_add(b);
	return 0;
}

RSEQKIT_EXPORT void rseq_percpu_base_fini(struct rseq_percpu_base *b)
{
	if (b->base)
		reg_del(b);	/* a no-op when it was never added */
	if (b->base && b->pool)
		rseq_mempool_percpu_free(b->base, b->stride);
	if (b->owned_pool)
		rseq_mempool_destroy(b->owned_pool);
	b->base = NULL;
	b->owned_pool = NULL;
}

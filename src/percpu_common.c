/* SPDX-License-Identifier: MIT */
/*
 * src/percpu_common.c - what the per-CPU structures share
 * (rseqkit/percpu/common.h, the internal part in src/internal.h): the mode
 * decision, membarrier fences, the registry of structures, the claim
 * protocol, creation, and the structures' fork() handlers.  The argument
 * for why claims and critical sections cannot corrupt each other is in
 * docs/percpu.md; signal handlers and fork() in docs/safety.md.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <rseqkit/pool.h>
#include "internal.h"

RSEQKIT_EXPORT int rseq_percpu_rseq_ok;
RSEQKIT_EXPORT __thread int rseq_percpu_thread_off
	__attribute__((tls_model("initial-exec")));

/* ------------------------------------------------------------------ */
/* The mode, and fences                                                 */

#define RSEQKIT_PERCPU_MAX_CPUS	8192

static pthread_once_t percpu_once = PTHREAD_ONCE_INIT;
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

/*
 * A fence failure that will not go away (membarrier denied by a seccomp
 * filter installed after the mode was chosen, or gone): every later
 * claim fails at once with this errno instead of calling again.
 */
static int fence_broken;

RSEQKIT_HIDDEN int rseq_percpu_fence(int cpu)
{
	int err = __atomic_load_n(&fence_broken, __ATOMIC_RELAXED);

	if (!rseq_percpu_rseq_ok)
		return 0;	/* no critical sections to fence */
	if (err)
		return rseqkit_fail(err, "membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ) is denied to this process since the per-CPU structures chose rseq mode: only threads with rseq can use them now (remote operations fail)");
	if (cpu >= 0) {
		if (!sys_membarrier(RSEQKIT_MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ,
				    RSEQKIT_MEMBARRIER_CMD_FLAG_CPU, cpu))
			return 0;
		if (errno == ENXIO)
			return 0;	/* no such CPU online: nothing runs there */
	}
	if (!sys_membarrier(RSEQKIT_MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 0, 0))
		return 0;
	err = errno;
	if (err == EPERM || err == ENOSYS || err == EINVAL || err == EACCES)
		__atomic_store_n(&fence_broken, err, __ATOMIC_RELAXED);
	return rseqkit_fail(err, "membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ) failed: the slot could not be claimed");
}

/* ------------------------------------------------------------------ */
/* The registry                                                         */

/*
 * Every structure, so that fast_base can be cleared in all of them while
 * some thread is without rseq (the fast paths then need no per-thread
 * check), and set again afterwards; and so that the fork handlers reach
 * them.  Under reg_lock: the list, the count of such threads, and every
 * write of fast_base.
 */
static struct rseqkit_lock reg_lock = RSEQKIT_LOCK_INIT;
static struct rseq_percpu_base *reg_head;
static int reg_threads_off;

static int reg_acquire(void)
{
	return rseqkit_lock_acquire(&reg_lock, RSEQKIT_LEVEL_REGISTRY);
}

static void reg_release(void)
{
	rseqkit_lock_release(&reg_lock, RSEQKIT_LEVEL_REGISTRY);
}

static void reg_set_fast(struct rseq_percpu_base *b)
{
	char *fb = rseqkit_percpu_priv(b)->fast == RSEQ_PERCPU_FAST_CPU &&
		   !reg_threads_off ? b->base : NULL;

	__atomic_store_n(&b->fast_base, fb, __ATOMIC_RELAXED);
}

static void reg_add(struct rseq_percpu_base *b)
{
	struct rseqkit_percpu_priv *p = rseqkit_percpu_priv(b);

	p->reg_prev = NULL;
	p->reg_next = reg_head;
	if (reg_head)
		rseqkit_percpu_priv(reg_head)->reg_prev = b;
	reg_head = b;
	reg_set_fast(b);
}

static void reg_del(struct rseq_percpu_base *b)
{
	struct rseqkit_percpu_priv *p = rseqkit_percpu_priv(b);

	if (p->reg_prev)
		rseqkit_percpu_priv(p->reg_prev)->reg_next = p->reg_next;
	else if (reg_head == b)
		reg_head = p->reg_next;
	if (p->reg_next)
		rseqkit_percpu_priv(p->reg_next)->reg_prev = p->reg_prev;
	p->reg_prev = p->reg_next = NULL;
	__atomic_store_n(&b->fast_base, NULL, __ATOMIC_RELAXED);
}

/*
 * The calling thread's flag and the count.  Only the thread itself must
 * see that it is without rseq, and it does: it cleared fast_base
 * everywhere (or found it cleared) before it returns from here.
 */
static int set_thread_off(int off)
{
	if (reg_acquire())
		return -1;
	if (off != rseq_percpu_thread_off) {
		rseq_percpu_thread_off = off;
		reg_threads_off += off ? 1 : -1;
		if (reg_threads_off == (off ? 1 : 0))
			for (struct rseq_percpu_base *b = reg_head; b;
			     b = rseqkit_percpu_priv(b)->reg_next)
				reg_set_fast(b);
	}
	reg_release();
	return 0;
}

static pthread_once_t off_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t off_key;
static int off_key_ok;

/* A thread that exits without rseq no longer counts. */
static void off_thread_exit(void *arg)
{
	(void)arg;
	set_thread_off(0);
}

static void off_key_create(void)
{
	off_key_ok = !pthread_key_create(&off_key, off_thread_exit);
}

RSEQKIT_EXPORT int rseq_percpu_thread_without_rseq(bool on)
{
	if (on) {
		pthread_once(&off_key_once, off_key_create);
		if (!off_key_ok || pthread_setspecific(off_key, (void *)1))
			return rseqkit_fail(ENOMEM, "no thread-specific key for the exit of a thread without rseq");
	}
	return set_thread_off(on ? 1 : 0);
}

/* ------------------------------------------------------------------ */
/* Claims                                                               */

static struct rseq_percpu_slot *slot(const struct rseq_percpu_base *b, int cpu)
{
	return (struct rseq_percpu_slot *)rseq_percpu_slot_of(b, cpu);
}

/*
 * Take the slot's claimer word: 0, or -1 with errno EAGAIN (both when it
 * is this thread's own claim and when this thread may not wait).
 */
static int claim_owner(struct rseq_percpu_slot *s)
{
	if (!rseqkit_owner_acquire(&s->owner, RSEQKIT_LEVEL_CLAIM,
			"the slot is claimed by the code this signal handler interrupted",
			"the slot is claimed by another thread, and a signal handler that interrupted rseqkit must not wait"))
		return 0;
	errno = EAGAIN;
	return -1;
}

static void drop_owner(struct rseq_percpu_slot *s)
{
	rseqkit_owner_release(&s->owner, RSEQKIT_LEVEL_CLAIM);
}

RSEQKIT_HIDDEN intptr_t rseq_percpu_claim(const struct rseq_percpu_base *b,
					  int cpu, int flags)
{
	struct rseq_percpu_slot *s = slot(b, cpu);
	intptr_t v;

	if (claim_owner(s))
		return RSEQ_PERCPU_STOP;
	for (;;) {
		v = __atomic_load_n(&s->word, __ATOMIC_RELAXED);
		if ((flags & RSEQ_PERCPU_CLAIM_ZERO) && v != 0) {
			drop_owner(s);
			rseqkit_fail(EBUSY, "the lock is held");
			return RSEQ_PERCPU_STOP;
		}
		/* Claimers take turns: a claim's STOP is never there now. */
		__atomic_store_n(&s->saved, v, __ATOMIC_RELAXED);
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
		if (rseq_percpu_fence(b->mode == RSEQ_PERCPU_MM_CID ? -1 : cpu)) {
			int err = errno;
			intptr_t stop = RSEQ_PERCPU_STOP;

			/* Put v back unless a section overwrote STOP. */
			__atomic_compare_exchange_n(&s->word, &stop, v, false,
						    __ATOMIC_RELEASE, __ATOMIC_RELAXED);
			drop_owner(s);
			errno = err;
			return RSEQ_PERCPU_STOP;
		}
		if (__atomic_load_n(&s->word, __ATOMIC_ACQUIRE) == RSEQ_PERCPU_STOP)
			break;
	}
	return v;
}

RSEQKIT_HIDDEN void rseq_percpu_release(const struct rseq_percpu_base *b,
					int cpu, intptr_t word)
{
	struct rseq_percpu_slot *s = slot(b, cpu);

	__atomic_store_n(&s->word, word, __ATOMIC_RELEASE);
	drop_owner(s);
}

RSEQKIT_HIDDEN int rseq_percpu_claim_any(const struct rseq_percpu_base *b, int cpu,
		bool (*want)(const struct rseq_percpu_base *b, intptr_t word),
		intptr_t *prev)
{
	intptr_t v = rseq_percpu_claim(b, cpu, 0);
	int err;

	if (v != RSEQ_PERCPU_STOP || errno != EAGAIN) {
		*prev = v;
		return v == RSEQ_PERCPU_STOP ? -1 : cpu;
	}
	/* Busy where this thread may not wait: any other slot that is free. */
	err = errno;
	for (int i = 1; i < b->nr; i++) {
		int c = (cpu + i) % b->nr;
		intptr_t w = RSEQ_READ_ONCE(slot(b, c)->word);

		if (w == RSEQ_PERCPU_STOP || (want && !want(b, w)))
			continue;
		v = rseq_percpu_claim(b, c, 0);
		if (v == RSEQ_PERCPU_STOP) {
			if (errno != EAGAIN)
				return -1;
			continue;
		}
		if (!want || want(b, v)) {
			*prev = v;
			return c;
		}
		rseq_percpu_release(b, c, v);
	}
	return rseqkit_fail(err, "every slot is busy, and a signal handler that interrupted rseqkit must not wait: retry outside the handler");
}

RSEQKIT_HIDDEN int rseq_percpu_wait_claimer(const struct rseq_percpu_base *b,
					    int cpu, unsigned int *n)
{
	if (!rseqkit_may_wait(RSEQKIT_LEVEL_CLAIM) ||
	    RSEQ_READ_ONCE(slot(b, cpu)->owner) == rseqkit_token())
		return rseqkit_fail(EAGAIN, "the slot is claimed, and a signal handler that interrupted rseqkit must not wait");
	rseq_percpu_backoff(n);
	return 0;
}

RSEQKIT_HIDDEN intptr_t rseqkit_percpu_slow(const struct rseq_percpu_base *b,
					    const struct rseqkit_slow_op *op,
					    void *arg, intptr_t fail)
{
	unsigned int n = 0;
	intptr_t result, word;

	for (int tries = 0;;) {
		bool reg;
		int cpu = rseq_percpu_slow_index(b, &reg), c;

		if (reg && tries < RSEQKIT_PERCPU_TRIES) {
			switch (op->section(b, cpu, arg, &result)) {
			case RSEQKIT_SLOW_DONE:
				return result;
			case RSEQKIT_SLOW_ABORTED:
				tries++;
				continue;
			case RSEQKIT_SLOW_RETRY:
				continue;
			case RSEQKIT_SLOW_CLAIMED:
				if (!rseq_percpu_wait_claimer(b, cpu, &n))
					continue;
				break;	/* may not wait: claim another slot */
			}
		}
		c = rseq_percpu_claim_any(b, cpu, op->want, &word);
		if (c < 0)
			return fail;
		return op->claimed(b, c, word, arg);
	}
}

/*
 * A thread that never registered is registered on its first slow path
 * (once: rseqkit_register_implicit() never re-registers a thread that
 * unregistered, docs/registration.md).
 */
static __thread int percpu_register_tried
	__attribute__((tls_model("initial-exec")));

RSEQKIT_HIDDEN int rseq_percpu_slow_index(const struct rseq_percpu_base *b,
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

RSEQKIT_HIDDEN int rseqkit_percpu_check_cpu(const struct rseq_percpu_base *b, int cpu)
{
	if (cpu < 0 || cpu >= b->nr)
		return rseqkit_fail(EINVAL, "no such CPU slot: the index must be from 0 to nr_cpus - 1");
	return 0;
}

/* ------------------------------------------------------------------ */
/* fork()                                                               */

/* A claim of a thread that is not in the child: undo it. */
static void claimable_child_slot(struct rseq_percpu_base *b, int cpu)
{
	struct rseq_percpu_slot *s = slot(b, cpu);

	if (!s->owner || s->owner == rseqkit_token())
		return;
	if (s->word == RSEQ_PERCPU_STOP)
		s->word = s->saved;
	s->owner = 0;
}

const struct rseqkit_percpu_kind rseqkit_percpu_kind_claimable = {
	.name = "claimable",
	.child_slot = claimable_child_slot,
};

/* Set only while this process's prepare handler holds the locks. */
static bool fork_prepared;

static void structures_fork_prepare(void)
{
	if (reg_acquire())
		return;	/* fork() from a handler that interrupted the registry */
	fork_prepared = true;
	for (struct rseq_percpu_base *b = reg_head; b; b = rseqkit_percpu_priv(b)->reg_next) {
		const struct rseqkit_percpu_kind *k = rseqkit_percpu_priv(b)->kind;

		if (k && k->fork_prepare)
			k->fork_prepare(b);
	}
}

static void structures_fork_parent(void)
{
	if (!fork_prepared)
		return;
	for (struct rseq_percpu_base *b = reg_head; b; b = rseqkit_percpu_priv(b)->reg_next) {
		const struct rseqkit_percpu_kind *k = rseqkit_percpu_priv(b)->kind;

		if (k && k->fork_parent)
			k->fork_parent(b);
	}
	fork_prepared = false;
	reg_release();
}

/*
 * The child has one thread, the one that forked.  Claims and locks of
 * the others are undone, and only this thread's own rseq state counts.
 */
static void structures_fork_child(void)
{
	if (!fork_prepared)
		return;
	reg_threads_off = rseq_percpu_thread_off ? 1 : 0;
	for (struct rseq_percpu_base *b = reg_head; b; b = rseqkit_percpu_priv(b)->reg_next) {
		const struct rseqkit_percpu_kind *k = rseqkit_percpu_priv(b)->kind;

		if (k && k->child_slot)
			for (int cpu = 0; cpu < b->nr; cpu++)
				k->child_slot(b, cpu);
		if (k && k->fork_child)
			k->fork_child(b);
		reg_set_fast(b);
	}
	fork_prepared = false;
	reg_release();
}

static const struct rseqkit_fork_hook structures_fork_hook = {
	.prepare = structures_fork_prepare,
	.parent = structures_fork_parent,
	.child = structures_fork_child,
};

static pthread_once_t fork_hook_once = PTHREAD_ONCE_INIT;

static void fork_hook_register(void)
{
	rseqkit_fork_register(RSEQKIT_FORK_STRUCTURES, &structures_fork_hook);
}

/* ------------------------------------------------------------------ */
/* Creation                                                             */

/*
 * RSEQ_PERCPU_FAST_CPU only when any CPU number the kernel may report
 * (cpu_id_start: a possible CPU) has an instance in the pool.
 */
static int percpu_fast_kind(const struct rseq_percpu_base *b, struct rseq_mempool *pool)
{
	if (!rseq_percpu_rseq_ok)
		return RSEQ_PERCPU_FAST_NONE;
	if (b->mode != RSEQ_PERCPU_CPU_ID || !sys_possible || sys_nr_cpus > b->nr)
		return RSEQ_PERCPU_FAST_CHECKED;
	for (int cpu = 0; cpu < sys_nr_cpus; cpu++)
		if (sys_possible[cpu] && !rseq_mempool_cpu_possible(pool, cpu))
			return RSEQ_PERCPU_FAST_CHECKED;
	return RSEQ_PERCPU_FAST_CPU;
}

/*
 * Items bigger than this are refused (EINVAL) before anything is
 * allocated: far more than any structure needs per CPU, and small enough
 * that page rounding and the pool's nr_cpus * stride cannot wrap.
 */
#define RSEQKIT_PERCPU_MAX_ITEM	((size_t)1 << (sizeof(size_t) == 8 ? 36 : 24))

/*
 * A private pool for items of item_len bytes: the stride is the smallest
 * power of two of at least a page that holds one (item_len is bounded
 * above, so the doubling ends), and untouched instances stay the shared
 * zero page.
 */
static struct rseq_mempool *private_pool(size_t item_len, const char *name)
{
	struct rseq_mempool_attr *a = rseq_mempool_attr_create();
	size_t stride = (size_t)sysconf(_SC_PAGESIZE);
	struct rseq_mempool *pool = NULL;

	while (stride < item_len)
		stride <<= 1;
	if (a && !rseq_mempool_attr_set_percpu(a, stride, 0) &&
	    !rseq_mempool_attr_set_populate_policy(a, RSEQ_MEMPOOL_POPULATE_COW_ZERO))
		pool = rseq_mempool_create(name, item_len, a);
	rseq_mempool_attr_destroy(a);
	return pool;
}

RSEQKIT_HIDDEN int rseqkit_percpu_base_init_kind(struct rseq_percpu_base *b,
		struct rseq_mempool *pool, size_t item_len, const char *name,
		const struct rseqkit_percpu_kind *kind)
{
	struct rseq_mempool_stats st;
	struct rseqkit_percpu_priv *p;

	memset(b, 0, sizeof(*b));
	if (!item_len || item_len > RSEQKIT_PERCPU_MAX_ITEM)
		return rseqkit_fail(EINVAL, "per-CPU items of this size are impossible: make the capacity or the record smaller");
	rseq_percpu_init();
	pthread_once(&fork_hook_once, fork_hook_register);
	p = rseqkit_icalloc(1, sizeof(*p));
	if (!p)
		return rseqkit_fail(errno == EAGAIN ? EAGAIN : ENOMEM, "out of memory for the structure's metadata");
	b->priv = p;
	p->kind = kind;
	if (!pool) {
		pool = private_pool(item_len, name);
		if (!pool)
			goto fail;
		p->owned_pool = pool;
	}
	if (rseq_mempool_get_stats(pool, &st) || st.item_len < item_len) {
		rseqkit_fail(EINVAL, "the pool's items are too small for this structure: create the pool with a larger item length");
		goto fail;
	}
	b->base = rseq_mempool_percpu_zmalloc(pool);
	if (!b->base)
		goto fail;
	p->pool = pool;
	b->stride = st.stride;
	b->nr = st.nr_cpus;
	b->mode = rseq_mempool_percpu_mode(pool);
	p->fast = percpu_fast_kind(b, pool);
	if (reg_acquire())
		goto fail;
	reg_add(b);
	reg_release();
	return 0;
fail:
	{
		int err = errno;

		rseq_percpu_base_fini(b);
		errno = err;
	}
	return -1;
}

RSEQKIT_HIDDEN int rseq_percpu_base_init(struct rseq_percpu_base *b,
					 struct rseq_mempool *pool,
					 size_t item_len, const char *name)
{
	return rseqkit_percpu_base_init_kind(b, pool, item_len, name, NULL);
}

RSEQKIT_HIDDEN void rseq_percpu_base_fini(struct rseq_percpu_base *b)
{
	struct rseqkit_percpu_priv *p = rseqkit_percpu_priv(b);

	if (!p)
		return;
	if (b->base && p->pool) {
		/*
		 * Only a signal handler that interrupted the registry's code
		 * on this thread cannot take it: then the structure stays as
		 * it is (leaked), rather than half gone from the registry.
		 */
		if (reg_acquire())
			return;
		reg_del(b);
		reg_release();
		rseq_mempool_percpu_free(b->base, b->stride);
	}
	if (p->owned_pool)
		rseq_mempool_destroy(p->owned_pool);
	rseqkit_ifree(p);
	b->priv = NULL;
	b->base = NULL;
	b->fast_base = NULL;
}

RSEQKIT_HIDDEN void *rseqkit_percpu_create(size_t size, struct rseq_mempool *pool,
					   size_t slot_len, const char *name,
					   const struct rseqkit_percpu_kind *kind)
{
	struct rseq_percpu_base *b = rseqkit_icalloc(1, size);

	if (!b)
		return rseqkit_fail_null(errno == EAGAIN ? EAGAIN : ENOMEM, "out of memory for the structure");
	if (rseqkit_percpu_base_init_kind(b, pool, slot_len, name, kind)) {
		int err = errno;

		rseqkit_ifree(b);
		errno = err;
		return NULL;
	}
	return b;
}

RSEQKIT_HIDDEN void rseqkit_percpu_destroy(struct rseq_percpu_base *b)
{
	if (!b)
		return;
	rseq_percpu_base_fini(b);
	rseqkit_ifree(b);
}

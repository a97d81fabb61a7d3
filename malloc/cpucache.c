/* SPDX-License-Identifier: MIT */
/*
 * malloc/cpucache.c - the per-CPU caches' slow paths.
 *
 * Each size class has a rseq_percpu_buffer (rseqkit's per-CPU bounded
 * stack of pointers, with its claim protocol for remote access); all
 * classes' slots sit in one rseqkit pool, so a CPU's caches are
 * contiguous.  Three ways to reach them:
 *
 *  - rseq mode, registered thread: critical sections on the current CPU's
 *    slot (the inline fast paths in mlc.h; here, retries and batches: a
 *    refill pushes a batch with one rseq_cmpeqv_trymemcpy_storev section,
 *    a drain pops a batch with another);
 *  - rseq mode, thread without a working registration (rseq refused for
 *    it, or rseq_percpu_thread_disable_rseq()): the central tier directly,
 *    so that such a thread never makes other CPUs pay a fence;
 *  - atomic mode (rseq unavailable in the process: seccomp, valgrind, old
 *    kernel): rseqkit's claim-based slow paths (the slot of sched_getcpu()
 *    owned with atomics for each operation: per-CPU locking).
 *
 * Idle CPUs: a CPU whose caches saw no slow-path activity for a second
 * has them drained to the central tier with rseqkit's remote drain
 * (claim, membarrier fence, take, release), checked at most once a second
 * from slow paths.  malloc_trim() drains every CPU.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include "mlc.h"

static __thread int reg_tried __attribute__((tls_model("initial-exec")));

/* Idle-CPU reclaim: slow-path activity per CPU, seen at the last pass. */
#define MLC_MAX_CPUS		4096
#define RECLAIM_PERIOD_NS	1000000000ull
static uint32_t activity[MLC_MAX_CPUS];
static uint32_t seen[MLC_MAX_CPUS];
static uint64_t last_reclaim_ns;
static pthread_mutex_t reclaim_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t reclaimed_objs, reclaim_passes;
/* Atomic mode, fork: the words of the claimed slots, restored after. */
static intptr_t *fork_words;

/*
 * The CPU whose cache this thread may use with critical sections, or -1:
 * no working registration (tried once per thread; never while a lock of
 * the allocator is held, so a malloc() from inside registration is fine).
 */
static int thread_cpu(void)
{
	int cpu = rseq_current_cpu_raw();

	if (mlc_unlikely(cpu < 0) && !reg_tried) {
		reg_tried = 1;
		if (rseq_register_current_thread() == 0)
			cpu = rseq_current_cpu_raw();
	}
	if (cpu < 0 || rseq_percpu_thread_off)
		return -1;
	cpu = (int)rseq_cpu_start();	/* the sections' index */
	return cpu < mlc.nr_cpus ? cpu : -1;
}

static struct rseq_percpu_buffer_slot *slot(struct mlc_class *c, int cpu)
{
	return rseq_percpu_slot_of(&c->buf.b, cpu);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Drain CPU cpu's caches of every class to the central tier. */
static size_t drain_cpu(int cpu)
{
	void *tmp[MLC_MAX_CAP];
	size_t total = 0;

	for (unsigned int i = 0; i < MLC_NCLASS; i++) {
		struct mlc_class *c = &mlc_classes[i];
		size_t k;

		/* Skip empty slots: no claim, no fence. */
		if (!RSEQ_READ_ONCE(slot(c, cpu)->h.word))
			continue;
		k = rseq_percpu_buffer_drain_cpu(&c->buf, cpu, tmp, MLC_MAX_CAP);
		if (k)
			mlc_central_put(i, tmp, k);
		total += k;
	}
	return total;
}

/* At most once a period: drain the CPUs that were idle for a period. */
static void maybe_reclaim(int cpu)
{
	uint64_t now;

	if (cpu >= 0 && cpu < MLC_MAX_CPUS)
		__atomic_fetch_add(&activity[cpu], 1, __ATOMIC_RELAXED);
	now = now_ns();
	if (now - __atomic_load_n(&last_reclaim_ns, __ATOMIC_RELAXED) < RECLAIM_PERIOD_NS)
		return;
	if (pthread_mutex_trylock(&reclaim_lock))
		return;
	if (now - last_reclaim_ns >= RECLAIM_PERIOD_NS) {
		int n = mlc.nr_cpus < MLC_MAX_CPUS ? mlc.nr_cpus : MLC_MAX_CPUS;

		__atomic_store_n(&last_reclaim_ns, now, __ATOMIC_RELAXED);
		reclaim_passes++;
		for (int i = 0; i < n; i++) {
			uint32_t a = __atomic_load_n(&activity[i], __ATOMIC_RELAXED);

			if (a == seen[i] && i != cpu)
				reclaimed_objs += drain_cpu(i);
			seen[i] = a;
		}
	}
	pthread_mutex_unlock(&reclaim_lock);
}

void mlc_cache_reclaim_stats(uint64_t *passes, uint64_t *objs)
{
	pthread_mutex_lock(&reclaim_lock);
	*passes = reclaim_passes;
	*objs = reclaimed_objs;
	pthread_mutex_unlock(&reclaim_lock);
}

size_t mlc_cache_drain_all(void)
{
	size_t total = 0;

	if (!mlc.caches)
		return 0;
	pthread_mutex_lock(&reclaim_lock);
	for (int cpu = 0; cpu < mlc.nr_cpus; cpu++)
		total += drain_cpu(cpu);
	pthread_mutex_unlock(&reclaim_lock);
	return total;
}

size_t mlc_cache_count(unsigned int cls)
{
	struct mlc_class *c = &mlc_classes[cls];
	size_t n = 0;

	if (!mlc.caches)
		return 0;
	for (int cpu = 0; cpu < mlc.nr_cpus; cpu++) {
		intptr_t w = RSEQ_READ_ONCE(slot(c, cpu)->h.word);

		if (w > 0)
			n += (size_t)w;
	}
	return n;
}

/*
 * rseq mode: move up to k objects between objs and this CPU's cache of c
 * in one critical section: push (objs[0..k) onto the cache, as many as
 * fit) or pop (the top k into objs).  How many moved; 0 when the cache is
 * full (push) or empty (pop), or the thread has no working registration.
 */
static size_t move_batch(struct mlc_class *c, void **objs, size_t k, bool push)
{
	unsigned int w = 0;

	for (;;) {
		int cpu = thread_cpu();
		struct rseq_percpu_buffer_slot *s;
		intptr_t n;
		size_t m;

		if (cpu < 0)
			return 0;
		s = slot(c, cpu);
		n = RSEQ_READ_ONCE(s->h.word);
		if (n == RSEQ_PERCPU_STOP) {	/* a remote drain owns it */
			rseq_percpu_backoff(&w);
			continue;
		}
		m = push ? (size_t)(c->buf.capacity - n) : (size_t)n;
		if (!m)
			return 0;
		if (m > k)
			m = k;
		if (push ? !rseq_cmpeqv_trymemcpy_storev(RSEQ_MO_RELEASE, RSEQ_PERCPU_CPU_ID,
				&s->h.word, n, &s->items[n], objs,
				m * sizeof(void *), n + (intptr_t)m, cpu)
			 : !rseq_cmpeqv_trymemcpy_storev(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,
				&s->h.word, n, objs, &s->items[(size_t)n - m],
				m * sizeof(void *), n - (intptr_t)m, cpu))
			return m;
	}
}

/* Refill this CPU's cache of class cls and return one object. */
static void *refill(unsigned int cls)
{
	struct mlc_class *c = &mlc_classes[cls];
	void *tmp[MLC_MAX_BATCH];
	size_t k, pushed;

	k = mlc_central_get(cls, tmp, c->batch);
	if (!k)
		return NULL;
	/*
	 * The cache is a stack: push the batch in reverse, so that the next
	 * allocations get the objects in the central tier's order (ascending
	 * addresses for a fresh span: what is allocated together is walked
	 * together, and hardware prefetchers follow ascending streams best).
	 */
	for (size_t i = 1, j = k - 1; i < j; i++, j--) {
		void *t = tmp[i];

		tmp[i] = tmp[j];
		tmp[j] = t;
	}
	if (mlc.rseq_mode)
		pushed = move_batch(c, tmp + 1, k - 1, true);
	else
		pushed = rseq_percpu_buffer_push_many(&c->buf, tmp + 1, k - 1);
	if (pushed < k - 1)
		mlc_central_put(cls, tmp + 1 + pushed, k - 1 - pushed);
	return tmp[0];
}

void *mlc_small_alloc_slow(unsigned int cls, size_t size)
{
	struct mlc_class *c = &mlc_classes[cls];
	void *p;

	if (mlc_unlikely(!mlc_ready() || mlc.debug || !mlc.caches)) {
		if (!mlc_ready() && mlc_init())
			return mlc_boot_alloc(size, MLC_ALIGN);	/* inside init */
		if (mlc.debug)
			return mlc_debug_alloc(size, 0, false);
		if (!mlc.caches)
			return mlc_central_get(cls, &p, 1) ? p : NULL;
		/* The caches exist: this class's buffer became usable. */
	}
	if (mlc.rseq_mode) {
		int cpu;

		if (mlc_likely(move_batch(c, &p, 1, false)))
			return p;
		cpu = thread_cpu();
		if (cpu < 0)
			return mlc_central_get(cls, &p, 1) ? p : NULL;
		maybe_reclaim(cpu);
		return refill(cls);
	}
	p = rseq_percpu_buffer_pop_slow(&c->buf);
	if (p)
		return p;
	maybe_reclaim(-1);
	return refill(cls);
}

void mlc_small_free_slow(unsigned int cls, void *p)
{
	struct mlc_class *c = &mlc_classes[cls];
	void *tmp[MLC_MAX_BATCH + 1];
	size_t k;

	if (mlc_unlikely(mlc.debug)) {
		mlc_debug_free(p, "free");
		return;
	}
	if (mlc_unlikely(!mlc.caches)) {
		mlc_central_put(cls, &p, 1);
		return;
	}
	if (mlc.rseq_mode) {
		int cpu;

		if (move_batch(c, &p, 1, true))
			return;
		cpu = thread_cpu();
		if (cpu < 0) {
			mlc_central_put(cls, &p, 1);
			return;
		}
		/* Full: move a batch, and p, to the central tier. */
		maybe_reclaim(cpu);
		k = move_batch(c, tmp, c->batch, false);
	} else {
		if (rseq_percpu_buffer_push_slow(&c->buf, p) >= 0)
			return;
		maybe_reclaim(-1);
		k = rseq_percpu_buffer_pop_many(&c->buf, tmp, c->batch);
	}
	tmp[k++] = p;
	mlc_central_put(cls, tmp, k);
}

/*
 * fork(): no claim may be in flight (the child would keep a slot claimed
 * by a thread it does not have).  In rseq mode only remote drains claim,
 * under reclaim_lock; in atomic mode every operation claims: own every
 * slot (cheap: atomics, no fences in that mode).
 */
void mlc_cache_fork_prepare(void)
{
	pthread_mutex_lock(&reclaim_lock);
	if (!mlc.caches || mlc.rseq_mode || !fork_words)
		return;
	for (unsigned int i = 0; i < MLC_NCLASS; i++)
		for (int cpu = 0; cpu < mlc.nr_cpus; cpu++)
			fork_words[(size_t)i * (size_t)mlc.nr_cpus + (size_t)cpu] =
				rseq_percpu_claim(&mlc_classes[i].buf.b, cpu, 0);
}

static void fork_release(void)
{
	if (!mlc.caches || mlc.rseq_mode || !fork_words)
		return;
	for (unsigned int i = 0; i < MLC_NCLASS; i++)
		for (int cpu = 0; cpu < mlc.nr_cpus; cpu++)
			rseq_percpu_release(&mlc_classes[i].buf.b, cpu,
				fork_words[(size_t)i * (size_t)mlc.nr_cpus + (size_t)cpu]);
}

void mlc_cache_fork_parent(void)
{
	fork_release();
	pthread_mutex_unlock(&reclaim_lock);
}

void mlc_cache_fork_child(void)
{
	fork_release();
	pthread_mutex_init(&reclaim_lock, NULL);
}

/*
 * Create the caches: one rseqkit pool, one buffer per class.  0, or -1
 * (then the allocator runs on the central tier alone, still correct).
 */
int mlc_cache_init(void)
{
	struct rseq_mempool_attr *a;
	size_t item = sizeof(struct rseq_percpu_buffer_slot) + MLC_MAX_CAP * sizeof(void *);
	size_t stride;

	rseq_percpu_init();
	mlc.rseq_mode = rseq_percpu_rseq_ok;
	item = (item + 63) & ~(size_t)63;
	/* one CPU's buffers of every class in one pool stride (a power of two) */
	stride = mlc.sys_page;
	while (stride < item * MLC_NCLASS)
		stride <<= 1;
	a = rseq_mempool_attr_create();
	if (!a)
		return -1;
	if (rseq_mempool_attr_set_percpu(a, stride, 0) ||
	    rseq_mempool_attr_set_populate_policy(a, RSEQ_MEMPOOL_POPULATE_COW_ZERO)) {
		rseq_mempool_attr_destroy(a);
		return -1;
	}
	mlc.pool = rseq_mempool_create("rseqkit-malloc", item, a);
	rseq_mempool_attr_destroy(a);
	if (!mlc.pool)
		return -1;
	mlc.nr_cpus = rseq_mempool_nr_cpus(mlc.pool);
	for (unsigned int i = 0; i < MLC_NCLASS; i++) {
		if (rseq_percpu_buffer_init(&mlc_classes[i].buf, mlc_classes[i].cap,
					    mlc.pool, "rseqkit-malloc")) {
			while (i-- > 0)
				rseq_percpu_buffer_fini(&mlc_classes[i].buf);
			rseq_mempool_destroy(mlc.pool);
			mlc.pool = NULL;
			return -1;
		}
	}
	if (!mlc.rseq_mode) {
		fork_words = mlc_map((size_t)MLC_NCLASS * (size_t)mlc.nr_cpus * sizeof(intptr_t));
		if (!fork_words) {
			for (unsigned int i = 0; i < MLC_NCLASS; i++)
				rseq_percpu_buffer_fini(&mlc_classes[i].buf);
			rseq_mempool_destroy(mlc.pool);
			mlc.pool = NULL;
			return -1;
		}
	}
	mlc.caches = 1;
	return 0;
}

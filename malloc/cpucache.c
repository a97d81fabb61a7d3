/* SPDX-License-Identifier: MIT */
/*
 * malloc/cpucache.c - the per-CPU caches: their regions, slow paths,
 * remote drains and fork handlers.
 *
 * Layout (mlc.h): one region per possible CPU; in it, per size class, a
 * count word and an array of up to MLC_MAX_CAP free objects, at offsets
 * computed from the class.  A count word holds the number of objects
 * (>= 0) or, while a claimer owns the slot, CLAIMED(n): the count before
 * the claim, encoded as a value <= -2 that no critical section compares
 * equal to and that both fast paths reject.
 *
 * Three ways to reach a cache:
 *  - rseq mode, registered thread: critical sections on the current CPU's
 *    slot (the inline fast paths in mlc.h; here, retries and batches: a
 *    refill pushes a batch with one rseq_cmpeqv_trymemcpy_storev section,
 *    a drain pops a batch with another);
 *  - rseq mode, thread without a working registration (rseq refused for
 *    it, or rseq_percpu_thread_without_rseq()): the central tier
 *    directly, so that such a thread never makes other CPUs pay a fence;
 *  - atomic mode (rseq unavailable in the process: seccomp, valgrind, old
 *    kernel): every operation claims the slot of sched_getcpu() (one
 *    compare-and-swap of the count word), works and releases it (a
 *    store): a per-CPU lock, held for a bounded copy.
 *
 * Remote drains (idle CPUs, malloc_trim): claim every non-empty slot of
 * the CPU; in rseq mode, one membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ)
 * fence on that CPU, after which no critical section that read a count
 * before its claim can still commit, and a check that each claim
 * survived (a section that committed before the fence overwrote it: claim
 * it again, a few rounds at most); copy the objects out; release with 0.
 * In rseq mode only remote drains claim, one at a time (reclaim_lock), so
 * a claim that survived the fence is the drain's alone.
 *
 * Idle CPUs: a CPU whose caches saw no slow-path activity for a second
 * has them drained to the central tier, checked at most once a second
 * from slow paths.  malloc_trim() drains every CPU.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "mlc.h"
#include <rseqkit/pool.h>

ptrdiff_t mlc_rseq_offset;
struct mlc_fast mlc_fast;

/* A claimed count word, from the count n >= 0 it replaced, and back. */
#define CLAIMED(n)	(-(intptr_t)(n) - 2)
#define UNCLAIMED(w)	(-(w) - 2)

#define RECLAIM_PERIOD_NS	1000000000ull
/* Failed critical sections in a row before the central tier serves. */
#define MAX_TRIES		64
/* Rounds of claims and fences in one remote drain of a CPU. */
#define CLAIM_ROUNDS		4

static char *slab;		/* every CPU's region, in both modes */
static size_t slab_len;
static int nr;			/* regions: CPUs 0 .. nr - 1 */
/* Per CPU: slow-path activity, and what the last reclaim pass saw. */
static uint32_t *activity, *seen;
/* Per CPU, atomic mode: its slots were claimed (the fork child looks). */
static uint8_t *touched;

static __thread int reg_tried __attribute__((tls_model("initial-exec")));

static uint64_t last_reclaim_ns;
static pthread_mutex_t reclaim_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t reclaimed_objs, reclaim_passes;
/* A CPU's objects on their way to the central tier (under reclaim_lock). */
static void *drain_buf[MLC_NCLASS][MLC_MAX_CAP];

static char *region(int cpu)
{
	return mlc_region(slab, (uint32_t)cpu);
}

/* Wait for a claimer: spin a little, then yield. */
static void backoff(unsigned int *n)
{
	if (*n < 64) {
		(*n)++;
		rseq_cpu_relax();
	} else {
		sched_yield();
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * The CPU whose caches this thread may use with critical sections, or -1:
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
	return cpu < nr ? cpu : -1;
}

/* ---- claims ---- */

/* Claim a slot, waiting for another claimer (atomic mode); the count. */
static intptr_t claim_wait(intptr_t *w)
{
	unsigned int b = 0;

	for (;;) {
		intptr_t n = __atomic_load_n(w, __ATOMIC_RELAXED);

		if (n >= 0 && __atomic_compare_exchange_n(w, &n, CLAIMED(n), false,
				__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return n;
		backoff(&b);
	}
}

static void release(intptr_t *w, intptr_t n)
{
	__atomic_store_n(w, n, __ATOMIC_RELEASE);
}

/*
 * Fence CPU cpu's critical sections: 0, or -1 (membarrier failed: denied
 * by a seccomp filter installed after start-up).  errno is preserved.
 */
static int fence_cpu(int cpu)
{
	int e = errno, r = 0;

	if (syscall(SYS_membarrier, RSEQKIT_MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ,
		    RSEQKIT_MEMBARRIER_CMD_FLAG_CPU, cpu) &&
	    errno != ENXIO &&	/* not online: nothing runs there */
	    syscall(SYS_membarrier, RSEQKIT_MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 0, 0))
		r = -1;
	errno = e;
	return r;
}

/*
 * rseq mode, under reclaim_lock: claim every non-empty slot of cpu, fence
 * it, keep the claims that survived.  The claimed classes (bit k: class
 * k), their counts in cnt[]; 0 when nothing was claimed.
 */
static uint64_t claim_cpu(int cpu, intptr_t *cnt)
{
	char *r = region(cpu);
	uint64_t mine = 0;

	for (int round = 0; round < CLAIM_ROUNDS; round++) {
		uint64_t fresh = 0;

		for (unsigned int k = 0; k < MLC_NCLASS; k++) {
			intptr_t *w = mlc_slot_count(r, k);
			intptr_t n = __atomic_load_n(w, __ATOMIC_RELAXED);

			if (((mine >> k) & 1) || n <= 0)
				continue;
			if (__atomic_compare_exchange_n(w, &n, CLAIMED(n), false,
					__ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
				cnt[k] = n;
				fresh |= (uint64_t)1 << k;
			}
		}
		if (!fresh)
			break;
		if (fence_cpu(cpu)) {
			/* Give back what is still claimed: the CPU keeps it. */
			mine |= fresh;
			for (unsigned int k = 0; k < MLC_NCLASS; k++) {
				intptr_t c = CLAIMED(cnt[k]);

				if ((mine >> k) & 1)
					__atomic_compare_exchange_n(mlc_slot_count(r, k), &c,
						cnt[k], false, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
			}
			return 0;
		}
		for (unsigned int k = 0; k < MLC_NCLASS; k++)
			if (((fresh >> k) & 1) &&
			    __atomic_load_n(mlc_slot_count(r, k), __ATOMIC_ACQUIRE) != CLAIMED(cnt[k]))
				fresh &= ~((uint64_t)1 << k);	/* a section committed first */
		mine |= fresh;
	}
	return mine;
}

/* Drain CPU cpu's caches of every class to the central tier (reclaim_lock). */
static size_t drain_cpu(int cpu)
{
	char *r = region(cpu);
	intptr_t cnt[MLC_NCLASS];
	uint64_t mine = 0;
	size_t total = 0;

	if (mlc.rseq_mode) {
		mine = claim_cpu(cpu, cnt);
	} else {
		for (unsigned int k = 0; k < MLC_NCLASS; k++) {
			intptr_t *w = mlc_slot_count(r, k);

			if (!__atomic_load_n(w, __ATOMIC_RELAXED))
				continue;	/* empty: no claim */
			cnt[k] = claim_wait(w);
			mine |= (uint64_t)1 << k;
		}
	}
	for (unsigned int k = 0; k < MLC_NCLASS; k++) {
		if (!((mine >> k) & 1))
			continue;
		memcpy(drain_buf[k], mlc_slot_items(r, k), (size_t)cnt[k] * sizeof(void *));
		release(mlc_slot_count(r, k), 0);
	}
	for (unsigned int k = 0; k < MLC_NCLASS; k++) {
		if (((mine >> k) & 1) && cnt[k]) {
			mlc_central_put(k, drain_buf[k], (size_t)cnt[k]);
			total += (size_t)cnt[k];
		}
	}
	return total;
}

/* At most once a period: drain the CPUs that were idle for a period. */
static void maybe_reclaim(int cpu)
{
	uint64_t now;
	int e;

	if (cpu >= 0 && cpu < nr)
		__atomic_fetch_add(&activity[cpu], 1, __ATOMIC_RELAXED);
	now = now_ns();
	if (now - __atomic_load_n(&last_reclaim_ns, __ATOMIC_RELAXED) < RECLAIM_PERIOD_NS)
		return;
	if (pthread_mutex_trylock(&reclaim_lock))
		return;
	e = errno;
	if (now - last_reclaim_ns >= RECLAIM_PERIOD_NS) {
		__atomic_store_n(&last_reclaim_ns, now, __ATOMIC_RELAXED);
		reclaim_passes++;
		for (int i = 0; i < nr; i++) {
			uint32_t a = __atomic_load_n(&activity[i], __ATOMIC_RELAXED);

			if (a == seen[i] && i != cpu)
				reclaimed_objs += drain_cpu(i);
			seen[i] = a;
		}
	}
	errno = e;
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
	for (int cpu = 0; cpu < nr; cpu++)
		total += drain_cpu(cpu);
	pthread_mutex_unlock(&reclaim_lock);
	return total;
}

size_t mlc_cache_count(unsigned int cls)
{
	size_t n = 0;

	if (!mlc.caches)
		return 0;
	for (int cpu = 0; cpu < nr; cpu++) {
		intptr_t w = __atomic_load_n(mlc_slot_count(region(cpu), cls), __ATOMIC_RELAXED);

		n += (size_t)(w >= 0 ? w : UNCLAIMED(w));
	}
	return n;
}

/* ---- rseq mode ---- */

/*
 * Move up to k objects between objs and this CPU's cache of class cls in
 * one critical section: push (objs[0..k) onto the cache, as many as fit)
 * or pop (the top k into objs).  How many moved: 0 when the cache is full
 * (push) or empty (pop); -1 when this thread cannot use the caches (no
 * working registration, or MAX_TRIES failed sections in a row).  *cpu:
 * the CPU it worked on.
 */
static long move_batch(unsigned int cls, void **objs, size_t k, bool push, int *cpu)
{
	size_t cap = mlc_classes[cls].cap;
	unsigned int w = 0, tries = 0;

	for (;;) {
		int c = thread_cpu();
		char *r;
		intptr_t *cnt, n;
		void **items;
		size_t m;
		int ret;

		*cpu = c;
		if (c < 0)
			return -1;
		r = region(c);
		cnt = mlc_slot_count(r, cls);
		items = mlc_slot_items(r, cls);
		n = RSEQ_READ_ONCE(*cnt);
		if (n < 0) {		/* a remote drain holds it, briefly */
			backoff(&w);
			continue;
		}
		m = push ? ((size_t)n < cap ? cap - (size_t)n : 0) : (size_t)n;
		if (!m)
			return 0;
		if (m > k)
			m = k;
		if (push)
			ret = rseq_cmpeqv_trymemcpy_storev(RSEQ_MO_RELEASE, RSEQ_PERCPU_CPU_ID,
					cnt, n, &items[n], objs, m * sizeof(void *),
					n + (intptr_t)m, c);
		else
			ret = rseq_cmpeqv_trymemcpy_storev(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,
					cnt, n, objs, &items[(size_t)n - m], m * sizeof(void *),
					n - (intptr_t)m, c);
		if (!ret)
			return (long)m;
		if (++tries >= MAX_TRIES)
			return -1;
	}
}

/* The batch of class cls in the order the cache hands it out: tmp[0] first. */
static size_t get_batch(unsigned int cls, void **tmp)
{
	size_t k = mlc_central_get(cls, tmp, mlc_classes[cls].batch);

	/*
	 * The cache is a stack: reverse tmp[1..k), so that pushing it in
	 * array order hands the objects out in the central tier's order
	 * (ascending addresses for a fresh span: what is allocated together
	 * is walked together, and hardware prefetchers follow ascending
	 * streams best).
	 */
	for (size_t i = 1, j = k ? k - 1 : 0; i < j; i++, j--) {
		void *t = tmp[i];

		tmp[i] = tmp[j];
		tmp[j] = t;
	}
	return k;
}

static void *rseq_alloc_slow(unsigned int cls)
{
	void *tmp[MLC_MAX_BATCH], *p;
	long got;
	size_t k;
	int cpu;

	got = move_batch(cls, &p, 1, false, &cpu);
	if (got > 0)
		return p;
	if (got < 0)
		return mlc_central_get(cls, &p, 1) ? p : NULL;
	maybe_reclaim(cpu);
	k = get_batch(cls, tmp);
	if (!k)
		return NULL;
	got = k > 1 ? move_batch(cls, tmp + 1, k - 1, true, &cpu) : 0;
	if (got < 0)
		got = 0;
	if ((size_t)got < k - 1)
		mlc_central_put(cls, tmp + 1 + got, k - 1 - (size_t)got);
	return tmp[0];
}

static void rseq_free_slow(unsigned int cls, void *p)
{
	void *tmp[MLC_MAX_BATCH + 1];
	long got;
	int cpu;

	got = move_batch(cls, &p, 1, true, &cpu);
	if (got > 0)
		return;
	if (got == 0) {
		/* Full: move a batch, and p, to the central tier. */
		maybe_reclaim(cpu);
		got = move_batch(cls, tmp, mlc_classes[cls].batch, false, &cpu);
	}
	if (got < 0)
		got = 0;
	tmp[got++] = p;
	mlc_central_put(cls, tmp, (size_t)got);
}

/* ---- atomic mode: the slot of sched_getcpu(), claimed ---- */

static int atomic_cpu(void)
{
	int cpu = sched_getcpu();

	if (cpu < 0)
		cpu = 0;
	cpu %= nr;
	if (!__atomic_load_n(&touched[cpu], __ATOMIC_RELAXED))
		__atomic_store_n(&touched[cpu], 1, __ATOMIC_RELAXED);
	return cpu;
}

static void *atomic_alloc(unsigned int cls)
{
	struct mlc_class *c = &mlc_classes[cls];
	int cpu = atomic_cpu();
	char *r = region(cpu);
	intptr_t *cnt = mlc_slot_count(r, cls), n;
	void **items = mlc_slot_items(r, cls);
	void *tmp[MLC_MAX_BATCH], *p;
	size_t k, m;

	n = claim_wait(cnt);
	if (n > 0) {
		p = items[n - 1];
		release(cnt, n - 1);
		return p;
	}
	release(cnt, n);
	maybe_reclaim(cpu);
	k = get_batch(cls, tmp);
	if (!k)
		return NULL;
	n = claim_wait(cnt);
	m = (size_t)n < c->cap ? c->cap - (size_t)n : 0;
	if (m > k - 1)
		m = k - 1;
	memcpy(&items[n], tmp + 1, m * sizeof(void *));
	release(cnt, n + (intptr_t)m);
	if (m < k - 1)
		mlc_central_put(cls, tmp + 1 + m, k - 1 - m);
	return tmp[0];
}

static void atomic_free(unsigned int cls, void *p)
{
	struct mlc_class *c = &mlc_classes[cls];
	int cpu = atomic_cpu();
	char *r = region(cpu);
	intptr_t *cnt = mlc_slot_count(r, cls), n;
	void **items = mlc_slot_items(r, cls);
	void *tmp[MLC_MAX_BATCH + 1];
	size_t m;

	n = claim_wait(cnt);
	if ((size_t)n < c->cap) {
		items[n] = p;
		release(cnt, n + 1);
		return;
	}
	m = (size_t)n < c->batch ? (size_t)n : c->batch;
	memcpy(tmp, &items[(size_t)n - m], m * sizeof(void *));
	release(cnt, n - (intptr_t)m);
	maybe_reclaim(cpu);
	tmp[m++] = p;
	mlc_central_put(cls, tmp, m);
}

/* ---- the slow paths ---- */

static void *small_alloc_slow(unsigned int cls, size_t size)
{
	void *p;

	if (mlc_unlikely(!mlc_ready() || mlc.debug || !mlc.caches)) {
		if (!mlc_ready() && mlc_init())
			return mlc_boot_alloc(size, MLC_ALIGN);	/* inside init */
		if (mlc.debug)
			return mlc_debug_alloc(size, 0, false);
		if (!mlc.caches)
			return mlc_central_get(cls, &p, 1) ? p : NULL;
		/* The caches exist now. */
	}
	if (mlc.rseq_mode)
		return rseq_alloc_slow(cls);
	return atomic_alloc(cls);
}

void *mlc_small_alloc_slow(unsigned int cls, size_t size)
{
	void *p = small_alloc_slow(cls, size);

	if (mlc_unlikely(!p))
		errno = ENOMEM;
	return p;
}

void *mlc_small_alloc_retry(unsigned int cls)
{
	void *p;

	/* Inside initialization (after the caches were made): as before them. */
	if (mlc_unlikely(!mlc_ready()))
		return mlc_small_alloc_slow(cls, mlc_classes[cls].size);
	p = rseq_alloc_slow(cls);

	if (mlc_unlikely(!p))
		errno = ENOMEM;
	return p;
}

void mlc_small_free_retry(void *p)
{
	rseq_free_slow(mlc_chunk_of(p)->cls[mlc_page_index(p)] - 1u, p);
}

void mlc_small_free_slow(unsigned int cls, void *p)
{
	if (mlc_unlikely(mlc.debug)) {
		mlc_debug_free(p, "free");
		return;
	}
	if (mlc_unlikely(!mlc.caches)) {
		mlc_central_put(cls, &p, 1);
		return;
	}
	if (mlc.rseq_mode)
		rseq_free_slow(cls, p);
	else
		atomic_free(cls, p);
}

/*
 * fork(): no claim of a remote drain may be in flight (rseq mode: only
 * they claim, under reclaim_lock).  In atomic mode every operation claims
 * a slot: the child undoes the claims of the threads it does not have,
 * so that the operation they interrupted never happened there (the
 * count before the claim is in the claimed word; what such a thread held
 * in its hands is lost to the child: at most a batch per thread).
 */
void mlc_cache_fork_prepare(void)
{
	pthread_mutex_lock(&reclaim_lock);
}

void mlc_cache_fork_parent(void)
{
	pthread_mutex_unlock(&reclaim_lock);
}

void mlc_cache_fork_child(void)
{
	pthread_mutex_init(&reclaim_lock, NULL);
	if (!mlc.caches || mlc.rseq_mode)
		return;
	for (int cpu = 0; cpu < nr; cpu++) {
		if (!touched[cpu])
			continue;
		for (unsigned int k = 0; k < MLC_NCLASS; k++) {
			intptr_t *w = mlc_slot_count(region(cpu), k);

			if (*w < 0)
				*w = UNCLAIMED(*w);
		}
	}
}

/*
 * Create the caches: the regions of every possible CPU (virtual memory;
 * the pages a CPU uses become resident), and the fast paths' view in
 * rseq mode.  0, or -1 (then the central tier alone serves, still
 * correct).
 */
int mlc_cache_init(void)
{
	size_t meta_len;
	char *meta;
	void *m;
	int n;

	rseq_percpu_init();	/* rseqkit is initialized: rseq_offset is final */
	mlc.rseq_mode = rseq_percpu_rseq_ok;
	mlc_rseq_offset = rseq_offset;
	n = rseq_get_max_nr_cpus();
	if (n <= 0 || (size_t)n > (SIZE_MAX >> MLC_REGION_SHIFT) / 2)
		return -1;
	slab_len = (size_t)n << MLC_REGION_SHIFT;
	m = mmap(NULL, slab_len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return -1;
#ifdef MADV_NOHUGEPAGE
	/* A huge page would make 16 CPUs' regions resident at once. */
	(void)madvise(m, slab_len, MADV_NOHUGEPAGE);
#endif
	meta_len = (size_t)n * (2 * sizeof(uint32_t) + 1);
	meta = mlc_map(meta_len);
	if (!meta) {
		mlc_unmap(m, slab_len);
		return -1;
	}
	slab = m;
	activity = (uint32_t *)(void *)meta;
	seen = activity + n;
	touched = (uint8_t *)(seen + n);
	nr = n;
	for (unsigned int k = 0; k < MLC_NCLASS; k++)
		mlc_fast.cap[k] = (uint16_t)mlc_classes[k].cap;
	mlc.nr_cpus = n;
	mlc.caches = 1;
	/* Last: the fast paths read the rest once they see it. */
	if (mlc.rseq_mode)
		__atomic_store_n(&mlc_fast.slab, slab, __ATOMIC_RELEASE);
	return 0;
}

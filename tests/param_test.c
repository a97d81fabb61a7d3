/* SPDX-License-Identifier: MIT */
/*
 * param_test - parametrized stress of every operation family, in the
 * spirit of the kernel's rseq param_test: per-CPU spinlock, list, buffer,
 * memcpy buffer, increment, offset-deref increment and a membarrier
 * fence test, indexed by cpu_id or mm_cid, relaxed or release, with
 * delays, sched_yield, signals and sleeps injected at every numbered
 * point, asynchronous signals and migrations from a kicker thread, and at
 * least 3x more threads than CPUs.  Every run checks exact conservation:
 * sums, element counts, signal counts.
 *
 * Without arguments it runs the built-in matrix (what 'make check' does;
 * RSEQKIT_TEST_SCALE multiplies repetitions).  With arguments it runs one
 * configuration:
 *   -T s|l|b|m|i|o|r  spinlock, list, buffer, memcpy buffer, increment,
 *                     offset-deref increment, membarrier fence
 *   -M                release ordering (buffer and memcpy buffer)
 *   -c                index by mm_cid instead of cpu_id
 *   -1..-9 N          delay loop of N iterations at injection point n
 *                     (-1 as N: yield/sleep/signal there every -m runs)
 *   -m N  -y  -k  -s MS   modulo; sched_yield; raise a signal; sleep MS
 *   -a                kicker thread sends signals and migrates threads
 *   -t N  -r N  -v    threads (default 4 x CPUs), repetitions, verbose
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
/* membarrier(2) commands: rseqkit/abi.h (no kernel headers needed) */

#include "inject-asm.h"
static int opt_modulo, opt_yield, opt_signal, opt_sleep;
static __thread unsigned int yield_mod_cnt, nr_abort;
static long signals_raised;

#define RSEQ_INJECT_C(n)						\
{									\
	int __i, __nr = loop_cnt[n];					\
	for (__i = 0; __i < __nr; __i++)				\
		rseq_barrier();						\
	if (__nr == -1 && opt_modulo &&					\
	    ++yield_mod_cnt % (unsigned int)opt_modulo == 0) {		\
		if (opt_sleep > 0)					\
			poll(NULL, 0, opt_sleep);			\
		if (opt_yield)						\
			sched_yield();					\
		if (opt_signal) {					\
			__atomic_fetch_add(&signals_raised, 1,		\
					   __ATOMIC_RELAXED);		\
			raise(SIGUSR1);					\
		}							\
	}								\
}
#define RSEQ_INJECT_FAILED nr_abort++;

#include "harness.h"
#include <rseqkit/rseq.h>

/* ------------------------------------------------------------------ */

struct cfg {
	char test;
	bool release, mm_cid, kicker;
	int threads;
	long reps;
	int verbose;
};

#define SLOT_ALIGN 128
struct slot {
	intptr_t v;
} __attribute__((aligned(SLOT_ALIGN)));

static int nr_slots;		/* index bound: possible CPUs */
static struct cfg cfg;

static long signals_handled_fallback;
static struct slot *sig_counts;

static inline int cur_index(void)
{
	return cfg.mm_cid ? (int)rseq_current_mm_cid() : (int)rseq_cpu_start();
}

static inline enum rseq_percpu_mode pmode(void)
{
	return cfg.mm_cid ? RSEQ_PERCPU_MM_CID : RSEQ_PERCPU_CPU_ID;
}

static inline enum rseq_mo pmo(void)
{
	return cfg.release ? RSEQ_MO_RELEASE : RSEQ_MO_RELAXED;
}

/* Signal handlers run rseq code too: count each signal per CPU. */
static void sig_handler(int sig)
{
	(void)sig;
	for (;;) {
		int cpu;

		if (rseq_current_cpu_raw() < 0) {
			__atomic_fetch_add(&signals_handled_fallback, 1, __ATOMIC_RELAXED);
			return;
		}
		cpu = cur_index();
		if (rseq_addv(RSEQ_MO_RELAXED, pmode(), &sig_counts[cpu].v, 1, cpu) == 0)
			return;
	}
}

/* ---------------------------- spinlock ---------------------------- */
static struct slot *lock_words, *lock_data;

static int spin_lock(void)
{
	for (;;) {
		int cpu = cur_index();

		int ret;

		RSEQ_INJECT_C(7)
		ret = rseq_cmpeqv_storev(RSEQ_MO_RELAXED, pmode(),
					     &lock_words[cpu].v, 0, 1, cpu);
		if (rseq_likely(!ret)) {
			rseq_smp_acquire__after_ctrl_dep();
			return cpu;
		}
	}
}

static void spin_unlock(int cpu)
{
	rseq_smp_store_release(&lock_words[cpu].v, 0);
}

static void *spinlock_thread(void *arg)
{
	(void)arg;
	for (long i = 0; i < cfg.reps; i++) {
		int cpu = spin_lock();

		lock_data[cpu].v++;
		spin_unlock(cpu);
	}
	return (void *)(uintptr_t)cfg.reps;	/* operations done (see worker()) */
}

/* ------------------------------ list ------------------------------ */
struct node {
	struct node *next;
	intptr_t data;
};
static struct slot *list_heads;

static void list_push(struct node *n)
{
	for (;;) {
		int cpu = cur_index();

		RSEQ_INJECT_C(7)
		intptr_t expect = RSEQ_READ_ONCE(list_heads[cpu].v);

		n->next = (struct node *)expect;
		RSEQ_INJECT_C(8)
		if (!rseq_cmpeqv_storev(RSEQ_MO_RELAXED, pmode(), &list_heads[cpu].v,
					expect, (intptr_t)n, cpu))
			return;
	}
}

static struct node *list_pop(void)
{
	for (;;) {
		int cpu = cur_index();

		RSEQ_INJECT_C(7)
		intptr_t load;
		int ret = rseq_cmpnev_storeoffp_load(RSEQ_MO_RELAXED, pmode(),
				&list_heads[cpu].v, 0, offsetof(struct node, next),
				&load, cpu);
		if (ret == 0)
			return (struct node *)load;
		if (ret > 0)
			return NULL;	/* this CPU's list is empty */
	}
}

static void *list_thread(void *arg)
{
	uintptr_t ops = 0;

	(void)arg;
	for (long i = 0; i < cfg.reps; i++) {
		struct node *n = list_pop();

		if (n) {
			list_push(n);
			ops += 2;
		}
	}
	return (void *)ops;
}

/* ----------------------------- buffer ----------------------------- */
#define BUF_CAP 64
struct pbuf {
	intptr_t offset;
	intptr_t array[BUF_CAP];
} __attribute__((aligned(SLOT_ALIGN)));
static struct pbuf *bufs;

static bool buf_push(struct node *n)
{
	for (;;) {
		int cpu = cur_index();

		RSEQ_INJECT_C(7)
		intptr_t off = RSEQ_READ_ONCE(bufs[cpu].offset);
		int ret;

		if (off >= BUF_CAP)
			return false;
		ret = rseq_cmpeqv_trystorev_storev(pmo(), pmode(), &bufs[cpu].offset,
				off, &bufs[cpu].array[off], (intptr_t)n, off + 1, cpu);
		if (!ret)
			return true;
	}
}

static struct node *buf_pop(void)
{
	for (;;) {
		int cpu = cur_index();

		RSEQ_INJECT_C(7)
		intptr_t off = RSEQ_READ_ONCE(bufs[cpu].offset), head;
		int ret;

		if (off == 0)
			return NULL;
		head = RSEQ_READ_ONCE(bufs[cpu].array[off - 1]);
		ret = rseq_cmpeqv_cmpeqv_storev(RSEQ_MO_RELAXED, pmode(),
				&bufs[cpu].offset, off, &bufs[cpu].array[off - 1],
				head, off - 1, cpu);
		if (!ret)
			return (struct node *)head;
	}
}

static void *buffer_thread(void *arg)
{
	uintptr_t ops = 0;

	(void)arg;
	for (long i = 0; i < cfg.reps; i++) {
		struct node *n = buf_pop();

		if (n && !buf_push(n)) {
			CHECK_MSG(0, "buffer full after a pop");
			return NULL;
		}
		ops += n ? 2 : 0;
	}
	return (void *)ops;
}

/* -------------------------- memcpy buffer ------------------------- */
struct item {
	intptr_t data1, data2;
	char tail[5];		/* odd size: words then bytes */
};
struct mbuf {
	intptr_t offset;
	struct item array[BUF_CAP];
} __attribute__((aligned(SLOT_ALIGN)));
static struct mbuf *mbufs;

static bool mbuf_push(const struct item *it)
{
	for (;;) {
		int cpu = cur_index();

		RSEQ_INJECT_C(7)
		intptr_t off = RSEQ_READ_ONCE(mbufs[cpu].offset);

		if (off >= BUF_CAP)
			return false;
		if (!rseq_cmpeqv_trymemcpy_storev(pmo(), pmode(), &mbufs[cpu].offset,
				off, &mbufs[cpu].array[off], (void *)it, sizeof(*it),
				off + 1, cpu))
			return true;
	}
}

static bool mbuf_pop(struct item *it)
{
	for (;;) {
		int cpu = cur_index();

		RSEQ_INJECT_C(7)
		intptr_t off = RSEQ_READ_ONCE(mbufs[cpu].offset);

		if (off == 0)
			return false;
		if (!rseq_cmpeqv_trymemcpy_storev(pmo(), pmode(), &mbufs[cpu].offset,
				off, it, &mbufs[cpu].array[off - 1], sizeof(*it),
				off - 1, cpu))
			return true;
	}
}

static void *memcpy_thread(void *arg)
{
	uintptr_t ops = 0;

	(void)arg;
	for (long i = 0; i < cfg.reps; i++) {
		struct item it;

		if (!mbuf_pop(&it))
			continue;
		if (it.data2 != it.data1 * 3 || it.tail[4] != (char)it.data1) {
			CHECK_MSG(0, "torn record %ld/%ld", (long)it.data1, (long)it.data2);
			return NULL;
		}
		if (!mbuf_push(&it)) {
			CHECK_MSG(0, "memcpy buffer full after a pop");
			return NULL;
		}
		ops += 2;
	}
	return (void *)ops;
}

/* ---------------------------- increment --------------------------- */
static struct slot *counts;

static void *inc_thread(void *arg)
{
	(void)arg;
	for (long i = 0; i < cfg.reps; i++) {
		for (;;) {
			int cpu = cur_index();

			RSEQ_INJECT_C(7)
			if (!rseq_addv(RSEQ_MO_RELAXED, pmode(), &counts[cpu].v, 1, cpu))
				break;
		}
	}
	return (void *)(uintptr_t)cfg.reps;
}

/* ------------------ offset-deref increment / membarrier ------------ */
struct entry {
	intptr_t *counter;
} __attribute__((aligned(SLOT_ALIGN)));
static struct entry *entries[2];
static struct slot *deref_counts[2];
static intptr_t deref_base;		/* the active entries[] array */
static volatile int deref_stop;

static void *deref_thread(void *arg)
{
	(void)arg;
	for (long i = 0; i < cfg.reps; i++) {
#ifdef RSEQ_ARCH_HAS_OFFSET_DEREF_ADDV
		for (;;) {
			int cpu = cur_index();

			RSEQ_INJECT_C(7)
			if (!rseq_offset_deref_addv(RSEQ_MO_RELAXED, pmode(), &deref_base,
					(long)(cpu * sizeof(struct entry)), 1, cpu))
				break;
		}
#endif
	}
#ifdef RSEQ_ARCH_HAS_OFFSET_DEREF_ADDV
	return (void *)(uintptr_t)cfg.reps;
#else
	return NULL;
#endif
}

static long sum_slots(struct slot *s)
{
	long sum = 0;

	for (int i = 0; i < nr_slots; i++)
		sum += s[i].v;
	return sum;
}

static int sys_membarrier(int cmd, unsigned int flags, int cpu_id)
{
	return (int)syscall(__NR_membarrier, cmd, flags, cpu_id);
}

/*
 * The manager flips deref_base between two counter sets; after the flip
 * and an rseq membarrier fence, no critical section can still increment
 * the old set: it must stay constant, then is harvested and reset.
 */
static long deref_harvested;
static bool membarrier_ok;
static void *deref_manager(void *arg)
{
	int cur = 0;

	(void)arg;
	while (!deref_stop) {
		int old = cur;
		long s1, s2;

		cur ^= 1;
		RSEQ_WRITE_ONCE(deref_base, (intptr_t)entries[cur]);
		if (sys_membarrier(RSEQKIT_MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 0, 0)) {
			CHECK_MSG(0, "membarrier fence: %s", strerror(errno));
			return NULL;
		}
		s1 = sum_slots(deref_counts[old]);
		usleep(200);
		s2 = sum_slots(deref_counts[old]);
		CHECK_MSG(s1 == s2, "old counter set changed after the fence: %ld -> %ld", s1, s2);
		deref_harvested += s2;
		for (int i = 0; i < nr_slots; i++)
			deref_counts[old][i].v = 0;
		usleep(300);
	}
	return NULL;
}

/* ------------------------------ kicker ----------------------------- */
static pthread_t *workers;
static volatile int kicker_stop;

static void *kicker_thread(void *arg)
{
	unsigned int seed = 42;
	int ncpus = get_nprocs();

	(void)arg;
	while (!kicker_stop) {
		int t = (int)(rand_r(&seed) % (unsigned int)cfg.threads);

		if (rand_r(&seed) % 4 == 0) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(rand_r(&seed) % (unsigned int)ncpus, &set);
			(void)pthread_setaffinity_np(workers[t], sizeof(set), &set);
		} else if (pthread_kill(workers[t], SIGRTMIN) == 0) {
			__atomic_fetch_add(&signals_raised, 1, __ATOMIC_RELAXED);
		}
		usleep(50);
	}
	return NULL;
}

/* ------------------------------ driver ----------------------------- */
struct worker_arg {
	void *(*fn)(void *);	/* returns the operations it did, as a pointer */
	unsigned long aborts, ops;
	int reg_failed;
};

static int workers_done, workers_release;

static void *worker(void *p)
{
	struct worker_arg *wa = (struct worker_arg *)p;

	if (rseq_register_current_thread()) {
		wa->reg_failed = errno;
		return NULL;
	}
	wa->ops = (unsigned long)(uintptr_t)wa->fn(NULL);
	wa->aborts = nr_abort;
	/* Stay until the kicker stopped, so that every signal is handled. */
	__atomic_fetch_add(&workers_done, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&workers_release, __ATOMIC_ACQUIRE))
		usleep(100);
	if (rseq_unregister_current_thread())
		wa->reg_failed = errno;
	return NULL;
}

static void *alloc_zero(size_t n)
{
	void *p = NULL;

	if (posix_memalign(&p, SLOT_ALIGN, n)) {
		perror("posix_memalign");
		exit(2);
	}
	memset(p, 0, n);
	return p;
}

#define ALLOC_SLOTS(type)	((type *)alloc_zero(sizeof(type) * (size_t)nr_slots))

static int possible_cpus(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");
	int lo, hi = -1, n = get_nprocs_conf();

	if (f) {
		while (fscanf(f, "%d", &lo) == 1) {
			hi = lo;
			if (fscanf(f, "-%d", &hi) != 1)
				hi = lo;
			if (fgetc(f) != ',')
				break;
		}
		fclose(f);
	}
	return hi + 1 > n ? hi + 1 : n;
}

/* What a run starts with, for its verification. */
struct run {
	long init_count;
	intptr_t init_sum;
};

/* ---- each test: set up the per-CPU data, then verify and free it ---- */

static void spinlock_setup(struct run *r)
{
	(void)r;
	lock_words = ALLOC_SLOTS(struct slot);
	lock_data = ALLOC_SLOTS(struct slot);
}

static void spinlock_verify(struct run *r)
{
	long expect = (long)cfg.threads * cfg.reps, sum = sum_slots(lock_data);

	(void)r;
	CHECK_MSG(sum == expect, "spinlock: %ld != %ld", sum, expect);
	for (int c = 0; c < nr_slots; c++)
		CHECK_MSG(lock_words[c].v == 0, "lock %d left held", c);
	free(lock_words);
	free(lock_data);
}

static struct node *new_node(struct run *r, intptr_t data)
{
	struct node *n = (struct node *)malloc(sizeof(*n));

	n->data = data;
	r->init_sum += data;
	r->init_count++;
	return n;
}

static void list_setup(struct run *r)
{
	list_heads = ALLOC_SLOTS(struct slot);
	for (int c = 0; c < nr_slots; c++)
		for (int k = 0; k < 10; k++) {
			struct node *n = new_node(r, c * 10 + k + 1);

			n->next = (struct node *)list_heads[c].v;
			list_heads[c].v = (intptr_t)n;
		}
}

/* Conservation: every node or item, and the sum of their data. */
static void check_count(const char *what, struct run *r, long n, intptr_t s)
{
	CHECK_MSG(n == r->init_count && s == r->init_sum,
		  "%s: %ld items sum %ld, expected %ld sum %ld",
		  what, n, (long)s, r->init_count, (long)r->init_sum);
}

static void list_verify(struct run *r)
{
	long n = 0;
	intptr_t s = 0;

	for (int c = 0; c < nr_slots; c++)
		for (struct node *p = (struct node *)list_heads[c].v, *q; p; p = q) {
			q = p->next;
			s += p->data;
			n++;
			free(p);
		}
	check_count("list", r, n, s);
	free(list_heads);
}

static void buffer_setup(struct run *r)
{
	bufs = ALLOC_SLOTS(struct pbuf);
	for (int c = 0; c < nr_slots; c++)
		for (int k = 0; k < BUF_CAP / 2; k++)
			bufs[c].array[bufs[c].offset++] =
				(intptr_t)new_node(r, c * BUF_CAP + k + 1);
}

static void buffer_verify(struct run *r)
{
	long n = 0;
	intptr_t s = 0;

	for (int c = 0; c < nr_slots; c++)
		for (intptr_t k = 0; k < bufs[c].offset; k++) {
			struct node *p = (struct node *)bufs[c].array[k];

			s += p->data;
			n++;
			free(p);
		}
	check_count("buffer", r, n, s);
	free(bufs);
}

static void memcpy_setup(struct run *r)
{
	mbufs = ALLOC_SLOTS(struct mbuf);
	for (int c = 0; c < nr_slots; c++)
		for (int k = 0; k < BUF_CAP / 2; k++) {
			struct item *it = &mbufs[c].array[mbufs[c].offset++];

			it->data1 = c * BUF_CAP + k + 1;
			it->data2 = it->data1 * 3;
			memset(it->tail, (char)it->data1, sizeof(it->tail));
			r->init_sum += it->data1;
			r->init_count++;
		}
}

static void memcpy_verify(struct run *r)
{
	long n = 0;
	intptr_t s = 0;

	for (int c = 0; c < nr_slots; c++)
		for (intptr_t k = 0; k < mbufs[c].offset; k++) {
			s += mbufs[c].array[k].data1;
			n++;
		}
	check_count("memcpy buffer", r, n, s);
	free(mbufs);
}

static void inc_setup(struct run *r)
{
	(void)r;
	counts = ALLOC_SLOTS(struct slot);
}

static void inc_verify(struct run *r)
{
	long expect = (long)cfg.threads * cfg.reps, sum = sum_slots(counts);

	(void)r;
	CHECK_MSG(sum == expect, "increment: %ld != %ld", sum, expect);
	free(counts);
}

static void deref_setup(struct run *r)
{
	(void)r;
	for (int k = 0; k < 2; k++) {
		entries[k] = ALLOC_SLOTS(struct entry);
		deref_counts[k] = ALLOC_SLOTS(struct slot);
		for (int c = 0; c < nr_slots; c++)
			entries[k][c].counter = &deref_counts[k][c].v;
	}
	deref_base = (intptr_t)entries[0];
	deref_harvested = 0;
	deref_stop = 0;
}

static void deref_verify(struct run *r)
{
	long expect = 0, sum;

	(void)r;
#ifdef RSEQ_ARCH_HAS_OFFSET_DEREF_ADDV
	expect = (long)cfg.threads * cfg.reps;
#endif
	sum = deref_harvested + sum_slots(deref_counts[0]) + sum_slots(deref_counts[1]);
	CHECK_MSG(sum == expect, "offset-deref: %ld != %ld", sum, expect);
	for (int k = 0; k < 2; k++) {
		free(entries[k]);
		free(deref_counts[k]);
	}
}

static const struct test_kind {
	char id;
	void (*setup)(struct run *r);
	void *(*thread)(void *arg);
	void (*verify)(struct run *r);
} test_kinds[] = {
	{ 's', spinlock_setup, spinlock_thread, spinlock_verify },
	{ 'l', list_setup, list_thread, list_verify },
	{ 'b', buffer_setup, buffer_thread, buffer_verify },
	{ 'm', memcpy_setup, memcpy_thread, memcpy_verify },
	{ 'i', inc_setup, inc_thread, inc_verify },
	{ 'o', deref_setup, deref_thread, deref_verify },
	{ 'r', deref_setup, deref_thread, deref_verify },	/* + the manager */
};

static const struct test_kind *find_kind(char id)
{
	for (size_t i = 0; i < sizeof(test_kinds) / sizeof(test_kinds[0]); i++)
		if (test_kinds[i].id == id)
			return &test_kinds[i];
	return NULL;
}

/* Operations of the runs whose checks passed (VERIFIED-OPS). */
static unsigned long long verified_ops;

/*
 * The workers, the kicker and the fence manager, until every worker is
 * done; returns the aborts the workers counted, adds their operations
 * to *ops.
 */
static unsigned long run_threads(const struct test_kind *k, unsigned long long *ops)
{
	struct worker_arg *wa = (struct worker_arg *)calloc((size_t)cfg.threads, sizeof(*wa));
	pthread_t kicker, manager;
	unsigned long aborts = 0;

	workers = (pthread_t *)calloc((size_t)cfg.threads, sizeof(*workers));
	workers_done = workers_release = 0;
	for (int t = 0; t < cfg.threads; t++) {
		wa[t].fn = k->thread;
		if (pthread_create(&workers[t], NULL, worker, &wa[t])) {
			perror("pthread_create");
			exit(2);
		}
	}
	kicker_stop = 0;
	if (cfg.kicker)
		pthread_create(&kicker, NULL, kicker_thread, NULL);
	if (k->id == 'r')
		pthread_create(&manager, NULL, deref_manager, NULL);
	while (__atomic_load_n(&workers_done, __ATOMIC_ACQUIRE) < cfg.threads)
		usleep(200);
	kicker_stop = 1;
	deref_stop = 1;
	if (cfg.kicker)
		pthread_join(kicker, NULL);
	if (k->id == 'r')
		pthread_join(manager, NULL);
	__atomic_store_n(&workers_release, 1, __ATOMIC_RELEASE);
	for (int t = 0; t < cfg.threads; t++) {
		pthread_join(workers[t], NULL);
		CHECK_MSG(!wa[t].reg_failed, "thread %d registration: %s (%s)", t,
			  strerror(wa[t].reg_failed), rseq_error_reason());
		aborts += wa[t].aborts;
		*ops += wa[t].ops;
	}
	free(workers);
	free(wa);
	return aborts;
}

/* One configuration (cfg): set up, run, verify, report. */
static int run_one(void)
{
	const struct test_kind *k = find_kind(cfg.test);
	struct run r = { 0, 0 };
	unsigned long failed_before = test_failed, aborts;
	unsigned long long ops = 0;
	long handled;

	if (!k) {
		fprintf(stderr, "unknown test '%c'\n", cfg.test);
		return 2;
	}
	sig_counts = ALLOC_SLOTS(struct slot);
	signals_raised = signals_handled_fallback = 0;
	k->setup(&r);
	aborts = run_threads(k, &ops);
	k->verify(&r);
	/* Every signal the kicker sent was counted exactly once. */
	handled = sum_slots(sig_counts) + signals_handled_fallback;
	CHECK_MSG(handled == signals_raised,
		  "signals: handled %ld != raised %ld", handled, signals_raised);
	if (test_failed == failed_before)	/* each handled signal: an increment */
		verified_ops += ops + (unsigned long long)handled;
	if (cfg.verbose || test_failed != failed_before)
		printf("  -T %c%s%s%s -t %d -r %ld: %s, %lu aborts, %ld signals\n",
		       cfg.test, cfg.release ? " -M" : "", cfg.mm_cid ? " -c" : "",
		       cfg.kicker ? " -a" : "", cfg.threads, cfg.reps,
		       test_failed == failed_before ? "ok" : "FAILED", aborts, signals_raised);
	free(sig_counts);
	return 0;
}

static bool membarrier_rseq_available(void)
{
	int mask = sys_membarrier(0 /* MEMBARRIER_CMD_QUERY */, 0, 0);

	if (mask < 0 || !(mask & RSEQKIT_MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ))
		return false;
	return sys_membarrier(RSEQKIT_MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0) == 0;
}

static void set_inject(int point, int value)
{
	memset(loop_cnt, 0, sizeof(loop_cnt));
	if (point)
		loop_cnt[point] = value;
}

static void set_cfg(char test, bool release, bool mm_cid, int threads, long reps)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.test = test;
	cfg.release = release;
	cfg.mm_cid = mm_cid;
	cfg.threads = threads;
	cfg.reps = reps;
}

/*
 * One test, order and index through the matrix: plain, with the kicker,
 * then delays at every injection point and yield/signal/sleep at the C
 * ones.  Returns the number of configurations run.
 */
static unsigned long matrix_row(char t, bool release, bool mm_cid, int threads)
{
	unsigned long configs = 0;

	set_cfg(t, release, mm_cid, threads, (long)test_scale(100000));
	set_inject(0, 0);
	opt_modulo = opt_yield = opt_signal = opt_sleep = 0;
	run_one();
	cfg.kicker = true;	/* asynchronous signals and migrations */
	run_one();
	cfg.kicker = false;
	cfg.reps = (long)test_scale(5000);
	configs += 2;
	for (int p = 1; p <= NR_INJECT; p++) {
		if (p <= 6 && !TEST_HAS_ASM_INJECT)
			continue;
		set_inject(p, 150);
		run_one();
		configs++;
		if (p < 7)
			continue;
		set_inject(p, -1);
		opt_modulo = 25;
		opt_yield = 1;
		run_one();
		opt_yield = 0;
		opt_signal = 1;
		run_one();
		opt_signal = 0;
		opt_sleep = 1;
		opt_modulo = 400;
		run_one();
		opt_sleep = 0;
		opt_modulo = 0;
		configs += 3;
	}
	return configs;
}

/* The built-in matrix that 'make check' runs. */
static void run_matrix(int threads)
{
	const char *tests = "slbmio";
	unsigned long configs = 0;

	for (int idx = 0; idx < 2; idx++) {
		if (idx == 1 && !rseq_mm_cid_available()) {
			printf("mm_cid indexing not available: cpu_id only\n");
			break;
		}
		for (const char *t = tests; *t; t++) {
			int orders = (*t == 'b' || *t == 'm') ? 2 : 1;

			for (int mo = 0; mo < orders; mo++)
				configs += matrix_row(*t, mo != 0, idx != 0, threads);
		}
	}
	set_inject(0, 0);
	if (membarrier_ok) {
		set_cfg('r', false, false, threads, (long)test_scale(100000) * 4);
		run_one();
		configs++;
	} else {
		printf("membarrier MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ unavailable: "
		       "fence test not run (Linux < 5.10)\n");
	}
	printf("%lu configurations, %d threads on %d CPUs\n", configs, threads, get_nprocs());
}

/* The options of one configuration: -1 when the program should exit (*status). */
static int parse_options(int argc, char **argv, int *status)
{
	int opt;

	while ((opt = getopt(argc, argv, "T:Mc1:2:3:4:5:6:7:8:9:m:yks:at:r:vh")) != -1) {
		switch (opt) {
		case 'T': cfg.test = optarg[0]; break;
		case 'M': cfg.release = true; break;
		case 'c': cfg.mm_cid = true; break;
		case '1': case '2': case '3': case '4': case '5':
		case '6': case '7': case '8': case '9':
			loop_cnt[opt - '0'] = atoi(optarg);
			break;
		case 'm': opt_modulo = atoi(optarg); break;
		case 'y': opt_yield = 1; break;
		case 'k': opt_signal = 1; break;
		case 's': opt_sleep = atoi(optarg); break;
		case 'a': cfg.kicker = true; break;
		case 't': cfg.threads = atoi(optarg); break;
		case 'r': cfg.reps = atol(optarg); break;
		case 'v': cfg.verbose = 1; break;
		default:
			fprintf(stderr, "usage: %s [-T s|l|b|m|i|o|r] [-M] [-c] [-1..-9 N] "
				"[-m N] [-y] [-k] [-s MS] [-a] [-t N] [-r N] [-v]\n", argv[0]);
			*status = opt == 'h' ? 0 : 2;
			return -1;
		}
	}
	return 0;
}

/* Every handler counts its signal (SIGRTMIN: queued, none coalesce). */
static void install_handlers(void)
{
	test_on_signal(SIGUSR1, sig_handler);
	test_on_signal(SIGRTMIN, sig_handler);
}

int main(int argc, char **argv)
{
	int threads = 4 * get_nprocs(), status;
	bool single = argc > 1;

	if (threads < 6)
		threads = 6;
	nr_slots = possible_cpus();
	install_handlers();
	set_cfg('s', false, false, threads, 5000);
	if (parse_options(argc, argv, &status))
		return status;
	if (rseq_register_current_thread()) {
		if (test_expect_unavailable()) {
			CHECK(!rseq_available());
			CHECK(strlen(rseq_error_reason()) > 0);
			printf("rseq unavailable as expected: %s\n", rseq_error_reason());
			return test_done();
		}
		test_skip("rseq registration failed: %s (%s)", strerror(errno),
			  rseq_error_reason());
	}
	CHECK(!test_expect_unavailable());
	membarrier_ok = membarrier_rseq_available();
	if (cfg.mm_cid && !rseq_mm_cid_available())
		test_skip("mm_cid indexing needs Linux 6.3 (feature size %u)", rseq_feature_size);
	if (cfg.test == 'r' && !membarrier_ok)
		test_skip("MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ needs Linux 5.10");
	if (single)
		run_one();
	else
		run_matrix(threads);
	rseq_unregister_current_thread();
	if (!test_failed)
		test_verified_ops(verified_ops);
	return test_done();
}

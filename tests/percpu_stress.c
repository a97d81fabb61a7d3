/* SPDX-License-Identifier: MIT */
/*
 * percpu_stress - every per-CPU structure under 3 x nproc + 2 threads,
 * with delay loops injected inside the critical sections
 * (RSEQ_INJECT_ASM), sched_yield() before them (RSEQ_INJECT_C), a
 * SIGALRM timer and SIGUSR1 storms interrupting them (the counter is also
 * incremented from the signal handler), threads that keep changing their
 * affinity, a quarter of the threads on the non-rseq path (a mixed
 * process), and a thread doing remote operations all the time.  Exact
 * conservation: every count, lock increment, node, pointer, record and
 * object is accounted for at the end.  Then it runs again in atomic mode
 * (a new process with RSEQKIT_PERCPU_NO_MEMBARRIER=1).
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/time.h>

static int inject_loops[10];
static __thread unsigned int inject_ctr;
static int inject_yield;

/* Delay loops inside the critical sections: tests/arch/<arch>/inject.h. */
#define RSEQ_INJECT_LOOPS inject_loops
#include "arch/inject.h"
/* Before every operation: now and then, give the CPU away. */
#define RSEQ_INJECT_C(n)						\
	{								\
		if (inject_yield && (++inject_ctr & 255) == 0)		\
			sched_yield();					\
	}

#include "harness.h"
#include <rseqkit/percpu/percpu.h>
#include "percpu_util.h"

static int nt, nr_cpus_onln;
static unsigned long iters;
static volatile int phase_done;
static int workers_done;
#define WORKER_END() __atomic_fetch_add(&workers_done, 1, __ATOMIC_RELEASE)
static struct rseq_percpu_counter *sig_counter;
static unsigned long sig_adds;
static pthread_t *tids;
static unsigned long holder_errors;
/* Pushes and pops of the phase (workers and remote thread), and the
 * operations of the checks that passed (VERIFIED-OPS). */
static unsigned long phase_ops;
static unsigned long long verified_ops;

static void count_ops(unsigned long n)
{
	__atomic_fetch_add(&phase_ops, n, __ATOMIC_RELAXED);
}

/* The check that began with 'failed_before' failures verified n operations. */
static void verified(unsigned long failed_before, unsigned long long n)
{
	if (test_failed == failed_before)
		verified_ops += n;
}

static void on_signal(int sig)
{
	(void)sig;
	if (sig_counter) {
		rseq_percpu_counter_add(sig_counter, 1);
		__atomic_fetch_add(&sig_adds, 1, __ATOMIC_RELAXED);
	}
}

static void migrate(int id, unsigned long i)
{
	cpu_set_t set;

	if (i % 512)
		return;
	CPU_ZERO(&set);
	if ((i / 512) % 2) {
		for (int c = 0; c < nr_cpus_onln; c++)
			CPU_SET(c, &set);
	} else {
		CPU_SET((int)((i / 512 + (unsigned long)id) % (unsigned long)nr_cpus_onln), &set);
	}
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void worker_start(int id)
{
	(void)rseq_register_current_thread();
	if (id % 4 == 3)
		rseq_percpu_thread_without_rseq(true);	/* a mixed process */
}


static void *signaler(void *arg)
{
	unsigned int seed = 7;
	(void)arg;
	while (!__atomic_load_n(&phase_done, __ATOMIC_ACQUIRE)) {
		pthread_kill(tids[rnd(&seed) % (unsigned int)nt], SIGUSR1);
		usleep(200);
	}
	return NULL;
}

static void run_phase(void *(*worker)(void *), void *(*remote)(void *))
{
	pthread_t rem, sig;

	__atomic_store_n(&phase_done, 0, __ATOMIC_RELEASE);
	for (long i = 0; i < nt; i++)
		pthread_create(&tids[i], NULL, worker, (void *)i);
	pthread_create(&rem, NULL, remote, NULL);
	pthread_create(&sig, NULL, signaler, NULL);
	/* Workers end by counting themselves; the signaler stops before
	 * any worker is joined (pthread_kill needs a thread not yet joined). */
	while (__atomic_load_n(&workers_done, __ATOMIC_ACQUIRE) < nt)
		usleep(1000);
	__atomic_store_n(&phase_done, 1, __ATOMIC_RELEASE);
	pthread_join(sig, NULL);
	pthread_join(rem, NULL);
	for (int i = 0; i < nt; i++)
		pthread_join(tids[i], NULL);
	workers_done = 0;
}

/* ---- counter ---- */
static struct rseq_percpu_counter *ctr;
static intptr_t ctr_taken;

static void *counter_worker(void *arg)
{
	int id = (int)(long)arg;

	worker_start(id);
	for (unsigned long i = 0; i < iters; i++) {
		migrate(id, i);
		rseq_percpu_counter_add(ctr, 1);
	}
	WORKER_END();
	return NULL;
}

static void *counter_remote(void *arg)
{
	unsigned int seed = 1;
	(void)arg;
	while (!__atomic_load_n(&phase_done, __ATOMIC_ACQUIRE)) {
		intptr_t t;

		if (!rseq_percpu_counter_read_reset(ctr, (int)(rnd(&seed) %
				(unsigned int)rseq_percpu_counter_nr_cpus(ctr)), &t))
			__atomic_fetch_add(&ctr_taken, t, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* ---- lock ---- */
static struct rseq_percpu_lock *lck;
static long *lock_data;
static unsigned long lock_remote_ops;

static void *lock_worker(void *arg)
{
	int id = (int)(long)arg;

	worker_start(id);
	for (unsigned long i = 0; i < iters; i++) {
		int cpu;
		long v;

		migrate(id, i);
		cpu = rseq_percpu_lock(lck);
		v = RSEQ_READ_ONCE(lock_data[cpu]);
		if (!(i & 63))
			sched_yield();
		RSEQ_WRITE_ONCE(lock_data[cpu], v + 1);
		rseq_percpu_unlock(lck, cpu);
	}
	WORKER_END();
	return NULL;
}

static void *lock_remote(void *arg)
{
	unsigned int seed = 2;
	(void)arg;
	while (!__atomic_load_n(&phase_done, __ATOMIC_ACQUIRE)) {
		int cpu = rseq_percpu_lock_cpu(lck, (int)(rnd(&seed) %
				(unsigned int)rseq_percpu_lock_nr_cpus(lck)));

		if (cpu < 0) {
			__atomic_fetch_add(&holder_errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		lock_data[cpu]++;
		rseq_percpu_unlock(lck, cpu);
		lock_remote_ops++;
	}
	return NULL;
}

/* ---- stack and buffer: nodes that must never be held twice ---- */
#define K 32
struct node {
	struct rseq_percpu_node link;
	int id;
	int holder;
};
static struct node *nodes;
static struct rseq_percpu_stack *stk;
static struct rseq_percpu_buffer *buf;

static void hold(struct node *n, int who)
{
	int zero = 0;

	if (!__atomic_compare_exchange_n(&n->holder, &zero, who + 1, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		__atomic_fetch_add(&holder_errors, 1, __ATOMIC_RELAXED);
}

static void unhold(struct node *n)
{
	__atomic_store_n(&n->holder, 0, __ATOMIC_RELEASE);
}

static void *stack_worker(void *arg)
{
	int id = (int)(long)arg;
	struct node *mine = &nodes[id * K];

	unsigned long ops = K;

	worker_start(id);
	for (int k = 0; k < K; k++)
		rseq_percpu_stack_push(stk, &mine[k].link);
	for (unsigned long i = 0; i < iters; i++) {
		struct node *n;

		migrate(id, i);
		n = (struct node *)rseq_percpu_stack_pop(stk);
		if (!n)
			continue;
		hold(n, id);
		unhold(n);
		rseq_percpu_stack_push(stk, &n->link);
		ops += 2;
	}
	count_ops(ops);
	WORKER_END();
	return NULL;
}

static void *stack_remote(void *arg)
{
	unsigned int seed = 3;
	(void)arg;
	while (!__atomic_load_n(&phase_done, __ATOMIC_ACQUIRE)) {
		struct rseq_percpu_node *l = rseq_percpu_stack_pop_all_cpu(stk,
				(int)(rnd(&seed) % (unsigned int)rseq_percpu_stack_nr_cpus(stk))), *next;

		if (l)
			count_ops(1);	/* the pop-all */
		for (; l; l = next) {
			next = l->next;
			hold((struct node *)l, nt);
			unhold((struct node *)l);
			rseq_percpu_stack_push(stk, l);
			count_ops(1);	/* pushed back */
		}
	}
	return NULL;
}

static void *buffer_worker(void *arg)
{
	int id = (int)(long)arg;
	struct node *mine = &nodes[id * K];

	unsigned long ops = K;

	worker_start(id);
	for (int k = 0; k < K; k++)
		if (rseq_percpu_buffer_push(buf, &mine[k]) < 0)
			__atomic_fetch_add(&holder_errors, 1, __ATOMIC_RELAXED);
	for (unsigned long i = 0; i < iters; i++) {
		struct node *n;

		migrate(id, i);
		n = (struct node *)rseq_percpu_buffer_pop(buf);
		if (!n)
			continue;
		hold(n, id);
		unhold(n);
		if (rseq_percpu_buffer_push(buf, n) < 0)
			__atomic_fetch_add(&holder_errors, 1, __ATOMIC_RELAXED);
		ops += 2;
	}
	count_ops(ops);
	WORKER_END();
	return NULL;
}

static void *buffer_remote(void *arg)
{
	unsigned int seed = 4;
	void *out[64];
	(void)arg;
	while (!__atomic_load_n(&phase_done, __ATOMIC_ACQUIRE)) {
		ssize_t k = rseq_percpu_buffer_drain_cpu(buf,
				(int)(rnd(&seed) % (unsigned int)rseq_percpu_buffer_nr_cpus(buf)), out, 64);

		if (k < 0) {
			__atomic_fetch_add(&holder_errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		for (ssize_t i = 0; i < k; i++) {
			hold((struct node *)out[i], nt);
			unhold((struct node *)out[i]);
		}
		if (rseq_percpu_buffer_push_many(buf, out, (size_t)k) != k)
			__atomic_fetch_add(&holder_errors, 1, __ATOMIC_RELAXED);
		count_ops(k ? 1 + (unsigned long)k : 0);	/* the drain, the pushes back */
	}
	return NULL;
}

/* ---- FIFO ---- */
struct rec {
	long id, seq, check, pad;
};
static struct rseq_percpu_fifo *fifo;
static unsigned char *popped;	/* [nt][iters] */
static unsigned long rec_errors;

static void got_rec(const struct rec *r)
{
	if (r->id < 0 || r->id >= nt || r->seq < 0 || (unsigned long)r->seq >= iters ||
	    r->check != ((r->id * 7919) ^ r->seq)) {
		__atomic_fetch_add(&rec_errors, 1, __ATOMIC_RELAXED);
		return;
	}
	__atomic_fetch_add(&popped[(unsigned long)r->id * iters + (unsigned long)r->seq], 1,
			   __ATOMIC_RELAXED);
}

static void *fifo_worker(void *arg)
{
	int id = (int)(long)arg;
	struct rec r, o;

	worker_start(id);
	for (unsigned long i = 0; i < iters; i++) {
		migrate(id, i);
		r.id = id;
		r.seq = (long)i;
		r.check = (r.id * 7919) ^ r.seq;
		r.pad = 0;
		while (rseq_percpu_fifo_push(fifo, &r) < 0)
			if (!rseq_percpu_fifo_pop(fifo, &o))
				got_rec(&o);
		if ((i & 1) && !rseq_percpu_fifo_pop(fifo, &o))
			got_rec(&o);
	}
	WORKER_END();
	return NULL;
}

static void *fifo_remote(void *arg)
{
	unsigned int seed = 5;
	struct rec o;
	(void)arg;
	while (!__atomic_load_n(&phase_done, __ATOMIC_ACQUIRE))
		if (!rseq_percpu_fifo_pop_cpu(fifo, (int)(rnd(&seed) %
				(unsigned int)rseq_percpu_fifo_nr_cpus(fifo)), &o))
			got_rec(&o);
	return NULL;
}

/* ---- cache ---- */
static struct rseq_percpu_cache *cache;
static unsigned long cache_errors, cache_allocs;
static int cache_nr_cpus;

static void *cache_worker(void *arg)
{
	int id = (int)(long)arg;
	unsigned int seed = (unsigned int)id + 1;
	long *objs[16];

	worker_start(id);
	for (unsigned long i = 0; i < iters; i++) {
		int k = (int)(rnd(&seed) % 16) + 1;

		migrate(id, i);
		for (int j = 0; j < k; j++) {
			objs[j] = (long *)rseq_percpu_cache_alloc(cache);
			if (!objs[j]) {
				__atomic_fetch_add(&cache_errors, 1, __ATOMIC_RELAXED);
				k = j;
				break;
			}
			for (int w = 0; w < 8; w++)
				objs[j][w] = id;
		}
		if (!(i & 7))
			sched_yield();
		for (int j = 0; j < k; j++) {
			for (int w = 0; w < 8; w++)
				if (objs[j][w] != id) {
					__atomic_fetch_add(&cache_errors, 1, __ATOMIC_RELAXED);
					break;
				}
			rseq_percpu_cache_free(cache, objs[j]);
		}
		__atomic_fetch_add(&cache_allocs, (unsigned long)k, __ATOMIC_RELAXED);
	}
	WORKER_END();
	return NULL;
}

static void *cache_remote(void *arg)
{
	unsigned int seed = 6;
	(void)arg;
	while (!__atomic_load_n(&phase_done, __ATOMIC_ACQUIRE)) {
		rseq_percpu_cache_drain_cpu(cache, (int)(rnd(&seed) % (unsigned int)cache_nr_cpus));
		usleep(50);
	}
	return NULL;
}

static int *seen;

static void check_nodes(const char *what)
{
	int missing = 0, dup = 0;

	for (int i = 0; i < nt * K; i++) {
		missing += seen[i] == 0;
		dup += seen[i] > 1;
	}
	CHECK_MSG(!missing && !dup, "%s: %d nodes missing, %d seen twice", what, missing, dup);
	CHECK_EQ(holder_errors, 0);
}

/* ---- each structure: create, run the phase, verify, destroy ---- */

static void check_counter(void)
{
	unsigned long failed = test_failed;
	intptr_t total;

	ctr = rseq_percpu_counter_create(NULL);
	sig_counter = ctr;
	run_phase(counter_worker, counter_remote);
	sig_counter = NULL;
	total = rseq_percpu_counter_sum(ctr) + ctr_taken;
	CHECK_EQ(total, (intptr_t)(nt * iters + sig_adds));
	printf("counter: %ld = %d x %lu + %lu signal-handler adds (%ld taken by remote resets)\n",
	       (long)total, nt, iters, sig_adds, (long)ctr_taken);
	verified(failed, (unsigned long long)nt * iters + sig_adds);
	rseq_percpu_counter_destroy(ctr);
}

static void check_lock(void)
{
	unsigned long failed = test_failed;
	long sum = 0;
	int nr;

	lck = rseq_percpu_lock_create(NULL);
	nr = rseq_percpu_lock_nr_cpus(lck);
	lock_data = (long *)calloc((size_t)nr, sizeof(long));
	run_phase(lock_worker, lock_remote);
	for (int c = 0; c < nr; c++)
		sum += lock_data[c];
	CHECK_EQ(sum, (long)(nt * iters + lock_remote_ops));
	CHECK_EQ(holder_errors, 0);
	printf("lock: %ld increments (%lu remote)\n", sum, lock_remote_ops);
	verified(failed, (unsigned long long)sum);	/* lock/unlock pairs */
	rseq_percpu_lock_destroy(lck);
	free(lock_data);
}

static void check_stack(void)
{
	unsigned long failed = test_failed;

	phase_ops = 0;
	stk = rseq_percpu_stack_create(NULL);
	run_phase(stack_worker, stack_remote);
	for (int c = 0; c < rseq_percpu_stack_nr_cpus(stk); c++)
		for (struct rseq_percpu_node *l = rseq_percpu_stack_pop_all_cpu(stk, c); l; l = l->next)
			seen[((struct node *)l)->id]++;
	check_nodes("stack");
	verified(failed, phase_ops);
	rseq_percpu_stack_destroy(stk);
}

static void check_buffer(void)
{
	unsigned long failed = test_failed;

	phase_ops = 0;
	memset(seen, 0, (size_t)nt * K * sizeof(int));
	buf = rseq_percpu_buffer_create((size_t)nt * K, NULL);
	run_phase(buffer_worker, buffer_remote);
	for (int c = 0; c < rseq_percpu_buffer_nr_cpus(buf); c++) {
		void *out[64];
		ssize_t k;

		while ((k = rseq_percpu_buffer_drain_cpu(buf, c, out, 64)) > 0)
			for (ssize_t i = 0; i < k; i++)
				seen[((struct node *)out[i])->id]++;
	}
	check_nodes("buffer");
	verified(failed, phase_ops);
	rseq_percpu_buffer_destroy(buf);
}

static void check_fifo(void)
{
	unsigned long bad = 0, failed = test_failed;
	struct rec o;

	fifo = rseq_percpu_fifo_create(sizeof(struct rec), 64, NULL);
	run_phase(fifo_worker, fifo_remote);
	for (int c = 0; c < rseq_percpu_fifo_nr_cpus(fifo); c++)
		while (!rseq_percpu_fifo_pop_cpu(fifo, c, &o))
			got_rec(&o);
	for (unsigned long i = 0; i < (unsigned long)nt * iters; i++)
		bad += popped[i] != 1;
	CHECK_EQ(bad, 0);
	CHECK_EQ(rec_errors, 0);
	printf("fifo: %lu records, each popped once: %s\n", (unsigned long)nt * iters,
	       bad || rec_errors ? "NO" : "yes");
	verified(failed, 2ULL * (unsigned long long)nt * iters);	/* each pushed and popped */
	rseq_percpu_fifo_destroy(fifo);
}

static void check_cache(void)
{
	struct rseq_percpu_cache_attr *a = rseq_percpu_cache_attr_create();
	struct rseq_percpu_cache_stats st;
	unsigned long failed = test_failed;

	rseq_percpu_cache_attr_set_capacity(a, 32);
	rseq_percpu_cache_attr_set_batch(a, 8);
	cache = rseq_percpu_cache_create(64, a);
	rseq_percpu_cache_attr_destroy(a);
	rseq_percpu_cache_get_stats(cache, &st);
	cache_nr_cpus = st.nr_cpus;
	run_phase(cache_worker, cache_remote);
	rseq_percpu_cache_get_stats(cache, &st);
	CHECK_EQ(cache_errors, 0);
	CHECK_EQ(st.total, st.depot + st.cached);
	rseq_percpu_cache_drain_all(cache);
	rseq_percpu_cache_get_stats(cache, &st);
	CHECK_EQ(st.depot, st.total);
	printf("cache: %lu allocations, %zu objects exist, all back in the depot\n",
	       cache_allocs, st.total);
	verified(failed, 2ULL * cache_allocs);		/* allocated and freed */
	rseq_percpu_cache_destroy(cache);
}

static void (*const checks[])(void) = {
	check_counter, check_lock, check_stack, check_buffer, check_fifo, check_cache,
};

static void setup(int ok)
{
	struct itimerval it = { { 0, 300 }, { 0, 300 } };
	int valgrind = !strcmp(test_mode(), "valgrind");

	nr_cpus_onln = (int)sysconf(_SC_NPROCESSORS_ONLN);
	nt = 3 * nr_cpus_onln + 2;
	iters = test_scale(valgrind ? 200 : 20000);
	printf("mode %s, %d threads on %d CPUs, %lu iterations each\n",
	       ok ? "rseq" : "atomic", nt, nr_cpus_onln, iters);
	tids = (pthread_t *)calloc((size_t)nt, sizeof(*tids));
	nodes = (struct node *)calloc((size_t)nt * K, sizeof(*nodes));
	seen = (int *)calloc((size_t)nt * K, sizeof(int));
	popped = (unsigned char *)calloc((size_t)nt * iters, 1);
	for (int i = 0; i < nt * K; i++)
		nodes[i].id = i;
	test_on_signal(SIGALRM, on_signal);
	test_on_signal(SIGUSR1, on_signal);
	setitimer(ITIMER_REAL, &it, NULL);
	inject_yield = 1;
	inject_loops[3] = 50;
	inject_loops[4] = 20;
	inject_loops[5] = 20;
	inject_loops[6] = 20;
}

int main(int argc, char **argv)
{
	struct itimerval off;
	int ok = rseq_percpu_init();

	setup(ok);
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		checks[i]();
	memset(&off, 0, sizeof(off));
	setitimer(ITIMER_REAL, &off, NULL);
	free(tids);
	free(nodes);
	free(seen);
	free(popped);
	if (!test_failed)	/* this process's: the atomic-mode run prints its own */
		test_verified_ops(verified_ops);
	if (ok && argc == 1 && !test_failed)
		printf("%lu passed so far; again in atomic mode\n", test_passed);
	rerun_in_atomic_mode(argc, argv, ok);
	return test_done();
}

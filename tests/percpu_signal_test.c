/* SPDX-License-Identifier: MIT */
/*
 * percpu_signal_test - a signal handler that uses every structure, at a
 * high rate (a thread sends SIGUSR1 to the main thread ~20 us after the
 * previous handler ended),
 * while the interrupted thread runs every path: fast paths, slow paths,
 * the claim paths (rseq_percpu_thread_without_rseq toggled), remote
 * operations (claims of every CPU's slot, with their membarrier fences),
 * the counter's resets, and the cache's refills and drains through its
 * depot.  The handler must never wait for the code it interrupted: it
 * gets its result, or EAGAIN / EDEADLK, and the test fails if the main
 * thread stops making progress for 20 s (a hang) or if anything is lost
 * or duplicated: every node, pointer, record, count and object is
 * accounted for at the end.  Then again in atomic mode, where every
 * operation is a claim.  Valid C++ too.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include "harness.h"
#include <rseqkit/percpu/percpu.h>
#define PERCPU_UTIL_ALL	/* one of each structure, named ctr, stk, ... */
#include "percpu_util.h"

#define NODES	256		/* stack and buffer items */
#define STASH	(2 * NODES + 16)	/* what a handler could not put back yet */
#define NOBJ	16

static struct tnode nodes[2 * NODES];	/* [0, NODES): stack; then buffer */
static int nr;
static pthread_t main_tid;
static volatile int done;
static unsigned long progress;

/* Accounting.  Only the main thread and its handler touch these. */
static long main_adds, handler_adds, taken;
static long fifo_pushed, fifo_popped_count;
static unsigned char *fifo_seen;	/* [record id]: times popped */
static unsigned char *fifo_unused;	/* [record id]: never pushed */
static long fifo_next_id;
static unsigned long handler_calls, handler_busy, obj_errors, rec_errors;
static unsigned long handler_ends;	/* handlers finished (the sender paces on it) */
/* Items a handler popped but could not push back (EAGAIN): kept here. */
static struct rseq_percpu_node *stash_nodes[STASH];
static void *stash_ptrs[STASH];
static int nstash_nodes, nstash_ptrs;

static void got_rec(const struct trec *r)
{
	if (r->id < 0 || r->id >= fifo_next_id || r->check != (r->id ^ 0x5a5a) ||
	    fifo_unused[r->id]) {
		__atomic_fetch_add(&rec_errors, 1, __ATOMIC_RELAXED);
		return;
	}
	__atomic_fetch_add(&fifo_seen[r->id], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&fifo_popped_count, 1, __ATOMIC_RELAXED);
}

static long fifo_max_id;

static int push_rec(void)
{
	struct trec r;

	if (__atomic_load_n(&fifo_next_id, __ATOMIC_RELAXED) >= fifo_max_id)
		return 0;
	/*
	 * Take the id first, in one instruction: a handler may run between
	 * any two instructions of the main thread.
	 */
	r.id = __atomic_fetch_add(&fifo_next_id, 1, __ATOMIC_RELAXED);
	r.check = r.id ^ 0x5a5a;
	if (rseq_percpu_fifo_push(fifo, &r) < 0) {
		fifo_unused[r.id] = 1;
		return -1;
	}
	__atomic_fetch_add(&fifo_pushed, 1, __ATOMIC_RELAXED);
	return 0;
}

/* An object the cache handed out: mark it ours; two owners is an error. */
static void own(void *p, long who)
{
	long zero = 0;

	if (!__atomic_compare_exchange_n((long *)p + 1, &zero, who, false,
					 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		__atomic_fetch_add(&obj_errors, 1, __ATOMIC_RELAXED);
}

static void disown(void *p)
{
	__atomic_store_n((long *)p + 1, 0, __ATOMIC_RELAXED);
}

static void stash_node(struct rseq_percpu_node *n)
{
	if (rseq_percpu_stack_push(stk, n) < 0)
		stash_nodes[nstash_nodes++] = n;
}

static void stash_ptr(void *p)
{
	if (rseq_percpu_buffer_push(buf, p) < 0)
		stash_ptrs[nstash_ptrs++] = p;
}

/* Everything that may be called from a handler, once each. */
static void on_signal(int sig)
{
	int saved = errno, cpu;
	struct rseq_percpu_node *n, *l, *next;
	struct trec r;
	void *p;

	(void)sig;
	handler_calls++;
	rseq_percpu_counter_add(ctr, 1);
	handler_adds++;
	/* Put back what an earlier handler could not. */
	while (nstash_nodes > 0 &&
	       rseq_percpu_stack_push(stk, stash_nodes[nstash_nodes - 1]) >= 0)
		nstash_nodes--;
	while (nstash_ptrs > 0 &&
	       rseq_percpu_buffer_push(buf, stash_ptrs[nstash_ptrs - 1]) >= 0)
		nstash_ptrs--;
	if ((n = rseq_percpu_stack_pop(stk)) != NULL)
		stash_node(n);
	else if (errno != EAGAIN)
		handler_busy++;
	if ((p = rseq_percpu_buffer_pop(buf)) != NULL)
		stash_ptr(p);
	if (nstash_nodes < NODES &&
	    (l = rseq_percpu_stack_pop_all_cpu(stk, (int)(handler_calls % (unsigned long)nr))) != NULL)
		for (; l; l = next) {
			next = l->next;
			stash_node(l);
		}
	if (push_rec() < 0)
		handler_busy++;
	if (!rseq_percpu_fifo_pop(fifo, &r))
		got_rec(&r);
	if ((p = rseq_percpu_cache_alloc(cache)) != NULL) {
		own(p, 2);
		disown(p);
		rseq_percpu_cache_free(cache, p);
	} else {
		handler_busy++;
	}
	cpu = rseq_percpu_lock_cpu(lck, (int)(handler_calls % (unsigned long)nr));
	if (cpu >= 0)
		rseq_percpu_unlock(lck, cpu);
	else if (errno == EDEADLK || errno == EAGAIN)
		handler_busy++;
	__atomic_store_n(&handler_ends, handler_ends + 1, __ATOMIC_RELEASE);
	errno = saved;
}

static void *sender(void *arg)
{
	struct timespec ts = { 0, 20000 };

	(void)arg;
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);	/* wake on time */
	while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
		unsigned long ends = __atomic_load_n(&handler_ends, __ATOMIC_ACQUIRE);

		pthread_kill(main_tid, SIGUSR1);
		/*
		 * The next signal 20 us after this one's handler ended (or
		 * after 50 ms, if it was merged with a pending one): the
		 * interrupted code always gets time to run.  A fixed period
		 * starved it where one handler call takes longer than the
		 * period (an armhf guest under qemu's emulation: a claim's
		 * membarrier fence alone).
		 */
		for (int w = 0; w < 2500 && !__atomic_load_n(&done, __ATOMIC_ACQUIRE) &&
				__atomic_load_n(&handler_ends, __ATOMIC_ACQUIRE) == ends; w++)
			nanosleep(&ts, NULL);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void *watchdog(void *arg)
{
	unsigned long last = (unsigned long)-1;

	(void)arg;
	while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
		for (int i = 0; i < 200 && !__atomic_load_n(&done, __ATOMIC_ACQUIRE); i++)
			usleep(100000);
		if (__atomic_load_n(&done, __ATOMIC_ACQUIRE))
			break;
		if (__atomic_load_n(&progress, __ATOMIC_RELAXED) == last) {
			printf("HANG: no progress for 20 s (%lu iterations, %lu handler calls)\n",
			       last, handler_calls);
			printf("%lu passed, %lu failed\n", test_passed, test_failed + 1);
			fflush(stdout);
			_exit(1);
		}
		last = __atomic_load_n(&progress, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* One round of every path of the interrupted thread. */
static void round_of_everything(unsigned long i, unsigned int *seed)
{
	int c = (int)(rnd(seed) % (unsigned int)nr), cpu;
	struct rseq_percpu_node *n, *l, *next;
	void *objs[NOBJ], *out[32];
	ssize_t k;
	intptr_t t;
	struct trec r;

	rseq_percpu_counter_add(ctr, 1);
	main_adds++;
	if (!rseq_percpu_counter_read_reset(ctr, c, &t))
		taken += t;
	if ((n = rseq_percpu_stack_pop(stk)) != NULL)
		CHECK(rseq_percpu_stack_push(stk, n) >= 0);
	for (l = rseq_percpu_stack_pop_all_cpu(stk, c); l; l = next) {
		next = l->next;
		CHECK(rseq_percpu_stack_push(stk, l) >= 0);
	}
	for (l = rseq_percpu_stack_pop_all(stk); l; l = next) {
		next = l->next;
		CHECK(rseq_percpu_stack_push(stk, l) >= 0);
	}
	if ((k = rseq_percpu_buffer_drain_cpu(buf, c, out, 32)) > 0)
		CHECK_EQ(rseq_percpu_buffer_push_many(buf, out, (size_t)k), k);
	if ((k = rseq_percpu_buffer_pop_many(buf, out, 8)) > 0)
		CHECK_EQ(rseq_percpu_buffer_push_many(buf, out, (size_t)k), k);
	push_rec();
	if (!rseq_percpu_fifo_pop(fifo, &r))
		got_rec(&r);
	if (!rseq_percpu_fifo_pop_cpu(fifo, c, &r))
		got_rec(&r);
	for (int j = 0; j < NOBJ; j++) {
		objs[j] = rseq_percpu_cache_alloc(cache);
		CHECK(objs[j] != NULL);
		if (objs[j])
			own(objs[j], 1);
	}
	for (int j = 0; j < NOBJ; j++)
		if (objs[j]) {
			disown(objs[j]);
			rseq_percpu_cache_free(cache, objs[j]);
		}
	if (!(i % 8))
		rseq_percpu_cache_drain_cpu(cache, c);
	cpu = rseq_percpu_lock(lck);
	CHECK(cpu >= 0);
	if (cpu >= 0)
		rseq_percpu_unlock(lck, cpu);
	if (rseq_percpu_lock_cpu(lck, c) == c)
		rseq_percpu_unlock(lck, c);
	if (!(i % 64))	/* the claim paths, and the registry */
		rseq_percpu_thread_without_rseq(!rseq_percpu_thread_off);
}

static void create_all(void)
{
	create_structures(&all, 2 * NODES, 16, 8, 4);	/* a small cache: depot traffic */
	nr = rseq_percpu_stack_nr_cpus(stk);
	for (int i = 0; i < NODES; i++) {
		nodes[i].id = i;
		CHECK(rseq_percpu_stack_push(stk, &nodes[i].link) >= 0);
		nodes[NODES + i].id = NODES + i;
		CHECK(rseq_percpu_buffer_push(buf, &nodes[NODES + i]) >= 0);
	}
}

static void verify_all(void)
{
	static int seen[2 * NODES];
	int missing = 0, dup = 0;
	long fifo_bad = 0;
	struct rseq_percpu_cache_stats st;
	struct trec r;

	for (int i = 0; i < nstash_nodes; i++)
		seen[((struct tnode *)stash_nodes[i])->id]++;
	for (int i = 0; i < nstash_ptrs; i++)
		seen[((struct tnode *)stash_ptrs[i])->id]++;
	take_all_nodes(&all, seen);
	for (int c = 0; c < nr; c++)
		while (!rseq_percpu_fifo_pop_cpu(fifo, c, &r))
			got_rec(&r);
	for (int i = 0; i < 2 * NODES; i++) {
		missing += seen[i] == 0;
		dup += seen[i] > 1;
	}
	CHECK_MSG(!missing && !dup, "nodes: %d missing, %d twice", missing, dup);
	for (long i = 0; i < fifo_next_id; i++) {
		int want = !fifo_unused[i];

		fifo_bad += fifo_seen[i] != want;
		if (fifo_seen[i] != want && fifo_bad < 10)
			printf("record %ld popped %d times\n", i, fifo_seen[i]);
	}
	CHECK_MSG(!fifo_bad && !rec_errors, "records: %ld not popped exactly once, %lu bad",
		  fifo_bad, rec_errors);
	CHECK_EQ(fifo_popped_count, fifo_pushed);
	CHECK_EQ(rseq_percpu_counter_sum(ctr) + taken, main_adds + handler_adds);
	CHECK_EQ(obj_errors, 0);
	CHECK(rseq_percpu_cache_drain_all(cache) >= 0);
	rseq_percpu_cache_get_stats(cache, &st);
	CHECK_EQ(st.depot, st.total);
	for (int c = 0; c < nr; c++) {
		CHECK_EQ(rseq_percpu_lock_cpu(lck, c), c);
		rseq_percpu_unlock(lck, c);
	}
}

int main(int argc, char **argv)
{
	pthread_t snd, wd;
	unsigned int seed = 1;
	unsigned long done_rounds = 0;
	time_t start;
	int ok = rseq_percpu_init();
	unsigned long rounds = test_scale(!strcmp(test_mode(), "valgrind") ? 300 : 3000);

	(void)rseq_register_current_thread();
	main_tid = pthread_self();
	fifo_max_id = 16 * (long)rounds + 4000000;
	fifo_seen = (unsigned char *)calloc((size_t)fifo_max_id, 1);
	fifo_unused = (unsigned char *)calloc((size_t)fifo_max_id, 1);
	create_all();
	test_on_signal(SIGUSR1, on_signal);
	pthread_create(&wd, NULL, watchdog, NULL);
	pthread_create(&snd, NULL, sender, NULL);
	/*
	 * At least 'rounds' rounds and as many interruptions (10 s at most,
	 * scaled like the rounds: emulators deliver signals slowly).
	 */
	start = time(NULL);
	for (unsigned long i = 0; i < rounds || (handler_calls < rounds &&
			time(NULL) - start < (time_t)test_scale(10)); i++) {
		round_of_everything(i, &seed);
		__atomic_store_n(&progress, i + 1, __ATOMIC_RELAXED);
		done_rounds = i + 1;
	}
	__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	pthread_join(snd, NULL);
	pthread_join(wd, NULL);
	signal(SIGUSR1, SIG_IGN);
	rseq_percpu_thread_without_rseq(false);
	verify_all();
	printf("%s mode: %lu rounds, %lu handler calls (%lu told to retry: EAGAIN/EDEADLK), "
	       "%ld records, %lu objects handed out twice\n", ok ? "rseq" : "atomic",
	       done_rounds, handler_calls, handler_busy, fifo_pushed, obj_errors);
	CHECK(handler_calls > 0);
	rerun_in_atomic_mode(argc, argv, ok);
	return test_done();
}

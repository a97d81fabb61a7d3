/* SPDX-License-Identifier: MIT */
/*
 * ringbuf_stress - the ring buffer under everything that can happen
 * between a reserve and its commit, with exact accounting.
 *
 * 3 x CPUs writer threads (a quarter with rseq disabled: the claim path),
 * each writing its own stream of records (sequence number, payload
 * derived from it), preempted (more threads than CPUs, sched_yield()
 * between reserve and commit), migrated (a kicker thread changes their
 * affinity), interrupted by SIGUSR1 and SIGUSR2 whose handlers write
 * records of their own streams (SIGUSR2 may land in the SIGUSR1 handler:
 * two levels of nesting), with delay loops injected inside the critical
 * sections (RSEQ_INJECT_ASM, tests/inject-asm.h) and yields and signals
 * at their entry (RSEQ_INJECT_C).  A consumer thread waits (futex) and
 * reads records as sub-buffers complete.
 *
 * Discard mode: every record is read exactly once or was reported
 * dropped to its writer, never both, and the drop counts agree with the
 * channel's statistics.  Overwrite mode: no record is read twice, none
 * that was reported dropped is read, and read + overwritten + dropped =
 * written, exactly.  Both: within each CPU's buffer each stream's records
 * come in the order they were written, every payload is intact, and
 * timestamps never go backwards.  Liveness: once the writers stop, the
 * consumer (woken by the last commits, not by a timeout) has taken every
 * complete sub-buffer.
 *
 * RSEQKIT_TEST_SCALE scales the records per writer.  Runs in every
 * registration mode; in "none" and "valgrind" every writer takes the
 * compare-and-swap path.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/sysinfo.h>

#include "inject-asm.h"
static int inject_every;		/* RSEQ_INJECT_C: act every n-th entry */
static __thread unsigned int inject_cnt, nr_abort;
#define RSEQ_INJECT_C(n)						\
	{								\
		for (int __i = 0; __i < loop_cnt[n]; __i++)		\
			rseq_barrier();					\
		if (inject_every && ++inject_cnt % (unsigned int)inject_every == 0) { \
			if (inject_cnt & 1)				\
				sched_yield();				\
			else						\
				raise(SIGUSR2);				\
		}							\
	}
#define RSEQ_INJECT_FAILED nr_abort++;

#include "harness.h"
#include <rseqkit/ringbuf.h>

#define MAX_STREAMS	(3 * 64)
#define MAX_CPUS	512
#define HANDLER_CAP	20000	/* records per handler stream at most */

struct stream {
	uint32_t attempts;	/* sequence numbers handed out */
	uint32_t cap;
	unsigned char *dropped;	/* [seq]: the writer got ENOSPC */
	unsigned char *seen;	/* [seq]: the consumer read it */
	int64_t last[MAX_CPUS];	/* per CPU buffer: last seq read */
};

struct config {
	const char *name;
	int mode;
	int clock;
	size_t sb_size, nr_sb;
	int delay;		/* loop_cnt at points 3 and 4 */
	int inject;		/* inject_every */
	bool claimers;		/* a quarter of the writers without rseq */
	int consumer_sleep_us;	/* after each wake-up: let writers lap it */
};

static struct rseq_ringbuf *rb;
static struct config cfg;
static struct stream streams[MAX_STREAMS];
static int nr_writers, nr_cpus_rb, ncpus;
static unsigned long per_writer;
static pthread_t writer_tid[MAX_STREAMS / 3];
static volatile int writers_done, release_writers, stop_kicker, stop_consumer;
static unsigned long bad_payload, bad_order, bad_dup, bad_dropped_seen, ts_back, bad_range;
static uint64_t last_ts[MAX_CPUS];
static unsigned long consumer_wakeups, consumer_records;
static __thread int my_id = -1;
static unsigned long total_aborts, signals_sent;
static pthread_mutex_t abort_lock = PTHREAD_MUTEX_INITIALIZER;
/* Records written and read in the runs whose checks passed (VERIFIED-OPS):
 * a write is a reserve+commit, a read a pop, each accounted for above. */
static unsigned long long verified_ops;

/* Payload of (stream, seq): length and bytes both derived from them. */
static size_t payload_len(int s, uint32_t seq)
{
	return 8 + (seq * 13u + (uint32_t)s * 7u) % 180u;
}

static void fill(unsigned char *p, size_t len, int s, uint32_t seq)
{
	uint32_t sid = (uint32_t)s;

	memcpy(p, &seq, 4);
	memcpy(p + 4, &sid, 4);
	for (size_t i = 8; i < len; i++)
		p[i] = (unsigned char)(seq + i * 31u + sid);
}

static bool payload_ok(const unsigned char *p, size_t len, int s, uint32_t seq)
{
	if (len != payload_len(s, seq))
		return false;
	for (size_t i = 8; i < len; i++)
		if (p[i] != (unsigned char)(seq + i * 31u + (uint32_t)s))
			return false;
	return true;
}

/* One record of stream s; yield between reserve and commit now and then. */
static void write_one(int s, bool yield)
{
	struct stream *st = &streams[s];
	uint32_t seq;
	size_t len;
	struct rseq_ringbuf_rsv r;
	unsigned char *p;

	if (st->attempts >= st->cap)
		return;
	seq = st->attempts;
	len = payload_len(s, seq);
	p = rseq_ringbuf_reserve(rb, &r, len, (unsigned int)s);
	if (!p) {
		if (errno == ENOSPC)
			st->dropped[seq] = 1;
		else
			bad_range++;
		st->attempts = seq + 1;
		return;
	}
	st->attempts = seq + 1;
	fill(p, len, s, seq);
	if (yield)
		sched_yield();		/* preempted between reserve and commit */
	rseq_ringbuf_commit(rb, &r);
}

static void on_signal(int sig)
{
	int e = errno;

	if (my_id >= 0)
		write_one(3 * my_id + (sig == SIGUSR1 ? 1 : 2), false);
	errno = e;
}

static void *writer(void *arg)
{
	int id = (int)(intptr_t)arg;

	my_id = id;
	(void)rseq_register_current_thread();
	if (cfg.claimers && id % 4 == 3)
		rseq_percpu_thread_disable_rseq(true);	/* a mixed process */
	for (unsigned long i = 0; i < per_writer; i++) {
		write_one(3 * id, (i & 63) == 17);
		if ((i & 1023) == 0)
			raise(SIGUSR1);	/* a handler writes between ours */
	}
	__atomic_fetch_add(&writers_done, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&release_writers, __ATOMIC_ACQUIRE))
		usleep(1000);
	pthread_mutex_lock(&abort_lock);
	total_aborts += nr_abort;
	pthread_mutex_unlock(&abort_lock);
	rseq_percpu_thread_disable_rseq(false);
	return NULL;
}

/* Signals and migrations, until told to stop. */
static void *kicker(void *arg)
{
	unsigned int seed = 12345;
	cpu_set_t all;

	(void)arg;
	sched_getaffinity(0, sizeof(all), &all);
	while (!__atomic_load_n(&stop_kicker, __ATOMIC_ACQUIRE)) {
		int w = (int)(rand_r(&seed) % (unsigned int)nr_writers);

		if (rand_r(&seed) % 8 == 0) {
			cpu_set_t one;
			int n = (int)(rand_r(&seed) % (unsigned int)CPU_COUNT(&all)), c;

			CPU_ZERO(&one);
			for (c = 0; c < CPU_SETSIZE; c++)
				if (CPU_ISSET(c, &all) && n-- == 0)
					break;
			if (c < CPU_SETSIZE && rand_r(&seed) % 4)
				CPU_SET(c, &one);
			else
				one = all;
			pthread_setaffinity_np(writer_tid[w], sizeof(one), &one);
		} else {
			pthread_kill(writer_tid[w], rand_r(&seed) % 2 ? SIGUSR1 : SIGUSR2);
			signals_sent++;
		}
		usleep(100 + rand_r(&seed) % 200);
	}
	for (int w = 0; w < nr_writers; w++)
		pthread_setaffinity_np(writer_tid[w], sizeof(all), &all);
	return NULL;
}

static void consume(const struct rseq_ringbuf_record *r)
{
	uint32_t seq;
	int s = (int)r->tag;
	struct stream *st;

	consumer_records++;
	if (s >= 3 * nr_writers || r->len < 8 || r->cpu < 0 || r->cpu >= MAX_CPUS) {
		bad_range++;
		return;
	}
	st = &streams[s];
	memcpy(&seq, r->data, 4);
	if (seq >= st->cap || !payload_ok(r->data, r->len, s, seq)) {
		bad_payload++;
		return;
	}
	if (st->seen[seq])
		bad_dup++;
	st->seen[seq] = 1;
	if ((int64_t)seq <= st->last[r->cpu])
		bad_order++;
	st->last[r->cpu] = seq;
	if (cfg.clock) {
		if (r->ts < last_ts[r->cpu])
			ts_back++;
		last_ts[r->cpu] = r->ts;
	}
}

static void drain_all(void)
{
	struct rseq_ringbuf_record r;

	for (int c = 0; c < nr_cpus_rb; c++)
		while (rseq_ringbuf_read(rb, c, &r) == 0)
			consume(&r);
}

static void *consumer(void *arg)
{
	sigset_t set;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	while (!__atomic_load_n(&stop_consumer, __ATOMIC_ACQUIRE)) {
		/* No timeout: only a writer's wake-up (or the end) wakes us. */
		if (rseq_ringbuf_wait(rb, -1, -1) == 1) {
			consumer_wakeups++;
			drain_all();
			if (cfg.consumer_sleep_us)
				usleep((useconds_t)cfg.consumer_sleep_us);
		}
	}
	return NULL;
}

static void run(const struct config *c)
{
	struct rseq_ringbuf_attr *a = rseq_ringbuf_attr_create();
	struct rseq_ringbuf_stats st;
	pthread_t kick, cons;
	uint64_t written = 0, seen = 0, dropped = 0, drop_and_seen = 0, lost = 0;
	unsigned long failed = test_failed;
	int waited;

	cfg = *c;
	memset(last_ts, 0, sizeof(last_ts));
	bad_payload = bad_order = bad_dup = bad_dropped_seen = ts_back = bad_range = 0;
	consumer_wakeups = consumer_records = total_aborts = signals_sent = 0;
	writers_done = release_writers = stop_kicker = stop_consumer = 0;
	loop_cnt[3] = loop_cnt[4] = c->delay;
	inject_every = c->inject;
	rseq_ringbuf_attr_set_subbuf(a, c->sb_size, c->nr_sb);
	rseq_ringbuf_attr_set_mode(a, (enum rseq_ringbuf_mode)c->mode);
	rseq_ringbuf_attr_set_clock(a, (enum rseq_ringbuf_clock)c->clock);
	rb = rseq_ringbuf_create(a);
	rseq_ringbuf_attr_destroy(a);
	CHECK(rb != NULL);
	if (!rb)
		return;
	nr_cpus_rb = rseq_ringbuf_nr_cpus(rb);
	for (int s = 0; s < 3 * nr_writers; s++) {
		struct stream *x = &streams[s];

		x->attempts = 0;
		x->cap = s % 3 ? HANDLER_CAP : (uint32_t)per_writer;
		x->dropped = calloc(x->cap, 1);
		x->seen = calloc(x->cap, 1);
		if (!x->dropped || !x->seen)
			abort();
		for (int cpu = 0; cpu < MAX_CPUS; cpu++)
			x->last[cpu] = -1;
	}
	pthread_create(&cons, NULL, consumer, NULL);
	for (int w = 0; w < nr_writers; w++)
		pthread_create(&writer_tid[w], NULL, writer, (void *)(intptr_t)w);
	pthread_create(&kick, NULL, kicker, NULL);
	while (__atomic_load_n(&writers_done, __ATOMIC_ACQUIRE) < nr_writers)
		usleep(2000);
	__atomic_store_n(&stop_kicker, 1, __ATOMIC_RELEASE);
	pthread_join(kick, NULL);
	__atomic_store_n(&release_writers, 1, __ATOMIC_RELEASE);
	for (int w = 0; w < nr_writers; w++)
		pthread_join(writer_tid[w], NULL);
	/*
	 * Liveness: every complete sub-buffer is taken by the consumer,
	 * which sleeps without a timeout: a lost wake-up would leave one
	 * here for good (a hang detector with a generous bound, not a
	 * measurement).
	 */
	for (waited = 0; waited < 3000 && rseq_ringbuf_wait(rb, -1, 0) == 1; waited++)
		usleep(10000);
	CHECK_MSG(waited < 3000, "%s: a complete sub-buffer waited 30 s: the consumer missed a wake-up", c->name);
	/* The rest: close the partial sub-buffers, let the consumer finish. */
	CHECK_EQ(rseq_ringbuf_flush(rb), 0);
	for (waited = 0; waited < 3000 && rseq_ringbuf_wait(rb, -1, 0) == 1; waited++)
		usleep(10000);
	__atomic_store_n(&stop_consumer, 1, __ATOMIC_RELEASE);
	CHECK_EQ(rseq_ringbuf_flush(rb), 0);	/* nothing left: no wake */
	while (pthread_tryjoin_np(cons, NULL) == EBUSY) {
		CHECK_EQ(rseq_ringbuf_wake(rb), 0);	/* out of its wait */
		usleep(1000);
	}
	drain_all();
	CHECK_EQ(rseq_ringbuf_get_stats(rb, -1, &st), 0);
	for (int s = 0; s < 3 * nr_writers; s++) {
		struct stream *x = &streams[s];

		written += x->attempts;
		for (uint32_t q = 0; q < x->attempts; q++) {
			seen += x->seen[q];
			dropped += x->dropped[q];
			drop_and_seen += x->seen[q] && x->dropped[q];
			lost += !x->seen[q] && !x->dropped[q];
		}
		for (uint32_t q = x->attempts; q < x->cap; q++)
			bad_range += x->seen[q];
	}
	printf("%-28s %u writers, %lu records: read %llu, dropped %llu (full %llu, busy %llu), overwritten %llu; "
	       "%lu wake-ups, %lu aborts, %lu signals\n",
	       c->name, (unsigned int)nr_writers, (unsigned long)written,
	       (unsigned long long)seen, (unsigned long long)dropped,
	       (unsigned long long)st.dropped_full, (unsigned long long)st.dropped_busy,
	       (unsigned long long)st.overwritten, consumer_wakeups, total_aborts, signals_sent);
	CHECK_EQ(bad_payload, 0);
	CHECK_EQ(bad_dup, 0);
	CHECK_EQ(bad_order, 0);
	CHECK_EQ(bad_range, 0);
	CHECK_EQ(ts_back, 0);
	CHECK_EQ(drop_and_seen, 0);
	CHECK_EQ(dropped, st.dropped_full + st.dropped_busy);
	if (c->mode == RSEQ_RINGBUF_DISCARD) {
		CHECK_EQ(lost, 0);		/* each one read or reported dropped */
		CHECK_EQ(st.dropped_busy, 0);
		CHECK_EQ(st.overwritten, 0);
	} else {
		CHECK_EQ(lost, st.overwritten);	/* read + overwritten + dropped = written */
		CHECK_EQ(st.dropped_full, 0);
	}
	if (test_failed == failed)
		verified_ops += written + seen;
	rseq_ringbuf_destroy(rb);
	for (int s = 0; s < 3 * nr_writers; s++) {
		free(streams[s].dropped);
		free(streams[s].seen);
	}
}

int main(void)
{
	bool slow = !strcmp(test_mode(), "valgrind");
	/* The written-by-handlers sub-buffer count must exceed a lap. */
	/*
	 * While any thread has rseq disabled every writer takes the slow
	 * paths (the structures' global switch, docs/percpu.md): the inline
	 * fast paths, where the delays are injected, run in the configs
	 * without claimers.
	 */
	static const struct config configs[] = {
		{ "discard, delays injected", RSEQ_RINGBUF_DISCARD, RSEQ_RINGBUF_CLOCK_MONOTONIC,
		  16384, 8, 2000, 61, false, 0 },
		{ "discard, small, claimers", RSEQ_RINGBUF_DISCARD, RSEQ_RINGBUF_CLOCK_MONOTONIC,
		  4096, 4, 0, 0, true, 0 },
		{ "overwrite, delays injected", RSEQ_RINGBUF_OVERWRITE, RSEQ_RINGBUF_CLOCK_COUNTER,
		  16384, 8, 2000, 61, false, 3000 },
		{ "overwrite, small, claimers", RSEQ_RINGBUF_OVERWRITE, RSEQ_RINGBUF_CLOCK_MONOTONIC,
		  4096, 4, 0, 0, true, 0 },
	};

	(void)rseq_register_current_thread();
	ncpus = get_nprocs();
	nr_writers = 3 * ncpus;
	if (nr_writers > MAX_STREAMS / 3)
		nr_writers = MAX_STREAMS / 3;
	if (nr_writers < 3)
		nr_writers = 3;
	per_writer = test_scale(slow ? 400 : 40000);
	test_on_signal(SIGUSR1, on_signal);
	test_on_signal(SIGUSR2, on_signal);
	printf("mode %s: %s, %d CPUs\n", test_mode(),
	       rseq_percpu_init() ? "rseq critical sections (and claims)" :
				    "atomic (compare-and-swap)", ncpus);
	for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
		run(&configs[i]);
		fflush(stdout);
	}
	if (!test_failed)
		test_verified_ops(verified_ops);
	return test_done();
}

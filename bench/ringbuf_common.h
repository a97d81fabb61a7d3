/* SPDX-License-Identifier: MIT */
/*
 * bench/ringbuf_common.h - what bench/ringbuf_bench.c and
 * bench/ringbuf_lttng.c share: a ring-buffer benchmark case (rseqkit's,
 * the compare-and-swap one, the mutex one), its consumer thread (takes
 * complete sub-buffers as they come, counts their records, optionally
 * writes each one to a file as a tracer's consumer does), the writer
 * bodies, and the drop accounting printed after each group.
 *
 * Every measurement: setup() creates fresh buffers (every page
 * allocated, as LTTng-UST does) and starts the consumer; the writers
 * write 'payload'-byte records for the duration; verify() closes the
 * partial sub-buffers, stops the consumer, drains what is left and checks
 * that every record written was read.  The cost per record is the writer
 * threads' CPU time (the consumer's is not in it).
 *
 * Writers never lose a record: when a reserve finds the buffer full (the
 * writers outrun the consumer: on 2 CPUs a writer that does nothing but
 * write always does), the writer sleeps 20 us and retries, as a tracer
 * with a blocking timeout does.  Its CPU time includes the failed
 * reserves and the sleep calls, not the sleep; the tables after each
 * group say how often it happened.
 */
#ifndef RSEQKIT_BENCH_RINGBUF_COMMON_H
#define RSEQKIT_BENCH_RINGBUF_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"
#include "ringbuf_alt.h"
#include <rseqkit/ringbuf.h>

enum rbkind { RB_RSEQKIT, RB_CAS, RB_MUTEX };

#define RB_FILE_WRAP	(64u << 20)	/* the output file is rewound at 64 MiB */
#define RB_MAX_T	BENCH_MAX_THREADS_LIST

struct rbcase {
	enum rbkind kind;
	size_t payload;
	int clock;		/* enum rseq_ringbuf_clock */
	size_t sb_size;
	unsigned int nsb;
	const char *file;	/* the consumer writes sub-buffers here */
	/* per measurement */
	struct rseq_ringbuf *rb;
	struct alt_rb alt;
	pthread_t consumer;
	int stop;
	int fd;
	uint64_t file_off;
	uint64_t read, subbufs;
	uint64_t waits;		/* reserves that found the buffer full */
	/* full-buffer waits per thread count, over all runs */
	int threads[RB_MAX_T];
	uint64_t written[RB_MAX_T], full[RB_MAX_T];
	int bad;
};

/* The buffer is full: give the consumer 20 us. */
static inline void rbc_full(struct rbcase *k)
{
	struct timespec d = { 0, 20000 };

	__atomic_fetch_add(&k->waits, 1, __ATOMIC_RELAXED);
	nanosleep(&d, NULL);
}

static inline void rbc_account(struct rbcase *k, const void *data, size_t size)
{
	struct rseq_ringbuf_subbuf sb;
	struct rseq_ringbuf_record r;
	size_t off = 0;

	if (rseq_ringbuf_subbuf_parse(data, size, &sb)) {
		k->bad++;
		return;
	}
	while (rseq_ringbuf_subbuf_next(&sb, &off, &r) == 1)
		k->read++;
	k->subbufs++;
	if (k->fd >= 0) {
		if (k->file_off + size > RB_FILE_WRAP)
			k->file_off = 0;
		if (pwrite(k->fd, data, size, (off_t)k->file_off) != (ssize_t)size)
			k->bad++;
		k->file_off += size;
	}
}

/* Take every complete sub-buffer now; the number taken. */
static inline int rbc_drain(struct rbcase *k)
{
	int n = 0, nr = k->kind == RB_RSEQKIT ? rseq_ringbuf_nr_cpus(k->rb) : k->alt.nr_cpus;

	for (int cpu = 0; cpu < nr; cpu++) {
		if (k->kind == RB_RSEQKIT) {
			struct rseq_ringbuf_subbuf sb;

			while (rseq_ringbuf_get_subbuf(k->rb, cpu, &sb) == 0) {
				rbc_account(k, sb.data, sb.size);
				rseq_ringbuf_put_subbuf(k->rb, &sb);
				n++;
			}
		} else {
			const char *p;
			size_t size;

			while ((p = alt_get(&k->alt, cpu, &size, k->kind == RB_MUTEX))) {
				rbc_account(k, p, size);
				alt_put(&k->alt, cpu);
				n++;
			}
		}
	}
	return n;
}

static inline void *rbc_consumer(void *arg)
{
	struct rbcase *k = arg;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	while (!__atomic_load_n(&k->stop, __ATOMIC_ACQUIRE)) {
		if (k->kind == RB_RSEQKIT)
			rseq_ringbuf_wait(k->rb, -1, 50);
		else
			alt_wait(&k->alt, 50);
		rbc_drain(k);
	}
	return NULL;
}

static inline int rbc_setup(struct bench_case *c, int nthreads)
{
	struct rbcase *k = c->arg;

	(void)nthreads;
	k->read = k->subbufs = k->waits = 0;
	k->stop = 0;
	k->fd = -1;
	k->file_off = 0;
	if (k->file) {
		k->fd = open(k->file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (k->fd < 0)
			return -1;
	}
	if (k->kind == RB_RSEQKIT) {
		struct rseq_ringbuf_attr *a = rseq_ringbuf_attr_create();

		rseq_ringbuf_attr_set_subbuf(a, k->sb_size, k->nsb);
		rseq_ringbuf_attr_set_clock(a, (enum rseq_ringbuf_clock)k->clock);
		rseq_ringbuf_attr_set_populate(a, true);
		k->rb = rseq_ringbuf_create(a);
		rseq_ringbuf_attr_destroy(a);
		if (!k->rb)
			return -1;
	} else if (alt_init(&k->alt, bench_max_cpus(), k->sb_size, k->nsb, k->clock)) {
		return -1;
	}
	return pthread_create(&k->consumer, NULL, rbc_consumer, k) ? -1 : 0;
}

static inline int rbc_verify(struct bench_case *c, int nthreads, uint64_t total)
{
	struct rbcase *k = c->arg;
	uint64_t dropped = 0;
	int slot;

	if (k->kind == RB_RSEQKIT) {
		struct rseq_ringbuf_stats st;

		rseq_ringbuf_flush(k->rb);
		rseq_ringbuf_get_stats(k->rb, -1, &st);
		dropped = st.dropped_full;
	} else {
		alt_flush_quiescent(&k->alt);
		for (int cpu = 0; cpu < k->alt.nr_cpus; cpu++)
			dropped += k->alt.cpu[cpu].lost;
	}
	__atomic_store_n(&k->stop, 1, __ATOMIC_RELEASE);
	if (k->kind == RB_RSEQKIT)
		rseq_ringbuf_wake(k->rb);
	pthread_join(k->consumer, NULL);
	while (rbc_drain(k))
		;
	for (slot = 0; slot < RB_MAX_T && k->threads[slot] && k->threads[slot] != nthreads; slot++)
		;
	if (slot < RB_MAX_T) {
		k->threads[slot] = nthreads;
		k->written[slot] += total;
		k->full[slot] += k->waits;
	}
	if (k->kind == RB_RSEQKIT)
		rseq_ringbuf_destroy(k->rb);
	else
		alt_fini(&k->alt);
	if (k->fd >= 0)
		close(k->fd);
	/* Each failed reserve was counted as a drop by the buffer, and
	 * retried: every record written must have been read. */
	if (k->read != total || dropped != k->waits || k->bad) {
		fprintf(stderr, "%s: %llu read of %llu written; %llu drops counted for %llu "
			"failed reserves (%d bad)\n", c->name, (unsigned long long)k->read,
			(unsigned long long)total, (unsigned long long)dropped,
			(unsigned long long)k->waits, k->bad);
		return 1;
	}
	return 0;
}

/* The payload: 'words' 8-byte words from a per-thread counter. */
#define RBC_FILL(p, v, words)					\
	({							\
		uint64_t *__q = (uint64_t *)(p);		\
		for (size_t __w = 0; __w < (words); __w++)	\
			__q[__w] = (v) + __w;			\
	})

/*
 * A writer body: n records of the case's payload, each retried after a
 * wait while the buffer is full.  RESERVE(p) yields the payload or NULL;
 * COMMIT publishes it (nothing for a buffer that copies in RESERVE).
 */
#define RBC_BODY(name, setup, reserve, commit)					\
static inline uint64_t name(struct bench_thread *t, uint64_t n)			\
{										\
	struct rbcase *k = t->c->arg;						\
	size_t len = k->payload, words = len / 8;				\
	uint64_t v = t->scratch[0];						\
	setup;									\
										\
	for (uint64_t i = 0; i < n; i++, v++) {					\
		void *p;							\
										\
		while (rseq_unlikely(!(p = (reserve))))				\
			rbc_full(k);						\
		commit;								\
	}									\
	t->scratch[0] = v;							\
	return n;								\
}

RBC_BODY(rbc_rseqkit_body,
	 struct rseq_ringbuf *rb = k->rb; struct rseq_ringbuf_rsv r,	/* registers */
	 rseq_ringbuf_reserve(rb, &r, len, 1),
	 (RBC_FILL(p, v, words), rseq_ringbuf_commit(rb, &r)))
RBC_BODY(rbc_cas_body,
	 struct alt_rb *a = &k->alt; struct alt_rsv r,
	 alt_cas_reserve(a, &r, len),
	 (RBC_FILL(p, v, words), alt_cas_commit(a, r.cpu, r.pos, r.bytes)))
/* The mutex buffer copies under its lock: fill a local record first. */
RBC_BODY(rbc_mutex_body,
	 struct alt_rb *a = &k->alt; uint64_t buf[32],
	 (RBC_FILL(buf, v, words), alt_mutex_write(a, buf, len) ? NULL : (void *)buf),
	 (void)p)

/* After a group: how often writers found their buffer full and waited
 * (none was dropped: each retried), per case and thread count. */
static inline void rbc_print_drops(const char *group, struct bench_case *cases, int n)
{
	printf("%s: no record lost; reserves that found the buffer full (the writer waited "
	       "20 us for the consumer), per record written:\n", group);
	for (int i = 0; i < n; i++) {
		struct rbcase *k = cases[i].arg;

		if (cases[i].skip || !k)
			continue;
		printf("  %-40s", cases[i].name);
		for (int s = 0; s < RB_MAX_T && k->threads[s]; s++)
			printf("  %dT %.2f%%", k->threads[s],
			       k->written[s] ? 100.0 * (double)k->full[s] / (double)k->written[s] : 0.0);
		printf("\n");
	}
}

/* Full-buffer waits of case k at T threads (all runs), or -1. */
static inline int64_t rbc_waits(const struct rbcase *k, int threads)
{
	for (int s = 0; s < RB_MAX_T && k->threads[s]; s++)
		if (k->threads[s] == threads)
			return (int64_t)k->full[s];
	return -1;
}

#endif

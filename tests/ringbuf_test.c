/* SPDX-License-Identifier: MIT */
/*
 * ringbuf_test - the ring buffer's API in one thread (and a few): every
 * argument check, records of every size round-tripped with their tags,
 * sub-buffer boundaries (exact fits, the largest record), discard mode's
 * exact drop count, overwrite mode's "read + overwritten = written",
 * timestamps in buffer order, get/put misuse, the parser on malformed
 * input, waiting and the eventfd, the claim path (a thread with rseq
 * disabled), a consumer's view through the file descriptor (EPERM for
 * writes, the flush service), and the position wrap-around (a run that
 * starts two laps before it, RSEQKIT_RINGBUF_TEST_WRAP).  Re-executes
 * itself once in atomic mode (RSEQKIT_PERCPU_NO_MEMBARRIER=1).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "harness.h"
#include <rseqkit/ringbuf.h>

#define SB	4096

static struct rseq_ringbuf *make(size_t sb, size_t n, int mode, int clock)
{
	struct rseq_ringbuf_attr *a = rseq_ringbuf_attr_create();
	struct rseq_ringbuf *rb;

	CHECK(a != NULL);
	/* Every page up front for the timestamped channels, lazily else. */
	CHECK_EQ(rseq_ringbuf_attr_set_populate(a, clock != RSEQ_RINGBUF_CLOCK_NONE), 0);
	CHECK_EQ(rseq_ringbuf_attr_set_subbuf(a, sb, n), 0);
	CHECK_EQ(rseq_ringbuf_attr_set_mode(a, (enum rseq_ringbuf_mode)mode), 0);
	CHECK_EQ(rseq_ringbuf_attr_set_clock(a, (enum rseq_ringbuf_clock)clock), 0);
	rb = rseq_ringbuf_create(a);
	rseq_ringbuf_attr_destroy(a);
	CHECK(rb != NULL);
	return rb;
}

/* A payload that says who wrote it: seq, then bytes derived from it. */
static void fill(unsigned char *p, size_t len, uint32_t seq)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(seq * 7 + i);
	if (len >= 4)
		memcpy(p, &seq, 4);
}

static int payload_ok(const unsigned char *p, size_t len, uint32_t seq)
{
	for (size_t i = len >= 4 ? 4 : 0; i < len; i++)
		if (p[i] != (unsigned char)(seq * 7 + i))
			return 0;
	if (len >= 4) {
		uint32_t s;

		memcpy(&s, p, 4);
		return s == seq;
	}
	return 1;
}

static void test_attr(void)
{
	struct rseq_ringbuf_attr *a = rseq_ringbuf_attr_create();

	CHECK(a != NULL);
	CHECK_EQ(rseq_ringbuf_attr_set_subbuf(a, 4095, 4), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK(strlen(rseq_error_reason()) > 10);
	CHECK_EQ(rseq_ringbuf_attr_set_subbuf(a, 2048, 4), -1);
	CHECK_EQ(rseq_ringbuf_attr_set_subbuf(a, 6000, 4), -1);
	CHECK_EQ(rseq_ringbuf_attr_set_subbuf(a, 4096, 1), -1);
	CHECK_EQ(rseq_ringbuf_attr_set_subbuf(a, 4096, 3), -1);
	CHECK_EQ(rseq_ringbuf_attr_set_subbuf(a, 4096, 8192), -1);
	CHECK_EQ(rseq_ringbuf_attr_set_subbuf(a, 0, 0), -1);
	/* Bytes per CPU: at most 2^(word bits - 3). */
	CHECK_EQ(rseq_ringbuf_attr_set_subbuf(a, (size_t)1 << 31, 4096), sizeof(void *) == 4 ? -1 : 0);
	CHECK_EQ(rseq_ringbuf_attr_set_subbuf(a, (size_t)1 << 28, 4), sizeof(void *) == 4 ? -1 : 0);
	CHECK_EQ(rseq_ringbuf_attr_set_subbuf(a, SIZE_MAX / 2 + 1, 2), -1);
	CHECK_EQ(rseq_ringbuf_attr_set_subbuf(a, 4096, 2), 0);
	CHECK_EQ(rseq_ringbuf_attr_set_mode(a, (enum rseq_ringbuf_mode)7), -1);
	CHECK_EQ(rseq_ringbuf_attr_set_clock(a, (enum rseq_ringbuf_clock)-1), -1);
	CHECK_EQ(rseq_ringbuf_attr_set_clock(a, (enum rseq_ringbuf_clock)
					     (RSEQ_RINGBUF_CLOCK_MONOTONIC_COARSE + 1)), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rseq_ringbuf_attr_set_wakeup(a, (enum rseq_ringbuf_wakeup)3), -1);
	CHECK_EQ(rseq_ringbuf_attr_set_subbuf(NULL, 4096, 2), -1);
	CHECK_EQ(rseq_ringbuf_attr_set_shared(NULL, true), -1);
	rseq_ringbuf_attr_destroy(a);
	rseq_ringbuf_attr_destroy(NULL);
	rseq_ringbuf_destroy(NULL);
	CHECK_EQ(rseq_ringbuf_fd(NULL), -1);
	CHECK_EQ(rseq_ringbuf_nr_cpus(NULL), -1);
}

/* Flush, then read every CPU's records into a callback. */
typedef void (*rec_fn)(const struct rseq_ringbuf_record *r, void *arg);

static unsigned long drain(struct rseq_ringbuf *rb, rec_fn fn, void *arg)
{
	struct rseq_ringbuf_record r;
	unsigned long n = 0;

	CHECK_EQ(rseq_ringbuf_flush(rb), 0);
	for (int cpu = 0; cpu < rseq_ringbuf_nr_cpus(rb); cpu++) {
		while (rseq_ringbuf_read(rb, cpu, &r) == 0) {
			if (fn)
				fn(&r, arg);
			n++;
		}
		CHECK_EQ(errno, EAGAIN);
	}
	return n;
}

#define MAXSEQ	8192
#define MAXCPU	256

/*
 * What was read: each (tag, seq) once, and in increasing seq order within
 * each CPU's buffer (a thread that migrates spreads its records over
 * CPUs; each buffer keeps their order).  Timestamps non-decreasing within
 * each buffer.
 */
struct expect {
	unsigned char seen[8][MAXSEQ];
	int64_t last[8][MAXCPU];
	uint64_t last_ts[MAXCPU];
	unsigned long bad, ts_back;
};

static struct expect *expect_new(void)
{
	struct expect *e = calloc(1, sizeof(*e));

	if (!e)
		abort();
	for (int t = 0; t < 8; t++)
		for (int c = 0; c < MAXCPU; c++)
			e->last[t][c] = -1;
	return e;
}

static void check_rec(const struct rseq_ringbuf_record *r, void *arg)
{
	struct expect *e = arg;
	uint32_t seq = 0;

	if (r->len < 4 || r->tag >= 8 || r->cpu < 0 || r->cpu >= MAXCPU) {
		if (r->len >= 4)
			e->bad++;
		return;
	}
	memcpy(&seq, r->data, 4);
	if (seq >= MAXSEQ || !payload_ok(r->data, r->len, seq) || e->seen[r->tag][seq] ||
	    (int64_t)seq <= e->last[r->tag][r->cpu])
		e->bad++;
	else
		e->seen[r->tag][seq] = 1;
	e->last[r->tag][r->cpu] = seq;
	if (r->ts < e->last_ts[r->cpu])
		e->ts_back++;
	e->last_ts[r->cpu] = r->ts;
}

/* Sequences 0 .. n - 1 of 'tag' all seen. */
static unsigned long seen_all(const struct expect *e, int tag, uint32_t n)
{
	unsigned long missing = 0;

	for (uint32_t i = 0; i < n && i < MAXSEQ; i++)
		missing += !e->seen[tag][i];
	return missing;
}

/* Records of every size 4 .. max, in order; then 0-byte records. */
static void test_roundtrip(int clock)
{
	struct rseq_ringbuf *rb = make(SB, 8, RSEQ_RINGBUF_DISCARD, clock);
	struct expect *e = expect_new();
	size_t max = rseq_ringbuf_max_payload(rb);
	unsigned long written = 0, got;
	struct rseq_ringbuf_stats st;
	uint32_t seq = 0;

	CHECK_EQ(max, SB - RSEQ_RINGBUF_SUBBUF_HDR - 8 - (clock ? 8 : 0));
	/* Drained every 4 records (< 4 of the 8 sub-buffers): never full. */
	for (size_t len = 4; len <= max; len += len < 200 ? 1 : 97) {
		struct rseq_ringbuf_rsv r;
		unsigned char *p = rseq_ringbuf_reserve(rb, &r, len, 1);

		CHECK(p != NULL);
		if (!p)
			break;
		CHECK(((uintptr_t)p & 7) == 0);
		fill(p, len, seq++);
		rseq_ringbuf_commit(rb, &r);
		if (++written % 4 == 0)
			CHECK_EQ(drain(rb, check_rec, e), 4);
	}
	got = drain(rb, check_rec, e);
	CHECK_EQ(got, written % 4);
	/* The largest record: fills a sub-buffer exactly. */
	{
		unsigned char buf[SB];

		fill(buf, max, seq);
		CHECK_EQ(rseq_ringbuf_write(rb, 1, buf, max), 0);
		seq++;
		written++;
		CHECK_EQ(drain(rb, check_rec, e), 1);
		CHECK_EQ(rseq_ringbuf_write(rb, 1, buf, max + 1), -1);
		CHECK_EQ(errno, EINVAL);
		CHECK_EQ(rseq_ringbuf_write(rb, 65536, buf, 4), -1);
		CHECK_EQ(errno, EINVAL);
	}
	/* Many small records; the buffer holds 8 sub-buffers. */
	for (int i = 0; i < 300; i++) {
		uint32_t s = seq++;

		CHECK_EQ(rseq_ringbuf_write(rb, 1, &s, 4), 0);
		CHECK_EQ(rseq_ringbuf_write(rb, 2, "", 0), 0);
		written += 2;
	}
	got = drain(rb, check_rec, e);
	CHECK_EQ(got, 600);
	CHECK_EQ(e->bad, 0);
	CHECK_EQ(e->ts_back, 0);
	CHECK_EQ(seen_all(e, 1, seq), 0);
	free(e);
	CHECK_EQ(rseq_ringbuf_get_stats(rb, -1, &st), 0);
	CHECK_EQ(st.dropped_full, 0);
	CHECK(st.flushes > 0);
	CHECK(st.delivered_subbufs > 0);
	CHECK_EQ(rseq_ringbuf_get_stats(rb, rseq_ringbuf_nr_cpus(rb), &st), -1);
	CHECK_EQ(rseq_ringbuf_get_stats(rb, -2, &st), -1);
	if (clock) {
		struct timespec t0, t1;

		/*
		 * Bracketed by CLOCK_MONOTONIC reads (a preemption between
		 * them widens the bracket instead of failing the test); the
		 * 50 ms allow for the conversion's calibration only.
		 */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		uint64_t ts = rseq_ringbuf_clock_read(clock);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		uint64_t ns = rseq_ringbuf_ts_to_ns(rb, ts);
		uint64_t n0 = (uint64_t)t0.tv_sec * 1000000000u + (uint64_t)t0.tv_nsec;
		uint64_t n1 = (uint64_t)t1.tv_sec * 1000000000u + (uint64_t)t1.tv_nsec;

		CHECK_MSG(ns + 50000000u >= n0 && ns <= n1 + 50000000u,
			  "ts_to_ns %llu outside [%llu, %llu] (+-50 ms)", (unsigned long long)ns,
			  (unsigned long long)n0, (unsigned long long)n1);
	}
	rseq_ringbuf_destroy(rb);
}

/* Discard mode: nothing consumed, so each CPU takes its 4 sub-buffers
 * and drops the rest, exactly counted. */
static void test_discard(void)
{
	struct rseq_ringbuf *rb = make(SB, 4, RSEQ_RINGBUF_DISCARD, 0);
	struct rseq_ringbuf_stats st;
	struct expect e;
	unsigned long written = 0, dropped = 0, got;
	char buf[100];

	memset(&e, 0, sizeof(e));
	for (uint32_t i = 0; i < 2000; i++) {
		fill((unsigned char *)buf, sizeof(buf), i);
		if (rseq_ringbuf_write(rb, 3, buf, sizeof(buf)) == 0) {
			written++;
		} else {
			CHECK_EQ(errno, ENOSPC);
			dropped++;
		}
	}
	CHECK(dropped > 0);
	CHECK_EQ(rseq_ringbuf_get_stats(rb, -1, &st), 0);
	CHECK_EQ(st.dropped_full, dropped);
	CHECK_EQ(st.dropped_busy, 0);
	got = drain(rb, NULL, NULL);
	CHECK_EQ(got, written);
	CHECK_EQ(written + dropped, 2000);
	/* Space again after the consumer gave everything back. */
	CHECK_EQ(rseq_ringbuf_write(rb, 3, buf, sizeof(buf)), 0);
	CHECK_EQ(drain(rb, NULL, NULL), 1);
	rseq_ringbuf_destroy(rb);
}

/* Overwrite: the newest records survive, in order; read + overwritten
 * = written. */
static void test_overwrite(void)
{
	struct rseq_ringbuf *rb = make(SB, 4, RSEQ_RINGBUF_OVERWRITE, RSEQ_RINGBUF_CLOCK_MONOTONIC);
	struct rseq_ringbuf_stats st;
	struct rseq_ringbuf_record r;
	unsigned long got = 0, order_bad = 0;
	uint32_t last = 0, newest = 0;
	char buf[100];

	for (uint32_t i = 0; i < 5000; i++) {
		fill((unsigned char *)buf, sizeof(buf), i);
		CHECK_EQ(rseq_ringbuf_write(rb, 4, buf, sizeof(buf)), 0);
	}
	CHECK_EQ(rseq_ringbuf_flush(rb), 0);
	for (int cpu = 0; cpu < rseq_ringbuf_nr_cpus(rb); cpu++) {
		int first = 1;

		while (rseq_ringbuf_read(rb, cpu, &r) == 0) {
			uint32_t s;

			memcpy(&s, r.data, 4);
			if (!payload_ok(r.data, r.len, s) || (!first && s <= last))
				order_bad++;
			first = 0;
			last = s;
			if (s > newest)
				newest = s;
			got++;
		}
	}
	CHECK_EQ(order_bad, 0);
	CHECK_EQ(rseq_ringbuf_get_stats(rb, -1, &st), 0);
	CHECK_EQ(got + st.overwritten, 5000);
	CHECK(st.overwritten > 0);
	CHECK(got > 0);
	CHECK_EQ(st.dropped_busy, 0);
	/* The survivors are the newest: the last one written is among them. */
	CHECK_EQ(newest, 4999);
	rseq_ringbuf_destroy(rb);
}

/* get/put and their misuse; the sub-buffer header; the parser. */
static void test_subbuf_api(void)
{
	struct rseq_ringbuf *rb = make(SB, 4, RSEQ_RINGBUF_DISCARD, 0);
	struct rseq_ringbuf_subbuf sb, sb2, parsed;
	struct rseq_ringbuf_record r;
	int cpu = -1, nr = rseq_ringbuf_nr_cpus(rb);
	unsigned char copy[SB];
	size_t off = 0;

	CHECK_EQ(rseq_ringbuf_write(rb, 9, "abcdefgh", 8), 0);
	for (int c = 0; c < nr; c++)
		CHECK_EQ(rseq_ringbuf_get_subbuf(rb, c, &sb), -1);	/* not closed */
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(rseq_ringbuf_flush(rb), 0);
	CHECK_EQ(rseq_ringbuf_flush(rb), 0);	/* nothing more to close */
	for (int c = 0; c < nr; c++)
		if (rseq_ringbuf_get_subbuf(rb, c, &sb) == 0)
			cpu = c;
	CHECK(cpu >= 0);
	if (cpu < 0)
		goto out;
	CHECK_EQ(sb.cpu, cpu);
	CHECK_EQ(sb.seq, 0);
	CHECK_EQ(sb.size, RSEQ_RINGBUF_SUBBUF_HDR + 16);
	CHECK_EQ(rseq_ringbuf_get_subbuf(rb, cpu, &sb2), -1);
	CHECK_EQ(errno, EBUSY);
	CHECK_EQ(rseq_ringbuf_read(rb, cpu, &r), -1);
	CHECK_EQ(errno, EBUSY);
	CHECK_EQ(rseq_ringbuf_subbuf_next(&sb, &off, &r), 1);
	CHECK_EQ(r.len, 8);
	CHECK_EQ(r.tag, 9);
	CHECK(!memcmp(r.data, "abcdefgh", 8));
	CHECK_EQ(rseq_ringbuf_subbuf_next(&sb, &off, &r), 0);
	/* As a file reader sees it. */
	memcpy(copy, sb.data, sb.size);
	CHECK_EQ(rseq_ringbuf_subbuf_parse(copy, sb.size, &parsed), 0);
	CHECK_EQ(parsed.size, sb.size);
	CHECK_EQ(parsed.cpu, cpu);
	off = 0;
	CHECK_EQ(rseq_ringbuf_subbuf_next(&parsed, &off, &r), 1);
	CHECK_EQ(rseq_ringbuf_subbuf_parse(copy, sb.size - 1, &parsed), -1);
	CHECK_EQ(errno, EBADMSG);
	CHECK_EQ(rseq_ringbuf_subbuf_parse(copy, 10, &parsed), -1);
	CHECK_EQ(rseq_ringbuf_put_subbuf(rb, &sb), 0);
	CHECK_EQ(rseq_ringbuf_put_subbuf(rb, &sb), -1);	/* twice */
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rseq_ringbuf_get_subbuf(rb, nr, &sb), -1);
	CHECK_EQ(rseq_ringbuf_get_subbuf(rb, -1, &sb), -1);
	CHECK_EQ(rseq_ringbuf_get_subbuf(rb, cpu, NULL), -1);
	/* Malformed: a record length past the end; a bad magic. */
	{
		struct rseq_ringbuf_record_header h = { 1000, 0, 0 };

		memcpy(copy + RSEQ_RINGBUF_SUBBUF_HDR, &h, sizeof(h));
		CHECK_EQ(rseq_ringbuf_subbuf_parse(copy, sizeof(copy), &parsed), 0);
		off = 0;
		CHECK_EQ(rseq_ringbuf_subbuf_next(&parsed, &off, &r), -1);
		CHECK_EQ(errno, EBADMSG);
		h.len = 0xffffffffu;
		h.flags = RSEQ_RINGBUF_REC_TS;
		memcpy(copy + RSEQ_RINGBUF_SUBBUF_HDR, &h, sizeof(h));
		off = 0;
		CHECK_EQ(rseq_ringbuf_subbuf_next(&parsed, &off, &r), -1);
		off = 3;	/* misaligned */
		CHECK_EQ(rseq_ringbuf_subbuf_next(&parsed, &off, &r), -1 + 0 * (int)off);
		copy[0] ^= 1;
		CHECK_EQ(rseq_ringbuf_subbuf_parse(copy, sizeof(copy), &parsed), -1);
	}
out:
	rseq_ringbuf_destroy(rb);
}

static void test_wait(void)
{
	struct rseq_ringbuf_attr *a = rseq_ringbuf_attr_create();
	struct rseq_ringbuf *rb;
	struct pollfd pfd;
	char buf[512];
	int fd;

	rseq_ringbuf_attr_set_subbuf(a, SB, 4);
	CHECK_EQ(rseq_ringbuf_attr_set_wakeup(a, RSEQ_RINGBUF_WAKEUP_EVENTFD), 0);
	rb = rseq_ringbuf_create(a);
	rseq_ringbuf_attr_destroy(a);
	CHECK(rb != NULL);
	if (!rb)
		return;
	fd = rseq_ringbuf_wakeup_fd(rb);
	CHECK(fd >= 0);
	CHECK_EQ(rseq_ringbuf_wait(rb, -1, 0), 0);
	CHECK_EQ(rseq_ringbuf_wait(rb, -1, 20), 0);
	CHECK_EQ(rseq_ringbuf_wait(rb, rseq_ringbuf_nr_cpus(rb), 0), -1);
	CHECK_EQ(rseq_ringbuf_poll_arm(rb, -1), 0);
	/* Fill more than a sub-buffer: one completes, the eventfd fires. */
	memset(buf, 1, sizeof(buf));
	for (int i = 0; i < 16; i++)
		CHECK_EQ(rseq_ringbuf_write(rb, 0, buf, sizeof(buf)), 0);
	pfd.fd = fd;
	pfd.events = POLLIN;
	CHECK_EQ(poll(&pfd, 1, 5000), 1);
	CHECK_EQ(rseq_ringbuf_wait(rb, -1, 1000), 1);
	CHECK_EQ(rseq_ringbuf_poll_arm(rb, -1), 1);
	CHECK_EQ(drain(rb, NULL, NULL), 16);
	rseq_ringbuf_destroy(rb);
}

/* Waiting in one thread while another writes. */
static struct rseq_ringbuf *wait_rb;

static void *writer_thread(void *arg)
{
	char buf[256] = { 0 };

	(void)arg;
	usleep(20000);
	for (int i = 0; i < 64; i++)
		rseq_ringbuf_write(wait_rb, 0, buf, sizeof(buf));
	return NULL;
}

static void test_wait_thread(void)
{
	pthread_t t;

	wait_rb = make(SB, 16, RSEQ_RINGBUF_DISCARD, 0);
	CHECK_EQ(pthread_create(&t, NULL, writer_thread, NULL), 0);
	CHECK_EQ(rseq_ringbuf_wait(wait_rb, -1, 10000), 1);
	pthread_join(t, NULL);
	CHECK_EQ(drain(wait_rb, NULL, NULL), 64);
	rseq_ringbuf_destroy(wait_rb);
}

/* The claim path of a thread without rseq, mixed with the fast path. */
static void test_claim_path(void)
{
	struct rseq_ringbuf *rb = make(SB, 8, RSEQ_RINGBUF_DISCARD, RSEQ_RINGBUF_CLOCK_COUNTER);
	struct expect *e = expect_new();

	for (uint32_t i = 0; i < 400; i++) {
		char buf[40];

		rseq_percpu_thread_disable_rseq(i % 3 == 0);
		fill((unsigned char *)buf, sizeof(buf), i);
		CHECK_EQ(rseq_ringbuf_write(rb, 5, buf, sizeof(buf)), 0);
		if (i % 50 == 49)
			drain(rb, check_rec, e);
	}
	rseq_percpu_thread_disable_rseq(false);
	drain(rb, check_rec, e);
	CHECK_EQ(seen_all(e, 5, 400), 0);
	CHECK_EQ(e->bad, 0);
	CHECK_EQ(e->ts_back, 0);
	free(e);
	rseq_ringbuf_destroy(rb);
}

/* A consumer's view of a shared channel, in this process. */
static void test_view(void)
{
	struct rseq_ringbuf_attr *a = rseq_ringbuf_attr_create();
	struct rseq_ringbuf *rb, *view;
	struct rseq_ringbuf_rsv rsv;
	struct rseq_ringbuf_record r;
	unsigned long n = 0;
	int fd, junk;

	rseq_ringbuf_attr_set_subbuf(a, SB, 4);
	rseq_ringbuf_attr_set_shared(a, true);
	rb = rseq_ringbuf_create(a);
	rseq_ringbuf_attr_destroy(a);
	CHECK(rb != NULL);
	if (!rb)
		return;
	fd = rseq_ringbuf_fd(rb);
	CHECK(fd >= 0);
	view = rseq_ringbuf_open(fd);
	CHECK(view != NULL);
	if (!view)
		goto out;
	CHECK_EQ(rseq_ringbuf_nr_cpus(view), rseq_ringbuf_nr_cpus(rb));
	CHECK_EQ(rseq_ringbuf_max_payload(view), rseq_ringbuf_max_payload(rb));
	CHECK(rseq_ringbuf_reserve(view, &rsv, 8, 0) == NULL);
	CHECK_EQ(errno, EPERM);
	CHECK_EQ(rseq_ringbuf_flush_service_start(view, 0), -1);
	CHECK_EQ(errno, EPERM);
	for (int i = 0; i < 10; i++)
		CHECK_EQ(rseq_ringbuf_write(rb, 6, &i, sizeof(i)), 0);
	CHECK_EQ(rseq_ringbuf_flush(view), -1);
	CHECK_EQ(errno, ENOTCONN);
	CHECK_EQ(rseq_ringbuf_flush_service_start(rb, 0), 0);
	CHECK_EQ(rseq_ringbuf_flush_service_start(rb, 0), -1);
	CHECK_EQ(errno, EBUSY);
	CHECK_EQ(rseq_ringbuf_flush(view), 0);
	for (int c = 0; c < rseq_ringbuf_nr_cpus(view); c++)
		while (rseq_ringbuf_read(view, c, &r) == 0)
			n++;
	CHECK_EQ(n, 10);
	CHECK_EQ(rseq_ringbuf_flush_service_stop(rb), 0);
	CHECK_EQ(rseq_ringbuf_flush_service_stop(rb), -1);
	/* A periodic service closes partial sub-buffers by itself. */
	CHECK_EQ(rseq_ringbuf_flush_service_start(rb, 3600001), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rseq_ringbuf_flush_service_start(rb, 5), 0);
	CHECK_EQ(rseq_ringbuf_write(rb, 6, &n, sizeof(n)), 0);
	CHECK_EQ(rseq_ringbuf_wait(view, -1, 10000), 1);	/* no flush asked */
	n = 0;
	for (int c = 0; c < rseq_ringbuf_nr_cpus(view); c++)
		while (rseq_ringbuf_read(view, c, &r) == 0)
			n++;
	CHECK_EQ(n, 1);
	CHECK_EQ(rseq_ringbuf_flush_service_stop(rb), 0);
	rseq_ringbuf_destroy(view);
	/* Not a ring buffer: refused, nothing mapped wrongly. */
	CHECK(rseq_ringbuf_open(-1) == NULL);
	junk = (int)syscall(SYS_memfd_create, "junk", 0);
	if (junk >= 0) {
		char z[8192];

		memset(z, 0x5a, sizeof(z));
		CHECK_EQ(write(junk, z, sizeof(z)), (ssize_t)sizeof(z));
		CHECK(rseq_ringbuf_open(junk) == NULL);
		CHECK_EQ(errno, EINVAL);
		close(junk);
	}
	/* A copy of a real header that lies about its geometry. */
	junk = (int)syscall(SYS_memfd_create, "junk2", 0);
	if (junk >= 0) {
		char page[4096];

		CHECK_EQ(pread(fd, page, sizeof(page), 0), (ssize_t)sizeof(page));
		CHECK_EQ(write(junk, page, sizeof(page)), (ssize_t)sizeof(page));
		CHECK(rseq_ringbuf_open(junk) == NULL);	/* file too short */
		page[40] ^= 0x10;			/* sb_size */
		CHECK_EQ(pwrite(junk, page, sizeof(page), 0), (ssize_t)sizeof(page));
		CHECK(rseq_ringbuf_open(junk) == NULL);
		close(junk);
	}
out:
	rseq_ringbuf_destroy(rb);
}

/* The positions wrap around (started 2 laps before) in both modes. */
static void test_wrap(int mode)
{
	struct rseq_ringbuf *rb;
	struct rseq_ringbuf_stats st;
	struct expect *e = expect_new();
	unsigned long got = 0, written = 0, dropped = 0;
	char buf[200];

	setenv("RSEQKIT_RINGBUF_TEST_WRAP", "2", 1);
	rb = make(SB, 4, mode, 0);
	unsetenv("RSEQKIT_RINGBUF_TEST_WRAP");
	for (uint32_t i = 0; i < 3000; i++) {
		fill((unsigned char *)buf, sizeof(buf), i);
		if (rseq_ringbuf_write(rb, 7, buf, sizeof(buf)) == 0)
			written++;
		else
			dropped++;
		if (mode == RSEQ_RINGBUF_DISCARD && i % 16 == 15) {
			struct rseq_ringbuf_record r;

			for (int c = 0; c < rseq_ringbuf_nr_cpus(rb); c++)
				while (rseq_ringbuf_read(rb, c, &r) == 0) {
					check_rec(&r, e);
					got++;
				}
		}
	}
	if (mode == RSEQ_RINGBUF_OVERWRITE) {
		got += drain(rb, check_rec, e);
		CHECK_EQ(rseq_ringbuf_get_stats(rb, -1, &st), 0);
		CHECK_EQ(got + st.overwritten, written);
	} else {
		got += drain(rb, check_rec, e);
		CHECK_EQ(got, written);
		CHECK_EQ(seen_all(e, 7, 3000), 0);
	}
	CHECK_EQ(dropped, 0);
	CHECK_EQ(e->bad, 0);
	free(e);
	rseq_ringbuf_destroy(rb);
}

static void run_all(void)
{
	test_attr();
	test_roundtrip(RSEQ_RINGBUF_CLOCK_NONE);
	test_roundtrip(RSEQ_RINGBUF_CLOCK_MONOTONIC);
	test_roundtrip(RSEQ_RINGBUF_CLOCK_COUNTER);
	test_roundtrip(RSEQ_RINGBUF_CLOCK_MONOTONIC_COARSE);
	test_discard();
	test_overwrite();
	test_subbuf_api();
	test_wait();
	test_wait_thread();
	test_claim_path();
	test_view();
	test_wrap(RSEQ_RINGBUF_DISCARD);
	test_wrap(RSEQ_RINGBUF_OVERWRITE);
}

int main(int argc, char **argv)
{
	bool atomic = argc > 1 && !strcmp(argv[1], "atomic");

	(void)rseq_register_current_thread();
	run_all();
	printf("%lu passed, %lu failed so far\n", test_passed, test_failed);
	/* Every writer of this thread on the claim path (not in the reduced
	 * runs of the emulated VM matrix: test_claim_path() covers it). */
	if (test_scale(100) >= 100) {
		rseq_percpu_thread_disable_rseq(true);
		run_all();
		rseq_percpu_thread_disable_rseq(false);
	}
	printf("mode %s: rseq fast path %s\n", atomic ? "atomic" : test_mode(),
	       rseq_percpu_rseq_ok ? "on" : "off (atomic mode)");
	if (!atomic && rseq_percpu_rseq_ok && !test_failed) {
		/* Again with every writer on compare-and-swap. */
		char *args[] = { argv[0], (char *)"atomic", NULL };

		fflush(stdout);
		setenv("RSEQKIT_PERCPU_NO_MEMBARRIER", "1", 1);
		execv("/proc/self/exe", args);
		CHECK(!"execv");
	}
	return test_done();
}

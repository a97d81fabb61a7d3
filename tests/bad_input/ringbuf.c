/* SPDX-License-Identifier: MIT */
/*
 * tests/bad_input/ringbuf.c - the ring buffers (rseqkit/ringbuf.h):
 * sub-buffer sizes and counts, mode, clock and wake-up values, CPU
 * numbers of every per-CPU call, payload lengths and tags of the slow
 * reserve, timeouts and flush periods, file descriptors that are not a
 * channel (or are one with a corrupt header), malformed sub-buffers for
 * the parser, NULL objects and out-arguments.  A channel that is created
 * must then carry records: written on this CPU, flushed, read back in
 * order byte for byte, with timestamps when its clock says so.
 *
 * Not in the table: the inline rseq_ringbuf_reserve()/commit()/write()
 * (their contract and cost are the ring buffer's own tests'); the
 * 'stage' of rseq_ringbuf_commit_slow() other than 0 (an internal value
 * the inline commit passes, documented "not for direct use").
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "bi.h"
#include <rseqkit/ringbuf.h>

/* The CPU a case writes on: the first this process may run on. */
static int home = -1;

static const char *pin_home(void)
{
	cpu_set_t set;

	if (home >= 0)
		return NULL;
	if (sched_getaffinity(0, sizeof(set), &set))
		return "sched_getaffinity failed";
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set)) {
			CPU_ZERO(&set);
			CPU_SET(c, &set);
			if (sched_setaffinity(0, sizeof(set), &set))
				return "sched_setaffinity failed";
			home = c;
			return NULL;
		}
	return "no CPU to run on";
}

static unsigned char pay(size_t i, size_t k)
{
	return (unsigned char)(i * 31 + k * 7 + 1);
}

/* n records on the home CPU (payload lengths up to maxlen), as written. */
static const char *write_n(struct rseq_ringbuf *rb, size_t n, size_t maxlen)
{
	unsigned char buf[512];

	if (maxlen > sizeof(buf))
		maxlen = sizeof(buf);
	for (size_t i = 0; i < n; i++) {
		size_t len = (i * 13) % (maxlen + 1);

		for (size_t k = 0; k < len; k++)
			buf[k] = pay(i, k);
		if (rseq_ringbuf_write(rb, (unsigned int)(i & 0xffff), buf, len))
			return bi_fail_errno("a write to a new channel failed");
	}
	return NULL;
}

/* The n records of write_n(), read back from 'from' (rb or a view). */
static const char *read_n(struct rseq_ringbuf *from, size_t n, size_t maxlen, int clock)
{
	struct rseq_ringbuf_record rec;
	uint64_t last_ts = 0;
	size_t got = 0;

	if (maxlen > 512)
		maxlen = 512;
	while (!rseq_ringbuf_read(from, home, &rec)) {
		size_t len = (got * 13) % (maxlen + 1);
		const unsigned char *d = (const unsigned char *)rec.data;

		if (got >= n)
			return bi_fail("more records came back than the %zu written", n);
		if (rec.len != len || rec.tag != (got & 0xffff) || rec.cpu != home)
			return bi_fail("record %zu came back with len %zu tag %u cpu %d (want %zu %zu %d)",
				       got, rec.len, rec.tag, rec.cpu, len, got & 0xffff, home);
		for (size_t k = 0; k < len; k++)
			if (d[k] != pay(got, k))
				return bi_fail("record %zu: byte %zu changed", got, k);
		if (clock && (rec.ts == 0 || rec.ts < last_ts))
			return bi_fail("record %zu: timestamp %llu after %llu", got,
				       (unsigned long long)rec.ts, (unsigned long long)last_ts);
		if (!clock && rec.ts)
			return bi_fail("record %zu has a timestamp without a clock", got);
		last_ts = rec.ts;
		got++;
	}
	if (errno != EAGAIN)
		return bi_fail_errno("read");
	return got == n ? NULL : bi_fail("%zu of %zu records came back", got, n);
}

/* A new channel does its job: records written, flushed, read back. */
static const char *rb_works(struct rseq_ringbuf *rb, int clock)
{
	size_t maxp = rseq_ringbuf_max_payload(rb);
	struct rseq_ringbuf_stats st;
	const char *why;

	if ((why = pin_home()))
		return why;
	if (rseq_ringbuf_nr_cpus(rb) <= home || maxp < 64)
		return bi_fail("nr_cpus %d, max_payload %zu", rseq_ringbuf_nr_cpus(rb), maxp);
	if ((why = write_n(rb, 16, 300)))
		return why;
	if (rseq_ringbuf_flush_cpu(rb, home))
		return bi_fail_errno("flush_cpu");
	if ((why = read_n(rb, 16, 300, clock)))
		return why;
	if (rseq_ringbuf_get_stats(rb, -1, &st))
		return bi_fail_errno("get_stats");
	if (st.dropped_full || st.dropped_busy || st.overwritten)
		return "a new channel dropped or overwrote records";
	return NULL;
}

/* ---- attributes and creation ---- */

/*
 * An attribute object with setter i (0 subbuf(u, v), 1 mode(j), 2
 * clock(j), 3 shared(j), 4 wakeup(j), 5 populate(j)); p != NULL: on a
 * NULL object.  The setter's verdict is the case's; an accepted value
 * must then make a channel that works (or ENOMEM for sizes that do not
 * fit here).
 */
static const char *c_attr(const struct bi_case *c)
{
	struct rseq_ringbuf_attr *a = c->p ? NULL : rseq_ringbuf_attr_create();
	struct rseq_ringbuf *rb;
	const char *why;
	int r = 0, clock = 0;

	if (!c->p && !a)
		return bi_fail_errno("attr_create");
	switch (c->i) {
	case 0: r = rseq_ringbuf_attr_set_subbuf(a, (size_t)c->u, (size_t)c->v); break;
	case 1: r = rseq_ringbuf_attr_set_mode(a, (enum rseq_ringbuf_mode)(int)c->j); break;
	case 2: r = rseq_ringbuf_attr_set_clock(a, (enum rseq_ringbuf_clock)(int)c->j); break;
	case 3: r = rseq_ringbuf_attr_set_shared(a, c->j != 0); break;
	case 4: r = rseq_ringbuf_attr_set_wakeup(a, (enum rseq_ringbuf_wakeup)(int)c->j); break;
	case 5: r = rseq_ringbuf_attr_set_populate(a, c->j != 0); break;
	default: return "no such setter";
	}
	if ((why = bi_int(c, r)) || r || !a) {
		rseq_ringbuf_attr_destroy(a);
		return why;
	}
	if (c->i == 2)
		clock = (int)c->j;
	rb = rseq_ringbuf_create(a);
	rseq_ringbuf_attr_destroy(a);	/* create copied what it needs */
	if (!rb)
		return errno == ENOMEM && c->i == 0 && c->u * c->v > BI_P(24) ? NULL :
		       bi_fail_errno("create with an accepted attribute");
	why = rb_works(rb, clock);
	if (!why && c->i == 0 && c->u * c->v <= BI_P(24) &&
	    rseq_ringbuf_max_payload(rb) >= (size_t)c->u)
		why = "max_payload is not below the sub-buffer size";
	if (!why && c->i == 3 && (rseq_ringbuf_fd(rb) >= 0) != (c->j != 0))
		why = bi_fail_errno("fd() disagrees with set_shared()");
	if (!why && c->i == 4 && (rseq_ringbuf_wakeup_fd(rb) >= 0) != (c->j == 1))
		why = bi_fail_errno("wakeup_fd() disagrees with set_wakeup()");
	rseq_ringbuf_destroy(rb);
	return why;
}

/* create(NULL), attr_create + destroy, destroy(NULL), attr_destroy(NULL) */
static const char *c_create(const struct bi_case *c)
{
	struct rseq_ringbuf *rb;
	const char *why;

	switch (c->i) {
	case 0:
		rb = rseq_ringbuf_create(NULL);
		if ((why = bi_ptr(c, rb)) || !rb)
			return why;
		why = rb_works(rb, 0);
		rseq_ringbuf_destroy(rb);
		return why;
	case 1: {
		struct rseq_ringbuf_attr *a = rseq_ringbuf_attr_create();

		if ((why = bi_ptr(c, a)) || !a)
			return why;
		rb = rseq_ringbuf_create(a);
		rseq_ringbuf_attr_destroy(a);
		if (!rb)
			return bi_fail_errno("create with a default attribute object");
		why = rb_works(rb, 0);
		rseq_ringbuf_destroy(rb);
		return why;
	}
	case 2:
		rseq_ringbuf_destroy(NULL);
		return NULL;
	case 3:
		rseq_ringbuf_attr_destroy(NULL);
		return NULL;
	}
	return "no such case";
}

/*
 * A channel of n sub-buffers of sb bytes, pinned to the home CPU, with
 * the mode, clock, wake-up and sharing given (the setters' own cases are
 * above: these values are valid); NULL with errno.
 */
static struct rseq_ringbuf *channel(size_t sb, size_t n, int mode, int clock, int wakeup,
				    bool shared)
{
	struct rseq_ringbuf_attr *a;
	struct rseq_ringbuf *rb;

	if (pin_home())
		return NULL;
	a = rseq_ringbuf_attr_create();
	if (!a || rseq_ringbuf_attr_set_subbuf(a, sb, n) ||
	    rseq_ringbuf_attr_set_mode(a, (enum rseq_ringbuf_mode)mode) ||
	    rseq_ringbuf_attr_set_clock(a, (enum rseq_ringbuf_clock)clock) ||
	    rseq_ringbuf_attr_set_wakeup(a, (enum rseq_ringbuf_wakeup)wakeup) ||
	    rseq_ringbuf_attr_set_shared(a, shared)) {
		rseq_ringbuf_attr_destroy(a);
		return NULL;
	}
	rb = rseq_ringbuf_create(a);
	rseq_ringbuf_attr_destroy(a);
	return rb;
}

/* ---- open: file descriptors that are not a channel ---- */

static struct rseq_ringbuf *shared_channel(void)
{
	return channel(4096, 4, 0, 0, 0, true);
}

/* A memfd holding len bytes of src (or zeros), then byte 'at' xor x. */
static int memfd_copy(const void *src, size_t len, long long at, unsigned char x)
{
	int fd = (int)syscall(SYS_memfd_create, "bi", 0);

	if (fd < 0 || ftruncate(fd, (off_t)len))
		return -1;
	if (src && pwrite(fd, src, len, 0) != (ssize_t)len)
		return -1;
	if (at >= 0) {
		unsigned char b = 0;

		if (pread(fd, &b, 1, at) != 1)
			return -1;
		b ^= x;
		if (pwrite(fd, &b, 1, at) != 1)
			return -1;
	}
	return fd;
}

/*
 * open(fd): i selects the descriptor (0 the integer j itself, 1 a pipe,
 * 2 a read-only regular file, 3 an empty memfd, 4 4096 zero bytes, 5 a
 * channel's file cut to u bytes, 6 a channel's file with byte u xor 0xff,
 * 7 a real channel's).  A refusal is the case's want; a view that opens
 * must read what the writers wrote (7) or at least not crash (6).
 */
static const char *c_open(const struct bi_case *c)
{
	struct rseq_ringbuf *rb = NULL, *v;
	const char *why = NULL;
	int fd = -1, p[2];

	if (c->i >= 5) {
		struct stat s;
		void *m;

		rb = shared_channel();
		if (!rb || fstat(rseq_ringbuf_fd(rb), &s))
			return bi_fail_errno("a shared channel");
		if (c->i == 7) {
			fd = rseq_ringbuf_fd(rb);
		} else {
			m = mmap(NULL, (size_t)s.st_size, PROT_READ, MAP_SHARED, rseq_ringbuf_fd(rb), 0);
			if (m == MAP_FAILED)
				return "mmap of the channel's fd";
			fd = c->i == 5 ? memfd_copy(m, (size_t)c->u, -1, 0) :
			     memfd_copy(m, (size_t)s.st_size, (long long)c->u, 0xff);
			munmap(m, (size_t)s.st_size);
		}
	} else if (c->i == 0) {
		fd = (int)c->j;
	} else if (c->i == 1) {
		if (pipe(p))
			return "pipe";
		fd = p[0];
	} else if (c->i == 2) {
		fd = open("/proc/self/exe", O_RDONLY);
	} else {
		fd = memfd_copy(NULL, c->i == 3 ? 0 : 4096, -1, 0);
	}
	if (c->i && fd < 0)
		return "cannot make the descriptor";
	v = rseq_ringbuf_open(fd);
	if ((why = bi_ptr(c, v)) || !v) {
		rseq_ringbuf_destroy(rb);
		return why;
	}
	if (c->i == 7) {		/* the view reads what the writers wrote */
		if (!(why = pin_home()) && !(why = write_n(rb, 16, 300))) {
			if (rseq_ringbuf_flush_cpu(rb, home))
				why = bi_fail_errno("flush_cpu");
			else
				why = read_n(v, 16, 300, 0);
		}
		if (!why && (rseq_ringbuf_write(v, 1, "x", 1) != -1 || errno != EPERM))
			why = "a write to a consumer's view did not fail with EPERM";
		if (!why && (rseq_ringbuf_flush(v) != -1 || errno != ENOTCONN))
			why = "a view's flush without a flush service did not fail with ENOTCONN";
	} else {			/* a corrupt header accepted: reading is safe */
		struct rseq_ringbuf_record rec;
		int n = rseq_ringbuf_nr_cpus(v);

		for (int cpu = 0; cpu < n && cpu < 4; cpu++)
			for (int k = 0; k < 64 && !rseq_ringbuf_read(v, cpu, &rec); k++)
				;
	}
	rseq_ringbuf_destroy(v);
	rseq_ringbuf_destroy(rb);
	return why;
}

/* ---- the per-CPU calls: CPU numbers, NULL objects and out-arguments ---- */

static const char *make_rb(struct rseq_ringbuf **rb, int wakeup)
{
	*rb = channel(4096, 4, 0, 0, wakeup, false);
	return *rb ? NULL : bi_fail_errno("create");
}

static void *waker(void *arg)
{
	struct timespec d = { 0, 50 * 1000 * 1000 };

	nanosleep(&d, NULL);
	rseq_ringbuf_wake((struct rseq_ringbuf *)arg);
	return NULL;
}

/*
 * Function i with CPU j (on an empty channel, or with p: NULL rb; u: a
 * record on the home CPU first).  Valid CPUs: what each documents; the
 * results on a valid CPU are checked (empty: EAGAIN / 0; a record: it).
 */
static const char *c_cpu(const struct bi_case *c)
{
	struct rseq_ringbuf *rb = NULL;
	struct rseq_ringbuf_stats st;
	struct rseq_ringbuf_subbuf sb;
	struct rseq_ringbuf_record rec;
	const char *why;
	int cpu = (int)c->j, r;
	bool mine;

	if (!c->p && (why = make_rb(&rb, 0)))
		return why;
	if (rb && c->u) {
		if ((why = write_n(rb, 1, 8)))
			return why;
		if (rseq_ringbuf_flush_cpu(rb, home))
			return bi_fail_errno("flush_cpu");
	}
	mine = rb && cpu == home && c->u;
	switch (c->i) {
	case 0: r = rseq_ringbuf_get_stats(rb, cpu, &st); break;
	case 1: r = rseq_ringbuf_get_subbuf(rb, cpu, &sb); break;
	case 2: r = rseq_ringbuf_read(rb, cpu, &rec); break;
	case 3: r = rseq_ringbuf_wait(rb, cpu, 0); break;
	case 4: r = rseq_ringbuf_poll_arm(rb, cpu); break;
	case 5: r = rseq_ringbuf_flush_cpu(rb, cpu); break;
	default: return "no such function";
	}
	if (c->want == BI_ANY) {	/* a valid CPU: the documented result */
		int want_r = c->i <= 2 ? (mine ? 0 : -1) : c->i <= 4 ? (mine || (cpu == -1 && c->u))
								     : 0;

		if (r != want_r || (r == -1 && errno != EAGAIN))
			why = bi_fail("returned %d (errno %d) on a valid CPU, want %d", r, errno, want_r);
		else if (c->i == 1 && r == 0 && (sb.cpu != cpu || rseq_ringbuf_put_subbuf(rb, &sb)))
			why = bi_fail_errno("the sub-buffer got is not put back");
		else if (c->i == 2 && r == 0 && (rec.cpu != cpu || rec.tag != 0))
			why = "read gave a record that was not written";
	} else {
		why = bi_int(c, r);
	}
	if (!why && rb && c->i == 0 && !r && (st.dropped_full || st.overwritten))
		why = "stats of a new channel are not zero";
	rseq_ringbuf_destroy(rb);
	return why;
}

/* NULL out-arguments and NULL objects of the other calls: EINVAL. */
static const char *c_null(const struct bi_case *c)
{
	struct rseq_ringbuf *rb = NULL;
	struct rseq_ringbuf_subbuf sb;
	struct rseq_ringbuf_record rec;
	size_t off = 0;
	const char *why;
	long long r;

	if (c->j && (why = make_rb(&rb, 0)))
		return why;
	if (c->i == 17) {	/* max_payload: 0 for NULL (no errno), else the size */
		size_t m = rseq_ringbuf_max_payload(rb);

		rseq_ringbuf_destroy(rb);
		return (m == 0) == !c->j ? NULL : bi_fail("max_payload %zu", m);
	}
	memset(&sb, 0, sizeof(sb));
	switch (c->i) {
	case 0: r = rseq_ringbuf_get_stats(rb, -1, NULL); break;
	case 1: r = rseq_ringbuf_get_subbuf(rb, home, NULL); break;
	case 2: r = rseq_ringbuf_put_subbuf(rb, NULL); break;
	case 3: r = rseq_ringbuf_read(rb, home, NULL); break;
	case 4: r = rseq_ringbuf_wake(rb); break;
	case 5: r = rseq_ringbuf_flush(rb); break;
	case 6: r = rseq_ringbuf_fd(rb); break;
	case 7: r = rseq_ringbuf_wakeup_fd(rb); break;
	case 8: r = rseq_ringbuf_nr_cpus(rb); break;
	case 9: r = rseq_ringbuf_flush_service_start(rb, 0); break;
	case 10: r = rseq_ringbuf_flush_service_stop(rb); break;
	case 11: r = rseq_ringbuf_subbuf_parse(NULL, 64, &sb); break;
	case 12: r = rseq_ringbuf_subbuf_parse(&sb, sizeof(sb), NULL); break;
	case 13: r = rseq_ringbuf_subbuf_next(NULL, &off, &rec); break;
	case 14: r = rseq_ringbuf_subbuf_next(&sb, NULL, &rec); break;
	case 15: r = rseq_ringbuf_subbuf_next(&sb, &off, NULL); break;
	case 16: r = rseq_ringbuf_subbuf_next(&sb, &off, &rec); break;	/* data NULL */
	case 18: r = rseq_ringbuf_put_subbuf(rb, &sb); break;	/* never got */
	case 19: sb.cpu = INT_MIN; r = rseq_ringbuf_put_subbuf(rb, &sb); break;
	case 20: sb.cpu = INT_MAX; r = rseq_ringbuf_put_subbuf(rb, &sb); break;
	case 21: r = rseq_ringbuf_flush_service_stop(rb); break;	/* none runs */
	case 22: r = rseq_ringbuf_reserve_slow(rb, NULL, 8, 1) ? 0 : -1; break;
	case 23: {
		struct rseq_ringbuf_rsv rv;

		r = rseq_ringbuf_reserve_slow(NULL, &rv, 8, 1) ? 0 : -1;
		break;
	}
	default: return "no such case";
	}
	why = bi_int(c, r);
	rseq_ringbuf_destroy(rb);
	return why;
}

/* ---- the writer's slow path: lengths, tags; commit_slow ---- */

/*
 * reserve_slow(len u, tag v) on a 4096 x 4 channel (j: overwrite mode),
 * then commit_slow(stage 0); the record reads back with its bytes.
 */
static const char *c_reserve(const struct bi_case *c)
{
	struct rseq_ringbuf *rb = channel(4096, 4, c->j ? RSEQ_RINGBUF_OVERWRITE : 0, 0, 0, false);
	struct rseq_ringbuf_record rec;
	struct rseq_ringbuf_rsv rv;
	const char *why = NULL;
	unsigned char *d;

	if (!rb)
		return bi_fail_errno("create");
	d = (unsigned char *)rseq_ringbuf_reserve_slow(rb, &rv, (size_t)c->u, (unsigned int)c->v);
	if ((why = bi_ptr(c, d)) || !d) {
		rseq_ringbuf_destroy(rb);
		return why;
	}
	if (rv.len != (size_t)c->u || rv.data != d)
		why = "the reservation does not describe the payload";
	for (size_t k = 0; !why && k < rv.len; k++)
		d[k] = pay(3, k);
	rseq_ringbuf_commit_slow(rb, &rv, 0);
	if (!why && rseq_ringbuf_flush_cpu(rb, rv.cpu))
		why = bi_fail_errno("flush_cpu");
	if (!why && rseq_ringbuf_read(rb, rv.cpu, &rec))
		why = bi_fail_errno("the committed record does not read back");
	if (!why && (rec.len != (size_t)c->u || rec.tag != (unsigned int)c->v))
		why = bi_fail("record len %zu tag %u, want %zu %u", rec.len, rec.tag, (size_t)c->u,
			      (unsigned int)c->v);
	for (size_t k = 0; !why && k < rec.len; k++)
		if (((const unsigned char *)rec.data)[k] != pay(3, k))
			why = bi_fail("byte %zu of the record changed", k);
	rseq_ringbuf_destroy(rb);
	return why;
}

/*
 * A full channel: discard (j 0) drops and counts every record past the
 * capacity, then reads back exactly what was kept; overwrite (j 1):
 * written = read + overwritten (one thread: nothing dropped busy).
 */
static const char *c_full(const struct bi_case *c)
{
	struct rseq_ringbuf *rb = channel(4096, 2, c->j ? RSEQ_RINGBUF_OVERWRITE : 0, 0, 0, false);
	struct rseq_ringbuf_stats st;
	struct rseq_ringbuf_record rec;
	unsigned long ok = 0, failed = 0, got = 0;
	unsigned char buf[200];
	const char *why = NULL;

	if (!rb)
		return bi_fail_errno("create");
	memset(buf, 0x5a, sizeof(buf));
	for (unsigned long i = 0; i < c->u; i++) {
		if (!rseq_ringbuf_write(rb, 7, buf, sizeof(buf)))
			ok++;
		else if (errno == ENOSPC)
			failed++;
		else
			return bi_fail_errno("a write failed, not with ENOSPC");
	}
	if (rseq_ringbuf_flush_cpu(rb, home) && errno != EAGAIN)
		return bi_fail_errno("flush_cpu");
	while (!rseq_ringbuf_read(rb, home, &rec)) {
		if (rec.len != sizeof(buf) || rec.tag != 7 || memcmp(rec.data, buf, sizeof(buf)))
			return "a record came back changed";
		if (++got > c->u)
			return "more records came back than were written";
	}
	if (rseq_ringbuf_get_stats(rb, home, &st))
		return bi_fail_errno("get_stats");
	if (!c->j && (failed != st.dropped_full || got != ok || !failed))
		why = bi_fail("discard: %lu written, %lu dropped (stats %llu), %lu read", ok, failed,
			      (unsigned long long)st.dropped_full, got);
	if (c->j && (failed || st.dropped_busy || ok != got + st.overwritten || !st.overwritten))
		why = bi_fail("overwrite: %lu written, %lu failed, %lu read, %llu overwritten", ok,
			      failed, got, (unsigned long long)st.overwritten);
	rseq_ringbuf_destroy(rb);
	return why;
}

/* The largest payload (and one byte more) through the inline write. */
static const char *c_max_payload(const struct bi_case *c)
{
	struct rseq_ringbuf *rb = channel((size_t)c->u, 2, 0, (int)c->j, 0, false);
	struct rseq_ringbuf_record rec;
	unsigned char *buf;
	const char *why = NULL;
	size_t m;

	if (!rb)
		return bi_fail_errno("create");
	m = rseq_ringbuf_max_payload(rb);
	if (!m || m >= (size_t)c->u)
		return bi_fail("max_payload %zu of %llu-byte sub-buffers", m,
			       (unsigned long long)c->u);
	buf = (unsigned char *)malloc(m + 1);
	if (!buf)
		return "malloc";
	for (size_t k = 0; k <= m; k++)
		buf[k] = pay(5, k);
	if (rseq_ringbuf_write(rb, 65535, buf, m + 1) != -1 || errno != EINVAL)
		why = "a payload above max_payload did not fail with EINVAL";
	else if (rseq_ringbuf_write(rb, 65535, buf, m))
		why = bi_fail_errno("a payload of max_payload bytes");
	else if (rseq_ringbuf_flush_cpu(rb, home) || rseq_ringbuf_read(rb, home, &rec))
		why = bi_fail_errno("reading the largest record back");
	else if (rec.len != m || rec.tag != 65535 || memcmp(rec.data, buf, m))
		why = "the largest record came back changed";
	free(buf);
	rseq_ringbuf_destroy(rb);
	return why;
}

/* ---- the consumer's sub-buffers ---- */

/*
 * get_subbuf twice (EBUSY), read while held (EBUSY), parse of its bytes,
 * subbuf_next from offset u (records from there; misaligned: EBADMSG),
 * put twice (EINVAL).
 */
static const char *c_subbuf(const struct bi_case *c)
{
	struct rseq_ringbuf_subbuf sb, sb2, parsed;
	struct rseq_ringbuf_record rec;
	struct rseq_ringbuf *rb;
	size_t off = (size_t)c->u, n = 0;
	const char *why;
	int r;

	if ((why = make_rb(&rb, 0)) || (why = write_n(rb, 5, 40)))
		return why;
	if (rseq_ringbuf_flush_cpu(rb, home) || rseq_ringbuf_get_subbuf(rb, home, &sb))
		return bi_fail_errno("flush and get");
	if (rseq_ringbuf_get_subbuf(rb, home, &sb2) != -1 || errno != EBUSY)
		return "a second get_subbuf of the same CPU did not fail with EBUSY";
	if (rseq_ringbuf_read(rb, home, &rec) != -1 || errno != EBUSY)
		return "read while a sub-buffer is held did not fail with EBUSY";
	if (rseq_ringbuf_subbuf_parse(sb.data, sb.size, &parsed) || parsed.size != sb.size ||
	    parsed.cpu != home || parsed.seq != sb.seq)
		return bi_fail_errno("parse of a delivered sub-buffer");
	while ((r = rseq_ringbuf_subbuf_next(&parsed, &off, &rec)) == 1)
		if (++n > 5)
			return "subbuf_next gave more records than were written";
	why = bi_int(c, r);
	if (!why && c->u <= RSEQ_RINGBUF_SUBBUF_HDR && n != 5)
		why = bi_fail("subbuf_next from the start gave %zu of 5 records", n);
	if (!why && (rseq_ringbuf_put_subbuf(rb, &sb) || rseq_ringbuf_put_subbuf(rb, &sb) != -1 ||
		     errno != EINVAL))
		why = "put_subbuf: the first did not succeed or the second did not fail with EINVAL";
	rseq_ringbuf_destroy(rb);
	return why;
}

/*
 * parse/next of crafted bytes: a header then one record; field i of the
 * header (0 magic, 1 version, 2 clock, 3 size) or the record (4 len, 5
 * flags) set to u, parsed with avail v.  A refusal must be EBADMSG and a
 * record must lie inside; nothing reads outside the buffer (it ends at a
 * page that is not mapped).
 */
static const char *c_parse(const struct bi_case *c)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), len = 64;
	struct rseq_ringbuf_subbuf_header h;
	struct rseq_ringbuf_record_header rh;
	struct rseq_ringbuf_subbuf sb;
	struct rseq_ringbuf_record rec;
	char *m = (char *)mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *d;
	size_t off = 0;
	int r, n = 0;
	const char *why;

	if (m == MAP_FAILED || mprotect(m + page, page, PROT_NONE))
		return "mmap";
	d = m + page - len;		/* the buffer's last byte: the page's */
	memset(&h, 0, sizeof(h));
	h.magic = RSEQ_RINGBUF_SUBBUF_MAGIC;
	h.version = 1;
	h.size = (uint32_t)len;
	rh.len = 8;
	rh.tag = 3;
	rh.flags = 0;
	switch (c->i) {
	case 0: h.magic = (uint32_t)c->u; break;
	case 1: h.version = (uint16_t)c->u; break;
	case 2: h.clock = (uint16_t)c->u; break;
	case 3: h.size = (uint32_t)c->u; break;
	case 4: rh.len = (uint32_t)c->u; break;
	case 5: rh.flags = (uint16_t)c->u; break;
	}
	memcpy(d, &h, sizeof(h));
	memcpy(d + sizeof(h), &rh, sizeof(rh));
	r = rseq_ringbuf_subbuf_parse(d, (size_t)c->v, &sb);	/* (avail: the caller's word) */
	if (r) {
		why = bi_int(c, r);
	} else {
		while ((r = rseq_ringbuf_subbuf_next(&sb, &off, &rec)) == 1 && n < 16) {
			n++;
			if ((const char *)rec.data < d || (const char *)rec.data + rec.len > d + len)
				return "subbuf_next gave a record outside the sub-buffer";
		}
		if (n >= 16)
			return "subbuf_next did not end";
		why = bi_int(c, r);
	}
	munmap(m, 2 * page);
	return why;
}

/* ---- waiting, waking, the flush service, timestamps ---- */

/*
 * wait(cpu home or -1, timeout j): with data (u) 1 at once; without,
 * 0 after the timeout; a negative timeout waits until a waker thread's
 * rseq_ringbuf_wake() (0).  Eventfd channels (v): the fd is readable
 * after wake.
 */
static const char *c_wait(const struct bi_case *c)
{
	struct rseq_ringbuf *rb;
	pthread_t t;
	const char *why;
	int r, cpu = c->i ? -1 : 0, want = c->u ? 1 : 0;

	if ((why = make_rb(&rb, c->v ? 1 : 0)))
		return why;
	if (!c->i)
		cpu = home;
	if (c->u && ((why = write_n(rb, 1, 8)) || rseq_ringbuf_flush_cpu(rb, home)))
		return why ? why : bi_fail_errno("flush_cpu");
	if (rseq_ringbuf_poll_arm(rb, cpu) != want)
		return bi_fail_errno("poll_arm disagrees with the data there");
	if (!c->u && c->j < 0 && pthread_create(&t, NULL, waker, rb))
		return "pthread_create";
	r = rseq_ringbuf_wait(rb, cpu, (int)c->j);
	if (!c->u && c->j < 0)
		pthread_join(t, NULL);
	if (r != want)
		return bi_fail("wait returned %d (errno %d), want %d", r, errno, want);
	if (c->v) {
		struct pollfd p = { rseq_ringbuf_wakeup_fd(rb), POLLIN, 0 };

		if (rseq_ringbuf_wake(rb) || poll(&p, 1, 0) != 1)
			return "the eventfd is not readable after wake";
	}
	rseq_ringbuf_destroy(rb);
	return NULL;
}

/*
 * flush_service_start(period u) (p: on a consumer's view: EPERM); when
 * it runs: a second start is EBUSY, a view's flush request is answered
 * (the records read back through the view), stop succeeds once.
 */
static const char *c_service(const struct bi_case *c)
{
	struct rseq_ringbuf *rb = shared_channel(), *v;
	const char *why;
	int r;

	if (!rb || (why = pin_home()))
		return rb ? why : bi_fail_errno("a shared channel");
	v = rseq_ringbuf_open(rseq_ringbuf_fd(rb));
	if (!v)
		return bi_fail_errno("open of a shared channel");
	r = rseq_ringbuf_flush_service_start(c->i ? v : rb, (unsigned int)c->u);
	if ((why = bi_int(c, r)) || r)
		goto out;
	if (rseq_ringbuf_flush_service_start(rb, 0) != -1 || errno != EBUSY)
		why = "a second flush_service_start did not fail with EBUSY";
	else if ((why = write_n(rb, 16, 300)))
		;
	else if (rseq_ringbuf_flush(v))
		why = bi_fail_errno("a view's flush with the service running");
	else if ((why = read_n(v, 16, 300, 0)))
		;
	else if (rseq_ringbuf_flush_service_stop(rb) ||
		 rseq_ringbuf_flush_service_stop(rb) != -1 || errno != EINVAL)
		why = "flush_service_stop: the first failed or the second did not fail with EINVAL";
out:
	rseq_ringbuf_destroy(v);
	rseq_ringbuf_destroy(rb);	/* (stops a service that still runs) */
	return why;
}

/* ts_to_ns(rb, ts u): NULL rb and clocks other than COUNTER: ts itself;
 * COUNTER: a counter read now converts to within a minute of now. */
static const char *c_ts(const struct bi_case *c)
{
	struct rseq_ringbuf *rb = NULL;
	struct timespec now;
	uint64_t ns, t;

	if (c->j >= 0 && !(rb = channel(4096, 4, 0, (int)c->j, 0, false)))
		return bi_fail_errno("create");
	if (c->j != RSEQ_RINGBUF_CLOCK_COUNTER) {
		t = rseq_ringbuf_ts_to_ns(rb, c->u);
		rseq_ringbuf_destroy(rb);
		return t == c->u ? NULL : "ts_to_ns changed a timestamp of a clock in ns";
	}
	rseq_ringbuf_ts_to_ns(rb, c->u);	/* any value: no fault, no trap */
	t = rseq_ringbuf_clock_read(RSEQ_RINGBUF_CLOCK_COUNTER);
	ns = rseq_ringbuf_ts_to_ns(rb, t);
	clock_gettime(CLOCK_MONOTONIC, &now);
	t = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	rseq_ringbuf_destroy(rb);
	if (ns > t || t - ns > 60ull * 1000000000u)
		return bi_fail("a counter read now converts to %llu ns, CLOCK_MONOTONIC is %llu",
			       (unsigned long long)ns, (unsigned long long)t);
	return NULL;
}

/* ---- the table ---- */

void bi_ringbuf_cases(void)
{
	static const size_t counts[] = { 0, 1, 2, 3, 4, 4096, 4097, 8192 };
	static const char null_obj = 0;
	long long ints[BI_NR_INTS];
	size_t ni = bi_ints(bi_nr_cpus, ints);
	const void *nul = &null_obj;	/* p set: call on a NULL object */

	BI(rseq_ringbuf_create, c_create, 0, "i=case", .i = 0, .flags = BI_NULL_OK);
	BI(rseq_ringbuf_create, c_create, 0, "i=case", .i = 0, .flags = BI_OWN);
	BI(rseq_ringbuf_create, c_create, 0, "i=case", .i = 0, .flags = BI_NORSEQ);
	BI(rseq_ringbuf_attr_create, c_create, 0, "i=case", .i = 1);
	BI(rseq_ringbuf_destroy, c_create, 0, "i=case", .i = 2, .flags = BI_NULL_OK);
	BI(rseq_ringbuf_attr_destroy, c_create, 0, "i=case", .i = 3, .flags = BI_NULL_OK);

	/* sub-buffer sizes (count 4) and counts (size 4096); their product */
	for (size_t k = 0; k < bi_nr_sizes; k++) {
		size_t v = bi_sizes[k];
		bool pow2 = v && !(v & (v - 1));

		BI(rseq_ringbuf_attr_set_subbuf, c_attr,
		   pow2 && v >= 4096 && v <= BI_P(31) ? 0 : EINVAL, "i=setter u=size v=count",
		   .i = 0, .u = v, .v = 4);
		BI(rseq_ringbuf_attr_set_subbuf, c_attr,
		   pow2 && v >= 2 && v <= 4096 ? 0 : EINVAL, "i=setter u=size v=count",
		   .i = 0, .u = 4096, .v = v);
	}
	for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++)
		BI(rseq_ringbuf_attr_set_subbuf, c_attr,
		   counts[k] >= 2 && counts[k] <= 4096 && !(counts[k] & (counts[k] - 1)) ? 0 : EINVAL,
		   "i=setter u=size v=count", .i = 0, .u = BI_P(31), .v = counts[k]);
	BI(rseq_ringbuf_attr_set_subbuf, c_attr, EINVAL, "i=setter u=size v=count p=attr",
	   .i = 0, .u = 4096, .v = 4, .p = nul);

	/* enumerations: every int edge; each setter on a NULL object */
	for (size_t k = 0; k < ni; k++) {
		long long v = ints[k];

		BI(rseq_ringbuf_attr_set_mode, c_attr, v == 0 || v == 1 ? 0 : EINVAL,
		   "i=setter j=mode", .i = 1, .j = v);
		BI(rseq_ringbuf_attr_set_clock, c_attr, v >= 0 && v <= RSEQ_RINGBUF_CLOCK_MONOTONIC_COARSE ? 0 : EINVAL,
		   "i=setter j=clock", .i = 2, .j = v);
		BI(rseq_ringbuf_attr_set_wakeup, c_attr, v == 0 || v == 1 ? 0 : EINVAL,
		   "i=setter j=wakeup", .i = 4, .j = v);
	}
	BI(rseq_ringbuf_attr_set_clock, c_attr, 0, "i=setter j=clock", .i = 2,
	   .j = RSEQ_RINGBUF_CLOCK_MONOTONIC_COARSE);
	for (int b = 0; b < 2; b++) {
		BI(rseq_ringbuf_attr_set_shared, c_attr, 0, "i=setter j=shared", .i = 3, .j = b);
		BI(rseq_ringbuf_attr_set_populate, c_attr, 0, "i=setter j=populate", .i = 5, .j = b);
	}
	BI(rseq_ringbuf_attr_set_mode, c_attr, EINVAL, "i=setter p=attr", .i = 1, .p = nul);
	BI(rseq_ringbuf_attr_set_clock, c_attr, EINVAL, "i=setter p=attr", .i = 2, .p = nul);
	BI(rseq_ringbuf_attr_set_shared, c_attr, EINVAL, "i=setter p=attr", .i = 3, .p = nul);
	BI(rseq_ringbuf_attr_set_wakeup, c_attr, EINVAL, "i=setter p=attr", .i = 4, .p = nul);
	BI(rseq_ringbuf_attr_set_populate, c_attr, EINVAL, "i=setter p=attr", .i = 5, .p = nul);

	/* open: descriptors that are not a channel, corrupt channels */
	{
		static const long long fds[] = { INT_MIN, -1, 1000000, INT_MAX };

		for (size_t k = 0; k < sizeof(fds) / sizeof(fds[0]); k++)
			BI(rseq_ringbuf_open, c_open, EBADF, "i=kind j=fd", .i = 0, .j = fds[k]);
		for (int kind = 1; kind <= 4; kind++)
			BI(rseq_ringbuf_open, c_open, EINVAL, "i=kind", .i = kind);
		/* cut: to nothing, inside the header page, before the end */
		BI(rseq_ringbuf_open, c_open, EINVAL, "i=kind u=len", .i = 5, .u = 0);
		BI(rseq_ringbuf_open, c_open, EINVAL, "i=kind u=len", .i = 5, .u = 100);
		BI(rseq_ringbuf_open, c_open, EINVAL, "i=kind u=len", .i = 5, .u = 4096);
		BI(rseq_ringbuf_open, c_open, EINVAL, "i=kind u=len", .i = 5, .u = 8192);
		/* one byte of the header's first 256 flipped: refused or safe */
		for (unsigned int at = 0; at < 256; at += 8)
			BI(rseq_ringbuf_open, c_open, BI_ANY, "i=kind u=byte", .i = 6, .u = at);
		BI(rseq_ringbuf_open, c_open, 0, "i=kind", .i = 7);
	}

	/* the per-CPU calls: every int edge as the CPU, empty and not */
	for (int fn = 0; fn <= 5; fn++) {
		static const char *const names[] = {
			"rseq_ringbuf_get_stats", "rseq_ringbuf_get_subbuf", "rseq_ringbuf_read",
			"rseq_ringbuf_wait", "rseq_ringbuf_poll_arm", "rseq_ringbuf_flush_cpu",
		};
		static const void *const addrs[] = {
			(const void *)(uintptr_t)&rseq_ringbuf_get_stats,
			(const void *)(uintptr_t)&rseq_ringbuf_get_subbuf,
			(const void *)(uintptr_t)&rseq_ringbuf_read,
			(const void *)(uintptr_t)&rseq_ringbuf_wait,
			(const void *)(uintptr_t)&rseq_ringbuf_poll_arm,
			(const void *)(uintptr_t)&rseq_ringbuf_flush_cpu,
		};
		bool any = fn == 0 || fn == 3 || fn == 4;	/* -1: every CPU */

		for (size_t k = 0; k < ni; k++) {
			long long v = ints[k];
			bool ok = (v >= 0 && v < bi_nr_cpus) || (any && v == -1);

			bi_add(names[fn], addrs[fn], c_cpu, fn == 0 && ok ? 0 : ok ? BI_ANY : EINVAL,
			       "i=fn j=cpu", (struct bi_args){ .i = fn, .j = v });
		}
		for (long long v = -1; v < bi_nr_cpus && v < 4; v++)	/* a record on home */
			if (v >= 0 || any)
				bi_add(names[fn], addrs[fn], c_cpu, fn == 0 ? 0 : BI_ANY,
				       "i=fn j=cpu u=record", (struct bi_args){ .i = fn, .j = v, .u = 1 });
		bi_add(names[fn], addrs[fn], c_cpu, EINVAL, "i=fn j=cpu p=rb",
		       (struct bi_args){ .i = fn, .j = 0, .p = nul });
	}

	/* NULL objects and out-arguments; puts of what was never got */
	{
		static const struct { const char *fn; const void *addr; int i; } nulls[] = {
#define N(f, i) { #f, (const void *)(uintptr_t)&f, i }
			N(rseq_ringbuf_get_stats, 0), N(rseq_ringbuf_get_subbuf, 1),
			N(rseq_ringbuf_put_subbuf, 2), N(rseq_ringbuf_read, 3),
			N(rseq_ringbuf_wake, 4), N(rseq_ringbuf_flush, 5), N(rseq_ringbuf_fd, 6),
			N(rseq_ringbuf_wakeup_fd, 7), N(rseq_ringbuf_nr_cpus, 8),
			N(rseq_ringbuf_flush_service_start, 9), N(rseq_ringbuf_flush_service_stop, 10),
			N(rseq_ringbuf_subbuf_parse, 11), N(rseq_ringbuf_subbuf_parse, 12),
			N(rseq_ringbuf_subbuf_next, 13), N(rseq_ringbuf_subbuf_next, 14),
			N(rseq_ringbuf_subbuf_next, 15), N(rseq_ringbuf_subbuf_next, 16),
			N(rseq_ringbuf_max_payload, 17), N(rseq_ringbuf_put_subbuf, 18),
			N(rseq_ringbuf_put_subbuf, 19), N(rseq_ringbuf_put_subbuf, 20),
			N(rseq_ringbuf_flush_service_stop, 21), N(rseq_ringbuf_reserve_slow, 22),
			N(rseq_ringbuf_reserve_slow, 23),
#undef N
		};
		for (size_t k = 0; k < sizeof(nulls) / sizeof(nulls[0]); k++) {
			int i = nulls[k].i;

			/* with a NULL object (j 0), and with a channel (j 1) */
			if (i <= 10 || i == 17 || i >= 22)
				bi_add(nulls[k].fn, nulls[k].addr, c_null, EINVAL, "i=case j=channel",
				       (struct bi_args){ .i = i, .j = 0 });
			if (i != 4 && i != 5 && i != 8 && i != 9 && i != 17 && i != 23)
				bi_add(nulls[k].fn, nulls[k].addr, c_null, EINVAL, "i=case j=channel",
				       (struct bi_args){ .i = i, .j = 1 });
		}
		/* on a channel: wake, flush and nr_cpus succeed */
		BI(rseq_ringbuf_wake, c_null, 0, "i=case j=channel", .i = 4, .j = 1);
		BI(rseq_ringbuf_flush, c_null, 0, "i=case j=channel", .i = 5, .j = 1);
		BI(rseq_ringbuf_nr_cpus, c_null, 0, "i=case j=channel", .i = 8, .j = 1);
		BI(rseq_ringbuf_max_payload, c_null, 0, "i=case j=channel", .i = 17, .j = 1);
	}

	/* the slow reserve: every size edge as the length; tags */
	for (size_t k = 0; k < bi_nr_sizes; k++) {
		size_t v = bi_sizes[k];

		/* 4096-byte sub-buffers: max_payload is below 4096 - 40 */
		BI(rseq_ringbuf_reserve_slow, c_reserve, v <= 4000 ? 0 : v < 4096 ? BI_ANY : EINVAL,
		   "u=len v=tag j=overwrite", .u = v, .v = 1, .j = (long long)(k & 1));
	}
	{
		static const uint64_t tags[] = { 0, 1, 65535, 65536, 65537, INT_MAX, UINT32_MAX };

		for (size_t k = 0; k < sizeof(tags) / sizeof(tags[0]); k++)
			BI(rseq_ringbuf_reserve_slow, c_reserve, tags[k] <= 65535 ? 0 : EINVAL,
			   "u=len v=tag", .u = 16, .v = tags[k]);
	}
	BI(rseq_ringbuf_commit_slow, c_reserve, 0, "u=len v=tag j=overwrite", .u = 0, .v = 0);
	BI(rseq_ringbuf_commit_slow, c_reserve, 0, "u=len v=tag j=overwrite", .u = 100, .v = 9,
	   .j = 1);
	BI(rseq_ringbuf_reserve_slow, c_full, 0, "u=writes j=overwrite", .u = 200, .j = 0);
	BI(rseq_ringbuf_commit_slow, c_full, 0, "u=writes j=overwrite", .u = 200, .j = 1);
	for (int sh = 12; sh <= 20; sh += 4)
		for (int clk = 0; clk <= 2; clk += 2)
			BI(rseq_ringbuf_max_payload, c_max_payload, 0, "u=subbuf j=clock",
			   .u = BI_P(sh), .j = clk);

	/* sub-buffers: held twice, parsed, walked from offset u */
	{
		static const uint64_t offs[] = { 0, 1, 8, 40, 41, 47, 48, 4096, SIZE_MAX - 7,
						 SIZE_MAX };

		for (size_t k = 0; k < sizeof(offs) / sizeof(offs[0]); k++) {
			uint64_t o = offs[k];
			int want = o > 4096 || o <= RSEQ_RINGBUF_SUBBUF_HDR || !(o & 7) ? 0 : EBADMSG;

			BI(rseq_ringbuf_subbuf_next, c_subbuf, want, "u=off", .u = o);
		}
		BI(rseq_ringbuf_get_subbuf, c_subbuf, 0, "u=off", .u = 0);
		BI(rseq_ringbuf_put_subbuf, c_subbuf, 0, "u=off", .u = 0);
	}

	/* crafted sub-buffers: header fields, record fields, avail */
	{
		static const struct { int i; uint64_t u, v; int want; } pc[] = {
			{ 0, 0, 64, EBADMSG }, { 0, RSEQ_RINGBUF_SUBBUF_MAGIC ^ 1, 64, EBADMSG },
			{ 1, 0, 64, EBADMSG }, { 1, 2, 64, EBADMSG }, { 1, 65535, 64, EBADMSG },
			{ 2, RSEQ_RINGBUF_CLOCK_MONOTONIC_COARSE, 64, 0 },
			{ 2, RSEQ_RINGBUF_CLOCK_MONOTONIC_COARSE + 1, 64, EBADMSG }, { 2, 65535, 64, EBADMSG },
			{ 3, 0, 64, EBADMSG }, { 3, 39, 64, EBADMSG }, { 3, 40, 64, 0 },
			{ 3, 65, 64, EBADMSG }, { 3, UINT32_MAX, 64, EBADMSG },
			{ 3, 64, 0, EBADMSG }, { 3, 64, 1, EBADMSG }, { 3, 64, 39, EBADMSG },
			{ 3, 64, 63, EBADMSG }, { 3, 64, SIZE_MAX, 0 },
			{ 3, 44, 64, EBADMSG },	/* a record header cut */
			{ 4, 0, 64, 0 }, { 4, 16, 64, 0 }, { 4, 17, 64, EBADMSG },
			{ 4, INT32_MAX, 64, EBADMSG }, { 4, UINT32_MAX, 64, EBADMSG },
			{ 4, UINT32_MAX - 7, 64, EBADMSG },
			{ 5, RSEQ_RINGBUF_REC_TS, 64, 0 }, { 5, 0xffff, 64, 0 },
		};

		for (size_t k = 0; k < sizeof(pc) / sizeof(pc[0]); k++)
			BI(rseq_ringbuf_subbuf_parse, c_parse, pc[k].want, "i=field u=value v=avail",
			   .i = pc[k].i, .u = pc[k].u, .v = pc[k].v);
	}

	/* waiting: timeouts, data or not, one CPU or all, futex or eventfd */
	{
		static const long long tmo[] = { INT_MIN, -1, 0, 1 };

		for (size_t k = 0; k < sizeof(tmo) / sizeof(tmo[0]); k++)
			for (int data = 0; data < 2; data++)
				BI(rseq_ringbuf_wait, c_wait, 0, "i=all_cpus j=timeout_ms u=data v=eventfd",
				   .i = (long long)(k & 1), .j = tmo[k], .u = (uint64_t)data,
				   .v = (uint64_t)(data ^ (int)(k & 1)));
		BI(rseq_ringbuf_wait, c_wait, 0, "j=timeout_ms u=data", .j = INT_MAX, .u = 1);
		BI(rseq_ringbuf_wake, c_wait, 0, "j=timeout_ms v=eventfd", .j = -1, .v = 1);
		BI(rseq_ringbuf_wakeup_fd, c_wait, 0, "j=timeout_ms v=eventfd", .j = 0, .v = 1);
		BI(rseq_ringbuf_poll_arm, c_wait, 0, "j=timeout_ms u=data v=eventfd", .j = 0,
		   .u = 1, .v = 1);
	}

	/* the flush service: periods; on a consumer's view */
	{
		static const uint64_t per[] = { 0, 1, 3600000, 3600001, INT_MAX, UINT32_MAX };

		for (size_t k = 0; k < sizeof(per) / sizeof(per[0]); k++)
			BI(rseq_ringbuf_flush_service_start, c_service,
			   per[k] <= 3600000 ? 0 : EINVAL, "u=period_ms", .u = per[k]);
		BI(rseq_ringbuf_flush_service_start, c_service, EPERM, "i=view", .i = 1);
		BI(rseq_ringbuf_flush_service_stop, c_service, 0, "u=period_ms", .u = 0);
		BI(rseq_ringbuf_flush, c_service, 0, "u=period_ms", .u = 1);
		BI(rseq_ringbuf_fd, c_attr, 0, "i=setter j=shared", .i = 3, .j = 1);
	}

	/* timestamps */
	{
		static const uint64_t ts[] = { 0, 1, BI_P(62), BI_P(63), UINT64_MAX };

		for (size_t k = 0; k < sizeof(ts) / sizeof(ts[0]); k++)
			for (long long clk = -1; clk <= 2; clk++)
				BI(rseq_ringbuf_ts_to_ns, c_ts, 0, "j=clock u=ts", .j = clk, .u = ts[k]);
	}
}

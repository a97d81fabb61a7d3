/* SPDX-License-Identifier: MIT */
/*
 * ringbuf_ipc - a consumer in another process, as a tracer's daemon.
 *
 * The parent creates a shared channel (a memfd) with eventfd wake-ups,
 * starts the flush service, and runs 2 x CPUs writer threads.  The child
 * is a fresh program (this one, exec'd with the two descriptors): it maps
 * the channel with rseq_ringbuf_open(), sleeps on the eventfd (poll) or
 * on the shared futex (rseq_ringbuf_wait()), reads every record, and when
 * the parent says the writers are done, asks the parent's flush service
 * to close the partial sub-buffers (rseq_ringbuf_flush() on its view),
 * drains, and sends back what it saw.  The parent checks that every
 * record was read exactly once or reported dropped to its writer (discard
 * mode), then the same in overwrite mode with "read + overwritten +
 * dropped = written".  Also: a view cannot write or start a service; a
 * flush request without a service fails with ENOTCONN.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include "harness.h"
#include <rseqkit/ringbuf.h>

#define MAX_WRITERS	64

static struct rseq_ringbuf *rb;
static int nr_writers;
static uint32_t per_writer;
static unsigned char *dropped[MAX_WRITERS];

static size_t plen(int w, uint32_t seq)
{
	return 8 + (seq * 5u + (uint32_t)w) % 120u;
}

static void *writer(void *arg)
{
	int w = (int)(intptr_t)arg;
	unsigned char buf[256];

	(void)rseq_register_current_thread();
	for (uint32_t seq = 0; seq < per_writer; seq++) {
		size_t len = plen(w, seq);

		memcpy(buf, &seq, 4);
		for (size_t i = 4; i < len; i++)
			buf[i] = (unsigned char)(seq ^ i ^ (uint32_t)w);
		if (rseq_ringbuf_write(rb, (unsigned int)w, buf, len))
			dropped[w][seq] = 1;
		if ((seq & 255) == 0)
			sched_yield();
	}
	return NULL;
}

/* All n bytes through a pipe (read, or write when 'out'); 0 or -1. */
static int pipe_io(int fd, void *p, size_t n, bool out)
{
	char *c = p;

	while (n) {
		ssize_t r = out ? write(fd, c, n) : read(fd, c, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

static int read_full(int fd, void *p, size_t n)
{
	return pipe_io(fd, p, n, false);
}

static int write_full(int fd, const void *p, size_t n)
{
	return pipe_io(fd, (void *)p, n, true);
}

/* ---- the consumer process ---- */

struct child_state {
	struct rseq_ringbuf *view;
	int nw;
	uint32_t per;
	unsigned char *seen[MAX_WRITERS];
	int64_t *last[MAX_WRITERS];	/* [cpu] */
	unsigned long bad, dup, order;
};

static void child_drain(struct child_state *c)
{
	struct rseq_ringbuf_record r;
	int nr = rseq_ringbuf_nr_cpus(c->view);

	for (int cpu = 0; cpu < nr; cpu++)
		while (rseq_ringbuf_read(c->view, cpu, &r) == 0) {
			uint32_t seq;
			int w = (int)r.tag;
			bool ok = true;

			if (w >= c->nw || r.len < 8) {
				c->bad++;
				continue;
			}
			memcpy(&seq, r.data, 4);
			if (seq >= c->per || r.len != plen(w, seq)) {
				c->bad++;
				continue;
			}
			for (size_t i = 4; i < r.len; i++)
				ok = ok && ((const unsigned char *)r.data)[i] ==
					   (unsigned char)(seq ^ i ^ (uint32_t)w);
			c->bad += !ok;
			c->dup += c->seen[w][seq];
			c->seen[w][seq] = 1;
			c->order += (int64_t)seq <= c->last[w][cpu];
			c->last[w][cpu] = seq;
		}
}

static int child_main(int memfd, int efd, int ctl_in, int ctl_out, int nw, uint32_t per)
{
	struct child_state c;
	struct rseq_ringbuf_rsv rsv;
	struct pollfd p[2];
	int nr, polls = 0, waits = 0;
	char cmd;

	memset(&c, 0, sizeof(c));
	c.view = rseq_ringbuf_open(memfd);
	if (!c.view) {
		fprintf(stderr, "child: open: %s\n", rseq_error_reason());
		return 2;
	}
	nr = rseq_ringbuf_nr_cpus(c.view);
	c.nw = nw;
	c.per = per;
	for (int w = 0; w < nw; w++) {
		c.seen[w] = calloc(per, 1);
		c.last[w] = malloc((size_t)nr * sizeof(int64_t));
		if (!c.seen[w] || !c.last[w])
			return 2;
		for (int cpu = 0; cpu < nr; cpu++)
			c.last[w][cpu] = -1;
	}
	/* A view reads; it does not write or serve. */
	if (rseq_ringbuf_reserve(c.view, &rsv, 8, 0) != NULL || errno != EPERM)
		c.bad += 1000000;
	if (rseq_ringbuf_flush_service_start(c.view, 0) != -1 || errno != EPERM)
		c.bad += 1000000;
	cmd = 'r';			/* ready */
	if (write_full(ctl_out, &cmd, 1))
		return 2;
	for (int round = 0; ; round++) {
		/* Sleep on the eventfd and the control pipe, or the futex. */
		if (round & 1) {
			if (rseq_ringbuf_poll_arm(c.view, -1) == 0) {
				p[0].fd = efd;
				p[0].events = POLLIN;
				p[1].fd = ctl_in;
				p[1].events = POLLIN;
				poll(p, 2, 100);
				if (p[0].revents & POLLIN) {
					uint64_t v;

					if (read(efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
						c.bad++;
				}
			}
			polls++;
		} else {
			waits += rseq_ringbuf_wait(c.view, -1, 50) == 1;
		}
		child_drain(&c);
		p[0].fd = ctl_in;
		p[0].events = POLLIN;
		if (poll(p, 1, 0) == 1)
			break;		/* the writers are done */
	}
	if (read_full(ctl_in, &cmd, 1) || cmd != 'd')
		return 2;
	/* Close the partial sub-buffers through the parent's service. */
	if (rseq_ringbuf_flush(c.view))
		c.bad += 1000000;
	child_drain(&c);
	if (rseq_ringbuf_flush_cpu(c.view, nr) != -1 || errno != EINVAL)
		c.bad += 1000000;
	fprintf(stderr, "child: %d futex waits with data, %d eventfd rounds\n", waits, polls);
	if (write_full(ctl_out, &c.bad, sizeof(c.bad)) || write_full(ctl_out, &c.dup, sizeof(c.dup)) ||
	    write_full(ctl_out, &c.order, sizeof(c.order)))
		return 2;
	for (int w = 0; w < nw; w++)
		if (write_full(ctl_out, c.seen[w], per))
			return 2;
	for (int w = 0; w < nw; w++) {
		free(c.seen[w]);
		free(c.last[w]);
	}
	rseq_ringbuf_destroy(c.view);
	return 0;
}

/* ---- the writers' process ---- */

static void run(const char *self, int mode)
{
	struct rseq_ringbuf_attr *a = rseq_ringbuf_attr_create();
	struct rseq_ringbuf_stats st;
	pthread_t tid[MAX_WRITERS];
	int to_child[2], from_child[2], memfd, efd, status;
	unsigned long bad = 0, dup = 0, order = 0;
	uint64_t seen = 0, drops = 0, both = 0, neither = 0, written = 0;
	pid_t pid;
	char cmd = 0;

	rseq_ringbuf_attr_set_subbuf(a, 8192, 4);
	rseq_ringbuf_attr_set_mode(a, (enum rseq_ringbuf_mode)mode);
	rseq_ringbuf_attr_set_shared(a, true);
	rseq_ringbuf_attr_set_wakeup(a, RSEQ_RINGBUF_WAKEUP_EVENTFD);
	rb = rseq_ringbuf_create(a);
	rseq_ringbuf_attr_destroy(a);
	CHECK(rb != NULL);
	if (!rb)
		return;
	memfd = rseq_ringbuf_fd(rb);
	efd = rseq_ringbuf_wakeup_fd(rb);
	CHECK(memfd >= 0 && efd >= 0);
	CHECK_EQ(pipe(to_child), 0);
	CHECK_EQ(pipe(from_child), 0);
	for (int w = 0; w < nr_writers; w++)
		dropped[w] = calloc(per_writer, 1);
	pid = fork();
	if (pid == 0) {
		char a1[16], a2[16], a3[16], a4[16], a5[16], a6[16];

		/* The child keeps exactly the descriptors it is given. */
		fcntl(memfd, F_SETFD, 0);
		fcntl(efd, F_SETFD, 0);
		snprintf(a1, sizeof(a1), "%d", memfd);
		snprintf(a2, sizeof(a2), "%d", efd);
		snprintf(a3, sizeof(a3), "%d", to_child[0]);
		snprintf(a4, sizeof(a4), "%d", from_child[1]);
		snprintf(a5, sizeof(a5), "%d", nr_writers);
		snprintf(a6, sizeof(a6), "%u", per_writer);
		/* argv[0] (not /proc/self/exe: valgrind must see the program). */
		execl(self, self, "consumer", a1, a2, a3, a4, a5, a6, (char *)NULL);
		_exit(127);
	}
	CHECK(pid > 0);
	close(to_child[0]);
	close(from_child[1]);
	CHECK_EQ(read_full(from_child[0], &cmd, 1), 0);
	CHECK_EQ(cmd, 'r');
	CHECK_EQ(rseq_ringbuf_flush_service_start(rb, 0), 0);
	for (int w = 0; w < nr_writers; w++)
		pthread_create(&tid[w], NULL, writer, (void *)(intptr_t)w);
	for (int w = 0; w < nr_writers; w++)
		pthread_join(tid[w], NULL);
	cmd = 'd';
	CHECK_EQ(write_full(to_child[1], &cmd, 1), 0);
	CHECK_EQ(read_full(from_child[0], &bad, sizeof(bad)), 0);
	CHECK_EQ(read_full(from_child[0], &dup, sizeof(dup)), 0);
	CHECK_EQ(read_full(from_child[0], &order, sizeof(order)), 0);
	for (int w = 0; w < nr_writers; w++) {
		unsigned char *s = malloc(per_writer);

		CHECK_EQ(read_full(from_child[0], s, per_writer), 0);
		for (uint32_t q = 0; q < per_writer; q++) {
			seen += s[q];
			drops += dropped[w][q];
			both += s[q] && dropped[w][q];
			neither += !s[q] && !dropped[w][q];
		}
		written += per_writer;
		free(s);
		free(dropped[w]);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_EQ(rseq_ringbuf_get_stats(rb, -1, &st), 0);
	printf("%s: %d writers x %u records: the other process read %llu, dropped %llu, overwritten %llu\n",
	       mode ? "overwrite" : "discard", nr_writers, per_writer, (unsigned long long)seen,
	       (unsigned long long)drops, (unsigned long long)st.overwritten);
	CHECK_EQ(bad, 0);
	CHECK_EQ(dup, 0);
	CHECK_EQ(order, 0);
	CHECK_EQ(both, 0);
	CHECK_EQ(drops, st.dropped_full + st.dropped_busy);
	CHECK_EQ(neither, mode ? st.overwritten : 0);
	CHECK_EQ(seen + drops + (mode ? st.overwritten : 0), written);
	CHECK_EQ(rseq_ringbuf_flush_service_stop(rb), 0);
	close(to_child[1]);
	close(from_child[0]);
	rseq_ringbuf_destroy(rb);
}

int main(int argc, char **argv)
{
	if (argc == 8 && !strcmp(argv[1], "consumer"))
		return child_main(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]),
				  atoi(argv[6]), (uint32_t)strtoul(argv[7], NULL, 10));
	(void)rseq_register_current_thread();
	nr_writers = 2 * get_nprocs();
	if (nr_writers > MAX_WRITERS)
		nr_writers = MAX_WRITERS;
	per_writer = (uint32_t)test_scale(strcmp(test_mode(), "valgrind") ? 30000 : 500);
	signal(SIGPIPE, SIG_IGN);
	run(argv[0], RSEQ_RINGBUF_DISCARD);
	run(argv[0], RSEQ_RINGBUF_OVERWRITE);
	/* No service: a view's flush request fails and says why. */
	{
		struct rseq_ringbuf_attr *a = rseq_ringbuf_attr_create();
		struct rseq_ringbuf *s, *v;

		rseq_ringbuf_attr_set_shared(a, true);
		s = rseq_ringbuf_create(a);
		rseq_ringbuf_attr_destroy(a);
		CHECK(s != NULL);
		v = s ? rseq_ringbuf_open(rseq_ringbuf_fd(s)) : NULL;
		CHECK(v != NULL);
		if (v) {
			CHECK_EQ(rseq_ringbuf_flush_cpu(v, 0), -1);
			CHECK_EQ(errno, ENOTCONN);
			CHECK(strstr(rseq_error_reason(), "flush_service_start") != NULL);
		}
		rseq_ringbuf_destroy(v);
		rseq_ringbuf_destroy(s);
	}
	return test_done();
}

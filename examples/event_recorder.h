/* SPDX-License-Identifier: MIT */
/*
 * event_recorder.h - a tiny in-process event recorder on rseqkit's
 * per-CPU ring buffer (see rseq_ringbuf_event_recorder(3)).
 *
 *	recorder_start("app.trace");		// once
 *	EVENT(EV_REQUEST, req->id, req->len);	// anywhere, any thread,
 *						// signal handlers too
 *	recorder_stop();			// flushes, closes the file
 *
 * EVENT() costs one reserve and one commit on the current CPU's buffer,
 * with a CLOCK_MONOTONIC timestamp: no lock, no atomic instruction, no
 * system call.  A consumer thread sleeps until a sub-buffer completes and
 * appends it to the file; the file is a sequence of sub-buffers in the
 * ring buffer's own format, which event_reader.c prints.  A full buffer
 * drops the event (counted; recorder_stop() says how many).
 */
#ifndef EVENT_RECORDER_H
#define EVENT_RECORDER_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <rseqkit/ringbuf.h>

struct recorder_event {		/* an event's payload */
	uint64_t a, b;
};

static struct rseq_ringbuf *recorder_rb;
static pthread_t recorder_thread;
static int recorder_fd = -1, recorder_stopping;
static unsigned long recorder_written_subbufs;

/* Record event 'id' (0..65535) with two arguments. */
#define EVENT(id, x, y)							\
	do {								\
		struct rseq_ringbuf_rsv __r;				\
		struct recorder_event *__e;				\
									\
		if (recorder_rb && (__e = (struct recorder_event *)	\
			rseq_ringbuf_reserve(recorder_rb, &__r,		\
					     sizeof(*__e), (id)))) {	\
			__e->a = (uint64_t)(x);				\
			__e->b = (uint64_t)(y);				\
			rseq_ringbuf_commit(recorder_rb, &__r);		\
		}							\
	} while (0)

/* Append every complete sub-buffer to the file. */
static int recorder_drain(void)
{
	struct rseq_ringbuf_subbuf sb;
	int n = 0;

	for (int cpu = 0; cpu < rseq_ringbuf_nr_cpus(recorder_rb); cpu++)
		while (rseq_ringbuf_get_subbuf(recorder_rb, cpu, &sb) == 0) {
			if (write(recorder_fd, sb.data, sb.size) != (ssize_t)sb.size)
				perror("recorder: write");
			rseq_ringbuf_put_subbuf(recorder_rb, &sb);
			recorder_written_subbufs++;
			n++;
		}
	return n;
}

static void *recorder_consumer(void *arg)
{
	sigset_t all;

	(void)arg;
	sigfillset(&all);			/* signals go to the application */
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	while (!__atomic_load_n(&recorder_stopping, __ATOMIC_ACQUIRE)) {
		/*
		 * A sub-buffer completed, or recorder_stop()'s wake; a wake
		 * that comes between the check above and the wait is not
		 * remembered, so the wait ends every 200 ms to see the flag.
		 */
		rseq_ringbuf_wait(recorder_rb, -1, 200);
		recorder_drain();
	}
	return NULL;
}

/* Record into 'path' (truncated).  0, or -1 with errno. */
static int recorder_start(const char *path)
{
	struct rseq_ringbuf_attr *attr = rseq_ringbuf_attr_create();
	int err;

	if (!attr)
		return -1;
	rseq_ringbuf_attr_set_subbuf(attr, 256 * 1024, 8);
	rseq_ringbuf_attr_set_clock(attr, RSEQ_RINGBUF_CLOCK_MONOTONIC);
	recorder_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (recorder_fd < 0) {
		rseq_ringbuf_attr_destroy(attr);
		return -1;
	}
	recorder_stopping = 0;
	recorder_rb = rseq_ringbuf_create(attr);
	rseq_ringbuf_attr_destroy(attr);
	if (!recorder_rb) {
		fprintf(stderr, "recorder: %s\n", rseq_error_reason());
		close(recorder_fd);
		return -1;
	}
	err = pthread_create(&recorder_thread, NULL, recorder_consumer, NULL);
	if (err) {
		errno = err;
		rseq_ringbuf_destroy(recorder_rb);
		recorder_rb = NULL;
		close(recorder_fd);
		return -1;
	}
	return 0;
}

/* Stop recording (no EVENT() may run any more): write what is left.
 * Returns the number of events dropped because the buffer was full. */
static uint64_t recorder_stop(void)
{
	struct rseq_ringbuf_stats st = { 0 };
	struct rseq_ringbuf *rb = recorder_rb;

	if (!rb)
		return 0;
	__atomic_store_n(&recorder_stopping, 1, __ATOMIC_RELEASE);
	rseq_ringbuf_wake(rb);
	pthread_join(recorder_thread, NULL);
	rseq_ringbuf_flush(rb);			/* close the partial sub-buffers */
	recorder_drain();
	rseq_ringbuf_get_stats(rb, -1, &st);
	recorder_rb = NULL;
	rseq_ringbuf_destroy(rb);
	close(recorder_fd);
	recorder_fd = -1;
	return st.dropped_full;
}

/*
 * Print a recording: "seconds.nanoseconds cpu event a b" per event, in
 * each CPU's order.  Returns the number of events, or -1.
 */
static long recorder_print(const char *path, FILE *out, long max_lines)
{
	static char buf[256 * 1024];	/* the recorder's sub-buffer size */
	long events = 0;
	size_t have = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	for (;;) {
		struct rseq_ringbuf_subbuf_header h;
		struct rseq_ringbuf_subbuf sb;
		struct rseq_ringbuf_record rec;
		size_t off = 0, need = sizeof(h);
		ssize_t n = 1;

		/* The header, then the whole sub-buffer it announces. */
		for (;;) {
			if (have >= sizeof(h)) {
				memcpy(&h, buf, sizeof(h));
				need = h.size > sizeof(buf) ? sizeof(buf) :
				       h.size < sizeof(h) ? sizeof(h) : h.size;
			}
			if (have >= need)
				break;
			n = read(fd, buf + have, sizeof(buf) - have);
			if (n <= 0)
				break;
			have += (size_t)n;
		}
		if (have == 0)
			break;
		if (n < 0 || rseq_ringbuf_subbuf_parse(buf, have, &sb)) {
			fprintf(stderr, "%s: %s\n", path, n < 0 ? "read error" : rseq_error_reason());
			close(fd);
			return -1;
		}
		while (rseq_ringbuf_subbuf_next(&sb, &off, &rec) == 1) {
			struct recorder_event e = { 0, 0 };

			if (rec.len == sizeof(e))
				memcpy(&e, rec.data, sizeof(e));
			if (events++ < max_lines)
				fprintf(out, "%llu.%09llu cpu %d event %u a %llu b %llu\n",
					(unsigned long long)(rec.ts / 1000000000u),
					(unsigned long long)(rec.ts % 1000000000u), rec.cpu,
					rec.tag, (unsigned long long)e.a, (unsigned long long)e.b);
		}
		memmove(buf, buf + sb.size, have - sb.size);
		have -= sb.size;
	}
	close(fd);
	if (events > max_lines)
		fprintf(out, "... (%ld more)\n", events - max_lines);
	return events;
}

#endif

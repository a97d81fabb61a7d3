/* SPDX-License-Identifier: MIT */
/*
 * event_recorder - record events from several threads and from a signal
 * handler into a file, with the tiny recorder of event_recorder.h
 * (rseqkit's per-CPU ring buffer: no lock, no atomic instruction on the
 * recording path), then print the start of the file with the reader.
 *
 *	event_recorder [FILE]		(default: a file under /tmp)
 *	event_reader FILE		prints a recording
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "event_recorder.h"

enum { EV_START = 1, EV_WORK = 2, EV_SIGNAL = 3, EV_END = 4 };

#define THREADS	4
#define EVENTS	20000

static void on_signal(int sig)
{
	EVENT(EV_SIGNAL, sig, 0);	/* recording is async-signal-safe */
}

static void *worker(void *arg)
{
	uintptr_t id = (uintptr_t)arg;

	EVENT(EV_START, id, 0);
	for (uint64_t i = 0; i < EVENTS; i++) {
		EVENT(EV_WORK, id, i);
		if (i % 5000 == 0)
			raise(SIGUSR1);
		if (i % 1000 == 999)
			usleep(200);	/* the application's own work */
	}
	EVENT(EV_END, id, EVENTS);
	return NULL;
}

int main(int argc, char **argv)
{
	char tmp[] = "/tmp/rseqkit-events-XXXXXX";
	const char *path = argc > 1 ? argv[1] : tmp;
	pthread_t t[THREADS];
	uint64_t dropped;
	long events;

	if (argc <= 1) {
		int fd = mkstemp(tmp);

		if (fd < 0)
			return 1;
		close(fd);
	}
	signal(SIGUSR1, on_signal);
	if (recorder_start(path)) {
		perror("recorder_start");
		return 1;
	}
	for (uintptr_t i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	dropped = recorder_stop();
	events = recorder_print(path, stdout, 5);
	printf("%ld events in %s, %llu dropped (buffer full), %lu sub-buffers written\n",
	       events, path, (unsigned long long)dropped, recorder_written_subbufs);
	if (argc <= 1)
		unlink(tmp);
	/* Every event recorded is in the file, or was counted as dropped. */
	return events >= 0 && (uint64_t)events + dropped ==
		THREADS * (EVENTS + 2) + THREADS * (EVENTS / 5000) ? 0 : 1;
}

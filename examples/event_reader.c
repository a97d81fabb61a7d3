/* SPDX-License-Identifier: MIT */
/*
 * event_reader - print a recording made with event_recorder.h:
 * "seconds.nanoseconds cpu N event E a A b B", each CPU's events in the
 * order they were recorded.
 *
 *	event_reader FILE [MAX_LINES]
 *
 * Without a file it records a short demonstration first (three events
 * from this thread) and prints that.
 */
#include <stdlib.h>
#include "event_recorder.h"

int main(int argc, char **argv)
{
	char tmp[] = "/tmp/rseqkit-demo-XXXXXX";
	long max = argc > 2 ? atol(argv[2]) : 1000000, n;
	const char *path = argv[1];

	if (argc < 2) {
		int fd = mkstemp(tmp);

		if (fd < 0 || recorder_start(tmp))
			return 1;
		close(fd);
		EVENT(1, 10, 20);
		EVENT(2, 30, 40);
		EVENT(3, 50, 60);
		recorder_stop();
		path = tmp;
	}
	n = recorder_print(path, stdout, max);
	if (argc < 2)
		unlink(tmp);
	if (n < 0) {
		perror(path);
		return 1;
	}
	fprintf(stderr, "%ld events\n", n);
	return argc < 2 && n != 3;
}

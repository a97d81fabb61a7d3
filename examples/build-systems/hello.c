/* SPDX-License-Identifier: MIT */
/*
 * hello - the program the CMake and meson snippets next to this file
 * build against an installed rseqkit, found through pkg-config:
 *
 *   cmake -S . -B build && cmake --build build && build/hello
 *   meson setup build && meson compile -C build && build/hello
 *
 * It checks that the headers and the loaded library are the same release,
 * registers the thread and counts a few events on a per-CPU counter (which
 * works, through its fallback, where rseq is unavailable).
 */
#include <stdio.h>
#include <string.h>
#include <rseqkit/rseq.h>
#include <rseqkit/percpu/counter.h>

int main(void)
{
	struct rseq_percpu_counter *c;
	intptr_t sum;

	printf("rseqkit %s (headers %s)\n", rseq_version_string(),
	       RSEQKIT_VERSION_STRING);
	if (rseq_version_number() != RSEQKIT_VERSION_NUMBER) {
		fprintf(stderr, "header and library versions differ\n");
		return 1;
	}
	if (rseq_register_current_thread())
		printf("rseq unavailable: %s\n", rseq_error_reason());
	c = rseq_percpu_counter_create(NULL);
	if (!c) {
		fprintf(stderr, "counter: %s\n", rseq_error_reason());
		return 1;
	}
	for (int i = 0; i < 1000; i++)
		rseq_percpu_counter_add(c, 1);
	sum = rseq_percpu_counter_sum(c);
	rseq_percpu_counter_destroy(c);
	printf("1000 events counted: %ld\n", (long)sum);
	return sum == 1000 ? 0 : 1;
}

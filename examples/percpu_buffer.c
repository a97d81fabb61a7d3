/* SPDX-License-Identifier: MIT */
/* percpu_buffer - a per-CPU buffer of pointers and a per-CPU FIFO of records. */
#include <errno.h>
#include <stdio.h>
#include <rseqkit/percpu/buffer.h>
#include <rseqkit/percpu/fifo.h>

struct event { long when; int kind; };

int main(void)
{
	struct rseq_percpu_buffer *b = rseq_percpu_buffer_create(64, NULL);
	struct rseq_percpu_fifo *f = rseq_percpu_fifo_create(sizeof(struct event), 128, NULL);
	static int objs[3];
	struct event e;
	void *p;

	if (!b || !f) {
		fprintf(stderr, "create: %s\n", rseq_error_reason());
		return 1;
	}
	rseq_register_current_thread();
	for (int i = 0; i < 3; i++)
		if (rseq_percpu_buffer_push(b, &objs[i]) < 0 && errno == ENOSPC)
			printf("this CPU's buffer is full\n");
	while ((p = rseq_percpu_buffer_pop(b)) != NULL)
		printf("popped object %ld\n", (long)((int *)p - objs));

	for (int i = 0; i < 3; i++) {
		e.when = 100 + i;
		e.kind = i;
		rseq_percpu_fifo_push(f, &e);	/* copied in */
	}
	while (!rseq_percpu_fifo_pop(f, &e))	/* oldest first (per CPU) */
		printf("event kind %d at %ld\n", e.kind, e.when);
	/* Drain what a migration left behind on other CPUs. */
	for (int cpu = 0; cpu < rseq_percpu_fifo_nr_cpus(f); cpu++)
		while (!rseq_percpu_fifo_pop_cpu(f, cpu, &e))
			printf("cpu %d: event kind %d at %ld\n", cpu, e.kind, e.when);
	rseq_percpu_buffer_destroy(b);
	rseq_percpu_fifo_destroy(f);
	return 0;
}

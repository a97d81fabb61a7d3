/* SPDX-License-Identifier: MIT */
/* percpu_stack - a per-CPU free list of intrusive nodes. */
#include <stdio.h>
#include <rseqkit/percpu/stack.h>

struct job {
	struct rseq_percpu_node node;	/* first: the cast below relies on it */
	int id;
};

int main(void)
{
	struct rseq_percpu_stack *s = rseq_percpu_stack_create(NULL);
	struct job jobs[5];
	struct rseq_percpu_node *n;

	if (!s) {
		fprintf(stderr, "rseq_percpu_stack_create: %s\n", rseq_error_reason());
		return 1;
	}
	rseq_register_current_thread();
	for (int i = 0; i < 5; i++) {
		jobs[i].id = i;
		if (rseq_percpu_stack_push(s, &jobs[i].node) < 0)
			fprintf(stderr, "push: %s\n", rseq_error_reason());
	}
	n = rseq_percpu_stack_pop(s);
	if (n)
		printf("popped job %d\n", ((struct job *)n)->id);
	/* Take what is left on every CPU (remote pop-all). */
	for (int cpu = 0; cpu < rseq_percpu_stack_nr_cpus(s); cpu++)
		for (n = rseq_percpu_stack_pop_all_cpu(s, cpu); n; n = n->next)
			printf("cpu %d still had job %d\n", cpu, ((struct job *)n)->id);
	rseq_percpu_stack_destroy(s);
	return 0;
}

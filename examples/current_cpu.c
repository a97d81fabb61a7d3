/* SPDX-License-Identifier: MIT */
/*
 * current_cpu - read the current CPU, NUMA node and memory-map
 * concurrency id through rseq, with a fallback for each when rseq or the
 * field is not available.
 *
 *   make examples && build/examples/current_cpu
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <rseqkit/rseq.h>

int main(void)
{
	int32_t raw;
	uint32_t cpu;

	if (rseq_register_current_thread())
		printf("rseq unavailable (%s): %s\n", strerror(errno),
		       rseq_error_reason());

	raw = rseq_current_cpu_raw();
	cpu = rseq_current_cpu();	/* rseq, or sched_getcpu() */
	printf("cpu:    %u (%s)\n", cpu, raw >= 0 ? "rseq" : "sched_getcpu");

	if (raw >= 0 && rseq_node_id_available()) {
		printf("node:   %u (rseq)\n", rseq_current_node_id());
	} else {
		int32_t node = rseq_fallback_current_node();

		if (node >= 0)
			printf("node:   %d (getcpu)\n", node);
		else
			printf("node:   unknown (%s)\n", rseq_error_reason());
	}

	if (raw >= 0 && rseq_mm_cid_available())
		printf("mm_cid: %u (rseq)\n", rseq_current_mm_cid());
	else
		printf("mm_cid: not available (rseq feature size %u)\n",
		       rseq_size);

	if (raw >= 0)
		rseq_unregister_current_thread();
	return 0;
}

/* SPDX-License-Identifier: MIT */
/* tests/helpers/coexist_plugin.h - what a coexistence plug-in reports. */
#ifndef COEXIST_PLUGIN_H
#define COEXIST_PLUGIN_H

struct coexist_report {
	int max_nr_cpus;	/* rseq_get_max_nr_cpus() */
	int pool_max_nr_cpus;	/* rseq_mempool_get_max_nr_cpus(pool) */
	int kernel;		/* rseq_available(RSEQ_AVAILABLE_QUERY_KERNEL) */
	int registered;		/* rseq_register_current_thread() */
	int cpu_raw;		/* the thread's cpu_id in that library's view */
};

int plugin_rseqkit_probe(struct coexist_report *r);
int plugin_librseq_probe(struct coexist_report *r);

#endif

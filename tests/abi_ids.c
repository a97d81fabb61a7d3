/* SPDX-License-Identifier: MIT */
/*
 * abi_ids - the id fields of the registered area.
 *
 *  4.18: on every allowed CPU (the thread pinned there) cpu_id and
 *        cpu_id_start equal the getcpu system call's CPU (and
 *        sched_getcpu()); in unpinned threads cpu_id_start is always a
 *        possible CPU number.
 *  6.3:  node_id equals getcpu's node; mm_cid is below the number of
 *        threads of the process and below the number of possible CPUs
 *        (checked with one thread and with 2 x CPUs + 1 threads).  Skipped
 *        when those fields are not in the active feature set (kernel
 *        before 6.3).
 *  7.0:  the reworked concurrency ids promise less: mm_cid is unique
 *        within the process and below the number of possible CPUs, no
 *        longer below the number of threads (a lone thread pinned on CPU 1
 *        reads mm_cid 1 in a tinyconfig 7.2, 0 in Debian's 7.2).  On 7.0
 *        and later only that bound is asserted; uniqueness is not
 *        observable from user space without a stop of every thread.
 * The "-1 before registration, -1 again after unregistration" rules are in
 * abi_register (raw areas) and abi_lifecycle (rseqkit's own area).
 */
#include "harness.h"
#include "abi_common.c"
#include <rseqkit/rseq.h>

static int ncpus_conf;
static int nthreads_total;
static int have_ids63;

static void check_here(int cpu, const char *where)
{
	volatile struct rseq_abi *a = rseq_get_abi();
	unsigned int c = 0, node = 0;
	uint32_t id, start;

	CHECK(abi_getcpu(&c, &node) == 0);
	id = a->cpu_id;
	start = a->cpu_id_start;
	CHECK_MSG((int)id == cpu && (int)start == cpu && (int)c == cpu,
		  "%s: pinned on %d: cpu_id %u, cpu_id_start %u, getcpu %u", where, cpu, id,
		  start, c);
	CHECK_MSG(sched_getcpu() == cpu, "%s: sched_getcpu %d on CPU %d", where,
		  sched_getcpu(), cpu);
	if (have_ids63) {
		CHECK_MSG(a->node_id == node, "%s: node_id %u, getcpu node %u", where,
			  a->node_id, node);
		CHECK_MSG((int)a->mm_cid < ncpus_conf, "%s: mm_cid %u, %d possible CPUs", where,
			  a->mm_cid, ncpus_conf);
	}
}

/* mm_cid < number of threads: the promise of Linux 6.3 to 6.x, not of 7.0. */
static int cid_below_threads = 1;
static pthread_barrier_t barrier;
static unsigned long range_errors, cid_errors;

static void *worker(void *arg)
{
	(void)arg;
	if (rseq_register_current_thread()) {
		__atomic_fetch_add(&range_errors, 1, __ATOMIC_RELAXED);
		pthread_barrier_wait(&barrier);
		return NULL;
	}
	pthread_barrier_wait(&barrier);	/* all threads exist from here on */
	for (int i = 0; i < 20000; i++) {
		volatile struct rseq_abi *a = rseq_get_abi();

		if ((int)a->cpu_id_start >= ncpus_conf || (int32_t)a->cpu_id < 0)
			__atomic_fetch_add(&range_errors, 1, __ATOMIC_RELAXED);
		if (have_ids63 && (((int)a->mm_cid >= nthreads_total && cid_below_threads) ||
				   (int)a->mm_cid >= ncpus_conf))
			__atomic_fetch_add(&cid_errors, 1, __ATOMIC_RELAXED);
		if ((i & 1023) == 0)
			sched_yield();
	}
	pthread_barrier_wait(&barrier);	/* nobody exits before all are done */
	rseq_unregister_current_thread();
	return NULL;
}

int main(void)
{
	int cpus[256], n;
	pthread_t th[600];
	int nth;

	abi_require_rseq("cpu_id, cpu_id_start, node_id, mm_cid", "4.18/6.3");
	if (rseq_register_current_thread())
		test_skip("ids (Linux 4.18): no registration in mode %s: %s", test_mode(),
			  rseq_error_reason());
	ncpus_conf = (int)sysconf(_SC_NPROCESSORS_CONF);
	if (ncpus_conf < 1)
		ncpus_conf = 1;
	have_ids63 = rseq_node_id_available() && rseq_mm_cid_available();
	printf("kernel %s, %d possible CPUs, active feature size %u\n", abi_release(),
	       ncpus_conf, rseq_size);
	if (!have_ids63)
		printf("note: node_id/mm_cid (Linux 6.3) are not in the active feature set "
		       "here: their checks are skipped\n");
	else if (!abi_kernel_at_least(6, 3))
		CHECK_MSG(0, "node_id/mm_cid advertised on kernel %s < 6.3", abi_release());
	cid_below_threads = !abi_kernel_at_least(7, 0);
	if (have_ids63)
		printf("mm_cid: unique, < %d possible CPUs%s (Linux %s rules)\n", ncpus_conf,
		       cid_below_threads ? ", < number of threads" : "",
		       cid_below_threads ? "6.3" : "7.0");
	CHECK_EQ(rseq_current_thread_registered(), 1);

	n = abi_allowed_cpus(cpus, 256);
	CHECK(n > 0);
	for (int i = 0; i < n; i++) {
		if (abi_pin_self(cpus[i]))
			continue;
		for (int k = 0; k < 50; k++) {
			check_here(cpus[i], "pinned");
			if (k % 10 == 0)
				sched_yield();
		}
	}
	/* One thread only: mm_cid 0 before 7.0 (it is < 1 thread). */
	if (have_ids63 && !cid_below_threads)
		CHECK_MSG((int)rseq_get_abi()->mm_cid < ncpus_conf, "one thread: mm_cid %u, %d possible CPUs",
			  rseq_get_abi()->mm_cid, ncpus_conf);
	else if (have_ids63)
		CHECK_EQ(rseq_get_abi()->mm_cid, 0);

	/* Many threads at once. */
	{
		cpu_set_t set;

		CPU_ZERO(&set);
		for (int i = 0; i < n; i++)
			CPU_SET(cpus[i], &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	nth = 2 * n + 1;
	if (nth > 600)
		nth = 600;
	nthreads_total = nth + 1;
	pthread_barrier_init(&barrier, NULL, (unsigned)nth);
	for (int i = 0; i < nth; i++)
		if (pthread_create(&th[i], NULL, worker, NULL))
			test_skip("cannot create %d threads", nth);
	for (int i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	printf("%d threads: %lu cpu_id range errors, %lu mm_cid bound errors\n", nth,
	       range_errors, cid_errors);
	CHECK_EQ(range_errors, 0);
	CHECK_EQ(cid_errors, 0);
	rseq_unregister_current_thread();
	return test_done();
}

/* SPDX-License-Identifier: MIT */
/*
 * slice_lock - a test-and-set lock whose holder asks the kernel for a
 * time-slice extension (Linux 7.0, CONFIG_RSEQ_SLICE_EXTENSION), so that
 * it is rarely preempted while the other threads spin on the lock.
 * Without the extension (older kernel, a kernel built without it, a
 * 32-byte registration such as glibc 2.36's) it runs the same way, just
 * without the request.
 *
 * The request covers the acquiring atomic and the short hold, not the
 * wait: a thread that fails to take the lock ends its request before it
 * spins (a grant taken while waiting for a preempted holder would only run
 * out), and asks again before the next attempt.
 *
 * What the grant path did when measured (make check-vm-slice: Linux
 * 7.2.13 built with the extension, qemu TCG, 2 vCPUs, a noise thread per
 * CPU waking every 200 us; tests/vm/slice_experiment.c, 5 x 2 s per
 * configuration): the kernel granted 5143 extensions in 812655 requests;
 * 2869 reached the unlock, and 2862 of those ended with rseq_slice_yield()
 * returning 1 (the CPU given back within the grant), 7 with 0 (revoked
 * meanwhile); 2102 expired on the 50 us timer and 2281 were revoked (the
 * emulated CPUs were often descheduled by the loaded host in the middle of
 * a hold); lock holders found preempted by a waking thread: 5187 without
 * the extension, 2145 with it (-59%; -48% to -62% over four runs).
 * Emulated times are not representative (time ratios varied widely
 * between runs): see docs/vm.md for the table of four runs.
 *
 *   build/examples/slice_lock [threads] [iterations]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <rseqkit/slice.h>

static int lock_word;
static unsigned long counter;
static unsigned long iterations = 200000;
static unsigned long grants;

static void lock(int use_slice, unsigned long *g)
{
	for (;;) {
		if (use_slice)
			rseq_slice_request();
		if (!__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE))
			return;			/* held, with the request set */
		if (use_slice)			/* waiting needs no extension */
			*g += (unsigned long)rseq_slice_release();
		while (__atomic_load_n(&lock_word, __ATOMIC_RELAXED))
			;
	}
}

static void unlock(int use_slice, unsigned long *g)
{
	__atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
	if (use_slice)			/* 1: granted, and the CPU given back */
		*g += (unsigned long)rseq_slice_release();
}

static void *worker(void *arg)
{
	int use_slice;
	unsigned long g = 0;

	(void)arg;
	if (rseq_register_current_thread())
		fprintf(stderr, "no rseq: %s\n", rseq_error_reason());
	use_slice = rseq_slice_extension_enable() == 0;

	for (unsigned long i = 0; i < iterations; i++) {
		lock(use_slice, &g);
		counter++;			/* the short critical section */
		unlock(use_slice, &g);
	}
	__atomic_fetch_add(&grants, g, __ATOMIC_RELAXED);
	if (use_slice)
		rseq_slice_extension_disable();
	rseq_unregister_current_thread();
	return NULL;
}

int main(int argc, char **argv)
{
	int nthreads = argc > 1 ? atoi(argv[1]) : 4;
	pthread_t th[64];

	if (argc > 2)
		iterations = strtoul(argv[2], NULL, 0);
	if (nthreads < 1 || nthreads > 64)
		nthreads = 4;
	rseq_register_current_thread();
	if (rseq_slice_extension_available())
		printf("time-slice extension: available\n");
	else
		printf("time-slice extension: unavailable: %s\n", rseq_error_reason());
	for (int i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	printf("counter %lu (expected %lu), %lu extensions granted\n", counter,
	       (unsigned long)nthreads * iterations, grants);
	return counter == (unsigned long)nthreads * iterations ? 0 : 1;
}

/* SPDX-License-Identifier: MIT */
/*
 * slice_lock - a test-and-set lock whose holder asks the kernel for a
 * time-slice extension (Linux 7.0), so it is rarely preempted while the
 * other threads spin on the lock.  Without the extension (older kernel,
 * 32-byte registration) it runs the same way, just without the request.
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

static void *worker(void *arg)
{
	int use_slice;
	unsigned long g = 0;

	(void)arg;
	if (rseq_register_current_thread())
		fprintf(stderr, "no rseq: %s\n", rseq_error_reason());
	use_slice = rseq_slice_extension_enable() == 0;

	for (unsigned long i = 0; i < iterations; i++) {
		if (use_slice)
			rseq_slice_request();
		while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE))
			;
		counter++;			/* the short critical section */
		__atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
		if (use_slice)
			g += (unsigned long)rseq_slice_release();
	}
	__atomic_fetch_add(&grants, g, __ATOMIC_RELAXED);
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

/* SPDX-License-Identifier: MIT */
/*
 * signal.c - critical sections in a signal handler and in the code it
 * interrupts, for the gdb stepping tests (tests/tools/gdb.sh).  An
 * interval timer sends SIGALRM every 200 us; the handler adds to this
 * CPU's slot with rseq_addv(), as does work() in main's loop.  Lines the
 * test looks for carry a "@name" comment.  Exit status 0 when the slots
 * hold every increment of both.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* CPU_SETSIZE */
#endif
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <rseqkit/rseq.h>

struct slot { intptr_t n; } __attribute__((aligned(64)));
static struct slot slots[CPU_SETSIZE];
static intptr_t fallback;
static volatile sig_atomic_t handled;
static volatile long done;

static void add_one(void)
{
	for (;;) {
		int cpu;

		if (rseq_current_cpu_raw() < 0)
			break;
		cpu = (int)rseq_cpu_start();
		if (rseq_addv(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,	/* @add */
			      &slots[cpu].n, 1, cpu) == 0)
			return;						/* @added */
	}
	__atomic_fetch_add(&fallback, 1, __ATOMIC_RELAXED);		/* @fallback */
}

static void on_alarm(int sig)
{
	(void)sig;
	add_one();							/* @hadd */
	handled++;							/* @hcount */
}									/* @hend */

__attribute__((noinline)) static void work(void)
{
	add_one();							/* @work */
	done++;								/* @done */
}

int main(void)
{
	struct itimerval it = { { 0, 200 }, { 0, 200 } };
	struct sigaction sa;
	sigset_t block;
	intptr_t sum = 0;
	long want;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	rseq_register_current_thread();
	setitimer(ITIMER_REAL, &it, NULL);
	while (done < 200000 || handled < 50)
		work();							/* @loop */
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, NULL);	/* no handler after this */
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	want = done + handled;
	sum = fallback;
	for (int i = 0; i < CPU_SETSIZE; i++)
		sum += slots[i].n;
	printf("%ld increments (%ld in the handler), %ld counted\n",
	       done + (long)handled, (long)handled, (long)sum);
	return sum == want ? 0 : 1;						/* @exit */
}

/* SPDX-License-Identifier: MIT */
/*
 * cs_prog.c - a program with real rseq critical sections (x86-64, on
 * glibc's registration), good and deliberately broken, for the rseq-check
 * and gdb tests. Usage: cs_prog MODE [ITERATIONS [THREADS]]
 *   good     per-CPU counter increments that retry on abort
 *   lost     the abort path drops the increment but reports success
 *   syscall  a system call (getppid) inside the critical section
 *   fork     "good" in a forked child and in the parent
 *   single   "good" in the main thread only (for the gdb test)
 * Exit status: 0 the counters add up, 1 they do not, 77 no rseq here.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern const ptrdiff_t __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));

#ifndef __x86_64__
int main(void)
{
	puts("cs_prog: x86-64 only");
	return 77;
}
#else
#define NSLOTS 4096
struct slot { long v; char pad[56]; } __attribute__((aligned(64)));
static struct slot counters[NSLOTS];
static long rseq_off;
static long iterations = 100000;
static int mode_lost, mode_syscall;
static volatile long aborts_seen;

#define CS_TABLE							\
	".pushsection __rseq_cs, \"aw\"\n"				\
	".balign 32\n"							\
	"3: .long 0, 0\n"						\
	".quad 1f, 2f-1f, 4f\n"						\
	".popsection\n"							\
	".pushsection __rseq_cs_ptr_array, \"aw\"\n"			\
	".quad 3b\n"							\
	".popsection\n"
#define CS_ABORT							\
	".pushsection __rseq_failure, \"ax\"\n"				\
	".byte 0x0f, 0xb9, 0x3d\n"					\
	".long 0x53053053\n"						\
	"4: jmp %l[aborted]\n"						\
	".popsection\n"

/* Adds inc to this CPU's slot. 0: committed, 1: aborted. */
__attribute__((noinline)) int cs_add(long inc)
{
	asm goto(CS_TABLE
		 "leaq 3b(%%rip), %%rax\n\t"
		 "movq %%rax, %%fs:8(%[off])\n"
		 "1:\n\t"
		 "movl %%fs:4(%[off]), %%eax\n\t"
		 "shlq $6, %%rax\n\t"
		 "addq %[base], %%rax\n\t"
		 "movq (%%rax), %%rcx\n\t"
		 "addq %[inc], %%rcx\n\t"
		 "movq %%rcx, (%%rax)\n"
		 "2:\n"
		 CS_ABORT
		 : : [off] "r" (rseq_off), [base] "r" (counters), [inc] "r" (inc)
		 : "rax", "rcx", "memory", "cc" : aborted);
	return 0;
aborted:
	aborts_seen++;
	return 1;
}

/* The same with a system call inside. */
__attribute__((noinline)) int cs_add_syscall(long inc)
{
	asm goto(CS_TABLE
		 "leaq 3b(%%rip), %%rax\n\t"
		 "movq %%rax, %%fs:8(%[off])\n"
		 "1:\n\t"
		 "movl $110, %%eax\n\t"		/* getppid */
		 "syscall\n\t"
		 "movl %%fs:4(%[off]), %%eax\n\t"
		 "shlq $6, %%rax\n\t"
		 "addq %[base], %%rax\n\t"
		 "movq (%%rax), %%rcx\n\t"
		 "addq %[inc], %%rcx\n\t"
		 "movq %%rcx, (%%rax)\n"
		 "2:\n"
		 CS_ABORT
		 : : [off] "r" (rseq_off), [base] "r" (counters), [inc] "r" (inc)
		 : "rax", "rcx", "r11", "memory", "cc" : aborted);
	return 0;
aborted:
	aborts_seen++;
	return 1;
}

static void add_one(void)
{
	if (mode_syscall) {
		while (cs_add_syscall(1))
			;
		return;
	}
	/* the bug of "lost": an abort is taken for success */
	while (cs_add(1) && !mode_lost)
		;
}

__attribute__((noinline)) long work(long n)
{
	for (long i = 0; i < n; i++)
		add_one();
	return n;
}

static void *worker(void *arg)
{
	(void)arg;
	work(iterations);
	return NULL;
}

static long total(void)
{
	long s = 0;
	for (int i = 0; i < NSLOTS; i++)
		s += counters[i].v;
	return s;
}

static int run(int threads)
{
	pthread_t tid[64];
	for (int i = 0; i < threads; i++)
		if (pthread_create(&tid[i], NULL, worker, NULL))
			return 1;
	for (int i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	long want = iterations * threads, got = total();
	printf("cs_prog: total %ld, expected %ld, aborts %ld\n", got, want,
	       (long)aborts_seen);
	return got == want ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "good";
	int threads = argc > 3 ? atoi(argv[3]) : 2;

	if (argc > 2)
		iterations = atol(argv[2]);
	if (threads < 1 || threads > 64)
		threads = 2;
	if (!&__rseq_size || !&__rseq_offset || __rseq_size < 20) {
		printf("cs_prog: rseq not registered by the C library\n");
		return 77;
	}
	rseq_off = __rseq_offset;
	mode_lost = !strcmp(mode, "lost");
	mode_syscall = !strcmp(mode, "syscall");
	if (!strcmp(mode, "single")) {
		long got;
		work(iterations);
		got = total();
		printf("cs_prog: total %ld, expected %ld\n", got, iterations);
		return got == iterations ? 0 : 1;
	}
	if (!strcmp(mode, "fork")) {
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		int r = run(threads);
		if (pid == 0)
			_exit(r);
		int st;
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
			return 1;
		return r | WEXITSTATUS(st);
	}
	return run(threads);
}
#endif

/* SPDX-License-Identifier: MIT */
/*
 * bench/harness.h - a small reusable benchmark driver for rseqkit.
 *
 * A benchmark program describes groups of cases; the harness runs every
 * case of a group at each thread count, several times, and reports the
 * median.  A case is a body that performs N operations:
 *
 *     static uint64_t my_body(struct bench_thread *t, uint64_t n)
 *     {
 *             for (uint64_t i = 0; i < n; i++)
 *                     do_one_operation(t);
 *             return n;               // operations done
 *     }
 *
 *     static struct bench_case cases[] = {
 *             { .name = "plain",  .body = plain_body },   // the baseline
 *             { .name = "mine",   .body = my_body,
 *               .setup = my_setup, .verify = my_verify,
 *               .thread_init = my_thread_init, .needs_rseq = 1 },
 *     };
 *     static struct bench_group group = {
 *             .name = "increment", .baseline = "plain",
 *             .cases = cases, .ncases = 2,
 *     };
 *
 *     int main(int argc, char **argv)
 *     {
 *             struct bench_opts o;
 *             if (bench_init(&o, argc, argv))
 *                     return 2;
 *             bench_run_group(&o, &group);
 *             // bench_find("increment", "mine", 2) gives a result
 *             return bench_finish(&o);    // 0, or 1 if a verify failed
 *     }
 *
 * Build: cc -Ibench ... prog.c bench/harness.c -pthread  (mk/bench.mk
 * has a rule for bench/<name>.c; other areas link $(BENCH_HARNESS_OBJ)).
 *
 * Measurement.  For each thread count T and each run r (runs are
 * interleaved: run 1 of every case, then run 2 of every case, ... so that
 * slow drift of a noisy machine hits the baseline and the cases alike):
 *   - case->setup(case, T) (fresh state), T threads created, each pinned
 *     to the CPUs of the process affinity mask round-robin (unless
 *     BENCH_PIN=0), each calls case->thread_init(t), then all wait on a
 *     start barrier;
 *   - duration mode (default): every thread calls body(t, batch) until
 *     the main thread raises the stop flag after the duration; the batch
 *     grows until one call lasts ~20 us, so the per-call overhead is
 *     negligible;  iterations mode (BENCH_ITERS / -i): one call,
 *     body(t, iters);
 *   - elapsed = last thread end - first thread start; total = sum of the
 *     operations the bodies returned; cpu = sum of the threads' CPU time
 *     (CLOCK_THREAD_CPUTIME_ID, start to end of each thread's loop);
 *       ns_per_op = cpu / total             (default: "thread CPU time")
 *       ns_per_op = elapsed * T / total     (BENCH_CLOCK=wall / -W)
 *     i.e. the cost of one operation as one thread sees it.  The CPU-time
 *     clock leaves out the time other processes of a shared machine took
 *     the CPU (the time the threads lost to interference still shows in
 *     the "busy" column: cpu / (elapsed * min(T, ncpus))); what such
 *     interference costs the operations themselves (aborts, restarts,
 *     cold caches, spinning on a lock whose holder was preempted) is
 *     counted.  Use the wall clock on a dedicated machine when the
 *     waiting of oversubscribed threads (T > CPUs) must show;
 *       mops = min(T, ncpus) * 1e3 / ns_per_op (CPU time: the aggregate
 *              throughput when the threads have the CPUs to themselves)
 *       mops = T * 1e3 / ns_per_op = total / elapsed (wall clock)
 *   - case->verify(case, T, total) checks the result (a wrong benchmark
 *     is worse than none): non-zero marks the row FAILED and makes
 *     bench_finish() return 1.
 * The reported ns_per_op is the median over the runs, mops is derived
 * from it (as above), ratio_vs_baseline = ns_per_op / the baseline
 * case's median ns_per_op at the same T (so < 1 is faster).
 *
 * Output: an aligned table on stdout (with the spread max-min of the runs
 * in % of the median, and "busy"), and one CSV row per (case, T) appended to
 * $BENCH_CSV (default build/bench/results.csv; a header is written when
 * the file is empty):
 *     group,case,threads,ns_per_op,mops,ratio_vs_baseline,baseline
 *
 * Environment (command-line options override):
 *   BENCH_RUNS=5        runs per (case, T)                    -r N
 *   BENCH_DURATION_MS   ms per run (default 150)              -d MS
 *   BENCH_ITERS         fixed iterations per thread instead   -i N
 *   BENCH_THREADS       list, e.g. "1,2,4,8,16"               -t LIST
 *                       (default 1..nproc, plus 2*nproc when
 *                       BENCH_OVERSUB=1 or -O)
 *   BENCH_PIN=0         do not pin threads                    -P (no pin)
 *   BENCH_CLOCK=wall    ns/op from the wall clock             -W
 *   BENCH_QUICK=1       smoke test: 1 run of 5 ms, T = 1 and  -q
 *                       nproc (for 'make check'; numbers are
 *                       meaningless)
 *   BENCH_CSV=path      CSV file ("" or "-": none)            -o PATH
 *   BENCH_FILTER=str    only groups/cases whose "group/case"  -f STR
 *                       contains str (the baseline always runs)
 */
#ifndef RSEQKIT_BENCH_HARNESS_H
#define RSEQKIT_BENCH_HARNESS_H

#include <stdint.h>
#include <stdio.h>

#define BENCH_MAX_THREADS_LIST	32
#define BENCH_CACHELINE		128	/* padding: 2 lines (adjacent-line prefetch) */

struct bench_case;

/* What a body sees: one per thread and measurement. */
struct bench_thread {
	int id;			/* 0 .. nthreads-1 */
	int nthreads;
	int cpu;		/* the CPU pinned to, or -1 */
	struct bench_case *c;	/* the case (c->arg: its data) */
	void *local;		/* free for thread_init / the body */
	uint64_t scratch[4];	/* free for the body (per-thread state) */
	/* harness-private */
	uint64_t ops;
	uint64_t t_start, t_end;	/* CLOCK_MONOTONIC */
	uint64_t cpu_start, cpu_end;	/* CLOCK_THREAD_CPUTIME_ID */
	int init_failed;
};

struct bench_case {
	const char *name;
	/* Do n operations, return how many were done (normally n). */
	uint64_t (*body)(struct bench_thread *t, uint64_t n);
	/* Optional: before each measurement (reset shared state); 0 = ok. */
	int (*setup)(struct bench_case *c, int nthreads);
	/* Optional: in each thread before the barrier; 0 = ok. */
	int (*thread_init)(struct bench_thread *t);
	/* Optional: in each thread after its last call of body. */
	void (*thread_fini)(struct bench_thread *t);
	/* Optional: after each measurement; 0 = result correct. */
	int (*verify)(struct bench_case *c, int nthreads, uint64_t total_ops);
	void *arg;
	int needs_rseq;		/* skipped when rseq is unavailable */
	int skip;		/* set by the program: do not run */
	const char *skip_reason;
};

struct bench_group {
	const char *name;
	const char *baseline;	/* name of one of the cases */
	struct bench_case *cases;
	int ncases;
	/* Optional: thread counts for this group only (0-terminated). */
	const int *threads;
};

struct bench_opts {
	int runs;
	double duration_ms;
	uint64_t iters;		/* 0: duration mode */
	int threads[BENCH_MAX_THREADS_LIST];
	int nthreads_list;
	int pin;
	int wall;		/* ns/op from wall time, not thread CPU time */
	int quick;
	int ncpus;		/* CPUs in the affinity mask */
	int cpus[1024];		/* their numbers */
	int rseq_ok;		/* main thread registered rseq */
	const char *csv;	/* NULL: none */
	const char *filter;
	const char *program;
	int failed;		/* a verify or a thread init failed */
};

struct bench_result {
	const char *group;
	const char *name;
	const char *baseline;
	int threads;
	double ns_per_op;	/* median */
	double mops;
	double ratio;		/* vs baseline; 0 if no baseline */
	double spread;		/* (max - min) / median */
	double busy;		/* median share of the wall time on a CPU */
	int status;		/* 0 ok, 1 skipped, 2 failed */
};

/* Parse env + argv (prints usage and returns non-zero on bad options). */
int bench_init(struct bench_opts *o, int argc, char **argv);
/* Run one group at every thread count; prints the table, appends CSV. */
void bench_run_group(struct bench_opts *o, struct bench_group *g);
/* A result of this process, or NULL. */
const struct bench_result *bench_find(const char *group, const char *name,
				      int threads);
/* Flush; returns the exit status (0, or 1 if something failed). */
int bench_finish(struct bench_opts *o);

/* Helpers for bodies and cases. */
uint64_t bench_now_ns(void);		/* CLOCK_MONOTONIC */
int bench_max_cpus(void);		/* CPU numbers are < this */
void *bench_alloc(size_t size);		/* zeroed, BENCH_CACHELINE-aligned; exits on ENOMEM */
/* Prevent the compiler from optimizing away v (or hoisting it). */
#define bench_sink(v)	__asm__ __volatile__ ("" : : "r" (v))
#define bench_clobber()	__asm__ __volatile__ ("" : : : "memory")

#endif /* RSEQKIT_BENCH_HARNESS_H */

/* SPDX-License-Identifier: MIT */
/*
 * bench/harness.c - the benchmark driver (usage: bench/harness.h).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <rseqkit/rseq.h>
#include "harness.h"

#define MAX_RUNS	101
#define MAX_RESULTS	1024
#define BATCH_TARGET_NS	20000	/* grow the batch until a call lasts this */
#define BATCH_MAX	(1u << 24)

static struct bench_result results[MAX_RESULTS];
static int nresults;
static FILE *csv_file;

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int bench_max_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);
	cpu_set_t set;
	int hi = 0;

	/* The affinity mask may name CPUs above the configured count. */
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int i = 0; i < CPU_SETSIZE; i++)
			if (CPU_ISSET(i, &set))
				hi = i + 1;
	if (n < hi)
		n = hi;
	return n > 0 ? (int)n : 1;
}

void *bench_alloc(size_t size)
{
	size_t sz = (size + BENCH_CACHELINE - 1) & ~(size_t)(BENCH_CACHELINE - 1);
	void *p = aligned_alloc(BENCH_CACHELINE, sz ? sz : BENCH_CACHELINE);

	if (!p) {
		fprintf(stderr, "bench: out of memory (%zu bytes)\n", size);
		exit(2);
	}
	memset(p, 0, sz);
	return p;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-q] [-r RUNS] [-d MS | -i ITERS] [-t 1,2,4] [-O] [-P] [-W]\n"
		"          [-o CSV] [-f FILTER]\n"
		"  -q quick smoke test   -r runs per point (median)   -d ms per run\n"
		"  -i fixed iterations per thread   -t thread counts   -O add 2x nproc\n"
		"  -P do not pin threads   -W wall clock (default: thread CPU time)\n"
		"  -o CSV file ('-': none)   -f group/case filter\n"
		"Environment: BENCH_QUICK BENCH_RUNS BENCH_DURATION_MS BENCH_ITERS\n"
		"  BENCH_THREADS BENCH_OVERSUB BENCH_PIN BENCH_CLOCK BENCH_CSV BENCH_FILTER\n",
		prog);
}

static int parse_threads(struct bench_opts *o, const char *s)
{
	char *end;

	o->nthreads_list = 0;
	while (*s) {
		long v = strtol(s, &end, 10);

		if (end == s || v < 1 || v > 4096 ||
		    o->nthreads_list == BENCH_MAX_THREADS_LIST)
			return -1;
		o->threads[o->nthreads_list++] = (int)v;
		s = end;
		if (*s == ',' || *s == ' ')
			s++;
		else if (*s)
			return -1;
	}
	return o->nthreads_list ? 0 : -1;
}

static int env_int(const char *name, int def)
{
	const char *v = getenv(name);

	return v && *v ? atoi(v) : def;
}

/* Step 1: the environment's settings (the options override them). */
static int init_from_env(struct bench_opts *o, int *oversub)
{
	const char *s;

	o->quick = env_int("BENCH_QUICK", 0);
	o->runs = env_int("BENCH_RUNS", 5);
	o->duration_ms = env_int("BENCH_DURATION_MS", 150);
	s = getenv("BENCH_ITERS");
	o->iters = s && *s ? strtoull(s, NULL, 0) : 0;
	o->pin = env_int("BENCH_PIN", 1);
	s = getenv("BENCH_CLOCK");
	o->wall = s && !strcmp(s, "wall");
	*oversub = env_int("BENCH_OVERSUB", 0);
	o->csv = getenv("BENCH_CSV");
	if (!o->csv)
		o->csv = "build/bench/results.csv";
	o->filter = getenv("BENCH_FILTER");
	s = getenv("BENCH_THREADS");
	if (s && *s && parse_threads(o, s)) {
		fprintf(stderr, "bench: bad BENCH_THREADS '%s'\n", s);
		return -1;
	}
	return 0;
}

/* Step 2: the command line. */
static int init_from_args(struct bench_opts *o, int argc, char **argv, int *oversub)
{
	int opt;

	while ((opt = getopt(argc, argv, "qr:d:i:t:OPWo:f:h")) != -1) {
		switch (opt) {
		case 'q': o->quick = 1; break;
		case 'r': o->runs = atoi(optarg); break;
		case 'd': o->duration_ms = atof(optarg); o->iters = 0; break;
		case 'i': o->iters = strtoull(optarg, NULL, 0); break;
		case 't':
			if (parse_threads(o, optarg)) {
				fprintf(stderr, "bench: bad -t '%s'\n", optarg);
				return -1;
			}
			break;
		case 'O': *oversub = 1; break;
		case 'P': o->pin = 0; break;
		case 'W': o->wall = 1; break;
		case 'o': o->csv = optarg; break;
		case 'f': o->filter = optarg; break;
		default: usage(argv[0]); return -1;
		}
	}
	return 0;
}

/* Step 3: the CPUs of the affinity mask, limits, the thread counts. */
static void init_threads(struct bench_opts *o, int oversub)
{
	cpu_set_t set;

	if (o->runs < 1)
		o->runs = 1;
	if (o->runs > MAX_RUNS)
		o->runs = MAX_RUNS;
	if (o->duration_ms <= 0)
		o->duration_ms = 150;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int i = 0; i < CPU_SETSIZE && o->ncpus < 1024; i++)
			if (CPU_ISSET(i, &set))
				o->cpus[o->ncpus++] = i;
	if (o->ncpus == 0) {
		o->ncpus = 1;
		o->cpus[0] = 0;
		o->pin = 0;
	}
	if (o->quick) {
		o->runs = 1;
		o->duration_ms = 5;
		if (o->iters > 100000)
			o->iters = 100000;
	}
	if (o->nthreads_list)
		return;
	if (o->quick) {
		o->threads[o->nthreads_list++] = 1;
		if (o->ncpus > 1)
			o->threads[o->nthreads_list++] = o->ncpus;
	} else {
		for (int t = 1; t <= o->ncpus &&
		     o->nthreads_list < BENCH_MAX_THREADS_LIST - 1; t++)
			o->threads[o->nthreads_list++] = t;
	}
	if (oversub)
		o->threads[o->nthreads_list++] = 2 * o->ncpus;
}

/* Step 4: the CSV file (a header when it is new). */
static int init_csv(struct bench_opts *o)
{
	char dir[4096];
	char *slash;
	struct stat st;

	if (o->csv && (!*o->csv || !strcmp(o->csv, "-")))
		o->csv = NULL;
	if (!o->csv)
		return 0;
	snprintf(dir, sizeof(dir), "%s", o->csv);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		mkdir(dir, 0777);	/* one level is enough for build/bench */
	}
	csv_file = fopen(o->csv, "a");
	if (!csv_file) {
		fprintf(stderr, "bench: cannot open %s: %s\n", o->csv, strerror(errno));
		return -1;
	}
	if (fstat(fileno(csv_file), &st) == 0 && st.st_size == 0)
		fprintf(csv_file, "group,case,threads,ns_per_op,mops,"
			"ratio_vs_baseline,baseline\n");
	return 0;
}

/* Step 5: what this run is, in one line. */
static void print_header(const struct bench_opts *o)
{
	printf("# %s: %d CPUs, threads", o->program, o->ncpus);
	for (int i = 0; i < o->nthreads_list; i++)
		printf("%c%d", i ? ',' : ' ', o->threads[i]);
	if (o->iters)
		printf(", %llu iterations/thread", (unsigned long long)o->iters);
	else
		printf(", %.0f ms/run", o->duration_ms);
	printf(", median of %d run%s, %s, %s, rseq %s%s\n", o->runs,
	       o->runs > 1 ? "s" : "", o->pin ? "pinned" : "not pinned",
	       o->wall ? "wall clock" : "thread CPU time",
	       o->rseq_ok ? "registered" : "UNAVAILABLE",
	       o->quick ? " [QUICK: numbers meaningless]" : "");
	fflush(stdout);
}

int bench_init(struct bench_opts *o, int argc, char **argv)
{
	int oversub = 0;

	memset(o, 0, sizeof(*o));
	o->program = argv[0];
	if (init_from_env(o, &oversub) || init_from_args(o, argc, argv, &oversub))
		return -1;
	init_threads(o, oversub);
	o->rseq_ok = rseq_register_current_thread() == 0 &&
		     rseq_current_cpu_raw() >= 0;
	if (init_csv(o))
		return -1;
	print_header(o);
	return 0;
}

/* ---- one measurement ---- */

struct measure {
	struct bench_opts *o;
	struct bench_case *c;
	pthread_barrier_t barrier;
	int stop;			/* raised by the main thread */
};

struct worker {
	struct bench_thread t;
	struct measure *m;
	pthread_t tid;
};

static void *worker_main(void *p)
{
	struct worker *w = p;
	struct bench_thread *t = &w->t;
	struct measure *m = w->m;
	struct bench_case *c = m->c;
	int registered = 0;

	if (m->o->rseq_ok) {
		if (rseq_register_current_thread() == 0)
			registered = 1;
		else if (c->needs_rseq)
			t->init_failed = 1;
	}
	if (!t->init_failed && c->thread_init && c->thread_init(t))
		t->init_failed = 1;

	pthread_barrier_wait(&m->barrier);
	/* The main thread checks init_failed before releasing us. */
	pthread_barrier_wait(&m->barrier);
	if (__atomic_load_n(&m->stop, __ATOMIC_ACQUIRE) == 2)
		goto out;

	t->cpu_start = thread_cpu_ns();
	t->t_start = bench_now_ns();
	if (m->o->iters) {
		t->ops = c->body(t, m->o->iters);
		t->t_end = bench_now_ns();
	} else {
		uint64_t batch = 16, now = t->t_start, ops = 0;

		/* At least one batch: a thread scheduled late still measures. */
		do {
			uint64_t before = now;

			ops += c->body(t, batch);
			now = bench_now_ns();
			if (now - before < BATCH_TARGET_NS && batch < BATCH_MAX)
				batch *= 2;
		} while (!__atomic_load_n(&m->stop, __ATOMIC_RELAXED));
		t->ops = ops;
		t->t_end = now;
	}
	t->cpu_end = thread_cpu_ns();
out:
	if (c->thread_fini && !t->init_failed)
		c->thread_fini(t);
	if (registered)
		rseq_unregister_current_thread();
	return NULL;
}

/* Start nthreads workers, pinned round-robin unless told otherwise. */
static struct worker *start_workers(struct bench_opts *o, struct measure *m,
				    struct bench_case *c, int nthreads)
{
	struct worker *w = calloc((size_t)nthreads, sizeof(*w));

	if (!w) {
		fprintf(stderr, "bench: out of memory\n");
		exit(2);
	}
	for (int i = 0; i < nthreads; i++) {
		pthread_attr_t attr;
		int err;

		w[i].m = m;
		w[i].t.id = i;
		w[i].t.nthreads = nthreads;
		w[i].t.c = c;
		w[i].t.cpu = -1;
		pthread_attr_init(&attr);
		if (o->pin) {
			cpu_set_t set;

			CPU_ZERO(&set);
			w[i].t.cpu = o->cpus[i % o->ncpus];
			CPU_SET(w[i].t.cpu, &set);
			pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
		}
		err = pthread_create(&w[i].tid, &attr, worker_main, &w[i]);
		pthread_attr_destroy(&attr);
		if (err) {
			fprintf(stderr, "bench: pthread_create: %s\n", strerror(err));
			exit(2);
		}
	}
	return w;
}

/* Release the workers, stop them after the duration, join them. */
static int run_workers(struct bench_opts *o, struct measure *m, struct worker *w,
		       int nthreads)
{
	int bad = 0;

	pthread_barrier_wait(&m->barrier);	/* all initialized */
	for (int i = 0; i < nthreads; i++)
		bad |= w[i].t.init_failed;
	if (bad)
		__atomic_store_n(&m->stop, 2, __ATOMIC_RELEASE);
	pthread_barrier_wait(&m->barrier);	/* go */
	if (!bad && !o->iters) {
		uint64_t ns = (uint64_t)(o->duration_ms * 1e6);
		struct timespec ts = { (time_t)(ns / 1000000000u),
				       (long)(ns % 1000000000u) };

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
		__atomic_store_n(&m->stop, 1, __ATOMIC_RELEASE);
	}
	for (int i = 0; i < nthreads; i++)
		pthread_join(w[i].tid, NULL);
	return bad;
}

/* Returns ns/op (> 0), or -1 on failure (message printed). */
static double measure_once(struct bench_opts *o, struct bench_case *c,
			   int nthreads, double *busy)
{
	struct measure m = { .o = o, .c = c };
	struct worker *w;
	uint64_t first = UINT64_MAX, last = 0, total = 0, cpu = 0;

	if (c->setup && c->setup(c, nthreads)) {
		fprintf(stderr, "bench: %s: setup failed at %d threads\n",
			c->name, nthreads);
		return -1;
	}
	pthread_barrier_init(&m.barrier, NULL, (unsigned)nthreads + 1);
	w = start_workers(o, &m, c, nthreads);
	if (run_workers(o, &m, w, nthreads)) {
		pthread_barrier_destroy(&m.barrier);
		fprintf(stderr, "bench: %s: thread initialization failed\n", c->name);
		free(w);
		return -1;
	}
	pthread_barrier_destroy(&m.barrier);
	for (int i = 0; i < nthreads; i++) {
		if (w[i].t.t_start < first)
			first = w[i].t.t_start;
		if (w[i].t.t_end > last)
			last = w[i].t.t_end;
		total += w[i].t.ops;
		cpu += w[i].t.cpu_end - w[i].t.cpu_start;
	}
	free(w);
	if (c->verify && c->verify(c, nthreads, total)) {
		fprintf(stderr, "bench: %s at %d threads: VERIFY FAILED\n",
			c->name, nthreads);
		return -1;
	}
	if (!total || last <= first || !cpu)
		return -1;
	/* The share of the wall time the threads were on a CPU. */
	*busy = (double)cpu / ((double)(last - first) *
			       (nthreads < o->ncpus ? nthreads : o->ncpus));
	if (o->wall)
		return (double)(last - first) * nthreads / (double)total;
	return (double)cpu / (double)total;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int case_selected(struct bench_opts *o, struct bench_group *g,
			 struct bench_case *c)
{
	char buf[512];

	if (!o->filter || !*o->filter)
		return 1;
	snprintf(buf, sizeof(buf), "%s/%s", g->name, c->name);
	return strstr(buf, o->filter) != NULL;
}

const struct bench_result *bench_find(const char *group, const char *name,
				      int threads)
{
	for (int i = 0; i < nresults; i++)
		if (results[i].threads == threads &&
		    !strcmp(results[i].group, group) &&
		    !strcmp(results[i].name, name))
			return &results[i];
	return NULL;
}

static void print_row(const struct bench_result *r, int namew)
{
	if (r->status == 1) {
		printf("  %-*s %7d  %10s  %10s  %7s  %6s  skipped\n", namew,
		       r->name, r->threads, "-", "-", "-", "-");
		return;
	}
	if (r->status == 2) {
		printf("  %-*s %7d  %10s  %10s  %7s  %6s  FAILED\n", namew,
		       r->name, r->threads, "-", "-", "-", "-");
		return;
	}
	printf("  %-*s %7d  %10.3f  %10.1f  ", namew, r->name, r->threads,
	       r->ns_per_op, r->mops);
	if (r->ratio > 0)
		printf("%7.2f", r->ratio);
	else
		printf("%7s", "-");
	printf("  %5.0f%%  %4.0f%%\n", r->spread * 100, r->busy * 100);
}

/* The median and its companions of case i's runs at T threads. */
static void summarize(struct bench_opts *o, struct bench_group *g, int i, int T,
		      int status, double *ns, double *busy, struct bench_result *res)
{
	double *v = &ns[i * MAX_RUNS];

	memset(res, 0, sizeof(*res));
	res->group = g->name;
	res->name = g->cases[i].name;
	res->baseline = g->baseline ? g->baseline : "";
	res->threads = T;
	res->status = status < 0 ? 1 : status;
	if (status)
		return;
	qsort(v, (size_t)o->runs, sizeof(double), cmp_double);
	if (o->runs & 1)
		res->ns_per_op = v[o->runs / 2];
	else
		res->ns_per_op = (v[o->runs / 2 - 1] + v[o->runs / 2]) / 2;
	res->mops = (o->wall || T < o->ncpus ? T : o->ncpus) * 1e3 / res->ns_per_op;
	res->spread = (v[o->runs - 1] - v[0]) / res->ns_per_op;
	v = &busy[i * MAX_RUNS];
	qsort(v, (size_t)o->runs, sizeof(double), cmp_double);
	res->busy = v[o->runs / 2];
}

/* A row: the table, the results bench_find() sees, the CSV. */
static void report(const struct bench_result *res, int namew)
{
	print_row(res, namew);
	if (nresults < MAX_RESULTS)
		results[nresults++] = *res;
	if (csv_file && res->status == 0) {
		fprintf(csv_file, "%s,%s,%d,%.4f,%.2f,", res->group,
			res->name, res->threads, res->ns_per_op, res->mops);
		if (res->ratio > 0)
			fprintf(csv_file, "%.4f", res->ratio);
		fprintf(csv_file, ",%s\n", res->baseline);
	}
}

/* Every case of g at T threads, the runs interleaved. */
static void run_at(struct bench_opts *o, struct bench_group *g, int T, int base,
		   int namew, int *st, double *ns, double *busy)
{
	int nc = g->ncases;
	struct bench_result row[nc];

	for (int i = 0; i < nc; i++) {
		struct bench_case *c = &g->cases[i];

		st[i] = 0;
		if (i != base && !case_selected(o, g, c))
			st[i] = -1;	/* filtered out: no row */
		else if (c->skip || (c->needs_rseq && !o->rseq_ok))
			st[i] = 1;
	}
	/* Interleave: run r of every case, then run r + 1. */
	for (int r = 0; r < o->runs; r++)
		for (int i = 0; i < nc; i++) {
			double v;

			if (st[i])
				continue;
			v = measure_once(o, &g->cases[i], T, &busy[i * MAX_RUNS + r]);
			if (v < 0) {
				st[i] = 2;
				o->failed = 1;
				continue;
			}
			ns[i * MAX_RUNS + r] = v;
		}
	for (int i = 0; i < nc; i++)
		summarize(o, g, i, T, st[i], ns, busy, &row[i]);
	for (int i = 0; i < nc; i++) {
		if (base >= 0 && st[base] == 0 && st[i] == 0)
			row[i].ratio = row[i].ns_per_op / row[base].ns_per_op;
		if (st[i] >= 0)
			report(&row[i], namew);
	}
	fflush(stdout);
}

void bench_run_group(struct bench_opts *o, struct bench_group *g)
{
	int nc = g->ncases, namew = 8, tl[BENCH_MAX_THREADS_LIST], ntl = 0;
	int base = -1, any = 0;
	double *ns, *busy;
	int *st;

	for (int i = 0; i < nc; i++) {
		int l = (int)strlen(g->cases[i].name);

		if (l > namew)
			namew = l;
		if (g->baseline && !strcmp(g->cases[i].name, g->baseline))
			base = i;
		if (case_selected(o, g, &g->cases[i]))
			any = 1;
	}
	if (!any)
		return;
	if (g->threads) {
		for (int i = 0; g->threads[i] && ntl < BENCH_MAX_THREADS_LIST; i++)
			tl[ntl++] = g->threads[i];
	} else {
		memcpy(tl, o->threads, sizeof(int) * (size_t)o->nthreads_list);
		ntl = o->nthreads_list;
	}
	printf("\n%s (baseline: %s)\n", g->name, g->baseline ? g->baseline : "none");
	printf("  %-*s %7s  %10s  %10s  %7s  %6s  %5s\n", namew, "case", "threads",
	       "ns/op", "Mops/s", "ratio", "spread", "busy");
	fflush(stdout);
	ns = calloc((size_t)nc * MAX_RUNS, sizeof(double));
	busy = calloc((size_t)nc * MAX_RUNS, sizeof(double));
	st = calloc((size_t)nc, sizeof(int));
	if (!ns || !busy || !st) {
		fprintf(stderr, "bench: out of memory\n");
		exit(2);
	}
	for (int ti = 0; ti < ntl; ti++)
		run_at(o, g, tl[ti], base, namew, st, ns, busy);
	if (csv_file)
		fflush(csv_file);
	free(ns);
	free(busy);
	free(st);
}

int bench_finish(struct bench_opts *o)
{
	if (csv_file) {
		fclose(csv_file);
		csv_file = NULL;
		printf("\n# CSV appended to %s\n", o->csv);
	}
	if (o->failed)
		printf("# SOME CASES FAILED (see stderr)\n");
	fflush(stdout);
	return o->failed ? 1 : 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * bench/malloc_bench.c - 'make bench-malloc': allocator workloads in the
 * spirit of the standard allocator benchmarks, run under each allocator
 * (glibc's malloc, rseqkit-malloc, and Debian's jemalloc, tcmalloc
 * (gperftools' per-thread tcmalloc: Debian does not ship the per-CPU
 * rseq tcmalloc) and mimalloc when installed) loaded with LD_PRELOAD:
 *
 *   larson      larson-style server: each thread replaces random objects
 *               (16-512 bytes) in its own array; at every round the
 *               arrays move to the next thread, which frees what another
 *               thread allocated
 *   xmalloc     producer/consumer (xmalloc-style): threads allocate
 *               batches of objects and free batches other threads made
 *   scratch     false sharing (cache-scratch-style): 8-byte objects
 *               written repeatedly, first ones handed out by one thread
 *   short       many short-lived small objects (16-128 bytes)
 *   realloc     mixed sizes (16 B - 64 KiB) with realloc chains
 *
 * at 1..nproc and 2 x nproc threads, plus the wall time of one real
 * program (python3.11) under each allocator.  Every (workload, threads,
 * allocator) is a fresh process; runs are interleaved across allocators
 * and the median of the runs is reported: throughput (ns per operation:
 * the process's CPU time over the operations, as bench/harness.h counts,
 * so that other jobs on a shared machine do not count; -W or
 * BENCH_CLOCK=wall: wall time x threads; and Mops/s = min(threads,
 * CPUs) x 1e3 / ns) with its ratio to glibc's, and the
 * peak RSS (the process's ru_maxrss) with its ratio to glibc's, in the
 * table and, as rows of groups named "... peak RSS (KiB)" whose ns/op
 * column holds KiB, in the CSV of 'make bench'.  Each workload checks
 * the contents of every object it frees; a mismatch fails the row.
 *
 * Options: -q (or BENCH_QUICK=1) one short run; -r N runs (default 3);
 * -O (accepted: 2 x nproc is always measured); -f WORKLOAD.
 * MALLOC_BENCH_LIB overrides the path of librseqkit-malloc.so.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define MAX_T	64
#define MAX_RUNS 15

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ---- workloads (run in the child, under the preloaded allocator) ---- */

static int nthreads;
static uint64_t ops_per_thread;
static pthread_barrier_t barrier;
static unsigned long bad;

static void mark(void *p, size_t n)
{
	unsigned char *c = p;

	c[0] = (unsigned char)n;
	c[n - 1] = (unsigned char)(n >> 3);
}

static void check(void *p, size_t n)
{
	unsigned char *c = p;

	if (c[0] != (unsigned char)n || c[n - 1] != (unsigned char)(n >> 3))
		__atomic_fetch_add(&bad, 1, __ATOMIC_RELAXED);
}

/* Replace the object in a slot: check and free the old one, mark a new one. */
static void replace(void **o, size_t *l, size_t n)
{
	if (*o) {
		check(*o, *l);
		free(*o);
	}
	*o = malloc(n);
	*l = n;
	mark(*o, n);
}

/* larson */
#define LARSON_SLOTS	1024
#define LARSON_ROUNDS	8
static void **larson_obj[MAX_T];
static size_t *larson_len[MAX_T];

static void *larson(void *arg)
{
	int id = (int)(intptr_t)arg;
	uint64_t s = 0x9e3779b97f4a7c15ull ^ (uint64_t)(id + 1);

	for (int r = 0; r < LARSON_ROUNDS; r++) {
		int a = (id + r) % nthreads;	/* this round's array */
		void **o = larson_obj[a];
		size_t *l = larson_len[a];

		for (uint64_t i = 0; i < ops_per_thread / LARSON_ROUNDS; i++) {
			size_t k = rnd(&s) % LARSON_SLOTS;

			replace(&o[k], &l[k], 16 + rnd(&s) % 497);
		}
		pthread_barrier_wait(&barrier);
	}
	return NULL;
}

static void larson_setup(void)
{
	for (int t = 0; t < nthreads; t++) {
		larson_obj[t] = calloc(LARSON_SLOTS, sizeof(void *));
		larson_len[t] = calloc(LARSON_SLOTS, sizeof(size_t));
	}
}

static void larson_teardown(void)
{
	for (int t = 0; t < nthreads; t++) {
		for (int k = 0; k < LARSON_SLOTS; k++)
			free(larson_obj[t][k]);
		free(larson_obj[t]);
		free(larson_len[t]);
	}
}

/* xmalloc: batches through a shared stack */
#define XBATCH		64
#define XSTACK		(MAX_T + 1)
static pthread_mutex_t xlock = PTHREAD_MUTEX_INITIALIZER;
static void **xstack[XSTACK];
static int xtop;

static void *xmalloc_w(void *arg)
{
	uint64_t s = 0x1234567ull ^ (uint64_t)(intptr_t)arg;

	for (uint64_t i = 0; i < ops_per_thread / XBATCH; i++) {
		void **b = malloc(XBATCH * sizeof(void *));
		void **take = NULL;

		for (int k = 0; k < XBATCH; k++) {
			size_t n = 16 + (rnd(&s) % 8) * 16;

			b[k] = malloc(n);
			memset(b[k], (int)n, n);
		}
		/* Take the batch on top (mostly another thread's), leave ours. */
		pthread_mutex_lock(&xlock);
		if (xtop > 0)
			take = xstack[--xtop];
		xstack[xtop++] = b;
		pthread_mutex_unlock(&xlock);
		if (take) {
			for (int k = 0; k < XBATCH; k++) {
				unsigned char *c = take[k];

				if (c[0] != c[1])
					__atomic_fetch_add(&bad, 1, __ATOMIC_RELAXED);
				free(take[k]);
			}
			free(take);
		}
	}
	return NULL;
}

static void xmalloc_teardown(void)
{
	while (xtop > 0) {
		void **b = xstack[--xtop];

		for (int k = 0; k < XBATCH; k++)
			free(b[k]);
		free(b);
	}
}

/* cache-scratch */
static void *scratch_first[MAX_T];

static void *scratch(void *arg)
{
	int id = (int)(intptr_t)arg;
	volatile char *p = scratch_first[id];

	free((void *)p);
	for (uint64_t i = 0; i < ops_per_thread; i++) {
		p = malloc(8);
		for (int w = 0; w < 50; w++)
			p[w & 7] = (char)(p[w & 7] + w);
		free((void *)p);
	}
	return NULL;
}

static void scratch_setup(void)
{
	for (int t = 0; t < nthreads; t++)
		scratch_first[t] = malloc(8);
}

/* short-lived */
static void *shortlived(void *arg)
{
	uint64_t s = 0xabcdefull ^ (uint64_t)(intptr_t)arg;
	void *win[8] = { 0 };
	size_t len[8] = { 0 };

	for (uint64_t i = 0; i < ops_per_thread; i++) {
		unsigned int k = (unsigned int)(i & 7);

		replace(&win[k], &len[k], 16 + (rnd(&s) & 7) * 16);
	}
	for (int k = 0; k < 8; k++)
		free(win[k]);
	return NULL;
}

/* mixed sizes with realloc */
static void *reallocw(void *arg)
{
	uint64_t s = 0x5555ull ^ (uint64_t)(intptr_t)arg;
	void *o[256] = { 0 };
	size_t l[256] = { 0 };

	for (uint64_t i = 0; i < ops_per_thread; i++) {
		unsigned int k = (unsigned int)(rnd(&s) & 255);
		size_t n = (size_t)16 << (rnd(&s) % 13);	/* 16 B .. 64 KiB */

		n += rnd(&s) % n;
		if (n > 65536)
			n = 65536;
		if (!o[k]) {
			o[k] = malloc(n);
		} else if (rnd(&s) & 3) {
			check(o[k], l[k]);
			o[k] = realloc(o[k], n);
			if (((unsigned char *)o[k])[0] != (unsigned char)l[k])
				__atomic_fetch_add(&bad, 1, __ATOMIC_RELAXED);
		} else {
			check(o[k], l[k]);
			free(o[k]);
			o[k] = NULL;
			continue;
		}
		l[k] = n;
		mark(o[k], n);
	}
	for (int k = 0; k < 256; k++)
		free(o[k]);
	return NULL;
}

struct workload {
	const char *name;
	void *(*fn)(void *);
	void (*setup)(void);
	void (*teardown)(void);
	uint64_t ops;		/* per thread, a full run */
};

static const struct workload workloads[] = {
	{ "larson", larson, larson_setup, larson_teardown, 1600000 },
	{ "xmalloc", xmalloc_w, NULL, xmalloc_teardown, 1600000 },
	{ "scratch", scratch, scratch_setup, NULL, 1000000 },
	{ "short", shortlived, NULL, NULL, 4000000 },
	{ "realloc", reallocw, NULL, NULL, 800000 },
};
#define NW	(sizeof(workloads) / sizeof(workloads[0]))

static uint64_t cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000ull +
	       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ull;
}

/* Child: run workload w with t threads; print "ops wall-ns cpu-ns bad". */
static int child(int w, int t, uint64_t ops)
{
	pthread_t tid[MAX_T];
	uint64_t t0, t1, c0, c1;

	nthreads = t;
	ops_per_thread = ops;
	pthread_barrier_init(&barrier, NULL, (unsigned int)t);
	if (workloads[w].setup)
		workloads[w].setup();
	c0 = cpu_ns();
	t0 = now_ns();
	for (int i = 0; i < t; i++)
		pthread_create(&tid[i], NULL, workloads[w].fn, (void *)(intptr_t)i);
	for (int i = 0; i < t; i++)
		pthread_join(tid[i], NULL);
	t1 = now_ns();
	c1 = cpu_ns();
	if (workloads[w].teardown)
		workloads[w].teardown();
	printf("%llu %llu %llu %lu\n", (unsigned long long)(ops * (uint64_t)t),
	       (unsigned long long)(t1 - t0), (unsigned long long)(c1 - c0), bad);
	return 0;
}

/* ---- driver ---- */

struct alloc {
	const char *name;
	char lib[PATH_MAX];	/* "" for glibc */
	int present;
};

static struct alloc allocs[] = {
	{ "glibc", "", 1 },
	{ "rseqkit", "", 0 },
	{ "jemalloc", "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", 0 },
	{ "tcmalloc", "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4", 0 },
	{ "mimalloc", "/usr/lib/x86_64-linux-gnu/libmimalloc.so.2", 0 },
};
#define NA	(sizeof(allocs) / sizeof(allocs[0]))
static const char *pkg[NA] = { "", "", "libjemalloc2", "libtcmalloc-minimal4", "libmimalloc2.0" };

/* Run argv with allocator a; 0 with *ns (wall) and *rss (KiB), or -1. */
static int run(const struct alloc *a, char **argv, char *out, size_t outlen,
	       uint64_t *ns, long *rss)
{
	int fd[2], st;
	struct rusage ru;
	uint64_t t0 = now_ns();
	ssize_t n = 0, r;
	pid_t pid;

	if (pipe(fd))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		if (a->lib[0])
			setenv("LD_PRELOAD", a->lib, 1);
		else
			unsetenv("LD_PRELOAD");
		execv(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	while ((r = read(fd[0], out + n, outlen - 1 - (size_t)n)) > 0)
		n += r;
	out[n] = '\0';
	close(fd[0]);
	if (wait4(pid, &st, 0, &ru) != pid)
		return -1;
	*ns = now_ns() - t0;
	*rss = ru.ru_maxrss;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static FILE *csv;
static int wall_clock;	/* -W: ns/op from the wall clock */
static int ncpus;

static void csv_row(const char *group, const char *cs, int t, double v, double mops,
		    double ratio)
{
	if (csv)
		fprintf(csv, "%s,%s,%d,%.3f,%.3f,%.3f,glibc\n", group, cs, t, v, mops, ratio);
}

static int failed;

/*
 * The rows of one thread count: medians of the runs, ratios to glibc
 * (allocator 0); Mops/s = scale / ns.
 */
static void report(const char *group, const char *rgroup, int t, double scale,
		   double ns[][MAX_RUNS], double rss[][MAX_RUNS], const int *okc)
{
	double base_ns = 0, base_rss = 0;

	for (size_t a = 0; a < NA; a++) {
		double m, mr;

		if (!okc[a])
			continue;
		m = median(ns[a], okc[a]);
		mr = median(rss[a], okc[a]);
		if (a == 0) {
			base_ns = m;
			base_rss = mr;
		}
		printf("  %-10s %8d %10.2f %10.4f %10.2f %9.1f %10.2f\n", allocs[a].name, t,
		       m, scale / m, base_ns ? m / base_ns : 0, mr / 1024, base_rss ? mr / base_rss : 0);
		csv_row(group, allocs[a].name, t, m, scale / m, base_ns ? m / base_ns : 0);
		csv_row(rgroup, allocs[a].name, t, mr, 0, base_rss ? mr / base_rss : 0);
	}
}

static void bench_workload(int w, const int *threads, int nt, int runs, uint64_t ops,
			   const char *self)
{
	double ns[NA][MAX_RUNS], rss[NA][MAX_RUNS];
	char group[96], rgroup[96];

	snprintf(group, sizeof(group), "malloc %s", workloads[w].name);
	snprintf(rgroup, sizeof(rgroup), "malloc %s peak RSS (KiB)", workloads[w].name);
	printf("\n%s (%s; ratio: vs glibc)\n"
	       "  case        threads      ns/op     Mops/s      ratio   RSS MiB  RSS ratio\n", group,
	       wall_clock ? "ns/op: wall time x threads / operations"
			  : "ns/op: the process's CPU time / operations");
	for (int ti = 0; ti < nt; ti++) {
		int t = threads[ti];
		int okc[NA] = { 0 };

		for (int r = 0; r < runs; r++) {
			for (size_t a = 0; a < NA; a++) {
				char wbuf[16], tbuf[16], obuf[32], out[256];
				char *argv[] = { (char *)self, "--run", wbuf, tbuf, obuf, NULL };
				unsigned long long o = 0, e = 0, cpu = 0;
				unsigned long b = 1;
				uint64_t wall;
				long kb;

				if (!allocs[a].present)
					continue;
				snprintf(wbuf, sizeof(wbuf), "%d", w);
				snprintf(tbuf, sizeof(tbuf), "%d", t);
				snprintf(obuf, sizeof(obuf), "%llu", (unsigned long long)ops);
				if (run(&allocs[a], argv, out, sizeof(out), &wall, &kb) ||
				    sscanf(out, "%llu %llu %llu %lu", &o, &e, &cpu, &b) != 4 || b || !o) {
					printf("  %-10s %8d  FAILED (%s)\n", allocs[a].name, t,
					       b ? "object contents wrong" : "did not run");
					failed = 1;
					continue;
				}
				ns[a][okc[a]] = wall_clock ? (double)e * t / (double)o
							   : (double)cpu / (double)o;
				rss[a][okc[a]] = (double)kb;
				okc[a]++;
			}
		}
		report(group, rgroup, t, (wall_clock ? t : t < ncpus ? t : ncpus) * 1e3, ns, rss, okc);
	}
}

/* The wall time of one real program under each allocator. */
static const char py_prog[] =
	"d = {}\n"
	"for i in range(300000):\n"
	"    d[str(i)] = [i, str(i) * 3, (i, i + 1)]\n"
	"s = sorted(d.items(), key=lambda kv: kv[1][1])\n"
	"t = [x[0][::-1] + x[1][1] for x in s]\n"
	"print(len(t), sum(len(x) for x in t))\n";

static void bench_program(int runs)
{
	const char *py = "/usr/bin/python3.11";
	char *argv[] = { (char *)py, "-c", (char *)py_prog, NULL };
	double ns[NA][MAX_RUNS], rss[NA][MAX_RUNS];
	int okc[NA] = { 0 };

	printf("\nmalloc program: python3.11 (PYTHONMALLOC=malloc) building and sorting a 300k-entry dict\n"
	       "  case        threads      ns/op     Mops/s      ratio   RSS MiB  RSS ratio\n");
	if (access(py, X_OK)) {
		printf("  skipped: %s missing: apt-get install -y python3.11\n", py);
		return;
	}
	setenv("PYTHONMALLOC", "malloc", 1);
	for (int r = 0; r < runs; r++) {
		for (size_t a = 0; a < NA; a++) {
			char out[256];
			uint64_t wall;
			long kb;

			if (!allocs[a].present)
				continue;
			if (run(&allocs[a], argv, out, sizeof(out), &wall, &kb)) {
				printf("  %-10s FAILED\n", allocs[a].name);
				failed = 1;
				continue;
			}
			ns[a][okc[a]] = (double)wall;
			rss[a][okc[a]] = (double)kb;
			okc[a]++;
		}
	}
	unsetenv("PYTHONMALLOC");
	/* One "operation" is the whole run: ns/op is its wall time. */
	report("malloc program python3.11", "malloc program python3.11 peak RSS (KiB)", 1, 1e3,
	       ns, rss, okc);
}

int main(int argc, char **argv)
{
	int quick = getenv("BENCH_QUICK") && strcmp(getenv("BENCH_QUICK"), "0");
	int runs = 3, nt = 0, threads[16];
	const char *filter = NULL, *csvpath = getenv("BENCH_CSV");
	long nproc = sysconf(_SC_NPROCESSORS_ONLN);
	char self[PATH_MAX];
	ssize_t n;

	if (argc == 5 && !strcmp(argv[1], "--run"))
		return child(atoi(argv[2]), atoi(argv[3]), strtoull(argv[4], NULL, 10));
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-q"))
			quick = 1;
		else if (!strcmp(argv[i], "-r") && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-W"))
			wall_clock = 1;
		else if (!strcmp(argv[i], "-f") && i + 1 < argc)
			filter = argv[++i];
		else if (strcmp(argv[i], "-O")) {
			fprintf(stderr, "usage: %s [-q] [-W] [-r RUNS] [-f WORKLOAD] [-O]\n", argv[0]);
			return 2;
		}
	}
	ncpus = (int)nproc;
	if (getenv("BENCH_CLOCK") && !strcmp(getenv("BENCH_CLOCK"), "wall"))
		wall_clock = 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (runs < 1 || runs > MAX_RUNS)
		runs = 3;
	if (quick)
		runs = 1;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 2;
	self[n] = '\0';
	/* librseqkit-malloc.so: beside the build's bench/ folder. */
	if (getenv("MALLOC_BENCH_LIB")) {
		snprintf(allocs[1].lib, sizeof(allocs[1].lib), "%s", getenv("MALLOC_BENCH_LIB"));
	} else {
		static const char rel[] = "/../librseqkit-malloc.so";
		size_t dir = (size_t)(strrchr(self, '/') - self);

		if (dir + sizeof(rel) > sizeof(allocs[1].lib))
			return 2;
		memcpy(allocs[1].lib, self, dir);
		memcpy(allocs[1].lib + dir, rel, sizeof(rel));
	}
	printf("malloc benchmarks: each allocator loaded with LD_PRELOAD, median of %d run(s)%s\n",
	       runs, quick ? " (quick: numbers meaningless)" : "");
	for (size_t a = 1; a < NA; a++) {
		allocs[a].present = access(allocs[a].lib, R_OK) == 0;
		if (!allocs[a].present)
			printf("%s: absent (%s): apt-get install -y %s\n", allocs[a].name,
			       allocs[a].lib, a == 1 ? "(make malloc)" : pkg[a]);
	}
	printf("tcmalloc here is gperftools' (per-thread caches): Debian does not ship the "
	       "per-CPU rseq tcmalloc\n");
	if (quick) {
		threads[nt++] = 1;
		threads[nt++] = (int)nproc;
	} else {
		for (int t = 1; t <= nproc && nt < 12; t++)
			threads[nt++] = t;
		threads[nt++] = (int)(2 * nproc);
	}
	for (int i = 0; i < nt; i++)
		if (threads[i] > MAX_T)
			threads[i] = MAX_T;
	if (csvpath && *csvpath && strcmp(csvpath, "-")) {
		csv = fopen(csvpath, "a");
		if (csv && ftell(csv) == 0)
			fprintf(csv, "group,case,threads,ns_per_op,mops,ratio_vs_baseline,baseline\n");
	}
	for (size_t w = 0; w < NW; w++) {
		if (filter && !strstr(workloads[w].name, filter))
			continue;
		bench_workload((int)w, threads, nt, runs,
			       quick ? workloads[w].ops / 100 : workloads[w].ops, self);
	}
	if (!quick && (!filter || strstr("program", filter)))
		bench_program(runs);
	if (csv)
		fclose(csv);
	return failed;
}

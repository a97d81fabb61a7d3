/* SPDX-License-Identifier: MIT */
/*
 * percpu_bench - the per-CPU structures against their usual alternatives:
 *   alloc_free: object-cache alloc+free pair vs glibc malloc/free at the
 *               same size, and vs jemalloc, tcmalloc, mimalloc when their
 *               libraries can be dlopen()ed (rows say which were absent);
 *               an allocator that cannot be dlopen()ed (jemalloc: static
 *               TLS) is measured by re-executing this program with it in
 *               LD_PRELOAD (helper mode, PERCPU_BENCH_PRELOADED=lib): a
 *               group of its own, with glibc (__libc_malloc/__libc_free)
 *               and the object cache measured again in that same run;
 *   counter:    per-CPU counter add vs one shared atomic and a per-CPU
 *               slot chosen by sched_getcpu() + atomic add;
 *   pool:       the resident memory of a pool of counters on this
 *               machine (printed; allocation cost: bench/pool_bench.c).
 */
#include <dlfcn.h>
#include <sched.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include <rseqkit/percpu/percpu.h>

#define OBJ_SIZE 64

/* ---- allocators ---- */
struct alloc_ops {
	void *(*m)(size_t);
	void (*f)(void *);
};
static struct alloc_ops glibc_ops = { malloc, free };
static struct alloc_ops dl_ops[3];
static const char *dl_names[3] = { "libjemalloc.so.2", "libtcmalloc_minimal.so.4",
				   "libmimalloc.so.2" };
static const char *dl_syms[3][2] = { { "malloc", "free" }, { "tc_malloc", "tc_free" },
				     { "mi_malloc", "mi_free" } };
/* The Debian package that brings each (.ci/run installs them). */
static const char *dl_pkgs[3] = { "libjemalloc2", "libtcmalloc-minimal4", "libmimalloc2.0" };
static struct rseq_percpu_cache *cache;

static uint64_t malloc_body(struct bench_thread *t, uint64_t n)
{
	struct alloc_ops *o = t->c->arg;

	for (uint64_t i = 0; i < n; i++) {
		void *p = o->m(OBJ_SIZE);
		bench_sink(p);
		o->f(p);
	}
	return n;
}

static uint64_t cache_body(struct bench_thread *t, uint64_t n)
{
	struct rseq_percpu_cache *c = cache;	/* a register, as in real code */

	(void)t;
	for (uint64_t i = 0; i < n; i++) {
		void *p = rseq_percpu_cache_alloc(c);
		bench_sink(p);
		rseq_percpu_cache_free(c, p);
	}
	return n;
}

/* ---- counters ---- */
static struct rseq_percpu_counter *ctr;
static intptr_t shared_atomic;
static intptr_t *slots;		/* per CPU, 128 bytes apart */

static int counter_setup(struct bench_case *c, int nthreads)
{
	(void)c; (void)nthreads;
	rseq_percpu_counter_reset(ctr);
	shared_atomic = 0;
	memset(slots, 0, (size_t)bench_max_cpus() * 128);
	return 0;
}

static int counter_verify(struct bench_case *c, int nthreads, uint64_t total)
{
	(void)nthreads;
	if (!strcmp(c->name, "rseq_percpu_counter"))
		return rseq_percpu_counter_sum(ctr) != (intptr_t)total;
	if (!strcmp(c->name, "shared_atomic"))
		return shared_atomic != (intptr_t)total;
	intptr_t s = 0;
	for (int i = 0; i < bench_max_cpus(); i++)
		s += slots[i * 16];
	return s != (intptr_t)total;
}

static uint64_t atomic_body(struct bench_thread *t, uint64_t n)
{
	(void)t;
	for (uint64_t i = 0; i < n; i++)
		__atomic_fetch_add(&shared_atomic, 1, __ATOMIC_RELAXED);
	return n;
}

static uint64_t getcpu_body(struct bench_thread *t, uint64_t n)
{
	(void)t;
	for (uint64_t i = 0; i < n; i++)
		__atomic_fetch_add(&slots[sched_getcpu() * 16], 1, __ATOMIC_RELAXED);
	return n;
}

/*
 * Bodies copy the global pointer to a local (a register), as real code
 * does (and as core_bench's "increment" group does): every operation's
 * asm has a "memory" clobber, after which a global would be reloaded.
 */
static uint64_t counter_body(struct bench_thread *t, uint64_t n)
{
	struct rseq_percpu_counter *c = ctr;

	(void)t;
	for (uint64_t i = 0; i < n; i++)
		rseq_percpu_counter_add(c, 1);
	return n;
}

/*
 * The floor: the raw operation on this CPU's padded slot, exactly
 * core_bench's "rseq_addv per-CPU" loop (no structure, no mode, no
 * fallback beyond retrying an abort).
 */
static uint64_t raw_addv_body(struct bench_thread *t, uint64_t n)
{
	intptr_t *s = slots;

	(void)t;
	for (uint64_t i = 0; i < n; i++) {
		for (;;) {
			int cpu = (int)rseq_cpu_start();

			if (rseq_likely(!rseq_addv(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,
						   &s[cpu * 16], 1, cpu)))
				break;
		}
	}
	return n;
}

static char **prog_argv;

static long rss_kib(void)
{
	long sz, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &sz, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * sysconf(_SC_PAGESIZE) / 1024;
}

static void footprint(void)
{
	struct rseq_mempool *p = rseq_mempool_create("fp", sizeof(struct rseq_percpu_counter_slot), NULL);
	struct rseq_mempool_stats st;
	long before = rss_kib(), after;
	int n = 1000;

	for (int i = 0; i < n; i++) {
		struct rseq_percpu_counter *c = rseq_percpu_counter_create(p);
		rseq_percpu_counter_add(c, 1);	/* touches this CPU's slot only */
	}
	after = rss_kib();
	rseq_mempool_get_stats(p, &st);
	printf("pool footprint: %d counters (%zu B per CPU instance) in one pool: "
	       "%zu KiB reserved address space, +%ld KiB resident after one add each "
	       "(%d possible CPU instances each; an array of padded per-CPU slots would "
	       "be %zu KiB)\n", n, st.item_len, st.reserved_bytes / 1024, after - before,
	       st.nr_possible, (size_t)n * (size_t)st.nr_possible * 64 / 1024);
}

/*
 * Helper mode: this process runs with an allocator in LD_PRELOAD; measure
 * it (malloc/free), glibc's own malloc (__libc_malloc/__libc_free) and the
 * object cache side by side, as group "alloc_free_64B_<lib>".
 */
static struct alloc_ops preload_ops = { malloc, free };
static struct alloc_ops libc_ops;

static int preload_helper(struct bench_opts *o, const char *lib, const char *probe)
{
	static char gname[96], cname[96];
	struct rseq_percpu_cache_attr ca = { .capacity = 512, .batch = 128 };
	struct bench_case pc[3];

	libc_ops.m = (void *(*)(size_t))dlsym(RTLD_DEFAULT, "__libc_malloc");
	libc_ops.f = (void (*)(void *))dlsym(RTLD_DEFAULT, "__libc_free");
	if (!dlsym(RTLD_DEFAULT, probe)) {
		printf("%s: absent (LD_PRELOAD=%s did not load it): skipped; "
		       "to measure it: apt-get install %s\n", lib, lib, dl_pkgs[0]);
		return 0;
	}
	if (!libc_ops.m || !libc_ops.f) {
		printf("%s: not measured (no __libc_malloc to compare with)\n", lib);
		return 0;
	}
	rseq_percpu_init();
	cache = rseq_percpu_cache_create(OBJ_SIZE, &ca);
	snprintf(gname, sizeof(gname), "alloc_free_64B_%s", lib);
	snprintf(cname, sizeof(cname), "%s (LD_PRELOAD)", lib);
	memset(pc, 0, sizeof(pc));
	pc[0] = (struct bench_case){ .name = "glibc_malloc_free", .body = malloc_body,
				     .arg = &libc_ops };
	pc[1] = (struct bench_case){ .name = "rseq_percpu_cache", .body = cache_body };
	pc[2] = (struct bench_case){ .name = cname, .body = malloc_body,
				     .arg = &preload_ops };
	struct bench_group g = { .name = gname, .baseline = "glibc_malloc_free",
				 .cases = pc, .ncases = 3 };
	bench_run_group(o, &g);
	{
		int T = o->ncpus;
		const struct bench_result *r = bench_find(gname, "rseq_percpu_cache", T);
		const struct bench_result *a = bench_find(gname, cname, T);
		if (a && r && a->status == 0 && r->status == 0 && !o->quick)
			printf("object cache vs %s at %d threads (same run): %.2fx faster "
			       "(target >= 1x)\n", lib, T, a->ns_per_op / r->ns_per_op);
	}
	return bench_finish(o);
}

/* Re-execute this program with lib preloaded (see preload_helper). */
static int run_preloaded(const char *lib)
{
	pid_t pid;
	int st;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		setenv("LD_PRELOAD", lib, 1);
		setenv("PERCPU_BENCH_PRELOADED", lib, 1);
		execv("/proc/self/exe", prog_argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	struct rseq_percpu_cache_attr ca = { .capacity = 512, .batch = 128 };
	struct bench_case acases[5];
	int na = 0;

	const char *preloaded = getenv("PERCPU_BENCH_PRELOADED");
	int preload_failed = 0;

	prog_argv = argv;
	if (bench_init(&o, argc, argv))
		return 2;
	if (preloaded && *preloaded)
		return preload_helper(&o, preloaded, "mallctl");
	rseq_percpu_init();
	printf("per-CPU structures in %s mode\n", rseq_percpu_rseq_ok ? "rseq" : "atomic");
	cache = rseq_percpu_cache_create(OBJ_SIZE, &ca);
	ctr = rseq_percpu_counter_create(NULL);
	slots = bench_alloc((size_t)bench_max_cpus() * 128);

	memset(acases, 0, sizeof(acases));
	acases[na++] = (struct bench_case){ .name = "glibc_malloc_free", .body = malloc_body,
					    .arg = &glibc_ops };
	acases[na++] = (struct bench_case){ .name = "rseq_percpu_cache", .body = cache_body };
	for (int i = 0; i < 3; i++) {
		void *h = dlopen(dl_names[i], RTLD_NOW | RTLD_LOCAL);
		struct bench_case *c = &acases[na++];

		c->name = dl_names[i];
		c->body = malloc_body;
		c->arg = &dl_ops[i];
		if (h) {
			dl_ops[i].m = (void *(*)(size_t))dlsym(h, dl_syms[i][0]);
			dl_ops[i].f = (void (*)(void *))dlsym(h, dl_syms[i][1]);
		}
		if (!h || !dl_ops[i].m || !dl_ops[i].f) {
			const char *why = h ? "symbols missing" : dlerror();
			c->skip = 1;
			c->skip_reason = "cannot be loaded";
			/* jemalloc's initial-exec TLS fails to dlopen on glibc:
			 * measured below with LD_PRELOAD instead. */
			if (i > 0 && why && strstr(why, "No such file"))
				printf("%s: absent: skipped; to measure it: apt-get install %s\n",
				       dl_names[i], dl_pkgs[i]);
			else
				printf("%s: not loadable with dlopen (%s)%s\n", dl_names[i],
				       why ? why : "?", i == 0 ? "; measured with LD_PRELOAD below" : "");
		}
	}
	struct bench_group ag = { .name = "alloc_free_64B", .baseline = "glibc_malloc_free",
				  .cases = acases, .ncases = na };
	bench_run_group(&o, &ag);
	{
		int T = o.ncpus;
		const struct bench_result *r = bench_find("alloc_free_64B", "rseq_percpu_cache", T);
		const struct bench_result *best = NULL;

		for (int i = 0; i < 3; i++) {
			const struct bench_result *a = bench_find("alloc_free_64B", dl_names[i], T);
			if (a && a->status == 0 && (!best || a->ns_per_op < best->ns_per_op))
				best = a;
		}
		if (r && best && r->status == 0 && !o.quick)
			printf("object cache vs the best dlopen()ed allocator (%s) at %d threads: "
			       "%.2fx faster (target >= 1x)\n", best->name, T,
			       best->ns_per_op / r->ns_per_op);
	}
	if (acases[2].skip) {
		/* jemalloc: its own run, with glibc and the cache again. */
		int rc = run_preloaded(dl_names[0]);
		if (rc == 127 || rc < 0)
			printf("%s: could not re-execute with LD_PRELOAD\n", dl_names[0]);
		else if (rc != 0)
			preload_failed = 1;
	}

	struct bench_case ccases[] = {
		{ .name = "shared_atomic", .body = atomic_body, .setup = counter_setup,
		  .verify = counter_verify },
		{ .name = "sched_getcpu_atomic", .body = getcpu_body, .setup = counter_setup,
		  .verify = counter_verify },
		{ .name = "raw rseq_addv", .body = raw_addv_body, .setup = counter_setup,
		  .verify = counter_verify, .needs_rseq = 1 },
		{ .name = "rseq_percpu_counter", .body = counter_body, .setup = counter_setup,
		  .verify = counter_verify },
	};
	struct bench_group cg = { .name = "counter", .baseline = "raw rseq_addv",
				  .cases = ccases, .ncases = 4 };
	bench_run_group(&o, &cg);

	footprint();

	{
		int T = o.ncpus;
		const struct bench_result *g = bench_find("alloc_free_64B", "glibc_malloc_free", T);
		const struct bench_result *r = bench_find("alloc_free_64B", "rseq_percpu_cache", T);
		if (g && r && r->status == 0 && g->status == 0 && !o.quick)
			printf("object cache vs glibc at %d threads: %.2fx faster (target >= 2x)\n",
			       T, g->ns_per_op / r->ns_per_op);
	}
	return bench_finish(&o) | preload_failed;
}

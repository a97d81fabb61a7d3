/* SPDX-License-Identifier: MIT */
/*
 * slice_experiment - what the rseq time-slice extension (Linux 7.0,
 * CONFIG_RSEQ_SLICE_EXTENSION) does for a spinlock holder.
 *
 * One lock worker per allowed CPU, pinned, takes a test-and-set lock,
 * does a short critical section and releases it; the workers on the
 * other CPUs spin on the lock meanwhile.  One noise thread per CPU, pinned
 * with the worker, runs briefly and sleeps, so that its wake-ups preempt
 * the worker, sometimes while it holds the lock: then every other worker
 * spins until the holder runs again.  With the extension the worker asks
 * for it around each acquisition: rseq_slice_request() before the
 * acquiring atomic, rseq_slice_release() right after a failed attempt
 * (spinning needs no extension) and after the unlock.  A wake-up that
 * comes while it holds the lock is deferred by a grant, and the worker
 * gives the CPU back with rseq_slice_yield() right after the unlock.
 *
 * Runs alternate without and with the extension (ROUNDS each of SECONDS),
 * then print a table: counts first (acquisitions, requests, grants, yields
 * within the grant, grants revoked before the yield, lock holders found
 * preempted, holds longer than 20 times the median hold, involuntary
 * context switches of the workers), then the hold-time and wait-time
 * percentiles as ratios to the run without the extension: under emulation
 * (qemu TCG, on a shared host that also preempts the virtual CPUs)
 * absolute times mean little.
 *
 * "Holders found preempted" needs no clock: the lock word holds the
 * owner's number, and each noise thread, when its sleep ends and it runs,
 * looks at it; finding its own CPU's worker as the owner means that it
 * has just preempted a lock holder (the other workers now spin).  With
 * the extension a wake-up during a request is deferred until the worker
 * released the lock and yielded, so the count should fall to the grants
 * that ran out (50 us) before the unlock.
 *
 *   slice_experiment [SECONDS [ROUNDS]]     (default 2 s, 5 rounds)
 *
 * Exit status: 0 when the runs completed with the extension granted at
 * least once and every yield accounted for; 77 (with the reason) where
 * the extension is unavailable (kernel without it, a 32-byte
 * registration such as glibc 2.36's, rseq unavailable); 1 otherwise.
 * Inside the check-vm guest (RSEQKIT_VM=1) it also sets the grant length
 * to 50 us (the kernel's maximum; debugfs rseq/slice_ext_nsec), since an
 * emulated critical section is much slower than a native one.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <rseqkit/slice.h>

#define MAX_CPUS	16
#define MAX_SAMPLES	(1u << 18)	/* per worker and round */
#define CS_WORK		1000		/* loop iterations inside the lock */
#define OUT_WORK	1000		/* between acquisitions */
#define NOISE_RUN_NS	20000
#define NOISE_SLEEP_NS	200000
#define LONG_HOLD	20		/* "preempted": > 20x the median hold */

static const char *grant_file = "/sys/kernel/debug/rseq/slice_ext_nsec";
static const char *stats_file = "/sys/kernel/debug/rseq/stats";

/* The kernel's own counts (CONFIG_RSEQ_STATS), system-wide. */
enum { K_GRANT, K_EXPIR, K_REVOK, K_YIELD, K_ABORT, K_N };
static const char *const kstat_key[K_N] = { "sgrant:", "sexpir:", "srevok:", "syield:", "sabort:" };
static const char *const kstat_name[K_N] = {
	"kernel: grants", "kernel: grants expired (timer)", "kernel: grants revoked",
	"kernel: yields", "kernel: grants aborted (syscall)",
};

/* 1 and the counts when debugfs rseq/stats is readable, else 0. */
static int read_kstats(unsigned long v[K_N])
{
	char buf[1024], *p;
	ssize_t n;
	int fd = open(stats_file, O_RDONLY), found = 0;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	for (int k = 0; k < K_N; k++) {
		p = strstr(buf, kstat_key[k]);
		if (p) {
			v[k] = strtoul(p + strlen(kstat_key[k]), NULL, 10);
			found++;
		}
	}
	return found == K_N;
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static volatile unsigned long sink;

static void work(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		sink += i;
}

struct samples {
	uint64_t *v;
	size_t n, cap;
};

struct result {		/* one configuration, summed over rounds */
	unsigned long acquisitions, requests, grants, yields, revoked, nivcsw;
	unsigned long wakeups, preempted;	/* seen by the noise threads */
	unsigned long kstat[K_N];		/* the kernel's, over the runs */
	struct samples hold, wait;
};

struct worker {
	int cpu, id;			/* id: 1, 2, ...: the lock word's owner */
	pthread_t th;
	struct result *res;		/* the configuration being run */
	unsigned long acq, req, grants, yields, revoked;
	long nivcsw0;
	int error;
};

static int lock_word;
static volatile int phase;		/* 0 idle, 1 run, 2 exit */
static volatile int use_ext;
static pthread_barrier_t start_barrier, stop_barrier;
static pthread_mutex_t merge_lock = PTHREAD_MUTEX_INITIALIZER;

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)sched_setaffinity(0, sizeof(set), &set);
}

static void add_sample(struct samples *s, uint64_t v)
{
	if (s->n < s->cap)
		s->v[s->n++] = v;
}

static long nivcsw_now(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_THREAD, &ru) ? 0 : ru.ru_nivcsw;
}

/* rseq_slice_release(), with the yield's answer counted */
static void slice_end(struct worker *w)
{
	volatile struct rseq_abi *rs = rseq_get_abi();

	rseq_barrier();
	rs->slice_ctrl.request = 0;
	rseq_barrier();
	if (rs->slice_ctrl.granted) {
		w->grants++;
		if (rseq_slice_yield() == 1)
			w->yields++;
		else
			w->revoked++;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t *hold = malloc(MAX_SAMPLES * sizeof(*hold));
	uint64_t *wait = malloc(MAX_SAMPLES * sizeof(*wait));
	int ext_ok;

	pin(w->cpu);
	if (!hold || !wait || rseq_register_current_thread()) {
		w->error = 1;
		fprintf(stderr, "worker %d: %s\n", w->cpu,
			hold && wait ? rseq_error_reason() : "out of memory");
	}
	ext_ok = !w->error && rseq_slice_extension_enable() == 0;
	for (;;) {
		size_t n = 0;
		int ext;

		pthread_barrier_wait(&start_barrier);
		if (phase == 2)
			break;
		ext = use_ext && ext_ok;
		w->acq = w->req = w->grants = w->yields = w->revoked = 0;
		w->nivcsw0 = nivcsw_now();
		while (phase == 1) {
			uint64_t t0, t1, t2;

			t0 = now_ns();
			/*
			 * The request covers the acquiring atomic and the hold,
			 * not the wait: a grant taken while spinning on a lock
			 * whose holder is preempted would run out uselessly.
			 */
			for (;;) {
				int free_word = 0;

				if (ext) {
					rseq_slice_request();
					w->req++;
				}
				if (__atomic_compare_exchange_n(&lock_word, &free_word, w->id, 0,
								__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
					break;
				if (ext)
					slice_end(w);	/* not holding: no grant needed */
				while (__atomic_load_n(&lock_word, __ATOMIC_RELAXED))
					;
			}
			t1 = now_ns();
			work(CS_WORK);			/* the critical section */
			t2 = now_ns();
			__atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
			if (ext)
				slice_end(w);
			w->acq++;
			if (n < MAX_SAMPLES) {
				hold[n] = t2 - t1;
				wait[n] = t1 - t0;
				n++;
			}
			work(OUT_WORK);
		}
		pthread_mutex_lock(&merge_lock);
		w->res->acquisitions += w->acq;
		w->res->requests += w->req;
		w->res->grants += w->grants;
		w->res->yields += w->yields;
		w->res->revoked += w->revoked;
		w->res->nivcsw += (unsigned long)(nivcsw_now() - w->nivcsw0);
		for (size_t i = 0; i < n; i++) {
			add_sample(&w->res->hold, hold[i]);
			add_sample(&w->res->wait, wait[i]);
		}
		pthread_mutex_unlock(&merge_lock);
		pthread_barrier_wait(&stop_barrier);
	}
	if (ext_ok)
		(void)rseq_slice_extension_disable();
	if (!w->error)
		(void)rseq_unregister_current_thread();
	free(hold);
	free(wait);
	return NULL;
}

static volatile int noise_run = 1;
/* per configuration (use_ext): wake-ups during a run, holders found */
static unsigned long noise_wakeups[2], noise_preempted[2];

struct noise {
	int cpu, worker_id;
	pthread_t th;
};

static void *noise_main(void *arg)
{
	struct noise *n = arg;
	struct timespec sl = { 0, NOISE_SLEEP_NS };

	pin(n->cpu);
	while (noise_run) {
		uint64_t end;

		if (phase == 1) {
			int c = use_ext;

			/* Running now: did this wake-up preempt a lock holder? */
			__atomic_fetch_add(&noise_wakeups[c], 1, __ATOMIC_RELAXED);
			if (__atomic_load_n(&lock_word, __ATOMIC_RELAXED) == n->worker_id)
				__atomic_fetch_add(&noise_preempted[c], 1, __ATOMIC_RELAXED);
		}
		end = now_ns() + NOISE_RUN_NS;
		while (now_ns() < end)
			;
		clock_nanosleep(CLOCK_MONOTONIC, 0, &sl, NULL);
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t pct(const struct samples *s, double p)
{
	size_t i;

	if (!s->n)
		return 0;
	i = (size_t)(p * (double)(s->n - 1) + 0.5);
	return s->v[i];
}

static unsigned long count_above(const struct samples *s, uint64_t limit)
{
	unsigned long n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += s->v[i] > limit;
	return n;
}

/* Inside the check-vm guest: the longest grant the kernel allows. */
static long set_grant_length(void)
{
	char buf[32];
	long v = -1;
	int fd;

	if (!getenv("RSEQKIT_VM"))
		goto read;
	mkdir("/sys/kernel/debug", 0755);
	(void)mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	fd = open(grant_file, O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "50000", 5) != 5)
			fprintf(stderr, "could not set %s: %s\n", grant_file, strerror(errno));
		close(fd);
	}
read:
	fd = open(grant_file, O_RDONLY);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);

		if (n > 0) {
			buf[n] = 0;
			v = atol(buf);
		}
		close(fd);
	}
	return v;
}

static void clocksource(char *buf, size_t len)
{
	int fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	if (!buf[0])
		snprintf(buf, len, "unknown");
}

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 2.0;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	struct worker w[MAX_CPUS];
	struct noise noise[MAX_CPUS];
	struct result res[2];
	int cpus[MAX_CPUS], ncpu = 0, failed = 0;
	unsigned long per_round_grants[64] = { 0 };
	char cs[64];
	cpu_set_t set;
	long grant_ns;
	int have_kstats;

	if (seconds <= 0 || seconds > 600 || rounds < 1 || rounds > 64) {
		fprintf(stderr, "usage: slice_experiment [seconds (0-600] [rounds 1-64]]\n");
		return 2;
	}
	(void)rseq_register_current_thread();
	if (!rseq_slice_extension_available()) {
		printf("SKIP: the time-slice extension is unavailable here: %s\n", rseq_error_reason());
		return 77;
	}
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int c = 0; c < CPU_SETSIZE && ncpu < MAX_CPUS; c++)
			if (CPU_ISSET(c, &set))
				cpus[ncpu++] = c;
	if (ncpu < 2) {
		printf("SKIP: needs 2 CPUs (a lock holder and a spinning waiter), has %d\n", ncpu);
		return 77;
	}
	grant_ns = set_grant_length();
	have_kstats = 0;
	clocksource(cs, sizeof(cs));
	memset(res, 0, sizeof(res));
	for (int c = 0; c < 2; c++) {
		size_t cap = (size_t)MAX_SAMPLES * (size_t)ncpu * (size_t)rounds;

		res[c].hold.cap = res[c].wait.cap = cap;
		res[c].hold.v = malloc(sizeof(uint64_t) * cap);
		res[c].wait.v = malloc(sizeof(uint64_t) * cap);
		if (!res[c].hold.v || !res[c].wait.v) {
			fprintf(stderr, "out of memory\n");
			return 1;
		}
	}
	pthread_barrier_init(&start_barrier, NULL, (unsigned)ncpu + 1);
	pthread_barrier_init(&stop_barrier, NULL, (unsigned)ncpu + 1);
	for (int i = 0; i < ncpu; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].cpu = cpus[i];
		w[i].id = i + 1;
		noise[i].cpu = cpus[i];
		noise[i].worker_id = i + 1;
		if (pthread_create(&w[i].th, NULL, worker_main, &w[i]) ||
		    pthread_create(&noise[i].th, NULL, noise_main, &noise[i])) {
			fprintf(stderr, "pthread_create failed\n");
			return 1;
		}
	}
	/* Alternate: without, with, without, with, ... */
	for (int r = 0; r < 2 * rounds; r++) {
		int c = r & 1;
		struct timespec d = { (time_t)seconds,
				      (long)((seconds - (double)(time_t)seconds) * 1e9) };
		unsigned long before = res[1].grants, k0[K_N] = { 0 }, k1[K_N] = { 0 };

		have_kstats = read_kstats(k0);
		use_ext = c;
		for (int i = 0; i < ncpu; i++)
			w[i].res = &res[c];
		phase = 1;
		pthread_barrier_wait(&start_barrier);
		nanosleep(&d, NULL);
		phase = 0;
		pthread_barrier_wait(&stop_barrier);
		if (have_kstats && read_kstats(k1))
			for (int k = 0; k < K_N; k++)
				res[c].kstat[k] += k1[k] - k0[k];
		if (c)
			per_round_grants[r / 2] = res[1].grants - before;
	}
	phase = 2;
	pthread_barrier_wait(&start_barrier);
	noise_run = 0;
	for (int i = 0; i < ncpu; i++) {
		pthread_join(w[i].th, NULL);
		pthread_join(noise[i].th, NULL);
		failed |= w[i].error;
	}

	for (int c = 0; c < 2; c++) {
		res[c].wakeups = noise_wakeups[c];
		res[c].preempted = noise_preempted[c];
		qsort(res[c].hold.v, res[c].hold.n, sizeof(uint64_t), cmp_u64);
		qsort(res[c].wait.v, res[c].wait.n, sizeof(uint64_t), cmp_u64);
	}
	{
		struct result *o = &res[0], *e = &res[1];
		uint64_t med = pct(&o->hold, 0.5), limit = med * LONG_HOLD;
		static const double ps[] = { 0.5, 0.9, 0.99, 0.999, 1.0 };
		static const char *const pn[] = { "p50", "p90", "p99", "p99.9", "max" };

		printf("slice experiment: %d CPUs, %d lock workers + %d noise threads (%d us run, "
		       "%d us sleep), %d rounds x %.1f s per configuration\n", ncpu, ncpu, ncpu,
		       NOISE_RUN_NS / 1000, NOISE_SLEEP_NS / 1000, rounds, seconds);
		if (grant_ns > 0)
			printf("grant length %ld ns (debugfs rseq/slice_ext_nsec); clocksource %s\n",
			       grant_ns, cs);
		else
			printf("grant length: the kernel's default (debugfs not readable); clocksource %s\n", cs);
		printf("%-38s %14s %14s\n", "counts", "without", "with extension");
		printf("%-38s %14lu %14lu\n", "lock acquisitions", o->acquisitions, e->acquisitions);
		printf("%-38s %14lu %14lu\n", "extension requests", o->requests, e->requests);
		printf("%-38s %14lu %14lu\n", "grants", o->grants, e->grants);
		printf("%-38s %14lu %14lu\n", "yields within the grant (returned 1)", o->yields, e->yields);
		printf("%-38s %14lu %14lu\n", "grants revoked before the yield (0)", o->revoked, e->revoked);
		for (int k = 0; have_kstats && k < K_N; k++)
			printf("%-38s %14lu %14lu\n", kstat_name[k], o->kstat[k], e->kstat[k]);
		if (!have_kstats)
			printf("(no kernel counts: debugfs rseq/stats needs CONFIG_RSEQ_STATS)\n");
		printf("%-38s %14lu %14lu\n", "noise wake-ups", o->wakeups, e->wakeups);
		printf("%-38s %14lu %14lu\n", "lock holders found preempted", o->preempted,
		       e->preempted);
		printf("%-38s %14lu %14lu\n", "holds > 20x the median hold",
		       count_above(&o->hold, limit), count_above(&e->hold, limit));
		printf("%-38s %14lu %14lu\n", "involuntary switches of the workers", o->nivcsw, e->nivcsw);
		for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
			char name[48];

			snprintf(name, sizeof(name), "hold time %s (ratio to without)", pn[i]);
			printf("%-38s %14.2f %14.2f\n", name, 1.0,
			       ratio(pct(&e->hold, ps[i]), pct(&o->hold, ps[i])));
		}
		for (size_t i = 2; i < sizeof(ps) / sizeof(ps[0]); i++) {
			char name[48];

			snprintf(name, sizeof(name), "wait time %s (ratio to without)", pn[i]);
			printf("%-38s %14.2f %14.2f\n", name, 1.0,
			       ratio(pct(&e->wait, ps[i]), pct(&o->wait, ps[i])));
		}
		printf("(without, absolute: hold p50 %.1f us, p99.9 %.1f us, max %.1f us; "
		       "emulated time, not representative)\n", (double)med / 1e3,
		       (double)pct(&o->hold, 0.999) / 1e3, (double)pct(&o->hold, 1.0) / 1e3);
		printf("grants per round:");
		for (int r = 0; r < rounds; r++)
			printf(" %lu", per_round_grants[r]);
		printf("\n");
		if (failed || e->grants == 0 || e->yields + e->revoked != e->grants ||
		    o->grants != 0 || e->requests < e->acquisitions) {
			printf("FAIL: %s\n", failed ? "a worker could not register" :
			       e->grants == 0 ? "no extension was granted" :
			       "the counts do not add up");
			return 1;
		}
	}
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * tests/malloc_stress.c - rseqkit-malloc (linked with -lrseqkit-malloc):
 * the interface's edges, every alignment, exact accounting, and a
 * multi-threaded stress with cross-thread frees, realloc chains, short-
 * lived threads and fork() under load, every byte checked with a
 * pattern derived from its block (a canary over the whole object).
 * Then the debug mode: each heap error, made in a child process started
 * with RSEQKIT_MALLOC_DEBUG=1, must be reported and abort it.
 *
 * RSEQKIT_TEST_SCALE scales the stress (make check: 1; check-malloc-long:
 * more); under valgrind it runs a tenth.
 */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "harness.h"

/* This test makes heap errors on purpose (debug mode) and asks for
 * impossible sizes: gcc sees some of them. */
#if defined(__GNUC__) && !defined(__clang__)
# pragma GCC diagnostic ignored "-Walloc-size-larger-than="
# pragma GCC diagnostic ignored "-Warray-bounds"
# pragma GCC diagnostic ignored "-Wfree-nonheap-object"
# if __GNUC__ >= 12
#  pragma GCC diagnostic ignored "-Wuse-after-free"
# endif
#endif

#define SLOTS		512
#define MAILBOX		256
#define MAX_THREADS	64

static unsigned long rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (unsigned long)*s;
}

/* The byte at offset i of an object at p of size n. */
static unsigned char pat(const void *p, size_t n, size_t i)
{
	uintptr_t a = (uintptr_t)p;

	return (unsigned char)((a >> 4) ^ (a >> 13) ^ n ^ (i * 131));
}

static void fill(void *p, size_t n)
{
	unsigned char *c = p;

	/* Every byte of small objects; the edges and a stride of big ones. */
	if (n <= 4096) {
		for (size_t i = 0; i < n; i++)
			c[i] = pat(p, n, i);
		return;
	}
	for (size_t i = 0; i < 64; i++) {
		c[i] = pat(p, n, i);
		c[n - 1 - i] = pat(p, n, n - 1 - i);
	}
	for (size_t i = 64; i < n - 64; i += 4093)
		c[i] = pat(p, n, i);
}

static int verify(const void *p, size_t n)
{
	const unsigned char *c = p;

	if (n <= 4096) {
		for (size_t i = 0; i < n; i++)
			if (c[i] != pat(p, n, i))
				return 0;
		return 1;
	}
	for (size_t i = 0; i < 64; i++)
		if (c[i] != pat(p, n, i) || c[n - 1 - i] != pat(p, n, n - 1 - i))
			return 0;
	for (size_t i = 64; i < n - 64; i += 4093)
		if (c[i] != pat(p, n, i))
			return 0;
	return 1;
}

/* A realloc keeps the first min(old, new) bytes: check those. */
static int verify_prefix(uintptr_t oldp, size_t oldn, const void *p, size_t keep)
{
	const unsigned char *c = p;
	size_t lim = oldn <= 4096 ? keep : keep < 64 ? keep : 64;

	for (size_t i = 0; i < lim; i++)
		if (c[i] != pat((const void *)oldp, oldn, i))
			return 0;
	return 1;
}

static size_t pick_size(uint64_t *s)
{
	unsigned long r = rnd(s) % 1000;

	if (r < 600)
		return rnd(s) % 257;			/* tiny, 0 included */
	if (r < 900)
		return 257 + rnd(s) % 4000;
	if (r < 985)
		return 4257 + rnd(s) % 40000;		/* classes to large runs */
	if (r < 998)
		return 45000 + rnd(s) % (1 << 20);	/* large runs, huge */
	return (1 << 20) + rnd(s) % (3 << 20);		/* huge */
}

struct obj {
	void *p;
	size_t n;
};

struct worker {
	pthread_t tid;
	int id, nthreads;
	unsigned long iters;
	uint64_t seed;
	unsigned long bad, ops, cross;
	struct obj slots[SLOTS];
};

/* Mailboxes: objects handed to another thread, which checks and frees them. */
static struct {
	pthread_mutex_t lock;
	struct obj q[MAILBOX];
	size_t n;
} boxes[MAX_THREADS];
static struct worker workers[MAX_THREADS];

static void *alloc_some(uint64_t *s, size_t n)
{
	void *p;

	switch (rnd(s) % 16) {
	case 0:
		return calloc(1, n);
	case 1: {
		size_t a = (size_t)1 << (4 + rnd(s) % 13);	/* 16 .. 64 KiB */

		return aligned_alloc(a, n);
	}
	case 2:
		if (posix_memalign(&p, (size_t)1 << (3 + rnd(s) % 10), n))
			return NULL;
		return p;
	default:
		return malloc(n);
	}
}

static void drain_box(struct worker *w)
{
	struct obj tmp[MAILBOX];
	size_t n;

	pthread_mutex_lock(&boxes[w->id].lock);
	n = boxes[w->id].n;
	memcpy(tmp, boxes[w->id].q, n * sizeof(tmp[0]));
	boxes[w->id].n = 0;
	pthread_mutex_unlock(&boxes[w->id].lock);
	for (size_t i = 0; i < n; i++) {
		if (!verify(tmp[i].p, tmp[i].n))
			w->bad++;
		free(tmp[i].p);
	}
}

/*
 * rseqkit's rseq_percpu_thread_without_rseq() in the librseqkit.so the
 * allocator uses (this program also links the static library: a copy of
 * its own), or NULL.  A thread that disables rseq makes the allocator take
 * its paths for threads without rseq in a process where rseq works.
 */
static int (*disable_rseq)(bool);

static void find_disable_rseq(void)
{
	void *h = dlopen("librseqkit.so.0", RTLD_NOW | RTLD_NOLOAD);

	if (h)
		*(void **)&disable_rseq = dlsym(h, "rseqkit_percpu_thread_without_rseq");
}

static void *work(void *arg)
{
	struct worker *w = arg;
	int off = disable_rseq && w->id % 4 == 3;

	if (off)
		CHECK_EQ(disable_rseq(true), 0);

	for (unsigned long it = 0; it < w->iters; it++) {
		unsigned int i = (unsigned int)(rnd(&w->seed) % SLOTS);
		struct obj *o = &w->slots[i];
		unsigned long op = rnd(&w->seed) % 10;

		w->ops++;
		if (!o->p) {
			size_t n = pick_size(&w->seed);

			o->p = alloc_some(&w->seed, n);
			if (!o->p) {
				w->bad++;
				continue;
			}
			if (malloc_usable_size(o->p) < n)
				w->bad++;
			o->n = n;
			fill(o->p, n);
			continue;
		}
		if (!verify(o->p, o->n)) {
			w->bad++;
			o->p = NULL;
			continue;
		}
		if (op < 3) {			/* a realloc chain step */
			size_t n = rnd(&w->seed) % 2 ? o->n + 1 + rnd(&w->seed) % (o->n + 64)
						     : o->n / 2;
			void *q = realloc(o->p, n ? n : 1);

			if (!q) {
				w->bad++;
				continue;
			}
			if (!verify_prefix((uintptr_t)o->p, o->n, q, o->n < n ? o->n : n))
				w->bad++;
			o->p = q;
			o->n = n ? n : 1;
			fill(q, o->n);
		} else if (op < 6 && w->nthreads > 1) {	/* hand it to another thread */
			int to = (int)((w->id + 1 + rnd(&w->seed) % (unsigned long)(w->nthreads - 1)) %
				       (unsigned long)w->nthreads);

			pthread_mutex_lock(&boxes[to].lock);
			if (boxes[to].n < MAILBOX) {
				boxes[to].q[boxes[to].n++] = *o;
				o->p = NULL;
				w->cross++;
			}
			pthread_mutex_unlock(&boxes[to].lock);
			if (o->p) {
				free(o->p);
				o->p = NULL;
			}
		} else {
			free(o->p);
			o->p = NULL;
		}
		if ((it & 63) == 0)
			drain_box(w);
	}
	drain_box(w);
	if (off)
		CHECK_EQ(disable_rseq(false), 0);
	return NULL;
}

static void free_slots(struct worker *w)
{
	for (int i = 0; i < SLOTS; i++) {
		if (w->slots[i].p) {
			if (!verify(w->slots[i].p, w->slots[i].n))
				w->bad++;
			free(w->slots[i].p);
			w->slots[i].p = NULL;
		}
	}
}

static size_t in_use(void)
{
	return mallinfo2().uordblks;
}

/* A value the compiler cannot see (clang warns on constant bad alignments). */
static size_t opaque(size_t v)
{
	volatile size_t x = v;

	return x;
}

static void test_interface(void)
{
	void *p, *q;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	p = malloc(0);
	q = malloc(0);
	CHECK(p && q && p != q);
	free(p);
	free(q);
	free(NULL);
	errno = 0;
	CHECK(malloc(SIZE_MAX) == NULL && errno == ENOMEM);
	errno = 0;
	CHECK(malloc((size_t)PTRDIFF_MAX + 1) == NULL && errno == ENOMEM);
	errno = 0;
	CHECK(calloc(SIZE_MAX / 2, 3) == NULL && errno == ENOMEM);
	errno = 0;
	CHECK(calloc(SIZE_MAX / 2 + 2, 2) == NULL && errno == ENOMEM);
	p = malloc(10);
	errno = 0;
	CHECK(reallocarray(p, SIZE_MAX / 2, 3) == NULL && errno == ENOMEM);
	errno = 0;
	CHECK(realloc(p, SIZE_MAX) == NULL && errno == ENOMEM);
	CHECK(realloc(p, 0) == NULL);		/* frees p, as glibc */
	p = realloc(NULL, 100);
	CHECK(p != NULL && malloc_usable_size(p) >= 100);
	free(p);
	CHECK_EQ(malloc_usable_size(NULL), 0);

	CHECK_EQ(posix_memalign(&p, 0, 16), EINVAL);
	CHECK_EQ(posix_memalign(&p, 3, 16), EINVAL);
	CHECK_EQ(posix_memalign(&p, 4, 16), EINVAL);	/* < sizeof(void *) */
	CHECK_EQ(posix_memalign(&p, 24, 16), EINVAL);
	q = (void *)0x1;
	CHECK_EQ(posix_memalign(&q, 64, SIZE_MAX), ENOMEM);
	CHECK(q == (void *)0x1);		/* untouched on failure */
	errno = 0;
	CHECK(aligned_alloc(opaque(3), 16) == NULL && errno == EINVAL);
	errno = 0;
	CHECK(memalign(opaque(SIZE_MAX), 16) == NULL && errno == EINVAL);
	p = memalign(opaque(24), 100);			/* rounded up to 32, as glibc */
	CHECK(p && ((uintptr_t)p & 31) == 0);
	free(p);

	/* Every power-of-two alignment, sizes around it. */
	for (size_t a = 1; a <= ((size_t)1 << 24); a *= 2) {
		size_t sizes[] = { 0, 1, a / 2, a - 1, a, a + 1, 3 * a + 5, 100, 40000 };

		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			size_t n = sizes[k];
			int ok = 1;

			if (a >= sizeof(void *)) {
				p = NULL;
				ok &= posix_memalign(&p, a, n) == 0 && p && ((uintptr_t)p % a) == 0;
				if (p) {
					ok &= malloc_usable_size(p) >= n;
					memset(p, 0x5a, n);
				}
				free(p);
			}
			p = aligned_alloc(a, n);
			ok &= p && ((uintptr_t)p % a) == 0;
			if (p)
				memset(p, 0x5a, n);
			free(p);
			p = memalign(a, n);
			ok &= p && ((uintptr_t)p % a) == 0;
			free(p);
			CHECK_MSG(ok, "alignment %zu, size %zu", a, n);
		}
	}
	p = valloc(100);
	CHECK(p && ((uintptr_t)p % page) == 0);
	free(p);
	p = pvalloc(0);
	CHECK(p && ((uintptr_t)p % page) == 0 && malloc_usable_size(p) >= page);
	free(p);
	p = pvalloc(page + 1);
	CHECK(p && malloc_usable_size(p) >= 2 * page);
	free(p);

	/* calloc zeroes memory that was used before, at every size kind. */
	for (size_t n = 8; n <= ((size_t)4 << 20); n = n * 3 + 1) {
		unsigned char *c;
		int zero = 1;

		for (int r = 0; r < 4; r++) {
			c = malloc(n);
			memset(c, 0xff, n);
			free(c);
		}
		c = calloc(1, n);
		for (size_t i = 0; c && i < n; i += (n > 4096 ? 509 : 1))
			zero &= c[i] == 0;
		CHECK_MSG(c && zero && c[n - 1] == 0, "calloc(%zu) zeroed", n);
		free(c);
	}

	/* A realloc chain from 1 byte to 8 MiB and back keeps the bytes. */
	{
		size_t n = 1;
		int ok = 1;

		p = malloc(1);
		fill(p, 1);
		for (; n < ((size_t)8 << 20); ) {
			size_t m = n * 2 + 3;

			q = realloc(p, m);
			ok &= q && verify_prefix((uintptr_t)p, n, q, n);
			fill(q, m);
			p = q;
			n = m;
		}
		for (; n > 1; ) {
			size_t m = n / 3 + 1;

			q = realloc(p, m);
			ok &= q && verify_prefix((uintptr_t)p, n, q, m);
			fill(q, m);
			p = q;
			n = m == n ? 1 : m;
		}
		free(p);
		CHECK_MSG(ok, "realloc chain keeps the bytes");
	}
	CHECK_EQ(mallopt(M_MMAP_THRESHOLD, 1 << 20), 1);
	CHECK_EQ(mallopt(12345, 0), 0);
	CHECK(malloc_trim(0) >= 0);
	errno = 0;
	{
		FILE *f = fopen("/dev/null", "w");

		CHECK(f && malloc_info(0, f) == 0);
		CHECK(malloc_info(1, f) == -1 && errno == EINVAL);
		if (f)
			fclose(f);
	}
}

/* Exact accounting: what mallinfo2 counts in use moves by usable sizes. */
static void test_accounting(void)
{
	static void *ptrs[4096];
	size_t base, sum = 0;
	uint64_t s = 42;

	base = in_use();
	for (int i = 0; i < 4096; i++) {
		size_t n = pick_size(&s) % (2 << 20);

		ptrs[i] = malloc(n);
		sum += malloc_usable_size(ptrs[i]);
	}
	CHECK_EQ(in_use() - base, sum);
	for (int i = 0; i < 4096; i++)
		free(ptrs[i]);
	CHECK_EQ(in_use(), base);
}

/* Small stacks: glibc caches them (and their TLS vectors, which it
 * allocates with calloc) so that rounds of threads leave the heap as it
 * was: the accounting stays exact. */
static pthread_attr_t attr;

static unsigned long run_workers(int nthreads, unsigned long iters, uint64_t seed)
{
	unsigned long bad = 0;

	for (int i = 0; i < nthreads; i++) {
		struct worker *w = &workers[i];

		w->id = i;
		w->nthreads = nthreads;
		w->iters = iters;
		w->seed = seed + (uint64_t)i * 7919;
		pthread_create(&w->tid, &attr, work, w);
	}
	for (int i = 0; i < nthreads; i++)
		pthread_join(workers[i].tid, NULL);
	for (int i = 0; i < nthreads; i++) {
		drain_box(&workers[i]);
		free_slots(&workers[i]);
		bad += workers[i].bad;
		workers[i].bad = 0;
	}
	return bad;
}

/*
 * malloc_trim() in a loop while every worker allocates: each call drains
 * every CPU's caches remotely (claims, a membarrier fence, copies) while
 * critical sections run on those CPUs; an object handed out twice or lost
 * shows as a pattern mismatch or in the accounting.
 */
struct trimmer_arg {
	volatile int *stop;
	unsigned long trims;
};

static void *trimmer(void *arg)
{
	struct trimmer_arg *t = arg;

	while (!*t->stop) {
		struct timespec ts = { 0, 200000 };

		if (malloc_trim(0) >= 0)
			t->trims++;
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* fork() while every worker allocates: the child's heap works, with threads. */
static void *child_thread(void *arg)
{
	struct worker *w = arg;

	work(w);
	free_slots(w);
	return NULL;
}

static int child_main(void)
{
	static struct worker cw[2];
	pthread_t t;
	int bad = 0;

	memset(cw, 0, sizeof(cw));
	/* The mailboxes' locks may have been held by the parent's threads. */
	for (int i = 0; i < MAX_THREADS; i++) {
		pthread_mutex_init(&boxes[i].lock, NULL);
		boxes[i].n = 0;
	}
	for (int i = 0; i < 2; i++) {
		cw[i].id = i;
		cw[i].nthreads = 1;	/* no mailboxes: their lock state is the parent's */
		cw[i].iters = 3000;
		cw[i].seed = 99 + (uint64_t)i;
	}
	if (pthread_create(&t, NULL, child_thread, &cw[1]))
		return 3;
	work(&cw[0]);
	free_slots(&cw[0]);
	pthread_join(t, NULL);
	bad = (int)(cw[0].bad + cw[1].bad);
	return bad ? 1 : 0;
}

struct forker_arg {
	int forks, failed;
	volatile int *stop;
};

static void *forker(void *arg)
{
	struct forker_arg *f = arg;

	for (int i = 0; i < f->forks && !*f->stop; i++) {
		pid_t pid = fork();
		int st;

		if (pid == 0)
			_exit(child_main());
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
			f->failed++;
			fprintf(stderr, "fork %d: child status %#x\n", i, pid < 0 ? -1 : st);
		}
		usleep(2000);
	}
	return NULL;
}

/*
 * Producer/consumer: one thread allocates, another frees, round after
 * round.  The heap must not grow without bound: after a warm-up, the
 * bytes mapped stay within a few MiB of what they were (objects cycle
 * through the central depot instead of piling up in the consumer's CPU
 * cache).
 */
#define PC_OBJS		4000
#define PC_ROUNDS	120
static void *pc_bufs[2][PC_OBJS];
static pthread_barrier_t pc_barrier;
static size_t pc_mapped_warm, pc_mapped_max;

static void *pc_producer(void *arg)
{
	uint64_t s = 5;

	(void)arg;
	for (int r = 0; r < PC_ROUNDS; r++) {
		void **b = pc_bufs[r & 1];

		for (int i = 0; i < PC_OBJS; i++) {
			size_t n = 16 + rnd(&s) % 2048;

			b[i] = malloc(n);
			if (b[i])
				memset(b[i], 0x33, n < 64 ? n : 64);
		}
		pthread_barrier_wait(&pc_barrier);
		if (r == 10)
			pc_mapped_warm = mallinfo2().arena;
		if (r > 10 && mallinfo2().arena > pc_mapped_max)
			pc_mapped_max = mallinfo2().arena;
	}
	return NULL;
}

static void *pc_consumer(void *arg)
{
	(void)arg;
	for (int r = 0; r < PC_ROUNDS; r++) {
		pthread_barrier_wait(&pc_barrier);
		for (int i = 0; i < PC_OBJS; i++)
			free(pc_bufs[r & 1][i]);
	}
	return NULL;
}

static void test_producer_consumer(void)
{
	pthread_t p, c;

	pthread_barrier_init(&pc_barrier, NULL, 2);
	pthread_create(&p, NULL, pc_producer, NULL);
	pthread_create(&c, NULL, pc_consumer, NULL);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	pthread_barrier_destroy(&pc_barrier);
	printf("producer/consumer, %d rounds of %d objects: %zu bytes mapped after 10 rounds, "
	       "at most %zu after\n", PC_ROUNDS, PC_OBJS, pc_mapped_warm, pc_mapped_max);
	CHECK_MSG(pc_mapped_max <= pc_mapped_warm + ((size_t)8 << 20),
		  "producer/consumer: %zu bytes mapped after warm-up, at most %zu later",
		  pc_mapped_warm, pc_mapped_max);
}

/* Resident memory of this process, bytes. */
static size_t rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size = 0, res = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%ld %ld", &size, &res) != 2)
		res = 0;
	fclose(f);
	return (size_t)res * (size_t)sysconf(_SC_PAGESIZE);
}

/*
 * Memory goes back to the system after a peak: freeing 128 MiB of small
 * objects leaves at most the bounded slack resident (caches, depots,
 * 16 MiB of dirty pages), and malloc_trim() gives back that too.
 */
static void test_peak_returns(void)
{
	enum { N = 400000 };
	static void *p[N];
	size_t base, peak, after, trimmed;

	base = rss_bytes();
	for (int i = 0; i < N; i++) {
		size_t n = 16 + (size_t)(i % 40) * 16;	/* about 128 MiB */

		p[i] = malloc(n);
		if (p[i])
			memset(p[i], 7, n);
	}
	peak = rss_bytes();
	for (int i = 0; i < N; i++)
		free(p[i]);
	after = rss_bytes();
	malloc_trim(0);
	trimmed = rss_bytes();
	printf("peak: resident %zu MiB before, %zu at the peak, %zu after free, %zu after malloc_trim\n",
	       base >> 20, peak >> 20, after >> 20, trimmed >> 20);
	CHECK_MSG(peak > base + ((size_t)100 << 20), "the peak is resident (%zu MiB)", (peak - base) >> 20);
	CHECK_MSG(after < base + ((size_t)64 << 20), "after free: %zu MiB above the start",
		  (after - base) >> 20);
	CHECK_MSG(trimmed < base + ((size_t)8 << 20), "after malloc_trim: %zu MiB resident",
		  trimmed >> 20);
}

/* The number in 'attr="N"' of malloc_info's output, or -1. */
static long info_value(const char *attr)
{
	char buf[1024] = "", *p;
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	if (!f)
		return -1;
	malloc_info(0, f);
	fclose(f);
	p = strstr(buf, attr);
	return p ? strtol(p + strlen(attr) + 2, NULL, 10) : -1;
}

/*
 * Idle CPUs: after two reclaim periods (1 s each) without allocations
 * elsewhere, a slow-path allocation drains the other CPUs' caches.
 */
static void *fill_cpu_caches(void *arg)
{
	void *tmp[500];

	(void)arg;
	for (int i = 0; i < 500; i++)
		tmp[i] = malloc(64 + (size_t)(i % 8) * 512);
	for (int i = 0; i < 500; i++)
		free(tmp[i]);	/* they stay in this CPU's caches */
	return NULL;
}

static void test_idle_reclaim(void)
{
	static void *tmp[2000];
	long before = info_value("objects");
	cpu_set_t set;

	/* Leave objects in the caches of every CPU this process may use. */
	if (!sched_getaffinity(0, sizeof(set), &set)) {
		for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
			pthread_attr_t a;
			cpu_set_t one;
			pthread_t t;

			if (!CPU_ISSET(cpu, &set))
				continue;
			CPU_ZERO(&one);
			CPU_SET(cpu, &one);
			pthread_attr_init(&a);
			pthread_attr_setaffinity_np(&a, sizeof(one), &one);
			if (!pthread_create(&t, &a, fill_cpu_caches, NULL))
				pthread_join(t, NULL);
			pthread_attr_destroy(&a);
		}
	}

	for (int round = 0; round < 3; round++) {
		usleep(1100 * 1000);
		/* Refills: slow paths, which check the period. */
		for (int i = 0; i < 2000; i++)
			tmp[i] = malloc(4000);
		for (int i = 0; i < 2000; i++)
			free(tmp[i]);
	}
	CHECK_MSG(info_value("passes") >= 2 && info_value("objects") > before,
		  "idle-CPU reclaim: %ld passes, %ld objects drained (%ld before)",
		  info_value("passes"), info_value("objects"), before);
}

/* Debug mode: run this program with "--debug CASE"; it must abort. */
static int debug_case(const char *c)
{
	volatile char *p = malloc(24);
	char *big;

	if (!strcmp(c, "clean")) {
		void *q[100];

		for (int i = 0; i < 100; i++) {
			q[i] = malloc((size_t)i * 37);
			memset(q[i], 1, (size_t)i * 37);
		}
		for (int i = 0; i < 100; i++) {
			q[i] = realloc(q[i], (size_t)i * 91 + 1);
			free(q[i]);
		}
		big = malloc(3 << 20);
		free(big);
		free((void *)p);
		return malloc_usable_size(malloc(5)) == 5 ? 0 : 1;
	}
	if (!strcmp(c, "double-free")) {
		free((void *)p);
		free((void *)p);
	} else if (!strcmp(c, "overflow")) {
		p[24] = 'x';		/* one past the end, inside the slot */
		free((void *)p);
	} else if (!strcmp(c, "write-after-free")) {
		free((void *)p);
		p[3] = 'x';
		for (int i = 0; i < 2000; i++)	/* push it out of quarantine */
			free(malloc(16));
	} else if (!strcmp(c, "invalid")) {
		free((void *)(p + 16));
	} else if (!strcmp(c, "large-double-free")) {
		big = malloc(100000);
		free(big);
		free(big);
	} else if (!strcmp(c, "huge-double-free")) {
		big = malloc(5 << 20);
		free(big);
		free(big);
	} else if (!strcmp(c, "realloc-freed")) {
		free((void *)p);
		p = realloc((void *)p, 100);
	}
	return 0;	/* not detected */
}

static void test_debug(const char *self)
{
	static const struct { const char *c, *msg; } cases[] = {
		{ "double-free", "double free" },
		{ "overflow", "heap overflow" },
		{ "write-after-free", "write after free" },
		{ "invalid", "invalid pointer" },
		{ "large-double-free", "double free" },
		{ "huge-double-free", "double free" },
		{ "realloc-freed", "double free" },
	};

	for (size_t i = 0; i <= sizeof(cases) / sizeof(cases[0]); i++) {
		const char *c = i ? cases[i - 1].c : "clean";
		int fd[2], st = 0;
		char out[1024] = "";
		ssize_t n = 0, r;
		pid_t pid;

		if (pipe(fd))
			break;
		pid = fork();
		if (pid == 0) {
			dup2(fd[1], 2);
			close(fd[0]);
			setenv("RSEQKIT_MALLOC_DEBUG", "1", 1);
			execl(self, self, "--debug", c, (char *)NULL);
			_exit(127);
		}
		close(fd[1]);
		while ((r = read(fd[0], out + n, sizeof(out) - 1 - (size_t)n)) > 0)
			n += r;
		out[n] = '\0';
		close(fd[0]);
		waitpid(pid, &st, 0);
		if (!i) {
			CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0,
				  "debug mode, clean program: status %#x: %s", st, out);
			continue;
		}
		CHECK_MSG(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT && strstr(out, cases[i - 1].msg),
			  "debug mode, %s: status %#x, stderr \"%s\"", c, st, out);
	}
}

/*
 * Is malloc rseqkit-malloc?  valgrind's memcheck replaces malloc and its
 * friends but not mallinfo2(), which then does not see the allocation.
 */
static int ours(void)
{
	size_t before = in_use();
	void *p = malloc(200000);
	int r = in_use() - before >= 200000;

	free(p);
	return r;
}

int main(int argc, char **argv)
{
	int valgrind = !strcmp(test_mode(), "valgrind");
	unsigned long iters = test_scale(valgrind ? 3000 : 40000);
	int nthreads = (int)sysconf(_SC_NPROCESSORS_ONLN) * 2;
	volatile int stop = 0;
	struct forker_arg fa = { .forks = valgrind ? 2 : 20, .stop = &stop };
	pthread_t ft;
	size_t base;
	unsigned long bad;
	int debug;

	if (argc == 3 && !strcmp(argv[1], "--debug"))
		return debug_case(argv[2]);
	if (!getenv("RSEQKIT_MALLOC_DEBUG") && !ours())
		test_skip("malloc here is not rseqkit-malloc: valgrind's memcheck replaces every "
			  "malloc; tests/malloc_check.sh runs this test under valgrind with "
			  "--soname-synonyms=somalloc=nouserintercepts instead");
	if (nthreads < 4)
		nthreads = 4;
	if (nthreads > MAX_THREADS)
		nthreads = MAX_THREADS;
	for (int i = 0; i < MAX_THREADS; i++)
		pthread_mutex_init(&boxes[i].lock, NULL);
	printf("malloc_stress: %d threads x %lu operations, mode %s\n", nthreads, iters, test_mode());
	fflush(stdout);

	find_disable_rseq();
	CHECK_MSG(disable_rseq != NULL, "librseqkit.so's rseq_percpu_thread_without_rseq found");
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	test_interface();
	/* Debug mode counts blocks with their trailers and keeps freed
	 * ones in quarantine: the accounting is not by usable size there. */
	debug = getenv("RSEQKIT_MALLOC_DEBUG") && strcmp(getenv("RSEQKIT_MALLOC_DEBUG"), "0");
	if (!debug)
		test_accounting();

	/* Rounds of short-lived threads; the heap returns to its baseline
	 * (taken after a first round with one thread more than ever runs at
	 * once, so that glibc's cache of thread stacks is warm). */
	CHECK_EQ(run_workers(nthreads + 1, 10, 1), 0);
	base = in_use();
	bad = 0;
	for (int round = 0; round < 3; round++)
		bad += run_workers(nthreads, iters / 3, 1000 + (uint64_t)round);
	CHECK_EQ(bad, 0);
	if (!debug)
		CHECK_EQ(in_use(), base);

	/* The same with fork() under load. */
	pthread_create(&ft, &attr, forker, &fa);
	bad = run_workers(nthreads, iters, 77);
	stop = 1;
	pthread_join(ft, NULL);
	CHECK_EQ(bad, 0);
	CHECK_EQ(fa.failed, 0);
	if (!debug)
		CHECK_EQ(in_use(), base);

	/* Remote drains of every CPU's caches under load. */
	{
		volatile int tstop = 0;
		struct trimmer_arg ta = { .stop = &tstop, .trims = 0 };

		pthread_create(&ft, &attr, trimmer, &ta);
		bad = run_workers(nthreads, iters / 2, 4242);
		tstop = 1;
		pthread_join(ft, NULL);
		CHECK_EQ(bad, 0);
		CHECK_MSG(ta.trims > 0, "malloc_trim ran %lu times under load", ta.trims);
		if (!debug)
			CHECK_EQ(in_use(), base);
	}

	if (!debug && !getenv("RSEQKIT_MALLOC_NO_CACHE")) {
		test_producer_consumer();
		if (!valgrind)
			test_peak_returns();
		if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
			test_idle_reclaim();
	}
	if (!valgrind && !debug)
		test_debug(strchr(argv[0], '/') ? argv[0] : "/proc/self/exe");
	malloc_stats();
	if (!test_failed) {
		/* Every worker iteration allocates, or checks and frees or
		 * reallocates (a hand-off is freed by the other thread). */
		unsigned long long ops = 0;

		for (int i = 0; i < MAX_THREADS; i++)
			ops += workers[i].ops;
		test_verified_ops(ops);
	}
	return test_done();
}

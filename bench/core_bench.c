/* SPDX-License-Identifier: MIT */
/*
 * bench/core_bench.c - the core operations against their alternatives.
 *
 * Groups (every row also as a ratio to the group's baseline, measured in
 * the same run; see bench/harness.h for the method and the options):
 *   cpu-read    rseq_current_cpu_raw() / sched_getcpu() / getcpu system
 *               call / a thread-local load (baseline)
 *   increment   rseq_addv on this CPU's padded slot / shared atomic /
 *               per-CPU atomic slot chosen by sched_getcpu() / a
 *               per-thread plain add (baseline, the physical limit)
 *   spinlock    per-CPU spinlock (rseq_cmpeqv_storev 0->1, unlock with
 *               rseq_smp_store_release) / pthread_mutex (baseline)
 *   list        per-CPU list pop+push (rseq_cmpnev_storeoffp_load,
 *               rseq_cmpeqv_storev) / mutex-protected list (baseline)
 *   buffer      per-CPU buffer of 32-byte records, pop+push with
 *               rseq_cmpeqv_trymemcpy_storev / mutex-protected (baseline)
 * Every case verifies its result after each measurement (counters sum to
 * the operations done, list nodes and records all present exactly once
 * and intact, the CPU read equals the CPU the thread is pinned to).
 *
 * Ends with the targets of this machine class (reported, never asserted):
 * rseq increment <= 1.5x the plain add and >= 3x faster than the per-CPU
 * atomic; rseq CPU read <= 1.1x the thread-local load.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <rseqkit/rseq.h>
#include "harness.h"
#include "increment.h"

#define PAD	BENCH_CACHELINE

static int max_cpus;		/* per-CPU arrays have this many slots */
static int verify_failed;	/* set by thread_fini checks */

#define VERIFY_FAIL(...)						\
	do {								\
		fprintf(stderr, "verify: " __VA_ARGS__);		\
		fputc('\n', stderr);					\
		__atomic_store_n(&verify_failed, 1, __ATOMIC_RELAXED);	\
	} while (0)

/* ------------------------------------------------------------------ */
/* cpu-read                                                            */

static __thread int32_t tls_cpu;

static int read_init(struct bench_thread *t)
{
	tls_cpu = t->cpu >= 0 ? t->cpu : rseq_fallback_current_cpu();
	t->scratch[0] = 0;
	return 0;
}

/* Each body sums what it read: the thread is pinned, so sum = n * cpu. */
static void read_fini(struct bench_thread *t)
{
	uint64_t want = t->ops * (uint64_t)t->cpu;

	if (t->cpu >= 0 && t->scratch[0] != want)
		VERIFY_FAIL("%s: thread %d pinned to CPU %d read a different CPU",
			    t->c->name, t->id, t->cpu);
}

static int read_verify(struct bench_case *c, int T, uint64_t total)
{
	(void)c; (void)T; (void)total;
	return __atomic_exchange_n(&verify_failed, 0, __ATOMIC_RELAXED);
}

#define READ_BODY(fn, expr)						\
static uint64_t fn(struct bench_thread *t, uint64_t n)			\
{									\
	uint64_t sum = t->scratch[0];					\
	for (uint64_t i = 0; i < n; i++) {				\
		int32_t v = (expr);					\
		bench_sink(v);						\
		sum += (uint32_t)v;					\
	}								\
	t->scratch[0] = sum;						\
	return n;							\
}

READ_BODY(read_tls, RSEQ_READ_ONCE(tls_cpu))
READ_BODY(read_rseq, rseq_current_cpu_raw())
READ_BODY(read_sched_getcpu, sched_getcpu())

static inline int32_t getcpu_syscall(void)
{
	unsigned int cpu = 0;

	if (syscall(SYS_getcpu, &cpu, NULL, NULL))
		return -1;
	return (int32_t)cpu;
}
READ_BODY(read_syscall, getcpu_syscall())

static struct bench_case read_cases[] = {
	{ .name = "thread-local load", .body = read_tls,
	  .thread_init = read_init, .thread_fini = read_fini, .verify = read_verify },
	{ .name = "rseq_current_cpu_raw", .body = read_rseq, .needs_rseq = 1,
	  .thread_init = read_init, .thread_fini = read_fini, .verify = read_verify },
	{ .name = "sched_getcpu", .body = read_sched_getcpu,
	  .thread_init = read_init, .thread_fini = read_fini, .verify = read_verify },
	{ .name = "getcpu syscall", .body = read_syscall,
	  .thread_init = read_init, .thread_fini = read_fini, .verify = read_verify },
};

/* ------------------------------------------------------------------ */
/* increment                                                           */

static struct bench_case inc_cases[] = {
	{ .name = "per-thread plain add", .body = inc_plain,
	  .setup = inc_setup, .verify = inc_verify },
	{ .name = "rseq_addv per-CPU", .body = inc_rseq, .needs_rseq = 1,
	  .setup = inc_setup, .verify = inc_verify },
	{ .name = "sched_getcpu+atomic", .body = inc_percpu_atomic,
	  .setup = inc_setup, .verify = inc_verify },
	{ .name = "shared atomic", .body = inc_shared_atomic,
	  .setup = inc_setup, .verify = inc_verify },
};

/* ------------------------------------------------------------------ */
/* spinlock                                                            */

struct pcpu_lock {
	intptr_t v;		/* 0 free, 1 held */
	intptr_t count;		/* protected by v */
} __attribute__((aligned(PAD)));

static struct pcpu_lock *locks;
static struct {
	pthread_mutex_t m;
	intptr_t count;
} __attribute__((aligned(PAD))) mtx = { PTHREAD_MUTEX_INITIALIZER, 0 };

static int lock_setup(struct bench_case *c, int T)
{
	(void)c; (void)T;
	free(locks);
	locks = bench_alloc(sizeof(*locks) * (size_t)max_cpus);
	mtx.count = 0;
	return 0;
}

static int lock_verify(struct bench_case *c, int T, uint64_t total)
{
	intptr_t sum = mtx.count;

	(void)T;
	for (int i = 0; i < max_cpus; i++) {
		sum += locks[i].count;
		if (locks[i].v) {
			fprintf(stderr, "verify: %s: lock of CPU %d left held\n",
				c->name, i);
			return 1;
		}
	}
	if ((uint64_t)sum != total) {
		fprintf(stderr, "verify: %s: protected counters sum to %lld, %llu "
			"lock+unlock done (mutual exclusion broken)\n", c->name,
			(long long)sum, (unsigned long long)total);
		return 1;
	}
	return 0;
}

/*
 * Lock this CPU's lock: 0 -> 1 in a critical section; spin while it is
 * held (by a preempted thread of this CPU: yield after a while, or an
 * oversubscribed run spends whole time slices spinning).
 */
static inline int pcpu_lock(void)
{
	unsigned int spins = 0;

	for (;;) {
		int cpu = (int)rseq_cpu_start();
		int ret = rseq_cmpeqv_storev(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,
					     &locks[cpu].v, 0, 1, cpu);

		if (rseq_likely(!ret)) {
			rseq_smp_acquire__after_ctrl_dep();
			return cpu;
		}
		if (ret > 0) {
			rseq_cpu_relax();
			if (++spins >= 128) {
				sched_yield();
				spins = 0;
			}
		}
	}
}

static inline void pcpu_unlock(int cpu)
{
	rseq_smp_store_release(&locks[cpu].v, 0);
}

static uint64_t lock_rseq(struct bench_thread *t, uint64_t n)
{
	(void)t;
	for (uint64_t i = 0; i < n; i++) {
		int cpu = pcpu_lock();

		locks[cpu].count++;
		pcpu_unlock(cpu);
	}
	return n;
}

static uint64_t lock_mutex(struct bench_thread *t, uint64_t n)
{
	(void)t;
	for (uint64_t i = 0; i < n; i++) {
		pthread_mutex_lock(&mtx.m);
		mtx.count++;
		pthread_mutex_unlock(&mtx.m);
	}
	return n;
}

static struct bench_case lock_cases[] = {
	{ .name = "pthread_mutex", .body = lock_mutex,
	  .setup = lock_setup, .verify = lock_verify },
	{ .name = "rseq per-CPU spinlock", .body = lock_rseq, .needs_rseq = 1,
	  .setup = lock_setup, .verify = lock_verify },
};

/* ------------------------------------------------------------------ */
/* list                                                                */

#define LIST_NODES_PER_CPU	64

struct node {
	struct node *next;
	intptr_t id;
	intptr_t seen;		/* verification */
};

struct pcpu_head {
	intptr_t head;		/* struct node * */
} __attribute__((aligned(PAD)));

static struct pcpu_head *heads;	/* per CPU; the mutex case uses heads[0] */
static struct node *nodes;
static int nnodes;

static int list_setup(struct bench_case *c, int T)
{
	int per = LIST_NODES_PER_CPU;

	(void)c; (void)T;
	free(heads);
	free(nodes);
	heads = bench_alloc(sizeof(*heads) * (size_t)max_cpus);
	nnodes = per * max_cpus;
	nodes = bench_alloc(sizeof(*nodes) * (size_t)nnodes);
	for (int i = 0; i < nnodes; i++) {
		struct pcpu_head *h = &heads[i / per];

		nodes[i].id = i;
		nodes[i].next = (struct node *)h->head;
		h->head = (intptr_t)&nodes[i];
	}
	return 0;
}

static int list_verify(struct bench_case *c, int T, uint64_t total)
{
	int count = 0;

	(void)T; (void)total;
	for (int i = 0; i < nnodes; i++)
		nodes[i].seen = 0;
	for (int cpu = 0; cpu < max_cpus; cpu++) {
		for (struct node *p = (struct node *)heads[cpu].head; p; p = p->next) {
			if (p < nodes || p >= nodes + nnodes || p->seen ||
			    ++count > nnodes) {
				fprintf(stderr, "verify: %s: list corrupted\n", c->name);
				return 1;
			}
			p->seen = 1;
		}
	}
	if (count != nnodes) {
		fprintf(stderr, "verify: %s: %d of %d nodes in the lists\n",
			c->name, count, nnodes);
		return 1;
	}
	return 0;
}

static inline struct node *pcpu_list_pop(void)
{
	for (;;) {
		int cpu = (int)rseq_cpu_start();
		intptr_t load;
		int ret = rseq_cmpnev_storeoffp_load(RSEQ_MO_RELAXED,
				RSEQ_PERCPU_CPU_ID, &heads[cpu].head, 0,
				offsetof(struct node, next), &load, cpu);

		if (rseq_likely(!ret))
			return (struct node *)load;
		if (ret > 0)
			return NULL;	/* empty */
	}
}

static inline void pcpu_list_push(struct node *n)
{
	for (;;) {
		int cpu = (int)rseq_cpu_start();
		intptr_t expect = RSEQ_READ_ONCE(heads[cpu].head);

		n->next = (struct node *)expect;
		if (rseq_likely(!rseq_cmpeqv_storev(RSEQ_MO_RELAXED,
				RSEQ_PERCPU_CPU_ID, &heads[cpu].head, expect,
				(intptr_t)n, cpu)))
			return;
	}
}

static uint64_t list_rseq(struct bench_thread *t, uint64_t n)
{
	uint64_t done = 0;

	(void)t;
	for (uint64_t i = 0; i < n; i++) {
		struct node *p = pcpu_list_pop();

		if (rseq_unlikely(!p))
			continue;	/* this CPU's list is empty (unpinned) */
		pcpu_list_push(p);
		done++;
	}
	return done;
}

static uint64_t list_mutex(struct bench_thread *t, uint64_t n)
{
	uint64_t done = 0;

	(void)t;
	for (uint64_t i = 0; i < n; i++) {
		struct node *p;

		pthread_mutex_lock(&mtx.m);
		p = (struct node *)heads[0].head;
		if (p)
			heads[0].head = (intptr_t)p->next;
		pthread_mutex_unlock(&mtx.m);
		if (!p)
			continue;
		pthread_mutex_lock(&mtx.m);
		p->next = (struct node *)heads[0].head;
		heads[0].head = (intptr_t)p;
		pthread_mutex_unlock(&mtx.m);
		done++;
	}
	return done;
}

static int list_mutex_setup(struct bench_case *c, int T)
{
	list_setup(c, T);
	/* All nodes on one list. */
	for (int cpu = 1; cpu < max_cpus; cpu++) {
		struct node *p = (struct node *)heads[cpu].head, *next;

		for (; p; p = next) {
			next = p->next;
			p->next = (struct node *)heads[0].head;
			heads[0].head = (intptr_t)p;
		}
		heads[cpu].head = 0;
	}
	return 0;
}

static struct bench_case list_cases[] = {
	{ .name = "mutex list", .body = list_mutex,
	  .setup = list_mutex_setup, .verify = list_verify },
	{ .name = "rseq per-CPU list", .body = list_rseq, .needs_rseq = 1,
	  .setup = list_setup, .verify = list_verify },
};

/* ------------------------------------------------------------------ */
/* buffer: per-CPU arrays of fixed-size records, copied in and out      */

#define BUF_CAP		64	/* records per CPU */

struct record {
	intptr_t id, a, b, c;	/* a = ~id, b = id * 3, c = id ^ 0x5a5a */
};

struct pcpu_buf {
	intptr_t offset;	/* records used */
	struct record *array;
} __attribute__((aligned(PAD)));

static struct pcpu_buf *bufs;	/* the mutex case uses bufs[0] */
static struct record *rec_store;
static int nrecords;

static void rec_fill(struct record *r, intptr_t id)
{
	r->id = id;
	r->a = ~id;
	r->b = id * 3;
	r->c = id ^ 0x5a5a;
}

static int rec_ok(const struct record *r)
{
	return r->a == ~r->id && r->b == r->id * 3 && r->c == (r->id ^ 0x5a5a);
}

/* Records per CPU at the start: half full, so pushes never find it full. */
static int buf_setup_common(int all_on_zero)
{
	int per = BUF_CAP / 2;

	if (bufs)
		for (int i = 0; i < max_cpus; i++)
			free(bufs[i].array);
	free(bufs);
	free(rec_store);
	bufs = bench_alloc(sizeof(*bufs) * (size_t)max_cpus);
	nrecords = per * max_cpus;
	rec_store = NULL;
	for (int i = 0; i < max_cpus; i++) {
		size_t cap = all_on_zero && i == 0 ? (size_t)nrecords * 2 : BUF_CAP;

		bufs[i].array = bench_alloc(sizeof(struct record) * cap);
	}
	for (int i = 0; i < nrecords; i++) {
		struct pcpu_buf *b = all_on_zero ? &bufs[0] : &bufs[i / per];

		rec_fill(&b->array[b->offset++], i);
	}
	return 0;
}

static int buf_setup(struct bench_case *c, int T)
{
	(void)c; (void)T;
	return buf_setup_common(0);
}

static int buf_mutex_setup(struct bench_case *c, int T)
{
	(void)c; (void)T;
	return buf_setup_common(1);
}

static int buf_verify(struct bench_case *c, int T, uint64_t total)
{
	char *seen = calloc((size_t)nrecords, 1);
	int count = 0, bad = 0;

	(void)T; (void)total;
	if (!seen)
		return 1;
	for (int cpu = 0; cpu < max_cpus && !bad; cpu++) {
		for (intptr_t i = 0; i < bufs[cpu].offset; i++) {
			struct record *r = &bufs[cpu].array[i];

			if (!rec_ok(r) || r->id < 0 || r->id >= nrecords ||
			    seen[r->id]) {
				bad = 1;
				break;
			}
			seen[r->id] = 1;
			count++;
		}
	}
	free(seen);
	if (bad || count != nrecords) {
		fprintf(stderr, "verify: %s: %d of %d records intact (%s)\n",
			c->name, count, nrecords, bad ? "corrupt or duplicated" : "lost");
		return 1;
	}
	return 0;
}

static inline int pcpu_buf_pop(struct record *out)
{
	for (;;) {
		int cpu = (int)rseq_cpu_start();
		struct pcpu_buf *b = &bufs[cpu];
		intptr_t off = RSEQ_READ_ONCE(b->offset);
		int ret;

		if (rseq_unlikely(off == 0))
			return 0;
		ret = rseq_cmpeqv_trymemcpy_storev(RSEQ_MO_RELAXED,
				RSEQ_PERCPU_CPU_ID, &b->offset, off, out,
				&b->array[off - 1], sizeof(*out), off - 1, cpu);
		if (rseq_likely(!ret))
			return 1;
	}
}

static inline int pcpu_buf_push(struct record *in)
{
	for (;;) {
		int cpu = (int)rseq_cpu_start();
		struct pcpu_buf *b = &bufs[cpu];
		intptr_t off = RSEQ_READ_ONCE(b->offset);
		int ret;

		if (rseq_unlikely(off == BUF_CAP))
			return 0;
		ret = rseq_cmpeqv_trymemcpy_storev(RSEQ_MO_RELAXED,
				RSEQ_PERCPU_CPU_ID, &b->offset, off,
				&b->array[off], in, sizeof(*in), off + 1, cpu);
		if (rseq_likely(!ret))
			return 1;
	}
}

static uint64_t buf_rseq(struct bench_thread *t, uint64_t n)
{
	struct record r;
	uint64_t done = 0;

	for (uint64_t i = 0; i < n; i++) {
		if (rseq_unlikely(!pcpu_buf_pop(&r)))
			continue;	/* empty (unpinned threads only) */
		while (rseq_unlikely(!pcpu_buf_push(&r)))
			sched_yield();	/* full (unpinned threads only) */
		done++;
	}
	(void)t;
	return done;
}

static uint64_t buf_mutex(struct bench_thread *t, uint64_t n)
{
	struct pcpu_buf *b = &bufs[0];
	struct record r;
	uint64_t done = 0;

	(void)t;
	for (uint64_t i = 0; i < n; i++) {
		pthread_mutex_lock(&mtx.m);
		if (!b->offset) {
			pthread_mutex_unlock(&mtx.m);
			continue;
		}
		memcpy(&r, &b->array[--b->offset], sizeof(r));
		pthread_mutex_unlock(&mtx.m);
		bench_clobber();
		pthread_mutex_lock(&mtx.m);
		memcpy(&b->array[b->offset++], &r, sizeof(r));
		pthread_mutex_unlock(&mtx.m);
		done++;
	}
	return done;
}

static struct bench_case buf_cases[] = {
	{ .name = "mutex buffer", .body = buf_mutex,
	  .setup = buf_mutex_setup, .verify = buf_verify },
	{ .name = "rseq memcpy buffer", .body = buf_rseq, .needs_rseq = 1,
	  .setup = buf_setup, .verify = buf_verify },
};

/* ------------------------------------------------------------------ */

#define NCASES(a)	((int)(sizeof(a) / sizeof((a)[0])))

static struct bench_group groups[] = {
	{ "cpu-read", "thread-local load", read_cases, NCASES(read_cases), NULL },
	{ "increment", "per-thread plain add", inc_cases, NCASES(inc_cases), NULL },
	{ "spinlock", "pthread_mutex", lock_cases, NCASES(lock_cases), NULL },
	{ "list", "mutex list", list_cases, NCASES(list_cases), NULL },
	{ "buffer", "mutex buffer", buf_cases, NCASES(buf_cases), NULL },
};

static int target_line(const char *what, double measured, const char *op,
		       double limit)
{
	int met = op[0] == '<' ? measured <= limit : measured >= limit;

	printf("  %-58s %6.2fx (target %s %.1fx)  %s\n", what, measured, op,
	       limit, met ? "MET" : "NOT MET");
	return met;
}

static void summary(struct bench_opts *o)
{
	int any = 0;

	printf("\nTargets on this machine class (reported, not asserted):\n");
	for (int i = 0; i < o->nthreads_list; i++) {
		int T = o->threads[i];
		const struct bench_result *plain, *rs, *pa, *tl, *rc;
		char what[128];

		if (T > o->ncpus)
			continue;	/* oversubscribed: not a target */
		plain = bench_find("increment", "per-thread plain add", T);
		rs = bench_find("increment", "rseq_addv per-CPU", T);
		pa = bench_find("increment", "sched_getcpu+atomic", T);
		tl = bench_find("cpu-read", "thread-local load", T);
		rc = bench_find("cpu-read", "rseq_current_cpu_raw", T);
		if (plain && rs && !plain->status && !rs->status) {
			snprintf(what, sizeof(what),
				 "T=%d rseq increment / per-thread plain add", T);
			target_line(what, rs->ns_per_op / plain->ns_per_op, "<=", 1.5);
			any = 1;
		}
		if (pa && rs && !pa->status && !rs->status) {
			snprintf(what, sizeof(what),
				 "T=%d sched_getcpu+atomic / rseq increment (speedup)", T);
			target_line(what, pa->ns_per_op / rs->ns_per_op, ">=", 3.0);
			any = 1;
		}
		if (tl && rc && !tl->status && !rc->status) {
			snprintf(what, sizeof(what),
				 "T=%d rseq_current_cpu_raw / thread-local load", T);
			target_line(what, rc->ns_per_op / tl->ns_per_op, "<=", 1.1);
			any = 1;
		}
	}
	if (!any)
		printf("  (no rseq results: rseq unavailable or filtered out)\n");
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	int st;

	if (bench_init(&o, argc, argv))
		return 2;
	max_cpus = bench_max_cpus();
	for (int i = 0; i < NCASES(groups); i++)
		bench_run_group(&o, &groups[i]);
	summary(&o);
	st = bench_finish(&o);
	return st;
}

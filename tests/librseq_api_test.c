/* SPDX-License-Identifier: MIT */
/*
 * librseq_api_test - librseq's public API through rseqkit's librseq layer
 * (#include <rseq/rseq.h>, <rseq/mempool.h> with -Iinclude/rseqkit/librseq),
 * written the way librseq's users write it; also built as C++
 * (librseq_api_test_cxx).  Every function and macro of the layer:
 * registration and the availability queries, the ids, the seven
 * critical-section helpers in each memory order and index librseq offers
 * (their effects checked, then a per-CPU counter and a per-CPU list under
 * threads), the utility macros, and the whole mempool API: attributes,
 * per-CPU and global pools, pool sets, free by pointer with and without
 * the stride, rseq_percpu_ptr() with and without it, init callbacks and
 * the NUMA helper, poison, and robust mode's abort on double free, on a
 * poisoned item that was written and on items left at destroy (in child
 * processes).
 */
#include <rseq/rseq.h>
#include <rseq/mempool.h>
#include <rseq/pseudocode.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "harness.h"

static bool have_rseq;

/* Run op (a statement setting 'ret') until it does not abort. */
#define RETRY(ret, cpu, mode, op)					\
	do {								\
		int tries_ = 0;						\
		do {							\
			(cpu) = (mode) == RSEQ_PERCPU_MM_CID ?		\
				(int)rseq_current_mm_cid() : (int)rseq_cpu_start(); \
			op;						\
		} while ((ret) < 0 && ++tries_ < 1000000);		\
	} while (0)

static void test_registration(void)
{
	int32_t cpu;

	CHECK_EQ(rseq_register_current_thread(), have_rseq ? 0 : -1);
	CHECK(rseq_available(RSEQ_AVAILABLE_QUERY_KERNEL) == have_rseq);
	/*
	 * Mode glibc: the C library registered, where it registers on this
	 * architecture at all (glibc 2.36 has no rseq signature for riscv,
	 * so it leaves registration to rseqkit there).
	 */
	if (!strcmp(test_mode(), "glibc") && have_rseq)
		CHECK(rseq_available(RSEQ_AVAILABLE_QUERY_LIBC) ==
		      (rseq_registration_owner() == RSEQ_OWNER_LIBC));
	if (!strcmp(test_mode(), "own"))
		CHECK(!rseq_available(RSEQ_AVAILABLE_QUERY_LIBC));
	CHECK(!rseq_available(2));
	CHECK(!rseq_available(~0U));
	CHECK(rseq_get_max_nr_cpus() >= 1);
	cpu = rseq_fallback_current_cpu();
	CHECK(cpu >= 0 && cpu < rseq_get_max_nr_cpus());
	CHECK(rseq_fallback_current_node() >= 0);
	CHECK((int)rseq_current_cpu() >= 0);
	CHECK(rseq_cpu_start() < (uint32_t)rseq_get_max_nr_cpus());
	if (have_rseq) {
		CHECK(rseq_current_cpu_raw() >= 0);
		CHECK(rseq_size >= 20);
		CHECK(rseq_get_abi() != NULL);
		CHECK_EQ(rseq_get_abi()->cpu_id, (uint32_t)rseq_current_cpu_raw());
		if (rseq_node_id_available())
			CHECK((int)rseq_current_node_id() >= 0);
		if (rseq_mm_cid_available())
			CHECK(rseq_current_mm_cid() < (uint32_t)rseq_get_max_nr_cpus());
	} else {
		CHECK(rseq_current_cpu_raw() < 0);
	}
	CHECK((uintptr_t)rseq_thread_pointer() != 0);
	(void)rseq_offset;
	(void)rseq_flags;
	rseq_prepare_unload();
	rseq_clear_rseq_cs();
	CHECK_EQ(rseq_unregister_current_thread(), have_rseq ? 0 : -1);
	CHECK_EQ(rseq_register_current_thread(), have_rseq ? 0 : -1);
	/*
	 * librseq's contract: under the C library's registration an
	 * unbalanced unregistration succeeds, errno untouched, and the
	 * registration stays; where rseqkit registers, it is an error
	 * (EINVAL, as the kernel's answer in librseq).
	 */
	if (have_rseq) {
		bool libc = rseq_available(RSEQ_AVAILABLE_QUERY_LIBC);

		CHECK_EQ(rseq_unregister_current_thread(), 0);
		errno = 0;
		CHECK_EQ(rseq_unregister_current_thread(), libc ? 0 : -1);
		CHECK_EQ(errno, libc ? 0 : EINVAL);
		CHECK_EQ(rseq_unregister_current_thread(), libc ? 0 : -1);
		if (libc)
			CHECK(rseq_current_cpu_raw() >= 0);
		CHECK_EQ(rseq_register_current_thread(), 0);
		CHECK(rseq_current_cpu_raw() >= 0);
	}
}

static void test_macros(void)
{
	struct rseq_abi abi;
	volatile int vi = 3;
	rseq_unqual_scalar_typeof(vi) plain = vi;
	long word = 0;

	CHECK_EQ(RSEQ_PARAM_SELECT_ARG1(_, 7, 9), 7);
	CHECK_EQ(RSEQ_BITS_PER_LONG, 8 * (int)sizeof(long));
	CHECK_EQ(rseq_offsetofend(struct rseq_abi, cpu_id), 8);
	CHECK_EQ(rseq_sizeof_field(struct rseq_abi, mm_cid), 4);
	CHECK_EQ(sizeof(abi.cpu_id_start), 4);
	CHECK_EQ(sizeof(struct rseq_abi_cs), 32);
	CHECK_EQ(RSEQ_ABI_CPU_ID_UNINITIALIZED, -1);
	CHECK_EQ(RSEQ_ABI_FLAG_UNREGISTER, 1);
	CHECK_EQ(RSEQ_ABI_CS_FLAG_NO_RESTART_ON_SIGNAL, 2);
	CHECK_EQ(plain, 3);
	CHECK(rseq_likely(1) && !rseq_unlikely(0));
	RSEQ_WRITE_ONCE(word, 5);
	CHECK_EQ(RSEQ_READ_ONCE(word), 5);
	rseq_smp_store_release(&word, 6);
#ifndef __cplusplus	/* rseqkit's acquire macro is C-only for now (__auto_type) */
	CHECK_EQ(rseq_smp_load_acquire(&word), 6);
#else
	CHECK_EQ(word, 6);
#endif
	rseq_smp_mb();
	rseq_smp_rmb();
	rseq_smp_wmb();
	rseq_smp_acquire__after_ctrl_dep();
	rseq_barrier();
	CHECK(RSEQ_SIG != 0);
	CHECK(__NR_rseq > 0);
	CHECK(!strcmp(__rseq_str(RSEQ_COMBINE_TOKENS(ab, cd)), "abcd"));
	rseq_log("rseq_log works (%d)", 1);
#if defined(RSEQ_ARCH_X86) || defined(RSEQ_ARCH_ARM) || defined(RSEQ_ARCH_AARCH64) || \
	defined(RSEQ_ARCH_PPC) || defined(RSEQ_ARCH_MIPS) || defined(RSEQ_ARCH_S390) || \
	defined(RSEQ_ARCH_RISCV) || defined(RSEQ_ARCH_LOONGARCH)
	CHECK(1);
#else
	CHECK_MSG(0, "no RSEQ_ARCH_* name for this architecture");
#endif
}

#ifdef rseq_arch_has_load_add_load_load_add_store
# define HAVE_DEREF 1
#else
# define HAVE_DEREF 0
#endif

/* Each helper, once per memory order and index librseq offers. */
static void test_ops_mode(enum rseq_percpu_mode mode)
{
	enum rseq_mo mos[2] = { RSEQ_MO_RELAXED, RSEQ_MO_RELEASE };
	intptr_t v, v2, load, node[2], *nodep, dst[4], src[4] = { 1, 2, 3, 4 };
	int cpu, ret;

	/* load_cbne_store: equal -> stored; different -> 1, nothing stored. */
	v = 10;
	RETRY(ret, cpu, mode, ret = rseq_load_cbne_store__ptr(RSEQ_MO_RELAXED, mode, &v, 10, 11, cpu));
	CHECK_EQ(ret, 0);
	CHECK_EQ(v, 11);
	RETRY(ret, cpu, mode, ret = rseq_load_cbne_store__ptr(RSEQ_MO_RELAXED, mode, &v, 10, 12, cpu));
	CHECK_EQ(ret, 1);
	CHECK_EQ(v, 11);
	/* load_add_store */
	RETRY(ret, cpu, mode, ret = rseq_load_add_store__ptr(RSEQ_MO_RELAXED, mode, &v, 5, cpu));
	CHECK_EQ(ret, 0);
	CHECK_EQ(v, 16);
	/* load_cbeq_store_add_load_store: pop the head of a list. */
	node[0] = 0;			/* next of the only node */
	v = (intptr_t)node;
	RETRY(ret, cpu, mode, ret = rseq_load_cbeq_store_add_load_store__ptr(RSEQ_MO_RELAXED, mode,
						&v, 0, 0, &load, cpu));
	CHECK_EQ(ret, 0);
	CHECK_EQ(load, (intptr_t)node);
	CHECK_EQ(v, 0);
	RETRY(ret, cpu, mode, ret = rseq_load_cbeq_store_add_load_store__ptr(RSEQ_MO_RELAXED, mode,
						&v, 0, 0, &load, cpu));
	CHECK_EQ(ret, 1);		/* empty */
#if HAVE_DEREF
	/* load_add_load_load_add_store: *(*(ptr) + off) is a pointer to bump. */
	node[1] = 40;
	nodep = &node[1];
	v2 = (intptr_t)&nodep - 8;
	RETRY(ret, cpu, mode, ret = rseq_load_add_load_load_add_store__ptr(RSEQ_MO_RELAXED, mode,
						&v2, 8, 2, cpu));
	CHECK_EQ(ret, 0);
	CHECK_EQ(node[1], 42);
#else
	(void)nodep;
#endif
	/* load_cbne_load_cbne_store */
	v = 1;
	v2 = 2;
	RETRY(ret, cpu, mode, ret = rseq_load_cbne_load_cbne_store__ptr(RSEQ_MO_RELAXED, mode, &v, 1,
						&v2, 3, 9, cpu));
	CHECK_EQ(ret, 1);
	CHECK_EQ(v, 1);
	RETRY(ret, cpu, mode, ret = rseq_load_cbne_load_cbne_store__ptr(RSEQ_MO_RELAXED, mode, &v, 1,
						&v2, 2, 9, cpu));
	CHECK_EQ(ret, 0);
	CHECK_EQ(v, 9);
	for (int m = 0; m < 2; m++) {
		/* load_cbne_store_store */
		v = 1;
		v2 = 0;
		RETRY(ret, cpu, mode, ret = rseq_load_cbne_store_store__ptr(mos[m], mode, &v, 1, &v2,
							77, 2, cpu));
		CHECK_EQ(ret, 0);
		CHECK(v == 2 && v2 == 77);
		RETRY(ret, cpu, mode, ret = rseq_load_cbne_store_store__ptr(mos[m], mode, &v, 1, &v2,
							78, 3, cpu));
		CHECK_EQ(ret, 1);
		CHECK(v == 2 && v2 == 77);
		/* load_cbne_memcpy_store */
		memset(dst, 0, sizeof(dst));
		RETRY(ret, cpu, mode, ret = rseq_load_cbne_memcpy_store__ptr(mos[m], mode, &v, 2, dst,
							src, sizeof(src), 5, cpu));
		CHECK_EQ(ret, 0);
		CHECK(v == 5 && !memcmp(dst, src, sizeof(src)));
		RETRY(ret, cpu, mode, ret = rseq_load_cbne_memcpy_store__ptr(mos[m], mode, &v, 2, dst,
							src, sizeof(src), 6, cpu));
		CHECK_EQ(ret, 1);
		CHECK_EQ(v, 5);
	}
}

/* A per-CPU counter and a per-CPU list under threads, as librseq's tests. */
#define OPS_THREADS 4
struct pcpu_slot {
	intptr_t count;
	intptr_t head;
} __attribute__((aligned(128)));
static struct pcpu_slot *slots;
static intptr_t list_nodes[OPS_THREADS][64][2];

static void *ops_thread(void *arg)
{
	long id = (long)(intptr_t)arg, n = (long)test_scale(20000);

	rseq_register_current_thread();
	for (long i = 0; i < n; i++) {
		int cpu, ret;

		RETRY(ret, cpu, RSEQ_PERCPU_CPU_ID,
		      ret = rseq_load_add_store__ptr(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,
						     &slots[cpu].count, 1, cpu));
		CHECK_EQ(ret, 0);
	}
	/* Push 64 nodes, then pop 64 nodes (from whatever CPU we are on). */
	for (int k = 0; k < 64; k++) {
		intptr_t *node = list_nodes[id][k];
		int cpu, ret;

		RETRY(ret, cpu, RSEQ_PERCPU_CPU_ID, {
			intptr_t head = RSEQ_READ_ONCE(slots[cpu].head);
			node[0] = head;
			ret = rseq_load_cbne_store__ptr(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,
							&slots[cpu].head, head, (intptr_t)node, cpu);
			if (ret > 0)
				ret = -1;	/* head changed: retry */
		});
		CHECK_EQ(ret, 0);
	}
	rseq_unregister_current_thread();
	return NULL;
}

static void test_ops_threads(void)
{
	pthread_t t[OPS_THREADS];
	int n = rseq_get_max_nr_cpus();
	intptr_t sum = 0, nodes = 0;

	slots = (struct pcpu_slot *)aligned_alloc(__alignof__(struct pcpu_slot),
						  (size_t)n * sizeof(*slots));
	if (slots)
		memset(slots, 0, (size_t)n * sizeof(*slots));
	for (long i = 0; i < OPS_THREADS; i++)
		pthread_create(&t[i], NULL, ops_thread, (void *)(intptr_t)i);
	for (int i = 0; i < OPS_THREADS; i++)
		pthread_join(t[i], NULL);
	for (int c = 0; c < n; c++) {
		sum += slots[c].count;
		/* Count the nodes (the threads are gone: plain reads). */
		for (intptr_t node = slots[c].head; node; node = ((intptr_t *)node)[0])
			nodes++;
	}
	CHECK_EQ(sum, (intptr_t)OPS_THREADS * (intptr_t)test_scale(20000));
	CHECK_EQ(nodes, OPS_THREADS * 64);
	free(slots);
}

/* ---- mempool ---- */

struct init_args {
	int calls;
	int cpus_seen;
};

static int init_func(void *priv, void *addr, size_t len, int cpu)
{
	struct init_args *a = (struct init_args *)priv;
	int rc;

	a->calls++;
	if (cpu >= 0)
		a->cpus_seen |= 1 << (cpu & 15);
	memset(addr, 0, len);
	rc = rseq_mempool_range_init_numa(addr, len, cpu < 0 ? 0 : cpu, 2 /* MPOL_MF_MOVE */);
	return rc && errno != ENOSYS && errno != EPERM ? -1 : 0;
}

static void test_mempool(void)
{
	struct rseq_mempool_attr *attr = rseq_mempool_attr_create();
	struct init_args ia = { 0, 0 };
	struct rseq_mempool *pool;
	int max = rseq_get_max_nr_cpus();
	long __rseq_percpu *a, *b;
	long init[2] = { 5, 6 };

	CHECK(attr != NULL);
	CHECK_EQ(rseq_mempool_attr_set_percpu(attr, RSEQ_MEMPOOL_STRIDE, 0), 0);
	CHECK_EQ(rseq_mempool_attr_set_max_nr_ranges(attr, 0), 0);
	CHECK_EQ(rseq_mempool_attr_set_poison(attr, 0x1234), 0);
	CHECK_EQ(rseq_mempool_attr_set_populate_policy(attr, RSEQ_MEMPOOL_POPULATE_COW_INIT), 0);
	CHECK_EQ(rseq_mempool_attr_set_init(attr, init_func, &ia), 0);
	pool = rseq_mempool_create("librseq-api", sizeof(long) * 2, attr);
	rseq_mempool_attr_destroy(attr);
	CHECK(pool != NULL);
	if (!pool)
		return;
	CHECK(ia.calls >= 1);
	CHECK_EQ(rseq_mempool_get_max_nr_cpus(pool), max);
	a = (long *)rseq_mempool_percpu_zmalloc(pool);
	b = (long *)rseq_mempool_percpu_malloc_init(pool, init, sizeof(init));
	CHECK(a && b);
	for (int cpu = 0; cpu < max; cpu++) {
		CHECK_EQ(rseq_percpu_ptr(a, cpu)[0], 0);
		CHECK_EQ(rseq_percpu_ptr(b, cpu)[1], 6);
		CHECK(rseq_percpu_ptr(b, cpu, RSEQ_MEMPOOL_STRIDE) == rseq_percpu_ptr(b, cpu));
		*rseq_percpu_ptr(a, cpu) = cpu + 1;
	}
	rseq_mempool_percpu_free(a);
	CHECK_EQ(*rseq_percpu_ptr(a, 0), 0x1234);	/* poisoned on free */
	librseq_mempool_percpu_free(b, RSEQ_MEMPOOL_STRIDE);
	a = (long *)rseq_mempool_percpu_malloc(pool);
	CHECK(a != NULL);
	rseq_mempool_percpu_free(a, RSEQ_MEMPOOL_STRIDE);
	CHECK_EQ(rseq_mempool_destroy(pool), 0);

	/* Global pool: plain allocations. */
	attr = rseq_mempool_attr_create();
	CHECK_EQ(rseq_mempool_attr_set_global(attr, 0), 0);
	pool = rseq_mempool_create(NULL, 24, attr);
	rseq_mempool_attr_destroy(attr);
	CHECK(pool != NULL);
	CHECK_EQ(rseq_mempool_get_max_nr_cpus(pool), -1);
	{
		char *x = (char *)rseq_mempool_malloc(pool);
		char *y = (char *)rseq_mempool_zmalloc(pool);
		char *z = (char *)rseq_mempool_malloc_init(pool, (void *)"hello", 6);

		CHECK(x && y && z && !strcmp(z, "hello") && y[31] == 0);
		rseq_mempool_free(x);
		rseq_mempool_free(y, RSEQ_MEMPOOL_STRIDE);
		rseq_mempool_free(z);
	}
	CHECK_EQ(rseq_mempool_destroy(pool), 0);

	/* Pool sets. */
	{
		struct rseq_mempool_set *set = rseq_mempool_set_create();
		struct rseq_mempool *small = rseq_mempool_create("s", 16, NULL);
		struct rseq_mempool *large = rseq_mempool_create("l", 256, NULL);
		void *p1, *p2, *p3, *q1, *q2, *q3;

		CHECK_EQ(rseq_mempool_set_add_pool(set, small), 0);
		CHECK_EQ(rseq_mempool_set_add_pool(set, large), 0);
		CHECK_EQ(rseq_mempool_set_add_pool(set, rseq_mempool_create("s2", 9, NULL)), -1);
		CHECK_EQ(errno, EBUSY);
		p1 = rseq_mempool_set_percpu_malloc(set, 16);
		p2 = rseq_mempool_set_percpu_zmalloc(set, 17);
		p3 = rseq_mempool_set_percpu_malloc_init(set, init, sizeof(init));
		q1 = rseq_mempool_set_malloc(set, 1);
		q2 = rseq_mempool_set_zmalloc(set, 200);
		q3 = rseq_mempool_set_malloc_init(set, init, sizeof(init));
		CHECK(p1 && p2 && p3 && q1 && q2 && q3);
		CHECK_EQ(((long *)p3)[1], 6);
		CHECK_EQ(((long *)q3)[0], 5);
		CHECK(rseq_mempool_set_percpu_malloc(set, 257) == NULL);
		rseq_mempool_percpu_free(p1);
		rseq_mempool_percpu_free(p2);
		rseq_mempool_percpu_free(p3);
		rseq_mempool_free(q1);
		rseq_mempool_free(q2);
		rseq_mempool_free(q3);
		CHECK_EQ(rseq_mempool_set_destroy(set), 0);
	}
}

/* Robust mode aborts on detected corruption (each case in a child). */
static int robust_child(int what)
{
	struct rseq_mempool_attr *attr = rseq_mempool_attr_create();
	struct rseq_mempool *pool;
	long *x;

	rseq_mempool_attr_set_robust(attr);
	rseq_mempool_attr_set_percpu(attr, 0, 0);
	pool = rseq_mempool_create("robust", 16, attr);
	rseq_mempool_attr_destroy(attr);
	if (!pool)
		return 2;
	x = (long *)rseq_mempool_percpu_malloc(pool);
	rseq_mempool_percpu_free(x);
	switch (what) {
	case 0:				/* correct use: no abort */
		x = (long *)rseq_mempool_percpu_zmalloc(pool);
		rseq_mempool_percpu_free(x);
		return rseq_mempool_destroy(pool);
	case 1:				/* double free */
		rseq_mempool_percpu_free(x);
		return 3;
	case 2:				/* use after free */
		x[1] = 99;
		rseq_mempool_percpu_malloc(pool);
		return 3;
	default:			/* leak at destroy */
		rseq_mempool_percpu_malloc(pool);
		rseq_mempool_destroy(pool);
		return 3;
	}
}

static void test_robust(void)
{
	for (int what = 0; what < 4; what++) {
		pid_t pid = fork();
		int st = 0;

		if (pid == 0)
			_exit(robust_child(what));
		CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
		if (what == 0)
			CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "robust case %d: %d", what, st);
		else
			CHECK_MSG(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
				  "robust case %d: status %d (SIGABRT expected)", what, st);
	}
}

int main(void)
{
	have_rseq = !test_expect_unavailable();
	test_registration();
	test_macros();
	if (have_rseq) {
		test_ops_mode(RSEQ_PERCPU_CPU_ID);
		if (rseq_mm_cid_available())
			test_ops_mode(RSEQ_PERCPU_MM_CID);
		test_ops_threads();
	}
	test_mempool();
	test_robust();
	return test_done();
}

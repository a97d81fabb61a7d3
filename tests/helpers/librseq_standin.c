/* SPDX-License-Identifier: MIT */
/*
 * tests/helpers/librseq_standin.c - a stand-in for librseq.so.0 in the
 * coexistence test (tests/pool_coexist_test.c): it exports librseq's
 * symbol names (rseq_register_current_thread, rseq_available,
 * rseq_offset, rseq_mempool_create, librseq_mempool_percpu_free, ...)
 * with behaviour of its own that no rseqkit function has, so that a test
 * can tell which library a call reached:
 *  - rseq_get_max_nr_cpus() returns 12345;
 *  - its pools are malloc()ed objects tagged with a magic number, and
 *    every pool function exits the process with status 86 when handed an
 *    object that is not one of them (an rseqkit pool reaching it);
 *  - registration behaves as librseq's: when the C library registered
 *    the thread the call succeeds without a system call, otherwise it
 *    registers an area of its own (and fails if the thread has one);
 *  - standin_calls counts every call.
 * It is not librseq and shares no code with it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <rseqkit/abi.h>

#define STANDIN_MAGIC	0x5354414eUL	/* "STAN" */

unsigned long standin_calls;
ptrdiff_t rseq_offset;
unsigned int rseq_size = ~0U;
unsigned int rseq_flags;

extern const ptrdiff_t __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));

static __thread struct rseq_abi standin_area
	__attribute__((tls_model("initial-exec"), aligned(32))) = {
	.cpu_id = (uint32_t)RSEQ_ABI_CPU_ID_UNINITIALIZED,
};
static int libc_owns = -1;

static void init(void)
{
	__atomic_fetch_add(&standin_calls, 1, __ATOMIC_RELAXED);
	if (libc_owns >= 0)
		return;
	libc_owns = &__rseq_size && __rseq_size;
	if (libc_owns) {
		rseq_offset = __rseq_offset;
		rseq_size = 32;
	} else {
		rseq_offset = (char *)&standin_area - (char *)__builtin_thread_pointer();
		rseq_size = 0;
	}
}

static long sys_rseq(void *area, uint32_t len, int flags)
{
#ifdef RSEQKIT_NR_rseq
	return syscall(RSEQKIT_NR_rseq, area, len, flags, 0x53053053);
#else
	(void)area; (void)len; (void)flags;
	errno = ENOSYS;
	return -1;
#endif
}

int rseq_register_current_thread(void)
{
	init();
	if (libc_owns)
		return 0;
	if (sys_rseq(&standin_area, 32, 0))
		return -1;
	rseq_size = 20;
	return 0;
}

int rseq_unregister_current_thread(void)
{
	init();
	if (libc_owns)
		return 0;
	return sys_rseq(&standin_area, 32, 1) ? -1 : 0;
}

/* The calling thread's CPU as this library sees it (its own area). */
int32_t standin_current_cpu_raw(void)
{
	init();
	return (int32_t)((struct rseq_abi *)((char *)__builtin_thread_pointer() + rseq_offset))->cpu_id;
}

bool rseq_available(unsigned int query)
{
	init();
	if (query == 0)
		return !(sys_rseq(NULL, 0, 0) && errno == ENOSYS);
	return query == 1 && libc_owns;
}

int rseq_get_max_nr_cpus(void)
{
	init();
	return 12345;
}

int32_t rseq_fallback_current_cpu(void)
{
	init();
	return 0;
}

struct rseq_mempool_attr {
	unsigned long magic;
	size_t stride;
};

struct rseq_mempool {
	unsigned long magic;
	size_t item_len;
	long live;
};

static void check(const void *obj)
{
	if (!obj || *(const unsigned long *)obj != STANDIN_MAGIC)
		_exit(86);	/* an object of another library reached this one */
}

struct rseq_mempool_attr *rseq_mempool_attr_create(void)
{
	struct rseq_mempool_attr *a = calloc(1, sizeof(*a));

	init();
	if (a)
		a->magic = STANDIN_MAGIC;
	return a;
}

void rseq_mempool_attr_destroy(struct rseq_mempool_attr *a)
{
	init();
	if (a)
		check(a);
	free(a);
}

int rseq_mempool_attr_set_percpu(struct rseq_mempool_attr *a, size_t stride, int max_nr_cpus)
{
	init();
	check(a);
	(void)max_nr_cpus;
	a->stride = stride;
	return 0;
}

struct rseq_mempool *rseq_mempool_create(const char *name, size_t item_len,
					 const struct rseq_mempool_attr *a)
{
	struct rseq_mempool *p = calloc(1, sizeof(*p));

	init();
	(void)name;
	if (a)
		check(a);
	if (p) {
		p->magic = STANDIN_MAGIC;
		p->item_len = item_len;
	}
	return p;
}

int rseq_mempool_destroy(struct rseq_mempool *p)
{
	init();
	if (!p)
		return 0;
	check(p);
	free(p);
	return 0;
}

/* Items: a header naming the pool, then the bytes. */
struct item {
	struct rseq_mempool *pool;
	unsigned long magic;
	char data[];
};

void *rseq_mempool_percpu_malloc(struct rseq_mempool *p)
{
	struct item *it;

	init();
	check(p);
	it = calloc(1, sizeof(*it) + p->item_len);
	if (!it)
		return NULL;
	it->pool = p;
	it->magic = STANDIN_MAGIC;
	p->live++;
	return it->data;
}

void *rseq_mempool_percpu_zmalloc(struct rseq_mempool *p)
{
	return rseq_mempool_percpu_malloc(p);
}

void librseq_mempool_percpu_free(void *ptr, size_t stride)
{
	struct item *it = (struct item *)((char *)ptr - offsetof(struct item, data));

	init();
	(void)stride;
	if (it->magic != STANDIN_MAGIC)
		_exit(86);
	it->pool->live--;
	free(it);
}

int rseq_mempool_get_max_nr_cpus(struct rseq_mempool *p)
{
	init();
	check(p);
	return 12345;
}

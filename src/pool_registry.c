/* SPDX-License-Identifier: MIT */
/*
 * src/pool_registry.c - the process-wide state of the pool: the list of
 * pools (for the fork handlers) and the table that finds a range from
 * an item pointer, and the pool's fork handlers.
 *
 * The range table is a radix tree over the page number of a range's base
 * (4 levels of 13 bits cover 64-bit addresses).  Lookups are lock-free:
 * nodes are published with release stores and never freed, entries are
 * set and cleared with release stores.  Inserts take 'tree_lock'.  The
 * memory it uses is bounded by the address space that ever held a range
 * base: 64 KiB per level-3 node, of which only the touched pages count.
 *
 * Lock order: list_lock, then pool locks (in list order), then
 * tree_lock, then ialloc's lock.  The fork handlers take all of them.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include "pool-internal.h"

#define TREE_SHIFT	12		/* bases are page aligned (>= 4 KiB) */
#define TREE_BITS	13
#define TREE_FAN	(1u << TREE_BITS)
#define TREE_LEVELS	4

struct tree_node {
	void *slot[TREE_FAN];		/* next level, or ranges at the last */
};

static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rseq_mempool *list_head;
static pthread_mutex_t tree_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tree_node tree_root;

void rseqkit_pool_list_lock(void)
{
	pthread_mutex_lock(&list_lock);
}

void rseqkit_pool_list_unlock(void)
{
	pthread_mutex_unlock(&list_lock);
}

void rseqkit_pool_list_add(struct rseq_mempool *p)
{
	pthread_mutex_lock(&list_lock);
	p->reg_prev = NULL;
	p->reg_next = list_head;
	if (list_head)
		list_head->reg_prev = p;
	list_head = p;
	pthread_mutex_unlock(&list_lock);
}

void rseqkit_pool_list_del(struct rseq_mempool *p)
{
	pthread_mutex_lock(&list_lock);
	if (p->reg_prev)
		p->reg_prev->reg_next = p->reg_next;
	else if (list_head == p)
		list_head = p->reg_next;
	if (p->reg_next)
		p->reg_next->reg_prev = p->reg_prev;
	p->reg_prev = p->reg_next = NULL;
	pthread_mutex_unlock(&list_lock);
}

static unsigned int tree_index(uintptr_t key, int level)
{
	unsigned int shift = (unsigned int)(TREE_LEVELS - 1 - level) * TREE_BITS;

	return (unsigned int)((key >> shift) & (TREE_FAN - 1));
}

/* The leaf slot of 'base'; creates the path when 'create' (tree_lock held). */
static void **tree_slot(uintptr_t base, bool create)
{
	uintptr_t key = base >> TREE_SHIFT;
	struct tree_node *n = &tree_root;

	for (int level = 0; level < TREE_LEVELS - 1; level++) {
		void **s = &n->slot[tree_index(key, level)];
		struct tree_node *next = __atomic_load_n(s, __ATOMIC_ACQUIRE);

		if (!next) {
			if (!create)
				return NULL;
			next = rseqkit_icalloc(1, sizeof(*next));
			if (!next)
				return NULL;
			__atomic_store_n(s, next, __ATOMIC_RELEASE);
		}
		n = next;
	}
	return &n->slot[tree_index(key, TREE_LEVELS - 1)];
}

int rseqkit_pool_table_add(struct pool_range *r)
{
	void **s;

	pthread_mutex_lock(&tree_lock);
	s = tree_slot((uintptr_t)r->base, true);
	if (s)
		__atomic_store_n(s, r, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&tree_lock);
	return s ? 0 : rseqkit_fail(ENOMEM, "out of memory for the pool's range table");
}

/*
 * Each thread remembers the last range it found (frees tend to go to the
 * same range); any removal from the table bumps 'table_gen', which makes
 * every remembered range stale.
 */
static unsigned long table_gen;
static __thread struct {
	uintptr_t base;
	struct pool_range *range;
	unsigned long gen;
} table_last __attribute__((tls_model("initial-exec")));

void rseqkit_pool_table_del(struct pool_range *r)
{
	void **s;

	pthread_mutex_lock(&tree_lock);
	s = tree_slot((uintptr_t)r->base, false);
	if (s && *s == r)
		__atomic_store_n(s, NULL, __ATOMIC_RELEASE);
	__atomic_fetch_add(&table_gen, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&tree_lock);
}

struct pool_range *rseqkit_pool_table_find(uintptr_t base)
{
	unsigned long gen = __atomic_load_n(&table_gen, __ATOMIC_ACQUIRE);
	struct pool_range *r;
	void **s;

	if (table_last.base == base && table_last.gen == gen)
		return table_last.range;
	s = tree_slot(base, false);
	r = s ? __atomic_load_n(s, __ATOMIC_ACQUIRE) : NULL;
	if (r) {
		table_last.base = base;
		table_last.range = r;
		table_last.gen = gen;
	}
	return r;
}

/*
 * fork(): the child gets the pools in a consistent state (no lock held,
 * no range half made) and can use every one of them.  COW_INIT ranges
 * share their initial-values area with the other process from now on, so
 * both processes stop writing it ('frozen': allocations write the
 * instances themselves).  Called by the library's fork handlers.
 */
RSEQKIT_HIDDEN void rseqkit_pool_fork_prepare(void);
RSEQKIT_HIDDEN void rseqkit_pool_fork_parent(void);
RSEQKIT_HIDDEN void rseqkit_pool_fork_child(void);

void rseqkit_pool_fork_prepare(void)
{
	pthread_mutex_lock(&list_lock);
	for (struct rseq_mempool *p = list_head; p; p = p->reg_next) {
		pthread_mutex_lock(&p->lock);
		for (struct pool_range *r = p->ranges; r; r = r->next)
			if (r->init)
				__atomic_store_n(&r->frozen, true, __ATOMIC_RELAXED);
	}
	pthread_mutex_lock(&tree_lock);
}

void rseqkit_pool_fork_parent(void)
{
	pthread_mutex_unlock(&tree_lock);
	for (struct rseq_mempool *p = list_head; p; p = p->reg_next)
		pthread_mutex_unlock(&p->lock);
	pthread_mutex_unlock(&list_lock);
}

void rseqkit_pool_fork_child(void)
{
	pthread_mutex_init(&tree_lock, NULL);
	for (struct rseq_mempool *p = list_head; p; p = p->reg_next)
		pthread_mutex_init(&p->lock, NULL);
	pthread_mutex_init(&list_lock, NULL);
}

/*
 * Until the library has one set of fork handlers (docs/safety.md), the
 * pool registers its own, and the metadata allocator's (which the pool
 * uses under its locks).  Registered first, ialloc's prepare runs last.
 */
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void atfork_register(void)
{
	pthread_atfork(rseqkit_ialloc_fork_prepare, rseqkit_ialloc_fork_parent,
		       rseqkit_ialloc_fork_child);
	pthread_atfork(rseqkit_pool_fork_prepare, rseqkit_pool_fork_parent,
		       rseqkit_pool_fork_child);
}

void rseqkit_pool_atfork_once(void)
{
	pthread_once(&atfork_once, atfork_register);
}

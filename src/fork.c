/* SPDX-License-Identifier: MIT */
/*
 * src/fork.c - the library's one set of fork() handlers (design:
 * docs/safety.md).  Areas with state that a fork() could catch half-way
 * register a hook in their slot (src/internal.h): prepare takes their
 * locks so that no other thread is inside, parent releases them, child
 * makes the state usable by the one thread the child has.  The metadata
 * allocator's lock is taken last and released first, because every hook
 * may allocate while it holds its own locks.
 */
#include <pthread.h>
#include "internal.h"

static const struct rseqkit_fork_hook *hooks[RSEQKIT_FORK_SLOTS];

static void fork_prepare(void)
{
	for (int i = 0; i < RSEQKIT_FORK_SLOTS; i++) {
		const struct rseqkit_fork_hook *h =
			__atomic_load_n(&hooks[i], __ATOMIC_ACQUIRE);

		if (h && h->prepare)
			h->prepare();
	}
	rseqkit_ialloc_fork_prepare();
}

static void fork_parent(void)
{
	rseqkit_ialloc_fork_parent();
	for (int i = RSEQKIT_FORK_SLOTS - 1; i >= 0; i--) {
		const struct rseqkit_fork_hook *h =
			__atomic_load_n(&hooks[i], __ATOMIC_ACQUIRE);

		if (h && h->parent)
			h->parent();
	}
}

static void fork_child(void)
{
	rseqkit_ialloc_fork_child();
	for (int i = RSEQKIT_FORK_SLOTS - 1; i >= 0; i--) {
		const struct rseqkit_fork_hook *h =
			__atomic_load_n(&hooks[i], __ATOMIC_ACQUIRE);

		if (h && h->child)
			h->child();
	}
}

static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void fork_install(void)
{
	/* Fails only with ENOMEM; then fork() is as without the library. */
	(void)pthread_atfork(fork_prepare, fork_parent, fork_child);
}

void rseqkit_fork_init(void)
{
	pthread_once(&fork_once, fork_install);
}

void rseqkit_fork_register(enum rseqkit_fork_slot slot,
			   const struct rseqkit_fork_hook *hook)
{
	rseqkit_fork_init();
	__atomic_store_n(&hooks[slot], hook, __ATOMIC_RELEASE);
}

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

/* Call each registered hook's function at 'member', in slot order or not. */
static void each_hook(size_t member, bool reverse)
{
	for (int n = 0; n < RSEQKIT_FORK_SLOTS; n++) {
		int i = reverse ? RSEQKIT_FORK_SLOTS - 1 - n : n;
		const struct rseqkit_fork_hook *h =
			__atomic_load_n(&hooks[i], __ATOMIC_ACQUIRE);
		void (*fn)(void) = h ? *(void (*const *)(void))(const void *)
			((const char *)h + member) : NULL;

		if (fn)
			fn();
	}
}

static void fork_prepare(void)
{
	each_hook(offsetof(struct rseqkit_fork_hook, prepare), false);
	rseqkit_ialloc_fork_prepare();
}

static void fork_parent(void)
{
	rseqkit_ialloc_fork_parent();
	each_hook(offsetof(struct rseqkit_fork_hook, parent), true);
}

static void fork_child(void)
{
	rseqkit_ialloc_fork_child();
	each_hook(offsetof(struct rseqkit_fork_hook, child), true);
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

/* SPDX-License-Identifier: MIT */
/*
 * src/internal.h - what the library's source files share; not installed.
 *
 * Everything here has hidden visibility: it is neither exported by
 * librseqkit.so nor declared in a public header (docs/surface.md,
 * section 3).  Functions named rseqkit_* are internal by name; the
 * per-CPU structures' helpers keep their rseq_percpu_* source names (the
 * ring buffers and the allocator build on them) and carry an RSEQKIT_SYM
 * label like public functions, so that every global symbol of the static
 * archive is spelled rseqkit_* too.
 */
#ifndef RSEQKIT_INTERNAL_H
#define RSEQKIT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <rseqkit/rseq.h>
#include <rseqkit/percpu/common.h>

#define RSEQKIT_EXPORT	__attribute__((visibility("default")))
#define RSEQKIT_HIDDEN	__attribute__((visibility("hidden")))
/* Thread-local state the library may touch in a signal handler. */
#define RSEQKIT_TLS	__thread __attribute__((tls_model("initial-exec")))

/* One-time process setup (constructor; also called by registration). */
RSEQKIT_HIDDEN void rseqkit_init(void);

/* The kernel's rseq feature size (0 when rseq is unavailable). */
RSEQKIT_HIDDEN unsigned int rseqkit_kernel_feature_size(void);

/*
 * Remember why the calling thread's call failed; sets errno; returns -1.
 * Async-signal-safe (a thread-local pointer and errno).
 */
RSEQKIT_HIDDEN int rseqkit_fail(int err, const char *reason);
/* The same for functions that return a pointer: NULL. */
RSEQKIT_HIDDEN void *rseqkit_fail_null(int err, const char *reason);

/*
 * The active feature size of this process's registrations: what
 * rseq_size reads once a thread registered, also before (rseq_size is 0
 * until then when rseqkit owns registration, as with the kernel's helper).
 * For decisions made before any thread may have registered, such as a
 * pool's mm_cid indexing: compare with rseq_offsetofend(struct rseq_abi, ...).
 */
RSEQKIT_HIDDEN unsigned int rseqkit_active_size(void);

/*
 * Register the calling thread on first use (the per-CPU structures' slow
 * path): 0 when the thread has a working registration afterwards, -1 with
 * errno otherwise.  Never registers a thread that unregistered explicitly
 * (until it calls rseq_register_current_thread() again); the registration
 * it makes is not counted: rseq_register_current_thread() takes it over,
 * rseq_unregister_current_thread() undoes it, thread exit ends it.
 */
RSEQKIT_HIDDEN int rseqkit_register_implicit(void);

/* The raw system call: 0, or -1 with errno. */
RSEQKIT_HIDDEN int rseqkit_sys_rseq(void *area, uint32_t len, int flags,
				    uint32_t sig);

/* ------------------------------------------------------------------ */
/* Metadata allocator (src/ialloc.c)                                   */
/*
 * mmap-backed, zeroed memory, never malloc(), so that rseqkit's own
 * malloc can use the library.  Not for fast paths.  In a signal handler
 * that interrupted the allocator on the same thread it fails with EAGAIN
 * instead of waiting (its lock is a struct rseqkit_lock).  The fork
 * functions are called by the library's fork handlers (src/fork.c) only.
 */
RSEQKIT_HIDDEN void *rseqkit_ialloc(size_t size);
RSEQKIT_HIDDEN void *rseqkit_icalloc(size_t n, size_t size);
/* Zeroed, aligned on 'align' (a power of two <= 4096); not for irealloc. */
RSEQKIT_HIDDEN void *rseqkit_ialloc_aligned(size_t align, size_t size);
RSEQKIT_HIDDEN void *rseqkit_irealloc(void *p, size_t size);
RSEQKIT_HIDDEN void rseqkit_ifree(void *p);
RSEQKIT_HIDDEN void rseqkit_ialloc_fork_prepare(void);
RSEQKIT_HIDDEN void rseqkit_ialloc_fork_parent(void);
RSEQKIT_HIDDEN void rseqkit_ialloc_fork_child(void);

/* ------------------------------------------------------------------ */
/* Waiting that never waits for the code it interrupted (src/sync.c)   */
/*
 * A signal handler may interrupt library code that holds a lock or a
 * claim, and call the library again on the same thread.  Two rules keep
 * that from hanging (docs/safety.md):
 *  - every lock and claim records its holder's token, so a thread that
 *    finds one held by itself (the code its handler interrupted) does
 *    not wait for it;
 *  - locks have levels, always taken in increasing order by the library;
 *    a thread waits for a lock of level L only while it holds nothing of
 *    level L or above.  Otherwise (a handler that interrupted library
 *    code) it only tries, and reports EAGAIN: no wait, hence no cycle of
 *    waits through two threads' handlers either.
 */
enum rseqkit_level {
	RSEQKIT_LEVEL_REGISTRY,	/* the per-CPU structures' registry */
	RSEQKIT_LEVEL_CLAIM,	/* a claim of a per-CPU slot */
	RSEQKIT_LEVEL_DEPOT,	/* an object cache's depot */
	RSEQKIT_LEVEL_IALLOC,	/* the metadata allocator */
	RSEQKIT_LEVELS
};

/*
 * This thread's token: never 0, unique among live threads, the same in a
 * signal handler as in the code it interrupted, and in the child of
 * fork() for the thread that called fork().  Async-signal-safe.
 */
RSEQKIT_HIDDEN uintptr_t rseqkit_token(void);

/* May this thread wait for something of 'level' (see above)? */
RSEQKIT_HIDDEN bool rseqkit_may_wait(enum rseqkit_level level);
/* Count a lock or claim of 'level' as held by this thread, or not. */
RSEQKIT_HIDDEN void rseqkit_level_enter(enum rseqkit_level level);
RSEQKIT_HIDDEN void rseqkit_level_leave(enum rseqkit_level level);

/*
 * Back off while waiting for another thread: a spin-wait hint the first
 * 64 times, then sched_yield().  Bounded by the other thread's progress:
 * callers wait only for holders that are running library code.
 */
void rseq_percpu_backoff(unsigned int *n) RSEQKIT_SYM(percpu_backoff) RSEQKIT_HIDDEN;

/*
 * Take a word that records its holder's token (a lock, a claim's owner
 * word): 0 once held; -1 with errno EDEADLK (held by this thread: the
 * code a signal handler interrupted) or EAGAIN (held by another thread,
 * and this thread may not wait for 'level').  'what' names the thing in
 * the reason.  Release with rseqkit_owner_release().
 */
RSEQKIT_HIDDEN int rseqkit_owner_acquire(uintptr_t *owner, enum rseqkit_level level,
					 const char *self_reason, const char *busy_reason);
RSEQKIT_HIDDEN void rseqkit_owner_release(uintptr_t *owner, enum rseqkit_level level);

/* A small lock that knows its holder (for the rules above). */
struct rseqkit_lock {
	uintptr_t owner;	/* 0 free, else the holder's token */
};
#define RSEQKIT_LOCK_INIT	{ 0 }

/*
 * 0 once held; -1 with errno EDEADLK (held by this thread: the code a
 * signal handler interrupted) or EAGAIN (held by another thread, and
 * this thread may not wait: see above).
 */
RSEQKIT_HIDDEN int rseqkit_lock_acquire(struct rseqkit_lock *l, enum rseqkit_level level);
RSEQKIT_HIDDEN void rseqkit_lock_release(struct rseqkit_lock *l, enum rseqkit_level level);
/* In the child of fork(): free, whoever held it. */
RSEQKIT_HIDDEN void rseqkit_lock_reset(struct rseqkit_lock *l);

/* ------------------------------------------------------------------ */
/* fork() (src/fork.c)                                                 */
/*
 * One set of pthread_atfork() handlers for the whole library, installed
 * once (on the first metadata allocation or hook registration).  Prepare
 * runs the hooks in slot order, then takes the metadata allocator's lock
 * (rseqkit_ialloc_fork_prepare); parent and child release it first, then
 * run the hooks in reverse slot order.  A slot's hook is registered once
 * (the caller sees to it: a pthread_once); registering it again replaces
 * it.  Hooks run in the forking thread; the child runs single-threaded.
 */
enum rseqkit_fork_slot {
	RSEQKIT_FORK_MALLOC,		/* librseqkit-malloc's locks */
	RSEQKIT_FORK_POOL,		/* the per-CPU memory pools */
	RSEQKIT_FORK_STRUCTURES,	/* the per-CPU structures (src/percpu_common.c) */
	RSEQKIT_FORK_SLOTS
};

struct rseqkit_fork_hook {
	void (*prepare)(void);
	void (*parent)(void);
	void (*child)(void);
};

RSEQKIT_HIDDEN void rseqkit_fork_register(enum rseqkit_fork_slot slot,
					  const struct rseqkit_fork_hook *hook);
/* Install the handlers (idempotent). */
RSEQKIT_HIDDEN void rseqkit_fork_init(void);

/* ------------------------------------------------------------------ */
/* Per-CPU structures (src/percpu_*.c)                                  */

/*
 * rseqkit_percpu_priv.fast: which fast path a structure's operations
 * take, fixed at creation.  RSEQ_PERCPU_FAST_CPU is the common case: rseq
 * mode, indexed by CPU number, and every CPU number the kernel can report
 * has an instance, so the index is rseq_cpu_start() (always a possible
 * CPU) without a range check, and the critical section's own comparison
 * of cpu_id with it stands for the "registered?" check.
 */
#define RSEQ_PERCPU_FAST_CPU	 0	/* as above */
#define RSEQ_PERCPU_FAST_CHECKED 1	/* rseq mode, index checked (mm_cid,
					   or a pool without every CPU) */
#define RSEQ_PERCPU_FAST_NONE	 2	/* atomic mode: no critical sections */

/*
 * What a kind of structure does at fork() (in the registry walk of the
 * fork handlers); any of them may be NULL.  child_slot() repairs slot
 * 'cpu' in the child: the threads that held claims or locks there do not
 * exist any more.
 */
struct rseqkit_percpu_kind {
	const char *name;
	void (*fork_prepare)(struct rseq_percpu_base *b);
	void (*fork_parent)(struct rseq_percpu_base *b);
	void (*fork_child)(struct rseq_percpu_base *b);
	void (*child_slot)(struct rseq_percpu_base *b, int cpu);
};

/* The claimable structures' repair: the slot header's claim undone. */
RSEQKIT_HIDDEN extern const struct rseqkit_percpu_kind rseqkit_percpu_kind_claimable;

/* The library's private part of every structure (rseq_percpu_base.priv). */
struct rseqkit_percpu_priv {
	const struct rseqkit_percpu_kind *kind;	/* NULL: nothing at fork */
	int fast;			/* RSEQ_PERCPU_FAST_* */
	struct rseq_mempool *pool;
	struct rseq_mempool *owned_pool;	/* the pool, when the structure created it */
	struct rseq_percpu_base *reg_prev, *reg_next;	/* the registry */
	void *data;			/* the kind's own state */
};

static inline struct rseqkit_percpu_priv *rseqkit_percpu_priv(const struct rseq_percpu_base *b)
{
	return (struct rseqkit_percpu_priv *)b->priv;
}

/* Flags of rseq_percpu_claim(). */
#define RSEQ_PERCPU_CLAIM_ZERO	0x1	/* only while the word is 0 (a free lock):
					   otherwise fail with EBUSY, not wait */

/*
 * Own slot 'cpu' of b: stores RSEQ_PERCPU_STOP into its key word so that
 * no critical section commits to the slot until rseq_percpu_release(),
 * and returns the word's previous value.  Waits only for other claimers
 * (short), and only where it may (rseqkit_may_wait()).  Fails, returning
 * RSEQ_PERCPU_STOP with errno set: EAGAIN (the slot is claimed by the
 * code a signal handler of this thread interrupted, or by another thread
 * while this one may not wait), EBUSY (CLAIM_ZERO and the word is not 0),
 * or the membarrier fence's error (EPERM, ENOSYS: membarrier denied after
 * the mode was chosen; latched for the process).
 */
intptr_t rseq_percpu_claim(const struct rseq_percpu_base *b, int cpu,
			   int flags) RSEQKIT_SYM(percpu_claim) RSEQKIT_HIDDEN;
/* Give the slot back with 'word' as its new key word. */
void rseq_percpu_release(const struct rseq_percpu_base *b, int cpu,
			 intptr_t word) RSEQKIT_SYM(percpu_release) RSEQKIT_HIDDEN;

/*
 * Claim 'cpu' or, where this thread may not wait (a signal handler that
 * interrupted library code), the first of the other slots that can be had
 * without waiting and for which want(word) holds (NULL: any).  Returns
 * the index claimed with the previous word in *prev, or -1 with errno.
 */
int rseq_percpu_claim_any(const struct rseq_percpu_base *b, int cpu,
			  bool (*want)(const struct rseq_percpu_base *b, intptr_t word),
			  intptr_t *prev) RSEQKIT_SYM(percpu_claim_any) RSEQKIT_HIDDEN;

/*
 * A registered thread's critical section found slot 'cpu' claimed
 * (RSEQ_PERCPU_STOP): 0 after backing off (retry), or -1 with errno
 * EAGAIN when this thread must not wait for that claimer.
 */
int rseq_percpu_wait_claimer(const struct rseq_percpu_base *b, int cpu,
			     unsigned int *n) RSEQKIT_SYM(percpu_wait_claimer) RSEQKIT_HIDDEN;

/*
 * Aborted critical sections a slow path retries before it takes the
 * claim path instead (which always makes progress).
 */
#define RSEQKIT_PERCPU_TRIES	64

/*
 * The shape of every slow path of the stack, buffer and FIFO, written
 * once (rseqkit_percpu_slow()): find the slot (the index of a registered
 * thread, else sched_getcpu()); a registered thread retries its critical
 * section, waiting while a claimer owns the slot, at most
 * RSEQKIT_PERCPU_TRIES aborts; a thread without rseq, any thread in
 * atomic mode, a registered one out of tries, and one that may not wait
 * for the claimer (a signal handler that interrupted rseqkit) take the
 * claim path: a claim of the slot, or of any slot for which want() holds
 * where it may not wait.
 */
enum rseqkit_slow {
	RSEQKIT_SLOW_DONE,	/* *result is the operation's result */
	RSEQKIT_SLOW_RETRY,	/* a comparison failed: read again */
	RSEQKIT_SLOW_ABORTED,	/* the section aborted: one try spent */
	RSEQKIT_SLOW_CLAIMED,	/* the slot is claimed (RSEQ_PERCPU_STOP) */
};

struct rseqkit_slow_op {
	/* One attempt with a critical section on slot 'cpu'. */
	enum rseqkit_slow (*section)(const struct rseq_percpu_base *b, int cpu,
				     void *arg, intptr_t *result);
	/* Which slots the claim path may use instead of the thread's. */
	bool (*want)(const struct rseq_percpu_base *b, intptr_t word);
	/* The operation on slot c, claimed, whose word was 'word'; releases it. */
	intptr_t (*claimed)(const struct rseq_percpu_base *b, int c, intptr_t word,
			    void *arg);
};

/* A section that did not commit: aborted (< 0), or a comparison failed. */
static inline enum rseqkit_slow rseqkit_slow_outcome(int r)
{
	return r < 0 ? RSEQKIT_SLOW_ABORTED : RSEQKIT_SLOW_RETRY;
}

/* Run op; 'fail' is what to return when no slot could be claimed. */
RSEQKIT_HIDDEN intptr_t rseqkit_percpu_slow(const struct rseq_percpu_base *b,
					    const struct rseqkit_slow_op *op,
					    void *arg, intptr_t fail);

/* Fence the critical sections on 'cpu' (-1: every CPU). 0 or -1. */
int rseq_percpu_fence(int cpu) RSEQKIT_SYM(percpu_fence) RSEQKIT_HIDDEN;

/*
 * The slow paths' choice of slot: the index of a registered thread, else
 * sched_getcpu(), folded into 0 .. nr - 1.  *registered says whether a
 * critical section may be tried.  (It never registers the thread: a
 * thread that unregistered stays so.)
 */
int rseq_percpu_slow_index(const struct rseq_percpu_base *b,
			   bool *registered) RSEQKIT_SYM(percpu_slow_index) RSEQKIT_HIDDEN;

/*
 * Set up / tear down b over pool (NULL: a private pool) with per-CPU
 * items of item_len bytes, and enter it in the registry (kind: what it
 * does at fork; NULL for nothing).  Every argument is checked before
 * anything is allocated: 0, or -1 with errno.
 */
int rseq_percpu_base_init(struct rseq_percpu_base *b, struct rseq_mempool *pool,
			  size_t item_len, const char *name) RSEQKIT_SYM(percpu_base_init) RSEQKIT_HIDDEN;
int rseqkit_percpu_base_init_kind(struct rseq_percpu_base *b, struct rseq_mempool *pool,
				  size_t item_len, const char *name,
				  const struct rseqkit_percpu_kind *kind) RSEQKIT_HIDDEN;
void rseq_percpu_base_fini(struct rseq_percpu_base *b) RSEQKIT_SYM(percpu_base_fini) RSEQKIT_HIDDEN;

/*
 * A structure of 'size' bytes that starts with its struct
 * rseq_percpu_base, set up as above; NULL with errno.  Destroy with
 * rseqkit_percpu_destroy() (NULL is a no-op).
 */
RSEQKIT_HIDDEN void *rseqkit_percpu_create(size_t size, struct rseq_mempool *pool,
					   size_t slot_len, const char *name,
					   const struct rseqkit_percpu_kind *kind);
RSEQKIT_HIDDEN void rseqkit_percpu_destroy(struct rseq_percpu_base *b);

/* Is 'cpu' an index of b?  Otherwise -1 with errno EINVAL. */
RSEQKIT_HIDDEN int rseqkit_percpu_check_cpu(const struct rseq_percpu_base *b, int cpu);

/* Per-CPU buffer of pointers inside another structure (the cache). */
struct rseq_percpu_buffer;
int rseq_percpu_buffer_init(struct rseq_percpu_buffer *buf, size_t capacity,
			    struct rseq_mempool *pool,
			    const char *name) RSEQKIT_SYM(percpu_buffer_init) RSEQKIT_HIDDEN;
void rseq_percpu_buffer_fini(struct rseq_percpu_buffer *buf) RSEQKIT_SYM(percpu_buffer_fini) RSEQKIT_HIDDEN;
/* Bytes of one CPU's slot of a buffer of 'capacity' pointers; 0: bad. */
RSEQKIT_HIDDEN size_t rseqkit_percpu_buffer_slot_len(size_t capacity);

/* Turn an END-terminated stack chain into a NULL-terminated list. */
struct rseq_percpu_node;
struct rseq_percpu_node *rseq_percpu_stack_terminate(intptr_t head) RSEQKIT_SYM(percpu_stack_terminate) RSEQKIT_HIDDEN;

#endif

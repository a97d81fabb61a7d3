/* SPDX-License-Identifier: MIT */
/*
 * src/ringbuf-internal.h - the ring buffer's memory layout and the state
 * its source files share (not installed).  docs/ringbuf.md explains every
 * word: who writes it, how, and who reads it.
 *
 * One mapping (anonymous, or a memfd when shared) holds:
 *   page 0            struct rb_shm: the layout, the consumer's wake-up
 *                     and flush-request words
 *   control blocks    one per CPU, ctl_stride apart (struct rb_ctl, then
 *                     the per-sub-buffer arrays)
 *   data areas        one per CPU, data_stride apart: the ring itself
 * The write positions are not in it: they are the claim slots of a
 * per-CPU pool item (struct rseq_percpu_base b), private to the writers'
 * process, which is the only one that reserves.
 */
#ifndef RSEQKIT_RINGBUF_INTERNAL_H
#define RSEQKIT_RINGBUF_INTERNAL_H

#include <signal.h>
#include <stdint.h>
#include <pthread.h>
#include <rseqkit/ringbuf.h>
#include "internal.h"

#define RB_MAGIC	"rseqkitR"
#define RB_VERSION	1u
#define RB_LINE		128	/* two cache lines: adjacent-line prefetch */
#define RB_MAX_CPUS	8192
#define RB_MIN_SUBBUF	4096u
#define RB_MAX_SUBBUFS	4096u
#define RB_DEF_SUBBUF	(64u * 1024)
#define RB_DEF_NR	4u
#define RB_STOP		RSEQ_PERCPU_STOP

/* Page 0 of the mapping. */
struct rb_shm {
	char magic[8];
	uint32_t version;
	uint32_t word_bits;		/* 8 * sizeof(intptr_t) of the writers */
	uint32_t mode;			/* enum rseq_ringbuf_mode */
	uint32_t clock;			/* enum rseq_ringbuf_clock in effect */
	uint64_t sb_size, nr_sb;
	uint64_t nr_cpus;
	uint64_t ctl_offset, ctl_stride;
	uint64_t data_offset, data_stride;
	uint64_t map_size;
	uint64_t off_commit, off_commit_atomic, off_records, off_records_atomic;
	uint64_t off_records_base, off_end;
	uint64_t calib_counter, calib_ns;	/* CLOCK_COUNTER at creation */
	/* Consumer wake-up (futex word, waiting consumers, eventfd armed). */
	uint32_t wake_seq __attribute__((aligned(RB_LINE)));
	uint32_t waiters;
	uint32_t poll_armed;
	uint32_t kick_seq;		/* rseq_ringbuf_wake() calls */
	uint32_t futex_shared;		/* FUTEX_PRIVATE_FLAG unless shared */
	/* Flush requests for the flush service. */
	uint32_t flush_req_seq __attribute__((aligned(RB_LINE)));
	uint32_t flush_done_seq;
	int32_t service_pid;
};

/*
 * A CPU's control block.  Word owners (docs/ringbuf.md):
 *   consumed        the consumer (discard); the consumer and overwriting
 *                   writers by compare-and-swap (overwrite)
 *   *_local         critical sections on this CPU only
 *   *_atomic        atomic adds of anyone else
 * Then one line (RSEQ_RINGBUF_SB_CTL bytes) per sub-buffer, whose words
 * are at these offsets (of sub-buffer 0's line):
 *   off_commit        bytes committed (critical sections on this CPU)
 *   off_records       records committed (same, overwrite mode)
 *   off_commit_atomic, off_records_atomic   the same by atomic adds
 *   off_records_base  records of the sub-buffer before its current lap
 *   off_end           where the records of the last closed lap end
 */
struct rb_ctl {
	intptr_t consumed;		/* position of the next sub-buffer to read */
	uint32_t flush_req;		/* a flush is requested (service) */
	intptr_t drops_full_local __attribute__((aligned(RB_LINE)));
	intptr_t drops_busy_local;
	intptr_t drops_full_atomic __attribute__((aligned(RB_LINE)));
	intptr_t drops_busy_atomic;
	intptr_t overwritten;
	intptr_t overwritten_subbufs;
	intptr_t flushes;
};

/* What a consumer keeps per CPU (private to its process). */
struct rb_reader {
	int held;			/* get_subbuf without put */
	uintptr_t held_pos;
	char *copy;			/* overwrite mode: the copy handed out */
	struct rseq_ringbuf_subbuf cur;	/* rseq_ringbuf_read()'s sub-buffer */
	size_t cur_off;
	int cur_valid;
	uint64_t delivered;
};

struct rb_priv {
	void *map;
	size_t map_len;
	int memfd;			/* -1 unless shared */
	int efd;			/* -1 unless WAKEUP_EVENTFD */
	int owner;			/* created here (writers), not opened */
	struct rb_shm lay;		/* the layout, as checked (private copy) */
	struct rb_shm *shm;		/* the mapping's page 0: its live words */
	struct rb_reader *readers;
	pthread_mutex_t service_lock;
	pthread_t service;
	int service_running;
	int service_stop;
	unsigned int service_period_ms;
};

struct rseq_ringbuf_attr {
	size_t sb_size, nr_sb;
	enum rseq_ringbuf_mode mode;
	enum rseq_ringbuf_clock clock;
	enum rseq_ringbuf_wakeup wakeup;
	bool shared;
	bool populate;
};

static inline struct rb_priv *rb_priv(const struct rseq_ringbuf *rb)
{
	return (struct rb_priv *)rb->priv;
}

static inline struct rb_ctl *rb_ctl(const struct rseq_ringbuf *rb, int cpu)
{
	return (struct rb_ctl *)(rb->ctl + (size_t)cpu * rb->ctl_stride);
}

/* Word 'idx' (RSEQ_RINGBUF_CNT_*) of sub-buffer i's counters in cpu's block. */
static inline intptr_t *rb_arr(const struct rseq_ringbuf *rb, int cpu, unsigned int idx,
			       uintptr_t i)
{
	return (intptr_t *)(rb->ctl + (size_t)cpu * rb->ctl_stride + rb->off_cnt +
			    i * RSEQ_RINGBUF_SB_CTL) + idx;
}

static inline char *rb_data(const struct rseq_ringbuf *rb, int cpu, uintptr_t pos)
{
	return rb->data + (size_t)cpu * rb->data_stride + (pos & rb->buf_mask);
}

/* Position arithmetic, modulo RSEQ_RINGBUF_POS_MASK + 1. */
static inline uintptr_t rb_pos(uintptr_t p)
{
	return p & RSEQ_RINGBUF_POS_MASK;
}

static inline uintptr_t rb_diff(uintptr_t a, uintptr_t b)
{
	return (a - b) & RSEQ_RINGBUF_POS_MASK;
}

static inline uintptr_t rb_subbuf_of(const struct rseq_ringbuf *rb, uintptr_t pos)
{
	return (pos >> rb->sb_shift) & rb->nsb_mask;
}

/* The commit count a sub-buffer has when its laps before pos's are done. */
static inline uintptr_t rb_lap_base(const struct rseq_ringbuf *rb, uintptr_t pos)
{
	return (pos >> rb->buf_shift) << rb->sb_shift;
}

/* Bytes committed in the sub-buffer at pos in pos's lap (0 .. sb_size);
 * valid while no later lap of it has started. */
static inline uintptr_t rb_committed(const struct rseq_ringbuf *rb, int cpu,
				     uintptr_t pos)
{
	uintptr_t k = rb_subbuf_of(rb, pos);
	uintptr_t l = (uintptr_t)__atomic_load_n(rb_arr(rb, cpu, RSEQ_RINGBUF_CNT_COMMIT, k),
						 __ATOMIC_ACQUIRE);
	uintptr_t a = (uintptr_t)__atomic_load_n(rb_arr(rb, cpu, RSEQ_RINGBUF_CNT_COMMIT_ATOMIC, k),
						 __ATOMIC_ACQUIRE);

	return (l + a - rb_lap_base(rb, pos)) & rb->cnt_mask;
}

/* Records committed in sub-buffer k, every lap. */
static inline uintptr_t rb_records(const struct rseq_ringbuf *rb, int cpu, uintptr_t k)
{
	return (uintptr_t)__atomic_load_n(rb_arr(rb, cpu, RSEQ_RINGBUF_CNT_RECORDS, k),
					  __ATOMIC_ACQUIRE) +
	       (uintptr_t)__atomic_load_n(rb_arr(rb, cpu, RSEQ_RINGBUF_CNT_RECORDS_ATOMIC, k),
					  __ATOMIC_ACQUIRE);
}

/* Futex on a word of the mapping (shared or private). */
RSEQKIT_HIDDEN int rb_futex_wait(const struct rseq_ringbuf *rb, uint32_t *word,
				 uint32_t val, int timeout_ms) RSEQKIT_SYM(rb_futex_wait);
RSEQKIT_HIDDEN void rb_futex_wake(const struct rseq_ringbuf *rb, uint32_t *word) RSEQKIT_SYM(rb_futex_wake);
/* Wake waiting consumers (a sub-buffer completed). */
RSEQKIT_HIDDEN void rb_notify(struct rseq_ringbuf *rb) RSEQKIT_SYM(rb_notify);
/* Commit 'bytes' (and 'records') to sub-buffer of pos on cpu's buffer. */
RSEQKIT_HIDDEN void rb_commit(struct rseq_ringbuf *rb, int cpu, uintptr_t pos,
			      uintptr_t bytes, int records) RSEQKIT_SYM(rb_commit);
/* Block every signal around a claim (a handler that writes would wait
 * for the claim its own thread holds). */
RSEQKIT_HIDDEN void rb_signals_block(sigset_t *old) RSEQKIT_SYM(rb_signals_block);
RSEQKIT_HIDDEN void rb_signals_restore(const sigset_t *old) RSEQKIT_SYM(rb_signals_restore);
/* Close cpu's partially filled sub-buffer (writers' process): 1, 0
 * (nothing to close), or -1 with errno (the claim failed). */
RSEQKIT_HIDDEN int rb_flush_local(struct rseq_ringbuf *rb, int cpu) RSEQKIT_SYM(rb_flush_local);
/* The service's part of destroy. */
RSEQKIT_HIDDEN void rb_service_stop(struct rseq_ringbuf *rb) RSEQKIT_SYM(rb_service_stop);
/* Drop the sub-buffers a consumer holds or copies (destroy). */
RSEQKIT_HIDDEN void rb_readers_free(struct rseq_ringbuf *rb) RSEQKIT_SYM(rb_readers_free);
/* Add to one of cpu's two-word counters (local word by a critical section
 * when on cpu, the atomic word otherwise). */
RSEQKIT_HIDDEN void rb_count(struct rseq_ringbuf *rb, int cpu, intptr_t *local,
			     intptr_t *atomic, intptr_t n) RSEQKIT_SYM(rb_count);

#endif

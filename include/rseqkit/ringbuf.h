/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/ringbuf.h - per-CPU ring buffers of variable-size records, for
 * tracers and event recorders: writers use no atomic instruction.
 *
 * A channel has one buffer per possible CPU; a buffer is a ring of
 * sub-buffers (a power of two of them, each a power of two of bytes).  A
 * writer reserves room on the current CPU's buffer (one rseq critical
 * section on that CPU's write position), fills its record with plain
 * stores outside any critical section (it may be preempted, migrated or
 * interrupted by a signal handler that writes too), and commits (one
 * critical section adding the record's size to its sub-buffer's commit
 * counter on the CPU it reserved on, or an atomic add on a second counter
 * when it has migrated).  A sub-buffer whose reserved bytes are all
 * committed is complete: the consumer takes it whole (zero copy in
 * discard mode) and gives it back.
 *
 *	struct rseq_ringbuf_rsv r;
 *	struct ev *e = rseq_ringbuf_reserve(rb, &r, sizeof(*e), EV_TAG);
 *	if (e) {
 *		e->a = ...;			// fill in place
 *		rseq_ringbuf_commit(rb, &r);
 *	}				// else dropped (counted), errno ENOSPC
 *
 * Modes: discard (a full buffer drops new records and counts each drop)
 * and overwrite (flight recorder: the oldest unread sub-buffer is
 * overwritten, and its records are counted).  Threads without rseq, and
 * processes where rseq is unavailable, take a fallback with the same
 * guarantees (the claim protocol of the per-CPU structures, or
 * compare-and-swap).  Optional: a timestamp per record (taken outside the
 * critical section; non-decreasing in the order of each CPU's buffer),
 * shared memory (a file descriptor another process maps to consume),
 * wake-up of a waiting consumer by futex or eventfd (a system call only
 * when a sub-buffer completes while a consumer waits), and a flush
 * service thread that closes partially filled sub-buffers on request.
 *
 * The design and its correctness argument: docs/ringbuf.md.  Pages:
 * rseq_ringbuf(3) and one per function.
 */
#ifndef RSEQKIT_RINGBUF_H
#define RSEQKIT_RINGBUF_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <rseqkit/rseq.h>
#include <rseqkit/percpu/common.h>
#include <rseqkit/arch/counter.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RSEQ_RINGBUF_INLINE	static inline __attribute__((always_inline))

/* Positions are byte counts modulo 2^(word bits - 1): never negative. */
#define RSEQ_RINGBUF_POS_MASK	((uintptr_t)INTPTR_MAX)
/*
 * Bytes of a sub-buffer's counters in a CPU's control block: two cache
 * lines, so that the adjacent-line prefetch of a consumer checking one
 * sub-buffer does not take the line the writers commit to.  The words of
 * a sub-buffer's counters, by index:
 */
#define RSEQ_RINGBUF_SB_CTL		128
#define RSEQ_RINGBUF_CNT_COMMIT		0	/* bytes: critical sections on the CPU */
#define RSEQ_RINGBUF_CNT_RECORDS	1	/* records (overwrite mode): same */
#define RSEQ_RINGBUF_CNT_COMMIT_ATOMIC	2	/* bytes: atomic adds from elsewhere */
#define RSEQ_RINGBUF_CNT_RECORDS_ATOMIC	3	/* records: same */
#define RSEQ_RINGBUF_CNT_RECORDS_BASE	4	/* records before the current lap */
#define RSEQ_RINGBUF_CNT_END		5	/* where the last closed lap's records end */

enum rseq_ringbuf_mode {
	RSEQ_RINGBUF_DISCARD = 0,	/* full buffer: drop new records */
	RSEQ_RINGBUF_OVERWRITE = 1,	/* full buffer: overwrite the oldest */
};

enum rseq_ringbuf_clock {
	RSEQ_RINGBUF_CLOCK_NONE = 0,	/* no timestamps */
	RSEQ_RINGBUF_CLOCK_MONOTONIC = 1, /* clock_gettime(CLOCK_MONOTONIC), ns */
	RSEQ_RINGBUF_CLOCK_COUNTER = 2,	/* the architecture's counter (x86-64
					   TSC, aarch64 CNTVCT); elsewhere
					   CLOCK_MONOTONIC */
	RSEQ_RINGBUF_CLOCK_MONOTONIC_COARSE = 3, /* clock_gettime(
					   CLOCK_MONOTONIC_COARSE), ns: the
					   vDSO's last tick (1-10 ms steps) */
};

enum rseq_ringbuf_wakeup {
	RSEQ_RINGBUF_WAKEUP_FUTEX = 0,	/* rseq_ringbuf_wait() (default) */
	RSEQ_RINGBUF_WAKEUP_EVENTFD = 1, /* also an eventfd to poll */
};

/* ---- the format in memory and in files (little- or host-endian) ---- */

/* Start of every sub-buffer. */
struct rseq_ringbuf_subbuf_header {
	uint32_t magic;		/* RSEQ_RINGBUF_SUBBUF_MAGIC */
	uint16_t version;	/* 1 */
	uint16_t clock;		/* enum rseq_ringbuf_clock of the channel */
	uint32_t cpu;
	uint32_t size;		/* bytes of header + records (set on delivery) */
	uint64_t seq;		/* sub-buffer number on its CPU */
	uint64_t ts_begin;	/* timestamp of its first record (0: none) */
	uint64_t lost;		/* records this CPU dropped before it began */
};
#define RSEQ_RINGBUF_SUBBUF_MAGIC	0x62527352u	/* "RsRb" */
#define RSEQ_RINGBUF_SUBBUF_HDR		sizeof(struct rseq_ringbuf_subbuf_header)

/* Start of every record; then a uint64_t timestamp if flags say so,
 * then the payload; the next record starts 8-byte aligned. */
struct rseq_ringbuf_record_header {
	uint32_t len;		/* payload bytes */
	uint16_t tag;		/* the writer's (an event id) */
	uint16_t flags;		/* RSEQ_RINGBUF_REC_* */
};
#define RSEQ_RINGBUF_REC_TS	0x1	/* a timestamp follows the header */

/* ---- the channel ---- */

/*
 * Read by the inline fast paths; set at creation.  Use the accessors.
 * The first line is the write positions' base; the second what else the
 * fast paths read; the rest is for the library's slow paths.
 */
struct rseq_ringbuf {
	struct rseq_percpu_base b;	/* write positions (the claim slots) */
	uintptr_t sb_mask;		/* bytes per sub-buffer - 1 */
	uintptr_t buf_mask;		/* bytes per CPU buffer - 1 */
	unsigned int rec_hdr;		/* record header (+ timestamp) bytes */
	unsigned int max_len;		/* largest payload */
	int clock;			/* enum rseq_ringbuf_clock in effect */
	int clock_id;			/* its clockid_t (vDSO clocks) */
	unsigned int cnt_shift;		/* (offset in buffer) >> cnt_shift, line
					   aligned: the sub-buffer's counters */
	int overwrite;
	uintptr_t fast_reserved[2];
	/* the slow paths' */
	char *ctl;			/* CPU 0's control block */
	size_t ctl_stride;
	char *data;			/* CPU 0's data area */
	size_t data_stride;
	uintptr_t sb_size;		/* bytes per sub-buffer */
	uintptr_t nsb_mask;		/* sub-buffers per CPU buffer - 1 */
	uintptr_t cnt_mask;		/* counters compare modulo this + 1 */
	unsigned int sb_shift, buf_shift;
	size_t off_cnt;			/* control block: sub-buffer 0's counters
					   (sub-buffer k's are k * RSEQ_RINGBUF_SB_CTL
					   bytes on) */
	void *priv;			/* the library's */
	uintptr_t reserved[8];
};

/* A reservation: filled by rseq_ringbuf_reserve(), read by commit. */
struct rseq_ringbuf_rsv {
	void *data;		/* the payload: 'len' bytes to fill */
	size_t len;
	intptr_t *cnt;		/* private: the counters of its sub-buffer
				   (NULL: commit by the slow path) */
	uintptr_t pos;		/* private: the record's position */
	uintptr_t bytes;	/* private: bytes the commit accounts */
	int cpu;		/* the buffer it is in */
};

/* A sub-buffer the consumer holds (rseq_ringbuf_get_subbuf()). */
struct rseq_ringbuf_subbuf {
	const void *data;	/* header, then records */
	size_t size;		/* bytes of header + records */
	int cpu;
	uint64_t seq;
	uint64_t ts_begin;
	uint64_t lost;
	int clock;		/* enum rseq_ringbuf_clock */
	uintptr_t priv[2];	/* private */
};

/* A record, as the consumer sees it. */
struct rseq_ringbuf_record {
	const void *data;	/* payload */
	size_t len;
	unsigned int tag;
	int cpu;
	uint64_t ts;		/* 0 without timestamps */
};

struct rseq_ringbuf_stats {
	uint64_t dropped_full;	/* discard: dropped, the buffer was full */
	uint64_t dropped_busy;	/* overwrite: dropped, the oldest sub-buffer
				   still had a record being written */
	uint64_t overwritten;	/* overwrite: records lost unread */
	uint64_t overwritten_subbufs;
	uint64_t flushes;	/* partial sub-buffers closed by a flush */
	uint64_t delivered_subbufs; /* sub-buffers got by this consumer */
	uint64_t reserved[8];
};

struct rseq_ringbuf_attr;

struct rseq_ringbuf_attr *rseq_ringbuf_attr_create(void) RSEQKIT_SYM(ringbuf_attr_create);
void rseq_ringbuf_attr_destroy(struct rseq_ringbuf_attr *attr) RSEQKIT_SYM(ringbuf_attr_destroy);
/* Sub-buffer bytes and count: powers of two (defaults 64 KiB, 4). */
int rseq_ringbuf_attr_set_subbuf(struct rseq_ringbuf_attr *attr, size_t size,
				 size_t count) RSEQKIT_SYM(ringbuf_attr_set_subbuf);
int rseq_ringbuf_attr_set_mode(struct rseq_ringbuf_attr *attr,
			       enum rseq_ringbuf_mode mode) RSEQKIT_SYM(ringbuf_attr_set_mode);
int rseq_ringbuf_attr_set_clock(struct rseq_ringbuf_attr *attr,
				enum rseq_ringbuf_clock clock) RSEQKIT_SYM(ringbuf_attr_set_clock);
/* true: the buffers live in a memfd (rseq_ringbuf_fd()). */
int rseq_ringbuf_attr_set_shared(struct rseq_ringbuf_attr *attr, bool shared) RSEQKIT_SYM(ringbuf_attr_set_shared);
int rseq_ringbuf_attr_set_wakeup(struct rseq_ringbuf_attr *attr,
				 enum rseq_ringbuf_wakeup wakeup) RSEQKIT_SYM(ringbuf_attr_set_wakeup);
/* true: every CPU's buffer is allocated at creation (no page fault on
 * the writers' path later); false (default): pages on first use. */
int rseq_ringbuf_attr_set_populate(struct rseq_ringbuf_attr *attr, bool populate) RSEQKIT_SYM(ringbuf_attr_set_populate);

/* A channel (NULL attr: the defaults), or NULL with errno. */
struct rseq_ringbuf *rseq_ringbuf_create(const struct rseq_ringbuf_attr *attr) RSEQKIT_SYM(ringbuf_create);
/* A consumer's view of a shared channel another process created. */
struct rseq_ringbuf *rseq_ringbuf_open(int fd) RSEQKIT_SYM(ringbuf_open);
void rseq_ringbuf_destroy(struct rseq_ringbuf *rb) RSEQKIT_SYM(ringbuf_destroy);
/* The memfd of a shared channel, or -1 with errno EINVAL. */
int rseq_ringbuf_fd(const struct rseq_ringbuf *rb) RSEQKIT_SYM(ringbuf_fd);
/* Buffers: indexes 0 .. n - 1 (highest possible CPU + 1). */
int rseq_ringbuf_nr_cpus(const struct rseq_ringbuf *rb) RSEQKIT_SYM(ringbuf_nr_cpus);
/* The largest payload one record may carry. */
size_t rseq_ringbuf_max_payload(const struct rseq_ringbuf *rb) RSEQKIT_SYM(ringbuf_max_payload);
/* Counts of CPU 'cpu''s buffer, or of all (cpu -1). */
int rseq_ringbuf_get_stats(struct rseq_ringbuf *rb, int cpu,
			   struct rseq_ringbuf_stats *stats) RSEQKIT_SYM(ringbuf_get_stats);

/* Slow paths of the inline writer functions (not for direct use). */
void *rseq_ringbuf_reserve_slow(struct rseq_ringbuf *rb, struct rseq_ringbuf_rsv *r,
				size_t len, unsigned int tag) RSEQKIT_SYM(ringbuf_reserve_slow);
void rseq_ringbuf_commit_slow(struct rseq_ringbuf *rb, struct rseq_ringbuf_rsv *r,
			      int stage) RSEQKIT_SYM(ringbuf_commit_slow);

/* Consumer. */
int rseq_ringbuf_get_subbuf(struct rseq_ringbuf *rb, int cpu,
			    struct rseq_ringbuf_subbuf *sb) RSEQKIT_SYM(ringbuf_get_subbuf);
int rseq_ringbuf_put_subbuf(struct rseq_ringbuf *rb,
			    struct rseq_ringbuf_subbuf *sb) RSEQKIT_SYM(ringbuf_put_subbuf);
/* Check a sub-buffer's header (from a file: 'avail' bytes) and fill sb. */
int rseq_ringbuf_subbuf_parse(const void *data, size_t avail,
			      struct rseq_ringbuf_subbuf *sb) RSEQKIT_SYM(ringbuf_subbuf_parse);
/* The record at *off (start with 0): 1 (and *off advanced), 0 at the
 * end, -1 with errno EBADMSG when the sub-buffer is malformed. */
int rseq_ringbuf_subbuf_next(const struct rseq_ringbuf_subbuf *sb, size_t *off,
			     struct rseq_ringbuf_record *rec) RSEQKIT_SYM(ringbuf_subbuf_next);
/* The next record of CPU 'cpu': 0, or -1 with errno EAGAIN. */
int rseq_ringbuf_read(struct rseq_ringbuf *rb, int cpu,
		      struct rseq_ringbuf_record *rec) RSEQKIT_SYM(ringbuf_read);
/* Wait until CPU 'cpu' (-1: any) has data: 1, 0 on timeout, -1. */
int rseq_ringbuf_wait(struct rseq_ringbuf *rb, int cpu, int timeout_ms) RSEQKIT_SYM(ringbuf_wait);
/* Make every rseq_ringbuf_wait() return now (0 if nothing is ready),
 * and signal the eventfd: to stop a consumer. */
int rseq_ringbuf_wake(struct rseq_ringbuf *rb) RSEQKIT_SYM(ringbuf_wake);
/* The eventfd writers signal (RSEQ_RINGBUF_WAKEUP_EVENTFD), or -1. */
int rseq_ringbuf_wakeup_fd(const struct rseq_ringbuf *rb) RSEQKIT_SYM(ringbuf_wakeup_fd);
/* Before poll() on the eventfd: 1 if data is there already, 0 armed. */
int rseq_ringbuf_poll_arm(struct rseq_ringbuf *rb, int cpu) RSEQKIT_SYM(ringbuf_poll_arm);
/* Close CPU 'cpu''s partially filled sub-buffer so it can be read. */
int rseq_ringbuf_flush_cpu(struct rseq_ringbuf *rb, int cpu) RSEQKIT_SYM(ringbuf_flush_cpu);
int rseq_ringbuf_flush(struct rseq_ringbuf *rb) RSEQKIT_SYM(ringbuf_flush);
/* The writers' process: a thread that flushes on request (and every
 * period_ms when not 0) for consumers in other processes. */
int rseq_ringbuf_flush_service_start(struct rseq_ringbuf *rb,
				     unsigned int period_ms) RSEQKIT_SYM(ringbuf_flush_service_start);
int rseq_ringbuf_flush_service_stop(struct rseq_ringbuf *rb) RSEQKIT_SYM(ringbuf_flush_service_stop);
/* A CLOCK_COUNTER timestamp in CLOCK_MONOTONIC nanoseconds. */
uint64_t rseq_ringbuf_ts_to_ns(struct rseq_ringbuf *rb, uint64_t ts) RSEQKIT_SYM(ringbuf_ts_to_ns);

/* ---- inline writer fast paths ---- */

/*
 * A timestamp of the channel's clock, read after every earlier
 * instruction (the slow paths' and the tests').  The fast path reads the
 * architecture's counter unordered and keeps timestamps in buffer order
 * with the last one stored beside the write position (docs/ringbuf.md).
 */
RSEQ_RINGBUF_INLINE uint64_t rseq_ringbuf_clock_read(int clock)
{
	struct timespec ts;

#ifdef RSEQ_ARCH_HAS_COUNTER
	if (clock == RSEQ_RINGBUF_CLOCK_COUNTER)
		return rseq_arch_counter();
#endif
	clock_gettime(clock == RSEQ_RINGBUF_CLOCK_MONOTONIC_COARSE ? CLOCK_MONOTONIC_COARSE :
		      CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Bytes a record of 'len' payload bytes takes (len <= max_len). */
RSEQ_RINGBUF_INLINE uintptr_t rseq_ringbuf_record_size(const struct rseq_ringbuf *rb,
							size_t len)
{
	return (uintptr_t)rb->rec_hdr + (((uintptr_t)len + 7) & ~(uintptr_t)7);
}

/*
 * Fill the header of the record at 'rec' reserved at 'w' on 'cpu' (its
 * sub-buffer's counters 'cnt', NULL if the commit must take the slow
 * path), and the reservation 'r'; the payload.
 */
RSEQ_RINGBUF_INLINE void *rseq_ringbuf_fill_header(struct rseq_ringbuf_rsv *r, char *rec,
						   intptr_t *cnt, unsigned int rec_hdr,
						   int cpu, uintptr_t w, uintptr_t size,
						   size_t len, unsigned int tag,
						   uint64_t ts)
{
	struct rseq_ringbuf_record_header h;

	h.len = (uint32_t)len;
	h.tag = (uint16_t)tag;
	h.flags = (uint16_t)(rec_hdr > sizeof(h) ? RSEQ_RINGBUF_REC_TS : 0);
	memcpy(rec, &h, sizeof(h));	/* one 8-byte store */
	if (rec_hdr > sizeof(h))
		memcpy(rec + sizeof(h), &ts, sizeof(ts));
	r->data = rec + rec_hdr;
	r->len = len;
	r->cnt = cnt;
	r->pos = w;
	r->bytes = size;
	r->cpu = cpu;
	return r->data;
}

/*
 * The write position's slot (a per-CPU pool item, one cache line that
 * only this CPU's writers write): the claim slot's three words (the
 * position, the claimer's token, the saved word), the timestamp of the
 * last reservation (stored with the position), and this CPU's data area
 * and sub-buffer 0's counters (stored by the first reservation on the
 * CPU, which takes the slow path, before it moves the position).
 */
#define RSEQ_RINGBUF_SLOT_LAST_TS	3
#define RSEQ_RINGBUF_SLOT_DATA		4
#define RSEQ_RINGBUF_SLOT_CNT		5
#define RSEQ_RINGBUF_SLOT_WORDS		8

/*
 * Reserve a record of 'len' payload bytes with 'tag' (0..65535) on the
 * current CPU's buffer: the payload to fill, then rseq_ringbuf_commit().
 * NULL with errno ENOSPC when the record was dropped (counted), EINVAL
 * (len > rseq_ringbuf_max_payload(), tag > 65535), EPERM (a consumer's
 * view, or a thread without rseq once membarrier is denied), ENOSYS.
 * Async-signal-safe.
 */
RSEQ_RINGBUF_INLINE void *rseq_ringbuf_reserve(struct rseq_ringbuf *rb,
					       struct rseq_ringbuf_rsv *r,
					       size_t len, unsigned int tag)
{
	char *fb = rseq_percpu_fast_base(&rb->b);

	if (rseq_likely(fb != NULL && len <= rb->max_len && tag <= 0xffffu)) {
		/*
		 * What the path needs, in registers before the critical
		 * section (its "memory" clobber makes the compiler reload).
		 */
		uintptr_t sbm = rb->sb_mask, bmask = rb->buf_mask;
		unsigned int cshift = rb->cnt_shift;
		int clock = rb->clock;
		/* rb->rec_hdr: the header, and a timestamp with a clock */
		unsigned int rec_hdr = clock ? 16u : 8u;
		uintptr_t size = (uintptr_t)rec_hdr + (((uintptr_t)len + 7) & ~(uintptr_t)7);
		int cpu = (int)rseq_cpu_start();
		intptr_t *wp = (intptr_t *)(fb + (size_t)cpu * rb->b.stride);
		intptr_t w = RSEQ_READ_ONCE(*wp);
		uintptr_t off = (uintptr_t)w & sbm;
		uintptr_t o = (uintptr_t)w & bmask;

		/*
		 * Room in the sub-buffer being written, without filling it
		 * (closing a sub-buffer takes the slow path).  A claimed
		 * position (-1) has off = sb_size - 1: slow path too.
		 */
		if (rseq_likely(off != 0 && off + size <= sbm)) {
			intptr_t nw = (intptr_t)((uintptr_t)w + size);

			if (!clock) {
				if (rseq_likely(!rseq_cmpeqv_storev(RSEQ_MO_RELAXED,
						RSEQ_PERCPU_CPU_ID, wp, w, nw, cpu)))
					return rseq_ringbuf_fill_header(r,
						(char *)wp[RSEQ_RINGBUF_SLOT_DATA] + o,
						(intptr_t *)((char *)wp[RSEQ_RINGBUF_SLOT_CNT] +
							((o >> cshift) & ~(uintptr_t)(RSEQ_RINGBUF_SB_CTL - 1))),
						8u, cpu, (uintptr_t)w, size, len, tag, 0);
			} else {
				/*
				 * The clock read unordered (no fence), kept no
				 * older than the last reservation's, which the
				 * section stores with the position: never
				 * decreasing in buffer order.  The last one is
				 * read after the position.
				 */
				uint64_t last, ts;

				rseq_smp_rmb();
				last = (uint64_t)RSEQ_READ_ONCE(wp[RSEQ_RINGBUF_SLOT_LAST_TS]);
#ifdef RSEQ_ARCH_HAS_COUNTER
				if (clock == RSEQ_RINGBUF_CLOCK_COUNTER) {
					ts = rseq_arch_counter_fast();
				} else
#endif
				{
					struct timespec t;

					clock_gettime(rb->clock_id, &t);
					ts = (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
				}
				if (ts < last)
					ts = last;
				if (rseq_likely(!rseq_cmpeqv_trystorev_storev(RSEQ_MO_RELAXED,
						RSEQ_PERCPU_CPU_ID, wp, w,
						&wp[RSEQ_RINGBUF_SLOT_LAST_TS], (intptr_t)ts, nw, cpu)))
					return rseq_ringbuf_fill_header(r,
						(char *)wp[RSEQ_RINGBUF_SLOT_DATA] + o,
						(intptr_t *)((char *)wp[RSEQ_RINGBUF_SLOT_CNT] +
							((o >> cshift) & ~(uintptr_t)(RSEQ_RINGBUF_SB_CTL - 1))),
						16u, cpu, (uintptr_t)w, size, len, tag, ts);
			}
		}
	}
	return rseq_ringbuf_reserve_slow(rb, r, len, tag);
}

/*
 * Publish a reserved record (from any CPU, any thread state).  The
 * consumer sees a sub-buffer when every record in it is committed.
 * Async-signal-safe.
 */
RSEQ_RINGBUF_INLINE void rseq_ringbuf_commit(struct rseq_ringbuf *rb,
					     struct rseq_ringbuf_rsv *r)
{
	intptr_t *cnt = r->cnt;
	int stage = 0;

	if (rseq_likely(cnt != NULL)) {
		int cpu = r->cpu;

		if (rb->overwrite) {
			if (rseq_unlikely(rseq_addv(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,
					  &cnt[RSEQ_RINGBUF_CNT_RECORDS], 1, cpu)))
				goto slow;
			stage = 1;
		}
		rseq_smp_wmb();		/* the record before its count */
		if (rseq_likely(!rseq_addv(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,
					   &cnt[RSEQ_RINGBUF_CNT_COMMIT], (intptr_t)r->bytes,
					   cpu))) {
			/*
			 * Within a lap the two counters sum to a multiple
			 * of the sub-buffer size only before its first
			 * commit and after its last: is this the last?
			 */
			uintptr_t sum = (uintptr_t)RSEQ_READ_ONCE(cnt[RSEQ_RINGBUF_CNT_COMMIT]) +
					(uintptr_t)RSEQ_READ_ONCE(cnt[RSEQ_RINGBUF_CNT_COMMIT_ATOMIC]);

			if (rseq_likely(sum & rb->sb_mask))
				return;
			stage = 2;
		}
	}
slow:
	rseq_ringbuf_commit_slow(rb, r, stage);
}

/* Reserve, copy 'len' bytes of 'data', commit: 0, or -1 as reserve. */
RSEQ_RINGBUF_INLINE int rseq_ringbuf_write(struct rseq_ringbuf *rb, unsigned int tag,
					   const void *data, size_t len)
{
	struct rseq_ringbuf_rsv r;
	void *p = rseq_ringbuf_reserve(rb, &r, len, tag);

	if (rseq_unlikely(!p))
		return -1;
	memcpy(p, data, len);
	rseq_ringbuf_commit(rb, &r);
	return 0;
}

#ifdef __cplusplus
}
#endif

#endif /* RSEQKIT_RINGBUF_H */

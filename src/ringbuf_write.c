/* SPDX-License-Identifier: MIT */
/*
 * src/ringbuf_write.c - the writers' slow paths: reservations that close
 * or open a sub-buffer, reservations of threads without rseq (a claim of
 * the write position) and of processes without rseq (compare-and-swap),
 * drops, commits from another CPU, and waking the consumer.
 *
 * The inline fast paths (rseqkit/ringbuf.h) handle a record that fits in
 * the open sub-buffer without filling it, and a commit on the CPU the
 * record was reserved on; everything else comes here.  The argument for
 * why no record is lost or delivered twice, and why no wake-up is missed,
 * is in docs/ringbuf.md.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "ringbuf-internal.h"

/* What a reservation does, decided from the write position it read. */
struct rb_plan {
	uintptr_t pos;		/* the record's position */
	uintptr_t next;		/* the write position after it */
	uintptr_t bytes;	/* its commit accounts (+ a sub-buffer header) */
	uintptr_t old;		/* the position read */
	uintptr_t pad;		/* bytes of the previous sub-buffer it closes */
	uintptr_t rc_total;	/* overwrite: records of the sub-buffer entered */
	bool cross;		/* a sub-buffer begins at pos - header */
	bool fills;		/* the record ends exactly at its sub-buffer's end */
};

enum { PLAN_OK = 0, PLAN_FULL, PLAN_BUSY };

static intptr_t *woff_of(struct rseq_ringbuf *rb, int cpu)
{
	return &((struct rseq_percpu_slot *)rseq_percpu_slot_of(&rb->b, cpu))->word;
}

/*
 * A timestamp for a reservation at the position read from wp, outside a
 * critical section (claims, compare-and-swap): the clock read in order,
 * kept no older than the last reservation's.
 */
static uint64_t take_ts(struct rseq_ringbuf *rb, intptr_t *wp)
{
	uint64_t ts, last;

	if (!rb->clock)
		return 0;
	last = (uint64_t)__atomic_load_n(&wp[RSEQ_RINGBUF_SLOT_LAST_TS], __ATOMIC_ACQUIRE);
	ts = rseq_ringbuf_clock_read(rb->clock);
	return ts < last ? last : ts;
}

/* After a reservation by compare-and-swap: raise the last timestamp. */
static void raise_last_ts(struct rseq_ringbuf *rb, intptr_t *wp, uint64_t ts)
{
	intptr_t last;

	if (!rb->clock)
		return;
	last = __atomic_load_n(&wp[RSEQ_RINGBUF_SLOT_LAST_TS], __ATOMIC_RELAXED);
	while ((uint64_t)last < ts &&
	       !__atomic_compare_exchange_n(&wp[RSEQ_RINGBUF_SLOT_LAST_TS], &last, (intptr_t)ts,
					    false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

/*
 * The critical section that moves cpu's position from w to nw (and, with
 * a clock, stores the reservation's timestamp with it, kept no older than
 * the last one, as the inline fast path does); *ts gets the timestamp.
 * 0 when committed.
 */
static int reserve_cs(struct rseq_ringbuf *rb, intptr_t *wp, intptr_t w, intptr_t nw,
		      int cpu, uint64_t *ts)
{
	uint64_t last;

	*ts = 0;
	if (!rb->clock)
		return rseq_cmpeqv_storev(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID, wp, w, nw, cpu);
	rseq_smp_rmb();		/* the last timestamp after the position */
	last = (uint64_t)RSEQ_READ_ONCE(wp[RSEQ_RINGBUF_SLOT_LAST_TS]);
	*ts = rseq_ringbuf_clock_read(rb->clock);
	if (*ts < last)
		*ts = last;
	return rseq_cmpeqv_trystorev_storev(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID, wp, w,
					    &wp[RSEQ_RINGBUF_SLOT_LAST_TS], (intptr_t)*ts, nw, cpu);
}

static bool can_rseq(void)
{
	return rseq_percpu_rseq_ok && !rseq_percpu_thread_off;
}

void rb_count(struct rseq_ringbuf *rb, int cpu, intptr_t *local, intptr_t *atomic,
	      intptr_t n)
{
	(void)rb;
	if (can_rseq())
		while (rseq_current_cpu_raw() == cpu)
			if (!rseq_addv(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID, local, n, cpu))
				return;
	__atomic_fetch_add(atomic, n, __ATOMIC_RELAXED);
}

/*
 * Overwrite mode, entering sub-buffer X: if the consumer has not taken
 * X's previous lap (consumed == X - buffer), take it from the consumer
 * (compare-and-swap: the consumer's own compare-and-swap decides who got
 * it) and count its records as overwritten.
 */
static void push_consumer(struct rseq_ringbuf *rb, int cpu, uintptr_t x, uintptr_t rc_total)
{
	struct rb_ctl *c = rb_ctl(rb, cpu);
	uintptr_t lap_ago = rb_pos(x - (rb->buf_mask + 1));
	intptr_t cons = __atomic_load_n(&c->consumed, __ATOMIC_ACQUIRE);
	uintptr_t base;

	if ((uintptr_t)cons != lap_ago)
		return;
	/* Stable: that lap is complete and the next has not begun. */
	base = (uintptr_t)__atomic_load_n(rb_arr(rb, cpu, RSEQ_RINGBUF_CNT_RECORDS_BASE,
						  rb_subbuf_of(rb, x)), __ATOMIC_RELAXED);
	if (!__atomic_compare_exchange_n(&c->consumed, &cons,
					 (intptr_t)rb_pos(lap_ago + rb->sb_size), false,
					 __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
		return;		/* the consumer took it first */
	__atomic_fetch_add(&c->overwritten, (intptr_t)(rc_total - base), __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->overwritten_subbufs, 1, __ATOMIC_RELAXED);
}

/* The reservation of 'size' bytes at write position w of cpu's buffer. */
static int plan(struct rseq_ringbuf *rb, int cpu, uintptr_t w, uintptr_t size,
		struct rb_plan *p)
{
	uintptr_t s = rb->sb_size, off = w & (s - 1), x;

	memset(p, 0, sizeof(*p));
	p->old = w;
	if (off != 0 && off + size <= s) {	/* fits in the open sub-buffer */
		p->pos = w;
		p->next = rb_pos(w + size);
		p->bytes = size;
		p->fills = off + size == s;
		return PLAN_OK;
	}
	/* Begin the next sub-buffer (closing this one when it is open). */
	x = off ? rb_pos(w - off + s) : w;
	if (!rb->overwrite) {
		intptr_t cons = __atomic_load_n(&rb_ctl(rb, cpu)->consumed, __ATOMIC_ACQUIRE);

		/* x's previous lap not given back by the consumer yet? */
		if (rb_diff(x + s, (uintptr_t)cons) > rb->buf_mask + 1)
			return PLAN_FULL;
	} else {
		/* A record of x's previous lap still being written? */
		if (rb_committed(rb, cpu, x) != 0)
			return PLAN_BUSY;
		p->rc_total = rb_records(rb, cpu, rb_subbuf_of(rb, x));
		push_consumer(rb, cpu, x, p->rc_total);
	}
	p->cross = true;
	p->pos = rb_pos(x + RSEQ_RINGBUF_SUBBUF_HDR);
	p->next = rb_pos(p->pos + size);
	p->bytes = size + RSEQ_RINGBUF_SUBBUF_HDR;
	p->pad = off ? s - off : 0;
	p->fills = RSEQ_RINGBUF_SUBBUF_HDR + size == s;
	return PLAN_OK;
}

static void *drop(struct rseq_ringbuf *rb, int cpu, int why)
{
	struct rb_ctl *c = rb_ctl(rb, cpu);

	if (why == PLAN_FULL) {
		rb_count(rb, cpu, &c->drops_full_local, &c->drops_full_atomic, 1);
		rseqkit_fail(ENOSPC, "the CPU's buffer is full: the record was dropped (counted in rseq_ringbuf_get_stats())");
	} else {
		rb_count(rb, cpu, &c->drops_busy_local, &c->drops_busy_atomic, 1);
		rseqkit_fail(ENOSPC, "the oldest sub-buffer still has a record being written: the record was dropped (counted)");
	}
	return NULL;
}

static uint64_t drops_of(struct rseq_ringbuf *rb, int cpu)
{
	struct rb_ctl *c = rb_ctl(rb, cpu);

	return (uint64_t)(uintptr_t)(__atomic_load_n(&c->drops_full_local, __ATOMIC_RELAXED) +
				     __atomic_load_n(&c->drops_full_atomic, __ATOMIC_RELAXED) +
				     __atomic_load_n(&c->drops_busy_local, __ATOMIC_RELAXED) +
				     __atomic_load_n(&c->drops_busy_atomic, __ATOMIC_RELAXED));
}

/*
 * After the write position moved: the sub-buffer header of a sub-buffer
 * begun, the end of the one closed, then its padding committed; then the
 * record's header.  Only the reserving thread touches these bytes.
 */
static void *finish(struct rseq_ringbuf *rb, struct rseq_ringbuf_rsv *r, int cpu,
		    const struct rb_plan *p, size_t len, unsigned int tag, uint64_t ts)
{

	if (p->cross) {
		uintptr_t x = rb_pos(p->pos - RSEQ_RINGBUF_SUBBUF_HDR);
		struct rseq_ringbuf_subbuf_header h;

		h.magic = RSEQ_RINGBUF_SUBBUF_MAGIC;
		h.version = 1;
		h.clock = (uint16_t)rb->clock;
		h.cpu = (uint32_t)cpu;
		h.size = 0;		/* the consumer sets it on delivery */
		h.seq = (uint64_t)(x >> rb->sb_shift);
		h.ts_begin = ts;
		h.lost = drops_of(rb, cpu);
		memcpy(rb_data(rb, cpu, x), &h, sizeof(h));
		if (rb->overwrite)
			__atomic_store_n(rb_arr(rb, cpu, RSEQ_RINGBUF_CNT_RECORDS_BASE,
						rb_subbuf_of(rb, x)),
					 (intptr_t)p->rc_total, __ATOMIC_RELAXED);
	}
	if (p->fills)
		__atomic_store_n(rb_arr(rb, cpu, RSEQ_RINGBUF_CNT_END, rb_subbuf_of(rb, p->pos)),
				 (intptr_t)rb->sb_size, __ATOMIC_RELAXED);
	if (p->pad)
		__atomic_store_n(rb_arr(rb, cpu, RSEQ_RINGBUF_CNT_END, rb_subbuf_of(rb, p->old)),
				 (intptr_t)(p->old & (rb->sb_size - 1)), __ATOMIC_RELAXED);
	if (p->pad || p->fills) {
		/*
		 * A sub-buffer is now fully reserved: order that store before
		 * the loads of every completion check that follows (see
		 * "Wake-ups" in docs/ringbuf.md).
		 */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	if (p->pad)
		rb_commit(rb, cpu, p->old, p->pad, 0);
	/* The commit may take the fast path where it may use a critical section. */
	return rseq_ringbuf_fill_header(r, rb_data(rb, cpu, p->pos),
					can_rseq() ? rb_arr(rb, cpu, RSEQ_RINGBUF_CNT_COMMIT,
							    rb_subbuf_of(rb, p->pos)) : NULL,
					rb->rec_hdr, cpu, p->pos, p->bytes, len, tag, ts);
}

RSEQKIT_EXPORT void *rseq_ringbuf_reserve_slow(struct rseq_ringbuf *rb,
					       struct rseq_ringbuf_rsv *r,
					       size_t len, unsigned int tag)
{
	unsigned int n = 0;
	uintptr_t size;

	if (!rb || !r) {
		rseqkit_fail(EINVAL, "rb and r must not be NULL");
		return NULL;
	}
	if (!rb_priv(rb)->owner) {
		rseqkit_fail(EPERM, "a consumer's view (rseq_ringbuf_open()) cannot be written: write in the process that created the channel");
		return NULL;
	}
	if (len > rb->max_len) {
		rseqkit_fail(EINVAL, "the record is larger than rseq_ringbuf_max_payload(): use larger sub-buffers");
		return NULL;
	}
	if (tag > 0xffffu) {
		rseqkit_fail(EINVAL, "the tag must be below 65536");
		return NULL;
	}
	size = rseq_ringbuf_record_size(rb, len);
	for (;;) {
		struct rb_plan p;
		bool reg;
		int cpu = rseq_percpu_slow_index(&rb->b, &reg);
		intptr_t *wp = woff_of(rb, cpu), w;
		uint64_t ts;
		int why;

		if (reg) {
			/* A critical section on this CPU's write position. */
			w = RSEQ_READ_ONCE(*wp);
			if (w < 0) {		/* claimed: wait for the claimer */
				rseq_percpu_backoff(&n);
				continue;
			}
			why = plan(rb, cpu, (uintptr_t)w, size, &p);
			if (why)
				return drop(rb, cpu, why);
			if (reserve_cs(rb, wp, w, (intptr_t)p.next, cpu, &ts))
				continue;	/* moved, preempted or migrated */
			return finish(rb, r, cpu, &p, len, tag, ts);
		}
		if (rseq_percpu_rseq_ok) {
			/* No rseq in this thread: own the position (claim). */
			sigset_t old;

			rb_signals_block(&old);
			w = rseq_percpu_claim(&rb->b, cpu, 0);
			if (w == RSEQ_PERCPU_STOP) {	/* membarrier denied, ... */
				int err = errno;

				rb_signals_restore(&old);
				errno = err;
				return NULL;
			}
			why = plan(rb, cpu, (uintptr_t)w, size, &p);
			if (why) {
				rseq_percpu_release(&rb->b, cpu, w);
				rb_signals_restore(&old);
				return drop(rb, cpu, why);
			}
			ts = take_ts(rb, wp);
			if (rb->clock)
				__atomic_store_n(&wp[RSEQ_RINGBUF_SLOT_LAST_TS], (intptr_t)ts,
						 __ATOMIC_RELAXED);
			rseq_percpu_release(&rb->b, cpu, (intptr_t)p.next);
			rb_signals_restore(&old);
			return finish(rb, r, cpu, &p, len, tag, ts);
		}
		/* No rseq in this process: compare-and-swap. */
		w = __atomic_load_n(wp, __ATOMIC_ACQUIRE);
		if (w < 0) {
			rseq_percpu_backoff(&n);
			continue;
		}
		why = plan(rb, cpu, (uintptr_t)w, size, &p);
		if (why)
			return drop(rb, cpu, why);
		ts = take_ts(rb, wp);
		if (!__atomic_compare_exchange_n(wp, &w, (intptr_t)p.next, false,
						 __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
			continue;
		raise_last_ts(rb, wp, ts);
		return finish(rb, r, cpu, &p, len, tag, ts);
	}
}

void rb_notify(struct rseq_ringbuf *rb)
{
	struct rb_priv *pv = rb_priv(rb);
	struct rb_shm *s = pv->shm;

	/* Pairs with the consumer's increment of 'waiters' (docs). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&s->waiters, __ATOMIC_RELAXED)) {
		__atomic_fetch_add(&s->wake_seq, 1, __ATOMIC_SEQ_CST);
		rb_futex_wake(rb, &s->wake_seq);
	}
	if (pv->efd >= 0 && __atomic_load_n(&s->poll_armed, __ATOMIC_RELAXED) &&
	    __atomic_exchange_n(&s->poll_armed, 0, __ATOMIC_SEQ_CST)) {
		uint64_t one = 1;
		ssize_t ret = write(pv->efd, &one, sizeof(one));

		(void)ret;	/* EAGAIN: the counter is already non-zero */
	}
}

/*
 * After an atomic commit: whoever sees the sub-buffer complete wakes the
 * consumer.  A committer on the home CPU (plain store, no fence) and an
 * atomic one may each miss the other's count; the atomic one fences the
 * home CPU (membarrier) when the sub-buffer is fully reserved, so that
 * one of them sees both (docs/ringbuf.md, "Wake-ups").
 */
static void check_atomic(struct rseq_ringbuf *rb, int cpu, uintptr_t pos)
{
	intptr_t w;

	if (rb_committed(rb, cpu, pos) == rb->sb_size) {
		rb_notify(rb);
		return;
	}
	if (!rseq_percpu_rseq_ok)
		return;		/* nobody commits with critical sections */
	w = __atomic_load_n(woff_of(rb, cpu), __ATOMIC_SEQ_CST);
	if (w >= 0 && rb_diff((uintptr_t)w, pos & ~(rb->sb_size - 1)) < rb->sb_size)
		return;		/* still open: its closer checks after us */
	if (rseq_percpu_fence(cpu))
		rseq_percpu_fence(-1);
	if (rb_committed(rb, cpu, pos) == rb->sb_size)
		rb_notify(rb);
}

void rb_commit(struct rseq_ringbuf *rb, int cpu, uintptr_t pos, uintptr_t bytes,
	       int records)
{
	uintptr_t k = rb_subbuf_of(rb, pos);
	intptr_t *cc = rb_arr(rb, cpu, RSEQ_RINGBUF_CNT_COMMIT, k);

	if (can_rseq()) {
		while (rseq_current_cpu_raw() == cpu) {
			if (records) {
				if (rseq_addv(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,
					      rb_arr(rb, cpu, RSEQ_RINGBUF_CNT_RECORDS, k), 1, cpu))
					continue;
				records = 0;
			}
			rseq_smp_wmb();
			if (!rseq_addv(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID, cc,
				       (intptr_t)bytes, cpu)) {
				if (rb_committed(rb, cpu, pos) == rb->sb_size)
					rb_notify(rb);
				return;
			}
		}
	}
	if (records)
		__atomic_fetch_add(rb_arr(rb, cpu, RSEQ_RINGBUF_CNT_RECORDS_ATOMIC, k),
				   1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(rb_arr(rb, cpu, RSEQ_RINGBUF_CNT_COMMIT_ATOMIC, k), (intptr_t)bytes,
			   __ATOMIC_SEQ_CST);
	check_atomic(rb, cpu, pos);
}

RSEQKIT_EXPORT void rseq_ringbuf_commit_slow(struct rseq_ringbuf *rb,
					     struct rseq_ringbuf_rsv *r, int stage)
{
	if (stage == 2) {		/* committed; the sub-buffer is complete */
		rb_notify(rb);
		return;
	}
	rb_commit(rb, r->cpu, r->pos, r->bytes, rb->overwrite && stage == 0);
}

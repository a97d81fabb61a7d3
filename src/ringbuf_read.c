/* SPDX-License-Identifier: MIT */
/*
 * src/ringbuf_read.c - the consumer: complete sub-buffers (in place in
 * discard mode, copied and then taken by compare-and-swap in overwrite
 * mode), records, waiting, and the parser of the format (which also
 * reads sub-buffers saved to files).  Nothing here trusts what the
 * writers wrote: every length is checked against the sub-buffer.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "ringbuf-internal.h"

#define MAX_OVERWRITE_TRIES	64

static int check_cpu(const struct rseq_ringbuf *rb, int cpu, bool any)
{
	if (!rb)
		return rseqkit_fail(EINVAL, "rb is NULL");
	if ((any && cpu == -1) || (cpu >= 0 && (uint64_t)cpu < rb_priv(rb)->lay.nr_cpus))
		return 0;
	return rseqkit_fail(EINVAL, "cpu must be below rseq_ringbuf_nr_cpus()");
}

/* The position of the next sub-buffer to read (the consumer's word,
 * which writers move in overwrite mode). */
static uintptr_t consumed_pos(const struct rseq_ringbuf *rb, int cpu)
{
	intptr_t c = __atomic_load_n(&rb_ctl(rb, cpu)->consumed, __ATOMIC_ACQUIRE);

	return rb_pos((uintptr_t)c) & ~(rb->sb_size - 1);
}

static bool subbuf_ready(const struct rseq_ringbuf *rb, int cpu)
{
	return rb_committed(rb, cpu, consumed_pos(rb, cpu)) == rb->sb_size;
}

static bool cpu_ready(const struct rseq_ringbuf *rb, int cpu)
{
	return rb_priv(rb)->readers[cpu].cur_valid || subbuf_ready(rb, cpu);
}

static bool any_ready(const struct rseq_ringbuf *rb, int cpu)
{
	int nr = (int)rb_priv(rb)->lay.nr_cpus;

	if (cpu >= 0)
		return cpu_ready(rb, cpu);
	for (int c = 0; c < nr; c++)
		if (cpu_ready(rb, c))
			return true;
	return false;
}

static void fill_subbuf(const struct rseq_ringbuf *rb, struct rseq_ringbuf_subbuf *sb,
			const char *data, size_t size, int cpu, uintptr_t pos)
{
	struct rseq_ringbuf_subbuf_header h;

	memcpy(&h, data, sizeof(h));
	sb->data = data;
	sb->size = size;
	sb->cpu = cpu;
	sb->seq = h.seq;
	sb->ts_begin = h.ts_begin;
	sb->lost = h.lost;
	sb->clock = rb->clock;
	sb->priv[0] = pos;
	sb->priv[1] = 1;
}

RSEQKIT_EXPORT int rseq_ringbuf_get_subbuf(struct rseq_ringbuf *rb, int cpu,
					   struct rseq_ringbuf_subbuf *sb)
{
	struct rb_reader *rd;
	uint32_t size32;

	if (check_cpu(rb, cpu, false))
		return -1;
	if (!sb)
		return rseqkit_fail(EINVAL, "sb is NULL");
	rd = &rb_priv(rb)->readers[cpu];
	if (rd->held)
		return rseqkit_fail(EBUSY, "a sub-buffer of this CPU is held: rseq_ringbuf_put_subbuf() it first");
	for (int tries = 0; ; tries++) {
		uintptr_t x = consumed_pos(rb, cpu), end;
		char *src;
		intptr_t expect;

		if (rb_committed(rb, cpu, x) != rb->sb_size) {
			if (rb->overwrite && consumed_pos(rb, cpu) != x && tries < MAX_OVERWRITE_TRIES)
				continue;	/* a writer took it: the next one */
			return rseqkit_fail(EAGAIN, "no complete sub-buffer on this CPU (rseq_ringbuf_flush_cpu() closes a partial one)");
		}
		end = (uintptr_t)__atomic_load_n(rb_arr(rb, cpu, RSEQ_RINGBUF_CNT_END,
							rb_subbuf_of(rb, x)), __ATOMIC_ACQUIRE);
		if (end < RSEQ_RINGBUF_SUBBUF_HDR || end > rb->sb_size)
			end = rb->sb_size;	/* corrupt: the parser copes */
		size32 = (uint32_t)end;
		src = rb_data(rb, cpu, x);
		if (!rb->overwrite) {
			/* Writers stay out until put: read it in place. */
			memcpy(src + offsetof(struct rseq_ringbuf_subbuf_header, size), &size32,
			       sizeof(size32));
			fill_subbuf(rb, sb, src, end, cpu, x);
			break;
		}
		/* Overwrite: copy, then take it unless a writer took it. */
		if (!rd->copy) {
			rd->copy = rseqkit_ialloc((size_t)rb->sb_size);
			if (!rd->copy)
				return rseqkit_fail(ENOMEM, "out of memory for the consumer's copy of a sub-buffer");
		}
		memcpy(rd->copy, src, end);
		expect = (intptr_t)x;
		if (!__atomic_compare_exchange_n(&rb_ctl(rb, cpu)->consumed, &expect,
						 (intptr_t)rb_pos(x + rb->sb_size), false,
						 __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
			if (tries < MAX_OVERWRITE_TRIES)
				continue;	/* overwritten while copied */
			return rseqkit_fail(EAGAIN, "the writers overwrite sub-buffers faster than they can be copied: retry");
		}
		memcpy(rd->copy + offsetof(struct rseq_ringbuf_subbuf_header, size), &size32,
		       sizeof(size32));
		fill_subbuf(rb, sb, rd->copy, end, cpu, x);
		break;
	}
	rd->held = 1;
	rd->held_pos = (uintptr_t)sb->priv[0];
	rd->delivered++;
	return 0;
}

RSEQKIT_EXPORT int rseq_ringbuf_put_subbuf(struct rseq_ringbuf *rb,
					   struct rseq_ringbuf_subbuf *sb)
{
	struct rb_reader *rd;

	if (!sb || check_cpu(rb, sb->cpu, false))
		return sb ? -1 : rseqkit_fail(EINVAL, "sb is NULL");
	rd = &rb_priv(rb)->readers[sb->cpu];
	if (!rd->held || sb->priv[1] != 1 || sb->priv[0] != rd->held_pos)
		return rseqkit_fail(EINVAL, "this sub-buffer is not held: put only what rseq_ringbuf_get_subbuf() gave");
	if (!rb->overwrite)
		__atomic_store_n(&rb_ctl(rb, sb->cpu)->consumed,
				 (intptr_t)rb_pos(rd->held_pos + rb->sb_size), __ATOMIC_RELEASE);
	rd->held = 0;
	sb->priv[1] = 0;
	return 0;
}

RSEQKIT_EXPORT int rseq_ringbuf_subbuf_parse(const void *data, size_t avail,
					     struct rseq_ringbuf_subbuf *sb)
{
	struct rseq_ringbuf_subbuf_header h;

	if (!data || !sb)
		return rseqkit_fail(EINVAL, "data and sb must not be NULL");
	if (avail < sizeof(h))
		return rseqkit_fail(EBADMSG, "shorter than a sub-buffer header");
	memcpy(&h, data, sizeof(h));
	if (h.magic != RSEQ_RINGBUF_SUBBUF_MAGIC || h.version != 1)
		return rseqkit_fail(EBADMSG, "not an rseqkit sub-buffer (magic or version)");
	if (h.size < sizeof(h) || h.size > avail || h.clock > RSEQ_RINGBUF_CLOCK_MONOTONIC_COARSE)
		return rseqkit_fail(EBADMSG, "the sub-buffer header's size or clock is out of range");
	memset(sb, 0, sizeof(*sb));
	sb->data = data;
	sb->size = h.size;
	sb->cpu = (int)h.cpu;
	sb->seq = h.seq;
	sb->ts_begin = h.ts_begin;
	sb->lost = h.lost;
	sb->clock = h.clock;
	return 0;
}

RSEQKIT_EXPORT int rseq_ringbuf_subbuf_next(const struct rseq_ringbuf_subbuf *sb, size_t *off,
					    struct rseq_ringbuf_record *rec)
{
	struct rseq_ringbuf_record_header h;
	const char *p;
	size_t o, hsz;

	if (!sb || !off || !rec || !sb->data)
		return rseqkit_fail(EINVAL, "sb, off and rec must not be NULL");
	o = *off < RSEQ_RINGBUF_SUBBUF_HDR ? RSEQ_RINGBUF_SUBBUF_HDR : *off;
	if (o >= sb->size)
		return 0;
	if (sb->size - o < sizeof(h) || (o & 7))
		return rseqkit_fail(EBADMSG, "a record header crosses the end of the sub-buffer");
	p = (const char *)sb->data + o;
	memcpy(&h, p, sizeof(h));
	hsz = sizeof(h) + ((h.flags & RSEQ_RINGBUF_REC_TS) ? sizeof(uint64_t) : 0);
	if (sb->size - o < hsz || h.len > sb->size - o - hsz)
		return rseqkit_fail(EBADMSG, "a record's length crosses the end of the sub-buffer");
	rec->ts = 0;
	if (h.flags & RSEQ_RINGBUF_REC_TS)
		memcpy(&rec->ts, p + sizeof(h), sizeof(rec->ts));
	rec->data = p + hsz;
	rec->len = h.len;
	rec->tag = h.tag;
	rec->cpu = sb->cpu;
	*off = o + ((hsz + h.len + 7) & ~(size_t)7);
	return 1;
}

RSEQKIT_EXPORT int rseq_ringbuf_read(struct rseq_ringbuf *rb, int cpu,
				     struct rseq_ringbuf_record *rec)
{
	struct rb_reader *rd;

	if (check_cpu(rb, cpu, false))
		return -1;
	if (!rec)
		return rseqkit_fail(EINVAL, "rec is NULL");
	rd = &rb_priv(rb)->readers[cpu];
	for (;;) {
		if (rd->cur_valid) {
			int r = rseq_ringbuf_subbuf_next(&rd->cur, &rd->cur_off, rec);

			if (r == 1)
				return 0;
			rd->cur_valid = 0;
			rseq_ringbuf_put_subbuf(rb, &rd->cur);
			if (r < 0)
				return rseqkit_fail(EBADMSG, "a sub-buffer was malformed: its remaining records were skipped");
		}
		if (rd->held)
			return rseqkit_fail(EBUSY, "a sub-buffer of this CPU is held by rseq_ringbuf_get_subbuf(): put it first");
		if (rseq_ringbuf_get_subbuf(rb, cpu, &rd->cur))
			return -1;
		rd->cur_valid = 1;
		rd->cur_off = 0;
	}
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

RSEQKIT_EXPORT int rseq_ringbuf_wait(struct rseq_ringbuf *rb, int cpu, int timeout_ms)
{
	struct rb_shm *s;
	uint64_t deadline;
	uint32_t kick;

	if (check_cpu(rb, cpu, true))
		return -1;
	s = rb_priv(rb)->shm;
	deadline = timeout_ms < 0 ? UINT64_MAX : now_ms() + (uint64_t)timeout_ms;
	kick = __atomic_load_n(&s->kick_seq, __ATOMIC_ACQUIRE);
	for (;;) {
		uint32_t seq = __atomic_load_n(&s->wake_seq, __ATOMIC_ACQUIRE);
		uint64_t now;
		int left;
		bool ready;

		/* Pairs with the fence in rb_notify(): a writer that made
		 * something ready either sees us here or we see its work. */
		__atomic_fetch_add(&s->waiters, 1, __ATOMIC_SEQ_CST);
		ready = any_ready(rb, cpu);
		if (!ready) {
			now = now_ms();
			if (now >= deadline) {
				__atomic_fetch_sub(&s->waiters, 1, __ATOMIC_SEQ_CST);
				return 0;
			}
			left = deadline == UINT64_MAX ? -1 :
			       (int)(deadline - now > 1000000000u ? 1000000000u : deadline - now);
			rb_futex_wait(rb, &s->wake_seq, seq, left);
		}
		__atomic_fetch_sub(&s->waiters, 1, __ATOMIC_SEQ_CST);
		if (ready)
			return 1;
		if (__atomic_load_n(&s->kick_seq, __ATOMIC_ACQUIRE) != kick)
			return any_ready(rb, cpu) ? 1 : 0;	/* rseq_ringbuf_wake() */
	}
}

RSEQKIT_EXPORT int rseq_ringbuf_wake(struct rseq_ringbuf *rb)
{
	struct rb_shm *s;
	int efd;

	if (!rb)
		return rseqkit_fail(EINVAL, "rb is NULL");
	s = rb_priv(rb)->shm;
	efd = rb_priv(rb)->efd;
	__atomic_fetch_add(&s->kick_seq, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&s->wake_seq, 1, __ATOMIC_SEQ_CST);
	rb_futex_wake(rb, &s->wake_seq);
	if (efd >= 0) {
		uint64_t one = 1;
		ssize_t ret = write(efd, &one, sizeof(one));

		(void)ret;
	}
	return 0;
}

RSEQKIT_EXPORT int rseq_ringbuf_poll_arm(struct rseq_ringbuf *rb, int cpu)
{
	if (check_cpu(rb, cpu, true))
		return -1;
	__atomic_store_n(&rb_priv(rb)->shm->poll_armed, 1, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return any_ready(rb, cpu) ? 1 : 0;
}

void rb_readers_free(struct rseq_ringbuf *rb)
{
	struct rb_priv *p = rb_priv(rb);

	if (!p->readers)
		return;
	for (uint64_t c = 0; c < p->lay.nr_cpus; c++)
		rseqkit_ifree(p->readers[c].copy);
}

/* SPDX-License-Identifier: MIT */
/*
 * bench/ringbuf_alt.h - the two ring buffers rseqkit's is measured
 * against, written here with the same record and sub-buffer format:
 *
 *   cas    LTTng-UST's algorithm: the CPU from sched_getcpu(); reserve by
 *          compare-and-swap on the CPU's write offset (the timestamp read
 *          inside the retry loop, a sub-buffer switch decided in it);
 *          commit by an atomic add to the sub-buffer's commit counter,
 *          whose value tells the committer that completed the sub-buffer
 *          to deliver it (wake the consumer);
 *   mutex  a per-CPU buffer under a pthread mutex: reserve, fill and
 *          commit with the lock held.
 *
 * Both: discard mode (a full buffer drops the record and counts it), a
 * consumer that takes complete sub-buffers in order and gives them back.
 * Benchmark code: no attribute objects, no fallbacks.
 */
#ifndef RSEQKIT_BENCH_RINGBUF_ALT_H
#define RSEQKIT_BENCH_RINGBUF_ALT_H

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <rseqkit/ringbuf.h>

#define ALT_HDR		RSEQ_RINGBUF_SUBBUF_HDR

struct alt_cpu {
	uintptr_t offset __attribute__((aligned(128)));	/* write position */
	pthread_mutex_t lock;				/* mutex variant */
	uintptr_t consumed __attribute__((aligned(128)));
	uint64_t lost __attribute__((aligned(128)));	/* dropped records */
	uintptr_t commit[64] __attribute__((aligned(128)));
	uintptr_t end[64];
	char *data;
};

struct alt_rb {
	struct alt_cpu *cpu;
	int nr_cpus;
	uintptr_t sb_size, buf_size;
	unsigned int sb_shift, buf_shift, nsb;
	int clock;		/* enum rseq_ringbuf_clock */
	unsigned int rec_hdr;
	uint32_t wake_seq, waiters;
};

struct alt_rsv {
	char *rec;
	uintptr_t pos, bytes;
	int cpu;
};

static inline unsigned int alt_log2(uintptr_t v)
{
	unsigned int n = 0;

	while (((uintptr_t)1 << n) < v)
		n++;
	return n;
}

static inline int alt_init(struct alt_rb *a, int nr_cpus, size_t sb_size, unsigned int nsb,
			   int clock)
{
	memset(a, 0, sizeof(*a));
	a->nr_cpus = nr_cpus;
	a->sb_size = sb_size;
	a->nsb = nsb;
	a->buf_size = sb_size * nsb;
	a->sb_shift = alt_log2(sb_size);
	a->buf_shift = alt_log2(a->buf_size);
	a->clock = clock;
	a->rec_hdr = 8 + (clock ? 8 : 0);
	if (nsb > 64 || posix_memalign((void **)&a->cpu, 128, sizeof(*a->cpu) * (size_t)nr_cpus))
		return -1;
	memset(a->cpu, 0, sizeof(*a->cpu) * (size_t)nr_cpus);
	for (int c = 0; c < nr_cpus; c++) {
		pthread_mutex_init(&a->cpu[c].lock, NULL);
		if (posix_memalign((void **)&a->cpu[c].data, 4096, a->buf_size))
			return -1;
		memset(a->cpu[c].data, 0, a->buf_size);
	}
	return 0;
}

static inline void alt_fini(struct alt_rb *a)
{
	for (int c = 0; c < a->nr_cpus; c++)
		free(a->cpu[c].data);
	free(a->cpu);
}

static inline uintptr_t alt_lap_base(const struct alt_rb *a, uintptr_t pos)
{
	return (pos >> a->buf_shift) << a->sb_shift;
}

static inline void alt_wake(struct alt_rb *a)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&a->waiters, __ATOMIC_RELAXED)) {
		__atomic_fetch_add(&a->wake_seq, 1, __ATOMIC_SEQ_CST);
		syscall(SYS_futex, &a->wake_seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	}
}

static inline void alt_fill_header(struct alt_rb *a, struct alt_rsv *r, uintptr_t pos,
				   size_t len, uint64_t ts)
{
	struct rseq_ringbuf_record_header h = { (uint32_t)len, 1,
		(uint16_t)(a->clock ? RSEQ_RINGBUF_REC_TS : 0) };

	memcpy(r->rec, &h, sizeof(h));
	if (a->clock)
		memcpy(r->rec + 8, &ts, 8);
	(void)pos;
}

static inline void alt_subbuf_begin(struct alt_rb *a, int cpu, uintptr_t x, uint64_t ts)
{
	struct rseq_ringbuf_subbuf_header h;

	memset(&h, 0, sizeof(h));
	h.magic = RSEQ_RINGBUF_SUBBUF_MAGIC;
	h.version = 1;
	h.clock = (uint16_t)a->clock;
	h.cpu = (uint32_t)cpu;
	h.seq = x >> a->sb_shift;
	h.ts_begin = ts;
	memcpy(a->cpu[cpu].data + (x & (a->buf_size - 1)), &h, sizeof(h));
}

/* ---- compare-and-swap (LTTng's algorithm) ---- */

static inline void alt_cas_commit(struct alt_rb *a, int cpu, uintptr_t pos, uintptr_t bytes)
{
	struct alt_cpu *c = &a->cpu[cpu];
	uintptr_t k = (pos >> a->sb_shift) & (a->nsb - 1);
	uintptr_t v = __atomic_add_fetch(&c->commit[k], bytes, __ATOMIC_RELEASE);

	if (v - alt_lap_base(a, pos) == a->sb_size)
		alt_wake(a);		/* this commit completed the sub-buffer */
}

static inline void *alt_cas_reserve(struct alt_rb *a, struct alt_rsv *r, size_t len)
{
	int cpu = sched_getcpu();
	struct alt_cpu *c = &a->cpu[cpu];
	uintptr_t size = (a->rec_hdr + len + 7) & ~(uintptr_t)7;
	uintptr_t old = __atomic_load_n(&c->offset, __ATOMIC_RELAXED), begin, off, x = 0;
	uint64_t ts;
	int sw;

	for (;;) {
		off = old & (a->sb_size - 1);
		sw = off == 0 || off + size > a->sb_size;
		begin = old;
		if (sw) {
			x = off ? old - off + a->sb_size : old;
			if (x + a->sb_size - __atomic_load_n(&c->consumed, __ATOMIC_ACQUIRE) >
			    a->buf_size) {
				__atomic_fetch_add(&c->lost, 1, __ATOMIC_RELAXED);
				return NULL;
			}
			begin = x + ALT_HDR;
		}
		ts = a->clock ? rseq_ringbuf_clock_read(a->clock) : 0;
		if (__atomic_compare_exchange_n(&c->offset, &old, begin + size, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			break;
	}
	r->cpu = cpu;
	r->pos = begin;
	r->bytes = size;
	if (sw) {
		alt_subbuf_begin(a, cpu, x, ts);
		r->bytes += ALT_HDR;
		if (off) {
			c->end[(old >> a->sb_shift) & (a->nsb - 1)] = off;
			alt_cas_commit(a, cpu, old, a->sb_size - off);
		}
	}
	if ((begin + size) % a->sb_size == 0)
		c->end[(begin >> a->sb_shift) & (a->nsb - 1)] = a->sb_size;
	r->rec = c->data + (begin & (a->buf_size - 1));
	alt_fill_header(a, r, begin, len, ts);
	return r->rec + a->rec_hdr;
}

/* ---- mutex ---- */

/* Reserve, copy and commit under the CPU's lock; 0, or -1 if full. */
static inline int alt_mutex_write(struct alt_rb *a, const void *data, size_t len)
{
	int cpu = sched_getcpu();
	struct alt_cpu *c = &a->cpu[cpu];
	uintptr_t size = (a->rec_hdr + len + 7) & ~(uintptr_t)7, off, pos, k;
	struct alt_rsv r;
	uint64_t ts;
	int completed = 0;

	pthread_mutex_lock(&c->lock);
	off = c->offset & (a->sb_size - 1);
	pos = c->offset;
	ts = a->clock ? rseq_ringbuf_clock_read(a->clock) : 0;
	if (off == 0 || off + size > a->sb_size) {
		uintptr_t x = off ? pos - off + a->sb_size : pos;

		if (x + a->sb_size - __atomic_load_n(&c->consumed, __ATOMIC_ACQUIRE) > a->buf_size) {
			c->lost++;
			pthread_mutex_unlock(&c->lock);
			return -1;
		}
		if (off) {		/* the padding completes the old one */
			k = (pos >> a->sb_shift) & (a->nsb - 1);
			c->end[k] = off;
			__atomic_store_n(&c->commit[k], c->commit[k] + a->sb_size - off,
					 __ATOMIC_RELEASE);
			completed = 1;
		}
		alt_subbuf_begin(a, cpu, x, ts);
		k = (x >> a->sb_shift) & (a->nsb - 1);
		__atomic_store_n(&c->commit[k], c->commit[k] + ALT_HDR, __ATOMIC_RELEASE);
		pos = x + ALT_HDR;
	}
	r.rec = c->data + (pos & (a->buf_size - 1));
	alt_fill_header(a, &r, pos, len, ts);
	memcpy(r.rec + a->rec_hdr, data, len);
	c->offset = pos + size;
	k = (pos >> a->sb_shift) & (a->nsb - 1);
	if (c->offset % a->sb_size == 0) {
		c->end[k] = a->sb_size;
		completed = 1;
	}
	__atomic_store_n(&c->commit[k], c->commit[k] + size, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&c->lock);
	if (completed)
		alt_wake(a);
	return 0;
}

/* ---- the consumer (both) ---- */

/* The next complete sub-buffer of cpu (data, size), or NULL. */
static inline const char *alt_get(struct alt_rb *a, int cpu, size_t *size, int locked)
{
	struct alt_cpu *c = &a->cpu[cpu];
	uintptr_t x = __atomic_load_n(&c->consumed, __ATOMIC_ACQUIRE);
	uintptr_t k = (x >> a->sb_shift) & (a->nsb - 1), cc;
	char *p;

	if (locked)
		pthread_mutex_lock(&c->lock);
	cc = __atomic_load_n(&c->commit[k], __ATOMIC_ACQUIRE);
	if (locked)
		pthread_mutex_unlock(&c->lock);
	if (cc - alt_lap_base(a, x) != a->sb_size)
		return NULL;
	p = c->data + (x & (a->buf_size - 1));
	*size = c->end[k];
	memcpy(p + offsetof(struct rseq_ringbuf_subbuf_header, size), &(uint32_t){ (uint32_t)*size }, 4);
	return p;
}

static inline void alt_put(struct alt_rb *a, int cpu)
{
	struct alt_cpu *c = &a->cpu[cpu];

	__atomic_store_n(&c->consumed, c->consumed + a->sb_size, __ATOMIC_RELEASE);
}

/* Close every CPU's partial sub-buffer (the writers are stopped). */
static inline void alt_flush_quiescent(struct alt_rb *a)
{
	for (int cpu = 0; cpu < a->nr_cpus; cpu++) {
		struct alt_cpu *c = &a->cpu[cpu];
		uintptr_t off = c->offset & (a->sb_size - 1);

		if (off > ALT_HDR) {
			c->end[(c->offset >> a->sb_shift) & (a->nsb - 1)] = off;
			c->commit[(c->offset >> a->sb_shift) & (a->nsb - 1)] += a->sb_size - off;
			c->offset += a->sb_size - off;
		}
	}
}

static inline int alt_wait(struct alt_rb *a, int timeout_ms)
{
	uint32_t seq = __atomic_load_n(&a->wake_seq, __ATOMIC_ACQUIRE);
	struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000 };

	__atomic_fetch_add(&a->waiters, 1, __ATOMIC_SEQ_CST);
	for (int cpu = 0; cpu < a->nr_cpus; cpu++) {
		struct alt_cpu *c = &a->cpu[cpu];
		uintptr_t x = __atomic_load_n(&c->consumed, __ATOMIC_ACQUIRE);

		if (__atomic_load_n(&c->commit[(x >> a->sb_shift) & (a->nsb - 1)], __ATOMIC_ACQUIRE) -
		    alt_lap_base(a, x) == a->sb_size) {
			__atomic_fetch_sub(&a->waiters, 1, __ATOMIC_SEQ_CST);
			return 1;
		}
	}
	syscall(SYS_futex, &a->wake_seq, FUTEX_WAIT_PRIVATE, seq, &ts, NULL, 0);
	__atomic_fetch_sub(&a->waiters, 1, __ATOMIC_SEQ_CST);
	return 0;
}

#endif

/* SPDX-License-Identifier: MIT */
/*
 * src/ringbuf_flush.c - closing a CPU's partially filled sub-buffer from
 * another CPU (the claim protocol: own the write position, move it to
 * the next sub-buffer, commit the rest as padding), and the flush service:
 * a thread of the writers' process that flushes for consumers in other
 * processes (the membarrier fence of a claim acts only in the process
 * that issues it), on request and every period.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "ringbuf-internal.h"

#define FLUSH_TIMEOUT_MS	10000

int rb_flush_local(struct rseq_ringbuf *rb, int cpu)
{
	uintptr_t s = rb->sb_size, off, w;
	sigset_t old;
	intptr_t v;

	rb_signals_block(&old);
	v = rseq_percpu_claim(&rb->b, cpu, 0);
	if (v == RSEQ_PERCPU_STOP) {	/* membarrier denied, ... */
		int err = errno;

		rb_signals_restore(&old);
		errno = err;
		return -1;
	}
	w = (uintptr_t)v;
	off = w & (s - 1);
	if (off <= RSEQ_RINGBUF_SUBBUF_HDR) {	/* nothing open, or nothing in it */
		rseq_percpu_release(&rb->b, cpu, v);
		rb_signals_restore(&old);
		return 0;
	}
	__atomic_store_n(rb_arr(rb, cpu, RSEQ_RINGBUF_CNT_END, rb_subbuf_of(rb, w)),
			 (intptr_t)off, __ATOMIC_RELAXED);
	rseq_percpu_release(&rb->b, cpu, (intptr_t)rb_pos(w - off + s));
	rb_signals_restore(&old);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* as finish() after a close */
	__atomic_fetch_add(&rb_ctl(rb, cpu)->flushes, 1, __ATOMIC_RELAXED);
	rb_commit(rb, cpu, w, s - off, 0);
	return 1;
}

static int check_flush_cpu(struct rseq_ringbuf *rb, int cpu)
{
	if (!rb)
		return rseqkit_fail(EINVAL, "rb is NULL");
	if (cpu < 0 || (uint64_t)cpu >= rb_priv(rb)->lay.nr_cpus)
		return rseqkit_fail(EINVAL, "cpu must be below rseq_ringbuf_nr_cpus()");
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A consumer in another process: ask the writers' flush service. */
static int request_flush(struct rseq_ringbuf *rb, int cpu)
{
	struct rb_shm *s = rb_priv(rb)->shm;
	uint64_t deadline = now_ms() + FLUSH_TIMEOUT_MS;
	int nr = (int)rb_priv(rb)->lay.nr_cpus;
	uint32_t seq;

	if (!__atomic_load_n(&s->service_pid, __ATOMIC_ACQUIRE))
		return rseqkit_fail(ENOTCONN, "no flush service runs in the writers' process: it must call rseq_ringbuf_flush_service_start()");
	for (int c = cpu < 0 ? 0 : cpu; c < (cpu < 0 ? nr : cpu + 1); c++)
		__atomic_store_n(&rb_ctl(rb, c)->flush_req, 1, __ATOMIC_RELEASE);
	seq = __atomic_add_fetch(&s->flush_req_seq, 1, __ATOMIC_SEQ_CST);
	rb_futex_wake(rb, &s->flush_req_seq);
	for (;;) {
		uint32_t done = __atomic_load_n(&s->flush_done_seq, __ATOMIC_ACQUIRE);
		uint64_t now;

		if ((int32_t)(done - seq) >= 0)
			return 0;
		if (!__atomic_load_n(&s->service_pid, __ATOMIC_ACQUIRE))
			return rseqkit_fail(ENOTCONN, "the writers' flush service stopped before it answered");
		now = now_ms();
		if (now >= deadline)
			return rseqkit_fail(ETIMEDOUT, "the writers' flush service did not answer within 10 s");
		rb_futex_wait(rb, &s->flush_done_seq, done,
			      (int)(deadline - now < 100 ? deadline - now : 100));
	}
}

RSEQKIT_EXPORT int rseq_ringbuf_flush_cpu(struct rseq_ringbuf *rb, int cpu)
{
	if (check_flush_cpu(rb, cpu))
		return -1;
	if (!rb_priv(rb)->owner)
		return request_flush(rb, cpu);
	return rb_flush_local(rb, cpu) < 0 ? -1 : 0;
}

RSEQKIT_EXPORT int rseq_ringbuf_flush(struct rseq_ringbuf *rb)
{
	int ret = 0;

	if (!rb)
		return rseqkit_fail(EINVAL, "rb is NULL");
	if (!rb_priv(rb)->owner)
		return request_flush(rb, -1);
	for (uint64_t c = 0; c < rb_priv(rb)->lay.nr_cpus; c++)
		if (rb_flush_local(rb, (int)c) < 0)
			ret = -1;	/* errno from the last failure */
	return ret;
}

static void *service_main(void *arg)
{
	struct rseq_ringbuf *rb = arg;
	struct rb_priv *p = rb_priv(rb);
	struct rb_shm *s = p->shm;
	int nr = (int)p->lay.nr_cpus;
	unsigned int period = p->service_period_ms;
	uint32_t handled = __atomic_load_n(&s->flush_req_seq, __ATOMIC_ACQUIRE) - 1;
	uint64_t next = now_ms() + period;
	sigset_t old;

	rb_signals_block(&old);		/* never interrupted inside a claim */
	for (;;) {
		uint32_t seq = __atomic_load_n(&s->flush_req_seq, __ATOMIC_ACQUIRE);
		int timeout = -1;

		if (__atomic_load_n(&p->service_stop, __ATOMIC_ACQUIRE))
			break;
		if (seq != handled) {
			for (int c = 0; c < nr; c++)
				if (__atomic_exchange_n(&rb_ctl(rb, c)->flush_req, 0, __ATOMIC_ACQ_REL))
					rb_flush_local(rb, c);
			handled = seq;
			__atomic_store_n(&s->flush_done_seq, seq, __ATOMIC_RELEASE);
			rb_futex_wake(rb, &s->flush_done_seq);
			continue;
		}
		if (period) {
			uint64_t now = now_ms();

			if (now >= next) {
				for (int c = 0; c < nr; c++)
					rb_flush_local(rb, c);
				next = now + period;
				continue;
			}
			timeout = (int)(next - now);
		}
		rb_futex_wait(rb, &s->flush_req_seq, seq, timeout);
	}
	__atomic_store_n(&s->service_pid, 0, __ATOMIC_RELEASE);
	rb_futex_wake(rb, &s->flush_done_seq);
	return NULL;
}

RSEQKIT_EXPORT int rseq_ringbuf_flush_service_start(struct rseq_ringbuf *rb,
						    unsigned int period_ms)
{
	struct rb_priv *p;
	int err;

	if (!rb)
		return rseqkit_fail(EINVAL, "rb is NULL");
	p = rb_priv(rb);
	if (!p->owner)
		return rseqkit_fail(EPERM, "the flush service runs in the process that created the channel");
	if (period_ms > 3600000u)
		return rseqkit_fail(EINVAL, "period_ms must be at most one hour (0: on request only)");
	pthread_mutex_lock(&p->service_lock);
	if (p->service_running) {
		pthread_mutex_unlock(&p->service_lock);
		return rseqkit_fail(EBUSY, "the flush service already runs");
	}
	p->service_stop = 0;
	p->service_period_ms = period_ms;
	__atomic_store_n(&p->shm->service_pid, (int32_t)getpid(), __ATOMIC_RELEASE);
	err = pthread_create(&p->service, NULL, service_main, rb);
	if (err) {
		__atomic_store_n(&p->shm->service_pid, 0, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&p->service_lock);
		return rseqkit_fail(err, "pthread_create() of the flush service failed");
	}
	p->service_running = 1;
	pthread_mutex_unlock(&p->service_lock);
	return 0;
}

void rb_service_stop(struct rseq_ringbuf *rb)
{
	struct rb_priv *p = rb_priv(rb);

	pthread_mutex_lock(&p->service_lock);
	if (p->service_running) {
		__atomic_store_n(&p->service_stop, 1, __ATOMIC_RELEASE);
		__atomic_fetch_add(&p->shm->flush_req_seq, 1, __ATOMIC_SEQ_CST);
		rb_futex_wake(rb, &p->shm->flush_req_seq);
		pthread_join(p->service, NULL);
		p->service_running = 0;
	}
	pthread_mutex_unlock(&p->service_lock);
}

RSEQKIT_EXPORT int rseq_ringbuf_flush_service_stop(struct rseq_ringbuf *rb)
{
	if (!rb)
		return rseqkit_fail(EINVAL, "rb is NULL");
	if (!rb_priv(rb)->service_running)
		return rseqkit_fail(EINVAL, "no flush service runs for this channel");
	rb_service_stop(rb);
	return 0;
}

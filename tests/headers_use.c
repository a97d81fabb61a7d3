/* SPDX-License-Identifier: MIT */
/*
 * tests/headers_use.c - every public header together, and every public
 * macro and inline function used once, so that the compiler checks what
 * a program would expand (tests/headers_check.sh builds this as C99, C11
 * and C++11 to C++2b, with -Wall -Wextra -Wconversion -Wshadow -Werror).
 * Compiled only, never run.
 */
#include <rseqkit/rseq.h>
#include <rseqkit/abi.h>
#include <rseqkit/version.h>
#include <rseqkit/pool.h>
#include <rseqkit/slice.h>
#include <rseqkit/percpu/percpu.h>

struct rec {
	long a, b;
};

static intptr_t word, word2;
static char buf[64];

int use_operations(int cpu);
int use_operations(int cpu)
{
	intptr_t load = 0, v;
	int r = 0;

	r += rseq_cmpeqv_storev(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID, &word, 0, 1, cpu);
	r += rseq_cmpnev_storeoffp_load(RSEQ_MO_RELAXED, RSEQ_PERCPU_MM_CID, &word, -1,
					0, &load, cpu);
	r += rseq_addv(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID, &word, 2, cpu);
#ifdef RSEQ_ARCH_HAS_OFFSET_DEREF_ADDV
	r += rseq_offset_deref_addv(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID, &word, 8, 1, cpu);
#endif
	r += rseq_cmpeqv_trystorev_storev(RSEQ_MO_RELEASE, RSEQ_PERCPU_CPU_ID, &word, 0,
					  &word2, 3, 4, cpu);
	r += rseq_cmpeqv_cmpeqv_storev(RSEQ_MO_RELAXED, RSEQ_PERCPU_MM_CID, &word, 0,
				       &word2, 0, 5, cpu);
	r += rseq_cmpeqv_trymemcpy_storev(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID, &word, 0,
					  buf, buf + 32, 16, 6, cpu);
	v = RSEQ_READ_ONCE(word);
	RSEQ_WRITE_ONCE(word2, v);
	RSEQ_ACCESS_ONCE(word) = 1;
	v = rseq_smp_load_acquire(&word);
	v += rseq_smp_load_consume(&word2);
	rseq_smp_store_release(&word, v);
	rseq_smp_mb();
	rseq_smp_rmb();
	rseq_smp_wmb();
	rseq_smp_acquire__after_ctrl_dep();
	rseq_cpu_relax();
	rseq_barrier();
	if (rseq_likely(r) || rseq_unlikely(!r))
		r++;
	return r;
}

int use_queries(void);
int use_queries(void)
{
	int r = 0;

	r += rseq_current_cpu_raw();
	r += (int)rseq_cpu_start();
	r += (int)rseq_current_cpu();
	r += rseq_current_thread_registered();
	if (rseq_node_id_available())
		r += (int)rseq_current_node_id();
	if (rseq_mm_cid_available())
		r += (int)rseq_current_mm_cid();
	r += rseq_slice_ctrl_available();
	r += (int)rseq_get_abi()->cpu_id;
	r += (int)rseq_feature_size + (int)rseq_size + (int)rseq_flags;
	r += (int)(rseq_offset & 1);
	r += (int)(rseq_version_number() & 1) + (rseq_version_string() != NULL);
	r += rseq_available();
	rseq_clear_rseq_cs();
	rseq_prepare_unload();
	if (rseq_slice_ctrl_available()) {
		rseq_slice_request();
		r += rseq_slice_granted();
		r += rseq_slice_release();
	}
	return r;
}

int use_pool(struct rseq_mempool *pool, long *item);
int use_pool(struct rseq_mempool *pool, long *item)
{
	long *mine = rseq_percpu_ptr(item, 1);
	void *other = rseq_percpu_ptr_stride(item, 2, rseq_mempool_stride(pool));

	return (int)(*mine + (other != NULL));
}

int use_structures(struct rseq_percpu_counter *c, struct rseq_percpu_lock *l,
		   struct rseq_percpu_stack *s, struct rseq_percpu_buffer *b,
		   struct rseq_percpu_fifo *f, struct rseq_percpu_cache *oc);
int use_structures(struct rseq_percpu_counter *c, struct rseq_percpu_lock *l,
		   struct rseq_percpu_stack *s, struct rseq_percpu_buffer *b,
		   struct rseq_percpu_fifo *f, struct rseq_percpu_cache *oc)
{
	struct rseq_percpu_node node;
	struct rec rec = { 1, 2 };
	int r, cpu;
	void *p;

	rseq_percpu_counter_add(c, -3);
	rseq_percpu_counter_inc(c);
	cpu = rseq_percpu_lock(l);
	if (cpu >= 0)
		rseq_percpu_unlock(l, cpu);
	r = rseq_percpu_stack_push(s, &node);
	r += rseq_percpu_stack_pop(s) != NULL;
	r += rseq_percpu_buffer_push(b, &node);
	r += rseq_percpu_buffer_pop(b) != NULL;
	r += rseq_percpu_fifo_push(f, &rec);
	r += rseq_percpu_fifo_pop(f, &rec);
	p = rseq_percpu_cache_alloc(oc);
	rseq_percpu_cache_free(oc, p);
	rseq_percpu_thread_disable_rseq(false);
	return r + (int)rseq_percpu_lock_token() + rseq_percpu_rseq_ok;
}

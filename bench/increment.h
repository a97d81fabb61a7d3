/* SPDX-License-Identifier: MIT */
/*
 * bench/increment.h - the per-CPU increment's cases, written once for the
 * programs that measure it (core_bench's "increment" group, addv_variants):
 * the padded slots, their setup and verification, the baseline (a
 * per-thread plain add: the physical limit), the header's rseq_addv loop,
 * and the two atomic alternatives.
 */
#ifndef RSEQKIT_BENCH_INCREMENT_H
#define RSEQKIT_BENCH_INCREMENT_H

#include <stdint.h>
#include "harness.h"

struct inc_slot {
	intptr_t v;
} __attribute__((aligned(BENCH_CACHELINE)));

/* Per CPU (the per-CPU cases) or per thread (the baseline). */
extern struct inc_slot *inc_slots;

/* Fresh slots for T threads; counters sum to the operations done. */
int inc_setup(struct bench_case *c, int T);
int inc_verify(struct bench_case *c, int T, uint64_t total);

/* The baseline: load and store of this thread's slot per operation. */
uint64_t inc_plain(struct bench_thread *t, uint64_t n);
/* rseq_addv() on this CPU's slot, retried on an abort. */
uint64_t inc_rseq(struct bench_thread *t, uint64_t n);
/* One shared atomic counter; an atomic add on sched_getcpu()'s slot. */
uint64_t inc_shared_atomic(struct bench_thread *t, uint64_t n);
uint64_t inc_percpu_atomic(struct bench_thread *t, uint64_t n);

#endif

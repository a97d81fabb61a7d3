/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/arch/generic/ops.h - the operations on an architecture without
 * critical sections: each returns -1 with errno ENOSYS.
 */
#ifndef RSEQKIT_ARCH_GENERIC_OPS_H
#define RSEQKIT_ARCH_GENERIC_OPS_H

static inline int rseq_unavailable_op(void)
{
	errno = ENOSYS;
	return -1;
}

#define RSEQ_GENERIC_OP(name, ...)					\
static inline int name(enum rseq_mo rseq_mo,				\
		       enum rseq_percpu_mode percpu_mode, __VA_ARGS__)	\
{									\
	(void)rseq_mo;							\
	(void)percpu_mode;						\
	return rseq_unavailable_op();					\
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
RSEQ_GENERIC_OP(rseq_cmpeqv_storev, intptr_t *v, intptr_t expect,
		intptr_t newv, int cpu)
RSEQ_GENERIC_OP(rseq_cmpnev_storeoffp_load, intptr_t *v, intptr_t expectnot,
		long voffp, intptr_t *load, int cpu)
RSEQ_GENERIC_OP(rseq_addv, intptr_t *v, intptr_t count, int cpu)
RSEQ_GENERIC_OP(rseq_offset_deref_addv, intptr_t *ptr, long off,
		intptr_t inc, int cpu)
RSEQ_GENERIC_OP(rseq_cmpeqv_trystorev_storev, intptr_t *v, intptr_t expect,
		intptr_t *v2, intptr_t newv2, intptr_t newv, int cpu)
RSEQ_GENERIC_OP(rseq_cmpeqv_cmpeqv_storev, intptr_t *v, intptr_t expect,
		intptr_t *v2, intptr_t expect2, intptr_t newv, int cpu)
RSEQ_GENERIC_OP(rseq_cmpeqv_trymemcpy_storev, intptr_t *v, intptr_t expect,
		void *dst, void *src, size_t len, intptr_t newv, int cpu)
#undef RSEQ_GENERIC_OP
#pragma GCC diagnostic pop
#define RSEQ_ARCH_HAS_OFFSET_DEREF_ADDV

#endif

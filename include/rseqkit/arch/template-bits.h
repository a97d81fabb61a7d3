/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/arch/template-bits.h - names and offsets for one instantiation
 * of an operations template (see template-instantiate.h).  No include guard:
 * included once per instantiation.
 */
#if defined(RSEQ_TEMPLATE_MO_RELAXED) && defined(RSEQ_TEMPLATE_INDEX_CPU_ID)
# define RSEQ_TEMPLATE_IDENTIFIER(x)	x ## _relaxed_cpu_id
#elif defined(RSEQ_TEMPLATE_MO_RELAXED) && defined(RSEQ_TEMPLATE_INDEX_MM_CID)
# define RSEQ_TEMPLATE_IDENTIFIER(x)	x ## _relaxed_mm_cid
#elif defined(RSEQ_TEMPLATE_MO_RELEASE) && defined(RSEQ_TEMPLATE_INDEX_CPU_ID)
# define RSEQ_TEMPLATE_IDENTIFIER(x)	x ## _release_cpu_id
#elif defined(RSEQ_TEMPLATE_MO_RELEASE) && defined(RSEQ_TEMPLATE_INDEX_MM_CID)
# define RSEQ_TEMPLATE_IDENTIFIER(x)	x ## _release_mm_cid
#else
# error "template-bits.h: no memory order / index selected"
#endif

/*
 * Offset in struct rseq_abi of the index the section validates, as an
 * assembler literal (rseqkit/abi.h asserts it against offsetof()).
 */
#ifdef RSEQ_TEMPLATE_INDEX_CPU_ID
# define RSEQ_TEMPLATE_INDEX_OFFSET	RSEQKIT_ABI_CPU_ID_OFFSET
#else
# define RSEQ_TEMPLATE_INDEX_OFFSET	RSEQKIT_ABI_MM_CID_OFFSET
#endif

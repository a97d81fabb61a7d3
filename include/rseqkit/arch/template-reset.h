/* SPDX-License-Identifier: MIT */
/* rseqkit/arch/template-reset.h - undo template-bits.h.  No include guard. */
#undef RSEQ_TEMPLATE_IDENTIFIER
#undef RSEQ_TEMPLATE_INDEX_OFFSET
#undef RSEQ_TEMPLATE_MO_RELAXED
#undef RSEQ_TEMPLATE_MO_RELEASE
#undef RSEQ_TEMPLATE_INDEX_CPU_ID
#undef RSEQ_TEMPLATE_INDEX_MM_CID

/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/arch/template-instantiate.h - instantiate an architecture's
 * operations template once per memory order and per index.
 *
 * Every operation family is written once per template: arch/x86/ops.h
 * (x86-64, i386) and arch/loadstore-ops.h (aarch64, arm, ppc, riscv,
 * s390, mips; each arch.h supplies its building blocks), in terms of:
 *   RSEQ_TEMPLATE_IDENTIFIER(name)  name_relaxed_cpu_id, name_release_mm_cid...
 *   RSEQ_TEMPLATE_INDEX_OFFSET      offset in struct rseq_abi of the index
 *                                   the section validates (cpu_id or mm_cid)
 *   RSEQ_TEMPLATE_MO_RELAXED / RSEQ_TEMPLATE_MO_RELEASE  (one is defined)
 * The arch header defines RSEQ_ARCH_OPS (the template's path relative to
 * this folder) and includes this file.
 */
#ifndef RSEQ_ARCH_OPS
# error "define RSEQ_ARCH_OPS before including template-instantiate.h"
#endif

#define RSEQ_TEMPLATE_MO_RELAXED
#define RSEQ_TEMPLATE_INDEX_CPU_ID
#include "template-bits.h"
#include RSEQ_ARCH_OPS
#include "template-reset.h"

#define RSEQ_TEMPLATE_MO_RELAXED
#define RSEQ_TEMPLATE_INDEX_MM_CID
#include "template-bits.h"
#include RSEQ_ARCH_OPS
#include "template-reset.h"

#define RSEQ_TEMPLATE_MO_RELEASE
#define RSEQ_TEMPLATE_INDEX_CPU_ID
#include "template-bits.h"
#include RSEQ_ARCH_OPS
#include "template-reset.h"

#define RSEQ_TEMPLATE_MO_RELEASE
#define RSEQ_TEMPLATE_INDEX_MM_CID
#include "template-bits.h"
#include RSEQ_ARCH_OPS
#include "template-reset.h"

/* SPDX-License-Identifier: MIT */
/*
 * rseq/abi.h - the kernel ABI with librseq's names: struct rseq_abi,
 * struct rseq_abi_cs, RSEQ_ABI_* (rseqkit/abi.h has the same names), the
 * kernel's __u32/__u64 types, and __NR_rseq where the system headers lack
 * it.
 */
#ifndef _RSEQ_ABI_H
#define _RSEQ_ABI_H

#include "../rseqkit-layer.h"
#include <linux/types.h>
#include <rseqkit/abi.h>

#if !defined(__NR_rseq) && defined(RSEQKIT_NR_rseq)
# define __NR_rseq	RSEQKIT_NR_rseq
#endif

#endif

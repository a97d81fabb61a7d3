/* SPDX-License-Identifier: MIT */
/*
 * rseq/arch.h - the librseq layer's architecture header: librseq's
 * RSEQ_ARCH_* names for the architecture being compiled (programs use
 * them to choose their own injection assembly), and rseqkit's
 * architecture support: RSEQ_SIG, rseq_smp_mb(), rseq_smp_rmb(),
 * rseq_smp_wmb(), rseq_smp_load_acquire(), rseq_smp_store_release(),
 * rseq_smp_acquire__after_ctrl_dep(), rseq_thread_pointer().
 */
#ifndef _RSEQ_ARCH_H
#define _RSEQ_ARCH_H

#include "../rseqkit-layer.h"
#include "inject.h"

#if defined(__x86_64__) || defined(__amd64__)
# define RSEQ_ARCH_X86 1
# define RSEQ_ARCH_AMD64 1
#elif defined(__i386__)
# define RSEQ_ARCH_X86 1
# define RSEQ_ARCH_I386 1
#elif defined(__arm__)
# define RSEQ_ARCH_ARM 1
#elif defined(__aarch64__)
# define RSEQ_ARCH_AARCH64 1
#elif defined(__powerpc64__)
# define RSEQ_ARCH_PPC 1
# define RSEQ_ARCH_PPC64 1
#elif defined(__powerpc__)
# define RSEQ_ARCH_PPC 1
#elif defined(__mips__)
# define RSEQ_ARCH_MIPS 1
#elif defined(__s390__)
# if defined(__s390x__) || defined(__zarch__)
#  define RSEQ_ARCH_S390X 1
# endif
# define RSEQ_ARCH_S390 1
#elif defined(__riscv)
# define RSEQ_ARCH_RISCV 1
#elif defined(__loongarch__)
# define RSEQ_ARCH_LOONGARCH 1
#endif

#include <rseqkit/rseq.h>

#endif

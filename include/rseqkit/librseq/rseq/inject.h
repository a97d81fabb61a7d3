/* SPDX-License-Identifier: MIT */
/*
 * rseq/inject.h - librseq's test-injection hooks on rseqkit: empty unless
 * the program defines them before including <rseq/rseq.h>.  The asm
 * hooks must be fully reentrant and must not touch the stack.
 */
#ifndef _RSEQ_INJECT_H
#define _RSEQ_INJECT_H

#include "../rseqkit-layer.h"

#ifndef RSEQ_INJECT_ASM
#define RSEQ_INJECT_ASM(n)
#endif
#ifndef RSEQ_INJECT_C
#define RSEQ_INJECT_C(n)
#endif
#ifndef RSEQ_INJECT_INPUT
#define RSEQ_INJECT_INPUT
#endif
#ifndef RSEQ_INJECT_CLOBBER
#define RSEQ_INJECT_CLOBBER
#endif
#ifndef RSEQ_INJECT_FAILED
#define RSEQ_INJECT_FAILED
#endif

#endif

/* SPDX-License-Identifier: MIT */
/*
 * rseq/inject.h - librseq's test-injection hooks (RSEQ_INJECT_ASM(),
 * RSEQ_INJECT_C(), RSEQ_INJECT_INPUT, RSEQ_INJECT_CLOBBER,
 * RSEQ_INJECT_FAILED): empty unless the program defines them before
 * including <rseq/rseq.h>; <rseqkit/rseq.h> provides the defaults.  The
 * asm hooks must be fully reentrant and must not touch the stack.
 */
#ifndef _RSEQ_INJECT_H
#define _RSEQ_INJECT_H

#include "../rseqkit-layer.h"
#include <rseqkit/rseq.h>

#endif

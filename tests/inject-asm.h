/* SPDX-License-Identifier: MIT */
/*
 * tests/inject-asm.h - the RSEQ_INJECT_ASM delay loops of the stress
 * tests that count them in loop_cnt[] (param_test, ringbuf_stress):
 * include before <rseqkit/rseq.h>.  Point n spins loop_cnt[n] times
 * (n = 1..6, see arch/loadstore-ops.h); the including program sets
 * loop_cnt and defines RSEQ_INJECT_C / RSEQ_INJECT_FAILED itself.  The
 * loops themselves are written once per architecture, under
 * tests/arch/<arch>/inject.h; TEST_HAS_ASM_INJECT is 0 where there is none.
 */
#ifndef RSEQKIT_TESTS_INJECT_ASM_H
#define RSEQKIT_TESTS_INJECT_ASM_H

#define NR_INJECT 9
static int loop_cnt[NR_INJECT + 1];

#define RSEQ_INJECT_LOOPS loop_cnt
#include "arch/inject.h"

#endif

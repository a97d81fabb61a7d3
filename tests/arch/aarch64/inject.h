/* SPDX-License-Identifier: MIT */
/*
 * tests/arch/aarch64/inject.h - delay loops inside the critical sections for
 * the stress tests (see tests/arch/inject.h).  No include guard.
 */
/* Asm delay loops (aarch64) in w12. */
#define RSEQ_INJECT_INPUT , [loop_cnt] "r" (RSEQ_INJECT_LOOPS)
#define RSEQ_INJECT_CLOBBER , "x12"
#define RSEQ_INJECT_ASM(n)						\
	"ldr w12, [%[loop_cnt], #(4 * " #n ")]\n\t"				\
	"cmp w12, #0\n\t"						\
	"b.le 333f\n\t"							\
	"222:\n\t"							\
	"subs w12, w12, #1\n\t"						\
	"b.ne 222b\n\t"							\
	"333:\n\t"
#define TEST_HAS_ASM_INJECT 1

/* SPDX-License-Identifier: MIT */
/*
 * tests/arch/arm/inject.h - delay loops inside the critical sections for
 * the stress tests (see tests/arch/inject.h).  No include guard.
 */
/* Asm delay loops (arm, ARM or Thumb-2) in lr, which the sections
 * declare clobbered and hold nothing in across an injection point. */
#define RSEQ_INJECT_INPUT , [loop_cnt] "r" (RSEQ_INJECT_LOOPS)
#define RSEQ_INJECT_CLOBBER , "lr"
#define RSEQ_INJECT_ASM(n)						\
	"ldr lr, [%[loop_cnt], #(4 * " #n ")]\n\t"				\
	"cmp lr, #0\n\t"						\
	"ble 333f\n\t"							\
	"222:\n\t"							\
	"subs lr, lr, #1\n\t"						\
	"bne 222b\n\t"							\
	"333:\n\t"
#define TEST_HAS_ASM_INJECT 1

/* SPDX-License-Identifier: MIT */
/*
 * tests/arch/s390/inject.h - delay loops inside the critical sections for
 * the stress tests (see tests/arch/inject.h).  No include guard.
 */
/* (gcc 12 -O0 loops in register allocation with these: optimized only.)
 * One base register for all the counts: s390 has few registers to spare. */
#define RSEQ_INJECT_INPUT , [loop_cnt] "a" (RSEQ_INJECT_LOOPS)
#define RSEQ_INJECT_CLOBBER , "r5"
#define RSEQ_INJECT_ASM(n)						\
	"l %%r5, 4 * " #n "(%[loop_cnt])\n\t"				\
	"ltr %%r5, %%r5\n\t"						\
	"jnh 333f\n\t"						\
	"222:\n\t"							\
	"ahi %%r5, -1\n\t"						\
	"jnz 222b\n\t"						\
	"333:\n\t"
#define TEST_HAS_ASM_INJECT 1

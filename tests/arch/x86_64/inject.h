/* SPDX-License-Identifier: MIT */
/*
 * tests/arch/x86_64/inject.h - delay loops inside the critical sections for
 * the stress tests (see tests/arch/inject.h).  No include guard.
 */
#define RSEQ_INJECT_INPUT						\
	, [loop_cnt_1] "m" (RSEQ_INJECT_LOOPS[1]), [loop_cnt_2] "m" (RSEQ_INJECT_LOOPS[2]) \
	, [loop_cnt_3] "m" (RSEQ_INJECT_LOOPS[3]), [loop_cnt_4] "m" (RSEQ_INJECT_LOOPS[4]) \
	, [loop_cnt_5] "m" (RSEQ_INJECT_LOOPS[5]), [loop_cnt_6] "m" (RSEQ_INJECT_LOOPS[6])
#define RSEQ_INJECT_CLOBBER , "eax"
#define RSEQ_INJECT_ASM(n)						\
	"movl %[loop_cnt_" #n "], %%eax\n\t"				\
	"testl %%eax, %%eax\n\t"					\
	"jle 333f\n\t"							\
	"222:\n\t"							\
	"decl %%eax\n\t"						\
	"jnz 222b\n\t"							\
	"333:\n\t"
#define TEST_HAS_ASM_INJECT 1

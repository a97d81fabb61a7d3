/* SPDX-License-Identifier: MIT */
/*
 * tests/arch/ppc/inject.h - delay loops inside the critical sections for
 * the stress tests (see tests/arch/inject.h).  No include guard.
 */
/* Asm delay loops (powerpc) in r12 and cr0. */
#define RSEQ_INJECT_INPUT , [loop_cnt] "b" (RSEQ_INJECT_LOOPS)
#define RSEQ_INJECT_CLOBBER , "r12", "cr0"
#define RSEQ_INJECT_ASM(n)						\
	"lwz %%r12, (4 * " #n ")(%[loop_cnt])\n\t" \
	"cmpwi %%cr0, %%r12, 0\n\t"					\
	"ble- %%cr0, 333f\n\t"						\
	"222:\n\t"							\
	"addic. %%r12, %%r12, -1\n\t"					\
	"bne- %%cr0, 222b\n\t"						\
	"333:\n\t"
#define TEST_HAS_ASM_INJECT 1

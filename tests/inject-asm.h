/* SPDX-License-Identifier: MIT */
/*
 * tests/inject-asm.h - the RSEQ_INJECT_ASM delay loops of the stress
 * tests, for every architecture with critical sections (as the kernel's
 * param_test has them): include before <rseqkit/rseq.h>.  Point n spins
 * loop_cnt[n] times (n = 1..6, see arch/loadstore-ops.h); the including
 * program sets loop_cnt and defines RSEQ_INJECT_C / RSEQ_INJECT_FAILED
 * itself.  TEST_HAS_ASM_INJECT is 0 where no loop is defined.
 */
#ifndef RSEQKIT_TESTS_INJECT_ASM_H
#define RSEQKIT_TESTS_INJECT_ASM_H

#define NR_INJECT 9
static int loop_cnt[NR_INJECT + 1];

/* Asm delay loops (x86-64) in %eax, like the kernel param_test. */
#if defined(__x86_64__)
#define RSEQ_INJECT_INPUT						\
	, [loop_cnt_1] "m" (loop_cnt[1]), [loop_cnt_2] "m" (loop_cnt[2]) \
	, [loop_cnt_3] "m" (loop_cnt[3]), [loop_cnt_4] "m" (loop_cnt[4]) \
	, [loop_cnt_5] "m" (loop_cnt[5]), [loop_cnt_6] "m" (loop_cnt[6])
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
#elif defined(__aarch64__)
/* Asm delay loops (aarch64) in w12. */
#define RSEQ_INJECT_INPUT , [loop_cnt] "r" (loop_cnt)
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
#elif defined(__arm__)
/* Asm delay loops (arm, ARM or Thumb-2) in lr, which the sections
 * declare clobbered and hold nothing in across an injection point. */
#define RSEQ_INJECT_INPUT , [loop_cnt] "r" (loop_cnt)
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
#elif defined(__powerpc__)
/* Asm delay loops (powerpc) in r12 and cr0. */
#define RSEQ_INJECT_INPUT , [loop_cnt] "b" (loop_cnt)
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
#elif defined(__riscv)
#define RSEQ_INJECT_INPUT						\
	, [loop_cnt_1] "m" (loop_cnt[1]), [loop_cnt_2] "m" (loop_cnt[2]) \
	, [loop_cnt_3] "m" (loop_cnt[3]), [loop_cnt_4] "m" (loop_cnt[4]) \
	, [loop_cnt_5] "m" (loop_cnt[5]), [loop_cnt_6] "m" (loop_cnt[6])
#define RSEQ_INJECT_CLOBBER , "t4"
#define RSEQ_INJECT_ASM(n)						\
	"lw t4, %[loop_cnt_" #n "]\n\t"				\
	"blez t4, 333f\n\t"						\
	"222:\n\t"							\
	"addi t4, t4, -1\n\t"						\
	"bnez t4, 222b\n\t"						\
	"333:\n\t"
#define TEST_HAS_ASM_INJECT 1
#elif defined(__s390__) && defined(__OPTIMIZE__)
/* (gcc 12 -O0 loops in register allocation with these: optimized only.)
 * One base register for all the counts: s390 has few registers to spare. */
#define RSEQ_INJECT_INPUT , [loop_cnt] "a" (loop_cnt)
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
#elif defined(__mips__)
#define RSEQ_INJECT_INPUT						\
	, [loop_cnt_1] "m" (loop_cnt[1]), [loop_cnt_2] "m" (loop_cnt[2]) \
	, [loop_cnt_3] "m" (loop_cnt[3]), [loop_cnt_4] "m" (loop_cnt[4]) \
	, [loop_cnt_5] "m" (loop_cnt[5]), [loop_cnt_6] "m" (loop_cnt[6])
#define RSEQ_INJECT_CLOBBER , "$24"
#define RSEQ_INJECT_ASM(n)						\
	"lw $24, %[loop_cnt_" #n "]\n\t"				\
	"blez $24, 333f\n\t"						\
	"222:\n\t"							\
	"addiu $24, $24, -1\n\t"					\
	"bnez $24, 222b\n\t"						\
	"333:\n\t"
#define TEST_HAS_ASM_INJECT 1
#else
#define TEST_HAS_ASM_INJECT 0
#endif

#endif

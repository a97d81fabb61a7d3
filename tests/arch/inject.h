/* SPDX-License-Identifier: MIT */
/*
 * tests/arch/inject.h - the stress tests' delay loops inside critical
 * sections (param_test, percpu_stress), one file per architecture under
 * tests/arch/<arch>/: RSEQ_INJECT_ASM(n) spins RSEQ_INJECT_LOOPS[n] times
 * at injection point n (a count of 0 or less: no delay), with
 * RSEQ_INJECT_INPUT and RSEQ_INJECT_CLOBBER for its operands, as the
 * kernel's param_test does.  Define RSEQ_INJECT_LOOPS (an int array of
 * at least 10) before including this, and this before <rseqkit/rseq.h>.
 * TEST_HAS_ASM_INJECT says whether this architecture has them.
 */
#if defined(__x86_64__)
# include "x86_64/inject.h"
#elif defined(__aarch64__)
# include "aarch64/inject.h"
#elif defined(__arm__)
# include "arm/inject.h"
#elif defined(__powerpc__)
# include "ppc/inject.h"
#elif defined(__riscv)
# include "riscv/inject.h"
#elif defined(__s390__) && defined(__OPTIMIZE__)
# include "s390/inject.h"
#elif defined(__mips__)
# include "mips/inject.h"
#else
# define TEST_HAS_ASM_INJECT 0
#endif

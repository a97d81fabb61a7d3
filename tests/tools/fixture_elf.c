/* SPDX-License-Identifier: MIT */
/*
 * fixture_elf.c - rseq critical sections in the standard ELF format, good
 * and deliberately broken, for the rseq-inspect tests (x86-64 and i386).
 * Never executed for its critical sections: main() only prints a line.
 *
 *   -DBAD_SIG       wrong signature before abort_ip
 *   -DBAD_ABORTIN   abort_ip inside [start_ip, post-commit)
 *   -DBAD_VERSION   descriptor version 1
 *   -DBAD_FLAGS     deprecated flag bit 0
 *   -DBAD_EXIT      an exit point inside the critical section
 */
#include <stdio.h>

#if defined(__x86_64__)
#define U64(x) ".quad " x "\n"
#elif defined(__i386__)
#define U64(x) ".long " x ", 0\n"
#else
#error "x86 only"
#endif

#define SIG ".byte 0x0f, 0xb9, 0x3d\n.long 0x53053053\n"
#define BADSIG ".byte 0x0f, 0xb9, 0x3d\n.long 0x53053054\n"

/* descriptor 3:, function body with start 1:, post-commit 2:, abort 4:,
 * exit 5: */
#define FIXTURE(name, version, flags, abortlbl, exitlbl, sig)		\
	".pushsection __rseq_cs, \"aw\"\n.balign 32\n"			\
	"3:\n.long " version ", " flags "\n"				\
	U64("1f") U64("2f-1f") U64(abortlbl)				\
	".popsection\n"							\
	".pushsection __rseq_cs_ptr_array, \"aw\"\n" U64("3b")		\
	".popsection\n"							\
	".pushsection __rseq_exit_point_array, \"aw\"\n"		\
	U64("1f") U64(exitlbl) ".popsection\n"				\
	".text\n.globl " name "\n.type " name ", @function\n"		\
	name ":\n"							\
	"	nop\n"							\
	"1:	movl $1, %eax\n"					\
	"6:	cmpl $0, %eax\n"					\
	"	jne 5f\n"						\
	"	addl $1, %eax\n"					\
	"2:	ret\n"							\
	sig								\
	"4:	xorl %eax, %eax\n"					\
	"	ret\n"							\
	"5:	movl $-1, %eax\n"					\
	"	ret\n"							\
	".size " name ", .-" name "\n"

asm(FIXTURE("fx_good", "0", "0", "4f", "5f", SIG));
asm(FIXTURE("fx_second", "0", "0", "4f", "5f", SIG));
#ifdef BAD_SIG
asm(FIXTURE("fx_bad_sig", "0", "0", "4f", "5f", BADSIG));
#endif
#ifdef BAD_ABORTIN
asm(FIXTURE("fx_bad_abortin", "0", "0", "6f", "5f", SIG));
#endif
#ifdef BAD_VERSION
asm(FIXTURE("fx_bad_version", "1", "0", "4f", "5f", SIG));
#endif
#ifdef BAD_FLAGS
asm(FIXTURE("fx_bad_flags", "0", "1", "4f", "5f", SIG));
#endif
#ifdef BAD_EXIT
asm(FIXTURE("fx_bad_exit", "0", "0", "4f", "6f", SIG));
#endif

int main(void)
{
	puts("fixture");
	return 0;
}

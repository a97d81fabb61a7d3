/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/arch/x86/arch.h - x86-64 and i386: signature, barriers, thread
 * pointer, and the assembler building blocks every critical section in
 * arch/x86/ops.h is made of.
 *
 * Included by rseqkit/rseq.h only.
 *
 * Layout of one critical section (all operations follow it):
 *
 *   __rseq_cs:                 3: descriptor {0, 0, 1f, 2f - 1f, 4f}
 *   __rseq_cs_ptr_array:       &3b
 *   __rseq_exit_point_array:   {1f, exit} for every early exit
 *   .text:   store &3b into rseq_abi.rseq_cs
 *            1: (start) compare the index (cpu_id or mm_cid) with 'cpu'
 *               ... loads, compares, at most one trial store ...
 *               final store (the commit)
 *            2: (post-commit)
 *   __rseq_failure:  ud1 with the signature as its last 4 bytes
 *            4: (abort)  jmp to the C abort label
 */
#ifndef RSEQKIT_ARCH_X86_H
#define RSEQKIT_ARCH_X86_H

#ifndef RSEQKIT_RSEQ_H
# error "rseqkit/arch/x86/arch.h is part of <rseqkit/rseq.h>: include that"
#endif
#if !defined(__x86_64__) && !defined(__i386__)
# error "rseqkit/arch/x86/arch.h: the target is not x86-64 or i386"
#endif

/* The signature (rseqkit/abi.h), also the ud1 operand in the asm. */
#define RSEQ_SIG	RSEQKIT_SIG

#define rseq_smp_rmb()	rseq_barrier()
#define rseq_smp_wmb()	rseq_barrier()

#ifdef __x86_64__
# define rseq_smp_mb()	\
	__asm__ __volatile__ ("lock; addl $0,-128(%%rsp)" ::: "memory", "cc")
#else
# define rseq_smp_mb()	\
	__asm__ __volatile__ ("lock; addl $0,0(%%esp)" ::: "memory", "cc")
#endif

/*
 * x86 is TSO: acquire and release need only a compiler barrier
 * (arch/fences.h builds the loads and stores from these), and a load
 * whose dependent accesses must follow it needs not even that.
 */
#define rseq_smp_acquire_fence()	rseq_barrier()
#define rseq_smp_release_fence()	rseq_barrier()
#define rseq_smp_load_consume(p)	RSEQ_READ_ONCE(*(p))

#define rseq_smp_acquire__after_ctrl_dep()	rseq_smp_rmb()

/* The spin-wait hint. */
#define rseq_cpu_relax()	__asm__ __volatile__ ("pause" ::: "memory")

static inline void *rseq_thread_pointer(void)
{
	void *tp;
#ifdef __x86_64__
	__asm__ ("movq %%fs:0, %0" : "=r" (tp));
#else
	__asm__ ("movl %%gs:0, %0" : "=r" (tp));
#endif
	return tp;
}

/*
 * Word size and registers of the target, so that one template serves
 * both x86-64 and i386.
 */
#ifdef __x86_64__
# define RSEQ_X86_W		"q"		/* instruction suffix */
# define RSEQ_X86_WSIZE		"8"
# define RSEQ_X86_AX		"%%rax"
# define RSEQ_X86_CX		"%%rcx"
# define RSEQ_X86_SEG		"%%fs"
# define RSEQ_X86_CLOBBER_AX	"rax"
# define RSEQ_X86_CLOBBER_CX	"rcx"
# define RSEQ_X86_IMM		"er"		/* 32-bit immediate or register */
# define RSEQ_X86_VAL		"r"		/* value compared or stored */
# define RSEQ_ASM_U64(x)	".quad " x
#else
# define RSEQ_X86_W		"l"
# define RSEQ_X86_WSIZE		"4"
# define RSEQ_X86_AX		"%%eax"
# define RSEQ_X86_CX		"%%ecx"
# define RSEQ_X86_SEG		"%%gs"
# define RSEQ_X86_CLOBBER_AX	"eax"
# define RSEQ_X86_CLOBBER_CX	"ecx"
# define RSEQ_X86_IMM		"ir"
# define RSEQ_X86_VAL		"g"		/* i386 is short of registers */
# define RSEQ_ASM_U64(x)	".long " x ", 0x0"	/* little-endian u64 */
#endif

/* A field of this thread's struct rseq_abi, as an assembler operand. */
#define RSEQ_X86_FIELD(offset)	\
	RSEQ_X86_SEG ":" __rseq_str(offset) "(%[rseq_offset])"

/*
 * Arm the section: store the descriptor's address into rseq_cs, then the
 * start label.  i386 position-independent code has no PC-relative lea:
 * it finds its own address with a call to the next instruction, before
 * the section starts (no stack write happens inside the section).
 */
#ifdef __x86_64__
# define RSEQ_ASM_STORE_RSEQ_CS(label, cs_label)				\
	RSEQ_INJECT_ASM(1)							\
	"leaq " __rseq_str(cs_label) "(%%rip), %%rax\n\t"			\
	"movq %%rax, " RSEQ_X86_FIELD(RSEQKIT_ABI_RSEQ_CS_PTR_OFFSET) "\n\t"		\
	__rseq_str(label) ":\n\t"
#elif defined(__PIC__)
# define RSEQ_ASM_STORE_RSEQ_CS(label, cs_label)				\
	RSEQ_INJECT_ASM(1)							\
	"call 77f\n\t"								\
	"77:\n\t"								\
	"popl %%eax\n\t"							\
	"leal (" __rseq_str(cs_label) " - 77b)(%%eax), %%eax\n\t"		\
	"movl %%eax, " RSEQ_X86_FIELD(RSEQKIT_ABI_RSEQ_CS_PTR_OFFSET) "\n\t"		\
	__rseq_str(label) ":\n\t"
#else
# define RSEQ_ASM_STORE_RSEQ_CS(label, cs_label)				\
	RSEQ_INJECT_ASM(1)							\
	"movl $" __rseq_str(cs_label) ", "					\
		RSEQ_X86_FIELD(RSEQKIT_ABI_RSEQ_CS_PTR_OFFSET) "\n\t"			\
	__rseq_str(label) ":\n\t"
#endif

/*
 * First instructions of every section: abort unless the index the data is
 * selected by (cpu_id or mm_cid, at 'offset') still equals %[cpu_id].
 */
#define RSEQ_ASM_CMP_CPU_ID(offset, abort_label)				\
	RSEQ_INJECT_ASM(2)							\
	"movl " RSEQ_X86_FIELD(offset) ", %%eax\n\t"				\
	"cmpl %[cpu_id], %%eax\n\t"						\
	"jnz " __rseq_str(abort_label) "\n\t"

/*
 * Compare the word at memory operand 'mem' with 'val' / store 'val' into
 * 'mem'.  i386 goes through %eax so that 'val' may live in memory.
 */
#ifdef __x86_64__
# define RSEQ_ASM_CMP_WORD(mem, val)	"cmpq " mem ", " val "\n\t"
# define RSEQ_ASM_STORE_WORD(val, mem)	"movq " val ", " mem "\n\t"
#else
# define RSEQ_ASM_CMP_WORD(mem, val)	\
	"movl " mem ", %%eax\n\t" "cmpl " val ", %%eax\n\t"
# define RSEQ_ASM_STORE_WORD(val, mem)	\
	"movl " val ", %%eax\n\t" "movl %%eax, " mem "\n\t"
#endif

/*
 * The abort handler: outside the section, in __rseq_failure, preceded by
 * the signature.  The signature is the 32-bit operand of a ud1, so that a
 * disassembler decodes one instruction and a stray jump there traps.
 */
#define RSEQ_ASM_DEFINE_ABORT(label, abort_label)				\
	".pushsection __rseq_failure, \"ax\"\n\t"				\
	".byte 0x0f, 0xb9, 0x3d\n\t"						\
	".long " __rseq_str(RSEQ_SIG) "\n\t"					\
	__rseq_str(label) ":\n\t"						\
	"jmp %l[" __rseq_str(abort_label) "]\n\t"				\
	".popsection\n\t"

/* Release ordering before the commit store: nothing to emit on TSO. */
#define RSEQ_ASM_RELEASE_FENCE	""

/* Reading one 32-bit field of this thread's area: one load on x86. */
#define RSEQ_ARCH_HAS_LOAD_FIELD_U32
#define rseq_arch_load_field_u32(field)					\
__extension__ ({								\
	uint32_t __rseq_v;							\
	__asm__ __volatile__ ("movl " RSEQ_X86_SEG ":%c1(%2), %0"		\
		: "=r" (__rseq_v)						\
		: "i" (offsetof(struct rseq_abi, field)), "r" (RSEQKIT_OFFSET_VAR));	\
	__rseq_v;								\
})

#define RSEQ_ARCH_OPS "x86/ops.h"

#endif /* RSEQKIT_ARCH_X86_H */

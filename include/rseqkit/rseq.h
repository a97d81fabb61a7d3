/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/rseq.h - the restartable sequences operations API.
 *
 * Source-compatible with the Linux kernel rseq selftests' rseq.h (the
 * version whose operations take enum rseq_mo and enum rseq_percpu_mode):
 * a program written against that header builds against rseqkit with
 * -I<includedir>/rseqkit (then #include "rseq.h" finds this file), or by
 * including <rseqkit/rseq.h>.  See rseq(3) for an overview.
 *
 * Operations return 0 when they committed, 1 when a comparison failed
 * (nothing stored), -1 when the critical section was aborted (preemption,
 * migration, signal, 'cpu' not current, thread not registered): retry
 * with a fresh rseq_cpu_start(), or take the fallback when
 * rseq_current_cpu_raw() is negative.
 */
#ifndef RSEQKIT_RSEQ_H
#define RSEQKIT_RSEQ_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <assert.h>
#include "abi.h"
#include "gdb.h"		/* gdb loads rseqkit's extension by itself */

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Test-injection hooks, empty unless the including program defines them
 * first (the kernel selftests' param_test does).  The asm ones must be
 * fully reentrant and must not touch the stack.
 */
#ifndef RSEQ_INJECT_ASM
#define RSEQ_INJECT_ASM(n)
#endif
#ifndef RSEQ_INJECT_C
#define RSEQ_INJECT_C(n)
#endif
#ifndef RSEQ_INJECT_INPUT
#define RSEQ_INJECT_INPUT
#endif
#ifndef RSEQ_INJECT_CLOBBER
#define RSEQ_INJECT_CLOBBER
#endif
#ifndef RSEQ_INJECT_FAILED
#define RSEQ_INJECT_FAILED
#endif

#ifndef rseq_sizeof_field
#define rseq_sizeof_field(TYPE, MEMBER)	sizeof((((TYPE *)0)->MEMBER))
#endif
#ifndef rseq_offsetofend
#define rseq_offsetofend(TYPE, MEMBER)	\
	(offsetof(TYPE, MEMBER) + rseq_sizeof_field(TYPE, MEMBER))
#endif

#define rseq_likely(x)		__builtin_expect(!!(x), 1)
#define rseq_unlikely(x)	__builtin_expect(!!(x), 0)
#define rseq_barrier()		__asm__ __volatile__ ("" : : : "memory")

#define RSEQ_ACCESS_ONCE(x)	(*(__volatile__ __typeof__(x) *)&(x))
/*
 * A statement, not a value: C++20 deprecates using the value of an
 * assignment to a volatile object (-Wvolatile).
 */
#define RSEQ_WRITE_ONCE(x, v)	__extension__ ({ RSEQ_ACCESS_ONCE(x) = (v); (void)0; })
#define RSEQ_READ_ONCE(x)	RSEQ_ACCESS_ONCE(x)

/* A variable of its initializer's type (C++ spells it auto). */
#ifdef __cplusplus
# define RSEQ_AUTO_TYPE		auto
#else
# define RSEQ_AUTO_TYPE		__auto_type
#endif

#define __rseq_str_1(x)	#x
#define __rseq_str(x)		__rseq_str_1(x)

/* Old clang miscompiled code after asm goto; a barrier there is free. */
#define rseq_after_asm_goto()	rseq_barrier()

/* For the caller's own diagnostics (the library itself never aborts). */
#define rseq_log(fmt, ...)						\
	fprintf(stderr, fmt "(in %s() at " __FILE__ ":" __rseq_str(__LINE__) ")\n", \
		##__VA_ARGS__, __func__)
#define rseq_bug(fmt, ...)						\
	do {								\
		rseq_log(fmt, ##__VA_ARGS__);				\
		abort();						\
	} while (0)

/* Offset from the thread pointer to this thread's struct rseq_abi. */
extern ptrdiff_t rseq_offset RSEQKIT_SYM(offset);
/*
 * Size of the active feature set: the fields below it are filled by the
 * kernel.  0 when rseq is unavailable.
 */
extern unsigned int rseq_size RSEQKIT_SYM(size);
/* Flags the registration used. */
extern unsigned int rseq_flags RSEQKIT_SYM(flags);
/* Feature size the kernel supports (auxv, or 20 before Linux 6.3). */
extern unsigned int rseq_feature_size RSEQKIT_SYM(feature_size);

/*
 * The variable the inline code reads rseq_offset from (the critical
 * sections, rseq_get_abi(), the field reads).  rseq_offset lives in
 * librseqkit.so, so a shared object reaches it through its GOT: one
 * dependent load more on every operation.  A shared object whose hot
 * path runs critical sections may define RSEQKIT_OFFSET_VAR, before it
 * includes any rseqkit header, as a hidden variable of its own that it
 * sets to rseq_offset after rseqkit's initialization (which fixes it for
 * the process's lifetime: any rseqkit call that returns does), and must
 * run no inline operation before that (rseqkit-malloc does, malloc/mlc.h).
 */
#ifndef RSEQKIT_OFFSET_VAR
#define RSEQKIT_OFFSET_VAR	rseq_offset
#endif

enum rseq_mo {
	RSEQ_MO_RELAXED = 0,
	RSEQ_MO_CONSUME = 1,	/* unused */
	RSEQ_MO_ACQUIRE = 2,	/* unused */
	RSEQ_MO_RELEASE = 3,
	RSEQ_MO_ACQ_REL = 4,	/* unused */
	RSEQ_MO_SEQ_CST = 5,	/* unused */
};

enum rseq_percpu_mode {
	RSEQ_PERCPU_CPU_ID = 0,
	RSEQ_PERCPU_MM_CID = 1,
};

/* Who registered this process's rseq areas. */
enum rseq_owner {
	RSEQ_OWNER_NONE = 0,	/* nobody: rseq unavailable */
	RSEQ_OWNER_LIBC = 1,	/* the C library (glibc >= 2.35) */
	RSEQ_OWNER_RSEQKIT = 2,	/* rseqkit's own per-thread area */
};

/* The architecture: barriers, thread pointer, signature, building blocks. */
#if defined(__x86_64__) || defined(__i386__)
# include "arch/x86/arch.h"
#elif defined(__aarch64__)
# include "arch/aarch64/arch.h"
#elif defined(__arm__)
# include "arch/arm/arch.h"
#elif defined(__powerpc__)
# include "arch/ppc/arch.h"
#elif defined(__riscv)
# include "arch/riscv/arch.h"
#elif defined(__s390__)
# include "arch/s390/arch.h"
#elif defined(__mips__)
# include "arch/mips/arch.h"
#else
# include "arch/generic/arch.h"
#endif
#include "arch/fences.h"	/* acquire/release from the arch's fences */
#include "arch/sections.h"	/* the ELF tables of every section */

static inline struct rseq_abi *rseq_get_abi(void)
{
	return (struct rseq_abi *)((uintptr_t)rseq_thread_pointer() + (uintptr_t)RSEQKIT_OFFSET_VAR);
}

/*
 * The shape every critical section shares on every architecture (the
 * arch header provides the pieces): descriptor 3, start 1, post-commit 2,
 * abort handler 4; the section validates the template's index first.
 */
#define RSEQ_ASM_OP_BEGIN						\
	RSEQ_ASM_DEFINE_TABLE(3, 1f, 2f, 4f)				\
	RSEQ_ASM_STORE_RSEQ_CS(1, 3b)					\
	RSEQ_ASM_CMP_CPU_ID(RSEQ_TEMPLATE_INDEX_OFFSET, 4f)
/* After RSEQ_ASM_OP_BEGIN: record an early exit of the section. */
#define RSEQ_ASM_OP_EXIT(label)						\
	RSEQ_ASM_DEFINE_EXIT_POINT(1b, %l[label])
#define RSEQ_ASM_OP_END							\
	"2:\n\t"							\
	RSEQ_ASM_DEFINE_ABORT(4, abort)

/* The C side of every operation: commit, abort, compare failure. */
#define RSEQ_OP_RETURN()						\
	rseq_after_asm_goto();						\
	return 0;							\
abort: __attribute__((unused));					\
	rseq_after_asm_goto();						\
	RSEQ_INJECT_FAILED						\
	return -1
#define RSEQ_OP_RETURN_CMPFAIL()					\
	rseq_after_asm_goto();						\
	return 0;							\
abort: __attribute__((unused));					\
	rseq_after_asm_goto();						\
	RSEQ_INJECT_FAILED						\
	return -1;							\
cmpfail: __attribute__((unused));					\
	rseq_after_asm_goto();						\
	return 1

#ifndef RSEQ_ARCH_UNAVAILABLE
# include "arch/template-instantiate.h"
#endif

/*
 * Register rseq for the calling thread (once per thread before it runs
 * critical sections; nested calls are counted).  When the C library owns
 * the registration this succeeds without a system call.
 * Returns 0, or -1 with errno (ENOSYS, EINVAL, EBUSY, EPERM, EFAULT) and
 * rseq_error_reason() saying why.
 */
int rseq_register_current_thread(void) RSEQKIT_SYM(register_current_thread);

/*
 * Undo one rseq_register_current_thread(). 0, or -1 with errno.
 * (The librseq layer's keeps librseq's contract: <rseq/rseq.h> of
 * include/rseqkit/librseq.)
 */
#ifndef RSEQKIT_LIBRSEQ_LAYER
int rseq_unregister_current_thread(void) RSEQKIT_SYM(unregister_current_thread);
#endif

/* The current CPU without rseq (sched_getcpu()); -1 with errno on error. */
int32_t rseq_fallback_current_cpu(void) RSEQKIT_SYM(fallback_current_cpu);

/* The current NUMA node without rseq (getcpu()); -1 with errno on error. */
int32_t rseq_fallback_current_node(void) RSEQKIT_SYM(fallback_current_node);

/*
 * True when the kernel supports rseq and it is not denied to this process.
 * (Not declared under the librseq layer, whose rseq_available() takes a
 * query: <rseq/rseq.h> of include/rseqkit/librseq.)
 */
#ifndef RSEQKIT_LIBRSEQ_LAYER
bool rseq_available(void) RSEQKIT_SYM(available);
#endif

/* Who owns this process's registrations (enum rseq_owner). */
enum rseq_owner rseq_registration_owner(void) RSEQKIT_SYM(registration_owner);

/* Bytes registered per thread: 32 (legacy) or the full feature size. */
unsigned int rseq_registration_size(void) RSEQKIT_SYM(registration_size);

/* Why the calling thread's last failed rseqkit call failed, or "". */
const char *rseq_error_reason(void) RSEQKIT_SYM(error_reason);

/*
 * Current CPU number, -1 (rseq not registered for this thread) or -2
 * (registration failed).  One load.
 */
static inline int32_t rseq_current_cpu_raw(void)
{
#ifdef RSEQ_ARCH_HAS_LOAD_FIELD_U32
	return (int32_t)rseq_arch_load_field_u32(cpu_id);
#else
	return RSEQ_ACCESS_ONCE(rseq_get_abi()->cpu_id);
#endif
}

/* True when the calling thread runs with a working rseq registration. */
static inline bool rseq_current_thread_registered(void)
{
	return rseq_current_cpu_raw() >= 0;
}

/*
 * A possible CPU number, usually the current one, always in the range of
 * possible CPUs: the 'cpu' argument of an operation, which validates it.
 */
static inline uint32_t rseq_cpu_start(void)
{
#ifdef RSEQ_ARCH_HAS_LOAD_FIELD_U32
	return rseq_arch_load_field_u32(cpu_id_start);
#else
	return RSEQ_ACCESS_ONCE(rseq_get_abi()->cpu_id_start);
#endif
}

/* The current CPU, through rseq when registered, else sched_getcpu(). */
static inline uint32_t rseq_current_cpu(void)
{
	int32_t cpu = rseq_current_cpu_raw();

	if (rseq_unlikely(cpu < 0))
		cpu = rseq_fallback_current_cpu();
	return (uint32_t)cpu;
}

static inline bool rseq_node_id_available(void)
{
	return (int)rseq_size >= (int)rseq_offsetofend(struct rseq_abi, node_id);
}

/* The current NUMA node; only meaningful when rseq_node_id_available(). */
static inline uint32_t rseq_current_node_id(void)
{
	assert(rseq_node_id_available());
#ifdef RSEQ_ARCH_HAS_LOAD_FIELD_U32
	return rseq_arch_load_field_u32(node_id);
#else
	return RSEQ_ACCESS_ONCE(rseq_get_abi()->node_id);
#endif
}

static inline bool rseq_mm_cid_available(void)
{
	return (int)rseq_size >= (int)rseq_offsetofend(struct rseq_abi, mm_cid);
}

/*
 * The current memory-map concurrency id: dense, < number of threads of
 * the process and < number of CPUs.  Only when rseq_mm_cid_available().
 */
static inline uint32_t rseq_current_mm_cid(void)
{
#ifdef RSEQ_ARCH_HAS_LOAD_FIELD_U32
	return rseq_arch_load_field_u32(mm_cid);
#else
	return RSEQ_ACCESS_ONCE(rseq_get_abi()->mm_cid);
#endif
}

static inline bool rseq_slice_ctrl_available(void)
{
	return (int)rseq_size >= (int)rseq_offsetofend(struct rseq_abi, slice_ctrl);
}

static inline void rseq_clear_rseq_cs(void)
{
	RSEQ_WRITE_ONCE(rseq_get_abi()->rseq_cs.arch.ptr, 0);
}

/*
 * Call in every thread that ran critical sections, after its last one,
 * before the code or descriptors of those sections are unmapped (dlclose,
 * JIT reclaim).
 */
static inline void rseq_prepare_unload(void)
{
	rseq_clear_rseq_cs();
}

#ifdef RSEQ_ARCH_UNAVAILABLE
# include "arch/generic/ops.h"
#else

/*
 * A memory order or an index an operation does not support.  With a
 * constant argument (as every caller writes it) the call below survives
 * inlining and the build fails with this message (gcc and clang, when
 * optimizing; -O0 does not fold it).  Otherwise the operation returns
 * -EINVAL at run time: not -1, so a caller that retries on an abort does
 * not retry for ever.  Never defined: a call that survives is the error.
 */
extern void rseq_unsupported_argument(void)
	__attribute__((__error__("rseqkit: this operation does not support that memory order or index mode (enum rseq_mo, enum rseq_percpu_mode)")));
#define RSEQ_UNSUPPORTED(arg)						\
	do {								\
		if (__builtin_constant_p(arg))				\
			rseq_unsupported_argument();			\
		return -EINVAL;						\
	} while (0)

/* Select the instantiation for a memory order and an index. */
#define RSEQ_DISPATCH_RELAXED(op, percpu_mode, ...)			\
	do {								\
		if (rseq_mo != RSEQ_MO_RELAXED)				\
			RSEQ_UNSUPPORTED(rseq_mo);			\
		switch (percpu_mode) {					\
		case RSEQ_PERCPU_CPU_ID:				\
			return op##_relaxed_cpu_id(__VA_ARGS__);	\
		case RSEQ_PERCPU_MM_CID:				\
			return op##_relaxed_mm_cid(__VA_ARGS__);	\
		}							\
		RSEQ_UNSUPPORTED(percpu_mode);				\
	} while (0)

#define RSEQ_DISPATCH_RELAXED_RELEASE(op, percpu_mode, ...)		\
	do {								\
		if (rseq_mo == RSEQ_MO_RELEASE) {			\
			switch (percpu_mode) {				\
			case RSEQ_PERCPU_CPU_ID:			\
				return op##_release_cpu_id(__VA_ARGS__);\
			case RSEQ_PERCPU_MM_CID:			\
				return op##_release_mm_cid(__VA_ARGS__);\
			}						\
			RSEQ_UNSUPPORTED(percpu_mode);			\
		}							\
		RSEQ_DISPATCH_RELAXED(op, percpu_mode, __VA_ARGS__);	\
	} while (0)

/* if (*v == expect) *v = newv; */
static inline __attribute__((always_inline))
int rseq_cmpeqv_storev(enum rseq_mo rseq_mo, enum rseq_percpu_mode percpu_mode,
		       intptr_t *v, intptr_t expect, intptr_t newv, int cpu)
{
	RSEQ_DISPATCH_RELAXED(rseq_cmpeqv_storev, percpu_mode,
			      v, expect, newv, cpu);
}

/*
 * if (*v != expectnot) { *load = *v; *v = *(intptr_t *)(*v + voffp); }
 */
static inline __attribute__((always_inline))
int rseq_cmpnev_storeoffp_load(enum rseq_mo rseq_mo,
			       enum rseq_percpu_mode percpu_mode,
			       intptr_t *v, intptr_t expectnot, long voffp,
			       intptr_t *load, int cpu)
{
	RSEQ_DISPATCH_RELAXED(rseq_cmpnev_storeoffp_load, percpu_mode,
			      v, expectnot, voffp, load, cpu);
}

/* *v += count; */
static inline __attribute__((always_inline))
int rseq_addv(enum rseq_mo rseq_mo, enum rseq_percpu_mode percpu_mode,
	      intptr_t *v, intptr_t count, int cpu)
{
	RSEQ_DISPATCH_RELAXED(rseq_addv, percpu_mode, v, count, cpu);
}

#ifdef RSEQ_ARCH_HAS_OFFSET_DEREF_ADDV
/* pv = *(intptr_t **)(*ptr + off); *pv += inc; */
static inline __attribute__((always_inline))
int rseq_offset_deref_addv(enum rseq_mo rseq_mo,
			   enum rseq_percpu_mode percpu_mode,
			   intptr_t *ptr, long off, intptr_t inc, int cpu)
{
	RSEQ_DISPATCH_RELAXED(rseq_offset_deref_addv, percpu_mode,
			      ptr, off, inc, cpu);
}
#endif

/* if (*v == expect) { *v2 = newv2; *v = newv; } */
static inline __attribute__((always_inline))
int rseq_cmpeqv_trystorev_storev(enum rseq_mo rseq_mo,
				 enum rseq_percpu_mode percpu_mode,
				 intptr_t *v, intptr_t expect,
				 intptr_t *v2, intptr_t newv2,
				 intptr_t newv, int cpu)
{
	RSEQ_DISPATCH_RELAXED_RELEASE(rseq_cmpeqv_trystorev_storev, percpu_mode,
				      v, expect, v2, newv2, newv, cpu);
}

/* if (*v == expect && *v2 == expect2) *v = newv; */
static inline __attribute__((always_inline))
int rseq_cmpeqv_cmpeqv_storev(enum rseq_mo rseq_mo,
			      enum rseq_percpu_mode percpu_mode,
			      intptr_t *v, intptr_t expect,
			      intptr_t *v2, intptr_t expect2,
			      intptr_t newv, int cpu)
{
	RSEQ_DISPATCH_RELAXED(rseq_cmpeqv_cmpeqv_storev, percpu_mode,
			      v, expect, v2, expect2, newv, cpu);
}

/* if (*v == expect) { memcpy(dst, src, len); *v = newv; } (by words) */
static inline __attribute__((always_inline))
int rseq_cmpeqv_trymemcpy_storev(enum rseq_mo rseq_mo,
				 enum rseq_percpu_mode percpu_mode,
				 intptr_t *v, intptr_t expect,
				 void *dst, void *src, size_t len,
				 intptr_t newv, int cpu)
{
	RSEQ_DISPATCH_RELAXED_RELEASE(rseq_cmpeqv_trymemcpy_storev, percpu_mode,
				      v, expect, dst, src, len, newv, cpu);
}

#endif /* !RSEQ_ARCH_UNAVAILABLE */

#ifdef __cplusplus
}
#endif

#endif /* RSEQKIT_RSEQ_H */

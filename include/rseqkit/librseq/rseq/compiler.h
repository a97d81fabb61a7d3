/* SPDX-License-Identifier: MIT */
/*
 * rseq/compiler.h - librseq's compiler helpers on rseqkit: rseq_likely(),
 * rseq_unlikely(), rseq_barrier(), RSEQ_ACCESS_ONCE/READ_ONCE/WRITE_ONCE
 * and rseq_after_asm_goto() come from <rseqkit/rseq.h>; the rest is here.
 */
#ifndef _RSEQ_COMPILER_H
#define _RSEQ_COMPILER_H

#include "../rseqkit-layer.h"
#include "inject.h"
#include <rseqkit/rseq.h>

#if defined(__cplusplus)
# include <type_traits>
#endif

#define RSEQ__COMBINE_TOKENS(a, b)	a##b
#define RSEQ_COMBINE_TOKENS(a, b)	RSEQ__COMBINE_TOKENS(a, b)

#if defined(__SIZEOF_LONG__)
# define RSEQ_BITS_PER_LONG	(__SIZEOF_LONG__ * 8)
#elif defined(_LP64)
# define RSEQ_BITS_PER_LONG	64
#else
# define RSEQ_BITS_PER_LONG	32
#endif

/* The type of x without its qualifiers (volatile, const). */
#ifdef __cplusplus
# define rseq_unqual_scalar_typeof(x)					\
	std::remove_cv<std::remove_reference<decltype(x)>::type>::type
#else
# define rseq_scalar_type_to_expr(type)					\
	unsigned type: (unsigned type)0,				\
	signed type: (signed type)0
# define rseq_unqual_scalar_typeof(x)					\
	__typeof__(_Generic((x),					\
		char: (char)0,						\
		rseq_scalar_type_to_expr(char),				\
		rseq_scalar_type_to_expr(short),			\
		rseq_scalar_type_to_expr(int),				\
		rseq_scalar_type_to_expr(long),				\
		rseq_scalar_type_to_expr(long long),			\
		default: (x)))
#endif

/*
 * The second argument: an optional last macro argument, as in
 * #define m(a, opt...) RSEQ_PARAM_SELECT_ARG1(_, ##opt, default_value).
 */
#define RSEQ_PARAM_SELECT_ARG1(_arg0, _arg1, ...)	_arg1

#endif

/* SPDX-License-Identifier: MIT */
/*
 * bench/ringbuf_lttng_tp.h - the LTTng-UST tracepoint provider of
 * bench/ringbuf_lttng.c: one event with a 16-byte payload (two 64-bit
 * integers), the equivalent of rseqkit's 16-byte record.
 */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER rseqkit_bench

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "./ringbuf_lttng_tp.h"

#if !defined(RSEQKIT_BENCH_RINGBUF_LTTNG_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define RSEQKIT_BENCH_RINGBUF_LTTNG_TP_H

#include <stdint.h>
#include <lttng/tracepoint.h>

LTTNG_UST_TRACEPOINT_EVENT(rseqkit_bench, rec16,
	LTTNG_UST_TP_ARGS(uint64_t, a, uint64_t, b),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, a, a)
		lttng_ust_field_integer(uint64_t, b, b)
	)
)

#endif

#include <lttng/tracepoint-event.h>

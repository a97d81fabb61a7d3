# SPDX-License-Identifier: MIT
# mk/ringbuf.mk - per-CPU ring buffers (issue 13): rseqkit/ringbuf.h,
# src/ringbuf*.c, their tests, the benchmark against a compare-and-swap
# ring buffer, a mutex-protected one and LTTng-UST, and the event recorder
# example.  docs/ringbuf.md.
#
#   ringbuf_test     the API in one thread (+ claim path, atomic mode)
#   ringbuf_stress   3 x CPUs writers: preemption, migration, signals that
#                    write, injected delays; exact counts in both modes
#   ringbuf_ipc      a consumer in another process (the memfd), the flush
#                    service
TESTS += ringbuf_test
TESTS += ringbuf_stress
$(BUILD)/tests/param_test $(BUILD)/tests/ringbuf_stress: tests/inject-asm.h
TESTS += ringbuf_ipc

# Benchmark: rseqkit vs compare-and-swap (LTTng's algorithm) vs mutex, and
# (a helper linked with liblttng-ust, when liblttng-ust-dev is installed)
# vs LTTng-UST in a session of its own.  docs/ringbuf.md has the figures.
BENCH_PROGS += $(BUILD)/bench/ringbuf_bench
$(BUILD)/bench/ringbuf_bench $(BUILD)/bench/ringbuf_lttng: bench/ringbuf_common.h bench/ringbuf_alt.h
# (a compile test: the header lives under the multiarch include directory)
HAVE_LTTNG_UST := $(shell printf '\043include <lttng/tracepoint.h>\n' | \
	$(CC) -E -x c - >/dev/null 2>&1 && echo yes)
ifeq ($(HAVE_LTTNG_UST),yes)
BENCH_DEPS += $(BUILD)/bench/ringbuf_lttng
LDLIBS_ringbuf_lttng := -llttng-ust -ldl
$(BUILD)/bench/ringbuf_lttng: bench/ringbuf_lttng_tp.h
endif

# Only the ring buffer benchmark (its table and the LTTng-UST comparison).
.PHONY: bench-ringbuf
bench-ringbuf: bench-progs
	BENCH_CSV=$(BUILD)/bench/ringbuf.csv $(BUILD)/bench/ringbuf_bench $(BENCH_ARGS)
HELP_bench-ringbuf := only the ring buffer benchmark (vs compare-and-swap, mutex, LTTng-UST)

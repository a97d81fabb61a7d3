# SPDX-License-Identifier: MIT
# Per-CPU structures (issue 4).  The pool has mk/pool.mk.
TESTS += percpu_test percpu_stress
BENCH_PROGS += $(BUILD)/bench/percpu_bench
LDLIBS_percpu_bench := -ldl
TESTS += percpu_signal_test
TESTS += percpu_fork_test
TESTS += percpu_fault_test
TESTS += percpu_edges_test
CXX_TWINS += percpu_test percpu_stress percpu_signal_test percpu_fork_test percpu_fault_test \
	     percpu_edges_test
# The stress tests' delay loops, written once per architecture.
TEST_INJECT_HDRS := tests/inject-asm.h $(wildcard tests/arch/*.h tests/arch/*/*.h)
$(BUILD)/tests/percpu_stress $(BUILD)/tests/param_test: $(TEST_INJECT_HDRS)
$(patsubst %,$(BUILD)/tests/%,percpu_test percpu_signal_test percpu_fork_test): tests/percpu_util.h

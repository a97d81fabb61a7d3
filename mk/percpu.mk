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

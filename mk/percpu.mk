# Per-CPU structures (issue 4).  The pool has mk/pool.mk.
TESTS += percpu_test percpu_stress
BENCH_PROGS += $(BUILD)/bench/percpu_bench
LDLIBS_percpu_bench := -ldl

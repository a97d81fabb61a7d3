# Per-CPU memory pool and per-CPU structures (issue 4).
TESTS += pool_test percpu_test percpu_stress
BENCH_PROGS += $(BUILD)/bench/percpu_bench
LDLIBS_percpu_bench := -ldl

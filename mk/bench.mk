# Benchmarks: 'make bench' (the table on stdout, the CSV under $(BUILD)/bench/).
#
# BENCH_PROGS  benchmark programs 'make bench' builds and runs, in this
#              order; each appends its rows to $(BENCH_CSV).  Other areas
#              extend it (BENCH_PROGS += $(BUILD)/bench/<name> for a
#              bench/<name>.c, or a program of their own built by their
#              rule, linked with $(BENCH_HARNESS_OBJ) and -I bench).
# BENCH_DEPS   (Makefile) other things 'make bench' must build first.
# BENCH_ARGS   arguments for every program (default -O: the thread counts
#              1..nproc plus 2 x nproc, to show preemption); the BENCH_*
#              environment variables of bench/harness.h work as well.
# 'make bench' starts a fresh CSV (the previous one is kept as
# results.prev.csv), and plots it (bench/plot.sh: one SVG per group under
# $(BENCH_PLOTS); skipped, with the apt-get line, without gnuplot).
# 'make check' runs bench/check-quick.sh: every program in quick mode (no
# timing assertion).
#
# The build and run lists are expanded when the recipe runs, so fragments
# included after this one (mk/*.mk sort order) may still extend them.

BENCH_PROGS       += $(BUILD)/bench/core_bench
BENCH_CSV         ?= $(BUILD)/bench/results.csv
BENCH_PLOTS       ?= $(BUILD)/bench/plots
BENCH_ARGS        ?= -O
BENCH_HARNESS_OBJ := $(BUILD)/bench/harness.o
BENCH_CFLAGS      := -Ibench

$(BENCH_HARNESS_OBJ): bench/harness.c bench/harness.h $(HEADERS) | $(BUILD)/bench
	$(CC) $(ALL_CFLAGS) $(BENCH_CFLAGS) -pthread -c -o $@ $<

$(BUILD)/bench/%: bench/%.c bench/harness.h $(BENCH_HARNESS_OBJ) $(HEADERS) $(LIB_A) | $(BUILD)/bench
	$(CC) $(ALL_CFLAGS) $(BENCH_CFLAGS) -pthread $(CFLAGS_$*) -o $@ $< \
		$(BENCH_HARNESS_OBJ) $(LIB_A) $(LDFLAGS) $(LDLIBS_$*) $(LDLIBS)

.PHONY: bench-progs
# Builds every program, and lists them for bench/check-quick.sh.
bench-progs: lib
	@$(MAKE) --no-print-directory $(BENCH_PROGS) $(BENCH_DEPS)
	@mkdir -p $(BUILD)/bench
	@printf '%s\n' $(BENCH_PROGS) > $(BUILD)/bench/progs.list

bench: bench-progs
	@if [ -f $(BENCH_CSV) ]; then mv -f $(BENCH_CSV) $(BENCH_CSV:.csv=.prev.csv); fi
	@st=0; for p in $(BENCH_PROGS); do \
		echo "== $$p"; \
		BENCH_CSV=$(BENCH_CSV) $$p $(BENCH_ARGS) || st=1; \
	done; \
	echo "== CSV: $(BENCH_CSV)"; \
	sh bench/plot.sh $(BENCH_CSV) $(BENCH_PLOTS); p=$$?; \
	[ $$p -eq 0 ] || [ $$p -eq 77 ] || st=1; exit $$st

CHECK_DEPS    += bench-progs
CHECK_SCRIPTS += bench/check-quick.sh

# Investigation of the increment fast path (not part of 'make bench').
.PHONY: bench-variants
bench-variants: $(BUILD)/bench/addv_variants
	BENCH_CSV=- $(BUILD)/bench/addv_variants -r 9 $(BENCH_ARGS)

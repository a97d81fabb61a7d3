# SPDX-License-Identifier: MIT
# rseqkit-malloc (issue 12): librseqkit-malloc.so, a malloc for real
# programs on per-CPU caches (malloc/, docs/malloc.md).  A user of the
# library like any other program: it links librseqkit.so (one rseqkit in
# the process, found next to it through RUNPATH $ORIGIN).
#
#   make malloc          $(BUILD)/librseqkit-malloc.so
#   make check-malloc    real programs under LD_PRELOAD + the stress test
#                        (CI cap: 10 minutes on 2 cores; see tests/malloc_check.sh)
#   make bench-malloc    the allocator benchmarks, every allocator installed

MALLOC_SO     := $(BUILD)/librseqkit-malloc.so.$(VERSION)
MALLOC_SONAME := librseqkit-malloc.so.$(SOVERSION)
MALLOC_LINK   := $(BUILD)/librseqkit-malloc.so
MALLOC_OBJS   := $(patsubst malloc/%.c,$(BUILD)/malloc/%.o,$(sort $(wildcard malloc/*.c)))
# Initial-exec TLS (loaded at start-up or preloaded), no interposition of
# our own exported names between each other, and no compiler rewrite of
# malloc+memset into calloc (which would recurse).
MALLOC_CFLAGS := -fPIC -fvisibility=hidden -ftls-model=initial-exec \
	-fno-semantic-interposition -fno-builtin-malloc -fno-builtin-calloc \
	-fno-builtin-realloc -fno-builtin-free
# Programs linked with it (tests, examples): -lrseqkit-malloc, found at run time.
MALLOC_LDLIBS := -L$(BUILD) -lrseqkit-malloc -Wl,-rpath,$(abspath $(BUILD))

.PHONY: malloc check-malloc check-malloc-long bench-malloc
HELP_malloc            := build $(BUILD)/librseqkit-malloc.so, the per-CPU malloc (docs/malloc.md)
HELP_check-malloc      := real programs under LD_PRELOAD of the malloc, and its stress test
HELP_check-malloc-long := check-malloc with four times the sizes (about 20 min)
HELP_bench-malloc      := the allocator benchmarks against every allocator installed
malloc: $(MALLOC_LINK)

$(BUILD)/malloc/%.o: malloc/%.c malloc/mlc.h $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(MALLOC_CFLAGS) -c -o $@ $<

$(MALLOC_SO): $(MALLOC_OBJS) malloc/librseqkit-malloc.map $(BUILD)/librseqkit.so
	$(CC) $(ALL_CFLAGS) -shared -Wl,-soname,$(MALLOC_SONAME) \
		-Wl,--version-script=malloc/librseqkit-malloc.map -Wl,-z,now \
		-Wl,-rpath,'$$ORIGIN' -o $@ $(MALLOC_OBJS) -L$(BUILD) -lrseqkit $(LDFLAGS) -pthread

$(MALLOC_LINK): $(MALLOC_SO)
	ln -sf librseqkit-malloc.so.$(VERSION) $(BUILD)/$(MALLOC_SONAME)
	ln -sf librseqkit-malloc.so.$(VERSION) $@

# The stress test, linked with the allocator (and run by 'make check' in
# every registration mode, with a short scale).  Not in static builds (the
# VM matrix links every test with -static): the allocator is a shared
# library that replaces the C library's malloc.
ifeq ($(filter -static,$(LDFLAGS)),)
TESTS += malloc_stress
endif
LDLIBS_malloc_stress := $(MALLOC_LDLIBS)
# The test frees what it allocates without using it: keep every call.
CFLAGS_malloc_stress := -fno-builtin
$(BUILD)/tests/malloc_stress: $(MALLOC_LINK)
CHECK_DEPS += $(MALLOC_LINK)

# Installed through the Makefile's lists, so that 'make uninstall' removes
# it and 'make install-list' names it (tests/install_check.sh).
INSTALL_LIBS  += $(MALLOC_SO)
INSTALL_LINKS += librseqkit-malloc.so.$(VERSION)=$(LIBDIR)/$(MALLOC_SONAME) \
		 librseqkit-malloc.so.$(VERSION)=$(LIBDIR)/librseqkit-malloc.so

check-malloc: $(MALLOC_LINK) $(BUILD)/tests/malloc_stress $(BUILD)/tests/helpers/no-rseq
	@BUILD=$(BUILD) sh tests/malloc_check.sh

# Four times the sizes (about 20 minutes on 2 cores).
check-malloc-long: $(MALLOC_LINK) $(BUILD)/tests/malloc_stress $(BUILD)/tests/helpers/no-rseq
	@BUILD=$(BUILD) MALLOC_CHECK_SCALE=4 sh tests/malloc_check.sh

# The allocator benchmarks: a plain program (it links no rseqkit: each
# allocator is loaded with LD_PRELOAD into a fresh process).  Its rows
# are in 'make bench' (3 runs: about 3 minutes on 2 cores).
BENCH_PROGS += $(BUILD)/bench/malloc_bench
BENCH_DEPS  += $(MALLOC_LINK)
$(BUILD)/bench/malloc_bench: bench/malloc_bench.c | $(BUILD)/bench
	$(CC) $(ALL_CFLAGS) -pthread -o $@ $< $(LDFLAGS)

bench-malloc: $(BUILD)/bench/malloc_bench $(MALLOC_LINK)
	BENCH_CSV=$(BUILD)/bench/malloc.csv $(BUILD)/bench/malloc_bench -r $${MALLOC_BENCH_RUNS:-5}

# The example links the allocator (the generic examples rule links only
# librseqkit.a).
$(BUILD)/examples/malloc_example: examples/malloc_example.c $(MALLOC_LINK) | $(BUILD)/examples
	$(CC) $(ALL_CFLAGS) -pthread -o $@ $< $(MALLOC_LDLIBS) $(LDFLAGS)

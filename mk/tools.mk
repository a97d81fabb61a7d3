# SPDX-License-Identifier: MIT
# mk/tools.mk - rseq-inspect, rseq-check, the gdb extension and their tests.
#
#   build/tools/rseq-inspect     list/validate the rseq tables of ELF files
#   build/tools/rseq-check       run a program under ptrace: system calls
#                                inside critical sections, forced aborts
#   build/tools/fuzz-replay      replays tests/tools/corpus (make check)
#   make fuzz-inspect            libFuzzer run of the ELF parser (clang-14)
#                                FUZZ_TIME=seconds (default 60)

TOOLS_BUILD    := $(BUILD)/tools
INSPECT_CORE   := tools/rseq-inspect/rseqelf.c tools/rseq-inspect/output.c
INSPECT_HDRS   := tools/rseq-inspect/rseqelf.h
CHECK_SRCS     := $(sort $(wildcard tools/rseq-check/*.c tools/rseq-check/arch/*.c))
CHECK_HDRS     := $(sort $(wildcard tools/rseq-check/*.h))
TOOLS_CFLAGS    = $(ALL_CFLAGS) -Itools/rseq-inspect
FUZZ_CC        ?= clang-14
FUZZ_TIME      ?= 60
# AddressSanitizer for the corpus replay when the compiler can link it.
REPLAY_SAN      = $(shell echo 'int main(void){return 0;}' | \
		    $(CC) -x c -fsanitize=address,undefined -o /dev/null - \
		    >/dev/null 2>&1 && echo -fsanitize=address,undefined \
		    -fno-sanitize-recover=all)

# The gdb extension (rseq-gdb(1)), installed through the Makefile's lists
# (paths without DESTDIR):
#   GDB_SCRIPT_FILE   the extension
#   GDB_AUTOLOAD_DIR  gdb's own auto-load directory, used when PREFIX is /usr
#   GDB_LOADER_FILES  loaders there: the one programs name, and the one gdb
#                     finds for librseqkit.so by its real path
#   GDB_ENTRY         the path in .debug_gdb_scripts: the installed
#                     rseqkit/gdb.h names it, and so does the library (one
#                     small object, rebuilt when the path changes; the
#                     library's other objects carry no entry)
GDB_SCRIPT_FILE   = $(DATADIR)/rseqkit/gdb/rseq.py
GDB_AUTOLOAD_DIR ?= $(if $(filter /usr,$(PREFIX)),/usr/share/gdb/auto-load)
GDB_LOADER_FILES  = $(if $(GDB_AUTOLOAD_DIR),$(GDB_AUTOLOAD_DIR)/rseqkit/rseqkit-gdb.py \
		      $(GDB_AUTOLOAD_DIR)$(LIBDIR)/librseqkit.so.$(VERSION)-gdb.py)
GDB_ENTRY         = $(or $(firstword $(GDB_LOADER_FILES)),$(GDB_SCRIPT_FILE))
GDB_GEN          := $(BUILD)/gdb

INSTALL_HEADERS  := $(filter-out include/rseqkit/gdb.h,$(INSTALL_HEADERS))
INSTALL_DATA     += tools/gdb/rseq.py=$(GDB_SCRIPT_FILE) \
		    tools/lldb/rseq_lldb.py=$(DATADIR)/rseqkit/lldb/rseq_lldb.py \
		    $(GDB_GEN)/gdb.h=$(INCLUDEDIR)/rseqkit/gdb.h \
		    $(foreach f,$(GDB_LOADER_FILES),$(GDB_GEN)/loader.py=$(f))

# What the generated files depend on: rewritten only when it changes.
$(GDB_GEN)/.config: FORCE
	@mkdir -p $(@D)
	@[ "$$(cat $@ 2>/dev/null)" = "$(GDB_ENTRY) $(GDB_SCRIPT_FILE)" ] || \
		echo "$(GDB_ENTRY) $(GDB_SCRIPT_FILE)" > $@
$(GDB_GEN)/gdb.h: include/rseqkit/gdb.h $(GDB_GEN)/.config
	sed 's|^#define RSEQKIT_GDB_SCRIPT .*|#define RSEQKIT_GDB_SCRIPT "$(GDB_ENTRY)"|' $< > $@
$(GDB_GEN)/loader.py: $(GDB_GEN)/.config
	printf '%s\n' "# Installed by rseqkit: loads its gdb extension (rseq-gdb(1)) once." \
		"import gdb" 'if getattr(gdb, "rseqkit", None) is None:' \
		'    gdb.execute("source $(GDB_SCRIPT_FILE)")' > $@
$(GDB_GEN)/entry.o: tools/gdb/entry.c include/rseqkit/gdb.h $(GDB_GEN)/.config
	$(CC) $(ALL_CFLAGS) -fPIC -DRSEQKIT_GDB_SCRIPT='"$(GDB_ENTRY)"' -c -o $@ $<
$(LIB_SRCS:src/%.c=$(BUILD)/obj/%.o): ALL_CFLAGS += -DRSEQKIT_NO_GDB_SCRIPT
LIB_OBJS         += $(GDB_GEN)/entry.o
$(LIB_A) $(LIB_SO): $(GDB_GEN)/entry.o

$(TOOLS_BUILD) $(TOOLS_BUILD)/test:
	@mkdir -p $@

$(TOOLS_BUILD)/rseq-inspect: tools/rseq-inspect/main.c $(INSPECT_CORE) $(INSPECT_HDRS) | $(TOOLS_BUILD)
	$(CC) $(TOOLS_CFLAGS) -o $@ tools/rseq-inspect/main.c $(INSPECT_CORE) $(LDFLAGS)

$(TOOLS_BUILD)/rseq-check: $(CHECK_SRCS) $(CHECK_HDRS) $(INSPECT_CORE) $(INSPECT_HDRS) | $(TOOLS_BUILD)
	$(CC) $(TOOLS_CFLAGS) -o $@ $(CHECK_SRCS) $(INSPECT_CORE) $(LDFLAGS)

$(TOOLS_BUILD)/fuzz-replay: tests/tools/fuzz_replay.c tools/rseq-inspect/fuzz.c $(INSPECT_CORE) $(INSPECT_HDRS) | $(TOOLS_BUILD)
	$(CC) $(TOOLS_CFLAGS) $(REPLAY_SAN) -o $@ tests/tools/fuzz_replay.c \
		tools/rseq-inspect/fuzz.c $(INSPECT_CORE) $(LDFLAGS)

$(TOOLS_BUILD)/fuzz-inspect: tools/rseq-inspect/fuzz.c $(INSPECT_CORE) $(INSPECT_HDRS) | $(TOOLS_BUILD)
	$(FUZZ_CC) -std=gnu11 -D_GNU_SOURCE -g -O1 -Iinclude -Itools/rseq-inspect \
		-fsanitize=fuzzer,address,undefined -o $@ tools/rseq-inspect/fuzz.c $(INSPECT_CORE)

# Programs the gdb stepping tests drive (tests/tools/gdb.sh), each at -O0,
# -O2, -O3 and -O2 -flto, compiled as a user compiles them: the README's
# count.c (extracted, so that the example the README shows is the one
# tested), examples/percpu_counter_raw.c (4 threads), every per-CPU
# structure (tests/tools/gdb/structs.c), sections in a signal handler.
GDB_TEST        := $(TOOLS_BUILD)/test/gdb
GDB_PROGS       := count threads structs signal
GDB_LEVELS      := O0 O2 O3 lto
GDB_SRC_count   := $(GDB_TEST)/count.c
GDB_SRC_threads := examples/percpu_counter_raw.c
GDB_SRC_structs := tests/tools/gdb/structs.c
GDB_SRC_signal  := tests/tools/gdb/signal.c
GDB_FLAGS_O0    := -O0
GDB_FLAGS_O2    := -O2
GDB_FLAGS_O3    := -O3
GDB_FLAGS_lto   := -O2 -flto
GDB_BINS        := $(foreach p,$(GDB_PROGS),$(foreach l,$(GDB_LEVELS),$(GDB_TEST)/$(p)-$(l)))

$(GDB_TEST):
	@mkdir -p $@

$(GDB_TEST)/count.c: README.md | $(GDB_TEST)
	awk '/^```c$$/{f=1;n++;next} /^```$$/{if(f&&n==1)exit;f=0} f&&n==1' $< > $@

define gdb_prog_rule
$(GDB_TEST)/$(1)-$(2): $(GDB_SRC_$(1)) $(HEADERS) $(LIB_A) | $(GDB_TEST)
	$$(CC) $(GDB_FLAGS_$(2)) -g -Wall -Wextra -Iinclude -o $$@ $(GDB_SRC_$(1)) $(LIB_A) -pthread
endef
$(foreach p,$(GDB_PROGS),$(foreach l,$(GDB_LEVELS),$(eval $(call gdb_prog_rule,$(p),$(l)))))
# The structures through librseqkit.so: stepping in a shared library.
$(GDB_TEST)/structs-so: $(GDB_SRC_structs) $(HEADERS) $(BUILD)/librseqkit.so | $(GDB_TEST)
	$(CC) -O2 -g -Wall -Wextra -Iinclude -o $@ $(GDB_SRC_structs) -L$(BUILD) \
		-Wl,-rpath,$(abspath $(BUILD)) -lrseqkit -pthread
GDB_BINS        += $(GDB_TEST)/structs-so

# Test programs of the tools (not linked with librseqkit).
$(TOOLS_BUILD)/test/gen_elf: tests/tools/gen_elf.c | $(TOOLS_BUILD)/test
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LDFLAGS)

$(TOOLS_BUILD)/test/cs_prog: tests/tools/cs_prog.c | $(TOOLS_BUILD)/test
	$(CC) $(ALL_CFLAGS) -O1 -g -pthread -o $@ $< $(LDFLAGS)

.PHONY: fuzz-inspect tools
tools: $(TOOLS_BUILD)/rseq-inspect $(TOOLS_BUILD)/rseq-check

# New inputs go to $(BUILD)/fuzz-corpus; tests/tools/corpus and large
# generated tables (gen_elf: 2000 sections plain, relocated, listed twice)
# seed it.  -timeout: an input that takes 10 s (a quadratic table walk) is
# a failure; -max_len 1 MiB lets the generated tables in.
FUZZ_SEEDS := $(TOOLS_BUILD)/fuzz-seeds
$(FUZZ_SEEDS)/.done: $(TOOLS_BUILD)/test/gen_elf
	@mkdir -p $(@D)
	$(TOOLS_BUILD)/test/gen_elf 2000 $(@D)/plain-2000
	$(TOOLS_BUILD)/test/gen_elf -r 2000 $(@D)/relocated-2000
	$(TOOLS_BUILD)/test/gen_elf -d 1000 $(@D)/twice-1000
	$(TOOLS_BUILD)/test/gen_elf -r 3 $(@D)/relocated-3
	@touch $@
fuzz-inspect: $(TOOLS_BUILD)/fuzz-inspect $(FUZZ_SEEDS)/.done
	@mkdir -p $(BUILD)/fuzz-corpus
	$(TOOLS_BUILD)/fuzz-inspect -max_len=1048576 -timeout=10 -rss_limit_mb=2048 \
		-max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
		-artifact_prefix=$(BUILD)/ $(BUILD)/fuzz-corpus tests/tools/corpus $(FUZZ_SEEDS)

CHECK_DEPS    += $(TOOLS_BUILD)/rseq-inspect $(TOOLS_BUILD)/rseq-check \
		 $(TOOLS_BUILD)/fuzz-replay $(TOOLS_BUILD)/test/cs_prog $(GDB_BINS) \
		 $(TOOLS_BUILD)/test/gen_elf
CHECK_SCRIPTS += tests/tools/inspect.sh tests/tools/fuzz-replay.sh \
		 tests/tools/check.sh tests/tools/gdb.sh tests/tools/gdb-autoload.sh \
		 tests/tools/lldb.sh
LONG_SCRIPTS  += tests/tools/check-long.sh tests/tools/gdb-long.sh tests/tools/lldb-long.sh
INSTALL_BINS  += $(TOOLS_BUILD)/rseq-inspect $(TOOLS_BUILD)/rseq-check

$(TOOLS_BUILD)/test/x86len_test: tests/tools/x86len_test.c tools/rseq-check/arch/x86len.c tools/rseq-check/arch.h | $(TOOLS_BUILD)/test
	$(CC) $(TOOLS_CFLAGS) -Itools/rseq-check -o $@ tests/tools/x86len_test.c tools/rseq-check/arch/x86len.c
CHECK_DEPS    += $(TOOLS_BUILD)/test/x86len_test

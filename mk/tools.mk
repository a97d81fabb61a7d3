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
CHECK_SRCS     := $(sort $(wildcard tools/rseq-check/*.c))
CHECK_HDRS     := $(sort $(wildcard tools/rseq-check/*.h))
TOOLS_CFLAGS    = $(ALL_CFLAGS) -Itools/rseq-inspect
FUZZ_CC        ?= clang-14
FUZZ_TIME      ?= 60
# AddressSanitizer for the corpus replay when the compiler can link it.
REPLAY_SAN      = $(shell echo 'int main(void){return 0;}' | \
		    $(CC) -x c -fsanitize=address,undefined -o /dev/null - \
		    >/dev/null 2>&1 && echo -fsanitize=address,undefined \
		    -fno-sanitize-recover=all)

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

# Test programs of the tools (not linked with librseqkit).
$(TOOLS_BUILD)/test/cs_prog: tests/tools/cs_prog.c | $(TOOLS_BUILD)/test
	$(CC) $(ALL_CFLAGS) -O1 -g -pthread -o $@ $< $(LDFLAGS)

.PHONY: fuzz-inspect tools
tools: $(TOOLS_BUILD)/rseq-inspect $(TOOLS_BUILD)/rseq-check

# New inputs go to $(BUILD)/fuzz-corpus; tests/tools/corpus seeds it.
fuzz-inspect: $(TOOLS_BUILD)/fuzz-inspect
	@mkdir -p $(BUILD)/fuzz-corpus
	$(TOOLS_BUILD)/fuzz-inspect -max_len=16384 -max_total_time=$(FUZZ_TIME) \
		-artifact_prefix=$(BUILD)/ $(BUILD)/fuzz-corpus tests/tools/corpus

CHECK_DEPS    += $(TOOLS_BUILD)/rseq-inspect $(TOOLS_BUILD)/rseq-check \
		 $(TOOLS_BUILD)/fuzz-replay $(TOOLS_BUILD)/test/cs_prog
CHECK_SCRIPTS += tests/tools/inspect.sh tests/tools/fuzz-replay.sh \
		 tests/tools/check.sh tests/tools/gdb.sh
LONG_SCRIPTS  += tests/tools/check-long.sh
INSTALL_BINS  += $(TOOLS_BUILD)/rseq-inspect $(TOOLS_BUILD)/rseq-check

$(TOOLS_BUILD)/test/x86len_test: tests/tools/x86len_test.c tools/rseq-check/x86len.c tools/rseq-check/check.h | $(TOOLS_BUILD)/test
	$(CC) $(TOOLS_CFLAGS) -Itools/rseq-check -o $@ tests/tools/x86len_test.c tools/rseq-check/x86len.c
CHECK_DEPS    += $(TOOLS_BUILD)/test/x86len_test

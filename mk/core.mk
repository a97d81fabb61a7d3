# SPDX-License-Identifier: MIT
# Core: registration, ABI, operations.
TESTS += ops_test

# tests/helpers/: programs the runner itself uses.
$(BUILD)/tests/helpers/%: tests/helpers/%.c include/rseqkit/abi.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $<
CHECK_DEPS += $(BUILD)/tests/helpers/no-rseq
TESTS += param_test
TESTS += registration_test
TESTS += dlopen_test
LDLIBS_dlopen_test := -ldl

# The same tests linked statically: glibc's registration must be found
# without dlsym, and the library's own otherwise.
TESTS += static_ops_test static_registration_test
$(BUILD)/tests/static_%: tests/%.c tests/harness.h $(HEADERS) $(LIB_A) | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) -static -pthread -o $@ $< $(LIB_A) $(LDFLAGS) $(LDLIBS)

CHECK_SCRIPTS += tests/install_check.sh tests/build_check.sh tests/musl_check.sh
# build_check.sh builds clang -O0 and gcc -O2 (the library) in make check;
# everything with both at both levels here
LONG_SCRIPTS  += tests/build_check_all.sh

# The public surface (tests/symbols_check.sh: only rseqkit_* symbols, each
# in the map, declared with its label, used outside src/; no malloc) and
# the public headers in other people's programs (tests/headers_check.sh:
# C99/C11 -pedantic, C++11 to 2b, gcc and clang, -Wconversion -Wshadow).
CHECK_SCRIPTS += tests/symbols_check.sh tests/headers_check.sh

# C++ twins, as librseq keeps a _cxx twin of each test: tests/<name>.c
# compiled as C++ and run as <name>_cxx in the glibc and own modes (tests/run.sh).  An
# area adds its own by name (CXX_TWINS += pool_test); the Makefile adds
# the twins to TESTS once every fragment has been read.
CXX_TWIN_FLAGS = -std=gnu++17 -D_GNU_SOURCE -Iinclude $(WARNFLAGS) $(CFLAGS) $(EXTRA_CFLAGS)
$(BUILD)/tests/%_cxx: tests/%.c tests/harness.h $(HEADERS) $(LIB_A) | $(BUILD)/tests
	$(CXX) -x c++ $(CXX_TWIN_FLAGS) -pthread $(CFLAGS_$*) -o $@ $< -x none \
		$(LIB_A) $(LDFLAGS) $(LDLIBS_$*) $(LDLIBS)
CXX_TWINS += ops_test param_test

# Cross builds of every architecture (not part of 'make check': ~1 min per
# few architectures on 2 cores).  .ci/run runs it.
.PHONY: check-cross
check-cross: lib
	@BUILD=$(BUILD) sh tests/run.sh --tests "" --scripts tests/cross_check.sh

# The kernel's own rseq selftests of Linux 6.12 and 7.x, built unchanged
# against rseqkit's selftests header and compared with the kernel's own
# helper (rseq.c) from the same tree in the same run, and rseqkit's tools
# on the kernel's critical sections (tests/kselftests.sh; fetches Debian's
# linux-source-6.12 and -7.x into ~/.cache/rseqkit-vm unless KSRC=<linux
# tree>).  check-kselftests: reduced repetitions (CI, about 5 minutes);
# check-kselftests-long: the run scripts' own counts, and 7.x-rc.
.PHONY: check-kselftests check-kselftests-long
HELP_check-kselftests := the kernel's rseq selftests (6.12, 7.x) vs rseqkit and the kernel's helper
HELP_check-kselftests-long := the same with the scripts' own counts, more variants, 7.x-rc
KSELFTESTS_DEPS = lib $(addprefix $(BUILD)/tools/,rseq-inspect rseq-check)
# (exit 77: skipped, with the reason printed)
check-kselftests: $(KSELFTESTS_DEPS)
	@BUILD=$(BUILD) KSRC="$(KSRC)" sh tests/kselftests.sh; st=$$?; [ $$st = 0 ] || [ $$st = 77 ]
check-kselftests-long: $(KSELFTESTS_DEPS)
	@BUILD=$(BUILD) KSRC="$(KSRC)" sh tests/kselftests.sh --long; st=$$?; [ $$st = 0 ] || [ $$st = 77 ]

# SPDX-License-Identifier: MIT
# mk/asan.mk - make check-asan: the library and every test program built
# with AddressSanitizer and UndefinedBehaviorSanitizer (any error aborts
# the program) into a build folder of their own, run by the usual runner
# in the registration modes the sanitizers can run in:
#
#   glibc, own   yes
#   none         yes: the seccomp filter denies rseq(2) only, which the
#                sanitizer runtimes do not use
#   valgrind     no: valgrind cannot run sanitized programs
#   static_*     no: the sanitizer runtimes do not link statically
#
#   ASAN_CC      the compiler (default clang, else gcc; Debian's clang
#                needs libclang-rt-14-dev for both runtimes)
#   ASAN_BUILD   the build folder (default $(BUILD)/asan)
#   ASAN_SCALE   RSEQKIT_TEST_SCALE of the runs (default 1)
#
# Then the rseq-inspect fuzz run (make fuzz-inspect) is the other half of
# the sanitizer checks; .ci/run runs both.

ASAN_CC     ?= $(if $(shell command -v clang 2>/dev/null),clang,gcc)
ASAN_BUILD  ?= $(BUILD)/asan
ASAN_SCALE  ?= 1
ASAN_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all \
	       -fno-omit-frame-pointer
ASAN_TESTS   = $(filter-out static_%,$(TESTS))
# Sanitizer reports fail the run.  handle_segv=0: a SIGSEGV the kernel
# sends on purpose (abi_bad_cs: defective descriptors) kills the child as
# the test expects, instead of ASan's handler reporting it; invalid
# accesses are still caught by the instrumentation.
ASAN_ENV    := ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:halt_on_error=1:handle_segv=0 \
	       UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

HELP_check-asan := every test with AddressSanitizer + UBSan (glibc, own, none modes)
.PHONY: check-asan
check-asan:
	@echo 'int main(void){return 0;}' | $(ASAN_CC) -x c $(ASAN_FLAGS) -o /dev/null - \
		>/dev/null 2>&1 || { echo "check-asan: $(ASAN_CC) cannot link the sanitizers" \
		"(apt-get install libclang-rt-14-dev, or ASAN_CC=gcc)"; exit 1; }
	$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) CC=$(ASAN_CC) \
		CFLAGS="-O1 -g $(ASAN_FLAGS)" LDFLAGS="$(ASAN_FLAGS)" \
		lib $(addprefix $(ASAN_BUILD)/tests/,$(ASAN_TESTS)) \
		$(ASAN_BUILD)/tests/helpers/no-rseq
	@$(ASAN_ENV) BUILD=$(ASAN_BUILD) RSEQKIT_TEST_MODES="glibc own none" \
		RSEQKIT_TEST_SCALE=$(ASAN_SCALE) sh tests/run.sh \
		--tests "$(addprefix $(ASAN_BUILD)/tests/,$(ASAN_TESTS))" --scripts ""

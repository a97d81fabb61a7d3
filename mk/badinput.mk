# SPDX-License-Identifier: MIT
# mk/badinput.mk - the bad-input table over the whole public surface
# (tests/bad_input/: every exported function of src/librseqkit.map with
# boundary values, each case in a child process; run once by 'make check'
# through tests/bad_input.sh), and 'make check-soak' (tests/soak.sh: the
# stress tests until 10^10 verified operations; not in CI).

BAD_INPUT_SRCS := $(sort $(wildcard tests/bad_input/*.c))
# The exported names, one string each, for the coverage check.
$(BUILD)/tests/bad_input/bad_input_map.h: src/librseqkit.map | $(BUILD)/tests
	@mkdir -p $(@D)
	sed -n 's/^[[:space:]]*rseqkit_\([A-Za-z0-9_]*\);$$/"\1",/p' $< > $@
$(BUILD)/tests/bad_input_test: $(BAD_INPUT_SRCS) tests/bad_input/bi.h tests/harness.h \
		$(BUILD)/tests/bad_input/bad_input_map.h $(HEADERS) $(LIB_A) | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) -I$(BUILD)/tests/bad_input -pthread -o $@ $(BAD_INPUT_SRCS) \
		$(LIB_A) $(LDFLAGS) $(LDLIBS)
CHECK_DEPS    += $(BUILD)/tests/bad_input_test $(BUILD)/tests/helpers/no-rseq
CHECK_SCRIPTS += tests/bad_input.sh

# The soak: the stress tests (built as tests) in rounds of rising scale.
SOAK_TESTS := param_test percpu_stress pool_test ringbuf_stress malloc_stress
.PHONY: check-soak
HELP_check-soak := the stress tests until 10^10 verified operations (SOAK_TARGET=...), not in CI
check-soak: $(addprefix $(BUILD)/tests/,$(SOAK_TESTS)) $(MALLOC_LINK)
	@BUILD=$(BUILD) SOAK_TESTS="$(SOAK_TESTS)" sh tests/soak.sh

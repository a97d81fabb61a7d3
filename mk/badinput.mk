# SPDX-License-Identifier: MIT
# mk/badinput.mk - the bad-input table over the whole public surface
# (tests/bad_input/: every exported function of src/librseqkit.map with
# boundary values, each case in a child process; run once by 'make check'
# through tests/bad_input.sh), and 'make check-soak' (tests/soak.sh: the
# stress tests until 10^10 verified operations; not in CI).

# The soak: the stress tests (built as tests) in rounds of rising scale.
SOAK_TESTS := param_test percpu_stress pool_test ringbuf_stress malloc_stress
.PHONY: check-soak
HELP_check-soak := the stress tests until 10^10 verified operations (SOAK_TARGET=...), not in CI
check-soak: $(addprefix $(BUILD)/tests/,$(SOAK_TESTS)) $(MALLOC_LINK)
	@BUILD=$(BUILD) SOAK_TESTS="$(SOAK_TESTS)" sh tests/soak.sh

# Core: registration, ABI, operations.
TESTS += ops_test

# tests/helpers/: programs the runner itself uses.
$(BUILD)/tests/helpers/%: tests/helpers/%.c include/rseqkit/abi.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $<
CHECK_DEPS += $(BUILD)/tests/helpers/no-rseq

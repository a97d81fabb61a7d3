# SPDX-License-Identifier: MIT
# mk/abi.mk - ABI conformance tests (tests/abi_*.c), the time-slice
# extension test, and the examples' build check.
#
# Every abi_* test checks one part of the kernel ABI against the kernel it
# runs on, names the Linux version that introduced it, and skips with the
# reason where that is absent; see docs/abi-conformance.md.
# tests/abi_common.c is not a program: the tests #include it.

ABI_TESTS := abi_register abi_lifecycle abi_ids abi_abort abi_bad_cs \
	     abi_membarrier abi_v2
TESTS += $(ABI_TESTS) slice_test

$(addprefix $(BUILD)/tests/,$(ABI_TESTS)): tests/abi_common.c

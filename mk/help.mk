# SPDX-License-Identifier: MIT
# mk/help.mk - 'make help': every target, one line each.
#
# A target's line is the variable HELP_<target>; define it next to the
# target in your own fragment (HELP_check-foo := what it does, ~70
# characters at most).  The lines below are those of targets whose
# fragments do not define their own yet.  tests/help_check.sh fails when a
# .PHONY target has no line.

HELP_all              ?= the static and shared libraries (the default target)
HELP_lib              ?= the same: $(BUILD)/librseqkit.a and librseqkit.so
HELP_tests            ?= build every test program (make check runs them)
HELP_examples         ?= build examples/*.c into $(BUILD)/examples
HELP_tools            ?= build rseq-inspect and rseq-check into $(BUILD)/tools
HELP_check            ?= every test in every registration mode, checks and scripts (< 5 min)
HELP_check-long       ?= longer stress runs, and the stress tests under rseq-check
HELP_check-cross      ?= -O2 -Werror builds with every installed cross compiler
HELP_check-kselftests ?= the kernel's own rseq selftests against rseqkit (KSRC=<tree>)
HELP_check-vm         ?= the suite in one booted kernel: ARCH=x86_64 KERNEL=7.x (qemu)
HELP_check-vm-quick   ?= every architecture once, x86_64 on 7.x (CI's VM matrix)
HELP_check-vm-all     ?= every architecture x kernel cell Debian has a kernel for
HELP_bench            ?= every benchmark: tables, $(BUILD)/bench/results.csv, plots
HELP_bench-progs      ?= build the benchmark programs without running them
HELP_bench-variants   ?= variants of the increment fast path (an investigation)
HELP_fuzz-inspect     ?= libFuzzer run of rseq-inspect's ELF parser (FUZZ_TIME=60)
HELP_clean            ?= remove $(BUILD)
HELP_help             ?= this list

help:
	@echo "rseqkit $(VERSION): make [TARGET] [VARIABLE=value...]"
	@echo "Variables: PREFIX=$(PREFIX) DESTDIR= BUILD=$(BUILD) CC=$(CC) CFLAGS=... (Makefile, mk/*.mk)"
	@echo "Targets:"
	@$(foreach v,$(sort $(filter HELP_%,$(.VARIABLES))),printf '  %-20s %s\n' '$(v:HELP_%=%)' '$(subst ','\'',$($(v)))';)

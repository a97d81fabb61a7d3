# SPDX-License-Identifier: MIT
# mk/vm.mk - rseqkit's test suite inside booted kernels (qemu-system, TCG).
# See docs/vm.md.
#
#   make check-vm ARCH=aarch64 KERNEL=7.x   one cell
#   make check-vm-quick                     every architecture once (x86_64 on 7.x)
#   make check-vm-all                       every cell Debian has a kernel for,
#                                           then check-vm-slice
#   make check-vm-slice                     the rseq time-slice extension on an
#                                           x86-64 kernel built here with it
#
# ARCH:   x86_64 i386 aarch64 arm ppc64le riscv64 s390x mips64el
# KERNEL: 6.1 (bookworm) 6.12 (trixie) 7.x (sid) host (x86_64) slice (x86_64)
# KCMDLINE=...  extra kernel parameters (7.x boots with rseq_debug=1; set
#               VM_RSEQ_DEBUG=0 to drop it)
# Also VM_SMP, VM_MEM, VM_TIMEOUT, VM_TEST_TIMEOUT, VM_MODES, VM_ONLY,
# VM_SCALE, VM_VERBOSE (see tests/vm/check-vm.sh).

ARCH   ?= x86_64
KERNEL ?= 7.x

# Every (arch, kernel) pair Debian has a kernel for.  i386 and mips64el
# kernels exist in bookworm only; riscv64 became a release architecture in
# trixie.  "host" skips unless /boot/vmlinuz-$(uname -r) is readable.
VM_ALL_CELLS ?= x86_64:6.1 x86_64:6.12 x86_64:7.x x86_64:host i386:6.1 \
	aarch64:6.1 aarch64:6.12 aarch64:7.x arm:6.1 arm:6.12 arm:7.x \
	ppc64le:6.1 ppc64le:6.12 ppc64le:7.x riscv64:6.12 riscv64:7.x \
	s390x:6.1 s390x:6.12 s390x:7.x mips64el:6.1

# CI: each architecture once, spread over the three kernel generations
# (6.1: no auxv rseq sizes; 6.12: sizes, legacy semantics; 7.x: the V2
# mode and rseq_debug=1), plus x86_64 on 7.x with rseq_debug=1.
# (x86_64 on 6.1 is in check-vm-all: i386 and mips64el cover 6.1 here,
# the host covers x86_64.)
VM_QUICK_CELLS ?= x86_64:7.x i386:6.1 aarch64:7.x arm:6.12 \
	ppc64le:7.x riscv64:7.x s390x:6.12 mips64el:6.1

VM_ENV = KCMDLINE="$(KCMDLINE)" \
	$(foreach v,VM_SMP VM_MEM VM_TIMEOUT VM_TEST_TIMEOUT VM_MODES VM_ONLY VM_SCALE VM_VERBOSE VM_PROBE VM_TESTS VM_RSEQ_DEBUG RSEQKIT_VM_CACHE VM_KSELFTESTS VM_EXTRA VM_EXPERIMENT_ARGS VM_SLICE_SUITES VM_SLICE_ARCHS VM_SLICE_FULL KSRC,$(if $($(v)),$(v)="$($(v))"))

.PHONY: check-vm check-vm-quick check-vm-all check-vm-slice
HELP_check-vm-all   := every arch x kernel cell Debian has a kernel for, then check-vm-slice
HELP_check-vm-slice := rseq time-slice extension in an x86-64 7.x kernel built with it
check-vm:
	@$(VM_ENV) sh tests/vm/check-vm.sh $(ARCH) $(KERNEL)

# CI's budget: the tests' loop counts at a tenth unless VM_SCALE says otherwise
VM_QUICK_SCALE ?= 0.1
check-vm-quick:
	@$(VM_ENV) $(if $(VM_SCALE),,VM_SCALE=$(VM_QUICK_SCALE)) sh tests/vm/matrix.sh $(VM_QUICK_CELLS)

# (the slice check also reads experimental's Kconfig: does a newer kernel
# let another architecture have the extension?)
check-vm-all:
	@$(VM_ENV) sh tests/vm/matrix.sh $(VM_ALL_CELLS); st=$$?; \
	$(VM_ENV) VM_SLICE_SUITES="$${VM_SLICE_SUITES:-sid experimental}" VM_SLICE_FULL=1 \
		sh tests/vm/check-vm-slice.sh; sst=$$?; [ $$sst = 0 ] || [ $$sst = 77 ] && exit $$st

# The time-slice extension (issue 15): an x86-64 kernel built from sid's
# linux-source with CONFIG_RSEQ_SLICE_EXTENSION (cached in
# ~/.cache/rseqkit-vm/kernels), rseqkit's tests, the kernel's selftests
# and tests/vm/slice_experiment.c in it; which architectures can have it,
# from their Kconfig.  Needs flex bison libelf-dev bc.
check-vm-slice:
	@$(VM_ENV) sh tests/vm/check-vm-slice.sh; st=$$?; [ $$st = 0 ] || [ $$st = 77 ]

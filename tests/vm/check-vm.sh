#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/vm/check-vm.sh [--prepare|--fetch] ARCH KERNEL
#
# One cell of the check-vm matrix: cross-builds rseqkit's tests statically
# for ARCH, packs them with tests/vm/init.c as /init into an initramfs, boots
# Debian's kernel KERNEL for ARCH under qemu-system (TCG) and reads the
# results from the serial console.  Exit status: 0 pass, 1 fail, 77 skip.
#
#   ARCH    x86_64 i386 aarch64 arm ppc64le riscv64 s390x mips64el
#   KERNEL  6.1 (bookworm) | 6.12 (trixie) | 7.x (sid) | host (x86_64 only)
#           | slice (x86_64 only: built here from sid's linux-source with
#           the time-slice extension, tests/vm/build-kernel.sh and
#           tests/vm/slice-x86_64.config; see tests/vm/check-vm-slice.sh)
#           (the suite names bookworm, trixie, sid are accepted as well)
#   --prepare  everything but the boot (downloads, builds)
#   --fetch    only the kernel download (mk/vm.mk runs these in parallel)
#
# Environment (all optional; mk/vm.mk passes its make variables through):
#   KCMDLINE          extra kernel command line (7.x adds rseq_debug=1
#                     unless VM_RSEQ_DEBUG=0)
#   VM_SMP            virtual CPUs (default 2; mips64el 1)  VM_MEM  MiB (512)
#   VM_TIMEOUT        wall-clock limit of the boot in seconds (default 900)
#   VM_TEST_TIMEOUT   limit of one test run inside the guest (default 300)
#   VM_MODES          registration modes (default glibc,own-legacy,own-full,none)
#   VM_ONLY           comma-separated test names to run (default all)
#   VM_SCALE          RSEQKIT_TEST_SCALE inside the guest
#   VM_PROBE          1 (default): also run tests/vm/probe.c as "vm-probe"
#   VM_TESTS          1 (default): build and run the suite's tests; 0: the
#                     probe only (to check a kernel or qemu setting quickly)
#   VM_VERBOSE        1: copy the whole console to stderr (default: the
#                     RSEQKIT lines and kernel oopses only)
#   VM_KSELFTESTS     1: also the kernel's own rseq selftests of sid's
#                     linux-source (or KSRC), built against rseqkit
#                     (ksft-*) and with the kernel's rseq.c (kref-*), with
#                     the arguments and modes of tests/vm/kselftests.list
#                     (default: 1 for KERNEL=slice, else 0)
#   VM_EXTRA          1: also tests/vm/slice_experiment.c and
#                     examples/slice_lock.c (default: 1 for KERNEL=slice,
#                     else 0)
#   RSEQKIT_VM_CACHE  download cache (default ~/.cache/rseqkit-vm)
# Output: build/vm/<arch>-<kernel>/{console.log,initrd.gz,result}
set -eu

prepare_only=0 fetch_only=0
case ${1:-} in
--prepare) prepare_only=1; shift ;;
--fetch) fetch_only=1; shift ;;
esac
[ $# -eq 2 ] || { sed -n '2,12p' "$0" >&2; exit 2; }
arch=$1 kernel=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${RSEQKIT_VM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/rseqkit-vm}
export RSEQKIT_VM_CACHE=$cache

case $kernel in
6.1|bookworm)  suite=bookworm kernel=6.1 ;;
6.12|trixie)   suite=trixie kernel=6.12 ;;
7|7.x|sid)     suite=sid kernel=7.x ;;
host)          suite=host ;;
slice)         suite=slice ;;
*) echo "check-vm: unknown KERNEL '$kernel' (6.1, 6.12, 7.x, host or slice)" >&2; exit 2 ;;
esac

cell=$arch-$kernel
out=$root/build/vm/$cell
mkdir -p "$out"
rm -f "$out/result"
t_start=$(date +%s)

# result VERDICT DETAIL: records the cell's outcome and exits
result() {
	v=$1
	shift
	secs=$(($(date +%s) - t_start))
	{
		echo "arch=$arch"
		echo "kernel=$kernel"
		echo "verdict=$v"
		echo "seconds=$secs"
		echo "detail=$*"
		[ -n "${release:-}" ] && echo "release=$release"
		[ -n "${boot_s:-}" ] && echo "boot_seconds=$boot_s"
		[ -n "${summary:-}" ] && echo "summary=$summary"
		[ -n "${probe:-}" ] && echo "probe=$probe"
		[ -n "${kpkg:-}" ] && echo "package=$kpkg"
		true
	} > "$out/result"
	echo "check-vm: $cell: $v in ${secs}s${*:+ ($*)}"
	case $v in
	PASS) exit 0 ;;
	SKIP) exit 77 ;;
	*) exit 1 ;;
	esac
}

# --- the architecture table -------------------------------------------------
mem=${VM_MEM:-512}
accel="-accel tcg,thread=multi"
defsmp=2
case $arch in
x86_64)   debarch=amd64 flavour=amd64 qpkg=qemu-system-x86
	  qemu=qemu-system-x86_64 qargs="-M pc -cpu max" console=ttyS0 ;;
i386)     debarch=i386 flavour=686 qpkg=qemu-system-x86
	  qemu=qemu-system-i386 qargs="-M pc -cpu max" console=ttyS0 ;;
aarch64)  debarch=arm64 flavour=arm64 qpkg=qemu-system-arm
	  qemu=qemu-system-aarch64 qargs="-M virt -cpu max,pauth-impdef=on" console=ttyAMA0 ;;
arm)      debarch=armhf flavour=armmp qpkg=qemu-system-arm
	  qemu=qemu-system-arm qargs="-M virt,highmem=off -cpu cortex-a15" console=ttyAMA0 ;;
ppc64le)  debarch=ppc64el flavour=powerpc64le qpkg=qemu-system-ppc
	  qemu=qemu-system-ppc64
	  qargs="-M pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off -cpu power9"
	  console=hvc0 ;;
riscv64)  debarch=riscv64 flavour=riscv64 qpkg=qemu-system-misc
	  qemu=qemu-system-riscv64 qargs="-M virt -bios default" console=ttyS0 ;;
s390x)    debarch=s390x flavour=s390x qpkg=qemu-system-misc
	  qemu=qemu-system-s390x qargs="-M s390-ccw-virtio -cpu max" console=ttysclp0 ;;
mips64el) debarch=mips64el flavour=5kc-malta qpkg=qemu-system-mips
	  # Debian's mips64el user space is MIPS64r2: a 5KEc (r1) would SIGILL it.
	  # Malta has no SMP for r2 CPUs: with -smp 2 the kernel dies in
	  # uhci_check_and_reset_hc (data bus error), so one CPU.
	  qemu=qemu-system-mips64el qargs="-M malta -cpu MIPS64R2-generic" console=ttyS0
	  accel="-accel tcg" defsmp=1 ;;
*) echo "check-vm: unknown ARCH '$arch'" >&2; exit 2 ;;
esac

# --- tools on the host --------------------------------------------------------
need_pkgs=
command -v "$qemu" >/dev/null 2>&1 || need_pkgs="$need_pkgs $qpkg"
command -v cpio >/dev/null 2>&1 || need_pkgs="$need_pkgs cpio"
command -v dpkg-deb >/dev/null 2>&1 || { echo "check-vm: needs dpkg-deb and apt (Debian)" >&2; exit 1; }
if [ -n "$need_pkgs" ]; then
	if [ "$(id -u)" != 0 ]; then
		result FAIL "missing packages:$need_pkgs (run as root, or apt-get install them)"
	fi
	echo "check-vm: installing$need_pkgs" >&2
	apt-cache show $need_pkgs >/dev/null 2>&1 || apt-get -q update >&2
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=600 \
		install --no-install-recommends $need_pkgs >&2 ||
		result FAIL "apt-get install$need_pkgs failed"
fi

# --- the kernel ---------------------------------------------------------------
if [ "$suite" = slice ]; then
	frag=$here/slice-$arch.config
	[ -f "$frag" ] || result SKIP "no time-slice kernel for $arch here (tests/vm/check-vm-slice.sh says why)"
	st=0
	image=$("$here/build-kernel.sh" sid "$frag") || st=$?
	[ $st = 77 ] && result SKIP "cannot build the kernel here: build-kernel.sh needs flex, bison, bc and libelf-dev"
	[ $st = 0 ] || result FAIL "building the kernel failed"
	kpkg="$(cat "$(dirname "$image")/package") + $(basename "$frag") ($(cat "$(dirname "$image")/version"), built in $(cat "$(dirname "$image")/build-seconds")s)"
elif [ "$suite" = host ]; then
	if [ "$arch" != "$(uname -m)" ]; then
		result SKIP "KERNEL=host needs ARCH=$(uname -m)"
	fi
	image=/boot/vmlinuz-$(uname -r)
	if [ ! -r "$image" ]; then
		result SKIP "$image is not readable here: the running kernel is covered by the native 'make check'"
	fi
	kpkg="host $(uname -r)"
else
	image=$("$here/fetch-kernel.sh" "$debarch" "$suite" "$flavour") ||
		result FAIL "no $debarch kernel in $suite"
	kpkg=$(cat "$(dirname "$image")/package" 2>/dev/null || true)
fi
if [ $fetch_only = 1 ]; then
	echo "check-vm: $cell: kernel $kpkg"
	exit 0
fi

# --- the programs -------------------------------------------------------------
tc=$("$here/toolchain.sh" "$arch") || result FAIL "no C compiler for $arch"
VM_CC= VM_AR= VM_TC_PATH=
eval "$tc"
[ -n "$VM_TC_PATH" ] && PATH=$VM_TC_PATH:$PATH && export PATH

bld=build/$arch
# one build per architecture at a time (several cells, or several people)
exec 9> "$root/build/vm/.lock-$arch"
flock 9
echo "check-vm: building the tests for $arch with $VM_CC" >&2
# -k: whatever builds still runs; a failed build fails the cell at the end
build_failed=
# i386: keep every program's data from ending at a page boundary, where
# glibc 2.36's static start-up crashes with GLIBC_TUNABLES set (bss-pad.c)
pad=
if [ "$arch" = i386 ]; then
	mkdir -p "$root/$bld"
	pad=$root/$bld/bss-pad.o
	$VM_CC -fcommon -c -o "$pad" "$here/bss-pad.c" || result FAIL "building bss-pad.o failed"
fi
if [ "${VM_TESTS:-1}" = 1 ] &&
   ! make -k -s -C "$root" CC="$VM_CC" AR="$VM_AR" BUILD="$bld" EXTRA_CFLAGS=-static \
	LDFLAGS=-static LDLIBS="$pad" tests > "$out/build.log" 2>&1; then
	tail -n 20 "$out/build.log" >&2
	build_failed="cross build of the tests failed (build/vm/$cell/build.log)"
fi

stage=$out/root
rm -rf "$stage"
mkdir -p "$stage/tests" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/tmp"
# shellcheck disable=SC2086
$VM_CC -std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra -static -o "$stage/init" "$here/init.c" \
	> "$out/init-build.log" 2>&1 || { cat "$out/init-build.log" >&2; result FAIL "building init failed"; }
if [ "${VM_PROBE:-1}" = 1 ]; then
	# shellcheck disable=SC2086
	$VM_CC -std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra -static -pthread -o "$stage/tests/vm-probe" \
		"$here/probe.c" > "$out/probe-build.log" 2>&1 ||
		{ cat "$out/probe-build.log" >&2; result FAIL "building the probe failed"; }
fi
ntests=0
[ "${VM_TESTS:-1}" = 1 ] && for t in "$root/$bld/tests/"*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	cp "$t" "$stage/tests/"
	ntests=$((ntests + 1))
done
# The kernel's own selftests (ksft-*: against rseqkit; kref-*: the kernel's
# rseq.c) and the time-slice experiment, with their .args and .modes.
if [ "${VM_KSELFTESTS:-$([ "$suite" = slice ] && echo 1 || echo 0)}" = 1 ]; then
	n=$(VM_CC="$VM_CC" sh "$here/kselftests-vm.sh" "$arch" "$root/$bld" "$stage/tests" \
		2> "$out/kselftests-build.log") || {
		tail -n 20 "$out/kselftests-build.log" >&2
		build_failed="${build_failed:+$build_failed; }building the kernel's selftests failed (build/vm/$cell/kselftests-build.log)"
		n=0
	}
	ntests=$((ntests + n))
fi
if [ "${VM_EXTRA:-$([ "$suite" = slice ] && echo 1 || echo 0)}" = 1 ]; then
	if $VM_CC -std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra -static -pthread -I"$root/include" \
		-o "$stage/tests/slice_experiment" "$here/slice_experiment.c" "$root/$bld/librseqkit.a" \
		> "$out/experiment-build.log" 2>&1 &&
	   $VM_CC -std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra -static -pthread -I"$root/include" \
		-o "$stage/tests/example-slice_lock" "$root/examples/slice_lock.c" "$root/$bld/librseqkit.a" \
		>> "$out/experiment-build.log" 2>&1; then
		echo "${VM_EXPERIMENT_ARGS:-2 5}" > "$stage/tests/slice_experiment.args"
		echo "4 20000" > "$stage/tests/example-slice_lock.args"
		ntests=$((ntests + 2))
	else
		cat "$out/experiment-build.log" >&2
		build_failed="${build_failed:+$build_failed; }building slice_experiment or examples/slice_lock failed"
	fi
fi
# Other areas' additions (tests/<area>/vm-hook.sh adds files under $STAGE;
# tests/tools/vm-hook.sh: rseq-check and the test that runs it).
[ "${VM_TESTS:-1}" = 1 ] && for h in "$root"/tests/*/vm-hook.sh; do
	[ -f "$h" ] || continue
	ARCH=$arch STAGE=$stage CC=$VM_CC BUILD=$bld ROOT=$root sh "$h" >> "$out/build.log" 2>&1 ||
		build_failed="${build_failed:+$build_failed; }$h failed (build/vm/$cell/build.log)"
done
if [ "$ntests" = 0 ] && [ "${VM_PROBE:-1}" != 1 ]; then
	result FAIL "no test programs in $bld/tests"
fi
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -6n > "$out/initrd.gz"

exec 9>&-

if [ $prepare_only = 1 ]; then
	echo "check-vm: $cell prepared ($ntests test programs, kernel $kpkg)"
	exit 0
fi

# --- the boot -----------------------------------------------------------------
command -v "$qemu" >/dev/null 2>&1 || result FAIL "$qemu not found"
cmdline="console=$console quiet panic=-1 rseqkit.timeout=${VM_TEST_TIMEOUT:-300}"
# (the slice kernel has no seccomp filters, which need CONFIG_NET: no "none")
[ "$suite" = slice ] && [ -z "${VM_MODES:-}" ] && VM_MODES=glibc,own-legacy,own-full
[ -n "${VM_MODES:-}" ] && cmdline="$cmdline rseqkit.modes=$VM_MODES"
[ -n "${VM_ONLY:-}" ] && cmdline="$cmdline rseqkit.only=$VM_ONLY"
[ -n "${VM_SCALE:-}" ] && cmdline="$cmdline rseqkit.scale=$VM_SCALE"
case $kernel in 7.x|slice) [ "${VM_RSEQ_DEBUG:-1}" = 1 ] && cmdline="$cmdline rseq_debug=1" ;; esac
# slice: the TSC as clocksource, so that clock_gettime() stays in the vDSO
# (a system call while an extension is granted ends the grant)
[ "$suite" = slice ] && cmdline="$cmdline clocksource=tsc tsc=reliable"
[ -n "${KCMDLINE:-}" ] && cmdline="$cmdline $KCMDLINE"
smp=${VM_SMP:-$defsmp}
timeout_s=${VM_TIMEOUT:-900}

# shellcheck disable=SC2086
set -- $qemu $accel $qargs -smp "$smp" -m "$mem" -nographic -no-reboot -nic none \
	-kernel "$image" -initrd "$out/initrd.gz" -append "$cmdline"
echo "check-vm: $*" > "$out/qemu-cmd"
echo "check-vm: $cell: booting $kpkg ($smp CPUs, timeout ${timeout_s}s)" >&2
# A boot that dies before /init speaks (seen once: an int3 Oops in
# sched_clock_cpu while x86 6.12 patched its text under multi-threaded TCG)
# is retried once; the failed console stays in console.log.1.
rm -f "$out/console.log.1"
for attempt in 1 2; do
rm -f "$out/qemu-rc" "$out/boot-time"
# perl stamps the time at which init first spoke (boot time); it is part of
# perl-base, which every Debian system has.
# On a panic perl stops the VM (some machines halt instead of exiting).
rm -f "$out/qemu-pid"
{ timeout -k 10 "$timeout_s" "$@" < /dev/null 2>&1 & echo $! > "$out/qemu-pid"
  if wait $!; then echo 0; else echo $?; fi > "$out/qemu-rc"; } |
	perl -e '
		use Time::HiRes qw(time);
		$| = 1; my $t0 = time; my $seen = 0;
		open(my $log, ">", $ARGV[0]) or die; select((select($log), $| = 1)[0]);
		open(my $bt, ">", $ARGV[1]) or die;
		my $verbose = $ARGV[2]; my $pidf = $ARGV[3]; my $panic = 0;
		while (my $l = <STDIN>) {
			$l =~ s/\r//g;
			print $log $l;
			if (!$seen && $l =~ /RSEQKIT-BOOT/) {
				printf $bt "%.1f\n", time - $t0; close $bt; $seen = 1;
			}
			$l =~ s/\e\[[0-9;?]*[A-Za-z]|\ec//g;	# SeaBIOS clears the screen
			if (!$panic && $l =~ /Kernel panic|Reboot failed|System halted/) {
				$panic = 1;
				$SIG{ALRM} = sub {
					if (open(my $p, "<", $pidf)) { my $pid = <$p>; chomp $pid; kill("TERM", $pid) if $pid; }
				};
				alarm(5);
			}
			print STDERR $l if $verbose ||
				$l =~ /RSEQKIT-(BOOT|RESULT|SUMMARY)|Kernel panic|Oops|BUG:|WARNING:|segfault|Call Trace|Attempted to kill/;
		}' "$out/console.log" "$out/boot-time" "${VM_VERBOSE:-0}" "$out/qemu-pid"
rc=$(cat "$out/qemu-rc" 2>/dev/null || echo 255)
if [ $attempt = 1 ] && [ "$rc" != 124 ] && [ "$rc" != 137 ] &&
   ! grep -a -q RSEQKIT-BOOT "$out/console.log"; then
	mv "$out/console.log" "$out/console.log.1"
	echo "check-vm: $cell: the kernel died before /init ran (qemu exit $rc); booting again" >&2
	continue
fi
break
done
boot_s=$(cat "$out/boot-time" 2>/dev/null || true)
log=$out/console.log

release=$(sed -n 's/.*RSEQKIT-BOOT release=\([^ ]*\).*/\1/p' "$log" | head -n 1)
summary=$(sed -n 's/.*RSEQKIT-SUMMARY \(.*\)/\1/p' "$log" | tr -d '\r' | head -n 1)
probe=$(grep -a 'probe: kernel' "$log" | head -n 1 | sed 's/.*AT_RSEQ_FEATURE_SIZE \([0-9]*\) AT_RSEQ_ALIGN \([0-9]*\).*/feature_size=\1 align=\2/')
nfail=$(grep -a -c 'RSEQKIT-RESULT .* FAIL' "$log" || true)

if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	result FAIL "timeout after ${timeout_s}s${summary:+, $summary}"
fi
if grep -a -q -e 'Kernel panic' -e 'Attempted to kill init' "$log"; then
	result FAIL "kernel panic: $(grep -a -m1 'Kernel panic' "$log" | tr -d '\r' | cut -c1-120)"
fi
if [ -z "$release" ]; then
	result FAIL "init never ran (qemu exit $rc; see build/vm/$cell/console.log)"
fi
if [ -z "$summary" ]; then
	result FAIL "no summary line (qemu exit $rc; see build/vm/$cell/console.log)"
fi
if [ -n "$build_failed" ]; then
	result FAIL "$build_failed; $summary"
fi
if [ "$nfail" != 0 ]; then
	result FAIL "$nfail failed: $(grep -a 'RSEQKIT-RESULT .* FAIL' "$log" | sed 's/.*RSEQKIT-RESULT //' | tr -d '\r' | head -n 3 | paste -sd ';' -)"
fi
case $summary in
*fail=0*) ;;
*) result FAIL "summary: $summary" ;;
esac
if [ "$rc" != 0 ]; then
	result FAIL "qemu exit status $rc"
fi
case $summary in
pass=0*) result SKIP "every test skipped: $summary" ;;
esac
result PASS "$summary"

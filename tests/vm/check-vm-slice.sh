#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/vm/check-vm-slice.sh - `make check-vm-slice`: the rseq time-slice
# extension (Linux 7.0, CONFIG_RSEQ_SLICE_EXTENSION) on a kernel that has
# it.  No Debian kernel enables it, so:
#
#  1. Per architecture, whether the kernel of each suite can have the
#     option at all, from that kernel's own Kconfig (make ARCH=<arch>
#     allnoconfig, the option and its prompts turned on, olddefconfig):
#     x86_64 must; aarch64 cannot on 7.2 (the option depends on
#     GENERIC_ENTRY, which arm64 does not select there).  When an
#     architecture other than x86_64 can, the run fails and says so: this
#     suite then needs that architecture's kernel build
#     (tests/vm/slice-<arch>.config).
#  2. Builds a small x86-64 kernel from sid's linux-source with the option
#     and rseq debugging (tests/vm/build-kernel.sh, cached), boots it under
#     qemu-system (check-vm.sh x86_64 slice) and runs rseqkit's suite in the
#     glibc, own-legacy and own-full modes, the kernel's own rseq selftests
#     built against rseqkit (ksft-*) and with the kernel's rseq.c (kref-*),
#     and tests/vm/slice_experiment.c.
#  3. Reports what the grant path did: rseqkit's slice_test and the
#     kernel's slice_test per mode (the extension is refused for 32-byte
#     registrations: glibc 2.36's, own-legacy), the pairs of kernel
#     selftests, the experiment's table, and the kernel build time.
#     Fails unless the grant path executed in own-full mode with both
#     slice tests passing.
#
# rseqkit's tests run with VM_SCALE=0.1 (their loop counts at a tenth, as
# in check-vm-quick) unless VM_SCALE says otherwise; only those that
# concern the extension and registration (slice_test, registration_test,
# abi_v2, abi_lifecycle, ops_test) unless VM_SLICE_FULL=1 (check-vm-all
# sets it) or VM_ONLY says otherwise.
# Environment: VM_SLICE_SUITES (the sources checked in step 1, default
# "sid"; check-vm-all adds experimental), VM_SLICE_ARCHS (default
# "x86_64 aarch64"), and check-vm.sh's variables.
# Output: build/vm/x86_64-slice/{console.log,result,slice-report.md}
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$root/build/vm/x86_64-slice
mkdir -p "$out"
report=$out/slice-report.md
fail=0
t0=$(date +%s)
: > "$report"
say() { echo "$*"; echo "$*" >> "$report"; }

. "$here/lib.sh"
missing=$(kernel_tools_missing)
if [ -n "$missing" ]; then
	say "SKIP: building and configuring kernels needs$missing: apt-get install flex bison libelf-dev bc"
	exit 77
fi

# --- 1. who can have the option -----------------------------------------------
kconfig_check() {	# SUITE ARCH: 0 can, 1 cannot, 2 could not tell
	ksrc=$("$here/fetch-source.sh" "$1" full) || return 2
	karch=$2
	[ "$karch" = aarch64 ] && karch=arm64
	o=$(mktemp -d)
	(
		make -s -C "$ksrc" O="$o" ARCH="$karch" allnoconfig > "$o/log" 2>&1 &&
		"$ksrc/scripts/config" --file "$o/.config" -e EXPERT -e RSEQ -e HIGH_RES_TIMERS \
			-e RSEQ_SLICE_EXTENSION >> "$o/log" 2>&1 &&
		make -s -C "$ksrc" O="$o" ARCH="$karch" olddefconfig >> "$o/log" 2>&1
	) || { cat "$o/log" >&2; rm -rf "$o"; return 2; }
	ver=$(make -s -C "$ksrc" O="$o" ARCH="$karch" kernelversion 2>/dev/null)
	deps=$(awk '/^config RSEQ_SLICE_EXTENSION/ { f = 1; next }
		f && /^[ \t]*depends on/ { sub(/^[ \t]*depends on[ \t]*/, ""); print; exit }
		f && /^(config|menuconfig|endmenu)/ { exit }' "$ksrc/init/Kconfig")
	vals=
	for sym in $(echo "$deps" | tr -c 'A-Za-z0-9_\n' ' '); do
		v=$(sed -n "s/^CONFIG_$sym=\(.*\)/\1/p" "$o/.config")
		vals="$vals $sym=${v:-n}"
	done
	if grep -q '^CONFIG_RSEQ_SLICE_EXTENSION=y' "$o/.config"; then
		say "- $2, Linux $ver ($1): CONFIG_RSEQ_SLICE_EXTENSION can be enabled (depends on $deps:$vals)"
		rc=0
	else
		say "- $2, Linux $ver ($1): cannot have CONFIG_RSEQ_SLICE_EXTENSION (depends on $deps:$vals)"
		rc=1
	fi
	rm -rf "$o"
	return $rc
}

say "## rseq time-slice extension: which kernels can have it (their Kconfig)"
say ""
for s in ${VM_SLICE_SUITES:-sid}; do
	for a in ${VM_SLICE_ARCHS:-x86_64 aarch64}; do
		kconfig_check "$s" "$a"
		rc=$?
		case $a:$rc in
		x86_64:0) ;;
		x86_64:*) say "FAIL: x86_64 cannot have the extension on $s's kernel"; fail=1 ;;
		*:0)	if [ -f "$here/slice-$a.config" ]; then
				say "  ($a: see its own check-vm-slice run)"
			else
				say "FAIL: $a can have the extension on $s's kernel now: add tests/vm/slice-$a.config and a build for it"
				fail=1
			fi ;;
		*:1) ;;
		*) say "FAIL: could not read $s's Kconfig for $a"; fail=1 ;;
		esac
	done
done

# --- 2. the x86-64 kernel with the extension, booted ----------------------------
say ""
# rseqkit's tests that concern the extension and the registration it
# needs, unless VM_SLICE_FULL=1 (check-vm-all): the whole suite (Debian's
# 7.x kernel runs it in check-vm-quick already).
if [ "${VM_SLICE_FULL:-0}" = 1 ]; then
	only=${VM_ONLY:-}
else
	only=${VM_ONLY:-slice_test,registration_test,static_registration_test,abi_v2,abi_lifecycle,ops_test,slice_experiment,example-slice_lock}
	for n in $(sed -n 's/^\([A-Za-z0-9_-][A-Za-z0-9_-]*\) *|.*/\1/p' "$here/kselftests.list"); do
		only="$only,ksft-$n,kref-$n"
	done
fi
VM_ONLY=$only VM_KSELFTESTS=${VM_KSELFTESTS:-1} VM_EXTRA=${VM_EXTRA:-1} VM_SCALE=${VM_SCALE:-0.1} \
	sh "$here/check-vm.sh" x86_64 slice
vm=$?
log=$out/console.log
if [ $vm = 77 ]; then
	say "SKIP: $(sed -n 's/^detail=//p' "$out/result" 2>/dev/null) (apt-get install flex bison libelf-dev bc)"
	exit 77
fi
[ $vm = 0 ] || fail=1
res=$(sed -n 's/^detail=//p' "$out/result" 2>/dev/null)
pkg=$(sed -n 's/^package=//p' "$out/result" 2>/dev/null)
say "## check-vm x86_64 slice: $(sed -n 's/^verdict=//p' "$out/result" 2>/dev/null) ($res)"
say ""
say "kernel: $pkg"
say ""
if [ ! -f "$log" ]; then
	say "FAIL: no console log"
	exit 1
fi

# --- 3. what the grant path did -------------------------------------------------
result_of() {	# TEST MODE: "PASS 12.3" / "SKIP 0.1 reason" / "-"
	r=$(grep -a "RSEQKIT-RESULT $1 $2 " "$log" | head -n 1 | sed "s/.*RSEQKIT-RESULT $1 $2 //" | tr -d '\r')
	echo "${r:--}"
}
lines_of() {	# TEST MODE PATTERN
	grep -a "^\[$1:$2\] " "$log" | sed "s/^\[$1:$2\] //" | tr -d '\r' | grep -a -e "$3" || true
}

say "### rseqkit's slice_test"
say ""
say "| mode | verdict | what happened |"
say "|---|---|---|"
for m in glibc own-legacy own-full; do
	r=$(result_of slice_test $m)
	what=$(lines_of slice_test $m 'grants\|SKIP' | head -n 1)
	say "| $m | ${r%% *} | $what |"
done
case $(result_of slice_test own-full) in
PASS*) ;;
*) say "FAIL: rseqkit's slice_test did not pass in own-full mode"; fail=1 ;;
esac

say ""
say "### the kernel's slice_test (tools/testing/selftests/rseq/slice_test.c)"
say ""
say "| mode | build | verdict | Total | Success | Yielded | Aborted | Scheduled | Raced |"
say "|---|---|---|---|---|---|---|---|---|"
for m in glibc own-legacy own-full; do
	for b in ksft kref; do
		r=$(result_of $b-slice_test $m)
		[ "$r" = - ] && continue
		lines_of $b-slice_test $m '^# \(Total\|Success\|Yielded\|Aborted\|Scheduled\|Raced\) ' |
			awk '{ v[$2] = v[$2] (v[$2] == "" ? "" : "+") $3 }
			     END { printf "%s|%s|%s|%s|%s|%s", v["Total"], v["Success"], v["Yielded"],
				   v["Aborted"], v["Scheduled"], v["Raced"] }' > "$out/.counts"
		counts=$(cat "$out/.counts")
		skips=$(lines_of $b-slice_test $m '# SKIP' | wc -l)
		v=${r%% *}
		[ "$v" = PASS ] && [ "$skips" -gt 0 ] && v="PASS ($skips skipped: $(lines_of $b-slice_test $m '# SKIP' | head -n 1 | sed 's/.*# SKIP *//'))"
		lbl=rseqkit
		[ $b = kref ] && lbl="kernel's rseq.c"
		say "| $m | $lbl | $v | $(echo "$counts" | sed 's/|/ | /g') |"
		if [ $m = own-full ] && { [ "${r%% *}" != PASS ] || [ "$skips" -gt 0 ]; }; then
			say "FAIL: the kernel's slice_test ($lbl) did not run the grant path in own-full mode"
			fail=1
		fi
	done
done
rm -f "$out/.counts"

say ""
say "### the kernel's selftests in this kernel: rseqkit (ksft-) and the kernel's rseq.c (kref-)"
say ""
say "| program | mode | rseqkit | kernel's rseq.c |"
say "|---|---|---|---|"
grep -a 'RSEQKIT-RESULT ksft-' "$log" | sed 's/.*RSEQKIT-RESULT ksft-//' | tr -d '\r' |
while read -r name mode verdict secs rest; do
	k=$(result_of "kref-$name" "$mode")
	say "| $name | $mode | $verdict | ${k%% *} |"
	if [ "$verdict" = FAIL ] || [ "$verdict" != "${k%% *}" ]; then
		echo "MISMATCH $name $mode" >> "$out/.mismatch"
	fi
done
if [ -s "$out/.mismatch" ]; then
	say "FAIL: $(wc -l < "$out/.mismatch") kernel selftest runs failed or differ from the kernel's helper"
	fail=1
fi
rm -f "$out/.mismatch"

say ""
say "### slice_experiment (own-full)"
say ""
say '```'
lines_of slice_experiment own-full '' | while read -r l; do say "$l"; done
say '```'
for m in glibc own-legacy; do
	say "slice_experiment, $m: $(result_of slice_experiment $m)"
done
say ""
say "### examples/slice_lock (4 threads x 20000 on 2 CPUs)"
say ""
for m in glibc own-legacy own-full; do
	say "- $m: $(result_of example-slice_lock $m | cut -d ' ' -f 1): $(lines_of example-slice_lock $m 'counter\|unavailable' | tr '\n' ' ' | cut -c 1-250)"
done
case $(result_of slice_experiment own-full) in
PASS*) ;;
*) say "FAIL: slice_experiment did not pass in own-full mode"; fail=1 ;;
esac

say ""
say "check-vm-slice: $(($(date +%s) - t0)) s in all; report in build/vm/x86_64-slice/slice-report.md"
if [ $fail = 0 ]; then
	echo "check-vm-slice: PASS"
	exit 0
fi
echo "check-vm-slice: FAIL"
exit 1

#!/bin/sh
# kselftests.sh - 'make check-kselftests': rseqkit against the Linux
# kernel's own rseq selftests (tools/testing/selftests/rseq).
#
#  1. Source compatibility: the kernel's basic_test.c,
#     basic_percpu_ops_test.c and param_test.c, unchanged, built against
#     rseqkit's rseq.h (-I include/rseqkit) and librseqkit.a, -Wall -Werror,
#     in both index variants (cpu_id; -DBUILDOPT_RSEQ_PERCPU_MM_CID), then
#     run: basic tests, and param_test for every test type at every
#     injection point, with glibc's registration and with rseqkit's own.
#  2. The tools on another implementation's critical sections: the
#     selftests built with the kernel's own headers and rseq.c, then
#     rseq-inspect (no defect), rseq-check --full (every boundary forced,
#     no violation) and the gdb extension (stepping terminates).
#
# KSRC=<linux source tree> selects the kernel source; without it the
# script fetches Debian trixie's linux-source-6.12 package (the version of
# the selftests whose operations take enum rseq_mo) into
# ~/.cache/rseqkit-vm/src with tests/vm/apt.sh (the mirror this machine
# already uses) and unpacks only the selftests and tools/include.
set -u
BUILD=${BUILD:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/$BUILD/kselftests
mkdir -p "$out"
pass=0; fail=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

if [ -z "${KSRC:-}" ]; then
	cache=${RSEQKIT_VM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/rseqkit-vm}/src
	KSRC=$cache/linux-source-6.12
	if [ ! -f "$KSRC/tools/testing/selftests/rseq/param_test.c" ]; then
		mkdir -p "$cache"
		(cd "$cache" && rm -f linux-source-6.12_*.deb &&
		 sh "$root/tests/vm/apt.sh" amd64 trixie update >/dev/null &&
		 sh "$root/tests/vm/apt.sh" amd64 trixie get download linux-source-6.12 >/dev/null &&
		 dpkg-deb --fsys-tarfile linux-source-6.12_*.deb |
			tar -x --wildcards '*/linux-source-6.12.tar.xz' -O |
			tar -xJ --wildcards 'linux-source-6.12/tools/testing/selftests/rseq/*' \
				'linux-source-6.12/tools/testing/selftests/kselftest.h' \
				'linux-source-6.12/tools/include/*' &&
		 rm -f linux-source-6.12_*.deb) ||
		{ echo "SKIP: could not fetch linux-source-6.12 (set KSRC=<linux tree>)"; exit 77; }
	fi
fi
S=$KSRC/tools/testing/selftests
[ -f "$S/rseq/param_test.c" ] || { echo "SKIP: no rseq selftests under $S"; exit 77; }
echo "kernel selftests from $KSRC"

# 1. the kernel's programs against rseqkit's header
c=$out/compat
mkdir -p "$c/rseq"
cp "$S/kselftest.h" "$c/"
cp "$S/rseq/basic_test.c" "$S/rseq/basic_percpu_ops_test.c" "$S/rseq/param_test.c" "$c/rseq/"
for t in basic_test basic_percpu_ops_test param_test; do
	for v in cpu_id mm_cid; do
		def=; [ $v = mm_cid ] && def=-DBUILDOPT_RSEQ_PERCPU_MM_CID
		if ${CC:-gcc} -O2 -Wall -Werror -pthread $def -I"$root/include/rseqkit" \
			-o "$c/$t.$v" "$c/rseq/$t.c" "$root/$BUILD/librseqkit.a" >"$c/$t.$v.log" 2>&1
		then ok; else bad "build $t ($v)"; cat "$c/$t.$v.log"; fi
	done
done
run() {	# description command...
	d=$1; shift
	if "$@" >"$c/run.log" 2>&1; then ok; else bad "$d"; tail -5 "$c/run.log"; fi
}
for v in cpu_id mm_cid; do
	run "basic_test ($v)" "$c/basic_test.$v"
	run "basic_percpu_ops_test ($v)" "$c/basic_percpu_ops_test.$v"
done
for v in cpu_id mm_cid; do
	for own in no yes; do
		tun=; [ $own = yes ] && tun=glibc.pthread.rseq=0
		for T in s l b "b -M" m "m -M" i; do
			for p in 1 2 3 4 5 6 7 8 9; do
				# shellcheck disable=SC2086
				run "param_test -T $T -$p 100 ($v, own=$own)" \
					env GLIBC_TUNABLES=$tun "$c/param_test.$v" -T $T -$p 100 -t 6 -r 1000
			done
			# shellcheck disable=SC2086
			run "param_test -T $T yield/signal ($v, own=$own)" \
				env GLIBC_TUNABLES=$tun "$c/param_test.$v" -T $T -7 -1 -m 10 -y -k -t 6 -r 1000
		done
	done
	run "param_test -T r ($v)" "$c/param_test.$v" -T r -t 6 -r 20000
done

# 2. rseqkit's tools on the kernel's own critical sections
k=$out/kernel
mkdir -p "$k"
for t in basic_percpu_ops_test param_test; do
	if ${CC:-gcc} -O2 -g -pthread -I"$S/rseq" -I"$KSRC/tools/include" -o "$k/$t" \
		"$S/rseq/$t.c" "$S/rseq/rseq.c" >"$k/$t.log" 2>&1
	then ok; else bad "build the kernel's $t"; cat "$k/$t.log"; fi
done
inspect=$root/$BUILD/tools/rseq-inspect
check=$root/$BUILD/tools/rseq-check
if [ -x "$inspect" ]; then
	for t in basic_percpu_ops_test param_test; do
		if "$inspect" "$k/$t" >"$k/$t.inspect" 2>&1 && grep -q ' 0 defects' "$k/$t.inspect"
		then ok; else bad "rseq-inspect $t"; cat "$k/$t.inspect"; fi
	done
fi
if [ -x "$check" ] && [ "$(uname -m)" = x86_64 ]; then
	for T in i s l; do
		if "$check" --full -- "$k/param_test" -T $T -t 4 -r 200 -1 2 -2 2 -3 2 -4 2 -5 2 -6 2 \
			>"$k/check.$T.log" 2>&1
		then ok; grep 'boundaries forced' "$k/check.$T.log" | tail -1
		else bad "rseq-check --full param_test -T $T"; tail -5 "$k/check.$T.log"; fi
	done
fi
if command -v gdb >/dev/null 2>&1; then
	cat >"$k/step.gdb" <<EOF
set pagination off
source $root/tools/gdb/rseq.py
break rseq_this_cpu_lock
run
delete
stepi 40
next
next
next
continue
EOF
	if timeout 300 gdb -batch -x "$k/step.gdb" "$k/basic_percpu_ops_test" >"$k/gdb.log" 2>&1 &&
	   grep -q 'exited normally' "$k/gdb.log"
	then ok; else bad "gdb stepping through the kernel's sections"; tail -5 "$k/gdb.log"; fi
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]

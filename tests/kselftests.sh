#!/bin/sh
# SPDX-License-Identifier: MIT
# kselftests.sh [--long] - 'make check-kselftests': the Linux kernel's own
# rseq selftests (tools/testing/selftests/rseq) of every kernel version the
# project meets, built unchanged against rseqkit and compared with the
# kernel's own helper (rseq.c) built from the same tree, in the same run.
#
# For each tree:
#  1. Every program of the tree's rseq/Makefile (TEST_GEN_PROGS and
#     TEST_GEN_PROGS_EXTENDED, with the -D options of its rule), built
#     twice from the unchanged sources:
#       rseqkit  -I include/rseqkit/selftests (#include "rseq.h" finds
#                rseqkit's selftests header) + librseqkit.a, -Wall -Werror
#       kernel   the tree's rseq.h and rseq.c (as librseq.so, as the
#                kernel's Makefile builds it)
#     The test sources are copied next to the tree's kselftest.h and
#     kselftest_harness.h ("kselftest.h", "../kselftest_harness.h" resolve
#     as in the tree) but not next to its rseq.h.
#  2. What the kselftest runner runs (TEST_GEN_PROGS with no arguments,
#     every TEST_PROGS script: run_param_test.sh, run_legacy_check.sh, ...),
#     with each build (--long: the programs also with glibc's registration
#     off, and 6.12's run_param_test.sh, which leaves glibc's on, too).
#     Verdicts: PASS (exit 0), SKIP (exit 4, KSFT_SKIP), FAIL.  A row
#     passes when rseqkit's verdict is not FAIL and equals the kernel's.
#  3. rseqkit's tools on the kernel's own critical sections (the kernel
#     build of param_test and basic_percpu_ops_test): rseq-inspect finds no
#     defect, rseq-check --full forces every boundary without a violation,
#     gdb steps through basic_percpu_ops_test (tests/tools/gdb-kselftest.sh;
#     --long: rseqkit's build of it too) (first tree only unless --long).
#
# Trees: KSRC=<linux tree> (several, space-separated, allowed); otherwise
# Debian's linux-source of KSELFTESTS_SUITES (default "trixie sid": Linux
# 6.12 and 7.x; --long adds experimental, 7.x-rc), fetched into
# ~/.cache/rseqkit-vm/src by tests/vm/fetch-source.sh.
#
# CI runs the reduced form: run_param_test.sh with -r $KSELFTESTS_REPS
# (default 20; param_test takes the last -r, so this lowers the script's
# 1000) - about 5 minutes for both trees on 2 cores.  --long
# (make check-kselftests-long) runs the scripts with their own counts
# (7.2's run_param_test.sh alone takes about 12 minutes per build), the
# variants with glibc's registration off, and Linux 7.x-rc.
set -u
BUILD=${BUILD:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
long=0
[ "${1:-}" = --long ] && long=1
out=$root/$BUILD/kselftests
mkdir -p "$out"
CC=${CC:-gcc}
if [ $long = 1 ]; then
	reps=${KSELFTESTS_REPS:-}
	suites=${KSELFTESTS_SUITES:-trixie sid experimental}
	tmo=${KSELFTESTS_TIMEOUT:-5400}
else
	reps=${KSELFTESTS_REPS:-20}
	suites=${KSELFTESTS_SUITES:-trixie sid}
	tmo=${KSELFTESTS_TIMEOUT:-900}
fi
pass=0; fail=0; skip=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
t0=$(date +%s)

trees=
if [ -n "${KSRC:-}" ]; then
	trees=$KSRC
else
	for s in $suites; do
		if t=$(sh "$root/tests/vm/fetch-source.sh" "$s" selftests); then
			trees="$trees $t"
		else
			echo "SKIP: could not fetch Debian $s's linux-source (set KSRC=<linux tree>)"
			[ "$s" = experimental ] || { echo "$pass passed, $fail failed"; exit 77; }
		fi
	done
fi

# The tree's kernel version, as its Makefile says.
kversion() {
	awk -F ' = ' '$1 == "VERSION" { v = $2 } $1 == "PATCHLEVEL" { p = $2 }
		$1 == "SUBLEVEL" { s = $2 } $1 == "EXTRAVERSION" { e = $2 }
		END { printf "%s.%s.%s%s", v, p, s, e }' "$1/Makefile" 2>/dev/null
}

# The programs and scripts of a selftests Makefile: lines
# "prog NAME SOURCE [-D...]", "run NAME" (TEST_GEN_PROGS) and
# "script NAME" (TEST_PROGS).
parse_makefile() {
	awk '
	{ while ($0 ~ /\\$/) { sub(/\\$/, ""); line = $0; if ((getline) <= 0) break; $0 = line " " $0 } }
	/^TEST_GEN_PROGS[ \t]*[+:]?=/ || /^TEST_GEN_PROGS_EXTENDED[ \t]*[+:]?=/ || /^TEST_PROGS[ \t]*[+:]?=/ {
		kind = $1; sub(/[+:]?=.*/, "", kind)
		s = $0; sub(/^[^=]*=/, "", s); n = split(s, w, /[ \t]+/)
		for (i = 1; i <= n; i++) if (w[i] != "") {
			if (kind == "TEST_PROGS") scripts[++ns] = w[i]
			else if (w[i] !~ /\.so$/) { progs[++np] = w[i]; if (kind == "TEST_GEN_PROGS") run[w[i]] = 1 }
		}
		next
	}
	/^\$\(OUTPUT\)\/[A-Za-z0-9_]+:/ {
		name = $1; sub(/^\$\(OUTPUT\)\//, "", name); sub(/:$/, "", name)
		if ($2 ~ /\.c$/) src[name] = $2
		rule = name; next
	}
	/^\t/ && rule != "" {
		d = ""; n = split($0, w, /[ \t]+/)
		for (i = 1; i <= n; i++) if (w[i] ~ /^-D/) d = d " " w[i]
		defs[rule] = d; rule = ""; next
	}
	{ rule = "" }
	END {
		for (i = 1; i <= np; i++) {
			p = progs[i]; s = (p in src) ? src[p] : p ".c"
			print "prog " p " " s (p in defs ? defs[p] : "")
		}
		for (i = 1; i <= np; i++) if (progs[i] in run) print "run " progs[i]
		for (i = 1; i <= ns; i++) print "script " scripts[i]
	}' "$1"
}

# run_one DIR LOG command...: the verdict of one run, "PASS 12s"
run_one() {
	d=$1 lg=$2
	shift 2
	s=$(date +%s)
	(cd "$d" && timeout -k 10 "$tmo" "$@") < /dev/null > "$lg" 2>&1
	st=$?
	e=$(($(date +%s) - s))
	case $st in
	0) echo "PASS ${e}s" ;;
	4) echo "SKIP ${e}s" ;;
	124|137) echo "FAIL ${e}s(timeout)" ;;
	*) echo "FAIL ${e}s(exit-$st)" ;;
	esac
}

# compare DESCRIPTION RSEQKIT-VERDICT KERNEL-VERDICT LOG
compare() {
	printf '  %-46s %-22s %s\n' "$1" "$2" "$3"
	rv=${2%% *} kv=${3%% *}
	if [ "$rv" = FAIL ]; then
		bad "$1 with rseqkit ($2; log $4)"
		tail -n 8 "$4" | sed 's/^/      /'
	elif [ "$rv" != "$kv" ]; then
		bad "$1: rseqkit says $rv, the kernel's helper $kv"
	else
		[ "$rv" = SKIP ] && skip=$((skip + 1))
		ok
	fi
}

first=1
for KSRC in $trees; do
	S=$KSRC/tools/testing/selftests
	if [ ! -f "$S/rseq/rseq.c" ] || [ ! -f "$S/rseq/Makefile" ]; then
		bad "no rseq selftests under $S"
		continue
	fi
	kv=$(kversion "$KSRC")
	pkg=$(cat "$KSRC/../../package" 2>/dev/null || echo "$KSRC")
	t=$out/linux-$kv
	rm -rf "$t"
	mkdir -p "$t/src/rseq" "$t/rseqkit" "$t/kernel" "$t/logs"
	echo "== Linux $kv selftests ($pkg)"
	parse_makefile "$S/rseq/Makefile" > "$t/plan"

	# 1. the two builds
	cp "$S/kselftest.h" "$t/src/"
	[ -f "$S/kselftest_harness.h" ] && cp "$S/kselftest_harness.h" "$t/src/"
	for f in "$S"/rseq/*.c; do
		[ "$(basename "$f")" = rseq.c ] || cp "$f" "$t/src/rseq/"
	done
	arch=$(uname -m | sed -e 's/x86_64/x86/' -e 's/i.86/x86/' -e 's/aarch64/arm64/')
	kflags="-O2 -Wall -g -D_GNU_SOURCE= -I$S/rseq -I$KSRC/tools/include -I$S"
	[ -d "$KSRC/tools/arch/$arch/include" ] && kflags="$kflags -I$KSRC/tools/arch/$arch/include"
	# shellcheck disable=SC2086
	if $CC $kflags -shared -fPIC -o "$t/kernel/librseq.so" "$S/rseq/rseq.c" -lpthread -ldl \
		> "$t/logs/build-librseq.so.log" 2>&1; then ok
	else bad "the kernel's librseq.so ($t/logs/build-librseq.so.log)"; fi
	nprog=0
	while read -r kind name srcf defs; do
		[ "$kind" = prog ] || continue
		nprog=$((nprog + 1))
		# shellcheck disable=SC2086
		if $CC -O2 -Wall -Werror -g -D_GNU_SOURCE= -pthread -I"$t/src" \
			-I"$root/include/rseqkit/selftests" $defs -o "$t/rseqkit/$name" \
			"$t/src/rseq/$srcf" "$root/$BUILD/librseqkit.a" -ldl \
			> "$t/logs/build-rseqkit-$name.log" 2>&1; then ok
		else bad "build $name against rseqkit"; head -n 20 "$t/logs/build-rseqkit-$name.log"; fi
		# shellcheck disable=SC2086
		if $CC $kflags $defs -L"$t/kernel" -Wl,-rpath="$t/kernel" -o "$t/kernel/$name" \
			"$S/rseq/$srcf" -lpthread -ldl -lrseq \
			> "$t/logs/build-kernel-$name.log" 2>&1; then ok
		else bad "build $name with the kernel's rseq.c"; head -n 20 "$t/logs/build-kernel-$name.log"; fi
	done < "$t/plan"
	echo "  $nprog programs built with rseqkit and with the kernel's rseq.c"
	for f in "$S"/rseq/*.sh "$S/rseq/settings"; do
		[ -f "$f" ] && cp "$f" "$t/rseqkit/" && cp "$f" "$t/kernel/"
	done

	# 2. the runs, rseqkit's then the kernel's, one after the other
	printf '  %-46s %-22s %s\n' "" "rseqkit" "kernel's rseq.c"
	while read -r kind name rest; do
		case $kind in
		run)
			owns=no
			[ $long = 1 ] && owns="no yes"
			for own in $owns; do
				d="$name"; tun=${GLIBC_TUNABLES:-}
				[ $own = yes ] && d="$name (glibc's rseq off)" tun=glibc.pthread.rseq=0
				r=$(run_one "$t/rseqkit" "$t/logs/rseqkit-$name-$own.log" env GLIBC_TUNABLES="$tun" "./$name")
				k=$(run_one "$t/kernel" "$t/logs/kernel-$name-$own.log" env GLIBC_TUNABLES="$tun" "./$name")
				compare "$d" "$r" "$k" "$t/logs/rseqkit-$name-$own.log"
			done ;;
		script)
			args=
			[ "$name" = run_param_test.sh ] && [ -n "$reps" ] && args="-r $reps"
			variants=default
			[ $long = 1 ] && [ "$name" = run_param_test.sh ] &&
				! grep -q 'glibc.pthread.rseq=0' "$S/rseq/$name" && variants="default own"
			for v in $variants; do
				tun=${GLIBC_TUNABLES:-} d="$name${args:+ $args}"
				[ $v = own ] && tun=glibc.pthread.rseq=0 d="$d (glibc's rseq off)"
				# shellcheck disable=SC2086
				r=$(run_one "$t/rseqkit" "$t/logs/rseqkit-$name-$v.log" env GLIBC_TUNABLES="$tun" bash "./$name" $args)
				# shellcheck disable=SC2086
				k=$(run_one "$t/kernel" "$t/logs/kernel-$name-$v.log" env GLIBC_TUNABLES="$tun" bash "./$name" $args)
				compare "$d" "$r" "$k" "$t/logs/rseqkit-$name-$v.log"
				# what the script ran (param_test runs, harness tests) and skipped
				for l in rseqkit kernel; do
					n=$(grep -c -e '^Running' -e '^ok ' -e '^not ok ' "$t/logs/$l-$name-$v.log" 2>/dev/null)
					sk=$(grep -m 1 -i -e 'skipping' -e '# SKIP' "$t/logs/$l-$name-$v.log" 2>/dev/null | cut -c 1-70)
					[ "$n" -gt 0 ] || [ -n "$sk" ] && echo "      $l: $n runs${sk:+; $sk}"
				done
			done ;;
		esac
	done < "$t/plan"

	# 3. rseqkit's tools on the kernel's own critical sections
	if [ $first = 1 ] || [ $long = 1 ]; then
		k=$t/kernel
		inspect=$root/$BUILD/tools/rseq-inspect
		check=$root/$BUILD/tools/rseq-check
		if [ -x "$inspect" ]; then
			for p in basic_percpu_ops_test param_test; do
				[ -x "$k/$p" ] || continue
				if "$inspect" "$k/$p" > "$t/logs/inspect-$p.log" 2>&1 &&
				   grep -q ' 0 defects' "$t/logs/inspect-$p.log"
				then ok; echo "  rseq-inspect $p: $(grep ' defects' "$t/logs/inspect-$p.log" | tail -n 1)"
				else bad "rseq-inspect $p"; cat "$t/logs/inspect-$p.log"; fi
			done
		fi
		if [ -x "$check" ] && [ "$(uname -m)" = x86_64 ] && [ -x "$k/param_test" ]; then
			for T in i s l; do
				if (cd "$k" && GLIBC_TUNABLES=glibc.pthread.rseq=0 "$check" --full -- \
					./param_test -T $T -t 4 -r 200 -1 2 -2 2 -3 2 -4 2 -5 2 -6 2) \
					> "$t/logs/check-$T.log" 2>&1
				then ok; echo "  rseq-check --full param_test -T $T: $(grep 'boundaries forced' "$t/logs/check-$T.log" | tail -n 1)"
				else bad "rseq-check --full param_test -T $T"; tail -n 5 "$t/logs/check-$T.log"; fi
			done
		fi
		# gdb (tests/tools/gdb-kselftest.sh: next through the per-CPU
		# lock and list, stepi through a section, finish, then the test
		# must pass; about a minute each): the kernel's build of
		# basic_percpu_ops_test, and with --long rseqkit's build too.
		bins="$k/basic_percpu_ops_test"
		[ $long = 1 ] && bins="$bins $t/rseqkit/basic_percpu_ops_test"
		for b in $bins; do
			[ -x "$b" ] || continue
			which=$(basename "$(dirname "$b")")
			what="gdb steps through the $which build of basic_percpu_ops_test"
			glog=$t/logs/gdb-$which.log
			(cd "$root" && BUILD=$BUILD sh tests/tools/gdb-kselftest.sh "$b") > "$glog" 2>&1
			case $? in
			0) ok; echo "  $what: $(tail -n 1 "$glog")" ;;
			77) echo "  $what: skipped: $(grep -m1 '^SKIP' "$glog")" ;;
			*) bad "$what"; tail -n 10 "$glog" ;;
			esac
		done
	fi
	first=0
done

echo "check-kselftests: $(($(date +%s) - t0)) s, $skip of the passes skipped with both libraries"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]

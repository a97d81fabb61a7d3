#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/headers_check.sh - the public headers in other people's programs:
#  (a) each public header compiles on its own (C and C++);
#  (b) all of them, with every public macro and inline function used
#      (tests/headers_use.c), compile cleanly as C99 and C11 (-pedantic),
#      gnu11, and C++11, 14, 17, 20 and 2b, with gcc/g++ and clang/clang++,
#      all with -Wall -Wextra -Wconversion -Wshadow -Werror;
#  (c) an operation given a constant memory order or index it does not
#      support is a build error (-O2), and compiles with a run-time one;
#  (d) the architecture headers refuse to be included directly, and for
#      another target;
#  (e) the examples in README.md and docs/api.md are -Wconversion clean.
# A compiler that is not installed is named and skipped.
set -u
fail=0; ran=0
tmp=${TMPDIR:-/tmp}/headers_check.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
WARN="-Wall -Wextra -Wconversion -Wshadow -Werror"
INC="-Iinclude"
for d in include/rseqkit/librseq include/rseqkit/selftests; do
	[ -d "$d" ] && INC="$INC -I$d"
done

have() { command -v "$1" >/dev/null 2>&1; }

# build NAME COMPILER FLAGS... : compile, report a failure with its output.
build() {
	name=$1; shift
	ran=$((ran + 1))
	if ! "$@" > "$tmp/out" 2>&1; then
		echo "FAIL $name: $*"
		sed 's/^/     /' "$tmp/out" | head -20
		fail=1
	fi
}

# must_fail NAME PATTERN COMPILER FLAGS... : the build must fail, saying PATTERN.
must_fail() {
	name=$1; pattern=$2; shift 2
	ran=$((ran + 1))
	if "$@" > "$tmp/out" 2>&1; then
		echo "FAIL $name: built, and must not"
		fail=1
	elif ! grep -q "$pattern" "$tmp/out"; then
		echo "FAIL $name: failed without saying \"$pattern\":"
		sed 's/^/     /' "$tmp/out" | head -10
		fail=1
	fi
}

CCS=; CXXS=
for c in gcc clang; do have $c && CCS="$CCS $c" || echo "note: $c not installed: its C modes did not run"; done
for c in g++ clang++; do have $c && CXXS="$CXXS $c" || echo "note: $c not installed: its C++ modes did not run"; done

# (a) one header at a time (the first C and C++ compilers: (b) runs all)
headers=$(cd include && find rseqkit -name '*.h' ! -path '*/arch/*' | sort)
for h in $headers; do
	printf '#include <%s>\n' "$h" > "$tmp/one.c"
	for c in $(echo $CCS | cut -d' ' -f1); do
		build "$h alone ($c)" $c -std=gnu11 $WARN $INC -O2 -c -o "$tmp/one.o" "$tmp/one.c"
	done
	for c in $(echo $CXXS | cut -d' ' -f1); do
		build "$h alone ($c)" $c -x c++ -std=c++17 $WARN $INC -O2 -c -o "$tmp/one.o" "$tmp/one.c"
	done
done

# (b) everything, every mode
for c in $CCS; do
	for std in "-std=c99 -pedantic" "-std=c11 -pedantic" "-std=gnu11"; do
		build "headers_use.c ($c $std)" $c $std $WARN $INC -O2 -c -o "$tmp/use.o" tests/headers_use.c
	done
done
for c in $CXXS; do
	for std in c++11 c++14 c++17 c++20 c++2b; do
		build "headers_use.c ($c -std=$std)" $c -x c++ -std=$std $WARN $INC -O2 -c \
			-o "$tmp/use.o" tests/headers_use.c
	done
done

# (c) unsupported arguments
cat > "$tmp/mo.c" <<'EOF'
#include <rseqkit/rseq.h>
intptr_t v;
int f(int cpu, enum rseq_mo mo, enum rseq_percpu_mode mode);
int f(int cpu, enum rseq_mo mo, enum rseq_percpu_mode mode)
{
#if defined(BAD_ORDER)
	return rseq_cmpeqv_storev(RSEQ_MO_RELEASE, RSEQ_PERCPU_CPU_ID, &v, 0, 1, cpu);
#elif defined(BAD_INDEX)
	return rseq_addv(RSEQ_MO_RELAXED, (enum rseq_percpu_mode)3, &v, 1, cpu);
#else
	return rseq_cmpeqv_storev(mo, mode, &v, 0, 1, cpu);	/* -EINVAL at run time */
#endif
}
EOF
for c in $CCS; do
	must_fail "constant unsupported memory order ($c)" "does not support" \
		$c -std=gnu11 $INC -O2 -DBAD_ORDER -c -o "$tmp/mo.o" "$tmp/mo.c"
	must_fail "constant unsupported index ($c)" "does not support" \
		$c -std=gnu11 $INC -O2 -DBAD_INDEX -c -o "$tmp/mo.o" "$tmp/mo.c"
	build "run-time memory order ($c)" $c -std=gnu11 $WARN $INC -O2 -c -o "$tmp/mo.o" "$tmp/mo.c"
done

# (d) the architecture headers
for c in $CCS; do
	for a in x86 aarch64 arm ppc riscv s390 mips generic; do
		printf '#include <rseqkit/arch/%s/arch.h>\n' $a > "$tmp/arch.c"
		must_fail "arch/$a/arch.h included directly ($c)" "part of <rseqkit/rseq.h>" \
			$c -std=gnu11 $INC -c -o "$tmp/arch.o" "$tmp/arch.c"
	done
	native=$($c -dM -E -x c /dev/null | sed -n \
		-e 's/^#define __x86_64__ 1$/x86/p' -e 's/^#define __i386__ 1$/x86/p' \
		-e 's/^#define __aarch64__ 1$/aarch64/p' -e 's/^#define __arm__ 1$/arm/p' \
		-e 's/^#define __powerpc__ 1$/ppc/p' -e 's/^#define __riscv 1$/riscv/p' \
		-e 's/^#define __s390__ 1$/s390/p' -e 's/^#define __mips__ 1$/mips/p' | head -n 1)
	for a in x86 aarch64 arm ppc riscv s390 mips; do
		[ "$a" = "$native" ] && continue
		printf '#include <stdint.h>\n#define RSEQKIT_RSEQ_H\n#include <rseqkit/arch/%s/arch.h>\n' $a > "$tmp/arch.c"
		must_fail "arch/$a/arch.h for a $native target ($c)" "the target is not" \
			$c -std=gnu11 $INC -c -o "$tmp/arch.o" "$tmp/arch.c"
	done
done

# (e) the documentation's example
for f in README.md docs/api.md; do
	[ -f "$f" ] || continue
	awk '/^```c$/ { f = 1; next } /^```$/ { if (f) exit } f' "$f" > "$tmp/example.c"
	[ -s "$tmp/example.c" ] || continue
	for c in $CCS; do
		build "the example of $f ($c)" $c -std=gnu11 $WARN $INC -O2 -c -o "$tmp/ex.o" "$tmp/example.c"
	done
done

echo "$ran builds"
[ "$ran" -gt 0 ] || { echo "SKIP: no compiler installed"; exit 77; }
exit $fail

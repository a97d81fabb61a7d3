#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/malloc_check.sh - 'make check-malloc': programs nobody here wrote,
# run unchanged with librseqkit-malloc.so in LD_PRELOAD, each compared with
# the same run on glibc's malloc where the output is deterministic:
#
#   python    Debian's /usr/bin/python3.11 running a set of its own
#             regression tests (libpython3.11-testsuite), PYTHONMALLOC=malloc
#             so that every Python object comes from malloc
#   sqlite3   a generated database: 200k rows, an index, joins, sorts
#   git       a generated repository: commits, log -p, repack, fsck
#   g++       a template-heavy C++ build (>= 10 s on glibc on 2 cores),
#             then the program it built (operator new/delete)
#   perl      hashes, sorts, regular expressions, threads
#   memcached a multi-threaded server on 127.0.0.1 with memccapable
#             (protocol conformance) and memcslap (load) from Debian
#   stress    tests/malloc_stress in every registration mode, under
#             valgrind (the allocator itself, no rseq), and in debug mode
#
# Each part prints PASS / FAIL / SKIP (with the apt-get line that enables
# it); the last line is "N passed, N failed, N skipped".  Exit 0 when
# nothing failed.  CI cap: 10 minutes on 2 cores (measured: see
# docs/malloc.md).  MALLOC_CHECK_ONLY="python git" runs a subset.
#
# Environment: BUILD (default build), MALLOC_CHECK_SCALE (1: CI size).

BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
LIB=$BUILD/librseqkit-malloc.so
WORK=$BUILD/malloc-check
SCALE=${MALLOC_CHECK_SCALE:-1}
ONLY=${MALLOC_CHECK_ONLY:-"python sqlite3 git gxx perl memcached stress"}
passed=0; failed=0; skipped=0; failures=

[ -f "$LIB" ] || { echo "malloc_check: $LIB missing (make malloc)"; exit 2; }
rm -rf "$WORK"
mkdir -p "$WORK"

say() { printf '%s\n' "$*"; }

result() {	# name status seconds [why]
	case $2 in
	0)  passed=$((passed + 1)); say "PASS  malloc/$1 ($3 s)" ;;
	77) skipped=$((skipped + 1)); say "SKIP  malloc/$1: $4" ;;
	*)  failed=$((failed + 1)); failures="$failures $1"
	    say "FAIL  malloc/$1 ($3 s): $4"
	    [ -f "$WORK/$1.log" ] && tail -n 20 "$WORK/$1.log" | sed 's/^/      /' ;;
	esac
}

# The allocator must really be the one in use: its statistics at exit.
preload() {
	LD_PRELOAD=$LIB "$@"
}

proof() {	# command...: rseqkit-malloc's statistics appear at exit
	RSEQKIT_MALLOC_STATS=1 LD_PRELOAD=$LIB "$@" 2>&1 >/dev/null |
		grep -q "rseqkit-malloc statistics"
}

need() {	# command package
	command -v "$1" >/dev/null 2>&1 && return 0
	WHY="$1 is not installed: apt-get install -y $2"
	return 1
}

# ---- python -------------------------------------------------------------
PY_TESTS="test_dict test_list test_set test_unicode test_bytes test_re test_json
test_pickle test_threading test_queue test_gc test_weakref test_collections
test_itertools test_functools test_sort test_long test_float test_string
test_tuple test_deque test_heapq test_struct test_array test_memoryview
test_mmap test_zlib test_hashlib test_enum test_typing test_dataclasses
test_fstring test_format test_exceptions test_thread test_fork1
test_threading_local"

part_python() {
	PY=/usr/bin/python3.11
	if [ ! -x $PY ] || [ ! -f /usr/lib/python3.11/test/test_dict.py ]; then
		WHY="no python3.11 regression tests: apt-get install -y python3.11 libpython3.11-testsuite"
		return 77
	fi
	proof $PY -c 'print(1)' || { WHY="the preload did not take"; return 1; }
	# shellcheck disable=SC2086
	PYTHONMALLOC=malloc preload $PY -m test -j2 $PY_TESTS >"$WORK/python.log" 2>&1 ||
		{ WHY="regression tests failed under rseqkit-malloc"; return 1; }
	grep -q "Tests result: SUCCESS" "$WORK/python.log" || { WHY="no SUCCESS line"; return 1; }
}

# ---- sqlite3 --------------------------------------------------------------
part_sqlite3() {
	need sqlite3 sqlite3 || return 77
	n=$((200000 * SCALE))
	{
		echo "PRAGMA journal_mode=OFF; BEGIN;"
		echo "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, name TEXT, v REAL);"
		echo "CREATE TABLE u(k INTEGER PRIMARY KEY, label TEXT);"
		echo "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<$n)"
		echo "  INSERT INTO t SELECT i, (i*7919)%1000, printf('name-%08d-%s', i, hex(i*i)), (i%977)*1.5 FROM c;"
		echo "WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM c WHERE i<999)"
		echo "  INSERT INTO u SELECT i, printf('label-%d', i*i) FROM c;"
		echo "CREATE INDEX tk ON t(k, name); COMMIT;"
		echo "SELECT count(*), sum(k), total(v) FROM t;"
		echo "SELECT u.label, count(*), max(t.name) FROM t JOIN u ON t.k=u.k GROUP BY u.label ORDER BY 2 DESC, 1 LIMIT 20;"
		echo "SELECT name FROM t ORDER BY v DESC, name LIMIT 10 OFFSET 5000;"
		echo "SELECT group_concat(name, ',') FROM (SELECT name FROM t WHERE k=42 ORDER BY name);"
		echo "UPDATE t SET name = name || '-x' WHERE k % 3 = 0; DELETE FROM t WHERE k % 5 = 0; VACUUM;"
		echo "SELECT count(*), sum(length(name)) FROM t; PRAGMA integrity_check;"
	} >"$WORK/sql.txt"
	rm -f "$WORK/glibc.db" "$WORK/rseqkit.db"
	sqlite3 "$WORK/glibc.db" <"$WORK/sql.txt" >"$WORK/sqlite3.glibc" 2>&1 ||
		{ WHY="sqlite3 failed on glibc's malloc"; return 1; }
	preload sqlite3 "$WORK/rseqkit.db" <"$WORK/sql.txt" >"$WORK/sqlite3.log" 2>&1 ||
		{ WHY="sqlite3 failed under rseqkit-malloc"; return 1; }
	cmp -s "$WORK/sqlite3.glibc" "$WORK/sqlite3.log" ||
		{ WHY="results differ from glibc's run"; return 1; }
	proof sqlite3 "$WORK/rseqkit.db" "SELECT count(*) FROM t;" || { WHY="the preload did not take"; return 1; }
}

# ---- git ------------------------------------------------------------------
git_script() {	# dir
	export GIT_AUTHOR_NAME=a GIT_AUTHOR_EMAIL=a@example.invalid \
		GIT_COMMITTER_NAME=a GIT_COMMITTER_EMAIL=a@example.invalid \
		GIT_AUTHOR_DATE="2020-01-01T00:00:00Z" GIT_COMMITTER_DATE="2020-01-01T00:00:00Z" \
		GIT_CONFIG_NOSYSTEM=1 HOME=$1
	git init -q -b main "$1/r" && cd "$1/r" || return 1
	git config gc.auto 0
	c=0
	while [ $c -lt $((20 * SCALE)) ]; do
		f=0
		while [ $f -lt 60 ]; do
			d=dir$((f % 6))
			mkdir -p $d
			awk -v c=$c -v f=$f 'BEGIN { for (i = 0; i < 200; i++) printf "line %d of file %d, commit %d, %d\n", i, f, (i % 7 == 0) ? c : 0, (i * f * 31) % 1009 }' >$d/f$f.txt
			f=$((f + 1))
		done
		git add -A && git commit -q -m "commit $c" || return 1
		c=$((c + 1))
	done
	git log -p --stat | md5sum
	git repack -q -a -d -f --window=50 && git fsck --full --strict 2>&1 | md5sum
	git blame dir1/f7.txt | md5sum
	git grep -c "commit 3" | md5sum
	git count-objects -v | grep -v size
}

part_git() {
	need git git || return 77
	mkdir -p "$WORK/git.glibc" "$WORK/git.rseqkit"
	(git_script "$WORK/git.glibc") >"$WORK/git.glibc.out" 2>&1 || { WHY="git failed on glibc"; return 1; }
	(export LD_PRELOAD=$LIB; git_script "$WORK/git.rseqkit") >"$WORK/git.log" 2>&1 ||
		{ WHY="git failed under rseqkit-malloc"; return 1; }
	cmp -s "$WORK/git.glibc.out" "$WORK/git.log" || { WHY="outputs differ from glibc's run"; return 1; }
	proof git -C "$WORK/git.rseqkit/r" log --oneline || { WHY="the preload did not take"; return 1; }
}

# ---- g++ ------------------------------------------------------------------
gen_cxx() {	# dir units
	u=0
	while [ $u -lt "$2" ]; do
		cat >"$1/u$u.cc" <<EOF
#include <map>
#include <unordered_map>
#include <set>
#include <vector>
#include <string>
#include <sstream>
#include <regex>
#include <algorithm>
#include <functional>
#include <memory>
#include <variant>
#include <tuple>
namespace u$u {
template <int N> struct Rec {
	std::map<std::string, std::vector<int>> m;
	std::unordered_map<int, std::string> h;
	std::variant<int, std::string, double> v;
	long run(int k) {
		std::ostringstream os;
		for (int i = 0; i < k; i++) { os << "k" << i * N; m[os.str()].push_back(i); h[i] = os.str(); }
		std::regex re("k([0-9]+)" + std::to_string(N % 10));
		long s = 0;
		for (auto &e : m) { std::smatch mt; if (std::regex_search(e.first, mt, re)) s += (long)mt.str(1).size(); s += (long)e.second.size(); }
		std::vector<std::shared_ptr<std::string>> p;
		for (auto &e : h) p.push_back(std::make_shared<std::string>(e.second));
		std::sort(p.begin(), p.end(), [](auto &a, auto &b) { return *a < *b; });
		return s + (long)p.size() + Rec<N - 1>().run(k / 2 + 1);
	}
};
template <> struct Rec<0> { long run(int) { return 1; } };
}
long unit$u(int k) { return u$u::Rec<12>().run(k); }
EOF
		u=$((u + 1))
	done
	{
		u=0
		while [ $u -lt "$2" ]; do echo "long unit$u(int);"; u=$((u + 1)); done
		echo "#include <cstdio>"
		echo "int main() { long s = 0;"
		u=0
		while [ $u -lt "$2" ]; do echo "s += unit$u(40);"; u=$((u + 1)); done
		printf '%s\n' 'std::printf("%ld\n", s); return 0; }'
	} >"$1/main.cc"
}

build_cxx() {	# dir
	cd "$1" || return 1
	for f in u*.cc main.cc; do echo "${f%.cc}.o: $f"; printf '\t$(CXX) -O1 -c -o $@ %s\n' "$f"; done >Makefile
	echo "prog: $(ls u*.cc main.cc | sed 's/\.cc/.o/' | tr '\n' ' ')" >>Makefile
	printf '\t$(CXX) -o $@ $^\n' >>Makefile
	make -s -j2 CXX=g++ prog
}

part_gxx() {
	need g++ g++ || return 77
	need make make || return 77
	units=$((4 * SCALE))
	mkdir -p "$WORK/gxx.glibc" "$WORK/gxx.rseqkit"
	gen_cxx "$WORK/gxx.glibc" $units
	gen_cxx "$WORK/gxx.rseqkit" $units
	t0=$(date +%s)
	(build_cxx "$WORK/gxx.glibc") >"$WORK/gxx.glibc.out" 2>&1 || { WHY="g++ failed on glibc"; return 1; }
	t1=$(date +%s)
	(export LD_PRELOAD=$LIB; build_cxx "$WORK/gxx.rseqkit") >"$WORK/gxx.log" 2>&1 ||
		{ WHY="g++ failed under rseqkit-malloc"; return 1; }
	t2=$(date +%s)
	echo "g++ build: $((t1 - t0)) s on glibc, $((t2 - t1)) s under rseqkit-malloc" >>"$WORK/gxx.log"
	a=$("$WORK/gxx.glibc/prog") && b=$(preload "$WORK/gxx.rseqkit/prog") && [ "$a" = "$b" ] ||
		{ WHY="the built programs disagree ($a vs $b)"; return 1; }
	proof g++ --version || { WHY="the preload did not take"; return 1; }
	GXX_NOTE="build $((t1 - t0)) s glibc, $((t2 - t1)) s rseqkit"
}

# ---- perl -----------------------------------------------------------------
PERL_PROG='
use strict; use warnings;
my $n = shift;
my (%h, @a);
for my $i (1 .. $n) { my $k = sprintf("key%07d", ($i * 7919) % $n); $h{$k} .= "v$i,"; push @a, [$i, $k, length $h{$k}]; }
my @s = sort { $a->[1] cmp $b->[1] || $b->[0] <=> $a->[0] } @a;
my $t = join("|", map { $_->[1] } @s[0 .. 999]);
(my $u = $t) =~ s/key0*(\d+)/<$1>/g;
my @w = split /\|/, $t; my %c; $c{substr($_, -1)}++ for keys %h;
my $sum = 0; $sum += length($_) for values %h;
my @words = map { scalar reverse $_ } grep { /7/ } keys %h;
my $threads = eval { require threads; 1 } ? 1 : 0;
my $tsum = 0;
if ($threads) { my @t = map { my $j = $_; threads->create(sub { my %x; $x{$_ * $j} = "y" x ($_ % 50) for 1 .. 20000; scalar keys %x }) } 1 .. 4; $tsum += $_->join for @t; }
print join(" ", scalar(@s), length($u), scalar(@w), join(",", map { "$_=$c{$_}" } sort keys %c), $sum, scalar(@words), $tsum), "\n";
'

part_perl() {
	need perl perl || return 77
	n=$((200000 * SCALE))
	perl -e "$PERL_PROG" $n >"$WORK/perl.glibc" 2>&1 || { WHY="perl failed on glibc"; return 1; }
	preload perl -e "$PERL_PROG" $n >"$WORK/perl.log" 2>&1 || { WHY="perl failed under rseqkit-malloc"; return 1; }
	cmp -s "$WORK/perl.glibc" "$WORK/perl.log" || { WHY="outputs differ from glibc's run"; return 1; }
	proof perl -e 'print "x"' || { WHY="the preload did not take"; return 1; }
}

# ---- memcached --------------------------------------------------------------
# A port nothing listens on (memcached itself fails on a taken one).
free_port() {
	p=$((20000 + $$ % 20000))
	while [ $p -lt 65000 ]; do
		if command -v ss >/dev/null 2>&1; then
			ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo $p; return; }
		else
			echo $p; return
		fi
		p=$((p + 1))
	done
}

part_memcached() {
	if ! command -v memcached >/dev/null 2>&1 || ! command -v memcslap >/dev/null 2>&1; then
		WHY="memcached or its client tools are missing: apt-get install -y memcached libmemcached-tools"
		return 77
	fi
	port=$(free_port)
	[ -n "$port" ] || { WHY="no free port on 127.0.0.1"; return 1; }
	RSEQKIT_MALLOC_STATS=1 LD_PRELOAD=$LIB memcached -l 127.0.0.1 -p "$port" -U 0 -t 4 -m 256 -c 1024 \
		-u "$(id -un)" >"$WORK/memcached.server" 2>&1 &
	pid=$!
	i=0
	while ! memcstat --servers=127.0.0.1:"$port" >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -gt 50 ] && { kill $pid; WHY="memcached did not start"; return 1; }
		sleep 0.1
	done
	st=0
	{
		echo "== memccapable (protocol conformance)"
		timeout 120 memccapable -h 127.0.0.1 -p "$port" -a || st=1
		echo "== memcslap (load: 16 connections, set/get)"
		timeout 180 memcslap --servers=127.0.0.1:"$port" --concurrency=16 \
			--execute-number=$((4000 * SCALE)) --test=set || st=1
		timeout 180 memcslap --servers=127.0.0.1:"$port" --concurrency=16 \
			--execute-number=$((4000 * SCALE)) --test=get || st=1
		timeout 60 memcstat --servers=127.0.0.1:"$port" || st=1
	} >"$WORK/memcached.log" 2>&1
	kill -TERM $pid
	wait $pid
	cat "$WORK/memcached.server" >>"$WORK/memcached.log"
	[ $st = 0 ] || { WHY="the client tools failed against memcached under rseqkit-malloc"; return 1; }
	grep -q "rseqkit-malloc statistics" "$WORK/memcached.server" || { WHY="the preload did not take"; return 1; }
	grep -q "curr_connections" "$WORK/memcached.log" || { WHY="no statistics from the server"; return 1; }
}

# ---- our stress test --------------------------------------------------------
part_stress() {
	T=$BUILD/tests/malloc_stress
	[ -x "$T" ] || { WHY="$T is not built"; return 1; }
	st=0
	{
		echo "== glibc registers rseq"
		RSEQKIT_TEST_SCALE=$((2 * SCALE)) "$T" || st=1
		echo "== rseqkit registers rseq (GLIBC_TUNABLES=glibc.pthread.rseq=0)"
		GLIBC_TUNABLES=glibc.pthread.rseq=0 RSEQKIT_TEST_SCALE=$SCALE "$T" || st=1
		if [ -x "$BUILD/tests/helpers/no-rseq" ]; then
			echo "== no rseq (seccomp)"
			RSEQKIT_TEST_MODE=none RSEQKIT_TEST_SCALE=$SCALE "$BUILD/tests/helpers/no-rseq" "$T" || st=1
		fi
		echo "== allocations from inside initialization (bootstrap allocator)"
		RSEQKIT_MALLOC_TEST_BOOT=1 RSEQKIT_TEST_SCALE=$SCALE "$T" || st=1
		echo "== no per-CPU caches (RSEQKIT_MALLOC_NO_CACHE=1): the central tier alone"
		RSEQKIT_MALLOC_NO_CACHE=1 RSEQKIT_TEST_SCALE=$SCALE "$T" || st=1
		echo "== debug mode for the whole run (RSEQKIT_MALLOC_DEBUG=1)"
		RSEQKIT_MALLOC_DEBUG=1 RSEQKIT_TEST_SCALE=$SCALE "$T" || st=1
		if command -v valgrind >/dev/null 2>&1; then
			echo "== valgrind, with rseqkit-malloc itself (no rseq under valgrind)"
			RSEQKIT_TEST_MODE=valgrind valgrind -q --error-exitcode=99 \
				--soname-synonyms=somalloc=nouserintercepts "$T" || st=1
		else
			echo "valgrind not installed: apt-get install -y valgrind (that run skipped)"
		fi
	} >"$WORK/stress.log" 2>&1
	[ $st = 0 ] || WHY="tests/malloc_stress failed (see $WORK/stress.log)"
	return $st
}

for p in $ONLY; do
	WHY=
	GXX_NOTE=
	start=$(date +%s)
	part_$p
	st=$?
	end=$(date +%s)
	result "$p" $st $((end - start)) "$WHY"
	[ -n "$GXX_NOTE" ] && say "      ($GXX_NOTE)"
done
[ -n "$failures" ] && say "failed:$failures"
say "$passed passed, $failed failed, $skipped skipped"
[ $failed = 0 ]

# SPDX-License-Identifier: MIT
# tests/tools/gdb-lib.sh - sourced by tests/tools/gdb.sh and gdb-long.sh:
# the skip checks, the programs' sources, one batch gdb session.
# Needs T (the programs' folder) and LOG (the logs' folder).

command -v gdb >/dev/null 2>&1 || { echo "SKIP: gdb not installed (apt-get install gdb)"; exit 77; }
gdb -batch -nx -ex 'python print("py-ok")' 2>/dev/null | grep -q py-ok ||
	{ echo "SKIP: this gdb has no Python"; exit 77; }
gdb -batch -nx -ex 'python import gdb; gdb.execute("show suppress-cli-notifications")' \
	>/dev/null 2>&1 || echo "note: this gdb (before 12) prints the locations of the steps it takes inside a command"
"$T/count-O2" > "$LOG/probe" 2>&1
grep -q "no rseq" "$LOG/probe" && { echo "SKIP: rseq unavailable here: $(cat "$LOG/probe")"; exit 77; }
gdb -batch -nx -ex 'starti' -ex 'kill' "$T/count-O2" > "$LOG/probe" 2>&1 &&
	grep -q "process [0-9]" "$LOG/probe" ||
	{ echo "SKIP: gdb cannot run programs here: $(tail -1 "$LOG/probe")"; exit 77; }

src_of() {
	case $1 in
	count) echo "$T/count.c" ;;
	threads) echo examples/percpu_counter_raw.c ;;
	structs) echo tests/tools/gdb/structs.c ;;
	signal) echo tests/tools/gdb/signal.c ;;
	esac
}

# gdb_session LOGNAME PLAN BINARY EXT GROUPS BOUND: the session's status
gdb_session() {
	RSEQ_GDB_PLAN=$2 RSEQ_GDB_SRC=$(src_of "$2") RSEQ_GDB_EXT=$4 \
	RSEQ_GDB_GROUPS=$5 RSEQ_GDB_BOUND=$6 \
		timeout -k 10 600 gdb -batch -nx -iex 'set auto-load python-scripts off' \
		-x tests/tools/gdb_session.py "$3" > "$LOG/$1.log" 2>&1
}

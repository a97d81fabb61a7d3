# SPDX-License-Identifier: MIT
# tests/vm/lib.sh - what the scripts of tests/vm share (sourced by
# fetch-kernel.sh, fetch-source.sh, build-kernel.sh, check-vm-slice.sh).
# recent and refresh_lists expect $refresh (hours) and a log() function.

# recent FILE: FILE exists and is younger than $refresh hours
recent() {
	[ -n "$(find "$1" -maxdepth 0 -mmin -$((refresh * 60)) 2>/dev/null)" ]
}

# refresh_lists APT LISTS-DIR LOG NEWEST USE: the package lists of LISTS-DIR,
# fetched again (APT update) when older than $refresh hours.  When that
# fails, the newest cached download (the command NEWEST prints it) is used
# (the command USE DIR) and the script exits 0, or the log is shown and it
# exits 1.
refresh_lists() {
	rl_apt=$1 rl_lists=$2 rl_log=$3 rl_newest=$4 rl_use=$5
	[ -n "$(find "$rl_lists" -maxdepth 1 -name '*Packages*' -mmin -$((refresh * 60)) 2>/dev/null)" ] &&
		return 0
	log "refreshing package lists in $rl_lists"
	$rl_apt update > "$rl_log" 2>&1 && return 0
	rl_d=$($rl_newest)
	if [ -n "$rl_d" ]; then
		log "apt update failed (see $rl_log); using cached $rl_d"
		$rl_use "$rl_d"
		exit 0
	fi
	cat "$rl_log" >&2
	exit 1
}

# kernel_tools_missing: prints what building or configuring a kernel lacks
# here (" flex bison ..."; nothing when all is there).  The packages:
# apt-get install flex bison libelf-dev bc
kernel_tools_missing() {
	for ktm in flex bison bc make gcc; do
		command -v $ktm > /dev/null 2>&1 || printf ' %s' "$ktm"
	done
	[ -f /usr/include/libelf.h ] || [ -f /usr/include/gelf.h ] || printf ' libelf-dev'
}

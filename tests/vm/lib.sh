# SPDX-License-Identifier: MIT
# tests/vm/lib.sh - what the download scripts of tests/vm share (sourced by
# fetch-kernel.sh and fetch-source.sh).  Expects $refresh (hours) and a
# log() function.

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

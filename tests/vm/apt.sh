#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/vm/apt.sh - private apt state for foreign architectures and suites.
#
#   apt.sh DEBARCH SUITE update          refresh the private package lists
#   apt.sh DEBARCH SUITE get ARGS...     run apt-get ARGS with that state
#   apt.sh DEBARCH SUITE cache ARGS...   run apt-cache ARGS with that state
#
# The sources list is generated at run time from the mirror URI configured
# on this machine (/etc/apt/sources.list.d/*.sources or /etc/apt/sources.list):
# no mirror host name is written into the repository.
# State lives under $RSEQKIT_VM_CACHE (default ~/.cache/rseqkit-vm)/apt/.
set -eu

debarch=$1 suite=$2 cmd=$3
shift 3
cache=${RSEQKIT_VM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/rseqkit-vm}

# The first configured Debian archive URI that is not the security archive.
mirror_uri() {
	if [ -n "${RSEQKIT_VM_MIRROR:-}" ]; then
		echo "$RSEQKIT_VM_MIRROR"
		return
	fi
	uri=
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		uri=$(awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' "$f" |
		      grep -v -e security -e '^cdrom:' | head -n 1)
		[ -n "$uri" ] && break
	done
	if [ -z "$uri" ]; then
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -r "$f" ] || continue
			uri=$(sed -e 's/\[[^]]*\]//' "$f" |
			      awk '$1 == "deb" { print $2 }' |
			      grep -v -e security -e '^cdrom:' | head -n 1)
			[ -n "$uri" ] && break
		done
	fi
	[ -n "$uri" ] || { echo "apt.sh: no Debian mirror URI configured under /etc/apt" >&2; exit 1; }
	echo "${uri%/}"
}

state=$cache/apt/$debarch-$suite
mkdir -p "$state/lists/partial" "$state/archives/partial" "$state/etc/preferences.d" "$state/etc/sources.list.d"
if [ ! -s "$state/etc/sources.list" ] || [ "$cmd" = update ]; then
	uri=$(mirror_uri)
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	if [ -r "$keyring" ] && [ -z "${RSEQKIT_VM_APT_TRUSTED:-}" ]; then
		signed="signed-by=$keyring"
	else
		signed="trusted=yes"
	fi
	# ports architectures (none of ours today) would need another archive
	echo "deb [arch=$debarch $signed] $uri $suite main" > "$state/etc/sources.list"
fi
: > "$state/status"

set -- -o "APT::Architecture=$debarch" -o "APT::Architectures=$debarch" \
	-o "Dir::State=$state" -o "Dir::State::Lists=$state/lists" \
	-o "Dir::State::status=$state/status" \
	-o "Dir::Cache=$state" -o "Dir::Cache::archives=$state/archives" \
	-o "Dir::Etc::SourceList=$state/etc/sources.list" \
	-o "Dir::Etc::SourceParts=$state/etc/sources.list.d" \
	-o "Dir::Etc::Preferences=$state/etc/preferences" \
	-o "Dir::Etc::PreferencesParts=$state/etc/preferences.d" \
	-o "APT::Sandbox::User=root" -o "Debug::NoLocking=1" \
	-o "Acquire::Languages=none" -o "Acquire::GzipIndexes=true" \
	-o "Acquire::CompressionTypes::Order::=gz" \
	-o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=" "$@"

case $cmd in
update) exec flock "$state/lock" apt-get -q "$@" update ;;
get)    exec apt-get -q "$@" ;;
cache)  exec apt-cache "$@" ;;
*) echo "apt.sh: unknown command $cmd" >&2; exit 2 ;;
esac

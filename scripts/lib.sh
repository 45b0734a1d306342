# shellcheck shell=bash disable=SC2034
# SPDX-License-Identifier: GPL-2.0
# Shared helpers for scripts/setup, scripts/kver and scripts/vmtest.  Sourced, never run.

# Repository root: this file lives in <root>/scripts/.
MVM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
CACHE=${MVM_CACHE:-${HOME:-/root}/.cache/mvm}
prog=${0##*/}

die() {
	echo "$prog: $*" >&2
	exit 1
}

# The two kernel series mvm is built and tested against.
MVM_SERIES=(6.1 6.12)

# Print the newest installed headers version of a series ("6.1" or "6.12"),
# e.g. 6.1.0-56-amd64.  Returns 1 (printing nothing) when none is installed.
# The glob "6.1.*" cannot match 6.12.x: the character after "6.1" must be a dot.
kver_installed() {
	local d best=
	case $1 in
	6.1 | 6.12) ;;
	*) return 2 ;;
	esac
	for d in /usr/src/linux-headers-"$1".*-amd64; do
		[ -f "$d/Makefile" ] || continue
		d=${d#/usr/src/linux-headers-}
		best=$(printf '%s\n' "$best" "$d" | sed '/^$/d' | sort -V | tail -n 1)
	done
	[ -n "$best" ] || return 1
	echo "$best"
}

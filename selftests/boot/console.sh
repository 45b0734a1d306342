#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# An interactive session on the guest's serial console, fed through a pipe: the shell's
# answers to uname -r (the same image as the test host, so the same release) and
# cat /proc/cpuinfo (one processor per vCPU), then poweroff -f ends the VMM with 0.
d=$(dirname "$0")
# shellcheck source=selftests/boot/lib.bash
. "$d/lib.bash" 2>/dev/null || . "$d/../../boot/lib.bash"

CPUS=2
boot_begin 4

# run_cmd TAG COMMAND: send COMMAND between two echo markers; prints its output.  The
# markers are written split ("MVM-""B") so the tty's echo of the command line itself never
# matches the whole-line pattern.
run_cmd() {
	local tag=$1 cmd=$2
	boot_send con "echo MVM-$tag-\"\"B; $cmd; echo MVM-$tag-\"\"E"
	boot_wait con "^MVM-$tag-E\$" 120 || return 1
	boot_lines con | awk -v b="MVM-$tag-B" -v e="MVM-$tag-E" '
		$0 == e { exit } on { print } $0 == b { on = 1 }'
}

boot_start con "$CPUS" 512M "$BOOT_ARGS mvm_test=shell" interactive
if boot_wait con '^MVM-SHELL-READY$'; then
	ok "console: the shell is up"
	rel=$(run_cmd U "uname -r")
	if [ "$rel" = "$KVER" ]; then
		ok "console: uname -r = $rel"
	else
		diag "uname -r answered '$rel', the test host runs $KVER"
		not_ok "console: uname -r"
	fi
	n=$(run_cmd C "cat /proc/cpuinfo" | grep -c '^processor[[:space:]]*:')
	if [ "$n" = "$CPUS" ]; then
		ok "console: /proc/cpuinfo lists $n processors"
	else
		diag "/proc/cpuinfo lists $n processors, want $CPUS"
		not_ok "console: /proc/cpuinfo"
	fi
	boot_send con "poweroff -f"
	boot_end con 120
	if [ "$BOOT_RC" = 0 ]; then
		ok "console: poweroff -f ends the VMM with 0"
	else
		boot_show con
		not_ok "console: exit status $BOOT_RC after poweroff -f"
	fi
else
	boot_end con 5
	boot_show con
	not_ok "console: the shell is up"
	not_ok "console: uname -r"
	not_ok "console: /proc/cpuinfo"
	not_ok "console: poweroff -f"
fi
[ $tap_fail = 0 ] || boot_show con
tap_exit

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# What mvm run must refuse, each with a short clear message and a non-zero status, and
# without leaving a process behind: a file that is not a kernel, a missing file, an
# unknown flag, and more memory than the host can give.
d=$(dirname "$0")
# shellcheck source=selftests/boot/lib.bash
. "$d/lib.bash" 2>/dev/null || . "$d/../../boot/lib.bash"

boot_begin 5

# A word no other process has on its command line: finds leftovers of our runs.
nonce="mvm_nonce=$$x$RANDOM"

# refused NAME CPUS MEM [KERNEL] [EXTRA VMM ARGS...]: the run must fail on its own
# (not by the timeout, not by a signal) with a short message.
refused() {
	local name=$1 cpus=$2 mem=$3 kernel=${4:-$KERNEL} lines left
	boot_start "$name" "$cpus" "$mem" "$BOOT_ARGS mvm_test=marker $nonce" "" "$kernel"
	boot_end "$name" 120
	lines=$(grep -c . <<<"$BOOT_ERR")
	left=$(pgrep -f -- "$nonce" | grep -v "^$$\$")
	if [ "$BOOT_RC" = 0 ] || [ "$BOOT_RC" = 124 ] || [ "$BOOT_RC" -ge 128 ]; then
		boot_show "$name"
		not_ok "$name: exit status $BOOT_RC"
	elif [ "$lines" -lt 1 ] || [ "$lines" -gt 3 ]; then
		boot_show "$name"
		not_ok "$name: want one clear line on stderr, got $lines"
	elif [ -n "$left" ]; then
		diag "$(ps -o pid,args -p "$(paste -sd, <<<"$left")")"
		not_ok "$name: processes left behind"
	else
		diag "$name: exit $BOOT_RC: $(head -n 1 <<<"$BOOT_ERR")"
		ok "$name"
	fi
}

refused not_a_kernel 1 256M /etc/hostname
refused missing_kernel 1 256M "$WORK/no-such-kernel"
refused mem_64T 1 64T
# More than RAM and swap together, but a size the address space holds.
read -r mt st < <(awk '/^MemTotal:/ { m = $2 } /^SwapTotal:/ { s = $2 } END { print m, s }' /proc/meminfo)
refused "mem_over_ram_and_swap" 1 "$(((mt + st) / 1024 + 1024))M"

# An unknown flag is a usage error: status 2 on mvm.  (QEMU has no such convention.)
if [ "$HV" = mvm ]; then
	err=$("$REPO/userspace/mvm" run --kernel "$KERNEL" --no-such-flag 2>&1 >/dev/null)
	rc=$?
	if [ $rc = 2 ] && [ -n "$err" ]; then
		ok "bad_flag: usage error 2: $(head -n 1 <<<"$err")"
	else
		diag "exit $rc, stderr: $err"
		not_ok "bad_flag: want exit status 2 and a message"
	fi
else
	skip "bad_flag: mvm's usage convention"
fi
tap_exit

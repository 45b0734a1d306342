#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# What Linux found in the VMM's machine (its kernel log and CPU flags, printed by init):
# - the TSC frequency came from kvmclock, not from a PIT calibration;
# - all vCPUs were found through the ACPI MADT and brought up;
# - the local APIC timer keeps running in deep C-states (ARAT), so no broadcast timer.
d=$(dirname "$0")
# shellcheck source=selftests/boot/lib.bash
. "$d/lib.bash" 2>/dev/null || . "$d/../../boot/lib.bash"

CPUS=2
tap_plan 3
why=$(boot_skip_reason)
[ -z "$why" ] || skip_all 3 "$why"
boot_prepare

boot_start checks "$CPUS" 256M "$BOOT_ARGS mvm_test=dmesg,flags,marker"
boot_wait checks '^MVM-INIT-OK ' || true
boot_end checks
log=$(boot_lines checks | awk '/^MVM-DMESG-END$/ { exit } on { print } /^MVM-DMESG-BEGIN$/ { on = 1 }')
flags=$(boot_lines checks | sed -n 's/^MVM-FLAGS //p')
if [ -z "$log" ] || [ -z "$flags" ] || [ "$BOOT_RC" != 0 ]; then
	boot_show checks
	not_ok "checks: kvmclock"
	not_ok "checks: MADT"
	not_ok "checks: ARAT"
	tap_exit
fi

has() { grep -qE "$1" <<<"$log" || { diag "no /$1/ in the guest's kernel log"; return 1; }; }
hasnt() { ! grep -E "$1" <<<"$log" | sed 's/^/# found: /' | grep . ; }

check "checks: kvm-clock gives the TSC frequency, no PIT calibration" \
	eval 'has "kvm-clock" && has "tsc: Detected [0-9.]+ MHz processor" && hasnt "calibration using PIT|PIT calibration"'
check "checks: $CPUS CPUs from the ACPI MADT, all up" \
	eval 'has "ACPI: Using ACPI \(MADT\)" && has "smpboot: Allowing $CPUS CPUs" && has "(x86: Booted up|smp: Brought up) 1 node, $CPUS CPUs"'
if grep -qw arat <<<"$flags"; then
	ok "checks: arat in /proc/cpuinfo"
else
	diag "flags: $flags"
	not_ok "checks: arat in /proc/cpuinfo"
fi
[ $tap_fail = 0 ] || diag "$(grep -iE 'clock|tsc|smp|apic|madt' <<<"$log" | head -n 40)"
tap_exit

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Boot the test host's own kernel + the guest initramfs with 1, 2 and 4 vCPUs to init's
# marker, then power off, and check what Linux found in the VMM's machine (its kernel log
# and CPU flags, printed by init before the marker):
# - init counts every vCPU and MemTotal is just under --mem; power-off exits 0;
# - the TSC frequency came from kvmclock, not from a PIT calibration;
# - all vCPUs were found through the ACPI MADT and brought up;
# - the local APIC timer keeps running in deep C-states (ARAT), so no broadcast timer;
# - PCI: the host bridge found through ACPI (PNP0A08) and ECAM (MCFG, reserved), 00:00.0
#   enumerated, and no "PCI: Fatal: No config space access function found";
# - virtio-rng over virtio-pci with MSI-X: it is the guest's current hardware RNG and
#   /dev/hwrng gives bytes (not all zeros, different in each boot).
# The 4 vCPUs share the 2 CPUs the test host leaves to guests (scripts/vmtest-guest keeps
# them off CPU 0, where QEMU's TCG can lose SVM state): overcommitted, as a host would.
# shellcheck disable=SC2317 # the checks below are called through check()
d=$(dirname "$0")
# shellcheck source=selftests/boot/lib.bash
. "$d/lib.bash" 2>/dev/null || . "$d/../../boot/lib.bash"

# vCPUs and memory per boot: different sizes, so a VMM that ignores --mem shows.
cases=("1 384M" "2 512M" "4 256M")
CHECKS=6
boot_begin $((${#cases[@]} * CHECKS))

# MemTotal is --mem less what the kernel keeps for itself (its image, struct pages,
# reserved firmware ranges): about 52-56 MiB for the Debian kernels at these sizes.
SLACK_KB=$((64 * 1024))

has() { grep -qE "$1" <<<"$log" || { diag "no /$1/ in the guest's kernel log"; return 1; }; }
hasnt() { ! grep -E "$1" <<<"$log" | sed 's/^/# found: /' | grep .; }
kvmclock_ok() {
	has "kvm-clock" && has "tsc: Detected [0-9.]+ MHz processor" &&
		hasnt "calibration using PIT|PIT calibration"
}
madt_ok() {
	# 6.1 says "smpboot: Allowing N CPUs, 0 hotplug CPUs", 6.12 "CPU topo: Allowing N
	# present CPUs plus 0 hotplug CPUs".
	has "ACPI: Using ACPI \(MADT\)" &&
		has "(smpboot: Allowing $1 CPUs|CPU topo: Allowing $1 present CPUs)" &&
		has "smp: Brought up 1 node, $1 CPUs?\$"
}
pci_ok() {
	has "ACPI: PCI Root Bridge \[PCI0\] \(domain 0000 \[bus 00\]\)" &&
		has "(MMCONFIG|ECAM) .*0xe0000000.* for domain 0000 \[bus 00(-00)?\]|MMCONFIG for domain 0000 \[bus 00(-00)?\] at \[mem 0xe0000000" &&
		has "pci 0000:00:00.0: \[1b36:0008\] type 00 class 0x060000" &&
		hasnt "PCI: Fatal|not reserved"
}

rng_seen=""
for c in "${cases[@]}"; do
	read -r cpus mem <<<"$c"
	failed_before=$tap_fail
	name="cpus${cpus}_mem${mem}"
	boot_start "$name" "$cpus" "$mem" "$BOOT_ARGS mvm_test=dmesg,flags,rng,marker"
	boot_wait "$name" '^MVM-INIT-OK ' || true
	boot_end "$name"
	want_kb=$(size_kb "$mem")
	log=$(boot_lines "$name" | tr -d '\r' |
		awk '/^MVM-DMESG-END$/ { exit } on { print } /^MVM-DMESG-BEGIN$/ { on = 1 }')
	flags=$(boot_lines "$name" | sed -n 's/^MVM-FLAGS //p')
	rng=$(boot_lines "$name" | tr -d '\r' | sed -n 's/^MVM-RNG //p')

	if ! init_marker "$name"; then
		not_ok "$name: init marker"
	elif [ "$INIT_CPUS" != "$cpus" ] || [ "$INIT_MEM_KB" -gt "$want_kb" ] ||
		[ "$INIT_MEM_KB" -lt $((want_kb - SLACK_KB)) ] || [ "$BOOT_RC" != 0 ]; then
		diag "guest saw $INIT_CPUS CPUs, MemTotal $INIT_MEM_KB of $want_kb kB; exit status $BOOT_RC"
		not_ok "$name: init marker, power-off"
	else
		diag "$name: init after $INIT_AT s, MemTotal $INIT_MEM_KB of $want_kb kB"
		ok "$name: init marker, power-off"
	fi
	if [ -z "$log" ]; then
		not_ok "$name: kernel log"
		not_ok "$name: kernel log"
		not_ok "$name: kernel log"
	else
		check "$name: kvm-clock gives the TSC frequency, no PIT calibration" kvmclock_ok
		check "$name: $cpus CPUs from the ACPI MADT, all up" madt_ok "$cpus"
		check "$name: PCI host bridge through ACPI and ECAM" pci_ok
	fi
	read -r rng_dev rng_hex <<<"$rng"
	if [ "$rng_dev" = virtio_rng.0 ] && [[ $rng_hex =~ ^[0-9a-f]{64}$ ]] &&
		[[ ! $rng_hex =~ ^0+$ ]] && [[ " $rng_seen " != *" $rng_hex "* ]]; then
		ok "$name: virtio-rng is the guest's hwrng"
	else
		diag "MVM-RNG line: '${rng:-none}'"
		diag "$(grep -iE 'virtio|msi|rng' <<<"$log" | head -n 20)"
		not_ok "$name: virtio-rng is the guest's hwrng"
	fi
	rng_seen="$rng_seen $rng_hex"
	if grep -qw arat <<<"$flags"; then
		ok "$name: arat in /proc/cpuinfo"
	else
		diag "flags: ${flags:-none printed}"
		not_ok "$name: arat in /proc/cpuinfo"
	fi
	if [ $tap_fail -gt "$failed_before" ]; then
		boot_show "$name"
		diag "$(grep -iE 'clocksource|tsc|smp|apic|madt|allowing|cpus|pci|ecam|mmconfig' <<<"$log" | head -n 40)"
	fi
done
tap_exit

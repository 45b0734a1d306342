#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Boot the test host's own kernel + the guest initramfs with 1, 2 and 4 vCPUs to init's
# marker, which must count every vCPU and show MemTotal just under --mem, then power
# off: the VMM exits 0.
d=$(dirname "$0")
# shellcheck source=selftests/boot/lib.bash
. "$d/lib.bash" 2>/dev/null || . "$d/../../boot/lib.bash"

# vCPUs and memory per case: different sizes, so a VMM that ignores --mem shows.
cases=("1 384M" "2 512M" "4 256M")
tap_plan ${#cases[@]}
why=$(boot_skip_reason)
[ -z "$why" ] || skip_all ${#cases[@]} "$why"
boot_prepare

# MemTotal is --mem less what the kernel keeps for itself (its image, struct pages,
# reserved firmware ranges): well under 64 MiB for these sizes.
SLACK_KB=$((64 * 1024))

for c in "${cases[@]}"; do
	read -r cpus mem <<<"$c"
	name="boot_cpus${cpus}_mem${mem}"
	boot_start "$name" "$cpus" "$mem" "$BOOT_ARGS mvm_test=marker"
	boot_wait "$name" '^MVM-INIT-OK ' || true
	boot_end "$name"
	want_kb=$(size_kb "$mem")
	if ! init_marker "$name"; then
		boot_show "$name"
		not_ok "$name: no init marker"
	elif [ "$INIT_CPUS" != "$cpus" ]; then
		boot_show "$name"
		not_ok "$name: guest saw $INIT_CPUS CPUs"
	elif [ "$INIT_MEM_KB" -gt "$want_kb" ] || [ "$INIT_MEM_KB" -lt $((want_kb - SLACK_KB)) ]; then
		boot_show "$name"
		not_ok "$name: MemTotal $INIT_MEM_KB kB for --mem $mem ($want_kb kB)"
	elif [ "$BOOT_RC" != 0 ]; then
		boot_show "$name"
		not_ok "$name: exit status $BOOT_RC after power-off"
	else
		diag "$name: init after $INIT_AT s, MemTotal $INIT_MEM_KB of $want_kb kB"
		ok "$name"
	fi
done
tap_exit

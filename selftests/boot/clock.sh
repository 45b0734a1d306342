#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The guest's CLOCK_MONOTONIC against the test host's: the guest program guest_clock
# sleeps 30 s of its own clock between two console markers; the host stamps both
# markers with its CLOCK_MONOTONIC as they arrive.  They must agree within 2 %.
# The markers travel the same console path, so its latency cancels; what remains is
# the jitter of that path against 30 s: milliseconds on a quiet machine, up to hundreds
# on a loaded one (2 % of 10 s was only 200 ms).
d=$(dirname "$0")
# shellcheck source=selftests/boot/lib.bash
. "$d/lib.bash" 2>/dev/null || . "$d/../../boot/lib.bash"

boot_begin 1

boot_start clock 2 256M "$BOOT_ARGS mvm_test=clock mvm_clock_secs=30"
boot_wait clock '^MVM-CLOCK-END ' || true
boot_end clock
s=$(boot_line clock '^MVM-CLOCK-START ') e=$(boot_line clock '^MVM-CLOCK-END ')
if [ -z "$s" ] || [ -z "$e" ]; then
	boot_show clock
	not_ok "clock: no clock markers"
	tap_exit
fi
guest_ns=$(sed -n 's/.*guest_ns=\([0-9]*\).*/\1/p' <<<"$e")
cs=$(sed -n 's/.*clocksource=\([^ ]*\).*/\1/p' <<<"$s")
verdict=$(awk -v hs="${s%% *}" -v he="${e%% *}" -v g="$guest_ns" 'BEGIN {
	host = he - hs; guest = g / 1e9; dev = (guest - host) / host * 100
	printf "guest %.4f s, host %.4f s, %+.2f %%\n", guest, host, dev
	exit (dev < -2 || dev > 2) }')
good=$?
diag "clock ($cs): $verdict"
if [ $good = 0 ] && [ "$BOOT_RC" = 0 ]; then
	ok "clock: 30 s of guest CLOCK_MONOTONIC within 2 % of the host's"
else
	[ $good = 0 ] || diag "the guest's clock is off by more than 2 %"
	boot_show clock
	not_ok "clock: guest and host clocks disagree or the VMM failed"
fi
tap_exit

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Snapshot and restore of Linux: a guest of 2 vCPUs and 512 MiB runs guest_pattern,
# which keeps 256 MiB under a pattern it checks every round and prints a line per round.
# A snapshot of it running (mvm ctl snapshot: paused for it, then on); the first mvm
# ends; two restores of the snapshot run at once.  Each must go on with the program
# advancing (new rounds), its console continuing, and zero mismatches; and its clock:
# the guest's realtime less the host's, on the last round line, may differ from what it
# was before the snapshot by less than 1 s (the offset itself starts as the RTC's
# whole-second reading at boot).
# mvm's own commands: no KVM reference.
d=$(dirname "$0")
# shellcheck source=selftests/boot/lib.bash
. "$d/lib.bash" 2>/dev/null || . "$d/../../boot/lib.bash"

[ "$HV" = mvm ] || { tap_plan 4; skip_all 4 "snapshots are mvm's own"; }
boot_begin 4
api=$WORK/api
# Consoles stamped with the host's realtime: offset() sets the guest's clock beside it.
BOOT_STAMP=(-r)
BOOT_MVM_ARGS=(--api-sock "$api")
MIB=${MVM_PATTERN_MIB:-256}

boot_start src 2 512M "$BOOT_ARGS mvm_test=pattern mvm_pattern_mib=$MIB"
if ! round_past src 1 600; then
	boot_end src 5
	boot_show src
	fatal "the guest ran no pattern round"
fi
r=$("$REPO/userspace/mvm" ctl "$api" snapshot "$WORK/snap" 2>&1)
at=$(last_round src)
off_src=$(offset src)
if [ "$r" = '{"ok":true}' ] && round_past src "${at%% *}" 600; then
	ok "snapshot of the running guest at round ${at%% *}; it goes on ($(last_round src))"
else
	not_ok "snapshot of the running guest: $r; $(last_round src)"
fi
boot_kill src
boot_end src 30

for n in r1 r2; do
	VMM=("$REPO/userspace/mvm" restore "$WORK/snap")
	boot_run "$n"
done
good=0
for n in r1 r2; do
	if round_past "$n" "${at%% *}" 600; then
		good=$((good + 1))
		diag "$n: $(boot_lines "$n" | grep -m 1 MVM-PATTERN) ... $(last_round "$n")"
	else
		boot_show "$n"
	fi
done
if [ $good = 2 ]; then
	ok "two restores of the snapshot run at once, each past round ${at%% *}"
else
	not_ok "restores that went on: $good of 2"
fi
bad=0
for n in src r1 r2; do
	m=$(mismatches "$n")
	[ "$m" = 0 ] || { bad=1; diag "$n: $m mismatches ($(last_round "$n"))"; }
done
for n in r1 r2; do
	boot_kill "$n"
	boot_end "$n" 30
done
check "no pattern word changed, before or after the restores" [ $bad = 0 ]
clock_ok=1
for n in r1 r2; do
	o=$(offset "$n") || o=nan
	diag "$n: guest clock - host clock: $o s (before the snapshot: $off_src s)"
	awk -v a="$o" -v b="$off_src" 'BEGIN { d = a - b; exit !(a != "nan" && d < 1 && d > -1) }' ||
		clock_ok=0
done
check "the restored guests' clocks are where the host's is (within 1 s of the source's offset)" [ $clock_ok = 1 ]
tap_exit

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Live migration of Linux: a guest of 2 vCPUs and 512 MiB runs guest_pattern (256 MiB
# under a pattern it checks every round, a console line per round) and moves ten times
# while it runs: over a UNIX socket, then from that destination on over TCP on
# loopback, and so on, alternating.  After each move: mvm ctl migrate exited 0, the old
# mvm exited 0 by itself ("migrated to ..."), the new one's guest advances (new rounds)
# with its console continuing where the old one's stopped (its first round line at most
# one past the round that was running), and zero mismatches.  At the end the clock: the
# last guest's realtime less the host's differs from the first's by less than 1 s.  The
# downtime and total time each source printed are shown.
# mvm's own commands: no KVM reference.
d=$(dirname "$0")
# shellcheck source=selftests/boot/lib.bash
. "$d/lib.bash" 2>/dev/null || . "$d/../../boot/lib.bash"

N=${MVM_MIGRATIONS:-10}
[ "$HV" = mvm ] || { tap_plan $((N + 2)); skip_all $((N + 2)) "live migration is mvm's own"; }
boot_begin $((N + 2))
MIB=${MVM_PATTERN_MIB:-256}
ip link set lo up || fatal "cannot bring up the loopback interface"

# Consoles stamped with the host's realtime: offset() sets the guest's clock beside it.
BOOT_STAMP=(-r)
BOOT_MVM_ARGS=(--api-sock "$WORK/m0.api")
boot_start m0 2 512M "$BOOT_ARGS mvm_test=pattern mvm_pattern_mib=$MIB"
if round_past m0 1 600; then
	ok "the guest runs its pattern ($(last_round m0))"
else
	not_ok "the guest ran no pattern round"
	boot_end m0 5
	boot_show m0
	exit 1
fi
off0=$(offset m0)

port=$((40000 + $$ % 20000))
cur=m0
for ((i = 1; i <= N; i++)); do
	new=m$i
	if [ $((i % 2)) = 1 ]; then addr=unix:$WORK/$new.mig; else addr=tcp:127.0.0.1:$((port + i)); fi
	if ! incoming_start "$new" "$addr"; then
		not_ok "migration $i: no destination listening on $addr"
		break
	fi
	before=$(last_round "$cur")
	t0=$(date +%s.%N)
	migrate "$WORK/$cur.api" "$addr"
	t1=$(date +%s.%N)
	boot_end "$cur" 60
	why=""
	[ "$MIG_RC" = 0 ] || why+=" mvm ctl migrate exited $MIG_RC ($(tail -n 1 <<<"$MIG_OUT"));"
	[ "$BOOT_RC" = 0 ] || why+=" the source exited $BOOT_RC;"
	grep -q "migrated to $addr" <<<"$BOOT_ERR" || why+=" the source did not say 'migrated to $addr';"
	err_wait "$new" '^mvm: incoming: migration complete' 5 ||
		why+=" the destination did not say 'migration complete';"
	last_src=$(last_round "$cur")
	last_src=${last_src%% *}
	if round_past "$new" "$last_src" 600; then
		first=$(first_round "$new")
		[ "$first" -gt "$last_src" ] && [ "$first" -le $((last_src + 2)) ] ||
			why+=" the console skipped from round $last_src to $first;"
	else
		why+=" the guest ran no round past $last_src on the destination;"
	fi
	for n in "$cur" "$new"; do
		m=$(mismatches "$n")
		[ "$m" = 0 ] || why+=" $n: $m mismatches;"
	done
	diag "migration $i ($addr, rounds ${before%% *}..$last_src on $cur): $(grep -o 'migrate: completed: .*' <<<"$BOOT_ERR")"
	diag "  mvm ctl migrate took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s; $new: $(grep -o 'incoming: migration complete: .*' "$WORK/$new.err")"
	if [ -z "$why" ]; then
		ok "migration $i over ${addr%%:*}: the old mvm exited 0, the guest goes on (round $first..$(last_round "$new" | cut -d' ' -f1)), zero mismatches"
	else
		not_ok "migration $i over ${addr%%:*}:$why"
		boot_show "$cur"
		boot_show "$new"
	fi
	cur=$new
done

o=$(offset "$cur") || o=nan
diag "$cur: guest clock - host clock: $o s (before the first migration: $off0 s)"
check "the last guest's clock is where the host's is (within 1 s of the first's offset)" \
	awk -v a="$o" -v b="$off0" 'BEGIN { d = a - b; exit !(a != "nan" && d < 1 && d > -1) }'
boot_kill "$cur"
boot_end "$cur" 30
tap_exit

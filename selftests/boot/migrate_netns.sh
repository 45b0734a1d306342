#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Live migration between two network namespaces of the test host, joined by a veth pair
# (nothing leaves the test host, which has no network device of its own): the source
# runs in one, the destination in the other listening on its veth address.  A Linux
# guest of 2 vCPUs and 512 MiB running guest_pattern (as boot/migrate_linux) moves once:
# the old mvm exited 0, the guest goes on there with its console continuing, zero
# mismatches, its clock within 1 s.  Then the fault: a slow migration back
# (--max-bandwidth 10 --timeout 5) and the veth link taken down mid-stream: the
# source's migrate fails after its timeout and its guest runs on; the destination gives
# up by itself, having run no guest.
# mvm's own commands: no KVM reference.
d=$(dirname "$0")
# shellcheck source=selftests/boot/lib.bash
. "$d/lib.bash" 2>/dev/null || . "$d/../../boot/lib.bash"

[ "$HV" = mvm ] || { tap_plan 5; skip_all 5 "live migration is mvm's own"; }
boot_begin 5
MIB=${MVM_PATTERN_MIB:-256}
port=$((40000 + $$ % 20000))

# ---- two namespaces, a veth pair between them ----
NA=mvm-mig-a$$ NB=mvm-mig-b$$
# Addresses of the two namespaces only: the veth pair is their one link.
A=10.231.0.1 B=10.231.0.2
# shellcheck disable=SC2317 # run by the EXIT trap
netns_cleanup() {
	boot_cleanup
	ip netns del "$NA" 2>/dev/null
	ip netns del "$NB" 2>/dev/null
}
trap netns_cleanup EXIT
{
	ip netns add "$NA" && ip netns add "$NB" &&
		ip link add mvm-va netns "$NA" type veth peer name mvm-vb netns "$NB" &&
		ip -n "$NA" addr add "$A/24" dev mvm-va && ip -n "$NB" addr add "$B/24" dev mvm-vb &&
		ip -n "$NA" link set mvm-va up && ip -n "$NB" link set mvm-vb up &&
		ip -n "$NA" link set lo up && ip -n "$NB" link set lo up
} || fatal "cannot make the namespaces and their veth pair"
for ((i = 0; i < 50; i++)); do
	ip -n "$NA" -o link show mvm-va | grep -q 'state UP' &&
		ip -n "$NB" -o link show mvm-vb | grep -q 'state UP' && break
	sleep 0.2
done

# Consoles stamped with the host's realtime: offset() sets the guest's clock beside it.
BOOT_STAMP=(-r)

# ---- the source in B ----
vmm_cmd 2 512M "$BOOT_ARGS mvm_test=pattern mvm_pattern_mib=$MIB"
VMM=(ip netns exec "$NB" "${VMM[@]}" --api-sock "$WORK/m0.api")
boot_run m0
if round_past m0 1 600; then
	ok "the guest runs its pattern in namespace B ($(last_round m0))"
else
	not_ok "the guest ran no pattern round"
	boot_end m0 5
	boot_show m0
	exit 1
fi
off0=$(offset m0)

# ---- one migration, B to A ----
why=""
addr=tcp:$A:$((port + 1))
MIG_PREFIX=(ip netns exec "$NA")
incoming_start m1 "$addr" || why+=" no destination on $addr in namespace A;"
migrate "$WORK/m0.api" "$addr"
boot_end m0 60
[ "$MIG_RC" = 0 ] || why+=" mvm ctl migrate exited $MIG_RC ($(tail -n 1 <<<"$MIG_OUT"));"
[ "$BOOT_RC" = 0 ] || why+=" the source exited $BOOT_RC;"
grep -q "migrated to $addr" <<<"$BOOT_ERR" || why+=" the source did not say 'migrated to $addr';"
diag "$(grep -o 'migrate: completed: .*' <<<"$BOOT_ERR")"
last_src=$(last_round m0)
last_src=${last_src%% *}
if round_past m1 "$last_src" 600; then
	first=$(first_round m1)
	[ "$first" -gt "$last_src" ] && [ "$first" -le $((last_src + 2)) ] ||
		why+=" the console skipped from round $last_src to $first;"
else
	why+=" the guest ran no round past $last_src in namespace A;"
fi
for n in m0 m1; do
	m=$(mismatches "$n")
	[ "$m" = 0 ] || why+=" $n: $m mismatches;"
done
if [ -z "$why" ]; then
	ok "migration from namespace B to $addr in A: the old mvm exited 0, the guest goes on (round $first..), zero mismatches"
else
	not_ok "migration from namespace B to $addr in A:$why"
	boot_show m0
	boot_show m1
fi
o=$(offset m1) || o=nan
diag "m1: guest clock - host clock: $o s (before the migration: $off0 s)"
check "the guest's clock is where the host's is (within 1 s of the source's offset)" \
	awk -v a="$o" -v b="$off0" 'BEGIN { d = a - b; exit !(a != "nan" && d < 1 && d > -1) }'

# ---- back to B, the link taken down mid-stream ----
why=""
addr=tcp:$B:$((port + 2))
MIG_PREFIX=(ip netns exec "$NB")
incoming_start m2 "$addr" || why+=" no destination on $addr in namespace B;"
migrate_bg mdown "$WORK/m1.api" "$addr" --max-bandwidth 10 --timeout 5
if mig_active "$WORK/m1.api" 60; then
	ip -n "$NA" link set mvm-va down || why+=" cannot take the link down;"
	t0=$(date +%s.%N)
else
	why+=" the migration was not under way;"
	t0=$(date +%s.%N)
fi
migrate_end mdown 120
t=$(awk -v a="$t0" 'BEGIN { "date +%s.%N" | getline b; printf "%.1f", b - a }')
diag "the migration ended $t s after the link went down: $(tail -n 1 <<<"$MIG_OUT")"
diag "m1: $(grep -o 'migrate: failed: .*' "$WORK/m1.err" | tail -n 1)"
[ "$MIG_RC" = 1 ] || why+=" mvm ctl migrate exited $MIG_RC, not 1;"
grep -q '"state":"failed"' <<<"$MIG_OUT" || why+=" its state is not failed;"
# Its own 5 s timeout ended it, counted from the last byte that moved (the link's end
# is later than that, and sooner than ip returned): the reason says so, and it came
# before the destination's 30 s.
grep -q 'nothing moved for 5 s' <<<"$MIG_OUT" || why+=" it did not fail on its 5 s timeout ($(tail -n 1 <<<"$MIG_OUT"));"
awk -v t="$t" 'BEGIN { exit !(t < 25) }' || why+=" it failed $t s after the link went down;"
r=$(last_round m1) || r=0
if round_past m1 "${r%% *}" 300; then
	m=$(mismatches m1)
	[ "$m" = 0 ] || why+=" $m mismatches;"
else
	why+=" the source's guest is not running on past round ${r%% *};"
fi
[ "$(mig_field "$WORK/m1.api" state)" = failed ] || why+=" status does not say failed;"
if [ -z "$why" ]; then
	ok "the veth link down mid-stream: migrate fails after its --timeout, the guest runs on ($(last_round m1 | cut -d' ' -f1))"
else
	not_ok "the veth link down mid-stream:$why"
fi
why=""
boot_end m2 60
diag "m2: exit $BOOT_RC: $(tail -n 1 <<<"$BOOT_ERR")"
[ "$BOOT_RC" = 1 ] || why+=" it exited $BOOT_RC, not 1;"
grep -q '^mvm: incoming: .*no vCPU ran' <<<"$BOOT_ERR" || why+=" it did not say so;"
[ ! -s "$WORK/m2.out" ] || why+=" it ran the guest;"
if [ -z "$why" ]; then
	ok "the destination cut off gives up by itself, having run no guest"
else
	not_ok "the destination cut off:$why"
fi
boot_kill m1
boot_end m1 30
tap_exit

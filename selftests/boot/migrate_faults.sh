#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Live migrations that must fail, one guest serving them all in turn: a Linux guest of
# 2 vCPUs and 512 MiB running guest_pattern (as boot/migrate_linux) is sent to an
# address nobody listens on; a second destination on a port in use exits at once, and so
# does one whose --api-sock path is in use, before it listens; a
# destination with --mem 256M refuses it at the handshake; one bit of the stream flipped
# (tools/relay) is refused by the destination; a slow migration (--max-bandwidth) is
# cancelled; then the destination of one is killed (-9) mid-stream; last the source is
# killed mid-stream.  Each time mvm ctl migrate exits 1 and the source's guest runs on
# (new rounds, zero mismatches), and a destination that failed exits 1 with its reason
# on stderr, having run no guest (nothing on its console).
# mvm's own commands: no KVM reference.
d=$(dirname "$0")
# shellcheck source=selftests/boot/lib.bash
. "$d/lib.bash" 2>/dev/null || . "$d/../../boot/lib.bash"

[ "$HV" = mvm ] || { tap_plan 8; skip_all 8 "live migration is mvm's own"; }
boot_begin 8
[ -x "$TOOLS/relay" ] || fatal "no $TOOLS/relay (build the selftests: make -C selftests)"
MIB=${MVM_PATTERN_MIB:-256}
ip link set lo up || fatal "cannot bring up the loopback interface"
port=$((40000 + $$ % 20000))
SRC=$WORK/src.api
SLOW=(--max-bandwidth 10)

BOOT_MVM_ARGS=(--api-sock "$SRC")
boot_start src 2 512M "$BOOT_ARGS mvm_test=pattern mvm_pattern_mib=$MIB"
if round_past src 1 600; then
	ok "the guest runs its pattern ($(last_round src))"
else
	not_ok "the guest ran no pattern round"
	boot_end src 5
	boot_show src
	exit 1
fi

# The source's guest goes on: a round past the one it was at, no mismatch so far.
# Appends to why when not.
why=""
runs_on() {
	local r m
	r=$(last_round src) || r=0
	if ! round_past src "${r%% *}" 300; then
		why+=" the source's guest is not running on past round ${r%% *};"
		return
	fi
	m=$(mismatches src)
	[ "$m" = 0 ] || why+=" $m mismatches;"
}
# A destination NAME that failed: exit status 1, stderr matching ERE, an empty console.
dest_failed() {
	boot_end "$1" "${3:-60}"
	[ "$BOOT_RC" = 1 ] || why+=" $1 exited $BOOT_RC, not 1;"
	grep -qE "$2" <<<"$BOOT_ERR" || why+=" $1 did not say /$2/ ($(tail -n 1 <<<"$BOOT_ERR"));"
	[ ! -s "$WORK/$1.out" ] || why+=" $1 ran the guest (its console has $(wc -l <"$WORK/$1.out") lines);"
}
# The source's migration failed: exit status 1 and the source said so.
mig_failed() {
	[ "$MIG_RC" = 1 ] || why+=" mvm ctl migrate exited $MIG_RC, not 1;"
	grep -q '"ok":false' <<<"$MIG_OUT" || why+=" its reply is not a refusal ($(tail -n 1 <<<"$MIG_OUT"));"
}
# The failed migration had sent some of the guest's RAM, not all.
mid_stream() {
	local b
	b=$(mig_sent)
	[ "$b" -gt 1000000 ] && [ "$b" -lt 300000000 ] || why+=" it ended with $b bytes sent, not mid-stream;"
}
result() {
	if [ -z "$why" ]; then ok "$1"; else not_ok "$1:$why"; fi
	why=""
}
elapsed() { awk -v a="$1" 'BEGIN { "date +%s.%N" | getline b; printf "%.1f", b - a }'; }

# ---- nobody listening ----
for addr in "unix:$WORK/nobody" "tcp:127.0.0.1:$((port + 1))"; do
	t0=$(date +%s.%N)
	migrate "$SRC" "$addr"
	t=$(elapsed "$t0")
	mig_failed
	# At once: not after the stream's 30 s timeout (the figure itself is the emulator's).
	awk -v t="$t" 'BEGIN { exit !(t < 20) }' || why+=" $addr took $t s to fail;"
	diag "to $addr: exit $MIG_RC after $t s: $(tail -n 1 <<<"$MIG_OUT")"
done
runs_on
result "migrate to an address nobody listens on fails at once, the guest runs on"

# ---- a port in use ----
busy=tcp:127.0.0.1:$((port + 2))
incoming_start dkill "$busy" || why+=" no destination on $busy;"
t0=$(date +%s.%N)
out=$(timeout -k 5 30 "$REPO/userspace/mvm" run --incoming "$busy" 2>&1 </dev/null)
rc=$?
t=$(elapsed "$t0")
diag "a second --incoming $busy: exit $rc after $t s: $out"
[ $rc = 1 ] || why+=" exit $rc, not 1;"
grep -q "^mvm: incoming: .*in use" <<<"$out" || why+=" no message that the address is in use;"
awk -v t="$t" 'BEGIN { exit !(t < 20) }' || why+=" it took $t s;"
# A control socket path in use: refused before it listens for any stream.
free=tcp:127.0.0.1:$((port + 3))
out=$(timeout -k 5 30 "$REPO/userspace/mvm" run --incoming "$free" --api-sock "$SRC" 2>&1 </dev/null)
rc=$?
diag "--incoming $free --api-sock $SRC (the source's): exit $rc: $out"
[ $rc = 1 ] || why+=" --api-sock in use: exit $rc, not 1;"
grep -q -- "--api-sock $SRC: .*in use" <<<"$out" || why+=" no message that the socket's path is in use;"
grep -q "listening on" <<<"$out" && why+=" it listened for a stream;"
[ -S "$SRC" ] || why+=" the source's socket is gone;"
result "mvm run --incoming on a port in use, or with its --api-sock path in use, exits 1 at once, saying so"

# ---- a destination with too little memory ----
incoming_start dmem "unix:$WORK/dmem.mig" --mem 256M || why+=" no destination;"
migrate "$SRC" "unix:$WORK/dmem.mig"
mig_failed
grep -q 'at most 256' <<<"$MIG_OUT" || why+=" the source was not told the limit ($(tail -n 1 <<<"$MIG_OUT"));"
dest_failed dmem '^mvm: incoming: refused: .*at most 256'
diag "source: $(grep -o 'migrate: failed: .*' "$WORK/src.err" | tail -n 1)" "dmem: $(tail -n 1 <<<"$BOOT_ERR")"
runs_on
result "a destination with --mem 256M refuses the 512 MiB guest at the handshake, the guest runs on"

# ---- a bit flipped on the way ----
incoming_start dflip "unix:$WORK/dflip.mig" || why+=" no destination;"
"$TOOLS/relay" "unix:$WORK/relay.mig" "unix:$WORK/dflip.mig" --flip-at 1000000 2>"$WORK/relay.err" &
relay=$!
for ((i = 0; i < 50; i++)); do
	grep -q '^relay: listening' "$WORK/relay.err" && break
	sleep 0.2
done
migrate "$SRC" "unix:$WORK/relay.mig"
mig_failed
dest_failed dflip '^mvm: incoming: .*corrupt.*no vCPU ran'
wait $relay
grep -q '^relay: flipped' "$WORK/relay.err" || why+=" the relay flipped nothing;"
diag "$(cat "$WORK/relay.err")" "source: $(tail -n 1 <<<"$MIG_OUT")" "dflip: $(tail -n 1 <<<"$BOOT_ERR")"
runs_on
result "one bit of the stream flipped is refused by the destination, the guest runs on"

# ---- cancelled ----
incoming_start dcan "unix:$WORK/dcan.mig" || why+=" no destination;"
migrate_bg mcan "$SRC" "unix:$WORK/dcan.mig" "${SLOW[@]}"
if mig_active "$SRC" 60; then
	c=$("$REPO/userspace/mvm" ctl "$SRC" migrate-cancel 2>&1)
	[ "$c" = '{"ok":true}' ] || why+=" migrate-cancel said $c;"
else
	why+=" the migration was not under way;"
fi
migrate_end mcan 60
mig_failed
mid_stream
s=$(mig_field "$SRC" state)
[ "$s" = cancelled ] || why+=" its state is $s, not cancelled;"
dest_failed dcan '^mvm: incoming: .*no vCPU ran'
diag "source: $(tail -n 1 <<<"$MIG_OUT")" "dcan: $(tail -n 1 <<<"$BOOT_ERR")"
runs_on
result "migrate-cancel while a slow migration runs: it exits 1, state cancelled, the guest runs on"

# ---- the destination killed mid-stream ----
migrate_bg mkill "$SRC" "$busy" "${SLOW[@]}"
if mig_active "$SRC" 60; then
	kill -KILL "$(vmm_pid dkill)"
else
	why+=" the migration was not under way;"
fi
migrate_end mkill 60
mig_failed
mid_stream
boot_end dkill 30
[ "$BOOT_RC" = 137 ] || why+=" the destination was not killed (exit $BOOT_RC);"
diag "source: $(tail -n 1 <<<"$MIG_OUT")"
runs_on
result "the destination killed (-9) mid-stream: migrate exits 1, the guest runs on"

# ---- the source killed mid-stream ----
incoming_start dlast "unix:$WORK/dlast.mig" || why+=" no destination;"
migrate_bg mlast "$SRC" "unix:$WORK/dlast.mig" "${SLOW[@]}"
m=$(mismatches src)
[ "$m" = 0 ] || why+=" $m mismatches before;"
if mig_active "$SRC" 60; then
	kill -KILL "$(vmm_pid src)"
else
	why+=" the migration was not under way;"
fi
dest_failed dlast '^mvm: incoming: .*(closed|went away).*'
diag "dlast: $(tail -n 1 <<<"$BOOT_ERR")"
migrate_end mlast 60
[ "$MIG_RC" != 0 ] || why+=" mvm ctl migrate exited 0;"
boot_end src 30
[ "$BOOT_RC" = 137 ] || why+=" the source was not killed (exit $BOOT_RC);"
result "the source killed (-9) mid-stream: the destination exits 1 and ran no guest"
tap_exit

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Snapshot and restore (mvm ctl SOCKET snapshot DIR, mvm restore DIR) with the ticker, a
# raw guest that prints "tick N" lines for ever: its count lives in a register, its
# text in memory, its output goes through the UART.  A snapshot of the running guest lets
# it go on; one of the paused guest, restored after that mvm is gone, goes on where it
# was: the output before and after reads tick 1, 2, 3, ... with no number missing or
# twice.  Two restores of one snapshot run at once, each going on from it.  A state file
# flipped, cut short or of another version, and a memory file of the wrong size, are
# refused before any vCPU runs; a snapshot into an existing directory is refused and the
# guest runs on.  mvm's own mode: no KVM reference.
d=$(dirname "$0")
# shellcheck source=selftests/boot/lib.bash
. "$d/lib.bash" 2>/dev/null || . "$d/../../boot/lib.bash"

tap_plan 7
[ "$HV" = mvm ] || skip_all 7 "snapshots are mvm's own"
[ -e "${MVM_DEVICE:-/dev/mvm}" ] || skip_all 7 "no ${MVM_DEVICE:-/dev/mvm} (mvm.ko is not loaded)"
vmm=$REPO/userspace/mvm
ticker=$REPO/userspace/guests/ticker.bin
[ -x "$vmm" ] && [ -f "$ticker" ] || fatal "no $vmm or $ticker (make userspace)"
w=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$w"' EXIT

# Wait (at most 120 s) until file $1 is longer than $2 bytes while process $3 lives.
grows_past() {
	local i
	for ((i = 0; i < 1200; i++)); do
		[ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -gt "$2" ] && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# The files, one after the other, are "tick 1" ... "tick N", N >= $1, every line whole
# but the last one still being written.
consecutive() {
	local min=$1
	shift
	cat "$@" >"$w/all"
	[ -z "$(tail -c 1 "$w/all")" ] || sed -i '$d' "$w/all"
	awk -v min="$min" '
		$0 != "tick " NR { bad = 1; print "# line " NR ": " $0; exit }
		END { if (bad || NR < min) { print "# " NR " lines"; exit 1 } }' "$w/all"
}

"$vmm" run --raw "$ticker" --api-sock "$w/api" </dev/null >"$w/out" 2>"$w/err" &
pid=$!
pids+=("$pid")
grows_past "$w/out" 20 "$pid" || fatal "the ticker printed nothing: $(cat "$w/err")"

# A running guest: snapshot, and it goes on.
r=$("$vmm" ctl "$w/api" snapshot "$w/snap1" 2>&1)
n=$(stat -c %s "$w/out")
if [ "$r" = '{"ok":true}' ] && [ -s "$w/snap1/state" ] && [ -f "$w/snap1/memory" ] &&
	grows_past "$w/out" "$n" "$pid" &&
	grep -q '"state":"running"' <<<"$("$vmm" ctl "$w/api" status 2>&1)"; then
	ok "snapshot of a running guest ($(du -k "$w/snap1/memory" | cut -f1) KiB of memory on disk); it goes on"
else
	not_ok "snapshot of a running guest: $r; $(ls -l "$w/snap1" 2>&1)"
fi

r=$("$vmm" ctl "$w/api" snapshot "$w/snap1" 2>&1)
if grep -q '"ok":false' <<<"$r" && grep -q "exists" <<<"$r" &&
	grep -q '"state":"running"' <<<"$("$vmm" ctl "$w/api" status 2>&1)"; then
	ok "a snapshot into an existing directory is refused ($r); the guest runs on"
else
	not_ok "snapshot into an existing directory: $r"
fi

# Paused: snapshot, end that mvm, restore.
"$vmm" ctl "$w/api" pause >/dev/null
r=$("$vmm" ctl "$w/api" snapshot "$w/snap" 2>&1)
st=$("$vmm" ctl "$w/api" status 2>&1)
kill -TERM "$pid"
wait "$pid"
if [ "$r" = '{"ok":true}' ] && grep -q '"state":"paused"' <<<"$st"; then
	ok "snapshot of a paused guest; it stays paused"
else
	not_ok "snapshot of a paused guest: $r; then $st"
fi
before=$(wc -l <"$w/out")

"$vmm" restore "$w/snap" </dev/null >"$w/r1" 2>"$w/r1err" &
p1=$!
pids+=("$p1")
if grows_past "$w/r1" 200 "$p1" && consecutive $((before + 5)) "$w/out" "$w/r1"; then
	ok "restored: it goes on from tick $before ($(head -c 40 "$w/r1" | head -n 2 | tr '\n' ' '))"
else
	sed 's/^/# /' "$w/r1err"
	not_ok "restored: $(head -c 60 "$w/r1" | tr '\n' ' ')"
fi

# A second restore of the same snapshot beside the first.
"$vmm" restore "$w/snap" --verify </dev/null >"$w/r2" 2>"$w/r2err" &
p2=$!
pids+=("$p2")
n1=$(stat -c %s "$w/r1")
if grows_past "$w/r2" 200 "$p2" && grows_past "$w/r1" "$n1" "$p1" &&
	consecutive $((before + 5)) "$w/out" "$w/r2"; then
	ok "two restores of one snapshot run at once, each from tick $before"
else
	sed 's/^/# /' "$w/r2err"
	not_ok "two restores at once: $(head -c 60 "$w/r2" | tr '\n' ' ')"
fi
kill -TERM "$p1" "$p2"
wait "$p1" "$p2"

# Broken snapshots: refused with a message, and no vCPU ran (nothing printed).
broken() { # name, what to do to the copy in $w/b, restore options
	rm -rf "$w/b"
	cp -a "$w/snap" "$w/b"
	eval "$2"
	rc=0
	timeout 60 "$vmm" restore "$w/b" ${3:-} </dev/null >"$w/bout" 2>"$w/berr" || rc=$?
	if [ "$rc" = 1 ] && [ -s "$w/berr" ] && [ ! -s "$w/bout" ]; then
		diag "$1: $(head -n 1 "$w/berr")"
		return 0
	fi
	diag "$1: exit $rc, $(head -n 1 "$w/berr"), $(wc -c <"$w/bout") bytes of output"
	return 1
}
size=$(stat -c %s "$w/snap/state")
flip="printf '\\x%02x' \$(( \$(od -An -tu1 -j $((size - 3)) -N1 $w/b/state) ^ 1 ))"
flip="$flip | dd of=$w/b/state bs=1 seek=$((size - 3)) conv=notrunc 2>/dev/null"
if broken "a byte flipped" "$flip" &&
	broken "cut short" "truncate -s $((size - 10)) $w/b/state" &&
	broken "no state" "rm $w/b/state"; then
	ok "a flipped, truncated or missing state file is refused before any vCPU runs"
else
	not_ok "a broken state file was taken"
fi
ver="printf '\\x02' | dd of=$w/b/state bs=1 seek=8 conv=notrunc 2>/dev/null"
if broken "version 2" "$ver" && grep -q "version" "$w/berr" &&
	broken "memory short" "truncate -s 4096 $w/b/memory" &&
	broken "memory changed, --verify" "printf 'x' | dd of=$w/b/memory bs=1 seek=31000 conv=notrunc 2>/dev/null" --verify; then
	ok "another format version, a memory file of the wrong size, and (--verify) a changed one are refused"
else
	not_ok "another version or a short memory file was taken"
fi
tap_exit

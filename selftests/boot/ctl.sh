#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# mvm run --api-sock: the control socket of a running guest (the ticker, a raw guest
# that prints "tick N" lines for ever).  status says running; the socket is 0600;
# pause holds the guest (no line is printed while paused), resume lets it go on; an
# unknown command is refused and changes nothing; a second mvm on the same path is
# refused and the first goes on; SIGTERM ends it with 143 and removes the socket, and so
# it does for a destination (--incoming) still waiting for its stream.
# mvm's own mode: no KVM reference.
d=$(dirname "$0")
# shellcheck source=selftests/boot/lib.bash
. "$d/lib.bash" 2>/dev/null || . "$d/../../boot/lib.bash"

tap_plan 8
[ "$HV" = mvm ] || skip_all 8 "the control socket is mvm's own"
[ -e "${MVM_DEVICE:-/dev/mvm}" ] || skip_all 8 "no ${MVM_DEVICE:-/dev/mvm} (mvm.ko is not loaded)"
vmm=$REPO/userspace/mvm
ticker=$REPO/userspace/guests/ticker.bin
hello=$REPO/userspace/guests/hello.bin
[ -x "$vmm" ] && [ -f "$ticker" ] || fatal "no $vmm or $ticker (make userspace)"
w=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$w"' EXIT
api=$w/api

# Wait (at most 120 s) until the guest's output is longer than $1 bytes.
grows_past() {
	local i
	for ((i = 0; i < 1200; i++)); do
		[ "$(stat -c %s "$w/out")" -gt "$1" ] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

"$vmm" run --raw "$ticker" --api-sock "$api" </dev/null >"$w/out" 2>"$w/err" &
pid=$!
if ! grows_past 0 || ! grep -q "^tick 1$" "$w/out"; then
	sed 's/^/# /' "$w/err"
	fatal "the ticker printed nothing"
fi

r=$("$vmm" ctl "$api" status 2>&1)
diag "status: $r"
check "status: running, 1 vCPU" grep -q '"state":"running","vcpus":1' <<<"$r"
check "the socket is mode 0600" [ "$(stat -c %a "$api")" = 600 ]

if r=$("$vmm" ctl "$api" pause 2>&1) && [ "$r" = '{"ok":true}' ]; then
	n1=$(stat -c %s "$w/out")
	s=$("$vmm" ctl "$api" status 2>&1)
	# Held: nothing can come out, however long we look.
	sleep 2
	n2=$(stat -c %s "$w/out")
	if [ "$n1" = "$n2" ] && grep -q '"state":"paused"' <<<"$s"; then
		ok "pause: status paused, no output for 2 s ($n1 bytes)"
	else
		not_ok "pause: $n1 then $n2 bytes; status $s"
	fi
else
	not_ok "pause: $r"
	n2=$(stat -c %s "$w/out")
fi

if "$vmm" ctl "$api" resume >/dev/null 2>&1 && grows_past "$n2"; then
	ok "resume: the ticker goes on ($(tail -n 1 "$w/out"))"
else
	not_ok "resume: output stayed at $n2 bytes"
fi

rc=0
r=$("$vmm" ctl "$api" reboot 2>&1) || rc=$?
s=$("$vmm" ctl "$api" status 2>&1)
if [ "$rc" = 1 ] && grep -q '"error":"unknown command"' <<<"$r" &&
	grep -q '"state":"running"' <<<"$s"; then
	ok "an unknown command is refused (exit 1) and changes nothing"
else
	not_ok "unknown command: exit $rc, reply $r, then $s"
fi

rc=0
timeout 60 "$vmm" run --raw "$hello" --api-sock "$api" </dev/null >/dev/null 2>"$w/err2" || rc=$?
if [ "$rc" = 1 ] && grep -q "api-sock" "$w/err2" && [ -S "$api" ] &&
	"$vmm" ctl "$api" status >/dev/null 2>&1; then
	diag "$(head -n 1 "$w/err2")"
	ok "a second mvm on the same socket path is refused; the first serves on"
else
	not_ok "second mvm on the path: exit $rc, $(head -n 1 "$w/err2")"
fi

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
if [ "$rc" = 143 ] && [ ! -e "$api" ]; then
	ok "SIGTERM: exit 143, the socket is removed"
else
	not_ok "SIGTERM: exit $rc, socket $(ls -l "$api" 2>&1)"
fi

# A destination binds its socket before it waits for a stream, for as long as that takes:
# a SIGTERM then too leaves no socket behind (a later mvm could not take the path).
"$vmm" run --incoming "unix:$w/in.mig" --api-sock "$api" </dev/null >/dev/null 2>"$w/err3" &
pid=$!
for ((i = 0; i < 600; i++)); do
	grep -q 'listening on' "$w/err3" && break
	sleep 0.1
done
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
if [ "$rc" = 143 ] && [ ! -e "$api" ] && grep -q 'listening on' "$w/err3"; then
	ok "a destination waiting for its stream: SIGTERM exits 143, the socket is removed"
else
	not_ok "a destination waiting: exit $rc, socket $(ls -l "$api" 2>&1), $(head -n 1 "$w/err3")"
fi
tap_exit

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# mvm run --raw: the demo guest (a flat real-mode binary) is loaded at 0x7c00, greets
# through the UART and powers off through port 0x501 with status 0; a file too large
# for guest RAM, and an empty one, are refused with a message.  mvm's own mode: no KVM
# reference.
d=$(dirname "$0")
# shellcheck source=selftests/boot/lib.bash
. "$d/lib.bash" 2>/dev/null || . "$d/../../boot/lib.bash"

tap_plan 3
[ "$HV" = mvm ] || skip_all 3 "mvm run --raw is mvm's own"
[ -e "${MVM_DEVICE:-/dev/mvm}" ] || skip_all 3 "no ${MVM_DEVICE:-/dev/mvm} (mvm.ko is not loaded)"
vmm=$REPO/userspace/mvm
hello=$REPO/userspace/guests/hello.bin
if [ ! -x "$vmm" ] || [ ! -f "$hello" ]; then
	fatal "no $vmm or $hello (make userspace)"
fi
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT

rc=0
timeout 120 "$vmm" run --raw "$hello" </dev/null >"$w/out" 2>"$w/err" || rc=$?
if [ "$rc" = 0 ] && grep -q "Hello from a guest running on mvm!" "$w/out"; then
	ok "raw: the guest greets through the UART and powers off with 0"
else
	sed 's/^/# /' "$w/out" "$w/err"
	not_ok "raw: exit status $rc, greeting $(grep -c Hello "$w/out") time(s)"
fi

head -c $((2 * 1024 * 1024)) /dev/zero >"$w/big"
rc=0
"$vmm" run --raw "$w/big" --mem 1M </dev/null >/dev/null 2>"$w/err" || rc=$?
if [ "$rc" != 0 ] && [ -s "$w/err" ]; then
	diag "$(head -n 1 "$w/err")"
	ok "raw: an image larger than guest RAM is refused"
else
	not_ok "raw: exit status $rc for an image larger than guest RAM"
fi

: >"$w/empty"
rc=0
"$vmm" run --raw "$w/empty" </dev/null >/dev/null 2>"$w/err" || rc=$?
if [ "$rc" != 0 ] && [ -s "$w/err" ]; then
	diag "$(head -n 1 "$w/err")"
	ok "raw: an empty image is refused"
else
	not_ok "raw: exit status $rc for an empty image"
fi
tap_exit

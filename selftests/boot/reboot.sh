#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A guest that reboots (reboot -f: Linux resets through the keyboard controller or the
# reset vector) ends the VMM with status 0, as a power-off does.
d=$(dirname "$0")
# shellcheck source=selftests/boot/lib.bash
. "$d/lib.bash" 2>/dev/null || . "$d/../../boot/lib.bash"

boot_begin 1

boot_start reboot 1 256M "$BOOT_ARGS mvm_test=marker,reboot"
if boot_wait reboot '^MVM-REBOOT-NOW$'; then
	boot_end reboot 60
else
	boot_end reboot 5
fi
if [ "$BOOT_RC" != 0 ]; then
	boot_show reboot
	not_ok "reboot: exit status $BOOT_RC after the guest rebooted"
elif [ "$HV" = mvm ] && ! grep -qi 'reboot' <<<"$BOOT_ERR"; then
	boot_show reboot
	not_ok "reboot: exit status 0 but stderr does not say the guest rebooted"
else
	diag "stderr: $(head -n 1 <<<"$BOOT_ERR")"
	ok "reboot: guest reboot -> exit 0"
fi
tap_exit

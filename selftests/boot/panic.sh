#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A guest kernel that panics (sysrq c, with pvpanic-mmio loaded by init) ends the VMM
# with a non-zero status and a reason on stderr, instead of leaving it spinning.
d=$(dirname "$0")
# shellcheck source=selftests/boot/lib.bash
. "$d/lib.bash" 2>/dev/null || . "$d/../../boot/lib.bash"

boot_begin 1

# No panic=N: the kernel would reboot, and a reboot is a clean exit.  The guest stays
# in panic's loop; only the VMM noticing the panic ends the run.
boot_start panic 1 256M "$BOOT_ARGS mvm_test=panic"
if boot_wait panic '^MVM-PANIC-NOW$'; then
	boot_wait panic 'Kernel panic' 60 || true
	boot_end panic 60
else
	boot_end panic 5
fi
if [ "$BOOT_RC" = 124 ] || [ "$BOOT_RC" -ge 128 ]; then
	boot_show panic
	not_ok "panic: the VMM did not exit after the guest panicked"
elif [ "$BOOT_RC" = 0 ]; then
	boot_show panic
	not_ok "panic: exit status 0 after a guest panic"
elif [ "$HV" = mvm ] && ! grep -qi 'panic' <<<"$BOOT_ERR"; then
	# (QEMU, the reference, says it by its exit status only: -action panic=exit-failure.)
	boot_show panic
	not_ok "panic: exit status $BOOT_RC but stderr does not say panic"
else
	diag "exit status $BOOT_RC, stderr: $(head -n 1 <<<"$BOOT_ERR")"
	ok "panic: guest panic -> exit $BOOT_RC with the reason"
fi
tap_exit

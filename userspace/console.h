/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Watching the guest's serial console for a kernel panic.  Debian builds
 * the pvpanic driver as a module, so a guest without it only says so on
 * its console: the watcher stops the machine (status 1) at the end of a
 * panic report, and remembers the panic line for a reset that follows it.
 */
#ifndef MVM_CONSOLE_H
#define MVM_CONSOLE_H

#include "devices.h"

#define CONSOLE_LINE_MAX	256

struct console_watch {
	struct mvm_machine *m;
	char line[CONSOLE_LINE_MAX];
	size_t len;
	int panicked;				/* a panic line was seen */
	char reason[CONSOLE_LINE_MAX + 32];	/* "guest panicked: ..." */
};

void console_watch_init(struct console_watch *w, struct mvm_machine *m);
/* The UART's tx hook (machine lock held). */
void console_watch_byte(void *ctx, uint8_t c);
/* "guest panicked: <the panic line>" once one was seen, else NULL. */
const char *console_watch_reason(void *ctx);

#endif /* MVM_CONSOLE_H */

// SPDX-License-Identifier: GPL-2.0-only
/* Watching the guest's serial console for a kernel panic. */
#include <stdio.h>
#include <string.h>

#include "console.h"

#define PANIC_START	"Kernel panic - not syncing"
#define PANIC_END	"---[ end Kernel panic"

void console_watch_init(struct console_watch *w, struct mvm_machine *m)
{
	memset(w, 0, sizeof(*w));
	w->m = m;
}

/* The message after a printk timestamp "[    1.234567] ", if any. */
static const char *message(const char *line)
{
	const char *p = line;

	if (*p == '[') {
		const char *end = strchr(p, ']');

		if (end) {
			p = end + 1;
			while (*p == ' ')
				p++;
		}
	}
	return p;
}

static void end_of_line(struct console_watch *w)
{
	const char *msg;

	w->line[w->len] = '\0';
	w->len = 0;
	msg = message(w->line);
	if (!strncmp(msg, PANIC_START, strlen(PANIC_START)) && !w->panicked) {
		w->panicked = 1;
		snprintf(w->reason, sizeof(w->reason), "guest panicked: %s",
			 msg);
	} else if (!strncmp(msg, PANIC_END, strlen(PANIC_END))) {
		if (!w->panicked) {
			w->panicked = 1;
			snprintf(w->reason, sizeof(w->reason),
				 "guest panicked: %s", msg);
		}
		mvm_machine_stop(w->m, 1, w->reason);
	}
}

void console_watch_byte(void *ctx, uint8_t c)
{
	struct console_watch *w = ctx;

	if (c == '\n') {
		end_of_line(w);
		return;
	}
	if (c == '\r')
		return;
	/* A very long line is cut: only its start matters here. */
	if (w->len < sizeof(w->line) - 1)
		w->line[w->len++] = (char)c;
}

const char *console_watch_reason(void *ctx)
{
	struct console_watch *w = ctx;

	return w->panicked ? w->reason : NULL;
}

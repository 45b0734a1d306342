/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The terminal mvm runs in, and the thread that feeds standard input to a
 * guest's UART.
 */
#ifndef MVM_TERM_H
#define MVM_TERM_H

#include "devices.h"

/*
 * Put the terminal on stdin (if it is one) in raw mode: keys go to the
 * guest as typed, ^C included, nothing echoes.  It is restored by
 * term_restore(), at exit, and on a fatal signal.  1 if raw, else 0.
 */
int term_raw(void);
void term_restore(void);

/* The escape key: Ctrl-A x quits, Ctrl-A Ctrl-A sends Ctrl-A. */
#define TERM_ESCAPE	0x01

struct input;

/*
 * Start a thread that reads in_fd and feeds u (taking m->lock), with the
 * escape key when escapes is set; end of input just stops the input.
 * NULL with errno on failure.
 */
struct input *input_start(struct mvm_machine *m, struct uart8250 *u,
			  int in_fd, int escapes);
/* Stop the thread and free it; NULL is fine. */
void input_stop(struct input *in);

#endif /* MVM_TERM_H */

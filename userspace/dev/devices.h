/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VMM's emulated devices.  Each *_create() registers the device's
 * ranges on the machine's buses and the device itself in the machine's
 * registry; mvm_machine_destroy() frees it.
 */
#ifndef MVM_DEVICES_H
#define MVM_DEVICES_H

#include <stdint.h>

#include "libmvm.h"

/* ---- 8250/16550A UART (uart8250.c) ---- */

#define UART_COM1_BASE	0x3f8

struct uart8250;

/* The interrupt line changed: level 1 raised, 0 lowered. */
typedef void (*uart8250_irq_fn)(void *ctx, int level);

/*
 * A 16550A at ports base..base+7.  What the guest transmits goes to
 * out_fd; in_fd (-1 for none) is read, without blocking, when the guest
 * looks at the receiver.  NULL with errno on failure.
 */
struct uart8250 *uart8250_create(struct mvm_machine *m, uint16_t base,
				 int in_fd, int out_fd);

/*
 * Where the UART's interrupt line goes.  Nothing calls this yet: the
 * interrupt controller will.  Until then the line is computed and dropped.
 */
void uart8250_set_irq(struct uart8250 *u, uart8250_irq_fn fn, void *ctx);

/* ---- Power-off / debug-exit port (poweroff.c) ---- */

/*
 * A write of value V (any size) to this port powers the machine off and
 * mvm exits with status V & 0xff.  A read returns 0x4d ('M'), so a guest
 * can tell that the port is there.
 */
#define MVM_POWEROFF_PORT	0x501

int poweroff_port_create(struct mvm_machine *m, uint16_t port);

#endif /* MVM_DEVICES_H */

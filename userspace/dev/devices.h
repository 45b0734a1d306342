/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VMM's emulated devices.  Each *_create() registers the device's
 * ranges on the machine's buses and the device itself in the machine's
 * registry; mvm_machine_destroy() frees it.
 */
#ifndef MVM_DEVICES_H
#define MVM_DEVICES_H

#include <stddef.h>
#include <stdint.h>

#include "libmvm.h"
#include "pci.h"

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

/* Where the UART's interrupt line goes (else it is computed and dropped). */
void uart8250_set_irq(struct uart8250 *u, uart8250_irq_fn fn, void *ctx);

/*
 * Put up to n received bytes in the receive FIFO, as many as it has room
 * for (none in loopback), and interrupt; returns how many.  For a UART
 * created with in_fd -1, fed by another thread: machine lock held.
 */
size_t uart8250_receive(struct uart8250 *u, const uint8_t *buf, size_t n);

/* Called (lock held) when the guest empties the receive FIFO. */
typedef void (*uart8250_rx_wake_fn)(void *ctx);
void uart8250_set_rx_wake(struct uart8250 *u, uart8250_rx_wake_fn fn,
			  void *ctx);

/* Called (lock held) with each byte the guest sends, before it goes out. */
typedef void (*uart8250_tx_fn)(void *ctx, uint8_t c);
void uart8250_set_tx_hook(struct uart8250 *u, uart8250_tx_fn fn, void *ctx);

/* ---- Power-off / debug-exit port (poweroff.c) ---- */

/*
 * A write of value V (any size) to this port powers the machine off and
 * mvm exits with status V & 0xff.  A read returns 0x4d ('M'), so a guest
 * can tell that the port is there.
 */
#define MVM_POWEROFF_PORT	0x501

int poweroff_port_create(struct mvm_machine *m, uint16_t port);

/* ---- IOAPIC (ioapic.c) ---- */

/*
 * An 82093AA-style IOAPIC with 24 pins at MMIO base, APIC id id.  It
 * becomes the machine's interrupt controller (mvm_machine_set_irq()) and
 * delivers through MVM_SIGNAL_MSI on vm_fd.  0, or -1 with errno.
 */
#define IOAPIC_PINS	24
int ioapic_create(struct mvm_machine *m, int vm_fd, uint64_t base,
		  uint8_t id);

/* ---- CMOS RTC and NVRAM, ports 0x70-0x71 (rtc.c) ---- */

int rtc_create(struct mvm_machine *m);

/* ---- i8042 keyboard controller, ports 0x60 and 0x64 (i8042.c) ---- */

/* No keyboard or mouse behind it: enough for Linux's probe and reset. */
int i8042_create(struct mvm_machine *m);

/* ---- ACPI sleep control and status registers (acpi_pm.c) ---- */

/* Writing SLP_TYP 5 with SLP_EN to control powers the machine off. */
int acpi_pm_create(struct mvm_machine *m, uint16_t control, uint16_t status);

/* ---- pvpanic, one I/O port (pvpanic.c) ---- */

/*
 * The guest's panic notifier: a write with bit 0 stops the machine with
 * status 1.  reason, when not NULL, is asked for the panic message.
 */
typedef const char *(*pvpanic_reason_fn)(void *ctx);
int pvpanic_create(struct mvm_machine *m, uint16_t port,
		   pvpanic_reason_fn reason, void *ctx);

#endif /* MVM_DEVICES_H */

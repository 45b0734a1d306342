// SPDX-License-Identifier: GPL-2.0-only
/*
 * A 16550A UART (the PC's COM ports), as far as software can tell.
 *
 * Transmission is instant: THR goes straight to the output descriptor and
 * LSR always shows THRE and TEMT.  The divisor latch and the line settings
 * are kept for the guest to read back but change nothing.  Input is read
 * from the input descriptor, without blocking, whenever the guest looks at
 * the receiver (RBR, LSR, IIR), at most a FIFO's worth at a time; the rest
 * waits in the host's pipe or terminal, so nothing is ever overrun.
 * Loopback (MCR bit 4) routes THR to RBR and the modem outputs to the
 * modem inputs, as Linux's probe expects.  The interrupt line is computed
 * (IIR priorities, gated by OUT2 as on a PC) and goes to a hook, the
 * interrupt controller's line.  Instead of in_fd, another thread may push
 * input with uart8250_receive() (machine lock held): then received data
 * interrupts as it arrives.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices.h"
#include "state.h"

/* Register offsets */
#define UART_RBR	0	/* read, DLAB 0 */
#define UART_THR	0	/* write, DLAB 0 */
#define UART_DLL	0	/* DLAB 1 */
#define UART_IER	1	/* DLAB 0 */
#define UART_DLM	1	/* DLAB 1 */
#define UART_IIR	2	/* read */
#define UART_FCR	2	/* write */
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

#define IER_ERBFI	0x01	/* received data available */
#define IER_ETBEI	0x02	/* THR empty */
#define IER_ELSI	0x04	/* receiver line status */
#define IER_EDSSI	0x08	/* modem status */

#define IIR_NONE	0x01
#define IIR_MSI		0x00
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_RLSI	0x06
#define IIR_FIFO_ON	0xc0

#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define FCR_CLEAR_TX	0x04
#define FCR_KEPT	0xc9	/* trigger level, DMA mode, enable */

#define LCR_DLAB	0x80

#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10

#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_ERRORS	0x1e	/* OE, PE, FE, BI */
#define LSR_THRE	0x20
#define LSR_TEMT	0x40

#define MSR_DCTS	0x01
#define MSR_DDSR	0x02
#define MSR_TERI	0x04
#define MSR_DDCD	0x08
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80

#define FIFO_SIZE	16

struct uart8250 {
	uint16_t base;
	int in_fd;		/* -1: no input, or it ended */
	int out_fd;		/* -1: output failed, dropped from then on */

	uint8_t rx[FIFO_SIZE];	/* receive FIFO, a ring */
	unsigned int rx_head, rx_count;

	uint8_t ier, lcr, mcr, lsr, msr, scr, fcr, dll, dlm;
	int thri;		/* a THR-empty interrupt is pending */

	int irq_level;
	uart8250_irq_fn irq;
	void *irq_ctx;

	uart8250_tx_fn tx_hook;		/* sees every byte sent */
	void *tx_ctx;
	uart8250_rx_wake_fn rx_wake;	/* the receive FIFO emptied */
	void *rx_wake_ctx;
};

/* ---- Interrupts ---- */

static uint8_t uart_iir_id(const struct uart8250 *u)
{
	if ((u->ier & IER_ELSI) && (u->lsr & LSR_ERRORS))
		return IIR_RLSI;
	if ((u->ier & IER_ERBFI) && (u->lsr & LSR_DR))
		return IIR_RDI;
	if ((u->ier & IER_ETBEI) && u->thri)
		return IIR_THRI;
	if ((u->ier & IER_EDSSI) && (u->msr & 0x0f))
		return IIR_MSI;
	return IIR_NONE;
}

/* Call after any change of state: the line follows IIR, gated by OUT2. */
static void uart_update_irq(struct uart8250 *u)
{
	int level = uart_iir_id(u) != IIR_NONE && (u->mcr & MCR_OUT2);

	if (level == u->irq_level)
		return;
	u->irq_level = level;
	if (u->irq)
		u->irq(u->irq_ctx, level);
}

void uart8250_set_irq(struct uart8250 *u, uart8250_irq_fn fn, void *ctx)
{
	u->irq = fn;
	u->irq_ctx = ctx;
	u->irq_level = 0;
	uart_update_irq(u);
}

/* ---- Receive FIFO ---- */

static unsigned int rx_capacity(const struct uart8250 *u)
{
	return (u->fcr & FCR_ENABLE) ? FIFO_SIZE : 1;
}

static void rx_clear(struct uart8250 *u)
{
	u->rx_head = u->rx_count = 0;
	u->lsr &= ~LSR_DR;
}

static void rx_push(struct uart8250 *u, uint8_t c)
{
	if (u->rx_count == rx_capacity(u)) {
		u->lsr |= LSR_OE;	/* only loopback can outrun us */
		return;
	}
	u->rx[(u->rx_head + u->rx_count++) % FIFO_SIZE] = c;
	u->lsr |= LSR_DR;
}

static uint8_t rx_pop(struct uart8250 *u)
{
	uint8_t c;

	if (!u->rx_count)
		return 0;
	c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % FIFO_SIZE;
	if (!--u->rx_count) {
		u->lsr &= ~LSR_DR;
		if (u->rx_wake)
			u->rx_wake(u->rx_wake_ctx);
	}
	return c;
}

/* Take what the input has, without blocking, up to the FIFO's room. */
static void rx_fill(struct uart8250 *u)
{
	struct pollfd p = { .fd = u->in_fd, .events = POLLIN };
	uint8_t buf[FIFO_SIZE];
	unsigned int room = rx_capacity(u) - u->rx_count;
	ssize_t n, i;

	/* In loopback the serial input is disconnected. */
	if (u->in_fd < 0 || !room || (u->mcr & MCR_LOOP))
		return;
	if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP)))
		return;
	n = read(u->in_fd, buf, room);
	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
		u->in_fd = -1;	/* end of input: the line goes quiet */
		return;
	}
	for (i = 0; i < n; i++)
		rx_push(u, buf[i]);
}

/* ---- Transmit and modem lines ---- */

static void tx(struct uart8250 *u, uint8_t c)
{
	if (u->mcr & MCR_LOOP) {
		rx_push(u, c);
		return;
	}
	if (u->tx_hook)
		u->tx_hook(u->tx_ctx, c);
	while (u->out_fd >= 0) {
		ssize_t n = write(u->out_fd, &c, 1);

		if (n == 1)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		u->out_fd = -1;	/* a closed pipe: the guest carries on */
	}
}

/* The modem inputs: wired to our outputs in loopback, else a terminal. */
static uint8_t modem_inputs(const struct uart8250 *u)
{
	uint8_t m = u->mcr;

	if (!(m & MCR_LOOP))
		return MSR_DCD | MSR_DSR | MSR_CTS;
	return ((m & MCR_RTS) ? MSR_CTS : 0) | ((m & MCR_DTR) ? MSR_DSR : 0) |
	       ((m & MCR_OUT1) ? MSR_RI : 0) | ((m & MCR_OUT2) ? MSR_DCD : 0);
}

static void update_msr(struct uart8250 *u)
{
	uint8_t now = modem_inputs(u), was = u->msr & 0xf0;
	uint8_t changed = now ^ was, delta = 0;

	if (changed & MSR_CTS)
		delta |= MSR_DCTS;
	if (changed & MSR_DSR)
		delta |= MSR_DDSR;
	if ((was & MSR_RI) && !(now & MSR_RI))
		delta |= MSR_TERI;	/* trailing edge only */
	if (changed & MSR_DCD)
		delta |= MSR_DDCD;
	u->msr = now | (u->msr & 0x0f) | delta;
}

/* ---- Registers ---- */

static uint8_t uart_read_reg(struct uart8250 *u, unsigned int reg)
{
	uint8_t v = 0, id;

	switch (reg) {
	case UART_RBR:
		if (u->lcr & LCR_DLAB)
			return u->dll;
		rx_fill(u);
		v = rx_pop(u);
		rx_fill(u);
		break;
	case UART_IER:
		return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case UART_IIR:
		rx_fill(u);
		id = uart_iir_id(u);
		/* Reading IIR while it names THR-empty acknowledges that. */
		if (id == IIR_THRI)
			u->thri = 0;
		v = id | ((u->fcr & FCR_ENABLE) ? IIR_FIFO_ON : 0);
		break;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		rx_fill(u);
		v = u->lsr;
		u->lsr &= ~LSR_ERRORS;	/* errors clear on read */
		break;
	case UART_MSR:
		v = u->msr;
		u->msr &= 0xf0;		/* deltas clear on read */
		break;
	case UART_SCR:
		return u->scr;
	}
	uart_update_irq(u);
	return v;
}

static void uart_write_reg(struct uart8250 *u, unsigned int reg, uint8_t v)
{
	switch (reg) {
	case UART_THR:
		if (u->lcr & LCR_DLAB) {
			u->dll = v;
			return;
		}
		u->thri = 0;
		tx(u, v);
		/* Sent at once: THR is empty again, which interrupts anew. */
		u->thri = 1;
		break;
	case UART_IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = v;
			return;
		}
		/* Enabling THR-empty while THR is empty interrupts at once. */
		if ((v & IER_ETBEI) && !(u->ier & IER_ETBEI))
			u->thri = 1;
		u->ier = v & 0x0f;
		break;
	case UART_FCR:
		if ((v ^ u->fcr) & FCR_ENABLE)
			rx_clear(u);	/* switching the FIFOs empties them */
		if (v & FCR_CLEAR_RX)
			rx_clear(u);
		/* FCR_CLEAR_TX: the transmitter is always empty. */
		u->fcr = v & FCR_KEPT;
		break;
	case UART_LCR:
		u->lcr = v;
		return;
	case UART_MCR:
		u->mcr = v & 0x1f;
		update_msr(u);
		break;
	case UART_LSR:
	case UART_MSR:
		return;		/* read-only (factory test on some chips) */
	case UART_SCR:
		u->scr = v;
		return;
	}
	uart_update_irq(u);
}

static uint64_t uart_read(void *opaque, uint64_t off, unsigned int size)
{
	uint64_t v = 0;
	unsigned int i;

	/* A wide access reads the registers one after another. */
	for (i = 0; i < size; i++)
		v |= (uint64_t)uart_read_reg(opaque, (unsigned int)off + i)
		     << (8 * i);
	return v;
}

static void uart_write(void *opaque, uint64_t off, unsigned int size,
		       uint64_t val)
{
	unsigned int i;

	for (i = 0; i < size; i++)
		uart_write_reg(opaque, (unsigned int)off + i,
			       (uint8_t)(val >> (8 * i)));
}

static const struct mvm_io_ops uart_io = {
	.read = uart_read,
	.write = uart_write,
};

/* ---- Feeding input, watching output ---- */

size_t uart8250_receive(struct uart8250 *u, const uint8_t *buf, size_t n)
{
	size_t i;

	/* In loopback the serial input is disconnected: it waits. */
	if (u->mcr & MCR_LOOP)
		return 0;
	for (i = 0; i < n && u->rx_count < rx_capacity(u); i++)
		rx_push(u, buf[i]);
	if (i)
		uart_update_irq(u);
	return i;
}

void uart8250_set_rx_wake(struct uart8250 *u, uart8250_rx_wake_fn fn,
			  void *ctx)
{
	u->rx_wake = fn;
	u->rx_wake_ctx = ctx;
}

void uart8250_set_tx_hook(struct uart8250 *u, uart8250_tx_fn fn, void *ctx)
{
	u->tx_hook = fn;
	u->tx_ctx = ctx;
}

/* ---- Registry ---- */

/* The registers and the receive FIFO; the line's level with them. */
static int uart_save(void *opaque, struct mvm_state *s)
{
	const struct uart8250 *u = opaque;

	mvm_state_put_bytes(s, u->rx, FIFO_SIZE);
	mvm_state_put_u32(s, u->rx_head);
	mvm_state_put_u32(s, u->rx_count);
	mvm_state_put_u8(s, u->ier);
	mvm_state_put_u8(s, u->lcr);
	mvm_state_put_u8(s, u->mcr);
	mvm_state_put_u8(s, u->lsr);
	mvm_state_put_u8(s, u->msr);
	mvm_state_put_u8(s, u->scr);
	mvm_state_put_u8(s, u->fcr);
	mvm_state_put_u8(s, u->dll);
	mvm_state_put_u8(s, u->dlm);
	mvm_state_put_u8(s, (uint8_t)u->thri);
	mvm_state_put_u8(s, (uint8_t)u->irq_level);
	return 0;
}

static int uart_load(void *opaque, struct mvm_state *s)
{
	struct uart8250 *u = opaque;
	uint8_t thri, level;

	mvm_state_get_bytes(s, u->rx, FIFO_SIZE);
	mvm_state_get_u32_max(s, &u->rx_head, FIFO_SIZE - 1);
	mvm_state_get_u32_max(s, &u->rx_count, FIFO_SIZE);
	mvm_state_get_u8(s, &u->ier);
	mvm_state_get_u8(s, &u->lcr);
	mvm_state_get_u8(s, &u->mcr);
	mvm_state_get_u8(s, &u->lsr);
	mvm_state_get_u8(s, &u->msr);
	mvm_state_get_u8(s, &u->scr);
	mvm_state_get_u8(s, &u->fcr);
	mvm_state_get_u8(s, &u->dll);
	mvm_state_get_u8(s, &u->dlm);
	mvm_state_get_u8(s, &thri);
	mvm_state_get_u8(s, &level);
	/* What the guest could not have written is refused. */
	if (s->err || (u->ier & ~0x0f) || u->rx_count > rx_capacity(u) ||
	    thri > 1 || level > 1)
		return -1;
	u->thri = thri;
	/* The interrupt controller's saved state has the line at this level. */
	u->irq_level = level;
	return 0;
}

static void uart_destroy(void *opaque)
{
	free(opaque);
}

static const struct mvm_vdev_ops uart_vdev = {
	.name = "uart8250",
	.save = uart_save,
	.load = uart_load,
	.destroy = uart_destroy,
};

struct uart8250 *uart8250_create(struct mvm_machine *m, uint16_t base,
				 int in_fd, int out_fd)
{
	struct uart8250 *u = calloc(1, sizeof(*u));
	int err;

	if (!u)
		return NULL;
	u->base = base;
	u->in_fd = in_fd;
	u->out_fd = out_fd;
	u->lsr = LSR_THRE | LSR_TEMT;
	update_msr(u);
	u->msr &= 0xf0;		/* no deltas at power-on */

	if (mvm_bus_register(&m->pio, base, 8, &uart_io, u) < 0)
		goto err_free;
	if (mvm_machine_add_vdev(m, &uart_vdev, u) < 0) {
		mvm_bus_unregister(&m->pio, base);
		goto err_free;
	}
	return u;

err_free:
	err = errno;
	free(u);
	errno = err;
	return NULL;
}

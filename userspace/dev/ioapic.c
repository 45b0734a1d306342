// SPDX-License-Identifier: GPL-2.0-only
/*
 * An IOAPIC (Intel 82093AA, version 0x11) with 24 pins: the machine's
 * interrupt controller for userspace devices.  Each pin's redirection
 * entry turns a raised line into an MSI for the in-kernel local APICs
 * (MVM_SIGNAL_MSI).  Edge pins send on a rising edge; level pins send
 * while the line is up and Remote-IRR is clear, set Remote-IRR, and wait
 * for the EOI of their vector (MVM_EXIT_EOI, from the MSI's level bit) to
 * clear it and send again if the line is still up.
 *
 * Registers: IOREGSEL at 0x00 selects, IOWIN at 0x10 reads and writes
 * the selected one: 0x00 ID, 0x01 version, 0x02 arbitration, 0x10+2n and
 * 0x11+2n the low and high words of entry n.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include "devices.h"
#include "state.h"

#define IOREGSEL	0x00
#define IOWIN		0x10
#define IOAPIC_MMIO_LEN	0x1000

#define REG_ID		0x00
#define REG_VERSION	0x01
#define REG_ARB		0x02
#define REG_REDTBL	0x10

#define IOAPIC_VERSION	0x11

#define RTE_VECTOR	0xffULL
#define RTE_DELMODE	(7ULL << 8)
#define RTE_DESTMODE	(1ULL << 11)	/* logical */
#define RTE_DELIVS	(1ULL << 12)	/* read-only */
#define RTE_POLARITY	(1ULL << 13)
#define RTE_REMOTE_IRR	(1ULL << 14)	/* read-only */
#define RTE_LEVEL	(1ULL << 15)
#define RTE_MASKED	(1ULL << 16)
#define RTE_RO		(RTE_DELIVS | RTE_REMOTE_IRR)

#define MSI_BASE	0xfee00000ULL
#define MSI_LOGICAL	(1ULL << 2)
#define MSI_DATA_LEVEL	(1U << 15)

struct ioapic {
	struct mvm_machine *m;
	int vm_fd;
	uint64_t base;
	uint8_t id;
	uint32_t regsel;
	uint64_t rte[IOAPIC_PINS];
	uint32_t lines;		/* bit n: pin n's line is up */
	int msi_failed;		/* MVM_SIGNAL_MSI failed once (logged) */
};

/* ---- Delivery ---- */

static void send(struct ioapic *io, unsigned int pin)
{
	uint64_t rte = io->rte[pin];
	struct mvm_msi msi = {
		.address = MSI_BASE | ((rte >> 56) & 0xff) << 12 |
			   ((rte & RTE_DESTMODE) ? MSI_LOGICAL : 0),
		.data = (uint32_t)(rte & (RTE_VECTOR | RTE_DELMODE)) |
			((rte & RTE_LEVEL) ? MSI_DATA_LEVEL : 0),
	};

	if (rte & RTE_LEVEL)
		io->rte[pin] |= RTE_REMOTE_IRR;
	if (ioctl(io->vm_fd, MVM_SIGNAL_MSI, &msi) < 0 && !io->msi_failed) {
		io->msi_failed = 1;
		if (io->m->log)
			io->m->log("IOAPIC pin %u: MVM_SIGNAL_MSI (address 0x%llx, data 0x%x) failed: errno %d; the interrupt is lost (logged once)",
				   pin, (unsigned long long)msi.address,
				   msi.data, errno);
	}
}

/* A level pin whose line is up and whose last interrupt was ended. */
static void check_level(struct ioapic *io, unsigned int pin)
{
	uint64_t rte = io->rte[pin];

	if ((rte & RTE_LEVEL) && !(rte & (RTE_MASKED | RTE_REMOTE_IRR)) &&
	    (io->lines & (1U << pin)))
		send(io, pin);
}

static void ioapic_set_irq(void *ctx, unsigned int pin, int level)
{
	struct ioapic *io = ctx;
	uint32_t bit = 1U << pin;
	int was;

	if (pin >= IOAPIC_PINS)
		return;
	was = !!(io->lines & bit);
	if (level)
		io->lines |= bit;
	else
		io->lines &= ~bit;

	if (io->rte[pin] & RTE_LEVEL)
		check_level(io, pin);
	else if (level && !was && !(io->rte[pin] & RTE_MASKED))
		send(io, pin);	/* an edge while masked is lost, as on chip */
}

static void ioapic_eoi(void *ctx, uint8_t vector)
{
	struct ioapic *io = ctx;
	unsigned int pin;

	for (pin = 0; pin < IOAPIC_PINS; pin++) {
		if ((io->rte[pin] & RTE_VECTOR) != vector ||
		    !(io->rte[pin] & RTE_LEVEL))
			continue;
		io->rte[pin] &= ~RTE_REMOTE_IRR;
		check_level(io, pin);
	}
}

static const struct mvm_irq_ops ioapic_irq_ops = {
	.set_irq = ioapic_set_irq,
	.eoi = ioapic_eoi,
};

/* ---- Registers ---- */

static uint32_t reg_read(struct ioapic *io)
{
	unsigned int r = io->regsel & 0xff, pin;

	switch (r) {
	case REG_ID:
	case REG_ARB:
		return (uint32_t)io->id << 24;
	case REG_VERSION:
		return (uint32_t)(IOAPIC_PINS - 1) << 16 | IOAPIC_VERSION;
	}
	if (r < REG_REDTBL || r >= REG_REDTBL + 2 * IOAPIC_PINS)
		return 0xffffffff;
	pin = (r - REG_REDTBL) / 2;
	return (uint32_t)(io->rte[pin] >> ((r & 1) ? 32 : 0));
}

static void reg_write(struct ioapic *io, uint32_t v)
{
	unsigned int r = io->regsel & 0xff, pin;
	uint64_t rte;

	if (r == REG_ID) {
		io->id = (v >> 24) & 0xf;
		return;
	}
	if (r < REG_REDTBL || r >= REG_REDTBL + 2 * IOAPIC_PINS)
		return;		/* version, arbitration: read-only */
	pin = (r - REG_REDTBL) / 2;
	rte = io->rte[pin];
	if (r & 1)
		rte = (rte & 0xffffffffULL) | (uint64_t)v << 32;
	else
		rte = (rte & 0xffffffff00000000ULL) | v;
	/* The read-only bits stay as they are. */
	rte = (rte & ~RTE_RO) | (io->rte[pin] & RTE_RO);
	/* An edge pin has no Remote-IRR. */
	if (!(rte & RTE_LEVEL))
		rte &= ~RTE_REMOTE_IRR;
	io->rte[pin] = rte;
	/* Unmasking a level pin whose line is up interrupts now. */
	check_level(io, pin);
}

static uint64_t ioapic_read(void *opaque, uint64_t off, unsigned int size)
{
	struct ioapic *io = opaque;

	(void)size;
	if (off == IOREGSEL)
		return io->regsel;
	if (off == IOWIN)
		return reg_read(io);
	return 0;
}

static void ioapic_write(void *opaque, uint64_t off, unsigned int size,
			 uint64_t val)
{
	struct ioapic *io = opaque;

	(void)size;
	if (off == IOREGSEL)
		io->regsel = (uint32_t)val & 0xff;
	else if (off == IOWIN)
		reg_write(io, (uint32_t)val);
}

static const struct mvm_io_ops ioapic_io = {
	.read = ioapic_read,
	.write = ioapic_write,
};

/* ---- Registry ---- */

/* The registers and the lines (a level pin's line stays up across it). */
static int ioapic_save(void *opaque, struct mvm_state *s)
{
	const struct ioapic *io = opaque;
	unsigned int i;

	mvm_state_put_u8(s, io->id);
	mvm_state_put_u32(s, io->regsel);
	mvm_state_put_u32(s, io->lines);
	for (i = 0; i < IOAPIC_PINS; i++)
		mvm_state_put_u64(s, io->rte[i]);
	return 0;
}

static int ioapic_load(void *opaque, struct mvm_state *s)
{
	struct ioapic *io = opaque;
	unsigned int i;

	mvm_state_get_u8(s, &io->id);
	mvm_state_get_u32_max(s, &io->regsel, 0xff);
	mvm_state_get_u32(s, &io->lines);
	for (i = 0; i < IOAPIC_PINS; i++)
		mvm_state_get_u64(s, &io->rte[i]);
	if (s->err || io->id > 0xf || (io->lines >> IOAPIC_PINS))
		return -1;
	/*
	 * Remote-IRR says the guest has not yet ended a level interrupt:
	 * the local APIC's saved state has it in service, and its EOI will
	 * clear the bit here.  Nothing is delivered at load.
	 */
	for (i = 0; i < IOAPIC_PINS; i++)
		if (!(io->rte[i] & RTE_LEVEL) && (io->rte[i] & RTE_REMOTE_IRR))
			return -1;
	return 0;
}

static void ioapic_destroy(void *opaque)
{
	free(opaque);
}

static const struct mvm_vdev_ops ioapic_vdev = {
	.name = "ioapic",
	.save = ioapic_save,
	.load = ioapic_load,
	.destroy = ioapic_destroy,
};

int ioapic_create(struct mvm_machine *m, int vm_fd, uint64_t base,
		  uint8_t id)
{
	struct ioapic *io = calloc(1, sizeof(*io));
	unsigned int i;
	int err;

	if (!io)
		return -1;
	io->m = m;
	io->vm_fd = vm_fd;
	io->base = base;
	io->id = id;
	/* At reset every pin is masked. */
	for (i = 0; i < IOAPIC_PINS; i++)
		io->rte[i] = RTE_MASKED;

	if (mvm_bus_register(&m->mmio, base, IOAPIC_MMIO_LEN, &ioapic_io,
			     io) < 0)
		goto err_free;
	if (mvm_machine_add_vdev(m, &ioapic_vdev, io) < 0) {
		mvm_bus_unregister(&m->mmio, base);
		goto err_free;
	}
	m->irq = &ioapic_irq_ops;
	m->irq_ctx = io;
	return 0;

err_free:
	err = errno;
	free(io);
	errno = err;
	return -1;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * A PCI host bridge with one bus (bus 0, function 0 of each of 32 slots),
 * reached both ways a PC's firmware offers: configuration mechanism #1
 * (an address latch at port 0xcf8, data at 0xcfc-0xcff: PCI Local Bus
 * 3.0, 3.2.2.3.2) and an ECAM window (PCIe 5.0, 7.2.2), which the MCFG
 * table describes.  Each function has a 4 KiB configuration space and a
 * mask of the bits the guest may write: everything else reads as the
 * device set it, so a guest cannot make a device claim an identity or a
 * BAR size it does not have, and a state stream loads only through the
 * same mask.  A BAR is on its bus exactly while its decoding is enabled
 * in the command register and it holds an address that fits there.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "state.h"

#define CFG_ADDR_PORT	0xcf8
#define CFG_DATA_PORT	0xcfc
#define CFG_ENABLE	(1U << 31)

/* Host bridge: QEMU's generic "PCIe host bridge" id (docs/specs/pci-ids). */
#define HOST_VENDOR	0x1b36
#define HOST_DEVICE	0x0008
#define HOST_CLASS	0x060000	/* bridge, host */

struct pci_host {
	struct mvm_machine *m;
	uint32_t cfg_addr;		/* mechanism #1's latch */
	struct pci_func *slot[PCI_SLOTS];
};

/* ---- Configuration space ---- */

static void put(uint8_t *p, unsigned int off, uint64_t v, unsigned int n)
{
	while (n--) {
		p[off++] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t get(const uint8_t *p, unsigned int off, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[off + n];
	return v;
}

uint32_t pci_cfg_read(const struct pci_func *f, unsigned int off,
		      unsigned int size)
{
	if (off >= PCI_CFG_SIZE || size > PCI_CFG_SIZE - off)
		return 0xffffffffU;
	return (uint32_t)get(f->cfg, off, size);
}

/* The address BAR i decodes (its upper half too for a 64-bit one). */
static uint64_t bar_addr(const struct pci_func *f, int i)
{
	unsigned int off = PCI_BAR0 + 4 * i;
	uint64_t lo = get(f->cfg, off, 4);

	if (f->bar[i].flags & PCI_BAR_IO)
		return lo & ~3ULL;
	lo &= ~0xfULL;
	if (f->bar[i].flags & PCI_BAR_MEM64)
		lo |= get(f->cfg, off + 4, 4) << 32;
	return lo;
}

/* Put each BAR on its bus, or take it off, as the guest's settings say. */
static void bars_update(struct pci_host *h, struct pci_func *f)
{
	uint16_t cmd = (uint16_t)get(f->cfg, PCI_COMMAND, 2);
	int i;

	for (i = 0; i < PCI_BARS; i++) {
		struct pci_bar *b = &f->bar[i];
		bool io = b->flags & PCI_BAR_IO;
		struct mvm_bus *bus = io ? &h->m->pio : &h->m->mmio;
		uint64_t want = 0;

		if (!b->size)
			continue;
		if (cmd & (io ? PCI_CMD_IO : PCI_CMD_MEM))
			want = bar_addr(f, i);
		if (want == b->mapped)
			continue;
		if (b->mapped)
			mvm_bus_unregister(bus, b->mapped);
		b->mapped = 0;
		/* Over another range, or past the bus: not decoded at all. */
		if (want && mvm_bus_register(bus, want, b->size, b->ops,
					     b->opaque) == 0)
			b->mapped = want;
	}
}

void pci_cfg_write(struct pci_func *f, unsigned int off, unsigned int size,
		   uint32_t val)
{
	unsigned int i;

	if (off >= PCI_CFG_SIZE || size > PCI_CFG_SIZE - off)
		return;
	for (i = 0; i < size; i++, val >>= 8)
		f->cfg[off + i] = (uint8_t)((f->cfg[off + i] & ~f->wmask[off + i]) |
					    ((uint8_t)val & f->wmask[off + i]));
	if (off < PCI_BAR0 + 4 * PCI_BARS && off + size > PCI_COMMAND)
		bars_update(f->host, f);
	if (f->ops && f->ops->cfg_written)
		f->ops->cfg_written(f->opaque, off, size);
}

/* ---- Building a function ---- */

struct pci_func *pci_add(struct pci_host *h, const struct pci_id *id,
			 const struct pci_func_ops *ops, void *opaque)
{
	struct pci_func *f;
	unsigned int s;

	for (s = 0; s < PCI_SLOTS && h->slot[s]; s++)
		;
	if (s == PCI_SLOTS) {
		errno = ENOSPC;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->host = h;
	f->devfn = (uint8_t)(s << 3);
	f->ops = ops;
	f->opaque = opaque;
	put(f->cfg, PCI_VENDOR_ID, id->vendor, 2);
	put(f->cfg, PCI_DEVICE_ID, id->device, 2);
	put(f->cfg, PCI_REVISION, id->revision, 1);
	put(f->cfg, PCI_CLASS, id->class_code, 3);
	put(f->cfg, PCI_SUBSYS_VENDOR, id->subsys_vendor, 2);
	put(f->cfg, PCI_SUBSYS_ID, id->subsys_id, 2);
	put(f->cfg, PCI_INT_PIN, id->int_pin, 1);
	put(f->wmask, PCI_COMMAND, PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER |
	    PCI_CMD_INTX_OFF, 2);
	f->wmask[PCI_CACHE_LINE] = 0xff;
	f->wmask[PCI_LATENCY] = 0xff;
	f->wmask[PCI_INT_LINE] = 0xff;
	h->slot[s] = f;
	return f;
}

void pci_remove(struct pci_func *f)
{
	struct pci_host *h = f->host;
	int i;

	for (i = 0; i < PCI_BARS; i++)
		if (f->bar[i].mapped)
			mvm_bus_unregister((f->bar[i].flags & PCI_BAR_IO) ?
					   &h->m->pio : &h->m->mmio,
					   f->bar[i].mapped);
	h->slot[f->devfn >> 3] = NULL;
	free(f);
}

int pci_set_bar(struct pci_func *f, int i, uint64_t size, unsigned int flags,
		const struct mvm_io_ops *ops, void *opaque)
{
	unsigned int off = PCI_BAR0 + 4 * i;
	uint64_t mask = ~(size - 1);
	bool wide = flags & PCI_BAR_MEM64;

	/* A power of two; I/O BARs 4-256 bytes, memory ones 16 bytes up. */
	if (i < 0 || i >= PCI_BARS - wide || (size & (size - 1)) || !ops ||
	    ((flags & PCI_BAR_IO) ? size < 4 || size > 256 || wide :
				    size < 16 || (!wide && size > 1ULL << 31)) ||
	    f->bar[i].size || (wide && f->bar[i + 1].size) ||
	    (i && (f->bar[i - 1].flags & PCI_BAR_MEM64))) {
		errno = EINVAL;
		return -1;
	}
	f->bar[i] = (struct pci_bar){ .size = size, .flags = flags,
				      .ops = ops, .opaque = opaque };
	put(f->cfg, off, (flags & PCI_BAR_IO) ? 1 : wide ? 4 : 0, 4);
	put(f->wmask, off, mask & ((flags & PCI_BAR_IO) ? ~3ULL : ~0xfULL), 4);
	if (wide)
		put(f->wmask, off + 4, mask >> 32, 4);
	return 0;
}

int pci_add_cap(struct pci_func *f, const uint8_t *body, unsigned int len,
		const uint8_t *wmask)
{
	unsigned int at = f->cap_end ? f->cap_end : PCI_CAP_START;
	unsigned int last = f->cfg[PCI_CAP_PTR], prev = PCI_CAP_PTR;

	at = (at + 3) & ~3U;
	if (len < 2 || at + len > PCI_STD_SIZE) {
		errno = ENOSPC;
		return -1;
	}
	/* Linked at the end of the list: body[1] (next) is ours to set. */
	while (last) {
		prev = last + 1;
		last = f->cfg[last + 1];
	}
	memcpy(f->cfg + at, body, len);
	f->cfg[at + 1] = 0;
	if (wmask)
		memcpy(f->wmask + at, wmask, len);
	f->wmask[at] = f->wmask[at + 1] = 0;
	f->cfg[prev] = (uint8_t)at;
	put(f->cfg, PCI_STATUS, get(f->cfg, PCI_STATUS, 2) | PCI_STATUS_CAPS, 2);
	f->cap_end = at + len;
	return (int)at;
}

/* ---- The two ways in ---- */

static struct pci_func *func_at(const struct pci_host *h, unsigned int bus,
				unsigned int devfn)
{
	/* Only function 0 of each slot: the others read all ones. */
	if (bus || (devfn & 7))
		return NULL;
	return h->slot[devfn >> 3];
}

/* An access to a function's config space at reg: aligned, 1, 2 or 4. */
static uint64_t cfg_access(struct pci_host *h, unsigned int bus,
			   unsigned int devfn, unsigned int reg,
			   unsigned int size, const uint64_t *wval)
{
	struct pci_func *f = func_at(h, bus, devfn);

	if (!f || size > 4 || (reg & (size - 1)))
		return ~0ULL;
	if (wval) {
		pci_cfg_write(f, reg, size, (uint32_t)*wval);
		return 0;
	}
	return pci_cfg_read(f, reg, size);
}

static uint64_t addr_read(void *opaque, uint64_t off, unsigned int size)
{
	struct pci_host *h = opaque;

	return off == 0 && size == 4 ? h->cfg_addr : ~0ULL;
}

static void addr_write(void *opaque, uint64_t off, unsigned int size,
		       uint64_t val)
{
	struct pci_host *h = opaque;

	/* Byte accesses at 0xcf8-0xcfb are not the latch (0xcf9: reset). */
	if (off == 0 && size == 4)
		h->cfg_addr = (uint32_t)val & 0x80fffffcU;
}

static uint64_t data_access(struct pci_host *h, uint64_t off,
			    unsigned int size, const uint64_t *wval)
{
	uint32_t a = h->cfg_addr;

	if (!(a & CFG_ENABLE) || off + size > 4)
		return ~0ULL;
	return cfg_access(h, (a >> 16) & 0xff, (a >> 8) & 0xff,
			  (a & 0xfc) + (unsigned int)off, size, wval);
}

static uint64_t data_read(void *opaque, uint64_t off, unsigned int size)
{
	return data_access(opaque, off, size, NULL);
}

static void data_write(void *opaque, uint64_t off, unsigned int size,
		       uint64_t val)
{
	data_access(opaque, off, size, &val);
}

static uint64_t ecam_read(void *opaque, uint64_t off, unsigned int size)
{
	return cfg_access(opaque, (unsigned int)(off >> 20),
			  (unsigned int)(off >> 12) & 0xff,
			  (unsigned int)off & 0xfff, size, NULL);
}

static void ecam_write(void *opaque, uint64_t off, unsigned int size,
		       uint64_t val)
{
	cfg_access(opaque, (unsigned int)(off >> 20),
		   (unsigned int)(off >> 12) & 0xff, (unsigned int)off & 0xfff,
		   size, &val);
}

static const struct mvm_io_ops addr_io = { addr_read, addr_write };
static const struct mvm_io_ops data_io = { data_read, data_write };
static const struct mvm_io_ops ecam_io = { ecam_read, ecam_write };

/* ---- State: the latch and what the guest wrote of each function ---- */

static int pci_save(void *opaque, struct mvm_state *s)
{
	struct pci_host *h = opaque;
	unsigned int i;

	mvm_state_put_u32(s, h->cfg_addr);
	for (i = 0; i < PCI_SLOTS; i++)
		if (h->slot[i])
			mvm_state_put_bytes(s, h->slot[i]->cfg, PCI_CFG_SIZE);
	return 0;
}

/*
 * The same functions exist (the machine was built the same way): each
 * saved space must differ from the fresh one only in writable bits.
 */
static int pci_load(void *opaque, struct mvm_state *s)
{
	struct pci_host *h = opaque;
	uint8_t cfg[PCI_CFG_SIZE];
	unsigned int i, j;

	if (mvm_state_get_u32(s, &h->cfg_addr) < 0 ||
	    (h->cfg_addr & ~0x80fffffcU))
		return -1;
	for (i = 0; i < PCI_SLOTS; i++) {
		struct pci_func *f = h->slot[i];

		if (!f)
			continue;
		if (mvm_state_get_bytes(s, cfg, sizeof(cfg)) < 0)
			return -1;
		for (j = 0; j < PCI_CFG_SIZE; j++)
			if ((cfg[j] ^ f->cfg[j]) & ~f->wmask[j])
				return -1;
		memcpy(f->cfg, cfg, sizeof(cfg));
		bars_update(h, f);
	}
	return 0;
}

static void pci_destroy(void *opaque)
{
	struct pci_host *h = opaque;
	unsigned int i;

	for (i = 0; i < PCI_SLOTS; i++)
		free(h->slot[i]);
	free(h);
}

static const struct mvm_vdev_ops pci_vdev = {
	.name = "pci",
	.save = pci_save,
	.load = pci_load,
	.destroy = pci_destroy,
};

struct pci_host *pci_host_create(struct mvm_machine *m)
{
	static const struct pci_id bridge = {
		.vendor = HOST_VENDOR, .device = HOST_DEVICE,
		.class_code = HOST_CLASS,
	};
	struct pci_host *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->m = m;
	if (!pci_add(h, &bridge, NULL, NULL))
		goto err;
	if (mvm_bus_register(&m->pio, CFG_ADDR_PORT, 4, &addr_io, h) < 0)
		goto err;
	if (mvm_bus_register(&m->pio, CFG_DATA_PORT, 4, &data_io, h) < 0)
		goto err_addr;
	if (mvm_bus_register(&m->mmio, MVM_PCI_ECAM_BASE, MVM_PCI_ECAM_SIZE,
			     &ecam_io, h) < 0)
		goto err_data;
	if (mvm_machine_add_vdev(m, &pci_vdev, h) < 0)
		goto err_ecam;
	return h;
err_ecam:
	mvm_bus_unregister(&m->mmio, MVM_PCI_ECAM_BASE);
err_data:
	mvm_bus_unregister(&m->pio, CFG_DATA_PORT);
err_addr:
	mvm_bus_unregister(&m->pio, CFG_ADDR_PORT);
err:
	pci_destroy(h);
	return NULL;
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PCI host bridge and its functions (pci.c): what a PCI device of the
 * VMM fills in (its identity, BARs, capabilities) and what it reads back.
 * All under the machine lock, like every bus access.
 */
#ifndef MVM_PCI_H
#define MVM_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "libmvm.h"

#define PCI_SLOTS		32
#define PCI_BARS		6
#define PCI_CFG_SIZE		4096	/* PCIe extended configuration space */
#define PCI_STD_SIZE		256	/* the conventional part */

/* Type 0 header offsets (PCI Local Bus 3.0, 6.1) */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_REVISION		0x08
#define PCI_CLASS		0x09	/* prog-if, subclass, class */
#define PCI_CACHE_LINE		0x0c
#define PCI_LATENCY		0x0d
#define PCI_BAR0		0x10
#define PCI_SUBSYS_VENDOR	0x2c
#define PCI_SUBSYS_ID		0x2e
#define PCI_CAP_PTR		0x34
#define PCI_INT_LINE		0x3c
#define PCI_INT_PIN		0x3d
#define PCI_CAP_START		0x40	/* where capabilities go */

#define PCI_CMD_IO		0x0001
#define PCI_CMD_MEM		0x0002
#define PCI_CMD_MASTER		0x0004
#define PCI_CMD_INTX_OFF	0x0400
#define PCI_STATUS_CAPS		0x0010

#define PCI_BAR_IO		1U	/* an I/O BAR (else 32-bit memory) */
#define PCI_BAR_MEM64		2U	/* a 64-bit memory BAR: takes i and i+1 */

struct pci_host;

struct pci_id {
	uint16_t vendor, device, subsys_vendor, subsys_id;
	uint32_t class_code;	/* class << 16 | subclass << 8 | prog-if */
	uint8_t revision, int_pin;
};

struct pci_func_ops {
	/* The guest wrote size bytes at off (already in cfg, through the mask). */
	void (*cfg_written)(void *opaque, unsigned int off, unsigned int size);
};

struct pci_bar {
	uint64_t size;			/* 0: no BAR */
	unsigned int flags;		/* PCI_BAR_* */
	const struct mvm_io_ops *ops;	/* accesses, off from the BAR's base */
	void *opaque;
	uint64_t mapped;		/* where it is on its bus, 0: nowhere */
};

struct pci_func {
	struct pci_host *host;
	uint8_t devfn;			/* slot << 3 */
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE];	/* bits the guest may change */
	unsigned int cap_end;		/* end of the last capability, 0: none */
	struct pci_bar bar[PCI_BARS];
	const struct pci_func_ops *ops;
	void *opaque;
};

/*
 * The host bridge (00:00.0), mechanism #1 at ports 0xcf8/0xcfc and ECAM
 * at MVM_PCI_ECAM_BASE, in m's registry.  NULL with errno on failure.
 */
struct pci_host *pci_host_create(struct mvm_machine *m);

/* A function in the next free slot of bus 0: NULL with errno (ENOSPC). */
struct pci_func *pci_add(struct pci_host *h, const struct pci_id *id,
			 const struct pci_func_ops *ops, void *opaque);

/* Take a function off the bus again (its creator failed). */
void pci_remove(struct pci_func *f);

/*
 * BAR i of size bytes (a power of two) with its handlers, before the
 * guest runs: 0, or -1 with EINVAL.
 */
int pci_set_bar(struct pci_func *f, int i, uint64_t size, unsigned int flags,
		const struct mvm_io_ops *ops, void *opaque);

/*
 * Append a capability: body[0] is its id, body[1] the next pointer (set
 * here); wmask (NULL: read-only) says which bits the guest may write.
 * Its offset in the config space, or -1 with ENOSPC.
 */
int pci_add_cap(struct pci_func *f, const uint8_t *body, unsigned int len,
		const uint8_t *wmask);

/* Config space as the guest sees it: all ones outside it. */
uint32_t pci_cfg_read(const struct pci_func *f, unsigned int off,
		      unsigned int size);
/* A guest's config write (through the mask; BARs follow). */
void pci_cfg_write(struct pci_func *f, unsigned int off, unsigned int size,
		   uint32_t val);

#endif /* MVM_PCI_H */

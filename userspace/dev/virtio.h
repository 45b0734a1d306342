/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Virtio 1.x devices (the virtio spec 1.2): split virtqueues
 * (virtqueue.c) and the modern PCI transport (virtio_pci.c), for the
 * devices behind it (virtio_rng.c).  Everything the guest wrote is
 * checked before use: a driver that breaks the rules gets its device
 * marked DEVICE_NEEDS_RESET, never an access outside guest RAM.  All
 * under the machine lock.
 */
#ifndef MVM_VIRTIO_H
#define MVM_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include "pci.h"

#define VIRTQ_MAX_SIZE		256

/* Device status (2.1) */
#define VIRTIO_S_ACKNOWLEDGE	0x01
#define VIRTIO_S_DRIVER		0x02
#define VIRTIO_S_DRIVER_OK	0x04
#define VIRTIO_S_FEATURES_OK	0x08
#define VIRTIO_S_NEEDS_RESET	0x40
#define VIRTIO_S_FAILED		0x80

/* Feature bits (6) */
#define VIRTIO_F_EVENT_IDX	(1ULL << 29)
#define VIRTIO_F_VERSION_1	(1ULL << 32)

/* One split virtqueue as the driver set it up, and the device's place in it. */
struct virtq {
	uint16_t size;			/* entries: a power of two */
	uint16_t msix_vector;
	bool enabled;
	bool event_idx;			/* VIRTIO_F_EVENT_IDX negotiated */
	uint64_t desc, avail, used;	/* guest-physical */
	uint16_t last_avail;		/* the next avail entry to take */
	uint16_t used_idx;		/* the next used entry to fill */
	uint16_t signalled;		/* used_idx at the last interrupt */
};

/* One chain the driver made available: its buffers, mapped. */
struct virtq_seg {
	uint8_t *p;
	uint64_t gpa;
	uint32_t len;
	bool write;			/* device-writable */
};

struct virtq_chain {
	uint16_t head;
	unsigned int n;
	struct virtq_seg seg[VIRTQ_MAX_SIZE];
};

/*
 * Are the queue's size and ring addresses ones the device can use (a
 * power of two up to VIRTQ_MAX_SIZE, aligned, in RAM)?
 */
bool virtq_valid(const struct mvm_machine *m, const struct virtq *q);
/*
 * Take the next available chain into *c: 1, 0 when there is none, -1
 * when the driver broke the rules (an index, a loop, an address out of
 * RAM, an indirect descriptor nobody offered): the device must reset.
 */
int virtq_pop(struct mvm_machine *m, struct virtq *q, struct virtq_chain *c);
/* Give the chain at head back with len bytes written into it. */
void virtq_push(struct mvm_machine *m, struct virtq *q, uint16_t head,
		uint32_t len);
/* After pushes: does the driver want an interrupt for them? */
bool virtq_need_irq(struct mvm_machine *m, struct virtq *q);

/* ---- The PCI transport (virtio_pci.c) ---- */

struct virtio_pci;

struct virtio_dev_ops {
	const char *name;		/* the registry's name for its state */
	uint16_t device_id;		/* virtio device id (5) */
	uint32_t class_code;		/* PCI class of the function */
	uint64_t features;		/* the device's own feature bits */
	unsigned int nr_queues;
	uint16_t queue_max;		/* entries a queue may have */
	unsigned int config_len;	/* bytes of device config (0: none) */
	/* The driver kicked queue q (it is enabled, the driver is OK). */
	void (*notify)(void *opaque, struct virtio_pci *vp, unsigned int q);
	/* Device config space, off + size within config_len. */
	uint64_t (*config_read)(void *opaque, unsigned int off, unsigned int size);
	/* The driver reset the device: drop what is in flight. */
	void (*reset)(void *opaque);
	/* With the transport, when the machine goes (NULL: nothing to free). */
	void (*destroy)(void *opaque);
};

/*
 * A virtio device on the PCI host h (a function of its own, MSI-X with
 * one vector per queue and one for config changes) in m's registry;
 * from then on ops->destroy frees opaque.  NULL with errno on failure
 * (opaque is the caller's again).
 */
struct virtio_pci *virtio_pci_create(struct mvm_machine *m, struct pci_host *h,
				     const struct virtio_dev_ops *ops,
				     void *opaque);
struct virtq *virtio_pci_queue(struct virtio_pci *vp, unsigned int q);
/* Interrupt the driver for queue q, if it asked for one. */
void virtio_pci_queue_irq(struct virtio_pci *vp, unsigned int q);
/* The driver broke the rules: DEVICE_NEEDS_RESET, and tell it. */
void virtio_pci_broken(struct virtio_pci *vp, const char *why);

/* ---- Devices ---- */

/* virtio-rng: one queue, filled from getrandom(). */
int virtio_rng_create(struct mvm_machine *m, struct pci_host *h);

#endif /* MVM_VIRTIO_H */

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio 1.x PCI transport, modern interface only (virtio 1.2, 4.1):
 * vendor 0x1af4, device 0x1040 + the virtio id.  Its structures sit in
 * BAR 0 (64-bit memory, 16 KiB), each named by a vendor capability:
 *
 *   0x0000 common configuration   0x2000 device configuration
 *   0x1000 ISR status             0x3000 notifications, 4 bytes a queue
 *
 * and MSI-X (one vector per queue and one for configuration changes) in
 * BAR 2: the table at 0, the pending bits at 0x800.  No legacy INTx line
 * is routed: a driver that does not enable MSI-X sees the ISR bits only.
 * The device touches guest memory (its queues) and sends interrupts only
 * while the driver has it DRIVER_OK and bus mastering is on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "state.h"
#include "virtio.h"

#define VIRTIO_VENDOR		0x1af4
#define VIRTIO_DEVICE_BASE	0x1040

#define BAR_CFG			0
#define BAR_CFG_SIZE		0x4000
#define BAR_MSIX		2
#define BAR_MSIX_SIZE		0x1000

#define OFF_COMMON		0x0000
#define OFF_ISR			0x1000
#define OFF_DEVICE		0x2000
#define OFF_NOTIFY		0x3000
#define NOTIFY_MULT		4
#define COMMON_LEN		0x38

#define MSIX_PBA		0x800
#define MSIX_ENTRIES_MAX	(MSIX_PBA / 16)
#define NO_VECTOR		0xffff

/* Capability types (4.1.4) */
#define CAP_COMMON		1
#define CAP_NOTIFY		2
#define CAP_ISR			3
#define CAP_DEVICE		4

#define PCI_CAP_VNDR		0x09
#define PCI_CAP_MSIX		0x11
#define MSIX_CTL_MASKALL	(1U << 14)
#define MSIX_CTL_ENABLE		(1U << 15)
#define MSIX_ENTRY_MASKED	1U

#define ISR_QUEUE		1
#define ISR_CONFIG		2

struct msix_entry {
	uint64_t addr;
	uint32_t data, ctrl;
};

struct virtio_pci {
	struct mvm_machine *m;
	struct pci_func *f;
	const struct virtio_dev_ops *ops;
	void *opaque;
	struct mvm_vdev_ops vdev;	/* the registry's, named as the device */
	unsigned int msix_cap;		/* its offset in config space */
	unsigned int nr_vectors;
	bool msi_failed;		/* MVM_SIGNAL_MSI failed once (logged) */
	/* What the driver wrote (saved and loaded) */
	uint8_t status, isr, config_gen;
	uint32_t dfeat_sel, gfeat_sel;
	uint64_t driver_features;
	uint16_t queue_sel, config_vector;
	struct virtq q[8];
	struct msix_entry msix[MSIX_ENTRIES_MAX];
	uint64_t pending;		/* MSI-X pending bits */
};

static uint64_t offered(const struct virtio_pci *vp)
{
	return vp->ops->features | VIRTIO_F_VERSION_1 | VIRTIO_F_EVENT_IDX;
}

/* ---- Interrupts ---- */

static uint16_t msix_ctl(const struct virtio_pci *vp)
{
	return (uint16_t)pci_cfg_read(vp->f, vp->msix_cap + 2, 2);
}

static bool may_dma(const struct virtio_pci *vp)
{
	return (pci_cfg_read(vp->f, PCI_COMMAND, 2) & PCI_CMD_MASTER) &&
	       (vp->status & VIRTIO_S_DRIVER_OK);
}

static void msix_send(struct virtio_pci *vp, unsigned int v)
{
	struct mvm_msi msi = { .address = vp->msix[v].addr,
			       .data = vp->msix[v].data };

	if ((msix_ctl(vp) & MSIX_CTL_MASKALL) ||
	    (vp->msix[v].ctrl & MSIX_ENTRY_MASKED)) {
		vp->pending |= 1ULL << v;
		return;
	}
	vp->pending &= ~(1ULL << v);
	if (vp->m->vm_fd >= 0 && ioctl(vp->m->vm_fd, MVM_SIGNAL_MSI, &msi) < 0 &&
	    !vp->msi_failed) {
		vp->msi_failed = true;
		fprintf(stderr, "mvm: %s: MSI to %#llx failed: %m\n",
			vp->ops->name, (unsigned long long)msi.address);
	}
}

static void interrupt(struct virtio_pci *vp, uint16_t vector, uint8_t isr)
{
	vp->isr |= isr;
	if (!(pci_cfg_read(vp->f, PCI_COMMAND, 2) & PCI_CMD_MASTER) ||
	    !(msix_ctl(vp) & MSIX_CTL_ENABLE) || vector >= vp->nr_vectors)
		return;
	msix_send(vp, vector);
}

/* A vector or the whole function unmasked: what was pending goes now. */
static void msix_unmasked(struct virtio_pci *vp)
{
	unsigned int v;

	if (!(msix_ctl(vp) & MSIX_CTL_ENABLE) ||
	    !(pci_cfg_read(vp->f, PCI_COMMAND, 2) & PCI_CMD_MASTER))
		return;
	for (v = 0; v < vp->nr_vectors; v++)
		if (vp->pending & (1ULL << v))
			msix_send(vp, v);
}

void virtio_pci_queue_irq(struct virtio_pci *vp, unsigned int q)
{
	if (q < vp->ops->nr_queues && virtq_need_irq(vp->m, &vp->q[q]))
		interrupt(vp, vp->q[q].msix_vector, ISR_QUEUE);
}

void virtio_pci_broken(struct virtio_pci *vp, const char *why)
{
	if (vp->status & VIRTIO_S_NEEDS_RESET)
		return;
	fprintf(stderr, "mvm: %s: the driver broke the rules (%s): device needs reset\n",
		vp->ops->name, why);
	vp->status |= VIRTIO_S_NEEDS_RESET;
	vp->config_gen++;
	interrupt(vp, vp->config_vector, ISR_CONFIG);
}

struct virtq *virtio_pci_queue(struct virtio_pci *vp, unsigned int q)
{
	return q < vp->ops->nr_queues ? &vp->q[q] : NULL;
}

/* ---- Common configuration ---- */

static void reset(struct virtio_pci *vp)
{
	unsigned int i;

	vp->status = 0;
	vp->isr = 0;
	vp->dfeat_sel = vp->gfeat_sel = 0;
	vp->driver_features = 0;
	vp->queue_sel = 0;
	vp->config_vector = NO_VECTOR;
	for (i = 0; i < vp->ops->nr_queues; i++)
		vp->q[i] = (struct virtq){ .size = vp->ops->queue_max,
					   .msix_vector = NO_VECTOR };
	if (vp->ops->reset)
		vp->ops->reset(vp->opaque);
}

static struct virtq *selected(struct virtio_pci *vp)
{
	return virtio_pci_queue(vp, vp->queue_sel);
}

static uint64_t common_read(struct virtio_pci *vp, unsigned int off)
{
	struct virtq *q = selected(vp);

	switch (off) {
	case 0x00: return vp->dfeat_sel;
	case 0x04: return vp->dfeat_sel < 2 ? (uint32_t)(offered(vp) >> (32 * vp->dfeat_sel)) : 0;
	case 0x08: return vp->gfeat_sel;
	case 0x0c: return vp->gfeat_sel < 2 ? (uint32_t)(vp->driver_features >> (32 * vp->gfeat_sel)) : 0;
	case 0x10: return vp->config_vector;
	case 0x12: return vp->ops->nr_queues;
	case 0x14: return vp->status;
	case 0x15: return vp->config_gen;
	case 0x16: return vp->queue_sel;
	case 0x18: return q ? q->size : 0;
	case 0x1a: return q ? q->msix_vector : NO_VECTOR;
	case 0x1c: return q ? q->enabled : 0;
	case 0x1e: return q ? vp->queue_sel : 0;
	case 0x20: return q ? (uint32_t)q->desc : 0;
	case 0x24: return q ? q->desc >> 32 : 0;
	case 0x28: return q ? (uint32_t)q->avail : 0;
	case 0x2c: return q ? q->avail >> 32 : 0;
	case 0x30: return q ? (uint32_t)q->used : 0;
	case 0x34: return q ? q->used >> 32 : 0;
	}
	return 0;
}

static void set_half(uint64_t *v, unsigned int hi, uint32_t val)
{
	*v = hi ? (*v & 0xffffffffULL) | (uint64_t)val << 32 :
		  (*v & ~0xffffffffULL) | val;
}

static void write_status(struct virtio_pci *vp, uint8_t v)
{
	uint64_t want = vp->driver_features;

	if (!v) {
		reset(vp);
		return;
	}
	v |= vp->status;
	/* FEATURES_OK only for a subset of the offer that has VERSION_1. */
	if ((v & VIRTIO_S_FEATURES_OK) && !(vp->status & VIRTIO_S_FEATURES_OK) &&
	    ((want & ~offered(vp)) || !(want & VIRTIO_F_VERSION_1)))
		v &= (uint8_t)~VIRTIO_S_FEATURES_OK;
	/* DRIVER_OK without FEATURES_OK is no driver the device can serve. */
	if ((v & VIRTIO_S_DRIVER_OK) && !(v & VIRTIO_S_FEATURES_OK))
		v &= (uint8_t)~VIRTIO_S_DRIVER_OK;
	/* Only a reset clears a bit (the driver must not). */
	vp->status = v | vp->status;
}

static void enable_queue(struct virtio_pci *vp, struct virtq *q)
{
	if (q->enabled)
		return;
	if (!(vp->status & VIRTIO_S_FEATURES_OK)) {
		virtio_pci_broken(vp, "a queue enabled before FEATURES_OK");
		return;
	}
	if (!virtq_valid(vp->m, q) || q->size > vp->ops->queue_max) {
		virtio_pci_broken(vp, "a queue with a bad size or ring address");
		return;
	}
	q->event_idx = vp->driver_features & VIRTIO_F_EVENT_IDX;
	q->last_avail = q->used_idx = q->signalled = 0;
	q->enabled = true;
}

static uint16_t vector_ok(const struct virtio_pci *vp, uint32_t v)
{
	return v < vp->nr_vectors ? (uint16_t)v : NO_VECTOR;
}

static void common_write(struct virtio_pci *vp, unsigned int off, uint32_t v)
{
	struct virtq *q = selected(vp);
	bool open = q && !q->enabled;
	bool feat = !(vp->status & VIRTIO_S_FEATURES_OK);

	switch (off) {
	case 0x00: vp->dfeat_sel = v; break;
	case 0x08: vp->gfeat_sel = v; break;
	case 0x0c:
		if (feat && vp->gfeat_sel < 2)
			set_half(&vp->driver_features, vp->gfeat_sel, v);
		break;
	case 0x10: vp->config_vector = vector_ok(vp, v); break;
	case 0x14: write_status(vp, (uint8_t)v); break;
	case 0x16: vp->queue_sel = (uint16_t)v; break;
	case 0x18: if (open) q->size = (uint16_t)v; break;
	case 0x1a: if (q) q->msix_vector = vector_ok(vp, v); break;
	case 0x1c: if (q && v == 1) enable_queue(vp, q); break;
	case 0x20: case 0x24: if (open) set_half(&q->desc, off & 4, v); break;
	case 0x28: case 0x2c: if (open) set_half(&q->avail, off & 4, v); break;
	case 0x30: case 0x34: if (open) set_half(&q->used, off & 4, v); break;
	}
}

/* The width of the field at off (4 for each half of a 64-bit one), or 0. */
static unsigned int field_size(unsigned int off)
{
	static const uint8_t w[COMMON_LEN] = {
		[0x00] = 4, [0x04] = 4, [0x08] = 4, [0x0c] = 4, [0x10] = 2,
		[0x12] = 2, [0x14] = 1, [0x15] = 1, [0x16] = 2, [0x18] = 2,
		[0x1a] = 2, [0x1c] = 2, [0x1e] = 2, [0x20] = 4, [0x24] = 4,
		[0x28] = 4, [0x2c] = 4, [0x30] = 4, [0x34] = 4,
	};

	return off < COMMON_LEN ? w[off] : 0;
}

/* ---- BAR 0 ---- */

static uint64_t bar_read(void *opaque, uint64_t off, unsigned int size)
{
	struct virtio_pci *vp = opaque;
	uint64_t v;

	if (off < OFF_ISR) {
		/* A 64-bit field may be read whole. */
		if (size == 8 && off >= 0x20 && !(off & 7))
			return common_read(vp, (unsigned int)off) |
			       common_read(vp, (unsigned int)off + 4) << 32;
		return field_size((unsigned int)off) == size ?
		       common_read(vp, (unsigned int)off) : 0;
	}
	if (off == OFF_ISR && size == 1) {
		v = vp->isr;
		vp->isr = 0;	/* reading acknowledges */
		return v;
	}
	if (off >= OFF_DEVICE && off - OFF_DEVICE < vp->ops->config_len &&
	    size <= vp->ops->config_len - (off - OFF_DEVICE) &&
	    vp->ops->config_read)
		return vp->ops->config_read(vp->opaque,
					    (unsigned int)(off - OFF_DEVICE), size);
	return 0;
}

static void bar_write(void *opaque, uint64_t off, unsigned int size,
		      uint64_t val)
{
	struct virtio_pci *vp = opaque;
	unsigned int q;

	if (off < OFF_ISR) {
		if (size == 8 && off >= 0x20 && !(off & 7)) {
			common_write(vp, (unsigned int)off, (uint32_t)val);
			common_write(vp, (unsigned int)off + 4, (uint32_t)(val >> 32));
		} else if (field_size((unsigned int)off) == size) {
			common_write(vp, (unsigned int)off, (uint32_t)val);
		}
		return;
	}
	if (off < OFF_NOTIFY || (off - OFF_NOTIFY) % NOTIFY_MULT)
		return;
	q = (unsigned int)((off - OFF_NOTIFY) / NOTIFY_MULT);
	if (q < vp->ops->nr_queues && vp->q[q].enabled && may_dma(vp) &&
	    !(vp->status & VIRTIO_S_NEEDS_RESET))
		vp->ops->notify(vp->opaque, vp, q);
}

static const struct mvm_io_ops bar_io = { bar_read, bar_write };

/* ---- BAR 2: the MSI-X table and pending bits ---- */

static uint64_t msix_read(void *opaque, uint64_t off, unsigned int size)
{
	struct virtio_pci *vp = opaque;
	unsigned int e = (unsigned int)(off / 16), w = (unsigned int)(off % 16);

	if (off >= MSIX_PBA)
		return off == MSIX_PBA && (size == 4 || size == 8) ?
		       vp->pending : 0;
	if (e >= vp->nr_vectors || (size != 4 && size != 8) || (w & (size - 1)))
		return 0;
	switch (w) {
	case 0: return size == 8 ? vp->msix[e].addr : (uint32_t)vp->msix[e].addr;
	case 4: return vp->msix[e].addr >> 32;
	case 8: return vp->msix[e].data | (size == 8 ? (uint64_t)vp->msix[e].ctrl << 32 : 0);
	default: return vp->msix[e].ctrl;
	}
}

static void msix_write(void *opaque, uint64_t off, unsigned int size,
		       uint64_t val)
{
	struct virtio_pci *vp = opaque;
	unsigned int e = (unsigned int)(off / 16), w = (unsigned int)(off % 16);
	struct msix_entry *x;

	if (off >= MSIX_PBA || e >= vp->nr_vectors || (size != 4 && size != 8) ||
	    (w & (size - 1)))
		return;
	x = &vp->msix[e];
	if (w == 0)
		x->addr = size == 8 ? val : (x->addr & ~0xffffffffULL) | (uint32_t)val;
	else if (w == 4)
		x->addr = (x->addr & 0xffffffffULL) | val << 32;
	if (w == 8)
		x->data = (uint32_t)val;
	if (w == 12 || (w == 8 && size == 8)) {
		x->ctrl = (uint32_t)(w == 12 ? val : val >> 32) & MSIX_ENTRY_MASKED;
		msix_unmasked(vp);
	}
}

static const struct mvm_io_ops msix_io = { msix_read, msix_write };

static void cfg_written(void *opaque, unsigned int off, unsigned int size)
{
	struct virtio_pci *vp = opaque;

	/* Message control, or bus mastering: pending vectors may go. */
	if ((off < vp->msix_cap + 4 && off + size > vp->msix_cap + 2) ||
	    (off < PCI_COMMAND + 2 && off + size > PCI_COMMAND))
		msix_unmasked(vp);
}

static const struct pci_func_ops vp_pci_ops = { .cfg_written = cfg_written };

/* ---- State ---- */

static int vp_save(void *opaque, struct mvm_state *s)
{
	struct virtio_pci *vp = opaque;
	unsigned int i;

	mvm_state_put_u8(s, vp->status);
	mvm_state_put_u8(s, vp->isr);
	mvm_state_put_u8(s, vp->config_gen);
	mvm_state_put_u32(s, vp->dfeat_sel);
	mvm_state_put_u32(s, vp->gfeat_sel);
	mvm_state_put_u64(s, vp->driver_features);
	mvm_state_put_u16(s, vp->queue_sel);
	mvm_state_put_u16(s, vp->config_vector);
	for (i = 0; i < vp->ops->nr_queues; i++) {
		const struct virtq *q = &vp->q[i];

		mvm_state_put_u16(s, q->size);
		mvm_state_put_u16(s, q->msix_vector);
		mvm_state_put_u8(s, q->enabled);
		mvm_state_put_u64(s, q->desc);
		mvm_state_put_u64(s, q->avail);
		mvm_state_put_u64(s, q->used);
		mvm_state_put_u16(s, q->last_avail);
		mvm_state_put_u16(s, q->used_idx);
		mvm_state_put_u16(s, q->signalled);
	}
	for (i = 0; i < vp->nr_vectors; i++) {
		mvm_state_put_u64(s, vp->msix[i].addr);
		mvm_state_put_u32(s, vp->msix[i].data);
		mvm_state_put_u32(s, vp->msix[i].ctrl);
	}
	mvm_state_put_u64(s, vp->pending);
	return 0;
}

static bool vector_bad(const struct virtio_pci *vp, uint16_t v)
{
	return v != NO_VECTOR && v >= vp->nr_vectors;
}

/* A status a driver could have reached (write_status()'s rules). */
static bool status_ok(const struct virtio_pci *t)
{
	uint8_t st = t->status;

	return !(st & 0x30) &&
	       (!(st & VIRTIO_S_DRIVER_OK) || (st & VIRTIO_S_FEATURES_OK)) &&
	       (!(st & VIRTIO_S_FEATURES_OK) ||
		(t->driver_features & VIRTIO_F_VERSION_1));
}

static int vp_load(void *opaque, struct mvm_state *s)
{
	struct virtio_pci *vp = opaque, t = *vp;
	unsigned int i;
	uint8_t en;

	if (mvm_state_get_u8(s, &t.status) < 0 ||
	    mvm_state_get_u8(s, &t.isr) < 0 ||
	    mvm_state_get_u8(s, &t.config_gen) < 0 ||
	    mvm_state_get_u32(s, &t.dfeat_sel) < 0 ||
	    mvm_state_get_u32(s, &t.gfeat_sel) < 0 ||
	    mvm_state_get_u64(s, &t.driver_features) < 0 ||
	    mvm_state_get_u16(s, &t.queue_sel) < 0 ||
	    mvm_state_get_u16(s, &t.config_vector) < 0 ||
	    (t.driver_features & ~offered(vp)) || (t.isr & ~3) ||
	    vector_bad(vp, t.config_vector) || !status_ok(&t))
		return -1;
	for (i = 0; i < vp->ops->nr_queues; i++) {
		struct virtq *q = &t.q[i];

		if (mvm_state_get_u16(s, &q->size) < 0 ||
		    mvm_state_get_u16(s, &q->msix_vector) < 0 ||
		    mvm_state_get_u8(s, &en) < 0 ||
		    mvm_state_get_u64(s, &q->desc) < 0 ||
		    mvm_state_get_u64(s, &q->avail) < 0 ||
		    mvm_state_get_u64(s, &q->used) < 0 ||
		    mvm_state_get_u16(s, &q->last_avail) < 0 ||
		    mvm_state_get_u16(s, &q->used_idx) < 0 ||
		    mvm_state_get_u16(s, &q->signalled) < 0 || en > 1 ||
		    vector_bad(vp, q->msix_vector) || q->size > vp->ops->queue_max ||
		    (en && !virtq_valid(vp->m, q)))
			return -1;
		q->enabled = en;
		q->event_idx = t.driver_features & VIRTIO_F_EVENT_IDX;
		if (en && !(t.status & VIRTIO_S_FEATURES_OK))
			return -1;
	}
	for (i = 0; i < vp->nr_vectors; i++)
		if (mvm_state_get_u64(s, &t.msix[i].addr) < 0 ||
		    mvm_state_get_u32(s, &t.msix[i].data) < 0 ||
		    mvm_state_get_u32(s, &t.msix[i].ctrl) < 0 ||
		    (t.msix[i].ctrl & ~MSIX_ENTRY_MASKED))
			return -1;
	if (mvm_state_get_u64(s, &t.pending) < 0 ||
	    (t.pending >> vp->nr_vectors))
		return -1;
	/* All of it checked: only now does the device take it. */
	*vp = t;
	return 0;
}

static void vp_destroy(void *opaque)
{
	struct virtio_pci *vp = opaque;

	if (vp->ops->destroy)
		vp->ops->destroy(vp->opaque);
	free(vp);
}

/* ---- Creation ---- */

static int add_vndr_cap(struct pci_func *f, uint8_t type, uint32_t off,
			uint32_t len, bool notify)
{
	uint8_t c[20] = { PCI_CAP_VNDR, 0, notify ? 20 : 16, type, BAR_CFG };

	memcpy(c + 8, &off, 4);
	memcpy(c + 12, &len, 4);
	if (notify)
		c[16] = NOTIFY_MULT;
	return pci_add_cap(f, c, notify ? 20 : 16, NULL);
}

struct virtio_pci *virtio_pci_create(struct mvm_machine *m, struct pci_host *h,
				     const struct virtio_dev_ops *ops,
				     void *opaque)
{
	static const uint8_t msix_wmask[12] = { [3] = 0xc0 };
	struct pci_id id = {
		.vendor = VIRTIO_VENDOR,
		.device = (uint16_t)(VIRTIO_DEVICE_BASE + ops->device_id),
		.revision = 1, .class_code = ops->class_code,
		.subsys_vendor = VIRTIO_VENDOR, .subsys_id = 0x40,
	};
	struct virtio_pci *vp;
	uint8_t msix[12] = { PCI_CAP_MSIX };
	uint32_t table = BAR_MSIX, pba = MSIX_PBA | BAR_MSIX;
	int cap;

	if (ops->nr_queues > sizeof(vp->q) / sizeof(vp->q[0]) ||
	    !ops->queue_max || ops->queue_max > VIRTQ_MAX_SIZE ||
	    (ops->queue_max & (ops->queue_max - 1)) ||
	    ops->config_len > OFF_NOTIFY - OFF_DEVICE) {
		errno = EINVAL;
		return NULL;
	}
	vp = calloc(1, sizeof(*vp));
	if (!vp)
		return NULL;
	vp->m = m;
	vp->ops = ops;
	vp->opaque = opaque;
	vp->nr_vectors = ops->nr_queues + 1;
	vp->f = pci_add(h, &id, &vp_pci_ops, vp);
	if (!vp->f)
		goto err;
	msix[2] = (uint8_t)(vp->nr_vectors - 1);
	memcpy(msix + 4, &table, 4);
	memcpy(msix + 8, &pba, 4);
	if (pci_set_bar(vp->f, BAR_CFG, BAR_CFG_SIZE, PCI_BAR_MEM64, &bar_io, vp) ||
	    pci_set_bar(vp->f, BAR_MSIX, BAR_MSIX_SIZE, 0, &msix_io, vp) ||
	    add_vndr_cap(vp->f, CAP_COMMON, OFF_COMMON, COMMON_LEN, false) < 0 ||
	    add_vndr_cap(vp->f, CAP_ISR, OFF_ISR, 1, false) < 0 ||
	    (ops->config_len &&
	     add_vndr_cap(vp->f, CAP_DEVICE, OFF_DEVICE, ops->config_len, false) < 0) ||
	    add_vndr_cap(vp->f, CAP_NOTIFY, OFF_NOTIFY,
			 NOTIFY_MULT * ops->nr_queues, true) < 0)
		goto err;
	cap = pci_add_cap(vp->f, msix, sizeof(msix), msix_wmask);
	if (cap < 0)
		goto err;
	vp->msix_cap = (unsigned int)cap;
	/* Masked until the driver programs them (PCI 3.0, 6.8.2.9). */
	for (unsigned int v = 0; v < vp->nr_vectors; v++)
		vp->msix[v].ctrl = MSIX_ENTRY_MASKED;
	reset(vp);
	vp->vdev = (struct mvm_vdev_ops){ .name = ops->name, .save = vp_save,
					  .load = vp_load, .destroy = vp_destroy };
	if (mvm_machine_add_vdev(m, &vp->vdev, vp) < 0)
		goto err;
	return vp;
err:
	if (vp->f)
		pci_remove(vp->f);
	free(vp);
	return NULL;
}

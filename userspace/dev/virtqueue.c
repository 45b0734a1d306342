// SPDX-License-Identifier: GPL-2.0-only
/*
 * Split virtqueues (virtio 1.2, 2.7), the device's side.  The rings live
 * in guest RAM, written by the guest's other vCPUs while the device reads
 * them: each field is read once into a local, checked, and only then
 * used, so a guest cannot change what was checked.  The available index
 * is read before the entries it covers (acquire); a used entry is
 * written before the used index that publishes it (release).  With
 * VIRTIO_F_EVENT_IDX the device publishes avail_event whenever it finds
 * the queue empty, so the driver's next entry notifies it.
 *
 * Driver errors that make the device need a reset: an available index
 * more than a queue ahead, a head or next beyond the table, a chain
 * longer than the table (a loop), a buffer not wholly in RAM, an
 * indirect descriptor (not offered).
 */
#include <stdatomic.h>
#include <string.h>

#include "virtio.h"

#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2
#define VIRTQ_DESC_F_INDIRECT	4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static size_t desc_bytes(uint16_t n)
{
	return 16U * n;
}

static size_t avail_bytes(uint16_t n)
{
	return 6U + 2U * n;	/* flags, idx, ring[n], used_event */
}

static size_t used_bytes(uint16_t n)
{
	return 6U + 8U * n;	/* flags, idx, ring[n], avail_event */
}

bool virtq_valid(const struct mvm_machine *m, const struct virtq *q)
{
	uint16_t n = q->size;

	return n && n <= VIRTQ_MAX_SIZE && !(n & (n - 1)) &&
	       !(q->desc & 15) && !(q->avail & 1) && !(q->used & 3) &&
	       mvm_machine_gpa_to_hva(m, q->desc, desc_bytes(n)) &&
	       mvm_machine_gpa_to_hva(m, q->avail, avail_bytes(n)) &&
	       mvm_machine_gpa_to_hva(m, q->used, used_bytes(n));
}

/* A u16 of guest RAM at gpa (checked by virtq_valid), read once. */
static uint16_t rd16(struct mvm_machine *m, uint64_t gpa)
{
	volatile uint16_t *p = mvm_machine_gpa_to_hva(m, gpa, 2);

	return p ? *p : 0;
}

static void wr16(struct mvm_machine *m, uint64_t gpa, uint16_t v)
{
	volatile uint16_t *p = mvm_machine_gpa_to_hva(m, gpa, 2);

	if (p) {
		*p = v;
		mvm_machine_mark_dirty(m, gpa, 2);
	}
}

int virtq_pop(struct mvm_machine *m, struct virtq *q, struct virtq_chain *c)
{
	uint16_t avail_idx, head, i;
	const volatile uint8_t *table;
	unsigned int n = 0;
	struct vq_desc d;

	if (!q->enabled)
		return 0;
	if (!q->size || q->size > VIRTQ_MAX_SIZE)	/* virtq_valid() said no */
		return -1;
	avail_idx = rd16(m, q->avail + 2);
	if (avail_idx == q->last_avail) {
		if (!q->event_idx)
			return 0;
		/*
		 * With EVENT_IDX the driver notifies only when it passes
		 * avail_event: ask for the next entry, then look again for
		 * one it made available before it could see that.
		 */
		wr16(m, q->used + 4 + 8U * q->size, q->last_avail);
		atomic_thread_fence(memory_order_seq_cst);
		avail_idx = rd16(m, q->avail + 2);
		if (avail_idx == q->last_avail)
			return 0;
	}
	if ((uint16_t)(avail_idx - q->last_avail) > q->size)
		return -1;
	/* The entries the index covers, and their descriptors, after it. */
	atomic_thread_fence(memory_order_acquire);
	head = rd16(m, q->avail + 4 + 2U * (q->last_avail & (q->size - 1)));
	if (head >= q->size)
		return -1;
	table = mvm_machine_gpa_to_hva(m, q->desc, desc_bytes(q->size));
	if (!table)
		return -1;
	for (i = head;; i = d.next) {
		memcpy(&d, (const void *)(table + desc_bytes(i)), sizeof(d));
		if (n == q->size || (d.flags & VIRTQ_DESC_F_INDIRECT))
			return -1;
		c->seg[n].p = mvm_machine_gpa_to_hva(m, d.addr, d.len);
		if (!c->seg[n].p && d.len)
			return -1;
		c->seg[n].gpa = d.addr;
		c->seg[n].len = d.len;
		c->seg[n].write = d.flags & VIRTQ_DESC_F_WRITE;
		n++;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		if (d.next >= q->size)
			return -1;
	}
	c->head = head;
	c->n = n;
	q->last_avail++;
	return 1;
}

void virtq_push(struct mvm_machine *m, struct virtq *q, uint16_t head,
		uint32_t len)
{
	uint64_t at = q->used + 4 + 8U * (q->used_idx & (q->size - 1));
	uint32_t elem[2] = { head, len };
	void *p = mvm_machine_gpa_to_hva(m, at, sizeof(elem));

	if (!p)
		return;
	memcpy(p, elem, sizeof(elem));
	mvm_machine_mark_dirty(m, at, sizeof(elem));
	/* The entry before the index that hands it over. */
	atomic_thread_fence(memory_order_release);
	wr16(m, q->used + 2, ++q->used_idx);
}

bool virtq_need_irq(struct mvm_machine *m, struct virtq *q)
{
	uint16_t old = q->signalled, now = q->used_idx, event;

	if (old == now)
		return false;
	/* The used index is out before the driver's wishes are read. */
	atomic_thread_fence(memory_order_seq_cst);
	q->signalled = now;
	if (!q->event_idx)
		return !(rd16(m, q->avail) & VIRTQ_AVAIL_F_NO_INTERRUPT);
	event = rd16(m, q->avail + 4 + 2U * q->size);	/* used_event */
	return (uint16_t)(now - event - 1) < (uint16_t)(now - old);
}

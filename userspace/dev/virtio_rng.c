// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-rng (virtio 1.2, 5.4): one queue whose device-writable buffers
 * are filled from the host's getrandom(), synchronously at the driver's
 * notification, a queue's worth at most.  At most RNG_CHUNK bytes go into
 * a chain (the spec lets the device fill less), so a driver offering huge
 * buffers costs the VMM no more than one of that size per chain; nor does
 * the VMM wait for entropy (a host whose pool is not ready fills less).
 * No state beyond the queue's.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "virtio.h"

#define VIRTIO_ID_RNG		4
#define RNG_QUEUE_SIZE		64
#define RNG_CHUNK		4096

struct virtio_rng {
	struct mvm_machine *m;
	struct virtq_chain chain;
};

static uint32_t fill(struct virtio_rng *r, const struct virtq_chain *c)
{
	uint32_t done = 0;
	unsigned int i;

	for (i = 0; i < c->n && done < RNG_CHUNK; i++) {
		const struct virtq_seg *s = &c->seg[i];
		uint32_t want = s->len < RNG_CHUNK - done ? s->len : RNG_CHUNK - done;
		uint32_t got = 0;

		if (!s->write)
			continue;
		while (got < want) {
			ssize_t n = getrandom(s->p + got, want - got, GRND_NONBLOCK);

			if (n <= 0) {
				if (n < 0 && errno == EINTR)
					continue;
				break;
			}
			got += (uint32_t)n;
		}
		mvm_machine_mark_dirty(r->m, s->gpa, got);
		done += got;
		if (got < want)
			break;
	}
	return done;
}

static void rng_notify(void *opaque, struct virtio_pci *vp, unsigned int qi)
{
	struct virtio_rng *r = opaque;
	struct virtq *q = virtio_pci_queue(vp, qi);
	int got = 0;

	unsigned int budget = q->size;

	/*
	 * At most a queue's worth per notification: a driver that keeps
	 * adding while the device works must not keep the machine lock.
	 */
	while (budget-- && (got = virtq_pop(r->m, q, &r->chain)) == 1)
		virtq_push(r->m, q, r->chain.head, fill(r, &r->chain));
	if (got < 0)
		virtio_pci_broken(vp, "a malformed descriptor chain");
	virtio_pci_queue_irq(vp, qi);
}

static void rng_destroy(void *opaque)
{
	free(opaque);
}

static const struct virtio_dev_ops rng_ops = {
	.name = "virtio-rng",
	.device_id = VIRTIO_ID_RNG,
	.class_code = 0xff0000,		/* unassigned class */
	.nr_queues = 1,
	.queue_max = RNG_QUEUE_SIZE,
	.notify = rng_notify,
	.destroy = rng_destroy,
};

int virtio_rng_create(struct mvm_machine *m, struct pci_host *h)
{
	struct virtio_rng *r = calloc(1, sizeof(*r));

	if (!r)
		return -1;
	r->m = m;
	if (!virtio_pci_create(m, h, &rng_ops, r)) {
		free(r);
		return -1;
	}
	return 0;
}

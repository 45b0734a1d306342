// SPDX-License-Identifier: GPL-2.0-only
/* libmvm: a machine's buses and its device registry. */
#include <stdlib.h>
#include <string.h>

#include "libmvm.h"

void mvm_machine_init(struct mvm_machine *m, mvm_log_fn log)
{
	memset(m, 0, sizeof(*m));
	m->pio.limit = 0xffff;
	m->mmio.limit = ~0ULL;
	m->log = log;
}

int mvm_machine_add_vdev(struct mvm_machine *m, const struct mvm_vdev_ops *ops,
			 void *opaque)
{
	struct mvm_vdev *d = calloc(1, sizeof(*d));

	if (!d)
		return -1;
	d->ops = ops;
	d->opaque = opaque;
	d->next = m->vdevs;
	m->vdevs = d;
	return 0;
}

void mvm_machine_destroy(struct mvm_machine *m)
{
	struct mvm_vdev *d;

	/* Buses first: no access can reach a device being destroyed. */
	mvm_bus_free(&m->pio);
	mvm_bus_free(&m->mmio);
	while ((d = m->vdevs)) {
		m->vdevs = d->next;
		if (d->ops->destroy)
			d->ops->destroy(d->opaque);
		free(d);
	}
}

void mvm_machine_poweroff(struct mvm_machine *m, int status)
{
	if (m->poweroff)
		return;		/* the first request wins */
	m->poweroff = 1;
	m->poweroff_status = status;
}

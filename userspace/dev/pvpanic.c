// SPDX-License-Identifier: GPL-2.0-only
/*
 * QEMU's pvpanic device (docs/specs/pvpanic.rst) on one I/O port, named
 * QEMU0001 in the DSDT: reading it tells the guest which events the host
 * takes (bit 0, PANICKED); the guest's panic notifier writes bit 0 and
 * mvm stops with status 1.
 */
#include <stdlib.h>

#include "devices.h"

#define PVPANIC_PANICKED	0x01

struct pvpanic {
	struct mvm_machine *m;
	uint16_t port;
	pvpanic_reason_fn reason;
	void *ctx;
};

static uint64_t pvpanic_read(void *opaque, uint64_t off, unsigned int size)
{
	(void)opaque;
	(void)off;
	(void)size;
	return PVPANIC_PANICKED;
}

static void pvpanic_write(void *opaque, uint64_t off, unsigned int size,
			  uint64_t val)
{
	struct pvpanic *p = opaque;
	const char *why = NULL;

	(void)off;
	(void)size;
	if (!(val & PVPANIC_PANICKED))
		return;
	if (p->reason)
		why = p->reason(p->ctx);
	mvm_machine_stop(p->m, 1, why ? why : "guest panicked");
}

static const struct mvm_io_ops pvpanic_io = {
	.read = pvpanic_read,
	.write = pvpanic_write,
};

static void pvpanic_destroy(void *opaque)
{
	free(opaque);
}

static const struct mvm_vdev_ops pvpanic_vdev = {
	.name = "pvpanic",
	.destroy = pvpanic_destroy,
};

int pvpanic_create(struct mvm_machine *m, uint16_t port,
		   pvpanic_reason_fn reason, void *ctx)
{
	struct pvpanic *p = calloc(1, sizeof(*p));

	if (!p)
		return -1;
	p->m = m;
	p->port = port;
	p->reason = reason;
	p->ctx = ctx;
	if (mvm_bus_register(&m->pio, port, 1, &pvpanic_io, p) < 0) {
		free(p);
		return -1;
	}
	if (mvm_machine_add_vdev(m, &pvpanic_vdev, p) < 0) {
		mvm_bus_unregister(&m->pio, port);
		free(p);
		return -1;
	}
	return 0;
}

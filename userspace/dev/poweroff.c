// SPDX-License-Identifier: GPL-2.0-only
/*
 * The power-off port: the guest ends the VM, and picks mvm's exit status,
 * with one OUT.  Same idea as QEMU's isa-debug-exit at the same port, but
 * the status is the value written, not (value << 1) | 1, so that a guest
 * can report success as 0.
 */
#include <stdlib.h>

#include "devices.h"

#define POWEROFF_SIGNATURE	0x4d	/* 'M' */

static uint64_t poweroff_read(void *opaque, uint64_t off, unsigned int size)
{
	(void)opaque;
	(void)off;
	(void)size;
	return POWEROFF_SIGNATURE;
}

static void poweroff_write(void *opaque, uint64_t off, unsigned int size,
			   uint64_t val)
{
	(void)off;
	(void)size;
	mvm_machine_poweroff(opaque, (int)(val & 0xff));
}

static const struct mvm_io_ops poweroff_io = {
	.read = poweroff_read,
	.write = poweroff_write,
};

/* No state: nothing to save, load or free. */
static const struct mvm_vdev_ops poweroff_vdev = {
	.name = "poweroff",
};

int poweroff_port_create(struct mvm_machine *m, uint16_t port)
{
	if (mvm_bus_register(&m->pio, port, 1, &poweroff_io, m) < 0)
		return -1;
	if (mvm_machine_add_vdev(m, &poweroff_vdev, NULL) < 0) {
		mvm_bus_unregister(&m->pio, port);
		return -1;
	}
	return 0;
}

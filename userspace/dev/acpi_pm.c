// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hardware-reduced ACPI sleep registers (ACPI 6.5 section 4.8.3.7),
 * two 8-bit ports the FADT names.  Linux powers off by writing SLP_TYP
 * (the _S5_ value from the DSDT, 5) in bits 4:2 with SLP_EN (bit 5) to
 * the control register; the status register's WAK_STS it only clears.
 */
#include <stdlib.h>

#include "devices.h"

#define SLP_TYP_SHIFT	2
#define SLP_TYP_MASK	0x7
#define SLP_EN		0x20
#define SLP_TYP_S5	5	/* matches Name(_S5_, Package(){5, 0}) */

struct acpi_pm {
	struct mvm_machine *m;
	uint16_t control, status;
};

static uint64_t pm_read(void *opaque, uint64_t off, unsigned int size)
{
	(void)opaque;
	(void)off;
	(void)size;
	return 0;	/* never woken: no WAK_STS */
}

static void control_write(void *opaque, uint64_t off, unsigned int size,
			  uint64_t val)
{
	struct acpi_pm *pm = opaque;

	(void)off;
	(void)size;
	if ((val & SLP_EN) &&
	    ((val >> SLP_TYP_SHIFT) & SLP_TYP_MASK) == SLP_TYP_S5)
		mvm_machine_stop(pm->m, 0, "guest powered off");
	/* Other sleep states are not offered (no _S1_-_S4_): ignored. */
}

static const struct mvm_io_ops control_io = {
	.read = pm_read,
	.write = control_write,
};

static const struct mvm_io_ops status_io = {
	.read = pm_read,
	/* Writing 1s clears status bits; there are none to clear. */
};

static void pm_destroy(void *opaque)
{
	free(opaque);
}

static const struct mvm_vdev_ops pm_vdev = {
	.name = "acpi-pm",
	.destroy = pm_destroy,
};

int acpi_pm_create(struct mvm_machine *m, uint16_t control, uint16_t status)
{
	struct acpi_pm *pm = calloc(1, sizeof(*pm));

	if (!pm)
		return -1;
	pm->m = m;
	pm->control = control;
	pm->status = status;
	if (mvm_bus_register(&m->pio, control, 1, &control_io, pm) < 0)
		goto err_free;
	if (mvm_bus_register(&m->pio, status, 1, &status_io, pm) < 0)
		goto err_control;
	if (mvm_machine_add_vdev(m, &pm_vdev, pm) < 0)
		goto err_status;
	return 0;

err_status:
	mvm_bus_unregister(&m->pio, status);
err_control:
	mvm_bus_unregister(&m->pio, control);
err_free:
	free(pm);
	return -1;
}

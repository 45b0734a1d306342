// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: the guest's e820 memory map.  It must say exactly what is
 * mapped: RAM from 0 below the legacy hole, the hole reserved (the ACPI
 * tables live in it), RAM from 1 MiB to the end of low RAM, PCI's ECAM
 * window reserved, and whatever is left above 4 GiB.
 */
#include "libmvm.h"

static unsigned int add(struct mvm_e820_entry *e, unsigned int n,
			unsigned int max, uint64_t addr, uint64_t end,
			uint32_t type)
{
	if (n >= max || end <= addr)
		return n;
	e[n].addr = addr;
	e[n].size = end - addr;
	e[n].type = type;
	return n + 1;
}

unsigned int mvm_e820_build(uint64_t mem, struct mvm_e820_entry *e,
			    unsigned int max)
{
	uint64_t low = mvm_low_ram(mem);
	unsigned int n = 0;

	n = add(e, n, max, 0, low < MVM_EBDA_START ? low : MVM_EBDA_START,
		1);
	/* The hole is reserved whatever the RAM size: ACPI lives there. */
	n = add(e, n, max, MVM_EBDA_START, MVM_BIOS_END, 2);
	n = add(e, n, max, MVM_BIOS_END, low, 1);
	/* PCI's ECAM window (MCFG): Linux uses it only where reserved. */
	n = add(e, n, max, MVM_PCI_ECAM_BASE,
		MVM_PCI_ECAM_BASE + MVM_PCI_ECAM_SIZE, 2);
	if (mem > low)
		n = add(e, n, max, MVM_HIGH_RAM_BASE,
			MVM_HIGH_RAM_BASE + (mem - low), 1);
	return n;
}

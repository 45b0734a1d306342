// SPDX-License-Identifier: GPL-2.0-only
/* libmvm: VM-level calls. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "libmvm.h"

/* The ABI pinned (the module checks the same on its side). */
#include <linux/mvm_abi_layout.h>

int mvm_create_vcpu(int vm_fd, unsigned int id)
{
	return ioctl(vm_fd, MVM_CREATE_VCPU, (unsigned long)id);
}

int mvm_set_memory_region(int vm_fd, uint32_t slot, uint64_t gpa,
			  uint64_t size, void *hva)
{
	return mvm_set_memory_region_flags(vm_fd, slot, gpa, size, hva, 0);
}

int mvm_set_memory_region_flags(int vm_fd, uint32_t slot, uint64_t gpa,
				uint64_t size, void *hva, uint32_t flags)
{
	/* Designated initialiser: reserved[] is zero. */
	struct mvm_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	return ioctl(vm_fd, MVM_SET_MEMORY_REGION, &r) < 0 ? -1 : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * More guest memory than slot 0: extra slots (read-only ones too) on either
 * backend, and 2 MiB guest pages that identity map a large guest-physical
 * range for 64-bit guests.  Declared in test_vm.h.
 */
#include <errno.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "test_vm_int.h"

#define PDE_P		0x1ULL
#define PDE_RW		0x2ULL
#define PDE_PS		0x80ULL
#define PDE_ADDR	0x000ffffffffff000ULL

int vm_set_region(struct vm *vm, uint32_t slot, uint64_t gpa, uint64_t size,
		  void *hva, uint32_t flags)
{
	long r;

	if (flags & ~VM_MEM_READONLY)
		return -EINVAL;
	if (vm_is_mvm(vm)) {
		struct mvm_memory_region m = {
			.slot = slot,
			.flags = (flags & VM_MEM_READONLY) ? MVM_MEM_READONLY : 0,
			.guest_phys_addr = gpa,
			.memory_size = size,
			.userspace_addr = (uint64_t)hva,
		};

		r = ioctl(vm->fd, MVM_SET_MEMORY_REGION, &m);
	} else {
		struct kvm_userspace_memory_region k = {
			.slot = slot,
			.flags = (flags & VM_MEM_READONLY) ? KVM_MEM_READONLY : 0,
			.guest_phys_addr = gpa,
			.memory_size = size,
			.userspace_addr = (uint64_t)hva,
		};

		r = ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &k);
	}
	return r < 0 ? -errno : 0;
}

void vm_map_identity_2m(struct vm *vm, uint64_t gpa, uint64_t size)
{
	const uint64_t huge = 2ULL << 20;

	TEST_REQUIRE(vm->pml4, "no page tables (not a 64-bit guest)");
	TEST_REQUIRE(!(gpa % huge) && !(size % huge) && gpa + size > gpa,
		     "2 MiB pages need a 2 MiB aligned range");
	for (uint64_t a = gpa; a < gpa + size; a += huge) {
		uint64_t *table = vm_gpa_hva(vm, vm->pml4), *e;

		for (int level = 3; level > 1; level--) {
			e = &table[(a >> (12 + 9 * level)) & 511];
			if (!(*e & PDE_P))
				*e = vm_alloc_pages(vm, 1) | PDE_P | PDE_RW;
			TEST_REQUIRE(!(*e & PDE_PS), "GVA 0x%llx already mapped",
				     (unsigned long long)a);
			table = vm_gpa_hva(vm, *e & PDE_ADDR);
		}
		e = &table[(a >> 21) & 511];
		TEST_REQUIRE(!(*e & PDE_P), "GVA 0x%llx already mapped",
			     (unsigned long long)a);
		*e = a | PDE_P | PDE_RW | PDE_PS;
	}
}

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

	if (flags & ~(VM_MEM_READONLY | VM_MEM_LOG_DIRTY))
		return -EINVAL;
	if (vm_is_mvm(vm)) {
		struct mvm_memory_region m = {
			.slot = slot,
			.flags = ((flags & VM_MEM_READONLY) ? MVM_MEM_READONLY : 0) |
				 ((flags & VM_MEM_LOG_DIRTY) ? MVM_MEM_LOG_DIRTY : 0),
			.guest_phys_addr = gpa,
			.memory_size = size,
			.userspace_addr = (uint64_t)hva,
		};

		r = ioctl(vm->fd, MVM_SET_MEMORY_REGION, &m);
	} else {
		struct kvm_userspace_memory_region k = {
			.slot = slot,
			.flags = ((flags & VM_MEM_READONLY) ? KVM_MEM_READONLY : 0) |
				 ((flags & VM_MEM_LOG_DIRTY) ? KVM_MEM_LOG_DIRTY_PAGES : 0),
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

/* ---- dirty logging ---- */

int vm_dirty_get(struct vm *vm, uint32_t slot, uint64_t *bitmap)
{
	long r;

	if (vm_is_mvm(vm)) {
		struct mvm_dirty_log d = { .slot = slot, .bitmap = (uint64_t)bitmap };

		r = ioctl(vm->fd, MVM_GET_DIRTY_LOG, &d);
	} else {
		struct kvm_dirty_log d = { .slot = slot, .dirty_bitmap = bitmap };

		r = ioctl(vm->fd, KVM_GET_DIRTY_LOG, &d);
	}
	return r < 0 ? -errno : 0;
}

int vm_dirty_clear(struct vm *vm, uint32_t slot, uint64_t first_page,
		   uint64_t num_pages, uint64_t *bitmap)
{
	long r;

	if (vm_is_mvm(vm)) {
		struct mvm_clear_dirty_log c = {
			.slot = slot,
			.first_page = first_page,
			.num_pages = num_pages,
			.bitmap = (uint64_t)bitmap,
		};

		r = ioctl(vm->fd, MVM_CLEAR_DIRTY_LOG, &c);
	} else {
		struct kvm_clear_dirty_log c = {
			.slot = slot,
			.num_pages = num_pages,
			.first_page = first_page,
			.dirty_bitmap = bitmap,
		};

		r = ioctl(vm->fd, KVM_CLEAR_DIRTY_LOG, &c);
	}
	return r < 0 ? -errno : 0;
}

int vm_dirty_manual(struct vm *vm, bool on)
{
	long r;

	if (vm_is_mvm(vm)) {
		struct mvm_enable_cap c = {
			.cap = MVM_CAP_MANUAL_DIRTY_LOG_PROTECT,
			.args[0] = on ? MVM_DIRTY_LOG_MANUAL_PROTECT : 0,
		};

		r = ioctl(vm->fd, MVM_ENABLE_CAP, &c);
	} else {
		struct kvm_enable_cap c = {
			.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
			.args[0] = on ? KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE : 0,
		};

		r = ioctl(vm->fd, KVM_ENABLE_CAP, &c);
	}
	return r < 0 ? -errno : 0;
}

bool vm_has_dirty_log(struct vm *vm, bool manual)
{
	if (vm_is_mvm(vm))
		return ioctl(vm->dev, MVM_CHECK_EXTENSION, manual ?
			     MVM_CAP_MANUAL_DIRTY_LOG_PROTECT : MVM_CAP_DIRTY_LOG) > 0;
	return ioctl(vm->fd, KVM_CHECK_EXTENSION, manual ?
		     KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 : KVM_CAP_SYNC_MMU) > 0;
}

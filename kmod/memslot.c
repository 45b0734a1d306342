// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: guest memory slots.
 *
 * A slot maps a guest-physical range onto the owner process's virtual
 * memory.  Nothing is pinned or even looked up here: the stage-2 fault
 * path resolves pages through the host mm when the guest touches them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/uaccess.h>

#include "mvm.h"

#define MVM_MEM_VALID_FLAGS	(MVM_MEM_READONLY | MVM_MEM_LOG_DIRTY)

static bool mvm_ranges_overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/*
 * The slot that holds gfn, or NULL.  The caller holds vm->lock or
 * mmu.lock: the slots change under both.
 */
const struct mvm_memslot *mvm_memslot_find(const struct mvm_vm *vm, u64 gfn)
{
	unsigned int i;

	for (i = 0; i < MVM_MAX_MEMSLOTS; i++) {
		const struct mvm_memslot *s = &vm->slots[i];

		if (s->npages && gfn >= s->base_gfn &&
		    gfn - s->base_gfn < s->npages)
			return s;
	}
	return NULL;
}

static int mvm_memslot_check(struct mvm_vm *vm,
			     const struct mvm_memory_region *mr)
{
	unsigned int bits = mvm_backend->guest_phys_bits();
	u64 npages = mr->memory_size >> PAGE_SHIFT;
	u64 gpa_end, uaddr_end;
	unsigned int i;

	if (!PAGE_ALIGNED(mr->guest_phys_addr) ||
	    !PAGE_ALIGNED(mr->memory_size) ||
	    !PAGE_ALIGNED(mr->userspace_addr))
		return -EINVAL;
	if (npages > MVM_MAX_SLOT_PAGES)
		return -EINVAL;
	if (check_add_overflow(mr->guest_phys_addr, mr->memory_size, &gpa_end) ||
	    gpa_end > (1ULL << bits))
		return -EINVAL;
	if (check_add_overflow(mr->userspace_addr, mr->memory_size, &uaddr_end) ||
	    !access_ok(u64_to_user_ptr(mr->userspace_addr), mr->memory_size))
		return -EFAULT;

	if (vm->slots[mr->slot].npages)
		return -EEXIST;
	for (i = 0; i < MVM_MAX_MEMSLOTS; i++) {
		const struct mvm_memslot *s = &vm->slots[i];

		if (s->npages &&
		    mvm_ranges_overlap(s->base_gfn, s->npages,
				       mr->guest_phys_addr >> PAGE_SHIFT, npages))
			return -EEXIST;
	}
	return 0;
}

/* Called with vm->lock held; mr is a kernel copy of the user's argument. */
int mvm_set_memory_region(struct mvm_vm *vm,
			  const struct mvm_memory_region *mr)
{
	struct mvm_memslot *slot, new = { };
	unsigned int i;
	int r;

	lockdep_assert_held(&vm->lock);
	if (mr->flags & ~MVM_MEM_VALID_FLAGS)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(mr->reserved); i++) {
		if (mr->reserved[i])
			return -EINVAL;
	}
	if (mr->slot >= MVM_MAX_MEMSLOTS)
		return -EINVAL;
	slot = &vm->slots[mr->slot];

	if (!mr->memory_size) {
		unsigned long *bitmap = slot->dirty_bitmap;

		if (!slot->npages)
			return -ENOENT;
		mvm_mmu_set_slot(vm, mr->slot, &new);
		kvfree(bitmap);
		return 0;
	}
	/* The same slot with only LOG_DIRTY changed keeps its mappings. */
	if (slot->npages && slot->base_gfn << PAGE_SHIFT == mr->guest_phys_addr &&
	    slot->npages << PAGE_SHIFT == mr->memory_size &&
	    slot->userspace_addr == mr->userspace_addr &&
	    (slot->flags ^ mr->flags) == MVM_MEM_LOG_DIRTY)
		return mvm_dirty_log_toggle(vm, mr->slot,
					    mr->flags & MVM_MEM_LOG_DIRTY);

	r = mvm_memslot_check(vm, mr);
	if (r)
		return r;

	new.base_gfn = mr->guest_phys_addr >> PAGE_SHIFT;
	new.userspace_addr = mr->userspace_addr;
	new.flags = mr->flags;
	new.npages = mr->memory_size >> PAGE_SHIFT;
	if (new.flags & MVM_MEM_LOG_DIRTY) {
		r = mvm_dirty_slot_alloc(&new);
		if (r)
			return r;
	}
	mvm_mmu_set_slot(vm, mr->slot, &new);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The per-vCPU dirty ring on mvm and KVM (dirty_ring.h).  The entry, its
 * flags and the mmap offset are the same on both, so one harvest serves.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "dirty_ring.h"
#include "test_vm_int.h"

_Static_assert(sizeof(struct kvm_dirty_gfn) == sizeof(struct mvm_dirty_gfn),
	       "entry");
_Static_assert(KVM_DIRTY_GFN_F_DIRTY == MVM_DIRTY_GFN_F_DIRTY &&
	       KVM_DIRTY_GFN_F_RESET == MVM_DIRTY_GFN_F_RESET, "flags");
_Static_assert(KVM_DIRTY_LOG_PAGE_OFFSET == MVM_DIRTY_RING_PAGE_OFFSET,
	       "mmap offset");

int vm_dirty_ring_enable(struct vm *vm, uint32_t bytes, const char **why)
{
	long r;

	if (vm_is_mvm(vm)) {
		struct mvm_enable_cap c = {
			.cap = MVM_CAP_DIRTY_LOG_RING, .args[0] = bytes,
		};

		if (ioctl(vm->dev, MVM_CHECK_EXTENSION,
			  MVM_CAP_DIRTY_LOG_RING) < (long)bytes) {
			*why = "mvm: no dirty ring of that size";
			return -EOPNOTSUPP;
		}
		r = ioctl(vm->fd, MVM_ENABLE_CAP, &c);
	} else {
		struct kvm_enable_cap c = {
			.cap = KVM_CAP_DIRTY_LOG_RING_ACQ_REL, .args[0] = bytes,
		};

		/* x86 has both; the ACQ_REL one names the ordering used here. */
		if (ioctl(vm->fd, KVM_CHECK_EXTENSION, c.cap) <= 0)
			c.cap = KVM_CAP_DIRTY_LOG_RING;
		if (ioctl(vm->fd, KVM_CHECK_EXTENSION, c.cap) < (long)bytes) {
			*why = "KVM: no dirty ring of that size";
			return -EOPNOTSUPP;
		}
		r = ioctl(vm->fd, KVM_ENABLE_CAP, &c);
	}
	if (r < 0)
		return -errno;
	vm->ring_bytes = bytes;
	return 0;
}

void vcpu_dirty_ring_map(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	void *p;

	if (!vm->ring_bytes)
		return;
	p = mmap(NULL, vm->ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
		 vcpu->fd, MVM_DIRTY_RING_PAGE_OFFSET * getpagesize());
	TEST_REQUIRE(p != MAP_FAILED, "mmap the dirty ring of vCPU %d", vcpu->id);
	vcpu->ring = p;
	vcpu->ring_next = 0;
}

void vcpu_dirty_ring_unmap(struct vcpu *vcpu)
{
	if (vcpu->ring)
		munmap(vcpu->ring, vcpu->vm->ring_bytes);
	vcpu->ring = NULL;
}

uint32_t vm_ring_entries(const struct vm *vm)
{
	return vm->ring_bytes / sizeof(struct mvm_dirty_gfn);
}

uint32_t vcpu_ring_harvest(struct vcpu *vcpu, uint64_t **bitmaps,
			   const uint64_t *npages, uint32_t nslots,
			   uint32_t *bad)
{
	uint32_t mask = vm_ring_entries(vcpu->vm) - 1, n = 0;

	for (;; n++) {
		struct mvm_dirty_gfn *e = &vcpu->ring[vcpu->ring_next & mask];
		uint32_t flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);

		if (!(flags & MVM_DIRTY_GFN_F_DIRTY) ||
		    (flags & MVM_DIRTY_GFN_F_RESET))
			break;
		if (e->slot >= nslots || e->offset >= npages[e->slot])
			(*bad)++;
		else if (bitmaps[e->slot])
			bitmaps[e->slot][e->offset / 64] |= 1ULL << (e->offset % 64);
		__atomic_store_n(&e->flags, flags | MVM_DIRTY_GFN_F_RESET,
				 __ATOMIC_RELEASE);
		vcpu->ring_next++;
	}
	return n;
}

int vm_ring_reset(struct vm *vm)
{
	long r = ioctl(vm->fd, vm_is_mvm(vm) ? MVM_RESET_DIRTY_RINGS :
		       KVM_RESET_DIRTY_RINGS, 0);

	return r < 0 ? -errno : (int)r;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-vCPU dirty ring, on either hypervisor: mvm's
 * MVM_CAP_DIRTY_LOG_RING or KVM's KVM_CAP_DIRTY_LOG_RING_ACQ_REL (else
 * KVM_CAP_DIRTY_LOG_RING).  Both use the same entry ({flags, slot,
 * offset}, DIRTY = bit 0, RESET = bit 1), the same mmap offset (page 64 of
 * the vCPU fd) and a VM ioctl that resets the harvested entries.  The
 * library maps each vCPU's ring (vcpu->ring) when it creates the vCPU.
 */
#ifndef MVM_SELFTEST_DIRTY_RING_H
#define MVM_SELFTEST_DIRTY_RING_H

#include "test_vm.h"

/*
 * A VM whose vCPUs have rings of @bytes, with vCPU 0; NULL with *why set
 * when the hypervisor has no ring (or not that size): the test skips.
 */
struct vm *vm_create_1vcpu_ring(struct vcpu **vcpu, uint32_t bytes,
				const char **why);

#define VM_CREATE_RING_OR_SKIP(vm, vcpu, bytes) do {			\
	const char *__why = NULL;					\
	(vm) = vm_create_1vcpu_ring(&(vcpu), (bytes), &__why);		\
	if (!(vm))							\
		SKIP(return, "%s", __why);				\
	TH_LOG("hypervisor: %s", vm_hv_name(vm));			\
} while (0)

/*
 * Take the entries the kernel published in @vcpu's ring since the last
 * call, in order: each sets bit @offset of @bitmaps[@slot] (64-bit words;
 * NULL: not recorded; a slot >= @nslots or an offset >= @npages[@slot]
 * counts in *@bad), then is flagged RESET.  Returns how many it took.
 */
uint32_t vcpu_ring_harvest(struct vcpu *vcpu, uint64_t **bitmaps,
			   const uint64_t *npages, uint32_t nslots,
			   uint32_t *bad);
/* MVM_RESET_DIRTY_RINGS / KVM_RESET_DIRTY_RINGS: entries reset, or -errno. */
int vm_ring_reset(struct vm *vm);
/* The ring's size in entries. */
uint32_t vm_ring_entries(const struct vm *vm);

#endif /* MVM_SELFTEST_DIRTY_RING_H */

// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: the per-vCPU dirty ring (MVM_CAP_DIRTY_LOG_RING).
 *
 * The alternative to GET_DIRTY_LOG's bitmap: each vCPU publishes the pages
 * it dirties in a ring of {flags, slot, offset} entries that userspace maps
 * from the vCPU fd.  Write protection sees the writes as for the bitmap
 * (dirty.c); the logged slots keep their bitmap, but on a ring VM a bit
 * means "published in some ring and not reset since", the kernel's own
 * record that userspace never sees.  A write fault or a kernel write to a
 * page whose bit is clear pushes one entry into the writing vCPU's ring
 * and sets the bit in the same mmu.lock section; a set bit pushes nothing
 * (the page is in a ring already).  MVM_RESET_DIRTY_RINGS clears the bit
 * of each entry userspace flagged RESET and write-protects its page, in the
 * same section, TLB flush before the lock goes: so a clear bit always means
 * a protected page, whose next write faults and is published again.
 *
 * The indices are the kernel's alone (under mmu.lock); from the shared
 * page the kernel reads only an entry's flags (acquire) and, once flagged
 * RESET, its slot and offset, once each, checked against the live slots.
 * An entry that names no logged slot, or a page past the slot's end, is
 * freed with nothing protected.  A stale entry (its slot deleted, or
 * re-created, or logging turned off and on, since the push) finds the bit
 * of a fresh bitmap: clear, nothing is protected; or set by a newer push of
 * the same page, which it then clears early and protects: harmless, as the
 * newer entry is still in its ring to be harvested, and the page's next
 * write is published again.
 *
 * The soft limit: a vCPU enters the guest only with at least RING_RESERVE
 * free entries (else MVM_RUN exits with MVM_EXIT_DIRTY_RING_FULL).  What
 * one entry can push (one write fault, or an exit's kernel writes: a few
 * pages of kvmclock, a page of INS data) stays far below that.  The hard
 * limit is never passed: a write fault that finds the ring full is left
 * unresolved and exits DIRTY_RING_FULL (the guest retries the access after
 * the reset); a kernel write checks for a free entry before it writes, and
 * fails (-ENOSPC, nothing written) without one, which only userspace can
 * cause (MVM_SET_MSRS writing kvmclock structures without running).  Only
 * the vCPU's own thread pushes into its ring (under vcpu->mutex), so room
 * seen before a write is still there at its push; and the check ignores the
 * slot, which may be logged by the time the write is marked: so that mark
 * never fails.
 *
 * Every mark has a vCPU: write faults come from the vCPU's exit, and the
 * kernel's writes (kvmclock, INS, the TCG descriptor quirk) run in the
 * vCPU thread under vcpu->mutex.  The fault-ahead worker marks nothing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/vmalloc.h>

#include "mvm.h"

#define RING_RESERVE	64U	/* free entries a vCPU needs to enter the guest */
#define RING_CHUNK	4096U	/* entries reset per mmu.lock section */

static_assert(sizeof(struct mvm_dirty_gfn) == 16);
static_assert(offsetof(struct mvm_dirty_gfn, slot) == 4);
static_assert(offsetof(struct mvm_dirty_gfn, offset) == 8);
static_assert(MVM_DIRTY_RING_MIN_BYTES / sizeof(struct mvm_dirty_gfn) >
	      RING_RESERVE);
static_assert(MVM_DIRTY_RING_MAX_BYTES / sizeof(struct mvm_dirty_gfn) <=
	      (1U << 31));

/* vm->lock held: MVM_ENABLE_CAP(MVM_CAP_DIRTY_LOG_RING, bytes). */
int mvm_dirty_ring_enable(struct mvm_vm *vm, u64 bytes)
{
	lockdep_assert_held(&vm->lock);
	if (bytes < MVM_DIRTY_RING_MIN_BYTES ||
	    bytes > MVM_DIRTY_RING_MAX_BYTES || !is_power_of_2(bytes))
		return -EINVAL;
	if (vm->dirty_ring_size)
		return -EEXIST;
	/* A vCPU's ring is sized when it is created. */
	if (vm->nr_vcpus)
		return -EBUSY;
	vm->dirty_ring_size = bytes / sizeof(struct mvm_dirty_gfn);
	return 0;
}

int mvm_dirty_ring_alloc(struct mvm_vcpu *vcpu)
{
	u32 n = vcpu->vm->dirty_ring_size;

	if (!n)
		return 0;
	vcpu->ring.gfns = __vmalloc(n * sizeof(struct mvm_dirty_gfn),
				    GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!vcpu->ring.gfns)
		return -ENOMEM;
	vcpu->ring.size = n;
	return 0;
}

/* The VM is going away: no mapping of the ring is left (each holds the fd). */
void mvm_dirty_ring_free(struct mvm_vcpu *vcpu)
{
	vfree(vcpu->ring.gfns);
	vcpu->ring.gfns = NULL;
}

/* ---- Pushing ---- */

static u32 ring_used(const struct mvm_dirty_ring *r)
{
	return r->dirty_index - READ_ONCE(r->reset_index);
}

/*
 * mmu.lock held: publish page off of slot s (logged, on a ring VM) in
 * vcpu's ring unless it is there already.  False if that needs an entry
 * and the ring has none free.
 */
bool mvm_dirty_ring_mark(struct mvm_vcpu *vcpu, const struct mvm_memslot *s,
			 u64 off)
{
	struct mvm_dirty_ring *r = &vcpu->ring;
	struct mvm_dirty_gfn *e;

	lockdep_assert_held(&vcpu->vm->mmu.lock);
	if (test_bit(off, s->dirty_bitmap))
		return true;
	if (ring_used(r) >= r->size)
		return false;
	e = &r->gfns[r->dirty_index & (r->size - 1)];
	WRITE_ONCE(e->slot, s - vcpu->vm->slots);
	WRITE_ONCE(e->offset, off);
	/* Slot and offset before the flag: pairs with userspace's acquire. */
	smp_store_release(&e->flags, MVM_DIRTY_GFN_F_DIRTY);
	r->dirty_index++;
	set_bit(off, s->dirty_bitmap);
	return true;
}

/*
 * mmu.lock held: may the kernel write guest memory for vcpu now?  Not
 * with its ring full, whatever the slot: logging may come on for it before
 * the write is marked.
 */
bool mvm_dirty_ring_has_room(struct mvm_vcpu *vcpu)
{
	lockdep_assert_held(&vcpu->vm->mmu.lock);
	return !vcpu->ring.size || ring_used(&vcpu->ring) < vcpu->ring.size;
}

/*
 * vCPU thread, before each guest entry: 1 with MVM_EXIT_DIRTY_RING_FULL
 * in the run page when the ring is down to its reserve, else 0.
 */
int mvm_dirty_ring_check(struct mvm_vcpu *vcpu)
{
	struct mvm_dirty_ring *r = &vcpu->ring;

	if (!r->size || r->size - ring_used(r) >= RING_RESERVE)
		return 0;
	vcpu->run->exit_reason = MVM_EXIT_DIRTY_RING_FULL;
	return 1;
}

/* ---- Resetting ---- */

/* mmu.lock held: the entry (slot, off) was harvested.  True: flush. */
static bool ring_protect(struct mvm_vm *vm, u32 slot, u64 off)
{
	struct mvm_memslot *s;
	u64 gfn;

	if (slot >= MVM_MAX_MEMSLOTS)
		return false;
	s = &vm->slots[slot];
	/* A logged slot has pages; off is checked before it indexes. */
	if (!s->dirty_bitmap || off >= s->npages ||
	    !test_and_clear_bit(off, s->dirty_bitmap))
		return false;
	gfn = s->base_gfn + off;
	return mvm_mmu_wrprotect_gfns(vm, gfn, gfn + 1);
}

/* vm->lock held: free r's harvested entries, in order; how many. */
static u32 ring_reset(struct mvm_vm *vm, struct mvm_dirty_ring *r)
{
	struct mvm_mmu *mmu = &vm->mmu;
	struct mvm_dirty_gfn *e;
	u32 done = 0, k, flags;
	bool flush, more = true;

	while (more) {
		flush = false;
		spin_lock(&mmu->lock);
		for (k = 0; k < RING_CHUNK; k++) {
			if (r->reset_index == r->dirty_index) {
				more = false;
				break;
			}
			e = &r->gfns[r->reset_index & (r->size - 1)];
			/* The flag before slot and offset: userspace's release. */
			flags = smp_load_acquire(&e->flags);
			if (!(flags & MVM_DIRTY_GFN_F_RESET)) {
				more = false;
				break;
			}
			flush |= ring_protect(vm, READ_ONCE(e->slot),
					      READ_ONCE(e->offset));
			WRITE_ONCE(e->flags, 0);
			WRITE_ONCE(r->reset_index, r->reset_index + 1);
			done++;
		}
		if (flush)
			mvm_flush_remote_tlbs(vm);
		spin_unlock(&mmu->lock);
		cond_resched();
	}
	return done;
}

long mvm_dirty_ring_reset_all(struct mvm_vm *vm)
{
	long done = 0;
	unsigned int i;

	lockdep_assert_held(&vm->lock);
	if (!vm->dirty_ring_size)
		return -ENXIO;
	for (i = 0; i < MVM_MAX_VCPUS; i++) {
		if (vm->vcpus[i])
			done += ring_reset(vm, &vm->vcpus[i]->ring);
	}
	return done;
}

/* ---- The mapping: ring pages at MVM_DIRTY_RING_PAGE_OFFSET ---- */

static vm_fault_t mvm_dirty_ring_fault(struct vm_fault *vmf)
{
	struct mvm_vcpu *vcpu = vmf->vma->vm_file->private_data;
	unsigned long pg = vmf->pgoff - MVM_DIRTY_RING_PAGE_OFFSET;
	struct page *page;

	/* mremap() may have grown the area: only the ring's pages. */
	if (vmf->pgoff < MVM_DIRTY_RING_PAGE_OFFSET ||
	    pg >= vcpu->ring.size * sizeof(struct mvm_dirty_gfn) / PAGE_SIZE)
		return VM_FAULT_SIGBUS;
	page = vmalloc_to_page((u8 *)vcpu->ring.gfns + pg * PAGE_SIZE);
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct mvm_dirty_ring_vm_ops = {
	.fault = mvm_dirty_ring_fault,
};

/*
 * The owner checked.  The whole ring, shared (a private copy would keep
 * userspace's RESET flags from the kernel), never executable.
 */
int mvm_dirty_ring_mmap(struct mvm_vcpu *vcpu, struct vm_area_struct *vma)
{
	if (!vcpu->ring.size || vma->vm_pgoff != MVM_DIRTY_RING_PAGE_OFFSET ||
	    vma->vm_end - vma->vm_start !=
	    vcpu->ring.size * sizeof(struct mvm_dirty_gfn) ||
	    !(vma->vm_flags & VM_SHARED) || (vma->vm_flags & VM_EXEC))
		return -EINVAL;
	vma->vm_ops = &mvm_dirty_ring_vm_ops;
	return 0;
}

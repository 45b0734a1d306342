/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mvm: the stage-2 (guest-physical -> host-physical) page tables.
 *
 * Generic walk logic for the 4-level x86-64 layout that AMD NPT and Intel
 * EPT share; the backend says how an entry is encoded (struct mvm_s2_fmt).
 * Pages come from the owner's mm on a stage-2 fault and are not pinned: an
 * mmu_notifier removes the entries when the host unmaps, migrates, swaps or
 * merges a page.
 */
#ifndef MVM_MMU_H
#define MVM_MMU_H

#include <linux/mmu_notifier.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct mvm_vm;
struct mvm_memslot;
struct mvm_vcpu;

/* How the backend encodes stage-2 entries (NPT: x86 PTEs; EPT: EPT PTEs). */
struct mvm_s2_fmt {
	/* A leaf mapping pa at level 1 (4 KiB) or 2 (2 MiB). */
	u64 (*leaf)(u64 pa, int level, bool writable);
	/* A non-leaf entry pointing to the table at pa. */
	u64 (*table)(u64 pa);
	bool (*present)(u64 pte);
	bool (*writable)(u64 pte);
	bool (*large)(u64 pte);		/* a leaf above level 1 */
	u64 (*pa)(u64 pte);		/* the address an entry points to */
	/* Levels the hardware walks: 4, or 5 (NPT on a host with LA57). */
	int (*root_level)(void);
	/*
	 * The bit the hardware sets in a leaf it used, which the aging
	 * notifiers test and clear; 0 when the format has none.
	 */
	u64 accessed;
	/*
	 * The bit that lets the guest write through a leaf: cleared to
	 * write-protect it (dirty logging), so the next write faults.
	 */
	u64 write;
	/*
	 * Bits that give a leaf write access again (write, and the dirty
	 * bit where the format has one).
	 */
	u64 mkwrite;
	/*
	 * A software bit the hardware ignores, set in every leaf made
	 * writable: the host page is mapped writable in the owner's mm, so
	 * a write fault on a leaf that only dirty logging write-protected
	 * can give write access back in place, without asking the host mm
	 * (the mmu_notifier removes the leaf before the host takes its
	 * write access away).  0: no such bit, every such fault goes slow.
	 */
	u64 host_writable;
};

struct mvm_mmu {
	spinlock_t lock;		/* everything below, and vm->slots for readers */
	u64 *root;			/* top table, from the page allocator */
	int root_level;			/* fmt->root_level(), fixed at init */
	struct mmu_notifier mn;
	bool mn_registered;
	unsigned long invalidate_seq;	/* bumped by every invalidation */
	unsigned int invalidating;	/* invalidations in progress */
	atomic64_t tlb_gen;		/* bumped whenever entries went away */
	unsigned long nr_tables;	/* table pages, root included */
};

#define MVM_MMU_MMIO	1	/* the address is in no memory slot */
#define MVM_MMU_RING_FULL 2	/* the vCPU's dirty ring has no free entry */

int mvm_mmu_init(struct mvm_vm *vm);
void mvm_mmu_destroy(struct mvm_vm *vm);
phys_addr_t mvm_mmu_root_pa(struct mvm_vm *vm);

/*
 * Resolve a stage-2 fault of vcpu at gpa from its thread (current->mm is
 * the VM's mm).  Returns 0 when the guest can retry the access,
 * MVM_MMU_MMIO when gpa is in no slot, MVM_MMU_RING_FULL when a write
 * needs a dirty-ring entry and the vCPU's ring has none (nothing mapped),
 * or -errno (-EFAULT: the slot's host memory is not mapped; -EINTR: a
 * signal interrupted the fault-in; -ENOMEM).
 */
int mvm_mmu_fault(struct mvm_vcpu *vcpu, u64 gpa, bool write);

/* Copy the slot holding gfn to *out; false when gfn is in none. */
bool mvm_mmu_slot_of(struct mvm_vm *vm, u64 gfn, struct mvm_memslot *out);

/*
 * Change slot idx to *s (npages 0 deletes it), vm->lock held: the old
 * slot's stage-2 entries go first, and faults and the notifier see either
 * the old or the new slot, never a mix.
 */
void mvm_mmu_set_slot(struct mvm_vm *vm, unsigned int idx,
		      const struct mvm_memslot *s);
/*
 * Change slot idx's flags and dirty bitmap to those of *s, vm->lock held,
 * keeping its stage-2 entries: faults in flight retry and see the new
 * flags.
 */
void mvm_mmu_set_slot_flags(struct mvm_vm *vm, unsigned int idx,
			    const struct mvm_memslot *s);
/*
 * mmu.lock held: take write access away from the leaves of [start, end)
 * (gfns); a 2 MiB leaf that overlaps loses it whole.  True if the caller
 * must flush the vCPUs' TLBs.
 */
bool mvm_mmu_wrprotect_gfns(struct mvm_vm *vm, u64 start, u64 end);
/*
 * mmu.lock held, from the owner's thread: zap the 4 KiB leaves of every
 * 2 MiB block of slot s in [start, end) (gfns) that the host maps with
 * one huge page, so that the next fault maps the block with one 2 MiB
 * leaf again.  True if the caller must flush.
 */
bool mvm_mmu_collapse_gfns(struct mvm_vm *vm, const struct mvm_memslot *s,
			   u64 start, u64 end);

#endif /* MVM_MMU_H */

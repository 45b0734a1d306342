// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: fault-ahead of guest memory that the guest writes in sequence.
 *
 * A guest that writes fresh memory front to back (clearing it, loading an
 * image, a memory test) waits, at each stage-2 fault, for the host to
 * allocate and clear the page; for a 2 MiB huge page that clearing is
 * nearly all of the cost.  When write faults move from one 2 MiB block of
 * guest memory to the next, a worker faults the next blocks into the
 * owner's address space meanwhile, on another CPU - readahead for
 * anonymous memory.  The vCPU's own fault on such a block then finds the
 * host page present and only maps it.
 *
 * The worker only touches host memory, as the guest's next write would:
 * through get_user_pages on the owner's mm, charged to the owner's memory
 * cgroup, in anonymous writable mappings only (no copy of a file page is
 * made for a write that may never come).  It never writes stage-2 tables,
 * so the mmu_notifier protocol is untouched, and it keeps no page
 * reference.  Nor does it change what the guest reads (zeros stay zeros),
 * so dirty logging (dirty.c) has nothing to record for it.  At most
 * fault_ahead blocks (capped at FA_MAX_AHEAD) are ahead of the guest's
 * last write fault; 0 turns it off.
 *
 * A charge over the owner's memory.high is paid for (reclaim, throttling)
 * by the charging thread, on its way back to user mode or in the charge
 * itself, against its own mm's memory cgroup: a worker pays for nothing,
 * so the guest could grow past memory.high through it.  So the worker
 * faults a block in only while the owner's cgroup and its ancestors are
 * below memory.high; beyond it the vCPUs' own faults charge, and they pay
 * (mvm_user_work_pending()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched/mm.h>
#include <linux/workqueue.h>

#include "mvm.h"

#define FA_BLOCK_SHIFT	9		/* gfns: 2 MiB blocks */
#define FA_MAX_AHEAD	64U		/* blocks: 128 MiB */

static unsigned int mvm_fault_ahead_blocks = 2;
module_param_named(fault_ahead, mvm_fault_ahead_blocks, uint, 0644);
MODULE_PARM_DESC(fault_ahead,
		 "2 MiB blocks of guest memory faulted in ahead of sequential guest writes (0: off, at most 64)");

static long fa_populate(struct mm_struct *mm, unsigned long hva,
			unsigned long npages)
{
#ifdef MVM_HAVE_GUP_REMOTE_NO_VMAS
	return get_user_pages_remote(mm, hva, npages, FOLL_WRITE, NULL, NULL);
#else
	return get_user_pages_remote(mm, hva, npages, FOLL_WRITE, NULL, NULL,
				     NULL);
#endif
}

/* Is the owner's memory cgroup, or one above it, over memory.high? */
static bool fa_over_high(struct mm_struct *mm)
{
#ifdef CONFIG_MEMCG
	struct mem_cgroup *memcg, *m;
	bool over = false;

	if (mem_cgroup_disabled())
		return false;
	memcg = get_mem_cgroup_from_mm(mm);
	for (m = memcg; m; m = parent_mem_cgroup(m)) {
		if (page_counter_read(&m->memory) > READ_ONCE(m->memory.high)) {
			over = true;
			break;
		}
	}
	mem_cgroup_put(memcg);
	return over;
#else
	return false;
#endif
}

/* Fault in the guest memory of block, where it is anonymous and writable. */
static void fa_block(struct mvm_vm *vm, u64 block)
{
	u64 gfn = block << FA_BLOCK_SHIFT, end = gfn + (1 << FA_BLOCK_SHIFT);
	struct mm_struct *mm = vm->mm;
	struct vm_area_struct *vma;
	struct mvm_memslot slot;
	unsigned long hva, len;

	if (!mvm_mmu_slot_of(vm, gfn, &slot) ||
	    (slot.flags & MVM_MEM_READONLY))
		return;
	end = min(end, slot.base_gfn + slot.npages);
	hva = mvm_memslot_hva(&slot, gfn);
	len = (end - gfn) << PAGE_SHIFT;

	if (!mmget_not_zero(mm))
		return;
	mmap_read_lock(mm);
	vma = vma_lookup(mm, hva);
	if (vma && vma_is_anonymous(vma) && (vma->vm_flags & VM_WRITE) &&
	    hva + len <= vma->vm_end)
		fa_populate(mm, hva, len >> PAGE_SHIFT);
	mmap_read_unlock(mm);
	mmput(mm);
}

static void fa_work(struct work_struct *work)
{
	struct mvm_fault_ahead *fa = container_of(work, struct mvm_fault_ahead,
						  work);
	struct mvm_vm *vm = container_of(fa, struct mvm_vm, fault_ahead);
	u64 block;

	for (;;) {
		spin_lock(&fa->lock);
		if (fa->next >= fa->end) {
			spin_unlock(&fa->lock);
			return;
		}
		block = fa->next++;
		spin_unlock(&fa->lock);
		if (fa_over_high(vm->mm)) {
			spin_lock(&fa->lock);
			fa->next = fa->end;
			spin_unlock(&fa->lock);
			return;
		}
		fa_block(vm, block);
		cond_resched();
	}
}

void mvm_fault_ahead_init(struct mvm_vm *vm)
{
	struct mvm_fault_ahead *fa = &vm->fault_ahead;

	spin_lock_init(&fa->lock);
	INIT_WORK(&fa->work, fa_work);
	fa->last = U64_MAX;
}

/* No vCPU may run any more: the worker ends and is not queued again. */
void mvm_fault_ahead_stop(struct mvm_vm *vm)
{
	cancel_work_sync(&vm->fault_ahead.work);
}

/*
 * A vCPU's write fault at gfn was resolved.  Entering the block after the
 * one of the last write fault continues a sequence: the blocks ahead of
 * it are queued.  Several vCPUs writing at once only make the guess
 * worse, never wrong: the worker faults in memory the guest may use.
 */
void mvm_fault_ahead_note(struct mvm_vm *vm, u64 gfn)
{
	struct mvm_fault_ahead *fa = &vm->fault_ahead;
	unsigned int ahead = READ_ONCE(mvm_fault_ahead_blocks);
	u64 block = gfn >> FA_BLOCK_SHIFT;
	bool queue = false;

	if (!ahead || block == READ_ONCE(fa->last))
		return;
	spin_lock(&fa->lock);
	if (block == fa->last + 1) {
		u64 next = block + 1, end = next + min(ahead, FA_MAX_AHEAD);

		if (fa->next < next || fa->next > end) {
			/* Not where the worker is: start over here. */
			fa->next = next;
			fa->end = end;
		} else {
			fa->end = max(fa->end, end);
		}
		queue = fa->next < fa->end;
	}
	fa->last = block;
	spin_unlock(&fa->lock);
	if (queue)
		queue_work(system_unbound_wq, &fa->work);
}

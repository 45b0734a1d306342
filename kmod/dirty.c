// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: dirty-page logging per memory slot, by stage-2 write protection.
 *
 * A slot with MVM_MEM_LOG_DIRTY has a bitmap, one bit per page.  While it
 * is logged, only a write fault maps one of its pages writable (with a
 * 4 KiB leaf: a 2 MiB leaf is split on the first write), and that fault
 * sets the page's bit under mmu.lock as it installs the leaf.  The kernel's
 * own writes to guest memory (kvmclock, INS) set the bit after the write.
 * So every writable leaf of a logged slot belongs to a page whose bit is
 * set, and a page whose bit is clear faults at its next write.  Reading
 * and clearing a bit (GET, CLEAR) write-protects its page in the same
 * mmu.lock section, with the TLB flush before the lock goes.
 *
 * Long passes over a slot (turning logging on or off, a GET or CLEAR of a
 * large slot) take mmu.lock for DIRTY_CHUNK_PAGES pages at a time and let
 * it go in between, so vCPUs faulting meanwhile wait for one chunk at
 * most.  They run under vm->lock, which keeps the slot and its bitmap.
 *
 * Turning logging off zaps, chunk by chunk, the 4 KiB leaves of every
 * 2 MiB block the host backs with one huge page; the next fault there
 * maps the block with one 2 MiB leaf again (mvm_mmu_collapse_gfns).
 *
 * The fault-ahead worker (fault_ahead.c) marks nothing: it maps no
 * stage-2 entry and only faults anonymous host memory in, which leaves
 * what the guest reads unchanged (zeros stay zeros).
 *
 * On a VM with the per-vCPU dirty ring (dirty_ring.c) the same protection
 * sees the writes, but a bit means "published in a ring, not reset yet":
 * the kernel's own record, which GET and CLEAR do not expose (ENXIO).
 *
 * The ABI says nothing of how writes are seen: the NPT/EPT dirty bits or
 * page-modification logging could replace write protection behind it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "mvm.h"

#define DIRTY_CHUNK_PAGES	16384UL		/* 64 MiB per mmu.lock section */
#define DIRTY_CHUNK_WORDS	(DIRTY_CHUNK_PAGES / BITS_PER_LONG)

static_assert(BITS_PER_LONG == 64);	/* the ABI's words are the kernel's */
static_assert(sizeof(struct mvm_dirty_log) == 48);
static_assert(offsetof(struct mvm_dirty_log, bitmap) == 8);
static_assert(sizeof(struct mvm_clear_dirty_log) == 48);
static_assert(offsetof(struct mvm_clear_dirty_log, bitmap) == 24);
static_assert(sizeof(struct mvm_enable_cap) == 72);
static_assert(offsetof(struct mvm_enable_cap, args) == 8);

int mvm_dirty_slot_alloc(struct mvm_memslot *s)
{
	s->dirty_bitmap = kvcalloc(BITS_TO_LONGS(s->npages), sizeof(long),
				   GFP_KERNEL_ACCOUNT);
	return s->dirty_bitmap ? 0 : -ENOMEM;
}

/* The VM is going away: nothing reads the slots any more. */
void mvm_dirty_free_all(struct mvm_vm *vm)
{
	unsigned int i;

	for (i = 0; i < MVM_MAX_MEMSLOTS; i++) {
		kvfree(vm->slots[i].dirty_bitmap);
		vm->slots[i].dirty_bitmap = NULL;
	}
}

/* ---- Marking ---- */

/*
 * mmu.lock held, with the slot of gfn as it was when its fault began: vcpu
 * dirtied gfn.  False only on a ring VM whose vCPU ring is full: the fault
 * must then map nothing writable (dirty_ring.c).
 */
bool mvm_dirty_mark_locked(struct mvm_vcpu *vcpu, u64 gfn)
{
	struct mvm_vm *vm = vcpu->vm;
	const struct mvm_memslot *s = mvm_memslot_find(vm, gfn);

	lockdep_assert_held(&vm->mmu.lock);
	if (!s || !s->dirty_bitmap)
		return true;
	if (vm->dirty_ring_size)
		return mvm_dirty_ring_mark(vcpu, s, gfn - s->base_gfn);
	set_bit(gfn - s->base_gfn, s->dirty_bitmap);
	return true;
}

/*
 * The kernel wrote guest page gfn through host address hva for vcpu: mark
 * it, after the write so that a GET that reports it finds the new
 * contents.  A slot replaced since (another hva) is not this write's.  On
 * a ring VM the writer saw a free entry before writing, and only this
 * thread fills its ring: the mark cannot fail.
 */
void mvm_dirty_mark(struct mvm_vcpu *vcpu, u64 gfn, u64 hva)
{
	struct mvm_vm *vm = vcpu->vm;
	const struct mvm_memslot *s;

	spin_lock(&vm->mmu.lock);
	s = mvm_memslot_find(vm, gfn);
	if (s && mvm_memslot_hva(s, gfn) == (hva & PAGE_MASK))
		mvm_dirty_mark_locked(vcpu, gfn);
	spin_unlock(&vm->mmu.lock);
}

/* ---- Turning logging on and off ---- */

/*
 * mmu.lock held: write-protect the pages of word w of s's bitmap that are
 * set in bits, and only those (a page CLEAR does not name stays writable),
 * one walk per run of set bits.
 */
static bool dirty_protect_word(struct mvm_vm *vm, const struct mvm_memslot *s,
			       unsigned long w, unsigned long bits)
{
	u64 gfn = s->base_gfn + w * BITS_PER_LONG;
	unsigned int b, e;
	bool flush = false;

	for_each_set_bitrange(b, e, &bits, BITS_PER_LONG)
		flush |= mvm_mmu_wrprotect_gfns(vm, gfn + b, gfn + e);
	return flush;
}

/*
 * vm->lock held: slot idx exists and only its LOG_DIRTY flag changes.
 * The flag (and a zeroed bitmap) is seen by every fault from here on;
 * then the pass takes write access from what was mapped before.  When
 * the ioctl returns, every write the guest makes is recorded.
 */
int mvm_dirty_log_toggle(struct mvm_vm *vm, unsigned int idx, bool on)
{
	struct mvm_memslot new = vm->slots[idx];
	unsigned long *old_bitmap = new.dirty_bitmap;
	struct mvm_mmu *mmu = &vm->mmu;
	u64 gfn, end, lim;
	bool flush;
	int r;

	lockdep_assert_held(&vm->lock);
	if (on) {
		r = mvm_dirty_slot_alloc(&new);
		if (r)
			return r;
		new.flags |= MVM_MEM_LOG_DIRTY;
	} else {
		new.flags &= ~MVM_MEM_LOG_DIRTY;
		new.dirty_bitmap = NULL;
	}
	mvm_mmu_set_slot_flags(vm, idx, &new);
	/* No marker reaches the old bitmap: they look under mmu.lock. */
	kvfree(old_bitmap);

	lim = new.base_gfn + new.npages;
	for (gfn = new.base_gfn; gfn < lim; gfn = end) {
		end = min(lim, gfn + DIRTY_CHUNK_PAGES);
		spin_lock(&mmu->lock);
		if (on)
			flush = mvm_mmu_wrprotect_gfns(vm, gfn, end);
		else
			flush = mvm_mmu_collapse_gfns(vm, &vm->slots[idx], gfn,
						      end);
		if (flush)
			mvm_flush_remote_tlbs(vm);
		spin_unlock(&mmu->lock);
		cond_resched();
	}
	return 0;
}

/* ---- The ioctls ---- */

/*
 * The logged slot an ioctl names: -EINVAL beyond the ids, -ENOENT unlogged,
 * -ENXIO on a ring VM (its bitmaps are the kernel's record of what the
 * rings hold, not a log for userspace).
 */
static int dirty_slot(struct mvm_vm *vm, u32 id, struct mvm_memslot **out)
{
	struct mvm_memslot *s;

	if (vm->dirty_ring_size)
		return -ENXIO;
	if (id >= MVM_MAX_MEMSLOTS)
		return -EINVAL;
	s = &vm->slots[id];
	if (!s->npages || !s->dirty_bitmap)
		return -ENOENT;
	*out = s;
	return 0;
}

int mvm_get_dirty_log(struct mvm_vm *vm, const struct mvm_dirty_log *a)
{
	struct mvm_mmu *mmu = &vm->mmu;
	struct mvm_memslot *s;
	unsigned long n, w, i, end, *buf, *bm;
	bool flush;
	int r;

	lockdep_assert_held(&vm->lock);
	if (a->flags || memchr_inv(a->reserved, 0, sizeof(a->reserved)))
		return -EINVAL;
	r = dirty_slot(vm, a->slot, &s);
	if (r)
		return r;
	bm = s->dirty_bitmap;
	n = BITS_TO_LONGS(s->npages);
	buf = kvmalloc_array(n, sizeof(long), GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;

	for (w = 0; w < n; w = end) {
		end = min(n, w + DIRTY_CHUNK_WORDS);
		flush = false;
		spin_lock(&mmu->lock);
		for (i = w; i < end; i++) {
			if (vm->dirty_manual) {
				buf[i] = READ_ONCE(bm[i]);
				continue;
			}
			buf[i] = xchg(&bm[i], 0);
			if (buf[i])
				flush |= dirty_protect_word(vm, s, i, buf[i]);
		}
		if (flush)
			mvm_flush_remote_tlbs(vm);
		spin_unlock(&mmu->lock);
		cond_resched();
	}

	r = 0;
	if (copy_to_user(u64_to_user_ptr(a->bitmap), buf, n * sizeof(long))) {
		/*
		 * Undone, a chunk per mmu.lock section as above: the pages are
		 * still dirty (and harmlessly protected).
		 */
		for (w = 0; !vm->dirty_manual && w < n; w = end) {
			end = min(n, w + DIRTY_CHUNK_WORDS);
			spin_lock(&mmu->lock);
			for (i = w; i < end; i++)
				bm[i] |= buf[i];
			spin_unlock(&mmu->lock);
			cond_resched();
		}
		r = -EFAULT;
	}
	kvfree(buf);
	return r;
}

int mvm_clear_dirty_log(struct mvm_vm *vm, const struct mvm_clear_dirty_log *a)
{
	struct mvm_mmu *mmu = &vm->mmu;
	struct mvm_memslot *s;
	unsigned long n, w0, w, i, end, bits, *buf, *bm;
	bool flush;
	int r;

	lockdep_assert_held(&vm->lock);
	if (a->flags || memchr_inv(a->reserved, 0, sizeof(a->reserved)))
		return -EINVAL;
	r = dirty_slot(vm, a->slot, &s);
	if (r)
		return r;
	if (!vm->dirty_manual)
		return -EINVAL;
	if (a->first_page > s->npages || a->num_pages > s->npages - a->first_page ||
	    (a->first_page % BITS_PER_LONG) ||
	    ((a->num_pages % BITS_PER_LONG) &&
	     a->first_page + a->num_pages != s->npages))
		return -EINVAL;
	if (!a->num_pages)
		return 0;

	bm = s->dirty_bitmap;
	w0 = a->first_page / BITS_PER_LONG;
	n = BITS_TO_LONGS(a->num_pages);
	buf = kvmalloc_array(n, sizeof(long), GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	if (copy_from_user(buf, u64_to_user_ptr(a->bitmap), n * sizeof(long))) {
		r = -EFAULT;
		goto out;
	}
	buf[n - 1] &= BITMAP_LAST_WORD_MASK(a->num_pages);

	for (w = 0; w < n; w = end) {
		end = min(n, w + DIRTY_CHUNK_WORDS);
		flush = false;
		spin_lock(&mmu->lock);
		for (i = w; i < end; i++) {
			bits = buf[i] & READ_ONCE(bm[w0 + i]);
			if (!bits)
				continue;
			WRITE_ONCE(bm[w0 + i], bm[w0 + i] & ~bits);
			flush |= dirty_protect_word(vm, s, w0 + i, bits);
		}
		if (flush)
			mvm_flush_remote_tlbs(vm);
		spin_unlock(&mmu->lock);
		cond_resched();
	}
out:
	kvfree(buf);
	return r;
}

int mvm_dirty_enable_cap(struct mvm_vm *vm, const struct mvm_enable_cap *c)
{
	lockdep_assert_held(&vm->lock);
	if (c->flags || c->args[1] || c->args[2] || c->args[3] ||
	    memchr_inv(c->reserved, 0, sizeof(c->reserved)))
		return -EINVAL;
	switch (c->cap) {
	case MVM_CAP_MANUAL_DIRTY_LOG_PROTECT:
		if (c->args[0] & ~MVM_DIRTY_LOG_MANUAL_PROTECT)
			return -EINVAL;
		vm->dirty_manual = c->args[0] & MVM_DIRTY_LOG_MANUAL_PROTECT;
		return 0;
	case MVM_CAP_DIRTY_LOG_RING:
		return mvm_dirty_ring_enable(vm, c->args[0]);
	default:
		return -EINVAL;
	}
}

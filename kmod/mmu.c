// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: stage-2 page tables, filled on demand from the owner's memory.
 *
 * A stage-2 fault looks up the slot, gets the page through the host mm
 * (get_user_pages: the host allocates, swaps in, breaks COW as for any
 * access of the process), installs the entry and drops the page reference
 * at once: nothing is pinned.  The mmu_notifier on the owner's mm removes
 * entries before the host unmaps, moves, swaps or merges a page, so the
 * guest never keeps a page the host has let go of.
 *
 * Locking: mmu->lock (a spinlock) covers the tables, invalidate_seq and
 * invalidating, and - for readers - the slot array: slots change under
 * vm->lock _and_ mmu->lock (mvm_mmu_set_slot), so the fault path and the
 * notifier read them under mmu->lock alone and never take the vm->lock
 * mutex (which a faulting thread may hold while reclaim calls the
 * notifier).  A fault samples invalidate_seq before get_user_pages and
 * installs only if no invalidation ran or runs meanwhile.  Entries go away
 * only with mvm_flush_remote_tlbs() before mmu->lock is dropped, and a
 * table page is freed only after that flush (the CPU may cache pointers to
 * it): that is why the flush runs under the spinlock.
 *
 * The tree has fmt->root_level levels (4, or 5 for NPT under LA57); a gpa
 * beyond what it covers cannot be mapped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/pgtable.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "mvm.h"

#define S2_MAX_LEVELS		5
#define S2_ENTRIES		512
#define S2_CACHE		(S2_MAX_LEVELS - 1)	/* tables one fault may add */

static inline unsigned int s2_index(u64 gfn, int level)
{
	return (gfn >> (9 * (level - 1))) & (S2_ENTRIES - 1);
}

static u64 *s2_table_va(const struct mvm_s2_fmt *f, u64 pte)
{
	return __va(f->pa(pte));
}

/* ---- Freeing and zapping ---- */

static void s2_free_table(struct mvm_mmu *mmu, const struct mvm_s2_fmt *f,
			  u64 *table, int level)
{
	unsigned int i;

	if (level > 1) {
		for (i = 0; i < S2_ENTRIES; i++) {
			if (f->present(table[i]) && !f->large(table[i]))
				s2_free_table(mmu, f, s2_table_va(f, table[i]),
					      level - 1);
		}
	}
	free_page((unsigned long)table);
	mmu->nr_tables--;
}

enum s2_op {
	S2_ZAP,			/* clear the leaves */
	S2_TEST_YOUNG,		/* any leaf with the accessed bit? */
	S2_CLEAR_YOUNG,		/* clear the accessed bits */
	S2_WRPROT,		/* clear the write bits (dirty logging) */
};

/*
 * Apply op to the leaves of [start, end) (gfns) below table, which maps
 * gfns from base.  A large leaf that overlaps the range counts whole (a
 * zap removes all of it).  True if any entry went away, or was young.
 */
static bool s2_walk(const struct mvm_s2_fmt *f, u64 *table, int level,
		    u64 base, u64 start, u64 end, enum s2_op op)
{
	unsigned int shift = 9 * (level - 1);
	u64 span = 1ULL << shift, i, last;
	bool ret = false;

	/* Only the entries that overlap [start, end); end > base here. */
	i = start > base ? (start - base) >> shift : 0;
	last = min_t(u64, (end - 1 - base) >> shift, S2_ENTRIES - 1);
	for (; i <= last; i++) {
		u64 lo = base + i * span;
		u64 pte = READ_ONCE(table[i]);

		if (!f->present(pte))
			continue;
		if (level > 1 && !f->large(pte)) {
			ret |= s2_walk(f, s2_table_va(f, pte), level - 1, lo,
				       start, end, op);
		} else if (op == S2_ZAP) {
			WRITE_ONCE(table[i], 0);
			ret = true;
		} else if (op == S2_WRPROT) {
			/* Atomic: the CPU may set A in the same entry. */
			if (pte & f->write) {
				clear_bit(__ffs64(f->write),
					  (unsigned long *)&table[i]);
				ret = true;
			}
		} else if (pte & f->accessed) {
			/* Atomic: the CPU may set D in the same entry. */
			if (op == S2_CLEAR_YOUNG)
				clear_bit(__ffs64(f->accessed),
					  (unsigned long *)&table[i]);
			ret = true;
		}
	}
	return ret;
}

/* gfns one table tree covers */
static u64 s2_gfn_limit(const struct mvm_mmu *mmu)
{
	return 1ULL << (9 * mmu->root_level);
}

/* mmu->lock held.  True if the caller must flush the vCPUs' TLBs. */
static bool s2_zap_gfns(struct mvm_vm *vm, u64 start, u64 end)
{
	struct mvm_mmu *mmu = &vm->mmu;

	lockdep_assert_held(&mmu->lock);
	if (start >= end || !mmu->root)
		return false;
	return s2_walk(mvm_backend->s2, mmu->root, mmu->root_level, 0, start,
		       end, S2_ZAP);
}

/*
 * mmu->lock held: op on the gfns of the slots' memory in [hva_start,
 * hva_end).
 */
static bool s2_hvas(struct mvm_vm *vm, unsigned long hva_start,
		    unsigned long hva_end, enum s2_op op)
{
	struct mvm_mmu *mmu = &vm->mmu;

	bool zapped = false;
	unsigned int i;

	for (i = 0; i < MVM_MAX_MEMSLOTS; i++) {
		const struct mvm_memslot *s = &vm->slots[i];
		u64 s_end = s->userspace_addr + (s->npages << PAGE_SHIFT);
		u64 lo, hi;

		if (!s->npages || hva_end <= s->userspace_addr ||
		    hva_start >= s_end)
			continue;
		lo = max_t(u64, hva_start, s->userspace_addr);
		hi = min_t(u64, hva_end, s_end);
		zapped |= s2_walk(mvm_backend->s2, mmu->root, mmu->root_level,
			0, s->base_gfn + ((lo - s->userspace_addr) >> PAGE_SHIFT),
			s->base_gfn + ((hi - s->userspace_addr + PAGE_SIZE - 1) >>
				       PAGE_SHIFT), op);
	}
	return zapped;
}

/* ---- The mmu_notifier ---- */

static struct mvm_vm *mn_to_vm(struct mmu_notifier *mn)
{
	return container_of(mn, struct mvm_vm, mmu.mn);
}

static int mvm_mn_invalidate_start(struct mmu_notifier *mn,
				   const struct mmu_notifier_range *range)
{
	struct mvm_vm *vm = mn_to_vm(mn);
	struct mvm_mmu *mmu = &vm->mmu;

	spin_lock(&mmu->lock);
	mmu->invalidating++;
	mmu->invalidate_seq++;
	if (s2_hvas(vm, range->start, range->end, S2_ZAP))
		mvm_flush_remote_tlbs(vm);
	spin_unlock(&mmu->lock);
	return 0;
}

static void mvm_mn_invalidate_end(struct mmu_notifier *mn,
				  const struct mmu_notifier_range *range)
{
	struct mvm_mmu *mmu = &mn_to_vm(mn)->mmu;

	spin_lock(&mmu->lock);
	mmu->invalidating--;
	mmu->invalidate_seq++;
	spin_unlock(&mmu->lock);
}

/* The owner's mm is going away: nothing it maps may stay reachable. */
static void mvm_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct mvm_vm *vm = mn_to_vm(mn);
	struct mvm_mmu *mmu = &vm->mmu;

	spin_lock(&mmu->lock);
	mmu->invalidate_seq++;
	if (s2_zap_gfns(vm, 0, s2_gfn_limit(mmu)))
		mvm_flush_remote_tlbs(vm);
	spin_unlock(&mmu->lock);
}

/*
 * Aging: reclaim asks whether the guest used a page since the last look.
 * A format without an accessed bit reports "not young" (reclaim then
 * prefers those pages; the invalidation still removes them correctly).
 */
static int mvm_mn_age(struct mmu_notifier *mn, unsigned long start,
		      unsigned long end, enum s2_op op, bool flush)
{
	struct mvm_vm *vm = mn_to_vm(mn);
	struct mvm_mmu *mmu = &vm->mmu;
	bool young;

	if (!mvm_backend->s2->accessed)
		return 0;
	spin_lock(&mmu->lock);
	young = s2_hvas(vm, start, end, op);
	/* Without a flush the CPU need not walk (and set A) again. */
	if (young && flush)
		mvm_flush_remote_tlbs(vm);
	spin_unlock(&mmu->lock);
	return young;
}

static int mvm_mn_clear_flush_young(struct mmu_notifier *mn,
				    struct mm_struct *mm, unsigned long start,
				    unsigned long end)
{
	return mvm_mn_age(mn, start, end, S2_CLEAR_YOUNG, true);
}

static int mvm_mn_clear_young(struct mmu_notifier *mn, struct mm_struct *mm,
			      unsigned long start, unsigned long end)
{
	return mvm_mn_age(mn, start, end, S2_CLEAR_YOUNG, false);
}

static int mvm_mn_test_young(struct mmu_notifier *mn, struct mm_struct *mm,
			     unsigned long address)
{
	return mvm_mn_age(mn, address, address + 1, S2_TEST_YOUNG, false);
}

static const struct mmu_notifier_ops mvm_mn_ops = {
	.invalidate_range_start	= mvm_mn_invalidate_start,
	.invalidate_range_end	= mvm_mn_invalidate_end,
	.release		= mvm_mn_release,
	.clear_flush_young	= mvm_mn_clear_flush_young,
	.clear_young		= mvm_mn_clear_young,
	.test_young		= mvm_mn_test_young,
};

/* ---- Setup and teardown ---- */

int mvm_mmu_init(struct mvm_vm *vm)
{
	struct mvm_mmu *mmu = &vm->mmu;
	int r;

	spin_lock_init(&mmu->lock);
	atomic64_set(&mmu->tlb_gen, 0);
	mmu->root_level = mvm_backend->s2->root_level();
	mmu->root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!mmu->root)
		return -ENOMEM;
	mmu->nr_tables = 1;

	mmu->mn.ops = &mvm_mn_ops;
	r = mmu_notifier_register(&mmu->mn, vm->mm);
	if (r) {
		free_page((unsigned long)mmu->root);
		mmu->root = NULL;
		return r;
	}
	mmu->mn_registered = true;
	return 0;
}

/*
 * Also undoes a half-done init; vm->mm may have exited already.  The vCPUs
 * must still exist: until unregistered, the notifier may flush them.
 */
void mvm_mmu_destroy(struct mvm_vm *vm)
{
	struct mvm_mmu *mmu = &vm->mmu;

	if (mmu->mn_registered)
		mmu_notifier_unregister(&mmu->mn, vm->mm);
	mmu->mn_registered = false;
	if (mmu->root)
		s2_free_table(mmu, mvm_backend->s2, mmu->root,
			      mmu->root_level);
	mmu->root = NULL;
	WARN_ON_ONCE(mmu->nr_tables);
}

phys_addr_t mvm_mmu_root_pa(struct mvm_vm *vm)
{
	return __pa(vm->mmu.root);
}

/*
 * Change slot idx to *s (npages 0: delete), vm->lock held.  A deleted or
 * replaced slot's entries go before the new contents become visible.
 */
void mvm_mmu_set_slot(struct mvm_vm *vm, unsigned int idx,
		      const struct mvm_memslot *s)
{
	struct mvm_memslot *old = &vm->slots[idx];
	struct mvm_mmu *mmu = &vm->mmu;

	lockdep_assert_held(&vm->lock);
	spin_lock(&mmu->lock);
	if (old->npages &&
	    s2_zap_gfns(vm, old->base_gfn, old->base_gfn + old->npages))
		mvm_flush_remote_tlbs(vm);
	*old = *s;
	mmu->invalidate_seq++;
	spin_unlock(&mmu->lock);
}

void mvm_mmu_set_slot_flags(struct mvm_vm *vm, unsigned int idx,
			    const struct mvm_memslot *s)
{
	struct mvm_memslot *old = &vm->slots[idx];
	struct mvm_mmu *mmu = &vm->mmu;

	lockdep_assert_held(&vm->lock);
	WARN_ON_ONCE(old->base_gfn != s->base_gfn ||
		     old->npages != s->npages ||
		     old->userspace_addr != s->userspace_addr);
	spin_lock(&mmu->lock);
	old->flags = s->flags;
	old->dirty_bitmap = s->dirty_bitmap;
	/* A fault that looked at the old flags installs nothing. */
	mmu->invalidate_seq++;
	spin_unlock(&mmu->lock);
}

bool mvm_mmu_wrprotect_gfns(struct mvm_vm *vm, u64 start, u64 end)
{
	struct mvm_mmu *mmu = &vm->mmu;

	lockdep_assert_held(&mmu->lock);
	if (start >= end || !mmu->root)
		return false;
	return s2_walk(mvm_backend->s2, mmu->root, mmu->root_level, 0, start,
		       end, S2_WRPROT);
}

/* mmu->lock held: the entry at level for gfn, or NULL if a level above is missing. */
static u64 *s2_entry(struct mvm_mmu *mmu, const struct mvm_s2_fmt *f, u64 gfn,
		     int target)
{
	u64 *table = mmu->root;
	int level;

	for (level = mmu->root_level; level > target; level--) {
		u64 e = READ_ONCE(table[s2_index(gfn, level)]);

		if (!f->present(e) || f->large(e))
			return NULL;
		table = s2_table_va(f, e);
	}
	return &table[s2_index(gfn, target)];
}

static unsigned long s2_host_pmd_pfn(struct mm_struct *mm, unsigned long hva);

bool mvm_mmu_collapse_gfns(struct mvm_vm *vm, const struct mvm_memslot *s,
			   u64 start, u64 end)
{
	const struct mvm_s2_fmt *f = mvm_backend->s2;
	struct mvm_mmu *mmu = &vm->mmu;
	u64 gfn, lim, *e;
	bool zapped = false;

	lockdep_assert_held(&mmu->lock);
	/* A 2 MiB leaf needs gfn and hva alike within their 2 MiB blocks. */
	if ((s->base_gfn ^ (s->userspace_addr >> PAGE_SHIFT)) & 511)
		return false;
	gfn = ALIGN(max(start, s->base_gfn), 512);
	lim = min(end, s->base_gfn + s->npages);
	for (; gfn + 512 <= lim; gfn += 512) {
		e = s2_entry(mmu, f, gfn, 2);
		if (!e || !f->present(*e) || f->large(*e))
			continue;
		if (!s2_host_pmd_pfn(vm->mm, mvm_memslot_hva(s, gfn)))
			continue;
		/* The table stays: the 2 MiB fault replaces and frees it. */
		zapped |= s2_walk(f, s2_table_va(f, *e), 1, gfn, gfn, gfn + 512,
				  S2_ZAP);
	}
	return zapped;
}

/* ---- Faults ---- */

/*
 * The pfn of the PMD leaf (a THP or a 2 MiB hugetlb page) that maps hva in
 * the host, or 0.  Walked like GUP-fast, with IRQs off so the host page
 * tables cannot be freed under us.  A change after this look is caught by
 * the invalidate_seq check.
 */
static unsigned long s2_host_pmd_pfn(struct mm_struct *mm, unsigned long hva)
{
	unsigned long flags, pfn = 0;
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud;
	pmd_t pmd;

	local_irq_save(flags);
	pgd = pgd_offset(mm, hva);
	if (pgd_none(READ_ONCE(*pgd)) || !pgd_present(READ_ONCE(*pgd)))
		goto out;
	p4d = p4d_offset(pgd, hva);
	if (p4d_none(READ_ONCE(*p4d)) || !p4d_present(READ_ONCE(*p4d)))
		goto out;
	pud = pud_offset(p4d, hva);
	if (pud_none(READ_ONCE(*pud)) || !pud_present(READ_ONCE(*pud)) ||
	    pud_leaf(READ_ONCE(*pud)))
		goto out;
	pmd = READ_ONCE(*pmd_offset(pud, hva));
	if (pmd_present(pmd) && pmd_leaf(pmd))
		pfn = pmd_pfn(pmd);
out:
	local_irq_restore(flags);
	return pfn;
}

/*
 * Stage-2 fault-around: a fault that maps a 4 KiB page maps its neighbours
 * in the same aligned run of S2_AROUND pages too, those the host maps
 * already (the host's own fault-around maps a run of a file's cached
 * pages at one fault; a migration's destination has written every page).
 * A guest that touches memory near what it touched saves a stage-2 fault
 * per page: a restored snapshot's first moments are such faults.  Each
 * neighbour comes from GUP-fast, so the host's rules for who may use a
 * page (protection keys, shadow stacks, secretmem, device memory) are the
 * slow path's; it never faults anything in.  The entries are made without
 * the accessed bit, so aging sees only what the guest uses, and writable
 * only where the host maps the page writable and it is dirty already
 * (nothing for reclaim to miss), the slot not logged.
 */
#define S2_AROUND	16

/*
 * mmu->lock held, right after a fault installed gfn's 4 KiB leaf, with no
 * invalidation since it asked the host mm (so s is the live slot): a page
 * GUP-fast finds now is the host's, or one whose change has yet to call
 * the notifier, which then removes what is mapped here.  GUP-fast does
 * not sleep; the reference it takes is dropped at once.
 */
static void s2_map_around(struct mvm_mmu *mmu, const struct mvm_s2_fmt *f,
			  const struct mvm_memslot *s, u64 gfn)
{
	u64 first = max(gfn & ~(S2_AROUND - 1ULL), s->base_gfn);
	u64 end = min((gfn | (S2_AROUND - 1)) + 1, s->base_gfn + s->npages);
	bool ro = s->flags & MVM_MEM_READONLY;
	bool logged = s->flags & MVM_MEM_LOG_DIRTY;
	u64 *e = s2_entry(mmu, f, gfn, 1), g, leaf;
	struct page *page;
	bool hw;

	if (!e)
		return;
	for (g = first; g < end; g++) {
		unsigned long hva = mvm_memslot_hva(s, g);
		u64 *le = e + (g - gfn);

		if (g == gfn || f->present(READ_ONCE(*le)))
			continue;
		hw = !ro && get_user_pages_fast_only(hva, 1, FOLL_WRITE, &page) == 1;
		if (hw && !PageDirty(page)) {
			put_page(page);
			hw = false;
		}
		if (!hw && get_user_pages_fast_only(hva, 1, 0, &page) != 1)
			continue;
		leaf = f->leaf(page_to_pfn(page) << PAGE_SHIFT, 1, hw && !logged);
		if (hw)
			leaf |= f->host_writable;
		WRITE_ONCE(*le, leaf & ~f->accessed);
		put_page(page);
	}
}

struct s2_cache {
	u64 *pages[S2_CACHE];
	int nr;
};

static int s2_cache_fill(struct s2_cache *c, int want)
{
	while (c->nr < want) {
		u64 *p = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);

		if (!p)
			return -ENOMEM;
		c->pages[c->nr++] = p;
	}
	return 0;
}

static void s2_cache_free(struct s2_cache *c)
{
	while (c->nr)
		free_page((unsigned long)c->pages[--c->nr]);
}

/* mmu->lock held: the tables a leaf for gfn at target still lacks. */
static int s2_tables_needed(struct mvm_mmu *mmu, const struct mvm_s2_fmt *f,
			    u64 gfn, int target)
{
	u64 *table = mmu->root;
	int level;

	for (level = mmu->root_level; level > target; level--) {
		u64 e = table[s2_index(gfn, level)];

		if (!f->present(e) || f->large(e))
			return level - target;
		table = s2_table_va(f, e);
	}
	return 0;
}

/*
 * mmu->lock held, the cache holding s2_tables_needed() pages.  Sets
 * *flush if a translation the CPU may cache changed or went away, and
 * *freed to a table that went away: free it only after the flush.
 */
static void s2_install(struct mvm_mmu *mmu, const struct mvm_s2_fmt *f,
		       struct s2_cache *c, u64 gfn, int target, u64 leaf,
		       bool *flush, u64 **freed)
{
	u64 *table = mmu->root, *e, old;
	int level;

	for (level = mmu->root_level; level > target; level--) {
		e = &table[s2_index(gfn, level)];
		if (f->present(*e) && f->large(*e)) {
			/*
			 * A smaller mapping replaces a large one (a write
			 * under dirty logging): a table of small leaves with
			 * the same pages and access takes its place, and the
			 * leaf for gfn is changed below.
			 */
			u64 *t = c->pages[--c->nr], pa = f->pa(*e);
			u64 hw = *e & f->host_writable;
			bool w = f->writable(*e);
			unsigned int i;

			for (i = 0; i < S2_ENTRIES; i++)
				t[i] = f->leaf(pa + ((u64)i << (PAGE_SHIFT +
					9 * (level - 2))), level - 1, w) | hw;
			mmu->nr_tables++;
			WRITE_ONCE(*e, f->table(__pa(t)));
			*flush = true;
		}
		if (!f->present(*e)) {
			u64 *t = c->pages[--c->nr];

			mmu->nr_tables++;
			WRITE_ONCE(*e, f->table(__pa(t)));
		}
		table = s2_table_va(f, *e);
	}

	e = &table[s2_index(gfn, target)];
	old = READ_ONCE(*e);
	if (f->present(old)) {
		if (target > 1 && !f->large(old)) {
			/* A large leaf replaces a table of small ones. */
			*freed = s2_table_va(f, old);
			*flush = true;
		} else if (f->pa(old) != f->pa(leaf)) {
			*flush = true;
		} else if (f->writable(old) && !f->writable(leaf)) {
			/* A racing write fault got there first: keep it. */
			return;
		}
	}
	WRITE_ONCE(*e, leaf);
}

/* A copy of the slot of gfn, taken under mmu.lock. */
static bool s2_slot_lookup(struct mvm_vm *vm, u64 gfn, struct mvm_memslot *out)
{
	const struct mvm_memslot *s = mvm_memslot_find(vm, gfn);

	if (s)
		*out = *s;
	return s;
}

bool mvm_mmu_slot_of(struct mvm_vm *vm, u64 gfn, struct mvm_memslot *out)
{
	bool found;

	spin_lock(&vm->mmu.lock);
	found = s2_slot_lookup(vm, gfn, out);
	spin_unlock(&vm->mmu.lock);
	return found;
}

/*
 * The host page for hva, referenced; *writable is cleared when it may be
 * mapped read-only only.  1 on success, or -errno.
 */
static long s2_get_page(unsigned long hva, bool write, bool *writable,
			struct page **page)
{
	if (write)
		return get_user_pages_unlocked(hva, 1, page, FOLL_WRITE);
	/*
	 * A read may map the page writable when the host already does (no
	 * COW to break); otherwise it maps it read-only and a later write
	 * faults again and upgrades.
	 */
	if (*writable &&
	    get_user_pages_fast_only(hva, 1, FOLL_WRITE, page) == 1) {
		/*
		 * A writable host PTE may be clean (shared memory, or anon
		 * memory made writable by mprotect): guest writes would not
		 * dirty it, and reclaim could drop the page as clean.
		 */
		if (!PageDirty(*page))
			set_page_dirty_lock(*page);
		return 1;
	}
	*writable = false;
	return get_user_pages_unlocked(hva, 1, page, 0);
}

/*
 * The fast path of a write fault on a 4 KiB leaf that dirty logging
 * write-protected (KVM's fast_page_fault idea): the leaf still says the
 * host maps the page writable, and the mmu_notifier would have removed it
 * had the host taken that away, so write access comes back in place under
 * mmu->lock, with no call into the host mm.  -EAGAIN when the slow path
 * must run (no such leaf: a 2 MiB one to split, a page never mapped
 * writable, a read-only slot), else as mvm_mmu_fault().
 */
static int s2_fast_write(struct mvm_vcpu *vcpu, u64 gfn)
{
	const struct mvm_s2_fmt *f = mvm_backend->s2;
	struct mvm_mmu *mmu = &vcpu->vm->mmu;
	const struct mvm_memslot *s;
	int r = -EAGAIN;
	u64 *e, old;

	spin_lock(&mmu->lock);
	s = mvm_memslot_find(vcpu->vm, gfn);
	if (!s || (s->flags & MVM_MEM_READONLY))
		goto out;
	e = s2_entry(mmu, f, gfn, 1);
	if (!e)
		goto out;
	old = READ_ONCE(*e);
	if (!f->present(old) || !(old & f->host_writable))
		goto out;
	/* Another vCPU's fault on the page got there first. */
	r = 0;
	if (f->writable(old))
		goto out;
	/* Marked before the guest can write, as on the slow path. */
	if ((s->flags & MVM_MEM_LOG_DIRTY) &&
	    !mvm_dirty_mark_locked(vcpu, gfn)) {
		r = MVM_MMU_RING_FULL;
		goto out;
	}
	/*
	 * Atomic: the CPU may set A meanwhile.  Widening access needs no
	 * flush: the CPU does not cache the translation that faulted.
	 */
	while (!try_cmpxchg64(e, &old, old | f->mkwrite))
		;
out:
	spin_unlock(&mmu->lock);
	return r;
}

int mvm_mmu_fault(struct mvm_vcpu *vcpu, u64 gpa, bool write)
{
	const struct mvm_s2_fmt *f = mvm_backend->s2;
	struct mvm_vm *vm = vcpu->vm;
	struct mvm_mmu *mmu = &vm->mmu;
	struct s2_cache cache = { .nr = 0 };
	u64 gfn = gpa >> PAGE_SHIFT, map_gfn, pfn, leaf, *freed;
	struct mvm_memslot slot;
	unsigned long seq, hva;
	struct page *page;
	bool writable, flush, found, logged;
	int level, need;
	long r;

	/*
	 * Beyond what the tables map no slot can be either: as for any
	 * address without memory, userspace hears of the access (the
	 * guest's state can point there: an IDTR base near 2^64 in a 32-bit
	 * guest, which the emulated CPU did not truncate).
	 */
	if (gfn >= s2_gfn_limit(mmu))
		return MVM_MMU_MMIO;
	if (write && f->host_writable) {
		r = s2_fast_write(vcpu, gfn);
		if (r != -EAGAIN)
			return r;
	}
	for (;;) {
		spin_lock(&mmu->lock);
		found = s2_slot_lookup(vm, gfn, &slot);
		seq = mmu->invalidate_seq;
		spin_unlock(&mmu->lock);
		if (!found || (write && (slot.flags & MVM_MEM_READONLY))) {
			r = MVM_MMU_MMIO;
			goto out;
		}
		hva = mvm_memslot_hva(&slot, gfn);

		/*
		 * Under dirty logging only a write fault maps a page
		 * writable, with a 4 KiB leaf, and marks it dirty: every
		 * later write of a page reported clean faults again.
		 */
		logged = slot.flags & MVM_MEM_LOG_DIRTY;
		writable = !(slot.flags & MVM_MEM_READONLY) && (write || !logged);
		r = s2_get_page(hva, write, &writable, &page);
		if (r != 1) {
			r = r < 0 ? r : -EFAULT;
			if (fatal_signal_pending(current))
				r = -EINTR;
			goto out;
		}

		pfn = page_to_pfn(page);
		level = 1;
		map_gfn = gfn;
		if (PageTransCompound(page) && !(logged && write) &&
		    (gfn & 511) == ((hva >> PAGE_SHIFT) & 511) &&
		    (gfn & ~511ULL) >= slot.base_gfn &&
		    (gfn | 511) < slot.base_gfn + slot.npages &&
		    s2_host_pmd_pfn(current->mm, hva) == (pfn & ~511ULL)) {
			level = 2;
			map_gfn = gfn & ~511ULL;
			pfn &= ~511ULL;
		}
		leaf = f->leaf(pfn << PAGE_SHIFT, level, writable);

		for (;;) {
			spin_lock(&mmu->lock);
			if (mmu->invalidating || mmu->invalidate_seq != seq)
				break;
			need = s2_tables_needed(mmu, f, map_gfn, level);
			if (cache.nr >= need)
				break;
			spin_unlock(&mmu->lock);
			/* The page is referenced, not pinned: just a while. */
			r = s2_cache_fill(&cache, need);
			if (r) {
				put_page(page);
				goto out;
			}
		}
		if (mmu->invalidating || mmu->invalidate_seq != seq) {
			spin_unlock(&mmu->lock);
			put_page(page);
			if (fatal_signal_pending(current)) {
				r = -EINTR;
				goto out;
			}
			cond_resched();
			continue;
		}
		/*
		 * Marked before the lock goes: GET reads and clears under it.
		 * A full dirty ring leaves the fault unresolved: the guest
		 * retries the write once userspace has reset the ring.
		 */
		if (logged && write && !mvm_dirty_mark_locked(vcpu, gfn)) {
			spin_unlock(&mmu->lock);
			put_page(page);
			r = MVM_MMU_RING_FULL;
			break;
		}
		flush = false;
		freed = NULL;
		s2_install(mmu, f, &cache, map_gfn, level, leaf, &flush, &freed);
		if (level == 1)
			s2_map_around(mmu, f, &slot, gfn);
		if (flush)
			mvm_flush_remote_tlbs(vm);
		/* Only now no CPU can still walk through it. */
		if (freed)
			s2_free_table(mmu, f, freed, level - 1);
		spin_unlock(&mmu->lock);
		put_page(page);
		if (write)
			mvm_fault_ahead_note(vm, gfn);
		r = 0;
		break;
	}
out:
	s2_cache_free(&cache);
	return r;
}

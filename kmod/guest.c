// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: guest memory seen from the kernel: guest-physical reads and writes
 * through the memory slots, and a walk of the guest's own page tables.
 *
 * Used where the kernel must touch guest memory for an instruction it
 * completes (string I/O) or reports (the bytes of an MMIO instruction).
 * It runs in the vCPU thread, whose mm owns the slots' memory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/uaccess.h>
#include <asm/processor-flags.h>

#include "mvm.h"

/*
 * The host address of gpa, and how many bytes of its page follow, into
 * *hva; -EFAULT if none.  A write needs a slot the guest may write: memory
 * the VMM mapped read-only stays read-only for the kernel's writes on the
 * guest's behalf too (INS, kvmclock), as it does for the guest's own
 * through stage 2.  A write that the vCPU's full dirty ring could not
 * publish is not made: -ENOSPC.
 */
static int mvm_gpa_to_hva(struct mvm_vm *vm, struct mvm_vcpu *vcpu, u64 gpa,
			  u64 *hva, size_t *room)
{
	const struct mvm_memslot *s;
	u64 gfn = gpa >> PAGE_SHIFT;
	int r;

	/* mmu.lock, not vm->lock: a long dirty-log pass holds that one. */
	spin_lock(&vm->mmu.lock);
	s = mvm_memslot_find(vm, gfn);
	if (!s || (vcpu && (s->flags & MVM_MEM_READONLY)))
		r = -EFAULT;
	else if (vcpu && !mvm_dirty_ring_has_room(vcpu))
		r = -ENOSPC;
	else
		r = 0;
	if (!r)
		*hva = mvm_memslot_hva(s, gfn) + offset_in_page(gpa);
	spin_unlock(&vm->mmu.lock);
	*room = PAGE_SIZE - offset_in_page(gpa);
	return r;
}

/* A write when vcpu is set (the writer), else a read. */
static int mvm_guest_copy(struct mvm_vm *vm, struct mvm_vcpu *vcpu, u64 gpa,
			  void *buf, size_t len)
{
	while (len) {
		size_t room, n;
		u64 hva;
		int r = mvm_gpa_to_hva(vm, vcpu, gpa, &hva, &room);
		void __user *u = u64_to_user_ptr(hva);

		if (r)
			return r;
		n = min(len, room);
		if (!vcpu) {
			if (copy_from_user(buf, u, n))
				return -EFAULT;
		} else {
			unsigned long left = copy_to_user(u, buf, n);

			/*
			 * Dirty logging sees the kernel's writes too, a partial
			 * one as well: some bytes may be in the page.
			 */
			if (left < n)
				mvm_dirty_mark(vcpu, gpa >> PAGE_SHIFT, hva);
			if (left)
				return -EFAULT;
		}
		gpa += n;
		buf += n;
		len -= n;
	}
	return 0;
}

int mvm_read_guest(struct mvm_vm *vm, u64 gpa, void *buf, size_t len)
{
	return mvm_guest_copy(vm, NULL, gpa, buf, len);
}

int mvm_write_guest(struct mvm_vcpu *vcpu, u64 gpa, const void *buf,
		    size_t len)
{
	return mvm_guest_copy(vcpu->vm, vcpu, gpa, (void *)buf, len);
}

/* ---- The guest's page tables ---- */

#define PTE_P		BIT_ULL(0)
#define PTE_RW		BIT_ULL(1)
#define PTE_US		BIT_ULL(2)
#define PTE_PS		BIT_ULL(7)
#define PTE_ADDR	0x000ffffffffff000ULL

#define PFERR_PRESENT	BIT(0)
#define PFERR_WRITE	BIT(1)
#define PFERR_USER	BIT(2)

/* The #PF error code of access, where the page was present or not. */
static int mvm_gva_fault(const struct mvm_paging *p, unsigned int access,
			 bool present)
{
	return MVM_GVA_FAULT | (present ? PFERR_PRESENT : 0) |
	       ((access & MVM_GVA_WRITE) ? PFERR_WRITE : 0) |
	       (p->cpl == 3 ? PFERR_USER : 0);
}

/*
 * The checks the CPU makes once the walk found every level present: perm
 * is the AND of R/W and U/S over the levels.  A user access needs U/S; a
 * write needs R/W, for a supervisor only with CR0.WP; a supervisor data
 * access to a user page needs RFLAGS.AC under CR4.SMAP.
 */
static int mvm_gva_check(const struct mvm_paging *p, unsigned int access,
			 u64 perm)
{
	bool user = p->cpl == 3, write = access & MVM_GVA_WRITE;

	if (access == MVM_GVA_ANY)
		return 0;
	if ((user && !(perm & PTE_US)) ||
	    (write && !(perm & PTE_RW) && (user || (p->cr0 & X86_CR0_WP))) ||
	    (!user && (perm & PTE_US) && (p->cr4 & X86_CR4_SMAP) && !p->ac))
		return mvm_gva_fault(p, access, true);
	return 0;
}

/* A level that is not present. */
static int mvm_gva_absent(const struct mvm_paging *p, unsigned int access)
{
	return access == MVM_GVA_ANY ? -EFAULT : mvm_gva_fault(p, access, false);
}

/*
 * Translate a linear address the way the guest's MMU would, with its
 * permission checks for access (none for MVM_GVA_ANY: the bytes of an
 * instruction the CPU already ran).  0; -EFAULT when the tables are not
 * guest RAM, or a level is absent for MVM_GVA_ANY; or MVM_GVA_FAULT with
 * the #PF error code.  Accessed and dirty bits are not set.
 */
int mvm_gva_to_gpa(struct mvm_vm *vm, const struct mvm_paging *p, u64 gva,
		   unsigned int access, u64 *gpa)
{
	u64 table, pte = 0, perm = PTE_RW | PTE_US;
	int level, shift, r;

	if (!(p->cr0 & X86_CR0_PG)) {
		*gpa = (u32)gva;
		return 0;
	}

	if (!(p->cr4 & X86_CR4_PAE)) {
		u32 pde, pte32;

		r = mvm_read_guest(vm, (p->cr3 & 0xfffff000) + ((gva >> 22) & 0x3ff) * 4,
				   &pde, 4);
		if (r)
			return r;
		if (!(pde & PTE_P))
			return mvm_gva_absent(p, access);
		perm &= pde;
		if ((pde & PTE_PS) && (p->cr4 & X86_CR4_PSE)) {
			*gpa = (pde & 0xffc00000) | (gva & 0x3fffff);
			return mvm_gva_check(p, access, perm);
		}
		r = mvm_read_guest(vm, (pde & 0xfffff000) + ((gva >> 12) & 0x3ff) * 4,
				   &pte32, 4);
		if (r)
			return r;
		if (!(pte32 & PTE_P))
			return mvm_gva_absent(p, access);
		*gpa = (pte32 & 0xfffff000) | (gva & 0xfff);
		return mvm_gva_check(p, access, perm & pte32);
	}

	if (p->efer & EFER_LMA) {
		level = (p->cr4 & X86_CR4_LA57) ? 5 : 4;
		table = p->cr3 & PTE_ADDR;
	} else {
		/* PAE: four PDPTEs at CR3 (no R/W or U/S), by bits 31:30. */
		r = mvm_read_guest(vm, (p->cr3 & 0xffffffe0) + ((gva >> 30) & 3) * 8,
				   &pte, 8);
		if (r)
			return r;
		if (!(pte & PTE_P))
			return mvm_gva_absent(p, access);
		level = 2;
		table = pte & PTE_ADDR;
	}

	for (; level >= 1; level--) {
		shift = PAGE_SHIFT + 9 * (level - 1);
		r = mvm_read_guest(vm, table + ((gva >> shift) & 0x1ff) * 8,
				   &pte, 8);
		if (r)
			return r;
		if (!(pte & PTE_P))
			return mvm_gva_absent(p, access);
		perm &= pte;
		/* A 1 GiB or 2 MiB page ends the walk. */
		if (level == 1 || (level <= 3 && (pte & PTE_PS))) {
			*gpa = (pte & PTE_ADDR & ~((1ULL << shift) - 1)) |
			       (gva & ((1ULL << shift) - 1));
			return mvm_gva_check(p, access, perm);
		}
		table = pte & PTE_ADDR;
	}
	return -EFAULT;
}

/* Copy len bytes to (vcpu set) or from a linear address, page by page. */
static int mvm_guest_copy_virt(struct mvm_vm *vm, struct mvm_vcpu *vcpu,
			       const struct mvm_paging *p, u64 gva,
			       unsigned int access, void *buf, size_t len)
{
	while (len) {
		size_t n = min_t(size_t, len, PAGE_SIZE - offset_in_page(gva));
		u64 gpa;
		int r;

		r = mvm_gva_to_gpa(vm, p, gva, access, &gpa);
		if (!r)
			r = mvm_guest_copy(vm, vcpu, gpa, buf, n);
		if (r)
			return r;
		gva += n;
		buf += n;
		len -= n;
	}
	return 0;
}

int mvm_read_guest_virt(struct mvm_vm *vm, const struct mvm_paging *p,
			u64 gva, unsigned int access, void *buf, size_t len)
{
	return mvm_guest_copy_virt(vm, NULL, p, gva, access, buf, len);
}

int mvm_write_guest_virt(struct mvm_vcpu *vcpu, const struct mvm_paging *p,
			 u64 gva, const void *buf, size_t len)
{
	return mvm_guest_copy_virt(vcpu->vm, vcpu, p, gva, MVM_GVA_WRITE,
				   (void *)buf, len);
}

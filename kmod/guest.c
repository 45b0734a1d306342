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
 * The host address of gpa and how many bytes of its page follow; 0 if
 * none.  A write needs a slot the guest may write: memory the VMM mapped
 * read-only stays read-only for the kernel's writes on the guest's behalf
 * too (INS, kvmclock), as it does for the guest's own through stage 2.
 */
static u64 mvm_gpa_to_hva(struct mvm_vm *vm, u64 gpa, size_t *room,
			  bool write)
{
	const struct mvm_memslot *s;
	u64 gfn = gpa >> PAGE_SHIFT, hva = 0;

	mutex_lock(&vm->lock);
	s = mvm_memslot_find(vm, gfn);
	if (s && !(write && (s->flags & MVM_MEM_READONLY)))
		hva = mvm_memslot_hva(s, gfn) + offset_in_page(gpa);
	mutex_unlock(&vm->lock);
	*room = PAGE_SIZE - offset_in_page(gpa);
	return hva;
}

static int mvm_guest_copy(struct mvm_vm *vm, u64 gpa, void *buf, size_t len,
			  bool write)
{
	while (len) {
		size_t room, n;
		u64 hva = mvm_gpa_to_hva(vm, gpa, &room, write);
		void __user *u = u64_to_user_ptr(hva);

		if (!hva)
			return -EFAULT;
		n = min(len, room);
		if (write ? copy_to_user(u, buf, n) : copy_from_user(buf, u, n))
			return -EFAULT;
		gpa += n;
		buf += n;
		len -= n;
	}
	return 0;
}

int mvm_read_guest(struct mvm_vm *vm, u64 gpa, void *buf, size_t len)
{
	return mvm_guest_copy(vm, gpa, buf, len, false);
}

int mvm_write_guest(struct mvm_vm *vm, u64 gpa, const void *buf, size_t len)
{
	return mvm_guest_copy(vm, gpa, (void *)buf, len, true);
}

/* ---- The guest's page tables ---- */

#define PTE_P		BIT_ULL(0)
#define PTE_PS		BIT_ULL(7)
#define PTE_ADDR	0x000ffffffffff000ULL

/*
 * Translate a linear address the way the guest's MMU would (no permission
 * checks: the caller acts for an instruction the CPU already let run).
 * -EFAULT when a level is not present or the tables are not guest RAM.
 */
int mvm_gva_to_gpa(struct mvm_vm *vm, const struct mvm_paging *p, u64 gva,
		   u64 *gpa)
{
	int level, shift, r;
	u64 table, pte = 0;

	if (!(p->cr0 & X86_CR0_PG)) {
		*gpa = (u32)gva;
		return 0;
	}

	if (!(p->cr4 & X86_CR4_PAE)) {
		u32 pde, pte32;

		r = mvm_read_guest(vm, (p->cr3 & 0xfffff000) + ((gva >> 22) & 0x3ff) * 4,
				   &pde, 4);
		if (r || !(pde & PTE_P))
			return -EFAULT;
		if ((pde & PTE_PS) && (p->cr4 & X86_CR4_PSE)) {
			*gpa = (pde & 0xffc00000) | (gva & 0x3fffff);
			return 0;
		}
		r = mvm_read_guest(vm, (pde & 0xfffff000) + ((gva >> 12) & 0x3ff) * 4,
				   &pte32, 4);
		if (r || !(pte32 & PTE_P))
			return -EFAULT;
		*gpa = (pte32 & 0xfffff000) | (gva & 0xfff);
		return 0;
	}

	if (p->efer & EFER_LMA) {
		level = (p->cr4 & X86_CR4_LA57) ? 5 : 4;
		table = p->cr3 & PTE_ADDR;
	} else {
		/* PAE: four PDPTEs at CR3, indexed by bits 31:30. */
		r = mvm_read_guest(vm, (p->cr3 & 0xffffffe0) + ((gva >> 30) & 3) * 8,
				   &pte, 8);
		if (r || !(pte & PTE_P))
			return -EFAULT;
		level = 2;
		table = pte & PTE_ADDR;
	}

	for (; level >= 1; level--) {
		shift = PAGE_SHIFT + 9 * (level - 1);
		r = mvm_read_guest(vm, table + ((gva >> shift) & 0x1ff) * 8,
				   &pte, 8);
		if (r || !(pte & PTE_P))
			return -EFAULT;
		/* A 1 GiB or 2 MiB page ends the walk. */
		if (level == 1 || (level <= 3 && (pte & PTE_PS))) {
			*gpa = (pte & PTE_ADDR & ~((1ULL << shift) - 1)) |
			       (gva & ((1ULL << shift) - 1));
			return 0;
		}
		table = pte & PTE_ADDR;
	}
	return -EFAULT;
}

/* Copy len bytes to or from a linear address, page by page. */
static int mvm_guest_copy_virt(struct mvm_vm *vm, const struct mvm_paging *p,
			       u64 gva, void *buf, size_t len, bool write)
{
	while (len) {
		size_t n = min_t(size_t, len, PAGE_SIZE - offset_in_page(gva));
		u64 gpa;
		int r;

		r = mvm_gva_to_gpa(vm, p, gva, &gpa);
		if (!r)
			r = mvm_guest_copy(vm, gpa, buf, n, write);
		if (r)
			return r;
		gva += n;
		buf += n;
		len -= n;
	}
	return 0;
}

int mvm_read_guest_virt(struct mvm_vm *vm, const struct mvm_paging *p,
			u64 gva, void *buf, size_t len)
{
	return mvm_guest_copy_virt(vm, p, gva, buf, len, false);
}

int mvm_write_guest_virt(struct mvm_vm *vm, const struct mvm_paging *p,
			 u64 gva, const void *buf, size_t len)
{
	return mvm_guest_copy_virt(vm, p, gva, (void *)buf, len, true);
}

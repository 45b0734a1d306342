// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: a guest's segment:offset to its guest-physical address, through
 * its segment bases and page tables, as its CPU would translate it.
 *
 * Only MOVS on MMIO needs this: the CPU reports the address of the access
 * that exited, and the VMM must find the other operand itself.  The walk
 * covers paging off, 32-bit paging (4 MiB pages with PSE, PSE-36), PAE
 * and 4- or 5-level paging, checks present, writable (with CR0.WP, and
 * always at CPL 3) and user bits, and sets accessed and dirty bits as the
 * CPU does.  Not checked: segment limits, reserved bits, SMEP/SMAP and
 * protection keys.  PAE's PDPTEs are read from memory, not from the copy
 * the CPU loaded with CR3.
 */
#include <errno.h>

#include "libmvm.h"

#define CR0_PE		(1ULL << 0)
#define CR0_WP		(1ULL << 16)
#define CR0_PG		(1ULL << 31)
#define CR4_PSE		(1ULL << 4)
#define CR4_PAE		(1ULL << 5)
#define CR4_LA57	(1ULL << 12)
#define EFER_LMA	(1ULL << 10)

#define PTE_P		(1ULL << 0)
#define PTE_W		(1ULL << 1)
#define PTE_U		(1ULL << 2)
#define PTE_A		(1ULL << 5)
#define PTE_D		(1ULL << 6)
#define PTE_PS		(1ULL << 7)
#define PTE_ADDR	0x000ffffffffff000ULL	/* bits 12-51 */

uint64_t mvm_linear_address(const struct mvm_sregs *s, unsigned int mode,
			    enum mvm_seg seg, uint64_t offset)
{
	const struct mvm_segment *const segs[] = {
		[MVM_SEG_ES] = &s->es, [MVM_SEG_CS] = &s->cs, [MVM_SEG_SS] = &s->ss,
		[MVM_SEG_DS] = &s->ds, [MVM_SEG_FS] = &s->fs, [MVM_SEG_GS] = &s->gs,
	};
	uint64_t base = segs[seg <= MVM_SEG_GS ? seg : MVM_SEG_DS]->base;

	/* 64-bit mode: only FS and GS have a base. */
	if (mode == 64)
		return (seg == MVM_SEG_FS || seg == MVM_SEG_GS ? base : 0) + offset;
	return (uint32_t)(base + offset);
}

/* One level's entry: its host address, or NULL when the table is not RAM. */
static void *entry(mvm_gpa_ptr_fn ram, void *ctx, uint64_t table,
		   uint64_t index, unsigned int bytes, uint64_t *where)
{
	*where = table + index * bytes;
	return ram(ctx, *where, bytes);
}

static uint64_t load(const void *p, unsigned int bytes)
{
	return bytes == 8 ? __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED) :
			    __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
}

/*
 * The CPU sets accessed (and, on the last level of a write, dirty) bits.
 * Where they were clear, this is a write to guest RAM that the kernel's
 * dirty log never sees: it is reported, after the write, or a migration
 * under way could send the entry without them (and the guest, missing a
 * dirty bit, not write a changed file page back).
 */
static void set_bits(void *p, unsigned int bytes, uint64_t bits,
		     mvm_gpa_written_fn written, void *ctx, uint64_t gpa)
{
	if ((load(p, bytes) & bits) == bits)
		return;
	if (bytes == 8)
		__atomic_fetch_or((uint64_t *)p, bits, __ATOMIC_RELAXED);
	else
		__atomic_fetch_or((uint32_t *)p, (uint32_t)bits, __ATOMIC_RELAXED);
	if (written)
		written(ctx, gpa, bytes);
}

/* Where the CPU would fault: EFAULT, as libmvm says failures. */
static int fault(void)
{
	errno = EFAULT;
	return -1;
}

int mvm_gva_to_gpa(const struct mvm_sregs *s, uint64_t la, bool write,
		   mvm_gpa_ptr_fn ram, mvm_gpa_written_fn written, void *ctx,
		   uint64_t *gpa)
{
	bool user = (s->cr0 & CR0_PE) && s->ss.dpl == 3;
	bool check_w = write && (user || (s->cr0 & CR0_WP));
	void *path[5];
	uint64_t path_gpa[5], pdpte_gpa;
	unsigned int bytes, levels, shift, i, n = 0;
	uint64_t table, e = 0, perm = PTE_W | PTE_U, size = 4096;

	if (!(s->cr0 & CR0_PG)) {
		*gpa = s->efer & EFER_LMA ? la : (uint32_t)la;
		return 0;
	}
	if (s->efer & EFER_LMA) {
		bytes = 8;
		levels = s->cr4 & CR4_LA57 ? 5 : 4;
		table = s->cr3 & PTE_ADDR;
	} else if (s->cr4 & CR4_PAE) {
		void *pdpte = entry(ram, ctx, s->cr3 & 0xffffffe0, (la >> 30) & 3, 8,
				    &pdpte_gpa);

		/* The PDPTE has no access bits: it only says where the PD is. */
		if (!pdpte || !((e = load(pdpte, 8)) & PTE_P))
			return fault();
		bytes = 8;
		levels = 2;
		table = e & PTE_ADDR;
		la = (uint32_t)la;
	} else {
		bytes = 4;
		levels = 2;
		table = s->cr3 & 0xfffff000;
		la = (uint32_t)la;
	}

	for (i = levels; i > 0; i--) {
		shift = bytes == 8 ? 12 + 9 * (i - 1) : 12 + 10 * (i - 1);
		path[n] = entry(ram, ctx, table, (la >> shift) & (bytes == 8 ? 511 : 1023), bytes,
				&path_gpa[n]);
		if (!path[n])
			return fault();
		e = load(path[n++], bytes);
		if (!(e & PTE_P))
			return fault();
		perm &= e;
		size = 1ULL << shift;
		/* A large page: 1 GiB or 2 MiB (64-bit entries), 4 MiB (32-bit with PSE). */
		if ((e & PTE_PS) && i > 1 && (bytes == 4 ? (s->cr4 & CR4_PSE) != 0 : i <= 3)) {
			if (bytes == 4)	/* PSE-36: bits 13-20 are address bits 32-39 */
				table = (e & 0xffc00000) | ((e >> 13) & 0xff) << 32;
			else
				table = e & PTE_ADDR & ~(size - 1);
			break;
		}
		table = e & (bytes == 8 ? PTE_ADDR : 0xfffff000);
	}
	if ((check_w && !(perm & PTE_W)) || (user && !(perm & PTE_U)))
		return fault();
	for (i = 0; i < n; i++)
		set_bits(path[i], bytes, PTE_A | (write && i == n - 1 ? PTE_D : 0),
			 written, ctx, path_gpa[i]);
	*gpa = table + (la & (size - 1));
	return 0;
}

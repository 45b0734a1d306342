// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: AMD nested page table entries (APM vol. 2, 15.25).  The nested
 * tables use the long-mode page-table format; the guest's accesses count
 * as user accesses at every level, so US is set throughout.  Leaves are
 * created accessed (and dirty when writable) so the CPU need not set those
 * bits; memory type comes from the guest's PAT combined with write-back.
 * With SME on, entries carry the C-bit like the host's own page tables.
 * The CPU sets A in leaves it uses again after the aging notifiers clear it.
 * Bits 9-11 are available to software: bit 9 says the host maps the page
 * writable.
 */
#include <linux/bits.h>
#include <linux/mem_encrypt.h>
#include <linux/types.h>
#include <asm/pgtable_types.h>

#include "svm.h"

#define NPT_P		BIT_ULL(0)
#define NPT_RW		BIT_ULL(1)
#define NPT_US		BIT_ULL(2)
#define NPT_A		BIT_ULL(5)
#define NPT_D		BIT_ULL(6)
#define NPT_PS		BIT_ULL(7)
#define NPT_HOST_W	BIT_ULL(9)	/* software: see mvm_s2_fmt */
#define NPT_ADDR	0x000ffffffffff000ULL

static u64 npt_leaf(u64 pa, int level, bool writable)
{
	u64 e = __sme_set(pa) | NPT_P | NPT_US | NPT_A;

	if (writable)
		e |= NPT_RW | NPT_D | NPT_HOST_W;
	if (level > 1)
		e |= NPT_PS;
	return e;
}

static u64 npt_table(u64 pa)
{
	return __sme_set(pa) | NPT_P | NPT_RW | NPT_US | NPT_A;
}

static bool npt_present(u64 pte)
{
	return pte & NPT_P;
}

static bool npt_writable(u64 pte)
{
	return pte & NPT_RW;
}

static bool npt_large(u64 pte)
{
	return pte & NPT_PS;
}

static u64 npt_pa(u64 pte)
{
	return __sme_clr(pte & NPT_ADDR) & ~(npt_large(pte) ? 0x1fffffULL : 0);
}

/*
 * The nested walk has as many levels as the host's own paging: five when
 * the host runs with LA57.  A 4-level tree walked as 5 levels would take
 * leaves for tables, guest pages for page tables.
 */
static int npt_root_level(void)
{
	return pgtable_l5_enabled() ? 5 : 4;
}

const struct mvm_s2_fmt svm_npt_fmt = {
	.leaf		= npt_leaf,
	.table		= npt_table,
	.present	= npt_present,
	.writable	= npt_writable,
	.large		= npt_large,
	.pa		= npt_pa,
	.root_level	= npt_root_level,
	.accessed	= NPT_A,
	.write		= NPT_RW,
	.mkwrite	= NPT_RW | NPT_D,
	.host_writable	= NPT_HOST_W,
};

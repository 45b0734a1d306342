// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: Intel EPT entries (SDM vol. 3, 29.3.2).  Read/write/execute in bits
 * 0-2; leaves carry memory type write-back (6) in bits 5:3 and bit 7 when
 * they map 2 MiB.
 */
#include <linux/bits.h>
#include <linux/types.h>

#include "vmx.h"

#define EPT_R		BIT_ULL(0)
#define EPT_W		BIT_ULL(1)
#define EPT_X		BIT_ULL(2)
#define EPT_MT_WB	(6ULL << 3)
#define EPT_LARGE	BIT_ULL(7)
#define EPT_HOST_W	BIT_ULL(52)	/* ignored by the CPU: see mvm_s2_fmt */
#define EPT_ADDR	0x000ffffffffff000ULL

static u64 ept_leaf(u64 pa, int level, bool writable)
{
	u64 e = pa | EPT_R | EPT_X | EPT_MT_WB;

	if (writable)
		e |= EPT_W | EPT_HOST_W;
	if (level > 1)
		e |= EPT_LARGE;
	return e;
}

static u64 ept_table(u64 pa)
{
	return pa | EPT_R | EPT_W | EPT_X;
}

static bool ept_present(u64 pte)
{
	return pte & (EPT_R | EPT_W | EPT_X);
}

static bool ept_writable(u64 pte)
{
	return pte & EPT_W;
}

static bool ept_large(u64 pte)
{
	return pte & EPT_LARGE;
}

static u64 ept_pa(u64 pte)
{
	return pte & EPT_ADDR & ~(ept_large(pte) ? 0x1fffffULL : 0);
}

/* 4-level EPT (48 bits); accessed flags (EPTP bit 6) are not enabled. */
static int ept_root_level(void)
{
	return 4;
}

const struct mvm_s2_fmt vmx_ept_fmt = {
	.leaf		= ept_leaf,
	.table		= ept_table,
	.present	= ept_present,
	.writable	= ept_writable,
	.large		= ept_large,
	.pa		= ept_pa,
	.root_level	= ept_root_level,
	.write		= EPT_W,
	.mkwrite	= EPT_W,
	.host_writable	= EPT_HOST_W,
};

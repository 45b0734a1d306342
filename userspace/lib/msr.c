// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: MSRs left to userspace that a Linux guest touches on AMD and
 * Intel CPUs at boot, without a CPUID bit to ask first and without
 * rdmsr_safe().  They configure or describe things a virtual CPU does not
 * have (microcode, SMM, chipset configuration); reads give a constant
 * that tells Linux "nothing here", writes are dropped.  Anything else
 * gives the guest #GP, as a CPU without the MSR would.
 */
#include <stddef.h>

#include "libmvm.h"

struct msr_const {
	uint32_t index;
	uint64_t value;
};

static const struct msr_const msr_table[] = {
	{ 0x00000017, 0 },		/* IA32_PLATFORM_ID: for microcode */
	{ 0x00000034, 0 },		/* MSR_SMI_COUNT: no SMIs */
	/* IA32_FEATURE_CONTROL: locked with VMX off, so Linux leaves it. */
	{ 0x0000003a, 1 },
	{ 0x00000079, 0 },		/* IA32_BIOS_UPDT_TRIG: no microcode */
	{ 0x0000008b, 0 },		/* IA32_BIOS_SIGN_ID / AMD PATCH_LEVEL */
	{ 0x00000140, 0 },		/* MISC_FEATURES_ENABLES */
	/* IA32_MISC_ENABLE: fast strings; no BTS (11), no PEBS (12). */
	{ 0x000001a0, (1ULL << 0) | (1ULL << 11) | (1ULL << 12) },
	{ 0x000001d9, 0 },		/* IA32_DEBUGCTL: no LBR, BTF */
	{ 0xc0010010, 0 },		/* SYSCFG: no SME, no MTRR extensions */
	{ 0xc0010015, 1ULL << 24 },	/* HWCR: the TSC counts at P0 rate */
	{ 0xc001001f, 0 },		/* NB_CFG: no extended PCI config via CF8 */
	{ 0xc0010058, 0 },		/* MMIO_CONF_BASE: no MMCONFIG */
	{ 0xc0010114, 1ULL << 4 },	/* VM_CR: SVM disabled */
	{ 0xc001100c, 0 },		/* NODE_ID */
	{ 0xc0011020, 0 },		/* LS_CFG */
	{ 0xc0011029, 1ULL << 1 },	/* DE_CFG: LFENCE is serializing */
};

int mvm_msr_emulate(uint32_t index, int write, uint64_t *val)
{
	size_t i;

	for (i = 0; i < sizeof(msr_table) / sizeof(msr_table[0]); i++) {
		if (msr_table[i].index != index)
			continue;
		if (!write)
			*val = msr_table[i].value;
		return 1;
	}
	return 0;
}

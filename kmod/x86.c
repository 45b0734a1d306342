// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: the vendor-neutral x86 layer (see x86.h).
 */
#include <asm/cpufeature.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/xstate.h>
#include <asm/processor-flags.h>

#include "mvm.h"
#include "x86.h"

#define XCR0_AVX512	(XFEATURE_MASK_OPMASK | XFEATURE_MASK_ZMM_Hi256 | \
			 XFEATURE_MASK_Hi16_ZMM)
#define XCR0_MPX	(XFEATURE_MASK_BNDREGS | XFEATURE_MASK_BNDCSR)
#define XCR0_AMX	(XFEATURE_MASK_XTILE_CFG | XFEATURE_MASK_XTILE_DATA)

/* A group of bits that must be all set or all clear. */
static bool mvm_all_or_none(u64 v, u64 group)
{
	return (v & group) == 0 || (v & group) == group;
}

bool mvm_xcr0_valid(u64 xcr0, u64 supported)
{
	if (xcr0 & ~supported)
		return false;
	if (!(xcr0 & XFEATURE_MASK_FP))
		return false;
	if ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE))
		return false;
	if (!mvm_all_or_none(xcr0, XCR0_AVX512) ||
	    ((xcr0 & XCR0_AVX512) && !(xcr0 & XFEATURE_MASK_YMM)))
		return false;
	return mvm_all_or_none(xcr0, XCR0_MPX) && mvm_all_or_none(xcr0, XCR0_AMX);
}

bool mvm_long_mode_consistent(u64 efer, u64 cr0, u64 cr4)
{
	if ((efer & EFER_LME) && (cr0 & X86_CR0_PG))
		return (efer & EFER_LMA) && (cr4 & X86_CR4_PAE);
	return !(efer & EFER_LMA);
}

u64 mvm_guest_xcr0_supported(u64 features)
{
	if (!boot_cpu_has(X86_FEATURE_OSXSAVE))
		return XFEATURE_MASK_FPSSE;
	return xgetbv(XCR_XFEATURE_ENABLED_MASK) & features;
}

/* ---- CR4 ---- */

/*
 * From the CPU itself, not from what the host kernel enabled: a host
 * booted with nopku, nosmap, ... still has a CPU whose VMRUN takes those
 * bits in the guest's CR4.
 */
#define CPUID_1_ECX_PCID	BIT(17)
#define CPUID_1_ECX_XSAVE	BIT(26)
#define CPUID_7_EBX_FSGSBASE	BIT(0)
#define CPUID_7_EBX_SMEP	BIT(7)
#define CPUID_7_EBX_SMAP	BIT(20)
#define CPUID_7_ECX_UMIP	BIT(2)
#define CPUID_7_ECX_PKU		BIT(3)
#define CPUID_7_ECX_CET_SS	BIT(7)
#define CPUID_7_ECX_LA57	BIT(16)
#define CPUID_7_EDX_CET_IBT	BIT(20)

static u64 __init mvm_cr4_probe(void)
{
	u64 cr4 = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE |
		  X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE |
		  X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	u32 ecx1 = cpuid_ecx(1), a, b, c, d;

	if (ecx1 & CPUID_1_ECX_PCID)
		cr4 |= X86_CR4_PCIDE;
	if (ecx1 & CPUID_1_ECX_XSAVE)
		cr4 |= X86_CR4_OSXSAVE;
	if (cpuid_eax(0) < 7)
		return cr4;
	cpuid_count(7, 0, &a, &b, &c, &d);
	if (b & CPUID_7_EBX_FSGSBASE)
		cr4 |= X86_CR4_FSGSBASE;
	if (b & CPUID_7_EBX_SMEP)
		cr4 |= X86_CR4_SMEP;
	if (b & CPUID_7_EBX_SMAP)
		cr4 |= X86_CR4_SMAP;
	if (c & CPUID_7_ECX_UMIP)
		cr4 |= X86_CR4_UMIP;
	if (c & CPUID_7_ECX_PKU)
		cr4 |= X86_CR4_PKE;
	if (c & CPUID_7_ECX_LA57)
		cr4 |= X86_CR4_LA57;
	if ((c & CPUID_7_ECX_CET_SS) || (d & CPUID_7_EDX_CET_IBT))
		cr4 |= X86_CR4_CET;
	return cr4;
}

static u64 mvm_host_cr4 __ro_after_init;

u64 mvm_cr4_supported(void)
{
	return mvm_host_cr4;
}

/*
 * PKE is the guest's only if its CPUID offers PKU and the host switches
 * PKRU, which it does only with its own OSPKE (svm_switch.c): on a CPU
 * with PKU and a host without OSPKE, one guest's PKRU would stay in force
 * for the next.
 */
u64 mvm_cr4_guest_hidden(struct mvm_vcpu *vcpu)
{
	u32 leaf7[4];

	if (!(mvm_cr4_supported() & X86_CR4_PKE))
		return 0;
	if (!cpu_feature_enabled(X86_FEATURE_OSPKE))
		return X86_CR4_PKE;
	mvm_cpuid(vcpu, 7, 0, leaf7);
	return (leaf7[2] & CPUID_7_ECX_PKU) ? 0 : X86_CR4_PKE;
}

/* ---- SPEC_CTRL ---- */

#define CPUID_7_EDX_SPEC_CTRL		BIT(26)	/* IBRS and IBPB */
#define CPUID_7_EDX_STIBP		BIT(27)
#define CPUID_7_EDX_SSBD		BIT(31)
#define CPUID_80000008_EBX_IBRS		BIT(14)
#define CPUID_80000008_EBX_STIBP	BIT(15)
#define CPUID_80000008_EBX_SSBD		BIT(24)

static u64 mvm_host_spec_ctrl_bits __ro_after_init;

/*
 * The SPEC_CTRL bits this host's CPU takes, as its kernel found them:
 * only IBRS, STIBP and SSBD, the bits both vendors define.  SSBD counts
 * only where it is in SPEC_CTRL itself (not LS_CFG or VIRT_SPEC_CTRL).
 */
static u64 __init mvm_spec_ctrl_probe(void)
{
	u64 bits = 0;

	if (!boot_cpu_has(X86_FEATURE_MSR_SPEC_CTRL))
		return 0;
	if (boot_cpu_has(X86_FEATURE_IBRS))
		bits |= SPEC_CTRL_IBRS;
	if (boot_cpu_has(X86_FEATURE_STIBP))
		bits |= SPEC_CTRL_STIBP;
	if (boot_cpu_has(X86_FEATURE_AMD_SSBD) ||
	    boot_cpu_has(X86_FEATURE_SPEC_CTRL_SSBD))
		bits |= SPEC_CTRL_SSBD;
	return bits;
}

bool mvm_spec_ctrl_switched(void)
{
	return mvm_host_spec_ctrl_bits != 0;
}

/*
 * The bits the guest's CPUID table offers, in either vendor's leaf (a
 * VMM may copy an Intel table), that the host has too.
 */
static u64 mvm_spec_ctrl_guest_bits(struct mvm_vcpu *vcpu, bool *offered)
{
	u32 l7[4], lx[4];
	u64 bits = 0;

	mvm_cpuid(vcpu, 7, 0, l7);
	mvm_cpuid(vcpu, 0x80000008, 0, lx);
	if ((l7[3] & CPUID_7_EDX_SPEC_CTRL) || (lx[1] & CPUID_80000008_EBX_IBRS))
		bits |= SPEC_CTRL_IBRS;
	if ((l7[3] & CPUID_7_EDX_STIBP) || (lx[1] & CPUID_80000008_EBX_STIBP))
		bits |= SPEC_CTRL_STIBP;
	if ((l7[3] & CPUID_7_EDX_SSBD) || (lx[1] & CPUID_80000008_EBX_SSBD))
		bits |= SPEC_CTRL_SSBD;
	*offered = bits != 0;
	return bits & mvm_host_spec_ctrl_bits;
}

bool mvm_spec_ctrl_readable(struct mvm_vcpu *vcpu, bool guest)
{
	bool offered;

	if (!guest)
		return true;
	mvm_spec_ctrl_guest_bits(vcpu, &offered);
	return offered && mvm_spec_ctrl_switched();
}

bool mvm_spec_ctrl_valid(struct mvm_vcpu *vcpu, u64 val, bool guest)
{
	u64 bits = mvm_host_spec_ctrl_bits;
	bool offered;

	if (guest) {
		bits = mvm_spec_ctrl_guest_bits(vcpu, &offered);
		if (!offered || !mvm_spec_ctrl_switched())
			return false;
	}
	return !(val & ~bits);
}

/* ---- Module load ---- */

void __init mvm_x86_init(void)
{
	mvm_host_cr4 = mvm_cr4_probe();
	mvm_host_spec_ctrl_bits = mvm_spec_ctrl_probe();
}

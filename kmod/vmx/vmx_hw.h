/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Intel VMX architectural constants (Intel SDM vol. 3, chapters 24-28 and
 * appendix A).
 */
#ifndef MVM_VMX_HW_H
#define MVM_VMX_HW_H

#include <linux/bits.h>

#define VMX_CPUID1_ECX_VMX		BIT(5)

#define VMX_MSR_FEATURE_CONTROL		0x3a
#define VMX_FC_LOCKED			BIT(0)
#define VMX_FC_VMXON_OUTSIDE_SMX	BIT(2)

/* Capability MSRs: allowed-1 settings are in the high 32 bits. */
#define VMX_MSR_BASIC			0x480
#define VMX_BASIC_REVISION(v)		((u32)(v) & 0x7fffffff)
#define VMX_BASIC_REGION_SIZE(v)	(((v) >> 32) & 0x1fff)
#define VMX_MSR_PINBASED_CTLS		0x481
#define VMX_MSR_PROCBASED_CTLS		0x482
#define VMX_MSR_PROCBASED_CTLS2		0x48b
#define VMX_MSR_EPT_VPID_CAP		0x48c

#define VMX_PIN_PREEMPT_TIMER		BIT(6)
#define VMX_PROC_SECONDARY		BIT(31)
#define VMX_PROC2_EPT			BIT(1)
#define VMX_PROC2_VPID			BIT(5)
#define VMX_PROC2_UNRESTRICTED		BIT(7)
#define VMX_PROC2_APIC_REG_VIRT		BIT(8)
#define VMX_PROC2_PML			BIT(17)
#define VMX_PROC2_TSC_SCALING		BIT(25)

#define VMX_EPT_CAP_WALK4		BIT(6)
#define VMX_EPT_CAP_WB			BIT(14)
#define VMX_EPT_CAP_AD			BIT(21)

#define CPUID_ADDR_SIZES		0x80000008

#endif /* MVM_VMX_HW_H */

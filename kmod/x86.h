/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mvm: the vendor-neutral x86 layer: architectural rules both backends
 * apply once their own exit information is decoded.
 */
#ifndef MVM_X86_H
#define MVM_X86_H

#include <linux/types.h>
#include <asm/msr-index.h>

/*
 * Is xcr0 a value XSETBV takes on a CPU that supports the features in
 * supported?  The SDM's XSETBV rules and the APM's: x87 always on, AVX
 * only with SSE, the three AVX-512 components all or none and only with
 * AVX, MPX's two together, AMX's two together, nothing unsupported.
 */
bool mvm_xcr0_valid(u64 xcr0, u64 supported);

/*
 * The XCR0 bits a guest may set on this host: what the host kernel
 * enabled, limited to what the guest's FPU buffer (features) holds.
 */
u64 mvm_guest_xcr0_supported(u64 features);

/*
 * EFER: the bits a guest of this module may hold (SCE, LME, LMA, NXE,
 * FFXSR; SVME and VMXE's equivalents are the hypervisor's), for every way
 * a value gets in: the guest's WRMSR, MVM_SET_MSRS, MVM_SET_SREGS.
 */
#define MVM_EFER_GUEST_BITS	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX | \
				 EFER_FFXSR)

static inline bool mvm_efer_valid(u64 efer)
{
	return !(efer & ~MVM_EFER_GUEST_BITS);
}

/*
 * A whole register state (MVM_SET_SREGS) must agree with itself where the
 * CPU derives one value from others: LMA is LME with paging on, and long
 * mode needs PAE.  CS.L is not checked: outside long mode the CPU ignores
 * it, and a legacy-mode guest can load a descriptor with L set (a VMM must
 * be able to set what it got).
 */
bool mvm_long_mode_consistent(u64 efer, u64 cr0, u64 cr4);

struct mvm_vcpu;

/* The CR4 bits this CPU takes (a MOV to CR4 with any other bit #GPs). */
u64 mvm_cr4_supported(void);

/*
 * CR4 bits the CPU takes but the vCPU's CPUID table does not offer, and
 * that the guest must therefore not set: CR4.PKE without PKU (the guest
 * would get RDPKRU/WRPKRU).  The other CR4 features give a guest nothing
 * of the host's and are left to the CPU.
 */
u64 mvm_cr4_guest_hidden(struct mvm_vcpu *vcpu);

/*
 * SPEC_CTRL (MSR 0x48): the guest's own value of IBRS, STIBP and SSBD,
 * switched at entry and exit where the host has the MSR.  The guest may
 * access it only if its CPUID table offers one of those bits (else #GP)
 * and may set only the bits the table offers and the host has; userspace
 * (MVM_GET/SET_MSRS) always may, with any bit the host has.
 */
bool mvm_spec_ctrl_switched(void);
bool mvm_spec_ctrl_readable(struct mvm_vcpu *vcpu, bool guest);
bool mvm_spec_ctrl_valid(struct mvm_vcpu *vcpu, u64 val, bool guest);

/* What the rules above need from this host, read once at module load. */
void mvm_x86_init(void);

#endif /* MVM_X86_H */

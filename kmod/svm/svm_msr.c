// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: MSRs of an SVM guest.  The permission map intercepts every access.
 *
 * The SYSCALL/SYSENTER MSRs, FS/GS/KERNEL_GS_BASE, PAT and EFER live in the
 * VMCB (VMLOAD/VMSAVE and VMRUN move them); the TSC reads through the
 * VMCB's offset; TSC_AUX (for the intercepted RDTSCP), APIC_BASE and
 * SPEC_CTRL (switched in svm_switch.c) are kept here.  The same code
 * serves the guest's RDMSR/WRMSR and userspace's MVM_GET_MSRS and
 * MVM_SET_MSRS.  An MSR not kept here goes to userspace as an
 * MVM_EXIT_RDMSR/WRMSR exit; a bad value for one kept here is a #GP.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <asm/msr-index.h>
#include <asm/msr.h>
#include <asm/traps.h>

#include "svm.h"
#include "svm_hw.h"
#include "../x86.h"

#define SVM_APIC_BASE_BITS	(0xfffff000ULL | BIT_ULL(11) | BIT_ULL(10) | \
				 BIT_ULL(8))

#define SVM_MSR_OK	MVM_MSR_OK
#define SVM_MSR_UNKNOWN	MVM_MSR_UNKNOWN
#define SVM_MSR_BAD	MVM_MSR_BAD

/* A PAT entry may be 0, 1, 4, 5, 6 or 7. */
static bool svm_pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 t = (pat >> (8 * i)) & 0xff;

		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}

static bool svm_canonical(u64 v)
{
	return (u64)((s64)(v << 16) >> 16) == v;
}

/* The MSRs in the VMCB that hold addresses, which must be canonical. */
static bool svm_msr_is_address(u32 msr)
{
	switch (msr) {
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_KERNEL_GS_BASE:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		return true;
	default:
		return false;
	}
}

static u64 *svm_msr_slot(struct vmcb_save *s, u32 msr)
{
	switch (msr) {
	case MSR_STAR:			return &s->star;
	case MSR_LSTAR:			return &s->lstar;
	case MSR_CSTAR:			return &s->cstar;
	case MSR_SYSCALL_MASK:		return &s->sfmask;
	case MSR_KERNEL_GS_BASE:	return &s->kernel_gs_base;
	case MSR_IA32_SYSENTER_CS:	return &s->sysenter_cs;
	case MSR_IA32_SYSENTER_ESP:	return &s->sysenter_esp;
	case MSR_IA32_SYSENTER_EIP:	return &s->sysenter_eip;
	case MSR_FS_BASE:		return &s->fs.base;
	case MSR_GS_BASE:		return &s->gs.base;
	default:			return NULL;
	}
}

static int svm_msr_read(struct svm_vcpu *svm, u32 msr, u64 *val, bool guest)
{
	struct vmcb *vmcb = svm->vmcb;
	u64 *slot = svm_msr_slot(&vmcb->save, msr);

	int r;

	if (slot) {
		*val = *slot;
		return SVM_MSR_OK;
	}
	/* The APIC (with an irqchip) and kvmclock are the core's. */
	r = mvm_core_rdmsr(svm->vcpu, msr, val);
	if (r != MVM_MSR_UNKNOWN)
		return r;
	switch (msr) {
	case MSR_EFER:
		*val = vmcb->save.efer & ~SVM_EFER_SVME;
		if (svm_quirk_lme)
			*val = svm_quirk_lme_efer(svm, *val);
		return SVM_MSR_OK;
	case MSR_IA32_CR_PAT:
		*val = vmcb->save.g_pat;
		return SVM_MSR_OK;
	case MSR_IA32_TSC:
		*val = rdtsc() + vmcb->control.tsc_offset;
		return SVM_MSR_OK;
	case MSR_TSC_AUX:
		*val = svm->tsc_aux;
		return SVM_MSR_OK;
	case MSR_IA32_APICBASE:
		*val = svm->apic_base;
		return SVM_MSR_OK;
	case MSR_IA32_SPEC_CTRL:
		if (!mvm_spec_ctrl_readable(svm->vcpu, guest))
			return SVM_MSR_BAD;
		*val = svm->spec_ctrl;
		return SVM_MSR_OK;
	default:
		return SVM_MSR_UNKNOWN;
	}
}

/*
 * The guest's WRMSR of EFER: LMA is the CPU's to set (a written one is
 * ignored), and LME cannot change while paging is on.
 */
static int svm_guest_efer(struct svm_vcpu *svm, u64 *val)
{
	const struct vmcb_save *s = &svm->vmcb->save;
	u64 cur = s->efer & ~SVM_EFER_SVME;

	if (svm_quirk_lme)
		cur = svm_quirk_lme_efer(svm, cur);
	*val = (*val & ~EFER_LMA) | (cur & EFER_LMA);
	if ((s->cr0 & X86_CR0_PG) && ((*val ^ cur) & EFER_LME))
		return SVM_MSR_BAD;
	return SVM_MSR_OK;
}

static int svm_msr_write(struct svm_vcpu *svm, u32 msr, u64 val, bool guest)
{
	struct vmcb *vmcb = svm->vmcb;
	u64 *slot = svm_msr_slot(&vmcb->save, msr);

	int r;

	if (slot) {
		if (svm_msr_is_address(msr) && !svm_canonical(val))
			return SVM_MSR_BAD;
		*slot = val;
		return SVM_MSR_OK;
	}
	r = mvm_core_wrmsr(svm->vcpu, msr, val);
	if (r != MVM_MSR_UNKNOWN)
		return r;
	switch (msr) {
	case MSR_EFER:
		/* The one rule for every way in (x86.h). */
		if (!mvm_efer_valid(val))
			return SVM_MSR_BAD;
		if (guest && svm_guest_efer(svm, &val))
			return SVM_MSR_BAD;
		vmcb->save.efer = val | SVM_EFER_SVME;
		if (svm_quirk_lme)
			svm_quirk_lme_sync(svm);
		return SVM_MSR_OK;
	case MSR_IA32_CR_PAT:
		if (!svm_pat_valid(val))
			return SVM_MSR_BAD;
		vmcb->save.g_pat = val;
		return SVM_MSR_OK;
	case MSR_IA32_TSC:
		vmcb->control.tsc_offset = val - rdtsc();
		/* kvmclock pairs its reference point with the offset. */
		mvm_pvclock_tsc_changed(svm->vcpu);
		return SVM_MSR_OK;
	case MSR_TSC_AUX:
		if (val >> 32)
			return SVM_MSR_BAD;
		svm->tsc_aux = val;
		return SVM_MSR_OK;
	case MSR_IA32_APICBASE:
		if (val & ~SVM_APIC_BASE_BITS)
			return SVM_MSR_BAD;
		svm->apic_base = val;
		return SVM_MSR_OK;
	case MSR_IA32_SPEC_CTRL:
		if (!mvm_spec_ctrl_valid(svm->vcpu, val, guest))
			return SVM_MSR_BAD;
		svm_set_spec_ctrl(svm, val);
		return SVM_MSR_OK;
	default:
		return SVM_MSR_UNKNOWN;
	}
}

/* MVM_GET_MSRS / MVM_SET_MSRS: the guest's view, no exits. */
int svm_get_msr(struct mvm_vcpu *vcpu, u32 index, u64 *data)
{
	int r = svm_msr_read(to_svm(vcpu), index, data, false);

	return r == SVM_MSR_OK || r == MVM_MSR_EXIT ? 0 : -1;
}

int svm_set_msr(struct mvm_vcpu *vcpu, u32 index, u64 data)
{
	int r = svm_msr_write(to_svm(vcpu), index, data, false);

	return r == SVM_MSR_OK || r == MVM_MSR_EXIT ? 0 : -1;
}

u64 svm_read_tsc(struct mvm_vcpu *vcpu)
{
	return rdtsc() + to_svm(vcpu)->vmcb->control.tsc_offset;
}

u64 svm_tsc_offset(struct mvm_vcpu *vcpu)
{
	return to_svm(vcpu)->vmcb->control.tsc_offset;
}

int svm_exit_msr(struct svm_vcpu *svm)
{
	struct vmcb_save *s = &svm->vmcb->save;
	struct mvm_run *run = svm->vcpu->run;
	u32 msr = svm->regs[SVM_RCX];
	bool write = svm->vmcb->control.exit_info_1 & 1;
	u64 val = (u32)s->rax | ((u64)(u32)svm->regs[SVM_RDX] << 32);
	int r;

	r = write ? svm_msr_write(svm, msr, val, true) :
		    svm_msr_read(svm, msr, &val, true);
	if (r == SVM_MSR_UNKNOWN) {
		run->exit_reason = write ? MVM_EXIT_WRMSR : MVM_EXIT_RDMSR;
		run->msr.index = msr;
		run->msr.error = 0;
		memset(run->msr.padding, 0, sizeof(run->msr.padding));
		run->msr.data = write ? val : 0;
		svm->msr_pending = write ? MVM_EXIT_WRMSR : MVM_EXIT_RDMSR;
		return 1;
	}
	if (r == SVM_MSR_BAD) {
		svm_inject_exception(svm, X86_TRAP_GP, true, 0);
		return 0;
	}
	if (r == MVM_MSR_EXIT) {
		/* Done (an EOI), but userspace must hear of it now. */
		svm_skip_insn(svm, 2);
		return mvm_lapic_report_eoi(svm->vcpu->lapic);
	}
	if (!write) {
		s->rax = (u32)val;
		svm->regs[SVM_RDX] = val >> 32;
	}
	svm_skip_insn(svm, 2);
	return 0;
}

/* Userspace answered an MSR exit: finish the RDMSR/WRMSR. */
void svm_complete_msr(struct svm_vcpu *svm)
{
	struct mvm_run *run = svm->vcpu->run;

	if (!svm->msr_pending)
		return;
	if (run->msr.error) {
		svm_inject_exception(svm, X86_TRAP_GP, true, 0);
	} else {
		if (svm->msr_pending == MVM_EXIT_RDMSR) {
			svm->vmcb->save.rax = (u32)run->msr.data;
			svm->regs[SVM_RDX] = run->msr.data >> 32;
		}
		svm_skip_insn(svm, 2);
	}
	svm->msr_pending = 0;
}

/* RDTSCP (0f 01 f9): the guest's TSC and its TSC_AUX, not the host's. */
int svm_exit_rdtscp(struct svm_vcpu *svm)
{
	u64 tsc = rdtsc() + svm->vmcb->control.tsc_offset;

	svm->vmcb->save.rax = (u32)tsc;
	svm->regs[SVM_RDX] = tsc >> 32;
	svm->regs[SVM_RCX] = svm->tsc_aux;
	svm_skip_insn(svm, 3);
	return 0;
}

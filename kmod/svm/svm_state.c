// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: SVM vCPU state: the reset VMCB and the register get/set calls.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/string.h>
#include <linux/types.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/xstate.h>
#include <asm/processor-flags.h>

#include "svm.h"
#include "svm_hw.h"
#include "../x86.h"

#define SVM_RESET_CR0	(X86_CR0_ET | X86_CR0_NW | X86_CR0_CD)
#define SVM_RESET_PAT	0x0007040600070406ULL
#define SVM_RESET_DR6	0xffff0ff0ULL
#define SVM_RESET_DR7	0x400ULL

static void svm_seg_reset(struct vmcb_seg *seg, u16 selector, u64 base,
			  u16 attrib)
{
	seg->selector = selector;
	seg->base = base;
	seg->limit = 0xffff;
	seg->attrib = attrib;
}

/* The state of a CPU after RESET, and the intercepts mvm always wants. */
void svm_vmcb_reset(struct svm_vcpu *svm)
{
	struct vmcb_control *c = &svm->vmcb->control;
	struct vmcb_save *s = &svm->vmcb->save;
	unsigned int i;

	memset(svm->vmcb, 0, sizeof(*svm->vmcb));
	for (i = 0; i < SVM_NR_REGS; i++)
		svm->regs[i] = 0;
	svm->io_in_pending = false;
	svm->vcpu->mp_state = MVM_MP_STATE_RUNNABLE;
	svm->nmi_masked = false;
	svm->nmi_iret_seen = false;
	svm->nmi_singlestep = false;
	svm->xcr0 = XFEATURE_MASK_FP;
	svm->pkru = 0;
	svm->dr_owned = false;
	memset(svm->db, 0, sizeof(svm->db));
	svm->tsc_aux = 0;
	svm->spec_ctrl = 0;
	svm->msr_pending = 0;
	/* xAPIC at its default address, enabled; vCPU 0 boots (BSP). */
	svm->apic_base = 0xfee00000ULL | BIT_ULL(11) |
			 (svm->vcpu->id == 0 ? BIT_ULL(8) : 0);
	/* A reset VMCB holds no ASID: take a new one before the next VMRUN. */
	svm->cpu = -1;

	c->intercept3 = SVM_I3_INTR | SVM_I3_NMI | SVM_I3_SMI |
			SVM_I3_RDPMC | SVM_I3_CPUID | SVM_I3_RSM |
			SVM_I3_INVD | SVM_I3_HLT | SVM_I3_INVLPGA |
			SVM_I3_IOIO | SVM_I3_MSR | SVM_I3_SHUTDOWN;
	c->intercept4 = SVM_I4_VMRUN | SVM_I4_VMMCALL | SVM_I4_VMLOAD |
			SVM_I4_VMSAVE | SVM_I4_STGI | SVM_I4_CLGI |
			SVM_I4_SKINIT | SVM_I4_RDTSCP | SVM_I4_WBINVD |
			SVM_I4_MONITOR |
			SVM_I4_MWAIT | SVM_I4_MWAIT_COND | SVM_I4_XSETBV |
			SVM_I4_RDPRU;
	if (svm_quirk_ltr)
		c->intercept3 |= SVM_I3_TR_WRITE;
	c->intercept_exceptions = SVM_INTERCEPT_EXCEPTIONS;
	/* DR0-7, reads and writes, until the guest owns them (svm_switch.c). */
	c->intercept_dr = 0x00ff00ff;
	c->iopm_base_pa = svm_iopm_pa();
	c->msrpm_base_pa = svm_msrpm_pa();
	/* Physical interrupts stay the host's: they end the guest (INTR). */
	c->int_ctl = SVM_INT_V_INTR_MASKING;
	c->nested_ctl = SVM_NESTED_NP_ENABLE;
	c->nested_cr3 = mvm_mmu_root_pa(svm->vcpu->vm);

	svm_seg_reset(&s->cs, 0xf000, 0xffff0000, SVM_SEG_P | SVM_SEG_S | 0xb);
	svm_seg_reset(&s->ds, 0, 0, SVM_SEG_P | SVM_SEG_S | 0x3);
	s->es = s->ds;
	s->fs = s->ds;
	s->gs = s->ds;
	s->ss = s->ds;
	svm_seg_reset(&s->gdtr, 0, 0, 0);
	svm_seg_reset(&s->idtr, 0, 0, 0);
	svm_seg_reset(&s->ldtr, 0, 0, SVM_SEG_P | 0x2);
	svm_seg_reset(&s->tr, 0, 0, SVM_SEG_P | 0xb);
	s->cr0 = SVM_RESET_CR0;
	/* VMRUN refuses a guest without EFER.SVME; the guest never sees it. */
	s->efer = SVM_EFER_SVME;
	s->rflags = X86_EFLAGS_FIXED;
	s->rip = 0xfff0;
	s->dr6 = SVM_RESET_DR6;
	s->dr7 = SVM_RESET_DR7;
	s->g_pat = SVM_RESET_PAT;
	if (svm_quirk_lme)
		svm_quirk_lme_sync(svm);
	if (svm_quirk_tr)
		svm_quirk_tr_sync(svm);
}

/*
 * INIT: as RESET, except that the TSC runs on (x87/SSE state and a few
 * MSRs are also kept by real CPUs; a guest reinitializes them anyway).
 */
void svm_vcpu_init(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	u64 tsc_offset = svm->vmcb->control.tsc_offset;

	svm_vmcb_reset(svm);
	svm->vmcb->control.tsc_offset = tsc_offset;
}

/* ---- General registers ---- */

void svm_get_regs(struct mvm_vcpu *vcpu, struct mvm_regs *r)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_save *s = &svm->vmcb->save;

	r->rax = s->rax;
	r->rbx = svm->regs[SVM_RBX];
	r->rcx = svm->regs[SVM_RCX];
	r->rdx = svm->regs[SVM_RDX];
	r->rsi = svm->regs[SVM_RSI];
	r->rdi = svm->regs[SVM_RDI];
	r->rsp = s->rsp;
	r->rbp = svm->regs[SVM_RBP];
	r->r8 = svm->regs[SVM_R8];
	r->r9 = svm->regs[SVM_R9];
	r->r10 = svm->regs[SVM_R10];
	r->r11 = svm->regs[SVM_R11];
	r->r12 = svm->regs[SVM_R12];
	r->r13 = svm->regs[SVM_R13];
	r->r14 = svm->regs[SVM_R14];
	r->r15 = svm->regs[SVM_R15];
	r->rip = s->rip;
	r->rflags = s->rflags;
}

void svm_set_regs(struct mvm_vcpu *vcpu, const struct mvm_regs *r)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_save *s = &svm->vmcb->save;

	s->rax = r->rax;
	svm->regs[SVM_RBX] = r->rbx;
	svm->regs[SVM_RCX] = r->rcx;
	svm->regs[SVM_RDX] = r->rdx;
	svm->regs[SVM_RSI] = r->rsi;
	svm->regs[SVM_RDI] = r->rdi;
	s->rsp = r->rsp;
	svm->regs[SVM_RBP] = r->rbp;
	svm->regs[SVM_R8] = r->r8;
	svm->regs[SVM_R9] = r->r9;
	svm->regs[SVM_R10] = r->r10;
	svm->regs[SVM_R11] = r->r11;
	svm->regs[SVM_R12] = r->r12;
	svm->regs[SVM_R13] = r->r13;
	svm->regs[SVM_R14] = r->r14;
	svm->regs[SVM_R15] = r->r15;
	s->rip = r->rip;
	/* Bit 1 always reads as 1; VMRUN would refuse a clear one. */
	s->rflags = r->rflags | X86_EFLAGS_FIXED;
}

/* ---- Segment and control registers ---- */

static void svm_seg_get(const struct vmcb_seg *v, struct mvm_segment *m)
{
	memset(m, 0, sizeof(*m));
	m->base = v->base;
	m->limit = v->limit;
	m->selector = v->selector;
	m->type = v->attrib & SVM_SEG_TYPE_MASK;
	m->s = !!(v->attrib & SVM_SEG_S);
	m->dpl = (v->attrib >> SVM_SEG_DPL_SHIFT) & 3;
	m->present = !!(v->attrib & SVM_SEG_P);
	m->avl = !!(v->attrib & SVM_SEG_AVL);
	m->l = !!(v->attrib & SVM_SEG_L);
	m->db = !!(v->attrib & SVM_SEG_DB);
	m->g = !!(v->attrib & SVM_SEG_G);
	m->unusable = !m->present;
}

static void svm_seg_set(struct vmcb_seg *v, const struct mvm_segment *m)
{
	v->base = m->base;
	v->limit = m->limit;
	v->selector = m->selector;
	v->attrib = 0;
	if (m->unusable)
		return;
	v->attrib = (m->type & SVM_SEG_TYPE_MASK) |
		    (m->s ? SVM_SEG_S : 0) |
		    ((m->dpl & 3) << SVM_SEG_DPL_SHIFT) |
		    (m->present ? SVM_SEG_P : 0) |
		    (m->avl ? SVM_SEG_AVL : 0) |
		    (m->l ? SVM_SEG_L : 0) |
		    (m->db ? SVM_SEG_DB : 0) |
		    (m->g ? SVM_SEG_G : 0);
}

void svm_get_sregs(struct mvm_vcpu *vcpu, struct mvm_sregs *sr)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb *vmcb = svm->vmcb;
	struct vmcb_save *s = &vmcb->save;

	svm_seg_get(&s->cs, &sr->cs);
	svm_seg_get(&s->ds, &sr->ds);
	svm_seg_get(&s->es, &sr->es);
	svm_seg_get(&s->fs, &sr->fs);
	svm_seg_get(&s->gs, &sr->gs);
	svm_seg_get(&s->ss, &sr->ss);
	svm_seg_get(&s->tr, &sr->tr);
	svm_seg_get(&s->ldtr, &sr->ldt);
	sr->gdt.base = s->gdtr.base;
	sr->gdt.limit = s->gdtr.limit;
	sr->idt.base = s->idtr.base;
	sr->idt.limit = s->idtr.limit;
	sr->cr0 = s->cr0;
	sr->cr2 = s->cr2;
	sr->cr3 = s->cr3;
	sr->cr4 = s->cr4;
	sr->cr8 = vmcb->control.int_ctl & SVM_INT_V_TPR_MASK;
	sr->efer = s->efer & ~SVM_EFER_SVME;
	if (svm_quirk_lme)
		sr->efer = svm_quirk_lme_efer(svm, sr->efer);
	if (svm_quirk_tr)
		svm_quirk_tr_get(svm, &sr->tr);
}

/*
 * Only what VMRUN does not check itself is checked here; anything else it
 * refuses ends in an MVM_EXIT_FAIL_ENTRY exit, never harms the host.
 */
int svm_set_sregs(struct mvm_vcpu *vcpu, const struct mvm_sregs *sr)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb *vmcb = svm->vmcb;
	struct vmcb_save *s = &vmcb->save;

	/* EFER as MVM_SET_MSRS takes it, and consistent with CR0/CR4. */
	if (sr->cr8 > 15 || !mvm_efer_valid(sr->efer) ||
	    !mvm_long_mode_consistent(sr->efer, sr->cr0, sr->cr4) ||
	    sr->gdt.limit > 0xffff || sr->idt.limit > 0xffff)
		return -EINVAL;

	svm_seg_set(&s->cs, &sr->cs);
	svm_seg_set(&s->ds, &sr->ds);
	svm_seg_set(&s->es, &sr->es);
	svm_seg_set(&s->fs, &sr->fs);
	svm_seg_set(&s->gs, &sr->gs);
	svm_seg_set(&s->ss, &sr->ss);
	svm_seg_set(&s->tr, &sr->tr);
	svm_seg_set(&s->ldtr, &sr->ldt);
	s->gdtr.base = sr->gdt.base;
	s->gdtr.limit = sr->gdt.limit;
	s->idtr.base = sr->idt.base;
	s->idtr.limit = sr->idt.limit;
	s->cr0 = sr->cr0;
	s->cr2 = sr->cr2;
	s->cr3 = sr->cr3;
	s->cr4 = sr->cr4;
	s->efer = sr->efer | SVM_EFER_SVME;
	vmcb->control.int_ctl = (vmcb->control.int_ctl & ~SVM_INT_V_TPR_MASK) |
				sr->cr8;
	/* The CPL is the DPL of SS in protected mode, 0 in real mode. */
	s->cpl = (sr->cr0 & X86_CR0_PE) ? sr->ss.dpl : 0;
	if (svm_quirk_lme)
		svm_quirk_lme_sync(svm);
	if (svm_quirk_tr)
		svm_quirk_tr_sync(svm);
	/* New paging state: the guest's TLB must not be trusted. */
	svm->cpu = -1;
	return 0;
}

/* ---- FPU, SSE, AVX... and XCR0 ---- */

static u64 svm_host_xcr0(void)
{
	return boot_cpu_has(X86_FEATURE_OSXSAVE) ?
	       xgetbv(XCR_XFEATURE_ENABLED_MASK) : XFEATURE_MASK_FPSSE;
}

int svm_get_xsave(struct mvm_vcpu *vcpu, struct mvm_xsave *xs)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	/* A host whose XSAVE area outgrows 4 KiB (AMX) needs a larger ABI. */
	if (svm->fpu.fpstate->user_size > sizeof(xs->region))
		return -E2BIG;
	fpu_copy_guest_fpstate_to_uabi(&svm->fpu, xs->region,
				       sizeof(xs->region), svm_host_xcr0(),
				       svm->pkru);
	if (svm_quirk_mxcsr)
		svm_quirk_mxcsr_clean(xs);
	return 0;
}

int svm_set_xsave(struct mvm_vcpu *vcpu, const struct mvm_xsave *xs)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	u32 pkru = svm->pkru;
	int r;

	if (svm->fpu.fpstate->user_size > sizeof(xs->region))
		return -E2BIG;
	/* PKRU is not in the guest's FPU buffer: it comes back in pkru. */
	r = fpu_copy_uabi_to_guest_fpstate(&svm->fpu, xs->region,
					   svm_host_xcr0(), &pkru);
	if (!r)
		svm->pkru = pkru;
	return r;
}

void svm_get_xcrs(struct mvm_vcpu *vcpu, struct mvm_xcrs *x)
{
	memset(x, 0, sizeof(*x));
	x->xcr0 = to_svm(vcpu)->xcr0;
}

/* The XCR0 values this vCPU may hold: the guest's XSETBV takes the same. */
bool svm_xcr0_valid(struct svm_vcpu *svm, u64 xcr0)
{
	return mvm_xcr0_valid(xcr0,
			      mvm_guest_xcr0_supported(svm->fpu.fpstate->user_xfeatures));
}

int svm_set_xcrs(struct mvm_vcpu *vcpu, const struct mvm_xcrs *x)
{
	if (!svm_xcr0_valid(to_svm(vcpu), x->xcr0))
		return -EINVAL;
	to_svm(vcpu)->xcr0 = x->xcr0;
	return 0;
}

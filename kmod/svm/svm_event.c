// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: interrupts, NMIs and exceptions for an SVM guest.
 *
 * Injection goes through EVENTINJ, one event per entry.  A queued
 * interrupt the guest cannot take yet (IF=0 or an interrupt shadow) arms
 * the interrupt window: a dummy virtual interrupt (V_IRQ) with the VINTR
 * intercept makes the guest exit the moment it could take one.  Without
 * hardware NMI virtualization, NMI blocking is tracked in software: masked
 * from injection until the handler's IRET has executed.  The IRET intercept
 * fires before it does; with an NMI waiting, the IRET is single-stepped
 * (TF, #DB intercepted) so the next one goes in right after it, otherwise
 * unmasking waits until RIP has moved on.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>

#include "svm.h"

#define SVM_DR6_BD	BIT_ULL(13)
#define SVM_DR7_GD	BIT_ULL(13)

/* Trap right after the NMI handler's IRET, which is about to run. */
static void svm_nmi_singlestep(struct svm_vcpu *svm)
{
	struct vmcb *vmcb = svm->vmcb;

	if (svm->nmi_singlestep)
		return;
	svm->nmi_singlestep = true;
	svm->nmi_guest_tf = vmcb->save.rflags & (X86_EFLAGS_TF | X86_EFLAGS_RF);
	/* #DB is always intercepted: the step's trap comes back here. */
	vmcb->save.rflags |= X86_EFLAGS_TF | X86_EFLAGS_RF;
}

int svm_exit_db(struct svm_vcpu *svm)
{
	struct vmcb *vmcb = svm->vmcb;

	if (!svm->nmi_singlestep) {
		/*
		 * The guest's own: DR6 in the VMCB already says why.  A
		 * general-detect #DB clears DR7.GD as it is delivered.
		 */
		if (vmcb->save.dr6 & SVM_DR6_BD)
			vmcb->save.dr7 &= ~SVM_DR7_GD;
		svm_inject_exception(svm, X86_TRAP_DB, false, 0);
		return 0;
	}
	svm->nmi_singlestep = false;
	vmcb->save.rflags = (vmcb->save.rflags &
			     ~(X86_EFLAGS_TF | X86_EFLAGS_RF)) | svm->nmi_guest_tf;
	svm->nmi_masked = false;
	svm->nmi_iret_seen = false;
	/* The guest was single-stepping itself: it gets its #DB too, BS set. */
	if (svm->nmi_guest_tf & X86_EFLAGS_TF)
		svm_inject_exception(svm, X86_TRAP_DB, false, 0);
	else
		vmcb->save.dr6 &= ~SVM_DR6_BS;
	return 0;
}

static bool svm_interruptible(struct svm_vcpu *svm)
{
	return (svm->vmcb->save.rflags & X86_EFLAGS_IF) &&
	       !(svm->vmcb->control.int_state & SVM_INTERRUPT_SHADOW);
}

static void svm_arm_window(struct svm_vcpu *svm, bool on)
{
	struct vmcb_control *c = &svm->vmcb->control;

	if (on) {
		c->int_ctl |= SVM_INT_V_IRQ | SVM_INT_V_IGN_TPR |
			      SVM_INT_V_INTR_PRIO_MASK;
		c->int_vector = 0;
		c->intercept3 |= SVM_I3_VINTR;
	} else {
		c->int_ctl &= ~(SVM_INT_V_IRQ | SVM_INT_V_IGN_TPR |
				SVM_INT_V_INTR_PRIO_MASK);
		c->intercept3 &= ~SVM_I3_VINTR;
	}
	if (svm_quirk_cr8)
		svm_quirk_cr8_window(svm, on);
}

/*
 * IRQs off, after mvm_vcpu_enter_guest_mode(): an event queued from now on
 * kicks this CPU out of the guest again, so nothing waits for long.
 */
void svm_inject_events(struct svm_vcpu *svm)
{
	struct mvm_vcpu *vcpu = svm->vcpu;
	struct vmcb_control *c = &svm->vmcb->control;
	/* Nothing goes in while the IRET is stepped: TF would be pushed. */
	bool busy = (c->event_inj & SVM_EVTINJ_VALID) || svm->nmi_singlestep;
	bool want_window;
	int vec;

	if (svm->nmi_iret_seen && svm->vmcb->save.rip != svm->nmi_iret_rip) {
		svm->nmi_iret_seen = false;
		svm->nmi_masked = false;
	}
	if (!busy && !svm->nmi_masked && atomic_xchg(&vcpu->nmi_pending, 0)) {
		c->event_inj = SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_NMI | 2;
		svm->nmi_masked = true;
		c->intercept3 |= SVM_I3_IRET;
		busy = true;
	}
	if (!busy && svm_interruptible(svm)) {
		if (vcpu->lapic) {
			vec = mvm_lapic_pending(vcpu->lapic);
			if (vec >= 0)
				mvm_lapic_accept(vcpu->lapic, vec);
		} else {
			vec = atomic_xchg(&vcpu->irq_queued, -1);
		}
		if (vec >= 0)
			c->event_inj = SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_INTR |
				       vec;
	}

	if (atomic_read(&vcpu->nmi_pending) && svm->nmi_masked &&
	    svm->nmi_iret_seen)
		svm_nmi_singlestep(svm);

	if (vcpu->lapic) {
		/* CR8 is the TPR: the guest reads and writes V_TPR. */
		c->int_ctl = (c->int_ctl & ~SVM_INT_V_TPR_MASK) |
			     mvm_lapic_get_cr8(vcpu->lapic);
		want_window = mvm_lapic_pending(vcpu->lapic) >= 0;
	} else {
		want_window = atomic_read(&vcpu->irq_queued) >= 0;
	}
	want_window |= vcpu->irq_window_wanted;
	svm_arm_window(svm, want_window);

	/* See inject_exit in svm_quirks.c: a self-IPI makes the guest exit. */
	if (svm_quirk_inject_exit)
		svm_quirk_inject_exit_kick(svm);
}

/* After an exit: a MOV to CR8 changed the TPR without one. */
void svm_sync_tpr_from_guest(struct svm_vcpu *svm)
{
	struct mvm_lapic *apic = svm->vcpu->lapic;
	u8 cr8 = svm->vmcb->control.int_ctl & SVM_INT_V_TPR_MASK;

	if (apic && cr8 != mvm_lapic_get_cr8(apic))
		mvm_lapic_set_cr8(apic, cr8);
}

void svm_report_interruptibility(struct svm_vcpu *svm)
{
	struct mvm_run *run = svm->vcpu->run;

	run->if_flag = !!(svm->vmcb->save.rflags & X86_EFLAGS_IF);
	run->ready_for_interrupt_injection =
		svm_interruptible(svm) &&
		!(svm->vmcb->control.event_inj & SVM_EVTINJ_VALID) &&
		atomic_read(&svm->vcpu->irq_queued) < 0;
}

int svm_exit_vintr(struct svm_vcpu *svm)
{
	struct mvm_vcpu *vcpu = svm->vcpu;

	svm_arm_window(svm, false);
	if (vcpu->irq_window_wanted && atomic_read(&vcpu->irq_queued) < 0) {
		vcpu->run->exit_reason = MVM_EXIT_IRQ_WINDOW_OPEN;
		return 1;
	}
	return 0;
}

int svm_exit_iret(struct svm_vcpu *svm)
{
	svm->vmcb->control.intercept3 &= ~SVM_I3_IRET;
	svm->nmi_iret_seen = true;
	svm->nmi_iret_rip = svm->vmcb->save.rip;
	return 0;
}

int svm_inject_exception_ioctl(struct mvm_vcpu *vcpu,
			       const struct mvm_exception *e)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	if (svm->vmcb->control.event_inj & SVM_EVTINJ_VALID)
		return -EBUSY;
	svm_inject_exception(svm, e->vector, e->has_error_code,
			     e->error_code);
	return 0;
}

void svm_get_events(struct mvm_vcpu *vcpu, struct mvm_vcpu_events *ev)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_control *c = &svm->vmcb->control;
	u64 inj = c->event_inj;
	u32 type = inj & SVM_EVTINJ_TYPE_MASK;
	int vec = atomic_read(&vcpu->irq_queued);

	memset(ev, 0, sizeof(*ev));
	if (inj & SVM_EVTINJ_VALID) {
		if (type == SVM_EVTINJ_TYPE_EXEPT) {
			ev->exception.injected = 1;
			ev->exception.vector = inj & SVM_EVTINJ_VEC_MASK;
			ev->exception.has_error_code =
				!!(inj & SVM_EVTINJ_VALID_ERR);
			ev->exception.error_code = inj >> 32;
		} else if (type == SVM_EVTINJ_TYPE_INTR) {
			ev->interrupt.injected = 1;
			ev->interrupt.injected_vector = inj & SVM_EVTINJ_VEC_MASK;
		} else if (type == SVM_EVTINJ_TYPE_NMI) {
			ev->nmi.injected = 1;
		}
	}
	if (vec >= 0) {
		ev->interrupt.queued = 1;
		ev->interrupt.vector = vec;
	}
	ev->interrupt.shadow = !!(c->int_state & SVM_INTERRUPT_SHADOW);
	ev->nmi.pending = !!atomic_read(&vcpu->nmi_pending);
	ev->nmi.masked = svm->nmi_masked;
}

int svm_set_events(struct mvm_vcpu *vcpu, const struct mvm_vcpu_events *ev)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_control *c = &svm->vmcb->control;

	c->event_inj = 0;
	if (ev->exception.injected)
		svm_inject_exception(svm, ev->exception.vector,
				     ev->exception.has_error_code,
				     ev->exception.error_code);
	else if (ev->interrupt.injected)
		c->event_inj = SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_INTR |
			       ev->interrupt.injected_vector;
	else if (ev->nmi.injected)
		c->event_inj = SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_NMI | 2;

	atomic_set(&vcpu->irq_queued,
		   ev->interrupt.queued ? ev->interrupt.vector : -1);
	if (ev->interrupt.shadow)
		c->int_state |= SVM_INTERRUPT_SHADOW;
	else
		c->int_state &= ~SVM_INTERRUPT_SHADOW;
	atomic_set(&vcpu->nmi_pending, ev->nmi.pending);
	svm->nmi_masked = ev->nmi.masked;
	svm->nmi_iret_seen = false;
	if (svm->nmi_singlestep) {
		svm->nmi_singlestep = false;
		svm->vmcb->save.rflags = (svm->vmcb->save.rflags &
			~(X86_EFLAGS_TF | X86_EFLAGS_RF)) | svm->nmi_guest_tf;
	}
	if (svm->nmi_masked)
		c->intercept3 |= SVM_I3_IRET;
	else
		c->intercept3 &= ~SVM_I3_IRET;
	return 0;
}

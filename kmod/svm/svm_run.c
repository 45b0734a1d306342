// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: the SVM run loop, in the thread that called MVM_RUN.
 *
 * The loop keeps entering the guest while exits are handled in the kernel
 * and returns when userspace is needed, a signal is pending, or on error.
 * The host schedules the thread like any other: each iteration re-checks
 * the CPU it runs on (ASID) and may reschedule; a preempt notifier tells
 * when the host state kept in the CPU's save area must be saved again.  The guest's FPU state is
 * swapped in for the whole of MVM_RUN; the kernel's FPU code saves and
 * restores it across context switches.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/thread_info.h>
#include <asm/fpu/api.h>
#include <linux/types.h>
#include <asm/fpu/xcr.h>
#include <asm/mce.h>
#include <asm/special_insns.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>

#include "svm.h"
#include "svm_hw.h"

/*
 * The instruction at RIP completed: move on to rip.  An STI or MOV SS
 * shadow covered only that instruction, so it ends too, and RF is clear
 * after any completed instruction.  It completed here, not in the CPU, so
 * a guest single-stepping itself takes the trap the CPU would have raised
 * after it: #DB with DR6.BS, at rip.  EVENTINJ holds one event: if
 * userspace queued one between the exit and this completion, that one
 * goes in and the trap is lost.  While mvm steps an NMI handler's IRET,
 * TF and RF are mvm's (svm_event.c); no intercepted instruction runs then.
 */
void svm_set_next_rip(struct svm_vcpu *svm, u64 rip)
{
	struct vmcb *vmcb = svm->vmcb;

	vmcb->save.rip = rip;
	vmcb->control.int_state &= ~SVM_INTERRUPT_SHADOW;
	if (svm->nmi_singlestep)
		return;
	vmcb->save.rflags &= ~X86_EFLAGS_RF;
	if ((vmcb->save.rflags & X86_EFLAGS_TF) &&
	    !(vmcb->control.event_inj & SVM_EVTINJ_VALID)) {
		vmcb->save.dr6 |= SVM_DR6_BS;
		svm_inject_exception(svm, X86_TRAP_DB, false, 0);
	}
}

/* Step over an instruction the kernel handled: next_rip when the CPU has it. */
void svm_skip_insn(struct svm_vcpu *svm, unsigned int len)
{
	struct vmcb *vmcb = svm->vmcb;

	if (svm_has(SVM_CPUID_NRIPS) && vmcb->control.next_rip)
		svm_set_next_rip(svm, vmcb->control.next_rip);
	else
		svm_set_next_rip(svm, vmcb->save.rip + len);
}

void svm_inject_exception(struct svm_vcpu *svm, u8 vector, bool has_err,
			  u32 err)
{
	u64 ev = SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_EXEPT | vector;

	if (has_err)
		ev |= SVM_EVTINJ_VALID_ERR | ((u64)err << 32);
	svm->vmcb->control.event_inj = ev;
}

/*
 * A machine check the guest's execution raised, intercepted: run the
 * host's handler as if it had come from user mode (the guest is no host
 * kernel context), which lets it recover by killing this thread if it
 * must.
 */
static void svm_machine_check(void)
{
#ifdef CONFIG_X86_MCE
	struct pt_regs regs = {
		.cs = 3,
		.flags = X86_EFLAGS_IF,
	};

	do_machine_check(&regs);
#endif
}

static int svm_enter(struct svm_vcpu *svm)
{
	struct svm_host host;

	local_irq_disable();
	/*
	 * After a context switch the guest's FPU registers are not loaded
	 * (the kernel defers that to the return to user mode): load them
	 * now, the guest runs on them.
	 */
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	/* A reboot may have turned SVM off: CLGI would fault. */
	if (!mvm_virt_cpu_on()) {
		local_irq_enable();
		return -EIO;
	}
	mvm_vcpu_enter_guest_mode(svm->vcpu);
	svm_inject_events(svm);
	svm_assign_asid(svm);
	svm_ibpb_on_switch(svm);
	svm_switch_to_guest(svm, &host);

	asm volatile("clgi" ::: "memory");
	/*
	 * The host state VMLOAD brings back after the guest: saved once per
	 * stay of this thread on this CPU (sched_in clears host_saved).
	 */
	if (!svm->host_saved) {
		asm volatile("vmsave %%rax" : : "a" (svm_host_save_pa()) : "memory");
		svm->host_saved = true;
	}
	/*
	 * Real mode pushes no error code (KVM strips it there too): decided
	 * here, in the mode the event is delivered in, not when it was queued.
	 */
	if (!(svm->vmcb->save.cr0 & X86_CR0_PE))
		svm->vmcb->control.event_inj &= ~(SVM_EVTINJ_VALID_ERR |
						  GENMASK_ULL(63, 32));
	svm->event_injected = svm->vmcb->control.event_inj;
	svm->event_rip = svm->vmcb->save.rip;
	__svm_vmrun(svm->regs, svm->vmcb_pa, svm_host_save_pa(),
		    svm->vmcb->control.int_state & SVM_INTERRUPT_SHADOW,
		    host.guest_spec_ctrl, host.spec_ctrl);
	/* IRQs stay off: what arrived meanwhile is handled at local_irq_enable. */
	asm volatile("stgi" ::: "memory");
	mvm_vcpu_exit_guest_mode(svm->vcpu);
	/* Before anything can move this thread: the bank is this CPU's. */
	if (unlikely(svm->vmcb->control.exit_code == SVM_EXIT_EXCP_MC))
		svm_machine_check();

	svm_switch_to_host(svm, &host);
	local_irq_enable();
	return 0;
}

void svm_sched_in(struct mvm_vcpu *vcpu, int cpu)
{
	to_svm(vcpu)->host_saved = false;
}

int svm_vcpu_run(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	int r;

	svm_complete_msr(svm);
	r = svm_complete_io_in(svm);
	if (r)
		return r > 0 ? 0 : r;
	/* An EOI written with MVM_SET_MSRS is reported before the guest runs. */
	if (vcpu->lapic && mvm_lapic_report_eoi(vcpu->lapic))
		return 0;
	/* Completed: now the state is whole, and the VMM may want just that. */
	if (READ_ONCE(vcpu->run->immediate_exit)) {
		vcpu->run->exit_reason = MVM_EXIT_INTR;
		return -EINTR;
	}
	svm_update_cr4_intercept(svm);
	fpu_swap_kvm_fpstate(&svm->fpu, true);
	for (;;) {
		if (signal_pending(current) || mvm_user_work_pending()) {
			vcpu->run->exit_reason = MVM_EXIT_INTR;
			r = -EINTR;
			break;
		}
		cond_resched();
		r = mvm_vcpu_wait_runnable(vcpu);
		if (r)
			break;
		r = svm_enter(svm);
		if (r)
			break;
		r = svm_handle_exit(svm);
		if (r)
			break;
	}
	fpu_swap_kvm_fpstate(&svm->fpu, false);
	svm_report_interruptibility(svm);
	return r > 0 ? 0 : r;
}

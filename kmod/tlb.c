// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: remote stage-2 TLB flushes, and how long they may wait.
 *
 * A flush bumps mmu.tlb_gen, which every vCPU compares (and flushes its
 * ASID for) at its next entry, and must then see each vCPU that was in
 * the guest at the bump leave the guest once: until that #VMEXIT the CPU
 * may still use what it cached from the entries just removed.  The flush
 * runs under mmu->lock (a table page is freed only after it), from the
 * mmu_notifier too, so the host's memory management waits on it: it must
 * not wait on the guest's good will.
 *
 * vcpu->guest_seq counts entries and exits (odd: in the guest), so a flush
 * waits for the exit of exactly the stay it saw, not for a vCPU that
 * entered again after the bump (that one flushes by itself).  The flush
 * interrupts each such CPU with a reschedule IPI, which ends the guest
 * through the INTR intercept whatever the guest's RFLAGS.IF, interrupt
 * shadow or NMI state (V_INTR_MASKING: the host's IF at VMRUN decides).
 * Should a CPU still be in the same stay after MVM_FLUSH_NMI_AFTER_MS (an
 * erratum, or an emulator that does not take the interrupt: a vCPU once
 * stayed in a guest through host interrupts for minutes under QEMU's TCG),
 * an NMI follows, and again every MVM_FLUSH_NMI_AFTER_MS: the NMI
 * intercept ends any guest, and this file's NMI handler claims those NMIs
 * so that the host does not report them as unknown.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <asm/apic.h>
#include <asm/nmi.h>
/* smp_send_reschedule() traces on newer kernels */
#include <trace/events/ipi.h>

#include "mvm.h"

#define MVM_FLUSH_NMI_AFTER_MS	100
/* A stay that 100 NMIs did not end is not in a guest: the thread died. */
#define MVM_FLUSH_MAX_NMIS	100

/*
 * NMIs a flush sent to this CPU, and until when an NMI there counts as
 * one of them.  NMIs sent close together merge into one, and another NMI
 * may come between the count and the IPI: so the handler takes them all
 * at once, and claims any NMI for a while after a send.  A foreign NMI
 * claimed by mistake in that window is one the host would only have
 * called unknown.
 */
static DEFINE_PER_CPU(atomic_t, mvm_kick_nmis);
static DEFINE_PER_CPU(unsigned long, mvm_kick_until);

static int mvm_kick_nmi_handler(unsigned int type, struct pt_regs *regs)
{
	if (atomic_xchg(this_cpu_ptr(&mvm_kick_nmis), 0) > 0 ||
	    time_before(jiffies, READ_ONCE(*this_cpu_ptr(&mvm_kick_until))))
		return NMI_HANDLED;
	return NMI_DONE;
}

/* Until @vcpu's stay @seq in the guest is over. */
static void mvm_wait_guest_exit(struct mvm_vcpu *vcpu, u32 seq)
{
	u64 start = ktime_get_ns(), next = start;
	unsigned int nmis = 0;
	int cpu;

	while (READ_ONCE(vcpu->guest_seq) == seq) {
		cpu_relax();
		if (ktime_get_ns() - next < MVM_FLUSH_NMI_AFTER_MS * NSEC_PER_MSEC)
			continue;
		next = ktime_get_ns();
		cpu = READ_ONCE(vcpu->cpu);
		if (nmis == MVM_FLUSH_MAX_NMIS || !cpu_online(cpu)) {
			pr_err_ratelimited("vCPU %u: CPU %d stays in guest mode after %u NMIs: its thread died there; not waiting\n",
					   vcpu->id, cpu, nmis);
			return;
		}
		WRITE_ONCE(*per_cpu_ptr(&mvm_kick_until, cpu),
			   jiffies + msecs_to_jiffies(MVM_FLUSH_NMI_AFTER_MS));
		atomic_inc(per_cpu_ptr(&mvm_kick_nmis, cpu));
		apic->send_IPI(cpu, NMI_VECTOR);
		nmis++;
	}
	if (nmis)
		pr_info_ratelimited("vCPU %u stayed in its guest %llu ms after a TLB-flush IPI; %u NMI(s) ended it\n",
				    vcpu->id, (ktime_get_ns() - start) / NSEC_PER_MSEC,
				    nmis);
}

void mvm_flush_remote_tlbs(struct mvm_vm *vm)
{
	struct mvm_vcpu *vcpu;
	unsigned int i;
	u32 seq;
	int cpu;

	lockdep_assert_held(&vm->mmu.lock);
	atomic64_inc(&vm->mmu.tlb_gen);
	/* Pairs with smp_store_mb() in mvm_vcpu_enter_guest_mode(). */
	smp_mb__after_atomic();
	for (i = 0; i < MVM_MAX_VCPUS; i++) {
		vcpu = READ_ONCE(vm->vcpus[i]);
		if (!vcpu)
			continue;
		seq = READ_ONCE(vcpu->guest_seq);
		vcpu->flush_seq = seq;
		if (!mvm_guest_seq_in_guest(seq))
			continue;
		/* vcpu->cpu was written before guest_seq (mvm.h). */
		smp_rmb();
		cpu = READ_ONCE(vcpu->cpu);
		/* A stay on this CPU, which runs us, cannot be going on. */
		if (WARN_ON_ONCE(cpu == smp_processor_id())) {
			vcpu->flush_seq = 0;
			continue;
		}
		smp_send_reschedule(cpu);
	}
	/* All interrupted at once; now each must have left. */
	for (i = 0; i < MVM_MAX_VCPUS; i++) {
		vcpu = READ_ONCE(vm->vcpus[i]);
		if (vcpu && mvm_guest_seq_in_guest(vcpu->flush_seq))
			mvm_wait_guest_exit(vcpu, vcpu->flush_seq);
	}
}

int mvm_tlb_init(void)
{
	return register_nmi_handler(NMI_LOCAL, mvm_kick_nmi_handler, 0,
				    "mvm_kick");
}

void mvm_tlb_exit(void)
{
	unregister_nmi_handler(NMI_LOCAL, "mvm_kick");
}

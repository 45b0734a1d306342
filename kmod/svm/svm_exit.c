// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: SVM exit handlers, dispatched through a table indexed by EXITCODE.
 *
 * A handler returns 0 when the guest can go on (the run loop re-enters it),
 * 1 when userspace is needed (vcpu->run says why), or -errno.  An exit code
 * without a handler goes to userspace as MVM_EXIT_INTERNAL_ERROR with the
 * raw code: no guest action can crash or hang the host.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/types.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/xstate.h>
#include <asm/processor-flags.h>
#include <asm/special_insns.h>
#include <asm/traps.h>

#include "svm.h"
#include "svm_hw.h"

typedef int (*svm_exit_fn)(struct svm_vcpu *svm);

int svm_exit_internal(struct svm_vcpu *svm, u32 reason, u32 suberror)
{
	struct mvm_run *run = svm->vcpu->run;
	struct vmcb_control *c = &svm->vmcb->control;

	run->exit_reason = reason;
	run->internal.suberror = suberror;
	run->internal.padding = 0;
	run->internal.hw_exit_code = c->exit_code;
	run->internal.info1 = c->exit_info_1;
	run->internal.info2 = c->exit_info_2;
	return 1;
}

static int svm_exit_unhandled(struct svm_vcpu *svm)
{
	pr_warn_ratelimited("unhandled SVM exit 0x%x\n",
			    (u32)svm->vmcb->control.exit_code);
	return svm_exit_internal(svm, MVM_EXIT_INTERNAL_ERROR,
				 MVM_INTERNAL_UNHANDLED);
}

/* The host already took the interrupt, NMI or SMI after STGI. */
static int svm_exit_nothing(struct svm_vcpu *svm)
{
	return 0;
}

/* Instructions the guest must not have: SVM's own, MONITOR/MWAIT, RDPRU. */
static int svm_exit_ud(struct svm_vcpu *svm)
{
	svm_inject_exception(svm, X86_TRAP_UD, false, 0);
	return 0;
}

/* The guest's own #AC (see SVM_INTERCEPT_EXCEPTIONS): it gets it back. */
static int svm_exit_ac(struct svm_vcpu *svm)
{
	svm_inject_exception(svm, X86_TRAP_AC, true, 0);
	return 0;
}

/* svm_enter() gave the machine check to the host already, on its CPU. */
static int svm_exit_mc(struct svm_vcpu *svm)
{
	return 0;
}

static int svm_exit_gp(struct svm_vcpu *svm)
{
	svm_inject_exception(svm, X86_TRAP_GP, true, 0);
	return 0;
}

/* INVD and WBINVD (0f 08, 0f 09): caches are the host's business. */
static int svm_exit_skip2(struct svm_vcpu *svm)
{
	svm_skip_insn(svm, 2);
	return 0;
}

static int svm_exit_cpuid(struct svm_vcpu *svm)
{
	struct vmcb_save *s = &svm->vmcb->save;
	u32 out[4];

	mvm_cpuid(svm->vcpu, s->rax, svm->regs[SVM_RCX], out);
	s->rax = out[0];
	svm->regs[SVM_RBX] = out[1];
	svm->regs[SVM_RCX] = out[2];
	svm->regs[SVM_RDX] = out[3];
	svm_skip_insn(svm, 2);
	return 0;
}

/* No hypercalls are defined: every call answers -MVM_HC_UNKNOWN in RAX. */
static int svm_exit_vmmcall(struct svm_vcpu *svm)
{
	svm->vmcb->save.rax = -(u64)MVM_HC_UNKNOWN;
	svm_skip_insn(svm, 3);
	return 0;
}

static int svm_exit_hlt(struct svm_vcpu *svm)
{
	svm_skip_insn(svm, 1);
	if (!(svm->vmcb->save.rflags & X86_EFLAGS_IF)) {
		svm->vcpu->run->exit_reason = MVM_EXIT_HLT;
		return 1;
	}
	/*
	 * An event already queued ends the halt at once, and so does the
	 * single-step trap svm_skip_insn() may just have put in EVENTINJ.
	 */
	if (!(svm->vmcb->control.event_inj & SVM_EVTINJ_VALID) &&
	    !mvm_vcpu_has_event(svm->vcpu))
		svm->vcpu->mp_state = MVM_MP_STATE_HALTED;
	return 0;
}

static int svm_exit_shutdown(struct svm_vcpu *svm)
{
	/* The VMCB is undefined after a shutdown: start over from RESET. */
	svm_vmcb_reset(svm);
	svm->vcpu->run->exit_reason = MVM_EXIT_SHUTDOWN;
	return 1;
}

u8 svm_cpu_mode(const struct vmcb_save *s)
{
	if ((s->efer & EFER_LMA) && (s->cs.attrib & SVM_SEG_L))
		return 64;
	if ((s->cr0 & X86_CR0_PE) && (s->cs.attrib & SVM_SEG_DB))
		return 32;
	return 16;
}

static u64 svm_gpr_read(struct svm_vcpu *svm, u8 reg)
{
	if (reg == SVM_RAX)
		return svm->vmcb->save.rax;
	if (reg == SVM_RSP)
		return svm->vmcb->save.rsp;
	return svm->regs[reg];
}

static void svm_gpr_write(struct svm_vcpu *svm, u8 reg, u64 val)
{
	if (reg == SVM_RAX)
		svm->vmcb->save.rax = val;
	else if (reg == SVM_RSP)
		svm->vmcb->save.rsp = val;
	else
		svm->regs[reg] = val;
}

/*
 * The guest's xAPIC page: the APIC is in the kernel, so is the MOV.  An
 * instruction the decoder does not know ends in an emulation error exit.
 */
static int svm_apic_mmio(struct svm_vcpu *svm, u64 gpa, bool write)
{
	struct vmcb_control *c = &svm->vmcb->control;
	struct mvm_lapic *apic = svm->vcpu->lapic;
	u8 bytes[16], n, mode = svm_cpu_mode(&svm->vmcb->save);
	struct mvm_mov mov;
	u32 val;
	int r;

	if (svm_has(SVM_CPUID_DECODE_ASSISTS) && c->insn_len &&
	    c->insn_len <= 15) {
		n = c->insn_len;
		memcpy(bytes, c->insn_bytes, n);
	} else {
		n = svm_fetch_insn(svm, bytes);
	}
	if (mvm_decode_mov32(bytes, n, mode, &mov) || mov.store != write ||
	    (gpa & 3))
		return svm_exit_internal(svm, MVM_EXIT_INTERNAL_ERROR,
					 MVM_INTERNAL_EMULATION);
	if (write) {
		val = mov.has_imm ? mov.imm : (u32)svm_gpr_read(svm, mov.reg);
		r = mvm_lapic_mmio_write(apic, gpa & 0xfff, val);
	} else {
		r = mvm_lapic_mmio_read(apic, gpa & 0xfff, &val);
		/* A 32-bit register write clears the upper half. */
		svm_gpr_write(svm, mov.reg, val);
	}
	svm_set_next_rip(svm, svm->vmcb->save.rip + mov.len);
	return r == MVM_MSR_EXIT && mvm_lapic_report_eoi(apic);
}

static int svm_exit_npf(struct svm_vcpu *svm)
{
	struct vmcb_control *c = &svm->vmcb->control;
	struct mvm_run *run = svm->vcpu->run;
	u64 gpa = c->exit_info_2;
	bool write = c->exit_info_1 & SVM_NPF_WRITE;
	int r;

	r = mvm_mmu_fault(svm->vcpu, gpa, write);
	if (r == -EINTR)
		run->exit_reason = MVM_EXIT_INTR;
	if (r == MVM_MMU_RING_FULL) {
		run->exit_reason = MVM_EXIT_DIRTY_RING_FULL;
		return 1;
	}
	if (r != MVM_MMU_MMIO)
		return r;
	if (svm->vcpu->lapic && mvm_lapic_xapic_page(svm->vcpu->lapic, gpa))
		return svm_apic_mmio(svm, gpa, write);

	memset(&run->mmio, 0, sizeof(run->mmio));
	run->exit_reason = MVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.is_write = write;
	run->mmio.cpu_mode = svm_cpu_mode(&svm->vmcb->save);
	/*
	 * With decode assists the CPU hands over the instruction bytes;
	 * without them, read them from the guest at CS:RIP.
	 */
	if (svm_has(SVM_CPUID_DECODE_ASSISTS) && c->insn_len &&
	    c->insn_len <= 15) {
		run->mmio.insn_len = c->insn_len;
		memcpy(run->mmio.insn_bytes, c->insn_bytes, c->insn_len);
	} else {
		run->mmio.insn_len = svm_fetch_insn(svm, run->mmio.insn_bytes);
	}
	return 1;
}

static int svm_exit_xsetbv(struct svm_vcpu *svm)
{
	struct vmcb_save *s = &svm->vmcb->save;
	u64 val = (u32)s->rax | ((u64)(u32)svm->regs[SVM_RDX] << 32);

	/*
	 * Only XCR0, at CPL 0, and only a value the CPU takes: the module
	 * loads it with XSETBV itself before the next entry, in ring 0 with
	 * IRQs off, where a #GP would be the host's.
	 */
	if ((u32)svm->regs[SVM_RCX] != 0 || s->cpl != 0 ||
	    !svm_xcr0_valid(svm, val))
		return svm_exit_gp(svm);
	svm->xcr0 = val;
	svm_skip_insn(svm, 3);
	return 0;
}

static int svm_exit_invalid(struct svm_vcpu *svm)
{
	return svm_exit_internal(svm, MVM_EXIT_FAIL_ENTRY, 0);
}

static const svm_exit_fn svm_exit_handlers[SVM_EXIT_MAX] = {
	/* Intercepted only for the QEMU TCG errata (svm_quirks.c). */
	[SVM_EXIT_CR0_WRITE]	= svm_quirk_exit_cr0_write,
	[SVM_EXIT_CR4_WRITE]	= svm_exit_cr4_write,
	[SVM_EXIT_CR8_WRITE]	= svm_quirk_exit_cr8_write,
	[SVM_EXIT_DR0_READ ... SVM_EXIT_DR7_READ]	= svm_exit_dr,
	[SVM_EXIT_DR0_WRITE ... SVM_EXIT_DR7_WRITE]	= svm_exit_dr,
	[SVM_EXIT_EXCP_DB]	= svm_exit_db,
	[SVM_EXIT_EXCP_AC]	= svm_exit_ac,
	[SVM_EXIT_EXCP_MC]	= svm_exit_mc,
	[SVM_EXIT_INTR]		= svm_exit_nothing,
	[SVM_EXIT_NMI]		= svm_exit_nothing,
	[SVM_EXIT_SMI]		= svm_exit_nothing,
	[SVM_EXIT_RDPMC]	= svm_exit_gp,
	[SVM_EXIT_CPUID]	= svm_exit_cpuid,
	[SVM_EXIT_VINTR]	= svm_exit_vintr,
	[SVM_EXIT_TR_WRITE]	= svm_quirk_exit_ltr,	/* svm_quirks.c */
	[SVM_EXIT_RSM]		= svm_exit_ud,
	[SVM_EXIT_IRET]		= svm_exit_iret,
	[SVM_EXIT_INVD]		= svm_exit_skip2,
	[SVM_EXIT_HLT]		= svm_exit_hlt,
	[SVM_EXIT_INVLPGA]	= svm_exit_ud,
	[SVM_EXIT_IOIO]		= svm_exit_io,
	[SVM_EXIT_MSR]		= svm_exit_msr,
	[SVM_EXIT_SHUTDOWN]	= svm_exit_shutdown,
	[SVM_EXIT_VMRUN]	= svm_exit_ud,
	[SVM_EXIT_VMMCALL]	= svm_exit_vmmcall,
	[SVM_EXIT_VMLOAD]	= svm_exit_ud,
	[SVM_EXIT_VMSAVE]	= svm_exit_ud,
	[SVM_EXIT_STGI]		= svm_exit_ud,
	[SVM_EXIT_CLGI]		= svm_exit_ud,
	[SVM_EXIT_SKINIT]	= svm_exit_ud,
	[SVM_EXIT_RDTSCP]	= svm_exit_rdtscp,
	[SVM_EXIT_WBINVD]	= svm_exit_skip2,
	[SVM_EXIT_MONITOR]	= svm_exit_ud,
	[SVM_EXIT_MWAIT]	= svm_exit_ud,
	[SVM_EXIT_MWAIT_COND]	= svm_exit_ud,
	[SVM_EXIT_XSETBV]	= svm_exit_xsetbv,
	[SVM_EXIT_RDPRU]	= svm_exit_ud,
	[SVM_EXIT_NPF]		= svm_exit_npf,
};

/*
 * The VMCB holds the host's own state, not the guest's: RIP right after
 * our VMRUN and the host's CR3.  QEMU 7.2's TCG does this on CPU 0 when
 * its lock-free IGNNE update from another CPU undoes the clearing of
 * nested paging at #VMEXIT (README, "Testing without hardware
 * virtualization"): the host's first instruction then walks its page
 * tables through the guest's, faults, and that second #VMEXIT saves the
 * host's registers over the guest's.  The guest's state is gone; running
 * the host's as the guest's would only fault at some odd address later.
 * No guest can get here by choice: it would need the host's CR3.
 */
static bool svm_exit_lost_state(const struct svm_vcpu *svm)
{
	const struct vmcb_save *s = &svm->vmcb->save;

	return s->rip == (unsigned long)__svm_vmrun_exit &&
	       (s->cr3 & CR3_ADDR_MASK) == (__read_cr3() & CR3_ADDR_MASK);
}

/*
 * The event whose delivery the exit interrupted, to deliver again; 0 if
 * none.  An INTn, INT3 or INTO the guest executed is not injected again
 * but executed again: RIP still points at the instruction, and EVENTINJ
 * would push that RIP as the return address, not the next one (without
 * NRIP save nothing says where the next one is).  A real CPU reports INT3
 * and INTO as exceptions 3 and 4, QEMU's TCG as software interrupts.  What
 * mvm itself injected at this VMRUN is injected again as it was.
 */
static u64 svm_event_to_redeliver(const struct svm_vcpu *svm)
{
	u64 ev = svm->vmcb->control.exit_int_info;	/* error code: 63:32 */
	u32 vec = ev & SVM_EVTINJ_VEC_MASK;

	if (!(ev & SVM_EVTINJ_VALID))
		return 0;
	/* Not a guest INT3 in the handler of the #BP injected at this VMRUN. */
	if (ev == svm->event_injected && svm->vmcb->save.rip == svm->event_rip)
		return ev;
	switch (ev & SVM_EVTINJ_TYPE_MASK) {
	case SVM_EVTINJ_TYPE_SOFT:
		return 0;
	case SVM_EVTINJ_TYPE_EXEPT:
		if (vec == X86_TRAP_BP || vec == X86_TRAP_OF)
			return 0;
		break;
	}
	return ev;
}

int svm_handle_exit(struct svm_vcpu *svm)
{
	struct vmcb_control *c = &svm->vmcb->control;
	/*
	 * The codes fit in 32 bits; VMEXIT_INVALID is -1, which not every
	 * implementation extends to 64 (QEMU writes 0xffffffff).
	 */
	u32 code = c->exit_code;

	if (unlikely(svm_exit_lost_state(svm))) {
		pr_info_ratelimited("vCPU %u: #VMEXIT gave back the host's own state, not the guest's (an emulator erratum, seen under QEMU's TCG): the guest's state is lost\n",
				    svm->vcpu->id);
		return svm_exit_internal(svm, MVM_EXIT_INTERNAL_ERROR,
					 MVM_INTERNAL_HOST_STATE);
	}
	svm_sync_tpr_from_guest(svm);
	c->event_inj = svm_event_to_redeliver(svm);

	if (code == (u32)SVM_EXIT_INVALID)
		return svm_exit_invalid(svm);
	if (code < SVM_EXIT_MAX && svm_exit_handlers[code])
		return svm_exit_handlers[code](svm);
	return svm_exit_unhandled(svm);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: workarounds for errata of an emulated SVM (QEMU's TCG).
 *
 * No real CPU needs any of these.  Under QEMU's TCG, the test host of
 * README's "Testing without hardware virtualization", each one keeps a
 * guest (or its VMM) away from an emulator bug that would take the whole
 * emulated host down.  Each quirk has its own flag, set once at probe time
 * from its module parameter: -1 (the default) on when CPUID 0x40000000
 * says QEMU's TCG, 0 never, 1 always.  The rest of the backend tests the
 * flag once at each hook point and calls in here, so that the hardware
 * path reads as if none of this existed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cache.h>
#include <linux/moduleparam.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>
#include <trace/events/ipi.h>

#include "svm.h"

bool svm_quirk_inject_exit __read_mostly;
bool svm_quirk_lme __read_mostly;
bool svm_quirk_tr __read_mostly;
bool svm_quirk_cr8 __read_mostly;
bool svm_quirk_mxcsr __read_mostly;
bool svm_quirk_ltr __read_mostly;
bool svm_quirk_dr __read_mostly;

/*
 * QEMU's emulated SVM (TCG, at least up to 8.x) delivers an interrupt that
 * EVENTINJ injects inside VMRUN but leaves its vector behind as a pending
 * exception.  The next time the emulator stops the CPU for its own reasons
 * before the guest exits, it delivers that vector again, as an exception,
 * whatever the guest's IF and wherever it is - in a Linux guest, an
 * interrupt taken on a half-switched stack or GS, and a triple fault.  The
 * next #VMEXIT clears it.  The workaround: with an interrupt injected,
 * enter with a host IPI of our own pending (a reschedule IPI to this CPU,
 * as KVM asks for an immediate exit), so the guest exits (INTR) once the
 * interrupt is delivered, before the first instruction of its handler
 * (vmenter.S: where STI goes).  The cost is one exit per injected
 * interrupt.
 */
static int svm_inject_exit = -1;
module_param_named(inject_exit, svm_inject_exit, int, 0444);
MODULE_PARM_DESC(inject_exit,
		 "exit right after an interrupt injection (QEMU TCG erratum): -1 auto, 0 off, 1 on");

/*
 * QEMU's #VMEXIT (do_vmexit(), 7.2 to 10.0 at least) loads the host's CR0
 * through the checks of a guest MOV to CR0 while EFER and CR4 are still
 * the guest's.  With the guest's EFER.LME=1, CR0.PG=0 and CR4.PAE=0 - a
 * valid state, LME is set before paging is turned on - turning the host's
 * paging on looks like entering long mode without PAE and is dropped: the
 * host CPU goes on with paging off and GIF=0, and the test host dies (RCU
 * stalls).  The workaround: while the guest's CR0.PG=0, its LME stays out
 * of the VMCB (svm->lme_hidden keeps it; RDMSR, MVM_GET_MSRS and
 * MVM_GET_SREGS show it), and MOV to CR0 is intercepted while the guest's
 * LME is set, so that the write that turns paging on also sets LME and
 * LMA, as the CPU would, and one that turns it off in compatibility mode
 * hides them again.
 */
static int svm_lme_hide = -1;
module_param_named(lme_hide, svm_lme_hide, int, 0444);
MODULE_PARM_DESC(lme_hide,
		 "keep EFER.LME out of the VMCB while the guest's paging is off (QEMU TCG erratum): -1 auto, 0 off, 1 on");

/*
 * QEMU's TCG looks up the ring-0 stack of a privilege-changing interrupt
 * or exception in legacy mode (get_ss_esp_from_tss()) only through a TR
 * of an available TSS type (1 or 9) and aborts ("invalid tss type") on the
 * busy types (3, 0xb) that LTR, real CPUs, mvm's reset state and every
 * VMM put there.  QEMU itself keeps the available type in its TR cache.
 * The workaround: the VMCB holds the available type, svm->tr_busy says the
 * guest's is busy, and MVM_GET_SREGS shows it so.
 */
static int svm_tr_available = -1;
module_param_named(tr_available, svm_tr_available, int, 0444);
MODULE_PARM_DESC(tr_available,
		 "show the CPU an available TSS type in TR (QEMU TCG erratum): -1 auto, 0 off, 1 on");

/*
 * QEMU's TCG emulates a guest MOV to CR8 under V_INTR_MASKING
 * (helper_write_crN()) by raising its virtual interrupt line when V_IRQ is
 * pending, without the lock that needs (QEMU aborts: "assertion failed:
 * (qemu_mutex_iothread_locked())").  mvm has V_IRQ pending while it waits
 * for an interrupt window.  The workaround: while the window is armed,
 * MOV to CR8 is intercepted and done here.
 */
static int svm_cr8_intercept = -1;
module_param_named(cr8_intercept, svm_cr8_intercept, int, 0444);
MODULE_PARM_DESC(cr8_intercept,
		 "intercept MOV to CR8 while an interrupt window is armed (QEMU TCG erratum): -1 auto, 0 off, 1 on");

/*
 * QEMU's TCG (7.2) loads an MXCSR with reserved bits (LDMXCSR, FXRSTOR,
 * XRSTOR) where a CPU raises #GP.  MVM_GET_XSAVE then hands out a state
 * that MVM_SET_XSAVE, as the kernel's XSAVE code, rightly refuses, and a
 * VMM can no longer restore what it saved.  The workaround: the bits the
 * CPU could never hold are cleared in what MVM_GET_XSAVE returns.
 */
static int svm_mxcsr_clean = -1;
module_param_named(mxcsr_clean, svm_mxcsr_clean, int, 0444);
MODULE_PARM_DESC(mxcsr_clean,
		 "clear reserved MXCSR bits in MVM_GET_XSAVE (QEMU TCG erratum): -1 auto, 0 off, 1 on");

/*
 * QEMU's TCG (helper_ltr(), 7.2 and 10.0) loads a null selector into TR
 * where a CPU raises #GP(0), and the next interrupt or exception that
 * needs the TSS (a privilege change) aborts QEMU ("invalid tss"): a guest
 * kills the test host.  The workaround: LTR is intercepted (TR write) and
 * done here with the CPU's checks.  The CPU checks protected mode and CPL
 * 0 before the intercept (APM vol. 2, "Instruction Intercepts"; QEMU
 * too), the rest is done here.  Only the register form is decoded: LTR
 * from memory ends in an emulation error exit.
 */
static int svm_ltr_null = -1;
module_param_named(ltr_null, svm_ltr_null, int, 0444);
MODULE_PARM_DESC(ltr_null,
		 "intercept LTR and raise #GP for a null selector (QEMU TCG erratum): -1 auto, 0 off, 1 on");

/*
 * QEMU's TCG (7.2) keeps a list of the breakpoints and watchpoints that
 * DR7 enables, updated by MOV to DR0-3/DR7 (cpu_x86_update_dr7()) from the
 * DR7 it holds, but VMRUN and #VMEXIT load DR7 without updating the list.
 * A guest's MOV that inserts a watchpoint leaves it inserted after the
 * #VMEXIT, under a DR7 whose types say otherwise; the next MOV to DR7
 * (the next guest's, or another vCPU's) removes it as an instruction
 * breakpoint and QEMU segfaults (cpu_breakpoint_remove_by_ref()).  The
 * workaround: a guest's writes to the debug registers stay intercepted
 * and go to the VMCB and svm->db[], which VMRUN and the host's own MOVs
 * (under the host's DR7, nothing enabled) load without inserting anything.
 * The cost: under TCG the guest's breakpoints never trigger.
 */
static int svm_dr_intercept = -1;
module_param_named(dr_intercept, svm_dr_intercept, int, 0444);
MODULE_PARM_DESC(dr_intercept,
		 "keep guest writes to debug registers intercepted (QEMU TCG erratum): -1 auto, 0 off, 1 on");

bool svm_under_qemu_tcg(void)
{
	u32 eax, sig[3];

	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR))
		return false;
	cpuid(0x40000000, &eax, &sig[0], &sig[1], &sig[2]);
	return !memcmp(sig, "TCGTCGTCGTCG", sizeof(sig));
}

static bool svm_quirk_wanted(int param, bool tcg, const char *what)
{
	bool on = param < 0 ? tcg : param > 0;

	if (on)
		pr_info("QEMU TCG erratum workaround: %s\n", what);
	return on;
}

void svm_quirks_probe(void)
{
	bool tcg = svm_under_qemu_tcg();

	svm_quirk_inject_exit =
		svm_quirk_wanted(svm_inject_exit, tcg,
				 "an exit follows each injected interrupt");
	svm_quirk_lme =
		svm_quirk_wanted(svm_lme_hide, tcg,
				 "EFER.LME stays out of the VMCB while paging is off");
	svm_quirk_tr =
		svm_quirk_wanted(svm_tr_available, tcg,
				 "TR shows the CPU an available TSS");
	svm_quirk_cr8 =
		svm_quirk_wanted(svm_cr8_intercept, tcg,
				 "MOV to CR8 exits while an interrupt window is armed");
	svm_quirk_mxcsr =
		svm_quirk_wanted(svm_mxcsr_clean, tcg,
				 "MVM_GET_XSAVE clears reserved MXCSR bits");
	svm_quirk_ltr =
		svm_quirk_wanted(svm_ltr_null, tcg,
				 "LTR is emulated (#GP for a null selector)");
	svm_quirk_dr =
		svm_quirk_wanted(svm_dr_intercept, tcg,
				 "writes to debug registers stay intercepted");
}

/* ---- mxcsr_clean ---- */

/* The legacy area's MXCSR at byte 24, MXCSR_MASK at 28 (0: the default). */
void svm_quirk_mxcsr_clean(struct mvm_xsave *xs)
{
	u8 *area = (u8 *)xs->region;
	u32 mxcsr, mask;

	memcpy(&mxcsr, area + 24, 4);
	memcpy(&mask, area + 28, 4);
	if (!mask)
		mask = 0xffbf;
	mxcsr &= mask;
	memcpy(area + 24, &mxcsr, 4);
}

/* ---- inject_exit ---- */

/* IRQs off, from svm_inject_events(): a host IPI for an injected interrupt. */
void svm_quirk_inject_exit_kick(struct svm_vcpu *svm)
{
	u64 ev = svm->vmcb->control.event_inj;

	if ((ev & (SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_MASK)) ==
	    (SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_INTR))
		smp_send_reschedule(smp_processor_id());
}

/* ---- lme_hide ---- */

/*
 * save.efer and save.cr0 were just given the guest's own values (WRMSR,
 * MVM_SET_MSRS, MVM_SET_SREGS, RESET): with paging off, LME (and an LMA
 * that cannot be set then) moves out of the VMCB.
 */
void svm_quirk_lme_sync(struct svm_vcpu *svm)
{
	struct vmcb_save *s = &svm->vmcb->save;
	bool lme = s->efer & EFER_LME;

	svm->lme_hidden = lme && !(s->cr0 & X86_CR0_PG);
	if (svm->lme_hidden)
		s->efer &= ~(EFER_LME | EFER_LMA);
	/*
	 * Not only until paging is on: a guest in compatibility mode may
	 * turn it off again, and LME would then be left in the VMCB.
	 */
	svm_intercept_cr_write(svm, 0, lme);
}

/* The guest's EFER, from the VMCB's. */
u64 svm_quirk_lme_efer(const struct svm_vcpu *svm, u64 efer)
{
	return svm->lme_hidden ? efer | EFER_LME : efer;
}

/*
 * A write to CR0 with the guest's LME set, done here with the checks of
 * the CPU (a CPL above 0 faults before the intercept).
 */
int svm_quirk_exit_cr0_write(struct svm_vcpu *svm)
{
	struct vmcb_save *s = &svm->vmcb->save;
	bool l = s->cs.attrib & SVM_SEG_L;
	u64 old = s->cr0, val;
	struct svm_cr_write w;

	if (svm_decode_cr_write(svm, &w) || w.cr != 0)
		return svm_cr_emulation_failed(svm);
	switch (w.op) {
	case SVM_CR_MOV:
		val = svm_cr_src(svm, w.gpr);
		break;
	case SVM_CR_LMSW:
		/* PE, MP, EM and TS; PE can be set, not cleared. */
		val = (old & ~0xfULL) | (svm_cr_src(svm, w.gpr) & 0xf) |
		      (old & X86_CR0_PE);
		break;
	default:
		val = old & ~X86_CR0_TS;
		break;
	}
	if (s->cpl || (val >> 32) ||
	    ((val & X86_CR0_NW) && !(val & X86_CR0_CD)) ||
	    ((val & X86_CR0_PG) && !(val & X86_CR0_PE)))
		return svm_cr_gp(svm);

	if (!(old & X86_CR0_PG) && (val & X86_CR0_PG) && svm->lme_hidden) {
		/* Into long mode: only with PAE, never from a CS with L. */
		if (!(s->cr4 & X86_CR4_PAE) || l)
			return svm_cr_gp(svm);
		s->efer |= EFER_LME | EFER_LMA;
		svm->lme_hidden = false;
	} else if ((old & X86_CR0_PG) && !(val & X86_CR0_PG) &&
		   (s->efer & EFER_LMA)) {
		/* Out of it: from compatibility mode only. */
		if (l)
			return svm_cr_gp(svm);
		s->efer &= ~(EFER_LME | EFER_LMA);
		svm->lme_hidden = true;
	}
	s->cr0 = val | X86_CR0_ET;	/* ET is fixed at 1 */
	/* New paging state: the guest's TLB must not be trusted. */
	if ((old ^ val) & X86_CR0_PG)
		svm->cpu = -1;
	svm_set_next_rip(svm, s->rip + w.len);
	return 0;
}

/* ---- tr_available ---- */

#define SVM_TSS_BUSY	0x2	/* in the type: 3 -> 1, 0xb -> 9 */

/* save.tr was just given the guest's own TR (MVM_SET_SREGS, RESET). */
void svm_quirk_tr_sync(struct svm_vcpu *svm)
{
	struct vmcb_seg *tr = &svm->vmcb->save.tr;
	u16 type = tr->attrib & (SVM_SEG_TYPE_MASK | SVM_SEG_S);

	svm->tr_busy = type == 0x3 || type == 0xb;
	if (svm->tr_busy)
		tr->attrib &= ~SVM_TSS_BUSY;
}

/* MVM_GET_SREGS: the guest's TR type. */
void svm_quirk_tr_get(const struct svm_vcpu *svm, struct mvm_segment *tr)
{
	if (svm->tr_busy && (tr->type == 0x1 || tr->type == 0x9))
		tr->type |= SVM_TSS_BUSY;
}

/* ---- cr8_intercept ---- */

/* Follows the interrupt window: armed (V_IRQ pending) or not. */
void svm_quirk_cr8_window(struct svm_vcpu *svm, bool armed)
{
	svm_intercept_cr_write(svm, 8, armed);
}

/* MOV to CR8 while the window is armed: V_TPR and the LAPIC's TPR. */
int svm_quirk_exit_cr8_write(struct svm_vcpu *svm)
{
	struct vmcb_control *c = &svm->vmcb->control;
	struct svm_cr_write w;
	u64 val;

	if (svm_decode_cr_write(svm, &w) || w.op != SVM_CR_MOV || w.cr != 8)
		return svm_cr_emulation_failed(svm);
	val = svm_cr_src(svm, w.gpr);
	if (svm->vmcb->save.cpl || (val & ~(u64)SVM_INT_V_TPR_MASK))
		return svm_cr_gp(svm);
	c->int_ctl = (c->int_ctl & ~SVM_INT_V_TPR_MASK) | val;
	svm_sync_tpr_from_guest(svm);
	svm_set_next_rip(svm, svm->vmcb->save.rip + w.len);
	return 0;
}

/* ---- ltr_null ---- */

/*
 * The instruction at CS:RIP, two opcode bytes 0f @op and a ModRM, after
 * size and segment prefixes and (in 64-bit mode) a REX.
 */
static int svm_quirk_decode(struct svm_vcpu *svm, u8 op, u8 *modrm, u8 *rex,
			    u8 *len)
{
	u8 b[15], n, i;

	n = svm_fetch_insn(svm, b);
	for (i = 0; i < n; i++) {
		if (b[i] != 0x66 && b[i] != 0x67 && b[i] != 0x26 &&
		    b[i] != 0x2e && b[i] != 0x36 && b[i] != 0x3e &&
		    b[i] != 0x64 && b[i] != 0x65)
			break;
	}
	*rex = 0;
	if (i < n && (b[i] & 0xf0) == 0x40 &&
	    svm_cpu_mode(&svm->vmcb->save) == 64)
		*rex = b[i++];
	if (i + 3 > n || b[i] != 0x0f || b[i + 1] != op)
		return -EINVAL;
	*modrm = b[i + 2];
	*len = i + 3;
	return 0;
}

/* LTR from a register: 0f 00 /3, mod 3. */
static int svm_decode_ltr(struct svm_vcpu *svm, u8 *gpr, u8 *len)
{
	u8 modrm, rex;

	if (svm_quirk_decode(svm, 0x00, &modrm, &rex, len) ||
	    (modrm & 0xf8) != 0xd8)
		return -EINVAL;
	*gpr = (modrm & 7) | (rex & 1 ? 8 : 0);
	return 0;
}

static int svm_ltr_fault(struct svm_vcpu *svm, u8 vector, u16 err)
{
	svm_inject_exception(svm, vector, true, err);
	return 0;
}

/*
 * The descriptor's type must be an available TSS (9; 1 outside long
 * mode); the CPU marks it busy in the GDT and loads TR from it.
 */
int svm_quirk_exit_ltr(struct svm_vcpu *svm)
{
	struct vmcb_save *s = &svm->vmcb->save;
	bool lma = s->efer & EFER_LMA;
	u64 desc[2] = { 0, 0 }, at, base;
	struct vmcb_seg *tr = &s->tr;
	struct mvm_paging p;
	u8 gpr, len, type;
	u16 sel, err;
	u32 limit;
	int r;

	if (svm_decode_ltr(svm, &gpr, &len))
		return svm_cr_emulation_failed(svm);
	if (!(s->cr0 & X86_CR0_PE) || (s->rflags & X86_EFLAGS_VM)) {
		svm_inject_exception(svm, X86_TRAP_UD, false, 0);
		return 0;
	}
	if (s->cpl)
		return svm_cr_gp(svm);
	sel = svm_cr_src(svm, gpr);
	err = sel & ~3;
	if (!err)			/* the erratum: a null selector */
		return svm_cr_gp(svm);
	if ((sel & 4) || (sel | 7) + (lma ? 8 : 0) > s->gdtr.limit)
		return svm_ltr_fault(svm, X86_TRAP_GP, err);

	at = s->gdtr.base + (sel & ~7);
	if (!lma)
		at = (u32)at;
	svm_paging(svm, &p);
	r = mvm_read_guest_virt(svm->vcpu->vm, &p, at, MVM_GVA_ANY, desc,
				lma ? 16 : 8);
	if (r < 0)
		return svm_cr_emulation_failed(svm);
	if (r) {
		s->cr2 = at;
		return svm_ltr_fault(svm, X86_TRAP_PF, r & 0xffff);
	}
	type = (desc[0] >> 40) & 0x1f;		/* S and type */
	if (type != 0x9 && (lma || type != 0x1))
		return svm_ltr_fault(svm, X86_TRAP_GP, err);
	if (!(desc[0] & BIT_ULL(47)))
		return svm_ltr_fault(svm, X86_TRAP_NP, err);
	base = ((desc[0] >> 16) & 0xffffff) | ((desc[0] >> 32) & 0xff000000);
	if (lma) {
		/* The upper half's type is 0; the base is canonical. */
		base |= desc[1] << 32;
		if (((desc[1] >> 40) & 0x1f) ||
		    (s64)(base << 16) >> 16 != (s64)base)
			return svm_ltr_fault(svm, X86_TRAP_GP, err);
	}

	desc[0] |= BIT_ULL(41);			/* busy */
	r = mvm_write_guest_virt(svm->vcpu, &p, at, desc, 8);
	if (r < 0)
		return svm_cr_emulation_failed(svm);
	if (r) {
		s->cr2 = at;
		return svm_ltr_fault(svm, X86_TRAP_PF, r & 0xffff);
	}
	limit = (desc[0] & 0xffff) | ((desc[0] >> 32) & 0xf0000);
	if (desc[0] & BIT_ULL(55))		/* G: 4 KiB units */
		limit = limit << 12 | 0xfff;
	tr->selector = sel;
	tr->base = base;
	tr->limit = limit;
	tr->attrib = ((desc[0] >> 40) & 0xff) | ((desc[0] >> 44) & 0xf00);
	if (svm_quirk_tr)
		svm_quirk_tr_sync(svm);
	svm_set_next_rip(svm, s->rip + len);
	return 0;
}

/* ---- dr_intercept ---- */

#define SVM_DR6_BD	BIT_ULL(13)
#define SVM_DR7_GD	BIT_ULL(13)
#define SVM_DR7_ZERO	0xd800ULL	/* bits 11, 12, 14, 15: zero on AMD */

/* MOV to DRn (0f 23, register form), with the CPU's checks. */
int svm_quirk_exit_dr_write(struct svm_vcpu *svm)
{
	struct vmcb_save *s = &svm->vmcb->save;
	u8 modrm, rex, len, dr;
	u64 val;

	if (svm_quirk_decode(svm, 0x23, &modrm, &rex, &len))
		return svm_cr_emulation_failed(svm);
	dr = (modrm >> 3) & 7;
	if ((rex & 4) || ((dr == 4 || dr == 5) && (s->cr4 & X86_CR4_DE))) {
		svm_inject_exception(svm, X86_TRAP_UD, false, 0);
		return 0;
	}
	if (s->cpl)
		return svm_cr_gp(svm);
	if (s->dr7 & SVM_DR7_GD) {		/* general detect: a fault */
		s->dr6 |= SVM_DR6_BD;
		s->dr7 &= ~SVM_DR7_GD;
		svm_inject_exception(svm, X86_TRAP_DB, false, 0);
		return 0;
	}
	val = svm_cr_src(svm, (modrm & 7) | (rex & 1 ? 8 : 0));
	if (dr >= 4 && (val >> 32))
		return svm_cr_gp(svm);
	switch (dr) {
	case 4:
	case 6:
		s->dr6 = (u32)val | 0xffff0ff0;
		break;
	case 5:
	case 7:
		s->dr7 = (val & ~SVM_DR7_ZERO) | 0x400;
		break;
	default:
		svm->db[dr] = val;
		break;
	}
	svm_set_next_rip(svm, s->rip + len);
	return 0;
}

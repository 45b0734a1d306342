// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: the guest state VMRUN and #VMEXIT do not switch, switched by hand
 * around them (svm_enter(), IRQs off): XCR0, PKRU, DR0-3 (and the DR6/DR7
 * #VMEXIT resets), TSC_AUX and SPEC_CTRL (the MSR writes themselves are in
 * vmenter.S, next to VMRUN).  None of the guest's values may stay in
 * force for the host, and the guest must not see the host's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/percpu.h>
#include <linux/user-return-notifier.h>
#include <asm/debugreg.h>
#include <asm/fpu/xcr.h>
#include <asm/hw_breakpoint.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/special_insns.h>

#include "svm.h"
#include "svm_hw.h"
#include "../x86.h"

/* ---- XCR0 ---- */

/*
 * The guest's XCR0 while it runs, whether or not its CR4.OSXSAVE is set
 * (without it, XCR0 changes nothing the guest can do; with it loaded
 * always, a change behind our back shows - see below).
 */
static void svm_load_guest_xcr0(struct svm_vcpu *svm, struct svm_host *h)
{
	h->xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	h->guest_xcr0 = h->xcr0;
	if (h->xcr0 != svm->xcr0) {
		xsetbv(XCR_XFEATURE_ENABLED_MASK, svm->xcr0);
		h->guest_xcr0 = svm->xcr0;
	}
}

/*
 * After the guest: the host's XCR0 again.  XSETBV is intercepted, so XCR0
 * is still what was loaded - except under an emulated SVM that runs the
 * guest's XSETBV without the exit (QEMU's): then the guest's new value is
 * in the register, and it is the guest's from now on.
 */
static void svm_put_guest_xcr0(struct svm_vcpu *svm, const struct svm_host *h)
{
	u64 cur = xgetbv(XCR_XFEATURE_ENABLED_MASK);

	if (cur != h->guest_xcr0)
		svm->xcr0 = cur;
	if (cur != h->xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, h->xcr0);
}

/* ---- PKRU ---- */

/*
 * PKRU is user state the kernel's FPU switch leaves in the register (the
 * host's own code does not use it), and the guest can write it whenever
 * it likes: CR4 writes do not exit, so a guest may turn CR4.PKE on, run
 * WRPKRU and turn it off again.  So it is switched at every entry and
 * exit whatever the guest's CR4 says: the guest never sees the VMM's
 * value, and the VMM never runs with the guest's.
 */
static void svm_load_guest_pkru(struct svm_vcpu *svm, struct svm_host *h)
{
	h->pkru = rdpkru();
	if (svm->pkru != h->pkru)
		wrpkru(svm->pkru);
}

static void svm_put_guest_pkru(struct svm_vcpu *svm, const struct svm_host *h)
{
	svm->pkru = rdpkru();
	if (svm->pkru != h->pkru)
		wrpkru(h->pkru);
}

/* ---- Debug registers ---- */

/*
 * The VMCB switches DR6 and DR7 only.  DR0-3 hold the host's breakpoint
 * addresses: every guest access to a debug register exits until the
 * first one, which makes the guest their owner (svm_exit_dr()); from then
 * on its DR0-3 are loaded at each entry and read back at each exit, and
 * the instruction runs natively.  #VMEXIT sets DR7 to 0x400, which turns
 * off the host's breakpoints: they come back from the kernel's own copy.
 */
static void svm_load_guest_dr(struct svm_vcpu *svm)
{
	int i;

	if (!svm->dr_owned)
		return;
	for (i = 0; i < 4; i++)
		native_set_debugreg(i, svm->db[i]);
}

static void svm_put_guest_dr(struct svm_vcpu *svm)
{
	int i;

	if (svm->dr_owned) {
		for (i = 0; i < 4; i++)
			svm->db[i] = native_get_debugreg(i);
	}
	if (svm->dr_owned || hw_breakpoint_active())
		hw_breakpoint_restore();
}

/*
 * The guest owns its debug registers from now on: svm->db[] is loaded at
 * each entry.  Under QEMU's TCG its writes stay intercepted (svm_quirks.c).
 */
static void svm_own_dr(struct svm_vcpu *svm)
{
	svm->dr_owned = true;
	svm->vmcb->control.intercept_dr = svm_quirk_dr ? 0x00ff0000 : 0;
}

/* A MOV to or from a debug register exited: the guest owns them now. */
int svm_exit_dr(struct svm_vcpu *svm)
{
	svm_own_dr(svm);
	if (svm_quirk_dr && svm->vmcb->control.exit_code >= SVM_EXIT_DR0_WRITE)
		return svm_quirk_exit_dr_write(svm);
	return 0;		/* runs again, natively */
}

/*
 * MVM_GET_DEBUGREGS: DR0-3 as the last exit read them back (or as set:
 * the guest's first access loads them), DR6 and DR7 from the VMCB.
 */
void svm_get_debugregs(struct mvm_vcpu *vcpu, struct mvm_debugregs *d)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	int i;

	for (i = 0; i < 4; i++)
		d->db[i] = svm->db[i];
	d->dr6 = svm->vmcb->save.dr6;
	d->dr7 = svm->vmcb->save.dr7;
}

/*
 * MVM_SET_DEBUGREGS, values checked by the core.  The guest owns them at
 * once: a DR7 that enables a breakpoint must never meet the host's DR0-3.
 */
void svm_set_debugregs(struct mvm_vcpu *vcpu, const struct mvm_debugregs *d)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	int i;

	for (i = 0; i < 4; i++)
		svm->db[i] = d->db[i];
	svm->vmcb->save.dr6 = d->dr6;
	svm->vmcb->save.dr7 = d->dr7;
	svm_own_dr(svm);
}

/* ---- TSC_AUX ---- */

/*
 * RDTSCP is intercepted, but RDPID reads the MSR itself: the guest's
 * value is loaded before entry.  WRMSR is slow, so the host's comes back
 * only when this CPU returns to user mode (a user-return notifier) or
 * SVM is turned off on it, not at every exit: Linux reads TSC_AUX only
 * in user mode (getcpu).
 */
struct svm_tsc_aux {
	struct user_return_notifier urn;
	bool registered;
	u64 host;
	u64 loaded;
};

static DEFINE_PER_CPU(struct svm_tsc_aux, svm_tsc_aux);

static bool svm_has_tsc_aux(void)
{
	return boot_cpu_has(X86_FEATURE_RDTSCP) ||
	       boot_cpu_has(X86_FEATURE_RDPID);
}

/* IRQs off: a notifier or svm_tsc_aux_restore() on this CPU cannot run. */
static void svm_tsc_aux_put_host(struct svm_tsc_aux *a)
{
	if (!a->registered)
		return;
	a->registered = false;
	user_return_notifier_unregister(&a->urn);
	if (a->loaded != a->host)
		wrmsrl(MSR_TSC_AUX, a->host);
}

static void svm_tsc_aux_user_return(struct user_return_notifier *urn)
{
	unsigned long flags;

	local_irq_save(flags);
	svm_tsc_aux_put_host(container_of(urn, struct svm_tsc_aux, urn));
	local_irq_restore(flags);
}

static void svm_load_guest_tsc_aux(struct svm_vcpu *svm)
{
	struct svm_tsc_aux *a = this_cpu_ptr(&svm_tsc_aux);

	if (!a->registered) {
		rdmsrl(MSR_TSC_AUX, a->host);
		a->loaded = a->host;
		a->urn.on_user_return = svm_tsc_aux_user_return;
		user_return_notifier_register(&a->urn);
		a->registered = true;
	}
	if (a->loaded != svm->tsc_aux) {
		wrmsrl(MSR_TSC_AUX, svm->tsc_aux);
		a->loaded = svm->tsc_aux;
	}
}

/* SVM goes off on this CPU (IRQs off): the notifier must not outlive mvm.ko. */
void svm_switch_cpu_disable(void)
{
	svm_tsc_aux_put_host(this_cpu_ptr(&svm_tsc_aux));
}

/* ---- SPEC_CTRL ---- */

/*
 * The guest's SPEC_CTRL: every access exits (the permission map), so the
 * value the guest runs with is always this one.  With V_SPEC_CTRL the CPU
 * loads it from the VMCB at VMRUN and puts the host's back at #VMEXIT;
 * without, __svm_vmrun writes it before VMRUN and the host's value right
 * after #VMEXIT, before any RET, as the host's own KVM does.
 */
void svm_set_spec_ctrl(struct svm_vcpu *svm, u64 val)
{
	svm->spec_ctrl = val;
	if (boot_cpu_has(X86_FEATURE_V_SPEC_CTRL))
		svm->vmcb->save.spec_ctrl = val;
}

/* IRQs off: x86_spec_ctrl_current is this task's until VMRUN returns. */
static void svm_spec_ctrl_pair(const struct svm_vcpu *svm, struct svm_host *h)
{
	h->spec_ctrl = 0;
	h->guest_spec_ctrl = 0;
	if (!mvm_spec_ctrl_switched() || boot_cpu_has(X86_FEATURE_V_SPEC_CTRL))
		return;
	h->spec_ctrl = this_cpu_read(x86_spec_ctrl_current);
	h->guest_spec_ctrl = svm->spec_ctrl;
}

/* ---- Around VMRUN ---- */

void svm_switch_to_guest(struct svm_vcpu *svm, struct svm_host *h)
{
	if (boot_cpu_has(X86_FEATURE_OSXSAVE))
		svm_load_guest_xcr0(svm, h);
	if (cpu_feature_enabled(X86_FEATURE_OSPKE))
		svm_load_guest_pkru(svm, h);
	svm_load_guest_dr(svm);
	if (svm_has_tsc_aux())
		svm_load_guest_tsc_aux(svm);
	svm_spec_ctrl_pair(svm, h);
}

void svm_switch_to_host(struct svm_vcpu *svm, const struct svm_host *h)
{
	svm_put_guest_dr(svm);
	if (cpu_feature_enabled(X86_FEATURE_OSPKE))
		svm_put_guest_pkru(svm, h);
	if (boot_cpu_has(X86_FEATURE_OSXSAVE))
		svm_put_guest_xcr0(svm, h);
}

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
#include <asm/processor.h>
#include <trace/events/ipi.h>

#include "svm.h"

bool svm_quirk_inject_exit __read_mostly;

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


// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: intercepted writes to control registers.
 *
 * Most control-register writes never exit.  Those that do: CR4 while the
 * guest's CPUID table hides a CR4 feature the CPU has (protection keys:
 * a guest must not turn CR4.PKE on, and with it RDPKRU/WRPKRU, unless its
 * CPUID offers PKU), and, under QEMU's TCG, CR0 and CR8 for the errata in
 * svm_quirks.c.  Without NRIP save and decode assists (QEMU has neither)
 * the instruction is read and decoded from the guest; the checks are the
 * CPU's own, so the guest sees what a CPU would do.
 */
#include <linux/types.h>
#include <asm/cpufeature.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>

#include "svm.h"
#include "x86.h"

void svm_intercept_cr_write(struct svm_vcpu *svm, unsigned int cr, bool on)
{
	struct vmcb_control *c = &svm->vmcb->control;

	if (on)
		c->intercept_cr |= SVM_CR_WRITE(cr);
	else
		c->intercept_cr &= ~SVM_CR_WRITE(cr);
}

/*
 * The instruction at CS:RIP, which wrote a control register: MOV to CRn
 * (0f 22, register form; REX.R or, on AMD, LOCK selects CR8), LMSW from a
 * register (0f 01 /6) or CLTS (0f 06).  Without NRIP save and decode
 * assists (QEMU has neither) it must be read from the guest.  Segment and
 * size prefixes change nothing here.  Anything else: -EINVAL, and the
 * caller ends in an emulation error exit.
 */
int svm_decode_cr_write(struct svm_vcpu *svm, struct svm_cr_write *w)
{
	u8 b[15], n, i, rex = 0, modrm, reg;
	bool lock = false;

	n = svm_fetch_insn(svm, b);
	for (i = 0; i < n; i++) {
		if (b[i] == 0xf0)
			lock = true;
		else if (b[i] != 0x66 && b[i] != 0x67 && b[i] != 0x26 &&
			 b[i] != 0x2e && b[i] != 0x36 && b[i] != 0x3e &&
			 b[i] != 0x64 && b[i] != 0x65)
			break;
	}
	if (i < n && (b[i] & 0xf0) == 0x40 &&
	    svm_cpu_mode(&svm->vmcb->save) == 64)
		rex = b[i++];
	if (i + 2 > n || b[i] != 0x0f)
		return -EINVAL;
	if (b[i + 1] == 0x06) {
		w->op = SVM_CR_CLTS;
		w->cr = 0;
		w->len = i + 2;
		return lock ? -EINVAL : 0;
	}
	if (i + 3 > n)
		return -EINVAL;
	modrm = b[i + 2];
	reg = ((modrm >> 3) & 7) | (rex & 4 ? 8 : 0);
	w->gpr = (modrm & 7) | (rex & 1 ? 8 : 0);
	w->len = i + 3;
	if (b[i + 1] == 0x22) {
		/* The mod field is ignored: always a register. */
		w->op = SVM_CR_MOV;
		if (lock && reg)
			return -EINVAL;
		w->cr = lock ? 8 : reg;
		return 0;
	}
	if (b[i + 1] == 0x01 && (modrm >> 6) == 3 && (modrm & 0x38) == 0x30 &&
	    !lock) {
		w->op = SVM_CR_LMSW;
		w->cr = 0;
		return 0;
	}
	return -EINVAL;
}

/* A source register, as wide as the mode's operands of MOV CRn. */
u64 svm_cr_src(struct svm_vcpu *svm, u8 gpr)
{
	struct vmcb_save *s = &svm->vmcb->save;
	u64 v;

	if (gpr == SVM_RAX)
		v = s->rax;
	else if (gpr == SVM_RSP)
		v = s->rsp;
	else
		v = svm->regs[gpr];
	return svm_cpu_mode(s) == 64 ? v : (u32)v;
}

int svm_cr_emulation_failed(struct svm_vcpu *svm)
{
	return svm_exit_internal(svm, MVM_EXIT_INTERNAL_ERROR,
				 MVM_INTERNAL_EMULATION);
}

int svm_cr_gp(struct svm_vcpu *svm)
{
	svm_inject_exception(svm, X86_TRAP_GP, true, 0);
	return 0;
}

/* ---- CR4 ---- */

/* Bits whose change makes the guest's cached translations stale. */
#define SVM_CR4_FLUSH	(X86_CR4_PGE | X86_CR4_PAE | X86_CR4_PSE |	\
			 X86_CR4_PCIDE | X86_CR4_SMEP | X86_CR4_SMAP |	\
			 X86_CR4_LA57 | X86_CR4_PKE)

/*
 * Once per MVM_RUN (the CPUID table changes only between runs): which CR4
 * bits the guest may not set beyond what the CPU refuses, and so whether
 * its CR4 writes must exit.
 */
void svm_update_cr4_intercept(struct svm_vcpu *svm)
{
	svm->cr4_hidden = mvm_cr4_guest_hidden(svm->vcpu);
	svm_intercept_cr_write(svm, 4, svm->cr4_hidden);
}

int svm_exit_cr4_write(struct svm_vcpu *svm)
{
	struct vmcb_save *s = &svm->vmcb->save;
	bool lma = s->efer & EFER_LMA;
	struct svm_cr_write w;
	u64 old = s->cr4, val;

	if (svm_decode_cr_write(svm, &w) || w.op != SVM_CR_MOV || w.cr != 4)
		return svm_cr_emulation_failed(svm);
	val = svm_cr_src(svm, w.gpr);
	if (s->cpl || (val & ~mvm_cr4_supported()) ||
	    (val & svm->cr4_hidden) ||
	    (lma && !(val & X86_CR4_PAE)) ||
	    (lma && ((old ^ val) & X86_CR4_LA57)) ||
	    ((val & X86_CR4_PCIDE) && !(old & X86_CR4_PCIDE) &&
	     (!lma || (s->cr3 & 0xfff))))
		return svm_cr_gp(svm);
	s->cr4 = val;
	if ((old ^ val) & SVM_CR4_FLUSH)
		svm->cpu = -1;
	svm_set_next_rip(svm, s->rip + w.len);
	return 0;
}

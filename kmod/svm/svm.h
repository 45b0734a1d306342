/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mvm: SVM backend internals.
 */
#ifndef MVM_SVM_H
#define MVM_SVM_H

#include <linux/types.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <asm/trapnr.h>

#include "../mvm.h"
#include "vmcb.h"

/* General registers in instruction-encoding order (vmenter.S relies on it). */
enum svm_reg {
	SVM_RAX, SVM_RCX, SVM_RDX, SVM_RBX, SVM_RSP, SVM_RBP, SVM_RSI, SVM_RDI,
	SVM_R8, SVM_R9, SVM_R10, SVM_R11, SVM_R12, SVM_R13, SVM_R14, SVM_R15,
	SVM_NR_REGS,
};

struct svm_vcpu {
	/* RAX and RSP are in the VMCB; their slots here are unused. */
	unsigned long regs[SVM_NR_REGS];	/* _must_ stay first */
	struct mvm_vcpu *vcpu;
	struct vmcb *vmcb;
	struct page *vmcb_page;
	u64 vmcb_pa;
	struct fpu_guest fpu;

	/* Where this vCPU last ran and with which ASID. */
	int cpu;
	u32 asid;
	u64 asid_gen;
	s64 tlb_gen;		/* mmu.tlb_gen the ASID's TLB is clean for */

	/*
	 * An IN (or INS) whose data userspace supplies before the next RUN;
	 * the rest of it is still in EXITINFO1/2 then.
	 */
	bool io_in_pending;
	u32 io_count;		/* INS: elements in the run page */
	u64 event_injected;	/* EVENTINJ of the last VMRUN */
	u64 event_rip;		/* and its RIP */
	u64 cr4_hidden;		/* CR4 bits the guest's CPUID hides */

	bool host_saved;	/* this thread's host state is in the CPU's area */
	bool nmi_masked;	/* an NMI handler runs: no NMI until IRET */
	bool nmi_iret_seen;	/* its IRET exited: unmask once RIP moves */
	u64 nmi_iret_rip;
	bool nmi_singlestep;	/* stepping that IRET to unmask right after */
	u64 nmi_guest_tf;	/* the guest's own RFLAGS.TF/RF meanwhile */
	u64 xcr0;		/* the guest's XCR0 */
	u32 pkru;		/* the guest's PKRU (hosts with OSPKE) */
	bool dr_owned;		/* DR0-3 are the guest's: switched, not intercepted */
	unsigned long db[4];	/* the guest's DR0-3 while dr_owned */
	u64 tsc_aux;
	u64 spec_ctrl;		/* the guest's SPEC_CTRL (the VMCB's with V_SPEC_CTRL) */
	u64 apic_base;
	u32 msr_pending;	/* MVM_EXIT_RDMSR/WRMSR awaiting userspace */

	/* Emulator errata (svm_quirks.c) */
	bool lme_hidden;	/* the guest's EFER.LME, not in the VMCB */
	bool tr_busy;		/* the guest's TR is busy, the VMCB's not */
};

#define SVM_DR6_BS	BIT_ULL(14)	/* DR6: single-step */

/*
 * Exceptions always intercepted.  #DB and #AC are benign: one raised while
 * the CPU delivers the same one (a data breakpoint on the stack the #DB
 * frame goes to, a misaligned stack at CPL 3 with alignment checks on) is
 * delivered in turn, for ever, with no instruction boundary where a host
 * interrupt could end the guest (CVE-2015-8104, CVE-2015-5307).  Each one
 * exiting makes every turn of such a loop pass through the host.  #MC
 * during guest execution is the host's to handle.
 */
#define SVM_INTERCEPT_EXCEPTIONS	(BIT(X86_TRAP_DB) | BIT(X86_TRAP_AC) | \
					 BIT(X86_TRAP_MC))

static inline struct svm_vcpu *to_svm(struct mvm_vcpu *vcpu)
{
	return vcpu->arch;
}

void __svm_vmrun(unsigned long *regs, u64 vmcb_pa, u64 host_save_pa,
		 bool shadow, u64 guest_spec_ctrl, u64 host_spec_ctrl);
extern const char __svm_vmrun_exit[];	/* the host's RIP after VMRUN */

extern const struct mvm_s2_fmt svm_npt_fmt;

/* svm.c */
u64 svm_host_save_pa(void);
u64 svm_iopm_pa(void);
u64 svm_msrpm_pa(void);
bool svm_has(u32 cpuid_feature);	/* SVM_CPUID_* */
void svm_assign_asid(struct svm_vcpu *svm);
void svm_ibpb_on_switch(struct svm_vcpu *svm);

/* svm_state.c */
void svm_vmcb_reset(struct svm_vcpu *svm);
void svm_vcpu_init(struct mvm_vcpu *vcpu);
void svm_get_regs(struct mvm_vcpu *vcpu, struct mvm_regs *regs);
void svm_set_regs(struct mvm_vcpu *vcpu, const struct mvm_regs *regs);
void svm_get_sregs(struct mvm_vcpu *vcpu, struct mvm_sregs *sregs);
int svm_set_sregs(struct mvm_vcpu *vcpu, const struct mvm_sregs *sregs);
int svm_get_xsave(struct mvm_vcpu *vcpu, struct mvm_xsave *xs);
int svm_set_xsave(struct mvm_vcpu *vcpu, const struct mvm_xsave *xs);
void svm_get_xcrs(struct mvm_vcpu *vcpu, struct mvm_xcrs *x);
int svm_set_xcrs(struct mvm_vcpu *vcpu, const struct mvm_xcrs *x);
bool svm_xcr0_valid(struct svm_vcpu *svm, u64 xcr0);

/* svm_run.c */
int svm_vcpu_run(struct mvm_vcpu *vcpu);
void svm_sched_in(struct mvm_vcpu *vcpu, int cpu);
void svm_skip_insn(struct svm_vcpu *svm, unsigned int len);
void svm_set_next_rip(struct svm_vcpu *svm, u64 rip);
void svm_inject_exception(struct svm_vcpu *svm, u8 vector, bool has_err,
			  u32 err);

/* svm_switch.c: what VMRUN does not switch, around it (IRQs off) */
struct svm_host {
	u64 xcr0, guest_xcr0;	/* the host's, and the guest's as loaded */
	u32 pkru;
	/* SPEC_CTRL for __svm_vmrun to switch: equal when it must not. */
	u64 guest_spec_ctrl, spec_ctrl;
};

void svm_switch_to_guest(struct svm_vcpu *svm, struct svm_host *h);
void svm_switch_to_host(struct svm_vcpu *svm, const struct svm_host *h);
void svm_switch_cpu_disable(void);
int svm_exit_dr(struct svm_vcpu *svm);
void svm_get_debugregs(struct mvm_vcpu *vcpu, struct mvm_debugregs *d);
void svm_set_debugregs(struct mvm_vcpu *vcpu, const struct mvm_debugregs *d);
void svm_set_spec_ctrl(struct svm_vcpu *svm, u64 val);

/* svm_exit.c */
int svm_handle_exit(struct svm_vcpu *svm);
u8 svm_cpu_mode(const struct vmcb_save *s);
int svm_exit_internal(struct svm_vcpu *svm, u32 reason, u32 suberror);

/* svm_event.c */
void svm_inject_events(struct svm_vcpu *svm);
void svm_report_interruptibility(struct svm_vcpu *svm);
int svm_exit_vintr(struct svm_vcpu *svm);
int svm_exit_iret(struct svm_vcpu *svm);
int svm_exit_db(struct svm_vcpu *svm);
void svm_sync_tpr_from_guest(struct svm_vcpu *svm);
int svm_inject_exception_ioctl(struct mvm_vcpu *vcpu,
			       const struct mvm_exception *e);
void svm_get_events(struct mvm_vcpu *vcpu, struct mvm_vcpu_events *ev);
int svm_set_events(struct mvm_vcpu *vcpu, const struct mvm_vcpu_events *ev);

/* svm_io.c */
int svm_exit_io(struct svm_vcpu *svm);
int svm_complete_io_in(struct svm_vcpu *svm);
u8 svm_fetch_insn(struct svm_vcpu *svm, u8 *bytes);
void svm_paging(const struct svm_vcpu *svm, struct mvm_paging *p);

/* svm_cr.c: intercepted control-register writes */
enum svm_cr_op { SVM_CR_MOV, SVM_CR_LMSW, SVM_CR_CLTS };

struct svm_cr_write {
	enum svm_cr_op op;
	u8 cr;		/* MOV: the control register */
	u8 gpr;		/* MOV, LMSW: the source (enum svm_reg) */
	u8 len;
};

void svm_intercept_cr_write(struct svm_vcpu *svm, unsigned int cr, bool on);
int svm_decode_cr_write(struct svm_vcpu *svm, struct svm_cr_write *w);
u64 svm_cr_src(struct svm_vcpu *svm, u8 gpr);
int svm_cr_emulation_failed(struct svm_vcpu *svm);
int svm_cr_gp(struct svm_vcpu *svm);
void svm_update_cr4_intercept(struct svm_vcpu *svm);
int svm_exit_cr4_write(struct svm_vcpu *svm);

/* svm_quirks.c: each flag set at probe time, fixed afterwards */
extern bool svm_quirk_inject_exit;
extern bool svm_quirk_lme;
extern bool svm_quirk_tr;
extern bool svm_quirk_cr8;
extern bool svm_quirk_mxcsr;
extern bool svm_quirk_ltr;
extern bool svm_quirk_dr;
bool svm_under_qemu_tcg(void);
void svm_quirks_probe(void);
void svm_quirk_inject_exit_kick(struct svm_vcpu *svm);
void svm_quirk_lme_sync(struct svm_vcpu *svm);
u64 svm_quirk_lme_efer(const struct svm_vcpu *svm, u64 efer);
int svm_quirk_exit_cr0_write(struct svm_vcpu *svm);
void svm_quirk_tr_sync(struct svm_vcpu *svm);
void svm_quirk_tr_get(const struct svm_vcpu *svm, struct mvm_segment *tr);
void svm_quirk_cr8_window(struct svm_vcpu *svm, bool armed);
int svm_quirk_exit_cr8_write(struct svm_vcpu *svm);
void svm_quirk_mxcsr_clean(struct mvm_xsave *xs);
int svm_quirk_exit_ltr(struct svm_vcpu *svm);
int svm_quirk_exit_dr_write(struct svm_vcpu *svm);

/* svm_msr.c */
int svm_exit_msr(struct svm_vcpu *svm);
int svm_exit_rdtscp(struct svm_vcpu *svm);
void svm_complete_msr(struct svm_vcpu *svm);
int svm_get_msr(struct mvm_vcpu *vcpu, u32 index, u64 *data);
int svm_set_msr(struct mvm_vcpu *vcpu, u32 index, u64 data);
u64 svm_read_tsc(struct mvm_vcpu *vcpu);
u64 svm_tsc_offset(struct mvm_vcpu *vcpu);

#endif /* MVM_SVM_H */

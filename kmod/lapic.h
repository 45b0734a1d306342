/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mvm: the in-kernel local APIC (generic: both backends use it).
 *
 * Locking legend as in mvm.h; (v) means the vCPU thread alone, under
 * vcpu->mutex.  Other threads (IPIs from other vCPUs, MSIs, irqfds, the
 * timer's hrtimer) only set bits in irr/tmr and the pending flags with
 * atomic operations and then kick the vCPU; the vCPU thread moves IRR to
 * ISR, runs EOI and reads every other register.
 */
#ifndef MVM_LAPIC_H
#define MVM_LAPIC_H

#include <linux/bitmap.h>
#include <linux/hrtimer.h>
#include <linux/types.h>

struct mvm_vm;
struct mvm_vcpu;

/* xAPIC register offsets (x2APIC MSR = 0x800 + offset / 16) */
#define APIC_REG_ID		0x20
#define APIC_REG_VERSION	0x30
#define APIC_REG_TPR		0x80
#define APIC_REG_APR		0x90
#define APIC_REG_PPR		0xa0
#define APIC_REG_EOI		0xb0
#define APIC_REG_RRD		0xc0
#define APIC_REG_LDR		0xd0
#define APIC_REG_DFR		0xe0
#define APIC_REG_SVR		0xf0
#define APIC_REG_ISR		0x100
#define APIC_REG_TMR		0x180
#define APIC_REG_IRR		0x200
#define APIC_REG_ESR		0x280
#define APIC_REG_LVT_CMCI	0x2f0
#define APIC_REG_ICR		0x300
#define APIC_REG_ICR2		0x310
#define APIC_REG_LVTT		0x320
#define APIC_REG_LVT_THERMAL	0x330
#define APIC_REG_LVT_PMC	0x340
#define APIC_REG_LVT_LINT0	0x350
#define APIC_REG_LVT_LINT1	0x360
#define APIC_REG_LVT_ERROR	0x370
#define APIC_REG_TMICT		0x380
#define APIC_REG_TMCCT		0x390
#define APIC_REG_TDCR		0x3e0
#define APIC_REG_SELF_IPI	0x3f0	/* x2APIC only */

#define APIC_BASE_BSP		BIT_ULL(8)
#define APIC_BASE_EXTD		BIT_ULL(10)
#define APIC_BASE_EN		BIT_ULL(11)
#define APIC_DEFAULT_BASE	0xfee00000ULL

#define MSR_X2APIC_FIRST	0x800
#define MSR_X2APIC_LAST		0x8ff
#define MSR_TSC_DEADLINE	0x6e0

/* Delivery modes (ICR, MSI data, LVT) */
#define MVM_DM_FIXED		0
#define MVM_DM_LOWEST		1
#define MVM_DM_SMI		2
#define MVM_DM_NMI		4
#define MVM_DM_INIT		5
#define MVM_DM_SIPI		6
#define MVM_DM_EXTINT		7

struct mvm_lapic {
	struct mvm_vcpu *vcpu;		/* (c) */
	u32 regs[256];			/* (v) the xAPIC page, 16-byte stride */
	DECLARE_BITMAP(irr, 256);	/* (a) requested */
	DECLARE_BITMAP(tmr, 256);	/* (a) level-triggered, set with irr */
	DECLARE_BITMAP(isr, 256);	/* (v) in service */
	/* (v) level-triggered EOIs userspace has not yet heard of */
	DECLARE_BITMAP(eoi_exits, 256);
	u64 base;			/* (v) the APIC_BASE MSR */

	/*
	 * The timer.  period_ns: one-shot/periodic length; deadline: the
	 * TSC-deadline MSR (cleared by the vCPU when it fired).
	 */
	struct hrtimer timer;
	u64 period_ns;			/* (v) */
	ktime_t started;		/* (v) when TMICT was written */
	u64 deadline;			/* (v) */
	atomic_t timer_fired;		/* (a) the hrtimer ran (deadline mode) */

	/*
	 * (a) INIT and SIPI as they arrived, in one word so that the vCPU
	 * takes them in the order they were sent: an INIT drops an earlier
	 * SIPI, a SIPI keeps an earlier INIT.  MVM_APIC_INIT, and
	 * MVM_APIC_SIPI | vector.
	 */
	atomic_t init_sipi;
};

#define MVM_APIC_INIT		BIT(9)
#define MVM_APIC_SIPI		BIT(8)

int mvm_lapic_create(struct mvm_vcpu *vcpu);
void mvm_lapic_free(struct mvm_vcpu *vcpu);
/* INIT (or creation): everything but the ID and APIC_BASE to reset values. */
void mvm_lapic_reset(struct mvm_lapic *apic);

/* Any context: request vector (level: its EOI exits to userspace). */
void mvm_lapic_set_irq(struct mvm_lapic *apic, u8 vector, bool level);
/* An address/data pair the APICs can take (no SMI, ExtINT, reserved mode). */
bool mvm_msi_valid(u64 address, u32 data);
/* Any context: deliver an MSI; how many APICs took it, or -EINVAL. */
int mvm_deliver_msi(struct mvm_vm *vm, u64 address, u32 data);

/* vCPU thread: the vector to inject now (above PPR), or -1. */
int mvm_lapic_pending(struct mvm_lapic *apic);
/* vCPU thread: the guest took vector: IRR -> ISR. */
void mvm_lapic_accept(struct mvm_lapic *apic, int vector);
/* vCPU thread, for HLT: could an interrupt wake it? */
bool mvm_lapic_has_interrupt(struct mvm_lapic *apic);
/* vCPU thread: the TPR as the guest's CR8 holds it (bits 3:0) */
u8 mvm_lapic_get_cr8(struct mvm_lapic *apic);
void mvm_lapic_set_cr8(struct mvm_lapic *apic, u8 cr8);

/*
 * MSRs of the APIC (APIC_BASE, x2APIC range, TSC deadline) and xAPIC MMIO.
 * Return MVM_MSR_OK, MVM_MSR_UNKNOWN, MVM_MSR_BAD (#GP) or MVM_MSR_EXIT
 * (done; an EOI userspace must hear of is latched: the caller reports it
 * with mvm_lapic_report_eoi() when it returns to userspace anyway, or the
 * next MVM_RUN does before it enters the guest).  None touches the run
 * page, so MVM_SET_MSRS can use them too.
 */
int mvm_lapic_rdmsr(struct mvm_lapic *apic, u32 msr, u64 *val);
int mvm_lapic_wrmsr(struct mvm_lapic *apic, u32 msr, u64 val);
/* xAPIC page access of 4 bytes at an aligned offset: MVM_MSR_* codes too. */
int mvm_lapic_mmio_read(struct mvm_lapic *apic, u32 off, u32 *val);
int mvm_lapic_mmio_write(struct mvm_lapic *apic, u32 off, u32 val);
bool mvm_lapic_xapic_page(struct mvm_lapic *apic, u64 gpa);

/* vCPU thread: one latched EOI into the run page as MVM_EXIT_EOI; false if none. */
bool mvm_lapic_report_eoi(struct mvm_lapic *apic);

void mvm_lapic_get_state(struct mvm_lapic *apic, u8 *regs);
int mvm_lapic_set_state(struct mvm_lapic *apic, const u8 *regs);

#endif /* MVM_LAPIC_H */

// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: the in-kernel local APIC.
 *
 * One per vCPU once the VM has an irqchip.  The registers live in a copy
 * of the xAPIC page; x2APIC MSRs (0x800 + offset / 16) and xAPIC MMIO
 * reach the same handlers.  IRR and TMR are bitmaps any context may set
 * (other vCPUs' IPIs, MSIs, irqfds, the timer); ISR, EOI and everything
 * else belong to the vCPU thread.  The vCPU injects the highest requested
 * vector whose priority class is above the processor priority (PPR).
 *
 * The timer counts on the host's hrtimers: the APIC bus runs at 1 GHz (one
 * count per ns times the divider), and TSC-deadline mode converts guest
 * TSC ticks with the TSC frequency.  A periodic timer is clamped to
 * MVM_LAPIC_MIN_PERIOD_NS so that a guest cannot make the host spin.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hrtimer.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <asm/tsc.h>

#include "mvm.h"

#define APIC_VERSION_VALUE	(0x14 | (5 << 16))	/* integrated, 6 LVTs */
#define MVM_SVR_ENABLE		BIT(8)
#define MVM_LVT_MASKED		BIT(16)
#define MVM_LVT_TIMER_MODE(v)	(((v) >> 17) & 3)
#define MVM_TIMER_ONESHOT	0
#define MVM_TIMER_PERIODIC	1
#define MVM_TIMER_DEADLINE	2
#define MVM_ICR_LOGICAL	BIT(11)
#define MVM_ICR_ASSERT		BIT(14)
#define MVM_ICR_LEVEL		BIT(15)
#define MVM_ICR_SHORTHAND(v)	(((v) >> 18) & 3)
#define MVM_SH_NONE		0
#define MVM_SH_SELF		1
#define MVM_SH_ALL		2
#define MVM_SH_OTHERS		3

#define MVM_LAPIC_MIN_PERIOD_NS	200000ULL

static u32 *reg(struct mvm_lapic *apic, u32 off)
{
	return &apic->regs[off >> 2];
}

static bool x2apic_mode(const struct mvm_lapic *apic)
{
	return apic->base & APIC_BASE_EXTD;
}

/* Hardware (APIC_BASE.EN) and software (SVR) enabled: interrupts flow. */
static bool apic_enabled(struct mvm_lapic *apic)
{
	return (READ_ONCE(apic->base) & APIC_BASE_EN) &&
	       (READ_ONCE(*reg(apic, APIC_REG_SVR)) & MVM_SVR_ENABLE);
}

static u32 x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | BIT(id & 0xf);
}

/* ---- Requests, priorities, injection ---- */

void mvm_lapic_set_irq(struct mvm_lapic *apic, u8 vector, bool level)
{
	/* Vectors 0-15 are illegal: the APIC drops them (ESR bit not kept). */
	if (vector < 16 || !apic_enabled(apic))
		return;
	if (level)
		set_bit(vector, apic->tmr);
	else
		clear_bit(vector, apic->tmr);
	set_bit(vector, apic->irr);
	mvm_vcpu_kick(apic->vcpu);
}

static int highest(const unsigned long *map)
{
	unsigned long v = find_last_bit(map, 256);

	return v < 256 ? (int)v : -1;
}

static u32 apic_ppr(struct mvm_lapic *apic)
{
	u32 tpr = *reg(apic, APIC_REG_TPR) & 0xff;
	int isrv = highest(apic->isr);

	if (isrv < 0 || (tpr & 0xf0) >= ((u32)isrv & 0xf0))
		return tpr;
	return isrv & 0xf0;
}

int mvm_lapic_pending(struct mvm_lapic *apic)
{
	int v;

	if (!apic_enabled(apic))
		return -1;
	v = highest(apic->irr);
	if (v < 0 || ((u32)v & 0xf0) <= (apic_ppr(apic) & 0xf0))
		return -1;
	return v;
}

bool mvm_lapic_has_interrupt(struct mvm_lapic *apic)
{
	return mvm_lapic_pending(apic) >= 0;
}

void mvm_lapic_accept(struct mvm_lapic *apic, int vector)
{
	clear_bit(vector, apic->irr);
	__set_bit(vector, apic->isr);
}

u8 mvm_lapic_get_cr8(struct mvm_lapic *apic)
{
	return (*reg(apic, APIC_REG_TPR) >> 4) & 0xf;
}

void mvm_lapic_set_cr8(struct mvm_lapic *apic, u8 cr8)
{
	*reg(apic, APIC_REG_TPR) = (cr8 & 0xf) << 4;
}

/* EOI: the highest vector in service is done. */
static int apic_eoi(struct mvm_lapic *apic)
{
	int v = highest(apic->isr);

	if (v < 0)
		return MVM_MSR_OK;
	__clear_bit(v, apic->isr);
	if (!test_and_clear_bit(v, apic->tmr))
		return MVM_MSR_OK;
	/*
	 * Level-triggered: the IOAPIC in userspace must hear of it, but not
	 * through the run page here: this may be MVM_SET_MSRS, and userspace
	 * may not have read the last exit yet.
	 */
	__set_bit(v, apic->eoi_exits);
	return MVM_MSR_EXIT;
}

bool mvm_lapic_report_eoi(struct mvm_lapic *apic)
{
	struct mvm_run *run = apic->vcpu->run;
	unsigned int v = find_first_bit(apic->eoi_exits, 256);

	if (v >= 256)
		return false;
	__clear_bit(v, apic->eoi_exits);
	run->exit_reason = MVM_EXIT_EOI;
	memset(&run->eoi, 0, sizeof(run->eoi));
	run->eoi.vector = v;
	return true;
}

/* ---- Delivery between APICs ---- */

/*
 * Does apic take a message for dest?  x2 says dest is a 32-bit x2APIC
 * destination (ICR of an x2APIC), else an 8-bit xAPIC one (ICR, MSI).
 */
static bool apic_match(struct mvm_lapic *apic, u32 dest, bool logical, bool x2)
{
	u32 id = apic->vcpu->id, ldr, dfr;

	if (!logical) {
		if (x2)
			return dest == 0xffffffff || dest == id;
		return dest == 0xff || dest == id;
	}
	if (x2apic_mode(apic)) {
		if (dest == (x2 ? 0xffffffff : 0xff))
			return true;
		if (!x2)	/* an 8-bit logical id means nothing here */
			return false;
		ldr = x2apic_ldr(id);
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	}
	if ((dest & 0xff) == 0xff)
		return true;
	ldr = READ_ONCE(*reg(apic, APIC_REG_LDR)) >> 24;
	dfr = READ_ONCE(*reg(apic, APIC_REG_DFR)) >> 28;
	if (dfr == 0xf)		/* flat */
		return ldr & dest;
	return (ldr >> 4) == ((dest >> 4) & 0xf) && (ldr & dest & 0xf);
}

static void apic_latch_sipi(struct mvm_lapic *apic, u8 vector)
{
	int old = atomic_read(&apic->init_sipi);

	while (!atomic_try_cmpxchg(&apic->init_sipi, &old,
				   (old & MVM_APIC_INIT) | MVM_APIC_SIPI | vector))
		;
}

static void apic_deliver(struct mvm_lapic *apic, u32 dm, u8 vector, bool level)
{
	struct mvm_vcpu *vcpu = apic->vcpu;

	switch (dm) {
	case MVM_DM_FIXED:
	case MVM_DM_LOWEST:
		mvm_lapic_set_irq(apic, vector, level);
		break;
	case MVM_DM_NMI:
		atomic_set(&vcpu->nmi_pending, 1);
		mvm_vcpu_kick(vcpu);
		break;
	case MVM_DM_INIT:
		atomic_set(&apic->init_sipi, MVM_APIC_INIT);
		mvm_vcpu_kick(vcpu);
		break;
	case MVM_DM_SIPI:
		apic_latch_sipi(apic, vector);
		mvm_vcpu_kick(vcpu);
		break;
	default:
		/* SMI and ExtINT: no SMM, no 8259 behind the APIC. */
		break;
	}
}

/*
 * Send to every APIC of vm that matches; lowest priority goes to the first
 * match only (by vCPU id).  Returns how many took it.
 */
static int apic_send(struct mvm_vm *vm, struct mvm_lapic *src, u32 shorthand,
		     u32 dest, bool logical, bool x2, u32 dm, u8 vector,
		     bool level)
{
	struct mvm_vcpu *vcpu;
	struct mvm_lapic *t;
	unsigned int i;
	int n = 0;
	bool hit;

	for (i = 0; i < MVM_MAX_VCPUS; i++) {
		vcpu = READ_ONCE(vm->vcpus[i]);
		t = vcpu ? vcpu->lapic : NULL;
		if (!t)
			continue;
		switch (shorthand) {
		case MVM_SH_SELF:
			hit = t == src;
			break;
		case MVM_SH_ALL:
			hit = true;
			break;
		case MVM_SH_OTHERS:
			hit = t != src;
			break;
		default:
			hit = apic_match(t, dest, logical, x2);
		}
		if (!hit)
			continue;
		apic_deliver(t, dm, vector, level);
		n++;
		if (dm == MVM_DM_LOWEST)
			break;
	}
	return n;
}

bool mvm_msi_valid(u64 address, u32 data)
{
	u32 dm = (data >> 8) & 7;

	return (address >> 20) == (APIC_DEFAULT_BASE >> 20) &&
	       dm != MVM_DM_SMI && dm != 3 && dm != MVM_DM_EXTINT &&
	       !(data >> 16);
}

int mvm_deliver_msi(struct mvm_vm *vm, u64 address, u32 data)
{
	if (!mvm_msi_valid(address, data))
		return -EINVAL;
	return apic_send(vm, NULL, MVM_SH_NONE, (address >> 12) & 0xff,
			 address & BIT(2), false, (data >> 8) & 7, data & 0xff,
			 data & MVM_ICR_LEVEL);
}

static void apic_send_ipi(struct mvm_lapic *apic, u32 icr, u32 dest)
{
	u32 dm = (icr >> 8) & 7;

	/* INIT level de-assert: a no-op on everything since the P4. */
	if (dm == MVM_DM_INIT && (icr & MVM_ICR_LEVEL) &&
	    !(icr & MVM_ICR_ASSERT))
		return;
	apic_send(apic->vcpu->vm, apic, MVM_ICR_SHORTHAND(icr), dest,
		  icr & MVM_ICR_LOGICAL, x2apic_mode(apic), dm, icr & 0xff,
		  false);
}

/* ---- The timer ---- */

static u32 apic_divider(struct mvm_lapic *apic)
{
	u32 d = *reg(apic, APIC_REG_TDCR);
	u32 v = (d & 3) | ((d & 8) >> 1);

	return v == 7 ? 1 : 2U << v;
}

static enum hrtimer_restart mvm_lapic_timer_fn(struct hrtimer *t)
{
	struct mvm_lapic *apic = container_of(t, struct mvm_lapic, timer);
	u32 lvtt = READ_ONCE(*reg(apic, APIC_REG_LVTT));

	if (!(lvtt & MVM_LVT_MASKED))
		mvm_lapic_set_irq(apic, lvtt & 0xff, false);
	if (MVM_LVT_TIMER_MODE(lvtt) == MVM_TIMER_PERIODIC &&
	    apic->period_ns) {
		hrtimer_forward_now(t, ns_to_ktime(apic->period_ns));
		return HRTIMER_RESTART;
	}
	atomic_set(&apic->timer_fired, 1);
	return HRTIMER_NORESTART;
}

static void apic_timer_stop(struct mvm_lapic *apic)
{
	hrtimer_cancel(&apic->timer);
	apic->period_ns = 0;
	apic->deadline = 0;
	atomic_set(&apic->timer_fired, 0);
}

static void apic_timer_start_count(struct mvm_lapic *apic)
{
	u32 lvtt = *reg(apic, APIC_REG_LVTT);
	u64 ns = (u64)*reg(apic, APIC_REG_TMICT) * apic_divider(apic);

	apic_timer_stop(apic);
	if (!ns || MVM_LVT_TIMER_MODE(lvtt) == MVM_TIMER_DEADLINE)
		return;
	if (MVM_LVT_TIMER_MODE(lvtt) == MVM_TIMER_PERIODIC)
		ns = max(ns, MVM_LAPIC_MIN_PERIOD_NS);
	apic->period_ns = ns;
	apic->started = ktime_get();
	hrtimer_start(&apic->timer, ns_to_ktime(ns), HRTIMER_MODE_REL);
}

/*
 * MVM_SET_LAPIC: the timer goes on from the saved current count, not from
 * TMICT, so a restored one-shot timer fires after the time it had left
 * and a periodic one then runs full periods.  A current count of 0 in
 * one-shot mode is a timer that fired (its interrupt, if not taken yet,
 * is in the saved IRR) or never ran: it stays stopped.  A count above
 * TMICT (a hostile VMM's) is one period.
 */
static void apic_timer_resume(struct mvm_lapic *apic, u32 tmcct)
{
	u32 mode = MVM_LVT_TIMER_MODE(*reg(apic, APIC_REG_LVTT));
	u64 period = (u64)*reg(apic, APIC_REG_TMICT) * apic_divider(apic);
	u64 first = (u64)tmcct * apic_divider(apic);

	apic_timer_stop(apic);
	if (!period || mode == MVM_TIMER_DEADLINE)
		return;
	if (mode == MVM_TIMER_PERIODIC) {
		period = max(period, MVM_LAPIC_MIN_PERIOD_NS);
		if (!first)
			first = period;
	}
	if (!first)
		return;
	apic->period_ns = period;
	apic->started = ktime_get();
	hrtimer_start(&apic->timer, ns_to_ktime(min(first, period)),
		      HRTIMER_MODE_REL);
}

static u32 apic_timer_current(struct mvm_lapic *apic)
{
	u32 lvtt = *reg(apic, APIC_REG_LVTT);
	s64 left;

	if (!apic->period_ns || MVM_LVT_TIMER_MODE(lvtt) == MVM_TIMER_DEADLINE)
		return 0;
	left = ktime_to_ns(hrtimer_get_remaining(&apic->timer));
	if (left <= 0)
		return 0;
	if (MVM_LVT_TIMER_MODE(lvtt) == MVM_TIMER_PERIODIC)
		left = (u64)left % apic->period_ns;
	return div_u64(left, apic_divider(apic));
}

/* 2^43 ms, about 278 years: below that, the deadline in ns fits an s64. */
#define APIC_DEADLINE_MAX_MS	BIT_ULL(43)

static void apic_set_deadline(struct mvm_lapic *apic, u64 tsc)
{
	u64 now, ns;

	apic_timer_stop(apic);
	if (!tsc || !tsc_khz)
		return;
	apic->deadline = tsc;
	now = mvm_backend->read_tsc(apic->vcpu);
	if (tsc <= now) {
		/* Passed already: the interrupt is due before the next entry. */
		mvm_lapic_timer_fn(&apic->timer);
		return;
	}
	/*
	 * Both TSC values are the guest's choice: the quotient of a 128-bit
	 * division must still fit 64 bits, or the host takes #DE (a TSC
	 * below 1 GHz and a deadline far ahead).  A deadline more than
	 * APIC_DEADLINE_MAX_MS away waits as long as an hrtimer can.
	 */
	if (div_u64(tsc - now, tsc_khz) >= APIC_DEADLINE_MAX_MS)
		ns = KTIME_MAX;
	else
		ns = mul_u64_u32_div(tsc - now, 1000000, tsc_khz);
	hrtimer_start(&apic->timer, ns_to_ktime(ns), HRTIMER_MODE_REL);
}

static u64 apic_get_deadline(struct mvm_lapic *apic)
{
	if (atomic_read(&apic->timer_fired))
		apic->deadline = 0;
	return apic->deadline;
}

/* ---- Registers ---- */

#define LVT_MASK_TIMER		0x700ffU
#define LVT_MASK_DM		0x107ffU	/* thermal, PMC, CMCI */
#define LVT_MASK_LINT		0x1a7ffU
#define LVT_MASK_ERROR		0x100ffU

static void apic_mask_lvts(struct mvm_lapic *apic)
{
	u32 off;

	for (off = APIC_REG_LVTT; off <= APIC_REG_LVT_ERROR; off += 0x10)
		*reg(apic, off) |= MVM_LVT_MASKED;
	*reg(apic, APIC_REG_LVT_CMCI) |= MVM_LVT_MASKED;
}

static void apic_write_lvt(struct mvm_lapic *apic, u32 off, u32 val, u32 mask)
{
	u32 old = *reg(apic, off);

	val &= mask;
	if (!(*reg(apic, APIC_REG_SVR) & MVM_SVR_ENABLE))
		val |= MVM_LVT_MASKED;
	*reg(apic, off) = val;
	/* A new timer mode disarms the timer. */
	if (off == APIC_REG_LVTT &&
	    MVM_LVT_TIMER_MODE(old) != MVM_LVT_TIMER_MODE(val))
		apic_timer_stop(apic);
}

/* The value of a readable register, or false for a hole. */
static bool apic_reg_read(struct mvm_lapic *apic, u32 off, u32 *val)
{
	bool x2 = x2apic_mode(apic);
	u32 id = apic->vcpu->id;

	switch (off) {
	case APIC_REG_ID:
		*val = x2 ? id : id << 24;
		return true;
	case APIC_REG_LDR:
		*val = x2 ? x2apic_ldr(id) : *reg(apic, off);
		return true;
	case APIC_REG_DFR:
	case APIC_REG_APR:
	case APIC_REG_RRD:
	case APIC_REG_ICR2:
		if (x2)
			return false;
		*val = off == APIC_REG_DFR ? *reg(apic, off) : 0;
		if (off == APIC_REG_ICR2)
			*val = *reg(apic, off);
		return true;
	case APIC_REG_PPR:
		*val = apic_ppr(apic);
		return true;
	case APIC_REG_TMCCT:
		*val = apic_timer_current(apic);
		return true;
	case APIC_REG_VERSION:
	case APIC_REG_TPR:
	case APIC_REG_SVR:
	case APIC_REG_ESR:
	case APIC_REG_ICR:
	case APIC_REG_LVT_CMCI:
	case APIC_REG_LVTT ... APIC_REG_LVT_ERROR:
	case APIC_REG_TMICT:
	case APIC_REG_TDCR:
		if (off & 0xf)
			return false;
		*val = *reg(apic, off);
		return true;
	case APIC_REG_ISR ... APIC_REG_IRR + 0x70:
		if (off & 0xf)
			return false;
		{
			const unsigned long *map = off >= APIC_REG_IRR ? apic->irr :
				off >= APIC_REG_TMR ? apic->tmr : apic->isr;
			u32 word = ((off - APIC_REG_ISR) & 0x7f) >> 4;

			*val = bitmap_get_value8(map, word * 32) |
			       bitmap_get_value8(map, word * 32 + 8) << 8 |
			       bitmap_get_value8(map, word * 32 + 16) << 16 |
			       bitmap_get_value8(map, word * 32 + 24) << 24;
		}
		return true;
	default:
		return false;
	}
}

/* MVM_MSR_OK, MVM_MSR_BAD or MVM_MSR_EXIT */
static int apic_reg_write(struct mvm_lapic *apic, u32 off, u32 val)
{
	bool x2 = x2apic_mode(apic);

	switch (off) {
	case APIC_REG_TPR:
		*reg(apic, off) = val & 0xff;
		return MVM_MSR_OK;
	case APIC_REG_EOI:
		if (x2 && val)
			return MVM_MSR_BAD;
		return apic_eoi(apic);
	case APIC_REG_LDR:
		if (x2)
			return MVM_MSR_BAD;
		*reg(apic, off) = val & 0xff000000;
		return MVM_MSR_OK;
	case APIC_REG_DFR:
		if (x2)
			return MVM_MSR_BAD;
		*reg(apic, off) = val | 0x0fffffff;
		return MVM_MSR_OK;
	case APIC_REG_SVR:
		*reg(apic, off) = val & 0x3ff;
		if (!(val & MVM_SVR_ENABLE)) {
			apic_mask_lvts(apic);
			apic_timer_stop(apic);
		}
		return MVM_MSR_OK;
	case APIC_REG_ESR:
		if (x2 && val)
			return MVM_MSR_BAD;
		*reg(apic, off) = 0;
		return MVM_MSR_OK;
	case APIC_REG_ICR:
		*reg(apic, off) = val & ~BIT(12);	/* delivery status: idle */
		apic_send_ipi(apic, val, x2 ? *reg(apic, APIC_REG_ICR2) :
					 *reg(apic, APIC_REG_ICR2) >> 24);
		return MVM_MSR_OK;
	case APIC_REG_ICR2:
		if (x2)
			return MVM_MSR_BAD;
		*reg(apic, off) = val & 0xff000000;
		return MVM_MSR_OK;
	case APIC_REG_LVTT:
		apic_write_lvt(apic, off, val, LVT_MASK_TIMER);
		return MVM_MSR_OK;
	case APIC_REG_LVT_THERMAL:
	case APIC_REG_LVT_PMC:
	case APIC_REG_LVT_CMCI:
		apic_write_lvt(apic, off, val, LVT_MASK_DM);
		return MVM_MSR_OK;
	case APIC_REG_LVT_LINT0:
	case APIC_REG_LVT_LINT1:
		apic_write_lvt(apic, off, val, LVT_MASK_LINT);
		return MVM_MSR_OK;
	case APIC_REG_LVT_ERROR:
		apic_write_lvt(apic, off, val, LVT_MASK_ERROR);
		return MVM_MSR_OK;
	case APIC_REG_TMICT:
		*reg(apic, off) = val;
		apic_timer_start_count(apic);
		return MVM_MSR_OK;
	case APIC_REG_TDCR:
		*reg(apic, off) = val & 0xb;
		return MVM_MSR_OK;
	case APIC_REG_SELF_IPI:
		if (!x2)
			return MVM_MSR_OK;
		mvm_lapic_set_irq(apic, val & 0xff, false);
		return MVM_MSR_OK;
	case APIC_REG_ID:
	case APIC_REG_VERSION:
		/* Read-only: x2APIC faults, the xAPIC page ignores the write. */
		return x2 ? MVM_MSR_BAD : MVM_MSR_OK;
	default:
		return x2 ? MVM_MSR_BAD : MVM_MSR_OK;
	}
}

/* ---- MSRs ---- */

static void apic_set_base(struct mvm_lapic *apic, u64 val)
{
	bool was_on = apic->base & APIC_BASE_EN;

	WRITE_ONCE(apic->base, val);
	if (was_on && !(val & APIC_BASE_EN)) {
		/* Hardware-disabled: as after reset, less ID and base. */
		mvm_lapic_reset(apic);
	}
}

static int apic_wrmsr_base(struct mvm_lapic *apic, u64 val)
{
	u64 old = apic->base, mode = val & (APIC_BASE_EN | APIC_BASE_EXTD);
	u64 old_mode = old & (APIC_BASE_EN | APIC_BASE_EXTD);

	if (val & ~(0xfffff000ULL | APIC_BASE_BSP | APIC_BASE_EXTD |
		    APIC_BASE_EN))
		return MVM_MSR_BAD;
	/* EXTD without EN, and x2APIC straight back to xAPIC, are invalid. */
	if (mode == APIC_BASE_EXTD ||
	    (old_mode == (APIC_BASE_EN | APIC_BASE_EXTD) &&
	     mode == APIC_BASE_EN))
		return MVM_MSR_BAD;
	apic_set_base(apic, val);
	return MVM_MSR_OK;
}

int mvm_lapic_rdmsr(struct mvm_lapic *apic, u32 msr, u64 *val)
{
	u32 lo;

	if (msr == MSR_IA32_APICBASE) {
		*val = apic->base;
		return MVM_MSR_OK;
	}
	if (msr == MSR_TSC_DEADLINE) {
		*val = apic_get_deadline(apic);
		return MVM_MSR_OK;
	}
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST)
		return MVM_MSR_UNKNOWN;
	if (!x2apic_mode(apic) || msr == MSR_X2APIC_FIRST + (APIC_REG_EOI >> 4) ||
	    msr == MSR_X2APIC_FIRST + (APIC_REG_SELF_IPI >> 4))
		return MVM_MSR_BAD;
	if (!apic_reg_read(apic, (msr - MSR_X2APIC_FIRST) << 4, &lo))
		return MVM_MSR_BAD;
	*val = lo;
	if (msr == MSR_X2APIC_FIRST + (APIC_REG_ICR >> 4))
		*val |= (u64)*reg(apic, APIC_REG_ICR2) << 32;
	return MVM_MSR_OK;
}

int mvm_lapic_wrmsr(struct mvm_lapic *apic, u32 msr, u64 val)
{
	u32 off;

	if (msr == MSR_IA32_APICBASE)
		return apic_wrmsr_base(apic, val);
	if (msr == MSR_TSC_DEADLINE) {
		if (MVM_LVT_TIMER_MODE(*reg(apic, APIC_REG_LVTT)) ==
		    MVM_TIMER_DEADLINE)
			apic_set_deadline(apic, val);
		return MVM_MSR_OK;
	}
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST)
		return MVM_MSR_UNKNOWN;
	off = (msr - MSR_X2APIC_FIRST) << 4;
	if (!x2apic_mode(apic))
		return MVM_MSR_BAD;
	if (off == APIC_REG_ICR) {
		*reg(apic, APIC_REG_ICR2) = val >> 32;
		return apic_reg_write(apic, off, (u32)val);
	}
	if (val >> 32)
		return MVM_MSR_BAD;
	return apic_reg_write(apic, off, val);
}

/* ---- The xAPIC page ---- */

bool mvm_lapic_xapic_page(struct mvm_lapic *apic, u64 gpa)
{
	return (apic->base & (APIC_BASE_EN | APIC_BASE_EXTD)) == APIC_BASE_EN &&
	       (gpa & PAGE_MASK) == (apic->base & 0xfffff000ULL);
}

int mvm_lapic_mmio_read(struct mvm_lapic *apic, u32 off, u32 *val)
{
	if (!apic_reg_read(apic, off & 0xff0, val))
		*val = 0;
	return MVM_MSR_OK;
}

int mvm_lapic_mmio_write(struct mvm_lapic *apic, u32 off, u32 val)
{
	return apic_reg_write(apic, off & 0xff0, val);
}

/* ---- State for userspace (save/restore) ---- */

void mvm_lapic_get_state(struct mvm_lapic *apic, u8 *regs)
{
	u32 off, v;

	memset(regs, 0, 1024);
	for (off = 0; off < 1024; off += 0x10) {
		/* The xAPIC view, whatever the mode: ID in bits 31:24. */
		if (apic_reg_read(apic, off, &v))
			memcpy(regs + off, &v, 4);
	}
	v = apic->vcpu->id << 24;
	memcpy(regs + APIC_REG_ID, &v, 4);
	v = *reg(apic, APIC_REG_ICR2);
	memcpy(regs + APIC_REG_ICR2, &v, 4);
	v = *reg(apic, APIC_REG_DFR);
	memcpy(regs + APIC_REG_DFR, &v, 4);
	v = *reg(apic, APIC_REG_LDR);
	memcpy(regs + APIC_REG_LDR, &v, 4);
}

static u32 state_reg(const u8 *regs, u32 off)
{
	u32 v;

	memcpy(&v, regs + off, 4);
	return v;
}

int mvm_lapic_set_state(struct mvm_lapic *apic, const u8 *regs)
{
	u32 off, i;

	if (state_reg(regs, APIC_REG_ID) >> 24 != (apic->vcpu->id & 0xff))
		return -EINVAL;
	apic_timer_stop(apic);
	for (off = 0; off < 1024; off += 0x10)
		*reg(apic, off) = state_reg(regs, off);
	*reg(apic, APIC_REG_VERSION) = APIC_VERSION_VALUE;
	*reg(apic, APIC_REG_TDCR) &= 0xb;
	bitmap_zero(apic->isr, 256);
	bitmap_zero(apic->irr, 256);
	bitmap_zero(apic->tmr, 256);
	for (i = 0; i < 256; i++) {
		u32 word = (i >> 5) << 4, bit = i & 31;

		if (state_reg(regs, APIC_REG_ISR + word) & BIT(bit))
			__set_bit(i, apic->isr);
		if (state_reg(regs, APIC_REG_TMR + word) & BIT(bit))
			set_bit(i, apic->tmr);
		if (state_reg(regs, APIC_REG_IRR + word) & BIT(bit))
			set_bit(i, apic->irr);
	}
	apic_timer_resume(apic, state_reg(regs, APIC_REG_TMCCT));
	mvm_vcpu_kick(apic->vcpu);
	return 0;
}

/* ---- Life cycle ---- */

void mvm_lapic_reset(struct mvm_lapic *apic)
{
	apic_timer_stop(apic);
	memset(apic->regs, 0, sizeof(apic->regs));
	*reg(apic, APIC_REG_VERSION) = APIC_VERSION_VALUE;
	*reg(apic, APIC_REG_DFR) = 0xffffffff;
	*reg(apic, APIC_REG_SVR) = 0xff;
	apic_mask_lvts(apic);
	bitmap_zero(apic->irr, 256);
	bitmap_zero(apic->isr, 256);
	bitmap_zero(apic->tmr, 256);
	/* init_sipi stays: INIT is followed by a SIPI. */
}

int mvm_lapic_create(struct mvm_vcpu *vcpu)
{
	struct mvm_lapic *apic = kzalloc(sizeof(*apic), GFP_KERNEL_ACCOUNT);

	if (!apic)
		return -ENOMEM;
	apic->vcpu = vcpu;
	hrtimer_init(&apic->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	apic->timer.function = mvm_lapic_timer_fn;
	apic->base = APIC_DEFAULT_BASE | APIC_BASE_EN |
		     (vcpu->id == 0 ? APIC_BASE_BSP : 0);
	mvm_lapic_reset(apic);
	vcpu->lapic = apic;
	return 0;
}

void mvm_lapic_free(struct mvm_vcpu *vcpu)
{
	if (!vcpu->lapic)
		return;
	hrtimer_cancel(&vcpu->lapic->timer);
	kfree(vcpu->lapic);
	vcpu->lapic = NULL;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest side of the local APIC tests: x2APIC MSR access, rdtsc, and a
 * handler for every vector 32-255 that counts interrupts per vCPU and
 * vector and, unless told not to, ends each one with an EOI (x2APIC mode
 * by default, xAPIC MMIO with guest_apic_mmio set).  The host
 * points the IDT at the handlers with vcpu_apic_handlers() (irqchip.h).
 * Freestanding, like everything guest code uses.
 */
#ifndef MVM_SELFTEST_GUEST_APIC_H
#define MVM_SELFTEST_GUEST_APIC_H

#include <stdint.h>

#include "guest.h"

#define MSR_APIC_BASE		0x1b
#define APIC_BASE_BSP		(1ULL << 8)
#define APIC_BASE_EXTD		(1ULL << 10)	/* x2APIC mode */
#define APIC_BASE_EN		(1ULL << 11)
#define APIC_DEFAULT_BASE	0xfee00000ULL
#define MSR_TSC_DEADLINE	0x6e0

/* x2APIC MSRs: 0x800 + the xAPIC register offset / 16. */
#define X2APIC_ID		0x802
#define X2APIC_VERSION		0x803
#define X2APIC_TPR		0x808
#define X2APIC_PPR		0x80a
#define X2APIC_EOI		0x80b
#define X2APIC_LDR		0x80d
#define X2APIC_SVR		0x80f
#define X2APIC_ISR0		0x810		/* 8 MSRs of 32 vectors */
#define X2APIC_TMR0		0x818
#define X2APIC_IRR0		0x820
#define X2APIC_ICR		0x830		/* 64 bits: dest in 63:32 */
#define X2APIC_LVTT		0x832
#define X2APIC_LVT0		0x835
#define X2APIC_TMICT		0x838
#define X2APIC_TMCCT		0x839
#define X2APIC_TDCR		0x83e
#define X2APIC_SELF_IPI		0x83f

#define APIC_SVR_ENABLE		(1u << 8)
#define APIC_LVT_MASKED		(1u << 16)
#define APIC_LVTT_ONESHOT	(0u << 17)
#define APIC_LVTT_PERIODIC	(1u << 17)
#define APIC_LVTT_TSCDEADLINE	(2u << 17)
#define APIC_TDCR_DIV1		0xb

/* ICR: delivery mode (10:8), level (14), trigger (15), shorthand (19:18). */
#define APIC_DM_FIXED		(0u << 8)
#define APIC_DM_NMI		(4u << 8)
#define APIC_DM_INIT		(5u << 8)
#define APIC_DM_STARTUP		(6u << 8)
#define APIC_ICR_ASSERT		(1u << 14)
#define APIC_SH_SELF		(1u << 18)
#define APIC_SH_ALL		(2u << 18)
#define APIC_SH_ALL_BUT_SELF	(3u << 18)

#define APIC_SPURIOUS_VEC	0xff
#define GUEST_APIC_MAX_CPUS	4

/*
 * Per vCPU (its x2APIC ID, which the library's VMs make equal to the vCPU
 * id) and vector: interrupts taken, and the TSC when the last one came.
 */
extern volatile uint32_t guest_apic_count[GUEST_APIC_MAX_CPUS][256];
extern volatile uint64_t guest_apic_tsc[GUEST_APIC_MAX_CPUS][256];
/* 0: the handlers leave the EOI to the test (default 1). */
extern volatile uint32_t guest_apic_auto_eoi;
/*
 * Set (to the mapped APIC page) while the vCPUs run in xAPIC mode: the
 * handlers then read the ID and write the EOI there, not in the x2APIC
 * MSRs (which #GP in xAPIC mode).
 */
extern volatile uint32_t *guest_apic_mmio;

static inline uint64_t guest_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | (uint64_t)hi << 32;
}

/* APIC_BASE EXTD|EN (from xAPIC, as the SDM requires) and the SVR on. */
static inline void x2apic_enable(void)
{
	uint64_t base = guest_rdmsr(MSR_APIC_BASE);

	guest_wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
	guest_wrmsr(X2APIC_SVR, APIC_SVR_ENABLE | APIC_SPURIOUS_VEC);
}

static inline uint32_t x2apic_id(void)
{
	return (uint32_t)guest_rdmsr(X2APIC_ID);
}

static inline void x2apic_eoi(void)
{
	guest_wrmsr(X2APIC_EOI, 0);
}

static inline void x2apic_icr(uint32_t dest, uint32_t low)
{
	guest_wrmsr(X2APIC_ICR, (uint64_t)dest << 32 | low);
}

/* Whether @vec is set in the 256-bit register starting at MSR @first. */
static inline int x2apic_vec_bit(uint32_t first, uint8_t vec)
{
	return (guest_rdmsr(first + vec / 32) >> (vec % 32)) & 1;
}

/* Let an interrupt in, for one instruction boundary. */
static inline void guest_irq_window(void)
{
	__asm__ volatile("sti; nop; cli" : : : "memory");
}

/*
 * Set by the host (backend_kvm.c) when STI's shadow cannot be trusted:
 * guest_halt_until() then waits with interrupts on, without HLT.
 */
extern volatile uint32_t guest_halt_polls;

/* Halt with interrupts on until @cnt reaches @n (no wake-up is lost: STI's shadow). */
static inline void guest_halt_until(volatile uint32_t *cnt, uint32_t n)
{
	while (*cnt < n) {
		if (guest_halt_polls)
			__asm__ volatile("sti; pause; cli" : : : "memory");
		else
			__asm__ volatile("sti; hlt; cli" : : : "memory");
	}
}

#endif /* MVM_SELFTEST_GUEST_APIC_H */

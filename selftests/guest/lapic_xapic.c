// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC in xAPIC mode, through MMIO at its base (0xfee00000,
 * mapped into the guest and backed by no memory slot: the in-kernel APIC
 * takes the accesses, none reaches userspace).  ID and version read as
 * after reset, TPR writes show in PPR, a self-IPI through ICR (shorthand)
 * and one by physical destination (ICR2 = own ID) reach their handlers
 * and the handlers' EOIs clear ISR, the one-shot timer fires and TMCCT
 * then reads 0, and the x2APIC MSRs #GP while the APIC is in xAPIC mode.
 */
#include "kselftest_harness.h"
#include "guest_apic.h"
#include "irqchip.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define VEC_SH		0x61
#define VEC_PHYS	0x62
#define VEC_TIMER	0x63

#define R(off)	(apic[(off) / 4])

volatile uint32_t gp_seen;

/* #GP from the x2APIC MSR read: count it and skip the 2-byte RDMSR. */
void guest_gp(uint64_t *frame)
{
	gp_seen++;
	frame[0] += 2;
}

GUEST_ISR(guest_gp_isr, guest_gp, 1);
extern char guest_gp_isr[];

static void guest_code(void)
{
	volatile uint32_t *apic = (volatile uint32_t *)APIC_DEFAULT_BASE;
	volatile uint32_t *cnt = guest_apic_count[0];
	uint32_t ver;

	GUEST_ASSERT_EQ(APIC_DEFAULT_BASE | APIC_BASE_BSP | APIC_BASE_EN,
			guest_rdmsr(MSR_APIC_BASE));
	guest_apic_mmio = apic;
	GUEST_ASSERT_EQ(0, R(0x20) >> 24);
	ver = R(0x30) & 0xff;
	GUEST_ASSERT(ver >= 0x10 && ver <= 0x15);
	R(0xf0) = APIC_SVR_ENABLE | APIC_SPURIOUS_VEC;
	GUEST_ASSERT_EQ(APIC_SVR_ENABLE | APIC_SPURIOUS_VEC, R(0xf0));

	R(0x80) = 0x20;
	GUEST_ASSERT_EQ(0x20, R(0x80));
	GUEST_ASSERT_EQ(0x20, R(0xa0));
	R(0x80) = 0;

	R(0x300) = APIC_SH_SELF | VEC_SH;
	guest_halt_until(&cnt[VEC_SH], 1);
	R(0x310) = 0;			/* destination: APIC ID 0 */
	R(0x300) = APIC_DM_FIXED | VEC_PHYS;
	guest_halt_until(&cnt[VEC_PHYS], 1);
	GUEST_ASSERT_EQ(0, R(0x100 + VEC_PHYS / 32 * 0x10) &
			(1u << (VEC_PHYS % 32)));

	R(0x3e0) = APIC_TDCR_DIV1;
	R(0x320) = VEC_TIMER;
	R(0x380) = 10000;
	guest_halt_until(&cnt[VEC_TIMER], 1);
	GUEST_ASSERT_EQ(0, R(0x390));

	(void)guest_rdmsr(X2APIC_ID);
	GUEST_ASSERT_EQ(1, gp_seen);
	GUEST_DONE();
}

TEST(lapic_xapic)
{
	const char *why = NULL;
	struct vm *vm;
	struct vcpu *vcpu;

	vm = vm_create_irqchip(&vcpu, &why);
	if (!vm)
		SKIP(return, "%s", why);
	TH_LOG("hypervisor: %s", vm_hv_name(vm));
	vcpu_setup_long(vcpu, guest_code);
	vcpu_apic_handlers(vcpu);
	vcpu_set_idt_gate(vcpu, 13, guest_gp_isr);
	vm_map(vm, APIC_DEFAULT_BASE, APIC_DEFAULT_BASE);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

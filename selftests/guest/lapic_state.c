// SPDX-License-Identifier: GPL-2.0
/*
 * The LAPIC and MP state ioctls.  GET_LAPIC after reset shows vCPU 0's ID,
 * an integrated APIC version, masked LVTs and SVR 0xff; SET_LAPIC of what
 * GET gave changes nothing; registers set from the host (TPR, LVT timer,
 * divide) read the same in the guest through x2APIC MSRs, and what the
 * guest writes (TPR, LVT0) comes back in GET_LAPIC.  TPR/PPR: an MSI of a
 * priority class not above the TPR waits in the IRR until the guest
 * lowers the TPR.  MP state: vCPU 0 starts RUNNABLE, vCPU 1 INIT_RECEIVED;
 * SET/GET round trips; vCPU 1 set RUNNABLE runs its code from the host.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "guest_apic.h"
#include "irqchip.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define APIC_ID		0x20
#define APIC_LVR	0x30
#define APIC_TASKPRI	0x80
#define APIC_SPIV	0xf0
#define APIC_LVTT	0x320
#define APIC_LVT0	0x350
#define APIC_TMCCT	0x390
#define APIC_TDCR	0x3e0
#define VEC		0x35

static void guest_code(void)
{
	volatile uint32_t *cnt = &guest_apic_count[0][VEC];

	x2apic_enable();
	GUEST_ASSERT_EQ(0x20, guest_rdmsr(X2APIC_TPR));
	GUEST_ASSERT_EQ(APIC_LVT_MASKED | 0x30, guest_rdmsr(X2APIC_LVTT));
	GUEST_ASSERT_EQ(APIC_TDCR_DIV1, guest_rdmsr(X2APIC_TDCR));
	guest_wrmsr(X2APIC_TPR, 0x30);
	guest_wrmsr(X2APIC_LVT0, APIC_LVT_MASKED | 0x37);
	GUEST_ASSERT_EQ(0x30, guest_rdmsr(X2APIC_PPR));
	GUEST_SYNC(1);
	/* VEC's class (3) is not above the TPR's: it stays requested. */
	for (int i = 0; i < 100; i++)
		guest_irq_window();
	GUEST_ASSERT_EQ(0, *cnt);
	GUEST_ASSERT_EQ(1, x2apic_vec_bit(X2APIC_IRR0, VEC));
	guest_wrmsr(X2APIC_TPR, 0);
	guest_halt_until(cnt, 1);
	GUEST_ASSERT_EQ(0, x2apic_vec_bit(X2APIC_IRR0, VEC));
	GUEST_ASSERT_EQ(0, guest_rdmsr(X2APIC_PPR));
	GUEST_DONE();
}

static void guest_ap(void)
{
	GUEST_DONE();
}

TEST(lapic_state)
{
	struct mvm_lapic_state s0, s, s2;
	const char *why = NULL;
	struct vm *vm;
	struct vcpu *vcpu;

	vm = vm_create_irqchip(&vcpu, &why);
	if (!vm)
		SKIP(return, "%s", why);
	TH_LOG("hypervisor: %s", vm_hv_name(vm));
	vcpu_setup_long(vcpu, guest_code);
	vcpu_apic_handlers(vcpu);

	ASSERT_EQ(0, vcpu_get_lapic(vcpu, &s0));
	ASSERT_EQ(0U, lapic_reg(&s0, APIC_ID) >> 24);
	ASSERT_LE(0x10U, lapic_reg(&s0, APIC_LVR) & 0xff);
	ASSERT_GE(0x15U, lapic_reg(&s0, APIC_LVR) & 0xff);
	ASSERT_EQ(0xffU, lapic_reg(&s0, APIC_SPIV));
	for (int off = APIC_LVTT; off <= 0x370; off += 0x10) {
		/* KVM's LINT0_REENABLED quirk: the BSP's LINT0 is ExtINT. */
		if (off == APIC_LVT0 && !vm_is_mvm(vm))
			continue;
		ASSERT_TRUE(!!(lapic_reg(&s0, off) & APIC_LVT_MASKED))
			TH_LOG("LVT 0x%x = 0x%x", off, lapic_reg(&s0, off));
	}

	/* GET, SET, GET: the same registers. */
	ASSERT_EQ(0, vcpu_set_lapic(vcpu, &s0));
	ASSERT_EQ(0, vcpu_get_lapic(vcpu, &s));
	lapic_reg_set(&s, APIC_TMCCT, lapic_reg(&s0, APIC_TMCCT));
	ASSERT_EQ(0, memcmp(&s0, &s, sizeof(s)));

	lapic_reg_set(&s, APIC_TASKPRI, 0x20);
	lapic_reg_set(&s, APIC_LVTT, APIC_LVT_MASKED | 0x30);
	lapic_reg_set(&s, APIC_TDCR, APIC_TDCR_DIV1);
	lapic_reg_set(&s, APIC_SPIV, APIC_SVR_ENABLE | APIC_SPURIOUS_VEC);
	ASSERT_EQ(0, vcpu_set_lapic(vcpu, &s));
	ASSERT_EQ(0, vcpu_get_lapic(vcpu, &s2));
	ASSERT_EQ(0x20U, lapic_reg(&s2, APIC_TASKPRI));
	ASSERT_EQ(APIC_LVT_MASKED | 0x30, lapic_reg(&s2, APIC_LVTT));
	ASSERT_EQ((uint32_t)APIC_TDCR_DIV1, lapic_reg(&s2, APIC_TDCR));

	ASSERT_SYNC(vcpu, 1);
	ASSERT_EQ(0, vcpu_get_lapic(vcpu, &s2));
	ASSERT_EQ(0x30U, lapic_reg(&s2, APIC_TASKPRI));
	ASSERT_EQ(APIC_LVT_MASKED | 0x37, lapic_reg(&s2, APIC_LVT0));
	ASSERT_EQ(1, vm_signal_msi(vm, MSI_ADDR(0), VEC));
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST(mp_state)
{
	const char *why = NULL;
	struct vm *vm;
	struct vcpu *vcpu, *ap;
	uint32_t mp;

	vm = vm_create_irqchip(&vcpu, &why);
	if (!vm)
		SKIP(return, "%s", why);
	TH_LOG("hypervisor: %s", vm_hv_name(vm));
	vcpu_setup_long(vcpu, guest_ap);
	ap = vm_add_vcpu(vm, 1, guest_ap);

	ASSERT_EQ(0, vcpu_get_mp_state(vcpu, &mp));
	ASSERT_EQ((uint32_t)MVM_MP_STATE_RUNNABLE, mp);
	ASSERT_EQ(0, vcpu_get_mp_state(ap, &mp));
	ASSERT_EQ((uint32_t)MVM_MP_STATE_INIT_RECEIVED, mp);

	ASSERT_EQ(0, vcpu_set_mp_state(vcpu, MVM_MP_STATE_HALTED));
	ASSERT_EQ(0, vcpu_get_mp_state(vcpu, &mp));
	ASSERT_EQ((uint32_t)MVM_MP_STATE_HALTED, mp);
	ASSERT_EQ(0, vcpu_set_mp_state(vcpu, MVM_MP_STATE_RUNNABLE));
	ASSERT_EQ(0, vcpu_get_mp_state(vcpu, &mp));
	ASSERT_EQ((uint32_t)MVM_MP_STATE_RUNNABLE, mp);

	/* Started by the host instead of a SIPI: it runs its code as set. */
	ASSERT_EQ(0, vcpu_set_mp_state(ap, MVM_MP_STATE_RUNNABLE));
	ASSERT_EQ(0, vcpu_get_mp_state(ap, &mp));
	ASSERT_EQ((uint32_t)MVM_MP_STATE_RUNNABLE, mp);
	ASSERT_DONE(ap);
	ASSERT_DONE(vcpu);
	vm_free_vcpu(ap);
	vm_free(vm);
}

TEST_HARNESS_MAIN

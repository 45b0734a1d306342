// SPDX-License-Identifier: GPL-2.0
/*
 * A pending INIT/SIPI survives a snapshot.  An AP that has not run yet is
 * sent INIT and then a SIPI by the BSP (x2APIC ICR); it is saved before
 * it took them, restored into a fresh VM, and
 * its first run starts at the SIPI vector: real mode at CS = 0x800,
 * IP = 0, where its code writes a word to a port.  (mvm carries the latch
 * in the vCPU events, MVM_VCPU_EVENTS_LATCHED; KVM takes INIT and SIPI
 * into the MP state and registers when the MP state is read.)
 */
#include <string.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "guest_apic.h"
#include "irqchip.h"
#include "snapshot.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define SIPI_VEC	0x08		/* code at 0x8000 */
#define PORT		0x84
#define WORD		0x5a5a

/* mov $WORD, %ax; out %ax, $PORT; hlt */
static const uint8_t ap_code[] = { 0xb8, 0x5a, 0x5a, 0xe7, PORT, 0xf4 };

static void guest_idle(void)
{
	GUEST_DONE();
}

static void guest_bsp(void)
{
	x2apic_enable();
	x2apic_icr(1, APIC_DM_INIT | APIC_ICR_ASSERT);
	x2apic_icr(1, APIC_DM_STARTUP | SIPI_VEC);
	GUEST_DONE();
}

static void make_vm(struct vm **vm, struct vcpu **bsp, struct vcpu **ap)
{
	const char *why = NULL;

	*vm = vm_create_irqchip(bsp, &why);
	if (!*vm)
		return;
	vcpu_setup_long(*bsp, guest_bsp);
	*ap = vm_add_vcpu(*vm, 1, guest_idle);
}

TEST(snapshot_sipi)
{
	static struct vcpu_snapshot s;
	struct vcpu *bsp, *ap, *bsp2, *ap2;
	struct mvm_sregs sr;
	struct vm *vm, *vm2;
	uint16_t word;

	make_vm(&vm, &bsp, &ap);
	if (!vm)
		SKIP(return, "no irqchip");
	TH_LOG("hypervisor: %s", vm_hv_name(vm));
	if (!vm_has_snapshot(vm))
		SKIP(vm_free_vcpu(ap); vm_free(vm); return, "no MVM_CAP_SNAPSHOT");
	memcpy(vm_gpa_hva(vm, SIPI_VEC << 12), ap_code, sizeof(ap_code));
	ASSERT_DONE(bsp);

	ASSERT_EQ(0, vcpu_snapshot_save(ap, &s, NULL, 0));
	if (vm_is_mvm(vm)) {
		const struct mvm_vcpu_events *ev = (const void *)s.events;

		ASSERT_EQ((uint32_t)MVM_MP_STATE_INIT_RECEIVED, s.mp_state);
		ASSERT_EQ(MVM_VCPU_EVENTS_LATCHED, ev->flags);
		ASSERT_EQ(1, ev->latched.init);
		ASSERT_EQ(1, ev->latched.sipi);
		ASSERT_EQ(SIPI_VEC, ev->latched.sipi_vector);
	}

	make_vm(&vm2, &bsp2, &ap2);
	ASSERT_NE(NULL, vm2);
	memcpy(vm_gpa_hva(vm2, 0), vm_gpa_hva(vm, 0), GUEST_MEM_SIZE);
	ASSERT_EQ(0, vcpu_snapshot_restore(ap2, &s));

	/* Its first instructions are the SIPI vector's. */
	ASSERT_EXIT(ap2, VCPU_EXIT_IO);
	ASSERT_EQ(PORT, ap2->exit.io.port);
	ASSERT_EQ(2, ap2->exit.io.size);
	memcpy(&word, ap2->exit.io.data, 2);
	ASSERT_EQ(WORD, word);
	vcpu_get_sregs(ap2, &sr);
	ASSERT_EQ((uint64_t)SIPI_VEC << 12, sr.cs.base);
	ASSERT_EQ(SIPI_VEC << 8, sr.cs.selector);

	vm_free_vcpu(ap2);
	vm_free(vm2);
	vm_free_vcpu(ap);
	vm_free(vm);
}

TEST_HARNESS_MAIN

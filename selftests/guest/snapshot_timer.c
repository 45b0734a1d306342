// SPDX-License-Identifier: GPL-2.0
/*
 * The LAPIC timer across a snapshot in its other two modes.  TSC-deadline:
 * the guest arms a deadline 0.3 s ahead in its TSC and stops; restored
 * (LAPIC, then the TSC_DEADLINE MSR) into a fresh VM, the deadline reads
 * the same and the interrupt comes, not before the guest TSC reached it.
 * Periodic: restored, the current count does not start over and the timer
 * goes on firing.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "guest_apic.h"
#include "irqchip.h"
#include "snapshot.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define VEC		0x70
#define GUEST_TSC	(1ULL << 40)	/* away from KVM's TSC sync window */
#define PERIOD		(100u * 1000 * 1000)	/* 0.1 s at divider 1 */
#define APIC_TMCCT	0x390

static const uint32_t msr_list[] = { 0x10 };

static void guest_deadline(uint64_t khz)
{
	uint64_t dl;

	x2apic_enable();
	guest_wrmsr(0x10, GUEST_TSC);
	guest_wrmsr(X2APIC_LVTT, APIC_LVTT_TSCDEADLINE | VEC);
	dl = guest_rdtsc() + khz * 300;
	guest_wrmsr(MSR_TSC_DEADLINE, dl);
	GUEST_SYNC(dl);
	guest_halt_until(&guest_apic_count[0][VEC], 1);
	GUEST_ASSERT(guest_apic_tsc[0][VEC] >= dl);
	GUEST_ASSERT_EQ(0, guest_rdmsr(MSR_TSC_DEADLINE));
	GUEST_DONE();
}

static void guest_periodic(void)
{
	x2apic_enable();
	guest_wrmsr(0x10, GUEST_TSC);
	guest_wrmsr(X2APIC_TDCR, APIC_TDCR_DIV1);
	guest_wrmsr(X2APIC_LVTT, APIC_LVTT_PERIODIC | VEC);
	guest_wrmsr(X2APIC_TMICT, PERIOD);
	GUEST_SYNC(0);
	guest_halt_until(&guest_apic_count[0][VEC], 2);
	GUEST_DONE();
}

/* Run @fn to its snapshot ucall, save, restore into a fresh VM: *@vcpu2. */
static struct vm *snapshot(struct __test_metadata *_metadata, void (*fn)(void),
			   uint64_t *arg, struct vcpu_snapshot *s1,
			   struct vcpu_snapshot *s2, struct vm **vm2,
			   struct vcpu **vcpu2)
{
	const char *why = NULL;
	struct vcpu *vcpu;
	struct ucall uc;
	struct vm *vm;
	long khz;

	vm = vm_create_irqchip(&vcpu, &why);
	if (!vm)
		return NULL;
	TH_LOG("hypervisor: %s", vm_hv_name(vm));
	khz = vcpu_tsc_khz(vcpu);
	if (!vm_has_snapshot(vm) || khz <= 0) {
		vm_free(vm);
		return NULL;
	}
	vcpu_setup_long(vcpu, fn);
	vcpu_apic_handlers(vcpu);
	vcpu_args_set(vcpu, 1, (uint64_t)khz);
	ASSERT_UCALL(vcpu, UCALL_SYNC, &uc);
	*arg = uc.args[0];
	vcpu_set_immediate_exit(vcpu, true);
	EXPECT_EQ(-EINTR, vcpu_run(vcpu));
	vcpu_set_immediate_exit(vcpu, false);
	EXPECT_EQ(0, vcpu_snapshot_save(vcpu, s1, msr_list, 1));

	*vm2 = vm_create_irqchip(vcpu2, &why);
	TEST_REQUIRE(*vm2, "second VM: %s", why);
	vcpu_setup_long(*vcpu2, fn);
	vcpu_apic_handlers(*vcpu2);
	memcpy(vm_gpa_hva(*vm2, 0), vm_gpa_hva(vm, 0), GUEST_MEM_SIZE);
	EXPECT_EQ(0, vcpu_snapshot_restore(*vcpu2, s1));
	EXPECT_EQ(0, vcpu_snapshot_save(*vcpu2, s2, msr_list, 1));
	return vm;
}

TEST(deadline)
{
	static struct vcpu_snapshot s1, s2;
	struct vcpu *vcpu2;
	struct vm *vm, *vm2;
	uint64_t dl;

	vm = snapshot(_metadata, (void (*)(void))guest_deadline, &dl, &s1, &s2,
		      &vm2, &vcpu2);
	if (!vm)
		SKIP(return, "no irqchip, snapshot or TSC frequency");
	/* Saved armed (or fired already, its interrupt pending). */
	if (s1.tsc_deadline)
		ASSERT_EQ(dl, s1.tsc_deadline);
	ASSERT_EQ(s1.tsc_deadline, s2.tsc_deadline);
	ASSERT_DONE(vcpu2);
	vm_free(vm2);
	vm_free(vm);
}

TEST(periodic)
{
	static struct vcpu_snapshot s1, s2;
	struct vcpu *vcpu2;
	struct vm *vm, *vm2;
	uint64_t unused;
	uint32_t cur1, cur2;

	vm = snapshot(_metadata, guest_periodic, &unused, &s1, &s2, &vm2,
		      &vcpu2);
	if (!vm)
		SKIP(return, "no irqchip, snapshot or TSC frequency");
	cur1 = lapic_reg(&s1.lapic, APIC_TMCCT);
	cur2 = lapic_reg(&s2.lapic, APIC_TMCCT);
	TH_LOG("current count %u saved, %u restored", cur1, cur2);
	ASSERT_LT(0U, cur2);
	ASSERT_GE(PERIOD, cur2);
	/* Not started over, unless a period ended between (it wraps). */
	if (cur1 > PERIOD / 2)
		ASSERT_LE(cur2, cur1);
	ASSERT_DONE(vcpu2);
	vm_free(vm2);
	vm_free(vm);
}

TEST_HARNESS_MAIN

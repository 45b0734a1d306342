// SPDX-License-Identifier: GPL-2.0
/*
 * A VMM can always restore what it saved: MVM_GET_XSAVE -> MVM_SET_XSAVE
 * succeeds whatever the guest did.  A guest that loads an MXCSR with a
 * reserved bit gets #GP on a CPU; QEMU's TCG loads it instead, and a
 * state with that MXCSR would then be refused by SET_XSAVE (mvm clears
 * the bits no CPU could hold: its mxcsr_clean quirk).  On a CPU that
 * faults the test skips: there is nothing to restore.  KVM's run skips
 * under TCG: it has no such workaround (how it fares was not measured).
 */
#include "kselftest_harness.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define BAD_MXCSR	(0x1f80u | (1u << 20))

uint32_t mxcsr_val = BAD_MXCSR;
volatile uint64_t gp_count;

void guest_gp(uint64_t *frame);
void guest_gp(uint64_t *frame)
{
	gp_count++;
	frame[0] += 7;		/* ldmxcsr rel32(%rip) is 0f ae 15 + 4 */
}

GUEST_ISR(guest_gp_isr, guest_gp, 1);
extern char guest_gp_isr[];

static void guest_code(void)
{
	__asm__ volatile("ldmxcsr mxcsr_val(%%rip)" : : : "memory");
	GUEST_SYNC(gp_count);
	GUEST_DONE();
}

TEST(xsave_restores_what_it_saved)
{
	static struct mvm_xsave xs;
	struct vm *vm;
	struct vcpu *vcpu;
	struct ucall uc;

	VM_CREATE_OR_SKIP(vm, vcpu);
	if (!vm_is_mvm(vm) && host_is_qemu_tcg()) {
		vm_free(vm);
		SKIP(return, "KVM has no workaround for QEMU TCG's reserved MXCSR bits");
	}
	vcpu_setup_long(vcpu, guest_code);
	vcpu_set_idt_gate(vcpu, 13, guest_gp_isr);
	ASSERT_UCALL(vcpu, UCALL_SYNC, &uc);
	if (uc.args[0]) {
		vm_free(vm);
		SKIP(return, "this CPU faults on reserved MXCSR bits");
	}
	ASSERT_EQ(0, vcpu_get_xsave(vcpu, &xs));
	ASSERT_EQ(0, vcpu_set_xsave(vcpu, &xs)) TH_LOG("SET_XSAVE refused what GET_XSAVE gave");
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

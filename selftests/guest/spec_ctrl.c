// SPDX-License-Identifier: GPL-2.0
/*
 * IA32_SPEC_CTRL is the guest's own when its CPUID offers it: a guest
 * whose table has the host's SSBD/STIBP/IBRS bits (leaf 0x80000008 EBX)
 * writes SSBD and reads it back without an exit to userspace, a reserved
 * bit gets #GP, and MVM_GET_MSRS / MVM_SET_MSRS read and set the value
 * (so it survives save and restore).  mvm loads the guest's value around
 * VMRUN and the host's (x86_spec_ctrl_current) after it; under QEMU's TCG
 * the MSR changes nothing and reads 0 in the host, so that part is shown
 * only on hardware.  A host without SPEC_CTRL skips (make check runs this
 * in a test host with --cpu ...,+ibrs,+amd-stibp,+amd-ssbd).
 */
#include <cpuid.h>
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define MSR_SPEC_CTRL	0x48
#define SSBD		(1ULL << 2)
#define RESERVED_BIT	(1ULL << 3)
#define EBX_SSBD	(1u << 24)

volatile uint64_t gp_count;

void guest_gp(uint64_t *frame)
{
	gp_count++;
	frame[0] += 2;			/* wrmsr */
}

GUEST_ISR(guest_isr_gp, guest_gp, 1);
extern char guest_isr_gp[];

static void guest_code(void)
{
	GUEST_ASSERT_EQ(0, guest_rdmsr(MSR_SPEC_CTRL));
	guest_wrmsr(MSR_SPEC_CTRL, SSBD);
	GUEST_ASSERT_EQ(SSBD, guest_rdmsr(MSR_SPEC_CTRL));
	guest_wrmsr(MSR_SPEC_CTRL, SSBD | RESERVED_BIT);
	GUEST_ASSERT_EQ(1, gp_count);
	GUEST_ASSERT_EQ(SSBD, guest_rdmsr(MSR_SPEC_CTRL));
	GUEST_SYNC(1);
	/* The VMM cleared it. */
	GUEST_ASSERT_EQ(0, guest_rdmsr(MSR_SPEC_CTRL));
	GUEST_DONE();
}

TEST(spec_ctrl)
{
	struct mvm_cpuid_entry ext8 = { .function = 0x80000008 };
	struct mvm_msr_entry e = { .index = MSR_SPEC_CTRL };
	struct vm *vm;
	struct vcpu *vcpu;

	__cpuid(0x80000008, ext8.eax, ext8.ebx, ext8.ecx, ext8.edx);
	if (!(ext8.ebx & EBX_SSBD))
		SKIP(return, "no SSBD in SPEC_CTRL on this host");
	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, guest_code);
	vcpu_set_idt_gate(vcpu, 13, guest_isr_gp);
	vcpu_cpuid_set(vcpu, &ext8);

	ASSERT_SYNC(vcpu, 1);
	ASSERT_EQ(1, vcpu_get_msrs(vcpu, &e, 1));
	ASSERT_EQ(SSBD, e.data);
	e.data = RESERVED_BIT;
	ASSERT_EQ(0, vcpu_set_msrs(vcpu, &e, 1));
	e.data = 0;
	ASSERT_EQ(1, vcpu_set_msrs(vcpu, &e, 1));
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * A state the CPU refuses to enter (CR0.NW set without CR0.CD, which
 * VMRUN's consistency checks reject) ends MVM_RUN with an
 * MVM_EXIT_FAIL_ENTRY exit carrying the raw code (SVM: VMEXIT_INVALID);
 * the host is fine, and a corrected state runs.  mvm only: KVM refuses
 * such a CR0 already in KVM_SET_SREGS, so there is nothing to compare.
 */
#include "kselftest_harness.h"
#include "test_vm.h"

#define CR0_NW		(1ULL << 29)
#define CR0_CD		(1ULL << 30)

static void guest_code(void)
{
	GUEST_SYNC(1);
	GUEST_DONE();
}

TEST(fail_entry)
{
	struct mvm_sregs s, good;
	struct mvm_regs regs;
	struct vcpu *vcpu;
	struct vm *vm;
	struct vcpu_exit *x;

	VM_CREATE_OR_SKIP(vm, vcpu);
	if (!vm_is_mvm(vm)) {
		vm_free(vm);
		SKIP(return, "KVM refuses the state in KVM_SET_SREGS");
	}
	vcpu_setup_long(vcpu, guest_code);
	vcpu_get_sregs(vcpu, &good);
	vcpu_get_regs(vcpu, &regs);
	s = good;
	s.cr0 = (s.cr0 | CR0_NW) & ~CR0_CD;
	vcpu_set_sregs(vcpu, &s);

	ASSERT_EQ(0, vcpu_run(vcpu));
	x = &vcpu->exit;
	ASSERT_EQ((int)VCPU_EXIT_FAIL_ENTRY, (int)x->reason) TH_LOG("%s", vcpu_exit_str(vcpu));
	/* VMEXIT_INVALID: -1 in the 32 bits that carry exit codes. */
	ASSERT_EQ(0xffffffffu, (uint32_t)x->internal.code);

	/* A corrected state runs (the whole state: a refused entry may leave
	 * the rest as the CPU pleases, as on KVM's failed entries). */
	vcpu_set_sregs(vcpu, &good);
	vcpu_set_regs(vcpu, &regs);
	ASSERT_SYNC(vcpu, 1);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

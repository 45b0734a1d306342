// SPDX-License-Identifier: GPL-2.0
/*
 * HLT with interrupts off (RFLAGS.IF = 0) cannot be woken: the vCPU exits
 * to userspace with the HLT reason, RIP past the HLT, and the next run
 * resumes the guest after it.
 */
#include "kselftest_harness.h"
#include "test_vm.h"

#define RFLAGS_IF	(1ULL << 9)

extern char guest_after_hlt[];

/* Not inlined, so that the label exists once. */
static void __attribute__((noinline)) guest_hlt(void)
{
	__asm__ volatile("cli\n\t"
			 "hlt\n\t"
			 ".globl guest_after_hlt\n"
			 "guest_after_hlt:" : : : "memory");
}

static void guest_code(void)
{
	for (int i = 1; i <= 2; i++) {
		GUEST_SYNC(i);
		guest_hlt();
	}
	GUEST_DONE();
}

TEST(hlt_exit)
{
	struct vm *vm;
	struct vcpu *vcpu;
	struct mvm_regs r;

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, guest_code);

	for (int i = 1; i <= 2; i++) {
		ASSERT_SYNC(vcpu, i);
		ASSERT_EXIT(vcpu, VCPU_EXIT_HLT);
		vcpu_get_regs(vcpu, &r);
		ASSERT_EQ((uint64_t)guest_after_hlt, r.rip);
		ASSERT_EQ(0ULL, r.rflags & RFLAGS_IF);
	}
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

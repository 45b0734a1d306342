// SPDX-License-Identifier: GPL-2.0
/*
 * immediate_exit completes first: after an IN exit, a MVM_RUN with
 * immediate_exit set returns EINTR having put the VMM's data in RAX and
 * moved RIP past the IN, so the state a VMM saves then is whole (the
 * restored guest would otherwise lose the value it read).  The next run
 * goes on after the IN, without completing it twice.
 */
#include "kselftest_harness.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define PORT	0x71e0
#define VALUE	0x5eed1e55U

static void guest_code(void)
{
	uint32_t a = inl(PORT);
	uint32_t b = inl(PORT);

	GUEST_SYNC(a);
	GUEST_SYNC(b);
	GUEST_DONE();
}

TEST(immediate_exit_flush)
{
	struct mvm_regs at_exit, after;
	struct vcpu *vcpu;
	struct vm *vm;

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, guest_code);

	for (uint32_t i = 0; i < 2; i++) {
		ASSERT_EXIT(vcpu, VCPU_EXIT_IO);
		ASSERT_EQ(PORT, vcpu->exit.io.port);
		ASSERT_FALSE(vcpu->exit.io.out);
		ASSERT_EQ(4U, vcpu->exit.io.size);
		vcpu_get_regs(vcpu, &at_exit);
		*(uint32_t *)vcpu->exit.io.data = VALUE + i;

		vcpu_set_immediate_exit(vcpu, true);
		ASSERT_EQ(-EINTR, vcpu_run(vcpu));
		vcpu_set_immediate_exit(vcpu, false);
		vcpu_get_regs(vcpu, &after);
		EXPECT_EQ((uint64_t)(VALUE + i), after.rax & 0xffffffffULL);
		/* IN EAX, DX is one byte (ED): RIP is past it. */
		EXPECT_EQ(at_exit.rip + 1, after.rip);
	}
	ASSERT_SYNC(vcpu, VALUE);
	ASSERT_SYNC(vcpu, VALUE + 1);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

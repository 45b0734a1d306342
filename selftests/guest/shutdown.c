// SPDX-License-Identifier: GPL-2.0
/*
 * A triple fault ends in a shutdown exit and nothing worse: the guest
 * loads an IDT with limit 0 and executes INT3; the #BP cannot be
 * delivered (#GP), nor that (#DF), nor that.  The host process carries on
 * and a new VM runs normally afterwards.
 */
#include "kselftest_harness.h"
#include "test_vm.h"

struct __attribute__((packed)) dtr {
	uint16_t limit;
	uint64_t base;
};

static void guest_triple_fault(void)
{
	static const struct dtr empty = { 0, 0 };

	GUEST_SYNC(1);
	__asm__ volatile("lidt %0\n\t"
			 "int3" : : "m"(empty) : "memory");
	GUEST_ASSERT(0);	/* not reached */
}

static void guest_fine(void)
{
	GUEST_SYNC(2);
	GUEST_DONE();
}

TEST(triple_fault_is_shutdown)
{
	struct vm *vm;
	struct vcpu *vcpu;

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, guest_triple_fault);
	ASSERT_SYNC(vcpu, 1);
	ASSERT_EXIT(vcpu, VCPU_EXIT_SHUTDOWN);
	vm_free(vm);

	/* The hypervisor is fine: the next VM runs. */
	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, guest_fine);
	ASSERT_SYNC(vcpu, 2);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

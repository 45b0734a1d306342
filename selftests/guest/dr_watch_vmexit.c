// SPDX-License-Identifier: GPL-2.0
/*
 * One guest enables a write watchpoint (DR0, DR7.L0 with R/W0 = 01) and
 * ends; a second guest, on the same CPU, writes DR7 with other R/W and
 * LEN fields.  Both must simply finish.
 *
 * QEMU's TCG leaves the first guest's watchpoint inserted after #VMEXIT
 * under a DR7 that no longer says so, and the second guest's MOV to DR7
 * removes it as an instruction breakpoint: QEMU segfaults.  mvm's
 * dr_intercept quirk keeps guest DR writes out of QEMU's breakpoint list.
 * KVM passes the MOVs through, so the test skips on KVM under TCG.
 */
#define _GNU_SOURCE
#include <sched.h>

#include "kselftest_harness.h"
#include "test_vm.h"

static uint64_t watched;

static void guest_watch(void)
{
	__asm__ volatile("mov %0, %%dr0\n\t mov %1, %%dr7"
			 : : "r"((uint64_t)&watched), "r"(0x10401ULL));
	GUEST_DONE();
}

static void guest_fields(void)
{
	__asm__ volatile("mov %0, %%dr7" : : "r"(0x20400ULL));
	GUEST_DONE();
}

static void run_one(struct __test_metadata *_metadata, void (*code)(void))
{
	struct vcpu *vcpu;
	struct vm *vm;

	VM_CREATE_OR_SKIP(vm, vcpu);
	if (!vm_is_mvm(vm) && host_is_qemu_tcg())
		SKIP(vm_free(vm); return,
		     "KVM passes DR writes to QEMU TCG, which segfaults");
	vcpu_setup_long(vcpu, code);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST(watchpoint_then_fields)
{
	cpu_set_t set;

	/* Both guests on one (emulated) CPU: its breakpoint list. */
	CPU_ZERO(&set);
	CPU_SET(sched_getcpu(), &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
	run_one(_metadata, guest_watch);
	run_one(_metadata, guest_fields);
}

TEST_HARNESS_MAIN

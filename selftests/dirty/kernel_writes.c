// SPDX-License-Identifier: GPL-2.0
/*
 * The hypervisor's own writes to guest memory are logged: the kvmclock
 * wall clock (written at the MSR write), the kvmclock system time
 * (written when the vCPU runs) and the data of a REP INSB (written by the
 * kernel when it completes the instruction after userspace gave the
 * bytes).  The guest itself writes none of the four pages of the logged
 * slot; GET must report pages 0, 1 and 2, not page 3.  Then the guest
 * does the INS alone: page 2 again (page 1 may be, when the clock is
 * updated), page 0 and 3 not.
 */
#include "kselftest_harness.h"
#include "dirty_test.h"
#include "irqchip.h"
#include "mvm_util.h"
#include "test_vm.h"

#define MSR_KVM_WALL_CLOCK_NEW	0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01
#define PAGES		4
#define PORT		0x7e
#define COUNT		16

static void guest_code(uint64_t base)
{
	uint64_t round;

	guest_wrmsr(MSR_KVM_WALL_CLOCK_NEW, base);
	guest_wrmsr(MSR_KVM_SYSTEM_TIME_NEW, (base + 4096) | 1);
	for (round = 1;; round++) {
		void *p = (void *)(base + 2 * 4096);
		uint64_t n = COUNT;

		__asm__ volatile("rep insb" : "+D"(p), "+c"(n) : "d"(PORT) : "memory");
		GUEST_SYNC(round);
	}
}

/* Run to GUEST_SYNC(@round), giving the INS its bytes. */
static void run_ins(struct __test_metadata *_metadata, struct vcpu *vcpu,
		    uint64_t round)
{
	struct ucall uc;
	int ins = 0;

	for (;;) {
		ASSERT_EQ(0, vcpu_run(vcpu));
		if (vcpu_get_ucall(vcpu, &uc) != UCALL_NONE)
			break;
		ASSERT_EQ(VCPU_EXIT_IO, (int)vcpu->exit.reason)
			TH_LOG("%s", vcpu_exit_str(vcpu));
		ASSERT_EQ(PORT, vcpu->exit.io.port);
		memset(vcpu->exit.io.data, 0x40 + round, vcpu->exit.io.count);
		ASSERT_GT(COUNT + 2, ++ins);
	}
	ASSERT_EQ((uint64_t)UCALL_SYNC, uc.cmd) TH_LOG("%s", vcpu_exit_str(vcpu));
	ASSERT_EQ(round, uc.args[0]);
}

TEST(kernel_writes)
{
	struct vcpu *vcpu;
	struct vm *vm;
	uint64_t bm;
	uint8_t *mem;

	VM_CREATE_OR_SKIP(vm, vcpu);
	if (!vm_has_dirty_log(vm, false))
		SKIP(vm_free(vm); return, "no dirty logging");
	if (!vm_has_kvmclock(vm))
		SKIP(vm_free(vm); return, "no kvmclock");
	mem = small_slot(vm, vcpu, guest_code, PAGES);
	ASSERT_NE(NULL, mem);

	run_ins(_metadata, vcpu, 1);
	ASSERT_EQ(0x41, mem[2 * MVM_PAGE + COUNT - 1]);
	ASSERT_NE(0U, *(uint32_t *)(mem + MVM_PAGE)) TH_LOG("no system time written");
	ASSERT_EQ(0, vm_dirty_get(vm, 1, &bm));
	ASSERT_EQ(0x7ULL, bm);

	run_ins(_metadata, vcpu, 2);
	ASSERT_EQ(0x42, mem[2 * MVM_PAGE]);
	ASSERT_EQ(0, vm_dirty_get(vm, 1, &bm));
	ASSERT_EQ(0x4ULL, bm & ~0x2ULL);
	vm_free(vm);
	munmap(mem, PAGES * MVM_PAGE);
}

TEST_HARNESS_MAIN

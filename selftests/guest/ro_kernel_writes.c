// SPDX-License-Identifier: GPL-2.0
/*
 * Memory the VMM maps read-only stays read-only for the writes the
 * hypervisor makes on the guest's behalf, not only for the guest's own.
 * INS into a read-only slot: the data the VMM supplies for the IN is not
 * stored there (mvm: the completion ends in an emulation-error exit).  The
 * kvmclock MSRs aimed at a read-only page: neither the system time nor
 * the wall clock is written (mvm: the system time stays disabled, as for
 * memory that is not RAM).
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "irqchip.h"
#include "test_vm.h"

#define RO_GPA			0x10000000ULL
#define PORT			0x7e
#define COUNT			4
#define MSR_KVM_WALL_CLOCK_NEW	0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01

static void guest_ins(void)
{
	void *p = (void *)RO_GPA;
	uint64_t n = COUNT;

	__asm__ volatile("rep insb" : "+D"(p), "+c"(n) : "d"(PORT) : "memory");
	GUEST_SYNC(0);
}

static void guest_clock(void)
{
	guest_wrmsr(MSR_KVM_SYSTEM_TIME_NEW, RO_GPA | 1);
	GUEST_SYNC(guest_rdmsr(MSR_KVM_SYSTEM_TIME_NEW));
	guest_wrmsr(MSR_KVM_WALL_CLOCK_NEW, RO_GPA + 0x100);
	GUEST_SYNC(0);
}

static uint8_t *ro_setup(struct vm *vm)
{
	uint8_t *ro = mmap(NULL, GUEST_PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (ro == MAP_FAILED)
		return NULL;
	memset(ro, 0x55, GUEST_PAGE);
	if (vm_set_region(vm, 1, RO_GPA, GUEST_PAGE, ro, VM_MEM_READONLY))
		return NULL;
	vm_map(vm, RO_GPA, RO_GPA);
	return ro;
}

static bool untouched(const uint8_t *ro)
{
	for (unsigned int i = 0; i < GUEST_PAGE; i++)
		if (ro[i] != 0x55)
			return false;
	return true;
}

TEST(ins_into_readonly)
{
	struct vm *vm;
	struct vcpu *vcpu;
	uint8_t *ro;

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, guest_ins);
	ro = ro_setup(vm);
	ASSERT_NE(NULL, ro);

	ASSERT_EQ(0, vcpu_run(vcpu));
	ASSERT_EQ(VCPU_EXIT_IO, (int)vcpu->exit.reason) TH_LOG("%s", vcpu_exit_str(vcpu));
	ASSERT_FALSE(vcpu->exit.io.out);
	memset(vcpu->exit.io.data, 0xaa, vcpu->exit.io.count * vcpu->exit.io.size);
	vcpu_run(vcpu);
	if (vm_is_mvm(vm))
		ASSERT_EQ(VCPU_EXIT_INTERNAL, (int)vcpu->exit.reason)
			TH_LOG("%s", vcpu_exit_str(vcpu));
	ASSERT_TRUE(untouched(ro)) TH_LOG("the IN data went into read-only memory");
	vm_free(vm);
	munmap(ro, GUEST_PAGE);
}

TEST(kvmclock_into_readonly)
{
	struct vm *vm;
	struct vcpu *vcpu;
	struct ucall uc;
	const char *why = NULL;
	uint8_t *ro;

	vm = vm_create_irqchip(&vcpu, &why);
	if (!vm)
		SKIP(return, "%s", why);
	if (!vm_has_kvmclock(vm)) {
		vm_free(vm);
		SKIP(return, "no kvmclock");
	}
	vcpu_setup_long(vcpu, guest_clock);
	ro = ro_setup(vm);
	ASSERT_NE(NULL, ro);

	ASSERT_UCALL(vcpu, UCALL_SYNC, &uc);
	if (vm_is_mvm(vm))
		ASSERT_EQ(0ULL, uc.args[0] & 1) TH_LOG("the clock is on in read-only memory");
	ASSERT_SYNC(vcpu, 0);
	ASSERT_TRUE(untouched(ro)) TH_LOG("kvmclock wrote read-only memory");
	vm_free(vm);
	munmap(ro, GUEST_PAGE);
}

TEST_HARNESS_MAIN

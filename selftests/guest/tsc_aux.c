// SPDX-License-Identifier: GPL-2.0
/*
 * TSC_AUX is the guest's for RDPID as for RDTSCP: a guest that writes the
 * MSR reads its own value back with both instructions, never the host's
 * (Linux keeps the CPU number there for getcpu()), and the VMM's RDTSCP
 * after the run sees the host's again.  RDPID needs a host with it
 * (QEMU 7.2's TCG has none, whatever the CPU model asks for); without,
 * only RDTSCP, which mvm intercepts, is checked.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <sched.h>

#include "kselftest_harness.h"
#include "test_vm.h"

#define MSR_TSC_AUX	0xc0000103
#define GUEST_AUX	0x4321

bool have_rdpid;

static void guest_code(void)
{
	uint64_t pid = 0;
	uint32_t a, d, c;

	guest_wrmsr(MSR_TSC_AUX, GUEST_AUX);
	__asm__ volatile("rdtscp" : "=a"(a), "=d"(d), "=c"(c));
	GUEST_ASSERT_EQ(GUEST_AUX, c);
	if (have_rdpid) {
		__asm__ volatile(".byte 0xf3, 0x0f, 0xc7, 0xf8" : "=a"(pid));
		GUEST_ASSERT_EQ(GUEST_AUX, pid);
	}
	GUEST_SYNC(pid);
	GUEST_DONE();
}

static uint32_t host_tsc_aux(void)
{
	uint32_t a, d, c;

	__asm__ volatile("rdtscp" : "=a"(a), "=d"(d), "=c"(c));
	return c;
}

TEST(tsc_aux_switched)
{
	unsigned int a, b, c, d;
	struct vm *vm;
	struct vcpu *vcpu;
	int ok = 0;

	__cpuid(0x80000001, a, b, c, d);
	if (!(d & (1u << 27)))
		SKIP(return, "no RDTSCP on this host");
	__cpuid_count(7, 0, a, b, c, d);
	have_rdpid = c & (1u << 22);
	TH_LOG("RDPID: %s", have_rdpid ? "yes" : "no (RDTSCP only)");
	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, guest_code);
	ASSERT_UCALL(vcpu, UCALL_SYNC, &(struct ucall){ 0 });
	/* The host's value is its CPU number: retry across a migration. */
	for (int i = 0; i < 10 && !ok; i++) {
		int cpu = sched_getcpu();

		ok = (host_tsc_aux() & 0xfff) == (uint32_t)cpu && cpu == sched_getcpu();
	}
	ASSERT_TRUE(ok) TH_LOG("the VMM's TSC_AUX is %#x", host_tsc_aux());
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

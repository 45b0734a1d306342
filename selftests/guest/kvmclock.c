// SPDX-License-Identifier: GPL-2.0
/*
 * kvmclock (KVM's Documentation/virt/kvm/x86/msr.rst): the guest enables
 * system time (MSR 0x4b564d01 = GPA | 1) and the wall clock (0x4b564d00 =
 * GPA).  The time it computes from the pvclock structure advances across
 * a busy loop, with an even version and the same flags; its mul/shift
 * turn one millisecond of TSC cycles (the TSC frequency the hypervisor
 * reports) into 1 ms within 1 %; across a 20 ms host sleep, its delta is
 * at least half of the host's CLOCK_MONOTONIC delta and at most twice the
 * host time around both reads; the wall clock plus system time lies
 * within an hour of the host's CLOCK_REALTIME.  Generous bounds: only a
 * wrong unit or a stopped clock fails them.
 */
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest_apic.h"
#include "guest_pvclock.h"
#include "irqchip.h"
#include "test_vm.h"

static void guest_code(uint64_t pvti_gpa, uint64_t wall_gpa)
{
	volatile struct pvclock_vcpu_time_info *p = (void *)pvti_gpa;
	volatile struct pvclock_wall_clock *w = (void *)wall_gpa;
	uint64_t t1, t2;
	uint8_t f1, f2;

	guest_wrmsr(MSR_KVM_WALL_CLOCK_NEW, wall_gpa);
	GUEST_ASSERT_EQ(0, w->version & 1);
	guest_wrmsr(MSR_KVM_SYSTEM_TIME_NEW, pvti_gpa | 1);
	GUEST_ASSERT_EQ(pvti_gpa | 1, guest_rdmsr(MSR_KVM_SYSTEM_TIME_NEW));

	t1 = pvclock_ns(p, &f1);
	GUEST_ASSERT(p->tsc_to_system_mul != 0);
	GUEST_ASSERT_EQ(0, p->version & 1);
	for (int i = 0; i < 100000; i++)
		__asm__ volatile("pause");
	t2 = pvclock_ns(p, &f2);
	GUEST_ASSERT(t2 > t1);
	GUEST_ASSERT_EQ(f1, f2);
	GUEST_SYNC(t1);
	GUEST_SYNC(pvclock_ns(p, &f2));
	GUEST_ASSERT_EQ(f1, f2);
	GUEST_DONE();
}

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

TEST(kvmclock)
{
	volatile struct pvclock_vcpu_time_info *p;
	volatile struct pvclock_wall_clock *w;
	uint64_t pvti, wall, h0, h1, h2, h3, real, t1, t3, ms;
	struct ucall uc;
	struct vm *vm;
	struct vcpu *vcpu;
	long khz;

	VM_CREATE_OR_SKIP(vm, vcpu);
	if (!vm_has_kvmclock(vm))
		SKIP(vm_free(vm); return, "no kvmclock (MVM_CAP_KVMCLOCK)");
	vcpu_setup_long(vcpu, (void (*)(void))guest_code);
	pvti = vm_alloc_pages(vm, 1);
	vm_map(vm, pvti, pvti);
	wall = pvti + 64;
	vcpu_args_set(vcpu, 2, pvti, wall);
	p = vm_gpa_hva(vm, pvti);
	w = vm_gpa_hva(vm, wall);

	h0 = now_ns(CLOCK_MONOTONIC);
	ASSERT_UCALL(vcpu, UCALL_SYNC, &uc);
	h1 = now_ns(CLOCK_MONOTONIC);
	real = now_ns(CLOCK_REALTIME);
	t1 = uc.args[0];
	usleep(20 * 1000);
	h2 = now_ns(CLOCK_MONOTONIC);
	ASSERT_UCALL(vcpu, UCALL_SYNC, &uc);
	h3 = now_ns(CLOCK_MONOTONIC);
	t3 = uc.args[0];
	TH_LOG("guest %llu ns, host %llu ns between the reads",
	       (unsigned long long)(t3 - t1), (unsigned long long)(h2 - h1));
	ASSERT_LT(t1, t3);
	ASSERT_LE((h2 - h1) / 2, t3 - t1);
	ASSERT_GE(2 * (h3 - h0), t3 - t1);

	ASSERT_EQ(0U, w->version & 1);
	ASSERT_LT(llabs((long long)(w->sec * 1000000000ULL + w->nsec + t1 - real)),
		  3600LL * 1000000000LL);

	khz = vcpu_tsc_khz(vcpu);
	ASSERT_LT(0, khz) TH_LOG("TSC frequency: %s", strerror(-khz));
	ms = pvclock_scale(khz, p->tsc_to_system_mul, p->tsc_shift);	/* 1 ms */
	TH_LOG("TSC %ld kHz: 1 ms of cycles = %llu ns", khz,
	       (unsigned long long)ms);
	ASSERT_LE(990000ULL, ms);
	ASSERT_GE(1010000ULL, ms);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's clocks across a snapshot.  The guest reads kvmclock and its
 * TSC and stops; the host saves the VM clock (GET_CLOCK) and the vCPU
 * (its TSC and kvmclock MSRs among the rest), waits a "migration gap",
 * and restores into a fresh VM: SET_CLOCK with what GET gave (realtime
 * included, when the hypervisor gave it) and the vCPU.  The guest reads
 * again: kvmclock has not gone back, has gone on by at least half the gap
 * (the realtime that passed) and by at most twice the host time around
 * both reads; the TSC has not gone back.  Then a plain SET_CLOCK to a
 * value: GET reads at least that, and no more than the time since.  Also:
 * a guest's own TSC writes, and a SET_CLOCK while the guest runs.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest_apic.h"
#include "guest_pvclock.h"
#include "irqchip.h"
#include "snapshot.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define GAP_US		50000
/* Far from 0: KVM takes a host TSC write near a new vCPU's for a sync. */
#define GUEST_TSC	(1ULL << 40)

static const uint32_t msr_list[] = { 0x10, MSR_KVM_SYSTEM_TIME_NEW };

static void guest_code(uint64_t pvti_gpa)
{
	volatile struct pvclock_vcpu_time_info *p = (void *)pvti_gpa;
	uint64_t t1, t2, tsc1;
	uint8_t f;

	guest_wrmsr(0x10, GUEST_TSC);
	guest_wrmsr(MSR_KVM_SYSTEM_TIME_NEW, pvti_gpa | 1);
	t1 = pvclock_ns(p, &f);
	tsc1 = guest_rdtsc();
	GUEST_SYNC(t1);
	/* Restored. */
	t2 = pvclock_ns(p, &f);
	GUEST_ASSERT(guest_rdtsc() >= tsc1);
	GUEST_ASSERT(t2 >= t1);
	GUEST_SYNC(t2);
	GUEST_DONE();
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static struct vm *make_vm(struct vcpu **vcpu, uint64_t *pvti)
{
	const char *why = NULL;
	struct vm *vm = vm_create_1vcpu(vcpu, &why);

	if (!vm)
		return NULL;
	vcpu_setup_long(*vcpu, (void (*)(void))guest_code);
	*pvti = vm_alloc_pages(vm, 1);
	vm_map(vm, *pvti, *pvti);
	vcpu_args_set(*vcpu, 1, *pvti);
	return vm;
}

TEST(snapshot_clock)
{
	static struct vcpu_snapshot s;
	struct mvm_clock_data c, c2;
	uint64_t pvti, t1, t2, h0, h1, h2, h3;
	struct vcpu *vcpu, *vcpu2;
	struct vm *vm, *vm2;
	struct ucall uc;

	vm = make_vm(&vcpu, &pvti);
	if (!vm)
		SKIP(return, "no hypervisor");
	TH_LOG("hypervisor: %s", vm_hv_name(vm));
	if (!vm_has_kvmclock(vm) || !vm_has_clock(vm))
		SKIP(vm_free(vm); return, "no kvmclock or VM clock");

	h0 = now_ns();
	ASSERT_UCALL(vcpu, UCALL_SYNC, &uc);
	t1 = uc.args[0];
	vcpu_set_immediate_exit(vcpu, true);
	ASSERT_EQ(-EINTR, vcpu_run(vcpu));
	vcpu_set_immediate_exit(vcpu, false);
	ASSERT_EQ(0, vm_get_clock(vm, &c));
	h1 = now_ns();
	ASSERT_LE(t1, c.clock);
	ASSERT_EQ(0, vcpu_snapshot_save(vcpu, &s, msr_list, 2));
	ASSERT_LE(GUEST_TSC, s.msrs[0].data);

	usleep(GAP_US);

	vm2 = make_vm(&vcpu2, &pvti);
	ASSERT_NE(NULL, vm2);
	memcpy(vm_gpa_hva(vm2, 0), vm_gpa_hva(vm, 0), GUEST_MEM_SIZE);
	h2 = now_ns();
	/* The clock before the vCPUs: their kvmclock MSRs write to memory. */
	ASSERT_EQ(0, vm_set_clock(vm2, &c));
	ASSERT_EQ(0, vcpu_snapshot_restore(vcpu2, &s));
	ASSERT_UCALL(vcpu2, UCALL_SYNC, &uc);
	h3 = now_ns();
	t2 = uc.args[0];
	TH_LOG("kvmclock %llu ns on, host %llu ns (gap %llu ns), realtime %s",
	       (unsigned long long)(t2 - t1), (unsigned long long)(h3 - h0),
	       (unsigned long long)(h2 - h1),
	       c.flags & MVM_CLOCK_REALTIME ? "given" : "not given");
	ASSERT_LE(t1, t2);
	ASSERT_GE(2 * (h3 - h0) + 10000000, t2 - t1);
	if (c.flags & MVM_CLOCK_REALTIME)
		ASSERT_LE((h2 - h1) / 2, t2 - t1);
	ASSERT_DONE(vcpu2);

	/* A plain SET: the clock reads that value on from now. */
	memset(&c2, 0, sizeof(c2));
	c2.clock = 5000000000ULL;
	h0 = now_ns();
	ASSERT_EQ(0, vm_set_clock(vm2, &c2));
	ASSERT_EQ(0, vm_get_clock(vm2, &c));
	h1 = now_ns();
	ASSERT_LE(c2.clock, c.clock);
	ASSERT_GE(c2.clock + 2 * (h1 - h0) + 10000000, c.clock);

	vm_free(vm2);
	vm_free(vm);
}

/*
 * The guest moves its own TSC, forward and back: kvmclock does not move
 * with it (the pvclock structure follows the new TSC offset).  mvm's
 * behaviour: KVM does not rewrite the structure at a guest's TSC write
 * (kvm_set_msr_common() only adjusts the offset), so its kvmclock jumps
 * by the TSC's step until the next clock update.
 */
static void guest_tsc_write(uint64_t pvti_gpa)
{
	volatile struct pvclock_vcpu_time_info *p = (void *)pvti_gpa;
	uint64_t t1, t2, t3;
	uint8_t f;

	guest_wrmsr(MSR_KVM_SYSTEM_TIME_NEW, pvti_gpa | 1);
	t1 = pvclock_ns(p, &f);
	guest_wrmsr(0x10, guest_rdtsc() + (1ULL << 44));
	t2 = pvclock_ns(p, &f);
	guest_wrmsr(0x10, 1ULL << 20);
	t3 = pvclock_ns(p, &f);
	GUEST_ASSERT(t1 <= t2);
	GUEST_ASSERT(t2 <= t3);
	GUEST_SYNC(t3 - t1);
	GUEST_DONE();
}

TEST(tsc_write)
{
	const char *why = NULL;
	struct vcpu *vcpu;
	uint64_t pvti, h0, h1;
	struct ucall uc;
	struct vm *vm;

	vm = vm_create_1vcpu(&vcpu, &why);
	if (!vm)
		SKIP(return, "%s", why);
	TH_LOG("hypervisor: %s", vm_hv_name(vm));
	if (!vm_has_kvmclock(vm))
		SKIP(vm_free(vm); return, "no kvmclock");
	if (!vm_is_mvm(vm))
		SKIP(vm_free(vm); return, "KVM's kvmclock follows a guest TSC write late");
	vcpu_setup_long(vcpu, (void (*)(void))guest_tsc_write);
	pvti = vm_alloc_pages(vm, 1);
	vm_map(vm, pvti, pvti);
	vcpu_args_set(vcpu, 1, pvti);
	h0 = now_ns();
	ASSERT_UCALL(vcpu, UCALL_SYNC, &uc);
	h1 = now_ns();
	TH_LOG("kvmclock %llu ns on across two TSC writes, host %llu ns",
	       (unsigned long long)uc.args[0], (unsigned long long)(h1 - h0));
	ASSERT_GE(2 * (h1 - h0) + 10000000, uc.args[0]);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

/*
 * SET_CLOCK while the vCPU runs: the guest, reading kvmclock in a loop,
 * sees the clock step forward by what the VMM asked, and never go back.
 */
#define STEP_NS		(1000ULL * 1000000000ULL)	/* 1000 s */

static void guest_spin(uint64_t pvti_gpa)
{
	volatile struct pvclock_vcpu_time_info *p = (void *)pvti_gpa;
	uint64_t t0, prev, t;
	uint8_t f;

	guest_wrmsr(MSR_KVM_SYSTEM_TIME_NEW, pvti_gpa | 1);
	t0 = prev = pvclock_ns(p, &f);
	GUEST_SYNC(t0);
	do {
		t = pvclock_ns(p, &f);
		GUEST_ASSERT(t >= prev);
		prev = t;
	} while (t - t0 < STEP_NS / 2);
	GUEST_SYNC(t);
	GUEST_DONE();
}

static void *run_to_sync(void *arg)
{
	static struct ucall uc;
	struct vcpu *vcpu = arg;

	if (vcpu_run_ucall(vcpu, &uc, NULL, 0) != UCALL_SYNC)
		return NULL;
	return &uc;
}

TEST(set_while_running)
{
	struct mvm_clock_data c;
	const char *why = NULL;
	struct ucall *ucp, uc;
	struct vcpu *vcpu;
	pthread_t th;
	uint64_t pvti;
	struct vm *vm;

	vm = vm_create_1vcpu(&vcpu, &why);
	if (!vm)
		SKIP(return, "%s", why);
	TH_LOG("hypervisor: %s", vm_hv_name(vm));
	if (!vm_has_kvmclock(vm) || !vm_has_clock(vm))
		SKIP(vm_free(vm); return, "no kvmclock or VM clock");
	vcpu_setup_long(vcpu, (void (*)(void))guest_spin);
	pvti = vm_alloc_pages(vm, 1);
	vm_map(vm, pvti, pvti);
	vcpu_args_set(vcpu, 1, pvti);
	ASSERT_UCALL(vcpu, UCALL_SYNC, &uc);

	/* The guest spins in another thread; the clock steps meanwhile. */
	ASSERT_EQ(0, pthread_create(&th, NULL, run_to_sync, vcpu));
	usleep(20000);
	ASSERT_EQ(0, vm_get_clock(vm, &c));
	c.clock += STEP_NS;
	c.flags = 0;
	ASSERT_EQ(0, vm_set_clock(vm, &c));
	ASSERT_EQ(0, pthread_join(th, (void **)&ucp));
	ASSERT_NE(NULL, ucp) TH_LOG("%s", vcpu_exit_str(vcpu));
	ASSERT_LE(uc.args[0] + STEP_NS / 2, ucp->args[0]);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

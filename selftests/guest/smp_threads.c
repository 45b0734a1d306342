// SPDX-License-Identifier: GPL-2.0
/*
 * Four vCPUs of one VM, each run by its own host thread, run the same
 * guest function with their own argument: the sum of a range of numbers
 * that depends on the vCPU, reported by ucall.  Every vCPU finishes with
 * its own correct sum; the vCPU ids (checked through each guest's
 * argument and the ucall it sends) are distinct.
 */
#include <pthread.h>

#include "kselftest_harness.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define NR_VCPUS	4
#define RANGE		1000

static void guest_sum(uint64_t id, uint64_t from, uint64_t n)
{
	uint64_t sum = 0;

	for (uint64_t i = from; i < from + n; i++)
		sum += i;
	GUEST_SYNC(id);
	GUEST_SYNC(sum);
	GUEST_DONE();
}

struct worker {
	struct vcpu *vcpu;
	uint64_t id_seen, sum_seen;
	bool done;
	char what[512];
};

/* No harness ASSERT_* here: it would abort from a non-test thread. */
static void *run_vcpu(void *arg)
{
	struct worker *w = arg;
	struct ucall uc;

	if (vcpu_run_ucall(w->vcpu, &uc, w->what, sizeof(w->what)) != UCALL_SYNC)
		return NULL;
	w->id_seen = uc.args[0];
	if (vcpu_run_ucall(w->vcpu, &uc, w->what, sizeof(w->what)) != UCALL_SYNC)
		return NULL;
	w->sum_seen = uc.args[0];
	w->done = vcpu_run_ucall(w->vcpu, &uc, w->what, sizeof(w->what)) ==
		  UCALL_DONE;
	return NULL;
}

static uint64_t from_of(int id)
{
	return 1 + id * 10000;
}

TEST(smp_threads)
{
	struct worker w[NR_VCPUS] = {};
	pthread_t t[NR_VCPUS];
	struct vm *vm;
	struct vcpu *vcpu0;

	VM_CREATE_OR_SKIP(vm, vcpu0);
	vcpu_setup_long(vcpu0, (void (*)(void))guest_sum);
	w[0].vcpu = vcpu0;
	for (int i = 1; i < NR_VCPUS; i++)
		w[i].vcpu = vm_add_vcpu(vm, i, (void (*)(void))guest_sum);
	for (int i = 0; i < NR_VCPUS; i++)
		vcpu_args_set(w[i].vcpu, 3, (uint64_t)w[i].vcpu->id,
			      from_of(i), (uint64_t)RANGE);

	for (int i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, run_vcpu, &w[i]));
	for (int i = 0; i < NR_VCPUS; i++)
		pthread_join(t[i], NULL);

	for (int i = 0; i < NR_VCPUS; i++) {
		uint64_t f = from_of(i), want = RANGE * (2 * f + RANGE - 1) / 2;

		ASSERT_TRUE(w[i].done) TH_LOG("vCPU %d: %s", i, w[i].what);
		ASSERT_EQ((uint64_t)i, w[i].id_seen);
		ASSERT_EQ(want, w[i].sum_seen);
		for (int j = 0; j < i; j++)
			ASSERT_NE(w[j].vcpu->id, w[i].vcpu->id);
	}
	for (int i = 1; i < NR_VCPUS; i++)
		vm_free_vcpu(w[i].vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

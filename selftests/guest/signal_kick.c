// SPDX-License-Identifier: GPL-2.0
/*
 * A signal kicks a running vCPU out.  The guest spins in a loop without
 * exits; another host thread, once it sees the loop's counter move in guest
 * memory, sends a signal (pthread_kill, a handler installed, no SA_RESTART):
 * RUN returns -1/EINTR with the INTR exit reason, RIP is inside the loop,
 * and the next RUN goes on with it.  immediate_exit makes RUN return EINTR
 * at once without running the guest.
 */
#include <pthread.h>
#include <signal.h>

#include "kselftest_harness.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

volatile uint64_t loop_count, loop_stop;
extern char guest_loop[], guest_loop_end[];

static void guest_code(void)
{
	__asm__ volatile("guest_loop:\n\t"
			 "incq loop_count(%%rip)\n\t"
			 "cmpq $0, loop_stop(%%rip)\n\t"
			 "je guest_loop\n\t"
			 "guest_loop_end:" : : : "memory");
	GUEST_DONE();
}

struct kick {
	pthread_t target;
	volatile uint64_t *count;	/* the guest's loop_count */
	uint64_t from;
	volatile int stop;
	int ret;
};

static void on_sigusr1(int sig)
{
}

/* When the guest is in the loop, signal until RUN has returned. */
static void *kicker(void *arg)
{
	struct kick *k = arg;

	while (!k->stop && *k->count == k->from)
		usleep(1000);
	while (!k->stop && !k->ret) {
		k->ret = pthread_kill(k->target, SIGUSR1);
		usleep(20 * 1000);
	}
	return NULL;
}

static void run_kicked(struct __test_metadata *_metadata, struct vcpu *vcpu,
		       struct kick *k)
{
	struct mvm_regs r;
	pthread_t t;
	int ret;

	k->from = *k->count;
	k->stop = 0;
	ASSERT_EQ(0, pthread_create(&t, NULL, kicker, k));
	ret = vcpu_run(vcpu);
	k->stop = 1;
	pthread_join(t, NULL);
	ASSERT_EQ(0, k->ret);
	ASSERT_EQ(-EINTR, ret) TH_LOG("%s", vcpu_exit_str(vcpu));
	ASSERT_EQ((int)VCPU_EXIT_INTR, (int)vcpu->exit.reason);
	ASSERT_LT(k->from, *k->count);
	vcpu_get_regs(vcpu, &r);
	ASSERT_LE((uint64_t)guest_loop, r.rip);
	ASSERT_GT((uint64_t)guest_loop_end, r.rip);
	if (vm_is_mvm(vcpu->vm))
		ASSERT_EQ(r.rip, ((struct mvm_run *)vcpu->run)->regs.rip);
}

TEST(signal_kick)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };	/* no SA_RESTART */
	struct kick k = { .target = pthread_self() };
	struct mvm_regs before, after;
	uint64_t n;
	struct vm *vm;
	struct vcpu *vcpu;

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, guest_code);
	k.count = vcpu_gva_hva(vcpu, (uint64_t)&loop_count);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));

	run_kicked(_metadata, vcpu, &k);
	run_kicked(_metadata, vcpu, &k);	/* the loop went on */

	/* immediate_exit: nothing runs. */
	vcpu_get_regs(vcpu, &before);
	n = *k.count;
	vcpu_set_immediate_exit(vcpu, true);
	ASSERT_EQ(-EINTR, vcpu_run(vcpu));
	ASSERT_EQ((int)VCPU_EXIT_INTR, (int)vcpu->exit.reason);
	ASSERT_EQ(n, *k.count);
	vcpu_get_regs(vcpu, &after);
	ASSERT_EQ(before.rip, after.rip);
	vcpu_set_immediate_exit(vcpu, false);

	*(volatile uint64_t *)vcpu_gva_hva(vcpu, (uint64_t)&loop_stop) = 1;
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

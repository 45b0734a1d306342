// SPDX-License-Identifier: GPL-2.0
/*
 * HLT with IF=1 waits in the kernel (mvm-api.md: no exit).  Another host
 * thread queues an interrupt some time later: the HLT ends and the handler
 * runs.  A signal that arrives during the wait ends MVM_RUN with EINTR and
 * MVM_EXIT_INTR; the next MVM_RUN goes on halting until an interrupt comes.
 * Correctness does not depend on timing: an event that comes before the
 * HLT leads to the same results.
 */
#include <pthread.h>
#include <signal.h>

#include "kselftest_harness.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define VEC	0x40

volatile uint64_t irq_count;

void guest_irq(uint64_t *frame)
{
	irq_count++;
}

GUEST_ISR(guest_isr, guest_irq, 0);
extern char guest_isr[];

static void guest_code(void)
{
	for (uint64_t n = 1; n <= 2; n++) {
		__asm__ volatile("sti; hlt; cli" : : : "memory");
		/* Only the interrupt may end the halt. */
		GUEST_ASSERT_EQ(n, irq_count);
		GUEST_SYNC(n);
	}
	GUEST_DONE();
}

struct kick {
	struct vcpu *vcpu;
	pthread_t target;
	volatile int stop;
	int ret;
};

static void on_sigusr1(int sig)
{
}

static void *irq_later(void *arg)
{
	struct kick *k = arg;

	usleep(50 * 1000);
	k->ret = vcpu_interrupt(k->vcpu, VEC);
	return NULL;
}

static void *signal_later(void *arg)
{
	struct kick *k = arg;

	/* Again until RUN has returned: one sent before it began is lost. */
	while (!k->stop && !k->ret) {
		usleep(50 * 1000);
		k->ret = pthread_kill(k->target, SIGUSR1);
	}
	return NULL;
}

TEST(hlt_wakeup)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };	/* no SA_RESTART */
	struct kick k = { .target = pthread_self() };
	struct vm *vm;
	struct vcpu *vcpu;
	pthread_t t;
	int r;

	VM_CREATE_OR_SKIP(vm, vcpu);
	if (!vm_is_mvm(vm))
		SKIP(vm_free(vm); return,
		     "KVM without an in-kernel irqchip exits on every HLT; "
		     "the in-kernel halt is mvm's");
	vcpu_setup_long(vcpu, guest_code);
	vcpu_set_idt_gate(vcpu, VEC, guest_isr);
	k.vcpu = vcpu;
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));

	/* 1: an interrupt from another thread ends the halt. */
	ASSERT_EQ(0, pthread_create(&t, NULL, irq_later, &k));
	ASSERT_SYNC(vcpu, 1);
	pthread_join(t, NULL);
	ASSERT_EQ(0, k.ret);

	/* 2: a signal ends MVM_RUN, not the halt. */
	ASSERT_EQ(0, pthread_create(&t, NULL, signal_later, &k));
	r = vcpu_run(vcpu);
	k.stop = 1;
	pthread_join(t, NULL);
	ASSERT_EQ(0, k.ret);
	ASSERT_EQ(-EINTR, r) TH_LOG("%s", vcpu_exit_str(vcpu));
	ASSERT_EQ((int)VCPU_EXIT_INTR, (int)vcpu->exit.reason);

	ASSERT_EQ(0, pthread_create(&t, NULL, irq_later, &k));
	ASSERT_SYNC(vcpu, 2);
	pthread_join(t, NULL);
	ASSERT_EQ(0, k.ret);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

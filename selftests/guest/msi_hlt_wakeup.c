// SPDX-License-Identifier: GPL-2.0
/*
 * With the in-kernel APIC, HLT with IF=1 waits in the kernel: another host
 * thread sends an MSI some time later and the guest wakes, takes it in the
 * handler of its vector and goes on, with no exit to userspace between
 * its ucalls.  A signal during the halt ends the run with EINTR (exit
 * INTR); the next run halts on until an MSI comes.  An MSI sent before
 * the HLT gives the same results: nothing depends on timing.
 */
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest_apic.h"
#include "irqchip.h"
#include "test_vm.h"

#define VEC	0x58

static void guest_code(void)
{
	volatile uint32_t *cnt = &guest_apic_count[0][VEC];

	x2apic_enable();
	for (uint32_t n = 1; n <= 2; n++) {
		__asm__ volatile("sti; hlt; cli" : : : "memory");
		/* Only the MSI may end the halt. */
		GUEST_ASSERT_EQ(n, *cnt);
		GUEST_SYNC(n);
	}
	GUEST_DONE();
}

struct kick {
	struct vm *vm;
	pthread_t target;
	volatile int stop;
	int ret;
};

static void on_sigusr1(int sig)
{
}

static void *msi_later(void *arg)
{
	struct kick *k = arg;

	usleep(50 * 1000);
	k->ret = vm_signal_msi(k->vm, MSI_ADDR(0), VEC);
	return NULL;
}

static void *signal_later(void *arg)
{
	struct kick *k = arg;

	/* Again until the run has returned: one sent before it began is lost. */
	while (!k->stop && !k->ret) {
		usleep(50 * 1000);
		k->ret = pthread_kill(k->target, SIGUSR1);
	}
	return NULL;
}

TEST(msi_hlt_wakeup)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };	/* no SA_RESTART */
	struct kick k = { .target = pthread_self() };
	const char *why = NULL;
	struct vm *vm;
	struct vcpu *vcpu;
	pthread_t t;
	int r;

	vm = vm_create_irqchip(&vcpu, &why);
	if (!vm)
		SKIP(return, "%s", why);
	TH_LOG("hypervisor: %s", vm_hv_name(vm));
	vcpu_setup_long(vcpu, guest_code);
	vcpu_apic_handlers(vcpu);
	k.vm = vm;
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));

	/* 1: an MSI from another thread ends the halt, no exit before. */
	ASSERT_EQ(0, pthread_create(&t, NULL, msi_later, &k));
	ASSERT_SYNC(vcpu, 1);
	pthread_join(t, NULL);
	ASSERT_EQ(1, k.ret);

	/* 2: a signal ends the run, not the halt. */
	k.ret = 0;
	ASSERT_EQ(0, pthread_create(&t, NULL, signal_later, &k));
	r = vcpu_run(vcpu);
	k.stop = 1;
	pthread_join(t, NULL);
	ASSERT_EQ(0, k.ret);
	ASSERT_EQ(-EINTR, r) TH_LOG("%s", vcpu_exit_str(vcpu));
	ASSERT_EQ((int)VCPU_EXIT_INTR, (int)vcpu->exit.reason);

	ASSERT_EQ(0, pthread_create(&t, NULL, msi_later, &k));
	ASSERT_SYNC(vcpu, 2);
	pthread_join(t, NULL);
	ASSERT_EQ(1, k.ret);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

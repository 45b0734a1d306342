// SPDX-License-Identifier: GPL-2.0
/*
 * A benign exception loop cannot hang a host CPU (CVE-2015-8104).  The
 * guest's #DB gate has an IST stack, and a data breakpoint watches the
 * slot at the top of that stack where every #DB frame's SS goes: the
 * first write there raises #DB, whose delivery writes the slot and raises
 * the next #DB before the handler's first instruction, for ever.  Inside
 * the CPU that loop has no instruction boundary, so no host interrupt
 * would end it; the hypervisor must intercept #DB so that each turn exits.
 * Then a signal to the vCPU thread ends MVM_RUN (EINTR) as at any time.
 * A watchdog thread signals the vCPU thread every 200 ms; if RUN has not
 * returned 10 s after the first signal, the test fails (if the host CPU
 * is really stuck, the test host's lockup detector says so too).  A CPU
 * on which the loop does not form makes the test skip.  QEMU's TCG (the
 * test host) is skipped before the guest runs: there the loop does not
 * form under mvm, and the same guest on kvm_amd made QEMU 7.2 itself
 * crash (segmentation fault), taking the test host with it.
 */
#include <pthread.h>
#include <signal.h>

#include "kselftest_harness.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define DR7_L0		(1ULL << 0)
#define DR7_W0		(1ULL << 16)	/* RW0 = 01: data writes */
#define DR7_LEN0_8	(2ULL << 18)	/* LEN0 = 10: 8 bytes */
#define DR6_B0		(1ULL << 0)

uint8_t ist_stack[4096] __attribute__((aligned(4096)));
extern char guest_db_stub[];

/* Never runs: each #DB is raised again while it is being delivered. */
void guest_db(uint64_t *frame);
void guest_db(uint64_t *frame)
{
	GUEST_ASSERT(0);
}

GUEST_ISR(guest_db_stub, guest_db, 0);

static void guest_code(void)
{
	volatile uint64_t *slot = (uint64_t *)(ist_stack + sizeof(ist_stack) - 8);

	GUEST_SYNC(0);
	__asm__ volatile("mov %0, %%dr0\n\t mov %1, %%dr7"
			 : : "r"(slot), "r"(DR7_L0 | DR7_W0 | DR7_LEN0_8));
	*slot = 0;
	GUEST_SYNC(1);
}

static void on_signal(int sig)
{
}

struct watch {
	pthread_t vcpu_thread;
	volatile int done;
	int late;
};

static void *watchdog(void *p)
{
	struct watch *w = p;

	for (int ms = 0; !w->done; ms += 200) {
		usleep(200 * 1000);
		if (ms >= 10 * 1000 + 1000) {
			fprintf(stderr, "# MVM_RUN did not return 10 s after a signal\n");
			w->late = 1;
			_exit(1);
		}
		pthread_kill(w->vcpu_thread, SIGUSR1);
	}
	return NULL;
}

TEST(db_delivery_loop)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct watch w = { .vcpu_thread = pthread_self() };
	struct vm *vm;
	struct vcpu *vcpu;
	struct ucall uc;
	uint64_t tss, ist;
	uint64_t *idt;
	pthread_t t;
	int r;

	if (host_is_qemu_tcg())
		SKIP(return, "QEMU's TCG: no #DB loop forms (mvm), QEMU crashes (kvm_amd)");
	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, guest_code);
	vcpu_set_idt_gate(vcpu, 1, guest_db_stub);
	/* IST1 for vector 1: the gate's bits 34:32, the TSS's IST1 at 0x24. */
	idt = vm_gpa_hva(vm, vm->idt);
	idt[2] |= 1ULL << 32;
	tss = (uint64_t)vm_gpa_hva(vm, vm->tss);
	ist = (uint64_t)ist_stack + sizeof(ist_stack);
	memcpy((void *)(tss + 0x24), &ist, 8);

	ASSERT_SYNC(vcpu, 0);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, pthread_create(&t, NULL, watchdog, &w));
	r = vcpu_run(vcpu);
	w.done = 1;
	pthread_join(t, NULL);
	if (r == 0 && vcpu_get_ucall(vcpu, &uc) == UCALL_SYNC)
		SKIP(goto out, "no #DB loop formed on this CPU (QEMU's TCG)");
	ASSERT_EQ(-EINTR, r) TH_LOG("%s", vcpu_exit_str(vcpu));
	ASSERT_EQ(0, w.late);
out:
	vm_free(vm);
}

TEST_HARNESS_MAIN

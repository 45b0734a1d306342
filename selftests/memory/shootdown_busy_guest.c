// SPDX-License-Identifier: GPL-2.0
/*
 * The host takes a page away from a guest that never exits by itself, and
 * gets it back at once: the guest's vCPU leaves the guest when the host
 * interrupts it, whatever the guest's own state.  The guest (32-bit, paging
 * off, IF=0; on mvm also an NMI pending while NMIs are masked, the state
 * the ioctl fuzzer once left a vCPU in for minutes) spins incrementing a
 * counter in a page of its own slot; meanwhile another thread drops that
 * page with madvise(MADV_DONTNEED) over and over.  Each drop must remove
 * the stage-2 entry and so interrupt the running vCPU and wait for it
 * (mvm_flush_remote_tlbs()); the guest then faults the page in again and
 * counts on from zero.  A drop that takes more than 10 s is a failure (the
 * test then stops the guest with a signal and reports it); the run must
 * still end with EINTR on a signal.
 */
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "kselftest_harness.h"
#include "mvm_util.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define CODE_GPA	0x8000
#define PAGE_GPA	0x40000000ULL
#define DROPS		200
#define DROP_LIMIT_S	10

#define STR_(x)	#x
#define STR(x)	STR_(x)

extern const char spin_start[], spin_end[];
__asm__(".pushsection .rodata\n"
	"spin_start:\n"
	".code32\n"
	"cli\n"
	"1: incl " STR(PAGE_GPA) "\n"
	"jmp 1b\n"
	".code64\n"
	"spin_end:\n"
	".popsection\n");

struct runner {
	struct vcpu *vcpu;
	pthread_t thread;
	volatile int done;
	int ret;
};

static void on_sigusr1(int sig)
{
}

static void *run_vcpu(void *arg)
{
	struct runner *r = arg;

	r->ret = vcpu_run(r->vcpu);
	r->done = 1;
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Until the counter moves, or @limit seconds. */
static bool wait_count(volatile uint32_t *count, double limit)
{
	double end = now_s() + limit;

	while (*count == 0 && now_s() < end)
		usleep(1000);
	return *count != 0;
}

static void mask_nmi_with_one_pending(struct __test_metadata *_metadata,
				      struct vcpu *vcpu)
{
	struct mvm_vcpu_events ev;

	ASSERT_EQ(0, ioctl(vcpu->fd, MVM_GET_VCPU_EVENTS, &ev));
	ev.nmi.masked = 1;
	ev.nmi.pending = 1;
	ASSERT_EQ(0, ioctl(vcpu->fd, MVM_SET_VCPU_EVENTS, &ev));
}

TEST(shootdown_busy_guest)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };	/* no SA_RESTART */
	struct runner r = { 0 };
	double worst = 0, t;
	struct vm *vm;
	uint8_t *mem;
	int i, moved = 0;

	VM_CREATE_OR_SKIP(vm, r.vcpu);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	mem = mvm_mmap_anon(MVM_PAGE);
	ASSERT_NE(NULL, mem);
	ASSERT_EQ(0, vm_set_region(vm, 1, PAGE_GPA, MVM_PAGE, mem, 0));
	vcpu_setup_prot32(r.vcpu, CODE_GPA, spin_start, spin_end - spin_start);
	if (vm_is_mvm(vm))
		mask_nmi_with_one_pending(_metadata, r.vcpu);

	ASSERT_EQ(0, pthread_create(&r.thread, NULL, run_vcpu, &r));
	ASSERT_TRUE(wait_count((volatile uint32_t *)mem, 30));
	for (i = 0; i < DROPS && !r.done; i++) {
		t = now_s();
		ASSERT_EQ(0, madvise(mem, MVM_PAGE, MADV_DONTNEED));
		t = now_s() - t;
		if (t > worst)
			worst = t;
		if (t > DROP_LIMIT_S)
			break;
		/* The guest has the page again (or never lost it yet). */
		moved += wait_count((volatile uint32_t *)mem, DROP_LIMIT_S);
	}
	while (!r.done) {
		pthread_kill(r.thread, SIGUSR1);
		usleep(20 * 1000);
	}
	pthread_join(r.thread, NULL);
	TH_LOG("%d drops, the guest counted again after %d, slowest %.3f s",
	       i, moved, worst);
	EXPECT_EQ(DROPS, i);
	EXPECT_GT(DROP_LIMIT_S, worst);
	EXPECT_EQ(DROPS, moved);
	ASSERT_EQ(-EINTR, r.ret) TH_LOG("%s", vcpu_exit_str(r.vcpu));
	vm_free(vm);
}

TEST_HARNESS_MAIN

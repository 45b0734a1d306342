// SPDX-License-Identifier: GPL-2.0
/*
 * The debug registers are switched with the guest.  The VMM thread has a
 * hardware breakpoint of its own (perf, a write watch on a variable): the
 * guest does not see it in DR0-3 (it reads its reset state, 0), the
 * guest's own DR0-3 and DR7 read back as it wrote them, and after the run
 * the host's breakpoint still fires (#VMEXIT clears DR7; the host's must
 * come back before the VMM runs again).
 */
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "test_vm.h"

#define DR7_L1		(1ULL << 2)
#define GUEST_DR1	0x12345000ULL

static volatile uint64_t watched;

static void guest_code(void)
{
	uint64_t d0, d1, d2, d3, d7;

	__asm__ volatile("mov %%dr0, %0\n\t mov %%dr1, %1\n\t mov %%dr2, %2\n\t"
			 "mov %%dr3, %3" : "=r"(d0), "=r"(d1), "=r"(d2), "=r"(d3));
	GUEST_SYNC(d0 | d1 | d2 | d3);
	__asm__ volatile("mov %0, %%dr1\n\t mov %1, %%dr7"
			 : : "r"(GUEST_DR1), "r"(DR7_L1 | 0x400));
	GUEST_SYNC(0);
	__asm__ volatile("mov %%dr1, %0\n\t mov %%dr7, %1" : "=r"(d1), "=r"(d7));
	GUEST_ASSERT_EQ(GUEST_DR1, d1);
	GUEST_ASSERT_EQ(DR7_L1, d7 & 0xff);
	GUEST_DONE();
}

static int watch(volatile uint64_t *addr)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_BREAKPOINT,
		.size = sizeof(a),
		.bp_type = HW_BREAKPOINT_W,
		.bp_addr = (uintptr_t)addr,
		.bp_len = HW_BREAKPOINT_LEN_8,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};

	return syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

static uint64_t hits(int fd)
{
	uint64_t n = 0;

	return read(fd, &n, sizeof(n)) == sizeof(n) ? n : ~0ULL;
}

TEST(debugregs_switched)
{
	struct vm *vm;
	struct vcpu *vcpu;
	uint64_t before;
	int fd;

	VM_CREATE_OR_SKIP(vm, vcpu);
	fd = watch(&watched);
	if (fd < 0) {
		vm_free(vm);
		SKIP(return, "no hardware breakpoint for this thread: %s", strerror(errno));
	}
	watched = 1;
	ASSERT_EQ(1ULL, hits(fd)) TH_LOG("the host's breakpoint does not fire at all");
	vcpu_setup_long(vcpu, guest_code);

	ASSERT_SYNC(vcpu, 0);		/* DR0-3 all 0: not the host's */
	before = hits(fd);
	watched = 2;			/* no context switch since the run */
	ASSERT_EQ(before + 1, hits(fd)) TH_LOG("the host's breakpoint is lost after an exit");
	ASSERT_SYNC(vcpu, 0);
	before = hits(fd);
	watched = 3;
	ASSERT_EQ(before + 1, hits(fd)) TH_LOG("the guest's DR7 replaced the host's");
	ASSERT_DONE(vcpu);
	close(fd);
	vm_free(vm);
}

TEST_HARNESS_MAIN

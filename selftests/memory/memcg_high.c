// SPDX-License-Identifier: GPL-2.0
/*
 * A guest cannot run its VMM past memory.high unthrottled.  A child in a
 * memory cgroup with memory.high at 32 MiB runs a guest that touches 34 MiB
 * of fresh memory in one loop, with no exit of its own before the end:
 * every page comes in through a stage-2 fault the kernel resolves.  The
 * charges go over memory.high, and the kernel's reclaim and throttling
 * for that run only on the thread's way back to user mode.  KVM does that
 * work inside KVM_RUN; mvm, which may not call it, returns EINTR (exit
 * MVM_EXIT_INTR) while the thread is over memory.high, and the VMM runs
 * the vCPU again.  Both: the guest finishes, memory.events counts "high";
 * mvm with 4 KiB pages: at least one such EINTR came back.  With 4 KiB pages and with
 * transparent huge pages (which fault-ahead's worker, whose charges
 * nobody pays for, must not fault in over memory.high).
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "memcg.h"
#include "mvm_util.h"
#include "test_vm.h"

#define SLOT_GPA	(1ULL << 30)
#define SLOT_SIZE	(34ULL << 20)

struct report {
	int eintr, done;
	long long current, before;
	char what[96];
};

static void guest_code(uint64_t base, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += 4096)
		*(volatile uint64_t *)(base + off) = off;
	GUEST_DONE();
}

/* In the child, inside the cgroup: exit 0, or 4 to skip. */
static int run_guest(const char *cg, struct report *rep, int advice)
{
	const char *why = NULL;
	struct vcpu *vcpu;
	struct ucall uc;
	struct vm *vm;
	void *mem;
	int r;

	if (memcg_enter(cg))
		return snprintf(rep->what, sizeof(rep->what), "cannot enter %s", cg), 1;
	vm = vm_create_1vcpu(&vcpu, &why);
	if (!vm)
		return snprintf(rep->what, sizeof(rep->what), "%s", why), 4;
	mem = mvm_mmap_anon(SLOT_SIZE);
	if (!mem || madvise(mem, SLOT_SIZE, advice) ||
	    vm_set_region(vm, 1, SLOT_GPA, SLOT_SIZE, mem, 0))
		return snprintf(rep->what, sizeof(rep->what), "no slot"), 1;
	vcpu_setup_long(vcpu, (void (*)(void))guest_code);
	vm_map_identity_2m(vm, SLOT_GPA, SLOT_SIZE);
	vcpu_args_set(vcpu, 2, SLOT_GPA, SLOT_SIZE);
	rep->before = memcg_read(cg, "memory.current");
	for (;;) {
		r = vcpu_run(vcpu);
		if (r == -EINTR && vcpu->exit.reason == VCPU_EXIT_INTR) {
			rep->eintr++;
			continue;
		}
		if (r) {
			snprintf(rep->what, sizeof(rep->what), "run: %d, %s", r,
				 vcpu_exit_str(vcpu));
			return 1;
		}
		break;
	}
	rep->done = vcpu_get_ucall(vcpu, &uc) == UCALL_DONE;
	rep->current = memcg_read(cg, "memory.current");
	if (!rep->done)
		snprintf(rep->what, sizeof(rep->what), "%s", vcpu_exit_str(vcpu));
	snprintf(rep->what + strlen(rep->what), sizeof(rep->what) - strlen(rep->what),
		 "%s", vm_is_mvm(vm) ? " [mvm]" : " [kvm]");
	vm_free(vm);
	return 0;
}

static void memcg_high(struct __test_metadata *_metadata, int advice,
		       bool eintr)
{
	char cg[128];
	struct report *rep;
	long long high;
	int status;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root (cgroups)");
	if (memcg_create(cg, sizeof(cg), "mvm-high"))
		SKIP(return, "no cgroup2 memory controller");
	ASSERT_EQ(0, memcg_write(cg, "memory.high", "32M"));
	rep = mmap(NULL, sizeof(*rep), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, rep);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(run_guest(cg, rep, advice));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	high = memcg_key(cg, "memory.events", "high");
	memcg_remove(cg);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 4)
		SKIP(return, "%s", rep->what);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child: status 0x%x, %s", status, rep->what);
	TH_LOG("EINTR returns: %d, memory.events high: %lld, memory.current %lld kB before, %lld kB after%s",
	       rep->eintr, high, rep->before >> 10, rep->current >> 10, rep->what);
	ASSERT_TRUE(rep->done) TH_LOG("%s", rep->what);
	ASSERT_LT(0, high);
	if (eintr && strstr(rep->what, "[mvm]"))
		ASSERT_LT(0, rep->eintr) TH_LOG("the thread never left MVM_RUN over memory.high");
}

TEST(memcg_high_4k)
{
	memcg_high(_metadata, MADV_NOHUGEPAGE, true);
}

/*
 * Fault-ahead's worker would charge whole 2 MiB pages here.  A 2 MiB
 * charge is over the kernel's batch, so the charging thread pays at once,
 * inside the charge: no EINTR is needed, only no charge by the worker.
 */
TEST(memcg_high_thp)
{
	memcg_high(_metadata, MADV_HUGEPAGE, false);
}

TEST_HARNESS_MAIN

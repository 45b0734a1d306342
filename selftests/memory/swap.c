// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory can be swapped out and comes back intact.
 *
 * zram gives the test host a swap device; a child process in a memory
 * cgroup limited to 64 MiB gives its guest 200 MiB, and the guest writes a
 * value to every 8-byte word of it, then reads every word back and checks
 * it.  The cgroup must have hit its limit (memory.events "max"), pages of
 * the guest must have gone to swap (memory.swap.current after the writes),
 * nothing may be OOM-killed, and the guest must find every word.  The VM
 * runs in a child so that the swap device, zram and the cgroup are removed
 * (FIXTURE_TEARDOWN) whatever happens to it.  Needs root and zram: skips
 * without them, and when zram0 is already in use.
 */
#include <sys/swap.h>

#include "kselftest_harness.h"
#include "memcg.h"
#include "mvm_util.h"
#include "test_vm.h"

#define SLOT_GPA	(1ULL << 30)
#define SLOT_SIZE	(200ULL << 20)
#define SEED		0x73776170ULL		/* "swap" */
#define ZRAM		"/sys/block/zram0"

struct report {
	long long swap_after_write;
	char what[512];
};

static void guest_code(uint64_t base, uint64_t size)
{
	for (uint64_t a = base; a < base + size; a += 8)
		*(volatile uint64_t *)a = a ^ SEED;
	GUEST_SYNC(1);
	for (uint64_t a = base; a < base + size; a += 8)
		GUEST_ASSERT_EQ(a ^ SEED, *(volatile uint64_t *)a);
	GUEST_DONE();
}

/* The child: 0 when the guest saw every word, 4 to skip, 1 on failure. */
static int run_guest(const char *cg, struct report *rep)
{
	struct vm *vm;
	struct vcpu *vcpu;
	const char *why = NULL;
	struct ucall uc;
	void *mem;

	if (memcg_enter(cg))
		return 1;
	vm = vm_create_1vcpu(&vcpu, &why);
	if (!vm) {
		snprintf(rep->what, sizeof(rep->what), "%s", why);
		return 4;
	}
	vcpu_setup_long(vcpu, (void (*)(void))guest_code);
	vm_map_identity_2m(vm, SLOT_GPA, SLOT_SIZE);
	vcpu_args_set(vcpu, 2, SLOT_GPA, SLOT_SIZE);
	mem = mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_REQUIRE(mem != MAP_FAILED, "mmap");
	TEST_REQUIRE(!vm_set_region(vm, 1, SLOT_GPA, SLOT_SIZE, mem, 0), "slot 1");

	if (vcpu_run_ucall(vcpu, &uc, rep->what, sizeof(rep->what)) != UCALL_SYNC)
		return 1;
	rep->swap_after_write = memcg_read(cg, "memory.swap.current");
	if (vcpu_run_ucall(vcpu, &uc, rep->what, sizeof(rep->what)) != UCALL_DONE)
		return 1;
	vm_free(vm);
	return 0;
}

FIXTURE(swap) {
	char cg[128];
	bool cg_made, zram_loaded, swap_on;
};

FIXTURE_SETUP(swap)
{
}

FIXTURE_TEARDOWN(swap)
{
	if (self->swap_on)
		swapoff("/dev/zram0");
	if (self->swap_on || self->zram_loaded)
		memcg_write(ZRAM, "reset", "1");
	if (self->zram_loaded)
		(void)!system("modprobe -r zram 2>/dev/null");
	if (self->cg_made)
		memcg_remove(self->cg);
}

TEST_F_TIMEOUT(swap, guest_memory_round_trip, 1200)
{
	struct report *rep;
	long long max_events, oom_kills;
	int status;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root (zram, swapon, cgroups)");
	if (access(ZRAM, F_OK)) {
		if (system("modprobe zram num_devices=1 2>/dev/null") ||
		    access(ZRAM, F_OK))
			SKIP(return, "no zram module");
		self->zram_loaded = true;
	}
	if (memcg_read(ZRAM, "disksize") != 0)
		SKIP(return, "zram0 is in use");
	ASSERT_EQ(0, memcg_write(ZRAM, "disksize", "512M"));
	ASSERT_EQ(0, system("mkswap /dev/zram0 >/dev/null 2>&1"))
		TH_LOG("mkswap /dev/zram0 failed");
	ASSERT_EQ(0, swapon("/dev/zram0", 0)) TH_LOG("swapon: %s", strerror(errno));
	self->swap_on = true;

	ASSERT_EQ(0, memcg_create(self->cg, sizeof(self->cg), "mvm-swap"));
	self->cg_made = true;
	ASSERT_EQ(0, memcg_write(self->cg, "memory.max", "64M"));

	rep = mmap(NULL, sizeof(*rep), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, rep);
	rep->swap_after_write = -1;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(run_guest(self->cg, rep));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 4)
		SKIP(return, "%s", rep->what);

	max_events = memcg_key(self->cg, "memory.events", "max");
	oom_kills = memcg_key(self->cg, "memory.events", "oom_kill");
	TH_LOG("memory.events: max %lld, oom_kill %lld; "
	       "memory.swap.current %lld KiB after the writes",
	       max_events, oom_kills, rep->swap_after_write / 1024);
	ASSERT_TRUE(WIFEXITED(status))
		TH_LOG("the guest's process died of signal %d", WTERMSIG(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("%s", rep->what);
	ASSERT_EQ(0, oom_kills);
	ASSERT_LT(0, max_events);
	ASSERT_LT(0, rep->swap_after_write);
}

TEST_HARNESS_MAIN

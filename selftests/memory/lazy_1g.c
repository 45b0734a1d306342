// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory is faulted in lazily and freed on close, by the numbers.
 *
 * The test runs in a memory cgroup of its own, so memory.current counts
 * exactly what it (and the hypervisor on its behalf) allocates.  A 1 GiB
 * slot over fresh anonymous memory (MAP_NORESERVE, no THP: every 4 KiB page
 * is its own host and stage-2 fault) adds less than SLOT_MAX_KB when it is
 * created; the guest writes a value to every 4 KiB page and reads them all
 * back, after which the group holds at least 15/16 GiB more; the host sees
 * every value in its own mapping; and once the VM and the mapping are
 * closed the group is back within FREED_MAX_KB of where it started.
 */
#include "kselftest_harness.h"
#include "memcg.h"
#include "mvm_util.h"
#include "test_vm.h"

#define SLOT_GPA	(1ULL << 30)
#define SLOT_SIZE	(1ULL << 30)
#define STRIDE		4096ULL
#define SEED		0x6c617a79ULL		/* "lazy" */
#define SLOT_MAX_KB	4096
#define FREED_MAX_KB	4096

static void guest_code(uint64_t base, uint64_t size)
{
	for (uint64_t a = base; a < base + size; a += STRIDE)
		*(volatile uint64_t *)a = a ^ SEED;
	GUEST_SYNC(1);
	for (uint64_t a = base; a < base + size; a += STRIDE)
		GUEST_ASSERT_EQ(a ^ SEED, *(volatile uint64_t *)a);
	GUEST_DONE();
}

static long long current_kb(const char *cg)
{
	mvm_drop_caches();
	return memcg_read(cg, "memory.current") / 1024;
}

FIXTURE(lazy) {
	char cg[128];
	bool in_cg;
};

FIXTURE_SETUP(lazy)
{
	self->in_cg = !memcg_create(self->cg, sizeof(self->cg), "mvm-lazy") &&
		      !memcg_enter(self->cg);
}

FIXTURE_TEARDOWN(lazy)
{
	if (self->in_cg) {
		memcg_enter(NULL);
		memcg_remove(self->cg);
	}
}

TEST_F_TIMEOUT(lazy, fault_on_touch_free_on_close, 900)
{
	long long start, before, created, touched, end;
	struct vm *vm;
	struct vcpu *vcpu;
	uint8_t *mem;
	unsigned long long bad = 0;

	if (!self->in_cg)
		SKIP(return, "no memory cgroup of our own (root and cgroup2 needed)");
	start = current_kb(self->cg);
	ASSERT_LE(0, start);

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, (void (*)(void))guest_code);
	vm_map_identity_2m(vm, SLOT_GPA, SLOT_SIZE);
	vcpu_args_set(vcpu, 2, SLOT_GPA, SLOT_SIZE);

	mem = mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_EQ(0, madvise(mem, SLOT_SIZE, MADV_NOHUGEPAGE));
	before = current_kb(self->cg);
	ASSERT_EQ(0, vm_set_region(vm, 1, SLOT_GPA, SLOT_SIZE, mem, 0));
	created = current_kb(self->cg);
	TH_LOG("memcg: %lld KiB at start, %+lld KiB with the VM, %+lld KiB for the 1 GiB slot",
	       start, before - start, created - before);
	ASSERT_GT(SLOT_MAX_KB, created - before);

	ASSERT_SYNC(vcpu, 1);
	ASSERT_DONE(vcpu);
	touched = current_kb(self->cg);
	TH_LOG("memcg: %+lld KiB after the guest touched every page",
	       touched - created);
	ASSERT_LE((long long)(SLOT_SIZE / 1024) * 15 / 16, touched - created);

	for (uint64_t off = 0; off < SLOT_SIZE; off += STRIDE) {
		uint64_t v = *(uint64_t *)(mem + off);

		if (v != ((SLOT_GPA + off) ^ SEED) && !bad++)
			TH_LOG("host sees 0x%llx at offset 0x%llx",
			       (unsigned long long)v, (unsigned long long)off);
	}
	ASSERT_EQ(0ULL, bad);

	vm_free(vm);
	ASSERT_EQ(0, munmap(mem, SLOT_SIZE));
	end = current_kb(self->cg);
	TH_LOG("memcg: %lld KiB after close (%+lld KiB from the start)",
	       end, end - start);
	ASSERT_GT(FREED_MAX_KB, end - start);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * A page the guest wrote under dirty logging, then write-protected by the
 * harvest, keeps its host's write protection when the host takes write
 * access away meanwhile: the guest's next write must not go through the
 * old writable page (a hypervisor that gives write access back in place
 * on such a fault must first know the host still maps it writable).
 *   mprotect(PROT_READ): the guest's write fails the run with EFAULT and
 *     the page keeps its value; made writable again, the write lands and
 *     is logged.
 *   fork: the host shares the pages copy-on-write with a child; the
 *     guest's write lands in the parent's copy only, and the child still
 *     reads what the pages held at the fork.
 */
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "dirty_test.h"
#include "mvm_util.h"
#include "test_vm.h"

#define PAGES	2

static void guest_code(uint64_t base)
{
	for (uint64_t round = 1;; round++) {
		for (int i = 0; i < PAGES; i++)
			*(volatile uint64_t *)(base + i * 4096) = round;
		GUEST_SYNC(round);
	}
}

static uint64_t page_val(const uint8_t *mem, int i)
{
	return *(const volatile uint64_t *)(mem + i * MVM_PAGE);
}

TEST(host_wrprotect)
{
	uint64_t bm, seen[PAGES];
	struct vcpu *vcpu;
	struct vm *vm;
	int r, pfd[2], go[2], status;
	uint8_t *mem;
	pid_t child;
	char c = 0;

	VM_CREATE_OR_SKIP(vm, vcpu);
	if (!vm_has_dirty_log(vm, false))
		SKIP(vm_free(vm); return, "no dirty logging");
	mem = small_slot(vm, vcpu, guest_code, PAGES);
	ASSERT_NE(NULL, mem);

	ASSERT_SYNC(vcpu, 1);
	ASSERT_EQ(0, vm_dirty_get(vm, 1, &bm));
	ASSERT_EQ(0x3ULL, bm);

	/* Read-only in the host: the write cannot land. */
	ASSERT_EQ(0, mprotect(mem, MVM_PAGE, PROT_READ));
	r = vcpu_run(vcpu);
	ASSERT_EQ(-EFAULT, r) TH_LOG("write to a page the host maps read-only: %s, %s",
				     strerror(-r), vcpu_exit_str(vcpu));
	ASSERT_EQ(1ULL, page_val(mem, 0));
	ASSERT_EQ(0, mprotect(mem, MVM_PAGE, PROT_READ | PROT_WRITE));
	ASSERT_SYNC(vcpu, 2);
	ASSERT_EQ(2ULL, page_val(mem, 0));
	ASSERT_EQ(2ULL, page_val(mem, 1));
	ASSERT_EQ(0, vm_dirty_get(vm, 1, &bm));
	ASSERT_EQ(0x3ULL, bm);

	/* Copy-on-write with a child: the child's pages stay as they were. */
	ASSERT_EQ(0, pipe(pfd));
	ASSERT_EQ(0, pipe(go));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		for (int i = 0; i < PAGES; i++)
			seen[i] = page_val(mem, i);
		_exit(write(pfd[1], seen, sizeof(seen)) == sizeof(seen) ? 0 : 1);
	}
	ASSERT_SYNC(vcpu, 3);
	ASSERT_EQ(1, write(go[1], &c, 1));
	ASSERT_EQ((ssize_t)sizeof(seen), read(pfd[0], seen, sizeof(seen)));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_EQ(0, status);
	for (int i = 0; i < PAGES; i++) {
		ASSERT_EQ(3ULL, page_val(mem, i));
		ASSERT_EQ(2ULL, seen[i]) TH_LOG("the child's page %d changed", i);
	}
	ASSERT_EQ(0, vm_dirty_get(vm, 1, &bm));
	ASSERT_EQ(0x3ULL, bm);

	close(pfd[0]);
	close(pfd[1]);
	close(go[0]);
	close(go[1]);
	vm_free(vm);
	munmap(mem, PAGES * MVM_PAGE);
}

TEST_HARNESS_MAIN

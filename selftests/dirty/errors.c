// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty-log ioctls' errors, and that a failed call changes nothing.
 *
 * The guest writes pages 0 and 1 of a logged 4-page slot.  On both
 * hypervisors: a slot id beyond the limit is EINVAL, a slot that does not
 * exist or is not logged ENOENT, a bad bitmap pointer EFAULT; with manual
 * protection a CLEAR whose first page or length is not 64-aligned (short
 * of the slot's end) or that goes past the slot is EINVAL, a bad pointer
 * EFAULT, and the bitmap then still holds both pages.  A read-only slot
 * may be logged; its bitmap stays empty.  mvm only: non-zero flags and
 * reserved words (GET, CLEAR, ENABLE_CAP), an unknown capability or
 * argument bit are EINVAL; a GET that fails with EFAULT keeps the bits
 * (KVM loses them); CLEAR without manual protection is EINVAL; a region
 * change of more than LOG_DIRTY is EEXIST and leaves the slot logged.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "mvm_util.h"
#include "test_vm.h"

#define SLOT_GPA	(1ULL << 30)
#define RO_GPA		(SLOT_GPA + (1ULL << 20))
#define PAGES		4

static void guest_code(uint64_t base)
{
	for (;;) {
		*(volatile uint64_t *)base = 1;
		*(volatile uint64_t *)(base + 4096) = 2;
		(void)*(volatile uint64_t *)RO_GPA;
		GUEST_SYNC(1);
	}
}

TEST(errors)
{
	/* A mapping nothing may read or write: copies to and from it fail. */
	uint64_t bm, *bad = mmap(NULL, MVM_PAGE, PROT_NONE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct vcpu *vcpu;
	struct vm *vm;
	void *mem, *ro;

	VM_CREATE_OR_SKIP(vm, vcpu);
	if (!vm_has_dirty_log(vm, true))
		SKIP(vm_free(vm); return, "no dirty logging");
	mem = mvm_mmap_anon(PAGES * MVM_PAGE);
	ro = mvm_mmap_anon(MVM_PAGE);
	ASSERT_NE(NULL, mem);
	ASSERT_NE(NULL, ro);
	ASSERT_NE(MAP_FAILED, bad);
	vcpu_setup_long(vcpu, (void (*)(void))guest_code);
	for (int i = 0; i < PAGES; i++)
		vm_map(vm, SLOT_GPA + i * MVM_PAGE, SLOT_GPA + i * MVM_PAGE);
	vm_map(vm, RO_GPA, RO_GPA);
	vcpu_args_set(vcpu, 1, SLOT_GPA);
	ASSERT_EQ(0, vm_set_region(vm, 1, SLOT_GPA, PAGES * MVM_PAGE, mem,
				   VM_MEM_LOG_DIRTY));
	ASSERT_EQ(0, vm_set_region(vm, 2, RO_GPA, MVM_PAGE, ro,
				   VM_MEM_READONLY | VM_MEM_LOG_DIRTY));
	ASSERT_SYNC(vcpu, 1);

	ASSERT_EQ(EINVAL, -vm_dirty_get(vm, 0xffff, &bm));
	ASSERT_EQ(ENOENT, -vm_dirty_get(vm, 3, &bm));
	ASSERT_EQ(ENOENT, -vm_dirty_get(vm, 0, &bm));	/* not logged */
	ASSERT_EQ(EFAULT, -vm_dirty_get(vm, 1, bad));
	ASSERT_EQ(0, vm_dirty_get(vm, 2, &bm));
	ASSERT_EQ(0ULL, bm);

	if (vm_is_mvm(vm)) {
		struct mvm_dirty_log g = { .slot = 1, .bitmap = (uint64_t)&bm };
		struct mvm_clear_dirty_log c = { .slot = 1, .num_pages = PAGES,
						 .bitmap = (uint64_t)&bm };
		struct mvm_enable_cap e = { .cap = MVM_CAP_MANUAL_DIRTY_LOG_PROTECT };

		/* EFAULT above kept the bits: this GET still has them. */
		ASSERT_EQ(0, vm_dirty_get(vm, 1, &bm));
		ASSERT_EQ(0x3ULL, bm);
		bm = 0;
		ASSERT_EQ(EINVAL, -vm_dirty_clear(vm, 1, 0, PAGES, &bm));
		g.flags = 1;
		ASSERT_EQ(EINVAL, mvm_err(ioctl(vm->fd, MVM_GET_DIRTY_LOG, &g)));
		g.flags = 0;
		g.reserved[3] = 1;
		ASSERT_EQ(EINVAL, mvm_err(ioctl(vm->fd, MVM_GET_DIRTY_LOG, &g)));
		e.flags = 1;
		ASSERT_EQ(EINVAL, mvm_err(ioctl(vm->fd, MVM_ENABLE_CAP, &e)));
		e.flags = 0;
		e.args[0] = 2;
		ASSERT_EQ(EINVAL, mvm_err(ioctl(vm->fd, MVM_ENABLE_CAP, &e)));
		e.args[0] = 1;
		e.cap = MVM_CAP_DIRTY_LOG;
		ASSERT_EQ(EINVAL, mvm_err(ioctl(vm->fd, MVM_ENABLE_CAP, &e)));
		e.cap = MVM_CAP_MANUAL_DIRTY_LOG_PROTECT;
		e.reserved[0] = 1;
		ASSERT_EQ(EINVAL, mvm_err(ioctl(vm->fd, MVM_ENABLE_CAP, &e)));
		/* Not LOG_DIRTY alone: EEXIST, and the slot is still logged. */
		ASSERT_EQ(EEXIST, -vm_set_region(vm, 1, SLOT_GPA, PAGES * MVM_PAGE,
						 mem, VM_MEM_READONLY));
		ASSERT_EQ(0, vm_dirty_manual(vm, true));
		c.flags = 1;
		ASSERT_EQ(EINVAL, mvm_err(ioctl(vm->fd, MVM_CLEAR_DIRTY_LOG, &c)));
		c.flags = 0;
		c.reserved[1] = 1;
		ASSERT_EQ(EINVAL, mvm_err(ioctl(vm->fd, MVM_CLEAR_DIRTY_LOG, &c)));
		/* Written again, since the GET above cleared them. */
		ASSERT_SYNC(vcpu, 1);
	} else {
		ASSERT_EQ(0, vm_dirty_manual(vm, true));
		/* KVM cleared them before its copy failed: write them again. */
		ASSERT_SYNC(vcpu, 1);
	}

	bm = ~0ULL;
	ASSERT_EQ(EINVAL, -vm_dirty_clear(vm, 1, 1, 3, &bm));	/* first_page */
	ASSERT_EQ(EINVAL, -vm_dirty_clear(vm, 1, 0, 3, &bm));	/* short of the end */
	ASSERT_EQ(EINVAL, -vm_dirty_clear(vm, 1, 0, 64, &bm));	/* past the end */
	ASSERT_EQ(EINVAL, -vm_dirty_clear(vm, 0xffff, 0, 4, &bm));
	ASSERT_EQ(ENOENT, -vm_dirty_clear(vm, 0, 0, 4, &bm));
	ASSERT_EQ(EFAULT, -vm_dirty_clear(vm, 1, 0, PAGES, bad));
	bm = 0;
	ASSERT_EQ(0, vm_dirty_get(vm, 1, &bm));
	ASSERT_EQ(0x3ULL, bm);
	ASSERT_EQ(0, vm_dirty_clear(vm, 1, 0, PAGES, &bm));
	ASSERT_EQ(0, vm_dirty_get(vm, 1, &bm));
	ASSERT_EQ(0ULL, bm);
	vm_free(vm);
}

TEST_HARNESS_MAIN

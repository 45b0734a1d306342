// SPDX-License-Identifier: GPL-2.0
/*
 * A guest that writes more distinct pages than its dirty ring holds stops
 * with MVM_EXIT_DIRTY_RING_FULL (KVM_EXIT_DIRTY_RING_FULL) before the ring
 * overflows, runs on after userspace harvested and reset, and no page is
 * lost: a ring of 256 entries, a logged slot of 1024 pages written whole,
 * twice (the reset write-protected every page again).  mvm: running again
 * without a reset exits at once; and the kernel's own writes stop at the
 * hard limit: with the ring full to the last entry (kvmclock's wall-clock
 * MSR, written with SET_MSRS into 256 pages) the next such write is not
 * made, and it is made once the ring was reset.
 */
#include "kselftest_harness.h"
#include "mvm_util.h"
#include "dirty_ring.h"
#include "irqchip.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define SLOT_GPA	(1ULL << 30)
#define PAGES		1024
#define SIZE		(PAGES * MVM_PAGE)
#define RING_BYTES	4096
#define MSR_WALL_CLOCK	0x4b564d00

static void guest_code(uint64_t base)
{
	for (uint64_t pass = 1;; pass++) {
		for (uint64_t i = 0; i < PAGES; i++)
			*(volatile uint64_t *)(base + i * 4096) = pass;
		GUEST_SYNC(pass);
	}
}

/* Run to GUEST_SYNC(pass), harvesting at each ring-full exit. */
static void pass_check(struct __test_metadata *_metadata, struct vm *vm,
		       struct vcpu *vcpu, uint64_t pass)
{
	uint64_t seen[PAGES / 64] = { 0 }, np[2] = { 0, PAGES };
	uint64_t *bm[2] = { NULL, seen };
	uint32_t fulls = 0, bad = 0, n;
	struct ucall uc;
	char what[512];
	int i;

	for (;;) {
		uint64_t c = vcpu_run_ucall(vcpu, &uc, what, sizeof(what));

		if (c == UCALL_SYNC)
			break;
		ASSERT_EQ((uint64_t)UCALL_NONE, c) TH_LOG("%s", what);
		ASSERT_EQ((int)VCPU_EXIT_DIRTY_RING_FULL, (int)vcpu->exit.reason)
			TH_LOG("%s", vcpu_exit_str(vcpu));
		fulls++;
		if (vm_is_mvm(vm) && fulls == 1) {
			/* Still full: no guest entry until the reset. */
			ASSERT_EQ(0, vcpu_run(vcpu));
			ASSERT_EQ((int)VCPU_EXIT_DIRTY_RING_FULL, (int)vcpu->exit.reason);
		}
		n = vcpu_ring_harvest(vcpu, bm, np, 2, &bad);
		ASSERT_GE(vm_ring_entries(vm), n);
		ASSERT_EQ((int)n, vm_ring_reset(vm));
	}
	ASSERT_EQ(pass, uc.args[0]);
	n = vcpu_ring_harvest(vcpu, bm, np, 2, &bad);
	ASSERT_EQ((int)n, vm_ring_reset(vm));
	ASSERT_EQ(0U, bad);
	for (i = 0; i < PAGES / 64 && seen[i] == ~0ULL; i++)
		;
	ASSERT_EQ(PAGES / 64, i) TH_LOG("pass %llu word %d",
					(unsigned long long)pass, i);
	/* 1024 pages, at most 256 entries between resets. */
	ASSERT_LE(PAGES / 256U, fulls);
	TH_LOG("pass %llu: %u ring-full exits", (unsigned long long)pass, fulls);
}

TEST(ring_full)
{
	uint64_t seen[PAGES / 64] = { 0 }, np[2] = { 0, PAGES };
	uint64_t *bm[2] = { NULL, seen };
	struct mvm_msr_entry e = { .index = MSR_WALL_CLOCK };
	uint32_t bad = 0, n;
	struct vcpu *vcpu;
	uint8_t *mem;
	struct vm *vm;

	VM_CREATE_RING_OR_SKIP(vm, vcpu, RING_BYTES);
	mem = mvm_mmap_anon(SIZE);
	ASSERT_NE(NULL, mem);
	vcpu_setup_long(vcpu, (void (*)(void))guest_code);
	vm_map_identity_2m(vm, SLOT_GPA, 4ULL << 20);
	vcpu_args_set(vcpu, 1, SLOT_GPA);
	ASSERT_EQ(0, vm_set_region(vm, 1, SLOT_GPA, SIZE, mem, VM_MEM_LOG_DIRTY));
	pass_check(_metadata, vm, vcpu, 1);
	pass_check(_metadata, vm, vcpu, 2);

	if (!vm_is_mvm(vm)) {
		/* The rule for the kernel's own writes is mvm's. */
		vm_free(vm);
		return;
	}
	if (!vm_has_kvmclock(vm)) {
		vm_free(vm);
		SKIP(return, "the hard limit of kernel writes needs kvmclock");
	}
	/* Each write a new page, one entry each: up to the last entry. */
	for (int i = 0; i < 256; i++) {
		e.data = SLOT_GPA + i * MVM_PAGE;
		ASSERT_EQ(1, vcpu_set_msrs(vcpu, &e, 1));
		ASSERT_EQ(2U, *(uint32_t *)(mem + i * MVM_PAGE));
	}
	/* Full: the write is not made (the MSR itself takes the value). */
	memset(mem + 256 * MVM_PAGE, 0xa5, 4);
	e.data = SLOT_GPA + 256 * MVM_PAGE;
	ASSERT_EQ(1, vcpu_set_msrs(vcpu, &e, 1));
	ASSERT_EQ(0xa5a5a5a5U, *(uint32_t *)(mem + 256 * MVM_PAGE));
	ASSERT_EQ(0, vcpu_run(vcpu));
	ASSERT_EQ((int)VCPU_EXIT_DIRTY_RING_FULL, (int)vcpu->exit.reason);
	ASSERT_EQ(256U, vcpu_ring_harvest(vcpu, bm, np, 2, &bad));
	ASSERT_EQ(0U, bad);
	ASSERT_EQ(~0ULL, seen[0]);
	ASSERT_EQ(~0ULL, seen[3]);
	ASSERT_EQ(0ULL, seen[4]);
	ASSERT_EQ(256, vm_ring_reset(vm));
	ASSERT_EQ(1, vcpu_set_msrs(vcpu, &e, 1));
	ASSERT_EQ(2U, *(uint32_t *)(mem + 256 * MVM_PAGE));
	n = vcpu_ring_harvest(vcpu, bm, np, 2, &bad);
	ASSERT_EQ(1U, n);
	ASSERT_EQ(1ULL, seen[4]);
	vm_free(vm);
}

TEST_HARNESS_MAIN

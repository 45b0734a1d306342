// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty ring holds exactly the pages the guest wrote, each in the ring
 * of the vCPU that wrote it.
 *
 * Slot 1 (4 MiB, over 4 KiB pages or THPs) is vCPU 0's: it writes every
 * page, logging comes on (the ring then stays empty), and in each of 100
 * rounds it writes a random set of pages; harvesting its ring must give
 * that set, no page missing and none extra.  Meanwhile vCPU 1, in its own
 * thread, keeps writing the pages of slot 2 (2 MiB) round and round: its
 * ring holds only slot 2's pages, and all of them in the end; it harvests
 * and resets whenever its ring fills (MVM_EXIT_DIRTY_RING_FULL), which may
 * reset vCPU 0's harvested entries too.  vCPU 0's ring never holds slot 2.
 */
#include "kselftest_harness.h"
#include "mvm_util.h"
#include "dirty_ring.h"
#include "dirty_test.h"
#include "test_vm.h"

#define SLOT_GPA	(1ULL << 30)
#define SIZE		(4ULL << 20)
#define ROUNDS		100
#define RING_BYTES	4096		/* 256 entries: vCPU 1 fills its ring */

FIXTURE(ring) { };
FIXTURE_VARIANT(ring) { bool thp; };
FIXTURE_VARIANT_ADD(ring, small) { .thp = false };
FIXTURE_VARIANT_ADD(ring, thp) { .thp = true };
FIXTURE_SETUP(ring) { }
FIXTURE_TEARDOWN(ring) { }

TEST_F(ring, exact_set)
{
	uint64_t np[3] = { 0, ROUND_PAGES, 0 }, got[ROUND_WORDS], want[ROUND_WORDS];
	uint64_t *bm[3] = { NULL, got, NULL };
	struct writer w = { 0 };
	struct vcpu *vcpu;
	uint32_t bad = 0;
	uint8_t *mem;
	struct vm *vm;
	char what[512];
	void *raw;
	int k;

	VM_CREATE_RING_OR_SKIP(vm, vcpu, RING_BYTES);
	srand(variant->thp ? 4 : 3);
	ASSERT_EQ(0, rounds_start(vm, vcpu, SLOT_GPA, variant->thp, &w, &raw,
				  &mem, what, sizeof(what))) TH_LOG("%s", what);
	/* The bitmap is not the log on a ring VM (both: ENXIO). */
	ASSERT_EQ(ENXIO, -vm_dirty_get(vm, WRITER_SLOT, got));

	/* On, on a slot mapped writable: nothing written since. */
	ASSERT_EQ(0, vm_set_region(vm, 1, SLOT_GPA, SIZE, mem, VM_MEM_LOG_DIRTY));
	memset(got, 0, sizeof(got));
	ASSERT_EQ(0U, vcpu_ring_harvest(vcpu, bm, np, 3, &bad));

	for (uint64_t round = 1; round <= ROUNDS; round++) {
		memset(got, 0, sizeof(got));
		round_pick(vm, want);
		ASSERT_SYNC(vcpu, round);
		ASSERT_TRUE(round_written(mem, round));
		/* Slot 2 in vCPU 0's ring counts as bad: npages 0 there. */
		vcpu_ring_harvest(vcpu, bm, np, 3, &bad);
		ASSERT_EQ(0U, bad);
		k = round_cmp(want, got);
		ASSERT_EQ(ROUND_WORDS, k)
			TH_LOG("round %llu word %d: wrote %016llx, ring %016llx",
			       (unsigned long long)round, k,
			       (unsigned long long)want[k % ROUND_WORDS],
			       (unsigned long long)got[k % ROUND_WORDS]);
		ASSERT_LE(0, vm_ring_reset(vm));
	}

	/* vCPU 1 wrote all of slot 2, and its ring held all of it, only it. */
	ASSERT_TRUE(writer_stop(vm, &w)) TH_LOG("vCPU 1: %s", w.what);
	ASSERT_EQ(0U, w.bad);
	for (k = 0; k < WRITER_PAGES / 64 && w.seen[k] == ~0ULL; k++)
		;
	ASSERT_EQ(WRITER_PAGES / 64, k) TH_LOG("slot 2 word %d: %016llx", k,
					       (unsigned long long)w.seen[k % 8]);
	/* 512 pages a pass, 192 entries to the soft limit. */
	ASSERT_LT(0U, w.fulls);
	TH_LOG("vCPU 1: %u ring-full exits", w.fulls);
	writer_free(&w);
	vm_free(vm);
	munmap(raw, SIZE + MVM_2M);
}

TEST_HARNESS_MAIN

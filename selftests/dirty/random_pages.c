// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty bitmap is exactly the set of pages the guest wrote.
 *
 * A 4 MiB slot, 2 MiB aligned in both address spaces, over 4 KiB pages or
 * transparent huge pages.  The guest first writes every page (so the slot
 * is mapped writable, with 2 MiB leaves over THPs), then logging is turned
 * on by a flags-only change of the slot: the first GET is empty.  In each
 * round the guest writes a random set of pages; GET must report that set,
 * no page missing and none extra, and the pages hold what the guest wrote.
 * Then logging goes off (mvm: back to 2 MiB mappings), the guest writes a
 * round unlogged, logging comes on again and the next rounds are exact too;
 * 100 logged rounds in all.  Meanwhile vCPU 1 keeps writing the pages of
 * slot 2 in a thread of its own (second_writer.h): slot 1's bitmap never
 * shows them, and slot 2's shows all of them in the end.
 */
#include "kselftest_harness.h"
#include "mvm_util.h"
#include "dirty_test.h"
#include "test_vm.h"

#define SLOT_GPA	(1ULL << 30)
#define SIZE		(4ULL << 20)
#define ROUNDS		96	/* then one unlogged, then 4 more */

FIXTURE(dirty) { };
FIXTURE_VARIANT(dirty) { bool thp; };
FIXTURE_VARIANT_ADD(dirty, small) { .thp = false };
FIXTURE_VARIANT_ADD(dirty, thp) { .thp = true };
FIXTURE_SETUP(dirty) { }
FIXTURE_TEARDOWN(dirty) { }

/* One round: a random set written, and GET must equal it. */
static void round_check(struct __test_metadata *_metadata, struct vm *vm,
			struct vcpu *vcpu, uint8_t *mem, uint64_t round, bool logged)
{
	uint64_t want[ROUND_WORDS], got[ROUND_WORDS];
	int w;

	round_pick(vm, want);
	ASSERT_SYNC(vcpu, round);
	ASSERT_TRUE(round_written(mem, round));
	if (!logged)
		return;
	memset(got, 0xa5, sizeof(got));
	ASSERT_EQ(0, vm_dirty_get(vm, 1, got));
	w = round_cmp(want, got);
	ASSERT_EQ(ROUND_WORDS, w)
		TH_LOG("round %llu word %d: wrote %016llx, reported %016llx",
		       (unsigned long long)round, w,
		       (unsigned long long)want[w % ROUND_WORDS],
		       (unsigned long long)got[w % ROUND_WORDS]);
}

TEST_F(dirty, exact_set)
{
	uint64_t got[ROUND_WORDS], round = 1, got2[WRITER_PAGES / 64];
	struct writer w = { 0 };
	struct vcpu *vcpu;
	struct vm *vm;
	uint8_t *mem;
	char what[512];
	void *raw;

	VM_CREATE_OR_SKIP(vm, vcpu);
	if (!vm_has_dirty_log(vm, false))
		SKIP(vm_free(vm); return, "no dirty logging");
	srand(variant->thp ? 2 : 1);
	ASSERT_EQ(0, rounds_start(vm, vcpu, SLOT_GPA, variant->thp, &w, &raw,
				  &mem, what, sizeof(what))) TH_LOG("%s", what);

	/* On, on a slot mapped writable: nothing written since. */
	ASSERT_EQ(0, vm_set_region(vm, 1, SLOT_GPA, SIZE, mem, VM_MEM_LOG_DIRTY));
	ASSERT_EQ(0, vm_dirty_get(vm, 1, got));
	for (int w = 0; w < ROUND_WORDS; w++)
		ASSERT_EQ(0ULL, got[w]);
	for (; round <= ROUNDS; round++)
		round_check(_metadata, vm, vcpu, mem, round, true);

	/* Off (the mappings go back to 2 MiB), a round unlogged, on again. */
	ASSERT_EQ(0, vm_set_region(vm, 1, SLOT_GPA, SIZE, mem, 0));
	ASSERT_EQ(ENOENT, -vm_dirty_get(vm, 1, got));
	round_check(_metadata, vm, vcpu, mem, round++, false);
	ASSERT_EQ(0, vm_set_region(vm, 1, SLOT_GPA, SIZE, mem, VM_MEM_LOG_DIRTY));
	for (int i = 0; i < 4; i++)
		round_check(_metadata, vm, vcpu, mem, round++, true);

	ASSERT_TRUE(writer_stop(vm, &w)) TH_LOG("vCPU 1: %s", w.what);
	ASSERT_EQ(0, vm_dirty_get(vm, WRITER_SLOT, got2));
	for (int i = 0; i < WRITER_PAGES / 64; i++)
		ASSERT_EQ(~0ULL, got2[i]);
	writer_free(&w);
	vm_free(vm);
	munmap(raw, SIZE + MVM_2M);
}

TEST_HARNESS_MAIN

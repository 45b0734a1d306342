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
 * round unlogged, logging comes on again and the next round is exact too.
 */
#include "kselftest_harness.h"
#include "mvm_util.h"
#include "test_vm.h"

#define SLOT_GPA	(1ULL << 30)
#define SIZE		(4ULL << 20)
#define PAGES		(SIZE / MVM_PAGE)
#define WORDS		(PAGES / 64)
#define MAXW		64
#define ROUNDS		8

static uint32_t list[MAXW], nlist;

static void guest_code(uint64_t base)
{
	for (uint64_t i = 0; i < PAGES; i++)
		*(volatile uint64_t *)(base + i * 4096) = ~0ULL;
	GUEST_SYNC(0);
	for (uint64_t round = 1;; round++) {
		uint32_t n = *(volatile uint32_t *)&nlist;

		for (uint32_t i = 0; i < n; i++) {
			uint32_t pg = ((volatile uint32_t *)list)[i];

			*(volatile uint64_t *)(base + pg * 4096ULL + (pg % 512) * 8) = round;
		}
		GUEST_SYNC(round);
	}
}

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
	uint64_t want[WORDS] = { 0 }, got[WORDS];
	int w;

	nlist = 1 + rand() % MAXW;
	for (uint32_t i = 0; i < nlist; i++) {
		list[i] = rand() % PAGES;
		want[list[i] / 64] |= 1ULL << (list[i] % 64);
	}
	sync_global_to_guest(vm, list);
	sync_global_to_guest(vm, nlist);
	ASSERT_SYNC(vcpu, round);
	for (uint32_t i = 0; i < nlist; i++)
		ASSERT_EQ(round, *(uint64_t *)(mem + list[i] * MVM_PAGE +
					       (list[i] % 512) * 8));
	if (!logged)
		return;
	memset(got, 0xa5, sizeof(got));
	ASSERT_EQ(0, vm_dirty_get(vm, 1, got));
	for (w = 0; w < (int)WORDS && want[w] == got[w]; w++)
		;
	ASSERT_EQ((int)WORDS, w)
		TH_LOG("round %llu word %d: wrote %016llx, reported %016llx",
		       (unsigned long long)round, w,
		       (unsigned long long)want[w % WORDS],
		       (unsigned long long)got[w % WORDS]);
}

TEST_F(dirty, exact_set)
{
	uint64_t got[WORDS], round = 1;
	struct vcpu *vcpu;
	struct vm *vm;
	uint8_t *raw, *mem;

	VM_CREATE_OR_SKIP(vm, vcpu);
	if (!vm_has_dirty_log(vm, false))
		SKIP(vm_free(vm); return, "no dirty logging");
	raw = mmap(NULL, SIZE + MVM_2M, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, raw);
	mem = (uint8_t *)(((uintptr_t)raw + MVM_2M - 1) & ~(MVM_2M - 1));
	ASSERT_EQ(0, madvise(mem, SIZE, variant->thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE));
	memset(mem, 1, SIZE);
	srand(variant->thp ? 2 : 1);

	vcpu_setup_long(vcpu, (void (*)(void))guest_code);
	vm_map_identity_2m(vm, SLOT_GPA, SIZE);
	vcpu_args_set(vcpu, 1, SLOT_GPA);
	ASSERT_EQ(0, vm_set_region(vm, 1, SLOT_GPA, SIZE, mem, 0));
	ASSERT_SYNC(vcpu, 0);

	/* On, on a slot mapped writable: nothing written since. */
	ASSERT_EQ(0, vm_set_region(vm, 1, SLOT_GPA, SIZE, mem, VM_MEM_LOG_DIRTY));
	ASSERT_EQ(0, vm_dirty_get(vm, 1, got));
	for (int w = 0; w < (int)WORDS; w++)
		ASSERT_EQ(0ULL, got[w]);
	for (; round <= ROUNDS; round++)
		round_check(_metadata, vm, vcpu, mem, round, true);

	/* Off (the mappings go back to 2 MiB), a round unlogged, on again. */
	ASSERT_EQ(0, vm_set_region(vm, 1, SLOT_GPA, SIZE, mem, 0));
	ASSERT_EQ(ENOENT, -vm_dirty_get(vm, 1, got));
	round_check(_metadata, vm, vcpu, mem, round++, false);
	ASSERT_EQ(0, vm_set_region(vm, 1, SLOT_GPA, SIZE, mem, VM_MEM_LOG_DIRTY));
	for (int i = 0; i < 3; i++)
		round_check(_metadata, vm, vcpu, mem, round++, true);

	vm_free(vm);
	munmap(raw, SIZE + MVM_2M);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Manual protection (MVM_DIRTY_LOG_MANUAL_PROTECT; KVM's
 * KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2): GET reports without clearing or
 * protecting, CLEAR clears and protects only the pages it names.
 *
 * A slot of 200 pages (its last word has 8).  The guest writes them all:
 * two GETs report all 200.  CLEAR of pages 0-63 and of the tail 192-199
 * (a range that may end unaligned at the slot's end): GET reports the
 * others only.  The guest writes pages 5, 70 and 195: 5 and 195 (cleared,
 * so protected again) are back, 70 never left.  A CLEAR of everything
 * empties the bitmap, and a write to page 70 alone shows page 70 alone.
 */
#include "kselftest_harness.h"
#include "mvm_util.h"
#include "test_vm.h"

#define SLOT_GPA	(1ULL << 30)
#define PAGES		200
#define WORDS		4
#define MAXW		PAGES

static uint32_t list[MAXW], nlist;

static void guest_code(uint64_t base)
{
	for (uint64_t round = 1;; round++) {
		uint32_t n = *(volatile uint32_t *)&nlist;

		for (uint32_t i = 0; i < n; i++)
			*(volatile uint64_t *)(base + ((volatile uint32_t *)list)[i] * 4096ULL) = round;
		GUEST_SYNC(round);
	}
}

static void bits_set(uint64_t *bm, uint32_t lo, uint32_t hi)
{
	for (uint32_t p = lo; p < hi; p++)
		bm[p / 64] |= 1ULL << (p % 64);
}

/* The bitmap GET reports equals @want. */
#define ASSERT_LOG(vm, want) do {					\
	uint64_t __got[WORDS];						\
	int __w;							\
	memset(__got, 0xa5, sizeof(__got));				\
	ASSERT_EQ(0, vm_dirty_get((vm), 1, __got));			\
	for (__w = 0; __w < WORDS && __got[__w] == (want)[__w]; __w++)	\
		;							\
	ASSERT_EQ(WORDS, __w) TH_LOG("word %d: want %016llx got %016llx", \
		__w, (unsigned long long)(want)[__w % WORDS],		\
		(unsigned long long)__got[__w % WORDS]);		\
} while (0)

TEST(manual_protect)
{
	uint64_t want[WORDS] = { 0 }, clr[WORDS], round = 1;
	struct vcpu *vcpu;
	struct vm *vm;
	void *mem;

	VM_CREATE_OR_SKIP(vm, vcpu);
	if (!vm_has_dirty_log(vm, true))
		SKIP(vm_free(vm); return, "no manual dirty-log protection");
	ASSERT_EQ(0, vm_dirty_manual(vm, true));
	mem = mvm_mmap_anon(PAGES * MVM_PAGE);
	ASSERT_NE(NULL, mem);
	vcpu_setup_long(vcpu, (void (*)(void))guest_code);
	vm_map_identity_2m(vm, SLOT_GPA, MVM_2M);
	vcpu_args_set(vcpu, 1, SLOT_GPA);
	ASSERT_EQ(0, vm_set_region(vm, 1, SLOT_GPA, PAGES * MVM_PAGE, mem,
				   VM_MEM_LOG_DIRTY));

	for (nlist = 0; nlist < PAGES; nlist++)
		list[nlist] = nlist;
	sync_global_to_guest(vm, list);
	sync_global_to_guest(vm, nlist);
	ASSERT_SYNC(vcpu, round++);
	bits_set(want, 0, PAGES);
	ASSERT_LOG(vm, want);
	ASSERT_LOG(vm, want);		/* GET cleared nothing */

	memset(clr, 0xff, sizeof(clr));
	ASSERT_EQ(0, vm_dirty_clear(vm, 1, 0, 64, clr));
	ASSERT_EQ(0, vm_dirty_clear(vm, 1, 192, 8, clr));
	memset(want, 0, sizeof(want));
	bits_set(want, 64, 192);
	ASSERT_LOG(vm, want);

	nlist = 3;
	list[0] = 5;
	list[1] = 70;
	list[2] = 195;
	sync_global_to_guest(vm, list);
	sync_global_to_guest(vm, nlist);
	ASSERT_SYNC(vcpu, round++);
	bits_set(want, 5, 6);
	bits_set(want, 195, 196);
	ASSERT_LOG(vm, want);

	ASSERT_EQ(0, vm_dirty_clear(vm, 1, 0, PAGES, clr));
	memset(want, 0, sizeof(want));
	ASSERT_LOG(vm, want);
	nlist = 1;
	sync_global_to_guest(vm, nlist);
	list[0] = 70;
	sync_global_to_guest(vm, list);
	ASSERT_SYNC(vcpu, round++);
	bits_set(want, 70, 71);
	ASSERT_LOG(vm, want);
	ASSERT_EQ(round - 1, *(uint64_t *)((char *)mem + 70 * MVM_PAGE));
	vm_free(vm);
	munmap(mem, PAGES * MVM_PAGE);
}

TEST_HARNESS_MAIN

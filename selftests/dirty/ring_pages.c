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
#include <pthread.h>

#include "kselftest_harness.h"
#include "mvm_util.h"
#include "dirty_ring.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define SLOT_GPA	(1ULL << 30)
#define SIZE		(4ULL << 20)
#define PAGES		(SIZE / MVM_PAGE)
#define WORDS		(PAGES / 64)
#define GPA2		(SLOT_GPA + (8ULL << 20))
#define PAGES2		512
#define MAXW		64
#define ROUNDS		100
#define RING_BYTES	4096		/* 256 entries: vCPU 1 fills its ring */

static uint32_t list[MAXW], nlist;
static volatile uint32_t stop;
static volatile uint64_t passes;

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

/* vCPU 1: slot 2, page after page, until told to stop. */
static void guest_writer(uint64_t base)
{
	for (uint64_t v = 1; !stop; v++) {
		for (uint64_t i = 0; i < PAGES2; i++)
			*(volatile uint64_t *)(base + i * 4096) = v;
		passes = v;
	}
	GUEST_DONE();
}

struct writer {
	struct vcpu *vcpu;
	uint64_t seen[PAGES2 / 64];	/* slot 2 pages its ring held */
	uint32_t bad, fulls;
	bool done;
	char what[512];
};

static const uint64_t npages[3] = { 0, 0, PAGES2 };

/* No harness ASSERT_* in this thread: it would abort from a non-test thread. */
static void *run_writer(void *arg)
{
	struct writer *w = arg;
	uint64_t *bm[3] = { NULL, NULL, w->seen };
	struct ucall uc;

	for (;;) {
		uint64_t c = vcpu_run_ucall(w->vcpu, &uc, w->what, sizeof(w->what));

		if (c == UCALL_DONE)
			break;
		if (c != UCALL_NONE ||
		    w->vcpu->exit.reason != VCPU_EXIT_DIRTY_RING_FULL)
			return NULL;
		w->fulls++;
		vcpu_ring_harvest(w->vcpu, bm, npages, 3, &w->bad);
		if (vm_ring_reset(w->vcpu->vm) < 0)
			return NULL;
	}
	vcpu_ring_harvest(w->vcpu, bm, npages, 3, &w->bad);
	w->done = true;
	return NULL;
}

FIXTURE(ring) { };
FIXTURE_VARIANT(ring) { bool thp; };
FIXTURE_VARIANT_ADD(ring, small) { .thp = false };
FIXTURE_VARIANT_ADD(ring, thp) { .thp = true };
FIXTURE_SETUP(ring) { }
FIXTURE_TEARDOWN(ring) { }

static void *slot_mem(size_t size, bool thp, void **raw)
{
	uint8_t *p = mmap(NULL, size + MVM_2M, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	*raw = p;
	p = (uint8_t *)(((uintptr_t)p + MVM_2M - 1) & ~(MVM_2M - 1));
	if (madvise(p, size, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		return NULL;
	memset(p, 1, size);
	return p;
}

TEST_F(ring, exact_set)
{
	uint64_t n0[3] = { 0, PAGES, PAGES2 }, got[WORDS], want[WORDS];
	uint64_t *bm[3] = { NULL, got, NULL };
	struct writer w = { 0 };
	struct vcpu *vcpu;
	uint8_t *mem, *mem2;
	void *raw, *raw2;
	uint32_t bad = 0;
	pthread_t t;
	int k;
	struct vm *vm;

	VM_CREATE_RING_OR_SKIP(vm, vcpu, RING_BYTES);
	mem = slot_mem(SIZE, variant->thp, &raw);
	mem2 = slot_mem(PAGES2 * MVM_PAGE, variant->thp, &raw2);
	ASSERT_NE(NULL, mem);
	ASSERT_NE(NULL, mem2);
	srand(variant->thp ? 4 : 3);

	vcpu_setup_long(vcpu, (void (*)(void))guest_code);
	vm_map_identity_2m(vm, SLOT_GPA, SIZE);
	vm_map_identity_2m(vm, GPA2, PAGES2 * MVM_PAGE);
	vcpu_args_set(vcpu, 1, SLOT_GPA);
	ASSERT_EQ(0, vm_set_region(vm, 1, SLOT_GPA, SIZE, mem, 0));
	ASSERT_EQ(0, vm_set_region(vm, 2, GPA2, PAGES2 * MVM_PAGE, mem2,
				   VM_MEM_LOG_DIRTY));
	ASSERT_SYNC(vcpu, 0);
	/* The bitmap is not the log on a ring VM (both: ENXIO). */
	ASSERT_EQ(ENXIO, -vm_dirty_get(vm, 2, got));

	w.vcpu = vm_add_vcpu(vm, 1, (void (*)(void))guest_writer);
	vcpu_args_set(w.vcpu, 1, GPA2);
	ASSERT_EQ(0, pthread_create(&t, NULL, run_writer, &w));

	/* On, on a slot mapped writable: nothing written since. */
	ASSERT_EQ(0, vm_set_region(vm, 1, SLOT_GPA, SIZE, mem, VM_MEM_LOG_DIRTY));
	memset(got, 0, sizeof(got));
	ASSERT_EQ(0U, vcpu_ring_harvest(vcpu, bm, n0, 3, &bad));

	for (uint64_t round = 1; round <= ROUNDS; round++) {
		memset(want, 0, sizeof(want));
		memset(got, 0, sizeof(got));
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
		/* Slot 2 in vCPU 0's ring counts as bad: npages 0 there. */
		vcpu_ring_harvest(vcpu, bm, (uint64_t[3]){ 0, PAGES, 0 }, 3, &bad);
		ASSERT_EQ(0U, bad);
		for (k = 0; k < (int)WORDS && want[k] == got[k]; k++)
			;
		ASSERT_EQ((int)WORDS, k)
			TH_LOG("round %llu word %d: wrote %016llx, ring %016llx",
			       (unsigned long long)round, k,
			       (unsigned long long)want[k % WORDS],
			       (unsigned long long)got[k % WORDS]);
		ASSERT_LE(0, vm_ring_reset(vm));
	}

	/* vCPU 1 wrote all of slot 2 at least once since logging began. */
	while (!*(volatile uint64_t *)vcpu_gva_hva(vcpu, (uint64_t)&passes))
		mvm_sleep_ms(10);
	*(volatile uint32_t *)vcpu_gva_hva(vcpu, (uint64_t)&stop) = 1;
	pthread_join(t, NULL);
	ASSERT_TRUE(w.done) TH_LOG("vCPU 1: %s", w.what);
	ASSERT_EQ(0U, w.bad);
	for (k = 0; k < PAGES2 / 64 && w.seen[k] == ~0ULL; k++)
		;
	ASSERT_EQ(PAGES2 / 64, k) TH_LOG("slot 2 word %d: %016llx", k,
					 (unsigned long long)w.seen[k % 8]);
	/* 512 pages a pass, 192 entries to the soft limit. */
	ASSERT_LT(0U, w.fulls);
	TH_LOG("vCPU 1: %u ring-full exits", w.fulls);

	vm_free_vcpu(w.vcpu);
	vm_free(vm);
	munmap(raw, SIZE + MVM_2M);
	munmap(raw2, PAGES2 * MVM_PAGE + MVM_2M);
}

TEST_HARNESS_MAIN

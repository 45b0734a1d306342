/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the dirty tests share.
 *
 * Rounds: vCPU 0 runs guest_rounds() on a 4 MiB slot (ROUND_PAGES pages):
 * it writes every page, GUEST_SYNC(0), then in each round the random set
 * of pages round_pick() chose (each page gets the round number at an
 * offset of its own), GUEST_SYNC(round).  round_cmp() compares two sets.
 * rounds_start() sets that up, runs to GUEST_SYNC(0) and starts vCPU 1.
 *
 * Small slots: small_slot() maps a few pages of slot 1 at SMALL_GPA for a
 * 64-bit guest function of the test, logged, with RDI = SMALL_GPA.
 *
 * The second vCPU: in a thread of its own it writes the
 * pages of a slot of its own (WRITER_PAGES pages at WRITER_GPA), page
 * after page, round and round, while vCPU 0 runs the test, until
 * writer_stop().  On a ring VM it harvests its own ring at each ring-full
 * exit (noting which pages it found there; any other slot's page is bad)
 * and resets the rings, which may reset vCPU 0's harvested entries too.
 */
#ifndef MVM_SELFTEST_DIRTY_TEST_H
#define MVM_SELFTEST_DIRTY_TEST_H

#include <pthread.h>

#include "mvm_util.h"
#include "dirty_ring.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define ROUND_PAGES	1024
#define ROUND_WORDS	(ROUND_PAGES / 64)
#define ROUND_MAX	64		/* pages written in a round, at most */

#define DIRTY_UNUSED	__attribute__((unused))

static uint32_t round_list[ROUND_MAX] DIRTY_UNUSED, round_n DIRTY_UNUSED;

static inline void guest_rounds(uint64_t base)
{
	for (uint64_t i = 0; i < ROUND_PAGES; i++)
		*(volatile uint64_t *)(base + i * 4096) = ~0ULL;
	GUEST_SYNC(0);
	for (uint64_t round = 1;; round++) {
		uint32_t n = *(volatile uint32_t *)&round_n;

		for (uint32_t i = 0; i < n; i++) {
			uint32_t pg = ((volatile uint32_t *)round_list)[i];

			*(volatile uint64_t *)(base + pg * 4096ULL + (pg % 512) * 8) = round;
		}
		GUEST_SYNC(round);
	}
}

/* The next round's pages, into the guest and into @want (zeroed here). */
static inline void round_pick(struct vm *vm, uint64_t want[ROUND_WORDS])
{
	memset(want, 0, ROUND_WORDS * sizeof(*want));
	round_n = 1 + rand() % ROUND_MAX;
	for (uint32_t i = 0; i < round_n; i++) {
		round_list[i] = rand() % ROUND_PAGES;
		want[round_list[i] / 64] |= 1ULL << (round_list[i] % 64);
	}
	sync_global_to_guest(vm, round_list);
	sync_global_to_guest(vm, round_n);
}

/* Did round @round's pages get the guest's writes (slot memory @mem)? */
static inline bool round_written(const uint8_t *mem, uint64_t round)
{
	for (uint32_t i = 0; i < round_n; i++) {
		uint32_t pg = round_list[i];

		if (*(const uint64_t *)(mem + pg * MVM_PAGE + (pg % 512) * 8) != round)
			return false;
	}
	return true;
}

/* The first word where the sets differ, or ROUND_WORDS. */
static inline int round_cmp(const uint64_t *a, const uint64_t *b)
{
	int w;

	for (w = 0; w < ROUND_WORDS && a[w] == b[w]; w++)
		;
	return w;
}

#define WRITER_SLOT	2
#define WRITER_GPA	((1ULL << 30) + (8ULL << 20))
#define WRITER_PAGES	512

static volatile uint32_t writer_halt DIRTY_UNUSED;
static volatile uint64_t writer_passes DIRTY_UNUSED;

static inline void guest_writer(uint64_t base)
{
	for (uint64_t v = 1; !writer_halt; v++) {
		for (uint64_t i = 0; i < WRITER_PAGES; i++)
			*(volatile uint64_t *)(base + i * 4096) = v;
		writer_passes = v;
	}
	GUEST_DONE();
}

struct writer {
	struct vcpu *vcpu;
	pthread_t thread;
	void *raw;
	uint64_t seen[WRITER_PAGES / 64];	/* pages its ring held */
	uint32_t bad, fulls;
	bool done;
	char what[512];
};

/* No harness ASSERT_* in this thread: it would abort from a non-test thread. */
static inline void *writer_run(void *arg)
{
	static const uint64_t np[WRITER_SLOT + 1] = { [WRITER_SLOT] = WRITER_PAGES };
	struct writer *w = arg;
	uint64_t *bm[WRITER_SLOT + 1] = { [WRITER_SLOT] = w->seen };
	struct ucall uc;

	for (;;) {
		uint64_t c = vcpu_run_ucall(w->vcpu, &uc, w->what, sizeof(w->what));

		if (c == UCALL_DONE)
			break;
		if (c != UCALL_NONE || !w->vcpu->ring ||
		    w->vcpu->exit.reason != VCPU_EXIT_DIRTY_RING_FULL)
			return NULL;
		w->fulls++;
		vcpu_ring_harvest(w->vcpu, bm, np, WRITER_SLOT + 1, &w->bad);
		if (vm_ring_reset(w->vcpu->vm) < 0)
			return NULL;
	}
	if (w->vcpu->ring)
		vcpu_ring_harvest(w->vcpu, bm, np, WRITER_SLOT + 1, &w->bad);
	w->done = true;
	return NULL;
}

/*
 * Slot memory, 2 MiB aligned, over THPs or 4 KiB pages, all written; *raw
 * is the mapping to unmap (size + 2 MiB).  NULL on failure.
 */
static inline void *dirty_slot_mem(size_t size, bool thp, void **raw)
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

/* vCPU 1 on a logged slot 2 (THP-backed or not), running: 0 or -errno. */
static inline int writer_start(struct vm *vm, struct writer *w, bool thp)
{
	size_t size = WRITER_PAGES * MVM_PAGE;
	void *p = dirty_slot_mem(size, thp, &w->raw);
	int r;

	if (!p)
		return -ENOMEM;
	r = vm_set_region(vm, WRITER_SLOT, WRITER_GPA, size, p, VM_MEM_LOG_DIRTY);
	if (r)
		return r;
	vm_map_identity_2m(vm, WRITER_GPA, size);
	w->vcpu = vm_add_vcpu(vm, 1, (void (*)(void))guest_writer);
	vcpu_args_set(w->vcpu, 1, WRITER_GPA);
	return -pthread_create(&w->thread, NULL, writer_run, w);
}

/*
 * Once it has written every page at least once: tell it to stop, and
 * wait.  True when it ended as it should (w->done).
 */
static inline bool writer_stop(struct vm *vm, struct writer *w)
{
	while (!*(volatile uint64_t *)vcpu_gva_hva(vm->vcpu, (uint64_t)&writer_passes))
		mvm_sleep_ms(10);
	*(volatile uint32_t *)vcpu_gva_hva(vm->vcpu, (uint64_t)&writer_halt) = 1;
	pthread_join(w->thread, NULL);
	return w->done;
}

static inline void writer_free(struct writer *w)
{
	vm_free_vcpu(w->vcpu);
	munmap(w->raw, WRITER_PAGES * MVM_PAGE + MVM_2M);
}

/*
 * vCPU 0 on guest_rounds() over a 4 MiB slot 1 at @gpa (not logged yet,
 * every page written), vCPU 1 running: 0, or -1 (*@what says why).
 */
static inline int rounds_start(struct vm *vm, struct vcpu *vcpu, uint64_t gpa,
			bool thp, struct writer *w, void **raw, uint8_t **mem,
			char *what, size_t n)
{
	struct ucall uc;

	*mem = dirty_slot_mem(ROUND_PAGES * MVM_PAGE, thp, raw);
	if (!*mem) {
		snprintf(what, n, "slot memory");
		return -1;
	}
	vcpu_setup_long(vcpu, (void (*)(void))guest_rounds);
	vm_map_identity_2m(vm, gpa, ROUND_PAGES * MVM_PAGE);
	vcpu_args_set(vcpu, 1, gpa);
	if (vm_set_region(vm, 1, gpa, ROUND_PAGES * MVM_PAGE, *mem, 0)) {
		snprintf(what, n, "slot 1");
		return -1;
	}
	if (vcpu_run_ucall(vcpu, &uc, what, n) != UCALL_SYNC || uc.args[0])
		return -1;
	if (writer_start(vm, w, thp)) {
		snprintf(what, n, "vCPU 1");
		return -1;
	}
	return 0;
}

#define SMALL_GPA	(1ULL << 30)

/* @pages pages of logged slot 1 for guest @fn(SMALL_GPA): their memory. */
static inline uint8_t *small_slot(struct vm *vm, struct vcpu *vcpu, void *fn,
				  int pages)
{
	uint8_t *mem = mvm_mmap_anon(pages * MVM_PAGE);

	if (!mem)
		return NULL;
	vcpu_setup_long(vcpu, (void (*)(void))fn);
	for (int i = 0; i < pages; i++)
		vm_map(vm, SMALL_GPA + i * MVM_PAGE, SMALL_GPA + i * MVM_PAGE);
	vcpu_args_set(vcpu, 1, SMALL_GPA);
	if (vm_set_region(vm, 1, SMALL_GPA, pages * MVM_PAGE, mem,
			  VM_MEM_LOG_DIRTY))
		return NULL;
	return mem;
}

#endif /* MVM_SELFTEST_DIRTY_TEST_H */

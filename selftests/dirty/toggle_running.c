// SPDX-License-Identifier: GPL-2.0
/*
 * Logging turned on and off while the vCPU runs.
 *
 * The guest writes its pass number into every page of a 2 MiB slot, pass
 * after pass, and syncs after each.  Meanwhile another thread turns
 * logging on, reads the bitmap and turns it off again, 40 times.  At every
 * sync each page must hold that pass's number (no write lost, no page
 * remapped to other memory).  At the end logging stays on: after a GET,
 * one whole pass must show every page dirty (every write after the GET is
 * seen, whatever the toggling left behind), and a GET after a pass with
 * the guest only reading, none.
 */
#include <pthread.h>

#include "kselftest_harness.h"
#include "mvm_util.h"
#include "test_vm.h"

#define SLOT_GPA	(1ULL << 30)
#define SIZE		(2ULL << 20)
#define PAGES		(SIZE / MVM_PAGE)
#define WORDS		(PAGES / 64)
#define TOGGLES		40

static uint64_t read_only;

static void guest_code(uint64_t base)
{
	for (uint64_t pass = 1;; pass++) {
		for (uint64_t i = 0; i < PAGES; i++) {
			volatile uint64_t *p = (volatile uint64_t *)(base + i * 4096);

			if (*(volatile uint64_t *)&read_only)
				(void)*p;
			else
				*p = pass;
		}
		GUEST_SYNC(pass);
	}
}

struct toggler {
	struct vm *vm;
	void *mem;
	volatile int done;
	int err;
	uint64_t seen;		/* dirty pages GET reported while toggling */
};

static void *toggle(void *arg)
{
	struct toggler *t = arg;
	uint64_t bm[WORDS];

	for (int i = 0; i < TOGGLES && !t->err; i++) {
		t->err = vm_set_region(t->vm, 1, SLOT_GPA, SIZE, t->mem, VM_MEM_LOG_DIRTY);
		mvm_sleep_ms(2);
		if (!t->err)
			t->err = vm_dirty_get(t->vm, 1, bm);
		for (int w = 0; w < (int)WORDS; w++)
			t->seen += __builtin_popcountll(bm[w]);
		if (!t->err && i + 1 < TOGGLES)
			t->err = vm_set_region(t->vm, 1, SLOT_GPA, SIZE, t->mem, 0);
		mvm_sleep_ms(1);
	}
	t->done = 1;
	return NULL;
}

TEST(toggle_running)
{
	struct toggler t = { 0 };
	uint64_t bm[WORDS], pass = 1, *mem;
	struct vcpu *vcpu;
	pthread_t th;
	int w, bad;

	VM_CREATE_OR_SKIP(t.vm, vcpu);
	if (!vm_has_dirty_log(t.vm, false))
		SKIP(vm_free(t.vm); return, "no dirty logging");
	mem = t.mem = mvm_mmap_anon(SIZE);
	ASSERT_NE(NULL, mem);
	vcpu_setup_long(vcpu, (void (*)(void))guest_code);
	vm_map_identity_2m(t.vm, SLOT_GPA, SIZE);
	vcpu_args_set(vcpu, 1, SLOT_GPA);
	ASSERT_EQ(0, vm_set_region(t.vm, 1, SLOT_GPA, SIZE, mem, 0));

	ASSERT_EQ(0, pthread_create(&th, NULL, toggle, &t));
	do {
		ASSERT_SYNC(vcpu, pass);
		for (bad = 0, w = 0; w < (int)PAGES; w++)
			bad += mem[w * 512] != pass;
		ASSERT_EQ(0, bad) TH_LOG("pass %llu: %d pages lost the write",
					 (unsigned long long)pass, bad);
		pass++;
	} while (!t.done);
	pthread_join(th, NULL);
	ASSERT_EQ(0, t.err) TH_LOG("toggler: %s", strerror(-t.err));
	TH_LOG("%llu passes, %llu dirty pages reported while toggling",
	       (unsigned long long)pass - 1, (unsigned long long)t.seen);

	/* Logging is on: a GET, one whole pass, every page dirty. */
	ASSERT_EQ(0, vm_dirty_get(t.vm, 1, bm));
	ASSERT_SYNC(vcpu, pass);
	pass++;
	ASSERT_EQ(0, vm_dirty_get(t.vm, 1, bm));
	for (w = 0; w < (int)WORDS && bm[w] == ~0ULL; w++)
		;
	ASSERT_EQ((int)WORDS, w) TH_LOG("word %d: %016llx", w,
					(unsigned long long)bm[w % WORDS]);
	/* A reading pass: nothing. */
	read_only = 1;
	sync_global_to_guest(t.vm, read_only);
	ASSERT_SYNC(vcpu, pass);
	ASSERT_EQ(0, vm_dirty_get(t.vm, 1, bm));
	for (w = 0; w < (int)WORDS && !bm[w]; w++)
		;
	ASSERT_EQ((int)WORDS, w);
	vm_free(t.vm);
	munmap(mem, SIZE);
}

TEST_HARNESS_MAIN

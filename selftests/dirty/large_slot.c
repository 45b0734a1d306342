// SPDX-License-Identifier: GPL-2.0
/*
 * Logging on a 4 GiB slot (64 of mvm's 64 MiB chunks): the guest writes
 * one page every 32 MiB (128 pages, one in each half of every chunk);
 * logging goes on over those writable mappings, the guest writes them
 * again, and GET must report exactly those 128 pages of the slot's
 * 1,048,576.  Prints how long turning logging on, the GET and turning it
 * off took (figures: compare mvm's and KVM's from one test-host boot).
 */
#include <time.h>

#include "kselftest_harness.h"
#include "mvm_util.h"
#include "test_vm.h"

#define SLOT_GPA	(1ULL << 30)
#define SIZE		(4ULL << 30)
#define PAGES		(SIZE / MVM_PAGE)
#define WORDS		(PAGES / 64)
#define STRIDE		(32ULL << 20)
#define NR		(SIZE / STRIDE)

static void guest_code(uint64_t base)
{
	for (uint64_t round = 1;; round++) {
		for (uint64_t i = 0; i < NR; i++)
			*(volatile uint64_t *)(base + i * STRIDE + (i % 512) * 4096) = round;
		GUEST_SYNC(round);
	}
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

TEST(large_slot)
{
	double t0, t_on, t_get, t_off;
	struct vcpu *vcpu;
	struct vm *vm;
	uint64_t *bm, page;
	uint8_t *mem;
	int bad = 0;

	VM_CREATE_OR_SKIP(vm, vcpu);
	if (!vm_has_dirty_log(vm, false))
		SKIP(vm_free(vm); return, "no dirty logging");
	mem = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_EQ(0, madvise(mem, SIZE, MADV_NOHUGEPAGE));
	bm = calloc(WORDS, sizeof(*bm));
	ASSERT_NE(NULL, bm);
	vcpu_setup_long(vcpu, (void (*)(void))guest_code);
	vm_map_identity_2m(vm, SLOT_GPA, SIZE);
	vcpu_args_set(vcpu, 1, SLOT_GPA);
	ASSERT_EQ(0, vm_set_region(vm, 1, SLOT_GPA, SIZE, mem, 0));
	ASSERT_SYNC(vcpu, 1);

	t0 = now_ms();
	ASSERT_EQ(0, vm_set_region(vm, 1, SLOT_GPA, SIZE, mem, VM_MEM_LOG_DIRTY));
	t_on = now_ms() - t0;
	ASSERT_SYNC(vcpu, 2);
	t0 = now_ms();
	ASSERT_EQ(0, vm_dirty_get(vm, 1, bm));
	t_get = now_ms() - t0;
	for (uint64_t w = 0; w < WORDS; w++) {
		for (int b = 0; b < 64; b++) {
			page = w * 64 + b;
			bad += !!(bm[w] >> b & 1) !=
			       (page % (STRIDE / MVM_PAGE) == (page / (STRIDE / MVM_PAGE)) % 512);
		}
	}
	ASSERT_EQ(0, bad) TH_LOG("%d pages reported wrongly", bad);
	t0 = now_ms();
	ASSERT_EQ(0, vm_set_region(vm, 1, SLOT_GPA, SIZE, mem, 0));
	t_off = now_ms() - t0;
	ASSERT_SYNC(vcpu, 3);
	ASSERT_EQ(3ULL, *(uint64_t *)(mem + (NR - 1) * STRIDE + ((NR - 1) % 512) * MVM_PAGE));
	TH_LOG("%s, 4 GiB slot, 128 pages mapped: logging on %.2f ms, GET %.2f ms, off %.2f ms",
	       vm_hv_name(vm), t_on, t_get, t_off);
	vm_free(vm);
	free(bm);
	munmap(mem, SIZE);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * mvm's fault-ahead (kmod/fault_ahead.c): where it faults host memory in,
 * and where it must not.
 *
 * Two slots, both without THP so that every 4 KiB page shows on its own in
 * mincore(): slot 1 over a memfd (shared memory, which fault-ahead leaves
 * alone), slot 2 over anonymous memory.  The guest writes the first
 * BLOCKS 2 MiB blocks of slot 1, then of slot 2, and stops.  Then:
 * - the `fault_ahead` blocks after the last one written in slot 2 become
 *   resident without the guest touching them (waited for: the worker runs
 *   on its own; no time limit is asserted beyond a generous one);
 * - nothing beyond that window is resident in slot 2;
 * - nothing after the written blocks is resident in slot 1 (checked once
 *   slot 2's window is in: the single worker had finished slot 1 then);
 * - the guest then reads its values back and zeros in the window.
 * KVM has no such thing: the test skips there, and with fault_ahead=0.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mvm_util.h"
#include "test_vm.h"

#define SLOT1_GPA	(1ULL << 30)
#define SLOT2_GPA	(2ULL << 30)
#define BLOCK		(2ULL << 20)
#define SLOT_SIZE	(16 * BLOCK)
#define BLOCKS		3ULL			/* written by the guest */
#define STRIDE		4096ULL
#define SEED		0x61686561ULL		/* "ahea" */
#define WAIT_S		120

static void guest_code(uint64_t ahead)
{
	uint64_t s, a;

	for (s = SLOT1_GPA; s <= SLOT2_GPA; s += SLOT2_GPA - SLOT1_GPA)
		for (a = s; a < s + BLOCKS * BLOCK; a += STRIDE)
			*(volatile uint64_t *)a = a ^ SEED;
	GUEST_SYNC(1);
	for (a = SLOT2_GPA; a < SLOT2_GPA + (BLOCKS + ahead) * BLOCK;
	     a += STRIDE)
		GUEST_ASSERT_EQ(a < SLOT2_GPA + BLOCKS * BLOCK ? a ^ SEED : 0,
				*(volatile uint64_t *)a);
	GUEST_DONE();
}

static long param_fault_ahead(void)
{
	FILE *f = fopen("/sys/module/mvm/parameters/fault_ahead", "re");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* Resident 4 KiB pages of mem in blocks [first, last). */
static long resident(uint8_t *mem, uint64_t first, uint64_t last)
{
	unsigned char vec[BLOCK / STRIDE];
	long n = 0;

	for (uint64_t b = first; b < last; b++) {
		if (mincore(mem + b * BLOCK, BLOCK, vec))
			return -1;
		for (size_t i = 0; i < sizeof(vec); i++)
			n += vec[i] & 1;
	}
	return n;
}

FIXTURE(fault_ahead) {
	int unused;
};

FIXTURE_SETUP(fault_ahead)
{
}

FIXTURE_TEARDOWN(fault_ahead)
{
}

TEST_F_TIMEOUT(fault_ahead, where_and_only_where, 600)
{
	uint8_t *shm, *anon;
	struct vcpu *vcpu;
	struct vm *vm;
	long ahead, in1, in2, beyond;
	int fd, s;

	VM_CREATE_OR_SKIP(vm, vcpu);
	if (!vm_is_mvm(vm)) {
		vm_free(vm);
		SKIP(return, "fault-ahead is mvm's; KVM has none");
	}
	ahead = param_fault_ahead();
	ASSERT_LE(0, ahead);
	if (!ahead) {
		vm_free(vm);
		SKIP(return, "mvm.fault_ahead=0");
	}
	if (ahead > (long)(SLOT_SIZE / BLOCK - BLOCKS - 1))
		ahead = SLOT_SIZE / BLOCK - BLOCKS - 1;

	vcpu_setup_long(vcpu, (void (*)(void))guest_code);
	vm_map_identity_2m(vm, SLOT1_GPA, SLOT_SIZE);
	vm_map_identity_2m(vm, SLOT2_GPA, SLOT_SIZE);
	vcpu_args_set(vcpu, 1, (uint64_t)ahead);

	fd = memfd_create("mvm-fault-ahead", MFD_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, SLOT_SIZE));
	shm = mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, shm);
	anon = mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, anon);
	ASSERT_EQ(0, madvise(shm, SLOT_SIZE, MADV_NOHUGEPAGE));
	ASSERT_EQ(0, madvise(anon, SLOT_SIZE, MADV_NOHUGEPAGE));
	ASSERT_EQ(0, vm_set_region(vm, 1, SLOT1_GPA, SLOT_SIZE, shm, 0));
	ASSERT_EQ(0, vm_set_region(vm, 2, SLOT2_GPA, SLOT_SIZE, anon, 0));

	ASSERT_SYNC(vcpu, 1);
	ASSERT_EQ((long)(BLOCKS * BLOCK / STRIDE), resident(anon, 0, BLOCKS));
	for (s = 0; s < WAIT_S * 10; s++) {
		in2 = resident(anon, BLOCKS, BLOCKS + ahead);
		if (in2 == (long)(ahead * BLOCK / STRIDE))
			break;
		mvm_sleep_ms(100);
	}
	beyond = resident(anon, BLOCKS + ahead, SLOT_SIZE / BLOCK);
	in1 = resident(shm, BLOCKS, SLOT_SIZE / BLOCK);
	TH_LOG("fault_ahead=%ld: %ld pages ahead in anonymous memory after %d ms, %ld beyond, %ld in the memfd",
	       ahead, in2, s * 100, beyond, in1);
	ASSERT_EQ((long)(ahead * BLOCK / STRIDE), in2);
	ASSERT_EQ(0, beyond);
	ASSERT_EQ(0, in1);

	ASSERT_DONE(vcpu);
	vm_free(vm);
	ASSERT_EQ(0, munmap(anon, SLOT_SIZE));
	ASSERT_EQ(0, munmap(shm, SLOT_SIZE));
	ASSERT_EQ(0, close(fd));
}

TEST_HARNESS_MAIN

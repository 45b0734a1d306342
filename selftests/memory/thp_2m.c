// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory over host transparent huge pages.
 *
 * A 4 MiB slot, 2 MiB aligned in both address spaces, over memory the host
 * prefaulted with MADV_HUGEPAGE: two THPs (checked in /proc/self/smaps; the
 * test skips when THP is off or the host gave none).  The guest reads the
 * host's values across it and writes its own, which the host sees.  Then,
 * between two runs, the host drops part of the range with MADV_DONTNEED: 64
 * KiB inside the first THP (which splits it) and the whole second one.  The
 * guest must read zeros exactly there and its own values everywhere else,
 * so a stage-2 mapping of either size cannot survive the host's zap.
 *
 * mvm maps a THP with one 2 MiB stage-2 leaf; nothing in the ABI (no
 * counter of faults or of leaf sizes) shows which size was used, so only
 * the behaviour is tested.
 */
#include "kselftest_harness.h"
#include "mvm_util.h"
#include "test_vm.h"

#define SLOT_GPA	(1ULL << 30)
#define SIZE		(4ULL << 20)
#define HOLE_OFF	(0x30000ULL)		/* in the first THP */
#define HOLE_LEN	(0x10000ULL)
#define DROP_OFF	(2ULL << 20)		/* the whole second THP */
#define HOST_SEED	0x686f7374ULL		/* "host" */
#define GUEST_SEED	0x67756573ULL		/* "gues" */

static bool dropped(uint64_t off)
{
	return (off >= HOLE_OFF && off < HOLE_OFF + HOLE_LEN) || off >= DROP_OFF;
}

static void guest_code(uint64_t base)
{
	volatile uint64_t *p = (volatile uint64_t *)base;

	for (uint64_t i = 0; i < SIZE / 8; i++) {
		GUEST_ASSERT_EQ(i ^ HOST_SEED, p[i]);
		p[i] = i ^ GUEST_SEED;
	}
	GUEST_SYNC(1);
	for (uint64_t i = 0; i < SIZE / 8; i++)
		GUEST_ASSERT_EQ(dropped(i * 8) ? 0 : i ^ GUEST_SEED, p[i]);
	GUEST_DONE();
}

/* AnonHugePages of the mapping that holds @addr, in KiB, or -1. */
static long anon_huge_kb(void *addr)
{
	unsigned long lo, hi, a = (unsigned long)addr;
	char line[512];
	bool in = false;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)	/* a mapping */
			in = a >= lo && a < hi;
		else if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static bool thp_off(void)
{
	char buf[128] = "";
	int fd = open("/sys/kernel/mm/transparent_hugepage/enabled", O_RDONLY);

	if (fd < 0)
		return true;
	(void)!read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return strstr(buf, "[never]") != NULL;
}

TEST(thp_2m)
{
	struct vm *vm;
	struct vcpu *vcpu;
	uint64_t *mem;
	unsigned long long bad = 0;
	uint8_t *raw;
	long kb;

	if (thp_off())
		SKIP(return, "transparent huge pages are off");
	raw = mmap(NULL, SIZE + MVM_2M, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, raw);
	mem = (uint64_t *)(((uintptr_t)raw + MVM_2M - 1) & ~(MVM_2M - 1));
	ASSERT_EQ(0, madvise(mem, SIZE, MADV_HUGEPAGE));
	for (uint64_t i = 0; i < SIZE / 8; i++)
		mem[i] = i ^ HOST_SEED;
	kb = anon_huge_kb(mem);
	TH_LOG("AnonHugePages of the mapping: %ld KiB", kb);
	if (kb < (long)(SIZE >> 10))
		SKIP(return, "the host gave no THPs (AnonHugePages %ld KiB)", kb);

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, (void (*)(void))guest_code);
	vm_map_identity_2m(vm, SLOT_GPA, SIZE);
	vcpu_args_set(vcpu, 1, SLOT_GPA);
	ASSERT_EQ(0, vm_set_region(vm, 1, SLOT_GPA, SIZE, mem, 0));

	ASSERT_SYNC(vcpu, 1);
	for (uint64_t i = 0; i < SIZE / 8; i++)
		bad += mem[i] != (i ^ GUEST_SEED);
	ASSERT_EQ(0ULL, bad) TH_LOG("the host misses %llu guest writes",
				 (unsigned long long)bad);

	ASSERT_EQ(0, madvise((uint8_t *)mem + HOLE_OFF, HOLE_LEN, MADV_DONTNEED));
	ASSERT_EQ(0, madvise((uint8_t *)mem + DROP_OFF, SIZE - DROP_OFF,
			     MADV_DONTNEED));
	ASSERT_DONE(vcpu);

	vm_free(vm);
	munmap(raw, SIZE + MVM_2M);
}

TEST_HARNESS_MAIN

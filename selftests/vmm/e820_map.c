// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's e820 map (userspace/lib/e820.c) says exactly what mvm run
 * maps, and reserves PCI's ECAM window, for RAM sizes below, at and above
 * the 3 GiB split, and the zero page the loader writes carries the same
 * map.
 */
#include "kselftest_harness.h"
#include "libmvm.h"

#define MiB	(1ULL << 20)
#define GiB	(1ULL << 30)

static void check(struct __test_metadata *_metadata, uint64_t mem)
{
	struct mvm_e820_entry e[8];
	unsigned int n = mvm_e820_build(mem, e, 8), i;
	uint64_t ram = 0, low = mem < 3 * GiB ? mem : 3 * GiB;

	ASSERT_EQ(mem > low ? 5U : 4U, n);
	EXPECT_EQ(0U, e[0].addr);
	EXPECT_EQ(0x9fc00ULL, e[0].size);
	EXPECT_EQ(1U, e[0].type);
	EXPECT_EQ(0x9fc00ULL, e[1].addr);	/* the legacy hole, reserved */
	EXPECT_EQ(0x100000ULL - 0x9fc00, e[1].size);
	EXPECT_EQ(2U, e[1].type);
	EXPECT_EQ(MiB, e[2].addr);
	EXPECT_EQ(low - MiB, e[2].size);
	EXPECT_EQ(1U, e[2].type);
	EXPECT_EQ(MVM_PCI_ECAM_BASE, e[3].addr);	/* PCI's ECAM, reserved */
	EXPECT_EQ(MiB, e[3].size);
	EXPECT_EQ(2U, e[3].type);
	if (n == 5) {
		EXPECT_EQ(4 * GiB, e[4].addr);
		EXPECT_EQ(mem - 3 * GiB, e[4].size);
		EXPECT_EQ(1U, e[4].type);
	}
	/* RAM in the map + the reserved hole = what is mapped. */
	for (i = 0; i < n; i++) {
		if (i)	/* sorted, no overlap */
			EXPECT_LE(e[i - 1].addr + e[i - 1].size, e[i].addr);
		if (i != 3)
			ram += e[i].size;
	}
	EXPECT_EQ(mem, ram);
}

TEST(e820_sizes)
{
	check(_metadata, 64 * MiB);
	check(_metadata, 512 * MiB);
	check(_metadata, 3 * GiB);
	check(_metadata, 3 * GiB + 4096);
	check(_metadata, 8 * GiB);
}

TEST(e820_short_table)
{
	struct mvm_e820_entry e[2];

	/* A short table takes what fits, in order. */
	EXPECT_EQ(2U, mvm_e820_build(8 * GiB, e, 2));
	EXPECT_EQ(0U, e[0].addr);
	EXPECT_EQ(2U, e[1].type);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The machine's guest RAM (userspace/lib/machine.c): the PC layout puts
 * RAM above 3 GiB at 4 GiB, regions are checked as they are added, and
 * the guest-physical to host-address helper answers only for a range that
 * lies in one region: the bytes it points at are those of the RAM
 * mapping, and the MMIO hole, the ends and wrapping ranges give NULL.
 */
#include <errno.h>

#include "kselftest_harness.h"
#include "libmvm.h"

#define MiB	(1ULL << 20)
#define GiB	(1ULL << 30)

TEST(pc_layout_small)
{
	struct mvm_machine m;

	mvm_machine_init(&m, NULL);
	ASSERT_EQ(0, mvm_machine_alloc_ram(&m, 64 * MiB));
	ASSERT_EQ(0, mvm_machine_pc_layout(&m));
	ASSERT_EQ(1U, m.nr_regions);
	EXPECT_EQ(0U, m.regions[0].gpa);
	EXPECT_EQ(64 * MiB, m.regions[0].size);
	EXPECT_EQ(0U, m.regions[0].slot);

	EXPECT_EQ(m.ram, mvm_machine_gpa_to_hva(&m, 0, 1));
	EXPECT_EQ(m.ram + 64 * MiB - 8,
		  mvm_machine_gpa_to_hva(&m, 64 * MiB - 8, 8));
	EXPECT_EQ(m.ram, mvm_machine_gpa_to_hva(&m, 0, 64 * MiB));
	EXPECT_EQ(NULL, mvm_machine_gpa_to_hva(&m, 64 * MiB - 8, 9));
	EXPECT_EQ(NULL, mvm_machine_gpa_to_hva(&m, 64 * MiB, 1));
	EXPECT_EQ(NULL, mvm_machine_gpa_to_hva(&m, 4096, ~0ULL));
	EXPECT_EQ(NULL, mvm_machine_gpa_to_hva(&m, ~0ULL, 2));
	mvm_machine_destroy(&m);
}

/* 3 GiB + 8 MiB of address space, never touched: no memory is used. */
TEST(pc_layout_split)
{
	struct mvm_machine m;
	uint8_t *p;

	mvm_machine_init(&m, NULL);
	if (mvm_machine_alloc_ram(&m, 3 * GiB + 8 * MiB) < 0)
		SKIP(return, "cannot reserve 3 GiB of address space: %s",
		     strerror(errno));
	ASSERT_EQ(0, mvm_machine_pc_layout(&m));
	ASSERT_EQ(2U, m.nr_regions);
	EXPECT_EQ(4 * GiB, m.regions[1].gpa);
	EXPECT_EQ(8 * MiB, m.regions[1].size);
	EXPECT_EQ(3 * GiB, m.regions[1].offset);
	EXPECT_EQ(1U, m.regions[1].slot);

	/* The hole between 3 and 4 GiB is no RAM; a range cannot span it. */
	EXPECT_EQ(NULL, mvm_machine_gpa_to_hva(&m, 3 * GiB, 1));
	EXPECT_EQ(NULL, mvm_machine_gpa_to_hva(&m, 3 * GiB - 4, 8));
	p = mvm_machine_gpa_to_hva(&m, 4 * GiB + 4096, 4096);
	ASSERT_EQ(m.ram + 3 * GiB + 4096, p);
	p[0] = 0x5a;
	EXPECT_EQ(0x5a, *(uint8_t *)mvm_machine_gpa_to_hva(&m, 4 * GiB + 4096, 1));
	EXPECT_EQ(NULL, mvm_machine_gpa_to_hva(&m, 4 * GiB + 8 * MiB, 1));
	mvm_machine_destroy(&m);
}

TEST(region_checks)
{
	struct mvm_machine m;

	mvm_machine_init(&m, NULL);
	ASSERT_EQ(0, mvm_machine_alloc_ram(&m, 16 * MiB));
	/* A second RAM is refused: the machine has one mapping. */
	EXPECT_EQ(-1, mvm_machine_alloc_ram(&m, 16 * MiB));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mvm_machine_add_region(&m, 0, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mvm_machine_add_region(&m, 100, 0, 4096));
	EXPECT_EQ(-1, mvm_machine_add_region(&m, 0, 100, 4096));
	EXPECT_EQ(-1, mvm_machine_add_region(&m, 0, 0, 100));
	EXPECT_EQ(-1, mvm_machine_add_region(&m, 0, 0, 16 * MiB + 4096));
	EXPECT_EQ(-1, mvm_machine_add_region(&m, 0, 16 * MiB, 4096));
	EXPECT_EQ(-1, mvm_machine_add_region(&m, ~0ULL - 4095, 0, 8192));
	EXPECT_EQ(0U, m.nr_regions);
	/* Two regions over the same RAM (aliases) are the caller's choice. */
	EXPECT_EQ(0, mvm_machine_add_region(&m, 0, 0, 8 * MiB));
	EXPECT_EQ(0, mvm_machine_add_region(&m, 1 * GiB, 8 * MiB, 8 * MiB));
	EXPECT_EQ(2U, m.nr_regions);
	EXPECT_EQ(1U, m.regions[1].slot);
	EXPECT_EQ(m.ram + 8 * MiB, mvm_machine_gpa_to_hva(&m, 1 * GiB, 4096));
	mvm_machine_destroy(&m);
}

/* Nothing of a machine that never got a VM is left behind by destroy. */
TEST(destroy_unbuilt)
{
	struct mvm_machine m;
	unsigned int id = 7;

	mvm_machine_init(&m, NULL);
	EXPECT_EQ(-1, mvm_machine_create_vcpus(&m, 1, &id));
	EXPECT_EQ(EINVAL, errno);
	mvm_machine_destroy(&m);
	EXPECT_EQ(NULL, m.ram);
	EXPECT_EQ(-1, m.vm_fd);
	EXPECT_EQ(-1, m.dev_fd);
}

TEST_HARNESS_MAIN

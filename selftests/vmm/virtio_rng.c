// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-rng on the virtio-pci transport (userspace/dev/virtio_pci.c,
 * virtqueue.c, virtio_rng.c), driven as a guest driver would, through
 * the machine's buses and its RAM: feature negotiation (FEATURES_OK only
 * for a subset of the offer with VERSION_1), a queue set up and enabled,
 * requests answered with random bytes (a chain of buffers, a huge buffer
 * filled only in part), and every malformed request - a descriptor loop,
 * a buffer outside RAM, a head or next beyond the table, an available
 * index more than a queue ahead, an indirect descriptor, rings outside
 * RAM - ends in DEVICE_NEEDS_RESET, nothing else; a reset brings the
 * device back.
 */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "devices.h"
#include "libmvm.h"
#include "virtio.h"

#define MiB		(1ULL << 20)
#define BAR0		0xc0000000ULL
#define BAR2		0xc0010000ULL
#define QSIZE		16
#define DESC		0x10000ULL
#define AVAIL		0x11000ULL
#define USED		0x12000ULL
#define BUF		0x20000ULL
#define SLOT		1	/* 00:01.0, after the host bridge */

#define S_ACK		((uint64_t)VIRTIO_S_ACKNOWLEDGE)
#define S_DRV		((uint64_t)VIRTIO_S_DRIVER)
#define S_FOK		((uint64_t)VIRTIO_S_FEATURES_OK)
#define S_DOK		((uint64_t)VIRTIO_S_DRIVER_OK)

struct rig {
	struct mvm_machine m;
	struct pci_host *h;
};

static void cfg_wr(struct rig *r, unsigned int reg, unsigned int size, uint64_t v)
{
	mvm_bus_write(&r->m.mmio, MVM_PCI_ECAM_BASE + (SLOT << 15) + reg, size, v);
}

static uint64_t rd(struct rig *r, uint64_t off, unsigned int size)
{
	uint64_t v = 0;

	mvm_bus_read(&r->m.mmio, BAR0 + off, size, &v);
	return v;
}

static void wr(struct rig *r, uint64_t off, unsigned int size, uint64_t v)
{
	mvm_bus_write(&r->m.mmio, BAR0 + off, size, v);
}

static uint8_t *ram(struct rig *r, uint64_t gpa)
{
	return mvm_machine_gpa_to_hva(&r->m, gpa, 1);
}

static void desc(struct rig *r, unsigned int i, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next)
{
	uint8_t *d = ram(r, DESC + 16 * i);

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

/* Make head available as avail entry idx (the index then idx + 1, or avail). */
static void offer(struct rig *r, uint16_t idx, uint16_t head, uint16_t avail)
{
	memcpy(ram(r, AVAIL + 4 + 2 * (idx % QSIZE)), &head, 2);
	memcpy(ram(r, AVAIL + 2), &avail, 2);
	wr(r, 0x3000, 2, 0);		/* notify queue 0 */
}

static uint16_t used_idx(struct rig *r)
{
	uint16_t v;

	memcpy(&v, ram(r, USED + 2), 2);
	return v;
}

static uint32_t used_len(struct rig *r, unsigned int i)
{
	uint32_t v;

	memcpy(&v, ram(r, USED + 4 + 8 * i + 4), 4);
	return v;
}

/* The low feature word the driver takes (VERSION_1 is in the high one). */
static uint32_t feat_lo;

/* Status, features (VERSION_1 and feat_lo), queue 0 at DESC/AVAIL/USED. */
static void driver_init(struct __test_metadata *_metadata, struct rig *r,
			uint64_t avail_gpa)
{
	wr(r, 0x14, 1, 0);
	wr(r, 0x14, 1, S_ACK | S_DRV);
	wr(r, 0x00, 4, 1);
	ASSERT_EQ(1U, rd(r, 0x04, 4) & 1);		/* VERSION_1 offered */
	wr(r, 0x08, 4, 1);
	wr(r, 0x0c, 4, 1);
	wr(r, 0x08, 4, 0);
	wr(r, 0x0c, 4, feat_lo);
	wr(r, 0x14, 1, S_ACK | S_DRV | S_FOK);
	ASSERT_EQ(S_ACK | S_DRV | S_FOK, rd(r, 0x14, 1));
	ASSERT_EQ(1U, rd(r, 0x12, 2));			/* one queue */
	wr(r, 0x16, 2, 0);
	ASSERT_EQ(64U, rd(r, 0x18, 2));
	wr(r, 0x18, 2, QSIZE);
	wr(r, 0x20, 8, DESC);
	wr(r, 0x28, 4, (uint32_t)avail_gpa);
	wr(r, 0x2c, 4, avail_gpa >> 32);
	wr(r, 0x30, 8, USED);
	wr(r, 0x1c, 2, 1);
	wr(r, 0x14, 1, S_ACK | S_DRV | S_FOK | S_DOK);
}

static void rig_up(struct __test_metadata *_metadata, struct rig *r)
{
	uint64_t id = 0;

	mvm_machine_init(&r->m, NULL);
	ASSERT_EQ(0, mvm_machine_alloc_ram(&r->m, 16 * MiB));
	ASSERT_EQ(0, mvm_machine_pc_layout(&r->m));
	r->h = pci_host_create(&r->m);
	ASSERT_NE(NULL, r->h);
	ASSERT_EQ(0, virtio_rng_create(&r->m, r->h));
	/* 00:01.0 is virtio's: 1af4:1044, modern. */
	mvm_bus_read(&r->m.mmio, MVM_PCI_ECAM_BASE + (SLOT << 15), 4, &id);
	ASSERT_EQ(0x10441af4U, id);
	cfg_wr(r, 0x10, 4, (uint32_t)BAR0 | 4);
	cfg_wr(r, 0x14, 4, BAR0 >> 32);
	cfg_wr(r, 0x18, 4, (uint32_t)BAR2);
	cfg_wr(r, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER);
	driver_init(_metadata, r, AVAIL);
}

static bool needs_reset(struct rig *r)
{
	return rd(r, 0x14, 1) & VIRTIO_S_NEEDS_RESET;
}

TEST(requests)
{
	static const uint8_t zero[32];
	struct rig r;

	rig_up(_metadata, &r);
	ASSERT_EQ(S_ACK | S_DRV | S_FOK | S_DOK, rd(&r, 0x14, 1));
	desc(&r, 0, BUF, 32, 2, 0);
	offer(&r, 0, 0, 1);
	ASSERT_EQ(1, used_idx(&r));
	EXPECT_EQ(32U, used_len(&r, 0));
	EXPECT_NE(0, memcmp(ram(&r, BUF), zero, 32));

	/* A chain of two writable buffers. */
	desc(&r, 3, BUF + 0x1000, 16, 2 | 1, 5);
	desc(&r, 5, BUF + 0x2000, 16, 2, 0);
	offer(&r, 1, 3, 2);
	ASSERT_EQ(2, used_idx(&r));
	EXPECT_EQ(32U, used_len(&r, 1));
	EXPECT_NE(0, memcmp(ram(&r, BUF + 0x2000), zero, 16));

	/* A huge buffer: filled in part, and said so. */
	desc(&r, 1, BUF, 8 * MiB, 2, 0);
	offer(&r, 2, 1, 3);
	ASSERT_EQ(3, used_idx(&r));
	EXPECT_EQ(4096U, used_len(&r, 2));
	EXPECT_FALSE(needs_reset(&r));
	/* A notification with nothing new changes nothing. */
	wr(&r, 0x3000, 2, 0);
	EXPECT_EQ(3, used_idx(&r));
	mvm_machine_destroy(&r.m);
}

/*
 * With EVENT_IDX the driver notifies only past avail_event: the device
 * must move it on whenever it has emptied the queue.
 */
TEST(event_idx)
{
	uint16_t ev;
	struct rig r;

	feat_lo = 1U << 29;
	rig_up(_metadata, &r);
	feat_lo = 0;
	ASSERT_EQ(S_ACK | S_DRV | S_FOK | S_DOK, rd(&r, 0x14, 1));
	for (uint16_t i = 0; i < 3; i++) {
		desc(&r, i, BUF + 64 * i, 32, 2, 0);
		offer(&r, i, i, i + 1);
		ASSERT_EQ(i + 1, used_idx(&r));
		memcpy(&ev, ram(&r, USED + 4 + 8 * QSIZE), 2);
		EXPECT_EQ(i + 1, ev);
	}
	mvm_machine_destroy(&r.m);
}

TEST(features)
{
	struct rig r;

	rig_up(_metadata, &r);
	/* Without VERSION_1, or with a bit never offered: no FEATURES_OK. */
	wr(&r, 0x14, 1, 0);
	wr(&r, 0x14, 1, S_ACK | S_DRV);
	wr(&r, 0x08, 4, 1);
	wr(&r, 0x0c, 4, 0);
	wr(&r, 0x14, 1, S_ACK | S_DRV | S_FOK);
	EXPECT_EQ(S_ACK | S_DRV, rd(&r, 0x14, 1));
	wr(&r, 0x0c, 4, 1);
	wr(&r, 0x08, 4, 0);
	wr(&r, 0x0c, 4, 1);			/* bit 0: not offered */
	wr(&r, 0x14, 1, S_ACK | S_DRV | S_FOK);
	EXPECT_EQ(S_ACK | S_DRV, rd(&r, 0x14, 1));
	/* DRIVER_OK without FEATURES_OK is not taken. */
	wr(&r, 0x14, 1, S_ACK | S_DRV | S_DOK);
	EXPECT_EQ(S_ACK | S_DRV, rd(&r, 0x14, 1));
	mvm_machine_destroy(&r.m);
}

/* Each malformed request on a fresh device: needs reset, nothing used. */
TEST(malformed)
{
	for (int c = 0; c < 8; c++) {
		struct rig r;

		rig_up(_metadata, &r);
		switch (c) {
		case 0: desc(&r, 0, BUF, 16, 2 | 1, 0); offer(&r, 0, 0, 1); break;
		case 1: desc(&r, 0, 1ULL << 40, 16, 2, 0); offer(&r, 0, 0, 1); break;
		case 2: desc(&r, 0, 16 * MiB - 8, 16, 2, 0); offer(&r, 0, 0, 1); break;
		case 3: offer(&r, 0, 200, 1); break;
		case 4: desc(&r, 0, BUF, 16, 2, 0); offer(&r, 0, 0, QSIZE + 1); break;
		case 5: desc(&r, 0, BUF, 16, 4, 0); offer(&r, 0, 0, 1); break;
		case 6: desc(&r, 0, BUF, 16, 2 | 1, QSIZE); offer(&r, 0, 0, 1); break;
		case 7:	/* the avail ring outside RAM, at enable */
			driver_init(_metadata, &r, 1ULL << 40);
			break;
		}
		EXPECT_TRUE(needs_reset(&r)) TH_LOG("case %d", c);
		EXPECT_EQ(0, used_idx(&r)) TH_LOG("case %d", c);
		/* Broken stays broken: a good request is not served. */
		desc(&r, 1, BUF, 16, 2, 0);
		offer(&r, 1, 1, 2);
		EXPECT_EQ(0, used_idx(&r)) TH_LOG("case %d", c);
		/* A reset, the driver again: served. */
		memset(ram(&r, AVAIL), 0, 0x1000);
		memset(ram(&r, USED), 0, 0x1000);
		driver_init(_metadata, &r, AVAIL);
		EXPECT_FALSE(needs_reset(&r)) TH_LOG("case %d", c);
		desc(&r, 0, BUF, 16, 2, 0);
		offer(&r, 0, 0, 1);
		EXPECT_EQ(1, used_idx(&r)) TH_LOG("case %d", c);
		mvm_machine_destroy(&r.m);
	}
}

TEST_HARNESS_MAIN

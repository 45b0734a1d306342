// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PCI host (userspace/dev/pci.c), driven the way a guest drives it,
 * through the machine's buses: the host bridge at 00:00.0 by mechanism #1
 * and by ECAM alike, all ones where no function is; identity bits the
 * guest cannot change; BAR sizing (32-bit, 64-bit and I/O), BARs on their
 * bus only while decoding is on, moved with their address, and never over
 * another range; a capability list; and the state, which loads into a
 * machine built the same way and is refused where it changes a bit the
 * guest could not have changed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "devices.h"
#include "libmvm.h"
#include "state.h"

#define ADDR	0xcf8
#define DATA	0xcfc
#define TEST_ID	{ .vendor = 0x1af4, .device = 0x1042, .class_code = 0x018000, \
		  .subsys_vendor = 0x1af4, .subsys_id = 2, .int_pin = 1 }
#define BAR0_AT	0xc0000000ULL
#define BAR2_AT	0x800000000ULL

static uint64_t bar_reads;

static uint64_t bar_read(void *opaque, uint64_t off, unsigned int size)
{
	(void)size;
	bar_reads++;
	return (uintptr_t)opaque + off;
}

static void bar_write(void *opaque, uint64_t off, unsigned int size, uint64_t v)
{
	(void)opaque;
	(void)off;
	(void)size;
	(void)v;
}

static const struct mvm_io_ops bar_io = { bar_read, bar_write };

struct pci_machine {
	struct mvm_machine m;
	struct pci_host *h;
	struct pci_func *f;
};

/* The host and one function in slot 1: BAR0 4 KiB, BAR2+3 64-bit 8 KiB, BAR4 I/O 32. */
static void build(struct __test_metadata *_metadata, struct pci_machine *p)
{
	static const struct pci_id id = TEST_ID;
	static const uint8_t cap1[8] = { 0x09, 0xff, 8, 1, 2, 3, 4, 5 };
	static const uint8_t cap2[4] = { 0x11, 0xff, 0, 0 };
	static const uint8_t cap2_w[4] = { 0, 0, 0, 0xc0 };

	mvm_machine_init(&p->m, NULL);
	p->h = pci_host_create(&p->m);
	ASSERT_NE(NULL, p->h);
	p->f = pci_add(p->h, &id, NULL, NULL);
	ASSERT_NE(NULL, p->f);
	ASSERT_EQ(0, pci_set_bar(p->f, 0, 4096, 0, &bar_io, (void *)0x1000));
	ASSERT_EQ(0, pci_set_bar(p->f, 2, 8192, PCI_BAR_MEM64, &bar_io,
				 (void *)0x2000));
	ASSERT_EQ(0, pci_set_bar(p->f, 4, 32, PCI_BAR_IO, &bar_io, (void *)0x4000));
	ASSERT_EQ(0x40, pci_add_cap(p->f, cap1, sizeof(cap1), NULL));
	ASSERT_EQ(0x48, pci_add_cap(p->f, cap2, sizeof(cap2), cap2_w));
}

/* Mechanism #1: dword reg of slot at bus 0 (or bus), function fn. */
static uint32_t cf8(unsigned int bus, unsigned int slot, unsigned int fn,
		    unsigned int reg)
{
	return 0x80000000U | bus << 16 | slot << 11 | fn << 8 | (reg & 0xfc);
}

static uint64_t rd1(struct mvm_machine *m, uint32_t a, unsigned int off,
		    unsigned int size)
{
	uint64_t v = 0;

	mvm_bus_write(&m->pio, ADDR, 4, a);
	mvm_bus_read(&m->pio, DATA + off, size, &v);
	return v;
}

static void wr1(struct mvm_machine *m, uint32_t a, unsigned int off,
		unsigned int size, uint64_t v)
{
	mvm_bus_write(&m->pio, ADDR, 4, a);
	mvm_bus_write(&m->pio, DATA + off, size, v);
}

static uint64_t ecam(struct mvm_machine *m, unsigned int slot, unsigned int reg,
		     unsigned int size)
{
	uint64_t v = 0;

	mvm_bus_read(&m->mmio, MVM_PCI_ECAM_BASE + (slot << 15) + reg, size, &v);
	return v;
}

static void ecam_wr(struct mvm_machine *m, unsigned int slot, unsigned int reg,
		    unsigned int size, uint64_t v)
{
	mvm_bus_write(&m->mmio, MVM_PCI_ECAM_BASE + (slot << 15) + reg, size, v);
}

static uint64_t mmio_at(struct mvm_machine *m, uint64_t addr)
{
	uint64_t v = 0;

	return mvm_bus_read(&m->mmio, addr, 4, &v) == 1 ? v : ~0ULL;
}

TEST(host_bridge)
{
	struct pci_machine p;
	uint64_t v = 0;

	build(_metadata, &p);
	EXPECT_EQ(0x00081b36U, rd1(&p.m, cf8(0, 0, 0, 0), 0, 4));
	EXPECT_EQ(0x0600U, rd1(&p.m, cf8(0, 0, 0, 8), 2, 2));
	EXPECT_EQ(0x1bU, rd1(&p.m, cf8(0, 0, 0, 0), 1, 1));
	/* The latch reads back; byte writes do not reach it. */
	mvm_bus_write(&p.m.pio, ADDR, 4, cf8(0, 0, 0, 0x10) | 3);
	mvm_bus_write(&p.m.pio, ADDR + 1, 1, 6);
	mvm_bus_read(&p.m.pio, ADDR, 4, &v);
	EXPECT_EQ(cf8(0, 0, 0, 0x10), v);
	EXPECT_EQ(0x00081b36U, ecam(&p.m, 0, 0, 4));
	EXPECT_EQ(0x06U, ecam(&p.m, 0, 0xb, 1));

	/* No function: an empty slot, function 1, bus 1, the enable bit off. */
	EXPECT_EQ(0xffffffffU, rd1(&p.m, cf8(0, 2, 0, 0), 0, 4));
	EXPECT_EQ(0xffffffffU, rd1(&p.m, cf8(0, 0, 1, 0), 0, 4));
	EXPECT_EQ(0xffffffffU, rd1(&p.m, cf8(1, 0, 0, 0), 0, 4));
	EXPECT_EQ(0xffffffffU, rd1(&p.m, cf8(0, 0, 0, 0) & ~0x80000000U, 0, 4));
	EXPECT_EQ(0xffffffffU, ecam(&p.m, 31, 0, 4));
	EXPECT_EQ(0xffffffffU, ecam(&p.m, 0, 1 << 12, 4));	/* function 1 */
	EXPECT_EQ(0xffffffffU, ecam(&p.m, 0, 2, 4));		/* misaligned */

	/* Identity and class do not change; the command register does. */
	wr1(&p.m, cf8(0, 0, 0, 0), 0, 4, 0);
	ecam_wr(&p.m, 0, 8, 4, 0);
	EXPECT_EQ(0x00081b36U, ecam(&p.m, 0, 0, 4));
	EXPECT_EQ(0x06000000U, ecam(&p.m, 0, 8, 4));
	ecam_wr(&p.m, 0, PCI_COMMAND, 2, 0xffff);
	EXPECT_EQ(0x0407U, rd1(&p.m, cf8(0, 0, 0, 4), 0, 2));
	mvm_machine_destroy(&p.m);
}

TEST(bars)
{
	struct pci_machine p;
	uint64_t v = 0;

	build(_metadata, &p);
	EXPECT_EQ(0x10421af4U, ecam(&p.m, 1, 0, 4));
	EXPECT_EQ(0x00000004U, ecam(&p.m, 1, 0x18, 4));	/* 64-bit memory */
	EXPECT_EQ(0x00000001U, ecam(&p.m, 1, 0x20, 4));	/* I/O */
	/* Sizing: all ones written, the size's mask read back. */
	ecam_wr(&p.m, 1, 0x10, 4, 0xffffffff);
	ecam_wr(&p.m, 1, 0x18, 4, 0xffffffff);
	ecam_wr(&p.m, 1, 0x1c, 4, 0xffffffff);
	wr1(&p.m, cf8(0, 1, 0, 0x20), 0, 4, 0xffffffff);
	EXPECT_EQ(0xfffff000U, ecam(&p.m, 1, 0x10, 4));
	EXPECT_EQ(0xffffe004U, ecam(&p.m, 1, 0x18, 4));
	EXPECT_EQ(0xffffffffU, ecam(&p.m, 1, 0x1c, 4));
	EXPECT_EQ(0xffffffe1U, ecam(&p.m, 1, 0x20, 4));
	EXPECT_EQ(0U, ecam(&p.m, 1, 0x14, 4));		/* no BAR1 */

	/* Addresses, decoding off: nothing answers there. */
	ecam_wr(&p.m, 1, 0x10, 4, BAR0_AT);
	ecam_wr(&p.m, 1, 0x18, 4, (uint32_t)BAR2_AT);
	ecam_wr(&p.m, 1, 0x1c, 4, BAR2_AT >> 32);
	ecam_wr(&p.m, 1, 0x20, 4, 0x1000);
	EXPECT_EQ(~0ULL, mmio_at(&p.m, BAR0_AT));
	ecam_wr(&p.m, 1, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_IO);
	EXPECT_EQ(0x1010U, mmio_at(&p.m, BAR0_AT + 0x10));
	EXPECT_EQ(0x2ff0U, mmio_at(&p.m, BAR2_AT + 0xff0));
	EXPECT_EQ(~0ULL, mmio_at(&p.m, BAR0_AT + 4096));
	EXPECT_EQ(1, mvm_bus_read(&p.m.pio, 0x1004, 4, &v));
	EXPECT_EQ(0x4004U, v);

	/* Moved while decoding: gone from the old place, at the new one. */
	ecam_wr(&p.m, 1, 0x10, 4, BAR0_AT + 0x10000);
	EXPECT_EQ(~0ULL, mmio_at(&p.m, BAR0_AT));
	EXPECT_EQ(0x1000U, mmio_at(&p.m, BAR0_AT + 0x10000));
	/* Over ECAM: not decoded, and ECAM still answers. */
	ecam_wr(&p.m, 1, 0x10, 4, MVM_PCI_ECAM_BASE);
	EXPECT_EQ(0x00081b36U, ecam(&p.m, 0, 0, 4));
	EXPECT_EQ(0U, p.f->bar[0].mapped);
	/* Decoding off again: off the bus. */
	ecam_wr(&p.m, 1, 0x10, 4, BAR0_AT);
	EXPECT_EQ(0x1000U, mmio_at(&p.m, BAR0_AT));
	ecam_wr(&p.m, 1, PCI_COMMAND, 2, 0);
	EXPECT_EQ(~0ULL, mmio_at(&p.m, BAR0_AT));
	EXPECT_EQ(~0ULL, mmio_at(&p.m, BAR2_AT));
	mvm_machine_destroy(&p.m);
}

TEST(bad_bars)
{
	struct pci_machine p;

	build(_metadata, &p);
	EXPECT_EQ(-1, pci_set_bar(p.f, 0, 4096, 0, &bar_io, NULL));	/* taken */
	EXPECT_EQ(-1, pci_set_bar(p.f, 3, 4096, 0, &bar_io, NULL));	/* BAR2's half */
	EXPECT_EQ(-1, pci_set_bar(p.f, 5, 4096, PCI_BAR_MEM64, &bar_io, NULL));
	EXPECT_EQ(-1, pci_set_bar(p.f, 6, 4096, 0, &bar_io, NULL));
	EXPECT_EQ(-1, pci_set_bar(p.f, 1, 3000, 0, &bar_io, NULL));
	EXPECT_EQ(-1, pci_set_bar(p.f, 1, 8, 0, &bar_io, NULL));
	EXPECT_EQ(-1, pci_set_bar(p.f, 1, 512, PCI_BAR_IO, &bar_io, NULL));
	EXPECT_EQ(-1, pci_set_bar(p.f, 1, 4096, 0, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	mvm_machine_destroy(&p.m);
}

TEST(capabilities)
{
	struct pci_machine p;

	build(_metadata, &p);
	EXPECT_TRUE(!!(ecam(&p.m, 1, PCI_STATUS, 2) & PCI_STATUS_CAPS));
	EXPECT_FALSE(!!(ecam(&p.m, 0, PCI_STATUS, 2) & PCI_STATUS_CAPS));
	EXPECT_EQ(0x40U, ecam(&p.m, 1, PCI_CAP_PTR, 1));
	EXPECT_EQ(0x4809U, ecam(&p.m, 1, 0x40, 2));	/* id, next */
	EXPECT_EQ(0x0011U, ecam(&p.m, 1, 0x48, 2));	/* last */
	/* Only the bits the device allows: none in cap1, two in cap2. */
	ecam_wr(&p.m, 1, 0x40, 4, 0);
	ecam_wr(&p.m, 1, 0x48, 4, 0xffffffff);
	EXPECT_EQ(0x01084809U, ecam(&p.m, 1, 0x40, 4));
	EXPECT_EQ(0xc0000011U, ecam(&p.m, 1, 0x48, 4));
	mvm_machine_destroy(&p.m);
}

TEST(state)
{
	struct pci_machine a, b;
	struct mvm_state s, t, s2;

	build(_metadata, &a);
	mvm_bus_write(&a.m.pio, ADDR, 4, cf8(0, 1, 0, 0x3c));
	ecam_wr(&a.m, 1, 0x10, 4, BAR0_AT);
	ecam_wr(&a.m, 1, PCI_INT_LINE, 1, 11);
	ecam_wr(&a.m, 1, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER);
	mvm_state_init(&s);
	ASSERT_EQ(0, mvm_machine_save_devices(&a.m, &s));

	build(_metadata, &b);
	mvm_state_init_read(&t, s.buf, s.len);
	ASSERT_EQ(0, mvm_machine_load_devices(&b.m, &t));	/* s owns the buffer */
	EXPECT_EQ(0x1000U, mmio_at(&b.m, BAR0_AT));
	EXPECT_EQ(11U, ecam(&b.m, 1, PCI_INT_LINE, 1));
	EXPECT_EQ(0x10421af4U, rd1(&b.m, cf8(0, 1, 0, 0), 0, 4) & 0xffffffffU);
	mvm_machine_destroy(&b.m);

	/*
	 * Good checksums: the same spaces load; with the function's vendor
	 * id (read-only) changed, or the latch's reserved bits set, refused.
	 */
	for (int i = 0; i < 3; i++) {
		uint8_t cfg[2][PCI_CFG_SIZE];

		for (unsigned int f = 0; f < 2; f++)
			for (unsigned int r = 0; r < PCI_CFG_SIZE; r++)
				cfg[f][r] = (uint8_t)ecam(&a.m, f, r, 1);
		cfg[1][0] ^= i == 1;
		mvm_state_init(&t);
		mvm_state_begin(&t, MVM_STATE_DEVICE, "pci", 0);
		mvm_state_put_u32(&t, cf8(0, 1, 0, 0x3c) | (i == 2 ? 1 : 0));
		mvm_state_put_bytes(&t, cfg, sizeof(cfg));
		ASSERT_EQ(0, mvm_state_end(&t));
		build(_metadata, &b);
		mvm_state_init_read(&s2, t.buf, t.len);
		EXPECT_EQ(i ? -1 : 0, mvm_machine_load_devices(&b.m, &s2)) TH_LOG("case %d", i);
		mvm_state_free(&t);
		mvm_machine_destroy(&b.m);
	}

	mvm_state_free(&s);
	mvm_machine_destroy(&a.m);
}

TEST_HARNESS_MAIN

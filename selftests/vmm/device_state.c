// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device state through the registry (userspace/lib/machine_state.c,
 * state.c): the devices of mvm run --kernel, given state by the guest's
 * own port and MMIO accesses, are saved, loaded into a machine built the
 * same way, and saved again byte for byte; what the guest reads back is
 * the same.  A stream with any one byte flipped, cut short anywhere, for
 * a machine with a device more or less, or with a value no guest could
 * have set (under a good checksum) is refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "devices.h"
#include "libmvm.h"
#include "state.h"
#include "virtio.h"

#define UART2_BASE	0x2f8

#define ALL		0
#define UART2		1	/* a second UART */
#define NO_RTC		2
#define ONLY_TWO	4	/* the IOAPIC and COM1 alone */

/*
 * The devices mvm run --kernel has, in its order, without a VM (no MSI
 * goes anywhere), or a variation of them.
 */
static void build(struct mvm_machine *m, unsigned int how)
{
	struct pci_host *pci;

	mvm_machine_init(m, NULL);
	if (ioapic_create(m, -1, MVM_IOAPIC_BASE, 1) < 0 ||
	    !uart8250_create(m, UART_COM1_BASE, -1, -1))
		abort();
	if (how & ONLY_TWO)
		return;
	if (((how & UART2) && !uart8250_create(m, UART2_BASE, -1, -1)) ||
	    (!(how & NO_RTC) && rtc_create(m) < 0) || i8042_create(m) < 0 ||
	    acpi_pm_create(m, MVM_ACPI_SLEEP_CONTROL,
			   MVM_ACPI_SLEEP_STATUS) < 0 ||
	    pvpanic_create(m, MVM_PVPANIC_PORT, NULL, NULL) < 0 ||
	    poweroff_port_create(m, MVM_POWEROFF_PORT) < 0 ||
	    !(pci = pci_host_create(m)) || virtio_rng_create(m, pci) < 0)
		abort();
}

static void out(struct mvm_machine *m, uint16_t port, uint8_t v)
{
	mvm_bus_write(&m->pio, port, 1, v);
}

static uint8_t in(struct mvm_machine *m, uint16_t port)
{
	uint64_t v = 0;

	mvm_bus_read(&m->pio, port, 1, &v);
	return (uint8_t)v;
}

static void ioapic_set(struct mvm_machine *m, unsigned int reg, uint32_t v)
{
	mvm_bus_write(&m->mmio, MVM_IOAPIC_BASE, 4, reg);
	mvm_bus_write(&m->mmio, MVM_IOAPIC_BASE + 0x10, 4, v);
}

static uint32_t ioapic_get(struct mvm_machine *m, unsigned int reg)
{
	uint64_t v = 0;

	mvm_bus_write(&m->mmio, MVM_IOAPIC_BASE, 4, reg);
	mvm_bus_read(&m->mmio, MVM_IOAPIC_BASE + 0x10, 4, &v);
	return (uint32_t)v;
}

/* What a guest leaves behind: UART settings, CMOS bytes, IOAPIC routes. */
static void give_state(struct mvm_machine *m)
{
	out(m, UART_COM1_BASE + 3, 0x80);	/* DLAB */
	out(m, UART_COM1_BASE + 0, 0x0c);	/* 9600 baud */
	out(m, UART_COM1_BASE + 3, 0x03);	/* 8N1 */
	out(m, UART_COM1_BASE + 7, 0xa5);	/* scratch */
	out(m, UART_COM1_BASE + 2, 0x07);	/* FIFO on */
	out(m, UART_COM1_BASE + 4, 0x10);	/* loopback */
	out(m, UART_COM1_BASE + 0, 'x');	/* one byte in the FIFO */
	out(m, UART_COM1_BASE + 0, 'y');
	out(m, 0x70, 0x40);
	out(m, 0x71, 0x5a);			/* a CMOS byte */
	out(m, 0x70, 0x0e);			/* and the index left there */
	ioapic_set(m, 0x10 + 2 * 4, 0x1a031);	/* pin 4: masked, vector 0x31 */
	ioapic_set(m, 0x11 + 2 * 4, 0x01000000);
	ioapic_set(m, 0x10 + 2 * 9, 0xa041);	/* pin 9: level, vector 0x41 */
	out(m, 0x64, 0x60);			/* i8042: write command byte */
}

static void save(struct __test_metadata *_metadata, struct mvm_machine *m,
		 struct mvm_state *s)
{
	mvm_state_init(s);
	mvm_state_put_header(s);
	ASSERT_EQ(0, mvm_machine_save_devices(m, s));
}

static int load(const uint8_t *buf, size_t len, unsigned int how)
{
	struct mvm_machine m;
	struct mvm_state s;
	int r;

	build(&m, how);
	mvm_state_init_read(&s, buf, len);
	r = mvm_state_get_header(&s);
	if (!r)
		r = mvm_machine_load_devices(&m, &s);
	mvm_machine_destroy(&m);
	return r;
}

TEST(round_trip)
{
	struct mvm_machine a, b;
	struct mvm_state sa, sb, rd;

	build(&a, ALL);
	give_state(&a);
	save(_metadata, &a, &sa);

	build(&b, ALL);
	mvm_state_init_read(&rd, sa.buf, sa.len);
	ASSERT_EQ(0, mvm_state_get_header(&rd));
	ASSERT_EQ(0, mvm_machine_load_devices(&b, &rd));
	save(_metadata, &b, &sb);
	ASSERT_EQ(sa.len, sb.len);
	EXPECT_EQ(0, memcmp(sa.buf, sb.buf, sa.len));

	/* The guest sees the same devices. */
	EXPECT_EQ(0xa5, in(&b, UART_COM1_BASE + 7));
	EXPECT_EQ(0x03, in(&b, UART_COM1_BASE + 3));
	EXPECT_EQ('x', in(&b, UART_COM1_BASE + 0));
	EXPECT_EQ('y', in(&b, UART_COM1_BASE + 0));
	EXPECT_EQ(0x0e, in(&b, 0x70) & 0x7f);
	out(&b, 0x70, 0x40);
	EXPECT_EQ(0x5a, in(&b, 0x71));
	EXPECT_EQ(0x1a031U, ioapic_get(&b, 0x10 + 2 * 4));
	EXPECT_EQ(0x01000000U, ioapic_get(&b, 0x11 + 2 * 4));
	EXPECT_EQ(0xa041U, ioapic_get(&b, 0x10 + 2 * 9));

	mvm_state_free(&sa);
	mvm_state_free(&sb);
	mvm_machine_destroy(&a);
	mvm_machine_destroy(&b);
}

TEST(every_flip_refused)
{
	struct mvm_machine a;
	struct mvm_state s;
	uint8_t *copy;
	size_t i;

	build(&a, ALL);
	give_state(&a);
	save(_metadata, &a, &s);
	ASSERT_EQ(0, load(s.buf, s.len, ALL));
	copy = malloc(s.len);
	ASSERT_NE(NULL, copy);
	for (i = 0; i < s.len; i++) {
		memcpy(copy, s.buf, s.len);
		copy[i] ^= 0x01;
		EXPECT_EQ(-1, load(copy, s.len, ALL))
			TH_LOG("a flip at byte %zu of %zu was taken", i, s.len);
		copy[i] ^= 0x81;
		EXPECT_EQ(-1, load(copy, s.len, ALL))
			TH_LOG("a flip at byte %zu of %zu was taken", i, s.len);
	}
	free(copy);
	mvm_state_free(&s);
	mvm_machine_destroy(&a);
}

TEST(every_truncation_refused)
{
	struct mvm_machine a;
	struct mvm_state s;
	size_t n;

	build(&a, ALL);
	give_state(&a);
	save(_metadata, &a, &s);
	for (n = 0; n < s.len; n++)
		EXPECT_EQ(-1, load(s.buf, n, ALL))
			TH_LOG("a stream cut at %zu of %zu was taken", n, s.len);
	mvm_state_free(&s);
	mvm_machine_destroy(&a);
}

TEST(other_devices_refused)
{
	struct mvm_machine a;
	struct mvm_state s;

	build(&a, ALL);
	save(_metadata, &a, &s);
	EXPECT_EQ(-1, load(s.buf, s.len, UART2));	/* a UART more */
	EXPECT_EQ(EBADMSG, errno);
	EXPECT_EQ(-1, load(s.buf, s.len, NO_RTC));	/* no RTC */
	EXPECT_EQ(EBADMSG, errno);
	mvm_state_free(&s);
	mvm_machine_destroy(&a);

	/* Two UARTs: each takes its own section, by instance. */
	build(&a, UART2);
	save(_metadata, &a, &s);
	EXPECT_EQ(0, load(s.buf, s.len, UART2));
	mvm_state_free(&s);
	mvm_machine_destroy(&a);
}

TEST(header_checked)
{
	struct mvm_state s;
	uint8_t buf[MVM_STATE_HDR_SIZE];

	mvm_state_init(&s);
	mvm_state_put_header(&s);
	ASSERT_EQ((size_t)MVM_STATE_HDR_SIZE, s.len);
	memcpy(buf, s.buf, sizeof(buf));
	buf[8] = 2;				/* version 2 */
	mvm_state_free(&s);
	mvm_state_init_read(&s, buf, sizeof(buf));
	EXPECT_EQ(-1, mvm_state_get_header(&s));
	EXPECT_EQ(EPROTONOSUPPORT, errno);
	buf[8] = 1;
	buf[0] = 'X';
	mvm_state_init_read(&s, buf, sizeof(buf));
	EXPECT_EQ(-1, mvm_state_get_header(&s));
	EXPECT_EQ(EBADMSG, errno);
}

/*
 * Sections with good checksums: a UART FIFO count within its size is
 * taken, one past it refused.
 */
TEST(impossible_value_refused)
{
	struct mvm_state s;
	uint8_t rx[16] = { 0 };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		mvm_state_init(&s);
		mvm_state_put_header(&s);
		/* The registry walk goes newest first: COM1, then the IOAPIC. */
		mvm_state_begin(&s, MVM_STATE_DEVICE, "uart8250", 0);
		mvm_state_put_bytes(&s, rx, sizeof(rx));
		mvm_state_put_u32(&s, 0);
		mvm_state_put_u32(&s, i ? 17 : 1);	/* rx_count */
		for (unsigned int r = 0; r < 9; r++)
			mvm_state_put_u8(&s, r == 6 ? 0x01 : 0);	/* FIFO on */
		mvm_state_put_u8(&s, 0);
		mvm_state_put_u8(&s, 0);
		ASSERT_EQ(0, mvm_state_end(&s));
		mvm_state_begin(&s, MVM_STATE_DEVICE, "ioapic", 0);
		mvm_state_put_u8(&s, 1);
		mvm_state_put_u32(&s, 0);
		mvm_state_put_u32(&s, 0);
		for (unsigned int p = 0; p < IOAPIC_PINS; p++)
			mvm_state_put_u64(&s, 1ULL << 16);
		ASSERT_EQ(0, mvm_state_end(&s));
		EXPECT_EQ(i ? -1 : 0, load(s.buf, s.len, ONLY_TWO));
		mvm_state_free(&s);
	}
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: ACPI tables for a hardware-reduced machine (ACPI 6.5 section
 * 4.1): no SCI, no PM1 or GPE blocks, no PM timer, no 8259s.  Linux then
 * needs none of the legacy timers or interrupt controllers: the local
 * APICs and one IOAPIC (MADT) carry every interrupt, the FADT's sleep
 * registers power the machine off, and the DSDT names S5 and the legacy
 * devices (COM1, the RTC, the i8042, pvpanic) with their ports and IRQs,
 * and the PCI host bridge (PNP0A08) with its bus, I/O and memory windows.
 * The MCFG table gives bus 0's ECAM window, which a motherboard resource
 * (PNP0C02) in the DSDT and the e820 map both reserve, as Linux wants
 * before it uses ECAM.
 *
 *   RSDP (0xe0000) -> XSDT -> FADT -> DSDT
 *                          -> MADT
 *                          -> MCFG
 */
#include <string.h>

#include "libmvm.h"

#define HDR_LEN		36
#define OEM_ID		"MVM   "	/* 6 characters */
#define OEM_TABLE_ID	"MVMBOARD"	/* 8 */
#define CREATOR_ID	"MVM "		/* 4 */

/* FADT (revision 6, 276 bytes): the offsets of the fields we set. */
#define FADT_LEN		276
#define FADT_DSDT		40
#define FADT_IAPC_BOOT_ARCH	109
#define FADT_FLAGS		112
#define FADT_MINOR		131
#define FADT_X_DSDT		140
#define FADT_SLEEP_CONTROL	244
#define FADT_SLEEP_STATUS	256
#define FADT_HYPERVISOR_ID	268

#define BOOT_ARCH_8042		(1U << 1)	/* i8042: Linux resets through it */
#define BOOT_ARCH_NO_VGA	(1U << 2)
#define FADT_PWR_BUTTON		(1U << 4)	/* no fixed power button */
#define FADT_SLP_BUTTON		(1U << 5)	/* no fixed sleep button */
#define FADT_HW_REDUCED		(1U << 20)

#define GAS_SYSTEM_IO		1
#define GAS_ACCESS_BYTE		1

#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_LAPIC_ENABLED	1

static void le(struct mvm_aml *a, uint64_t v, unsigned int n)
{
	while (n--) {
		mvm_aml_byte(a, (uint8_t)v);
		v >>= 8;
	}
}

static void put_le(uint8_t *p, uint64_t v, unsigned int n)
{
	while (n--) {
		*p++ = (uint8_t)v;
		v >>= 8;
	}
}

/* The common header; length and checksum are filled in by finish(). */
static void header(struct mvm_aml *a, const char *sig, uint8_t rev)
{
	mvm_aml_bytes(a, sig, 4);
	le(a, 0, 4);			/* length */
	mvm_aml_byte(a, rev);
	mvm_aml_byte(a, 0);		/* checksum */
	mvm_aml_bytes(a, OEM_ID, 6);
	mvm_aml_bytes(a, OEM_TABLE_ID, 8);
	le(a, 1, 4);			/* OEM revision */
	mvm_aml_bytes(a, CREATOR_ID, 4);
	le(a, 1, 4);			/* creator revision */
}

static void finish(struct mvm_aml *a)
{
	if (a->err)
		return;
	put_le(a->buf + 4, a->len, 4);
	a->buf[9] = 0;
	a->buf[9] = mvm_acpi_checksum(a->buf, a->len);
}

/* ---- DSDT ---- */

#define AML_NAME	0x08
#define AML_PACKAGE	0x12
#define AML_BUFFER	0x11
#define AML_SCOPE	0x10
#define AML_EXT		0x5b
#define AML_DEVICE	0x82

static void aml_name(struct mvm_aml *a, const char *name)
{
	mvm_aml_byte(a, AML_NAME);
	mvm_aml_nameseg(a, name);
}

/* A compressed EISA id ("PNP0501") as AML stores _HID integers. */
static uint32_t eisa_id(const char *id)
{
	uint32_t v = (uint32_t)(id[0] - 0x40) << 26 |
		     (uint32_t)(id[1] - 0x40) << 21 |
		     (uint32_t)(id[2] - 0x40) << 16;
	unsigned int i;

	for (i = 3; i < 7; i++) {
		char c = id[i];

		v |= (uint32_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10)
		     << (4 * (6 - i));
	}
	/* Big-endian in memory, read back as a little-endian DWORD. */
	return __builtin_bswap32(v);
}

/* Small resource descriptors (ACPI 6.5 section 6.4.2). */
static void res_io(struct mvm_aml *r, uint16_t port, uint8_t len)
{
	/* IO(Decode16, port, port, 1, len) */
	const uint8_t d[] = { 0x47, 0x01, (uint8_t)port, (uint8_t)(port >> 8),
			      (uint8_t)port, (uint8_t)(port >> 8), 0x01, len };

	mvm_aml_bytes(r, d, sizeof(d));
}

static void res_irq(struct mvm_aml *r, unsigned int irq)
{
	/* IRQNoFlags(){irq}: ISA style, edge, active high. */
	const uint8_t d[] = { 0x22, (uint8_t)(1U << irq),
			      (uint8_t)((1U << irq) >> 8) };

	mvm_aml_bytes(r, d, sizeof(d));
}

/* Large resource descriptors (section 6.4.3): address space ones. */
#define RES_SPACE_MEM		0
#define RES_SPACE_IO		1
#define RES_SPACE_BUS		2
#define RES_PRODUCER_FIXED	0x0c	/* MinFixed, MaxFixed, PosDecode */

/* WordIO / WordBusNumber (ResourceProducer, fixed): [min, max]. */
static void res_word(struct mvm_aml *r, uint8_t space, uint16_t min,
		     uint16_t max)
{
	uint16_t len = (uint16_t)(max - min + 1);
	const uint8_t d[] = {
		0x88, 13, 0, space, RES_PRODUCER_FIXED,
		space == RES_SPACE_IO ? 3 : 0,	/* EntireRange */
		0, 0,				/* granularity */
		(uint8_t)min, (uint8_t)(min >> 8),
		(uint8_t)max, (uint8_t)(max >> 8),
		0, 0,				/* translation */
		(uint8_t)len, (uint8_t)(len >> 8),
	};

	mvm_aml_bytes(r, d, sizeof(d));
}

/* DWordMemory (ResourceProducer, fixed, non-cacheable, read-write). */
static void res_dword_mem(struct mvm_aml *r, uint32_t min, uint32_t max)
{
	uint8_t d[26] = { 0x87, 23, 0, RES_SPACE_MEM, RES_PRODUCER_FIXED,
			  0x01 };	/* ReadWrite, NonCacheable */

	put_le(d + 10, min, 4);
	put_le(d + 14, max, 4);
	put_le(d + 22, max - min + 1, 4);
	mvm_aml_bytes(r, d, sizeof(d));
}

/* Memory32Fixed(ReadWrite, base, len) */
static void res_mem32_fixed(struct mvm_aml *r, uint32_t base, uint32_t len)
{
	uint8_t d[12] = { 0x86, 9, 0, 0x01 };

	put_le(d + 4, base, 4);
	put_le(d + 8, len, 4);
	mvm_aml_bytes(r, d, sizeof(d));
}

/* Name(_CRS, ResourceTemplate() { what r holds }) */
static void aml_crs(struct mvm_aml *a, struct mvm_aml *r)
{
	static const uint8_t end_tag[] = { 0x79, 0x00 };
	size_t pkg;

	mvm_aml_bytes(r, end_tag, sizeof(end_tag));
	aml_name(a, "_CRS");
	mvm_aml_byte(a, AML_BUFFER);
	pkg = mvm_aml_pkg_open(a);
	mvm_aml_integer(a, r->len);
	mvm_aml_bytes(a, r->buf, r->len);
	mvm_aml_pkg_close(a, pkg);
	if (r->err)
		a->err = r->err;
	mvm_aml_free(r);
}

/*
 * Device(name) { _HID, [_CID,] [_UID,] _CRS }.  The legacy devices must be
 * described here: with hardware-reduced ACPI Linux has no legacy PIC and
 * maps no ISA IRQ by itself, only those an ACPI device asks for.
 */
static void aml_id(struct mvm_aml *a, const char *id)
{
	if (id[0] == 'P' && id[1] == 'N' && id[2] == 'P')
		mvm_aml_integer(a, eisa_id(id));
	else
		mvm_aml_string(a, id);
}

static void device_cid(struct mvm_aml *a, const char *name, const char *hid,
		       const char *cid, int uid, struct mvm_aml *crs)
{
	size_t dev;

	mvm_aml_byte(a, AML_EXT);
	mvm_aml_byte(a, AML_DEVICE);
	dev = mvm_aml_pkg_open(a);
	mvm_aml_nameseg(a, name);
	aml_name(a, "_HID");
	aml_id(a, hid);
	if (cid) {
		aml_name(a, "_CID");
		aml_id(a, cid);
	}
	if (uid >= 0) {
		aml_name(a, "_UID");
		mvm_aml_integer(a, (uint64_t)uid);
	}
	aml_crs(a, crs);
	mvm_aml_pkg_close(a, dev);
}

static void device(struct mvm_aml *a, const char *name, const char *hid,
		   int uid, struct mvm_aml *crs)
{
	device_cid(a, name, hid, NULL, uid, crs);
}

static void build_dsdt(struct mvm_aml *a)
{
	struct mvm_aml r = { 0 };
	size_t scope, pkg;

	header(a, "DSDT", 2);

	/* Name(_S5_, Package() { 5, 0 }): SLP_TYPa 5, what acpi_pm.c takes. */
	aml_name(a, "_S5_");
	mvm_aml_byte(a, AML_PACKAGE);
	pkg = mvm_aml_pkg_open(a);
	mvm_aml_byte(a, 2);		/* NumElements */
	mvm_aml_integer(a, 5);
	mvm_aml_integer(a, 0);
	mvm_aml_pkg_close(a, pkg);

	mvm_aml_byte(a, AML_SCOPE);
	scope = mvm_aml_pkg_open(a);
	mvm_aml_nameseg(a, "_SB_");

	res_io(&r, 0x3f8, 8);
	res_irq(&r, 4);
	device(a, "COM1", "PNP0501", 1, &r);	/* 16550A */

	res_io(&r, 0x70, 2);
	res_irq(&r, 8);
	device(a, "RTC_", "PNP0B00", -1, &r);	/* AT real-time clock */

	res_io(&r, 0x60, 1);
	res_io(&r, 0x64, 1);
	res_irq(&r, 1);
	device(a, "PS2K", "PNP0303", -1, &r);	/* i8042 keyboard port */

	res_io(&r, MVM_PVPANIC_PORT, 1);
	device(a, "PEVT", "QEMU0001", -1, &r);	/* pvpanic */

	/*
	 * PCI Express root bridge: bus 0, mechanism #1's ports, I/O and
	 * 32-bit memory windows for BARs.  Only legacy-free windows: the
	 * ISA devices above are no children of it.
	 */
	res_word(&r, RES_SPACE_BUS, 0, 0);
	res_io(&r, 0xcf8, 8);
	res_word(&r, RES_SPACE_IO, MVM_PCI_IO_BASE, 0xffff);
	res_dword_mem(&r, MVM_PCI_MMIO_BASE, MVM_PCI_MMIO_END - 1);
	/* A PCI Express root bridge is a PCI one too: Linux binds PNP0A03. */
	device_cid(a, "PCI0", "PNP0A08", "PNP0A03", 0, &r);

	res_mem32_fixed(&r, MVM_PCI_ECAM_BASE, MVM_PCI_ECAM_SIZE);
	device(a, "MRES", "PNP0C02", -1, &r);	/* ECAM, reserved */

	mvm_aml_pkg_close(a, scope);
	finish(a);
}

/* ---- FADT ---- */

static void gas_io8(uint8_t *p, uint16_t port)
{
	p[0] = GAS_SYSTEM_IO;
	p[1] = 8;			/* bit width */
	p[2] = 0;			/* bit offset */
	p[3] = GAS_ACCESS_BYTE;
	put_le(p + 4, port, 8);
}

static void build_fadt(struct mvm_aml *a, uint64_t dsdt)
{
	uint8_t f[FADT_LEN - HDR_LEN];

	header(a, "FACP", 6);
	memset(f, 0, sizeof(f));
	put_le(f + FADT_DSDT - HDR_LEN, dsdt, 4);
	put_le(f + FADT_IAPC_BOOT_ARCH - HDR_LEN,
	       BOOT_ARCH_8042 | BOOT_ARCH_NO_VGA, 2);
	put_le(f + FADT_FLAGS - HDR_LEN,
	       FADT_HW_REDUCED | FADT_PWR_BUTTON | FADT_SLP_BUTTON, 4);
	f[FADT_MINOR - HDR_LEN] = 5;	/* ACPI 6.5 */
	put_le(f + FADT_X_DSDT - HDR_LEN, dsdt, 8);
	gas_io8(f + FADT_SLEEP_CONTROL - HDR_LEN, MVM_ACPI_SLEEP_CONTROL);
	gas_io8(f + FADT_SLEEP_STATUS - HDR_LEN, MVM_ACPI_SLEEP_STATUS);
	memcpy(f + FADT_HYPERVISOR_ID - HDR_LEN, "mvm\0\0\0\0\0", 8);
	mvm_aml_bytes(a, f, sizeof(f));
	finish(a);
}

/* ---- MADT ---- */

static void build_madt(struct mvm_aml *a, unsigned int nr_cpus)
{
	unsigned int i;

	header(a, "APIC", 5);
	le(a, MVM_LAPIC_BASE, 4);
	le(a, 0, 4);			/* flags: no PC-AT 8259s */
	for (i = 0; i < nr_cpus; i++) {
		mvm_aml_byte(a, MADT_LAPIC);
		mvm_aml_byte(a, 8);
		mvm_aml_byte(a, (uint8_t)i);	/* ACPI processor UID */
		mvm_aml_byte(a, (uint8_t)i);	/* APIC id = vCPU id */
		le(a, MADT_LAPIC_ENABLED, 4);
	}
	/* The IOAPIC's id follows the CPUs' so that no two APICs share one. */
	mvm_aml_byte(a, MADT_IOAPIC);
	mvm_aml_byte(a, 12);
	mvm_aml_byte(a, (uint8_t)nr_cpus);
	mvm_aml_byte(a, 0);
	le(a, MVM_IOAPIC_BASE, 4);
	le(a, 0, 4);			/* GSI base */
	finish(a);
}

/* ---- MCFG (PCI Firmware 3.3, 4.1.2) ---- */

static void build_mcfg(struct mvm_aml *a)
{
	header(a, "MCFG", 1);
	le(a, 0, 8);			/* reserved */
	le(a, MVM_PCI_ECAM_BASE, 8);
	le(a, 0, 2);			/* segment */
	mvm_aml_byte(a, 0);		/* first bus */
	mvm_aml_byte(a, (uint8_t)((MVM_PCI_ECAM_SIZE >> 20) - 1)); /* last */
	le(a, 0, 4);
	finish(a);
}

/* ---- XSDT, RSDP, placement ---- */

static void build_xsdt(struct mvm_aml *a, const uint64_t *tables,
		       unsigned int n)
{
	unsigned int i;

	header(a, "XSDT", 1);
	for (i = 0; i < n; i++)
		le(a, tables[i], 8);
	finish(a);
}

static void build_rsdp(uint8_t *p, uint64_t xsdt)
{
	memset(p, 0, 36);
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, OEM_ID, 6);
	p[15] = 2;			/* revision: ACPI 2.0+, has the XSDT */
	put_le(p + 20, 36, 4);		/* length */
	put_le(p + 24, xsdt, 8);
	p[8] = mvm_acpi_checksum(p, 20);
	p[32] = mvm_acpi_checksum(p, 36);
}

/* Copy a finished table to *at (16-byte aligned); its address or 0. */
static uint64_t place(uint8_t *ram, uint64_t *at, const struct mvm_aml *a)
{
	uint64_t addr = (*at + 15) & ~15ULL;

	if (a->err || addr + a->len > MVM_ACPI_END)
		return 0;
	memcpy(ram + addr, a->buf, a->len);
	*at = addr + a->len;
	return addr;
}

uint64_t mvm_acpi_build(void *ram_p, unsigned int nr_cpus)
{
	struct mvm_aml dsdt = { 0 }, fadt = { 0 }, madt = { 0 }, xsdt = { 0 };
	struct mvm_aml mcfg = { 0 };
	uint8_t *ram = ram_p;
	uint64_t at = MVM_ACPI_BASE + 64, tables[3], addr, rsdp = 0;

	build_dsdt(&dsdt);
	addr = place(ram, &at, &dsdt);
	if (!addr)
		goto out;
	build_fadt(&fadt, addr);
	build_madt(&madt, nr_cpus);
	build_mcfg(&mcfg);
	tables[0] = place(ram, &at, &fadt);
	tables[1] = place(ram, &at, &madt);
	tables[2] = place(ram, &at, &mcfg);
	if (!tables[0] || !tables[1] || !tables[2])
		goto out;
	build_xsdt(&xsdt, tables, 3);
	addr = place(ram, &at, &xsdt);
	if (!addr)
		goto out;
	build_rsdp(ram + MVM_ACPI_BASE, addr);
	rsdp = MVM_ACPI_BASE;
out:
	mvm_aml_free(&dsdt);
	mvm_aml_free(&fadt);
	mvm_aml_free(&madt);
	mvm_aml_free(&mcfg);
	mvm_aml_free(&xsdt);
	return rsdp;
}

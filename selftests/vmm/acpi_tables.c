// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ACPI tables mvm run gives Linux (userspace/lib/acpi.c, aml.c):
 * RSDP where the BIOS-area scan finds it, every checksum right, the
 * FADT hardware-reduced with the sleep registers, one local APIC per vCPU
 * and the IOAPIC in the MADT, bus 0's ECAM window in the MCFG, and iasl
 * (acpica-tools) disassembling every table, the DSDT's AML included,
 * without an error; the DSDT has the PCI host bridge and reserves ECAM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libmvm.h"

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

FIXTURE(acpi) {
	uint8_t *ram;
	uint64_t rsdp, xsdt, fadt, madt, mcfg, dsdt;
};

FIXTURE_SETUP(acpi)
{
	self->ram = calloc(1, 1 << 20);
	ASSERT_NE(NULL, self->ram);
	self->rsdp = mvm_acpi_build(self->ram, 3);
	ASSERT_NE(0U, self->rsdp);
	self->xsdt = rd64(self->ram + self->rsdp + 24);
	self->fadt = rd64(self->ram + self->xsdt + 36);
	self->madt = rd64(self->ram + self->xsdt + 44);
	self->mcfg = rd64(self->ram + self->xsdt + 52);
	self->dsdt = rd64(self->ram + self->fadt + 140);
}

FIXTURE_TEARDOWN(acpi)
{
	free(self->ram);
}

TEST_F(acpi, rsdp_and_checksums)
{
	const uint8_t *r = self->ram + self->rsdp;
	uint64_t t[] = { self->xsdt, self->fadt, self->madt, self->mcfg,
			 self->dsdt };
	unsigned int i;

	EXPECT_EQ(0U, self->rsdp % 16);
	EXPECT_EQ(36U + 3 * 8, rd32(self->ram + self->xsdt + 4));
	EXPECT_GE(self->rsdp, 0xe0000ULL);
	EXPECT_LT(self->rsdp, 0x100000ULL);
	EXPECT_EQ(0, memcmp(r, "RSD PTR ", 8));
	EXPECT_EQ(2, r[15]);
	EXPECT_EQ(0, sum(r, 20));
	EXPECT_EQ(0, sum(r, 36));
	for (i = 0; i < 5; i++) {
		const uint8_t *h = self->ram + t[i];

		ASSERT_LT(t[i], 0x100000ULL);
		EXPECT_EQ(0, sum(h, rd32(h + 4))) TH_LOG("table %.4s", h);
	}
	EXPECT_EQ(0, memcmp(self->ram + self->dsdt, "DSDT", 4));
	/* FADT DSDT (32-bit) and X_DSDT agree. */
	EXPECT_EQ(self->dsdt, rd32(self->ram + self->fadt + 40));
}

TEST_F(acpi, fadt_madt)
{
	const uint8_t *f = self->ram + self->fadt, *m = self->ram + self->madt;
	unsigned int i;

	EXPECT_EQ(0, memcmp(f, "FACP", 4));
	EXPECT_EQ(276U, rd32(f + 4));
	EXPECT_EQ(6, f[8]);
	EXPECT_TRUE(!!(rd32(f + 112) & (1U << 20)));	/* HW_REDUCED_ACPI */
	EXPECT_TRUE(f[109] & 2);			/* 8042 */
	EXPECT_FALSE(f[109] & 0x20);			/* CMOS RTC present */
	/* SLEEP_CONTROL/STATUS: 8-bit SystemIO at the ports acpi_pm.c takes. */
	EXPECT_EQ(1, f[244]);
	EXPECT_EQ(8, f[245]);
	EXPECT_EQ((uint64_t)MVM_ACPI_SLEEP_CONTROL, rd64(f + 248));
	EXPECT_EQ((uint64_t)MVM_ACPI_SLEEP_STATUS, rd64(f + 260));

	EXPECT_EQ(0, memcmp(m, "APIC", 4));
	EXPECT_EQ(0xfee00000U, rd32(m + 36));
	EXPECT_EQ(44U + 3 * 8 + 12, rd32(m + 4));
	for (i = 0; i < 3; i++) {
		const uint8_t *e = m + 44 + 8 * i;

		EXPECT_EQ(0, e[0]);
		EXPECT_EQ(i, e[3]);			/* APIC id = vCPU id */
		EXPECT_EQ(1U, rd32(e + 4));		/* enabled */
	}
	m += 44 + 3 * 8;
	EXPECT_EQ(1, m[0]);
	EXPECT_EQ(3, m[2]);				/* IOAPIC id */
	EXPECT_EQ(0xfec00000U, rd32(m + 4));
	EXPECT_EQ(0U, rd32(m + 8));
}

TEST_F(acpi, mcfg)
{
	const uint8_t *c = self->ram + self->mcfg;

	EXPECT_EQ(0, memcmp(c, "MCFG", 4));
	EXPECT_EQ(44U + 16, rd32(c + 4));
	EXPECT_EQ(MVM_PCI_ECAM_BASE, rd64(c + 44));
	EXPECT_EQ(0, c[52] | c[53]);			/* segment 0 */
	EXPECT_EQ(0, c[54]);				/* buses 0-0 */
	EXPECT_EQ(0, c[55]);
}

/* Write each table to a file in a fresh directory and run iasl -d. */
TEST_F(acpi, iasl_disassembles)
{
	const char *names[] = { "dsdt", "facp", "apic", "mcfg", "xsdt" };
	uint64_t t[] = { self->dsdt, self->fadt, self->madt, self->mcfg,
			 self->xsdt };
	char dir[] = "/tmp/mvm-acpi-XXXXXX", cmd[512];
	unsigned int i;

	if (system("command -v iasl >/dev/null 2>&1"))
		SKIP(return, "iasl not installed (acpica-tools, scripts/setup)");
	ASSERT_NE(NULL, mkdtemp(dir));
	for (i = 0; i < 5; i++) {
		const uint8_t *h = self->ram + t[i];
		char path[256];
		FILE *fp;

		snprintf(path, sizeof(path), "%s/%s.dat", dir, names[i]);
		fp = fopen(path, "w");
		ASSERT_NE(NULL, fp);
		ASSERT_EQ(1U, fwrite(h, rd32(h + 4), 1, fp));
		fclose(fp);
		/* iasl exits 0 even on some errors: look at what it says. */
		snprintf(cmd, sizeof(cmd),
			 "cd %s && iasl -d %s.dat >%s.log 2>&1 && "
			 "! grep -qiE 'error|warning|incorrect' %s.log %s.dsl",
			 dir, names[i], names[i], names[i], names[i]);
		EXPECT_EQ(0, system(cmd)) TH_LOG("iasl on %s (in %s)", names[i], dir);
	}
	/* The DSDT names what Linux needs. */
	snprintf(cmd, sizeof(cmd),
		 "cd %s && grep -q '_S5' dsdt.dsl && grep -q 'QEMU0001' dsdt.dsl && "
		 "grep -q 'PNP0501' dsdt.dsl && grep -q 'PNP0B00' dsdt.dsl && "
		 "grep -q 'PNP0303' dsdt.dsl && grep -q 'PNP0A08' dsdt.dsl && grep -q 'PNP0A03' dsdt.dsl && "
		 "grep -q 'PNP0C02' dsdt.dsl && "
		 "grep -qi 'WordBusNumber' dsdt.dsl && grep -qi '0xE0000000' dsdt.dsl && "
		 "grep -qi 'DWordMemory' dsdt.dsl && grep -qi '0xC0000000' dsdt.dsl && "
		 "grep -qi 'Base Address : 00000000E0000000' mcfg.dsl", dir);
	EXPECT_EQ(0, system(cmd));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd)) {
		/* A leftover temporary directory is not a failure. */
	}
}

TEST(aml_encoding)
{
	struct mvm_aml a = { 0 };
	uint8_t body[100];
	size_t at;

	/* 63 bytes in all fit one byte; 64 and up take two. */
	at = mvm_aml_pkg_open(&a);
	mvm_aml_bytes(&a, body, 62);
	mvm_aml_pkg_close(&a, at);
	EXPECT_EQ(63U, a.len);
	EXPECT_EQ(63, a.buf[0]);
	mvm_aml_free(&a);

	at = mvm_aml_pkg_open(&a);
	mvm_aml_bytes(&a, body, 63);
	mvm_aml_pkg_close(&a, at);
	EXPECT_EQ(65U, a.len);
	EXPECT_EQ(0x40 | (65 & 0xf), a.buf[0]);
	EXPECT_EQ(65 >> 4, a.buf[1]);
	mvm_aml_free(&a);

	mvm_aml_integer(&a, 0);
	mvm_aml_integer(&a, 1);
	mvm_aml_integer(&a, 0x1234);
	EXPECT_EQ(5U, a.len);
	EXPECT_EQ(0, memcmp(a.buf, "\x00\x01\x0b\x34\x12", 5));
	mvm_aml_free(&a);
}

TEST_HARNESS_MAIN

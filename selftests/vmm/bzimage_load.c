// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bzImage loader (userspace/lib/bzimage.c) on the Debian kernels the
 * test host runs: the zero page carries the file's setup header, the
 * loader type, command line, initrd, e820 map and RSDP; the kernel sits
 * where the header prefers; the identity map and GDT are in place; bad
 * inputs fail with the documented errno.  Plain userspace: no VM.
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libmvm.h"

#define MEM		(256ULL << 20)
#define ZP		0x7000

static const char *kernel_path(void)
{
	static char path[4096];
	const char *home = getenv("HOME");
	char pattern[512];
	glob_t g;

	if (path[0])
		return path;
	snprintf(pattern, sizeof(pattern), "%s/.cache/mvm/kernels/*/boot/vmlinuz-*",
		 home ? home : "/root");
	if (glob(pattern, 0, NULL, &g) || !g.gl_pathc)
		return NULL;
	snprintf(path, sizeof(path), "%s", g.gl_pathv[0]);
	globfree(&g);
	return path;
}

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

FIXTURE(load) {
	uint8_t *ram;
	char initrd[64];
	struct mvm_linux_boot b;
};

FIXTURE_SETUP(load)
{
	int fd;
	static const char data[] = "an initrd: the loader does not look inside";

	self->ram = mmap(NULL, MEM, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->ram);
	snprintf(self->initrd, sizeof(self->initrd), "/tmp/mvm-initrd-XXXXXX");
	fd = mkstemp(self->initrd);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)sizeof(data), write(fd, data, sizeof(data)));
	close(fd);
	memset(&self->b, 0, sizeof(self->b));
	self->b.kernel = kernel_path();
	self->b.initrd = self->initrd;
	self->b.cmdline = "console=ttyS0 quiet";
	self->b.mem = MEM;
	self->b.rsdp = 0xe0000;
	if (!self->b.kernel)
		SKIP(return, "no Debian kernel under ~/.cache/mvm/kernels (scripts/setup)");
}

FIXTURE_TEARDOWN(load)
{
	munmap(self->ram, MEM);
	unlink(self->initrd);
}

TEST_F(load, zero_page)
{
	struct mvm_linux_boot *b = &self->b;
	const uint8_t *zp = self->ram + ZP;
	uint8_t hdr[0x290], pm[4096];
	long setup;
	FILE *f;

	ASSERT_EQ(0, mvm_linux_load(self->ram, b)) TH_LOG("%s", b->why);
	f = fopen(b->kernel, "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1U, fread(hdr, sizeof(hdr), 1, f));
	setup = ((hdr[0x1f1] ? hdr[0x1f1] : 4) + 1) * 512L;
	ASSERT_EQ(0, fseek(f, setup, SEEK_SET));
	ASSERT_EQ(1U, fread(pm, sizeof(pm), 1, f));
	fclose(f);

	EXPECT_EQ(0x53726448U, rd32(zp + 0x202));	/* HdrS copied */
	EXPECT_GE(b->version, 0x20c);
	EXPECT_EQ(0xff, zp[0x210]);			/* type_of_loader */
	EXPECT_EQ(0, memcmp(zp + 0x206, hdr + 0x206, 2));	/* version */
	EXPECT_EQ(0, memcmp(zp + 0x230, hdr + 0x230, 8));	/* alignment.. */
	/* The protected-mode part at the load address, byte for byte. */
	EXPECT_EQ(0, memcmp(self->ram + b->kernel_addr, pm, sizeof(pm)));
	EXPECT_EQ(rd64(hdr + 0x258), b->kernel_addr);	/* pref_address fits */
	EXPECT_EQ(b->kernel_addr + 0x200, b->entry);
	EXPECT_EQ((uint32_t)b->kernel_addr, rd32(zp + 0x214));	/* code32_start */

	EXPECT_EQ(0x20000U, rd32(zp + 0x228));		/* cmd_line_ptr */
	EXPECT_STREQ("console=ttyS0 quiet", (char *)self->ram + 0x20000);

	/* The initrd: top of RAM, page aligned, above the kernel's reach. */
	EXPECT_EQ(b->initrd_addr, rd32(zp + 0x218));
	EXPECT_EQ(b->initrd_size, rd32(zp + 0x21c));
	EXPECT_EQ(0U, b->initrd_addr % 4096);
	EXPECT_EQ((MEM - b->initrd_size) & ~4095ULL, b->initrd_addr);
	EXPECT_GE(b->initrd_addr, b->kernel_addr + b->init_size);
	EXPECT_EQ(0, memcmp(self->ram + b->initrd_addr, "an initrd", 9));

	if (b->version >= 0x20e)
		EXPECT_EQ(0xe0000ULL, rd64(zp + 0x070));	/* acpi_rsdp_addr */
}

TEST_F(load, long_mode_tables)
{
	struct mvm_linux_boot *b = &self->b;
	const uint64_t *pml4, *pdpt, *pd, *gdt;
	unsigned int i;

	ASSERT_EQ(0, mvm_linux_load(self->ram, b)) TH_LOG("%s", b->why);
	pml4 = (const uint64_t *)(self->ram + b->cr3);
	pdpt = (const uint64_t *)(self->ram + (pml4[0] & ~0xfffULL));
	ASSERT_EQ(1U, pml4[0] & 1);
	/* 4 GiB identity-mapped with 2 MiB pages: check every one. */
	for (i = 0; i < 4 * 512; i++) {
		pd = (const uint64_t *)(self->ram + (pdpt[i / 512] & ~0xfffULL));
		ASSERT_EQ((uint64_t)i << 21 | 0x83, pd[i % 512]);
	}
	gdt = (const uint64_t *)(self->ram + b->gdt);
	EXPECT_EQ(0x00af9b000000ffffULL, gdt[2]);	/* 0x10: 64-bit code */
	EXPECT_EQ(0x00cf93000000ffffULL, gdt[3]);	/* 0x18: data */
	/* The reset vector reboots through the i8042: out 0x64, 0xfe. */
	EXPECT_EQ(0, memcmp(self->ram + 0xffff0, "\xb0\xfe\xe6\x64", 4));
}

TEST_F(load, not_a_kernel)
{
	struct mvm_linux_boot *b = &self->b;

	b->kernel = "/etc/passwd";
	EXPECT_EQ(-1, mvm_linux_load(self->ram, b));
	EXPECT_EQ(ENOEXEC, errno);
	EXPECT_STREQ("not a Linux bzImage (no HdrS header)", b->why);
	EXPECT_STREQ("/etc/passwd", b->file);

	b->kernel = "/nonexistent/vmlinuz";
	EXPECT_EQ(-1, mvm_linux_load(self->ram, b));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(load, too_long_cmdline)
{
	struct mvm_linux_boot *b = &self->b;
	char *cmd = malloc(70000);

	ASSERT_NE(NULL, cmd);
	memset(cmd, 'a', 69999);
	cmd[69999] = '\0';
	b->cmdline = cmd;
	EXPECT_EQ(-1, mvm_linux_load(self->ram, b));
	EXPECT_EQ(E2BIG, errno);
	free(cmd);
}

TEST_F(load, too_little_ram)
{
	struct mvm_linux_boot *b = &self->b;

	/* 16 MiB: the kernel wants more to decompress into. */
	b->mem = 16ULL << 20;
	EXPECT_EQ(-1, mvm_linux_load(self->ram, b));
	EXPECT_EQ(EFBIG, errno);
}

TEST_F(load, initrd_does_not_fit)
{
	struct mvm_linux_boot *b = &self->b;

	/* The kernel itself as a 10 MiB "initrd" beside a kernel in 48 MiB. */
	b->initrd = b->kernel;
	b->mem = 48ULL << 20;
	if (mvm_linux_load(self->ram, b) == 0)
		SKIP(return, "this kernel is small enough to share 48 MiB");
	EXPECT_EQ(EFBIG, errno);
	EXPECT_STREQ(b->initrd, b->file);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: loading a Linux bzImage for the 64-bit boot protocol.
 *
 * The file is a real-mode setup part ((setup_sects || 4) + 1 sectors,
 * whose header describes the kernel) followed by the protected-mode part,
 * the self-decompressing kernel.  We skip the real-mode code entirely:
 * the protected-mode part goes where the header prefers, and the boot
 * vCPU starts at its 64-bit entry (load address + 0x200) in long mode,
 * RSI pointing at a zero page that holds the header, the command line,
 * the initrd and the e820 map.  This is what the protocol calls the
 * 64-bit boot protocol; it needs protocol 2.12 or later and
 * XLF_KERNEL_64.
 *
 * Guest-physical layout below 1 MiB (all in e820 RAM, which Linux keeps
 * for itself early on anyway):
 *   0x0500  GDT            0x7000  zero page
 *   0x9000  PML4           0xa000  PDPT      0xb000-0xefff  4 PDs
 *   0x20000 command line
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libmvm.h"
#include "x86_boot.h"

#define BOOT_GDT	0x500ULL
#define BOOT_ZERO_PAGE	0x7000ULL
#define BOOT_PML4	0x9000ULL
#define BOOT_PDPT	0xa000ULL
#define BOOT_PD		0xb000ULL	/* 4 of them: 4 GiB of 2 MiB pages */
#define BOOT_CMDLINE	0x20000ULL
#define BOOT_CMDLINE_END MVM_EBDA_START

#define KERNEL_MIN_ADDR	0x100000ULL	/* 1 MiB: below is the legacy area */
#define MIN_PROTOCOL	0x020c		/* 2.12: xloadflags, 64-bit entry */
#define ACPI_PROTOCOL	0x020e		/* 2.14: acpi_rsdp_addr */

#define GDT_CODE64	0x10
#define GDT_DATA	0x18

#define PTE_P		0x1ULL
#define PTE_RW		0x2ULL
#define PTE_PS		0x80ULL

static uint16_t get16(const uint8_t *p, unsigned int off)
{
	return (uint16_t)(p[off] | p[off + 1] << 8);
}

static uint32_t get32(const uint8_t *p, unsigned int off)
{
	return (uint32_t)get16(p, off) | (uint32_t)get16(p, off + 2) << 16;
}

static uint64_t get64(const uint8_t *p, unsigned int off)
{
	return (uint64_t)get32(p, off) | (uint64_t)get32(p, off + 4) << 32;
}

static void put16(uint8_t *p, unsigned int off, uint16_t v)
{
	p[off] = (uint8_t)v;
	p[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, unsigned int off, uint32_t v)
{
	put16(p, off, (uint16_t)v);
	put16(p, off + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, unsigned int off, uint64_t v)
{
	put32(p, off, (uint32_t)v);
	put32(p, off + 4, (uint32_t)(v >> 32));
}

static int fail(struct mvm_linux_boot *b, int err, const char *why)
{
	b->why = why;
	if (!b->file)
		b->file = b->kernel;
	errno = err;
	return -1;
}

/* ---- The setup header ---- */

/* Check the header in the file's first bytes; 0 or -1 (b->why). */
static int check_header(const uint8_t *img, uint64_t size,
			struct mvm_linux_boot *b, uint64_t *setup_size)
{
	unsigned int sects;

	if (size < HDR_END_MAX || get32(img, HDR_MAGIC) != HDR_MAGIC_VALUE)
		return fail(b, ENOEXEC, "not a Linux bzImage (no HdrS header)");
	b->version = get16(img, HDR_VERSION);
	if (b->version < MIN_PROTOCOL)
		return fail(b, EPROTONOSUPPORT,
			    "boot protocol older than 2.12: mvm needs a kernel with the 64-bit entry (Linux 3.8 or later)");
	if (!(get16(img, HDR_XLOADFLAGS) & XLF_KERNEL_64))
		return fail(b, EPROTONOSUPPORT,
			    "not a 64-bit kernel (no XLF_KERNEL_64 in xloadflags)");
	if (!(img[HDR_LOADFLAGS] & LOADED_HIGH))
		return fail(b, EPROTONOSUPPORT,
			    "a zImage that loads below 1 MiB (no LOADED_HIGH)");
	sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4;
	*setup_size = (uint64_t)(sects + 1) * 512;
	if (*setup_size >= size)
		return fail(b, ENOEXEC,
			    "not a Linux bzImage (no protected-mode part)");
	return 0;
}

/*
 * Where the protected-mode part goes: the preferred address when the
 * kernel is not relocatable or it fits there, else the lowest address
 * above 1 MiB with the kernel's alignment.  Either way init_size bytes
 * from there must be RAM (the kernel decompresses in that range).
 */
static int place_kernel(const uint8_t *img, struct mvm_linux_boot *b,
			uint64_t low_end)
{
	uint64_t pref = get64(img, HDR_PREF_ADDRESS);
	uint64_t align = get32(img, HDR_KERNEL_ALIGNMENT);
	uint64_t need;

	b->init_size = get32(img, HDR_INIT_SIZE);
	need = b->init_size > b->kernel_size ? b->init_size : b->kernel_size;
	if (pref < KERNEL_MIN_ADDR)
		pref = get32(img, HDR_CODE32_START);
	if (pref < KERNEL_MIN_ADDR)
		pref = KERNEL_MIN_ADDR;

	if (pref < low_end && need <= low_end - pref) {
		b->kernel_addr = pref;
		return 0;
	}
	if (!img[HDR_RELOCATABLE])
		return fail(b, EFBIG, "the kernel does not fit in guest RAM at its fixed load address");
	if (!align || (align & (align - 1)))
		align = 2ULL << 20;
	b->kernel_addr = (KERNEL_MIN_ADDR + align - 1) & ~(align - 1);
	if (b->kernel_addr >= low_end || need > low_end - b->kernel_addr)
		return fail(b, EFBIG, "the kernel does not fit in guest RAM (raise --mem)");
	return 0;
}

/* ---- Command line, initrd ---- */

static int put_cmdline(uint8_t *ram, uint8_t *zp, struct mvm_linux_boot *b)
{
	const char *cmd = b->cmdline ? b->cmdline : "";
	size_t len = strlen(cmd);
	uint64_t max = get32(zp, HDR_CMDLINE_SIZE);

	/* Before 2.06 the limit was 255; cmdline_size excludes the NUL. */
	if (!max)
		max = 255;
	if (len > max || len >= BOOT_CMDLINE_END - BOOT_CMDLINE) {
		b->file = "--cmdline";
		return fail(b, E2BIG, "the command line is longer than the kernel accepts (cmdline_size)");
	}
	memcpy(ram + BOOT_CMDLINE, cmd, len + 1);
	b->cmdline_addr = BOOT_CMDLINE;
	put32(zp, HDR_CMD_LINE_PTR, (uint32_t)BOOT_CMDLINE);
	put32(zp, BP_EXT_CMD_LINE_PTR, 0);
	return 0;
}

/*
 * The initrd goes as high as it can below both the end of low RAM and
 * initrd_addr_max, page aligned, where the kernel's decompression does
 * not reach it.
 */
static int load_initrd(uint8_t *ram, uint8_t *zp, struct mvm_linux_boot *b,
		       uint64_t low_end)
{
	uint64_t max = (uint64_t)get32(zp, HDR_INITRD_ADDR_MAX) + 1;
	uint64_t top = low_end < max ? low_end : max;
	uint64_t kernel_end = b->kernel_addr +
		(b->init_size > b->kernel_size ? b->init_size : b->kernel_size);
	int fd, err;

	b->file = b->initrd;
	fd = mvm_open_regular(b->initrd, &b->initrd_size);
	if (fd < 0)
		return fail(b, errno, "cannot open the initrd");
	if (!b->initrd_size) {
		close(fd);
		return fail(b, ENODATA, "the initrd is empty");
	}
	if (b->initrd_size > top || ((top - b->initrd_size) & ~(MVM_PAGE_SIZE - 1)) < kernel_end) {
		close(fd);
		return fail(b, EFBIG, "the initrd does not fit in guest RAM above the kernel and below initrd_addr_max (raise --mem)");
	}
	b->initrd_addr = (top - b->initrd_size) & ~(MVM_PAGE_SIZE - 1);
	if (mvm_read_all(fd, ram + b->initrd_addr, b->initrd_size) < 0) {
		err = errno;
		close(fd);
		return fail(b, err, "cannot read the initrd");
	}
	close(fd);
	put32(zp, HDR_RAMDISK_IMAGE, (uint32_t)b->initrd_addr);
	put32(zp, HDR_RAMDISK_SIZE, (uint32_t)b->initrd_size);
	put32(zp, BP_EXT_RAMDISK_IMAGE, (uint32_t)(b->initrd_addr >> 32));
	put32(zp, BP_EXT_RAMDISK_SIZE, (uint32_t)(b->initrd_size >> 32));
	return 0;
}

/* ---- Long mode: page tables and GDT ---- */

/* Identity-map the first 4 GiB with 2 MiB pages. */
static void build_page_tables(uint8_t *ram, struct mvm_linux_boot *b)
{
	uint64_t *pml4 = (uint64_t *)(ram + BOOT_PML4);
	uint64_t *pdpt = (uint64_t *)(ram + BOOT_PDPT);
	uint64_t *pd = (uint64_t *)(ram + BOOT_PD);
	unsigned int i;

	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = BOOT_PDPT | PTE_P | PTE_RW;
	for (i = 0; i < 4; i++)
		pdpt[i] = (BOOT_PD + 4096ULL * i) | PTE_P | PTE_RW;
	for (i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i << 21) | PTE_P | PTE_RW | PTE_PS;
	b->cr3 = BOOT_PML4;
}

/* Null, unused, then the 64-bit code (0x10) and data (0x18) the
 * protocol asks for: base 0, limit 4 GiB, DPL 0. */
static void build_gdt(uint8_t *ram, struct mvm_linux_boot *b)
{
	uint64_t *gdt = (uint64_t *)(ram + BOOT_GDT);

	gdt[0] = 0;
	gdt[1] = 0;
	gdt[2] = 0x00af9b000000ffffULL;	/* code: P, S, type 0xb, L, G */
	gdt[3] = 0x00cf93000000ffffULL;	/* data: P, S, type 0x3, D/B, G */
	b->gdt = BOOT_GDT;
}

static void put_e820(uint8_t *zp, uint64_t mem)
{
	struct mvm_e820_entry e[8];
	unsigned int n = mvm_e820_build(mem, e, 8), i;

	zp[BP_E820_ENTRIES] = (uint8_t)n;
	for (i = 0; i < n; i++) {
		unsigned int off = BP_E820_TABLE + 20 * i;

		put64(zp, off, e[i].addr);
		put64(zp, off + 8, e[i].size);
		put32(zp, off + 16, e[i].type);
	}
}

/*
 * The firmware's reset vector, for the one thing Linux asks of it: with
 * hardware-reduced ACPI and no EFI, its reboot falls back to jumping to
 * F000:FFF0 in real mode ("BIOS reboot").  There sits a CPU reset through
 * the i8042 (out 0x64, 0xfe), the same as its keyboard-controller reboot.
 */
static void put_reset_vector(uint8_t *ram)
{
	static const uint8_t stub[] = {
		0xb0, 0xfe,		/* mov al, 0xfe */
		0xe6, 0x64,		/* out 0x64, al */
		0xf4,			/* hlt */
		0xeb, 0xfd,		/* jmp hlt */
	};

	memcpy(ram + MVM_RESET_VECTOR, stub, sizeof(stub));
}

/* ---- The whole load ---- */

int mvm_linux_load(void *ram_p, struct mvm_linux_boot *b)
{
	uint8_t *ram = ram_p, *zp = ram + BOOT_ZERO_PAGE, *img = NULL;
	uint64_t low_end = mvm_low_ram(b->mem), size, setup_size, hdr_end;
	int fd, err;

	b->why = NULL;
	b->file = NULL;
	if (low_end < 2 * KERNEL_MIN_ADDR)
		return fail(b, EFBIG, "guest RAM is too small for Linux (raise --mem)");
	fd = mvm_open_regular(b->kernel, &size);
	if (fd < 0)
		return fail(b, errno, "cannot open the kernel");
	if (size < HDR_END_MAX) {
		close(fd);
		return fail(b, ENOEXEC, "not a Linux bzImage (no HdrS header)");
	}
	img = malloc(size);
	if (!img || mvm_read_all(fd, img, size) < 0) {
		err = errno;
		close(fd);
		free(img);
		return fail(b, err, "cannot read the kernel");
	}
	close(fd);

	if (check_header(img, size, b, &setup_size) < 0)
		goto err_free;
	b->kernel_size = size - setup_size;
	if (place_kernel(img, b, low_end) < 0)
		goto err_free;
	memcpy(ram + b->kernel_addr, img + setup_size, b->kernel_size);

	/* The zero page: zeros, then the header as the file has it. */
	memset(zp, 0, BP_SIZE);
	hdr_end = 0x202 + (uint64_t)img[HDR_JUMP + 1];
	if (hdr_end > HDR_END_MAX)
		hdr_end = HDR_END_MAX;
	memcpy(zp + BP_HDR, img + BP_HDR, hdr_end - BP_HDR);
	free(img);
	img = NULL;

	zp[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	put32(zp, HDR_CODE32_START, (uint32_t)b->kernel_addr);
	if (put_cmdline(ram, zp, b) < 0)
		goto err_free;
	if (b->initrd && load_initrd(ram, zp, b, low_end) < 0)
		goto err_free;
	if (b->rsdp && b->version >= ACPI_PROTOCOL)
		put64(zp, BP_ACPI_RSDP_ADDR, b->rsdp);
	put_e820(zp, b->mem);
	build_page_tables(ram, b);
	build_gdt(ram, b);
	put_reset_vector(ram);
	b->zero_page = BOOT_ZERO_PAGE;
	b->entry = b->kernel_addr + 0x200;
	return 0;

err_free:
	err = errno;
	free(img);
	errno = err;
	return -1;
}

/* ---- The boot vCPU ---- */

static void seg64(struct mvm_segment *s, uint16_t sel, uint8_t type, int code)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code ? 1 : 0;
	s->db = code ? 0 : 1;
}

#define CR0_PE		(1ULL << 0)
#define CR0_ET		(1ULL << 4)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

int mvm_linux_setup_bsp(const struct mvm_vcpu *v,
			const struct mvm_linux_boot *b)
{
	struct mvm_regs r = { .rflags = 0x2 };	/* IF = 0 */
	struct mvm_sregs s;

	if (mvm_vcpu_get_sregs(v, &s) < 0)
		return -1;
	seg64(&s.cs, GDT_CODE64, 0xb, 1);
	seg64(&s.ds, GDT_DATA, 0x3, 0);
	s.es = s.fs = s.gs = s.ss = s.ds;
	/* A busy 64-bit TSS type: what VMRUN/VMLAUNCH accept for TR. */
	memset(&s.tr, 0, sizeof(s.tr));
	s.tr.type = 0xb;
	s.tr.present = 1;
	s.tr.limit = 0x67;
	memset(&s.ldt, 0, sizeof(s.ldt));
	s.ldt.type = 0x2;
	s.ldt.unusable = 1;
	s.gdt.base = b->gdt;
	s.gdt.limit = 4 * 8 - 1;
	memset(&s.idt, 0, sizeof(s.idt));
	s.cr0 = CR0_PE | CR0_ET | CR0_PG;
	s.cr3 = b->cr3;
	s.cr4 = CR4_PAE;
	s.efer = EFER_LME | EFER_LMA;
	if (mvm_vcpu_set_sregs(v, &s) < 0)
		return -1;

	r.rip = b->entry;
	r.rsi = b->zero_page;
	return mvm_vcpu_set_regs(v, &r);
}

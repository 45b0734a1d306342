/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The parts of the Linux x86 boot protocol (Documentation/arch/x86/boot.rst
 * and zero-page.rst) that the loader fills in, as byte offsets into the
 * 4 KiB "zero page" (struct boot_params).  Offsets rather than a struct:
 * the layout is a packed historical record and only a few dozen bytes of
 * it matter here.
 */
#ifndef MVM_X86_BOOT_H
#define MVM_X86_BOOT_H

#define BP_SIZE			4096
#define BP_ACPI_RSDP_ADDR	0x070	/* u64, protocol 2.14+ */
#define BP_EXT_RAMDISK_IMAGE	0x0c0	/* u32: bits 63:32 of ramdisk_image */
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8	/* u8 */
#define BP_HDR			0x1f1	/* the setup header starts here */
#define BP_E820_TABLE		0x2d0	/* 128 x {u64 addr, u64 size, u32 type} */
#define BP_E820_MAX		128

/* Setup header fields, at their zero-page (and file) offsets. */
#define HDR_SETUP_SECTS		0x1f1	/* u8: 0 means 4 */
#define HDR_BOOT_FLAG		0x1fe	/* u16: 0xaa55 */
#define HDR_JUMP		0x200	/* u16: the jump over the header */
#define HDR_MAGIC		0x202	/* u32: "HdrS" */
#define HDR_VERSION		0x206	/* u16: protocol version */
#define HDR_TYPE_OF_LOADER	0x210	/* u8 */
#define HDR_LOADFLAGS		0x211	/* u8 */
#define HDR_CODE32_START	0x214	/* u32 */
#define HDR_RAMDISK_IMAGE	0x218	/* u32 */
#define HDR_RAMDISK_SIZE	0x21c	/* u32 */
#define HDR_CMD_LINE_PTR	0x228	/* u32 */
#define HDR_INITRD_ADDR_MAX	0x22c	/* u32 */
#define HDR_KERNEL_ALIGNMENT	0x230	/* u32 */
#define HDR_RELOCATABLE		0x234	/* u8 */
#define HDR_XLOADFLAGS		0x236	/* u16 */
#define HDR_CMDLINE_SIZE	0x238	/* u32 */
#define HDR_PREF_ADDRESS	0x258	/* u64 */
#define HDR_INIT_SIZE		0x260	/* u32 */
/* The header's last byte is 0x202 + the byte at 0x201 (the jump offset). */
#define HDR_END_MAX		0x290

#define HDR_MAGIC_VALUE		0x53726448U	/* "HdrS" little-endian */
#define LOADED_HIGH		0x01	/* loadflags: protected mode at 1 MiB+ */
#define XLF_KERNEL_64		0x01	/* xloadflags: has the 64-bit entry */
#define LOADER_UNDEFINED	0xff	/* type_of_loader: not a registered one */

#define E820_RAM		1
#define E820_RESERVED		2

#endif /* MVM_X86_BOOT_H */

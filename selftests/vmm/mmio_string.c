// SPDX-License-Identifier: GPL-2.0-only
/*
 * STOS and MOVS on MMIO (mvm_mmio_emulate(), userspace/lib/mmio_emulate.c),
 * on a pretend machine: REP does the elements within the page and before
 * rSI or rDI wraps at the address size, up or down
 * (RFLAGS.DF), steps rSI/rDI/rCX in their address size (wrapping, and
 * zero-extended in 64-bit mode) and leaves RIP on the instruction for the
 * rest; without REP, or with rCX 0, RIP moves past it.  MOVS finds its
 * RAM operand through the translation (the source for a write that
 * exited, the destination for a read), in two parts across a page
 * boundary; one that does not translate changes nothing.
 */
#include "kselftest_harness.h"
#include "mmio_machine.h"

TEST(rep_stos)
{
	struct mvm_mmio_insn in;
	struct mvm_regs r;
	unsigned int i;

	DECODE(in, 64, 0xf3, 0xab);				/* rep stosd */
	reset(&r);
	r.rax = 0x11223344;
	r.rcx = 10;
	r.rdi = 0x7000100;
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA + 0x100, true, &mem));
	ASSERT_EQ(10U, mach.n);
	for (i = 0; i < 10; i++) {
		EXPECT_EQ(MMIO_GPA + 0x100 + 4 * i, mach.log[i].gpa);
		EXPECT_EQ(0x11223344ULL, mach.log[i].val);
		EXPECT_EQ(4U, mach.log[i].size);
	}
	EXPECT_EQ(0ULL, r.rcx);
	EXPECT_EQ(0x7000100ULL + 40, r.rdi);
	EXPECT_EQ(RIP + 2, r.rip);

	/* To the end of the page, then RIP stays for the rest. */
	reset(&r);
	r.rcx = 2000;
	r.rdi = 0x7000f00;
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA + 0xf00, true, &mem));
	EXPECT_EQ(64U, mach.n);
	EXPECT_EQ(MMIO_GPA + 0xffc, mach.log[63].gpa);
	EXPECT_EQ(2000ULL - 64, r.rcx);
	EXPECT_EQ(0x7001000ULL, r.rdi);
	EXPECT_EQ(RIP, r.rip);

	/* Down (DF): to the start of the page. */
	DECODE(in, 64, 0xf3, 0xaa);				/* rep stosb */
	reset(&r);
	r.rflags |= 0x400;
	r.rcx = 5;
	r.rdi = 0x7000003;
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA + 3, true, &mem));
	ASSERT_EQ(4U, mach.n);
	EXPECT_EQ(MMIO_GPA, mach.log[3].gpa);
	EXPECT_EQ(1ULL, r.rcx);
	EXPECT_EQ(0x6ffffffULL, r.rdi);
	EXPECT_EQ(RIP, r.rip);

	/* No REP: one, and rCX is nobody's business. */
	DECODE(in, 64, 0x66, 0xab);				/* stosw */
	reset(&r);
	r.rcx = 7;
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA, true, &mem));
	EXPECT_EQ(1U, mach.n);
	EXPECT_EQ(7ULL, r.rcx);
	EXPECT_EQ(2ULL, r.rdi);
	EXPECT_EQ(RIP + 2, r.rip);

	/* REP with rCX 0: nothing, RIP past it. */
	DECODE(in, 64, 0xf3, 0xab);
	reset(&r);
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA, true, &mem));
	EXPECT_EQ(0U, mach.n);
	EXPECT_EQ(RIP + 2, r.rip);

	/* 67 in 64-bit mode: ECX counts, EDI wraps, both zero-extend. */
	DECODE(in, 64, 0x67, 0xf3, 0xaa);
	reset(&r);
	r.rcx = 0x100000002ULL;
	r.rdi = 0x12345678fffffffeULL;
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA + 0xffe, true, &mem));
	EXPECT_EQ(2U, mach.n);
	EXPECT_EQ(0ULL, r.rcx);
	EXPECT_EQ(0ULL, r.rdi);
	EXPECT_EQ(RIP + 3, r.rip);

	/* 16-bit: DI wraps at 64 KiB and the rest of RDI stays. */
	DECODE(in, 16, 0xf3, 0xab);				/* rep stosw */
	reset(&r);
	r.rcx = 0xabcd0001ULL;
	r.rdi = 0x5555fffeULL;
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA, true, &mem));
	EXPECT_EQ(1U, mach.n);
	EXPECT_EQ(0xabcd0000ULL, r.rcx);
	EXPECT_EQ(0x55550000ULL, r.rdi);

	/*
	 * Real mode, ES base 0x10010: DI 0xfff0 is linear 0x20000, and past
	 * DI's wrap come linear 0x10010 on, another page.  Up to the wrap,
	 * then RIP stays; and down from DI 8 to its wrap below 0.
	 */
	DECODE(in, 16, 0xf3, 0xaa);				/* rep stosb */
	reset(&r);
	r.rcx = 0x20;
	r.rdi = 0xfff0;
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA, true, &mem));
	EXPECT_EQ(16U, mach.n);
	EXPECT_EQ(0x10ULL, r.rcx);
	EXPECT_EQ(0ULL, r.rdi);
	EXPECT_EQ(RIP, r.rip);
	reset(&r);
	r.rflags |= 0x400;
	r.rcx = 0x20;
	r.rdi = 8;
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA + 0x800, true, &mem));
	EXPECT_EQ(9U, mach.n);
	EXPECT_EQ(0x17ULL, r.rcx);
	EXPECT_EQ(0xffffULL, r.rdi);
}

TEST(movs)
{
	const struct mvm_mmio_mem no_translate = { .read = m_read, .write = m_write };
	struct mvm_mmio_insn in;
	struct mvm_regs r, before;
	unsigned int i;

	/* RAM to the device: the write exited; the source is translated once. */
	DECODE(in, 64, 0xf3, 0xa5);				/* rep movsd */
	reset(&r);
	for (i = 0; i < sizeof(mach.ram); i++)
		mach.ram[i] = (uint8_t)i;
	r.rcx = 4;
	r.rsi = 0x20;
	r.rdi = 0x9000;
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA, true, &mem));
	EXPECT_EQ(1U, mach.translations);
	EXPECT_EQ((unsigned int)MVM_SEG_DS, (unsigned int)mach.last_seg);
	EXPECT_FALSE(mach.last_write);
	ASSERT_EQ(8U, mach.n);
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(RAM_GPA + 0x20 + 4 * i, mach.log[2 * i].gpa);
		EXPECT_TRUE(mach.log[2 * i + 1].write);
		EXPECT_EQ(MMIO_GPA + 4 * i, mach.log[2 * i + 1].gpa);
		EXPECT_EQ(mach.log[2 * i].val, mach.log[2 * i + 1].val);
	}
	EXPECT_EQ(0ULL, r.rcx);
	EXPECT_EQ(0x30ULL, r.rsi);
	EXPECT_EQ(0x9010ULL, r.rdi);
	EXPECT_EQ(RIP + 2, r.rip);

	/* The device to RAM: the read exited; the destination, ES:rDI, for a write. */
	DECODE(in, 64, 0x64, 0xf3, 0xa4);			/* rep movsb fs:[rsi] */
	reset(&r);
	r.rcx = 8;
	r.rdi = 0x1000;
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA + 0x10, false, &mem));
	EXPECT_EQ((unsigned int)MVM_SEG_ES, (unsigned int)mach.last_seg);
	EXPECT_TRUE(mach.last_write);
	for (i = 0; i < 8; i++)
		EXPECT_EQ(device_val(MMIO_GPA + 0x10 + i, 1), mach.ram[0x1000 + i]);
	EXPECT_EQ(0ULL, r.rcx);

	/* Its source segment, for a write that exited. */
	reset(&r);
	r.rcx = 1;
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA, true, &mem));
	EXPECT_EQ((unsigned int)MVM_SEG_FS, (unsigned int)mach.last_seg);

	/* The RAM side's page ends first: one element, RIP stays. */
	DECODE(in, 64, 0xf3, 0xa5);
	reset(&r);
	r.rcx = 100;
	r.rsi = 0xffc;
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA, true, &mem));
	EXPECT_EQ(2U, mach.n);
	EXPECT_EQ(99ULL, r.rcx);
	EXPECT_EQ(RIP, r.rip);

	/* Across the RAM side's page boundary: each part where it translates. */
	reset(&r);
	mach.swap = true;
	for (i = 0; i < sizeof(mach.ram); i++)
		mach.ram[i] = (uint8_t)i;
	mach.ram[PAGE + 0xffe] = 0xaa;	/* linear 0xffe is RAM page 1 */
	mach.ram[PAGE + 0xfff] = 0xbb;
	mach.ram[0] = 0xcc;		/* linear 0x1000 is RAM page 0 */
	mach.ram[1] = 0xdd;
	r.rcx = 3;
	r.rsi = 0xffe;
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA, true, &mem));
	EXPECT_EQ(2U, mach.translations);
	ASSERT_EQ(8U, mach.n);
	EXPECT_EQ(0xaaULL, mach.log[1].val);
	EXPECT_EQ(0xbbULL, mach.log[3].val);
	EXPECT_EQ(0xccULL, mach.log[5].val);
	EXPECT_EQ(0xddULL, mach.log[7].val);
	EXPECT_EQ(MMIO_GPA + 3, mach.log[7].gpa);
	EXPECT_EQ(2ULL, r.rcx);
	EXPECT_EQ(0x1002ULL, r.rsi);
	EXPECT_EQ(RIP, r.rip);

	/*
	 * 16-bit, the read exited: the device side's SI wraps mid-page (DS
	 * base 0x10008: SI 0xfff8 is at page offset 0x100), then DI does.
	 */
	DECODE(in, 16, 0xf3, 0xa4);				/* rep movsb */
	reset(&r);
	r.rcx = 0x40;
	r.rsi = 0xfff8;
	r.rdi = 0x100;
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA + 0x100, false, &mem));
	EXPECT_EQ(16U, mach.n);
	EXPECT_EQ(0x38ULL, r.rcx);
	EXPECT_EQ(0ULL, r.rsi);
	EXPECT_EQ(0x108ULL, r.rdi);
	EXPECT_EQ(RIP, r.rip);
	reset(&r);
	r.rcx = 0x40;
	r.rsi = 0x100;
	r.rdi = 0xfffc;
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA + 0x100, true, &mem));
	EXPECT_EQ(8U, mach.n);
	EXPECT_EQ(0x3cULL, r.rcx);
	EXPECT_EQ(0ULL, r.rdi);
	DECODE(in, 64, 0xf3, 0xa5);				/* rep movsd */

	/* An operand that does not translate: nothing done. */
	reset(&r);
	mach.fail = true;
	r.rcx = 3;
	before = r;
	EXPECT_EQ(MVM_MMIO_ERR_UNMAPPED, mvm_mmio_emulate(&in, &r, MMIO_GPA, true, &mem));
	EXPECT_EQ(0, memcmp(&before, &r, sizeof(r)));
	EXPECT_EQ(0U, mach.n);
	EXPECT_EQ(MVM_MMIO_ERR_UNMAPPED, mvm_mmio_emulate(&in, &r, MMIO_GPA, true, &no_translate));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Decoded MMIO instructions done to registers and a pretend machine
 * (mvm_mmio_emulate(), userspace/lib/mmio_emulate.c): loads extend and
 * merge as the CPU does in each mode, stores take the right bytes, ALU
 * operations write memory or their register and the flags, RIP moves
 * past the instruction (wrapping in 16- and 32-bit code).  A direction
 * that does not fit the instruction changes nothing.  The string forms:
 * vmm/mmio_string.
 */
#include "kselftest_harness.h"
#include "mmio_machine.h"

TEST(loads)
{
	static const struct {
		const char *text;
		uint8_t mode, n, b[5];
		uint64_t before, want;
	} t[] = {
		{ "mov al", 64, 2, { 0x8a, 0x07 }, 0x1111111111111111ULL, 0x11111111111111ffULL },
		{ "mov ah", 64, 2, { 0x8a, 0x27 }, 0x1111111111111111ULL, 0x111111111111ff11ULL },
		{ "mov ax", 64, 3, { 0x66, 0x8b, 0x07 }, 0x1111111111111111ULL, 0x111111111111ffffULL },
		{ "mov eax (64: zero-extends)", 64, 2, { 0x8b, 0x07 }, 0x1111111111111111ULL, 0xffffffffULL },
		{ "mov eax (32: the rest stays)", 32, 2, { 0x8b, 0x07 }, 0x1111111111111111ULL,
		  0x11111111ffffffffULL },
		{ "mov rax", 64, 3, { 0x48, 0x8b, 0x07 }, 0, ~0ULL },
		{ "movzx eax, byte", 64, 3, { 0x0f, 0xb6, 0x07 }, ~0ULL, 0xff },
		{ "movzx ax, byte", 64, 4, { 0x66, 0x0f, 0xb6, 0x07 }, ~0ULL, 0xffffffffffff00ffULL },
		{ "movsx eax, byte", 64, 3, { 0x0f, 0xbe, 0x07 }, 0, 0xffffffffULL },
		{ "movsx rax, word", 64, 4, { 0x48, 0x0f, 0xbf, 0x07 }, 0, ~0ULL },
		{ "movsx ax, byte", 64, 4, { 0x66, 0x0f, 0xbe, 0x07 }, 0x1111111111111111ULL,
		  0x111111111111ffffULL },
		{ "movsxd rax, dword", 64, 3, { 0x48, 0x63, 0x07 }, 0, ~0ULL },
		{ "mov ax (16)", 16, 2, { 0x8b, 0x07 }, 0x1111111111111111ULL, 0x111111111111ffffULL },
	};
	static const uint64_t vals[] = { 0x7f, 0x80, 0xa5, 0x7fff, 0x8000, 0x80000000, 0x7fffffff };
	struct mvm_mmio_insn in;
	struct mvm_regs r;
	unsigned int i, j;

	/* With a value whose sign bit is set in every size (all ones)... */
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ASSERT_EQ(0, mvm_mmio_decode(t[i].b, t[i].n, t[i].mode, &in));
		reset(&r);
		r.rax = t[i].before;
		mvm_mmio_load(&r, &in, ~0ULL);
		EXPECT_EQ(t[i].want, r.rax) TH_LOG("%s", t[i].text);
	}
	/* ... and through mvm_mmio_emulate() with others: MOVSX extends its sign only. */
	for (j = 0; j < sizeof(vals) / sizeof(vals[0]); j++) {
		uint64_t v = vals[j];

		DECODE(in, 64, 0x48, 0x0f, 0xbe, 0x07);		/* movsx rax, byte [rdi] */
		reset(&r);
		mvm_mmio_load(&r, &in, v);
		EXPECT_EQ((uint64_t)(int64_t)(int8_t)v, r.rax);
		DECODE(in, 64, 0x48, 0x63, 0x07);		/* movsxd rax, dword [rdi] */
		mvm_mmio_load(&r, &in, v);
		EXPECT_EQ((uint64_t)(int64_t)(int32_t)v, r.rax);
	}

	DECODE(in, 64, 0x45, 0x8a, 0x3f);			/* mov r15b, [r15] */
	reset(&r);
	r.r15 = 0x1234;
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA, false, &mem));
	EXPECT_EQ(0x1200 | device_val(MMIO_GPA, 1), r.r15);
	EXPECT_EQ(RIP + 3, r.rip);
	ASSERT_EQ(1U, mach.n);
	EXPECT_EQ(MMIO_GPA, mach.log[0].gpa);
	EXPECT_EQ(1U, mach.log[0].size);
	EXPECT_FALSE(mach.log[0].write);

	DECODE(in, 64, 0x40, 0x8a, 0x27);			/* mov spl, [rdi]: not AH */
	reset(&r);
	r.rax = 0x5555;
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA, false, &mem));
	EXPECT_EQ(0x5555ULL, r.rax);
	EXPECT_EQ(device_val(MMIO_GPA, 1), r.rsp);
}

TEST(stores)
{
	struct mvm_mmio_insn in;
	struct mvm_regs r;

	DECODE(in, 64, 0x88, 0x27);				/* mov [rdi], ah */
	reset(&r);
	r.rax = 0xabcd;
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA + 3, true, &mem));
	ASSERT_EQ(1U, mach.n);
	EXPECT_TRUE(mach.log[0].write);
	EXPECT_EQ(MMIO_GPA + 3, mach.log[0].gpa);
	EXPECT_EQ(1U, mach.log[0].size);
	EXPECT_EQ(0xabULL, mach.log[0].val);
	EXPECT_EQ(RIP + 2, r.rip);

	DECODE(in, 64, 0x66, 0x89, 0x07);			/* mov [rdi], ax */
	reset(&r);
	r.rax = 0x1122334455667788ULL;
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA, true, &mem));
	EXPECT_EQ(2U, mach.log[0].size);
	EXPECT_EQ(0x7788ULL, mach.log[0].val);

	DECODE(in, 64, 0x48, 0xc7, 0x07, 0x00, 0x00, 0x00, 0x80);	/* mov qword [rdi], imm32 */
	reset(&r);
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA, true, &mem));
	EXPECT_EQ(8U, mach.log[0].size);
	EXPECT_EQ(0xffffffff80000000ULL, mach.log[0].val);
	EXPECT_EQ(RIP + 7, r.rip);

	DECODE(in, 64, 0xc6, 0x07, 0x80);			/* mov byte [rdi], 0x80 */
	reset(&r);
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA, true, &mem));
	EXPECT_EQ(0x80ULL, mach.log[0].val);

	/* IP wraps at 64 KiB in 16-bit code, EIP at 4 GiB in 32-bit code. */
	DECODE(in, 16, 0xc7, 0x07, 0x34, 0x12);			/* mov word [bx], 0x1234 */
	reset(&r);
	r.rip = 0xfffe;
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA, true, &mem));
	EXPECT_EQ(0x1234ULL, mach.log[0].val);
	EXPECT_EQ(2ULL, r.rip);
	DECODE(in, 32, 0x89, 0x07);
	reset(&r);
	r.rip = 0xffffffffULL;
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA, true, &mem));
	EXPECT_EQ(1ULL, r.rip);
}

/* The CPU's direction must fit; nothing changes when it does not. */
TEST(direction)
{
	struct mvm_mmio_insn in;
	struct mvm_regs r, before;

	reset(&r);
	before = r;
	DECODE(in, 64, 0x8b, 0x07);				/* mov eax, [rdi] */
	EXPECT_EQ(MVM_MMIO_ERR_DIRECTION, mvm_mmio_emulate(&in, &r, MMIO_GPA, true, &mem));
	DECODE(in, 64, 0x89, 0x07);				/* mov [rdi], eax */
	EXPECT_EQ(MVM_MMIO_ERR_DIRECTION, mvm_mmio_emulate(&in, &r, MMIO_GPA, false, &mem));
	DECODE(in, 64, 0x39, 0x07);				/* cmp [rdi], eax */
	EXPECT_EQ(MVM_MMIO_ERR_DIRECTION, mvm_mmio_emulate(&in, &r, MMIO_GPA, true, &mem));
	DECODE(in, 64, 0x23, 0x07);				/* and eax, [rdi] */
	EXPECT_EQ(MVM_MMIO_ERR_DIRECTION, mvm_mmio_emulate(&in, &r, MMIO_GPA, true, &mem));
	DECODE(in, 64, 0xf3, 0xaa);				/* rep stosb */
	EXPECT_EQ(MVM_MMIO_ERR_DIRECTION, mvm_mmio_emulate(&in, &r, MMIO_GPA, false, &mem));
	EXPECT_EQ(0, memcmp(&before, &r, sizeof(r)));
	EXPECT_EQ(0U, mach.n);

	/* A read-modify-write may exit on its read or on its write. */
	DECODE(in, 64, 0x09, 0x07);				/* or [rdi], eax */
	EXPECT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA, false, &mem));
	EXPECT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA, true, &mem));
}

TEST(alu)
{
	struct mvm_mmio_insn in;
	struct mvm_regs r;
	uint64_t dev = device_val(MMIO_GPA, 4);

	DECODE(in, 64, 0x81, 0x0f, 0x00, 0x00, 0x00, 0x80);	/* or dword [rdi], 0x80000000 */
	reset(&r);
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA, false, &mem));
	ASSERT_EQ(2U, mach.n);
	EXPECT_FALSE(mach.log[0].write);
	EXPECT_EQ(4U, mach.log[0].size);
	EXPECT_TRUE(mach.log[1].write);
	EXPECT_EQ(MMIO_GPA, mach.log[1].gpa);
	EXPECT_EQ(dev | 0x80000000, mach.log[1].val);
	EXPECT_EQ(0x80ULL, r.rflags & 0x8c1);		/* SF; not ZF, CF, OF */
	EXPECT_EQ(RIP + 6, r.rip);

	DECODE(in, 64, 0x3b, 0x07);				/* cmp eax, [rdi] */
	reset(&r);
	r.rax = 0xffffffff00000000ULL | dev;
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA, false, &mem));
	EXPECT_EQ(1U, mach.n);				/* no write */
	EXPECT_EQ(0xffffffff00000000ULL | dev, r.rax);	/* no register write */
	EXPECT_EQ(0x40ULL, r.rflags & 0x40);		/* ZF */

	DECODE(in, 64, 0x23, 0x07);				/* and eax, [rdi] */
	reset(&r);
	r.rax = ~0ULL;
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA, false, &mem));
	EXPECT_EQ(dev, r.rax);				/* 32 bits, zero-extended */
	EXPECT_EQ(1U, mach.n);

	DECODE(in, 64, 0x0a, 0x27);				/* or ah, [rdi] */
	reset(&r);
	r.rax = 0x0100;
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA, false, &mem));
	EXPECT_EQ((0x01 | device_val(MMIO_GPA, 1)) << 8, r.rax);

	DECODE(in, 64, 0xfe, 0x07);				/* inc byte [rdi]: CF stays */
	reset(&r);
	r.rflags |= 1;
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA, true, &mem));
	EXPECT_EQ((device_val(MMIO_GPA, 1) + 1) & 0xff, mach.log[1].val);
	EXPECT_EQ(1ULL, r.rflags & 1);

	DECODE(in, 64, 0x85, 0x07);				/* test [rdi], eax */
	reset(&r);
	ASSERT_EQ(0, mvm_mmio_emulate(&in, &r, MMIO_GPA, false, &mem));
	EXPECT_EQ(1U, mach.n);
	EXPECT_EQ(0x44ULL, r.rflags & 0x44);		/* ZF, PF */
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Random guest code for the guest fuzzer: random bytes with instruction
 * fragments mixed in at random - port and string I/O, MOV to/from CR and
 * DR, RDMSR/WRMSR with MSRs worth trying, XSETBV, CPUID, HLT, INT n/INT3/
 * INT1/UD2/IRET, STI/CLI, VMMCALL and the SVM instructions (VMRUN, VMLOAD,
 * CLGI, SKINIT, INVLPGA...), MOV SS and POPF with TF/AC shadows, RDPKRU/
 * WRPKRU, far jumps and IRET frames that change mode or privilege, and
 * memory accesses with odd prefixes to the MMIO hole, the read-only slot,
 * the local APIC and addresses beyond RAM.  Each fragment is encoded for
 * the code's mode (16, 32 or 64 bits) so that it does what it says; what
 * runs around it is whatever the bytes happen to be.
 */
#include <string.h>

#include "fuzz_lib.h"
#include "guest_fuzz.h"

enum { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI };

void emit(struct code *c, const void *bytes, size_t len)
{
	const uint8_t *b = bytes;

	while (len-- && c->n < c->cap)
		c->p[c->n++] = *b++;
}

static void b1(struct code *c, uint8_t v)
{
	emit(c, &v, 1);
}

static void imm(struct code *c, uint64_t v, int size)
{
	while (size--) {
		b1(c, v);
		v >>= 8;
	}
}

#define EMIT(c, ...) do {						\
	static const uint8_t __b[] = { __VA_ARGS__ };			\
	emit((c), __b, sizeof(__b));					\
} while (0)

/* MOV reg, imm32 in any mode (16-bit code: with the operand-size prefix). */
static void mov32(struct code *c, int reg, uint32_t v)
{
	if (c->bits == 16)
		b1(c, 0x66);
	b1(c, 0xb8 + reg);
	imm(c, v, 4);
}

/* MOV reg, a full address: imm64 in 64-bit code. */
static void mov_addr(struct code *c, int reg, uint64_t v)
{
	if (c->bits == 64 && v >> 32) {
		b1(c, 0x48);
		b1(c, 0xb8 + reg);
		imm(c, v, 8);
	} else {
		mov32(c, reg, v);
	}
}

/* PUSH imm of the stack's width (imm32 sign-extended in 64-bit code). */
static void push_imm(struct code *c, uint32_t v)
{
	b1(c, 0x68);
	imm(c, v, c->bits == 16 ? 2 : 4);
}

static uint32_t code_addr(void)
{
	return CODE_GPA(below(2)) + below(CODE_SIZE);
}

/* ---- values worth trying ---- */

static const uint32_t msrs[] = {
	0xc0000080, 0xc0000080, 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084,
	0xc0000100, 0xc0000101, 0xc0000102, 0xc0000103, 0xc0000104, 0x10, 0x1b,
	0x1b, 0x3a, 0x48, 0x49, 0x10b, 0x174, 0x175, 0x176, 0x1d9, 0x277, 0x2ff,
	0x6e0, 0x79, 0x8b, 0x17a, 0x400, 0x401, 0xda0, 0x802, 0x808, 0x80b,
	0x80f, 0x830, 0x830, 0x832, 0x838, 0x83e, 0x83f, 0xc0010114, 0xc0010117,
	0xc0010015, 0xc0010000, 0xc0010004, 0xc0011029, 0xc0010020, 0x4b564d00,
	0x4b564d01, 0x4b564d02, 0x4b564d03, 0x4b564d04, 0x11, 0x12, 0xe7, 0xe8,
};

/* ICR values: INIT, start-up at a code page, fixed, NMI, to self/all/others. */
static const uint32_t icrs[] = {
	0x000c4500, 0x00004500, 0x000c4600 | (CODE_GPA(1) >> 12),
	0x00004600 | (CODE_GPA(0) >> 12), 0x00040030, 0x000c0031, 0x00080040,
	0x00000400, 0x000c0400, 0x00000020, 0x0004c0ef, 0x00048000,
};

static uint64_t msr_value(uint32_t msr)
{
	static const uint64_t efer[] = {
		0x100, 0x500, 0xd01, 0x901, 0x1000, 0x1500, 0x2000, 0x4000, 0x8000,
		0x800, 0x1, 0x0, 0x400, 0x8d01,
	};
	static const uint64_t apic_base[] = {
		0xfee00900, 0xfee00d00, 0xfee00800, 0xfee00c00, 0xfee00000,
		0xfec00900, 0x100000900ULL, 0xfee00500,
	};

	if (chance(15))
		return rnd();
	switch (msr) {
	case 0xc0000080: return PICK(efer);
	case 0x1b: return PICK(apic_base);
	case 0x830: return (uint64_t)below(3) << 32 | PICK(icrs);
	case 0x832: return (chance(50) ? 0x20000 : 0) | (0x20 + below(0xe0));
	case 0x838: case 0x6e0: return below(5000);
	case 0x83f: return below(256);
	case 0x4b564d00: case 0x4b564d01: case 0x12: case 0x11:
		return (DATA_GPA + below(0x4000)) | below(2);
	case 0x277: return chance(50) ? 0x0007040600070406ULL : rnd();
	}
	return chance(50) ? below(0x10000) : rnd() & 0xffffffffULL;
}

static uint32_t cr_value(int cr)
{
	static const uint32_t cr0[] = {
		0x80000011, 0x80000001, 0x00000011, 0x00000010, 0x60000011,
		0x20000011, 0x80010033, 0x80050033, 0x00000019, 0x00000015,
		0xe0000011, 0x80000031, 0x00000000, 0x00000001,
	};
	static const uint32_t cr4[] = {
		0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80, 0x100, 0x200, 0x400,
		0x800, 0x1000, 0x10000, 0x20000, 0x40000, 0x100000, 0x200000,
		0x400000, 0x800000,
	};
	static const uint32_t cr3[] = {
		PML4_GPA, PDPT_PAE_GPA, PD32_GPA, PML4_GPA | 0x18, 0xfffff000,
		0x3ffff000, 0,
	};
	uint32_t v = 0;
	int i;

	if (chance(10))
		return rnd();
	switch (cr) {
	case 0: return PICK(cr0);
	case 3: return PICK(cr3);
	case 4:
		for (i = 0; i < 4; i++)
			v |= PICK(cr4);
		return v | (chance(50) ? 0x20 : 0);
	case 8: return below(16);
	}
	return rnd();
}

/* ---- fragments ---- */

static void frag_io(struct code *c)
{
	static const uint16_t ports[] = {
		0x6d76, 0x80, 0x3f8, 0x3fd, 0xcf8, 0xcfc, 0x501, 0x64, 0x70, 0x71,
		0x0, 0xffff, 0x20, 0xa1, 0x402, 0x510,
	};
	uint16_t port = chance(80) ? PICK(ports) : rnd();

	if (chance(50)) {
		mov32(c, EDX, port);
		if (chance(30))
			b1(c, 0x66);
		b1(c, 0xec + below(4));		/* IN/OUT al/eAX, dx */
	} else {
		b1(c, 0xe4 + below(4));		/* IN/OUT al/eAX, imm8 */
		b1(c, port);
	}
}

static uint64_t mem_target(struct code *c)
{
	static const uint64_t lo[] = {
		HOLE_GPA, HOLE_GPA + 0x1ff00, ROM_GPA, ROM_GPA + ROM_SIZE - 2,
		RAM_LO_SIZE - 2, DATA_GPA, CODE_GPA(0), IDT_GPA, GDT_GPA,
		HANDLERS_GPA, PML4_GPA,
	};
	static const uint64_t hi[] = {
		APIC_GPA, APIC_GPA + 0x300, APIC_GPA + 0xb0, APIC_GPA + 0x80,
		APIC_GPA + 0x320, APIC_GPA + 0x380, APIC_GPA + 0xff0,
		0xfec00000, 0xfffff000, RAM_SIZE - 4, 0x40000000, 0x7fffffc0,
		HIGH_GPA, HIGH_GPA + HIGH_SIZE, 0x100000000000ULL,
		0x0000800000000000ULL, 0xffff800000000000ULL,
	};
	uint64_t a = chance(50) ? PICK(lo) : PICK(hi);

	if (chance(30))
		a += below(64);
	if (c->bits == 16 && a >= 0x110000)
		a = PICK(lo);
	if (c->bits == 32 && a >> 32)
		a = (uint32_t)a;
	return a;
}

/*
 * A memory access at a target: the address in EBX (16-bit code: DS = the
 * paragraph, BX = the offset), random prefixes, one of the forms MMIO
 * decoders see (and some they must refuse).
 */
static void frag_mem(struct code *c)
{
	static const uint8_t pfx[] = { 0x66, 0x67, 0xf0, 0xf3, 0xf2, 0x26, 0x2e, 0x36,
				       0x3e, 0x64, 0x65 };
	static const uint8_t ops[][3] = {	/* opcode bytes, ModRM reg, imm size */
		{ 0x89, 0, 0 }, { 0x8b, 0, 0 }, { 0x88, 0, 0 }, { 0x8a, 0, 0 },
		{ 0xc7, 0, 4 }, { 0xc6, 0, 1 }, { 0x87, 0, 0 }, { 0x01, 0, 0 },
		{ 0xff, 6, 0 }, { 0x89, 0, 0 }, { 0x8b, 0, 0 }, { 0xf7, 3, 0 },
	};
	static const uint8_t ops0f[][2] = {	/* 0F opcode, ModRM reg */
		{ 0xb6, 0 }, { 0xb7, 0 }, { 0x01, 2 }, { 0x01, 3 }, { 0xae, 0 },
		{ 0xae, 1 }, { 0xae, 2 }, { 0xae, 4 }, { 0xae, 5 }, { 0x01, 7 },
		{ 0xc7, 1 }, { 0x10, 0 }, { 0x11, 0 }, { 0x18, 1 },
	};
	uint64_t a = mem_target(c);
	int n = chance(30) ? 1 + below(3) : 0, reg = below(8), rm;

	if (c->bits == 16) {
		mov32(c, EAX, a >> 4);
		EMIT(c, 0x8e, 0xd8);		/* mov ds, ax */
		mov32(c, EBX, a & 0xf);
		rm = 7;				/* [bx] */
	} else {
		mov_addr(c, EBX, a);
		rm = 3;				/* [ebx], [rbx] */
	}
	if (reg == EBX || reg == ESP)
		reg = EAX;
	while (n--)
		b1(c, PICK(pfx));
	if (c->bits == 64 && chance(40))
		b1(c, 0x40 + below(16));		/* REX */
	if (chance(20)) {
		b1(c, chance(50) ? 0xa4 + below(2) : 0xaa + below(2));	/* MOVS, STOS */
		return;
	}
	if (chance(25)) {
		const uint8_t *o = ops0f[below(ARRAY_LEN(ops0f))];

		b1(c, 0x0f);
		b1(c, o[0]);
		b1(c, (o[1] ? o[1] : reg) << 3 | rm);
		return;
	}
	{
		const uint8_t *o = ops[below(ARRAY_LEN(ops))];

		b1(c, o[0]);
		b1(c, (o[1] ? o[1] : reg) << 3 | rm);
		imm(c, rnd(), o[2] == 4 && c->bits == 16 ? 2 : o[2]);
	}
}

/* INS/OUTS, REP or not, at RAM, the RO slot, the hole or beyond. */
static void frag_string_io(struct code *c)
{
	static const uint32_t counts[] = { 1, 2, 3, 16, 0x1000, 0x10001, 0 };
	uint64_t a = mem_target(c);

	mov32(c, EDX, chance(50) ? 0x6d76 : rnd());
	mov32(c, ECX, PICK(counts));
	if (c->bits == 16) {
		mov32(c, EAX, a >> 4);
		EMIT(c, 0x8e, 0xc0, 0x8e, 0xd8);	/* es, ds = ax */
		a &= 0xf;
	}
	mov_addr(c, EDI, a);
	mov_addr(c, ESI, a);
	if (chance(20))
		b1(c, 0xfd);				/* std */
	if (chance(70))
		b1(c, 0xf3);
	if (chance(30))
		b1(c, 0x66);
	if (chance(10))
		b1(c, 0x67);
	b1(c, 0x6c + below(4));
}

static void frag_cr(struct code *c)
{
	static const int crs[] = { 0, 0, 3, 4, 4, 8, 2 };
	int cr = PICK(crs), reg = EAX;

	mov32(c, reg, cr_value(cr));
	if (cr == 8) {
		/* CR8: REX.R in 64-bit code, LOCK MOV CR0 (AMD's alias) elsewhere. */
		b1(c, c->bits == 64 ? 0x44 : 0xf0);
		cr = 0;
	}
	EMIT(c, 0x0f);
	b1(c, chance(80) ? 0x22 : 0x20);
	b1(c, 0xc0 | cr << 3 | reg);
}

static void frag_dr(struct code *c)
{
	int dr = below(8);
	uint32_t v;

	while (knobs.dr_regs & 0xff && !(knobs.dr_regs >> dr & 1))
		dr = below(8);
	if (dr < 4)
		v = chance(70) ? code_addr() : mem_target(c);
	else if (dr == 7)
		v = 0x400 | (((rnd() & 0xffff00ff) | (chance(10) ? 0x2000 : 0)) &
			     knobs.dr7_mask);
	else
		v = rnd();
	mov32(c, EAX, v);
	EMIT(c, 0x0f);
	b1(c, chance(75) ? 0x23 : 0x21);
	b1(c, 0xc0 | dr << 3 | EAX);
}

static void frag_msr(struct code *c)
{
	uint32_t msr = chance(90) ? PICK(msrs) : chance(50) ? 0x800 + below(0x100) : rnd();
	uint64_t v = msr_value(msr);

	mov32(c, ECX, msr);
	mov32(c, EAX, v);
	mov32(c, EDX, v >> 32);
	EMIT(c, 0x0f);
	b1(c, chance(65) ? 0x30 : 0x32);
}

static void frag_xsetbv(struct code *c)
{
	static const uint32_t xcr0[] = { 1, 3, 7, 5, 0, 2, 0xe7, 0x207, 0x2e7, 0x60003, 0x19 };

	mov32(c, ECX, chance(90) ? 0 : rnd() & 3);
	mov32(c, EAX, chance(90) ? PICK(xcr0) : rnd());
	mov32(c, EDX, chance(90) ? 0 : rnd());
	EMIT(c, 0x0f, 0x01);
	b1(c, chance(80) ? 0xd1 : 0xd0);
}

static void frag_cpuid(struct code *c)
{
	static const uint32_t leaves[] = {
		0, 1, 7, 0xb, 0xd, 0x40000000, 0x40000001, 0x80000000,
		0x80000001, 0x8000000a, 0x8000001f, 0x80000008,
	};

	mov32(c, EAX, chance(90) ? PICK(leaves) : rnd());
	mov32(c, ECX, below(3));
	EMIT(c, 0x0f, 0xa2);
}

/* One instruction that exits, faults or changes what interrupts do. */
static void frag_insn(struct code *c)
{
	static const uint8_t one[][4] = {	/* length, bytes */
		{ 1, 0xf4 }, { 1, 0xf4 }, { 1, 0xcc }, { 1, 0xf1 }, { 1, 0xce },
		{ 2, 0x0f, 0x0b }, { 1, 0xcf }, { 2, 0x48, 0xcf }, { 1, 0xfb },
		{ 1, 0xfa }, { 2, 0xfb, 0xf4 }, { 3, 0x0f, 0x01, 0xd9 },
		{ 3, 0x0f, 0x01, 0xd8 }, { 3, 0x0f, 0x01, 0xda }, { 3, 0x0f, 0x01, 0xdb },
		{ 3, 0x0f, 0x01, 0xdc }, { 3, 0x0f, 0x01, 0xdd }, { 3, 0x0f, 0x01, 0xde },
		{ 3, 0x0f, 0x01, 0xdf }, { 2, 0x0f, 0x31 }, { 3, 0x0f, 0x01, 0xf9 },
		{ 2, 0x0f, 0x33 }, { 3, 0x0f, 0x01, 0xfd }, { 3, 0x0f, 0x01, 0xc8 },
		{ 3, 0x0f, 0x01, 0xc9 }, { 2, 0x0f, 0x09 }, { 2, 0x0f, 0x08 },
		{ 2, 0xf3, 0x90 }, { 3, 0x0f, 0x01, 0xf8 }, { 2, 0x0f, 0x05 },
		{ 2, 0x0f, 0x07 }, { 2, 0x0f, 0x34 }, { 2, 0x0f, 0x35 }, { 2, 0x0f, 0xaa },
		{ 3, 0x0f, 0x01, 0xee }, { 2, 0x0f, 0x06 }, { 2, 0xdb, 0xe3 },
		{ 3, 0x0f, 0x01, 0xca }, { 3, 0x0f, 0x01, 0xcb }, { 3, 0x0f, 0x01, 0xfa },
		{ 3, 0x0f, 0x01, 0xfb }, { 2, 0xeb, 0xfe }, { 3, 0x0f, 0x01, 0xd0 },
	};
	const uint8_t *o;

	if (chance(15)) {
		b1(c, 0xcd);			/* INT n */
		b1(c, chance(50) ? below(32) : rnd());
		return;
	}
	if (chance(8)) {
		/* WRPKRU: ECX = EDX = 0. */
		mov32(c, ECX, 0);
		mov32(c, EDX, 0);
		mov32(c, EAX, rnd());
		EMIT(c, 0x0f, 0x01, 0xef);
		return;
	}
	o = one[below(ARRAY_LEN(one))];
	if (o[1] == 0xeb && chance(80))
		o = one[0];			/* a loop without exits: rarely */
	emit(c, o + 1, o[0]);
}

/* MOV SS / POP SS, or POPF with TF/AC/IF/NT/IOPL, then an instruction in the shadow. */
static void frag_shadow(struct code *c)
{
	static const uint32_t flags[] = {
		0x102, 0x302, 0x40202, 0x40002, 0x4202, 0x3202, 0x3302, 0x20202,
		0x10102, 0x2, 0x202, 0x200102,
	};

	if (chance(50)) {
		mov32(c, EAX, chance(80) ? (c->user ? SEL_UDATA : SEL_DATA) : rnd());
		if (c->bits != 64 && chance(30)) {
			EMIT(c, 0x50, 0x17);		/* push ax; pop ss */
		} else {
			EMIT(c, 0x8e, 0xd0);		/* mov ss, ax */
		}
	} else {
		push_imm(c, chance(85) ? PICK(flags) : rnd());
		b1(c, 0x9d);				/* popf */
	}
	frag_insn(c);
}

/* Load a data segment, TR or LDT, or a GDT/IDT pointer from random data. */
static void frag_seg(struct code *c)
{
	static const uint16_t sels[] = {
		SEL_DATA, SEL_UDATA, SEL_CODE32, SEL_CODE64, SEL_TSS(0), SEL_TSS(1),
		0x60, 0x6b, 0x70, 0x0, 0x3, 0xf8, 0x100,
	};
	static const uint8_t sregs[] = { 0, 3, 4, 5 };
	uint16_t sel = chance(85) ? PICK(sels) : rnd();

	switch (below(5)) {
	case 0:
		/* A null selector too: mvm's ltr_null quirk (under TCG). */
		mov32(c, EAX, sel);
		EMIT(c, 0x0f, 0x00, 0xd8);		/* ltr ax */
		return;
	}
	mov32(c, EAX, sel);
	switch (below(4)) {
	case 0: EMIT(c, 0x0f, 0x00, 0xd0); break;	/* lldt ax */
	case 1:
		mov_addr(c, EBX, DATA_GPA + 16 * below(8));
		EMIT(c, 0x0f, 0x01);
		b1(c, (chance(50) ? 2 : 3) << 3 | (c->bits == 16 ? 7 : 3));	/* lgdt/lidt */
		break;
	default:
		b1(c, 0x8e);
		b1(c, 0xc0 | PICK(sregs) << 3);	/* mov es/ds/fs/gs, ax */
	}
}

/* A far JMP/CALL or an IRET frame: another mode, another privilege, a TSS. */
static void frag_far(struct code *c)
{
	static const uint16_t cs[] = {
		SEL_CODE64, SEL_CODE32, SEL_CODE16, SEL_UCODE64, SEL_UCODE32,
		SEL_TSS(0), SEL_TSS(1), 0x60, 0x68, 0x70, 0x78,
	};
	uint16_t sel = chance(90) ? PICK(cs) : rnd();
	uint32_t ip = code_addr(), fl = chance(70) ? 0x202 : rnd() & 0x2f7fd5;

	if (c->bits == 16 && !(sel & 3) && chance(50))
		ip &= 0xffff;
	if (chance(40)) {
		/* IRET: SS, ESP for a privilege change (pushed always), flags, CS, IP. */
		if (c->bits != 64 && chance(15)) {
			fl |= 0x20000;			/* to virtual-8086 mode */
			sel = CODE_GPA(below(2)) >> 4;
			push_imm(c, 0);
			push_imm(c, 0);
			push_imm(c, 0);
			push_imm(c, 0);
			ip = below(CODE_SIZE);
		}
		push_imm(c, sel & 3 ? SEL_UDATA : SEL_DATA);
		push_imm(c, USTACK_TOP(below(2)) - 64);
		push_imm(c, fl);
		push_imm(c, sel);
		push_imm(c, ip);
		if (c->bits == 64)
			b1(c, 0x48);
		b1(c, 0xcf);
		return;
	}
	if (c->bits == 64) {
		/* jmp/call far [rbx], m16:32 or m16:64 (REX.W) from the data page. */
		uint64_t ptr = DATA_GPA + 0x100 + 16 * below(4);

		mov_addr(c, EBX, ptr);
		if (chance(50))
			b1(c, 0x48);
		b1(c, 0xff);
		b1(c, (chance(50) ? 5 : 3) << 3 | 3);
		return;
	}
	b1(c, chance(70) ? 0xea : 0x9a);		/* jmp/call ptr16:16/32 */
	imm(c, ip, c->bits == 16 ? 2 : 4);
	imm(c, sel, 2);
}

static void frag_jump(struct code *c)
{
	switch (below(4)) {
	case 0: b1(c, 0xeb); b1(c, rnd()); break;
	case 1: b1(c, 0x70 + below(16)); b1(c, rnd()); break;
	case 2: b1(c, 0xe2); b1(c, rnd()); break;
	default:
		b1(c, chance(50) ? 0xe8 : 0xe9);
		imm(c, (int32_t)(below(CODE_SIZE) - CODE_SIZE / 2), c->bits == 16 ? 2 : 4);
	}
}

void gen_fragment(struct code *c)
{
	static void (*const frags[])(struct code *c) = {
		frag_io, frag_string_io, frag_mem, frag_cr, frag_dr, frag_msr,
		frag_xsetbv, frag_cpuid, frag_insn, frag_shadow, frag_seg, frag_far,
		frag_jump,
	};
	/* How often each, out of the sum. */
	static const unsigned int weight[] = { 2, 1, 3, 1, 1, 2, 1, 1, 2, 1, 1, 1, 1 };
	unsigned int i, total = 0, pick;

	for (i = 0; i < ARRAY_LEN(frags); i++)
		if (knobs.frags >> i & 1)
			total += weight[i];
	if (!total)
		return;
	pick = below(total);
	for (i = 0; i < ARRAY_LEN(frags); i++) {
		if (!(knobs.frags >> i & 1))
			continue;
		if (pick < weight[i]) {
			frags[i](c);
			return;
		}
		pick -= weight[i];
	}
}

/* A code area: random bytes, fragments mixed in at random. */
void gen_code(uint8_t *p, size_t cap, int bits, int user)
{
	struct code c = { .p = p, .cap = cap, .bits = bits, .user = user };
	unsigned int density = 20 + below(70);	/* % of fragments */

	randbytes(p, cap);
	while (c.n < c.cap) {
		if (chance(density))
			gen_fragment(&c);
		else
			c.n += 1 + below(8);
	}
}

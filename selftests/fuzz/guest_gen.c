// SPDX-License-Identifier: GPL-2.0
/*
 * A minimal valid environment for a random guest (layout: guest_fuzz.h):
 * the GDT (flat code and data at rings 0 and 3, 16/32/64-bit code, one TSS
 * per vCPU, random descriptors above), an IVT or IDT whose 256 handlers are
 * themselves random bytes, HLT, an OUT and HLT, or IRET, identity page
 * tables for 32-bit (4 MiB pages), PAE and 4-level paging with a few bits
 * flipped, stacks, random data with far pointers and descriptor-table
 * pointers for the code to load, and the vCPUs' registers: random, some
 * pointing at places worth touching.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_lib.h"
#include "guest_fuzz.h"

struct knobs knobs;

static unsigned long knob(const char *name, unsigned long dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : dflt;
}

void knobs_init(void)
{
	knobs.modes = knob("GF_MODES", (1UL << NR_MODES) - 1);
	knobs.frags = knob("GF_FRAGS", ~0UL);
	knobs.irqchip = knob("GF_IRQCHIP", 1);
	knobs.two_vcpus = knob("GF_TWO_VCPUS", 1);
	knobs.inject = knob("GF_INJECT", 1);
	knobs.trips = knob("GF_TRIPS", 1);
	/* For minimising: the DRs frag_dr writes (bit n: DRn), a mask of its DR7 values. */
	knobs.dr_regs = knob("GF_DR_REGS", 0xff);
	knobs.dr7_mask = knob("GF_DR7_MASK", ~0UL);
}

const char *const mode_names[NR_MODES] = {
	"real", "prot32", "prot32-pse", "prot32-pae", "long", "compat", "v86",
};

int mode_bits(enum mode m)
{
	switch (m) {
	case MODE_REAL: case MODE_V86: return 16;
	case MODE_LONG: return 64;
	default: return 32;
	}
}

static int has_paging(enum mode m)
{
	return m == MODE_PROT32_PSE || m == MODE_PROT32_PAE || m == MODE_LONG ||
	       m == MODE_COMPAT;
}

static int is_long(enum mode m)
{
	return m == MODE_LONG || m == MODE_COMPAT;
}

static void *at(struct guest *g, uint64_t gpa)
{
	return g->ram + gpa;
}

/* ---- descriptor tables ---- */

static uint64_t desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	return (limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 |
	       (uint64_t)access << 40 | (uint64_t)((limit >> 16) & 0xf) << 48 |
	       (uint64_t)(flags & 0xf) << 52 | (uint64_t)(base >> 24) << 56;
}

static void build_gdt(struct guest *g)
{
	uint64_t *gdt = at(g, GDT_GPA);
	int i;

	gdt[SEL_CODE64 / 8] = desc(0, 0xfffff, 0x9b, 0xa);
	gdt[SEL_DATA / 8] = desc(0, 0xfffff, 0x93, 0xc);
	gdt[SEL_CODE32 / 8] = desc(0, 0xfffff, 0x9b, 0xc);
	gdt[SEL_CODE16 / 8] = desc(0, 0xffff, 0x9b, 0x0);
	gdt[SEL_UCODE64 / 8] = desc(0, 0xfffff, 0xfb, 0xa);
	gdt[SEL_UDATA / 8] = desc(0, 0xfffff, 0xf3, 0xc);
	gdt[SEL_UCODE32 / 8] = desc(0, 0xfffff, 0xfb, 0xc);
	for (i = 0; i < 2; i++) {
		/* Busy TSS (type 0xb), as LTR leaves it; the high half 0. */
		gdt[SEL_TSS(i) / 8] = desc(TSS_GPA + 0x400 * i, 0x67, 0x8b, 0);
		gdt[SEL_TSS(i) / 8 + 1] = 0;
	}
	for (i = 0x60 / 8; i <= GDT_LIMIT / 8; i++)
		gdt[i] = chance(50) ? rnd() :
			 desc(rnd(), rnd(), 0x80 | rnd(), rnd());
}

static void build_tss(struct guest *g, int i)
{
	uint8_t *t = at(g, TSS_GPA + 0x400 * i);
	uint64_t sp0 = STACK_TOP(i), ist = STACK_TOP(i) - 0x1000;
	uint16_t ss0 = SEL_DATA, iopb = 0x68;

	randbytes(t, 0x68);
	if (is_long(g->mode)) {
		memcpy(t + 4, &sp0, 8);
		memcpy(t + 0x24, &ist, 8);
	} else {
		memcpy(t + 4, &sp0, 4);
		memcpy(t + 8, &ss0, 2);
	}
	if (chance(90))
		memcpy(t + 0x66, &iopb, 2);	/* no I/O bitmap */
}

/* One handler: 16 bytes of code for the handlers' mode. */
static void build_handler(uint8_t *h, int bits)
{
	static const uint8_t hlt_loop[] = { 0xf4, 0xeb, 0xfd };
	static const uint8_t out16[] = { 0xba, 0x76, 0x6d, 0xee, 0xf4, 0xeb, 0xfd };
	static const uint8_t out32[] = { 0xba, 0x76, 0x6d, 0, 0, 0xee, 0xf4, 0xeb, 0xfd };
	static const uint8_t iret64[] = { 0x48, 0xcf };
	static const uint8_t pop_iret32[] = { 0x83, 0xc4, 0x04, 0xcf };
	static const uint8_t pop_iret64[] = { 0x48, 0x83, 0xc4, 0x08, 0x48, 0xcf };
	struct code c = { .p = h, .cap = 16, .bits = bits };

	randbytes(h, 16);
	switch (below(8)) {
	case 0: case 1: emit(&c, hlt_loop, sizeof(hlt_loop)); break;
	case 2: case 3:
		if (bits == 16)
			emit(&c, out16, sizeof(out16));
		else
			emit(&c, out32, sizeof(out32));
		break;
	case 4:
		if (bits == 64)
			emit(&c, iret64, sizeof(iret64));
		else
			emit(&c, "\xcf", 1);
		break;
	case 5:
		if (bits == 64)
			emit(&c, pop_iret64, sizeof(pop_iret64));
		else if (bits == 32)
			emit(&c, pop_iret32, sizeof(pop_iret32));
		break;
	case 6:
		gen_fragment(&c);
		break;
	default:
		break;			/* random bytes */
	}
}

static void build_idt(struct guest *g, struct mvm_dtable *idt)
{
	int v, bits = g->mode == MODE_REAL ? 16 : is_long(g->mode) ? 64 : 32;
	uint32_t *ivt = at(g, IVT_GPA);
	uint64_t *idt64 = at(g, IDT_GPA);

	for (v = 0; v < 256; v++) {
		uint64_t h = HANDLERS_GPA + 16 * v;
		uint8_t attr = chance(97) ? 0x8e : 0x0e;	/* present interrupt gate */

		build_handler(at(g, h), bits);
		if (chance(20))
			attr |= 0x01;			/* trap gate */
		if (g->user || g->mode == MODE_V86 ? chance(80) : chance(10))
			attr |= 0x60;			/* DPL 3: INT n from ring 3 */
		ivt[v] = (HANDLERS_GPA >> 4) << 16 | 16 * v;
		if (bits == 64) {
			idt64[2 * v] = (h & 0xffff) | (uint64_t)SEL_CODE64 << 16 |
				       (uint64_t)(chance(10) ? 1 : 0) << 32 |
				       (uint64_t)attr << 40 | (h >> 16) << 48;
			idt64[2 * v + 1] = h >> 32;
		} else if (bits == 32) {
			idt64[v] = (h & 0xffff) | (uint64_t)SEL_CODE32 << 16 |
				   (uint64_t)attr << 40 | (h >> 16) << 48;
			if (chance(2))	/* a task gate */
				idt64[v] = (uint64_t)SEL_TSS(below(2)) << 16 | 0x85ULL << 40;
		}
	}
	idt->base = g->mode == MODE_REAL ? IVT_GPA : IDT_GPA;
	idt->limit = g->mode == MODE_REAL ? 0x3ff : bits == 64 ? 0xfff : 0x7ff;
	if (chance(5))
		idt->limit = below(idt->limit);
}

/* ---- page tables: identity maps of 4 GiB, a few bits flipped ---- */

static void build_paging(struct guest *g)
{
	uint64_t *pml4 = at(g, PML4_GPA), *pdpt = at(g, PDPT_GPA);
	uint64_t *pae = at(g, PDPT_PAE_GPA), *odd = at(g, PD_ODD_GPA);
	uint32_t *pd32 = at(g, PD32_GPA);
	int i, j;

	pml4[0] = PDPT_GPA | 7;
	if (chance(30))
		pml4[511] = PDPT_GPA | 7;	/* the same 4 GiB at the top */
	for (j = 0; j < 4; j++) {
		uint64_t *pd = at(g, PD_GPA(j));

		pdpt[j] = PD_GPA(j) | 7;
		pae[j] = PD_GPA(j) | 1;
		for (i = 0; i < 512; i++)
			pd[i] = ((uint64_t)j << 30 | (uint64_t)i << 21) | 0x87;
	}
	for (i = 0; i < 1024; i++)
		pd32[i] = (uint32_t)i << 22 | 0x87;
	/* VA 1-2 GiB: 2 MiB pages at random guest-physical addresses (long mode). */
	if (chance(30)) {
		pdpt[1] = PD_ODD_GPA | 7;
		for (i = 0; i < 512; i++)
			odd[i] = ((chance(50) ? rnd() & 0xfffffffffULL : rnd() & ((1ULL << 52) - 1)) &
				  ~0x1fffffULL) | 0x87;
	}
	/* A few entries flipped: not present, read-only, supervisor, NX, reserved. */
	if (chance(30)) {
		static const uint64_t bits[] = {
			1, 2, 4, 0x10, 0x100, 1ULL << 63, 1ULL << 13, 1ULL << 51,
		};
		int n = 1 + below(8);

		while (n--) {
			uint64_t *pd = at(g, PD_GPA(below(4)));

			if (chance(70))
				pd[below(2)] ^= PICK(bits);	/* the first 4 MiB */
			else
				pd[below(512)] ^= PICK(bits);
			if (chance(20))
				pd32[below(2)] ^= (uint32_t)PICK(bits);
		}
	}
}

/* ---- registers ---- */

static void seg(struct mvm_segment *s, uint16_t sel, uint64_t base, uint32_t limit,
		uint8_t type, uint8_t dpl, uint8_t db, uint8_t l, uint8_t g)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = base;
	s->limit = limit;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->dpl = dpl;
	s->db = db;
	s->l = l;
	s->g = g;
}

static void build_sregs(struct guest *g, int i, struct mvm_sregs *s)
{
	uint8_t dpl = g->user ? 3 : 0;
	uint16_t data = g->user ? SEL_UDATA : SEL_DATA;
	uint64_t code = CODE_GPA(i);

	memset(s, 0, sizeof(*s));
	switch (g->mode) {
	case MODE_REAL:
	case MODE_V86:
		dpl = g->mode == MODE_V86 ? 3 : 0;
		seg(&s->cs, code >> 4, code, 0xffff, g->mode == MODE_V86 ? 3 : 0xb, dpl, 0, 0, 0);
		seg(&s->ds, 0, 0, 0xffff, 3, dpl, 0, 0, 0);
		if (g->mode == MODE_REAL && chance(30)) {	/* "unreal" data segments */
			s->ds.limit = 0xffffffff;
			s->ds.g = 1;
		}
		s->es = s->fs = s->gs = s->ss = s->ds;
		break;
	case MODE_LONG:
		seg(&s->cs, g->user ? SEL_UCODE64 : SEL_CODE64, 0, 0xffffffff, 0xb, dpl, 0, 1, 1);
		goto flat_data;
	default:
		seg(&s->cs, g->user ? SEL_UCODE32 : SEL_CODE32, 0, 0xffffffff, 0xb, dpl, 1, 0, 1);
flat_data:
		seg(&s->ds, data, 0, 0xffffffff, 3, dpl, 1, 0, 1);
		s->es = s->fs = s->gs = s->ss = s->ds;
	}
	s->tr.selector = SEL_TSS(i);
	s->tr.base = TSS_GPA + 0x400 * i;
	s->tr.limit = 0x67;
	s->tr.type = 0xb;
	s->tr.present = 1;
	s->ldt.type = 2;
	s->ldt.unusable = 1;
	s->gdt.base = GDT_GPA;
	s->gdt.limit = GDT_LIMIT;

	s->cr0 = 0x10;					/* ET */
	if (g->mode != MODE_REAL)
		s->cr0 |= 0x21;				/* PE, NE */
	if (has_paging(g->mode))
		s->cr0 |= 0x80010002;			/* PG, WP, MP */
	if (chance(5))
		s->cr0 |= 0x60000000;			/* CD, NW */
	if (chance(50))
		s->cr4 |= 0x600;			/* OSFXSR, OSXMMEXCPT */
	if (chance(30))
		s->cr4 |= 0x40000;			/* OSXSAVE */
	if (chance(10))
		s->cr4 |= 0x80;				/* PGE */
	if (g->mode == MODE_V86 && chance(50))
		s->cr4 |= 1;				/* VME */
	switch (g->mode) {
	case MODE_PROT32_PSE: s->cr4 |= 0x10; s->cr3 = PD32_GPA; break;
	case MODE_PROT32_PAE: s->cr4 |= 0x20; s->cr3 = PDPT_PAE_GPA; break;
	case MODE_LONG:
	case MODE_COMPAT:
		s->cr4 |= 0x20;
		s->cr3 = PML4_GPA;
		s->efer = 0x500 | (chance(50) ? 0x800 : 0) | (chance(50) ? 1 : 0);
		break;
	default:
		break;
	}
	s->cr8 = chance(10) ? below(16) : 0;
}

static uint64_t interesting(void)
{
	static const uint64_t v[] = {
		0, 1, ~0ULL, 0x80000000, HOLE_GPA, ROM_GPA, DATA_GPA, APIC_GPA,
		CODE_GPA(0), STACK_TOP(0) - 64, 0x6d76, 0xc0000080, 0x40000000,
		0x0000800000000000ULL, RAM_SIZE - 8, HIGH_GPA,
	};

	return chance(50) ? PICK(v) : rnd();
}

static void build_regs(struct guest *g, int i, struct mvm_regs *r)
{
	__u64 *gpr = &r->rax;
	int k;

	for (k = 0; k < 16; k++)
		gpr[k] = interesting();
	r->rsp = g->user ? USTACK_TOP(i) : STACK_TOP(i);
	r->rip = g->mode == MODE_REAL || g->mode == MODE_V86 ? 0 : CODE_GPA(i);
	r->rflags = 2 | (rnd() & 0xd5);			/* arithmetic flags */
	if (chance(50))
		r->rflags |= 0x200;			/* IF */
	if (chance(5))
		r->rflags |= 0x100;			/* TF */
	if (chance(10))
		r->rflags |= 0x400;			/* DF */
	if (chance(10))
		r->rflags |= 0x40000;			/* AC */
	if (chance(5))
		r->rflags |= 0x4000;			/* NT */
	if (chance(30) || g->mode == MODE_V86)
		r->rflags |= below(4) << 12;		/* IOPL */
	if (g->mode == MODE_V86)
		r->rflags |= 0x20000;			/* VM */
}

/* ---- the whole guest ---- */

static void build_data(struct guest *g)
{
	static const uint16_t sels[] = { SEL_CODE64, SEL_CODE32, SEL_UCODE64, SEL_UCODE32,
					 SEL_CODE16, SEL_TSS(0), 0x68 };
	static const uint64_t bases[] = { GDT_GPA, IDT_GPA, HOLE_GPA, ROM_GPA, APIC_GPA, 0 };
	uint8_t *d = at(g, DATA_GPA);
	int k;

	randbytes(d, USTACK_TOP(1) - DATA_GPA);
	/* LGDT/LIDT operands: 2-byte limit, then the base. */
	for (k = 0; k < 8; k++) {
		uint16_t limit = chance(50) ? GDT_LIMIT : chance(50) ? 0xfff : rnd();
		uint64_t base = chance(80) ? PICK(bases) : rnd();

		memcpy(d + 16 * k, &limit, 2);
		memcpy(d + 16 * k + 2, &base, 8);
	}
	/* Far pointers: two m16:32, two m16:64. */
	for (k = 0; k < 4; k++) {
		uint64_t off = CODE_GPA(below(2)) + below(CODE_SIZE);
		uint16_t sel = chance(90) ? PICK(sels) : rnd();

		memcpy(d + 0x100 + 16 * k, &off, k < 2 ? 4 : 8);
		memcpy(d + 0x100 + 16 * k + (k < 2 ? 4 : 8), &sel, 2);
	}
}

void gen_guest(struct guest *g)
{
	int i;

	/* Everything from scratch: a guest depends on nothing but its number. */
	memset(g->ram, 0, RAM_SIZE);
	memset(g->high, 0, HIGH_SIZE);
	if (chance(20))
		randbytes(g->ram + RAM_HI_GPA, 0x10000);
	/* The ROM: random at its start and end (where the code aims), zero between. */
	memset(g->rom, 0, ROM_SIZE);
	randbytes(g->rom, 0x4000);
	randbytes(g->rom + ROM_SIZE - 0x1000, 0x1000);
	g->user = g->mode != MODE_REAL && g->mode != MODE_V86 && chance(25);
	build_gdt(g);
	build_data(g);
	build_paging(g);
	for (i = 0; i < g->nvcpus; i++) {
		int bits = mode_bits(g->mode);

		build_tss(g, i);
		gen_code(at(g, CODE_GPA(i)), CODE_SIZE, bits, g->user);
		build_sregs(g, i, &g->sregs[i]);
		build_regs(g, i, &g->regs[i]);
	}
	build_idt(g, &g->sregs[0].idt);
	g->sregs[1].idt = g->sregs[0].idt;
}

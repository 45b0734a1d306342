/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest fuzzer's two halves: guest_gen.c builds a guest (memory
 * contents, descriptor tables, page tables, random code, registers) and
 * guest_fuzz.c runs it on /dev/mvm.
 *
 * Guest-physical layout, a small PC:
 *   0       - 0xa0000   RAM, slot 0 (tables, stacks, handlers, code, data)
 *   0xa0000 - 0xc0000   nothing: MMIO exits (the "hole")
 *   0xc0000 - 0x100000  ROM, slot 1, read-only (random bytes)
 *   0x100000 - 4 MiB    RAM, slot 2
 *   4 GiB + 64 KiB      RAM, slot 3 (some guests)
 *   0xfee00000          the local APIC's page (an irqchip VM's, else MMIO)
 * and in low RAM:
 */
#ifndef MVM_GUEST_FUZZ_H
#define MVM_GUEST_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include <linux/mvm.h>

#define PAGE		4096ULL
#define RAM_LO_SIZE	0xa0000ULL
#define HOLE_GPA	0xa0000ULL
#define ROM_GPA		0xc0000ULL
#define ROM_SIZE	0x40000ULL
#define RAM_HI_GPA	0x100000ULL
#define RAM_HI_SIZE	0x300000ULL
#define RAM_SIZE	(RAM_HI_GPA + RAM_HI_SIZE)	/* one host buffer, hole unused */
#define HIGH_GPA	0x100000000ULL
#define HIGH_SIZE	0x10000ULL
#define APIC_GPA	0xfee00000ULL

#define IVT_GPA		0x0000ULL	/* real mode */
#define GDT_GPA		0x1000ULL
#define IDT_GPA		0x2000ULL
#define TSS_GPA		0x3000ULL	/* one per vCPU, 0x400 apart */
#define STACK_TOP(i)	(0x6000ULL + 0x2000ULL * (i))	/* ring 0, 8 KiB each */
#define HANDLERS_GPA	0x8000ULL	/* 256 handlers, 16 bytes each */
#define PML4_GPA	0x9000ULL
#define PDPT_GPA	0xa000ULL	/* long mode */
#define PDPT_PAE_GPA	0xb000ULL	/* 32-bit PAE: 4 entries */
#define PD_GPA(i)	(0xc000ULL + PAGE * (i))	/* 4 PDs: 4 GiB in 2 MiB pages */
#define PD32_GPA	0x10000ULL	/* 32-bit paging, 4 MiB pages */
#define PD_ODD_GPA	0x11000ULL	/* VA 1-2 GiB (long mode): random GPAs */
#define CODE_GPA(i)	(0x12000ULL + 0x2000ULL * (i))	/* 8 KiB per vCPU */
#define CODE_SIZE	0x2000ULL
#define DATA_GPA	0x16000ULL	/* random bytes up to USTACK */
#define USTACK_TOP(i)	(0x21000ULL + 0x1000ULL * (i))	/* ring 3 */

/* GDT selectors */
#define SEL_CODE64	0x08
#define SEL_DATA	0x10
#define SEL_CODE32	0x18
#define SEL_CODE16	0x20
#define SEL_UCODE64	0x2b
#define SEL_UDATA	0x33
#define SEL_UCODE32	0x3b
#define SEL_TSS(i)	(0x40 + 0x10 * (i))
#define GDT_LIMIT	0xff		/* 0x60-0xf8: random descriptors */

enum mode {
	MODE_REAL,
	MODE_PROT32,		/* paging off */
	MODE_PROT32_PSE,	/* 32-bit paging, 4 MiB pages */
	MODE_PROT32_PAE,
	MODE_LONG,
	MODE_COMPAT,		/* long mode, 32-bit code segment */
	MODE_V86,		/* protected mode, RFLAGS.VM */
	NR_MODES
};

extern const char *const mode_names[NR_MODES];

/* What one guest is: its mode and how it starts. */
struct guest {
	enum mode mode;
	int user;		/* starts at CPL 3 */
	int nvcpus;
	uint8_t *ram, *rom, *high;	/* host memory of slots 0+2, 1, 3 */
	struct mvm_regs regs[2];
	struct mvm_sregs sregs[2];
};

/*
 * Knobs for minimising a finding (environment, read once): GF_MODES, a
 * mask of enum mode; GF_FRAGS, a mask of fragment kinds (guest_code.c's
 * frags[]: bit 0 port I/O, 1 string I/O, 2 memory, 3 CR, 4 DR, 5 MSR,
 * 6 XSETBV, 7 CPUID, 8 one instruction, 9 shadows, 10 segments, 11 far
 * transfers, 12 jumps; all but DR by default);
 * GF_IRQCHIP, GF_TWO_VCPUS, GF_INJECT, GF_TRIPS: 0 turns each off.
 */
#define FRAG_DR		(1UL << 4)	/* guest_code.c: frag_dr() */

struct knobs {
	unsigned long modes, frags;
	int irqchip, two_vcpus, inject, trips;
	unsigned long dr_regs, dr7_mask;
};

extern struct knobs knobs;
void knobs_init(void);

/* guest_code.c: random code with instruction fragments for a mode. */
struct code {
	uint8_t *p;
	size_t n, cap;
	int bits;		/* 16, 32, 64 */
	int user;		/* runs at CPL 3 */
};

void emit(struct code *c, const void *bytes, size_t len);
void gen_fragment(struct code *c);
void gen_code(uint8_t *p, size_t cap, int bits, int user);

/* guest_gen.c: memory and per-vCPU state for g->mode; g->ram, g->rom set by the caller. */
void gen_guest(struct guest *g);
/* Bits of CPU mode the code of @m runs in: 16, 32 or 64. */
int mode_bits(enum mode m);

#endif /* MVM_GUEST_FUZZ_H */

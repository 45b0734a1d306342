/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libmvm: the instruction behind an MMIO exit.  mvm.ko reports the
 * guest-physical address, the direction and the instruction's bytes;
 * mmio_decode.c turns the bytes into what the access is (with Zydis), and
 * mmio_emulate.c does it to the registers and to memory.  The VMM's run
 * loop and the selftests' mvm backend both use these, so there is one
 * decoder for mvm's userspace (the kernel keeps its own small xAPIC MOV
 * decoder).  The bytes are the guest's: anything can be in them.
 *
 * This header needs only the uapi's struct mvm_regs, so that the test
 * library can take it without the rest of libmvm.h.
 */
#ifndef MVM_MMIO_H
#define MVM_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/mvm.h>

enum mvm_mmio_kind {
	MVM_MMIO_LOAD,		/* reg = [mem], zero- or sign-extended (MOV, MOVZX, MOVSX, MOVSXD) */
	MVM_MMIO_STORE,		/* [mem] = reg or imm (MOV) */
	MVM_MMIO_ALU,		/* [mem] op= src, or reg op= [mem]; sets flags */
	MVM_MMIO_STOS,		/* [ES:rDI] = rAX's low size bytes, rDI moves; REP: rCX times */
	MVM_MMIO_MOVS,		/* [ES:rDI] = [seg:rSI], both move; REP: rCX times */
};

/* ALU operations: the first eight in the order of the 80-83 group's /digit. */
enum mvm_mmio_alu {
	MVM_ALU_ADD, MVM_ALU_OR, MVM_ALU_ADC, MVM_ALU_SBB,
	MVM_ALU_AND, MVM_ALU_SUB, MVM_ALU_XOR, MVM_ALU_CMP,
	MVM_ALU_TEST,		/* AND that only sets flags */
	MVM_ALU_NOT, MVM_ALU_NEG, MVM_ALU_INC, MVM_ALU_DEC,	/* [mem] alone */
};

/* Segment registers in encoding order (the MOVS source's, for its address). */
enum mvm_seg { MVM_SEG_ES, MVM_SEG_CS, MVM_SEG_SS, MVM_SEG_DS, MVM_SEG_FS, MVM_SEG_GS };

struct mvm_mmio_insn {
	enum mvm_mmio_kind kind;
	enum mvm_mmio_alu alu;	/* ALU */
	const char *mnemonic;	/* Zydis's name (static); also after most errors, else NULL */
	uint8_t mode;		/* the CPU mode it was decoded for: 16, 32 or 64 */
	uint8_t len;		/* instruction bytes: RIP moves past them */
	uint8_t size;		/* bytes of each memory access: 1, 2, 4 or 8 */
	uint8_t addr_size;	/* 2, 4 or 8: rSI, rDI, rCX's width in string forms */
	int8_t reg;		/* the register operand, 0-15 (rax, rcx, ...), or -1 */
	uint8_t reg_size;	/* bytes of it the instruction reads or writes */
	bool high_byte;		/* reg is AH, CH, DH or BH (reg 0-3, reg_size 1) */
	bool sign_extend;	/* LOAD: MOVSX, MOVSXD */
	bool reg_dst;		/* ALU: reg op= [mem], not [mem] op= reg */
	bool has_imm;		/* STORE, ALU: the source is imm, not reg */
	bool rep;		/* STOS, MOVS: a REP (or REPNE) prefix */
	uint8_t seg;		/* MOVS: the source's segment, enum mvm_seg (DS unless overridden) */
	uint64_t imm;		/* has_imm: sign-extended to 64 bits */
};

/* Why an instruction is not emulated: mvm_mmio_strerror() says it in words. */
enum mvm_mmio_error {
	MVM_MMIO_OK,
	MVM_MMIO_ERR_NO_BYTES,	/* the CPU gave none */
	MVM_MMIO_ERR_MODE,	/* a CPU mode other than 16, 32 and 64 */
	MVM_MMIO_ERR_SHORT,	/* the bytes end inside the instruction */
	MVM_MMIO_ERR_INVALID,	/* not an instruction in this mode */
	MVM_MMIO_ERR_LOCK,	/* a LOCK prefix */
	MVM_MMIO_ERR_NO_MEMORY,	/* no memory operand: not the access that exited */
	MVM_MMIO_ERR_INSN,	/* an instruction mvm does not emulate on MMIO */
	MVM_MMIO_ERR_OPERAND,	/* an operand it does not emulate (segment, vector register...) */
	MVM_MMIO_ERR_DIRECTION,	/* the CPU's direction is not the instruction's */
	MVM_MMIO_ERR_UNMAPPED,	/* MOVS: the other operand's address maps nowhere */
	MVM_MMIO_NR_ERRORS
};

const char *mvm_mmio_strerror(int err);

/*
 * Decode the first instruction in bytes[0, n) for a CPU in mode (16, 32
 * or 64; 32 also for compatibility mode).  Never reads past n, nor past
 * 15 bytes.  0 with *in filled, or an MVM_MMIO_ERR_* (*in then says only
 * the mnemonic and length when they were decoded).
 */
int mvm_mmio_decode(const uint8_t *bytes, unsigned int n, unsigned int mode,
		    struct mvm_mmio_insn *in);

/* ---- Doing it (mmio_emulate.c) ---- */

/* The register operand's value: reg_size bytes, AH-DH shifted down; imm when has_imm. */
uint64_t mvm_mmio_src(const struct mvm_regs *r, const struct mvm_mmio_insn *in);

/*
 * A LOAD's value (size bytes read) into its register: extended to
 * reg_size, 8- and 16-bit destinations merged, a 32-bit one zero-extended
 * in 64-bit mode.
 */
void mvm_mmio_load(struct mvm_regs *r, const struct mvm_mmio_insn *in, uint64_t val);

/* Elements a string form has left to do (rCX under REP, else 1); 1 for the others. */
uint64_t mvm_mmio_count(const struct mvm_regs *r, const struct mvm_mmio_insn *in);

/*
 * n elements done (1 for a non-string form): rSI/rDI moved by n * size
 * (down with RFLAGS.DF), rCX less n under REP, and RIP past the
 * instruction once nothing is left.  Otherwise RIP stays, and the guest
 * runs the instruction again for the rest.
 */
void mvm_mmio_advance(struct mvm_regs *r, const struct mvm_mmio_insn *in, uint64_t n);

/* An ALU operation on size-byte a and b: the result, and *rflags's arithmetic flags set. */
uint64_t mvm_mmio_alu(enum mvm_mmio_alu op, unsigned int size, uint64_t a,
		      uint64_t b, uint64_t *rflags);

/* How mvm_mmio_emulate() reaches memory, devices and the guest's page tables. */
struct mvm_mmio_mem {
	void *ctx;
	/* size bytes (1-8) at a guest-physical address: RAM or a device. */
	void (*read)(void *ctx, uint64_t gpa, unsigned int size, uint64_t *val);
	void (*write)(void *ctx, uint64_t gpa, unsigned int size, uint64_t val);
	/*
	 * MOVS only: the guest-physical address of seg:offset, for a read or
	 * a write by the guest's current privilege; 0, or -1 when it would
	 * fault.  NULL: MOVS fails with MVM_MMIO_ERR_UNMAPPED.
	 */
	int (*translate)(void *ctx, enum mvm_seg seg, uint64_t offset, bool write,
			 uint64_t *gpa);
};

/*
 * Do in (decoded for this exit) whose access to guest-physical gpa exited,
 * is_write as the CPU saw it: registers, RFLAGS and RIP in *r, memory
 * through *mem.  A REP string form does the elements that stay in gpa's
 * page (and the other operand's), then leaves RIP on the instruction if
 * any are left.  0, or an MVM_MMIO_ERR_* with *r and memory untouched.
 */
int mvm_mmio_emulate(const struct mvm_mmio_insn *in, struct mvm_regs *r,
		     uint64_t gpa, bool is_write, const struct mvm_mmio_mem *mem);

#endif /* MVM_MMIO_H */

// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: decode the instruction behind an MMIO exit, with Zydis.
 *
 * Zydis does the x86 part (prefixes, REX, ModRM/SIB, operand and address
 * sizes, what is valid in which mode) and never reads past the length it
 * is given.  What is left here is policy: which instructions mvm emulates
 * on MMIO (the MOV family, the ALU operations with a memory operand, STOS
 * and MOVS with or without REP) and, for those, the few facts the
 * emulation needs.  The memory operand's address is not one of them: the
 * CPU reported it (so segment overrides matter only for MOVS's other
 * operand).  A LOCK prefix, an instruction with no memory operand or
 * with one mvm does not emulate, and every operand that is not a general
 * register or an immediate are refused with the reason, for the VMM to
 * stop the guest with.
 */
#include <string.h>

#include <Zydis/Zydis.h>

#include "mmio.h"

/* gpr() counts on Zydis's register order. */
_Static_assert(ZYDIS_REGISTER_BH - ZYDIS_REGISTER_AL == 7, "AL..BH");
_Static_assert(ZYDIS_REGISTER_R15B - ZYDIS_REGISTER_SPL == 11, "SPL..R15B");
_Static_assert(ZYDIS_REGISTER_R15W - ZYDIS_REGISTER_AX == 15, "AX..R15W");
_Static_assert(ZYDIS_REGISTER_R15D - ZYDIS_REGISTER_EAX == 15, "EAX..R15D");
_Static_assert(ZYDIS_REGISTER_R15 - ZYDIS_REGISTER_RAX == 15, "RAX..R15");
_Static_assert(ZYDIS_REGISTER_GS - ZYDIS_REGISTER_ES == MVM_SEG_GS, "ES..GS");

static const char *const errors[MVM_MMIO_NR_ERRORS] = {
	[MVM_MMIO_OK] = "no error",
	[MVM_MMIO_ERR_NO_BYTES] = "the CPU gave no instruction bytes",
	[MVM_MMIO_ERR_MODE] = "the CPU is in no mode mvm decodes",
	[MVM_MMIO_ERR_SHORT] = "the instruction is cut short",
	[MVM_MMIO_ERR_INVALID] = "not a valid instruction",
	[MVM_MMIO_ERR_LOCK] = "a LOCK prefix (an atomic access)",
	[MVM_MMIO_ERR_NO_MEMORY] = "an instruction without a memory operand",
	[MVM_MMIO_ERR_INSN] = "an instruction mvm does not emulate on MMIO",
	[MVM_MMIO_ERR_OPERAND] = "an operand mvm does not emulate on MMIO",
	[MVM_MMIO_ERR_DIRECTION] = "the CPU's access is not in the instruction's direction",
	[MVM_MMIO_ERR_UNMAPPED] = "MOVS's other operand maps to no guest-physical address",
};

const char *mvm_mmio_strerror(int err)
{
	if (err < 0 || err >= MVM_MMIO_NR_ERRORS)
		return "unknown error";
	return errors[err];
}

/* A general register: its number (rax, rcx, ... r15), or -1. */
static int gpr(ZydisRegister reg, bool *high)
{
	*high = false;
	if (reg >= ZYDIS_REGISTER_AH && reg <= ZYDIS_REGISTER_BH) {
		*high = true;
		return reg - ZYDIS_REGISTER_AH;
	}
	if (reg >= ZYDIS_REGISTER_AL && reg <= ZYDIS_REGISTER_BL)
		return reg - ZYDIS_REGISTER_AL;
	if (reg >= ZYDIS_REGISTER_SPL && reg <= ZYDIS_REGISTER_R15B)
		return 4 + reg - ZYDIS_REGISTER_SPL;
	if (reg >= ZYDIS_REGISTER_AX && reg <= ZYDIS_REGISTER_R15W)
		return reg - ZYDIS_REGISTER_AX;
	if (reg >= ZYDIS_REGISTER_EAX && reg <= ZYDIS_REGISTER_R15D)
		return reg - ZYDIS_REGISTER_EAX;
	if (reg >= ZYDIS_REGISTER_RAX && reg <= ZYDIS_REGISTER_R15)
		return reg - ZYDIS_REGISTER_RAX;
	return -1;
}

static bool is_mem(const ZydisDecodedOperand *op)
{
	return op->type == ZYDIS_OPERAND_TYPE_MEMORY &&
	       op->mem.type == ZYDIS_MEMOP_TYPE_MEM;
}

/* The non-memory operand of a two-operand form: a register or an immediate. */
static int take_source(struct mvm_mmio_insn *in, const ZydisDecodedOperand *op)
{
	bool high;
	int reg;

	if (op->type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
		in->has_imm = true;
		in->imm = op->imm.value.u;
		return 0;
	}
	if (op->type != ZYDIS_OPERAND_TYPE_REGISTER)
		return MVM_MMIO_ERR_OPERAND;
	reg = gpr(op->reg.value, &high);
	if (reg < 0)
		return MVM_MMIO_ERR_OPERAND;	/* a segment, vector or control register */
	in->reg = (int8_t)reg;
	in->reg_size = (uint8_t)(op->size / 8);
	in->high_byte = high;
	return 0;
}

static int alu_op(ZydisMnemonic m, enum mvm_mmio_alu *op)
{
	switch (m) {
	case ZYDIS_MNEMONIC_ADD: *op = MVM_ALU_ADD; return 0;
	case ZYDIS_MNEMONIC_OR: *op = MVM_ALU_OR; return 0;
	case ZYDIS_MNEMONIC_ADC: *op = MVM_ALU_ADC; return 0;
	case ZYDIS_MNEMONIC_SBB: *op = MVM_ALU_SBB; return 0;
	case ZYDIS_MNEMONIC_AND: *op = MVM_ALU_AND; return 0;
	case ZYDIS_MNEMONIC_SUB: *op = MVM_ALU_SUB; return 0;
	case ZYDIS_MNEMONIC_XOR: *op = MVM_ALU_XOR; return 0;
	case ZYDIS_MNEMONIC_CMP: *op = MVM_ALU_CMP; return 0;
	case ZYDIS_MNEMONIC_TEST: *op = MVM_ALU_TEST; return 0;
	case ZYDIS_MNEMONIC_NOT: *op = MVM_ALU_NOT; return 0;
	case ZYDIS_MNEMONIC_NEG: *op = MVM_ALU_NEG; return 0;
	case ZYDIS_MNEMONIC_INC: *op = MVM_ALU_INC; return 0;
	case ZYDIS_MNEMONIC_DEC: *op = MVM_ALU_DEC; return 0;
	default: return -1;
	}
}

/* STOS and MOVS (A4, A5, AA, AB); the others of the string family are refused. */
static int decode_string(struct mvm_mmio_insn *in, const ZydisDecodedInstruction *zi,
			 const ZydisDecodedOperand *ops)
{
	unsigned int i;

	in->kind = (zi->opcode & ~1) == 0xa4 ? MVM_MMIO_MOVS : MVM_MMIO_STOS;
	/* REPNE works as REP on both (REPE is the compare forms' F3). */
	in->rep = zi->attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPNE);
	in->seg = MVM_SEG_ES;
	if (in->kind == MVM_MMIO_STOS) {
		in->reg = 0;	/* rAX */
		in->reg_size = in->size;
		return 0;
	}
	/* The source [seg:rSI]: DS, or the override the mode honours. */
	for (i = 0; i < zi->operand_count; i++) {
		ZydisRegister base = ops[i].mem.base;

		if (is_mem(&ops[i]) && (base == ZYDIS_REGISTER_SI ||
		    base == ZYDIS_REGISTER_ESI || base == ZYDIS_REGISTER_RSI) &&
		    ops[i].mem.segment >= ZYDIS_REGISTER_ES &&
		    ops[i].mem.segment <= ZYDIS_REGISTER_GS) {
			in->seg = (uint8_t)(ops[i].mem.segment - ZYDIS_REGISTER_ES);
			return 0;
		}
	}
	return MVM_MMIO_ERR_OPERAND;
}

/* The MOV family and the ALU operations: one memory operand, first or second. */
static int decode_plain(struct mvm_mmio_insn *in, const ZydisDecodedInstruction *zi,
			const ZydisDecodedOperand *ops)
{
	bool mem_first = is_mem(&ops[0]);
	const ZydisDecodedOperand *other = mem_first ? &ops[1] : &ops[0];
	int err;

	switch (zi->mnemonic) {
	case ZYDIS_MNEMONIC_MOV:
		in->kind = mem_first ? MVM_MMIO_STORE : MVM_MMIO_LOAD;
		break;
	case ZYDIS_MNEMONIC_MOVZX:
	case ZYDIS_MNEMONIC_MOVSX:
	case ZYDIS_MNEMONIC_MOVSXD:
		in->kind = MVM_MMIO_LOAD;
		in->sign_extend = zi->mnemonic != ZYDIS_MNEMONIC_MOVZX;
		break;
	default:
		if (alu_op(zi->mnemonic, &in->alu) < 0)
			return MVM_MMIO_ERR_INSN;
		in->kind = MVM_MMIO_ALU;
		in->reg_dst = !mem_first;
		break;
	}
	if (in->size != 1 && in->size != 2 && in->size != 4 && in->size != 8)
		return MVM_MMIO_ERR_OPERAND;
	if (in->kind == MVM_MMIO_ALU && in->alu >= MVM_ALU_NOT)
		return zi->operand_count_visible == 1 && mem_first ? 0 : MVM_MMIO_ERR_INSN;
	if (zi->operand_count_visible != 2 || (!mem_first && !is_mem(&ops[1])))
		return MVM_MMIO_ERR_INSN;
	err = take_source(in, other);
	if (err)
		return err;
	/* A load needs a register to load into; MOVZX/MOVSX's is the wider one. */
	if (in->kind == MVM_MMIO_LOAD && (in->has_imm || in->reg < 0))
		return MVM_MMIO_ERR_OPERAND;
	return 0;
}

static int machine_mode(unsigned int mode, ZydisMachineMode *mm, ZydisStackWidth *sw)
{
	switch (mode) {
	case 16:
		*mm = ZYDIS_MACHINE_MODE_LEGACY_16;
		*sw = ZYDIS_STACK_WIDTH_16;
		return 0;
	case 32:
		*mm = ZYDIS_MACHINE_MODE_LEGACY_32;
		*sw = ZYDIS_STACK_WIDTH_32;
		return 0;
	case 64:
		*mm = ZYDIS_MACHINE_MODE_LONG_64;
		*sw = ZYDIS_STACK_WIDTH_64;
		return 0;
	default:
		return -1;
	}
}

int mvm_mmio_decode(const uint8_t *bytes, unsigned int n, unsigned int mode,
		    struct mvm_mmio_insn *in)
{
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	ZydisDecodedInstruction zi;
	ZydisDecoder dec;
	ZydisMachineMode mm;
	ZydisStackWidth sw;
	unsigned int i, nr_mem = 0, mem = 0;
	ZyanStatus st;

	memset(in, 0, sizeof(*in));
	in->reg = -1;
	if (!n)
		return MVM_MMIO_ERR_NO_BYTES;
	if (machine_mode(mode, &mm, &sw) < 0 ||
	    !ZYAN_SUCCESS(ZydisDecoderInit(&dec, mm, sw)))
		return MVM_MMIO_ERR_MODE;
	if (n > ZYDIS_MAX_INSTRUCTION_LENGTH)
		n = ZYDIS_MAX_INSTRUCTION_LENGTH;
	st = ZydisDecoderDecodeFull(&dec, bytes, n, &zi, ops);
	if (st == ZYDIS_STATUS_NO_MORE_DATA)
		return MVM_MMIO_ERR_SHORT;
	if (!ZYAN_SUCCESS(st))
		return MVM_MMIO_ERR_INVALID;

	in->mnemonic = ZydisMnemonicGetString(zi.mnemonic);
	in->mode = (uint8_t)mode;
	in->len = zi.length;
	in->addr_size = zi.address_width / 8;
	if (zi.attributes & ZYDIS_ATTRIB_HAS_LOCK)
		return MVM_MMIO_ERR_LOCK;
	for (i = 0; i < zi.operand_count; i++) {
		if (is_mem(&ops[i]) && !nr_mem++)
			mem = i;
	}
	if (!nr_mem)
		return MVM_MMIO_ERR_NO_MEMORY;
	if (zi.encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY)
		return MVM_MMIO_ERR_INSN;	/* VEX, EVEX...: vector registers */
	in->size = (uint8_t)(ops[mem].size / 8);

	if (zi.opcode_map == ZYDIS_OPCODE_MAP_DEFAULT &&
	    ((zi.opcode & ~1) == 0xa4 || (zi.opcode & ~1) == 0xaa))
		return decode_string(in, &zi, ops);
	/* Anything else with two memory operands (PUSH [mem]...) is not ours. */
	if (nr_mem != 1 || mem > 1)
		return MVM_MMIO_ERR_INSN;
	return decode_plain(in, &zi, ops);
}

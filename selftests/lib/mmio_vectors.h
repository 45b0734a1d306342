/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test vectors of the MMIO instruction decoder (userspace/lib/mmio.h):
 * instruction bytes, the CPU mode, and what the decoder must make of them
 * (or the error it must refuse them with).  Written from the x86 encoding
 * rules, not from any decoder's output.  vmm/mmio_decode checks the
 * decoder against every row, and against every cut-short prefix of each
 * row it decodes.
 *
 * Every form a driver uses on MMIO in each mode, the prefixes that change
 * a decode (66, 67, REX and its W/R/B bits, REX out of place, segment
 * overrides, REP/REPNE, many of them at once), ModRM/SIB/displacement
 * shapes that change the length, immediates that sign-extend, bytes left
 * over after the instruction, and what it must refuse.
 */
#ifndef MVM_SELFTEST_MMIO_VECTORS_H
#define MVM_SELFTEST_MMIO_VECTORS_H

#include "mmio.h"

struct mmio_vector {
	const char *text;	/* the instruction, Intel syntax: its mnemonic is in it */
	uint8_t mode;
	uint8_t n;		/* bytes given */
	uint8_t bytes[16];
	int err;		/* MVM_MMIO_OK: want is the decode */
	struct mvm_mmio_insn want;	/* mode and mnemonic are not compared */
};

#define B(...)		.bytes = { __VA_ARGS__ }, .n = sizeof((uint8_t[]){ __VA_ARGS__ })
/* MOV's forms; r is the register's number (rax 0 ... r15 15). */
#define STORE(sz, r)	.kind = MVM_MMIO_STORE, .size = sz, .reg = r, .reg_size = sz
#define STORE_IMM(sz, v) .kind = MVM_MMIO_STORE, .size = sz, .reg = -1, .has_imm = true, .imm = v
#define LOAD(sz, r, rsz) .kind = MVM_MMIO_LOAD, .size = sz, .reg = r, .reg_size = rsz
#define LOADSX(sz, r, rsz) LOAD(sz, r, rsz), .sign_extend = true
/* [mem] op= reg, reg op= [mem], [mem] op= imm, op [mem] */
#define ALU(op, sz, r)	.kind = MVM_MMIO_ALU, .alu = MVM_ALU_##op, .size = sz, .reg = r, .reg_size = sz
#define ALU_DST(op, sz, r) ALU(op, sz, r), .reg_dst = true
#define ALU_IMM(op, sz, v) .kind = MVM_MMIO_ALU, .alu = MVM_ALU_##op, .size = sz, .reg = -1, \
			.has_imm = true, .imm = v
#define ALU1(op, sz)	.kind = MVM_MMIO_ALU, .alu = MVM_ALU_##op, .size = sz, .reg = -1
#define STOS(sz)	.kind = MVM_MMIO_STOS, .size = sz, .reg = 0, .reg_size = sz, .seg = MVM_SEG_ES
#define MOVS(sz, s)	.kind = MVM_MMIO_MOVS, .size = sz, .reg = -1, .seg = MVM_SEG_##s
#define A64		.addr_size = 8
#define A32		.addr_size = 4
#define A16		.addr_size = 2
#define MOFFS64		0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00
#define ERR(e)		.err = MVM_MMIO_ERR_##e

static const struct mmio_vector mmio_vectors[] = {
	/* ---- 64-bit mode: MOV stores ---- */
	{ "mov [rdi], al", 64, B(0x88, 0x07), .want = { STORE(1, 0), .len = 2, A64 } },
	{ "mov [rdi], ah", 64, B(0x88, 0x27), .want = { STORE(1, 0), .high_byte = true, .len = 2, A64 } },
	{ "mov [rdi], spl (REX: not AH)", 64, B(0x40, 0x88, 0x27), .want = { STORE(1, 4), .len = 3, A64 } },
	{ "mov [rdi], r8b", 64, B(0x44, 0x88, 0x07), .want = { STORE(1, 8), .len = 3, A64 } },
	{ "mov [rdi], ax", 64, B(0x66, 0x89, 0x07), .want = { STORE(2, 0), .len = 3, A64 } },
	{ "mov [rdi], eax", 64, B(0x89, 0x07), .want = { STORE(4, 0), .len = 2, A64 } },
	{ "mov [rdi], rax", 64, B(0x48, 0x89, 0x07), .want = { STORE(8, 0), .len = 3, A64 } },
	{ "mov [rdi], r15", 64, B(0x4c, 0x89, 0x3f), .want = { STORE(8, 15), .len = 3, A64 } },
	{ "mov [r8], eax (REX.B: the base only)", 64, B(0x41, 0x89, 0x00), .want = { STORE(4, 0), .len = 3, A64 } },
	{ "mov [rsp], eax (SIB)", 64, B(0x89, 0x04, 0x24), .want = { STORE(4, 0), .len = 3, A64 } },
	{ "mov [rsp+8], eax (SIB, disp8)", 64, B(0x89, 0x44, 0x24, 0x08), .want = { STORE(4, 0), .len = 4, A64 } },
	{ "mov [rsp+0x100], eax (SIB, disp32)", 64, B(0x89, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00),
	  .want = { STORE(4, 0), .len = 7, A64 } },
	{ "mov [0xc0000000], eax (SIB, no base)", 64, B(0x89, 0x04, 0x25, 0x00, 0x00, 0x00, 0xc0),
	  .want = { STORE(4, 0), .len = 7, A64 } },
	{ "mov [rip-16], eax", 64, B(0x89, 0x05, 0xf0, 0xff, 0xff, 0xff), .want = { STORE(4, 0), .len = 6, A64 } },
	{ "mov [rdi+0x1000], ecx", 64, B(0x89, 0x8f, 0x00, 0x10, 0x00, 0x00), .want = { STORE(4, 1), .len = 6, A64 } },
	{ "mov [r12+0x10], ax", 64, B(0x66, 0x41, 0x89, 0x44, 0x24, 0x10), .want = { STORE(2, 0), .len = 6, A64 } },
	{ "mov [r13+rax*4], r9d", 64, B(0x45, 0x89, 0x4c, 0x85, 0x00), .want = { STORE(4, 9), .len = 5, A64 } },
	{ "mov [edi], eax (67)", 64, B(0x67, 0x89, 0x07), .want = { STORE(4, 0), .len = 3, A32 } },
	{ "mov gs:[rdi], eax", 64, B(0x65, 0x89, 0x07), .want = { STORE(4, 0), .len = 3, A64 } },
	{ "mov [rdi], eax (six segment prefixes)", 64, B(0x2e, 0x3e, 0x26, 0x64, 0x65, 0x36, 0x89, 0x07),
	  .want = { STORE(4, 0), .len = 8, A64 } },
	{ "mov [rdi], rax (66 then REX.W: W wins)", 64, B(0x66, 0x48, 0x89, 0x07), .want = { STORE(8, 0), .len = 4, A64 } },
	{ "mov [rdi], ax (REX before 66: ignored)", 64, B(0x48, 0x66, 0x89, 0x07), .want = { STORE(2, 0), .len = 4, A64 } },
	{ "mov [rdi], ax (66 66)", 64, B(0x66, 0x66, 0x89, 0x07), .want = { STORE(2, 0), .len = 4, A64 } },
	{ "mov [rdi], eax (F3 ignored)", 64, B(0xf3, 0x89, 0x07), .want = { STORE(4, 0), .len = 3, A64 } },
	{ "mov [rdi], ax (13 66 prefixes: 15 bytes)", 64,
	  B(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x89, 0x07),
	  .want = { STORE(2, 0), .len = 15, A64 } },
	{ "mov [rdi], eax (bytes after it)", 64, B(0x89, 0x07, 0x90, 0xc3, 0xcc, 0x0f),
	  .want = { STORE(4, 0), .len = 2, A64 } },

	/* ---- 64-bit mode: MOV immediate stores ---- */
	{ "mov byte [rdi], 0x80", 64, B(0xc6, 0x07, 0x80), .want = { STORE_IMM(1, 0x80), .len = 3, A64 } },
	{ "mov word [rdi], 0x1234", 64, B(0x66, 0xc7, 0x07, 0x34, 0x12), .want = { STORE_IMM(2, 0x1234), .len = 5, A64 } },
	{ "mov dword [rdi], 0xfeedf00d", 64, B(0xc7, 0x07, 0x0d, 0xf0, 0xed, 0xfe),
	  .want = { STORE_IMM(4, 0xfeedf00d), .len = 6, A64 } },
	{ "mov qword [rdi], 0xffffffff80000000 (imm32 sign-extended)", 64,
	  B(0x48, 0xc7, 0x07, 0x00, 0x00, 0x00, 0x80),
	  .want = { STORE_IMM(8, 0xffffffff80000000ULL), .len = 7, A64 } },
	{ "mov qword [rdi], 0x7fffffff", 64, B(0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0x7f),
	  .want = { STORE_IMM(8, 0x7fffffff), .len = 7, A64 } },
	{ "mov dword [rsp+8], 1", 64, B(0xc7, 0x44, 0x24, 0x08, 0x01, 0x00, 0x00, 0x00),
	  .want = { STORE_IMM(4, 1), .len = 8, A64 } },
	{ "mov dword [rip-16], 1", 64, B(0xc7, 0x05, 0xf0, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00, 0x00),
	  .want = { STORE_IMM(4, 1), .len = 10, A64 } },
	{ "mov dword [rsp+0x100], 0x12345678", 64,
	  B(0xc7, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12),
	  .want = { STORE_IMM(4, 0x12345678), .len = 11, A64 } },

	/* ---- 64-bit mode: MOV loads, moffs ---- */
	{ "mov al, [rdi]", 64, B(0x8a, 0x07), .want = { LOAD(1, 0, 1), .len = 2, A64 } },
	{ "mov ah, [rdi]", 64, B(0x8a, 0x27), .want = { LOAD(1, 0, 1), .high_byte = true, .len = 2, A64 } },
	{ "mov spl, [rdi]", 64, B(0x40, 0x8a, 0x27), .want = { LOAD(1, 4, 1), .len = 3, A64 } },
	{ "mov r15b, [r15]", 64, B(0x45, 0x8a, 0x3f), .want = { LOAD(1, 15, 1), .len = 3, A64 } },
	{ "mov ax, [rdi]", 64, B(0x66, 0x8b, 0x07), .want = { LOAD(2, 0, 2), .len = 3, A64 } },
	{ "mov eax, [rdi]", 64, B(0x8b, 0x07), .want = { LOAD(4, 0, 4), .len = 2, A64 } },
	{ "mov rax, [rdi]", 64, B(0x48, 0x8b, 0x07), .want = { LOAD(8, 0, 8), .len = 3, A64 } },
	{ "mov r9, [rdi]", 64, B(0x4c, 0x8b, 0x0f), .want = { LOAD(8, 9, 8), .len = 3, A64 } },
	{ "mov edx, [rbp+0] (disp8 0)", 64, B(0x8b, 0x55, 0x00), .want = { LOAD(4, 2, 4), .len = 3, A64 } },
	{ "mov al, [moffs64]", 64, B(0xa0, MOFFS64), .want = { LOAD(1, 0, 1), .len = 9, A64 } },
	{ "mov eax, [moffs64]", 64, B(0xa1, MOFFS64), .want = { LOAD(4, 0, 4), .len = 9, A64 } },
	{ "mov rax, [moffs64]", 64, B(0x48, 0xa1, MOFFS64), .want = { LOAD(8, 0, 8), .len = 10, A64 } },
	{ "mov ax, [moffs64]", 64, B(0x66, 0xa1, MOFFS64), .want = { LOAD(2, 0, 2), .len = 10, A64 } },
	{ "mov [moffs64], al", 64, B(0xa2, MOFFS64), .want = { STORE(1, 0), .len = 9, A64 } },
	{ "mov [moffs64], rax", 64, B(0x48, 0xa3, MOFFS64), .want = { STORE(8, 0), .len = 10, A64 } },
	{ "mov eax, [moffs32] (67)", 64, B(0x67, 0xa1, 0x00, 0x00, 0x00, 0xc0), .want = { LOAD(4, 0, 4), .len = 6, A32 } },

	/* ---- 64-bit mode: MOVZX, MOVSX, MOVSXD ---- */
	{ "movzx eax, byte [rdi]", 64, B(0x0f, 0xb6, 0x07), .want = { LOAD(1, 0, 4), .len = 3, A64 } },
	{ "movzx eax, word [rdi]", 64, B(0x0f, 0xb7, 0x07), .want = { LOAD(2, 0, 4), .len = 3, A64 } },
	{ "movzx rax, byte [rdi]", 64, B(0x48, 0x0f, 0xb6, 0x07), .want = { LOAD(1, 0, 8), .len = 4, A64 } },
	{ "movzx ax, byte [rdi]", 64, B(0x66, 0x0f, 0xb6, 0x07), .want = { LOAD(1, 0, 2), .len = 4, A64 } },
	{ "movzx esp, byte [rdi] (reg 4: ESP, not AH)", 64, B(0x0f, 0xb6, 0x27), .want = { LOAD(1, 4, 4), .len = 3, A64 } },
	{ "movzx r8d, byte [rdi]", 64, B(0x44, 0x0f, 0xb6, 0x07), .want = { LOAD(1, 8, 4), .len = 4, A64 } },
	{ "movsx eax, byte [rdi]", 64, B(0x0f, 0xbe, 0x07), .want = { LOADSX(1, 0, 4), .len = 3, A64 } },
	{ "movsx rax, word [rdi]", 64, B(0x48, 0x0f, 0xbf, 0x07), .want = { LOADSX(2, 0, 8), .len = 4, A64 } },
	{ "movsx ax, byte [rdi]", 64, B(0x66, 0x0f, 0xbe, 0x07), .want = { LOADSX(1, 0, 2), .len = 4, A64 } },
	{ "movsxd rax, dword [rdi]", 64, B(0x48, 0x63, 0x07), .want = { LOADSX(4, 0, 8), .len = 3, A64 } },
	{ "movsxd r11, dword [rdi+4]", 64, B(0x4c, 0x63, 0x5f, 0x04), .want = { LOADSX(4, 11, 8), .len = 4, A64 } },

	/* ---- 64-bit mode: ALU operations ---- */
	{ "add [rdi], eax", 64, B(0x01, 0x07), .want = { ALU(ADD, 4, 0), .len = 2, A64 } },
	{ "or [rdi], eax", 64, B(0x09, 0x07), .want = { ALU(OR, 4, 0), .len = 2, A64 } },
	{ "adc [rdi], eax", 64, B(0x11, 0x07), .want = { ALU(ADC, 4, 0), .len = 2, A64 } },
	{ "sbb [rdi], eax", 64, B(0x19, 0x07), .want = { ALU(SBB, 4, 0), .len = 2, A64 } },
	{ "and [rdi], eax", 64, B(0x21, 0x07), .want = { ALU(AND, 4, 0), .len = 2, A64 } },
	{ "sub [rdi], eax", 64, B(0x29, 0x07), .want = { ALU(SUB, 4, 0), .len = 2, A64 } },
	{ "xor [rdi], eax", 64, B(0x31, 0x07), .want = { ALU(XOR, 4, 0), .len = 2, A64 } },
	{ "cmp [rdi], eax", 64, B(0x39, 0x07), .want = { ALU(CMP, 4, 0), .len = 2, A64 } },
	{ "or [rdi], bl", 64, B(0x08, 0x1f), .want = { ALU(OR, 1, 3), .len = 2, A64 } },
	{ "and [rdi], bh", 64, B(0x20, 0x3f), .want = { ALU(AND, 1, 3), .high_byte = true, .len = 2, A64 } },
	{ "xor [rdi], r10", 64, B(0x4c, 0x31, 0x17), .want = { ALU(XOR, 8, 10), .len = 3, A64 } },
	{ "or [rdi], cx", 64, B(0x66, 0x09, 0x0f), .want = { ALU(OR, 2, 1), .len = 3, A64 } },
	{ "and eax, [rdi]", 64, B(0x23, 0x07), .want = { ALU_DST(AND, 4, 0), .len = 2, A64 } },
	{ "or eax, [rdi]", 64, B(0x0b, 0x07), .want = { ALU_DST(OR, 4, 0), .len = 2, A64 } },
	{ "add rdx, [rdi]", 64, B(0x48, 0x03, 0x17), .want = { ALU_DST(ADD, 8, 2), .len = 3, A64 } },
	{ "cmp eax, [rdi]", 64, B(0x3b, 0x07), .want = { ALU_DST(CMP, 4, 0), .len = 2, A64 } },
	{ "or ah, [rdi]", 64, B(0x0a, 0x27), .want = { ALU_DST(OR, 1, 0), .high_byte = true, .len = 2, A64 } },
	{ "or dword [rdi], 0x80000000", 64, B(0x81, 0x0f, 0x00, 0x00, 0x00, 0x80),
	  .want = { ALU_IMM(OR, 4, 0x80000000), .len = 6, A64 } },
	{ "and dword [rdi], -2 (imm8)", 64, B(0x83, 0x27, 0xfe), .want = { ALU_IMM(AND, 4, 0xfffffffe), .len = 3, A64 } },
	{ "xor byte [rdi], 1", 64, B(0x80, 0x37, 0x01), .want = { ALU_IMM(XOR, 1, 1), .len = 3, A64 } },
	{ "and qword [rdi], -256 (imm32 sign-extended)", 64, B(0x48, 0x81, 0x27, 0x00, 0xff, 0xff, 0xff),
	  .want = { ALU_IMM(AND, 8, 0xffffffffffffff00ULL), .len = 7, A64 } },
	{ "or qword [rdi], -1 (imm8 sign-extended)", 64, B(0x48, 0x83, 0x0f, 0xff),
	  .want = { ALU_IMM(OR, 8, ~0ULL), .len = 4, A64 } },
	{ "or word [rdi], 1", 64, B(0x66, 0x83, 0x0f, 0x01), .want = { ALU_IMM(OR, 2, 1), .len = 4, A64 } },
	{ "add dword [rdi], 1", 64, B(0x83, 0x07, 0x01), .want = { ALU_IMM(ADD, 4, 1), .len = 3, A64 } },
	{ "sub dword [rdi+8], 0x100", 64, B(0x81, 0x6f, 0x08, 0x00, 0x01, 0x00, 0x00),
	  .want = { ALU_IMM(SUB, 4, 0x100), .len = 7, A64 } },
	{ "cmp byte [rdi], 0", 64, B(0x80, 0x3f, 0x00), .want = { ALU_IMM(CMP, 1, 0), .len = 3, A64 } },
	{ "test [rdi], eax", 64, B(0x85, 0x07), .want = { ALU(TEST, 4, 0), .len = 2, A64 } },
	{ "test [rdi], ah", 64, B(0x84, 0x27), .want = { ALU(TEST, 1, 0), .high_byte = true, .len = 2, A64 } },
	{ "test byte [rdi], 1", 64, B(0xf6, 0x07, 0x01), .want = { ALU_IMM(TEST, 1, 1), .len = 3, A64 } },
	{ "test dword [rdi], 0x80000000", 64, B(0xf7, 0x07, 0x00, 0x00, 0x00, 0x80),
	  .want = { ALU_IMM(TEST, 4, 0x80000000), .len = 6, A64 } },
	{ "not byte [rdi]", 64, B(0xf6, 0x17), .want = { ALU1(NOT, 1), .len = 2, A64 } },
	{ "neg dword [rdi]", 64, B(0xf7, 0x1f), .want = { ALU1(NEG, 4), .len = 2, A64 } },
	{ "inc byte [rdi]", 64, B(0xfe, 0x07), .want = { ALU1(INC, 1), .len = 2, A64 } },
	{ "dec dword [rdi]", 64, B(0xff, 0x0f), .want = { ALU1(DEC, 4), .len = 2, A64 } },
	{ "inc qword [rdi]", 64, B(0x48, 0xff, 0x07), .want = { ALU1(INC, 8), .len = 3, A64 } },

	/* ---- 64-bit mode: STOS, MOVS ---- */
	{ "stosb", 64, B(0xaa), .want = { STOS(1), .len = 1, A64 } },
	{ "stosw", 64, B(0x66, 0xab), .want = { STOS(2), .len = 2, A64 } },
	{ "stosd", 64, B(0xab), .want = { STOS(4), .len = 1, A64 } },
	{ "stosq", 64, B(0x48, 0xab), .want = { STOS(8), .len = 2, A64 } },
	{ "rep stosb", 64, B(0xf3, 0xaa), .want = { STOS(1), .rep = true, .len = 2, A64 } },
	{ "rep stosq", 64, B(0xf3, 0x48, 0xab), .want = { STOS(8), .rep = true, .len = 3, A64 } },
	{ "repne stosb (as REP)", 64, B(0xf2, 0xaa), .want = { STOS(1), .rep = true, .len = 2, A64 } },
	{ "rep stosd (67: EDI, ECX)", 64, B(0x67, 0xf3, 0xab), .want = { STOS(4), .rep = true, .len = 3, A32 } },
	{ "movsb", 64, B(0xa4), .want = { MOVS(1, DS), .len = 1, A64 } },
	{ "rep movsd", 64, B(0xf3, 0xa5), .want = { MOVS(4, DS), .rep = true, .len = 2, A64 } },
	{ "rep movsq", 64, B(0xf3, 0x48, 0xa5), .want = { MOVS(8, DS), .rep = true, .len = 3, A64 } },
	{ "rep movsw", 64, B(0x66, 0xf3, 0xa5), .want = { MOVS(2, DS), .rep = true, .len = 3, A64 } },
	{ "movsb fs:[rsi]", 64, B(0x64, 0xa4), .want = { MOVS(1, FS), .len = 2, A64 } },
	{ "movsb (ES override: none in 64-bit mode)", 64, B(0x26, 0xa4), .want = { MOVS(1, DS), .len = 2, A64 } },
	{ "movsb (67: ESI, EDI)", 64, B(0x67, 0xa4), .want = { MOVS(1, DS), .len = 2, A32 } },

	/* ---- 32-bit mode ---- */
	{ "mov [edi], eax", 32, B(0x89, 0x07), .want = { STORE(4, 0), .len = 2, A32 } },
	{ "mov [edi], ax", 32, B(0x66, 0x89, 0x07), .want = { STORE(2, 0), .len = 3, A32 } },
	{ "mov [edi], ah", 32, B(0x88, 0x27), .want = { STORE(1, 0), .high_byte = true, .len = 2, A32 } },
	{ "mov eax, [0xfec00000] (disp32, no RIP)", 32, B(0x8b, 0x05, 0x00, 0x00, 0xc0, 0xfe),
	  .want = { LOAD(4, 0, 4), .len = 6, A32 } },
	{ "mov eax, [moffs32]", 32, B(0xa1, 0x00, 0x00, 0xc0, 0xfe), .want = { LOAD(4, 0, 4), .len = 5, A32 } },
	{ "mov eax, [moffs16] (67)", 32, B(0x67, 0xa1, 0x00, 0x10), .want = { LOAD(4, 0, 4), .len = 4, A16 } },
	{ "mov eax, [bx] (67: 16-bit ModRM)", 32, B(0x67, 0x8b, 0x07), .want = { LOAD(4, 0, 4), .len = 3, A16 } },
	{ "mov eax, [bp+2] (67)", 32, B(0x67, 0x8b, 0x46, 0x02), .want = { LOAD(4, 0, 4), .len = 4, A16 } },
	{ "mov eax, [0x1234] (67, disp16)", 32, B(0x67, 0x8b, 0x06, 0x34, 0x12), .want = { LOAD(4, 0, 4), .len = 5, A16 } },
	{ "mov dword [0xfec00000], 1", 32, B(0xc7, 0x05, 0x00, 0x00, 0xc0, 0xfe, 0x01, 0x00, 0x00, 0x00),
	  .want = { STORE_IMM(4, 1), .len = 10, A32 } },
	{ "mov dword [esp+4], ebx", 32, B(0x89, 0x5c, 0x24, 0x04), .want = { STORE(4, 3), .len = 4, A32 } },
	{ "movzx eax, byte [edi]", 32, B(0x0f, 0xb6, 0x07), .want = { LOAD(1, 0, 4), .len = 3, A32 } },
	{ "movsx eax, word [edi]", 32, B(0x0f, 0xbf, 0x07), .want = { LOADSX(2, 0, 4), .len = 3, A32 } },
	{ "or byte [edi], 1 (82: 32-bit only)", 32, B(0x82, 0x0f, 0x01), .want = { ALU_IMM(OR, 1, 1), .len = 3, A32 } },
	{ "and [edi], eax", 32, B(0x21, 0x07), .want = { ALU(AND, 4, 0), .len = 2, A32 } },
	{ "rep stosd", 32, B(0xf3, 0xab), .want = { STOS(4), .rep = true, .len = 2, A32 } },
	{ "rep movsw (66 67: DI, SI, CX)", 32, B(0x66, 0x67, 0xf3, 0xa5), .want = { MOVS(2, DS), .rep = true, .len = 4, A16 } },
	{ "movsd cs:[esi]", 32, B(0x2e, 0xa5), .want = { MOVS(4, CS), .len = 2, A32 } },
	{ "movsb es:[esi]", 32, B(0x26, 0xa4), .want = { MOVS(1, ES), .len = 2, A32 } },
	{ "movsb ss:[esi]", 32, B(0x36, 0xa4), .want = { MOVS(1, SS), .len = 2, A32 } },
	{ "movsb gs:[esi]", 32, B(0x65, 0xa4), .want = { MOVS(1, GS), .len = 2, A32 } },
	{ "inc eax (40: no REX in 32-bit mode)", 32, B(0x40, 0x89, 0x07), ERR(NO_MEMORY) },
	{ "dec eax (48: no REX in 32-bit mode)", 32, B(0x48, 0x89, 0x07), ERR(NO_MEMORY) },
	{ "bound eax, [edi]", 32, B(0x62, 0x07), ERR(INSN) },

	/* ---- 16-bit mode ---- */
	{ "mov [bx], ax", 16, B(0x89, 0x07), .want = { STORE(2, 0), .len = 2, A16 } },
	{ "mov [bx], eax (66)", 16, B(0x66, 0x89, 0x07), .want = { STORE(4, 0), .len = 3, A16 } },
	{ "mov [bx], ah", 16, B(0x88, 0x27), .want = { STORE(1, 0), .high_byte = true, .len = 2, A16 } },
	{ "mov ax, [0x1000] (moffs16)", 16, B(0xa1, 0x00, 0x10), .want = { LOAD(2, 0, 2), .len = 3, A16 } },
	{ "mov eax, [0x1000] (66, moffs16)", 16, B(0x66, 0xa1, 0x00, 0x10), .want = { LOAD(4, 0, 4), .len = 4, A16 } },
	{ "mov eax, [edi] (67 66)", 16, B(0x67, 0x66, 0x8b, 0x07), .want = { LOAD(4, 0, 4), .len = 4, A32 } },
	{ "mov word [bx], 0x1234", 16, B(0xc7, 0x07, 0x34, 0x12), .want = { STORE_IMM(2, 0x1234), .len = 4, A16 } },
	{ "mov byte [0x1000], 0x55 (disp16)", 16, B(0xc6, 0x06, 0x00, 0x10, 0x55), .want = { STORE_IMM(1, 0x55), .len = 5, A16 } },
	{ "mov [bp+si+0x10], dx", 16, B(0x89, 0x52, 0x10), .want = { STORE(2, 2), .len = 3, A16 } },
	{ "movzx ax, byte [bx]", 16, B(0x0f, 0xb6, 0x07), .want = { LOAD(1, 0, 2), .len = 3, A16 } },
	{ "movzx eax, byte [bx] (66)", 16, B(0x66, 0x0f, 0xb6, 0x07), .want = { LOAD(1, 0, 4), .len = 4, A16 } },
	{ "mov ax, es:[bx]", 16, B(0x26, 0x8b, 0x07), .want = { LOAD(2, 0, 2), .len = 3, A16 } },
	{ "mov gs:[esp], eax (65 67 66, SIB)", 16, B(0x65, 0x67, 0x66, 0x89, 0x04, 0x24),
	  .want = { STORE(4, 0), .len = 6, A32 } },
	{ "or word [bx], 0x8000", 16, B(0x81, 0x0f, 0x00, 0x80), .want = { ALU_IMM(OR, 2, 0x8000), .len = 4, A16 } },
	{ "stosw", 16, B(0xab), .want = { STOS(2), .len = 1, A16 } },
	{ "stosd (66)", 16, B(0x66, 0xab), .want = { STOS(4), .len = 2, A16 } },
	{ "rep movsb", 16, B(0xf3, 0xa4), .want = { MOVS(1, DS), .rep = true, .len = 2, A16 } },

	/* ---- cut short ---- */
	{ "nothing", 64, .n = 0, ERR(NO_BYTES) },
	{ "mov (no ModRM)", 64, B(0x89), ERR(SHORT) },
	{ "mov [SIB] (no SIB)", 64, B(0x89, 0x04), ERR(SHORT) },
	{ "mov [rsp+disp8] (no disp8)", 64, B(0x89, 0x44, 0x24), ERR(SHORT) },
	{ "mov [rip+disp32] (half a disp32)", 64, B(0x89, 0x05, 0xf0, 0xff), ERR(SHORT) },
	{ "mov dword [rdi], imm32 (half an imm32)", 64, B(0xc7, 0x07, 0x01, 0x00), ERR(SHORT) },
	{ "mov eax, [moffs64] (half a moffs)", 64, B(0xa1, 0x00, 0x00, 0x00, 0xc0), ERR(SHORT) },
	{ "66 alone", 64, B(0x66), ERR(SHORT) },
	{ "REX alone", 64, B(0x48), ERR(SHORT) },
	{ "0F alone", 64, B(0x0f), ERR(SHORT) },
	{ "F3 alone", 64, B(0xf3), ERR(SHORT) },
	{ "mov eax, [disp16] (67, half a disp16)", 32, B(0x67, 0x8b, 0x06, 0x34), ERR(SHORT) },
	{ "mov [bx], imm16 (no imm16)", 16, B(0xc7, 0x07), ERR(SHORT) },

	/* ---- refused ---- */
	{ "lock or [rdi], eax", 64, B(0xf0, 0x09, 0x07), ERR(LOCK) },
	{ "lock add [rdi], eax", 64, B(0xf0, 0x01, 0x07), ERR(LOCK) },
	{ "lock and byte [edi], 1", 32, B(0xf0, 0x80, 0x27, 0x01), ERR(LOCK) },
	{ "lock mov (#UD)", 64, B(0xf0, 0x89, 0x07), ERR(INVALID) },
	{ "mov eax, eax", 64, B(0x89, 0xc0), ERR(NO_MEMORY) },
	{ "lea eax, [rdi]", 64, B(0x8d, 0x07), ERR(NO_MEMORY) },
	{ "ud2", 64, B(0x0f, 0x0b), ERR(NO_MEMORY) },
	{ "xchg [rdi], eax", 64, B(0x87, 0x07), ERR(INSN) },
	{ "cmpxchg [rdi], ecx", 64, B(0x0f, 0xb1, 0x0f), ERR(INSN) },
	{ "bt [rdi], eax", 64, B(0x0f, 0xa3, 0x07), ERR(INSN) },
	{ "push [rdi]", 64, B(0xff, 0x37), ERR(INSN) },
	{ "pop [rdi]", 64, B(0x8f, 0x07), ERR(INSN) },
	{ "push rax (the stack is the memory)", 64, B(0x50), ERR(INSN) },
	{ "call [rdi]", 64, B(0xff, 0x17), ERR(INSN) },
	{ "jmp [rdi]", 64, B(0xff, 0x27), ERR(INSN) },
	{ "lodsb", 64, B(0xac), ERR(INSN) },
	{ "cmpsb", 64, B(0xa6), ERR(INSN) },
	{ "scasb", 64, B(0xae), ERR(INSN) },
	{ "xlat", 64, B(0xd7), ERR(INSN) },
	{ "shl dword [rdi], 1", 64, B(0xd1, 0x27), ERR(INSN) },
	{ "setz [rdi] (sete)", 64, B(0x0f, 0x94, 0x07), ERR(INSN) },
	{ "movbe [rdi], eax", 64, B(0x0f, 0x38, 0xf1, 0x07), ERR(INSN) },
	{ "movnti [rdi], eax", 64, B(0x0f, 0xc3, 0x07), ERR(INSN) },
	{ "movups [rdi], xmm0", 64, B(0x0f, 0x11, 0x07), ERR(INSN) },
	{ "vmovups [rdi], xmm0 (VEX)", 64, B(0xc5, 0xf8, 0x11, 0x07), ERR(INSN) },
	{ "popcnt eax, [rdi]", 64, B(0xf3, 0x0f, 0xb8, 0x07), ERR(INSN) },
	{ "lgdt [rdi]", 64, B(0x0f, 0x01, 0x17), ERR(INSN) },
	{ "prefetchnta [rdi]", 64, B(0x0f, 0x18, 0x07), ERR(INSN) },
	{ "mov [rdi], es", 64, B(0x8c, 0x07), ERR(OPERAND) },
	{ "mov es, [rdi]", 64, B(0x8e, 0x07), ERR(OPERAND) },
	{ "mov [rdi], 1 (C6 /1 is no MOV)", 64, B(0xc6, 0x0f, 0x01), ERR(INVALID) },
	{ "or byte [rdi], 1 (82: no 64-bit form)", 64, B(0x82, 0x0f, 0x01), ERR(INVALID) },
	{ "mov [rdi], ax (14 66 prefixes: 16 bytes)", 64,
	  B(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x89, 0x07),
	  ERR(INVALID) },
	{ "mov [rdi], eax in no mode (0)", 0, B(0x89, 0x07), ERR(MODE) },
	{ "mov [rdi], eax in no mode (8)", 8, B(0x89, 0x07), ERR(MODE) },
};

#endif /* MVM_SELFTEST_MMIO_VECTORS_H */

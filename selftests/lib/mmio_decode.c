// SPDX-License-Identifier: GPL-2.0
/*
 * Just enough x86 decoding to complete the MMIO accesses tests make on mvm,
 * which reports the instruction bytes and leaves decoding to userspace:
 * MOV to/from memory (88, 89, 8A, 8B), MOV immediate to memory (C6, C7)
 * and MOVZX loads (0F B6, 0F B7), with operand/address-size, segment and
 * REX prefixes, in 16-, 32- and 64-bit code.  Anything else is refused and
 * the test says so.
 */
#include <stddef.h>
#include <string.h>

#include "test_vm_int.h"

uint64_t *mmio_reg(struct mvm_regs *r, int reg)
{
	/* The hardware's register numbers, in struct mvm_regs. */
	static const size_t off[16] = {
		offsetof(struct mvm_regs, rax), offsetof(struct mvm_regs, rcx),
		offsetof(struct mvm_regs, rdx), offsetof(struct mvm_regs, rbx),
		offsetof(struct mvm_regs, rsp), offsetof(struct mvm_regs, rbp),
		offsetof(struct mvm_regs, rsi), offsetof(struct mvm_regs, rdi),
		offsetof(struct mvm_regs, r8), offsetof(struct mvm_regs, r9),
		offsetof(struct mvm_regs, r10), offsetof(struct mvm_regs, r11),
		offsetof(struct mvm_regs, r12), offsetof(struct mvm_regs, r13),
		offsetof(struct mvm_regs, r14), offsetof(struct mvm_regs, r15),
	};

	return (uint64_t *)((char *)r + off[reg & 15]);
}

/* Length of ModRM and what follows it (SIB, displacement); -1: no memory operand. */
static int modrm_len(const uint8_t *b, int n, int asz)
{
	int mod, rm, i = 1;

	if (n < 1)
		return -1;
	mod = b[0] >> 6;
	rm = b[0] & 7;
	if (mod == 3)
		return -1;
	if (asz == 2) {
		if ((mod == 0 && rm == 6) || mod == 2)
			i += 2;
		else if (mod == 1)
			i += 1;
		return i;
	}
	if (rm == 4) {
		if (n < 2)
			return -1;
		if (mod == 0 && (b[1] & 7) == 5)
			i += 4;
		i++;
	}
	if (mod == 0 && rm == 5)
		i += 4;
	else if (mod == 1)
		i += 1;
	else if (mod == 2)
		i += 4;
	return i;
}

int mmio_decode(const uint8_t *b, int n, int cpu_mode, struct mmio_insn *in)
{
	int i = 0, rex = 0, osz, asz, op, two = 0, m, imm_len = 0;
	bool opsz = false, adsz = false, byte_reg = false;

	memset(in, 0, sizeof(*in));
	for (; i < n; i++) {
		if (b[i] == 0x66)
			opsz = true;
		else if (b[i] == 0x67)
			adsz = true;
		else if (b[i] != 0x26 && b[i] != 0x2e && b[i] != 0x36 &&
			 b[i] != 0x3e && b[i] != 0x64 && b[i] != 0x65)
			break;
	}
	if (cpu_mode == 64 && i < n && (b[i] & 0xf0) == 0x40)
		rex = b[i++];
	if (i >= n)
		return -1;
	op = b[i++];
	if (op == 0x0f) {
		if (i >= n)
			return -1;
		two = 1;
		op = b[i++];
	}

	osz = cpu_mode == 16 ? 2 : 4;
	if (opsz)
		osz = osz == 2 ? 4 : 2;
	if (rex & 8)
		osz = 8;
	asz = cpu_mode == 64 ? 8 : cpu_mode == 32 ? 4 : 2;
	if (adsz)
		asz = asz == 4 ? 2 : 4;

	if (i >= n)
		return -1;
	in->reg = ((b[i] >> 3) & 7) | (rex & 4 ? 8 : 0);
	m = modrm_len(b + i, n - i, asz);
	if (m < 0)
		return -1;

	if (!two && (op == 0x88 || op == 0x8a)) {
		in->size = 1;
		byte_reg = true;
		in->is_write = op == 0x88;
	} else if (!two && (op == 0x89 || op == 0x8b)) {
		in->size = osz;
		in->is_write = op == 0x89;
	} else if (!two && (op == 0xc6 || op == 0xc7)) {
		if (in->reg & 7)
			return -1;
		in->size = op == 0xc6 ? 1 : osz;
		imm_len = in->size == 8 ? 4 : in->size;
		in->is_write = true;
		in->reg = -1;
	} else if (two && (op == 0xb6 || op == 0xb7)) {
		in->size = op == 0xb6 ? 1 : 2;
		in->dst_size = osz;
	} else {
		return -1;
	}
	if (!in->dst_size)
		in->dst_size = in->size;
	if (byte_reg && !rex && in->reg >= 4 && in->reg <= 7) {
		in->high8 = true;
		in->reg -= 4;
	}
	i += m;
	if (i + imm_len > n)
		return -1;
	for (int k = 0; k < imm_len; k++)
		in->imm |= (uint64_t)b[i + k] << (8 * k);
	if (imm_len == 4 && in->size == 8 && (in->imm & 0x80000000u))
		in->imm |= 0xffffffff00000000ULL;	/* sign-extended */
	in->len = i + imm_len;
	return in->len <= 15 ? 0 : -1;
}

void mmio_complete(struct mvm_regs *r, const struct mmio_insn *in, const void *data)
{
	if (!in->is_write) {
		uint64_t v = 0, *reg = mmio_reg(r, in->reg);

		memcpy(&v, data, in->size);
		switch (in->dst_size) {
		case 1:
			if (in->high8)
				*reg = (*reg & ~0xff00ULL) | (v & 0xff) << 8;
			else
				*reg = (*reg & ~0xffULL) | (v & 0xff);
			break;
		case 2:
			*reg = (*reg & ~0xffffULL) | (v & 0xffff);
			break;
		case 4:
			*reg = (uint32_t)v;	/* 32-bit writes zero-extend */
			break;
		default:
			*reg = v;
		}
	}
	r->rip += in->len;
}

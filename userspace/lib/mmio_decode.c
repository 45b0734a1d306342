// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: decode the instruction behind an MMIO exit.
 *
 * The kernel reports the guest-physical address and the instruction bytes;
 * the address is all the memory operand is needed for, so the decoder only
 * works out the instruction's length, direction, size and register.  MOV
 * and MOVZX/MOVSX cover what drivers use for device registers; anything
 * else (string moves, read-modify-write ALU ops) is refused.
 */
#include <errno.h>
#include <string.h>

#include "libmvm.h"

/* Bytes of ModRM + SIB + displacement, from the ModRM byte at p. */
static int modrm_len(const uint8_t *p, unsigned int left,
		     unsigned int addr_size)
{
	unsigned int mod, rm, n = 1;

	if (!left)
		return -1;
	mod = p[0] >> 6;
	rm = p[0] & 7;
	if (mod == 3)
		return -2;	/* a register operand cannot be MMIO */

	if (addr_size == 2) {
		if (mod == 1)
			n += 1;
		else if (mod == 2 || (mod == 0 && rm == 6))
			n += 2;
		return n <= left ? (int)n : -1;
	}

	if (rm == 4) {		/* SIB */
		if (left < 2)
			return -1;
		n++;
		if (mod == 0 && (p[1] & 7) == 5)
			n += 4;
	}
	if (mod == 1)
		n += 1;
	else if (mod == 2 || (mod == 0 && rm == 5))
		n += 4;
	return n <= left ? (int)n : -1;
}

static uint64_t get_le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

int mvm_mmio_decode(const uint8_t *bytes, unsigned int n, unsigned int mode,
		    struct mvm_mmio_insn *insn)
{
	unsigned int i = 0, opsize, addr_size, rex = 0, imm_size = 0;
	int osize_prefix = 0, asize_prefix = 0, m, two_byte = 0;
	uint8_t op;

	memset(insn, 0, sizeof(*insn));
	if (n > 15)
		n = 15;

	/* Legacy prefixes, then REX (64-bit mode only, and last). */
	for (; i < n; i++) {
		uint8_t b = bytes[i];

		if (b == 0x66)
			osize_prefix = 1;
		else if (b == 0x67)
			asize_prefix = 1;
		else if (b == 0x2e || b == 0x36 || b == 0x3e || b == 0x26 ||
			 b == 0x64 || b == 0x65 || b == 0xf0)
			continue;	/* the address is known already */
		else
			break;
	}
	if (mode == 64 && i < n && (bytes[i] & 0xf0) == 0x40)
		rex = bytes[i++];
	if (i >= n)
		goto err_short;

	if (mode == 16) {
		opsize = osize_prefix ? 4 : 2;
		addr_size = asize_prefix ? 4 : 2;
	} else {
		opsize = osize_prefix ? 2 : 4;
		if (mode == 64)
			addr_size = asize_prefix ? 4 : 8;
		else
			addr_size = asize_prefix ? 2 : 4;
	}
	if (rex & 0x8)
		opsize = 8;

	op = bytes[i++];
	if (op == 0x0f) {
		if (i >= n)
			goto err_short;
		op = bytes[i++];
		two_byte = 1;
	}

	if (!two_byte && op >= 0xa0 && op <= 0xa3) {
		/* MOV AL/eAX <-> moffs: an address-size offset, no ModRM. */
		insn->size = (op & 1) ? opsize : 1;
		insn->reg_size = insn->size;
		insn->op = (op & 2) ? MVM_MMIO_STORE : MVM_MMIO_LOAD;
		insn->reg = 0;
		if (n - i < addr_size)
			goto err_short;
		insn->len = i + addr_size;
		return 0;
	}

	if (two_byte) {
		if (op != 0xb6 && op != 0xb7 && op != 0xbe && op != 0xbf)
			goto err_unsupported;
		insn->op = MVM_MMIO_LOAD;
		insn->size = (op & 1) ? 2 : 1;
		insn->reg_size = opsize;
		insn->sign_extend = op >= 0xbe;
	} else {
		switch (op) {
		case 0x88: case 0x89:
			insn->op = MVM_MMIO_STORE;
			break;
		case 0x8a: case 0x8b:
			insn->op = MVM_MMIO_LOAD;
			break;
		case 0xc6: case 0xc7:
			insn->op = MVM_MMIO_STORE_IMM;
			if (i < n && (bytes[i] & 0x38))
				goto err_unsupported;	/* /0 is MOV */
			imm_size = (op & 1) ? (opsize == 8 ? 4 : opsize) : 1;
			break;
		default:
			goto err_unsupported;
		}
		insn->size = (op & 1) ? opsize : 1;
		insn->reg_size = insn->size;
	}

	m = modrm_len(&bytes[i], n - i, addr_size);
	if (m == -2)
		goto err_unsupported;
	if (m < 0)
		goto err_short;
	insn->reg = ((bytes[i] >> 3) & 7) | ((rex & 0x4) ? 8 : 0);
	/* Without REX, byte registers 4-7 are AH, CH, DH, BH. */
	if (insn->reg_size == 1 && !rex && insn->reg >= 4 &&
	    insn->op != MVM_MMIO_STORE_IMM) {
		insn->reg -= 4;
		insn->high_byte = 1;
	}
	i += (unsigned int)m;

	if (imm_size) {
		if (n - i < imm_size)
			goto err_short;
		insn->imm = get_le(&bytes[i], imm_size);
		/* C7 with REX.W: a 32-bit immediate, sign-extended. */
		if (insn->size == 8 && (insn->imm & 0x80000000))
			insn->imm |= 0xffffffff00000000ULL;
		i += imm_size;
	}
	insn->len = i;
	return 0;

err_short:
	errno = EINVAL;
	return -1;
err_unsupported:
	errno = EOPNOTSUPP;
	return -1;
}

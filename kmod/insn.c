// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: decoding the few instructions a guest uses on its xAPIC page.
 *
 * The APIC is in the kernel, so its MMIO cannot go to userspace's decoder:
 * this one knows the 32-bit MOV forms that compilers and Linux's
 * apic_read()/apic_write() emit - 89 /r (store), 8B /r (load), C7 /0
 * (store immediate), A1/A3 (EAX with an absolute offset) - with REX,
 * segment, address-size prefixes, and in 16-bit code the operand-size
 * prefix that makes them 32 bits wide.  Anything else is reported to userspace as an
 * emulation failure; the APIC registers are 32 bits wide.
 */
#include <linux/errno.h>
#include <linux/types.h>

#include "mvm.h"

static bool is_legacy_prefix(u8 b)
{
	return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e ||
	       b == 0x64 || b == 0x65 || b == 0xf0;
}

/* Length of ModRM + SIB + displacement starting at p, or 0 if cut short. */
static unsigned int modrm_len(const u8 *p, unsigned int n, int addr_bits)
{
	u8 modrm, mod, rm;
	unsigned int len = 1;

	if (n < 1)
		return 0;
	modrm = p[0];
	mod = modrm >> 6;
	rm = modrm & 7;
	if (mod == 3)
		return 0;		/* a register operand: no memory access */
	if (addr_bits == 16) {
		if (mod == 1)
			len += 1;
		else if (mod == 2 || (mod == 0 && rm == 6))
			len += 2;
		return len <= n ? len : 0;
	}
	if (rm == 4) {			/* SIB */
		if (n < 2)
			return 0;
		len++;
		if (mod == 0 && (p[1] & 7) == 5)
			len += 4;
	}
	if (mod == 1)
		len += 1;
	else if (mod == 2 || (mod == 0 && rm == 5))
		len += 4;
	return len <= n ? len : 0;
}

int mvm_decode_mov32(const u8 *b, unsigned int n, u8 mode,
		     struct mvm_mov *mov)
{
	unsigned int i = 0, ml;
	int addr_bits = mode;
	bool opsize = false;
	u8 rex = 0, op;

	/* Prefixes in any order: segment, LOCK, operand and address size. */
	for (; i < n; i++) {
		if (b[i] == 0x67)
			addr_bits = mode == 64 ? 32 : (mode == 32 ? 16 : 32);
		else if (b[i] == 0x66)
			opsize = true;
		else if (!is_legacy_prefix(b[i]))
			break;
	}
	/*
	 * The operand is 32 bits wide in 32- and 64-bit code without 0x66,
	 * and in 16-bit code only with it.  A 16-bit access is not for the
	 * APIC.
	 */
	if (mode == 16 ? !opsize : opsize)
		return -EOPNOTSUPP;
	if (mode == 64 && i < n && (b[i] & 0xf0) == 0x40)
		rex = b[i++];
	if (i >= n)
		return -EINVAL;
	if (rex & 8)			/* REX.W: a 64-bit access */
		return -EOPNOTSUPP;
	op = b[i++];

	switch (op) {
	case 0x89:
	case 0x8b:
		ml = modrm_len(b + i, n - i, addr_bits);
		if (!ml)
			return -EOPNOTSUPP;
		mov->store = op == 0x89;
		mov->has_imm = false;
		mov->reg = ((b[i] >> 3) & 7) | ((rex & 4) << 1);
		mov->len = i + ml;
		return 0;
	case 0xc7:
		if (i >= n || ((b[i] >> 3) & 7) != 0)
			return -EOPNOTSUPP;
		ml = modrm_len(b + i, n - i, addr_bits);
		if (!ml || i + ml + 4 > n)
			return -EOPNOTSUPP;
		mov->store = true;
		mov->has_imm = true;
		mov->imm = b[i + ml] | b[i + ml + 1] << 8 |
			   b[i + ml + 2] << 16 | (u32)b[i + ml + 3] << 24;
		mov->len = i + ml + 4;
		return 0;
	case 0xa1:
	case 0xa3:
		ml = addr_bits / 8;
		if (i + ml > n)
			return -EINVAL;
		mov->store = op == 0xa3;
		mov->has_imm = false;
		mov->reg = 0;		/* EAX */
		mov->len = i + ml;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

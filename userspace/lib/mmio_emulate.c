// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: do a decoded MMIO instruction (mmio_decode.c) to the guest's
 * registers and to memory, as its CPU would have: a load's register write
 * with its extension and merge rules, the arithmetic flags of an ALU
 * operation, a string form's rSI/rDI/rCX steps and its REP, RIP past it.
 *
 * The pieces are separate for the selftests' backend, which completes one
 * access per exit as KVM does; mvm_mmio_emulate() puts them together for
 * the VMM, which does a REP string form a page at a time: every element
 * in the reported address's page (and, for MOVS, the other operand's), up
 * to where rSI or rDI wraps, is in the same device or RAM page, so one
 * exit does them all and the guest runs the instruction again for the rest.
 */
#include <stddef.h>

#include "mmio.h"

#define RFLAGS_CF	0x0001ULL
#define RFLAGS_PF	0x0004ULL
#define RFLAGS_AF	0x0010ULL
#define RFLAGS_ZF	0x0040ULL
#define RFLAGS_SF	0x0080ULL
#define RFLAGS_DF	0x0400ULL
#define RFLAGS_OF	0x0800ULL
#define RFLAGS_ARITH	(RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

#define PAGE_SIZE	4096ULL
#define REG_RCX		1
#define REG_RSI		6
#define REG_RDI		7

static uint64_t mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* Where the registers are in struct mvm_regs, in encoding order: rax, rcx, rdx, rbx... */
static const size_t gpr_off[16] = {
	offsetof(struct mvm_regs, rax), offsetof(struct mvm_regs, rcx),
	offsetof(struct mvm_regs, rdx), offsetof(struct mvm_regs, rbx),
	offsetof(struct mvm_regs, rsp), offsetof(struct mvm_regs, rbp),
	offsetof(struct mvm_regs, rsi), offsetof(struct mvm_regs, rdi),
	offsetof(struct mvm_regs, r8), offsetof(struct mvm_regs, r9),
	offsetof(struct mvm_regs, r10), offsetof(struct mvm_regs, r11),
	offsetof(struct mvm_regs, r12), offsetof(struct mvm_regs, r13),
	offsetof(struct mvm_regs, r14), offsetof(struct mvm_regs, r15),
};

static __u64 *gpr(struct mvm_regs *r, int n)
{
	return (__u64 *)((char *)r + gpr_off[n & 15]);
}

static uint64_t gpr_val(const struct mvm_regs *r, int n)
{
	return *(const __u64 *)((const char *)r + gpr_off[n & 15]);
}

/* size bytes into a register: 8 and 16 bits merge, 32 zero-extends in 64-bit mode. */
static void set_gpr(struct mvm_regs *r, int n, bool high, unsigned int size,
		    unsigned int mode, uint64_t val)
{
	__u64 *p = gpr(r, n);

	if (high) {
		*p = (*p & ~0xff00ULL) | ((val & 0xff) << 8);
		return;
	}
	val &= mask(size);
	if (size == 8 || (size == 4 && mode == 64))
		*p = val;
	else
		*p = (*p & ~mask(size)) | val;
}

uint64_t mvm_mmio_src(const struct mvm_regs *r, const struct mvm_mmio_insn *in)
{
	uint64_t v;

	if (in->has_imm)
		return in->imm & mask(in->size);
	if (in->reg < 0)
		return 0;
	v = gpr_val(r, in->reg);
	if (in->high_byte)
		v >>= 8;
	return v & mask(in->reg_size);
}

void mvm_mmio_load(struct mvm_regs *r, const struct mvm_mmio_insn *in, uint64_t val)
{
	val &= mask(in->size);
	if (in->sign_extend && in->size < 8 && (val >> (8 * in->size - 1)) & 1)
		val |= ~mask(in->size);
	if (in->reg >= 0)
		set_gpr(r, in->reg, in->high_byte, in->reg_size, in->mode, val);
}

static bool is_string(const struct mvm_mmio_insn *in)
{
	return in->kind == MVM_MMIO_STOS || in->kind == MVM_MMIO_MOVS;
}

uint64_t mvm_mmio_count(const struct mvm_regs *r, const struct mvm_mmio_insn *in)
{
	if (!is_string(in) || !in->rep)
		return 1;
	return r->rcx & mask(in->addr_size);
}

void mvm_mmio_advance(struct mvm_regs *r, const struct mvm_mmio_insn *in, uint64_t n)
{
	if (is_string(in)) {
		/* Modulo 2^64, then the address size's: the CPU's wrap. */
		uint64_t step = n * in->size, left;

		if (r->rflags & RFLAGS_DF)
			step = -step;
		set_gpr(r, REG_RDI, false, in->addr_size, in->mode, r->rdi + step);
		if (in->kind == MVM_MMIO_MOVS)
			set_gpr(r, REG_RSI, false, in->addr_size, in->mode, r->rsi + step);
		if (in->rep) {
			left = (r->rcx & mask(in->addr_size)) - n;
			set_gpr(r, REG_RCX, false, in->addr_size, in->mode, left);
			if (left & mask(in->addr_size))
				return;
		}
	}
	r->rip += in->len;
	if (in->mode == 16)
		r->rip &= 0xffff;
	else if (in->mode == 32)
		r->rip &= 0xffffffff;
}

/* ---- ALU operations ---- */

uint64_t mvm_mmio_alu(enum mvm_mmio_alu op, unsigned int size, uint64_t a,
		      uint64_t b, uint64_t *rflags)
{
	uint64_t m = mask(size), sign = 1ULL << (8 * size - 1), c = 0, res;
	uint64_t cf = *rflags & RFLAGS_CF, of = 0, af = 0;

	a &= m;
	b &= m;
	switch (op) {
	case MVM_ALU_ADC:
		c = cf;
		/* fall through */
	case MVM_ALU_ADD:
		res = (a + b + c) & m;
		cf = res < a || (c && res == a);
		of = ~(a ^ b) & (a ^ res) & sign;
		af = (a ^ b ^ res) & 0x10;
		break;
	case MVM_ALU_SBB:
		c = cf;
		/* fall through */
	case MVM_ALU_SUB:
	case MVM_ALU_CMP:
		res = (a - b - c) & m;
		cf = a < b || (c && a == b);
		of = (a ^ b) & (a ^ res) & sign;
		af = (a ^ b ^ res) & 0x10;
		break;
	case MVM_ALU_AND:
	case MVM_ALU_TEST:
		res = a & b;
		cf = 0;		/* AF is undefined: left clear */
		break;
	case MVM_ALU_OR:
		res = a | b;
		cf = 0;
		break;
	case MVM_ALU_XOR:
		res = a ^ b;
		cf = 0;
		break;
	case MVM_ALU_NOT:
		return ~a & m;	/* no flags */
	case MVM_ALU_NEG:
		res = (0 - a) & m;
		cf = a != 0;
		of = a == sign;
		af = (a ^ res) & 0x10;
		break;
	case MVM_ALU_INC:	/* CF as it was */
		res = (a + 1) & m;
		of = res == sign;
		af = (a ^ 1 ^ res) & 0x10;
		break;
	case MVM_ALU_DEC:
		res = (a - 1) & m;
		of = a == sign;
		af = (a ^ 1 ^ res) & 0x10;
		break;
	default:
		return a;
	}
	*rflags &= ~RFLAGS_ARITH;
	*rflags |= (cf ? RFLAGS_CF : 0) | (of ? RFLAGS_OF : 0) | (af ? RFLAGS_AF : 0) |
		   (res ? 0 : RFLAGS_ZF) | (res & sign ? RFLAGS_SF : 0) |
		   (__builtin_parityll(res & 0xff) ? 0 : RFLAGS_PF);
	return res;
}

static int emulate_alu(const struct mvm_mmio_insn *in, struct mvm_regs *r,
		       uint64_t gpa, bool is_write, const struct mvm_mmio_mem *mem)
{
	bool flags_only = in->alu == MVM_ALU_CMP || in->alu == MVM_ALU_TEST;
	uint64_t val, res, rflags = r->rflags;

	/*
	 * A read-modify-write of memory may exit on either access; one that
	 * only reads it cannot have exited on a write.
	 */
	if (is_write && (in->reg_dst || flags_only))
		return MVM_MMIO_ERR_DIRECTION;
	mem->read(mem->ctx, gpa, in->size, &val);
	if (in->reg_dst) {
		res = mvm_mmio_alu(in->alu, in->size, mvm_mmio_src(r, in), val, &rflags);
		if (!flags_only)
			set_gpr(r, in->reg, in->high_byte, in->reg_size, in->mode, res);
	} else {
		res = mvm_mmio_alu(in->alu, in->size, val, mvm_mmio_src(r, in), &rflags);
		if (!flags_only)
			mem->write(mem->ctx, gpa, in->size, res);
	}
	r->rflags = rflags;
	mvm_mmio_advance(r, in, 1);
	return 0;
}

/* ---- String forms ---- */

/* Elements of size bytes from gpa on, up or down, whole in gpa's page (at least 1). */
static uint64_t in_page(uint64_t gpa, unsigned int size, bool down)
{
	uint64_t off = gpa & (PAGE_SIZE - 1), n;

	n = down ? off / size + 1 : (PAGE_SIZE - off) / size;
	return n ? n : 1;
}

/*
 * Elements from offset off on before it wraps at the address size: there
 * the linear address jumps by 64 KiB (by 4 GiB with a 67 prefix in 64-bit
 * mode), which falls inside a page when the segment base is not page
 * aligned (real mode's seldom is), so the rest is in another page.
 */
static uint64_t before_wrap(uint64_t off, unsigned int size, bool down, unsigned int addr_size)
{
	uint64_t am = mask(addr_size);

	if (addr_size >= 8)
		return ~0ULL;
	off &= am;
	return (down ? off : am - off) / size + 1;
}

static bool straddles(uint64_t gpa, unsigned int size)
{
	return (gpa & (PAGE_SIZE - 1)) + size > PAGE_SIZE;
}

static int emulate_stos(const struct mvm_mmio_insn *in, struct mvm_regs *r,
			uint64_t gpa, bool is_write, const struct mvm_mmio_mem *mem)
{
	bool down = r->rflags & RFLAGS_DF;
	uint64_t n = mvm_mmio_count(r, in), val = mvm_mmio_src(r, in), i;
	uint64_t step = down ? -(uint64_t)in->size : in->size;

	if (!is_write)
		return MVM_MMIO_ERR_DIRECTION;
	if (n > in_page(gpa, in->size, down))
		n = in_page(gpa, in->size, down);
	if (n > before_wrap(r->rdi, in->size, down, in->addr_size))
		n = before_wrap(r->rdi, in->size, down, in->addr_size);
	for (i = 0; i < n; i++)
		mem->write(mem->ctx, gpa + i * step, in->size, val);
	mvm_mmio_advance(r, in, n);
	return 0;
}

/* Where an access that runs past gpa's page goes on: the next page. */
static uint64_t next_page(uint64_t gpa)
{
	return (gpa | (PAGE_SIZE - 1)) + 1;
}

/*
 * One MOVS element whose operands straddle a page boundary: byte by byte,
 * each part of the RAM-side operand through its own translation (src2,
 * dst2: where the part past the first page is).
 */
static void movs_split(const struct mvm_mmio_insn *in, const struct mvm_mmio_mem *mem,
		       uint64_t src, uint64_t src2, uint64_t dst, uint64_t dst2)
{
	unsigned int i, src_first = next_page(src) - src, dst_first = next_page(dst) - dst;
	uint64_t b;

	for (i = 0; i < in->size; i++) {
		mem->read(mem->ctx, i < src_first ? src + i : src2 + i - src_first, 1, &b);
		mem->write(mem->ctx, i < dst_first ? dst + i : dst2 + i - dst_first, 1, b);
	}
}

static int emulate_movs(const struct mvm_mmio_insn *in, struct mvm_regs *r,
			uint64_t gpa, bool is_write, const struct mvm_mmio_mem *mem)
{
	bool down = r->rflags & RFLAGS_DF;
	uint64_t n = mvm_mmio_count(r, in), am = mask(in->addr_size), i, val;
	uint64_t step = down ? -(uint64_t)in->size : in->size;
	uint64_t src, dst, other, other2, off;
	enum mvm_seg seg;

	if (!n) {
		mvm_mmio_advance(r, in, 0);
		return 0;
	}
	/*
	 * A write exited: the source was read, so it is RAM (or a read-only
	 * slot); a read exited: the destination is still to be found.
	 */
	seg = is_write ? (enum mvm_seg)in->seg : MVM_SEG_ES;
	off = (is_write ? r->rsi : r->rdi) & am;
	if (!mem->translate || mem->translate(mem->ctx, seg, off, !is_write, &other) < 0)
		return MVM_MMIO_ERR_UNMAPPED;
	other2 = next_page(other);
	if (straddles(other, in->size) &&
	    mem->translate(mem->ctx, seg, (off + next_page(other) - other) & am,
			   !is_write, &other2) < 0)
		return MVM_MMIO_ERR_UNMAPPED;
	src = is_write ? other : gpa;
	dst = is_write ? gpa : other;

	if (straddles(gpa, in->size) || straddles(other, in->size)) {
		/* The reported side's second part: the next page, as for a MOV. */
		movs_split(in, mem, src, is_write ? other2 : next_page(gpa),
			   dst, is_write ? next_page(gpa) : other2);
		n = 1;
	} else {
		if (n > in_page(gpa, in->size, down))
			n = in_page(gpa, in->size, down);
		if (n > in_page(other, in->size, down))
			n = in_page(other, in->size, down);
		if (n > before_wrap(r->rsi, in->size, down, in->addr_size))
			n = before_wrap(r->rsi, in->size, down, in->addr_size);
		if (n > before_wrap(r->rdi, in->size, down, in->addr_size))
			n = before_wrap(r->rdi, in->size, down, in->addr_size);
		for (i = 0; i < n; i++) {
			mem->read(mem->ctx, src + i * step, in->size, &val);
			mem->write(mem->ctx, dst + i * step, in->size, val);
		}
	}
	mvm_mmio_advance(r, in, n);
	return 0;
}

int mvm_mmio_emulate(const struct mvm_mmio_insn *in, struct mvm_regs *r,
		     uint64_t gpa, bool is_write, const struct mvm_mmio_mem *mem)
{
	uint64_t val;

	if (in->size != 1 && in->size != 2 && in->size != 4 && in->size != 8)
		return MVM_MMIO_ERR_OPERAND;
	switch (in->kind) {
	case MVM_MMIO_LOAD:
		if (is_write)
			return MVM_MMIO_ERR_DIRECTION;
		mem->read(mem->ctx, gpa, in->size, &val);
		mvm_mmio_load(r, in, val);
		break;
	case MVM_MMIO_STORE:
		if (!is_write)
			return MVM_MMIO_ERR_DIRECTION;
		mem->write(mem->ctx, gpa, in->size, mvm_mmio_src(r, in));
		break;
	case MVM_MMIO_ALU:
		return emulate_alu(in, r, gpa, is_write, mem);
	case MVM_MMIO_STOS:
		return emulate_stos(in, r, gpa, is_write, mem);
	case MVM_MMIO_MOVS:
		return emulate_movs(in, r, gpa, is_write, mem);
	default:
		return MVM_MMIO_ERR_INSN;
	}
	mvm_mmio_advance(r, in, 1);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ALU operations the VMM emulates on MMIO (mvm_mmio_alu(),
 * userspace/lib/mmio_emulate.c) give the result and the arithmetic flags
 * this host's own CPU gives for the same instruction, for every operation
 * and size, edge values and random ones, carry in and out.  AF after
 * AND/OR/XOR/TEST is undefined and not compared.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "mmio.h"

#define ARITH	0x8d5ULL	/* OF SF ZF AF PF CF */
#define AF	0x010ULL
#define KEPT	(ARITH | 0x400)	/* and DF, which must stay (IF is the host's) */

/* Runs "op b, a" (AT&T) with the flags in *fl; the result, *fl after. */
#define HOST2(name, insn, sfx, type, c)						\
static uint64_t name(uint64_t a, uint64_t b, uint64_t *fl)			\
{										\
	type x = (type)a, y = (type)b;						\
	uint64_t f = *fl | 2;							\
										\
	/* Below the red zone: the compiler may keep locals there. */		\
	__asm__ volatile("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopf\n\t"	\
			 insn sfx " %[y], %[x]\n\t"				\
			 "pushf\n\tpop %[f]\n\tlea 128(%%rsp), %%rsp"		\
			 : [x] "+" c (x), [f] "+r" (f) : [y] c (y) : "cc", "memory"); \
	*fl = f;								\
	return x;								\
}
#define HOST1(name, insn, sfx, type, c)						\
static uint64_t name(uint64_t a, uint64_t b, uint64_t *fl)			\
{										\
	type x = (type)a;							\
	uint64_t f = *fl | 2;							\
										\
	(void)b;								\
	__asm__ volatile("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopf\n\t"	\
			 insn sfx " %[x]\n\t"					\
			 "pushf\n\tpop %[f]\n\tlea 128(%%rsp), %%rsp"		\
			 : [x] "+" c (x), [f] "+r" (f) : : "cc", "memory");	\
	*fl = f;								\
	return x;								\
}
#define SIZES2(op, insn)							\
	HOST2(op##_1, insn, "b", uint8_t, "q")					\
	HOST2(op##_2, insn, "w", uint16_t, "r")					\
	HOST2(op##_4, insn, "l", uint32_t, "r")					\
	HOST2(op##_8, insn, "q", uint64_t, "r")
#define SIZES1(op, insn)							\
	HOST1(op##_1, insn, "b", uint8_t, "q")					\
	HOST1(op##_2, insn, "w", uint16_t, "r")					\
	HOST1(op##_4, insn, "l", uint32_t, "r")					\
	HOST1(op##_8, insn, "q", uint64_t, "r")

SIZES2(add, "add")
SIZES2(or, "or")
SIZES2(adc, "adc")
SIZES2(sbb, "sbb")
SIZES2(and, "and")
SIZES2(sub, "sub")
SIZES2(xor, "xor")
SIZES2(test, "test")
SIZES1(not, "not")
SIZES1(neg, "neg")
SIZES1(inc, "inc")
SIZES1(dec, "dec")

/* CMP is SUB that keeps a: the host's SUB gives its flags. */
typedef uint64_t (*host_fn)(uint64_t a, uint64_t b, uint64_t *fl);

static const struct {
	enum mvm_mmio_alu op;
	const char *name;
	host_fn fn[4];		/* sizes 1, 2, 4, 8 */
	bool logic;		/* AF undefined */
	bool keeps_a;		/* CMP, TEST: no result */
} ops[] = {
	{ .op = MVM_ALU_ADD, .name = "add", .fn = { add_1, add_2, add_4, add_8 } },
	{ .op = MVM_ALU_OR, .name = "or", .fn = { or_1, or_2, or_4, or_8 }, .logic = true },
	{ .op = MVM_ALU_ADC, .name = "adc", .fn = { adc_1, adc_2, adc_4, adc_8 } },
	{ .op = MVM_ALU_SBB, .name = "sbb", .fn = { sbb_1, sbb_2, sbb_4, sbb_8 } },
	{ .op = MVM_ALU_AND, .name = "and", .fn = { and_1, and_2, and_4, and_8 }, .logic = true },
	{ .op = MVM_ALU_SUB, .name = "sub", .fn = { sub_1, sub_2, sub_4, sub_8 } },
	{ .op = MVM_ALU_XOR, .name = "xor", .fn = { xor_1, xor_2, xor_4, xor_8 }, .logic = true },
	{ .op = MVM_ALU_CMP, .name = "cmp", .fn = { sub_1, sub_2, sub_4, sub_8 }, .keeps_a = true },
	{ .op = MVM_ALU_TEST, .name = "test", .fn = { test_1, test_2, test_4, test_8 }, .logic = true,
	  .keeps_a = true },
	{ .op = MVM_ALU_NOT, .name = "not", .fn = { not_1, not_2, not_4, not_8 } },
	{ .op = MVM_ALU_NEG, .name = "neg", .fn = { neg_1, neg_2, neg_4, neg_8 } },
	{ .op = MVM_ALU_INC, .name = "inc", .fn = { inc_1, inc_2, inc_4, inc_8 } },
	{ .op = MVM_ALU_DEC, .name = "dec", .fn = { dec_1, dec_2, dec_4, dec_8 } },
};

static uint64_t rnd(void)
{
	static uint64_t s = 0x2545f4914f6cdd1dULL;

	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s;
}

/* A value of size bytes: an edge (0, 1, the sign bit and its neighbours, all ones) or random. */
static uint64_t value(unsigned int size, unsigned int i)
{
	uint64_t sign = 1ULL << (8 * size - 1), m = sign | (sign - 1);
	const uint64_t edge[] = { 0, 1, 2, 0xf, 0x10, sign - 1, sign, sign + 1, m - 1, m };

	return i < sizeof(edge) / sizeof(edge[0]) ? edge[i] & m : rnd() & m;
}

TEST(alu_like_the_cpu)
{
	unsigned int o, s, i, j, cf, checked = 0;

	for (o = 0; o < sizeof(ops) / sizeof(ops[0]); o++) {
		for (s = 0; s < 4; s++) {
			unsigned int size = 1U << s;

			for (i = 0; i < 40; i++) {
				for (j = 0; j < 40; j++) {
					for (cf = 0; cf < 2; cf++) {
						uint64_t a = value(size, i), b = value(size, j);
						/* Other flags set too: they must stay. */
						uint64_t fl = 0x400 | (cf ? 1 : 0) | (rnd() & ARITH);
						uint64_t host_fl = fl, mvm_fl = fl, want, got;
						uint64_t cmp_mask = ops[o].logic ? ~AF : ~0ULL;

						want = ops[o].fn[s](a, b, &host_fl);
						got = mvm_mmio_alu(ops[o].op, size, a, b, &mvm_fl);
						if (!ops[o].keeps_a)
							ASSERT_EQ(want, got)
								TH_LOG("%s size %u: 0x%llx, 0x%llx",
								       ops[o].name, size,
								       (unsigned long long)a,
								       (unsigned long long)b);
						ASSERT_EQ(host_fl & KEPT & cmp_mask, mvm_fl & KEPT & cmp_mask)
							TH_LOG("%s size %u: 0x%llx, 0x%llx, flags in 0x%llx",
							       ops[o].name, size, (unsigned long long)a,
							       (unsigned long long)b, (unsigned long long)fl);
						checked++;
					}
				}
			}
		}
	}
	EXPECT_EQ(13U * 4 * 40 * 40 * 2, checked);
}

TEST_HARNESS_MAIN

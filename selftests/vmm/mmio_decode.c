// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MMIO instruction decoder (userspace/lib/mmio_decode.c, the VMM's and
 * the test backend's) against the vectors of lib/mmio_vectors.h: each row
 * decodes as written, or is refused with its reason; each cut-short prefix
 * of a row is "cut short"; bytes after an instruction change nothing.
 * The bytes end where an unreadable page begins, so a read past the given
 * length kills the test.  Random and mutated bytes in every mode decode to
 * something self-consistent or to an error, never to a crash.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "mmio_vectors.h"

#define PAGE		4096
#define NR_VECTORS	(sizeof(mmio_vectors) / sizeof(mmio_vectors[0]))

/* Two pages, the second unreadable: bytes copied to end at the boundary. */
static uint8_t *guarded(void)
{
	uint8_t *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || mprotect(p + PAGE, PAGE, PROT_NONE))
		return NULL;
	return p + PAGE;
}

static int decode_at(uint8_t *end, const uint8_t *b, unsigned int n,
		     unsigned int mode, struct mvm_mmio_insn *in)
{
	memcpy(end - n, b, n);
	return mvm_mmio_decode(end - n, n, mode, in);
}

static uint64_t mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

#define SAME(f)	EXPECT_EQ(w->f, in.f) TH_LOG("%s (%u-bit): " #f, v->text, v->mode)

static void check(struct __test_metadata *_metadata, uint8_t *end,
		  const struct mmio_vector *v)
{
	const struct mvm_mmio_insn *w = &v->want;
	struct mvm_mmio_insn in;
	int err = decode_at(end, v->bytes, v->n, v->mode, &in);

	EXPECT_EQ(v->err, err) TH_LOG("%s (%u-bit): '%s', not '%s'", v->text, v->mode,
				      mvm_mmio_strerror(err), mvm_mmio_strerror(v->err));
	if (in.mnemonic)
		EXPECT_TRUE(strstr(v->text, in.mnemonic) != NULL)
			TH_LOG("%s (%u-bit): decoded as %s", v->text, v->mode, in.mnemonic);
	if (err || v->err)
		return;
	EXPECT_EQ(v->mode, in.mode);
	SAME(kind);
	SAME(len);
	SAME(size);
	SAME(addr_size);
	SAME(reg);
	SAME(reg_size);
	SAME(high_byte);
	SAME(sign_extend);
	SAME(reg_dst);
	SAME(has_imm);
	SAME(rep);
	SAME(seg);
	if (w->kind == MVM_MMIO_ALU)
		SAME(alu);
	/* What the access uses of it: its size's bytes (above them, sign bits). */
	EXPECT_EQ(w->imm & mask(w->size), in.imm & mask(w->size))
		TH_LOG("%s (%u-bit): imm 0x%llx", v->text, v->mode, (unsigned long long)in.imm);
}

TEST(vectors)
{
	uint8_t *end = guarded();
	unsigned int i;

	ASSERT_NE(NULL, end);
	for (i = 0; i < NR_VECTORS; i++)
		check(_metadata, end, &mmio_vectors[i]);
}

/* Every prefix of a decodable row is cut short, and read no further. */
TEST(cut_short)
{
	uint8_t *end = guarded();
	struct mvm_mmio_insn in;
	unsigned int i, k, rows = 0;

	ASSERT_NE(NULL, end);
	for (i = 0; i < NR_VECTORS; i++) {
		const struct mmio_vector *v = &mmio_vectors[i];

		if (v->err)
			continue;
		rows++;
		for (k = 0; k < v->want.len; k++)
			EXPECT_EQ(k ? MVM_MMIO_ERR_SHORT : MVM_MMIO_ERR_NO_BYTES,
				  decode_at(end, v->bytes, k, v->mode, &in))
				TH_LOG("%s (%u-bit): the first %u bytes", v->text, v->mode, k);
	}
	EXPECT_LT(100U, rows);
}

/*
 * The CPU may hand over up to 15 bytes (more than the instruction): what
 * follows it changes nothing, and more than 15 are not read.
 */
TEST(bytes_after)
{
	uint8_t *end = guarded(), b[32];
	struct mvm_mmio_insn in;
	unsigned int i;

	ASSERT_NE(NULL, end);
	for (i = 0; i < NR_VECTORS; i++) {
		const struct mmio_vector *v = &mmio_vectors[i];

		if (v->err)
			continue;
		memset(b, 0x0f, sizeof(b));	/* an opcode escape: never a prefix */
		memcpy(b, v->bytes, v->n);
		EXPECT_EQ(0, decode_at(end, b, sizeof(b), v->mode, &in)) TH_LOG("%s", v->text);
		EXPECT_EQ(v->want.len, in.len) TH_LOG("%s", v->text);
		EXPECT_EQ(v->want.kind, in.kind) TH_LOG("%s", v->text);
	}
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void any_read(void *ctx, uint64_t gpa, unsigned int size, uint64_t *val)
{
	(void)ctx;
	(void)gpa;
	*val = rnd() & mask(size);
}

static void any_write(void *ctx, uint64_t gpa, unsigned int size, uint64_t val)
{
	(void)ctx;
	(void)gpa;
	(void)size;
	(void)val;
}

static int any_translate(void *ctx, enum mvm_seg seg, uint64_t offset, bool write,
			 uint64_t *gpa)
{
	(void)ctx;
	(void)seg;
	(void)offset;
	(void)write;
	*gpa = rnd();
	return rnd() & 1 ? 0 : -1;
}

/* Random bytes, and rows with bytes changed, cut or added: consistent or refused. */
TEST(random_bytes)
{
	static const unsigned int modes[] = { 16, 32, 64, 0 };
	const struct mvm_mmio_mem mem = {
		.read = any_read, .write = any_write, .translate = any_translate,
	};
	uint8_t *end = guarded(), b[15];
	struct mvm_mmio_insn in;
	struct mvm_regs r;
	unsigned int i, k, n, mode, decoded = 0;
	int err;

	ASSERT_NE(NULL, end);
	for (i = 0; i < 300000; i++) {
		const struct mmio_vector *v = &mmio_vectors[rnd() % NR_VECTORS];

		n = 1 + rnd() % 15;
		for (k = 0; k < n; k++)
			b[k] = (uint8_t)rnd();
		mode = modes[rnd() % 4];
		if (i & 1) {		/* a row, mutated */
			memcpy(b, v->bytes, v->n < n ? v->n : n);
			b[rnd() % n] = (uint8_t)rnd();
			mode = rnd() % 4 ? v->mode : mode;
		}
		err = decode_at(end, b, n, mode, &in);
		ASSERT_TRUE(err >= 0 && err < MVM_MMIO_NR_ERRORS);
		if (err)
			continue;
		decoded++;
		ASSERT_TRUE(in.len >= 1 && in.len <= n);
		ASSERT_TRUE(in.size == 1 || in.size == 2 || in.size == 4 || in.size == 8);
		ASSERT_TRUE(in.addr_size == 2 || in.addr_size == 4 || in.addr_size == 8);
		ASSERT_TRUE(in.reg >= -1 && in.reg <= 15);
		ASSERT_TRUE(in.reg < 0 || in.reg_size == 1 || in.reg_size == 2 ||
			    in.reg_size == 4 || in.reg_size == 8);
		ASSERT_TRUE(!in.high_byte || (in.reg >= 0 && in.reg < 4 && in.reg_size == 1));
		ASSERT_TRUE(in.kind <= MVM_MMIO_MOVS && in.seg <= MVM_SEG_GS);
		ASSERT_TRUE(in.mnemonic != NULL);
		/* And done to random registers: an answer, never a crash or a hang. */
		for (k = 0; k < sizeof(r) / 8; k++)
			((uint64_t *)&r)[k] = rnd();
		err = mvm_mmio_emulate(&in, &r, rnd(), rnd() & 1, &mem);
		ASSERT_TRUE(err >= 0 && err < MVM_MMIO_NR_ERRORS);
	}
	EXPECT_LT(10000U, decoded);
}

TEST(error_strings)
{
	int i, j;

	for (i = 0; i < MVM_MMIO_NR_ERRORS; i++) {
		ASSERT_NE(NULL, mvm_mmio_strerror(i));
		for (j = 0; j < i; j++)
			EXPECT_NE(0, strcmp(mvm_mmio_strerror(i), mvm_mmio_strerror(j)));
	}
	EXPECT_STREQ("unknown error", mvm_mmio_strerror(-1));
	EXPECT_STREQ("unknown error", mvm_mmio_strerror(MVM_MMIO_NR_ERRORS));
}

TEST_HARNESS_MAIN

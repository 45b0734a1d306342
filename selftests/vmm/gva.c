// SPDX-License-Identifier: GPL-2.0-only
/*
 * A guest's linear addresses to guest-physical ones (userspace/lib/gva.c,
 * what MOVS on MMIO needs for its other operand): segment bases by mode;
 * paging off, 4- and 5-level paging with 4 KiB, 2 MiB and 1 GiB pages,
 * PAE, 32-bit paging with 4 MiB pages (PSE, PSE-36) and without PSE.  Not
 * present, read-only (by CR0.WP and CPL) and supervisor pages fault, and
 * so does a table outside RAM; accessed and dirty bits are set as the
 * CPU sets them, and not at all by a walk that faults; the entries whose
 * bits it set are reported, for the VMM's dirty log.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "libmvm.h"

#define RAM_SIZE	(64 * 4096)
#define P		0x001ULL
#define W		0x002ULL
#define U		0x004ULL
#define A		0x020ULL
#define D		0x040ULL
#define PS		0x080ULL

#define CR0_PE		0x1ULL
#define CR0_WP		(1ULL << 16)
#define CR0_PG		(1ULL << 31)
#define CR4_PSE		(1ULL << 4)
#define CR4_PAE		(1ULL << 5)
#define CR4_LA57	(1ULL << 12)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

static uint8_t ram[RAM_SIZE] __attribute__((aligned(4096)));

static void *ram_ptr(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	return gpa < RAM_SIZE && len <= RAM_SIZE - gpa ? ram + gpa : NULL;
}

static uint64_t *e64(uint64_t table, unsigned int i)
{
	return (uint64_t *)(ram + table) + i;
}

static uint32_t *e32(uint64_t table, unsigned int i)
{
	return (uint32_t *)(ram + table) + i;
}

/* The entries the walk says it wrote (for the VMM's dirty log), in order. */
static struct {
	uint64_t gpa[8];
	unsigned int n;
	bool bad;		/* one given twice, or with a length not the entry's */
} written;

static void ram_written(void *ctx, uint64_t gpa, uint64_t len)
{
	unsigned int i;

	(void)ctx;
	for (i = 0; i < written.n; i++)
		written.bad |= written.gpa[i] == gpa;
	written.bad |= len != 8 && len != 4;
	if (written.n < 8)
		written.gpa[written.n++] = gpa;
}

static int walk(const struct mvm_sregs *s, uint64_t la, bool write, uint64_t *gpa)
{
	memset(&written, 0, sizeof(written));
	return mvm_gva_to_gpa(s, la, write, ram_ptr, ram_written, NULL, gpa);
}

#define PML5	0x1000ULL
#define PML4	0x2000ULL
#define PDPT	0x3000ULL
#define PD	0x4000ULL
#define PT	0x5000ULL
#define LA4K	0x00007f1234567000ULL	/* PML4 254, PDPT 72, PD 418, PT 359 */
#define LA2M	(LA4K + (1ULL << 21))	/* the next PD entry: a 2 MiB page */
#define LA1G	(LA4K + (1ULL << 30))	/* the next PDPT entry: a 1 GiB page */

static unsigned int idx(uint64_t la, unsigned int shift)
{
	return (la >> shift) & 511;
}

/* Long mode, 4-level: LA4K a 4 KiB page, LA2M a 2 MiB page (PAT bit set), LA1G 1 GiB. */
static void long_mode(struct mvm_sregs *s)
{
	memset(ram, 0, sizeof(ram));
	memset(s, 0, sizeof(*s));
	s->cr0 = CR0_PE | CR0_PG | CR0_WP;
	s->cr4 = CR4_PAE;
	s->efer = EFER_LME | EFER_LMA;
	s->cr3 = PML4;
	*e64(PML4, idx(LA4K, 39)) = PDPT | P | W | U;
	*e64(PDPT, idx(LA4K, 30)) = PD | P | W | U;
	*e64(PD, idx(LA4K, 21)) = PT | P | W | U;
	*e64(PT, idx(LA4K, 12)) = 0xabcde000ULL | P | W | U;
	*e64(PD, idx(LA2M, 21)) = 0x40000000ULL | (1ULL << 12) | PS | P | W | U;
	*e64(PDPT, idx(LA1G, 30)) = 0x140000000ULL | PS | P | W | U;
}

TEST(long_mode_pages)
{
	struct mvm_sregs s;
	uint64_t gpa;

	long_mode(&s);
	ASSERT_EQ(0, walk(&s, LA4K + 0x123, false, &gpa));
	EXPECT_EQ(0xabcde123ULL, gpa);
	ASSERT_EQ(0, walk(&s, LA2M + 0x12345, false, &gpa));
	/* Bit 12 is PAT, no address bit. */
	EXPECT_EQ(0x40000000ULL | ((LA2M + 0x12345) & 0x1fffff), gpa);
	ASSERT_EQ(0, walk(&s, LA1G + 0x2345678, false, &gpa));
	EXPECT_EQ(0x140000000ULL | ((LA1G + 0x2345678) & 0x3fffffff), gpa);
	EXPECT_EQ(-1, walk(&s, LA4K + 0x1000, false, &gpa));	/* PT entry 360 */
	EXPECT_EQ(-1, walk(&s, LA4K ^ (1ULL << 39), false, &gpa));	/* PML4 entry 255 */

	/* 5-level: PML5 entry 3 leads to the same PML4. */
	s.cr4 |= CR4_LA57;
	s.cr3 = PML5;
	*e64(PML5, 3) = PML4 | P | W | U;
	ASSERT_EQ(0, walk(&s, (3ULL << 48) | LA4K | 0x10, false, &gpa));
	EXPECT_EQ(0xabcde010ULL, gpa);
	EXPECT_EQ(-1, walk(&s, LA4K, false, &gpa));		/* PML5 entry 0 */
}

TEST(accessed_dirty)
{
	struct mvm_sregs s;
	uint64_t gpa;

	long_mode(&s);
	ASSERT_EQ(0, walk(&s, LA4K, false, &gpa));
	EXPECT_EQ(A, *e64(PML4, idx(LA4K, 39)) & (A | D));
	EXPECT_EQ(A, *e64(PDPT, idx(LA4K, 30)) & (A | D));
	EXPECT_EQ(A, *e64(PD, idx(LA4K, 21)) & (A | D));
	EXPECT_EQ(A, *e64(PT, idx(LA4K, 12)) & (A | D));
	ASSERT_EQ(0, walk(&s, LA4K, true, &gpa));
	EXPECT_EQ(A, *e64(PD, idx(LA4K, 21)) & (A | D));	/* D: the last level only */
	EXPECT_EQ(A | D, *e64(PT, idx(LA4K, 12)) & (A | D));
	ASSERT_EQ(0, walk(&s, LA2M, true, &gpa));
	EXPECT_EQ(A | D, *e64(PD, idx(LA2M, 21)) & (A | D));

	/* A walk that faults sets nothing. */
	long_mode(&s);
	*e64(PT, idx(LA4K, 12)) &= ~W;
	EXPECT_EQ(-1, walk(&s, LA4K, true, &gpa));
	EXPECT_EQ(0ULL, *e64(PML4, idx(LA4K, 39)) & (A | D));
	EXPECT_EQ(0ULL, *e64(PT, idx(LA4K, 12)) & (A | D));
	EXPECT_EQ(0U, written.n);
}

/*
 * The bits are guest RAM the VMM wrote, which the kernel's dirty log does
 * not see: each entry whose bits changed is reported (for migration),
 * once, and none when they were set already.
 */
TEST(written_entries)
{
	struct mvm_sregs s;
	uint64_t gpa;

	long_mode(&s);
	ASSERT_EQ(0, walk(&s, LA4K, false, &gpa));
	ASSERT_EQ(4U, written.n);
	EXPECT_FALSE(written.bad);
	EXPECT_EQ(PML4 + 8 * idx(LA4K, 39), written.gpa[0]);
	EXPECT_EQ(PDPT + 8 * idx(LA4K, 30), written.gpa[1]);
	EXPECT_EQ(PD + 8 * idx(LA4K, 21), written.gpa[2]);
	EXPECT_EQ(PT + 8 * idx(LA4K, 12), written.gpa[3]);
	ASSERT_EQ(0, walk(&s, LA4K, false, &gpa));
	EXPECT_EQ(0U, written.n);			/* all accessed already */
	ASSERT_EQ(0, walk(&s, LA4K, true, &gpa));
	ASSERT_EQ(1U, written.n);			/* the PTE's dirty bit */
	EXPECT_EQ(PT + 8 * idx(LA4K, 12), written.gpa[0]);

	/* 32-bit paging: 4-byte entries. */
	memset(ram, 0, sizeof(ram));
	memset(&s, 0, sizeof(s));
	s.cr0 = CR0_PE | CR0_PG;
	s.cr3 = 0x9000;
	*e32(0x9000, 0x300) = 0xa000 | P | W;
	*e32(0xa000, 0x101) = 0x00345000 | P | W;
	ASSERT_EQ(0, walk(&s, 0xc0101234ULL, true, &gpa));
	ASSERT_EQ(2U, written.n);
	EXPECT_FALSE(written.bad);
	EXPECT_EQ(0x9000ULL + 4 * 0x300, written.gpa[0]);
	EXPECT_EQ(0xa000ULL + 4 * 0x101, written.gpa[1]);
}

TEST(permissions)
{
	struct mvm_sregs s;
	uint64_t gpa;

	/* Read-only at any level: a write faults with CR0.WP, or at CPL 3. */
	long_mode(&s);
	*e64(PD, idx(LA4K, 21)) &= ~W;
	EXPECT_EQ(0, walk(&s, LA4K, false, &gpa));
	EXPECT_EQ(-1, walk(&s, LA4K, true, &gpa));
	s.cr0 &= ~CR0_WP;
	EXPECT_EQ(0, walk(&s, LA4K, true, &gpa));
	s.ss.dpl = 3;
	EXPECT_EQ(-1, walk(&s, LA4K, true, &gpa));

	/* Supervisor at any level: CPL 3 faults, CPL 0 does not. */
	long_mode(&s);
	*e64(PDPT, idx(LA4K, 30)) &= ~U;
	EXPECT_EQ(0, walk(&s, LA4K, false, &gpa));
	s.ss.dpl = 3;
	EXPECT_EQ(-1, walk(&s, LA4K, false, &gpa));

	/* A table that is not RAM. */
	long_mode(&s);
	*e64(PDPT, idx(LA4K, 30)) = 0x10000000ULL | P | W | U;
	EXPECT_EQ(-1, walk(&s, LA4K, false, &gpa));
	s.cr3 = 0x7fff000;
	EXPECT_EQ(-1, walk(&s, LA4K, false, &gpa));
}

TEST(pae)
{
	struct mvm_sregs s;
	uint64_t gpa;

	memset(ram, 0, sizeof(ram));
	memset(&s, 0, sizeof(s));
	s.cr0 = CR0_PE | CR0_PG;
	s.cr4 = CR4_PAE;
	s.cr3 = 0x6020;			/* PDPTEs are 32-byte aligned, not page aligned */
	*e64(0x6020, 2) = 0x7000 | P;	/* 0x80000000-0xbfffffff */
	*e64(0x7000, 1) = 0x8000 | P | W;
	*e64(0x8000, 3) = 0x123456000ULL | P | W;	/* above 4 GiB */
	*e64(0x7000, 2) = 0x200000000ULL | PS | P | W;
	ASSERT_EQ(0, walk(&s, 0x80203abcULL, false, &gpa));
	EXPECT_EQ(0x123456abcULL, gpa);
	ASSERT_EQ(0, walk(&s, 0x80454321ULL, false, &gpa));
	EXPECT_EQ(0x200054321ULL, gpa);
	EXPECT_EQ(-1, walk(&s, 0x40203abcULL, false, &gpa));	/* PDPTE 1 */
	ASSERT_EQ(0, walk(&s, 0x80203abcULL, true, &gpa));
	EXPECT_EQ(A | D, *e64(0x8000, 3) & (A | D));
	EXPECT_EQ(0ULL, *e64(0x6020, 2) & (A | D));		/* PDPTEs have none */
}

TEST(legacy_32bit)
{
	struct mvm_sregs s;
	uint64_t gpa;

	memset(ram, 0, sizeof(ram));
	memset(&s, 0, sizeof(s));
	s.cr0 = CR0_PE | CR0_PG;
	s.cr3 = 0x9000;
	*e32(0x9000, 0x300) = 0xa000 | P | W;
	*e32(0xa000, 0x101) = 0x00345000 | P | W;
	/* 4 MiB at 0x12ffc00000 with PSE-36 (bits 13-20: address bits 32-39). */
	*e32(0x9000, 0x301) = 0xffc00000 | (0x12 << 13) | PS | P | W;
	ASSERT_EQ(0, walk(&s, 0xc0101234ULL, false, &gpa));
	EXPECT_EQ(0x345234ULL, gpa);
	EXPECT_EQ(-1, walk(&s, 0xc0465432ULL, false, &gpa));	/* PS without CR4.PSE: a PT not in RAM */
	s.cr4 = CR4_PSE;
	ASSERT_EQ(0, walk(&s, 0xc0465432ULL, false, &gpa));
	EXPECT_EQ(0x12ffc65432ULL, gpa);
	ASSERT_EQ(0, walk(&s, 0xc0101234ULL, true, &gpa));
	EXPECT_EQ(A | D, *e32(0xa000, 0x101) & (A | D));
	EXPECT_EQ(A, *e32(0x9000, 0x300) & (A | D));
}

TEST(paging_off_and_segments)
{
	struct mvm_sregs s;
	uint64_t gpa;

	memset(&s, 0, sizeof(s));
	s.cr0 = CR0_PE;
	ASSERT_EQ(0, walk(&s, 0x12345678ULL, true, &gpa));
	EXPECT_EQ(0x12345678ULL, gpa);

	/* 64-bit mode: only FS and GS have bases. */
	s.ds.base = 0x1000;
	s.fs.base = 0x70000000;
	s.gs.base = 0xffff800000000000ULL;
	EXPECT_EQ(0x20ULL, mvm_linear_address(&s, 64, MVM_SEG_DS, 0x20));
	EXPECT_EQ(0x70000020ULL, mvm_linear_address(&s, 64, MVM_SEG_FS, 0x20));
	EXPECT_EQ(0xffff800000000020ULL, mvm_linear_address(&s, 64, MVM_SEG_GS, 0x20));
	/* 32- and 16-bit: every base, wrapping at 4 GiB. */
	s.es.base = 0xfffff000;
	EXPECT_EQ(0x1000ULL, mvm_linear_address(&s, 32, MVM_SEG_ES, 0x2000));
	EXPECT_EQ(0x1020ULL, mvm_linear_address(&s, 32, MVM_SEG_DS, 0x20));
	s.ds.base = 0xb8000;		/* real mode: selector * 16 */
	EXPECT_EQ(0xb8010ULL, mvm_linear_address(&s, 16, MVM_SEG_DS, 0x10));
}

TEST_HARNESS_MAIN

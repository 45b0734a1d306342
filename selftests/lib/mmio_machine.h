/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A pretend machine for the MMIO emulation tests (vmm/mmio_emulate,
 * vmm/mmio_string): RAM at RAM_GPA, a device everywhere else whose reads
 * give a function of the address, every access logged, and a MOVS
 * translation that can fail or map two pages the other way round.
 */
#ifndef MVM_SELFTEST_MMIO_MACHINE_H
#define MVM_SELFTEST_MMIO_MACHINE_H

#include <string.h>

#include "mmio.h"

#define PAGE		4096ULL
#define MMIO_GPA	0xfeb00000ULL		/* a device's page */
#define RAM_GPA		0x100000ULL		/* pretend RAM: 4 pages */
#define RIP		0x401000ULL

struct access {
	uint64_t gpa, val;
	unsigned int size;
	bool write;
};

/* The pretend machine: RAM at RAM_GPA, every other address a device. */
static struct machine {
	uint8_t ram[4 * PAGE];
	struct access log[8192];
	unsigned int n;
	unsigned int translations;
	enum mvm_seg last_seg;
	bool last_write;
	bool fail;		/* translate() fails */
	bool swap;		/* translate() maps linear page 0 to RAM page 1 and back */
} mach;

/* What a device read returns: a function of the address. */
static inline uint64_t device_val(uint64_t gpa, unsigned int size)
{
	uint64_t v = (gpa * 0x9e3779b97f4a7c15ULL) >> 7;

	return size >= 8 ? v : v & ((1ULL << (8 * size)) - 1);
}

static inline uint8_t *ram_at(uint64_t gpa, unsigned int size)
{
	if (gpa >= RAM_GPA && gpa + size <= RAM_GPA + sizeof(mach.ram))
		return mach.ram + (gpa - RAM_GPA);
	return NULL;
}

static inline void m_read(void *ctx, uint64_t gpa, unsigned int size, uint64_t *val)
{
	uint8_t *p = ram_at(gpa, size);

	(void)ctx;
	*val = 0;
	if (p)
		memcpy(val, p, size);
	else
		*val = device_val(gpa, size);
	if (mach.n < 8192)
		mach.log[mach.n++] = (struct access){ gpa, *val, size, false };
}

static inline void m_write(void *ctx, uint64_t gpa, unsigned int size, uint64_t val)
{
	uint8_t *p = ram_at(gpa, size);

	(void)ctx;
	if (p)
		memcpy(p, &val, size);
	if (mach.n < 8192)
		mach.log[mach.n++] = (struct access){ gpa, val, size, true };
}

/* Linear = offset; RAM from RAM_GPA (pages 0 and 1 swapped with swap). */
static inline int m_translate(void *ctx, enum mvm_seg seg, uint64_t offset, bool write,
		       uint64_t *gpa)
{
	uint64_t page = offset / PAGE;

	(void)ctx;
	mach.translations++;
	mach.last_seg = seg;
	mach.last_write = write;
	if (mach.fail)
		return -1;
	if (mach.swap && page < 2)
		page ^= 1;
	*gpa = RAM_GPA + page * PAGE + offset % PAGE;
	return 0;
}

static const struct mvm_mmio_mem mem = {
	.read = m_read, .write = m_write, .translate = m_translate,
};

/* Decode bytes in mode (asserting it works), registers at their start. */
#define DECODE(in, mode, ...) do {						\
	static const uint8_t b_[] = { __VA_ARGS__ };				\
	ASSERT_EQ(0, mvm_mmio_decode(b_, sizeof(b_), mode, &(in)));		\
} while (0)

static inline void reset(struct mvm_regs *r)
{
	memset(&mach, 0, sizeof(mach));
	memset(r, 0, sizeof(*r));
	r->rip = RIP;
	r->rflags = 0x2;
}

#endif /* MVM_SELFTEST_MMIO_MACHINE_H */

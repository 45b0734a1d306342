/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What guest code may use: the ucall channel (GUEST_SYNC, GUEST_DONE,
 * GUEST_ASSERT*), port I/O and a few instructions.  Freestanding: nothing
 * here calls libc, and guest code must not either (see test_vm.h for the
 * rules guest functions follow).  The host reads the same struct ucall.
 */
#ifndef MVM_SELFTEST_GUEST_H
#define MVM_SELFTEST_GUEST_H

#include <stdint.h>

/*
 * A ucall is "OUT to UCALL_PORT with RDI = the linear (guest-virtual)
 * address of a struct ucall".  Any access size works, so 16- and 32-bit
 * guest code written in assembly can make one too (modes.c).
 */
#define UCALL_PORT	0x6d76

enum {
	UCALL_NONE,		/* the exit was not a ucall */
	UCALL_SYNC,		/* args[0]: the value of GUEST_SYNC() */
	UCALL_DONE,
	UCALL_ABORT,		/* GUEST_ASSERT: file, line, expr, args[0..1] */
	UCALL_UNHANDLED,	/* exception: args = vector, error, rip, cr2 */
};

struct ucall {
	uint64_t cmd;
	uint64_t args[4];
	uint64_t line;
	uint64_t file;		/* guest address of a string, or 0 */
	uint64_t expr;		/* guest address of a string, or 0 */
};

/* Offsets for assembly writers (16/32-bit guests). */
#define UCALL_OFF_CMD	0
#define UCALL_OFF_ARG0	8

void guest_ucall(uint64_t cmd, uint64_t a0, uint64_t a1, uint64_t a2,
		 uint64_t a3);
void guest_assert_fail(const char *file, uint64_t line, const char *expr,
		       uint64_t a, uint64_t b) __attribute__((noreturn));

#define GUEST_SYNC(arg)	guest_ucall(UCALL_SYNC, (uint64_t)(arg), 0, 0, 0)
#define GUEST_DONE()	guest_ucall(UCALL_DONE, 0, 0, 0, 0)

#define GUEST_ASSERT(cond) do {						\
	if (!(cond))							\
		guest_assert_fail(__FILE__, __LINE__, #cond, 0, 0);	\
} while (0)

/* Reports both values. */
#define GUEST_ASSERT_EQ(a, b) do {					\
	uint64_t __ga = (uint64_t)(a), __gb = (uint64_t)(b);		\
	if (__ga != __gb)						\
		guest_assert_fail(__FILE__, __LINE__, #a " == " #b,	\
				  __ga, __gb);				\
} while (0)

/* ---- instructions ---- */

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline void guest_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static inline uint64_t guest_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return lo | (uint64_t)hi << 32;
}

static inline void guest_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)));
}

static inline uint64_t guest_read_cr(int n)
{
	uint64_t v = 0;

	switch (n) {
	case 0: __asm__ volatile("mov %%cr0, %0" : "=r"(v)); break;
	case 2: __asm__ volatile("mov %%cr2, %0" : "=r"(v)); break;
	case 3: __asm__ volatile("mov %%cr3, %0" : "=r"(v)); break;
	case 4: __asm__ volatile("mov %%cr4, %0" : "=r"(v)); break;
	}
	return v;
}

#endif /* MVM_SELFTEST_GUEST_H */

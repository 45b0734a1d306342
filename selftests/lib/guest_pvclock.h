/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest side of kvmclock (KVM's Documentation/virt/kvm/x86/msr.rst): the
 * pvclock structures and the reader's protocol.  Freestanding.
 */
#ifndef MVM_SELFTEST_GUEST_PVCLOCK_H
#define MVM_SELFTEST_GUEST_PVCLOCK_H

#include <stdint.h>

#include "guest_apic.h"

#define MSR_KVM_WALL_CLOCK_NEW	0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01

struct pvclock_vcpu_time_info {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
};

struct pvclock_wall_clock {
	uint32_t version;
	uint32_t sec;
	uint32_t nsec;
};

_Static_assert(sizeof(struct pvclock_vcpu_time_info) == 32, "pvclock layout");

static inline uint64_t pvclock_scale(uint64_t delta, uint32_t mul, int8_t shift)
{
	if (shift < 0)
		delta >>= -shift;
	else
		delta <<= shift;
	return (unsigned __int128)delta * mul >> 32;
}

/* The pvclock protocol: retry while the version is odd or changed. */
static inline uint64_t pvclock_ns(volatile struct pvclock_vcpu_time_info *p,
				  uint8_t *flags)
{
	uint32_t v;
	uint64_t ns;

	do {
		v = p->version;
		__asm__ volatile("lfence" : : : "memory");
		ns = p->system_time +
		     pvclock_scale(guest_rdtsc() - p->tsc_timestamp,
				   p->tsc_to_system_mul, p->tsc_shift);
		*flags = p->flags;
		__asm__ volatile("lfence" : : : "memory");
	} while ((v & 1) || v != p->version);
	return ns;
}

#endif /* MVM_SELFTEST_GUEST_PVCLOCK_H */

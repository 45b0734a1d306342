// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: the guest's CPUID table.
 *
 * Deliberately small for now: leaf 0 (the host's vendor, and 1 as the
 * highest basic leaf) and leaf 1 (the host's family/model/stepping and
 * the features a guest can use on mvm today).  Every other leaf reads as
 * zeros.  Features come back here as mvm learns to virtualize them (the
 * local APIC, MTRRs, machine checks, x2APIC, extended leaves for long
 * mode...).
 */
#include <cpuid.h>
#include <string.h>

#include "libmvm.h"

/* Leaf 1 ECX bits the guest must not see. */
#define ECX_CLEAR (						\
	(1U << 3)  |	/* MONITOR/MWAIT: mvm raises #UD */	\
	(1U << 4)  |	/* DS-CPL */				\
	(1U << 5)  |	/* VMX: no nesting */			\
	(1U << 6)  |	/* SMX */				\
	(1U << 7)  |	/* EIST: no P-state MSRs */		\
	(1U << 8)  |	/* TM2 */				\
	(1U << 11) |	/* SDBG: debug interface MSR */		\
	(1U << 15) |	/* PDCM: perf capabilities MSR */	\
	(1U << 17) |	/* PCID: not validated in CR4 yet */	\
	(1U << 18) |	/* DCA */				\
	(1U << 21) |	/* x2APIC: no local APIC yet */		\
	(1U << 24) |	/* TSC-deadline: no APIC timer yet */	\
	(1U << 27))	/* OSXSAVE: mirrors the guest's CR4 */

/* Leaf 1 EDX bits the guest must not see. */
#define EDX_CLEAR (						\
	(1U << 7)  |	/* MCE: no machine-check MSRs */	\
	(1U << 9)  |	/* APIC: no local APIC yet */		\
	(1U << 12) |	/* MTRR: no MTRR MSRs */		\
	(1U << 14) |	/* MCA */				\
	(1U << 18) |	/* PSN */				\
	(1U << 21) |	/* DS: debug store */			\
	(1U << 22) |	/* ACPI thermal MSRs */			\
	(1U << 28) |	/* HTT: one thread per package */	\
	(1U << 29) |	/* TM */				\
	(1U << 31))	/* PBE */

#define ECX_HYPERVISOR	(1U << 31)

unsigned int mvm_cpuid_default(struct mvm_cpuid_entry *e, unsigned int max,
			       unsigned int vcpu_id)
{
	unsigned int a, b, c, d;

	if (max < 2)
		return 0;
	memset(e, 0, 2 * sizeof(*e));

	__cpuid(0, a, b, c, d);
	e[0].function = 0;
	e[0].eax = 1;			/* the highest leaf in this table */
	e[0].ebx = b;			/* vendor: EBX, EDX, ECX */
	e[0].edx = d;
	e[0].ecx = c;

	__cpuid(1, a, b, c, d);
	e[1].function = 1;
	e[1].eax = a;			/* family, model, stepping */
	/*
	 * EBX: brand index 0, CLFLUSH line size kept, one logical
	 * processor, initial APIC id = the vCPU id.
	 */
	e[1].ebx = (b & 0x0000ff00U) | (1U << 16) | ((vcpu_id & 0xffU) << 24);
	e[1].ecx = (c & ~ECX_CLEAR) | ECX_HYPERVISOR;
	e[1].edx = d & ~EDX_CLEAR;
	return 2;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: the CPUID table a Linux guest boots with.
 *
 * The host's leaves, filtered by allow-lists: a bit reaches the guest only
 * when mvm virtualizes what it stands for (the guest's MSRs and
 * instructions behave), so a newer host CPU adds nothing by surprise.
 * On top: x2APIC and the TSC deadline timer (the in-kernel local APIC),
 * the hypervisor bit, and KVM's paravirtual leaves for kvmclock, which is
 * what lets Linux trust the TSC without a PIT to calibrate against and
 * keep x2APIC without interrupt remapping.
 */
#include <cpuid.h>
#include <string.h>

#include "libmvm.h"

#define BIT(n)	(1U << (n))

/* Leaf 1 ECX: SSE3 PCLMUL SSSE3 FMA CX16 SSE4.1 SSE4.2 MOVBE POPCNT AES
 * XSAVE AVX F16C RDRAND. */
#define L1_ECX_KEEP (BIT(0) | BIT(1) | BIT(9) | BIT(12) | BIT(13) | BIT(19) | \
		     BIT(20) | BIT(22) | BIT(23) | BIT(25) | BIT(26) | BIT(28) | \
		     BIT(29) | BIT(30))
#define L1_ECX_X2APIC		BIT(21)
#define L1_ECX_TSC_DEADLINE	BIT(24)
#define L1_ECX_HYPERVISOR	BIT(31)

/* Leaf 1 EDX: FPU VME DE PSE TSC MSR PAE CX8 APIC SEP PGE CMOV PAT PSE36
 * CLFLUSH MMX FXSR SSE SSE2.  Not MCE, MTRR, MCA, ACPI, DS, TM, PBE, PSN:
 * their MSRs are not emulated. */
#define L1_EDX_KEEP (BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5) | \
		     BIT(6) | BIT(8) | BIT(9) | BIT(11) | BIT(13) | BIT(15) | \
		     BIT(16) | BIT(17) | BIT(19) | BIT(23) | BIT(24) | BIT(25) | \
		     BIT(26))
#define L1_EDX_APIC		BIT(9)
#define L1_EDX_HTT		BIT(28)

/* Leaf 7.0 EBX: FSGSBASE BMI1 AVX2 SMEP BMI2 ERMS AVX512F/DQ RDSEED ADX
 * SMAP AVX512IFMA CLFLUSHOPT CLWB AVX512CD SHA AVX512BW/VL. */
#define L7_EBX_KEEP (BIT(0) | BIT(3) | BIT(5) | BIT(7) | BIT(8) | BIT(9) | \
		     BIT(16) | BIT(17) | BIT(18) | BIT(19) | BIT(20) | BIT(21) | \
		     BIT(23) | BIT(24) | BIT(28) | BIT(29) | BIT(30) | BIT(31))
/* Leaf 7.0 ECX: AVX512VBMI, GFNI, VAES, VPCLMULQDQ, AVX512 VNNI/BITALG/
 * VPOPCNTDQ/VBMI2. */
#define L7_ECX_KEEP (BIT(1) | BIT(6) | BIT(8) | BIT(9) | BIT(10) | BIT(11) | \
		     BIT(12) | BIT(14))
/* Leaf 7.0 EDX: FSRM. */
#define L7_EDX_KEEP (BIT(4))

/* 0x80000001 ECX: LAHF, ABM, SSE4A, MISALIGNSSE, 3DNOWPREFETCH, XOP, FMA4,
 * TBM.  Not SVM, SKINIT, WDT, IBS, OSVW, TOPOEXT or the perfctr bits. */
#define X1_ECX_KEEP (BIT(0) | BIT(5) | BIT(6) | BIT(7) | BIT(8) | BIT(11) | \
		     BIT(16) | BIT(21))
/* 0x80000001 EDX: SYSCALL NX MMXEXT FXSR_OPT PDPE1GB RDTSCP LM, and the
 * leaf-1 copies AMD keeps here. */
#define X1_EDX_KEEP (L1_EDX_KEEP | BIT(11) | BIT(20) | BIT(22) | BIT(25) | \
		     BIT(26) | BIT(27) | BIT(29))

/* XSAVE components: x87, SSE, AVX, and the AVX-512 state. */
#define XCR0_KEEP		0xe7ULL

#define KVM_SIGNATURE		0x40000000
#define KVM_FEATURES		0x40000001
#define KVM_FEATURE_CLOCKSOURCE2	BIT(3)
#define KVM_FEATURE_CLOCKSOURCE_STABLE	BIT(24)

struct table {
	struct mvm_cpuid_entry *e;
	unsigned int n, max;
};

static struct mvm_cpuid_entry *add(struct table *t, uint32_t fn,
				   uint32_t index, int indexed)
{
	struct mvm_cpuid_entry *e;

	if (t->n == t->max)
		return NULL;
	e = &t->e[t->n++];
	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = index;
	e->flags = indexed ? MVM_CPUID_FLAG_INDEX : 0;
	return e;
}

static struct mvm_cpuid_entry *host(struct table *t, uint32_t fn,
				    uint32_t index, int indexed)
{
	struct mvm_cpuid_entry *e = add(t, fn, index, indexed);

	if (e)
		__cpuid_count(fn, index, e->eax, e->ebx, e->ecx, e->edx);
	return e;
}

static void basic_leaves(struct table *t, const struct mvm_cpuid_cfg *c)
{
	struct mvm_cpuid_entry *e;
	unsigned int max, a, b, cx, d, i;

	__cpuid(0, max, b, cx, d);
	e = host(t, 0, 0, 0);
	if (e)
		e->eax = max < 0xd ? max : 0xd;

	e = host(t, 1, 0, 0);
	if (e) {
		/* EBX: CLFLUSH size kept; logical count; initial APIC id. */
		e->ebx = (e->ebx & 0xff00U) | ((c->nr_cpus & 0xffU) << 16) |
			 ((c->vcpu_id & 0xffU) << 24);
		e->ecx = (e->ecx & L1_ECX_KEEP) | L1_ECX_X2APIC |
			 L1_ECX_TSC_DEADLINE | L1_ECX_HYPERVISOR;
		e->edx = (e->edx & L1_EDX_KEEP) | L1_EDX_APIC |
			 (c->nr_cpus > 1 ? L1_EDX_HTT : 0);
	}

	/* Leaf 6: only ARAT, the APIC timer runs in every C-state. */
	e = add(t, 6, 0, 0);
	if (e)
		e->eax = BIT(2);

	if (max >= 7) {
		e = host(t, 7, 0, 1);
		if (e) {
			e->eax = 0;		/* no subleaf 1 */
			e->ebx &= L7_EBX_KEEP;
			e->ecx &= L7_ECX_KEEP;
			e->edx &= L7_EDX_KEEP;
		}
	}

	if (max >= 0xd) {
		unsigned int size;
		uint64_t xcr0;

		__cpuid_count(0xd, 0, a, b, cx, d);
		xcr0 = (((uint64_t)d << 32) | a) & XCR0_KEEP;
		/*
		 * EBX/ECX: the XSAVE area's size for these components (Linux
		 * enables all it is offered and checks that size): the end of
		 * the last one, or the legacy area and header (576 bytes).
		 */
		size = 576;
		for (i = 2; i < 64; i++) {
			if (!(xcr0 & (1ULL << i)))
				continue;
			__cpuid_count(0xd, i, a, b, cx, d);
			if (b + a > size)
				size = b + a;
		}
		e = host(t, 0xd, 0, 1);
		if (e) {
			e->eax = (uint32_t)xcr0;
			e->edx = (uint32_t)(xcr0 >> 32);
			e->ebx = e->ecx = size;
		}
		/* Subleaf 1: XSAVEOPT, XSAVEC, XGETBV1; not XSAVES (no XSS). */
		e = host(t, 0xd, 1, 1);
		if (e) {
			e->eax &= BIT(0) | BIT(1) | BIT(2);
			e->ebx = e->ecx = e->edx = 0;
		}
		for (i = 2; i < 64; i++)
			if (xcr0 & (1ULL << i))
				host(t, 0xd, i, 1);
	}
}

static void extended_leaves(struct table *t, const struct mvm_cpuid_cfg *c)
{
	struct mvm_cpuid_entry *e;
	unsigned int max, b, cx, d, fn;

	__cpuid(0x80000000, max, b, cx, d);
	if (max < 0x80000001)
		return;
	if (max > 0x80000008)
		max = 0x80000008;
	e = host(t, 0x80000000, 0, 0);
	if (e)
		e->eax = max;
	for (fn = 0x80000001; fn <= max; fn++) {
		e = host(t, fn, 0, 0);
		if (!e)
			return;
		switch (fn) {
		case 0x80000001:
			e->ecx &= X1_ECX_KEEP;
			e->edx &= X1_EDX_KEEP;
			break;
		case 0x80000002: case 0x80000003: case 0x80000004:
			break;			/* the brand string */
		case 0x80000007:
			/* Only invariant TSC: no power or RAS features. */
			e->eax = e->ebx = e->ecx = 0;
			e->edx = BIT(8);
			break;
		case 0x80000008: {
			uint32_t phys = e->eax & 0xff;

			if (c->phys_bits && phys > c->phys_bits)
				phys = c->phys_bits;
			e->eax = (e->eax & 0xff00) | phys;
			/* EBX: no speculation-control bits; ECX: core count. */
			e->ebx &= BIT(0) | BIT(2);	/* CLZERO, XSAVEERPTR */
			e->ecx = (c->nr_cpus - 1) & 0xff;
			e->edx = 0;
			break;
		}
		default:
			/* 0x80000005/6: caches, left as the host has them. */
			break;
		}
	}
}

static void kvm_leaves(struct table *t, const struct mvm_cpuid_cfg *c)
{
	struct mvm_cpuid_entry *e;

	if (!c->kvmclock)
		return;
	e = add(t, KVM_SIGNATURE, 0, 0);
	if (e) {
		e->eax = KVM_FEATURES;
		memcpy(&e->ebx, "KVMK", 4);
		memcpy(&e->ecx, "VMKV", 4);
		memcpy(&e->edx, "M\0\0\0", 4);
	}
	e = add(t, KVM_FEATURES, 0, 0);
	if (e)
		e->eax = KVM_FEATURE_CLOCKSOURCE2 |
			 KVM_FEATURE_CLOCKSOURCE_STABLE;
}

unsigned int mvm_cpuid_linux(struct mvm_cpuid_entry *e, unsigned int max,
			     const struct mvm_cpuid_cfg *c)
{
	struct table t = { .e = e, .max = max };

	basic_leaves(&t, c);
	extended_leaves(&t, c);
	kvm_leaves(&t, c);
	return t.n;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * XCR0 takes only what the architecture allows, from the guest's XSETBV
 * (#GP otherwise) and from MVM_SET_XCRS (EINVAL otherwise): x87 always,
 * AVX only with SSE, the AVX-512 trio all or none and only with AVX,
 * MPX's two bits together, AMX's two together, and no feature the host
 * (or, where the guest's CPUID has leaf 0xD, the guest) lacks.  The module
 * loads the guest's XCR0 itself with XSETBV in ring 0 before entry, where
 * a value the CPU refuses would #GP in the host.  Every combination of
 * bits 0-9, 17 and 18 is tried, and bit 62 and 63; the expectation comes
 * from the rules written out again here.  (On a host without AVX-512,
 * MPX or AMX the "not supported" rule alone refuses those bits; under
 * QEMU's TCG the guest's XSETBV does not exit, and the emulator applies
 * its own rules: there only MVM_SET_XCRS tests the hypervisor's.)
 */
#include "kselftest_harness.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define CR4_OSXSAVE	(1ULL << 18)
#define NCOMB		4096
#define EXTRA		2

/* Combination i: bits 0-9 from i's bits 0-9, bits 17-18 from i's 10-11. */
static uint64_t comb(uint64_t i)
{
	if (i >= NCOMB)
		return 1 | 2 | (1ULL << (62 + (i - NCOMB)));
	return (i & 0x3ff) | ((i >> 10) & 3) << 17;
}

static bool rules_ok(uint64_t v, uint64_t supported)
{
	uint64_t avx512 = 0xe0, mpx = 0x18, amx = 3ULL << 17;

	if ((v & ~supported) || !(v & 1) || ((v & 4) && !(v & 2)))
		return false;
	if ((v & avx512) && ((v & avx512) != avx512 || !(v & 4)))
		return false;
	if ((v & mpx) && (v & mpx) != mpx)
		return false;
	return !((v & amx) && (v & amx) != amx);
}

uint8_t expect_ok[NCOMB + EXTRA];
volatile uint32_t gp_count;

void guest_gp(uint64_t *frame);
void guest_gp(uint64_t *frame)
{
	gp_count++;
	frame[0] += 3;		/* xsetbv is 0f 01 d1 */
}

GUEST_ISR(guest_gp_isr, guest_gp, 1);
extern char guest_gp_isr[];

static void guest_code(void)
{
	uint64_t cr4 = guest_read_cr(4);

	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_OSXSAVE));
	for (uint64_t i = 0; i < NCOMB + EXTRA; i++) {
		uint64_t v = comb(i);
		uint32_t before = gp_count;

		__asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)v),
				 "d"((uint32_t)(v >> 32)) : "memory");
		if (expect_ok[i])
			GUEST_ASSERT_EQ(before, gp_count);
		else
			GUEST_ASSERT_EQ(before + 1, gp_count);
	}
	__asm__ volatile("xsetbv" : : "c"(0), "a"(3), "d"(0) : "memory");
	GUEST_SYNC(gp_count);
	GUEST_DONE();
}

static uint64_t host_xcr0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return lo | (uint64_t)hi << 32;
}

TEST(xcr0_rules)
{
	struct vm *vm;
	struct vcpu *vcpu;
	struct ucall uc;
	uint64_t supported, xcr0;
	uint32_t leaf[4], refused = 0;

	VM_CREATE_OR_SKIP(vm, vcpu);
	__asm__ volatile("cpuid" : "=a"(leaf[0]), "=b"(leaf[1]), "=c"(leaf[2]),
			 "=d"(leaf[3]) : "a"(1), "c"(0));
	if (!(leaf[2] & (1u << 27)))
		SKIP(return, "the host has no XSAVE enabled (OSXSAVE)");
	supported = host_xcr0();
	/* The guest's CPUID leaf 0xD, where its table has one (KVM's does). */
	for (int i = 0; i < vcpu->cpuid_n; i++) {
		if (vcpu->cpuid[i].function == 0xd && vcpu->cpuid[i].index == 0)
			supported &= vcpu->cpuid[i].eax |
				     (uint64_t)vcpu->cpuid[i].edx << 32;
	}
	TH_LOG("XCR0 bits the guest may set: %#llx", (unsigned long long)supported);

	for (uint64_t i = 0; i < NCOMB + EXTRA; i++) {
		int r;

		expect_ok[i] = rules_ok(comb(i), supported);
		r = vcpu_set_xcr0(vcpu, comb(i));
		ASSERT_EQ(expect_ok[i] ? 0 : -EINVAL, r)
			TH_LOG("SET_XCRS %#llx", (unsigned long long)comb(i));
		refused += r != 0;
	}
	ASSERT_EQ(0, vcpu_set_xcr0(vcpu, 1));
	ASSERT_EQ(0, vcpu_get_xcr0(vcpu, &xcr0));
	ASSERT_EQ(1ULL, xcr0);

	vcpu_setup_long(vcpu, guest_code);
	vcpu_set_idt_gate(vcpu, 13, guest_gp_isr);
	ASSERT_UCALL(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ((uint64_t)refused, uc.args[0]);
	/*
	 * QEMU's TCG runs a guest's XSETBV without the intercept's exit:
	 * mvm reads XCR0 back after each exit, KVM does not (its GET_XCRS
	 * still says 1 there; on hardware both say 3).
	 */
	ASSERT_EQ(0, vcpu_get_xcr0(vcpu, &xcr0));
	if (vm_is_mvm(vm))
		ASSERT_EQ(3ULL, xcr0);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

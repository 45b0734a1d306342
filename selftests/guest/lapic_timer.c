// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC timer, through x2APIC MSRs, in its three modes.
 * One-shot: TMCCT counts down from TMICT, TMICT 0 stops it, it fires once
 * and then reads 0.  Periodic: N interrupts, none after TMICT 0.  A masked
 * LVT counts to 0 and delivers nothing.  TSC-deadline: a deadline in the
 * past fires at once, one in the future fires no earlier than it (the TSC
 * the handler reads), the MSR reads 0 after firing, and writing 0 disarms.
 * A deadline at the end of time, with the guest's TSC set back to 0, is
 * kept and never fires (the hypervisor's conversion of it to host time
 * must not overflow: a 128-bit division whose quotient does not fit 64
 * bits is a #DE in the host when the TSC runs below 1 GHz).
 * No assertion depends on how fast the guest runs: only on the order of
 * events (a case that cannot be decided because the guest was slow is
 * retried with a later deadline).
 */
#include "kselftest_harness.h"
#include "guest_apic.h"
#include "irqchip.h"
#include "test_vm.h"

#define VEC		0x71
#define TDCR_DIV128	0xa
#define WINDOWS		200
#define PERIOD		1000000

static volatile uint32_t *const cnt = &guest_apic_count[0][VEC];

/* Open the interrupt window @n times: a pending timer interrupt comes in. */
static void windows(int n)
{
	for (int i = 0; i < n; i++)
		guest_irq_window();
}

static void guest_oneshot(void)
{
	uint64_t c1, c2;

	x2apic_enable();
	/* Slow (divide by 128): it cannot expire before the reads below. */
	guest_wrmsr(X2APIC_TDCR, TDCR_DIV128);
	guest_wrmsr(X2APIC_LVTT, VEC | APIC_LVTT_ONESHOT);
	guest_wrmsr(X2APIC_TMICT, 0xffffffff);
	c1 = guest_rdmsr(X2APIC_TMCCT);
	GUEST_ASSERT(c1 > 0 && c1 <= 0xffffffff);
	do
		c2 = guest_rdmsr(X2APIC_TMCCT);
	while (c2 == c1);
	GUEST_ASSERT(c2 < c1);
	guest_wrmsr(X2APIC_TMICT, 0);
	GUEST_ASSERT_EQ(0, guest_rdmsr(X2APIC_TMCCT));
	windows(WINDOWS);
	GUEST_ASSERT_EQ(0, *cnt);

	guest_wrmsr(X2APIC_TDCR, APIC_TDCR_DIV1);
	guest_wrmsr(X2APIC_TMICT, 10000);	/* 10 us at the 1 GHz bus */
	guest_halt_until(cnt, 1);
	GUEST_ASSERT_EQ(0, guest_rdmsr(X2APIC_TMCCT));
	windows(WINDOWS);
	GUEST_ASSERT_EQ(1, *cnt);
	GUEST_DONE();
}

static void guest_periodic(void)
{
	uint64_t c;
	uint32_t n;

	x2apic_enable();
	guest_wrmsr(X2APIC_TDCR, APIC_TDCR_DIV1);
	guest_wrmsr(X2APIC_LVTT, VEC | APIC_LVTT_PERIODIC);
	GUEST_ASSERT_EQ(VEC | APIC_LVTT_PERIODIC, guest_rdmsr(X2APIC_LVTT));
	/* 1 ms: above the minimum period both KVM and mvm impose (200 us). */
	guest_wrmsr(X2APIC_TMICT, PERIOD);
	guest_halt_until(cnt, 5);
	/* It reloads: the count stays within the initial count. */
	c = guest_rdmsr(X2APIC_TMCCT);
	if (c > PERIOD)
		guest_assert_fail(__FILE__, __LINE__, "TMCCT <= TMICT", c, PERIOD);
	guest_wrmsr(X2APIC_TMICT, 0);
	windows(1);		/* one that expired before the stop */
	n = *cnt;
	windows(WINDOWS);
	GUEST_ASSERT_EQ(n, *cnt);
	GUEST_SYNC(n);
	GUEST_DONE();
}

static void guest_masked(void)
{
	x2apic_enable();
	guest_wrmsr(X2APIC_TDCR, APIC_TDCR_DIV1);
	guest_wrmsr(X2APIC_LVTT, VEC | APIC_LVT_MASKED | APIC_LVTT_ONESHOT);
	guest_wrmsr(X2APIC_TMICT, 1000);
	while (guest_rdmsr(X2APIC_TMCCT))	/* it counts while masked */
		__asm__ volatile("pause");
	windows(WINDOWS);
	GUEST_ASSERT_EQ(0, *cnt);
	GUEST_ASSERT_EQ(0, x2apic_vec_bit(X2APIC_IRR0, VEC));
	GUEST_DONE();
}

static void guest_tsc_deadline(void)
{
	uint64_t d, x;
	uint32_t n;

	x2apic_enable();
	guest_wrmsr(X2APIC_LVTT, VEC | APIC_LVTT_TSCDEADLINE);

	/* In the past: pending before the next instruction boundary. */
	guest_wrmsr(MSR_TSC_DEADLINE, 1);
	guest_irq_window();
	GUEST_ASSERT_EQ(1, *cnt);
	GUEST_ASSERT_EQ(0, guest_rdmsr(MSR_TSC_DEADLINE));

	/* In the future: not before the deadline, then cleared. */
	for (x = 1ULL << 22;; x <<= 1) {
		n = *cnt;
		d = guest_rdtsc() + x;
		guest_wrmsr(MSR_TSC_DEADLINE, d);
		guest_irq_window();
		if (guest_rdtsc() < d) {
			/* Decided: the window was before d. */
			GUEST_ASSERT_EQ(n, *cnt);
			break;
		}
		guest_halt_until(cnt, n + 1);	/* too slow: again */
	}
	guest_halt_until(cnt, n + 1);
	GUEST_ASSERT(guest_apic_tsc[0][VEC] >= d);
	GUEST_ASSERT_EQ(0, guest_rdmsr(MSR_TSC_DEADLINE));

	/* Armed, then 0: nothing comes once the TSC is well past it. */
	for (x = 1ULL << 22;; x <<= 1) {
		d = guest_rdtsc() + x;
		guest_wrmsr(MSR_TSC_DEADLINE, d);
		guest_wrmsr(MSR_TSC_DEADLINE, 0);
		if (guest_rdtsc() < d)
			break;
		windows(1);	/* too slow: it may have fired; again */
	}
	n = *cnt;
	while (guest_rdtsc() < d + x)
		__asm__ volatile("pause");
	windows(WINDOWS);
	GUEST_ASSERT_EQ(n, *cnt);
	GUEST_ASSERT_EQ(0, x2apic_vec_bit(X2APIC_IRR0, VEC));
	GUEST_SYNC(*cnt);
	GUEST_DONE();
}

#define MSR_IA32_TSC	0x10

static void guest_tsc_deadline_far(void)
{
	uint32_t n;

	x2apic_enable();
	guest_wrmsr(X2APIC_LVTT, VEC | APIC_LVTT_TSCDEADLINE);
	guest_wrmsr(MSR_IA32_TSC, 0);
	n = *cnt;
	guest_wrmsr(MSR_TSC_DEADLINE, ~0ULL);
	windows(WINDOWS);
	GUEST_ASSERT_EQ(n, *cnt);
	GUEST_ASSERT_EQ(~0ULL, guest_rdmsr(MSR_TSC_DEADLINE));
	/* Far, but not that far: still no interrupt, and it reads back. */
	guest_wrmsr(MSR_TSC_DEADLINE, 1ULL << 63);
	windows(WINDOWS);
	GUEST_ASSERT_EQ(n, *cnt);
	GUEST_ASSERT_EQ(1ULL << 63, guest_rdmsr(MSR_TSC_DEADLINE));
	guest_wrmsr(MSR_TSC_DEADLINE, 0);
	GUEST_DONE();
}

static struct vm *setup(struct __test_metadata *_metadata,
			struct vcpu **vcpu, void (*fn)(void))
{
	const char *why = NULL;
	struct vm *vm = vm_create_irqchip(vcpu, &why);

	if (!vm) {
		SKIP(return NULL, "%s", why);
	}
	TH_LOG("hypervisor: %s", vm_hv_name(vm));
	vcpu_setup_long(*vcpu, fn);
	vcpu_apic_handlers(*vcpu);
	return vm;
}

#define SETUP(fn) do {							\
	vm = setup(_metadata, &vcpu, fn);				\
	if (!vm)							\
		return;							\
} while (0)

TEST(oneshot)
{
	struct vm *vm;
	struct vcpu *vcpu;

	SETUP(guest_oneshot);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST(periodic)
{
	struct ucall uc;
	struct vm *vm;
	struct vcpu *vcpu;

	SETUP(guest_periodic);
	ASSERT_UCALL(vcpu, UCALL_SYNC, &uc);
	ASSERT_LE(5ULL, (unsigned long long)uc.args[0]);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST(masked)
{
	struct vm *vm;
	struct vcpu *vcpu;

	SETUP(guest_masked);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST(tsc_deadline)
{
	struct ucall uc;
	struct vm *vm;
	struct vcpu *vcpu;

	SETUP(guest_tsc_deadline);
	ASSERT_UCALL(vcpu, UCALL_SYNC, &uc);
	TH_LOG("interrupts taken: %llu", (unsigned long long)uc.args[0]);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST(tsc_deadline_far)
{
	struct vm *vm;
	struct vcpu *vcpu;

	SETUP(guest_tsc_deadline_far);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

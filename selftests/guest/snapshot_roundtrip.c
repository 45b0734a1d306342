// SPDX-License-Identifier: GPL-2.0
/*
 * A snapshot round trip, bit-exact.  A long-mode guest with distinctive
 * state (general registers and XMM0-15 live across the exit, MSRs, DR0-3,
 * DR6 and DR7, a one-shot LAPIC timer armed with a long count, a self-IPI
 * pending in the IRR with interrupts off) stops at a ucall.  The host
 * saves everything, restores it in the documented order into a fresh VM
 * (same memory), saves again and compares every byte: only the TSC and
 * the timer's current count may differ, and only forward by no more than
 * the host time that passed.  The restored guest checks its own state,
 * takes the pending interrupt and then the timer's.
 */
#include <string.h>
#include <time.h>

#include "kselftest_harness.h"
#include "guest_apic.h"
#include "irqchip.h"
#include "snapshot.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define TIMER_VEC	0x50
#define PEND_VEC	0x60
#define TMICT		(500u * 1000 * 1000)	/* 0.5 s at divider 1 */
#define APIC_IRR	0x200
#define APIC_LVTT	0x320
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define XMM_OFF		160
#define GUEST_TSC	(1ULL << 40)
#define DR6_VAL		0xffff4ff5ULL		/* B0, B2, BS */
#define DR7_VAL		0xdddd0700ULL		/* LE, GE, RW/LEN set, none on */

static const uint32_t msr_list[] = {
	0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084,	/* STAR.. SFMASK */
	0xc0000102, 0x174, 0x175, 0x176,		/* KERNEL_GS_BASE, SYSENTER_* */
	0x277, 0x10, 0xc0000103,			/* PAT, TSC, TSC_AUX */
};
#define NR_MSRS		(sizeof(msr_list) / sizeof(msr_list[0]))
#define TSC_IDX		9
static const uint64_t msr_vals[] = {
	0x0023001000000000ULL, 0xffffffff81a00000ULL, 0xffffffff81a00100ULL,
	0x47700, 0xffff888012345000ULL, 0x10,
	/* 32 bits: AMD CPUs keep no more of SYSENTER_ESP/EIP (nor does KVM there). */
	0xfe003000, 0x81a00200,
};

static const uint64_t db_vals[4] = {
	0xffffffff81000000ULL, 0x401000ULL, 0x7fffdead0000ULL, 0x1234567ULL,
};
static struct ucall snap_uc = { .cmd = UCALL_SYNC, .args = { 1 } };
uint8_t xmm_pat[16][16], xmm_after[16][16];
uint64_t gpr_after[10];

#define XMM_ALL(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9)	\
	X(10) X(11) X(12) X(13) X(14) X(15)
#define LOAD(n)		"movdqu xmm_pat+" #n "*16(%%rip), %%xmm" #n "\n\t"
#define STORE(n)	"movdqu %%xmm" #n ", xmm_after+" #n "*16(%%rip)\n\t"
#define GPR_VAL(i)	(0x0101010101010101ULL * (i + 1) ^ 0x8000000000000000ULL)

#define SET_DR(n, v)	__asm__ volatile("mov %0, %%db" #n : : "r"(v))
#define GET_DR(n, v)	__asm__ volatile("mov %%db" #n ", %0" : "=r"(v))

static void guest_code(void)
{
	uint64_t tsc, v;

	x2apic_enable();
	/*
	 * Far from 0: KVM takes a host TSC write within a second of a new
	 * vCPU's TSC for an attempt to synchronize them, and matches it.
	 */
	guest_wrmsr(0x10, GUEST_TSC);
	for (size_t i = 0; i < sizeof(msr_vals) / sizeof(msr_vals[0]); i++)
		guest_wrmsr(msr_list[i], msr_vals[i]);
	SET_DR(0, db_vals[0]);
	SET_DR(1, db_vals[1]);
	SET_DR(2, db_vals[2]);
	SET_DR(3, db_vals[3]);
	SET_DR(6, DR6_VAL);
	SET_DR(7, DR7_VAL);
	guest_wrmsr(X2APIC_TDCR, APIC_TDCR_DIV1);
	guest_wrmsr(X2APIC_LVTT, APIC_LVTT_ONESHOT | TIMER_VEC);
	guest_wrmsr(X2APIC_TMICT, TMICT);
	/* Interrupts are off: it waits in the IRR. */
	guest_wrmsr(X2APIC_SELF_IPI, PEND_VEC);
	tsc = guest_rdtsc();

	/* The snapshot exit, with ten GPRs and XMM0-15 live across it. */
	__asm__ volatile(XMM_ALL(LOAD)
			 "movabs %[v0], %%rbx\n\t movabs %[v1], %%rsi\n\t"
			 "movabs %[v2], %%r8\n\t movabs %[v3], %%r9\n\t"
			 "movabs %[v4], %%r10\n\t movabs %[v5], %%r11\n\t"
			 "movabs %[v6], %%r12\n\t movabs %[v7], %%r13\n\t"
			 "movabs %[v8], %%r14\n\t movabs %[v9], %%r15\n\t"
			 "outl %%eax, %%dx\n\t"
			 "mov %%rbx, gpr_after+0(%%rip)\n\t"
			 "mov %%rsi, gpr_after+8(%%rip)\n\t"
			 "mov %%r8, gpr_after+16(%%rip)\n\t"
			 "mov %%r9, gpr_after+24(%%rip)\n\t"
			 "mov %%r10, gpr_after+32(%%rip)\n\t"
			 "mov %%r11, gpr_after+40(%%rip)\n\t"
			 "mov %%r12, gpr_after+48(%%rip)\n\t"
			 "mov %%r13, gpr_after+56(%%rip)\n\t"
			 "mov %%r14, gpr_after+64(%%rip)\n\t"
			 "mov %%r15, gpr_after+72(%%rip)\n\t"
			 XMM_ALL(STORE)
			 : : "D"(&snap_uc), "d"(UCALL_PORT), "a"(0),
			   [v0] "i"(GPR_VAL(0)), [v1] "i"(GPR_VAL(1)),
			   [v2] "i"(GPR_VAL(2)), [v3] "i"(GPR_VAL(3)),
			   [v4] "i"(GPR_VAL(4)), [v5] "i"(GPR_VAL(5)),
			   [v6] "i"(GPR_VAL(6)), [v7] "i"(GPR_VAL(7)),
			   [v8] "i"(GPR_VAL(8)), [v9] "i"(GPR_VAL(9))
			 : "rbx", "rsi", "r8", "r9", "r10", "r11", "r12", "r13",
			   "r14", "r15", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
			   "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
			   "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "memory");

	/* Restored: everything as it was. */
	for (int i = 0; i < 10; i++)
		GUEST_ASSERT_EQ(GPR_VAL(i), gpr_after[i]);
	for (int n = 0; n < 16; n++)
		for (int b = 0; b < 16; b++)
			GUEST_ASSERT_EQ(xmm_pat[n][b], xmm_after[n][b]);
	for (size_t i = 0; i < sizeof(msr_vals) / sizeof(msr_vals[0]); i++)
		GUEST_ASSERT_EQ(msr_vals[i], guest_rdmsr(msr_list[i]));
	GET_DR(0, v);
	GUEST_ASSERT_EQ(db_vals[0], v);
	GET_DR(1, v);
	GUEST_ASSERT_EQ(db_vals[1], v);
	GET_DR(2, v);
	GUEST_ASSERT_EQ(db_vals[2], v);
	GET_DR(3, v);
	GUEST_ASSERT_EQ(db_vals[3], v);
	GET_DR(6, v);
	GUEST_ASSERT_EQ(DR6_VAL, v);
	GET_DR(7, v);
	GUEST_ASSERT_EQ(DR7_VAL, v);
	GUEST_ASSERT(guest_rdtsc() >= tsc);
	GUEST_ASSERT_EQ(APIC_LVTT_ONESHOT | TIMER_VEC, guest_rdmsr(X2APIC_LVTT));
	GUEST_ASSERT(guest_rdmsr(X2APIC_TMCCT) < TMICT);
	GUEST_ASSERT_EQ(1, x2apic_vec_bit(X2APIC_IRR0, PEND_VEC));
	/* The pending interrupt at once, then the timer's. */
	guest_halt_until(&guest_apic_count[0][PEND_VEC], 1);
	guest_halt_until(&guest_apic_count[0][TIMER_VEC], 1);
	GUEST_DONE();
}

static bool irr_has(const struct mvm_lapic_state *s, int vec)
{
	return (lapic_reg(s, APIC_IRR + (vec / 32) * 16) >> (vec % 32)) & 1;
}

static uint64_t host_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | (uint64_t)hi << 32;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

TEST(snapshot_roundtrip)
{
	static struct vcpu_snapshot s1, s2;
	struct vcpu *vcpu, *vcpu2;
	const char *why = NULL;
	struct vm *vm, *vm2;
	uint64_t t0, t1, n0, n1;
	uint32_t cur1, cur2;

	vm = vm_create_irqchip(&vcpu, &why);
	if (!vm)
		SKIP(return, "%s", why);
	TH_LOG("hypervisor: %s", vm_hv_name(vm));
	if (!vm_has_snapshot(vm))
		SKIP(vm_free(vm); return, "no MVM_CAP_SNAPSHOT / KVM_CAP_DEBUGREGS");
	for (int n = 0; n < 16; n++)
		for (int b = 0; b < 16; b++)
			xmm_pat[n][b] = 0x11 * n + b;
	vcpu_setup_long(vcpu, guest_code);
	vcpu_apic_handlers(vcpu);
	ASSERT_SYNC(vcpu, 1);
	/* KVM completes the OUT in its next run: let it, as a VMM does. */
	vcpu_set_immediate_exit(vcpu, true);
	ASSERT_EQ(-EINTR, vcpu_run(vcpu));
	vcpu_set_immediate_exit(vcpu, false);

	ASSERT_EQ(0, vcpu_snapshot_save(vcpu, &s1, msr_list, NR_MSRS));
	/* The state is what the guest made it. */
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(db_vals[i], s1.dregs.db[i]);
	ASSERT_EQ(DR6_VAL, s1.dregs.dr6);
	ASSERT_EQ(DR7_VAL, s1.dregs.dr7);
	ASSERT_EQ(GPR_VAL(9), s1.regs.r15);
	ASSERT_EQ(0, memcmp((uint8_t *)&s1.xsave + XMM_OFF, xmm_pat, 256));
	ASSERT_EQ(TMICT, lapic_reg(&s1.lapic, APIC_TMICT));
	ASSERT_TRUE(irr_has(&s1.lapic, PEND_VEC));
	cur1 = lapic_reg(&s1.lapic, APIC_TMCCT);
	ASSERT_LT(cur1, TMICT);
	if (!cur1)	/* a very slow host: the timer's interrupt is pending */
		ASSERT_TRUE(irr_has(&s1.lapic, TIMER_VEC));

	/* A fresh VM with the same memory, restored in the documented order. */
	vm2 = vm_create_irqchip(&vcpu2, &why);
	ASSERT_NE(NULL, vm2) TH_LOG("%s", why);
	vcpu_setup_long(vcpu2, guest_code);
	vcpu_apic_handlers(vcpu2);
	memcpy(vm_gpa_hva(vm2, 0), vm_gpa_hva(vm, 0), GUEST_MEM_SIZE);
	n0 = now_ns();
	t0 = host_rdtsc();
	ASSERT_EQ(0, vcpu_snapshot_restore(vcpu2, &s1));
	ASSERT_EQ(0, vcpu_snapshot_save(vcpu2, &s2, msr_list, NR_MSRS));
	t1 = host_rdtsc();
	n1 = now_ns();

	/* Every byte again, but for the two clocks that ran meanwhile. */
	ASSERT_EQ(0, memcmp(&s1.regs, &s2.regs, sizeof(s1.regs)));
	ASSERT_EQ(0, memcmp(&s1.sregs, &s2.sregs, sizeof(s1.sregs)));
	ASSERT_EQ(0, memcmp(&s1.xsave, &s2.xsave, sizeof(s1.xsave)));
	ASSERT_EQ(s1.xcr0, s2.xcr0);
	ASSERT_EQ(s1.nmsrs, s2.nmsrs);
	for (uint32_t i = 0; i < s1.nmsrs; i++) {
		ASSERT_EQ(s1.msrs[i].index, s2.msrs[i].index);
		if (i == TSC_IDX) {
			ASSERT_LE(s1.msrs[i].data, s2.msrs[i].data);
			ASSERT_GE(t1 - t0, s2.msrs[i].data - s1.msrs[i].data);
			continue;
		}
		ASSERT_EQ(s1.msrs[i].data, s2.msrs[i].data)
			TH_LOG("MSR 0x%x", s1.msrs[i].index);
	}
	cur2 = lapic_reg(&s2.lapic, APIC_TMCCT);
	TH_LOG("timer current count %u saved, %u restored", cur1, cur2);
	/*
	 * Resumed from the saved count, not from TMICT, and not stopped: it
	 * ran at most for the time SET..GET took (one count per ns).
	 */
	ASSERT_LE(cur2, cur1);
	ASSERT_LE((uint64_t)cur1, cur2 + (n1 - n0) + 1000);
	lapic_reg_set(&s2.lapic, APIC_TMCCT, cur1);
	ASSERT_EQ(0, memcmp(&s1.lapic, &s2.lapic, sizeof(s1.lapic)));
	ASSERT_EQ(s1.tsc_deadline, s2.tsc_deadline);
	ASSERT_EQ(s1.mp_state, s2.mp_state);
	ASSERT_EQ(0, memcmp(&s1.dregs, &s2.dregs, sizeof(s1.dregs)));
	ASSERT_EQ(0, memcmp(s1.events, s2.events, sizeof(s1.events)));

	/* The restored guest goes on: its checks, both interrupts. */
	ASSERT_DONE(vcpu2);
	vm_free(vm2);
	vm_free(vm);
}

/*
 * Saved at an IN exit: the run with immediate_exit completes the IN with
 * the VMM's data first, so the restored guest has its value and moves on.
 */
#define IN_PORT		0x85
#define IN_VAL		0x12345678u

static void guest_in(void)
{
	uint32_t v;

	__asm__ volatile("inl %w1, %0" : "=a"(v) : "Nd"(IN_PORT));
	GUEST_ASSERT_EQ(IN_VAL, v);
	GUEST_DONE();
}

TEST(pending_in)
{
	static struct vcpu_snapshot s;
	struct vcpu *vcpu, *vcpu2;
	const char *why = NULL;
	struct vm *vm, *vm2;
	uint32_t v = IN_VAL;

	VM_CREATE_OR_SKIP(vm, vcpu);
	if (!vm_has_snapshot(vm))
		SKIP(vm_free(vm); return, "no MVM_CAP_SNAPSHOT / KVM_CAP_DEBUGREGS");
	vcpu_setup_long(vcpu, guest_in);
	ASSERT_EXIT(vcpu, VCPU_EXIT_IO);
	ASSERT_EQ(IN_PORT, vcpu->exit.io.port);
	ASSERT_FALSE(vcpu->exit.io.out);
	memcpy(vcpu->exit.io.data, &v, 4);
	vcpu_set_immediate_exit(vcpu, true);
	ASSERT_EQ(-EINTR, vcpu_run(vcpu));
	vcpu_set_immediate_exit(vcpu, false);
	ASSERT_EQ(0, vcpu_snapshot_save(vcpu, &s, msr_list, NR_MSRS));

	vm2 = vm_create_1vcpu(&vcpu2, &why);
	ASSERT_NE(NULL, vm2) TH_LOG("%s", why);
	vcpu_setup_long(vcpu2, guest_in);
	memcpy(vm_gpa_hva(vm2, 0), vm_gpa_hva(vm, 0), GUEST_MEM_SIZE);
	ASSERT_EQ(0, vcpu_snapshot_restore(vcpu2, &s));
	ASSERT_DONE(vcpu2);
	vm_free(vm2);
	vm_free(vm);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * SPEC_CTRL (MSR 0x48) is the guest's own.  A guest whose CPUID table
 * offers none of IBRS, STIBP, SSBD gets #GP for RDMSR and WRMSR of it.
 * One offered SSBD (and on a host that has it) sets it and reads it back;
 * a bit that no CPU defines gets #GP and leaves the value as it was, and
 * on mvm so does one the table does not offer (KVM takes any bit the
 * host's CPU takes once the MSR is offered); the VMM reads and sets the guest's value
 * with GET/SET_MSRS.  The host's own value after the exit is not checked:
 * QEMU's TCG accepts SPEC_CTRL writes and reads 0 whatever was written, so
 * no test here could tell.  A host without SSBD in SPEC_CTRL skips the
 * second test (make check runs it in a test host with --cpu ...,+amd-ssbd).
 */
#include <cpuid.h>

#include "kselftest_harness.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define MSR_SPEC_CTRL		0x48
#define SPEC_CTRL_IBRS		(1ULL << 0)
#define SPEC_CTRL_SSBD		(1ULL << 2)
#define SPEC_CTRL_BIT3		(1ULL << 3)
#define L7_EDX_SPEC_BITS	((1u << 26) | (1u << 27) | (1u << 31))
#define LX_EBX_IBRS_STIBP	((1u << 14) | (1u << 15))
#define LX_EBX_SSBD		(1u << 24)

volatile uint64_t gp_count;

void guest_gp(uint64_t *frame)
{
	gp_count++;
	frame[0] += 2;		/* RDMSR and WRMSR are 2 bytes */
}

GUEST_ISR(guest_isr_gp, guest_gp, 1);
extern char guest_isr_gp[];

static void guest_hidden(void)
{
	guest_rdmsr(MSR_SPEC_CTRL);
	GUEST_ASSERT_EQ(1, gp_count);
	guest_wrmsr(MSR_SPEC_CTRL, 0);
	GUEST_ASSERT_EQ(2, gp_count);
	GUEST_DONE();
}

bool strict_bits;

static void guest_ssbd(void)
{
	GUEST_ASSERT_EQ(0, guest_rdmsr(MSR_SPEC_CTRL));
	guest_wrmsr(MSR_SPEC_CTRL, SPEC_CTRL_SSBD);
	GUEST_ASSERT_EQ(0, gp_count);
	GUEST_ASSERT_EQ(SPEC_CTRL_SSBD, guest_rdmsr(MSR_SPEC_CTRL));
	if (strict_bits) {
		guest_wrmsr(MSR_SPEC_CTRL, SPEC_CTRL_IBRS);	/* not offered */
		GUEST_ASSERT_EQ(1, gp_count);
		GUEST_ASSERT_EQ(SPEC_CTRL_SSBD, guest_rdmsr(MSR_SPEC_CTRL));
	}
	guest_wrmsr(MSR_SPEC_CTRL, SPEC_CTRL_SSBD | SPEC_CTRL_BIT3);
	GUEST_ASSERT_EQ(strict_bits ? 2 : 1, gp_count);
	GUEST_SYNC(guest_rdmsr(MSR_SPEC_CTRL));
	GUEST_ASSERT_EQ(0, guest_rdmsr(MSR_SPEC_CTRL));	/* the VMM's SET */
	GUEST_DONE();
}

/* The host's leaves 7 and 0x80000008 (KVM needs the rest), masked. */
static void set_cpuid(struct vcpu *vcpu, uint32_t lx_ebx_keep)
{
	struct mvm_cpuid_entry l7 = { .function = 7, .flags = MVM_CPUID_FLAG_INDEX };
	struct mvm_cpuid_entry lx = { .function = 0x80000008 };

	__cpuid_count(7, 0, l7.eax, l7.ebx, l7.ecx, l7.edx);
	l7.edx &= ~L7_EDX_SPEC_BITS;
	vcpu_cpuid_set(vcpu, &l7);
	__cpuid(0x80000008, lx.eax, lx.ebx, lx.ecx, lx.edx);
	lx.ebx &= ~(LX_EBX_IBRS_STIBP | LX_EBX_SSBD);
	lx.ebx |= lx_ebx_keep;
	vcpu_cpuid_set(vcpu, &lx);
}

static void setup(struct vcpu *vcpu, void (*code)(void), uint32_t lx_ebx_keep)
{
	vcpu_setup_long(vcpu, code);
	vcpu_set_idt_gate(vcpu, 13, guest_isr_gp);
	set_cpuid(vcpu, lx_ebx_keep);
}

TEST(spec_ctrl_hidden)
{
	struct vcpu *vcpu;
	struct vm *vm;

	VM_CREATE_OR_SKIP(vm, vcpu);
	setup(vcpu, guest_hidden, 0);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST(spec_ctrl_guest_value)
{
	struct mvm_msr_entry e = { MSR_SPEC_CTRL, 0, 0 };
	unsigned int a, b, c, d;
	struct vcpu *vcpu;
	struct vm *vm;

	__cpuid(0x80000008, a, b, c, d);
	if (!(b & LX_EBX_SSBD))
		SKIP(return, "no SSBD in SPEC_CTRL on this host (CPUID 0x80000008 EBX 24)");
	VM_CREATE_OR_SKIP(vm, vcpu);
	setup(vcpu, guest_ssbd, LX_EBX_SSBD);
	strict_bits = vm_is_mvm(vm);
	sync_global_to_guest(vm, strict_bits);
	ASSERT_SYNC(vcpu, SPEC_CTRL_SSBD);
	ASSERT_EQ(1, vcpu_get_msrs(vcpu, &e, 1));
	ASSERT_EQ(SPEC_CTRL_SSBD, e.data);
	e.data = 0;
	ASSERT_EQ(1, vcpu_set_msrs(vcpu, &e, 1));
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

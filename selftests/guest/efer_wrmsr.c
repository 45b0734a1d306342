// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's WRMSR of EFER in long mode: LMA is the CPU's (a written 0
 * is ignored: it reads back set), clearing LME while paging is on is a
 * #GP (the value stays), a reserved bit is a #GP.  The same on KVM.
 */
#include "kselftest_harness.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define MSR_EFER	0xc0000080
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

volatile uint64_t gp_count;

void guest_gp(uint64_t *frame);
void guest_gp(uint64_t *frame)
{
	gp_count++;
	frame[0] += 2;		/* wrmsr is 0f 30 */
}

GUEST_ISR(guest_gp_isr, guest_gp, 1);
extern char guest_gp_isr[];

static void guest_code(void)
{
	uint64_t efer = guest_rdmsr(MSR_EFER);

	GUEST_ASSERT(efer & EFER_LMA);
	guest_wrmsr(MSR_EFER, efer & ~EFER_LMA);
	GUEST_ASSERT_EQ(0, gp_count);
	GUEST_ASSERT_EQ(efer, guest_rdmsr(MSR_EFER));
	guest_wrmsr(MSR_EFER, efer & ~(EFER_LME | EFER_LMA));
	GUEST_ASSERT_EQ(1, gp_count);
	GUEST_ASSERT_EQ(efer, guest_rdmsr(MSR_EFER));
	guest_wrmsr(MSR_EFER, efer | (1ULL << 1));
	GUEST_ASSERT_EQ(2, gp_count);
	GUEST_ASSERT_EQ(efer, guest_rdmsr(MSR_EFER));
	GUEST_DONE();
}

TEST(efer_wrmsr_long_mode)
{
	struct vm *vm;
	struct vcpu *vcpu;

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, guest_code);
	vcpu_set_idt_gate(vcpu, 13, guest_gp_isr);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

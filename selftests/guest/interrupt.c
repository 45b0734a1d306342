// SPDX-License-Identifier: GPL-2.0
/*
 * External interrupts.  mvm holds an MVM_INTERRUPT queued while the guest
 * has IF=0 (the guest spins and sees nothing), refuses a second one with
 * EBUSY, and delivers the first to its IDT handler after STI.  On both
 * hypervisors: request_interrupt_window with IF=0 exits with
 * IRQ_WINDOW_OPEN right after the guest's STI, if_flag and
 * ready_for_interrupt_injection say so, and an interrupt injected then
 * reaches the handler of its vector.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define VEC_A	0x40
#define VEC_B	0x41
#define SPINS	2000

volatile uint64_t irq_count, irq_vec;

void guest_irq_a(uint64_t *frame)
{
	irq_count++;
	irq_vec = VEC_A;
}

void guest_irq_b(uint64_t *frame)
{
	irq_count++;
	irq_vec = VEC_B;
}

GUEST_ISR(guest_isr_a, guest_irq_a, 0);
GUEST_ISR(guest_isr_b, guest_irq_b, 0);
extern char guest_isr_a[], guest_isr_b[];

/* IF=0 throughout the spin; then one STI opens the window. */
static void guest_code(void)
{
	__asm__ volatile("cli");
	GUEST_SYNC(1);
	for (int i = 0; i < SPINS; i++) {
		__asm__ volatile("pause");
		GUEST_ASSERT_EQ(0, irq_count);
	}
	GUEST_SYNC(2);
	__asm__ volatile("sti; nop; nop; cli" : : : "memory");
	for (int i = 0; i < SPINS && !irq_count; i++)	/* KVM: injected now */
		__asm__ volatile("sti; nop; cli" : : : "memory");
	GUEST_ASSERT_EQ(1, irq_count);
	GUEST_SYNC(irq_vec);
	GUEST_DONE();
}

static void setup(struct vcpu *vcpu)
{
	vcpu_setup_long(vcpu, guest_code);
	vcpu_set_idt_gate(vcpu, VEC_A, guest_isr_a);
	vcpu_set_idt_gate(vcpu, VEC_B, guest_isr_b);
}

TEST(queued_until_sti)
{
	struct vm *vm;
	struct vcpu *vcpu;

	VM_CREATE_OR_SKIP(vm, vcpu);
	if (!vm_is_mvm(vm))
		SKIP(vm_free(vm); return,
		     "KVM without an in-kernel irqchip injects KVM_INTERRUPT "
		     "at the next entry whatever IF says; holding it is mvm's");
	setup(vcpu);
	ASSERT_SYNC(vcpu, 1);
	ASSERT_EQ(0, vcpu_interrupt(vcpu, VEC_B));
	ASSERT_EQ(-EBUSY, vcpu_interrupt(vcpu, VEC_A));
	ASSERT_SYNC(vcpu, 2);
	ASSERT_FALSE(vcpu_if_flag(vcpu));
	ASSERT_FALSE(vcpu_ready_for_interrupt(vcpu));
	ASSERT_EQ(-EBUSY, vcpu_interrupt(vcpu, VEC_A));
	ASSERT_SYNC(vcpu, VEC_B);
	/* Delivered: the next one is accepted again. */
	ASSERT_EQ(0, vcpu_interrupt(vcpu, VEC_A));
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST(bad_args)
{
	struct mvm_interrupt irq = { .vector = 256 };
	struct vm *vm;
	struct vcpu *vcpu;

	VM_CREATE_OR_SKIP(vm, vcpu);
	if (!vm_is_mvm(vm))
		SKIP(vm_free(vm); return, "struct mvm_interrupt is mvm's");
	ASSERT_EQ(-1, ioctl(vcpu->fd, MVM_INTERRUPT, &irq));
	ASSERT_EQ(EINVAL, errno);
	irq.vector = VEC_A;
	irq.flags = 1;
	ASSERT_EQ(-1, ioctl(vcpu->fd, MVM_INTERRUPT, &irq));
	ASSERT_EQ(EINVAL, errno);
	vm_free(vm);
}

TEST(interrupt_window)
{
	struct vm *vm;
	struct vcpu *vcpu;

	VM_CREATE_OR_SKIP(vm, vcpu);
	setup(vcpu);
	ASSERT_SYNC(vcpu, 1);
	ASSERT_FALSE(vcpu_if_flag(vcpu));
	ASSERT_FALSE(vcpu_ready_for_interrupt(vcpu));
	vcpu_request_interrupt_window(vcpu, true);
	ASSERT_SYNC(vcpu, 2);		/* IF=0 all along: no window yet */
	ASSERT_EQ(0, vcpu_run(vcpu));
	ASSERT_TRUE(vcpu_exit_is_irq_window(vcpu)) TH_LOG("%s", vcpu_exit_str(vcpu));
	ASSERT_TRUE(vcpu_if_flag(vcpu));
	ASSERT_TRUE(vcpu_ready_for_interrupt(vcpu));
	vcpu_request_interrupt_window(vcpu, false);
	ASSERT_EQ(0, vcpu_interrupt(vcpu, VEC_A));
	ASSERT_SYNC(vcpu, VEC_A);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * MOV to CR8 while the hypervisor waits for an interrupt window (IF=0,
 * request_interrupt_window set: the window is armed): the guest reads its
 * new TPR back from CR8, MVM_GET_SREGS shows it, RIP moves past each MOV
 * (two encodings: RAX and R9 as the source), and the interrupt injected
 * once the window opens after STI reaches its handler.
 *
 * Under QEMU's TCG a MOV to CR8 with the virtual interrupt (V_IRQ) of the
 * window pending aborts QEMU (an iothread-lock assertion): mvm's
 * cr8_intercept quirk takes the write as an exit while the window is
 * armed.  KVM (no in-kernel irqchip here) intercepts MOV to CR8 itself and
 * reports a lowered TPR to userspace (KVM_EXIT_SET_TPR) before it goes on.
 *
 * With the in-kernel LAPIC the window is armed for an MSI that came while
 * IF=0: the TPR the guest wrote through CR8 is the LAPIC's (x2APIC TPR
 * reads it back), it holds the interrupt off, and CR8 = 0 lets it in.
 * KVM leaves MOV to CR8 to the CPU there and QEMU aborts: skipped on KVM.
 */
#include "kselftest_harness.h"
#include "guest_apic.h"
#include "irqchip.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define VEC	0x42	/* priority class 4 */
#define SPINS	2000

volatile uint64_t irq_count, irq_vec;

void guest_irq(uint64_t *frame)
{
	irq_count++;
	irq_vec = VEC;
}

GUEST_ISR(guest_isr, guest_irq, 0);
extern char guest_isr[];

static uint64_t read_cr8(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr8, %0" : "=r"(v));
	return v;
}

static void guest_code(void)
{
	uint64_t a, b;

	__asm__ volatile("cli");
	GUEST_SYNC(1);
	/* 44 0f 22 c0: mov %rax, %cr8 */
	__asm__ volatile(".byte 0x44, 0x0f, 0x22, 0xc0" : : "a"(5ULL) : "memory");
	a = read_cr8();
	/* 45 0f 22 c1: mov %r9, %cr8 */
	__asm__ volatile("mov $3, %%r9\n\t"
			 ".byte 0x45, 0x0f, 0x22, 0xc1" : : : "r9", "memory");
	b = read_cr8();
	GUEST_SYNC(a << 8 | b);
	__asm__ volatile("mov %0, %%cr8" : : "r"(0ULL) : "memory");
	__asm__ volatile("sti; nop; nop; cli" : : : "memory");
	for (int i = 0; i < SPINS && !irq_count; i++)	/* KVM: injected now */
		__asm__ volatile("sti; nop; cli" : : : "memory");
	GUEST_ASSERT_EQ(1, irq_count);
	GUEST_SYNC(irq_vec);
	GUEST_DONE();
}

#define KVM_EXIT_SET_TPR	11

/* Run to the next exit that is not KVM's report of a lowered TPR. */
static int run_past_set_tpr(struct vcpu *vcpu)
{
	int r;

	do {
		r = vcpu_run(vcpu);
	} while (!r && !vm_is_mvm(vcpu->vm) &&
		 vcpu->exit.raw == KVM_EXIT_SET_TPR);
	return r;
}

#define ASSERT_SYNC_TPR(vcpu, val) do {					\
	struct ucall __uc;						\
	ASSERT_EQ(0, run_past_set_tpr(vcpu));				\
	ASSERT_EQ((uint64_t)UCALL_SYNC, vcpu_get_ucall(vcpu, &__uc))		\
		TH_LOG("%s", vcpu_exit_str(vcpu));			\
	ASSERT_EQ((uint64_t)(val), __uc.args[0]);			\
} while (0)

TEST(cr8_write_in_window)
{
	struct mvm_sregs s;
	struct vcpu *vcpu;
	struct vm *vm;

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, guest_code);
	vcpu_set_idt_gate(vcpu, VEC, guest_isr);
	ASSERT_SYNC(vcpu, 1);
	ASSERT_FALSE(vcpu_if_flag(vcpu));
	vcpu_request_interrupt_window(vcpu, true);
	ASSERT_SYNC_TPR(vcpu, 5 << 8 | 3);
	vcpu_get_sregs(vcpu, &s);
	ASSERT_EQ(3ULL, s.cr8);
	ASSERT_EQ(0, run_past_set_tpr(vcpu));
	ASSERT_TRUE(vcpu_exit_is_irq_window(vcpu)) TH_LOG("%s", vcpu_exit_str(vcpu));
	vcpu_request_interrupt_window(vcpu, false);
	ASSERT_EQ(0, vcpu_interrupt(vcpu, VEC));
	ASSERT_SYNC(vcpu, VEC);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

static void guest_code_apic(void)
{
	volatile uint32_t *cnt = guest_apic_count[0];

	x2apic_enable();
	__asm__ volatile("cli");
	GUEST_SYNC(1);
	__asm__ volatile(".byte 0x44, 0x0f, 0x22, 0xc0" : : "a"(5ULL) : "memory");
	GUEST_SYNC(guest_rdmsr(X2APIC_TPR) << 8 | read_cr8());
	guest_irq_window();
	GUEST_SYNC(cnt[VEC]);
	__asm__ volatile("mov %0, %%cr8" : : "r"(0ULL) : "memory");
	/*
	 * mvm sees a TPR lowered by MOV to CR8 at the next exit only (it
	 * does not intercept CR8 writes while the TPR holds an interrupt
	 * off): this ucall is that exit.
	 */
	GUEST_SYNC(2);
	for (int i = 0; i < SPINS && !cnt[VEC]; i++)
		guest_irq_window();
	GUEST_SYNC(cnt[VEC]);
	GUEST_DONE();
}

TEST(cr8_write_lapic_tpr)
{
	const char *why = NULL;
	struct mvm_sregs s;
	struct vcpu *vcpu;
	struct vm *vm;

	vm = vm_create_irqchip(&vcpu, &why);
	if (!vm)
		SKIP(return, "%s", why);
	TH_LOG("hypervisor: %s", vm_hv_name(vm));
	if (!vm_is_mvm(vm) && host_is_qemu_tcg())
		SKIP(vm_free(vm); return,
		     "KVM lets the CPU run MOV to CR8 with V_IRQ pending, which QEMU TCG aborts on");
	vcpu_setup_long(vcpu, guest_code_apic);
	vcpu_apic_handlers(vcpu);
	ASSERT_SYNC(vcpu, 1);
	ASSERT_EQ(1, vm_signal_msi(vm, MSI_ADDR(0), VEC));
	ASSERT_SYNC(vcpu, 0x50 << 8 | 5);
	vcpu_get_sregs(vcpu, &s);
	ASSERT_EQ(5ULL, s.cr8);
	ASSERT_SYNC(vcpu, 0);
	ASSERT_SYNC(vcpu, 2);
	ASSERT_SYNC(vcpu, 1);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

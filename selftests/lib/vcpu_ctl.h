/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vCPU controls beyond registers, for the guest tests: interrupts, NMIs,
 * exceptions, the interrupt window and the run page's interruptibility
 * bits, MSR lists, XSAVE/XCR0, IDT gates for the test's own handlers, and
 * more vCPUs in one VM.  Each call has an mvm and a KVM implementation
 * (vcpu_ctl.c, one table per hypervisor) and returns 0 or -errno, the
 * errno of the hypervisor's own ioctl, unless it says otherwise.
 *
 * Where the two differ in meaning, the call says so; the tests that rely
 * on mvm-only behaviour skip on KVM.
 */
#ifndef MVM_SELFTEST_VCPU_CTL_H
#define MVM_SELFTEST_VCPU_CTL_H

#include "test_vm.h"

/*
 * Queue an external interrupt.  mvm (MVM_INTERRUPT): held until the guest
 * accepts interrupts, EBUSY when one is queued; any thread may call it.
 * KVM without an in-kernel irqchip (KVM_INTERRUPT): injected at the next
 * entry whatever RFLAGS.IF says, so call it only when
 * vcpu_ready_for_interrupt() and between runs.
 */
int vcpu_interrupt(struct vcpu *vcpu, uint32_t vector);
int vcpu_nmi(struct vcpu *vcpu);			/* MVM_NMI / KVM_NMI */
/* mvm: MVM_INJECT_EXCEPTION; KVM: KVM_SET_VCPU_EVENTS, exception injected. */
int vcpu_inject_exception(struct vcpu *vcpu, uint8_t vector, bool has_error,
			  uint32_t error_code);

/* The run page: in and out bits that both hypervisors have. */
void vcpu_request_interrupt_window(struct vcpu *vcpu, bool on);
void vcpu_set_immediate_exit(struct vcpu *vcpu, bool on);
bool vcpu_if_flag(struct vcpu *vcpu);
bool vcpu_ready_for_interrupt(struct vcpu *vcpu);
/* The last exit was MVM_EXIT_IRQ_WINDOW_OPEN / KVM_EXIT_IRQ_WINDOW_OPEN. */
bool vcpu_exit_is_irq_window(struct vcpu *vcpu);

/* MSR lists (struct mvm_msr_entry is KVM's layout): entries done, or -errno. */
int vcpu_get_msrs(struct vcpu *vcpu, struct mvm_msr_entry *e, uint32_t n);
int vcpu_set_msrs(struct vcpu *vcpu, const struct mvm_msr_entry *e, uint32_t n);

/* The standard XSAVE layout (struct kvm_xsave is the same 4 KiB). */
int vcpu_get_xsave(struct vcpu *vcpu, struct mvm_xsave *x);
int vcpu_set_xsave(struct vcpu *vcpu, const struct mvm_xsave *x);
int vcpu_get_xcr0(struct vcpu *vcpu, uint64_t *xcr0);
int vcpu_set_xcr0(struct vcpu *vcpu, uint64_t xcr0);

/*
 * Point IDT vector @vector (0-255) of a 64-bit guest at @handler, an
 * interrupt gate in the guest's code segment, and make the IDT limit cover
 * all 256 vectors.  Vectors 0-31 keep the library's reporting stubs until
 * replaced.  Call after vcpu_setup_long().
 */
void vcpu_set_idt_gate(struct vcpu *vcpu, int vector, void *handler);

/*
 * Another vCPU (@id) in @vm, set up like vcpu_setup_long(@fn) on a stack
 * of its own.  Free it with vm_free_vcpu() before vm_free().
 */
struct vcpu *vm_add_vcpu(struct vm *vm, int id, void (*fn)(void));
void vm_free_vcpu(struct vcpu *vcpu);

/*
 * Guest side: an interrupt/exception entry @name that saves the registers
 * the C ABI lets a call clobber, calls void @fn(uint64_t *frame) and
 * returns with IRETQ.  frame[0] is the saved RIP (frame[1] CS, frame[2]
 * RFLAGS, ...); with @errcode 1 (vectors that push one) frame[-1] is the
 * error code, popped before the IRETQ.  @fn may change frame[0].
 */
#define GUEST_ISR(name, fn, errcode)					\
	__asm__(".pushsection .text\n"					\
		".align 16\n"						\
		".globl " #name "\n"					\
		#name ":\n"						\
		"push %rax\n push %rcx\n push %rdx\n push %rsi\n"	\
		"push %rdi\n push %r8\n push %r9\n push %r10\n"	\
		"push %r11\n push %rbp\n"				\
		"lea (80 + 8 * " #errcode ")(%rsp), %rdi\n"		\
		"mov %rsp, %rbp\n"					\
		"and $-16, %rsp\n"					\
		"call " #fn "\n"					\
		"mov %rbp, %rsp\n"					\
		"pop %rbp\n pop %r11\n pop %r10\n pop %r9\n"		\
		"pop %r8\n pop %rdi\n pop %rsi\n pop %rdx\n"		\
		"pop %rcx\n pop %rax\n"					\
		"add $(8 * " #errcode "), %rsp\n"			\
		"iretq\n"						\
		".popsection\n")

#endif /* MVM_SELFTEST_VCPU_CTL_H */

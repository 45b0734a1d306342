// SPDX-License-Identifier: GPL-2.0
/*
 * NMIs and injected exceptions.  An NMI reaches the vector-2 handler once;
 * a second NMI queued while that handler runs waits for its IRET and then
 * comes at once, even though the guest has IF=0 (NMIs ignore IF).  An
 * injected #UD (no error code) and #GP (with one) reach handlers that
 * record them, and the guest goes on.  mvm only: MVM_INJECT_EXCEPTION
 * refuses bad vectors and arguments with EINVAL, a second event with EBUSY.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define SPINS		2000
#define GP_ERR		0x1238

volatile uint64_t nmi_count, nmi_nested, ud_count, gp_count, gp_err;

void guest_nmi(uint64_t *frame)
{
	uint64_t n = ++nmi_count;

	if (n == 1) {
		GUEST_SYNC(10);		/* the host queues the second NMI */
		for (int i = 0; i < SPINS; i++) {
			__asm__ volatile("pause");
			if (nmi_count != 1)
				nmi_nested = 1;
		}
	}
}

void guest_ud(uint64_t *frame)
{
	ud_count++;
}

void guest_gp(uint64_t *frame)
{
	gp_count++;
	gp_err = frame[-1];
}

GUEST_ISR(guest_isr_nmi, guest_nmi, 0);
GUEST_ISR(guest_isr_ud, guest_ud, 0);
GUEST_ISR(guest_isr_gp, guest_gp, 1);
extern char guest_isr_nmi[], guest_isr_ud[], guest_isr_gp[];

/* IF=0 all along (the setup's RFLAGS). */
static void guest_code(void)
{
	int i;

	GUEST_SYNC(1);
	for (i = 0; i < SPINS && nmi_count < 2; i++)
		__asm__ volatile("pause");
	GUEST_ASSERT_EQ(0, nmi_nested);
	GUEST_ASSERT_EQ(2, nmi_count);

	GUEST_SYNC(2);			/* #UD injected */
	GUEST_ASSERT_EQ(1, ud_count);
	GUEST_SYNC(3);			/* #GP injected */
	GUEST_ASSERT_EQ(1, gp_count);
	GUEST_ASSERT_EQ(GP_ERR, gp_err);
	GUEST_ASSERT_EQ(1, ud_count);
	GUEST_ASSERT_EQ(2, nmi_count);
	GUEST_DONE();
}

TEST(nmi_and_exceptions)
{
	struct vm *vm;
	struct vcpu *vcpu;

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, guest_code);
	vcpu_set_idt_gate(vcpu, 2, guest_isr_nmi);
	vcpu_set_idt_gate(vcpu, 6, guest_isr_ud);
	vcpu_set_idt_gate(vcpu, 13, guest_isr_gp);

	ASSERT_SYNC(vcpu, 1);
	ASSERT_EQ(0, vcpu_nmi(vcpu));
	ASSERT_SYNC(vcpu, 10);		/* inside the handler */
	ASSERT_EQ(0, vcpu_nmi(vcpu));
	ASSERT_SYNC(vcpu, 2);
	ASSERT_EQ(0, vcpu_inject_exception(vcpu, 6, false, 0));
	ASSERT_SYNC(vcpu, 3);
	ASSERT_EQ(0, vcpu_inject_exception(vcpu, 13, true, GP_ERR));
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

static int inject(struct vcpu *vcpu, struct mvm_exception e)
{
	return ioctl(vcpu->fd, MVM_INJECT_EXCEPTION, &e) ? errno : 0;
}

TEST(inject_validation)
{
	struct vm *vm;
	struct vcpu *vcpu;

	VM_CREATE_OR_SKIP(vm, vcpu);
	if (!vm_is_mvm(vm))
		SKIP(vm_free(vm); return, "MVM_INJECT_EXCEPTION is mvm's");
	ASSERT_EQ(EINVAL, inject(vcpu, (struct mvm_exception){ .vector = 2 }));
	ASSERT_EQ(EINVAL, inject(vcpu, (struct mvm_exception){ .vector = 32 }));
	ASSERT_EQ(EINVAL, inject(vcpu, (struct mvm_exception){ .vector = 255 }));
	ASSERT_EQ(EINVAL, inject(vcpu, (struct mvm_exception){
		.vector = 13, .error_code = 4 }));
	ASSERT_EQ(EINVAL, inject(vcpu, (struct mvm_exception){
		.vector = 6, .padding = { 1 } }));
	ASSERT_EQ(0, inject(vcpu, (struct mvm_exception){ .vector = 6 }));
	ASSERT_EQ(EBUSY, inject(vcpu, (struct mvm_exception){ .vector = 6 }));
	vm_free(vm);
}

TEST_HARNESS_MAIN

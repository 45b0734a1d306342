// SPDX-License-Identifier: GPL-2.0
/*
 * A guest single-stepping itself (RFLAGS.TF) gets its #DB after every
 * instruction, those the hypervisor completes for it too: CPUID (kept in
 * the kernel), an OUT that userspace completes, a RDMSR of APIC_BASE
 * (kept in the kernel), a HLT with interrupts on (the trap ends it at once:
 * no interrupt will ever come).  Each trap reports the address of the next
 * instruction and DR6.BS; a MOV in between traps in the CPU itself, for
 * reference.  The handler clears TF after the last step.  KVM without an
 * irqchip reports the HLT to userspace, which runs it on.
 */
#include "kselftest_harness.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define PORT		0x80
#define DR6_BS		(1ULL << 14)
#define DR6_CLEAR	0xffff0ff0ULL
#define RFLAGS_TF	(1ULL << 8)
#define NR_STEPS	6

/* TF on, then five instructions, each followed by a label the trap names. */
__asm__(".pushsection .text\n"
	"tf_seq:\n"
	"	push %rbx\n"
	"	xor %eax, %eax\n"
	"	pushfq\n"
	"	orq $0x300, (%rsp)\n"		/* TF, IF */
	"	popfq\n"
	"	cpuid\n"
	"tf_0:	mov $0x1b, %ecx\n"
	"tf_1:	outb %al, $0x80\n"
	"tf_2:	rdmsr\n"
	"tf_3:	hlt\n"
	"tf_4:	nop\n"
	"tf_5:	pop %rbx\n"
	"	cli\n"
	"	ret\n"
	".popsection\n");
void tf_seq(void);
extern char tf_0[], tf_1[], tf_2[], tf_3[], tf_4[], tf_5[];

volatile uint64_t db_rip[NR_STEPS], db_dr6[NR_STEPS];
volatile unsigned int db_count;

void guest_db(uint64_t *frame)
{
	uint64_t dr6;

	__asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
	__asm__ volatile("mov %0, %%dr6" : : "r"(DR6_CLEAR));
	if (db_count < NR_STEPS) {
		db_rip[db_count] = frame[0];
		db_dr6[db_count] = dr6;
	}
	if (++db_count >= NR_STEPS)
		frame[2] &= ~RFLAGS_TF;
}

GUEST_ISR(guest_isr_db, guest_db, 0);
extern char guest_isr_db[];

static void guest_code(void)
{
	const uint64_t next[NR_STEPS] = {
		(uint64_t)tf_0, (uint64_t)tf_1, (uint64_t)tf_2,
		(uint64_t)tf_3, (uint64_t)tf_4, (uint64_t)tf_5,
	};

	tf_seq();
	GUEST_ASSERT_EQ(NR_STEPS, db_count);
	for (int i = 0; i < NR_STEPS; i++) {
		GUEST_ASSERT_EQ(next[i], db_rip[i]);
		GUEST_ASSERT(db_dr6[i] & DR6_BS);
	}
	GUEST_DONE();
}

TEST(singlestep_emulated)
{
	struct vm *vm;
	struct vcpu *vcpu;

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, guest_code);
	vcpu_set_idt_gate(vcpu, 1, guest_isr_db);

	ASSERT_EXIT(vcpu, VCPU_EXIT_IO);
	ASSERT_TRUE(vcpu->exit.io.out);
	ASSERT_EQ(PORT, vcpu->exit.io.port);
	if (!vm_is_mvm(vm))
		ASSERT_EXIT(vcpu, VCPU_EXIT_HLT);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

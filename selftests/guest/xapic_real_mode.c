// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel xAPIC decodes 16-bit code's MOVs right.  A real-mode
 * guest, with the APIC moved to 0x90000 (a hole: the VM's RAM is cut to
 * 512 KiB), reads the version register with "66 8b 06 30 00" (mov eax,
 * [0x30]: 32 bits, the operand-size prefix in 16-bit code): it gets the
 * whole register.  Then "8b 1e 30 00" (mov bx, [0x30]), a 16-bit access
 * the APIC does not take: an emulation-error exit, not a 32-bit write of
 * EBX.  mvm only: KVM does not support moving the xAPIC.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "irqchip.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define CODE_GPA	0x1000
#define APIC_GPA	0x90000ULL
#define RAM_SIZE	0x80000ULL
#define APIC_VERSION	0x50014ULL	/* mvm's: integrated, 6 LVTs */

extern const char code_start[], code_end[];
__asm__(".pushsection .rodata\n"
	"code_start:\n"
	".byte 0xb8, 0x00, 0x90\n"		/* mov ax, 0x9000 */
	".byte 0x8e, 0xd8\n"			/* mov ds, ax */
	".byte 0x66, 0x8b, 0x06, 0x30, 0x00\n"	/* mov eax, [0x30] */
	".byte 0xf4\n"				/* hlt (IF=0: exits) */
	".byte 0x8b, 0x1e, 0x30, 0x00\n"	/* mov bx, [0x30] */
	".byte 0xf4\n"
	"code_end:\n"
	".popsection\n");

TEST(xapic_from_real_mode)
{
	struct mvm_memory_region mr = { .slot = 0 };
	struct mvm_msr_entry base = { .index = 0x1b,
				      .data = APIC_GPA | 1 << 11 | 1 << 8 };
	const char *why = NULL;
	struct mvm_regs r;
	struct vm *vm;
	struct vcpu *vcpu;

	vm = vm_create_irqchip(&vcpu, &why);
	if (!vm)
		SKIP(return, "%s", why);
	if (!vm_is_mvm(vm)) {
		vm_free(vm);
		SKIP(return, "KVM does not move the xAPIC");
	}
	vcpu_setup_real(vcpu, CODE_GPA, code_start, code_end - code_start);
	/* RAM 0-512 KiB only: the APIC page at 0x90000 is in no slot. */
	ASSERT_EQ(0, ioctl(vm->fd, MVM_SET_MEMORY_REGION, &mr));
	mr.memory_size = RAM_SIZE;
	mr.userspace_addr = (uintptr_t)vm->mem;
	ASSERT_EQ(0, ioctl(vm->fd, MVM_SET_MEMORY_REGION, &mr));
	ASSERT_EQ(1, vcpu_set_msrs(vcpu, &base, 1));

	ASSERT_EXIT(vcpu, VCPU_EXIT_HLT);
	vcpu_get_regs(vcpu, &r);
	ASSERT_EQ(APIC_VERSION, r.rax);
	r.rbx = 0x1234567812345678ULL;
	vcpu_set_regs(vcpu, &r);
	ASSERT_EQ(0, vcpu_run(vcpu));
	ASSERT_EQ(VCPU_EXIT_INTERNAL, (int)vcpu->exit.reason)
		TH_LOG("%s", vcpu_exit_str(vcpu));
	vcpu_get_regs(vcpu, &r);
	ASSERT_EQ(0x1234567812345678ULL, r.rbx);
	vm_free(vm);
}

TEST_HARNESS_MAIN

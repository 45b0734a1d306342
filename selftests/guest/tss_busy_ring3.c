// SPDX-License-Identifier: GPL-2.0
/*
 * A 32-bit guest whose TR holds a busy TSS (type 0xb, as LTR leaves it and
 * as the library sets it) takes an exception in ring 3: the CPU switches
 * to the ring-0 stack the TSS names, the handler sees the user CS and SS
 * in its frame, and MVM_GET_SREGS still shows the busy type.
 *
 * QEMU's TCG accepts only an available type in TR when it looks up the
 * ring-0 stack and aborts ("invalid tss type"): mvm's tr_available quirk
 * shows the CPU the available type.  KVM hands the busy type over and
 * kills the test host, so the test skips on KVM.
 */
#include "kselftest_harness.h"
#include "test_vm.h"

#define CODE_GPA	0x8000
#define UC_GPA		0x9000
#define IDT_GPA		0xa000
#define KSTACK_TOP	0x6000
#define USTACK_TOP	0x7000
#define USER_CS		0x33	/* GDT 0x30, RPL 3 */
#define USER_DS		0x3b	/* GDT 0x38, RPL 3 */

#define STR_(x)	#x
#define STR(x)	STR_(x)

/* To ring 3 by IRET; UD2 there; the #UD handler reports its frame. */
extern const char r3_start[], r3_user[], r3_handler[], r3_end[];
__asm__(".pushsection .rodata\n"
	"r3_start:\n"
	".code32\n"
	"push $" STR(USER_DS) "\n"
	"push $" STR(USTACK_TOP) "\n"
	"pushf\n"
	"push $" STR(USER_CS) "\n"
	"push $(" STR(CODE_GPA) " + r3_user - r3_start)\n"
	"iret\n"
	"r3_user:\n"
	"ud2\n"
	"r3_handler:\n"
	/* IRET to ring 3 nulled DS: it had DPL 0. */
	"mov $" STR(GDT_DATA) ", %ax\n mov %ax, %ds\n"
	"mov $" STR(UC_GPA) ", %edi\n"
	"movzwl 4(%esp), %eax\n"	/* CS */
	"movzwl 16(%esp), %ebx\n"	/* SS */
	"shl $16, %ebx\n or %ebx, %eax\n"
	"movl $1, (%edi)\n movl $0, 4(%edi)\n movl %eax, 8(%edi)\n"
	"movl $0, 12(%edi)\n"
	"mov $" STR(UCALL_PORT) ", %dx\n out %al, %dx\n"
	"mov 12(%esp), %eax\n"		/* ESP */
	"movl %eax, 8(%edi)\n out %al, %dx\n"
	"movl $2, (%edi)\n out %al, %dx\n"
	"hlt\n"
	".code64\n"
	"r3_end:\n"
	".popsection\n");

TEST(ring3_exception)
{
	uint32_t handler = CODE_GPA + (r3_handler - r3_start);
	struct mvm_sregs s;
	struct vcpu *vcpu;
	uint64_t *gdt;
	uint32_t *idt, *tss;
	struct vm *vm;

	VM_CREATE_OR_SKIP(vm, vcpu);
	if (!vm_is_mvm(vm) && host_is_qemu_tcg())
		SKIP(vm_free(vm); return,
		     "KVM keeps the busy TSS type, which QEMU TCG aborts on");
	vcpu_setup_prot32(vcpu, CODE_GPA, r3_start, r3_end - r3_start);

	gdt = vm_gpa_hva(vm, vm->gdt);
	gdt[0x30 / 8] = 0x00cffa000000ffffULL;	/* code, DPL 3 */
	gdt[0x38 / 8] = 0x00cff2000000ffffULL;	/* data, DPL 3 */
	tss = vm_gpa_hva(vm, vm->tss);
	tss[1] = KSTACK_TOP;			/* ESP0 */
	tss[2] = GDT_DATA;			/* SS0 */
	idt = vm_gpa_hva(vm, IDT_GPA);
	idt[2 * 6] = GDT_CODE32 << 16 | (handler & 0xffff);
	idt[2 * 6 + 1] = (handler & 0xffff0000) | 0x8e00;

	vcpu_get_sregs(vcpu, &s);
	ASSERT_EQ(0xb, (int)s.tr.type);
	s.gdt.limit = 0x40 - 1;
	s.idt.base = IDT_GPA;
	s.idt.limit = 256 * 8 - 1;
	vcpu_set_sregs(vcpu, &s);

	ASSERT_SYNC(vcpu, USER_DS << 16 | USER_CS);
	vcpu_get_sregs(vcpu, &s);
	ASSERT_EQ(GDT_CODE32, s.cs.selector);
	ASSERT_EQ(0xb, (int)s.tr.type);
	ASSERT_SYNC(vcpu, USTACK_TOP);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

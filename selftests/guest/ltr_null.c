// SPDX-License-Identifier: GPL-2.0
/*
 * LTR in a 32-bit guest, as a CPU does it: a null selector (any RPL)
 * raises #GP(0), a busy TSS or an LDT selector #GP(selector), a TSS not
 * present #NP(selector); an available TSS is loaded and marked busy in
 * the GDT.
 *
 * QEMU's TCG loads the null selector, and the next privilege-changing
 * interrupt aborts it ("invalid tss"): mvm's ltr_null quirk emulates
 * LTR.  KVM leaves LTR to the CPU, so under TCG the test skips on KVM.
 */
#include "kselftest_harness.h"
#include "test_vm.h"

#define CODE_GPA	0x8000
#define UC_GPA		0x9000
#define IDT_GPA		0xa000
#define TSS_SEL		0x30	/* available 32-bit TSS */
#define TSS_NP_SEL	0x38	/* the same, not present */

#define STR_(x)	#x
#define STR(x)	STR_(x)
#define LTR(sel) "mov $" #sel ", %eax\n ltr %ax\n"	/* 3 bytes: 0f 00 d8 */

/* Each fault reports vector << 16 | error code and skips the LTR. */
extern const char l_start[], l_gp[], l_np[], l_end[];
__asm__(".pushsection .rodata\n"
	"l_start:\n"
	".code32\n"
	LTR(0) LTR(3) LTR(0x20) LTR(0x38) LTR(0x34) LTR(0x30)
	"mov $" STR(UC_GPA) ", %edi\n"
	"movl $1, (%edi)\n movl $0, 4(%edi)\n movl $0, 8(%edi)\n"
	"movl $0, 12(%edi)\n"
	"mov $" STR(UCALL_PORT) ", %dx\n out %al, %dx\n"
	"movl $2, (%edi)\n out %al, %dx\n"
	"hlt\n"
	"l_gp: push $13\n jmp 1f\n"
	"l_np: push $11\n"
	"1: pop %eax\n shl $16, %eax\n or (%esp), %eax\n"
	"mov $" STR(UC_GPA) ", %edi\n"
	"movl $1, (%edi)\n movl $0, 4(%edi)\n movl %eax, 8(%edi)\n"
	"movl $0, 12(%edi)\n"
	"mov $" STR(UCALL_PORT) ", %dx\n out %al, %dx\n"
	"add $4, %esp\n addl $3, (%esp)\n iret\n"
	".code64\n"
	"l_end:\n"
	".popsection\n");

static void set_gate(uint32_t *idt, int vec, uint32_t handler)
{
	idt[2 * vec] = GDT_CODE32 << 16 | (handler & 0xffff);
	idt[2 * vec + 1] = (handler & 0xffff0000) | 0x8e00;
}

TEST(ltr_checks)
{
	struct mvm_sregs s;
	struct vcpu *vcpu;
	uint64_t *gdt, tss;
	struct vm *vm;

	VM_CREATE_OR_SKIP(vm, vcpu);
	if (!vm_is_mvm(vm) && host_is_qemu_tcg())
		SKIP(vm_free(vm); return,
		     "QEMU TCG loads a null TR, and KVM lets it");
	vcpu_setup_prot32(vcpu, CODE_GPA, l_start, l_end - l_start);

	gdt = vm_gpa_hva(vm, vm->gdt);
	tss = vm->tss;
	gdt[TSS_SEL / 8] = 0x67 | (tss & 0xffffff) << 16 | 0x89ULL << 40 |
			   ((tss >> 24) & 0xff) << 56;
	gdt[TSS_NP_SEL / 8] = gdt[TSS_SEL / 8] & ~(1ULL << 47);
	set_gate(vm_gpa_hva(vm, IDT_GPA), 13, CODE_GPA + (l_gp - l_start));
	set_gate(vm_gpa_hva(vm, IDT_GPA), 11, CODE_GPA + (l_np - l_start));

	vcpu_get_sregs(vcpu, &s);
	s.gdt.limit = 0x40 - 1;
	s.idt.base = IDT_GPA;
	s.idt.limit = 256 * 8 - 1;
	vcpu_set_sregs(vcpu, &s);

	ASSERT_SYNC(vcpu, 13 << 16 | 0);		/* null */
	ASSERT_SYNC(vcpu, 13 << 16 | 0);		/* null, RPL 3 */
	ASSERT_SYNC(vcpu, 13 << 16 | 0x20);		/* busy */
	ASSERT_SYNC(vcpu, 11 << 16 | TSS_NP_SEL);	/* not present */
	ASSERT_SYNC(vcpu, 13 << 16 | 0x34);		/* TI: the LDT */
	ASSERT_SYNC(vcpu, 0);				/* loaded */
	vcpu_get_sregs(vcpu, &s);
	ASSERT_EQ(TSS_SEL, (int)s.tr.selector);
	ASSERT_EQ(0xb, (int)s.tr.type);
	ASSERT_EQ(tss, s.tr.base);
	ASSERT_EQ(0x67U, s.tr.limit);
	ASSERT_EQ(0xbULL, (gdt[TSS_SEL / 8] >> 40) & 0xf);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

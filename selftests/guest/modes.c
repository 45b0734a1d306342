// SPDX-License-Identifier: GPL-2.0
/*
 * The same ucall (OUT to UCALL_PORT, RDI = the struct ucall's address)
 * works from a real-mode guest, a 32-bit protected-mode guest (flat
 * segments, no paging) and a 64-bit guest running a C function.
 */
#include "kselftest_harness.h"
#include "test_vm.h"

#define CODE_GPA	0x8000
#define UC_GPA		0x9000	/* below 64 KiB: DS = 0 reaches it in real mode */

#define STR_(x)	#x
#define STR(x)	STR_(x)

_Static_assert(UCALL_SYNC == 1 && UCALL_DONE == 2, "the assembly below");
_Static_assert(UCALL_OFF_ARG0 == 8, "the assembly below");

/* Real mode: 16-bit addressing through DI, 32-bit stores. */
extern const char real_start[], real_end[];
__asm__(".pushsection .rodata\n"
	"real_start:\n"
	".code16\n"
	"mov $" STR(UC_GPA) ", %edi\n"
	"movl $1, (%di)\n"
	"movl $0, 4(%di)\n"
	"movl $0x1616, 8(%di)\n"
	"movl $0, 12(%di)\n"
	"mov $" STR(UCALL_PORT) ", %dx\n"
	"out %al, %dx\n"
	"movl $2, (%di)\n"
	"out %al, %dx\n"
	"hlt\n"
	".code64\n"
	"real_end:\n"
	".popsection\n");

extern const char prot32_start[], prot32_end[];
__asm__(".pushsection .rodata\n"
	"prot32_start:\n"
	".code32\n"
	"mov $" STR(UC_GPA) ", %edi\n"
	"movl $1, (%edi)\n"
	"movl $0, 4(%edi)\n"
	"movl $0x3232, 8(%edi)\n"
	"movl $0, 12(%edi)\n"
	"mov $" STR(UCALL_PORT) ", %dx\n"
	"out %al, %dx\n"
	"movl $2, (%edi)\n"
	"out %al, %dx\n"
	"hlt\n"
	".code64\n"
	"prot32_end:\n"
	".popsection\n");

static void guest_long(void)
{
	GUEST_SYNC(0x6464);
	GUEST_DONE();
}

TEST(real_mode)
{
	struct vm *vm;
	struct vcpu *vcpu;

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_real(vcpu, CODE_GPA, real_start, real_end - real_start);
	ASSERT_SYNC(vcpu, 0x1616);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST(protected_32bit)
{
	struct vm *vm;
	struct vcpu *vcpu;

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_prot32(vcpu, CODE_GPA, prot32_start,
			  prot32_end - prot32_start);
	ASSERT_SYNC(vcpu, 0x3232);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST(long_mode)
{
	struct vm *vm;
	struct vcpu *vcpu;

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, guest_long);
	ASSERT_SYNC(vcpu, 0x6464);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Guest state that points the CPU at guest-physical addresses no memory
 * slot and no stage-2 table can hold ends in an exit, not in an errno
 * from MVM_RUN.  A 32-bit guest (paging off) with an IDTR base far above
 * 4 GiB takes an exception (UD2): whatever the CPU makes of the base, the
 * run returns 0 with an exit that says what happened (QEMU's TCG uses
 * all 64 bits of the base: near 2^64 that was an address beyond mvm's
 * stage-2 tables, and MVM_RUN failed with EFAULT).
 */
#include "kselftest_harness.h"
#include "test_vm.h"

#define CODE_GPA	0x10000

extern const char ud_start[], ud_end[];
__asm__(".pushsection .rodata\n"
	"ud_start:\n"
	".byte 0x0f, 0x0b\n"		/* ud2 */
	"ud_end:\n"
	".popsection\n");

static void try_base(struct __test_metadata *_metadata, uint64_t base)
{
	struct mvm_sregs s;
	struct vm *vm;
	struct vcpu *vcpu;
	int r;

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_prot32(vcpu, CODE_GPA, ud_start, ud_end - ud_start);
	vcpu_get_sregs(vcpu, &s);
	s.idt.base = base;
	s.idt.limit = 0xfff;
	vcpu_set_sregs(vcpu, &s);
	r = vcpu_run(vcpu);
	ASSERT_EQ(0, r) TH_LOG("IDT base %#llx: MVM_RUN failed: %s",
			       (unsigned long long)base, strerror(-r));
	TH_LOG("IDT base %#llx: %s", (unsigned long long)base, vcpu_exit_str(vcpu));
	vm_free(vm);
}

TEST(idt_base_above_4g)
{
	try_base(_metadata, 1ULL << 36);
}

TEST(idt_base_above_stage2)
{
	try_base(_metadata, 1ULL << 50);
}

TEST(idt_base_44)
{
	try_base(_metadata, 1ULL << 44);
}

TEST(idt_base_48)
{
	try_base(_metadata, 1ULL << 48);
}

TEST(idt_base_top)
{
	try_base(_metadata, 0xfffffffff0000000ULL);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * EFER.LME set while CR0.PG=0 (the architectural way into long mode: LME
 * first, paging after) is the guest's value at once: RDMSR, MVM_GET_SREGS
 * and MVM_GET_MSRS read it back, exits in that state come and go, and
 * turning paging on with CR4.PAE then enters long mode (EFER.LMA, compat
 * mode here) with working page tables; turning it off again leaves long
 * mode with LME still set.  The same when userspace sets LME
 * through MVM_SET_SREGS or MVM_SET_MSRS in real mode.
 *
 * Under QEMU's TCG any #VMEXIT in that state leaves the test host with
 * paging off and GIF=0 (mvm's lme_hide quirk keeps the guest off it); KVM
 * has no such workaround and takes the test host down, so the test skips
 * on KVM.
 */
#include "kselftest_harness.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define CODE_GPA	0x8000
#define UC_GPA		0x9000
#define PML4_GPA	0xa000
#define PDPT_GPA	0xb000
#define PD_GPA		0xc000
#define MAGIC_GPA	0xd000
#define ALIAS_GVA	0x40000000	/* PDPT[1]: the same first 2 MiB */
#define MAGIC		0x1e5a90e0U

#define MSR_EFER	0xc0000080
#define EFER_LME	0x100ULL
#define EFER_LMA	0x400ULL

#define STR_(x)	#x
#define STR(x)	STR_(x)

/* sync(reg): ucall SYNC with reg as its argument (EDI = UC_GPA). */
#define SYNC_EAX	"movl $1, (%edi)\n movl $0, 4(%edi)\n"		\
			"movl %eax, 8(%edi)\n movl $0, 12(%edi)\n"	\
			"mov $" STR(UCALL_PORT) ", %dx\n out %al, %dx\n"

/* 32-bit, paging off: LME, an exit, then PAE + PG. */
extern const char lme_start[], lme_end[];
__asm__(".pushsection .rodata\n"
	"lme_start:\n"
	".code32\n"
	"mov $" STR(UC_GPA) ", %edi\n"
	"mov $" STR(MSR_EFER) ", %ecx\n"
	"rdmsr\n"
	"or $" STR(EFER_LME) ", %eax\n"
	"wrmsr\n"
	"rdmsr\n"
	SYNC_EAX
	"hlt\n"
	"mov %cr4, %eax\n or $0x20, %eax\n mov %eax, %cr4\n"
	"mov $" STR(PML4_GPA) ", %eax\n mov %eax, %cr3\n"
	"mov %cr0, %eax\n or $0x80000000, %eax\n mov %eax, %cr0\n"
	"mov $" STR(MSR_EFER) ", %ecx\n"
	"rdmsr\n"
	SYNC_EAX
	"movl $" STR(MAGIC) ", " STR(ALIAS_GVA + MAGIC_GPA) "\n"
	/* Out of long mode again (compatibility mode may): LME stays. */
	"mov %cr0, %eax\n and $0x7fffffff, %eax\n mov %eax, %cr0\n"
	"mov $" STR(MSR_EFER) ", %ecx\n"
	"rdmsr\n"
	SYNC_EAX
	"movl $2, (%edi)\n out %al, %dx\n"
	"hlt\n"
	".code64\n"
	"lme_end:\n"
	".popsection\n");

/* Real mode: report EFER. */
extern const char rd_start[], rd_end[];
__asm__(".pushsection .rodata\n"
	"rd_start:\n"
	".code16\n"
	"mov $" STR(UC_GPA) ", %edi\n"
	"mov $" STR(MSR_EFER) ", %ecx\n"
	"rdmsr\n"
	"movl $1, (%di)\n movl $0, 4(%di)\n movl %eax, 8(%di)\n"
	"movl $0, 12(%di)\n"
	"mov $" STR(UCALL_PORT) ", %dx\n out %al, %dx\n"
	"movl $2, (%di)\n out %al, %dx\n"
	"hlt\n"
	".code64\n"
	"rd_end:\n"
	".popsection\n");

#define SKIP_ON_KVM(vm) do {						\
	if (!vm_is_mvm(vm) && host_is_qemu_tcg()) \
		SKIP(vm_free(vm); return,				\
		     "KVM has no workaround for QEMU TCG's #VMEXIT with LME=1, PG=0");\
} while (0)

TEST(guest_sets_lme)
{
	struct mvm_msr_entry e = { .index = MSR_EFER };
	struct mvm_sregs s;
	struct vcpu *vcpu;
	struct vm *vm;
	uint64_t *pt;

	VM_CREATE_OR_SKIP(vm, vcpu);
	SKIP_ON_KVM(vm);
	pt = vm_gpa_hva(vm, PML4_GPA);
	pt[0] = PDPT_GPA | 3;
	pt = vm_gpa_hva(vm, PDPT_GPA);
	pt[0] = PD_GPA | 3;
	pt[1] = PD_GPA | 3;
	pt = vm_gpa_hva(vm, PD_GPA);
	pt[0] = 0x83;			/* 2 MiB at 0, writable */
	vcpu_setup_prot32(vcpu, CODE_GPA, lme_start, lme_end - lme_start);

	ASSERT_SYNC(vcpu, EFER_LME);
	vcpu_get_sregs(vcpu, &s);
	ASSERT_EQ(EFER_LME, s.efer);
	ASSERT_EQ(1, vcpu_get_msrs(vcpu, &e, 1));
	ASSERT_EQ(EFER_LME, e.data);
	ASSERT_EXIT(vcpu, VCPU_EXIT_HLT);

	ASSERT_SYNC(vcpu, EFER_LME | EFER_LMA);
	vcpu_get_sregs(vcpu, &s);
	ASSERT_EQ(EFER_LME | EFER_LMA, s.efer);
	ASSERT_SYNC(vcpu, EFER_LME);
	vcpu_get_sregs(vcpu, &s);
	ASSERT_EQ(EFER_LME, s.efer);
	ASSERT_EQ(0ULL, s.cr0 & (1ULL << 31));
	ASSERT_DONE(vcpu);
	ASSERT_EQ(MAGIC, *(uint32_t *)vm_gpa_hva(vm, MAGIC_GPA));
	vm_free(vm);
}

TEST(userspace_sets_lme)
{
	struct mvm_msr_entry e = { .index = MSR_EFER, .data = EFER_LME };
	struct mvm_sregs s;
	struct vcpu *vcpu;
	struct vm *vm;

	VM_CREATE_OR_SKIP(vm, vcpu);
	SKIP_ON_KVM(vm);
	vcpu_setup_real(vcpu, CODE_GPA, rd_start, rd_end - rd_start);
	vcpu_get_sregs(vcpu, &s);
	s.efer = EFER_LME;
	vcpu_set_sregs(vcpu, &s);
	ASSERT_SYNC(vcpu, EFER_LME);
	vcpu_get_sregs(vcpu, &s);
	ASSERT_EQ(EFER_LME, s.efer);
	ASSERT_DONE(vcpu);

	vcpu_setup_real(vcpu, CODE_GPA, rd_start, rd_end - rd_start);
	ASSERT_EQ(1, vcpu_set_msrs(vcpu, &e, 1));
	ASSERT_SYNC(vcpu, EFER_LME);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Registers travel bit-exact both ways.  The host sets every GPR, RFLAGS
 * and some segment/control state (CR2, FS and GS base); the guest's entry
 * code stores the GPRs before touching any, and checks them and the
 * control state it can read (CR0, CR3, CR4, EFER, GDTR, IDTR, CR2, FS/GS
 * base).  Then the guest changes CR2 and FS base, loads new values into
 * every GPR and RFLAGS and stops on an OUT: the host reads them all back,
 * changes R12, and the guest sees the new R12.
 *
 * KVM's run under QEMU's TCG ignores CR4.MCE in the guest's own read of
 * CR4: KVM's SVM backend puts the host's MCE into the VMCB's CR4 and hides
 * it behind its CR4-read intercept, and QEMU 10.0's TCG (its new decoder,
 * since 9.1) checks a MOV from CR3, CR4 or CR8 against the CR0-read
 * intercept bit, which KVM clears once the guest's CR0 is what it wants:
 * the read then never exits and the guest sees the host's MCE (CR4 0x660
 * where KVM_SET_SREGS said 0x620).  mvm intercepts no CR read.
 */
#include "kselftest_harness.h"
#include "test_vm.h"

#define PORT		0x81
#define NEW_CR2		0x00000000badc0000ULL
#define NEW_FS_BASE	0x0000000076543000ULL
#define HOST_R12	0x5a5a5a5a12121212ULL
#define MSR_EFER	0xc0000080
#define MSR_FS_BASE	0xc0000100
#define MSR_GS_BASE	0xc0000101
#define X86_CR4_MCE	(1ULL << 6)

struct sregs_expect {
	uint64_t cr0, cr2, cr3, cr4, efer, fs_base, gs_base;
	uint64_t gdt_base, idt_base;
	uint16_t gdt_limit, idt_limit;
	uint64_t cr4_ignore;	/* CR4 bits the guest's read may differ in */
};

struct __attribute__((packed)) dtr {
	uint16_t limit;
	uint64_t base;
};

/* Shared with the assembly (offsets of struct mvm_regs). */
struct mvm_regs regs_seen, regs_expected, regs_new;
struct sregs_expect sregs_expected;
uint64_t regs_saved_rsp, r12_after;

void guest_regs_check(void)
{
	const uint64_t *seen = (const uint64_t *)&regs_seen;
	const uint64_t *exp = (const uint64_t *)&regs_expected;
	const struct sregs_expect *sx = &sregs_expected;
	struct dtr gdt, idt;

	for (int i = 0; i < 16; i++)	/* RAX ... R15 */
		GUEST_ASSERT_EQ(exp[i], seen[i]);
	GUEST_ASSERT_EQ(regs_expected.rflags, regs_seen.rflags);

	__asm__ volatile("sgdt %0\n\tsidt %1" : "=m"(gdt), "=m"(idt));
	GUEST_ASSERT_EQ(sx->gdt_base, gdt.base);
	GUEST_ASSERT_EQ(sx->gdt_limit, gdt.limit);
	GUEST_ASSERT_EQ(sx->idt_base, idt.base);
	GUEST_ASSERT_EQ(sx->idt_limit, idt.limit);
	GUEST_ASSERT_EQ(sx->cr0, guest_read_cr(0));
	GUEST_ASSERT_EQ(sx->cr2, guest_read_cr(2));
	GUEST_ASSERT_EQ(sx->cr3, guest_read_cr(3));
	GUEST_ASSERT_EQ(sx->cr4 & ~sx->cr4_ignore, guest_read_cr(4) & ~sx->cr4_ignore);
	GUEST_ASSERT_EQ(sx->efer, guest_rdmsr(MSR_EFER));
	GUEST_ASSERT_EQ(sx->fs_base, guest_rdmsr(MSR_FS_BASE));
	GUEST_ASSERT_EQ(sx->gs_base, guest_rdmsr(MSR_GS_BASE));

	__asm__ volatile("mov %0, %%cr2" : : "r"(NEW_CR2));
	guest_wrmsr(MSR_FS_BASE, NEW_FS_BASE);
}

void guest_regs_done(void)
{
	GUEST_ASSERT_EQ(HOST_R12, r12_after);
	GUEST_DONE();
}

/* struct mvm_regs order, with each register's offset in it. */
#define GPRS(X) X(rax, 0) X(rbx, 8) X(rcx, 16) X(rdx, 24) X(rsi, 32)	\
	X(rdi, 40) X(rsp, 48) X(rbp, 56) X(r8, 64) X(r9, 72) X(r10, 80)	\
	X(r11, 88) X(r12, 96) X(r13, 104) X(r14, 112) X(r15, 120)
#define SAVE(r, off)	"mov %" #r ", regs_seen+" #off "(%rip)\n"
#define LOAD(r, off)	"mov regs_new+" #off "(%rip), %" #r "\n"

extern char guest_regs_entry[];
__asm__(".pushsection .text\n"
	"guest_regs_entry:\n"
	GPRS(SAVE)
	"pushfq\n"
	"popq regs_seen+136(%rip)\n"
	"sub $8, %rsp\n"			/* the ABI's alignment for a call */
	"call guest_regs_check\n"
	"mov %rsp, regs_saved_rsp(%rip)\n"
	"pushq regs_new+136(%rip)\n"
	"popfq\n"
	GPRS(LOAD)
	"out %al, $0x81\n"
	"mov regs_saved_rsp(%rip), %rsp\n"
	"mov %r12, r12_after(%rip)\n"
	"call guest_regs_done\n"
	"1: hlt\n"
	"jmp 1b\n"
	".popsection\n");

static void fill(struct mvm_regs *r, uint64_t seed, uint64_t rsp)
{
	uint64_t *g = (uint64_t *)r;

	for (int i = 0; i < 16; i++)
		g[i] = seed * (i + 1) ^ 0x8000000000000001ULL;
	r->rsp = rsp;
}

TEST(regs_round_trip)
{
	struct vm *vm;
	struct vcpu *vcpu;
	struct mvm_regs r, back;
	struct mvm_sregs s, sb;

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, (void (*)(void))guest_regs_entry);

	vcpu_get_regs(vcpu, &r);
	fill(&r, 0x0102030405060708ULL, r.rsp - 0x100);
	r.rflags = 0x8d7;			/* CF PF AF ZF SF OF */
	vcpu_set_regs(vcpu, &r);
	vcpu_get_regs(vcpu, &back);
	ASSERT_EQ(0, memcmp(&r, &back, sizeof(r)));
	regs_expected = r;
	fill(&regs_new, 0x1122334455667788ULL, 0xffff800012345678ULL);
	regs_new.rflags = 0x8c3;		/* CF ZF SF OF */

	vcpu_get_sregs(vcpu, &s);
	s.cr2 = 0xcafe000;
	s.fs.base = 0x1234567000ULL;
	s.gs.base = 0xffff888812345000ULL;
	vcpu_set_sregs(vcpu, &s);
	vcpu_get_sregs(vcpu, &sb);
	ASSERT_EQ(s.cr2, sb.cr2);
	ASSERT_EQ(s.fs.base, sb.fs.base);
	ASSERT_EQ(s.gs.base, sb.gs.base);
	sregs_expected = (struct sregs_expect){
		.cr0 = s.cr0, .cr2 = s.cr2, .cr3 = s.cr3, .cr4 = s.cr4,
		.efer = s.efer, .fs_base = s.fs.base, .gs_base = s.gs.base,
		.gdt_base = s.gdt.base, .gdt_limit = s.gdt.limit,
		.idt_base = s.idt.base, .idt_limit = s.idt.limit,
		.cr4_ignore = !vm_is_mvm(vm) && host_is_qemu_tcg() ? X86_CR4_MCE : 0,
	};
	sync_global_to_guest(vm, regs_expected);
	sync_global_to_guest(vm, regs_new);
	sync_global_to_guest(vm, sregs_expected);

	ASSERT_EXIT(vcpu, VCPU_EXIT_IO);
	ASSERT_EQ(PORT, vcpu->exit.io.port) TH_LOG("%s", vcpu_exit_str(vcpu));
	vcpu_get_regs(vcpu, &back);
	for (int i = 0; i < 16; i++) {
		ASSERT_EQ(((uint64_t *)&regs_new)[i], ((uint64_t *)&back)[i])
			TH_LOG("GPR %d (struct mvm_regs order)", i);
	}
	ASSERT_EQ(regs_new.rflags, back.rflags);
	vcpu_get_sregs(vcpu, &sb);
	ASSERT_EQ(NEW_CR2, sb.cr2);
	ASSERT_EQ(NEW_FS_BASE, sb.fs.base);
	ASSERT_EQ(s.gs.base, sb.gs.base);

	back.r12 = HOST_R12;
	vcpu_set_regs(vcpu, &back);
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

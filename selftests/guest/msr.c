// SPDX-License-Identifier: GPL-2.0
/*
 * MSRs.  The guest writes and reads back the MSRs the kernel keeps
 * (mvm-api.md), the TSC moves forward, a reserved PAT type gives #GP; the
 * host reads and writes the same MSRs with GET/SET_MSRS, which stop at an
 * MSR they do not know or a value they refuse (a non-canonical LSTAR).
 * The guest's own non-canonical LSTAR write is not checked: SVM passes
 * LSTAR through, so its #GP is the CPU's (QEMU's TCG does not raise it).  mvm only: an
 * unknown MSR exits to userspace (RDMSR/WRMSR with index and data), the
 * host's data completes a RDMSR and error=1 gives the guest #GP.
 */
#include "kselftest_harness.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define MSR_TSC		0x10
#define MSR_SYSENTER_CS	0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_PAT		0x277
#define MSR_EFER	0xc0000080
#define MSR_STAR	0xc0000081
#define MSR_LSTAR	0xc0000082
#define MSR_CSTAR	0xc0000083
#define MSR_SFMASK	0xc0000084
#define MSR_FS_BASE	0xc0000100
#define MSR_GS_BASE	0xc0000101
#define MSR_KGS_BASE	0xc0000102
#define MSR_TSC_AUX	0xc0000103
#define MSR_UNKNOWN	0x40000123
#define EFER_NX		(1ULL << 11)
#define HOST_LSTAR	0xffffffff81600000ULL

static const struct mvm_msr_entry kept[] = {
	{ MSR_STAR, 0, 0x0023001000000000ULL },
	{ MSR_LSTAR, 0, 0xffffffff81000000ULL },
	{ MSR_CSTAR, 0, 0xffffffff81000100ULL },
	{ MSR_SFMASK, 0, 0x47700 },
	{ MSR_KGS_BASE, 0, 0xffff888000123000ULL },
	{ MSR_SYSENTER_CS, 0, 0x10 },
	{ MSR_SYSENTER_ESP, 0, 0x00004000 },	/* AMD keeps 32 bits */
	{ MSR_SYSENTER_EIP, 0, 0x81001000 },
	{ MSR_FS_BASE, 0, 0x00007f0012345000ULL },
	{ MSR_GS_BASE, 0, 0xffff888012345000ULL },
	{ MSR_PAT, 0, 0x0007010600070106ULL },
	{ MSR_TSC_AUX, 0, 0x1234 },
};

volatile uint64_t gp_count;
uint64_t unknown_mvm;

void guest_gp(uint64_t *frame)
{
	gp_count++;
	frame[0] += 2;		/* every faulting instruction is RDMSR/WRMSR */
}

GUEST_ISR(guest_isr_gp, guest_gp, 1);
extern char guest_isr_gp[];

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo = 0, hi = 0;

	__asm__ volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	return lo | (uint64_t)hi << 32;
}

/* True when the write took #GP. */
static bool wrmsr_gp(uint32_t msr, uint64_t v)
{
	uint64_t before = gp_count;

	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)) : "memory");
	return gp_count != before;
}

static void guest_code(void)
{
	uint64_t t0, t1;

	GUEST_ASSERT_EQ(HOST_LSTAR, rdmsr(MSR_LSTAR));	/* the host's SET */
	for (unsigned int i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		if (wrmsr_gp(kept[i].index, kept[i].data))
			GUEST_ASSERT_EQ(0, kept[i].index);	/* #GP: which */
		GUEST_ASSERT_EQ(kept[i].data, rdmsr(kept[i].index));
	}
	GUEST_ASSERT(!wrmsr_gp(MSR_EFER, rdmsr(MSR_EFER) | EFER_NX));
	GUEST_ASSERT(rdmsr(MSR_EFER) & EFER_NX);
	t0 = rdmsr(MSR_TSC);
	t1 = rdmsr(MSR_TSC);
	GUEST_ASSERT(t1 > t0);
	GUEST_ASSERT(!wrmsr_gp(MSR_TSC, 1ULL << 50));
	GUEST_ASSERT(rdmsr(MSR_TSC) >= 1ULL << 50);

	GUEST_ASSERT(wrmsr_gp(MSR_PAT, 0x0000000000000002ULL));
	GUEST_ASSERT_EQ(kept[10].data, rdmsr(MSR_PAT));
	GUEST_ASSERT_EQ(1, gp_count);
	GUEST_SYNC(1);

	if (unknown_mvm) {
		GUEST_ASSERT_EQ(0xfeedface12345678ULL, rdmsr(MSR_UNKNOWN));
		GUEST_ASSERT(!wrmsr_gp(MSR_UNKNOWN, 0x5555aaaa0000ffffULL));
		rdmsr(MSR_UNKNOWN);			/* refused */
		GUEST_ASSERT_EQ(2, gp_count);
		GUEST_ASSERT(wrmsr_gp(MSR_UNKNOWN, 1));	/* refused */
	}
	GUEST_DONE();
}

TEST(msr)
{
	struct mvm_msr_entry e[4] = {
		{ MSR_STAR, 0, 0 }, { MSR_LSTAR, 0, 0 }, { MSR_UNKNOWN, 0, 0 },
		{ MSR_PAT, 0, 0 },
	};
	struct mvm_msr_entry set[3] = {
		{ MSR_LSTAR, 0, HOST_LSTAR }, { MSR_UNKNOWN, 0, 1 },
		{ MSR_CSTAR, 0, 0x1000 },
	};
	struct mvm_run *run;
	struct vm *vm;
	struct vcpu *vcpu;

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, guest_code);
	vcpu_set_idt_gate(vcpu, 13, guest_isr_gp);
	unknown_mvm = vm_is_mvm(vm);
	sync_global_to_guest(vm, unknown_mvm);

	ASSERT_EQ(1, vcpu_set_msrs(vcpu, set, 3));	/* stops at the unknown */
	set[1] = (struct mvm_msr_entry){ MSR_LSTAR, 0, 0x8000000000000000ULL };
	ASSERT_EQ(1, vcpu_set_msrs(vcpu, set, 3));	/* non-canonical refused */
	ASSERT_SYNC(vcpu, 1);
	ASSERT_EQ(2, vcpu_get_msrs(vcpu, e, 4));
	ASSERT_EQ(kept[0].data, e[0].data);
	ASSERT_EQ(kept[1].data, e[1].data);

	if (!vm_is_mvm(vm)) {
		TH_LOG("KVM: unknown-MSR exits need KVM_CAP_X86_USER_SPACE_MSR: not checked");
		ASSERT_DONE(vcpu);
		vm_free(vm);
		return;
	}
	run = vcpu->run;
	ASSERT_EQ(0, vcpu_run(vcpu));
	ASSERT_EQ((uint32_t)MVM_EXIT_RDMSR, run->exit_reason);
	ASSERT_EQ((uint32_t)MSR_UNKNOWN, run->msr.index);
	run->msr.data = 0xfeedface12345678ULL;
	run->msr.error = 0;
	ASSERT_EQ(0, vcpu_run(vcpu));
	ASSERT_EQ((uint32_t)MVM_EXIT_WRMSR, run->exit_reason);
	ASSERT_EQ((uint32_t)MSR_UNKNOWN, run->msr.index);
	ASSERT_EQ(0x5555aaaa0000ffffULL, run->msr.data);
	run->msr.error = 0;
	ASSERT_EQ(0, vcpu_run(vcpu));
	ASSERT_EQ((uint32_t)MVM_EXIT_RDMSR, run->exit_reason);
	run->msr.error = 1;
	ASSERT_EQ(0, vcpu_run(vcpu));
	ASSERT_EQ((uint32_t)MVM_EXIT_WRMSR, run->exit_reason);
	ASSERT_EQ(1ULL, run->msr.data);
	run->msr.error = 1;
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

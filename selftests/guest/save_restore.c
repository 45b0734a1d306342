// SPDX-License-Identifier: GPL-2.0
/*
 * A running vCPU saved at an exit and restored into a second VM carries
 * on bit-exactly: general registers, segments and control registers, the
 * FPU/SSE state and XCR0, the MSRs the kernel keeps (the TSC included)
 * and the pending events, with guest memory copied over.  The original
 * VM, run on from the same point, must reach the same result.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define MSR_KERNEL_GS_BASE	0xc0000102

static const uint32_t kept_msrs[] = {
	0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084,	/* STAR.. SFMASK */
	MSR_KERNEL_GS_BASE, 0x174, 0x175, 0x176,	/* SYSENTER_* */
	0x277, 0x10, 0xc0000103,			/* PAT, TSC, TSC_AUX */
};
#define NR_MSRS	(sizeof(kept_msrs) / sizeof(kept_msrs[0]))

static struct ucall snap_uc = { .cmd = UCALL_SYNC, .args = { 1 } };

static void guest_code(void)
{
	uint64_t acc = 0x12345, x, tsc;
	int i;

	guest_wrmsr(MSR_KERNEL_GS_BASE, 0xffff888012345000ULL);
	for (i = 0; i < 100; i++)
		acc = acc * 6364136223846793005ULL + i;
	tsc = guest_rdmsr(0x10);
	/* The snapshot exit, with acc in XMM3 and in a general register. */
	__asm__ volatile("movq %[a], %%xmm3\n\t"
			 "outl %%eax, %%dx\n\t"
			 "movq %%xmm3, %[x]"
			 : [x] "=r"(x)
			 : [a] "r"(acc), "D"(&snap_uc), "d"(UCALL_PORT), "a"(0)
			 : "xmm3", "memory");
	GUEST_ASSERT_EQ(acc, x);
	GUEST_ASSERT_EQ(0xffff888012345000ULL, guest_rdmsr(MSR_KERNEL_GS_BASE));
	GUEST_ASSERT(guest_rdmsr(0x10) >= tsc);
	for (i = 0; i < 100; i++)
		acc = acc * 6364136223846793005ULL + i;
	GUEST_SYNC(acc);
	GUEST_DONE();
}

TEST(save_restore)
{
	struct mvm_msr_entry msrs[NR_MSRS];
	struct vcpu *vcpu, *vcpu2;
	struct mvm_vcpu_events ev;
	struct mvm_xsave *xs = calloc(1, sizeof(*xs));
	struct mvm_sregs sregs;
	struct mvm_regs regs;
	struct vm *vm, *vm2;
	struct ucall uc;
	uint64_t xcr0, r1, r2;
	const char *why;

	ASSERT_NE(NULL, xs);
	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, guest_code);
	ASSERT_SYNC(vcpu, 1);

	/*
	 * KVM finishes an OUT only in the next KVM_RUN: let it, with
	 * immediate_exit, as a VMM does before saving (mvm finished it
	 * before the exit already; the call just returns EINTR).
	 */
	vcpu_set_immediate_exit(vcpu, true);
	ASSERT_EQ(-EINTR, vcpu_run(vcpu));
	vcpu_set_immediate_exit(vcpu, false);

	/* Save everything at the snapshot exit. */
	vcpu_get_regs(vcpu, &regs);
	vcpu_get_sregs(vcpu, &sregs);
	ASSERT_EQ(0, vcpu_get_xsave(vcpu, xs));
	ASSERT_EQ(0, vcpu_get_xcr0(vcpu, &xcr0));
	for (size_t i = 0; i < NR_MSRS; i++)
		msrs[i] = (struct mvm_msr_entry){ .index = kept_msrs[i] };
	ASSERT_EQ((int)NR_MSRS, vcpu_get_msrs(vcpu, msrs, NR_MSRS));
	if (vm_is_mvm(vm))
		ASSERT_EQ(0, ioctl(vcpu->fd, MVM_GET_VCPU_EVENTS, &ev));

	/* Restore it into a new VM with a copy of the memory. */
	vm2 = vm_create_1vcpu(&vcpu2, &why);
	ASSERT_NE(NULL, vm2) TH_LOG("%s", why);
	vcpu_setup_long(vcpu2, guest_code);
	memcpy(vm_gpa_hva(vm2, 0), vm_gpa_hva(vm, 0), GUEST_MEM_SIZE);
	vcpu_set_sregs(vcpu2, &sregs);
	vcpu_set_regs(vcpu2, &regs);
	ASSERT_EQ(0, vcpu_set_xcr0(vcpu2, xcr0));
	ASSERT_EQ(0, vcpu_set_xsave(vcpu2, xs));
	ASSERT_EQ((int)NR_MSRS, vcpu_set_msrs(vcpu2, msrs, NR_MSRS));
	if (vm_is_mvm(vm2))
		ASSERT_EQ(0, ioctl(vcpu2->fd, MVM_SET_VCPU_EVENTS, &ev));

	/* Both go on from the same point to the same result. */
	ASSERT_EQ((uint64_t)UCALL_SYNC, vcpu_run_ucall(vcpu, &uc, NULL, 0));
	r1 = uc.args[0];
	ASSERT_DONE(vcpu);
	ASSERT_EQ((uint64_t)UCALL_SYNC, vcpu_run_ucall(vcpu2, &uc, NULL, 0))
		TH_LOG("%s", vcpu_exit_str(vcpu2));
	r2 = uc.args[0];
	ASSERT_DONE(vcpu2);
	ASSERT_EQ(r1, r2);
	vm_free(vm2);
	vm_free(vm);
	free(xs);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * EFER has one rule for every way in: MVM_SET_SREGS refuses what
 * MVM_SET_MSRS refuses (bits other than SCE, LME, LMA, NXE and FFXSR, and
 * SVME above all), and also a state that disagrees with itself (LMA
 * without LME and paging, long mode without PAE).  A code segment with L
 * set outside long mode is taken (KVM refuses it): the CPU ignores L there
 * and a legacy-mode guest can load one (the guest fuzzer's v86 guest got
 * one from GET_SREGS that SET_SREGS then refused).  So whatever a vCPU
 * holds, GET -> SET of it succeeds both ways.
 */
#include "kselftest_harness.h"
#include "mvm_util.h"

#define MSR_EFER	0xc0000080
#define EFER_SCE	(1ULL << 0)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)
#define EFER_NX		(1ULL << 11)
#define EFER_SVME	(1ULL << 12)
#define EFER_LMSLE	(1ULL << 13)
#define EFER_FFXSR	(1ULL << 14)
#define CR0_PE		(1ULL << 0)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)

static int set_efer_msr(int vcpu, uint64_t v)
{
	struct mvm_msr_entry e = { .index = MSR_EFER, .data = v };
	struct mvm_msrs m = { .nmsrs = 1, .entries = (uintptr_t)&e };

	return ioctl(vcpu, MVM_SET_MSRS, &m);
}

static uint64_t get_efer_msr(int vcpu)
{
	struct mvm_msr_entry e = { .index = MSR_EFER };
	struct mvm_msrs m = { .nmsrs = 1, .entries = (uintptr_t)&e };

	return ioctl(vcpu, MVM_GET_MSRS, &m) == 1 ? e.data : ~0ULL;
}

static int set_sregs_efer(int vcpu, const struct mvm_sregs *base, uint64_t efer,
			  uint64_t cr0, uint64_t cr4, int cs_l)
{
	struct mvm_sregs s = *base;

	s.efer = efer;
	s.cr0 = cr0;
	s.cr4 = cr4;
	s.cs.l = cs_l;
	return mvm_err(ioctl(vcpu, MVM_SET_SREGS, &s));
}

TEST(efer_one_rule)
{
	static const uint64_t bad[] = { EFER_SVME, EFER_LMSLE, 1ULL << 1,
					1ULL << 15, 1ULL << 63 };
	struct mvm_sregs s;
	int dev, vm, vcpu;
	uint64_t pm = CR0_PE | CR0_PG;

	MVM_OPEN_OR_SKIP(dev);
	vm = mvm_create_vm(dev);
	ASSERT_LE(0, vm);
	vcpu = mvm_create_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	ASSERT_EQ(0, ioctl(vcpu, MVM_GET_SREGS, &s));

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_EQ(0, set_efer_msr(vcpu, bad[i]));
		ASSERT_EQ(EINVAL, set_sregs_efer(vcpu, &s, bad[i], s.cr0, s.cr4, 0))
			TH_LOG("SET_SREGS took EFER %#llx", (unsigned long long)bad[i]);
	}
	/* Inconsistent with CR0/CR4/CS. */
	ASSERT_EQ(EINVAL, set_sregs_efer(vcpu, &s, EFER_LMA, s.cr0, s.cr4, 0));
	ASSERT_EQ(EINVAL, set_sregs_efer(vcpu, &s, EFER_LME | EFER_LMA, CR0_PE,
					 CR4_PAE, 0));
	ASSERT_EQ(EINVAL, set_sregs_efer(vcpu, &s, EFER_LME, pm, CR4_PAE, 0));
	ASSERT_EQ(EINVAL, set_sregs_efer(vcpu, &s, EFER_LME | EFER_LMA, pm, 0, 0));
	/* Consistent: CS.L in protected mode, real mode with LME, long mode. */
	ASSERT_EQ(0, set_sregs_efer(vcpu, &s, 0, CR0_PE, 0, 1));
	ASSERT_EQ(0, set_sregs_efer(vcpu, &s, EFER_LME | EFER_SCE, s.cr0, s.cr4, 0));
	ASSERT_EQ(0, set_sregs_efer(vcpu, &s, EFER_LME | EFER_LMA | EFER_NX |
				    EFER_SCE | EFER_FFXSR, pm, CR4_PAE, 1));

	/* What the vCPU holds goes back both ways. */
	uint64_t held = get_efer_msr(vcpu);

	ASSERT_EQ(EFER_LME | EFER_LMA | EFER_NX | EFER_SCE | EFER_FFXSR, held);
	ASSERT_EQ(1, set_efer_msr(vcpu, held));
	ASSERT_EQ(0, ioctl(vcpu, MVM_GET_SREGS, &s));
	ASSERT_EQ(0, mvm_err(ioctl(vcpu, MVM_SET_SREGS, &s)));
	ASSERT_EQ(held, s.efer);

	close(vcpu);
	close(vm);
	close(dev);
}

TEST_HARNESS_MAIN

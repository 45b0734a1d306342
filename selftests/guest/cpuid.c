// SPDX-License-Identifier: GPL-2.0
/*
 * The CPUID table set from userspace is what the guest's CPUID reads: a
 * leaf without subleaves (ECX ignored) and a leaf with subleaves
 * (MVM_CPUID_FLAG_INDEX: ECX selects).  On mvm a leaf or subleaf not in the
 * table reads as zeros; KVM's rule for absent leaves differs (vendor
 * dependent), so that part runs on mvm only.
 */
#include "kselftest_harness.h"
#include "test_vm.h"

#define LEAF_PLAIN	0x6d766d00	/* "mvm" */
#define LEAF_SUB	0x6d766d01
#define LEAF_ABSENT	0x6d766d02

static const struct mvm_cpuid_entry entries[] = {
	{ .function = LEAF_PLAIN, .eax = 0x11111111, .ebx = 0x22222222,
	  .ecx = 0x33333333, .edx = 0x44444444 },
	{ .function = LEAF_SUB, .index = 0, .flags = MVM_CPUID_FLAG_INDEX,
	  .eax = 0xa0, .ebx = 0xb0, .ecx = 0xc0, .edx = 0xd0 },
	{ .function = LEAF_SUB, .index = 1, .flags = MVM_CPUID_FLAG_INDEX,
	  .eax = 0xa1, .ebx = 0xb1, .ecx = 0xc1, .edx = 0xd1 },
	{ .function = LEAF_SUB, .index = 5, .flags = MVM_CPUID_FLAG_INDEX,
	  .eax = 0xa5, .ebx = 0xb5, .ecx = 0xc5, .edx = 0xd5 },
};

#define N_ENTRIES	(sizeof(entries) / sizeof(entries[0]))

static void guest_expect(uint32_t leaf, uint32_t sub,
			 const struct mvm_cpuid_entry *e)
{
	uint32_t r[4];

	guest_cpuid(leaf, sub, r);
	GUEST_ASSERT_EQ(e ? e->eax : 0, r[0]);
	GUEST_ASSERT_EQ(e ? e->ebx : 0, r[1]);
	GUEST_ASSERT_EQ(e ? e->ecx : 0, r[2]);
	GUEST_ASSERT_EQ(e ? e->edx : 0, r[3]);
}

static void guest_code(uint64_t absent_reads_zero)
{
	/* No index flag: any ECX gives the same entry. */
	guest_expect(LEAF_PLAIN, 0, &entries[0]);
	guest_expect(LEAF_PLAIN, 7, &entries[0]);
	for (unsigned int i = 1; i < N_ENTRIES; i++)
		guest_expect(LEAF_SUB, entries[i].index, &entries[i]);
	GUEST_SYNC(1);

	if (absent_reads_zero) {
		guest_expect(LEAF_SUB, 2, NULL);
		guest_expect(LEAF_ABSENT, 0, NULL);
		guest_expect(0, 0, NULL);	/* mvm's table has no leaf 0 here */
		GUEST_SYNC(2);
	}
	GUEST_DONE();
}

TEST(cpuid_table)
{
	struct vm *vm;
	struct vcpu *vcpu;
	bool mvm;

	VM_CREATE_OR_SKIP(vm, vcpu);
	mvm = vm_is_mvm(vm);
	vcpu_setup_long(vcpu, (void (*)(void))guest_code);
	vcpu_args_set(vcpu, 1, (uint64_t)mvm);
	for (unsigned int i = 0; i < N_ENTRIES; i++)
		vcpu_cpuid_set(vcpu, &entries[i]);

	ASSERT_SYNC(vcpu, 1);
	if (mvm)
		ASSERT_SYNC(vcpu, 2);
	else
		TH_LOG("absent leaves: KVM's rule differs, not checked");
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

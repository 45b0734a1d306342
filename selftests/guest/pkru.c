// SPDX-License-Identifier: GPL-2.0
/*
 * PKRU is switched with the guest: a guest whose CPUID offers PKU, that
 * turns CR4.PKE on and writes PKRU, changes neither what the VMM thread
 * runs with after the exit nor what it sees before; it reads its own
 * reset value (0) first, not the VMM's.  MVM_GET_XSAVE shows the guest's
 * PKRU in its XSAVE component, and MVM_SET_XSAVE sets it.  A host
 * without protection keys skips (the test host has them with
 * scripts/vmtest --cpu EPYC,+svm,+npt,+pku, which make check uses for it).
 */
#include <cpuid.h>

#include "kselftest_harness.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define CR4_PKE		(1ULL << 22)
#define GUEST_PKRU	0x55555550u	/* pkeys 2-15 denied; 0 and 1 free */
#define HOST_PKRU	0x0000000cu	/* the VMM: pkey 1 denied */
#define XSTATE_BV_OFF	512
#define XFEATURE_PKRU	9

static inline uint32_t rdpkru(void)
{
	uint32_t eax, edx;

	__asm__ volatile(".byte 0x0f, 0x01, 0xee" : "=a"(eax), "=d"(edx) : "c"(0));
	return eax;
}

static inline void wrpkru(uint32_t v)
{
	__asm__ volatile(".byte 0x0f, 0x01, 0xef" : : "a"(v), "c"(0), "d"(0) : "memory");
}

static void guest_code(void)
{
	uint64_t cr4 = guest_read_cr(4);

	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_PKE));
	GUEST_SYNC(rdpkru());
	wrpkru(GUEST_PKRU);
	GUEST_SYNC(rdpkru());
	/* Off again before the exit: the value must still be switched. */
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
	GUEST_SYNC(0);
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_PKE));
	GUEST_SYNC(rdpkru());
	GUEST_DONE();
}

TEST(pkru_switched)
{
	static struct mvm_xsave xs;
	struct mvm_cpuid_entry leaf7 = {
		.function = 7, .flags = MVM_CPUID_FLAG_INDEX,
	};
	unsigned int a, b, c, d, off;
	struct vm *vm;
	struct vcpu *vcpu;
	struct ucall uc;
	uint32_t v;

	__cpuid_count(7, 0, a, b, c, d);
	if (!(c & (1u << 4)))
		SKIP(return, "no protection keys enabled on this host (OSPKE)");
	__cpuid_count(0xd, XFEATURE_PKRU, a, b, c, d);
	off = b;
	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, guest_code);
	/* The guest may turn PKE on only with PKU in its CPUID table. */
	__cpuid_count(7, 0, leaf7.eax, leaf7.ebx, leaf7.ecx, leaf7.edx);
	vcpu_cpuid_set(vcpu, &leaf7);

	wrpkru(HOST_PKRU);
	ASSERT_UCALL(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(HOST_PKRU, rdpkru());
	ASSERT_EQ(0ULL, uc.args[0]) TH_LOG("the guest read the VMM's PKRU");
	ASSERT_UCALL(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(HOST_PKRU, rdpkru()) TH_LOG("the guest's PKRU stayed in force");
	ASSERT_EQ((uint64_t)GUEST_PKRU, uc.args[0]);
	ASSERT_SYNC(vcpu, 0);
	ASSERT_EQ(HOST_PKRU, rdpkru());

	/* The guest's value in its XSAVE image, and a new one set there. */
	ASSERT_EQ(0, vcpu_get_xsave(vcpu, &xs));
	ASSERT_TRUE(off > 0 && off + 4 <= sizeof(xs));
	ASSERT_TRUE(((uint8_t *)&xs)[XSTATE_BV_OFF + 1] & (1 << (XFEATURE_PKRU - 8)));
	memcpy(&v, (uint8_t *)&xs + off, 4);
	ASSERT_EQ(GUEST_PKRU, v);
	v = 0x40;
	memcpy((uint8_t *)&xs + off, &v, 4);
	ASSERT_EQ(0, vcpu_set_xsave(vcpu, &xs));
	ASSERT_SYNC(vcpu, 0x40);
	ASSERT_EQ(HOST_PKRU, rdpkru());
	ASSERT_DONE(vcpu);
	wrpkru(0);
	vm_free(vm);
}

TEST_HARNESS_MAIN

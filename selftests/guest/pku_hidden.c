// SPDX-License-Identifier: GPL-2.0
/*
 * Protection keys exist for a guest only when its CPUID table offers PKU,
 * even on a host that has them.  With a table without PKU, the guest's
 * MOV to CR4 with PKE gets #GP and leaves CR4 as it was, so RDPKRU stays
 * #UD; a MOV to CR4 with a bit no CPU has (15), or on mvm one above bit
 * 31, gets #GP too; other CR4 writes work as on a CPU (TSD on, read back, off),
 * and the guest goes on after each.  guest/pkru covers a table with PKU.
 * A host without protection keys skips (make check runs this in a test
 * host with --cpu EPYC,+svm,+npt,+pku).
 */
#include <cpuid.h>

#include "kselftest_harness.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define CR4_TSD		(1ULL << 2)
#define CR4_RSVD15	(1ULL << 15)
#define CR4_PKE		(1ULL << 22)
#define CPUID7_ECX_PKU	(1u << 3)
#define CPUID7_ECX_OSPKE (1u << 4)

volatile uint64_t gp_count, ud_count;

/* Both faulting instructions below are 3 bytes long. */
void guest_gp(uint64_t *frame)
{
	gp_count++;
	frame[0] += 3;
}

void guest_ud(uint64_t *frame)
{
	ud_count++;
	frame[0] += 3;
}

GUEST_ISR(guest_isr_gp, guest_gp, 1);
GUEST_ISR(guest_isr_ud, guest_ud, 0);
extern char guest_isr_gp[], guest_isr_ud[];

static inline void write_cr4(uint64_t v)
{
	/* 0f 22 e0: mov %rax, %cr4 */
	__asm__ volatile("mov %%rax, %%cr4" : : "a"(v) : "memory");
}

static void guest_code(uint64_t high_bits_fault)
{
	uint64_t gps;
	uint64_t cr4 = guest_read_cr(4);
	uint32_t eax, edx;

	write_cr4(cr4 | CR4_PKE);
	GUEST_ASSERT_EQ(1, gp_count);
	GUEST_ASSERT_EQ(cr4, guest_read_cr(4));
	/* 0f 01 ee: rdpkru */
	__asm__ volatile(".byte 0x0f, 0x01, 0xee" : "=a"(eax), "=d"(edx) : "c"(0));
	GUEST_ASSERT_EQ(1, ud_count);

	write_cr4(cr4 | CR4_RSVD15);
	GUEST_ASSERT_EQ(2, gp_count);
	if (high_bits_fault) {
		write_cr4(cr4 | (1ULL << 32));
		GUEST_ASSERT_EQ(3, gp_count);
	}
	GUEST_ASSERT_EQ(cr4, guest_read_cr(4));
	gps = gp_count;

	write_cr4(cr4 | CR4_TSD);
	GUEST_ASSERT_EQ(cr4 | CR4_TSD, guest_read_cr(4));
	write_cr4(cr4);
	GUEST_ASSERT_EQ(cr4, guest_read_cr(4));
	GUEST_ASSERT_EQ(gps, gp_count);
	GUEST_DONE();
}

TEST(pku_hidden)
{
	struct mvm_cpuid_entry leaf7 = {
		.function = 7, .flags = MVM_CPUID_FLAG_INDEX,
	};
	unsigned int a, b, c, d;
	struct vm *vm;
	struct vcpu *vcpu;

	__cpuid_count(7, 0, a, b, c, d);
	if (!(c & CPUID7_ECX_OSPKE))
		SKIP(return, "no protection keys enabled on this host (OSPKE)");
	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, (void (*)(void))guest_code);
	/*
	 * KVM's instruction emulator (which it uses for MOV to CR4 without
	 * decode assists, as under QEMU) drops bits 63:32 of the value
	 * instead of faulting; a CPU faults.
	 */
	vcpu_args_set(vcpu, 1, (uint64_t)vm_is_mvm(vm));
	vcpu_set_idt_gate(vcpu, 13, guest_isr_gp);
	vcpu_set_idt_gate(vcpu, 6, guest_isr_ud);
	/* The host's leaf 7 without PKU (KVM needs the rest of it). */
	__cpuid_count(7, 0, leaf7.eax, leaf7.ebx, leaf7.ecx, leaf7.edx);
	leaf7.ecx &= ~(CPUID7_ECX_PKU | CPUID7_ECX_OSPKE);
	vcpu_cpuid_set(vcpu, &leaf7);

	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * A read-only slot (MVM_MEM_READONLY; KVM_MEM_READONLY on KVM, with the
 * same meaning): the guest reads the host's data there, and a write does
 * not reach the memory but exits to userspace as an MMIO write with the
 * address, size and value; the guest then goes on after the instruction
 * and still reads the host's data.
 */
#include "kselftest_harness.h"
#include "mvm_util.h"
#include "test_vm.h"

#define SLOT_GPA	(1ULL << 30)
#define PAGES		2
#define SEED		0x726f6e6cULL		/* "ronl" */

static void guest_code(uint64_t base)
{
	volatile uint64_t *p = (volatile uint64_t *)base;

	for (uint64_t i = 0; i < PAGES * 512; i++)
		GUEST_ASSERT_EQ(i ^ SEED, p[i]);
	__asm__ volatile("movq %1, (%0)" : : "r"(base + 0x10),
			 "r"(0x1122334455667788ULL) : "memory");
	__asm__ volatile("movl $0xfeedf00d, (%0)" : : "r"(base + 0x1020)
			 : "memory");
	__asm__ volatile("movb %b1, (%0)" : : "r"(base + 0x1fff), "q"(0x5a)
			 : "memory");
	GUEST_ASSERT_EQ(2 ^ SEED, p[2]);
	GUEST_ASSERT_EQ((0x1020 / 8) ^ SEED, p[0x1020 / 8]);
	GUEST_ASSERT_EQ((0x1ff8 / 8) ^ SEED, p[0x1ff8 / 8]);
	GUEST_DONE();
}

static const struct {
	uint64_t off;
	uint32_t len;
	uint64_t data;
} writes[] = {
	{ 0x10, 8, 0x1122334455667788ULL },
	{ 0x1020, 4, 0xfeedf00d },
	{ 0x1fff, 1, 0x5a },
};

TEST(readonly_slot)
{
	struct vm *vm;
	struct vcpu *vcpu;
	struct vcpu_exit *x;
	uint64_t *mem, d;
	unsigned long long bad = 0;

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, (void (*)(void))guest_code);
	for (int i = 0; i < PAGES; i++)
		vm_map(vm, SLOT_GPA + i * MVM_PAGE, SLOT_GPA + i * MVM_PAGE);
	vcpu_args_set(vcpu, 1, SLOT_GPA);

	mem = mvm_mmap_anon(PAGES * MVM_PAGE);
	ASSERT_NE(NULL, mem);
	for (uint64_t i = 0; i < PAGES * 512; i++)
		mem[i] = i ^ SEED;
	ASSERT_EQ(0, vm_set_region(vm, 1, SLOT_GPA, PAGES * MVM_PAGE, mem,
				   VM_MEM_READONLY));

	x = &vcpu->exit;
	for (unsigned int i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		ASSERT_EXIT(vcpu, VCPU_EXIT_MMIO);
		ASSERT_TRUE(x->mmio.is_write);
		ASSERT_EQ(SLOT_GPA + writes[i].off, x->mmio.gpa);
		ASSERT_EQ(writes[i].len, x->mmio.len)
			TH_LOG("write %u: access not decoded", i);
		d = 0;
		memcpy(&d, x->mmio.data, x->mmio.len);
		ASSERT_EQ(writes[i].data, d);
	}
	ASSERT_DONE(vcpu);
	for (uint64_t i = 0; i < PAGES * 512; i++)
		bad += mem[i] != (i ^ SEED);
	ASSERT_EQ(0ULL, bad) TH_LOG("%llu words of the read-only slot changed",
				 (unsigned long long)bad);
	vm_free(vm);
	munmap(mem, PAGES * MVM_PAGE);
}

TEST_HARNESS_MAIN

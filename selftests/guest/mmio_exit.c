// SPDX-License-Identifier: GPL-2.0
/*
 * An access to a guest-physical address in no memory slot exits to
 * userspace as MMIO: writes of 1, 2, 4 and 8 bytes (register and immediate
 * sources) arrive with the right address, length and data; reads of each
 * size return what the host supplies, a 1-byte read leaving the rest of
 * the register alone and MOVZX zero-extending.
 */
#include "kselftest_harness.h"
#include "test_vm.h"

#define MMIO_GPA	0xc0000000ULL	/* far above slot 0 */

/* Fixed instruction forms: what compilers emit for device registers. */
static void guest_code(void)
{
	volatile uint8_t *p = (volatile uint8_t *)MMIO_GPA;
	uint64_t v;

	__asm__ volatile("movb %b1, (%0)" : : "r"(p), "q"(0x12) : "memory");
	__asm__ volatile("movw %w1, (%0)" : : "r"(p + 0x10), "r"(0x3456) : "memory");
	__asm__ volatile("movl %k1, (%0)" : : "r"(p + 0x20), "r"(0x789abcde) : "memory");
	__asm__ volatile("movq %1, (%0)" : : "r"(p + 0x30),
			 "r"(0x0123456789abcdefULL) : "memory");
	__asm__ volatile("movl $0xfeedf00d, (%0)" : : "r"(p + 0x40) : "memory");

	v = 0x1111111111111111ULL;
	__asm__ volatile("movb (%1), %b0" : "+q"(v) : "r"(p + 0x100) : "memory");
	GUEST_ASSERT_EQ(0x11111111111111a1ULL, v);
	__asm__ volatile("movw (%1), %w0" : "+r"(v) : "r"(p + 0x110) : "memory");
	GUEST_ASSERT_EQ(0x111111111111b2b2ULL, v);
	__asm__ volatile("movl (%1), %k0" : "+r"(v) : "r"(p + 0x120) : "memory");
	GUEST_ASSERT_EQ(0xc3c3c3c3ULL, v);
	__asm__ volatile("movq (%1), %0" : "=r"(v) : "r"(p + 0x130) : "memory");
	GUEST_ASSERT_EQ(0xd4d4d4d4d4d4d4d4ULL, v);
	v = ~0ULL;
	__asm__ volatile("movzbl (%1), %k0" : "+r"(v) : "r"(p + 0x140) : "memory");
	GUEST_ASSERT_EQ(0xe5ULL, v);
	GUEST_DONE();
}

struct access {
	uint64_t off;
	uint32_t len;
	uint64_t data;
};

static const struct access writes[] = {
	{ 0x00, 1, 0x12 }, { 0x10, 2, 0x3456 }, { 0x20, 4, 0x789abcde },
	{ 0x30, 8, 0x0123456789abcdefULL }, { 0x40, 4, 0xfeedf00d },
};

static const struct access reads[] = {
	{ 0x100, 1, 0xa1 }, { 0x110, 2, 0xb2b2 }, { 0x120, 4, 0xc3c3c3c3 },
	{ 0x130, 8, 0xd4d4d4d4d4d4d4d4ULL }, { 0x140, 1, 0xe5 },
};

TEST(mmio_exit)
{
	struct vm *vm;
	struct vcpu *vcpu;
	struct vcpu_exit *x;
	uint64_t d;

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, guest_code);
	vm_map(vm, MMIO_GPA, MMIO_GPA);
	x = &vcpu->exit;

	for (unsigned int i = 0; i < 5; i++) {
		ASSERT_EXIT(vcpu, VCPU_EXIT_MMIO);
		ASSERT_TRUE(x->mmio.is_write);
		ASSERT_EQ(MMIO_GPA + writes[i].off, x->mmio.gpa);
		ASSERT_EQ(writes[i].len, x->mmio.len)
			TH_LOG("write %u: access not decoded", i);
		d = 0;
		memcpy(&d, x->mmio.data, x->mmio.len);
		ASSERT_EQ(writes[i].data, d);
	}
	for (unsigned int i = 0; i < 5; i++) {
		ASSERT_EXIT(vcpu, VCPU_EXIT_MMIO);
		ASSERT_FALSE(x->mmio.is_write);
		ASSERT_EQ(MMIO_GPA + reads[i].off, x->mmio.gpa);
		ASSERT_EQ(reads[i].len, x->mmio.len)
			TH_LOG("read %u: access not decoded", i);
		memcpy(x->mmio.data, &reads[i].data, x->mmio.len);
	}
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

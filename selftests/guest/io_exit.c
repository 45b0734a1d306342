// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O exits: OUT and IN of 1, 2 and 4 bytes reach userspace with the
 * port, size, direction, count 1 and the data.  OUT values the guest writes
 * arrive intact; IN values the host supplies arrive intact in the guest
 * (and an IN of 1 or 2 bytes leaves the rest of RAX alone).
 */
#include "kselftest_harness.h"
#include "test_vm.h"

#define PORT_OUT	0x80
#define PORT_IN		0x3f8

static const uint32_t vals[] = { 0xa5, 0xbeef, 0xdeadbeef };

static void guest_code(void)
{
	uint64_t rax;

	outb(PORT_OUT, 0xa5);
	outw(PORT_OUT + 2, 0xbeef);
	outl(PORT_OUT + 4, 0xdeadbeef);

	GUEST_ASSERT_EQ(0x5a, inb(PORT_IN));
	GUEST_ASSERT_EQ(0xcafe, inw(PORT_IN + 2));
	GUEST_ASSERT_EQ(0x12345678, inl(PORT_IN + 4));

	/* An 8-bit IN writes AL only. */
	rax = 0x1111111111111111ULL;
	__asm__ volatile("inb %%dx, %%al" : "+a"(rax) : "d"(PORT_IN));
	GUEST_ASSERT_EQ(0x11111111111111c3ULL, rax);
	GUEST_DONE();
}

TEST(io_exit)
{
	static const uint32_t in_vals[] = { 0x5a, 0xcafe, 0x12345678 };
	struct vm *vm;
	struct vcpu *vcpu;
	struct vcpu_exit *x;
	uint32_t v;

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, guest_code);
	x = &vcpu->exit;

	for (int i = 0; i < 3; i++) {
		ASSERT_EXIT(vcpu, VCPU_EXIT_IO);
		ASSERT_TRUE(x->io.out);
		ASSERT_EQ(PORT_OUT + 2 * i, x->io.port);
		ASSERT_EQ(1 << i, x->io.size);
		ASSERT_EQ(1u, x->io.count);
		v = 0;
		memcpy(&v, x->io.data, x->io.size);
		ASSERT_EQ(vals[i], v);
	}
	for (int i = 0; i < 3; i++) {
		ASSERT_EXIT(vcpu, VCPU_EXIT_IO);
		ASSERT_FALSE(x->io.out);
		ASSERT_EQ(PORT_IN + 2 * i, x->io.port);
		ASSERT_EQ(1 << i, x->io.size);
		ASSERT_EQ(1u, x->io.count);
		memcpy(x->io.data, &in_vals[i], x->io.size);
	}
	ASSERT_EXIT(vcpu, VCPU_EXIT_IO);
	ASSERT_EQ(PORT_IN, x->io.port);
	ASSERT_EQ(1, x->io.size);
	*(uint8_t *)x->io.data = 0xc3;
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

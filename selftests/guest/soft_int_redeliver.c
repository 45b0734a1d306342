// SPDX-License-Identifier: GPL-2.0
/*
 * An INT3 or INT n whose delivery an exit interrupts still returns to the
 * instruction after it.  The guest switches to a stack page the host has
 * just dropped (madvise(MADV_DONTNEED): its stage-2 entry is gone), so
 * pushing the interrupt frame takes a nested page fault in the middle of
 * the delivery; the handler records the return address the frame holds.
 * It must be the address right after the INT3 / INT 0x40, each handler
 * must run exactly once per instruction, and the guest goes on.
 *
 * A hypervisor that injects the interrupted event again as it stood
 * (EXITINTINFO into EVENTINJ) pushes the address of the instruction
 * itself: the guest's handler then sees a return address one or two bytes
 * short (a Linux guest patching code with INT3 oopses on it: "int3" at the
 * patched site).
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define STACK_GVA	0x40000000ULL
#define ROUNDS		20
#define SOFT_VECTOR	0x40

volatile uint64_t bp_rip, bp_count, sw_rip, sw_count;
extern char int3_next[], intn_next[];

void guest_bp(uint64_t *frame)
{
	bp_rip = frame[0];
	bp_count++;
}

void guest_sw(uint64_t *frame)
{
	sw_rip = frame[0];
	sw_count++;
}

GUEST_ISR(guest_isr_bp, guest_bp, 0);
GUEST_ISR(guest_isr_sw, guest_sw, 0);
extern char guest_isr_bp[], guest_isr_sw[];

/* On the stack page at @top; RBX keeps the old stack. */
static void __attribute__((noinline)) int3_on(uint64_t top)
{
	__asm__ volatile("mov %%rsp, %%rbx\n\t"
			 "mov %0, %%rsp\n\t"
			 "int3\n"
			 "int3_next:\n\t"
			 "mov %%rbx, %%rsp"
			 : : "r"(top) : "rbx", "memory");
}

static void __attribute__((noinline)) intn_on(uint64_t top)
{
	__asm__ volatile("mov %%rsp, %%rbx\n\t"
			 "mov %0, %%rsp\n\t"
			 "int $" "0x40" "\n"
			 "intn_next:\n\t"
			 "mov %%rbx, %%rsp"
			 : : "r"(top) : "rbx", "memory");
}

static void guest_code(void)
{
	uint64_t top = STACK_GVA + 4096;

	for (uint64_t i = 1; i <= ROUNDS; i++) {
		GUEST_SYNC(1);		/* the host drops the stack page */
		int3_on(top);
		GUEST_ASSERT_EQ((uint64_t)int3_next, bp_rip);
		GUEST_ASSERT_EQ(i, bp_count);
		GUEST_SYNC(1);
		intn_on(top);
		GUEST_ASSERT_EQ((uint64_t)intn_next, sw_rip);
		GUEST_ASSERT_EQ(i, sw_count);
	}
	GUEST_DONE();
}

TEST(soft_int_redeliver)
{
	struct vm *vm;
	struct vcpu *vcpu;
	uint64_t gpa;
	void *page;

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, guest_code);
	vcpu_set_idt_gate(vcpu, 3, guest_isr_bp);
	vcpu_set_idt_gate(vcpu, SOFT_VECTOR, guest_isr_sw);
	gpa = vm_alloc_pages(vm, 1);
	vm_map(vm, STACK_GVA, gpa);
	page = vm_gpa_hva(vm, gpa);

	for (int i = 0; i < 2 * ROUNDS; i++) {
		ASSERT_SYNC(vcpu, 1);
		ASSERT_EQ(0, madvise(page, 4096, MADV_DONTNEED));
	}
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

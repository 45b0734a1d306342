// SPDX-License-Identifier: GPL-2.0
/*
 * MVM_GET/SET_VCPU_EVENTS (mvm only: KVM's struct and rules differ).
 * What GET returns, SET takes back unchanged; a queued interrupt set by
 * SET reaches the guest; SET refuses flags, reserved and padding words,
 * booleans other than 0/1 and two events in delivery with EINVAL, and
 * changes nothing then.  The STI interrupt shadow shows at an exit on the
 * instruction after STI (an MMIO read: RIP still on it), and no longer
 * once that instruction has completed (an OUT: RIP past it).
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define VEC		0x41
#define MMIO_GPA	0xc0000000ULL
#define PORT		0x82

volatile uint64_t irq_vec;

void guest_irq(uint64_t *frame)
{
	irq_vec = VEC;
}

GUEST_ISR(guest_isr, guest_irq, 0);
extern char guest_isr[], guest_sti_out[];

static void guest_code(void)
{
	uint32_t v;

	GUEST_SYNC(1);				/* IF=0 */
	__asm__ volatile("sti; nop; cli" : : : "memory");
	GUEST_ASSERT_EQ(VEC, irq_vec);
	/* An exit on the instruction in the STI shadow, then past one. */
	__asm__ volatile("sti; movl (%1), %0; cli"
			 : "=r"(v) : "r"(MMIO_GPA) : "memory");
	__asm__ volatile("sti\n\t"
			 "outb %%al, %0\n\t"
			 "guest_sti_out: cli" : : "i"(PORT) : "memory");
	GUEST_DONE();
}

static int set_events(struct vcpu *vcpu, struct mvm_vcpu_events *ev)
{
	return ioctl(vcpu->fd, MVM_SET_VCPU_EVENTS, ev) ? errno : 0;
}

static void get_events(struct vcpu *vcpu, struct mvm_vcpu_events *ev)
{
	TEST_REQUIRE(!ioctl(vcpu->fd, MVM_GET_VCPU_EVENTS, ev),
		     "MVM_GET_VCPU_EVENTS: %s", strerror(errno));
}

TEST(events)
{
	struct mvm_vcpu_events ev, orig, back, bad;
	struct mvm_regs r;
	struct vm *vm;
	struct vcpu *vcpu;

	VM_CREATE_OR_SKIP(vm, vcpu);
	if (!vm_is_mvm(vm))
		SKIP(vm_free(vm); return, "struct mvm_vcpu_events is mvm's");
	vcpu_setup_long(vcpu, guest_code);
	vcpu_set_idt_gate(vcpu, VEC, guest_isr);
	vm_map(vm, MMIO_GPA, MMIO_GPA);
	ASSERT_SYNC(vcpu, 1);

	/* Round trip, with an interrupt queued behind IF=0. */
	ASSERT_EQ(0, vcpu_interrupt(vcpu, VEC - 1));
	get_events(vcpu, &orig);
	ASSERT_EQ(1, orig.interrupt.queued);
	ASSERT_EQ(VEC - 1, orig.interrupt.vector);
	ASSERT_EQ(0, orig.exception.injected | orig.interrupt.injected |
		     orig.nmi.injected | orig.nmi.pending | orig.nmi.masked |
		     orig.interrupt.shadow);
	ASSERT_EQ(0, set_events(vcpu, &orig));
	get_events(vcpu, &back);
	ASSERT_EQ(0, memcmp(&orig, &back, sizeof(orig)));

	/* Each refused SET. */
#define BAD(field, val) do {						\
	bad = orig;							\
	bad.field = (val);						\
	ASSERT_EQ(EINVAL, set_events(vcpu, &bad)) TH_LOG(#field);	\
} while (0)
	BAD(flags, 2);
	/* The latched INIT/SIPI belong to an APIC: this VM has none. */
	BAD(flags, MVM_VCPU_EVENTS_LATCHED);
	BAD(latched.padding, 1);
	BAD(reserved[0], 1);
	BAD(reserved[7], 1);
	BAD(exception.padding, 1);
	BAD(interrupt.padding[2], 1);
	BAD(nmi.padding[4], 1);
	BAD(exception.injected, 2);
	BAD(interrupt.queued, 2);
	BAD(interrupt.shadow, 2);
	BAD(nmi.masked, 2);
	bad = orig;
	bad.exception.injected = 1;
	bad.exception.vector = 6;
	bad.nmi.injected = 1;
	ASSERT_EQ(EINVAL, set_events(vcpu, &bad));
	bad = orig;
	bad.interrupt.injected = 1;
	bad.interrupt.injected_vector = VEC;
	bad.nmi.injected = 1;
	ASSERT_EQ(EINVAL, set_events(vcpu, &bad));
	get_events(vcpu, &back);
	ASSERT_EQ(0, memcmp(&orig, &back, sizeof(orig)));

	/* SET replaces the queued interrupt: VEC arrives, not VEC - 1. */
	ev = orig;
	ev.interrupt.vector = VEC;
	ASSERT_EQ(0, set_events(vcpu, &ev));
	get_events(vcpu, &back);
	ASSERT_EQ(VEC, back.interrupt.vector);

	ASSERT_EXIT(vcpu, VCPU_EXIT_MMIO);
	get_events(vcpu, &ev);
	ASSERT_EQ(1, ev.interrupt.shadow);
	ASSERT_TRUE(vcpu_if_flag(vcpu));
	ASSERT_FALSE(vcpu_ready_for_interrupt(vcpu));
	memset(vcpu->exit.mmio.data, 0, 4);

	ASSERT_EXIT(vcpu, VCPU_EXIT_IO);
	ASSERT_EQ(PORT, vcpu->exit.io.port);
	vcpu_get_regs(vcpu, &r);
	ASSERT_EQ((uint64_t)guest_sti_out, r.rip);
	get_events(vcpu, &ev);
	ASSERT_EQ(0, ev.interrupt.shadow)
		TH_LOG("RIP is past the OUT, yet the STI shadow is still set");
	ASSERT_TRUE(vcpu_ready_for_interrupt(vcpu));
	ASSERT_DONE(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

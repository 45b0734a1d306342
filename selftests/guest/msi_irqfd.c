// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts from userspace devices through the in-kernel APIC.  An MSI
 * sent with MVM_SIGNAL_MSI reaches the guest's handler of its vector; an
 * irqfd signalled by another host thread wakes the halted guest with no
 * exit to userspace in between; the EOI of a level-triggered MSI exits
 * (MVM_EXIT_EOI) with its vector, an edge one's does not; after DEASSIGN
 * the eventfd delivers nothing and nobody consumes its count.
 * On KVM: the split irqchip, KVM_SIGNAL_MSI, KVM_IRQFD, KVM_EXIT_IOAPIC_EOI.
 */
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest_apic.h"
#include "irqchip.h"
#include "test_vm.h"

#define VEC_MSI		0x41
#define VEC_IRQFD	0x52
#define VEC_LEVEL	0x63

static void guest_code(void)
{
	volatile uint32_t *cnt = guest_apic_count[0];

	x2apic_enable();
	GUEST_SYNC(1);
	guest_halt_until(&cnt[VEC_MSI], 1);
	GUEST_ASSERT_EQ(0, cnt[VEC_IRQFD] + cnt[VEC_LEVEL]);
	GUEST_SYNC(2);
	guest_halt_until(&cnt[VEC_IRQFD], 1);
	GUEST_SYNC(3);
	guest_halt_until(&cnt[VEC_LEVEL], 1);
	/* The handler's EOI took it out of service. */
	GUEST_ASSERT_EQ(0, x2apic_vec_bit(X2APIC_ISR0, VEC_LEVEL));
	GUEST_SYNC(4);
	/* The MSI sent after the deassigned eventfd's write. */
	guest_halt_until(&cnt[VEC_MSI], 2);
	GUEST_ASSERT_EQ(1, cnt[VEC_IRQFD]);
	GUEST_ASSERT_EQ(1, cnt[VEC_LEVEL]);
	GUEST_DONE();
}

static void *write_later(void *arg)
{
	uint64_t one = 1;

	usleep(20 * 1000);	/* likely while halted; before works the same */
	if (write(*(int *)arg, &one, sizeof(one)) != sizeof(one))
		return (void *)1;
	return NULL;
}

TEST(msi_irqfd)
{
	const char *why = NULL;
	struct vm *vm;
	struct vcpu *vcpu;
	pthread_t t;
	uint64_t v;
	void *tret;
	int efd;

	vm = vm_create_irqchip(&vcpu, &why);
	if (!vm)
		SKIP(return, "%s", why);
	TH_LOG("hypervisor: %s", vm_hv_name(vm));
	vcpu_setup_long(vcpu, guest_code);
	vcpu_apic_handlers(vcpu);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, efd);

	/* An MSI from userspace, to APIC 0. */
	ASSERT_SYNC(vcpu, 1);
	ASSERT_EQ(1, vm_signal_msi(vm, MSI_ADDR(0), VEC_MSI));

	/* An irqfd from another thread: no exit until the guest's ucall. */
	ASSERT_SYNC(vcpu, 2);
	ASSERT_EQ(0, vm_irqfd(vm, efd, MSI_ADDR(0), VEC_IRQFD));
	ASSERT_EQ(0, pthread_create(&t, NULL, write_later, &efd));
	ASSERT_SYNC(vcpu, 3);
	pthread_join(t, &tret);
	ASSERT_EQ(NULL, tret);

	/* A level MSI: the guest's EOI comes out with its vector. */
	ASSERT_EQ(1, vm_signal_msi(vm, MSI_ADDR(0),
				   VEC_LEVEL | MSI_DATA_LEVEL | MSI_DATA_ASSERT));
	ASSERT_EXIT(vcpu, VCPU_EXIT_EOI);
	ASSERT_EQ(VEC_LEVEL, (int)vcpu->exit.eoi.vector);
	ASSERT_SYNC(vcpu, 4);

	/* Deassigned: the write stays in the eventfd, nothing is delivered. */
	while (read(efd, &v, sizeof(v)) == sizeof(v))
		;
	ASSERT_EQ(0, vm_irqfd_deassign(vm, efd));
	v = 1;
	ASSERT_EQ((ssize_t)sizeof(v), write(efd, &v, sizeof(v)));
	ASSERT_EQ(1, vm_signal_msi(vm, MSI_ADDR(0), VEC_MSI));
	ASSERT_DONE(vcpu);
	v = 0;
	ASSERT_EQ((ssize_t)sizeof(v), read(efd, &v, sizeof(v)));
	ASSERT_EQ(1ULL, (unsigned long long)v);
	close(efd);
	vm_free(vm);
}

TEST_HARNESS_MAIN

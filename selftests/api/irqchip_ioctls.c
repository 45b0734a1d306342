// SPDX-License-Identifier: GPL-2.0
/*
 * Every check and errno that uapi/linux/mvm.h promises for the irqchip
 * ioctls: MVM_CREATE_IRQCHIP (EEXIST twice, EBUSY after a vCPU),
 * MVM_SIGNAL_MSI and MVM_IRQFD (ENXIO without the irqchip, EINVAL for a
 * bad message, flags or reserved words, EFAULT for a bad pointer, EEXIST
 * for an fd that has an irqfd, ENOSPC past MVM_CAP_MAX_IRQFDS, an error for a
 * non-eventfd and for deassigning what is not there), the MP state
 * (unknown states and padding), the LAPIC state (ENXIO without irqchip),
 * MVM_INTERRUPT (ENXIO with the irqchip).  A module without
 * MVM_CAP_IRQCHIP skips.
 */
#include <sys/eventfd.h>

#include "kselftest_harness.h"
#include "mvm_util.h"

#define BAD_PTR		((void *)8)	/* never mapped */

FIXTURE(chip) {
	int dev, vm, vcpu;
};

FIXTURE_SETUP(chip)
{
	self->dev = self->vm = self->vcpu = -1;
}

FIXTURE_TEARDOWN(chip)
{
	if (self->vcpu >= 0)
		close(self->vcpu);
	if (self->vm >= 0)
		close(self->vm);
	if (self->dev >= 0)
		close(self->dev);
}

/* The device and a VM, or skip without the irqchip. */
#define CHIP_OR_SKIP() do {						\
	MVM_OPEN_OR_SKIP(self->dev);					\
	if (mvm_cap(self->dev, MVM_CAP_IRQCHIP) <= 0)			\
		SKIP(return, "no MVM_CAP_IRQCHIP");			\
	self->vm = mvm_create_vm(self->dev);				\
	ASSERT_LE(0, self->vm);						\
} while (0)

/* ... with the irqchip and vCPU 0. */
#define CHIP_VCPU_OR_SKIP() do {					\
	CHIP_OR_SKIP();							\
	ASSERT_EQ(0, mvm_err(ioctl(self->vm, MVM_CREATE_IRQCHIP, 0UL)));	\
	self->vcpu = mvm_create_vcpu(self->vm, 0);			\
	ASSERT_LE(0, self->vcpu);					\
} while (0)

static struct mvm_msi msi_to(__u32 dest, __u32 data)
{
	return (struct mvm_msi){ .address = 0xfee00000ULL | dest << 12,
				 .data = data };
}

TEST_F(chip, create_irqchip)
{
	int vm2, v;

	CHIP_OR_SKIP();
	ASSERT_EQ(0, mvm_err(ioctl(self->vm, MVM_CREATE_IRQCHIP, 0UL)));
	ASSERT_EQ(EEXIST, mvm_err(ioctl(self->vm, MVM_CREATE_IRQCHIP, 0UL)));

	/* Too late once a vCPU exists. */
	vm2 = mvm_create_vm(self->dev);
	ASSERT_LE(0, vm2);
	v = mvm_create_vcpu(vm2, 0);
	ASSERT_LE(0, v);
	ASSERT_EQ(EBUSY, mvm_err(ioctl(vm2, MVM_CREATE_IRQCHIP, 0UL)));
	close(v);
	close(vm2);
}

TEST_F(chip, caps)
{
	CHIP_OR_SKIP();
	ASSERT_LT(0, mvm_cap(self->dev, MVM_CAP_IRQCHIP));
	if (mvm_cap(self->dev, MVM_CAP_KVMCLOCK) > 0)
		ASSERT_LT(0, mvm_cap(self->dev, MVM_CAP_TSC_KHZ));
}

TEST_F(chip, no_irqchip_enxio)
{
	struct mvm_irqfd f = { .msi = msi_to(0, 0x40) };
	struct mvm_msi m = msi_to(0, 0x40);
	struct mvm_lapic_state s = {};
	int efd;

	CHIP_OR_SKIP();
	self->vcpu = mvm_create_vcpu(self->vm, 0);
	ASSERT_LE(0, self->vcpu);
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	f.fd = efd;
	ASSERT_EQ(ENXIO, mvm_err(ioctl(self->vm, MVM_SIGNAL_MSI, &m)));
	ASSERT_EQ(ENXIO, mvm_err(ioctl(self->vm, MVM_IRQFD, &f)));
	ASSERT_EQ(ENXIO, mvm_err(ioctl(self->vcpu, MVM_GET_LAPIC, &s)));
	ASSERT_EQ(ENXIO, mvm_err(ioctl(self->vcpu, MVM_SET_LAPIC, &s)));
	close(efd);
}

TEST_F(chip, interrupt_enxio_with_irqchip)
{
	struct mvm_interrupt irq = { .vector = 0x40 };

	CHIP_VCPU_OR_SKIP();
	ASSERT_EQ(ENXIO, mvm_err(ioctl(self->vcpu, MVM_INTERRUPT, &irq)));
}

TEST_F(chip, signal_msi)
{
	struct mvm_msi m;

	CHIP_VCPU_OR_SKIP();
	m = msi_to(0, 0x40);
	ASSERT_EQ(1, ioctl(self->vm, MVM_SIGNAL_MSI, &m));
	/* No APIC with ID 0x7f: taken by none. */
	m = msi_to(0x7f, 0x40);
	ASSERT_EQ(0, ioctl(self->vm, MVM_SIGNAL_MSI, &m));

	m = msi_to(0, 0x40);
	m.flags = 1;
	ASSERT_EQ(EINVAL, mvm_err(ioctl(self->vm, MVM_SIGNAL_MSI, &m)));
	m = msi_to(0, 0x40);
	m.reserved[1] = 1;
	ASSERT_EQ(EINVAL, mvm_err(ioctl(self->vm, MVM_SIGNAL_MSI, &m)));
	/* Not an interrupt message: the address is not 0xfeeXXXXX. */
	m = msi_to(0, 0x40);
	m.address = 0xfed00000;
	ASSERT_EQ(EINVAL, mvm_err(ioctl(self->vm, MVM_SIGNAL_MSI, &m)));
	/* Delivery modes other than fixed, lowest priority, NMI, INIT. */
	m = msi_to(0, 0x40 | 3 << 8);
	ASSERT_EQ(EINVAL, mvm_err(ioctl(self->vm, MVM_SIGNAL_MSI, &m)));
	m = msi_to(0, 0x40 | 7 << 8);
	ASSERT_EQ(EINVAL, mvm_err(ioctl(self->vm, MVM_SIGNAL_MSI, &m)));
	ASSERT_EQ(EFAULT, mvm_err(ioctl(self->vm, MVM_SIGNAL_MSI, BAD_PTR)));
}

TEST_F(chip, irqfd)
{
	struct mvm_irqfd f = { .msi = msi_to(0, 0x40) };
	int efd, pfd[2], r;

	CHIP_VCPU_OR_SKIP();
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);

	f.fd = -1;
	ASSERT_EQ(EBADF, mvm_err(ioctl(self->vm, MVM_IRQFD, &f)));
	ASSERT_EQ(0, pipe(pfd));
	f.fd = pfd[0];
	r = mvm_err(ioctl(self->vm, MVM_IRQFD, &f));
	ASSERT_TRUE(r == EBADF || r == EINVAL) TH_LOG("a pipe: %s", strerror(r));

	f.fd = efd;
	f.flags = 2;
	ASSERT_EQ(EINVAL, mvm_err(ioctl(self->vm, MVM_IRQFD, &f)));
	f.flags = 0;
	f.msi.flags = 1;
	ASSERT_EQ(EINVAL, mvm_err(ioctl(self->vm, MVM_IRQFD, &f)));
	f.msi = msi_to(0, 0x40);
	f.msi.reserved[0] = 1;
	ASSERT_EQ(EINVAL, mvm_err(ioctl(self->vm, MVM_IRQFD, &f)));
	f.msi = msi_to(0, 0x40);
	f.msi.address = 0x1000;
	ASSERT_EQ(EINVAL, mvm_err(ioctl(self->vm, MVM_IRQFD, &f)));
	ASSERT_EQ(EFAULT, mvm_err(ioctl(self->vm, MVM_IRQFD, BAD_PTR)));

	/* Deassigning one that is not there. */
	f.msi = msi_to(0, 0x40);
	f.flags = MVM_IRQFD_DEASSIGN;
	r = mvm_err(ioctl(self->vm, MVM_IRQFD, &f));
	ASSERT_TRUE(r == ENOENT || r == EINVAL) TH_LOG("%s", strerror(r));

	f.flags = 0;
	ASSERT_EQ(0, mvm_err(ioctl(self->vm, MVM_IRQFD, &f)));
	ASSERT_EQ(EEXIST, mvm_err(ioctl(self->vm, MVM_IRQFD, &f)));
	f.flags = MVM_IRQFD_DEASSIGN;
	ASSERT_EQ(0, mvm_err(ioctl(self->vm, MVM_IRQFD, &f)));
	r = mvm_err(ioctl(self->vm, MVM_IRQFD, &f));
	ASSERT_TRUE(r == ENOENT || r == EINVAL) TH_LOG("%s", strerror(r));
	/* Free again after the deassign. */
	f.flags = 0;
	ASSERT_EQ(0, mvm_err(ioctl(self->vm, MVM_IRQFD, &f)));
	close(pfd[0]);
	close(pfd[1]);
	close(efd);
}

TEST_F(chip, irqfd_limit)
{
	struct mvm_irqfd f = { .msi = msi_to(0, 0x40) };
	int fds[1024], max;

	CHIP_VCPU_OR_SKIP();
	max = ioctl(self->dev, MVM_CHECK_EXTENSION, MVM_CAP_MAX_IRQFDS);
	ASSERT_LT(0, max);
	ASSERT_GT(1024, max) TH_LOG("the test has room for fewer irqfds");
	for (int i = 0; i <= max; i++) {
		fds[i] = eventfd(0, EFD_CLOEXEC);
		ASSERT_LE(0, fds[i]);
	}
	for (int i = 0; i < max; i++) {
		f.fd = fds[i];
		ASSERT_EQ(0, mvm_err(ioctl(self->vm, MVM_IRQFD, &f)))
			TH_LOG("irqfd %d", i);
	}
	f.fd = fds[max];
	ASSERT_EQ(ENOSPC, mvm_err(ioctl(self->vm, MVM_IRQFD, &f)));
	/* Closed while assigned: the VM (teardown) still frees the irqfds. */
	for (int i = 0; i <= max; i++)
		close(fds[i]);
}

TEST_F(chip, mp_state)
{
	struct mvm_mp_state mp = {};
	int ap;

	CHIP_VCPU_OR_SKIP();
	ap = mvm_create_vcpu(self->vm, 1);
	ASSERT_LE(0, ap);
	ASSERT_EQ(0, mvm_err(ioctl(self->vcpu, MVM_GET_MP_STATE, &mp)));
	ASSERT_EQ((__u32)MVM_MP_STATE_RUNNABLE, mp.state);
	ASSERT_EQ(0, mvm_err(ioctl(ap, MVM_GET_MP_STATE, &mp)));
	ASSERT_EQ((__u32)MVM_MP_STATE_INIT_RECEIVED, mp.state);

	for (__u32 st = 0; st <= MVM_MP_STATE_INIT_RECEIVED; st++) {
		mp = (struct mvm_mp_state){ .state = st };
		ASSERT_EQ(0, mvm_err(ioctl(ap, MVM_SET_MP_STATE, &mp)));
		mp.state = ~0U;
		ASSERT_EQ(0, mvm_err(ioctl(ap, MVM_GET_MP_STATE, &mp)));
		ASSERT_EQ(st, mp.state);
	}
	mp = (struct mvm_mp_state){ .state = MVM_MP_STATE_INIT_RECEIVED + 1 };
	ASSERT_EQ(EINVAL, mvm_err(ioctl(ap, MVM_SET_MP_STATE, &mp)));
	mp.state = ~0U;
	ASSERT_EQ(EINVAL, mvm_err(ioctl(ap, MVM_SET_MP_STATE, &mp)));
	mp = (struct mvm_mp_state){ .flags = 1 };
	ASSERT_EQ(EINVAL, mvm_err(ioctl(ap, MVM_SET_MP_STATE, &mp)));
	ASSERT_EQ(EFAULT, mvm_err(ioctl(ap, MVM_SET_MP_STATE, BAD_PTR)));
	ASSERT_EQ(EFAULT, mvm_err(ioctl(ap, MVM_GET_MP_STATE, BAD_PTR)));
	/* The refused calls changed nothing. */
	ASSERT_EQ(0, mvm_err(ioctl(ap, MVM_GET_MP_STATE, &mp)));
	ASSERT_EQ((__u32)MVM_MP_STATE_INIT_RECEIVED, mp.state);
	close(ap);
}

TEST_F(chip, lapic_state)
{
	struct mvm_lapic_state s;

	CHIP_VCPU_OR_SKIP();
	ASSERT_EQ(0, mvm_err(ioctl(self->vcpu, MVM_GET_LAPIC, &s)));
	ASSERT_EQ(0, mvm_err(ioctl(self->vcpu, MVM_SET_LAPIC, &s)));
	ASSERT_EQ(EFAULT, mvm_err(ioctl(self->vcpu, MVM_GET_LAPIC, BAD_PTR)));
	ASSERT_EQ(EFAULT, mvm_err(ioctl(self->vcpu, MVM_SET_LAPIC, BAD_PTR)));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * The module's limits are told by MVM_CHECK_EXTENSION, not fixed in the
 * ABI's header, and each is the one it keeps: exactly that many
 * ioeventfds per VM (ENOSPC past it, room again after a DEASSIGN), CPUID
 * entries and MSR entries per call (EINVAL past it).  The irqfds' limit
 * is kept the same way (api/irqchip_ioctls, irqfd_limit).
 */
#include <stdlib.h>
#include <sys/eventfd.h>

#include "kselftest_harness.h"
#include "mvm_util.h"

#define MSR_IA32_TSC	0x10

FIXTURE(lim) {
	int dev, vm, vcpu;
};

FIXTURE_SETUP(lim)
{
	self->vm = self->vcpu = -1;
	MVM_OPEN_OR_SKIP(self->dev);
	self->vm = mvm_create_vm(self->dev);
	ASSERT_LE(0, self->vm);
	self->vcpu = mvm_create_vcpu(self->vm, 0);
	ASSERT_LE(0, self->vcpu);
}

FIXTURE_TEARDOWN(lim)
{
	if (self->vcpu >= 0)
		close(self->vcpu);
	if (self->vm >= 0)
		close(self->vm);
	close(self->dev);
}

TEST_F(lim, told)
{
	EXPECT_LT(0, mvm_cap(self->dev, MVM_CAP_MAX_IOEVENTFDS));
	EXPECT_LT(0, mvm_cap(self->dev, MVM_CAP_MAX_CPUID_ENTRIES));
	EXPECT_LT(0, mvm_cap(self->dev, MVM_CAP_MAX_MSR_ENTRIES));
	/* irqfds come with the irqchip: none without it. */
	EXPECT_EQ(mvm_cap(self->dev, MVM_CAP_IRQCHIP) > 0,
		  mvm_cap(self->dev, MVM_CAP_MAX_IRQFDS) > 0);
}

TEST_F(lim, ioeventfds)
{
	long max = mvm_cap(self->dev, MVM_CAP_MAX_IOEVENTFDS);
	struct mvm_ioeventfd a = { .len = 1, .flags = MVM_IOEVENTFD_PIO };
	long i;

	ASSERT_LT(0, max);
	ASSERT_GE(0x8000, max) TH_LOG("more than the ports this test uses");
	a.fd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, a.fd);
	/* One eventfd on many ports: each port is an ioeventfd of its own. */
	for (i = 0; i < max; i++) {
		a.addr = 0x8000 + i;
		ASSERT_EQ(0, mvm_err(ioctl(self->vm, MVM_IOEVENTFD, &a)))
			TH_LOG("ioeventfd %ld", i);
	}
	a.addr = 0x8000 + max;
	EXPECT_EQ(ENOSPC, mvm_err(ioctl(self->vm, MVM_IOEVENTFD, &a)));
	/* One removed: room for one. */
	a.addr = 0x8000;
	a.flags |= MVM_IOEVENTFD_DEASSIGN;
	ASSERT_EQ(0, mvm_err(ioctl(self->vm, MVM_IOEVENTFD, &a)));
	a.flags &= ~MVM_IOEVENTFD_DEASSIGN;
	a.addr = 0x8000 + max;
	EXPECT_EQ(0, mvm_err(ioctl(self->vm, MVM_IOEVENTFD, &a)));
	/* Full again: the same one is a duplicate, a new one has no room. */
	EXPECT_EQ(EEXIST, mvm_err(ioctl(self->vm, MVM_IOEVENTFD, &a)));
	a.addr = 0x8000;
	EXPECT_EQ(ENOSPC, mvm_err(ioctl(self->vm, MVM_IOEVENTFD, &a)));
	close(a.fd);
}

TEST_F(lim, cpuid_entries)
{
	long max = mvm_cap(self->dev, MVM_CAP_MAX_CPUID_ENTRIES), i;
	struct mvm_cpuid_entry *e;
	struct mvm_cpuid c = { 0 };

	ASSERT_LT(0, max);
	e = calloc(max + 1, sizeof(*e));
	ASSERT_NE(NULL, e);
	for (i = 0; i <= max; i++)
		e[i].function = (__u32)i;
	c.entries = (__u64)(uintptr_t)e;
	c.nent = (__u32)max;
	EXPECT_EQ(0, mvm_err(ioctl(self->vcpu, MVM_SET_CPUID, &c)));
	c.nent = (__u32)max + 1;
	EXPECT_EQ(EINVAL, mvm_err(ioctl(self->vcpu, MVM_SET_CPUID, &c)));
	free(e);
}

TEST_F(lim, msr_entries)
{
	long max = mvm_cap(self->dev, MVM_CAP_MAX_MSR_ENTRIES), i;
	struct mvm_msr_entry *e;
	struct mvm_msrs m = { 0 };

	ASSERT_LT(0, max);
	e = calloc(max + 1, sizeof(*e));
	ASSERT_NE(NULL, e);
	for (i = 0; i <= max; i++)
		e[i].index = MSR_IA32_TSC;
	m.entries = (__u64)(uintptr_t)e;
	m.nmsrs = (__u32)max;
	EXPECT_EQ(max, ioctl(self->vcpu, MVM_GET_MSRS, &m));
	m.nmsrs = (__u32)max + 1;
	EXPECT_EQ(EINVAL, mvm_err(ioctl(self->vcpu, MVM_GET_MSRS, &m)));
	EXPECT_EQ(EINVAL, mvm_err(ioctl(self->vcpu, MVM_SET_MSRS, &m)));
	free(e);
}

TEST_HARNESS_MAIN

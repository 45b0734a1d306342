// SPDX-License-Identifier: GPL-2.0
/*
 * The checks of the snapshot ioctls (uapi/mvm-api.md).  DEBUGREGS: reset
 * values (DR0-3 0, DR6 0xffff0ff0, DR7 0x400); SET takes what a MOV
 * would, with the fixed bits forced, and refuses bits 63:32 of DR6/DR7,
 * DR7's must-be-zero bits, flags, padding and reserved words; a refused
 * SET changes nothing.  CLOCK: unknown flags, padding and reserved words;
 * GET gives realtime and host TSC.  The latched INIT/SIPI of the vCPU
 * events need an irqchip and valid fields.  The capabilities say so.
 */
#include "kselftest_harness.h"
#include "mvm_util.h"

static int set_dr(int vcpu, const struct mvm_debugregs *d)
{
	return mvm_err(ioctl(vcpu, MVM_SET_DEBUGREGS, d));
}

TEST(debugregs)
{
	struct mvm_debugregs d, bad, back;
	int dev, vm, vcpu;

	MVM_OPEN_OR_SKIP(dev);
	if (mvm_cap(dev, MVM_CAP_SNAPSHOT) <= 0)
		SKIP(close(dev); return, "no MVM_CAP_SNAPSHOT");
	vm = mvm_create_vm(dev);
	ASSERT_LE(0, vm);
	vcpu = mvm_create_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);

	memset(&d, 0xa5, sizeof(d));
	ASSERT_EQ(0, ioctl(vcpu, MVM_GET_DEBUGREGS, &d));
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(0ULL, d.db[i]);
	ASSERT_EQ(0xffff0ff0ULL, d.dr6);
	ASSERT_EQ(0x400ULL, d.dr7);
	ASSERT_EQ(0U, d.flags);
	ASSERT_EQ(0U, d.padding);
	for (int i = 0; i < 8; i++)
		ASSERT_EQ(0ULL, d.reserved[i]);

	/* Taken, the fixed bits read as 1. */
	d.db[0] = 0xffffffff81000000ULL;
	d.db[3] = 0x1234;
	d.dr6 = 0x4001;
	d.dr7 = 0xffff0301;		/* every RW/LEN bit, L0, LE, GE */
	ASSERT_EQ(0, set_dr(vcpu, &d));
	ASSERT_EQ(0, ioctl(vcpu, MVM_GET_DEBUGREGS, &back));
	ASSERT_EQ(d.db[0], back.db[0]);
	ASSERT_EQ(d.db[3], back.db[3]);
	ASSERT_EQ(0xffff4ff1ULL, back.dr6);
	ASSERT_EQ(0xffff0701ULL, back.dr7);

#define BAD(field, val) do {						\
	bad = back;							\
	bad.field = (val);						\
	ASSERT_EQ(EINVAL, set_dr(vcpu, &bad)) TH_LOG(#field);		\
} while (0)
	BAD(dr6, 1ULL << 32);
	BAD(dr7, 1ULL << 63);
	BAD(dr7, 0x400 | (1ULL << 11));
	BAD(dr7, 0x400 | (1ULL << 12));
	BAD(dr7, 0x400 | (1ULL << 14));
	BAD(dr7, 0x400 | (1ULL << 15));
	BAD(flags, 1);
	BAD(padding, 1);
	BAD(reserved[0], 1);
	BAD(reserved[7], 1);
	/* Nothing changed. */
	ASSERT_EQ(0, ioctl(vcpu, MVM_GET_DEBUGREGS, &d));
	ASSERT_EQ(0, memcmp(&d, &back, sizeof(d)));

	close(vcpu);
	close(vm);
	close(dev);
}

TEST(vm_clock)
{
	struct mvm_clock_data c, bad;
	int dev, vm;

	MVM_OPEN_OR_SKIP(dev);
	if (mvm_cap(dev, MVM_CAP_VM_CLOCK) <= 0)
		SKIP(close(dev); return, "no MVM_CAP_VM_CLOCK");
	vm = mvm_create_vm(dev);
	ASSERT_LE(0, vm);

	ASSERT_EQ(0, ioctl(vm, MVM_GET_CLOCK, &c));
	ASSERT_EQ(MVM_CLOCK_REALTIME | MVM_CLOCK_HOST_TSC, c.flags);
	ASSERT_NE(0ULL, c.realtime);
	ASSERT_NE(0ULL, c.host_tsc);
	/* GET's output goes back as it is. */
	ASSERT_EQ(0, mvm_err(ioctl(vm, MVM_SET_CLOCK, &c)));

#undef BAD
#define BAD(field, val) do {						\
	bad = c;							\
	bad.field = (val);						\
	ASSERT_EQ(EINVAL, mvm_err(ioctl(vm, MVM_SET_CLOCK, &bad)))	\
		TH_LOG(#field);						\
} while (0)
	BAD(flags, 1u << 2);
	BAD(flags, 1u << 31);
	BAD(padding, 1);
	BAD(reserved[0], 1);
	BAD(reserved[3], 1);
	/* Realtime that far back: the clock would overflow. */
	bad = c;
	bad.clock = ~0ULL - 1000;
	bad.flags = MVM_CLOCK_REALTIME;
	bad.realtime = 1;
	ASSERT_EQ(EINVAL, mvm_err(ioctl(vm, MVM_SET_CLOCK, &bad)));
	/* Realtime in the future adds nothing, subtracts nothing. */
	bad.clock = 1000000000ULL;
	bad.realtime = ~0ULL;
	ASSERT_EQ(0, mvm_err(ioctl(vm, MVM_SET_CLOCK, &bad)));
	ASSERT_EQ(0, ioctl(vm, MVM_GET_CLOCK, &c));
	ASSERT_LE(1000000000ULL, c.clock);
	ASSERT_GT(1000000000ULL + 60000000000ULL, c.clock);

	close(vm);
	close(dev);
}

TEST(latched_events)
{
	struct mvm_vcpu_events ev, bad;
	int dev, vm, vcpu, vm2, vcpu2;

	MVM_OPEN_OR_SKIP(dev);
	if (mvm_cap(dev, MVM_CAP_SNAPSHOT) <= 0)
		SKIP(close(dev); return, "no MVM_CAP_SNAPSHOT");
	vm = mvm_create_irqchip_vm(dev);
	ASSERT_LE(0, vm);
	vcpu = mvm_create_vcpu(vm, 1);
	ASSERT_LE(0, vcpu);

	ASSERT_EQ(0, ioctl(vcpu, MVM_GET_VCPU_EVENTS, &ev));
	ASSERT_EQ(MVM_VCPU_EVENTS_LATCHED, ev.flags);
	ASSERT_EQ(0, ev.latched.init | ev.latched.sipi | ev.latched.sipi_vector);
	ev.latched.init = 1;
	ev.latched.sipi = 1;
	ev.latched.sipi_vector = 0x9a;
	ASSERT_EQ(0, mvm_err(ioctl(vcpu, MVM_SET_VCPU_EVENTS, &ev)));
	ASSERT_EQ(0, ioctl(vcpu, MVM_GET_VCPU_EVENTS, &bad));
	ASSERT_EQ(0, memcmp(&ev, &bad, sizeof(ev)));

#undef BAD
#define BAD(field, val) do {						\
	bad = ev;							\
	bad.field = (val);						\
	ASSERT_EQ(EINVAL, mvm_err(ioctl(vcpu, MVM_SET_VCPU_EVENTS, &bad))) \
		TH_LOG(#field);						\
} while (0)
	BAD(latched.init, 2);
	BAD(latched.sipi, 2);
	BAD(latched.padding, 1);
	BAD(flags, 2);
	bad = ev;
	bad.latched.sipi = 0;
	ASSERT_EQ(EINVAL, mvm_err(ioctl(vcpu, MVM_SET_VCPU_EVENTS, &bad)));
	/* Without the flag the words must be 0, and the latch stays. */
	bad = ev;
	bad.flags = 0;
	ASSERT_EQ(EINVAL, mvm_err(ioctl(vcpu, MVM_SET_VCPU_EVENTS, &bad)));
	memset(&bad.latched, 0, sizeof(bad.latched));
	ASSERT_EQ(0, mvm_err(ioctl(vcpu, MVM_SET_VCPU_EVENTS, &bad)));
	ASSERT_EQ(0, ioctl(vcpu, MVM_GET_VCPU_EVENTS, &bad));
	ASSERT_EQ(0, memcmp(&ev, &bad, sizeof(ev)));

	/* Without an irqchip there is no latch: GET has no flag, SET refuses it. */
	vm2 = mvm_create_vm(dev);
	ASSERT_LE(0, vm2);
	vcpu2 = mvm_create_vcpu(vm2, 0);
	ASSERT_LE(0, vcpu2);
	ASSERT_EQ(0, ioctl(vcpu2, MVM_GET_VCPU_EVENTS, &bad));
	ASSERT_EQ(0U, bad.flags);
	bad.flags = MVM_VCPU_EVENTS_LATCHED;
	ASSERT_EQ(EINVAL, mvm_err(ioctl(vcpu2, MVM_SET_VCPU_EVENTS, &bad)));

	close(vcpu2);
	close(vm2);
	close(vcpu);
	close(vm);
	close(dev);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * State ioctls never produce exits.  MVM_SET_MSRS of the x2APIC EOI
 * register (0x80b) with a level-triggered vector in service ends that
 * interrupt, as the guest's EOI would, but leaves the run page alone (a
 * pending exit userspace has not read yet stays as it is); the next
 * MVM_RUN returns at once with MVM_EXIT_EOI for the vector, before the
 * guest runs, so the VMM's IOAPIC still hears of it.
 */
#include "kselftest_harness.h"
#include "mvm_util.h"

#define VEC		0x31
#define MSR_APICBASE	0x1b
#define X2APIC_EOI	0x80b
#define APIC_ISR	0x100
#define APIC_TMR	0x180

static void set_bit32(struct mvm_lapic_state *s, int reg, int vec)
{
	uint32_t v;

	memcpy(&v, s->regs + reg + (vec / 32) * 16, 4);
	v |= 1u << (vec % 32);
	memcpy(s->regs + reg + (vec / 32) * 16, &v, 4);
}

static int test_bit32(const struct mvm_lapic_state *s, int reg, int vec)
{
	uint32_t v;

	memcpy(&v, s->regs + reg + (vec / 32) * 16, 4);
	return !!(v & (1u << (vec % 32)));
}

static int set_msr(int vcpu, uint32_t index, uint64_t data)
{
	struct mvm_msr_entry e = { .index = index, .data = data };
	struct mvm_msrs m = { .nmsrs = 1, .entries = (uintptr_t)&e };

	return ioctl(vcpu, MVM_SET_MSRS, &m);
}

TEST(set_msrs_eoi_makes_no_exit)
{
	struct mvm_lapic_state st;
	struct mvm_run *run;
	int dev, vm, vcpu;
	long size;

	MVM_OPEN_OR_SKIP(dev);
	if (mvm_cap(dev, MVM_CAP_IRQCHIP) <= 0)
		SKIP(return, "no MVM_CAP_IRQCHIP");
	vm = mvm_create_irqchip_vm(dev);
	ASSERT_LE(0, vm);
	vcpu = mvm_create_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	size = ioctl(dev, MVM_GET_VCPU_MMAP_SIZE, 0UL);
	ASSERT_LT(0, size);
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	ASSERT_NE(MAP_FAILED, run);

	/* x2APIC mode, the vector in service and level-triggered. */
	ASSERT_EQ(1, set_msr(vcpu, MSR_APICBASE, 0xfee00000ULL | 1 << 11 |
			     1 << 10 | 1 << 8));
	ASSERT_EQ(0, mvm_err(ioctl(vcpu, MVM_GET_LAPIC, &st)));
	set_bit32(&st, APIC_ISR, VEC);
	set_bit32(&st, APIC_TMR, VEC);
	ASSERT_EQ(0, mvm_err(ioctl(vcpu, MVM_SET_LAPIC, &st)));

	/* As if an I/O exit were still waiting for the VMM. */
	run->exit_reason = MVM_EXIT_IO;
	ASSERT_EQ(1, set_msr(vcpu, X2APIC_EOI, 0));
	ASSERT_EQ((__u32)MVM_EXIT_IO, run->exit_reason)
		TH_LOG("SET_MSRS wrote exit %u into the run page", run->exit_reason);

	ASSERT_EQ(0, mvm_err(ioctl(vcpu, MVM_GET_LAPIC, &st)));
	ASSERT_EQ(0, test_bit32(&st, APIC_ISR, VEC));

	/* The next RUN reports it before the guest (which has no memory) runs. */
	ASSERT_EQ(0, mvm_err(ioctl(vcpu, MVM_RUN, 0UL)));
	ASSERT_EQ((__u32)MVM_EXIT_EOI, run->exit_reason);
	ASSERT_EQ(VEC, run->eoi.vector);

	munmap(run, size);
	close(vcpu);
	close(vm);
	close(dev);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: the kvmclock paravirtual clock (the KVM MSR protocol, which Linux
 * guests know): a guest trusts it instead of calibrating its TSC against
 * a PIT.
 *
 * The guest gives a guest-physical address per vCPU (system time MSR) and
 * one for the wall clock.  Its clock is  system_time + scale(tsc -
 * tsc_timestamp): every vCPU gets the same reference point, taken when
 * the VM was created (host TSC tsc0, clock 0 there), scaled by the host's
 * TSC frequency.  So all vCPUs read one clock that never goes back, and
 * the structure has PVCLOCK_TSC_STABLE set.  It is rewritten before each
 * MVM_RUN (a cheap write; the guest TSC offset may have changed).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/math64.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <asm/tsc.h>

#include "mvm.h"

#define MSR_KVM_WALL_CLOCK	0x11
#define MSR_KVM_SYSTEM_TIME	0x12
#define MSR_KVM_WALL_CLOCK_NEW	0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01

#define PVCLOCK_TSC_STABLE	BIT(0)

/* The guest's layout of the two structures (Linux: asm/pvclock-abi.h) */
struct mvm_pvclock_time {
	u32 version;
	u32 pad0;
	u64 tsc_timestamp;
	u64 system_time;
	u32 tsc_to_system_mul;
	s8 tsc_shift;
	u8 flags;
	u8 pad[2];
} __packed;

struct mvm_pvclock_wall {
	u32 version;
	u32 sec;
	u32 nsec;
} __packed;

static_assert(sizeof(struct mvm_pvclock_time) == 32);
static_assert(sizeof(struct mvm_pvclock_wall) == 12);

bool mvm_pvclock_available(void)
{
	return tsc_khz != 0;
}

/*
 * ns = ((delta << shift) or (delta >> -shift)) * mul >> 32, the guest's
 * formula, for the host's TSC rate: pick shift so that the rate lands in
 * (1 GHz, 2 GHz] and mul keeps 32 significant bits.
 */
void mvm_pvclock_vm_init(struct mvm_vm *vm)
{
	u64 hz = (u64)tsc_khz * 1000;
	int shift = 0;

	vm->clock_tsc0 = rdtsc();
	if (!hz)
		return;
	while (hz > 2 * NSEC_PER_SEC) {
		hz >>= 1;
		shift--;
	}
	while (hz <= NSEC_PER_SEC) {
		hz <<= 1;
		shift++;
	}
	vm->clock_mul = div64_u64(NSEC_PER_SEC << 32, hz);
	vm->clock_shift = shift;
}

/* The guest clock now, in ns since the VM was created. */
static u64 pvclock_now(struct mvm_vm *vm)
{
	u64 delta = rdtsc() - vm->clock_tsc0;

	if (vm->clock_shift < 0)
		delta >>= -vm->clock_shift;
	else
		delta <<= vm->clock_shift;
	return mul_u64_u32_shr(delta, vm->clock_mul, 32);
}

static int pvclock_write_time(struct mvm_vcpu *vcpu)
{
	struct mvm_vm *vm = vcpu->vm;
	struct mvm_pvclock_time t = {
		.tsc_timestamp = vm->clock_tsc0 + mvm_backend->tsc_offset(vcpu),
		.system_time = 0,
		.tsc_to_system_mul = vm->clock_mul,
		.tsc_shift = vm->clock_shift,
		.flags = PVCLOCK_TSC_STABLE,
	};
	u64 gpa = vcpu->clock_gpa;
	u32 v = vcpu->clock_version + 1;
	int r;

	/* Odd while it changes: a reader on another vCPU retries. */
	r = mvm_write_guest(vcpu, gpa, &v, sizeof(v));
	if (r)
		return r;
	/* The odd version is visible before any field changes... */
	smp_wmb();
	t.version = v;
	r = mvm_write_guest(vcpu, gpa + 4, (u8 *)&t + 4, sizeof(t) - 4);
	/* ...and the fields before the even one. */
	smp_wmb();
	v++;
	if (!r)
		r = mvm_write_guest(vcpu, gpa, &v, sizeof(v));
	vcpu->clock_version = v;
	return r;
}

/* Before each MVM_RUN. */
void mvm_pvclock_update(struct mvm_vcpu *vcpu)
{
	if (vcpu->clock_msr & 1)
		pvclock_write_time(vcpu);
}

static int pvclock_write_wall(struct mvm_vcpu *vcpu, u64 gpa)
{
	struct mvm_vm *vm = vcpu->vm;
	struct mvm_pvclock_wall w;
	u64 boot_ns = ktime_get_real_ns() - pvclock_now(vm);
	u32 rem;

	w.sec = div_u64_rem(boot_ns, NSEC_PER_SEC, &rem);
	w.nsec = rem;
	w.version = 2;
	return mvm_write_guest(vcpu, gpa, &w, sizeof(w));
}

int mvm_pvclock_rdmsr(struct mvm_vcpu *vcpu, u32 msr, u64 *val)
{
	if (!mvm_pvclock_available())
		return MVM_MSR_UNKNOWN;
	switch (msr) {
	case MSR_KVM_SYSTEM_TIME:
	case MSR_KVM_SYSTEM_TIME_NEW:
		*val = vcpu->clock_msr;
		return MVM_MSR_OK;
	case MSR_KVM_WALL_CLOCK:
	case MSR_KVM_WALL_CLOCK_NEW:
		*val = vcpu->vm->wall_clock_msr;
		return MVM_MSR_OK;
	default:
		return MVM_MSR_UNKNOWN;
	}
}

int mvm_pvclock_wrmsr(struct mvm_vcpu *vcpu, u32 msr, u64 val)
{
	u64 gpa = val & ~1ULL;

	if (!mvm_pvclock_available())
		return MVM_MSR_UNKNOWN;
	switch (msr) {
	case MSR_KVM_SYSTEM_TIME:
	case MSR_KVM_SYSTEM_TIME_NEW:
		vcpu->clock_msr = val;
		if (!(val & 1))
			return MVM_MSR_OK;
		/* The structure must not straddle a page. */
		if ((gpa & ~PAGE_MASK) + sizeof(struct mvm_pvclock_time) >
		    PAGE_SIZE) {
			vcpu->clock_msr = 0;
			return MVM_MSR_BAD;
		}
		vcpu->clock_gpa = gpa;
		/* Memory that is not RAM: the clock stays off, as on KVM. */
		if (pvclock_write_time(vcpu))
			vcpu->clock_msr &= ~1ULL;
		return MVM_MSR_OK;
	case MSR_KVM_WALL_CLOCK:
	case MSR_KVM_WALL_CLOCK_NEW:
		/* As the system time: within one page (#GP otherwise). */
		if ((val & ~PAGE_MASK) + sizeof(struct mvm_pvclock_wall) >
		    PAGE_SIZE)
			return MVM_MSR_BAD;
		vcpu->vm->wall_clock_msr = val;
		/* Not RAM, or read-only: nothing is written. */
		pvclock_write_wall(vcpu, val);
		return MVM_MSR_OK;
	default:
		return MVM_MSR_UNKNOWN;
	}
}

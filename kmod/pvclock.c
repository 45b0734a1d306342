// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: the kvmclock paravirtual clock (the KVM MSR protocol, which Linux
 * guests know): a guest trusts it instead of calibrating its TSC against
 * a PIT.
 *
 * The guest gives a guest-physical address per vCPU (system time MSR) and
 * one for the wall clock.  Its clock is  system_time + scale(tsc -
 * tsc_timestamp): every vCPU gets the same reference point, the VM's
 * (clock clock_ns0 at host TSC clock_tsc0: 0 when the VM was created,
 * moved by MVM_SET_CLOCK), scaled by the host's TSC frequency.  The
 * guest's tsc_timestamp is clock_tsc0 plus the vCPU's TSC offset, so the
 * guest reads the same clock whatever its TSC was set to.  So all vCPUs
 * read one clock that never goes back, and the structure has
 * PVCLOCK_TSC_STABLE set.  It is rewritten before each MVM_RUN (a cheap
 * write; the guest TSC offset may have changed) and, after MVM_SET_CLOCK
 * or a guest's WRMSR of its TSC, before the next entry of a running vCPU.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/math64.h>
#include <linux/overflow.h>
#include <linux/string.h>
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

	seqlock_init(&vm->clock_seq);
	vm->clock_tsc0 = rdtsc();
	vm->clock_ns0 = 0;
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

/* The reference point, consistent with itself. */
static void pvclock_ref(struct mvm_vm *vm, u64 *tsc0, u64 *ns0, u32 *gen)
{
	unsigned int seq;

	do {
		seq = read_seqbegin(&vm->clock_seq);
		*tsc0 = vm->clock_tsc0;
		*ns0 = vm->clock_ns0;
		*gen = vm->clock_gen;
	} while (read_seqretry(&vm->clock_seq, seq));
}

/* The guest clock at host TSC tsc, in ns. */
static u64 pvclock_at(struct mvm_vm *vm, u64 tsc)
{
	u64 tsc0, ns0, delta;
	u32 gen;

	pvclock_ref(vm, &tsc0, &ns0, &gen);
	/* Another CPU's TSC a little behind the one SET_CLOCK read. */
	delta = tsc > tsc0 ? tsc - tsc0 : 0;
	if (vm->clock_shift < 0)
		delta >>= -vm->clock_shift;
	else
		delta <<= vm->clock_shift;
	return ns0 + mul_u64_u32_shr(delta, vm->clock_mul, 32);
}

static u64 pvclock_now(struct mvm_vm *vm)
{
	return pvclock_at(vm, rdtsc());
}

static int pvclock_write_time(struct mvm_vcpu *vcpu)
{
	struct mvm_vm *vm = vcpu->vm;
	struct mvm_pvclock_time t = {
		.tsc_to_system_mul = vm->clock_mul,
		.tsc_shift = vm->clock_shift,
		.flags = PVCLOCK_TSC_STABLE,
	};
	u64 gpa = vcpu->clock_gpa, tsc0, ns0;
	u32 v = vcpu->clock_version + 1;
	int r;

	pvclock_ref(vm, &tsc0, &ns0, &vcpu->clock_gen);
	t.tsc_timestamp = tsc0 + mvm_backend->tsc_offset(vcpu);
	t.system_time = ns0;

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
	vcpu->clock_stale = false;
	if (vcpu->clock_msr & 1)
		pvclock_write_time(vcpu);
	else
		vcpu->clock_gen = READ_ONCE(vcpu->vm->clock_gen);
}

void mvm_pvclock_check(struct mvm_vcpu *vcpu)
{
	if (unlikely(vcpu->clock_stale ||
		     READ_ONCE(vcpu->vm->clock_gen) != vcpu->clock_gen))
		mvm_pvclock_update(vcpu);
}

/* ---- MVM_GET_CLOCK, MVM_SET_CLOCK ---- */

static_assert(sizeof(struct mvm_clock_data) == 64);
static_assert(offsetof(struct mvm_clock_data, realtime) == 16);
static_assert(offsetof(struct mvm_clock_data, reserved) == 32);

#define MVM_CLOCK_FLAGS	(MVM_CLOCK_REALTIME | MVM_CLOCK_HOST_TSC)

int mvm_pvclock_get_clock(struct mvm_vm *vm, struct mvm_clock_data *d)
{
	if (!mvm_pvclock_available())
		return -EOPNOTSUPP;
	memset(d, 0, sizeof(*d));
	/* The three readings as close together as the host allows. */
	preempt_disable();
	d->host_tsc = rdtsc();
	d->realtime = ktime_get_real_ns();
	preempt_enable();
	d->clock = pvclock_at(vm, d->host_tsc);
	d->flags = MVM_CLOCK_FLAGS;
	return 0;
}

/*
 * The clock reads d->clock (plus the realtime that passed) now: a new
 * reference point.  Each vCPU rewrites its structure before its next
 * entry (the kick makes a running one leave the guest).  vCPUs pick it up
 * one after the other: a VMM that sets the clock back while the guest runs
 * lets the guest see that step, and no other.
 */
int mvm_pvclock_set_clock(struct mvm_vm *vm, const struct mvm_clock_data *d)
{
	u64 ns = d->clock, tsc, real;
	struct mvm_vcpu *vcpu;
	unsigned int i;

	if ((d->flags & ~MVM_CLOCK_FLAGS) || d->padding ||
	    memchr_inv(d->reserved, 0, sizeof(d->reserved)))
		return -EINVAL;
	if (!mvm_pvclock_available())
		return -EOPNOTSUPP;
	preempt_disable();
	tsc = rdtsc();
	real = ktime_get_real_ns();
	preempt_enable();
	/* A host whose realtime went back never makes the clock go back. */
	if ((d->flags & MVM_CLOCK_REALTIME) && real > d->realtime &&
	    check_add_overflow(ns, real - d->realtime, &ns))
		return -EINVAL;

	write_seqlock(&vm->clock_seq);
	vm->clock_tsc0 = tsc;
	vm->clock_ns0 = ns;
	vm->clock_gen++;
	write_sequnlock(&vm->clock_seq);

	for (i = 0; i < MVM_MAX_VCPUS; i++) {
		vcpu = READ_ONCE(vm->vcpus[i]);
		if (vcpu)
			mvm_vcpu_kick(vcpu);
	}
	return 0;
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

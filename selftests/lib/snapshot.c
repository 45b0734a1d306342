// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshot state on mvm and KVM (snapshot.h): the debug registers, the VM
 * clock, and a whole vCPU saved and restored in the documented order.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "irqchip.h"
#include "snapshot.h"
#include "vcpu_ctl.h"

#define MSR_APIC_BASE		0x1b
#define MSR_TSC_DEADLINE	0x6e0

_Static_assert(sizeof(struct kvm_vcpu_events) <= 64, "kvm events");
_Static_assert(sizeof(struct mvm_vcpu_events) <= 64, "mvm events");

static int err_of(long r)
{
	return r < 0 ? -errno : (int)r;
}

bool vm_has_snapshot(struct vm *vm)
{
	if (vm_is_mvm(vm))
		return ioctl(vm->dev, MVM_CHECK_EXTENSION, MVM_CAP_SNAPSHOT) > 0;
	return ioctl(vm->dev, KVM_CHECK_EXTENSION, KVM_CAP_DEBUGREGS) > 0;
}

bool vm_has_clock(struct vm *vm)
{
	if (vm_is_mvm(vm))
		return ioctl(vm->dev, MVM_CHECK_EXTENSION, MVM_CAP_VM_CLOCK) > 0;
	return ioctl(vm->dev, KVM_CHECK_EXTENSION, KVM_CAP_ADJUST_CLOCK) > 0;
}

/* ---- Debug registers ---- */

int vcpu_get_debugregs(struct vcpu *vcpu, struct mvm_debugregs *d)
{
	struct kvm_debugregs k;
	int r;

	memset(d, 0, sizeof(*d));
	if (vm_is_mvm(vcpu->vm))
		return err_of(ioctl(vcpu->fd, MVM_GET_DEBUGREGS, d));
	r = err_of(ioctl(vcpu->fd, KVM_GET_DEBUGREGS, &k));
	if (r)
		return r;
	memcpy(d->db, k.db, sizeof(d->db));
	d->dr6 = k.dr6;
	d->dr7 = k.dr7;
	return 0;
}

int vcpu_set_debugregs(struct vcpu *vcpu, const struct mvm_debugregs *d)
{
	struct kvm_debugregs k;

	if (vm_is_mvm(vcpu->vm))
		return err_of(ioctl(vcpu->fd, MVM_SET_DEBUGREGS, d));
	memset(&k, 0, sizeof(k));
	memcpy(k.db, d->db, sizeof(k.db));
	k.dr6 = d->dr6;
	k.dr7 = d->dr7;
	k.flags = d->flags;
	return err_of(ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &k));
}

/* ---- The VM clock ---- */

int vm_get_clock(struct vm *vm, struct mvm_clock_data *c)
{
	struct kvm_clock_data k;
	int r;

	memset(c, 0, sizeof(*c));
	if (vm_is_mvm(vm))
		return err_of(ioctl(vm->fd, MVM_GET_CLOCK, c));
	memset(&k, 0, sizeof(k));
	r = err_of(ioctl(vm->fd, KVM_GET_CLOCK, &k));
	if (r)
		return r;
	c->clock = k.clock;
	c->realtime = k.realtime;
	c->host_tsc = k.host_tsc;
	if (k.flags & KVM_CLOCK_REALTIME)
		c->flags |= MVM_CLOCK_REALTIME;
	if (k.flags & KVM_CLOCK_HOST_TSC)
		c->flags |= MVM_CLOCK_HOST_TSC;
	return 0;
}

int vm_set_clock(struct vm *vm, const struct mvm_clock_data *c)
{
	struct kvm_clock_data k;

	if (vm_is_mvm(vm))
		return err_of(ioctl(vm->fd, MVM_SET_CLOCK, c));
	memset(&k, 0, sizeof(k));
	k.clock = c->clock;
	k.realtime = c->realtime;
	k.host_tsc = c->host_tsc;
	if (c->flags & MVM_CLOCK_REALTIME)
		k.flags |= KVM_CLOCK_REALTIME;
	if (c->flags & MVM_CLOCK_HOST_TSC)
		k.flags |= KVM_CLOCK_HOST_TSC;
	return err_of(ioctl(vm->fd, KVM_SET_CLOCK, &k));
}

/* ---- The whole vCPU ---- */

static int events(struct vcpu *vcpu, bool set, void *ev)
{
	unsigned long cmd;

	if (vm_is_mvm(vcpu->vm))
		cmd = set ? MVM_SET_VCPU_EVENTS : MVM_GET_VCPU_EVENTS;
	else
		cmd = set ? KVM_SET_VCPU_EVENTS : KVM_GET_VCPU_EVENTS;
	return err_of(ioctl(vcpu->fd, cmd, ev));
}

#define TRY(call) do {				\
	int __r = (call);			\
	if (__r < 0)				\
		return __r;			\
} while (0)

int vcpu_snapshot_save(struct vcpu *vcpu, struct vcpu_snapshot *s,
		       const uint32_t *msrs, uint32_t n)
{
	struct mvm_msr_entry dl = { .index = MSR_TSC_DEADLINE };

	memset(s, 0, sizeof(*s));
	if (n + 1 > SNAP_MAX_MSRS)
		return -E2BIG;
	s->irqchip = vcpu->vm->irqchip;
	/*
	 * The MP state first: KVM takes a latched INIT/SIPI into the MP
	 * state and the registers when it is read; mvm keeps them in the
	 * events.
	 */
	if (s->irqchip)
		TRY(vcpu_get_mp_state(vcpu, &s->mp_state));
	vcpu_get_regs(vcpu, &s->regs);
	vcpu_get_sregs(vcpu, &s->sregs);
	TRY(vcpu_get_xcr0(vcpu, &s->xcr0));
	TRY(vcpu_get_xsave(vcpu, &s->xsave));
	for (uint32_t i = 0; i < n; i++)
		s->msrs[i].index = msrs[i];
	s->nmsrs = n;
	if (s->irqchip)
		s->msrs[s->nmsrs++].index = MSR_APIC_BASE;
	if (vcpu_get_msrs(vcpu, s->msrs, s->nmsrs) != (int)s->nmsrs)
		return -EIO;
	if (s->irqchip) {
		TRY(vcpu_get_lapic(vcpu, &s->lapic));
		if (vcpu_get_msrs(vcpu, &dl, 1) != 1)
			return -EIO;
		s->tsc_deadline = dl.data;
	}
	TRY(vcpu_get_debugregs(vcpu, &s->dregs));
	TRY(events(vcpu, false, s->events));
	return 0;
}

int vcpu_snapshot_restore(struct vcpu *vcpu, const struct vcpu_snapshot *s)
{
	struct mvm_msr_entry dl = {
		.index = MSR_TSC_DEADLINE, .data = s->tsc_deadline,
	};
	uint8_t ev[64];

	vcpu_set_sregs(vcpu, &s->sregs);
	vcpu_set_regs(vcpu, &s->regs);
	TRY(vcpu_set_xcr0(vcpu, s->xcr0));
	TRY(vcpu_set_xsave(vcpu, &s->xsave));
	/* TSC and APIC_BASE: before the LAPIC, which they shape. */
	if (vcpu_set_msrs(vcpu, s->msrs, s->nmsrs) != (int)s->nmsrs)
		return -EIO;
	if (s->irqchip) {
		TRY(vcpu_set_lapic(vcpu, &s->lapic));
		/* In guest TSC ticks, armed only in TSC-deadline mode. */
		if (vcpu_set_msrs(vcpu, &dl, 1) != 1)
			return -EIO;
	}
	TRY(vcpu_set_debugregs(vcpu, &s->dregs));
	memcpy(ev, s->events, sizeof(ev));
	TRY(events(vcpu, true, ev));
	if (s->irqchip)
		TRY(vcpu_set_mp_state(vcpu, s->mp_state));
	return 0;
}

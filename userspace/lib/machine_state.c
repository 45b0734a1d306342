// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: a machine's state into a state stream and back: the VM's clock,
 * every vCPU, and the devices by a walk over the registry.  A device is
 * known by its name and its instance (the how-many-th of that name in the
 * walk), so two UARTs cannot swap state.  Snapshots and migration both
 * carry a machine this way.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "libmvm.h"
#include "state.h"

static uint32_t instance_of(const struct mvm_machine *m,
			    const struct mvm_vdev *d)
{
	const struct mvm_vdev *e;
	uint32_t n = 0;

	for (e = m->vdevs; e != d; e = e->next)
		n += !strcmp(e->ops->name, d->ops->name);
	return n;
}

int mvm_machine_save_devices(struct mvm_machine *m, struct mvm_state *s)
{
	const struct mvm_vdev *d;
	int r = 0;

	for (d = m->vdevs; d && !r; d = d->next) {
		if (!d->ops->save)
			continue;
		mvm_state_begin(s, MVM_STATE_DEVICE, d->ops->name,
				instance_of(m, d));
		r = d->ops->save(d->opaque, s);
		if (!r)
			r = mvm_state_end(s);
	}
	/* A device that refuses to save says nothing: the stream's own error. */
	if (r && !s->err)
		s->err = EINVAL;
	if (r)
		errno = s->err;
	return r ? -1 : 0;
}

int mvm_machine_load_devices(struct mvm_machine *m, struct mvm_state *s)
{
	struct mvm_state_section sec;
	const struct mvm_vdev *d;
	uint32_t type;
	int r = 0;

	for (d = m->vdevs; d && !r; d = d->next) {
		if (!d->ops->load)
			continue;
		if (mvm_state_next(s, &sec) != 1 ||
		    sec.type != MVM_STATE_DEVICE ||
		    strcmp(sec.name, d->ops->name) ||
		    sec.instance != instance_of(m, d) ||
		    d->ops->load(d->opaque, s) < 0 || mvm_state_done(s) < 0)
			r = -1;
	}
	/* No device may follow: one the stream has and this machine lacks. */
	if (!r && mvm_state_peek_type(s, &type) && type == MVM_STATE_DEVICE)
		r = -1;
	if (r) {
		s->err = EBADMSG;
		errno = EBADMSG;
	}
	return r;
}

/* ---- The whole machine's state ---- */

/*
 * The VM's kvmclock with the host's realtime of that moment: a load sets
 * it with MVM_CLOCK_REALTIME, so the guest's clock goes on by the time
 * the machine was away, and its TSC (an MSR) from where it was.
 */
static int put_clock(const struct mvm_machine *m, struct mvm_state *s)
{
	struct mvm_clock_data c;

	if (ioctl(m->vm_fd, MVM_GET_CLOCK, &c) < 0)
		return -1;
	mvm_state_begin(s, MVM_STATE_CLOCK, "clock", 0);
	mvm_state_put_bytes(s, &c, sizeof(c));
	return mvm_state_end(s);
}

int mvm_machine_save_state(struct mvm_machine *m, struct mvm_state *s)
{
	unsigned int i;

	if (put_clock(m, s) < 0)
		return -1;
	for (i = 0; i < m->nr_vcpus; i++) {
		mvm_state_begin(s, MVM_STATE_VCPU, "vcpu", i);
		if (mvm_vcpu_state_save(&m->vcpus[i].v, s) < 0 ||
		    mvm_state_end(s) < 0)
			return -1;
	}
	return mvm_machine_save_devices(m, s);
}

static int fail(const char **why, const char *what, int err)
{
	*why = what;
	errno = err;
	return -1;
}

/*
 * The host realtime that passed since the clock was saved, in guest TSC
 * ticks.  The TSC goes on by it as kvmclock does (MVM_CLOCK_REALTIME), so
 * a guest that keeps time with its TSC (Linux does, with an invariant
 * TSC) finds the host's time, as after a pause on one host; a migration
 * adds its downtime only.  0 when the host clock went back.
 */
static uint64_t tsc_ticks_away(const struct mvm_machine *m,
			       const struct mvm_clock_data *c)
{
	unsigned long khz = 0;
	struct timespec now;
	uint64_t ns;

	if (!(c->flags & MVM_CLOCK_REALTIME) ||
	    mvm_check_extension(m->dev_fd, MVM_CAP_TSC_KHZ, &khz) < 0 || !khz)
		return 0;
	clock_gettime(CLOCK_REALTIME, &now);
	ns = (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec;
	if (ns <= c->realtime)
		return 0;
	ns -= c->realtime;
	/* ns * kHz / 1e6, without overflow for any gap of a few centuries. */
	return ns / 1000000 * khz + ns % 1000000 * khz / 1000000;
}

int mvm_machine_load_state(struct mvm_machine *m, struct mvm_state *s,
			   const char **why)
{
	struct mvm_state_section sec;
	struct mvm_clock_data clock;
	uint64_t tsc_add;
	unsigned int i;

	/* The clock before the vCPUs' MSRs: the wall clock is written from it. */
	if (mvm_state_next(s, &sec) != 1 || sec.type != MVM_STATE_CLOCK ||
	    strcmp(sec.name, "clock") || sec.instance ||
	    mvm_state_get_bytes(s, &clock, sizeof(clock)) < 0 ||
	    mvm_state_done(s) < 0)
		return fail(why, "the clock's section is missing", EBADMSG);
	clock.flags &= MVM_CLOCK_REALTIME;
	if (ioctl(m->vm_fd, MVM_SET_CLOCK, &clock) < 0)
		return fail(why, "the kernel refused the VM's clock", errno);
	tsc_add = tsc_ticks_away(m, &clock);
	for (i = 0; i < m->nr_vcpus; i++) {
		if (mvm_state_next(s, &sec) != 1 || sec.type != MVM_STATE_VCPU ||
		    strcmp(sec.name, "vcpu") || sec.instance != i)
			return fail(why, "a vCPU's section is missing", EBADMSG);
		if (mvm_vcpu_state_load(&m->vcpus[i].v, s, tsc_add) < 0 ||
		    mvm_state_done(s) < 0)
			return fail(why, errno == EBADMSG ?
				    "a vCPU's section is not one" :
				    "the kernel refused a vCPU's state", errno);
	}
	if (mvm_machine_load_devices(m, s) < 0)
		return fail(why, "the devices' state does not fit this machine", EBADMSG);
	return 0;
}

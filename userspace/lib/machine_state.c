// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: the machine's devices into a state stream and back, by a walk
 * over the registry.  A device is known by its name and its instance (the
 * how-many-th of that name in the walk), so two UARTs cannot swap state.
 */
#include <errno.h>
#include <string.h>

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

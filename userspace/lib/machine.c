// SPDX-License-Identifier: GPL-2.0-only
/* libmvm: a machine's buses, its device registry, its lock and its stop. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libmvm.h"

void mvm_machine_init(struct mvm_machine *m, mvm_log_fn log)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	m->pio.limit = 0xffff;
	m->mmio.limit = ~0ULL;
	m->wake_fd = -1;
	m->log = log;
}

int mvm_machine_add_vdev(struct mvm_machine *m, const struct mvm_vdev_ops *ops,
			 void *opaque)
{
	struct mvm_vdev *d = calloc(1, sizeof(*d));

	if (!d)
		return -1;
	d->ops = ops;
	d->opaque = opaque;
	d->next = m->vdevs;
	m->vdevs = d;
	return 0;
}

void mvm_machine_destroy(struct mvm_machine *m)
{
	struct mvm_vdev *d;

	/* Buses first: no access can reach a device being destroyed. */
	mvm_bus_free(&m->pio);
	mvm_bus_free(&m->mmio);
	while ((d = m->vdevs)) {
		m->vdevs = d->next;
		if (d->ops->destroy)
			d->ops->destroy(d->opaque);
		free(d);
	}
	m->irq = NULL;
	pthread_mutex_destroy(&m->lock);
}

void mvm_machine_stop(struct mvm_machine *m, int status, const char *reason)
{
	uint64_t one = 1;

	if (__atomic_load_n(&m->poweroff, __ATOMIC_ACQUIRE))
		return;		/* the first request wins */
	m->poweroff_status = status;
	m->poweroff_reason = reason;
	/* Release: whoever sees poweroff sees the status and reason too. */
	__atomic_store_n(&m->poweroff, 1, __ATOMIC_RELEASE);
	if (m->wake_fd >= 0 && write(m->wake_fd, &one, sizeof(one)) < 0) {
		/* A full eventfd already wakes the reader. */
	}
}

void mvm_machine_poweroff(struct mvm_machine *m, int status)
{
	mvm_machine_stop(m, status, NULL);
}

int mvm_machine_stopping(const struct mvm_machine *m)
{
	return __atomic_load_n(&m->poweroff, __ATOMIC_ACQUIRE);
}

void mvm_machine_set_irq(struct mvm_machine *m, unsigned int gsi, int level)
{
	if (m->irq && m->irq->set_irq)
		m->irq->set_irq(m->irq_ctx, gsi, level);
}

#define MVM_THREAD_STACK	(256 * 1024)

int mvm_thread_create(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	int err;

	err = pthread_attr_init(&attr);
	if (err)
		return err;
	err = pthread_attr_setstacksize(&attr, MVM_THREAD_STACK);
	if (!err)
		err = pthread_create(thread, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return err;
}

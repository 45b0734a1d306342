// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: the machine.  It owns what a running guest is made of: the VM
 * and device descriptors, guest RAM and the memory slots that map it, the
 * vCPUs, the buses, the device registry, its lock and its stop.  Every
 * command that runs a guest builds one; snapshot and migration walk it.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libmvm.h"

void mvm_machine_init(struct mvm_machine *m, mvm_log_fn log)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->cond, NULL);
	pthread_mutex_init(&m->dirty_lock, NULL);
	m->pio.limit = 0xffff;
	m->mmio.limit = ~0ULL;
	m->wake_fd = -1;
	m->sig_fd = -1;
	m->dev_fd = -1;
	m->vm_fd = -1;
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
	unsigned int i;

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
	/* The VM lives until its last descriptor closes: vCPUs, then the VM. */
	for (i = 0; i < m->nr_vcpus; i++) {
		mvm_machine_unmap_ring(m, &m->vcpus[i]);
		mvm_vcpu_destroy(&m->vcpus[i].v);
	}
	free(m->vcpus);
	m->vcpus = NULL;
	m->nr_vcpus = 0;
	if (m->vm_fd >= 0)
		close(m->vm_fd);
	m->vm_fd = -1;
	/* No slot maps the RAM any more: it can go. */
	if (m->ram && m->ram_mapped)
		munmap(m->ram, m->ram_size);
	else if (m->ram)
		mvm_guest_ram_free(m->ram, m->ram_size);
	m->ram = NULL;
	free(m->regions);
	m->regions = NULL;
	m->nr_regions = 0;
	if (m->dev_fd >= 0)
		close(m->dev_fd);
	m->dev_fd = -1;
	free(m->dirty);
	free(m->log_buf);
	m->dirty = m->log_buf = NULL;
	pthread_mutex_destroy(&m->dirty_lock);
	pthread_cond_destroy(&m->cond);
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
	pthread_cond_broadcast(&m->cond);	/* parked vCPUs, a pauser */
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

/* ---- Guest RAM, the VM, the vCPUs ---- */

int mvm_machine_alloc_ram(struct mvm_machine *m, uint64_t size)
{
	if (m->ram || size > SIZE_MAX) {
		errno = EINVAL;
		return -1;
	}
	m->ram = mvm_guest_ram_alloc((size_t)size);
	if (!m->ram)
		return -1;
	m->ram_size = size;
	return 0;
}

int mvm_machine_add_region(struct mvm_machine *m, uint64_t gpa,
			   uint64_t offset, uint64_t size)
{
	struct mvm_ram_region *r;

	if (m->vm_fd >= 0 || !size || (gpa | offset | size) % MVM_PAGE_SIZE ||
	    offset > m->ram_size || size > m->ram_size - offset ||
	    gpa + size < gpa) {
		errno = EINVAL;
		return -1;
	}
	r = realloc(m->regions, (m->nr_regions + 1) * sizeof(*r));
	if (!r)
		return -1;
	m->regions = r;
	r[m->nr_regions] = (struct mvm_ram_region){
		.gpa = gpa, .size = size, .offset = offset,
		.slot = m->nr_regions,
	};
	m->nr_regions++;
	return 0;
}

int mvm_machine_pc_layout(struct mvm_machine *m)
{
	uint64_t low = mvm_low_ram(m->ram_size);

	if (mvm_machine_add_region(m, 0, 0, low) < 0)
		return -1;
	if (m->ram_size > low &&
	    mvm_machine_add_region(m, MVM_HIGH_RAM_BASE, low,
				   m->ram_size - low) < 0)
		return -1;
	return 0;
}

int mvm_machine_create_vm(struct mvm_machine *m, int dev_fd, int *bad_slot)
{
	unsigned int i;

	*bad_slot = -1;
	m->dev_fd = dev_fd;
	m->vm_fd = mvm_create_vm(dev_fd);
	if (m->vm_fd < 0)
		return -1;
	for (i = 0; i < m->nr_regions; i++) {
		const struct mvm_ram_region *r = &m->regions[i];

		if (mvm_set_memory_region(m->vm_fd, r->slot, r->gpa, r->size,
					  m->ram + r->offset) < 0) {
			*bad_slot = (int)i;
			return -1;
		}
	}
	return 0;
}

void *mvm_machine_gpa_to_hva(const struct mvm_machine *m, uint64_t gpa,
			     uint64_t len)
{
	unsigned int i;

	for (i = 0; i < m->nr_regions; i++) {
		const struct mvm_ram_region *r = &m->regions[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size &&
		    len <= r->size - (gpa - r->gpa))
			return m->ram + r->offset + (gpa - r->gpa);
	}
	return NULL;
}

int mvm_machine_create_vcpus(struct mvm_machine *m, unsigned int n,
			     unsigned int *failed_id)
{
	unsigned int i;

	if (m->vcpus || m->vm_fd < 0) {
		errno = EINVAL;
		return -1;
	}
	m->vcpus = calloc(n, sizeof(*m->vcpus));
	if (!m->vcpus)
		return -1;
	for (i = 0; i < n; i++) {
		m->vcpus[i].m = m;
		m->vcpus[i].v.fd = -1;
	}
	m->nr_vcpus = n;
	for (i = 0; i < n; i++) {
		if (mvm_vcpu_create(m->dev_fd, m->vm_fd, i,
				    &m->vcpus[i].v) < 0) {
			m->vcpus[i].v.fd = -1;
			*failed_id = i;
			return -1;
		}
		if (mvm_machine_map_ring(m, &m->vcpus[i]) < 0) {
			*failed_id = i;
			return -1;
		}
	}
	return 0;
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

int mvm_thread_create_nosig(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int err;

	/* The new thread inherits the mask: it never takes a signal. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = mvm_thread_create(thread, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

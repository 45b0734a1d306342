// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: the machine's dirty tracking, for a migration.  The kernel
 * reports the pages the guest (or mvm.ko on its behalf) wrote in one of
 * two ways, chosen when the VM is made: per-vCPU dirty rings (the
 * default of mvm run; a vCPU whose ring fills exits, and its own thread
 * harvests) or a bitmap per slot.  Either way the pages end up in one
 * bitmap of the machine's, indexed by the page's offset in guest RAM,
 * from which a migration takes what it has to send again.
 *
 * dirty_lock serializes harvesting: a ring's entries are taken by one
 * thread at a time, in order, and MVM_RESET_DIRTY_RINGS re-protects what
 * every ring had taken up to then.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libmvm.h"

static uint64_t ram_pages(const struct mvm_machine *m)
{
	return m->ram_size / MVM_PAGE_SIZE;
}

static size_t bitmap_bytes(uint64_t pages)
{
	return (size_t)((pages + 63) / 64 * 8);
}

static void set_page(uint64_t *map, uint64_t page)
{
	map[page / 64] |= 1ULL << (page % 64);
}

int mvm_machine_enable_ring(struct mvm_machine *m, uint32_t bytes)
{
	struct mvm_enable_cap c = {
		.cap = MVM_CAP_DIRTY_LOG_RING, .args[0] = bytes,
	};
	unsigned long max = 0;

	if (m->vm_fd < 0 || m->vcpus || !bytes ||
	    bytes % sizeof(struct mvm_dirty_gfn)) {
		errno = EINVAL;
		return -1;
	}
	if (mvm_check_extension(m->dev_fd, MVM_CAP_DIRTY_LOG_RING, &max) < 0 ||
	    max < bytes) {
		errno = EOPNOTSUPP;
		return -1;
	}
	if (ioctl(m->vm_fd, MVM_ENABLE_CAP, &c) < 0)
		return -1;
	m->ring_bytes = bytes;
	return 0;
}

/* Map vCPU t's ring (machine.c, as it creates the vCPU): 0 or -1. */
int mvm_machine_map_ring(struct mvm_machine *m, struct mvm_machine_vcpu *t)
{
	void *p;

	if (!m->ring_bytes)
		return 0;
	p = mmap(NULL, m->ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
		 t->v.fd, (off_t)MVM_DIRTY_RING_PAGE_OFFSET * getpagesize());
	if (p == MAP_FAILED)
		return -1;
	t->ring = p;
	t->ring_next = 0;
	return 0;
}

void mvm_machine_unmap_ring(struct mvm_machine *m, struct mvm_machine_vcpu *t)
{
	if (t->ring)
		munmap(t->ring, m->ring_bytes);
	t->ring = NULL;
}

/* Slot s's page off as a page of RAM; -1 for one no slot of ours has. */
static int64_t ram_page_of(const struct mvm_machine *m, uint32_t slot,
			   uint64_t off)
{
	if (slot >= m->nr_regions ||
	    off >= m->regions[slot].size / MVM_PAGE_SIZE)
		return -1;
	return (int64_t)(m->regions[slot].offset / MVM_PAGE_SIZE + off);
}

/* Take t's published entries (dirty_lock): how many. */
static uint32_t harvest_ring(struct mvm_machine *m, struct mvm_machine_vcpu *t)
{
	uint32_t mask = m->ring_bytes / sizeof(struct mvm_dirty_gfn) - 1, n = 0;

	for (;; n++) {
		struct mvm_dirty_gfn *e = &t->ring[t->ring_next & mask];
		uint32_t flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);
		int64_t page;

		if (!(flags & MVM_DIRTY_GFN_F_DIRTY) ||
		    (flags & MVM_DIRTY_GFN_F_RESET))
			break;
		page = ram_page_of(m, e->slot, e->offset);
		/* The kernel's word against our slots: never trusted blindly. */
		if (page >= 0 && m->dirty)
			set_page(m->dirty, (uint64_t)page);
		__atomic_store_n(&e->flags, flags | MVM_DIRTY_GFN_F_RESET,
				 __ATOMIC_RELEASE);
		t->ring_next++;
	}
	return n;
}

/* Every slot's bitmap (get and clear) into dirty (dirty_lock). */
static int harvest_bitmaps(struct mvm_machine *m)
{
	unsigned int i;
	uint64_t p;

	for (i = 0; i < m->nr_regions; i++) {
		const struct mvm_ram_region *r = &m->regions[i];
		uint64_t pages = r->size / MVM_PAGE_SIZE;
		struct mvm_dirty_log l = {
			.slot = r->slot,
			.bitmap = (uint64_t)(uintptr_t)m->log_buf,
		};

		if (ioctl(m->vm_fd, MVM_GET_DIRTY_LOG, &l) < 0)
			return -1;
		for (p = 0; p < pages; p += 64) {
			uint64_t w = m->log_buf[p / 64];

			while (w) {
				unsigned int b = (unsigned int)__builtin_ctzll(w);

				w &= w - 1;
				set_page(m->dirty, r->offset / MVM_PAGE_SIZE + p + b);
			}
		}
	}
	return 0;
}

static int harvest_locked(struct mvm_machine *m)
{
	uint32_t taken = 0;
	unsigned int i;

	if (!m->ring_bytes)
		return m->logging ? harvest_bitmaps(m) : 0;
	for (i = 0; i < m->nr_vcpus; i++)
		if (m->vcpus[i].ring)
			taken += harvest_ring(m, &m->vcpus[i]);
	if (taken && ioctl(m->vm_fd, MVM_RESET_DIRTY_RINGS, 0UL) < 0)
		return -1;
	return 0;
}

int mvm_machine_harvest(struct mvm_machine *m)
{
	int r;

	pthread_mutex_lock(&m->dirty_lock);
	r = harvest_locked(m);
	pthread_mutex_unlock(&m->dirty_lock);
	return r;
}

static int set_logging(struct mvm_machine *m, int on)
{
	unsigned int i;

	for (i = 0; i < m->nr_regions; i++) {
		const struct mvm_ram_region *r = &m->regions[i];

		if (mvm_set_memory_region_flags(m->vm_fd, r->slot, r->gpa,
						r->size, m->ram + r->offset,
						on ? MVM_MEM_LOG_DIRTY : 0) < 0)
			return -1;
	}
	return 0;
}

int mvm_machine_log_dirty(struct mvm_machine *m, int on)
{
	size_t bytes = bitmap_bytes(ram_pages(m)), largest = 0;
	unsigned int i;
	int r = 0, err;

	pthread_mutex_lock(&m->dirty_lock);
	if (on == m->logging)
		goto out;
	if (on) {
		for (i = 0; i < m->nr_regions; i++)
			if (bitmap_bytes(m->regions[i].size / MVM_PAGE_SIZE) > largest)
				largest = bitmap_bytes(m->regions[i].size / MVM_PAGE_SIZE);
		m->dirty = calloc(1, bytes);
		m->log_buf = m->ring_bytes ? NULL : calloc(1, largest ? largest : 8);
		if (!m->dirty || (!m->ring_bytes && !m->log_buf) ||
		    set_logging(m, 1) < 0) {
			err = errno;
			set_logging(m, 0);
			goto err_free;
		}
		m->logging = 1;
		goto out;
	}
	r = set_logging(m, 0);
	err = errno;
	/* What the rings still hold is taken and reset, then dropped. */
	if (m->ring_bytes)
		harvest_locked(m);
	m->logging = 0;
err_free:
	free(m->dirty);
	free(m->log_buf);
	m->dirty = NULL;
	m->log_buf = NULL;
	if (on)
		r = -1;
	errno = err;
out:
	pthread_mutex_unlock(&m->dirty_lock);
	return r;
}

int64_t mvm_machine_take_dirty(struct mvm_machine *m, uint64_t *into)
{
	size_t words = bitmap_bytes(ram_pages(m)) / 8, i;
	int64_t n = 0;

	pthread_mutex_lock(&m->dirty_lock);
	if (!m->logging) {
		pthread_mutex_unlock(&m->dirty_lock);
		errno = EINVAL;
		return -1;
	}
	if (harvest_locked(m) < 0) {
		pthread_mutex_unlock(&m->dirty_lock);
		return -1;
	}
	for (i = 0; i < words; i++) {
		n += __builtin_popcountll(m->dirty[i] & ~into[i]);
		into[i] |= m->dirty[i];
		m->dirty[i] = 0;
	}
	pthread_mutex_unlock(&m->dirty_lock);
	return n;
}

void mvm_machine_mark_dirty(struct mvm_machine *m, uint64_t gpa, uint64_t len)
{
	unsigned int i;
	uint64_t p;

	if (!len)
		return;
	pthread_mutex_lock(&m->dirty_lock);
	for (i = 0; m->dirty && i < m->nr_regions; i++) {
		const struct mvm_ram_region *r = &m->regions[i];
		uint64_t first, last;

		if (gpa + len <= r->gpa || gpa >= r->gpa + r->size)
			continue;
		first = (gpa > r->gpa ? gpa - r->gpa : 0) / MVM_PAGE_SIZE;
		last = ((gpa + len < r->gpa + r->size ? gpa + len - r->gpa :
			 r->size) - 1) / MVM_PAGE_SIZE;
		for (p = first; p <= last; p++)
			set_page(m->dirty, r->offset / MVM_PAGE_SIZE + p);
	}
	pthread_mutex_unlock(&m->dirty_lock);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: the port and MMIO buses.  Devices register address ranges with
 * their handlers; the run loop sends each guest access to the one range
 * that holds it.  A machine has a few dozen ranges at most: a sorted
 * array and a binary search are enough.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libmvm.h"

/* The index of the first range that ends above addr (nr if none). */
static size_t bus_search(const struct mvm_bus *b, uint64_t addr)
{
	size_t lo = 0, hi = b->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct mvm_bus_range *r = &b->ranges[mid];

		if (r->base + (r->len - 1) < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int mvm_bus_register(struct mvm_bus *b, uint64_t base, uint64_t len,
		     const struct mvm_io_ops *ops, void *opaque)
{
	uint64_t last = base + len - 1;
	size_t i;

	if (!len || last < base || last > b->limit || !ops) {
		errno = EINVAL;
		return -1;
	}
	i = bus_search(b, base);
	if (i < b->nr && b->ranges[i].base <= last) {
		errno = EEXIST;
		return -1;
	}
	if (b->nr == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 8;
		struct mvm_bus_range *r = realloc(b->ranges, cap * sizeof(*r));

		if (!r)
			return -1;
		b->ranges = r;
		b->cap = cap;
	}
	memmove(&b->ranges[i + 1], &b->ranges[i],
		(b->nr - i) * sizeof(b->ranges[0]));
	b->ranges[i] = (struct mvm_bus_range){
		.base = base, .len = len, .ops = ops, .opaque = opaque,
	};
	b->nr++;
	return 0;
}

int mvm_bus_unregister(struct mvm_bus *b, uint64_t base)
{
	size_t i = bus_search(b, base);

	if (i == b->nr || b->ranges[i].base != base) {
		errno = ENOENT;
		return -1;
	}
	b->nr--;
	memmove(&b->ranges[i], &b->ranges[i + 1],
		(b->nr - i) * sizeof(b->ranges[0]));
	return 0;
}

void mvm_bus_free(struct mvm_bus *b)
{
	free(b->ranges);
	b->ranges = NULL;
	b->nr = b->cap = 0;
}

/* The range that holds all of [addr, addr + size), or NULL. */
static const struct mvm_bus_range *bus_find(const struct mvm_bus *b,
					    uint64_t addr, unsigned int size)
{
	size_t i = bus_search(b, addr);
	const struct mvm_bus_range *r;

	if (i == b->nr)
		return NULL;
	r = &b->ranges[i];
	if (addr < r->base || size > r->len ||
	    addr - r->base > r->len - size)
		return NULL;
	return r;
}

int mvm_bus_read(const struct mvm_bus *b, uint64_t addr, unsigned int size,
		 uint64_t *val)
{
	const struct mvm_bus_range *r = bus_find(b, addr, size);

	*val = size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
	if (!r)
		return 0;
	if (r->ops->read)
		*val = r->ops->read(r->opaque, addr - r->base, size) & *val;
	return 1;
}

int mvm_bus_write(const struct mvm_bus *b, uint64_t addr, unsigned int size,
		  uint64_t val)
{
	const struct mvm_bus_range *r = bus_find(b, addr, size);

	if (!r)
		return 0;
	if (r->ops->write)
		r->ops->write(r->opaque, addr - r->base, size, val);
	return 1;
}

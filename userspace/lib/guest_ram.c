// SPDX-License-Identifier: GPL-2.0-only
/* libmvm: guest RAM as ordinary anonymous memory of the VMM process. */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>

#include "libmvm.h"

#define HUGE_2M		(2ULL << 20)

void *mvm_guest_ram_alloc(size_t size)
{
	size_t extra = 0, head, tail;
	uintptr_t base, aligned;
	void *p;
	int err;

	if (size == 0 || size % MVM_PAGE_SIZE) {
		errno = EINVAL;
		return NULL;
	}

	/*
	 * Over-allocate by 2 MiB less a page and trim, so the region starts on
	 * a 2 MiB boundary: only then can the host back it with huge pages
	 * that the stage-2 tables may map as large pages too.
	 */
	if (size >= HUGE_2M) {
		extra = HUGE_2M - MVM_PAGE_SIZE;
		if (size > SIZE_MAX - extra) {
			errno = ENOMEM;
			return NULL;
		}
	}

	p = mmap(NULL, size + extra, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;

	base = (uintptr_t)p;
	aligned = extra ? (base + HUGE_2M - 1) & ~(uintptr_t)(HUGE_2M - 1) : base;
	head = aligned - base;
	tail = extra - head;
	if (head)
		munmap(p, head);
	if (tail)
		munmap((void *)(aligned + size), tail);

#ifdef MADV_HUGEPAGE
	/* Advice only: a host without THP answers EINVAL, which is fine. */
	err = errno;
	madvise((void *)aligned, size, MADV_HUGEPAGE);
	errno = err;
#else
	(void)err;
#endif
	return (void *)aligned;
}

int mvm_guest_ram_free(void *ram, size_t size)
{
	return munmap(ram, size);
}

// SPDX-License-Identifier: GPL-2.0-only
/* libmvm: vCPU descriptors, their run page and their registers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libmvm.h"

int mvm_vcpu_create(int dev_fd, int vm_fd, unsigned int id,
		    struct mvm_vcpu *v)
{
	int size;

	memset(v, 0, sizeof(*v));
	v->id = id;
	v->fd = mvm_create_vcpu(vm_fd, id);
	if (v->fd < 0)
		return -1;

	size = ioctl(dev_fd, MVM_GET_VCPU_MMAP_SIZE, 0UL);
	if (size < 0)
		goto err_close;
	if ((size_t)size < sizeof(struct mvm_run)) {
		errno = EPROTO;	/* a module that does not match this header */
		goto err_close;
	}
	v->run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		goto err_close;
	}
	v->run_size = (size_t)size;
	return 0;

err_close:
	mvm_close_failed(v->fd);
	v->fd = -1;
	return -1;
}

void mvm_vcpu_destroy(struct mvm_vcpu *v)
{
	free(v->cpuid);
	v->cpuid = NULL;
	v->nr_cpuid = 0;
	if (v->run)
		munmap(v->run, v->run_size);
	v->run = NULL;
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
}

int mvm_vcpu_get_regs(const struct mvm_vcpu *v, struct mvm_regs *r)
{
	return ioctl(v->fd, MVM_GET_REGS, r) < 0 ? -1 : 0;
}

int mvm_vcpu_set_regs(const struct mvm_vcpu *v, const struct mvm_regs *r)
{
	return ioctl(v->fd, MVM_SET_REGS, r) < 0 ? -1 : 0;
}

int mvm_vcpu_get_sregs(const struct mvm_vcpu *v, struct mvm_sregs *s)
{
	return ioctl(v->fd, MVM_GET_SREGS, s) < 0 ? -1 : 0;
}

int mvm_vcpu_set_sregs(const struct mvm_vcpu *v, const struct mvm_sregs *s)
{
	return ioctl(v->fd, MVM_SET_SREGS, s) < 0 ? -1 : 0;
}

int mvm_vcpu_set_cpuid(struct mvm_vcpu *v, const struct mvm_cpuid_entry *e,
		       uint32_t nent)
{
	struct mvm_cpuid c = {
		.nent = nent,
		.entries = (uint64_t)(uintptr_t)e,
	};
	struct mvm_cpuid_entry *copy = malloc((nent ? nent : 1) * sizeof(*e));

	if (!copy)
		return -1;
	if (ioctl(v->fd, MVM_SET_CPUID, &c) < 0) {
		free(copy);
		return -1;
	}
	memcpy(copy, e, nent * sizeof(*e));
	free(v->cpuid);
	v->cpuid = copy;
	v->nr_cpuid = nent;
	return 0;
}

int mvm_vcpu_set_msr(const struct mvm_vcpu *v, uint32_t index, uint64_t val)
{
	struct mvm_msr_entry e = { .index = index, .data = val };
	struct mvm_msrs m = { .nmsrs = 1, .entries = (uint64_t)(uintptr_t)&e };
	int n = ioctl(v->fd, MVM_SET_MSRS, &m);

	if (n < 0)
		return -1;
	if (n != 1) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

void mvm_vcpu_kick(struct mvm_vcpu *v)
{
	/*
	 * A signal that lands between the loop's check and MVM_RUN would be
	 * lost (its handler has run, nothing is pending any more): the flag
	 * in the run page makes that RUN return EINTR at once.
	 */
	if (v->run)
		v->run->immediate_exit = 1;
}

static void real_mode_segment(struct mvm_segment *s, uint16_t selector,
			      uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->selector = selector;
	s->base = (uint64_t)selector << 4;
	s->limit = 0xffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
}

int mvm_vcpu_set_real_mode(const struct mvm_vcpu *v, uint32_t addr,
			   uint16_t sp)
{
	struct mvm_regs r = { .rflags = 0x2 };	/* interrupts off */
	struct mvm_sregs s;
	uint16_t cs = 0;

	if (addr >= 0x100000) {
		errno = EINVAL;
		return -1;
	}
	if (mvm_vcpu_get_sregs(v, &s) < 0)
		return -1;

	/* CS:IP = 0:addr when addr fits 16 bits, else the paragraph above. */
	if (addr > 0xffff)
		cs = (uint16_t)(addr >> 4);
	real_mode_segment(&s.cs, cs, 0xb);	/* code, read, accessed */
	real_mode_segment(&s.ds, 0, 0x3);	/* data, write, accessed */
	real_mode_segment(&s.es, 0, 0x3);
	real_mode_segment(&s.fs, 0, 0x3);
	real_mode_segment(&s.gs, 0, 0x3);
	real_mode_segment(&s.ss, 0, 0x3);
	s.cr0 &= ~0x80000001ULL;		/* PG and PE off */
	s.efer = 0;
	if (mvm_vcpu_set_sregs(v, &s) < 0)
		return -1;

	r.rip = addr - ((uint32_t)cs << 4);
	r.rsp = sp;
	return mvm_vcpu_set_regs(v, &r);
}

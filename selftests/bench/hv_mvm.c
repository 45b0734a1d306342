// SPDX-License-Identifier: GPL-2.0
/* The benchmark on /dev/mvm. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/mvm.h>

#include "hv.h"

struct hv_vm {
	int vm, vcpu;
	struct mvm_run *run;
};

static struct hv_vm *mvm_create_vm(int dev)
{
	struct hv_vm *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->vm = ioctl(dev, MVM_CREATE_VM, 0);
	h->vcpu = -1;
	if (h->vm < 0) {
		free(h);
		return NULL;
	}
	return h;
}

static int mvm_add_mem(struct hv_vm *h, uint32_t slot, uint64_t gpa,
		       uint64_t size, void *host)
{
	struct mvm_memory_region r = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uintptr_t)host,
	};

	return ioctl(h->vm, MVM_SET_MEMORY_REGION, &r);
}

static int mvm_log_dirty(struct hv_vm *h, uint32_t slot, uint64_t gpa,
			 uint64_t size, void *host, bool on)
{
	struct mvm_memory_region r = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uintptr_t)host,
		.flags = on ? MVM_MEM_LOG_DIRTY : 0,
	};

	return ioctl(h->vm, MVM_SET_MEMORY_REGION, &r);
}

static int mvm_get_dirty(struct hv_vm *h, uint32_t slot, uint64_t *bitmap)
{
	struct mvm_dirty_log d = {
		.slot = slot, .bitmap = (uintptr_t)bitmap,
	};

	return ioctl(h->vm, MVM_GET_DIRTY_LOG, &d);
}

static int mvm_create_vcpu(struct hv_vm *h)
{
	h->vcpu = ioctl(h->vm, MVM_CREATE_VCPU, 0);
	if (h->vcpu < 0)
		return -1;
	h->run = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
		      h->vcpu, 0);
	return h->run == MAP_FAILED ? -1 : 0;
}

static int mvm_set_entry(struct hv_vm *h, uint64_t ip, bool prot32,
			 const uint64_t g[8])
{
	struct mvm_regs regs = {
		.rax = g[0], .rcx = g[1], .rdx = g[2], .rbx = g[3],
		.rsp = g[4], .rbp = g[5], .rsi = g[6], .rdi = g[7],
		.rip = ip, .rflags = 2,
	};
	struct mvm_sregs sr;
	struct mvm_segment *segs[] = { &sr.cs, &sr.ds, &sr.es, &sr.fs,
				       &sr.gs, &sr.ss };
	size_t i;

	if (ioctl(h->vcpu, MVM_GET_SREGS, &sr))
		return -1;
	for (i = 0; i < 6; i++) {
		segs[i]->base = 0;
		segs[i]->selector = 0;
		if (prot32) {
			segs[i]->limit = 0xffffffff;
			segs[i]->g = 1;
			segs[i]->db = 1;
			segs[i]->selector = i ? 0x10 : 0x8;
		}
	}
	if (prot32)
		sr.cr0 |= 1;
	if (ioctl(h->vcpu, MVM_SET_SREGS, &sr))
		return -1;
	return ioctl(h->vcpu, MVM_SET_REGS, &regs);
}

static int mvm_run(struct hv_vm *h, enum hv_exit *exit)
{
	if (ioctl(h->vcpu, MVM_RUN, 0))
		return -1;
	switch (h->run->exit_reason) {
	case MVM_EXIT_IO:
		*exit = HV_EXIT_IO;
		break;
	case MVM_EXIT_MMIO:
		*exit = HV_EXIT_MMIO;
		break;
	case MVM_EXIT_HLT:
		*exit = HV_EXIT_HLT;
		break;
	default:
		*exit = HV_EXIT_OTHER;
	}
	return 0;
}

/* mvm leaves the instruction to userspace: step over it in the run page. */
static int mvm_mmio_done(struct hv_vm *h, unsigned int len)
{
	h->run->regs.rip += len;
	h->run->regs_dirty = 1;
	return 0;
}

static int mvm_ioeventfd(struct hv_vm *h, uint16_t port, int efd)
{
	struct mvm_ioeventfd io = {
		.addr = port, .len = 1, .fd = efd, .flags = MVM_IOEVENTFD_PIO,
	};

	return ioctl(h->vm, MVM_IOEVENTFD, &io);
}

static void mvm_destroy(struct hv_vm *h)
{
	if (h->run && h->run != MAP_FAILED)
		munmap(h->run, 4096);
	if (h->vcpu >= 0)
		close(h->vcpu);
	close(h->vm);
	free(h);
}

const struct hv_ops hv_mvm = {
	.name = "mvm", .dev = "/dev/mvm",
	.create_vm = mvm_create_vm, .add_mem = mvm_add_mem,
	.create_vcpu = mvm_create_vcpu, .set_entry = mvm_set_entry,
	.run = mvm_run, .mmio_done = mvm_mmio_done,
	.ioeventfd = mvm_ioeventfd, .destroy = mvm_destroy,
	.log_dirty = mvm_log_dirty, .get_dirty = mvm_get_dirty,
};

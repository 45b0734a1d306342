// SPDX-License-Identifier: GPL-2.0
/* The benchmark on /dev/kvm, the reference. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "hv.h"

struct hv_vm {
	int vm, vcpu;
	struct kvm_run *run;
	size_t run_size;
};

static struct hv_vm *kvm_create_vm(int dev)
{
	struct hv_vm *h = calloc(1, sizeof(*h));
	int sz = ioctl(dev, KVM_GET_VCPU_MMAP_SIZE, 0);

	if (!h)
		return NULL;
	h->vm = ioctl(dev, KVM_CREATE_VM, 0);
	h->vcpu = -1;
	h->run_size = sz > 0 ? sz : 4096;
	if (h->vm < 0) {
		free(h);
		return NULL;
	}
	return h;
}

static int kvm_add_mem(struct hv_vm *h, uint32_t slot, uint64_t gpa,
		       uint64_t size, void *host)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uintptr_t)host,
	};

	return ioctl(h->vm, KVM_SET_USER_MEMORY_REGION, &r);
}

static int kvm_log_dirty(struct hv_vm *h, uint32_t slot, uint64_t gpa,
			 uint64_t size, void *host, bool on)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uintptr_t)host,
		.flags = on ? KVM_MEM_LOG_DIRTY_PAGES : 0,
	};

	return ioctl(h->vm, KVM_SET_USER_MEMORY_REGION, &r);
}

static int kvm_get_dirty(struct hv_vm *h, uint32_t slot, uint64_t *bitmap)
{
	struct kvm_dirty_log d = { .slot = slot, .dirty_bitmap = bitmap };

	return ioctl(h->vm, KVM_GET_DIRTY_LOG, &d);
}

static int kvm_create_vcpu(struct hv_vm *h)
{
	h->vcpu = ioctl(h->vm, KVM_CREATE_VCPU, 0);
	if (h->vcpu < 0)
		return -1;
	h->run = mmap(NULL, h->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      h->vcpu, 0);
	return h->run == MAP_FAILED ? -1 : 0;
}

static int kvm_set_entry(struct hv_vm *h, uint64_t ip, bool prot32,
			 const uint64_t g[8])
{
	struct kvm_regs regs = {
		.rax = g[0], .rcx = g[1], .rdx = g[2], .rbx = g[3],
		.rsp = g[4], .rbp = g[5], .rsi = g[6], .rdi = g[7],
		.rip = ip, .rflags = 2,
	};
	struct kvm_sregs sr;
	struct kvm_segment *segs[] = { &sr.cs, &sr.ds, &sr.es, &sr.fs,
				       &sr.gs, &sr.ss };
	size_t i;

	if (ioctl(h->vcpu, KVM_GET_SREGS, &sr))
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
	if (ioctl(h->vcpu, KVM_SET_SREGS, &sr))
		return -1;
	return ioctl(h->vcpu, KVM_SET_REGS, &regs);
}

static int kvm_run(struct hv_vm *h, enum hv_exit *exit)
{
	if (ioctl(h->vcpu, KVM_RUN, 0))
		return -1;
	switch (h->run->exit_reason) {
	case KVM_EXIT_IO:
		*exit = HV_EXIT_IO;
		break;
	case KVM_EXIT_MMIO:
		*exit = HV_EXIT_MMIO;
		break;
	case KVM_EXIT_HLT:
		*exit = HV_EXIT_HLT;
		break;
	default:
		*exit = HV_EXIT_OTHER;
	}
	return 0;
}

/* KVM decoded and will complete the access itself on the next KVM_RUN. */
static int kvm_mmio_done(struct hv_vm *h, unsigned int len)
{
	(void)h;
	(void)len;
	return 0;
}

static int kvm_ioeventfd(struct hv_vm *h, uint16_t port, int efd)
{
	struct kvm_ioeventfd io = {
		.addr = port, .len = 1, .fd = efd,
		.flags = KVM_IOEVENTFD_FLAG_PIO,
	};

	return ioctl(h->vm, KVM_IOEVENTFD, &io);
}

static void kvm_destroy(struct hv_vm *h)
{
	if (h->run && h->run != MAP_FAILED)
		munmap(h->run, h->run_size);
	if (h->vcpu >= 0)
		close(h->vcpu);
	close(h->vm);
	free(h);
}

const struct hv_ops hv_kvm = {
	.name = "kvm", .dev = "/dev/kvm",
	.create_vm = kvm_create_vm, .add_mem = kvm_add_mem,
	.create_vcpu = kvm_create_vcpu, .set_entry = kvm_set_entry,
	.run = kvm_run, .mmio_done = kvm_mmio_done,
	.ioeventfd = kvm_ioeventfd, .destroy = kvm_destroy,
	.log_dirty = kvm_log_dirty, .get_dirty = kvm_get_dirty,
};

// SPDX-License-Identifier: GPL-2.0
/*
 * The mvm backend (/dev/mvm, uapi/linux/mvm.h).  mvm reports an MMIO
 * access as the guest-physical address, the direction and the instruction
 * bytes; this backend decodes the instruction with the VMM's decoder
 * (userspace/lib/mmio.h) so the test sees the same gpa/len/data as on KVM,
 * and completes it at the next run through the registers in the run page
 * (regs_dirty): the destination register of a read, and RIP past the
 * instruction in both directions.  One access per exit, as KVM does: a
 * MOV, MOVZX or MOVSX, or one element of a STOS (REP runs it again for
 * the next); an ALU operation or MOVS on MMIO is left undecoded (len 0).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mmio.h"
#include "test_vm_int.h"

struct mvm_priv {
	bool mmio_pending;
	struct mvm_mmio_insn insn;
};

static int mvm_e(long r)
{
	return r < 0 ? -errno : 0;
}

static int mvm_create_vm(struct vm *vm, const char **why)
{
	vm->dev = open("/dev/mvm", O_RDWR | O_CLOEXEC);
	if (vm->dev < 0) {
		*why = "/dev/mvm unavailable (mvm.ko not loaded?)";
		return -errno;
	}
	if (ioctl(vm->dev, MVM_GET_API_VERSION, 0) != MVM_API_VERSION) {
		*why = "unexpected MVM_API_VERSION";
		return -ENODEV;
	}
	vm->fd = ioctl(vm->dev, MVM_CREATE_VM, 0);
	if (vm->fd < 0 && errno == EBUSY)
		*why = "MVM_CREATE_VM: EBUSY (another hypervisor holds the CPUs)";
	return vm->fd < 0 ? -errno : 0;
}

static int mvm_set_memory(struct vm *vm, uint32_t slot, uint64_t gpa,
			  uint64_t size, void *hva)
{
	struct mvm_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)hva,
	};

	return mvm_e(ioctl(vm->fd, MVM_SET_MEMORY_REGION, &r));
}

static int mvm_create_vcpu(struct vm *vm, struct vcpu *vcpu, const char **why)
{
	struct mvm_regs regs;
	long size = ioctl(vm->dev, MVM_GET_VCPU_MMAP_SIZE, 0);

	if (size <= 0) {
		if (errno == ENOTTY)
			*why = "this mvm.ko cannot run guests (no MVM_GET_VCPU_MMAP_SIZE)";
		return -errno;
	}
	vcpu->fd = ioctl(vm->fd, MVM_CREATE_VCPU, vcpu->id);
	if (vcpu->fd < 0)
		return -errno;
	/* A module without the vCPU ioctls, or a backend that cannot run. */
	if (ioctl(vcpu->fd, MVM_GET_REGS, &regs) < 0) {
		if (errno == ENOTTY) {
			*why = "this mvm.ko cannot run guests (MVM_GET_REGS: ENOTTY)";
			return -ENOTTY;
		}
		if (errno == EOPNOTSUPP) {
			*why = "mvm's backend cannot run guests (EOPNOTSUPP)";
			return -EOPNOTSUPP;
		}
		return -errno;
	}
	vcpu->run_size = size;
	vcpu->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		vcpu->run = NULL;
		return -errno;
	}
	vcpu->priv = calloc(1, sizeof(struct mvm_priv));
	return vcpu->priv ? 0 : -ENOMEM;
}

/* mvm's own rule: no table, every leaf reads as zeros. */
static int mvm_default_cpuid(struct vcpu *vcpu)
{
	vcpu->cpuid_n = 0;
	return 0;
}

static int mvm_set_cpuid(struct vcpu *vcpu)
{
	struct mvm_cpuid c = {
		.nent = vcpu->cpuid_n,
		.entries = (uint64_t)vcpu->cpuid,
	};

	return mvm_e(ioctl(vcpu->fd, MVM_SET_CPUID, &c));
}

/* Finish the MMIO access of the last exit: the guest moves past it. */
static void mvm_complete_mmio(struct vcpu *vcpu)
{
	struct mvm_priv *p = vcpu->priv;
	struct mvm_run *run = vcpu->run;
	struct mvm_mmio_insn *in = &p->insn;
	uint64_t v = 0;

	if (!p->mmio_pending)
		return;
	p->mmio_pending = false;
	if (in->kind == MVM_MMIO_LOAD) {
		memcpy(&v, run->mmio.data, in->size);
		mvm_mmio_load(&run->regs, in, v);
	}
	mvm_mmio_advance(&run->regs, in, 1);
	run->regs_dirty = 1;
}

static void mvm_decode_mmio(struct vcpu *vcpu)
{
	struct mvm_priv *p = vcpu->priv;
	struct mvm_run *run = vcpu->run;
	struct vcpu_exit *x = &vcpu->exit;
	struct mvm_mmio_insn *in = &p->insn;
	unsigned int n = run->mmio.insn_len;
	uint64_t v;

	x->mmio.gpa = run->mmio.phys_addr;
	x->mmio.is_write = run->mmio.is_write;
	x->mmio.data = run->mmio.data;
	if (n > sizeof(run->mmio.insn_bytes))
		n = sizeof(run->mmio.insn_bytes);
	if (mvm_mmio_decode(run->mmio.insn_bytes, n, run->mmio.cpu_mode, in) ||
	    (in->kind != MVM_MMIO_LOAD && in->kind != MVM_MMIO_STORE &&
	     in->kind != MVM_MMIO_STOS) ||
	    (in->kind != MVM_MMIO_LOAD) != !!run->mmio.is_write)
		return;		/* len stays 0: the test reports it */
	x->mmio.len = in->size;
	if (in->kind != MVM_MMIO_LOAD) {
		v = mvm_mmio_src(&run->regs, in);
		memcpy(run->mmio.data, &v, in->size);
	}
	p->mmio_pending = true;
}

static int mvm_run(struct vcpu *vcpu)
{
	struct mvm_run *run = vcpu->run;
	struct vcpu_exit *x = &vcpu->exit;
	int r;

	mvm_complete_mmio(vcpu);
	r = mvm_e(ioctl(vcpu->fd, MVM_RUN, 0));
	memset(x, 0, sizeof(*x));
	x->raw = run->exit_reason;
	switch (run->exit_reason) {
	case MVM_EXIT_IO:
		x->reason = VCPU_EXIT_IO;
		x->io.port = run->io.port;
		x->io.size = run->io.size;
		x->io.out = run->io.direction == MVM_IO_OUT;
		x->io.count = run->io.count;
		x->io.data = (char *)run + run->io.data_offset;
		break;
	case MVM_EXIT_MMIO:
		x->reason = VCPU_EXIT_MMIO;
		mvm_decode_mmio(vcpu);
		break;
	case MVM_EXIT_HLT:
		x->reason = VCPU_EXIT_HLT;
		break;
	case MVM_EXIT_SHUTDOWN:
		x->reason = VCPU_EXIT_SHUTDOWN;
		break;
	case MVM_EXIT_INTR:
		x->reason = VCPU_EXIT_INTR;
		break;
	case MVM_EXIT_DIRTY_RING_FULL:
		x->reason = VCPU_EXIT_DIRTY_RING_FULL;
		break;
	case MVM_EXIT_EOI:
		x->reason = VCPU_EXIT_EOI;
		x->eoi.vector = run->eoi.vector;
		break;
	case MVM_EXIT_INTERNAL_ERROR:
	case MVM_EXIT_FAIL_ENTRY:
		x->reason = run->exit_reason == MVM_EXIT_FAIL_ENTRY ?
			    VCPU_EXIT_FAIL_ENTRY : VCPU_EXIT_INTERNAL;
		x->internal.suberror = run->internal.suberror;
		x->internal.code = run->internal.hw_exit_code;
		x->internal.info[0] = run->internal.info1;
		x->internal.info[1] = run->internal.info2;
		break;
	default:
		x->reason = VCPU_EXIT_UNKNOWN;
	}
	return r;
}

static int mvm_get_regs(struct vcpu *vcpu, struct mvm_regs *r)
{
	return mvm_e(ioctl(vcpu->fd, MVM_GET_REGS, r));
}

static int mvm_set_regs(struct vcpu *vcpu, const struct mvm_regs *r)
{
	struct mvm_run *run = vcpu->run;
	int ret = mvm_e(ioctl(vcpu->fd, MVM_SET_REGS, r));

	/* Keep the run page's copy current: MMIO completion edits it. */
	if (!ret) {
		run->regs = *r;
		run->regs.rflags |= 2;
		run->regs_dirty = 0;
	}
	return ret;
}

static int mvm_get_sregs(struct vcpu *vcpu, struct mvm_sregs *s)
{
	return mvm_e(ioctl(vcpu->fd, MVM_GET_SREGS, s));
}

static int mvm_set_sregs(struct vcpu *vcpu, const struct mvm_sregs *s)
{
	return mvm_e(ioctl(vcpu->fd, MVM_SET_SREGS, s));
}

static void mvm_free_vcpu(struct vcpu *vcpu)
{
	free(vcpu->priv);
	vcpu->priv = NULL;
}

const struct hv_ops mvm_ops = {
	.name = "mvm",
	.dev = "/dev/mvm",
	.create_vm = mvm_create_vm,
	.set_memory = mvm_set_memory,
	.create_vcpu = mvm_create_vcpu,
	.default_cpuid = mvm_default_cpuid,
	.set_cpuid = mvm_set_cpuid,
	.run = mvm_run,
	.get_regs = mvm_get_regs,
	.set_regs = mvm_set_regs,
	.get_sregs = mvm_get_sregs,
	.set_sregs = mvm_set_sregs,
	.free_vcpu = mvm_free_vcpu,
};

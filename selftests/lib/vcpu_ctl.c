// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU controls beyond registers (vcpu_ctl.h): one table of operations for
 * mvm (uapi/linux/mvm.h) and one for KVM (<linux/kvm.h>), picked by the
 * VM's backend, and the hypervisor-neutral helpers on top (IDT gates, more
 * vCPUs).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "test_vm_int.h"
#include "vcpu_ctl.h"

#define VCPU_STACK_PAGES	8

struct ctl_ops {
	int (*interrupt)(struct vcpu *vcpu, uint32_t vector);
	int (*nmi)(struct vcpu *vcpu);
	int (*exception)(struct vcpu *vcpu, uint8_t vector, bool has_error,
			 uint32_t error_code);
	int (*msrs)(struct vcpu *vcpu, bool set, struct mvm_msr_entry *e,
		    uint32_t n);
	int (*xsave)(struct vcpu *vcpu, bool set, struct mvm_xsave *x);
	int (*xcr0)(struct vcpu *vcpu, bool set, uint64_t *xcr0);
};

static int ret_err(long r)
{
	return r < 0 ? -errno : (int)r;
}

/* ---- mvm ---- */

static int mvm_interrupt(struct vcpu *vcpu, uint32_t vector)
{
	struct mvm_interrupt irq = { .vector = vector };

	return ret_err(ioctl(vcpu->fd, MVM_INTERRUPT, &irq));
}

static int mvm_nmi(struct vcpu *vcpu)
{
	return ret_err(ioctl(vcpu->fd, MVM_NMI, 0));
}

static int mvm_exception(struct vcpu *vcpu, uint8_t vector, bool has_error,
			 uint32_t error_code)
{
	struct mvm_exception e = {
		.vector = vector,
		.has_error_code = has_error,
		.error_code = error_code,
	};

	return ret_err(ioctl(vcpu->fd, MVM_INJECT_EXCEPTION, &e));
}

static int mvm_msrs(struct vcpu *vcpu, bool set, struct mvm_msr_entry *e,
		    uint32_t n)
{
	struct mvm_msrs m = { .nmsrs = n, .entries = (uint64_t)e };

	return ret_err(ioctl(vcpu->fd, set ? MVM_SET_MSRS : MVM_GET_MSRS, &m));
}

static int mvm_xsave(struct vcpu *vcpu, bool set, struct mvm_xsave *x)
{
	return ret_err(ioctl(vcpu->fd, set ? MVM_SET_XSAVE : MVM_GET_XSAVE, x));
}

static int mvm_xcr0(struct vcpu *vcpu, bool set, uint64_t *xcr0)
{
	struct mvm_xcrs x = { .xcr0 = *xcr0 };
	int r = ret_err(ioctl(vcpu->fd, set ? MVM_SET_XCRS : MVM_GET_XCRS, &x));

	if (!r && !set)
		*xcr0 = x.xcr0;
	return r;
}

static const struct ctl_ops mvm_ctl = {
	.interrupt = mvm_interrupt,
	.nmi = mvm_nmi,
	.exception = mvm_exception,
	.msrs = mvm_msrs,
	.xsave = mvm_xsave,
	.xcr0 = mvm_xcr0,
};

/* ---- KVM ---- */

static int kvm_interrupt(struct vcpu *vcpu, uint32_t vector)
{
	struct kvm_interrupt irq = { .irq = vector };

	return ret_err(ioctl(vcpu->fd, KVM_INTERRUPT, &irq));
}

static int kvm_nmi(struct vcpu *vcpu)
{
	return ret_err(ioctl(vcpu->fd, KVM_NMI, 0));
}

static int kvm_exception(struct vcpu *vcpu, uint8_t vector, bool has_error,
			 uint32_t error_code)
{
	struct kvm_vcpu_events ev;

	if (ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
		return -errno;
	ev.exception.injected = 1;
	ev.exception.nr = vector;
	ev.exception.has_error_code = has_error;
	ev.exception.error_code = error_code;
	return ret_err(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
}

_Static_assert(sizeof(struct kvm_msr_entry) == sizeof(struct mvm_msr_entry),
	       "msr entry");

static int kvm_msrs(struct vcpu *vcpu, bool set, struct mvm_msr_entry *e,
		    uint32_t n)
{
	struct kvm_msrs *m = calloc(1, sizeof(*m) + n * sizeof(*e));
	int r;

	if (!m)
		return -ENOMEM;
	m->nmsrs = n;
	memcpy(m->entries, e, n * sizeof(*e));
	r = ret_err(ioctl(vcpu->fd, set ? KVM_SET_MSRS : KVM_GET_MSRS, m));
	if (r >= 0 && !set)
		memcpy(e, m->entries, n * sizeof(*e));
	free(m);
	return r;
}

/* struct kvm_xsave is struct mvm_xsave's region. */
_Static_assert(sizeof(struct kvm_xsave) == offsetof(struct mvm_xsave, flags),
	       "xsave");

static int kvm_xsave(struct vcpu *vcpu, bool set, struct mvm_xsave *x)
{
	if (!set)
		memset(x, 0, sizeof(*x));
	return ret_err(ioctl(vcpu->fd, set ? KVM_SET_XSAVE : KVM_GET_XSAVE, x));
}

static int kvm_xcr0(struct vcpu *vcpu, bool set, uint64_t *xcr0)
{
	struct kvm_xcrs x;
	int r;

	memset(&x, 0, sizeof(x));
	x.nr_xcrs = 1;
	x.xcrs[0].xcr = 0;
	x.xcrs[0].value = *xcr0;
	r = ret_err(ioctl(vcpu->fd, set ? KVM_SET_XCRS : KVM_GET_XCRS, &x));
	if (!r && !set) {
		for (uint32_t i = 0; i < x.nr_xcrs; i++)
			if (x.xcrs[i].xcr == 0)
				*xcr0 = x.xcrs[i].value;
	}
	return r;
}

static const struct ctl_ops kvm_ctl = {
	.interrupt = kvm_interrupt,
	.nmi = kvm_nmi,
	.exception = kvm_exception,
	.msrs = kvm_msrs,
	.xsave = kvm_xsave,
	.xcr0 = kvm_xcr0,
};

/* ---- the calls ---- */

static const struct ctl_ops *ctl(struct vcpu *vcpu)
{
	return vm_is_mvm(vcpu->vm) ? &mvm_ctl : &kvm_ctl;
}

int vcpu_interrupt(struct vcpu *vcpu, uint32_t vector)
{
	return ctl(vcpu)->interrupt(vcpu, vector);
}

int vcpu_nmi(struct vcpu *vcpu)
{
	return ctl(vcpu)->nmi(vcpu);
}

int vcpu_inject_exception(struct vcpu *vcpu, uint8_t vector, bool has_error,
			  uint32_t error_code)
{
	return ctl(vcpu)->exception(vcpu, vector, has_error, error_code);
}

int vcpu_get_msrs(struct vcpu *vcpu, struct mvm_msr_entry *e, uint32_t n)
{
	return ctl(vcpu)->msrs(vcpu, false, e, n);
}

int vcpu_set_msrs(struct vcpu *vcpu, const struct mvm_msr_entry *e, uint32_t n)
{
	return ctl(vcpu)->msrs(vcpu, true, (struct mvm_msr_entry *)e, n);
}

int vcpu_get_xsave(struct vcpu *vcpu, struct mvm_xsave *x)
{
	return ctl(vcpu)->xsave(vcpu, false, x);
}

int vcpu_set_xsave(struct vcpu *vcpu, const struct mvm_xsave *x)
{
	return ctl(vcpu)->xsave(vcpu, true, (struct mvm_xsave *)x);
}

int vcpu_get_xcr0(struct vcpu *vcpu, uint64_t *xcr0)
{
	return ctl(vcpu)->xcr0(vcpu, false, xcr0);
}

int vcpu_set_xcr0(struct vcpu *vcpu, uint64_t xcr0)
{
	return ctl(vcpu)->xcr0(vcpu, true, &xcr0);
}

/* The run page fields have other offsets in struct kvm_run. */
void vcpu_request_interrupt_window(struct vcpu *vcpu, bool on)
{
	if (vm_is_mvm(vcpu->vm))
		((struct mvm_run *)vcpu->run)->request_interrupt_window = on;
	else
		((struct kvm_run *)vcpu->run)->request_interrupt_window = on;
}

void vcpu_set_immediate_exit(struct vcpu *vcpu, bool on)
{
	if (vm_is_mvm(vcpu->vm))
		((struct mvm_run *)vcpu->run)->immediate_exit = on;
	else
		((struct kvm_run *)vcpu->run)->immediate_exit = on;
}

bool vcpu_if_flag(struct vcpu *vcpu)
{
	if (vm_is_mvm(vcpu->vm))
		return ((struct mvm_run *)vcpu->run)->if_flag;
	return ((struct kvm_run *)vcpu->run)->if_flag;
}

bool vcpu_ready_for_interrupt(struct vcpu *vcpu)
{
	if (vm_is_mvm(vcpu->vm))
		return ((struct mvm_run *)vcpu->run)->ready_for_interrupt_injection;
	return ((struct kvm_run *)vcpu->run)->ready_for_interrupt_injection;
}

bool vcpu_exit_is_irq_window(struct vcpu *vcpu)
{
	return vcpu->exit.raw == (vm_is_mvm(vcpu->vm) ?
				  MVM_EXIT_IRQ_WINDOW_OPEN :
				  KVM_EXIT_IRQ_WINDOW_OPEN);
}

/* ---- hypervisor-neutral helpers ---- */

void vcpu_set_idt_gate(struct vcpu *vcpu, int vector, void *handler)
{
	struct vm *vm = vcpu->vm;
	uint64_t *idt, h = (uint64_t)handler;
	struct mvm_sregs s;

	TEST_REQUIRE(vm->idt && vector >= 0 && vector < 256,
		     "IDT gate %d: no 64-bit guest or bad vector", vector);
	idt = vm_gpa_hva(vm, vm->idt);
	idt[2 * vector] = (h & 0xffff) | (uint64_t)GDT_CODE64 << 16 |
			  0x8eULL << 40 | ((h >> 16) & 0xffff) << 48;
	idt[2 * vector + 1] = h >> 32;
	vcpu_get_sregs(vcpu, &s);
	if (s.idt.limit != 256 * 16 - 1) {
		s.idt.limit = 256 * 16 - 1;
		vcpu_set_sregs(vcpu, &s);
	}
}

struct vcpu *vm_add_vcpu(struct vm *vm, int id, void (*fn)(void))
{
	const char *why = NULL;
	struct vcpu *vcpu = calloc(1, sizeof(*vcpu));
	struct mvm_regs r;
	uint64_t stack, *ret;
	int err;

	TEST_REQUIRE(vcpu, "out of memory");
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = -1;
	err = vm->ops->create_vcpu(vm, vcpu, &why);
	TEST_REQUIRE(!err, "create vCPU %d: %s%s%s", id, strerror(-err),
		     why ? ": " : "", why ? why : "");
	vcpu_dirty_ring_map(vcpu);
	err = vm->ops->default_cpuid(vcpu);
	if (!err && vcpu->cpuid_n)
		err = vm->ops->set_cpuid(vcpu);
	TEST_REQUIRE(!err, "vCPU %d CPUID: %s", id, strerror(-err));
	vcpu_setup_long(vcpu, fn);

	/* Its own stack, identity mapped like the library's. */
	stack = vm_alloc_pages(vm, VCPU_STACK_PAGES);
	for (int i = 0; i < VCPU_STACK_PAGES; i++)
		vm_map(vm, stack + i * GUEST_PAGE, stack + i * GUEST_PAGE);
	vcpu_get_regs(vcpu, &r);
	ret = vm_gpa_hva(vm, vm->stack_top - 8);
	r.rsp = stack + VCPU_STACK_PAGES * GUEST_PAGE - 8;
	*(uint64_t *)vm_gpa_hva(vm, r.rsp) = *ret;	/* guest_returned */
	vcpu_set_regs(vcpu, &r);
	return vcpu;
}

void vm_free_vcpu(struct vcpu *vcpu)
{
	vcpu_dirty_ring_unmap(vcpu);
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->vm->ops->free_vcpu(vcpu);
	free(vcpu);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel local APIC on both hypervisors (irqchip.h): mvm's ioctls
 * are one call each; KVM's split irqchip needs a GSI routing table for
 * irqfds and for the EOI exits of level MSIs, kept here per VM.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "irqchip.h"
#include "test_vm_int.h"
#include "vcpu_ctl.h"

/* guest_apic.c */
extern char guest_apic_stubs[];

/* A KVM route: GSI = its index in the table. */
struct kvm_route {
	bool used;
	int efd;		/* its irqfd, or -1: a level MSI's */
	uint64_t addr;
	uint32_t data;
};

struct kvm_irq {
	struct kvm_route r[IRQCHIP_GSIS];
};

static int err_of(long r)
{
	return r < 0 ? -errno : (int)r;
}

/* ---- creation ---- */

int vm_irqchip_create(struct vm *vm, const char **why)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_SPLIT_IRQCHIP,
		.args[0] = IRQCHIP_GSIS,
	};

	if (vm_is_mvm(vm)) {
		if (ioctl(vm->dev, MVM_CHECK_EXTENSION, MVM_CAP_IRQCHIP) <= 0) {
			*why = "mvm.ko has no in-kernel irqchip (MVM_CAP_IRQCHIP)";
			return -EOPNOTSUPP;
		}
		return err_of(ioctl(vm->fd, MVM_CREATE_IRQCHIP, 0));
	}
	if (ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_SPLIT_IRQCHIP) <= 0) {
		*why = "KVM has no split irqchip";
		return -EOPNOTSUPP;
	}
	vm->irq_priv = calloc(1, sizeof(struct kvm_irq));
	if (!vm->irq_priv)
		return -ENOMEM;
	return err_of(ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
}

void vm_irqchip_free(struct vm *vm)
{
	free(vm->irq_priv);
	vm->irq_priv = NULL;
}

struct vm *vm_create_irqchip(struct vcpu **vcpu, const char **why)
{
	struct vm *vm = vm_create_1vcpu_irqchip(vcpu, why);

	if (vm)
		vcpu_cpuid_apic(*vcpu);
	return vm;
}

bool vm_has_kvmclock(struct vm *vm)
{
	if (vm_is_mvm(vm))
		return ioctl(vm->dev, MVM_CHECK_EXTENSION, MVM_CAP_KVMCLOCK) > 0;
	return ioctl(vm->dev, KVM_CHECK_EXTENSION, KVM_CAP_ADJUST_CLOCK) > 0;
}

long vcpu_tsc_khz(struct vcpu *vcpu)
{
	long r;

	if (vm_is_mvm(vcpu->vm))
		r = ioctl(vcpu->vm->dev, MVM_CHECK_EXTENSION, MVM_CAP_TSC_KHZ);
	else
		r = ioctl(vcpu->fd, KVM_GET_TSC_KHZ, 0);
	if (r == 0)
		return -ENOTSUP;
	return r < 0 ? -errno : r;
}

#define CPUID1_ECX_X2APIC	(1u << 21)
#define CPUID1_ECX_TSC_DEADLINE	(1u << 24)
#define CPUID1_EDX_APIC		(1u << 9)

void vcpu_cpuid_apic(struct vcpu *vcpu)
{
	struct mvm_cpuid_entry e = { .function = 1 };

	for (int i = 0; i < vcpu->cpuid_n; i++)
		if (vcpu->cpuid[i].function == 1)
			e = vcpu->cpuid[i];
	e.ecx |= CPUID1_ECX_X2APIC | CPUID1_ECX_TSC_DEADLINE;
	e.edx |= CPUID1_EDX_APIC;
	vcpu_cpuid_set(vcpu, &e);
}

void vcpu_apic_handlers(struct vcpu *vcpu)
{
	for (int v = 32; v < 256; v++)
		vcpu_set_idt_gate(vcpu, v, guest_apic_stubs + 16 * (v - 32));
}

/* ---- KVM routing ---- */

static int kvm_set_routes(struct vm *vm)
{
	struct kvm_irq *k = vm->irq_priv;
	struct kvm_irq_routing *t;
	int n = 0, r;

	t = calloc(1, sizeof(*t) + IRQCHIP_GSIS * sizeof(t->entries[0]));
	if (!t)
		return -ENOMEM;
	for (int gsi = 0; gsi < IRQCHIP_GSIS; gsi++) {
		struct kvm_irq_routing_entry *e = &t->entries[n];

		if (!k->r[gsi].used)
			continue;
		e->gsi = gsi;
		e->type = KVM_IRQ_ROUTING_MSI;
		e->u.msi.address_lo = (uint32_t)k->r[gsi].addr;
		e->u.msi.address_hi = k->r[gsi].addr >> 32;
		e->u.msi.data = k->r[gsi].data;
		n++;
	}
	t->nr = n;
	r = err_of(ioctl(vm->fd, KVM_SET_GSI_ROUTING, t));
	free(t);
	return r;
}

/* The GSI of a new route, or -ENOSPC. */
static int kvm_add_route(struct vm *vm, int efd, uint64_t addr, uint32_t data)
{
	struct kvm_irq *k = vm->irq_priv;
	int r;

	for (int gsi = 0; gsi < IRQCHIP_GSIS; gsi++) {
		if (k->r[gsi].used)
			continue;
		k->r[gsi] = (struct kvm_route){ true, efd, addr, data };
		r = kvm_set_routes(vm);
		if (r) {
			k->r[gsi].used = false;
			return r;
		}
		return gsi;
	}
	return -ENOSPC;
}

static int kvm_signal_msi(struct vm *vm, uint64_t addr, uint32_t data)
{
	struct kvm_irq *k = vm->irq_priv;
	struct kvm_msi msi = {
		.address_lo = (uint32_t)addr,
		.address_hi = addr >> 32,
		.data = data,
	};
	bool routed = false;
	int r;

	/* A level MSI's EOI exits only for a routed vector (irqchip.h). */
	for (int gsi = 0; gsi < IRQCHIP_GSIS && (data & MSI_DATA_LEVEL); gsi++)
		routed |= k->r[gsi].used && k->r[gsi].efd < 0 &&
			  k->r[gsi].addr == addr && k->r[gsi].data == data;
	if ((data & MSI_DATA_LEVEL) && !routed) {
		r = kvm_add_route(vm, -1, addr, data);
		if (r < 0)
			return r;
	}
	return err_of(ioctl(vm->fd, KVM_SIGNAL_MSI, &msi));
}

static int kvm_irqfd(struct vm *vm, int efd, uint64_t addr, uint32_t data)
{
	struct kvm_irqfd f = { .fd = efd };
	struct kvm_irq *k = vm->irq_priv;
	int gsi = kvm_add_route(vm, efd, addr, data), r;

	if (gsi < 0)
		return gsi;
	f.gsi = gsi;
	r = err_of(ioctl(vm->fd, KVM_IRQFD, &f));
	if (r) {
		k->r[gsi].used = false;
		kvm_set_routes(vm);
	}
	return r;
}

static int kvm_irqfd_deassign(struct vm *vm, int efd)
{
	struct kvm_irqfd f = { .fd = efd, .flags = KVM_IRQFD_FLAG_DEASSIGN };
	struct kvm_irq *k = vm->irq_priv;
	int r;

	for (int gsi = 0; gsi < IRQCHIP_GSIS; gsi++) {
		if (!k->r[gsi].used || k->r[gsi].efd != efd)
			continue;
		f.gsi = gsi;
		r = err_of(ioctl(vm->fd, KVM_IRQFD, &f));
		if (r)
			return r;
		k->r[gsi].used = false;
		return kvm_set_routes(vm);
	}
	return -ENOENT;
}

/* ---- the calls ---- */

int vm_signal_msi(struct vm *vm, uint64_t addr, uint32_t data)
{
	struct mvm_msi msi = { .address = addr, .data = data };

	if (!vm_is_mvm(vm))
		return kvm_signal_msi(vm, addr, data);
	return err_of(ioctl(vm->fd, MVM_SIGNAL_MSI, &msi));
}

int vm_irqfd(struct vm *vm, int efd, uint64_t addr, uint32_t data)
{
	struct mvm_irqfd f = {
		.fd = efd,
		.msi = { .address = addr, .data = data },
	};

	if (!vm_is_mvm(vm))
		return kvm_irqfd(vm, efd, addr, data);
	return err_of(ioctl(vm->fd, MVM_IRQFD, &f));
}

int vm_irqfd_deassign(struct vm *vm, int efd)
{
	struct mvm_irqfd f = { .fd = efd, .flags = MVM_IRQFD_DEASSIGN };

	if (!vm_is_mvm(vm))
		return kvm_irqfd_deassign(vm, efd);
	return err_of(ioctl(vm->fd, MVM_IRQFD, &f));
}

int vcpu_get_mp_state(struct vcpu *vcpu, uint32_t *state)
{
	struct kvm_mp_state k;
	struct mvm_mp_state m;
	int r;

	if (vm_is_mvm(vcpu->vm)) {
		r = err_of(ioctl(vcpu->fd, MVM_GET_MP_STATE, &m));
		if (!r)
			*state = m.state;
		return r;
	}
	r = err_of(ioctl(vcpu->fd, KVM_GET_MP_STATE, &k));
	if (r)
		return r;
	switch (k.mp_state) {
	case KVM_MP_STATE_RUNNABLE:
	case KVM_MP_STATE_SIPI_RECEIVED:	/* starts at the next entry */
		*state = MVM_MP_STATE_RUNNABLE;
		break;
	case KVM_MP_STATE_HALTED:
		*state = MVM_MP_STATE_HALTED;
		break;
	case KVM_MP_STATE_UNINITIALIZED:
	case KVM_MP_STATE_INIT_RECEIVED:
		*state = MVM_MP_STATE_INIT_RECEIVED;
		break;
	default:
		*state = 0x100 + k.mp_state;	/* shows up in an assertion */
	}
	return 0;
}

int vcpu_set_mp_state(struct vcpu *vcpu, uint32_t state)
{
	struct mvm_mp_state m = { .state = state };
	struct kvm_mp_state k = { .mp_state = state };

	if (vm_is_mvm(vcpu->vm))
		return err_of(ioctl(vcpu->fd, MVM_SET_MP_STATE, &m));
	switch (state) {
	case MVM_MP_STATE_RUNNABLE:
		k.mp_state = KVM_MP_STATE_RUNNABLE;
		break;
	case MVM_MP_STATE_HALTED:
		k.mp_state = KVM_MP_STATE_HALTED;
		break;
	case MVM_MP_STATE_INIT_RECEIVED:
		k.mp_state = KVM_MP_STATE_INIT_RECEIVED;
		break;
	}
	return err_of(ioctl(vcpu->fd, KVM_SET_MP_STATE, &k));
}

/* struct kvm_lapic_state is struct mvm_lapic_state's regs. */
_Static_assert(sizeof(struct kvm_lapic_state) ==
	       offsetof(struct mvm_lapic_state, flags), "lapic state");

int vcpu_get_lapic(struct vcpu *vcpu, struct mvm_lapic_state *s)
{
	memset(s, 0, sizeof(*s));
	return err_of(ioctl(vcpu->fd, vm_is_mvm(vcpu->vm) ? MVM_GET_LAPIC :
			    KVM_GET_LAPIC, s));
}

int vcpu_set_lapic(struct vcpu *vcpu, const struct mvm_lapic_state *s)
{
	return err_of(ioctl(vcpu->fd, vm_is_mvm(vcpu->vm) ? MVM_SET_LAPIC :
			    KVM_SET_LAPIC, s));
}

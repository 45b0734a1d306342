/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel local APIC for the guest tests, on both hypervisors: mvm's
 * irqchip (MVM_CREATE_IRQCHIP, MVM_SIGNAL_MSI, MVM_IRQFD, MP state, LAPIC
 * state, MVM_EXIT_EOI) and its KVM equivalent, the split irqchip
 * (KVM_CAP_SPLIT_IRQCHIP: LAPICs in the kernel, no IOAPIC).  Calls return
 * 0 (or a count) or -errno of the hypervisor's own ioctl.
 *
 * KVM reports the EOI of a level-triggered interrupt (KVM_EXIT_IOAPIC_EOI)
 * only for a vector that an MSI route of a GSI below the split irqchip's
 * reserved IOAPIC pins names, level-triggered and aimed at the vCPU
 * (kvm_scan_ioapic_routes).  So the KVM half keeps a GSI routing table of
 * IRQCHIP_GSIS entries: every irqfd has one, and every level MSI sent with
 * vm_signal_msi() gets one, so both hypervisors exit on its EOI.
 */
#ifndef MVM_SELFTEST_IRQCHIP_H
#define MVM_SELFTEST_IRQCHIP_H

#include "test_vm.h"

#define IRQCHIP_GSIS		24	/* KVM: the split irqchip's IOAPIC pins */

/* An MSI to physical APIC @dest, @data as in struct mvm_msi. */
#define MSI_ADDR(dest)		(0xfee00000ULL | (uint64_t)(dest) << 12)
#define MSI_DATA_LEVEL		(1u << 15)
#define MSI_DATA_ASSERT		(1u << 14)

/*
 * A VM with the irqchip and vCPU 0 (its CPUID says x2APIC and
 * TSC-deadline), or NULL with *why set: no hypervisor, or one without
 * the irqchip (the test skips).
 */
struct vm *vm_create_irqchip(struct vcpu **vcpu, const char **why);
/* Whether the VM has the kvmclock MSRs (mvm: MVM_CAP_KVMCLOCK). */
bool vm_has_kvmclock(struct vm *vm);
/* The guest TSC's frequency in kHz (MVM_CAP_TSC_KHZ / KVM_GET_TSC_KHZ), or -errno. */
long vcpu_tsc_khz(struct vcpu *vcpu);

/* CPUID 1 of @vcpu says APIC, x2APIC, TSC-deadline (before its first run). */
void vcpu_cpuid_apic(struct vcpu *vcpu);
/* IDT vectors 32-255 of a 64-bit guest to guest_apic.c's counting handlers. */
void vcpu_apic_handlers(struct vcpu *vcpu);

/* How many vCPUs took it (> 0), or -errno. */
int vm_signal_msi(struct vm *vm, uint64_t addr, uint32_t data);
int vm_irqfd(struct vm *vm, int efd, uint64_t addr, uint32_t data);
int vm_irqfd_deassign(struct vm *vm, int efd);

/*
 * MVM_MP_STATE_*.  KVM's UNINITIALIZED (an AP waiting for INIT) reads as
 * INIT_RECEIVED: both wait for INIT/SIPI and run nothing.
 */
int vcpu_get_mp_state(struct vcpu *vcpu, uint32_t *state);
int vcpu_set_mp_state(struct vcpu *vcpu, uint32_t state);

/* struct kvm_lapic_state has the same 1 KiB xAPIC page layout. */
int vcpu_get_lapic(struct vcpu *vcpu, struct mvm_lapic_state *s);
int vcpu_set_lapic(struct vcpu *vcpu, const struct mvm_lapic_state *s);

static inline uint32_t lapic_reg(const struct mvm_lapic_state *s, int off)
{
	return *(const uint32_t *)&s->regs[off];
}

static inline void lapic_reg_set(struct mvm_lapic_state *s, int off,
				 uint32_t v)
{
	*(uint32_t *)&s->regs[off] = v;
}

/* Frees the KVM routing state: vm_free() calls it. */
void vm_irqchip_free(struct vm *vm);

#endif /* MVM_SELFTEST_IRQCHIP_H */

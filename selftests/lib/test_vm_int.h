/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the guest-test library: the backend table.  Each backend owns its
 * device, its run page layout and its exit decoding; the core (test_vm.c)
 * owns memory, page tables, guest modes and ucalls.
 */
#ifndef MVM_SELFTEST_TEST_VM_INT_H
#define MVM_SELFTEST_TEST_VM_INT_H

#include "test_vm.h"

struct hv_ops {
	const char *name;
	const char *dev;
	/*
	 * Opens the device and creates the VM (vm->dev, vm->fd).  -ENODEV and
	 * friends with *why set: the test skips.
	 */
	int (*create_vm)(struct vm *vm, const char **why);
	int (*set_memory)(struct vm *vm, uint32_t slot, uint64_t gpa,
			  uint64_t size, void *hva);
	/* vcpu->fd and the run page; -EOPNOTSUPP with *why: cannot run. */
	int (*create_vcpu)(struct vm *vm, struct vcpu *vcpu, const char **why);
	/* The default CPUID table into vcpu->cpuid. */
	int (*default_cpuid)(struct vcpu *vcpu);
	int (*set_cpuid)(struct vcpu *vcpu);
	/* Runs once and decodes the exit into vcpu->exit; 0 or -errno. */
	int (*run)(struct vcpu *vcpu);
	int (*get_regs)(struct vcpu *vcpu, struct mvm_regs *r);
	int (*set_regs)(struct vcpu *vcpu, const struct mvm_regs *r);
	int (*get_sregs)(struct vcpu *vcpu, struct mvm_sregs *s);
	int (*set_sregs)(struct vcpu *vcpu, const struct mvm_sregs *s);
	void (*free_vcpu)(struct vcpu *vcpu);
};

extern const struct hv_ops mvm_ops, kvm_ops;

/*
 * irqchip.c: the in-kernel LAPICs, before any vCPU exists; -errno with
 * *why set when the hypervisor has none (the test skips).
 */
int vm_irqchip_create(struct vm *vm, const char **why);
struct vm *vm_create_1vcpu_irqchip(struct vcpu **vcpu, const char **why);

/*
 * dirty_ring.c: turn the ring on before any vCPU exists (-errno with *why
 * set when the hypervisor has none), and map it for each vCPU.
 */
int vm_dirty_ring_enable(struct vm *vm, uint32_t bytes, const char **why);
void vcpu_dirty_ring_map(struct vcpu *vcpu);
void vcpu_dirty_ring_unmap(struct vcpu *vcpu);
struct vm *vm_create_1vcpu_ring(struct vcpu **vcpu, uint32_t bytes,
				const char **why);

#endif /* MVM_SELFTEST_TEST_VM_INT_H */

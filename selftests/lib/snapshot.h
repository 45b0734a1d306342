/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A vCPU's whole state as a VMM saves it for a snapshot or a migration,
 * and the VM clock, on mvm or KVM: the debug registers (struct
 * mvm_debugregs as the common form; KVM_GET/SET_DEBUGREGS), the VM clock
 * (struct mvm_clock_data; KVM_GET/SET_CLOCK, flags mapped), and a save
 * and a restore of everything in the order uapi/mvm-api.md gives
 * ("Saving and restoring a VM").  Calls return 0 or -errno.
 */
#ifndef MVM_SELFTEST_SNAPSHOT_H
#define MVM_SELFTEST_SNAPSHOT_H

#include "test_vm.h"

#define SNAP_MAX_MSRS	16

struct vcpu_snapshot {
	struct mvm_regs regs;
	struct mvm_sregs sregs;
	struct mvm_xsave xsave;
	uint64_t xcr0;
	struct mvm_msr_entry msrs[SNAP_MAX_MSRS];
	uint32_t nmsrs;
	bool irqchip;			/* the three below are saved */
	struct mvm_lapic_state lapic;
	uint64_t tsc_deadline;		/* set after the LAPIC (its timer mode) */
	uint32_t mp_state;
	struct mvm_debugregs dregs;
	uint8_t events[64];		/* the hypervisor's own vCPU events */
};

/* MVM_CAP_SNAPSHOT / KVM_CAP_DEBUGREGS; MVM_CAP_VM_CLOCK / KVM_CAP_ADJUST_CLOCK. */
bool vm_has_snapshot(struct vm *vm);
bool vm_has_clock(struct vm *vm);

int vcpu_get_debugregs(struct vcpu *vcpu, struct mvm_debugregs *d);
int vcpu_set_debugregs(struct vcpu *vcpu, const struct mvm_debugregs *d);
/* KVM's flags become MVM_CLOCK_REALTIME / MVM_CLOCK_HOST_TSC and back. */
int vm_get_clock(struct vm *vm, struct mvm_clock_data *c);
int vm_set_clock(struct vm *vm, const struct mvm_clock_data *c);

/*
 * Everything, with @msrs (@n of them, besides APIC_BASE and TSC_DEADLINE
 * that come with an irqchip).  The vCPU must be out of MVM_RUN, with a
 * finished instruction (KVM: after an immediate-exit run).
 */
int vcpu_snapshot_save(struct vcpu *vcpu, struct vcpu_snapshot *s,
		       const uint32_t *msrs, uint32_t n);
/* Into a vCPU of a VM whose memory and clock are restored already. */
int vcpu_snapshot_restore(struct vcpu *vcpu, const struct vcpu_snapshot *s);

#endif /* MVM_SELFTEST_SNAPSHOT_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest fuzzer's VMs and vCPUs, and what it does to them between RUNs
 * (guest_state.c): CPUID tables, injected events, state round trips.
 */
#ifndef MVM_GUEST_STATE_H
#define MVM_GUEST_STATE_H

#include "fuzz_lib.h"
#include "guest_fuzz.h"

struct fvm;

struct fvcpu {
	struct fvm *vm;
	int id, fd;
	struct mvm_run *run;
	struct fz_slot slot;
};

struct fvm {
	int fd;
	int irqchip;
	struct guest g;
	struct fvcpu v[2];
};

struct stats {
	unsigned long guests[NR_MODES], setup_refused[NR_MODES];
	unsigned long user, two_vcpus, irqchip_vms;
	unsigned long runs, exits[13], ends[16];
	unsigned long inj_irq, inj_nmi, inj_exc, inj_msi, round_trips, mmio_undecoded;
};

extern struct stats st;

/* The test host's own CPUID leaves, read once; a vCPU gets them, sometimes flipped. */
void cpuid_init(void);
int set_cpuid(struct fvcpu *c);
/* An injection ioctl; errnos it may give are fine, others a finding.  0 or -1. */
int inject_checked(struct fvcpu *c, unsigned long req, void *arg, const char *what);
/* An interrupt, NMI, exception or MSI, into this vCPU or the VM's other one. */
void maybe_inject(struct fvcpu *c);
/* One piece of state read and written back: refused is a finding. */
void round_trip(struct fvcpu *c);

#endif /* MVM_GUEST_STATE_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mvm run: what the raw-image path (cmd_run.c) and Linux (run_linux.c)
 * share (run_machine.c).  Every function that fails has said why on
 * stderr.
 */
#ifndef MVM_RUN_H
#define MVM_RUN_H

#include <stdint.h>

#include "cli.h"
#include "console.h"
#include "devices.h"
#include "libmvm.h"

struct mvm_ctl;

struct run_args {
	const char *raw;
	uint64_t load_addr;
	const char *kernel, *initrd, *cmdline;
	uint64_t mem;
	unsigned long cpus;
	int verbose;
	const char *api_sock;	/* --api-sock: the control socket */
	const char *incoming;	/* --incoming: a migration's destination */
	int cpus_set;		/* --cpus given */
	int dirty_bitmap;	/* --dirty-log bitmap: no dirty rings */
};

/* Each vCPU's dirty ring, unless --dirty-log bitmap (4096 entries). */
#define RUN_RING_BYTES	(64U << 10)

/* Boot args->kernel; returns mvm's exit status. */
int run_linux(struct cli *cli, const struct run_args *a);
/* Take a migration at args->incoming and run it (run_incoming.c). */
int run_incoming(struct cli *cli, const struct run_args *a);

/* Machine kinds (mvm_machine.kind): what a snapshot is restored into. */
#define RUN_KIND_RAW	1	/* mvm run --raw */
#define RUN_KIND_LINUX	2	/* mvm run --kernel */

/* The devices of a machine, built alike by a run and by a restore. */
struct run_devices {
	struct uart8250 *uart;
	struct console_watch console;	/* Linux only */
};

/* --raw: COM1 and the power-off port.  0 or -1. */
int run_raw_devices(struct mvm_machine *m, struct run_devices *d);
/* --kernel: the in-kernel local APICs (before the vCPUs), then the rest. */
int run_linux_irqchip(struct mvm_machine *m);
int run_linux_devices(struct mvm_machine *m, struct run_devices *d);

/* A machine that logs to stderr and reports its vCPUs' failures there. */
void run_machine_init(struct mvm_machine *m, const struct run_args *a);
/* Are these regions the PC layout of ram_size bytes (mvm run's)?  1 or 0. */
int run_pc_layout(const struct mvm_ram_region *r, unsigned int n,
		  uint64_t ram_size);
/* Guest RAM of size bytes in the PC layout: 0 or -1. */
int run_alloc_ram(struct mvm_machine *m, uint64_t size);
/*
 * Open the device, check --mem against it, create the VM, map RAM, and
 * give it dirty rings (unless --dirty-log bitmap, or the module has none):
 * 0 or -1.
 */
int run_create_vm(const struct cli *cli, struct mvm_machine *m);
/* vCPUs 0 .. n-1: 0 or -1. */
int run_create_vcpus(struct mvm_machine *m, unsigned int n);
/*
 * Bind the control socket at api_sock (none when it is NULL) into *ctl,
 * before anything runs, so a path in use fails the start: 0 or -1.
 */
int run_ctl_listen(struct mvm_machine *m, const char *api_sock,
		   struct mvm_ctl **ctl);
/* Remove a socket run_machine() never got (NULL is fine). */
void run_ctl_close(struct mvm_ctl *ctl);
/*
 * Run the machine, stdin feeding uart, until it stops; says why and
 * returns mvm's exit status.  console (may be NULL) turns a reset right
 * after a guest panic into the panic's outcome.  ctl (may be NULL, from
 * run_ctl_listen()) is served once the vCPUs run, and stopped at the end.
 */
int run_machine(struct mvm_machine *m, struct uart8250 *uart,
		const struct console_watch *console, struct mvm_ctl *ctl);
/*
 * run_machine() in two: the vCPUs' threads start (they enter the guest
 * unless the machine is paused), and the signal that start returned (or
 * -1: it failed, and said why) goes to run_machine_finish(), which serves
 * ctl and the input, waits for the end and returns mvm's exit status.
 */
int run_machine_start(struct mvm_machine *m, struct mvm_ctl *ctl);
int run_machine_finish(struct mvm_machine *m, int sig, struct uart8250 *uart,
		       const struct console_watch *console, struct mvm_ctl *ctl);

/* --mem against the module's address width and slot size: 0 or -1. */
int run_check_limits(const struct cli *cli, int fd, uint64_t mem);

#endif /* MVM_RUN_H */

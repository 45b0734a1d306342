/* SPDX-License-Identifier: GPL-2.0-only */
/* mvm run: what the raw-image path (cmd_run.c) and Linux (run_linux.c) share. */
#ifndef MVM_RUN_H
#define MVM_RUN_H

#include <stdint.h>

#include "cli.h"
#include "libmvm.h"

struct run_args {
	const char *raw;
	uint64_t load_addr;
	const char *kernel, *initrd, *cmdline;
	uint64_t mem;
	unsigned long cpus;
	int verbose;
};

/* Boot args->kernel; returns mvm's exit status. */
int run_linux(struct cli *cli, const struct run_args *a);

/* --mem against the module's address width and slot size: 0 or -1. */
int run_check_limits(const struct cli *cli, int fd, uint64_t mem);
/* Guest RAM (anonymous, THP-advised), or NULL after saying why. */
void *run_alloc_ram(uint64_t size);
/* Map it: [0, low) in slot 0, the rest at 4 GiB in slot 1.  0 or -1. */
int run_map_ram(int vm_fd, void *ram, uint64_t size);
/* Say why a vCPU stopped; returns the exit status it means. */
int run_report(const struct mvm_stop *st);
/* "mvm: <message>" on stderr: the machine's log hook. */
void run_log_stderr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* MVM_RUN_H */

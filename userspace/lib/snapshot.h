/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libmvm: snapshots of a whole machine (lib/snapshot.c).  A snapshot is a
 * directory of two files:
 *
 *   memory  guest RAM, byte for byte (zero pages left as holes), so that
 *           a restore maps it copy-on-write and faults pages in as the
 *           guest touches them; several restores share its pages.
 *   state   a state stream (state.h): the machine section (its kind,
 *           RAM layout, vCPU count, the memory file's size and CRC-32),
 *           the VM's clock, a section per vCPU, a section per device.
 *
 * Both are written under temporary names and renamed, state last: a
 * directory with a state file holds a whole snapshot.
 */
#ifndef MVM_SNAPSHOT_H
#define MVM_SNAPSHOT_H

#include <stdint.h>

#include "libmvm.h"
#include "state.h"

#define MVM_SNAPSHOT_MAX_VCPUS	256
#define MVM_SNAPSHOT_MAX_REGIONS 16

/* What a restore needs to build the machine again before loading it. */
struct mvm_snapshot {
	uint32_t kind;		/* the VMM's machine kind (mvm_machine.kind) */
	uint32_t nr_vcpus;
	uint64_t ram_size;
	uint32_t nr_regions;
	struct mvm_ram_region regions[MVM_SNAPSHOT_MAX_REGIONS];
	uint32_t memory_crc;
	/* the state file, read whole and checked */
	uint8_t *buf;
	size_t len;
	struct mvm_state s;
	int dir_fd;
};

/*
 * Write a snapshot of m into dir (created, mode 0700; it must not exist).
 * m must be paused.  0, or -1 with errno (EBUSY: not paused; EEXIST).
 */
int mvm_snapshot_save(struct mvm_machine *m, const char *dir);

/*
 * Read dir's state file and check all of it (header, every section's
 * length and checksum, the machine section's values): 0, or -1 with
 * errno and *why saying what is wrong, in words.  Nothing is applied.
 */
int mvm_snapshot_open(struct mvm_snapshot *snap, const char *dir,
		      const char **why);
/*
 * Give m (initialized, no RAM yet) the snapshot's memory, mapped
 * copy-on-write, and its RAM layout.  verify: check the memory file's
 * CRC-32 first (reads it all).  0, or -1 with errno and *why.
 */
int mvm_snapshot_map_ram(struct mvm_snapshot *snap, struct mvm_machine *m,
			 int verify, const char **why);
/*
 * Load the vCPUs' and the devices' state into m, built as the snapshot's
 * machine was (its VM, vCPUs and devices, in the same order).  0, or -1
 * with errno and *why; m must then not run.
 */
int mvm_snapshot_load(struct mvm_snapshot *snap, struct mvm_machine *m,
		      const char **why);
void mvm_snapshot_close(struct mvm_snapshot *snap);

#endif /* MVM_SNAPSHOT_H */

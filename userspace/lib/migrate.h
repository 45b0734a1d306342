/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libmvm: live migration by pre-copy (migrate.c: the source, migrate_in.c:
 * the destination, migrate_net.c: addresses and the handshake's checks).
 *
 * The stream is a state stream (state.h) over one TCP or UNIX connection:
 *
 *   source                                 destination
 *   header, HELLO (the machine: kind,
 *     vCPUs, RAM layout; TSC kHz;
 *     vCPU 0's CPUID)               ->
 *                                   <-     REPLY: taken, or why not (a
 *                                          version, layout, memory or CPU
 *                                          feature it cannot give)
 *   RAM sections, round after round
 *     (all of RAM, then what the guest
 *     wrote meanwhile)              ->     written into its RAM
 *   SYNC after each round           ->
 *                                   <-     REPLY (status 0) once read
 *   -- the source pauses --
 *   the last RAM, CLOCK, VCPU x n,
 *     DEVICE sections, END          ->     all checked, then loaded
 *                                   <-     REPLY: running, or why not
 *
 * A RAM section: u64 offset into RAM, u32 pages, u32 flags; then the
 * pages' bytes, or none for a run of zero pages (MVM_MIG_RAM_ZERO).  END
 * says how many RAM sections and pages came, so that nothing lost goes
 * unnoticed.  A SYNC (u32: the round) is answered as soon as the
 * destination has read it, so the source knows that all before it has
 * been taken: it pauses only with nothing of the rounds still in the
 * sockets' buffers (megabytes, which the destination would otherwise
 * still be reading while the guest stands), and its bandwidth is what
 * the destination took, not what the buffers did.  The destination starts no vCPU before END arrived and every
 * section of it checked out; every failure on the source's side (the
 * connection, a refusal, a timeout, a cancel) ends with its guest running
 * on as before.
 */
#ifndef MVM_MIGRATE_H
#define MVM_MIGRATE_H

#include <stdint.h>

#include "libmvm.h"
#include "state.h"

#define MVM_MIG_RAM_ZERO	1U	/* a RAM section of zero pages: no data */
#define MVM_MIG_RAM_MAX_PAGES	256	/* pages of data in one RAM section */
#define MVM_MIG_MAX_VCPUS	256
#define MVM_MIG_MAX_REGIONS	16
#define MVM_MIG_MAX_CPUID	256
/* A section's largest payload: a RAM section of data. */
#define MVM_MIG_SECTION_MAX	(MVM_MIG_RAM_MAX_PAGES * MVM_PAGE_SIZE + 64)
/* What the machine's state (CLOCK, VCPU, DEVICE) may take in all. */
#define MVM_MIG_STATE_MAX	(64U << 20)

/* The defaults, documented in mvm ctl --help. */
#define MVM_MIG_DOWNTIME_MS	50	/* the pause the last round may take */
#define MVM_MIG_TIMEOUT_S	30	/* no byte moved for this long: fail */

/* ---- Addresses: tcp:HOST:PORT, unix:PATH (migrate_net.c) ---- */

/*
 * A connection to uri, into io->fd: 0, or -1 with errno and *why.  The
 * connect waits as io's transfers do: it gives up on io->cancel
 * (ECANCELED) or after io->timeout_ms (ETIMEDOUT).
 */
int mvm_mig_connect(const char *uri, struct mvm_state_io *io, const char **why);
/*
 * Listen on uri (a UNIX path is created mode 0600 and must not exist):
 * a descriptor, or -1 with errno and *why.
 */
int mvm_mig_listen(const char *uri, const char **why);
/* Take one connection and stop listening (a UNIX path is removed). */
int mvm_mig_accept(int listen_fd, const char *uri);

/* ---- The handshake ---- */

struct mvm_mig_hello {
	uint32_t kind, nr_vcpus;
	uint64_t ram_size;
	uint32_t nr_regions;
	struct mvm_ram_region regions[MVM_MIG_MAX_REGIONS];
	uint64_t tsc_khz;		/* 0: unknown */
	uint32_t nr_cpuid;
	struct mvm_cpuid_entry cpuid[MVM_MIG_MAX_CPUID];	/* vCPU 0's */
};

/*
 * The CPU features a guest was given (want) that a table this side would
 * give (have) lacks: 0 when none, else -1 with the first named in why.
 */
int mvm_mig_cpuid_fits(const struct mvm_cpuid_entry *have, uint32_t nhave,
		       const struct mvm_cpuid_entry *want, uint32_t nwant,
		       char *why, size_t cap);

/* Send a REPLY: status 0 (taken) or an errno value, and a message. */
int mvm_mig_send_reply(struct mvm_state_io *io, uint32_t status,
		       const char *msg);
/* Read a REPLY: its status (*msg its message, in buf), or -1 with errno. */
int mvm_mig_recv_reply(struct mvm_state_io *io, char *buf, size_t cap);

/* ---- The source (migrate.c) ---- */

struct mvm_migrate_opts {
	unsigned int downtime_ms;	/* 0: MVM_MIG_DOWNTIME_MS */
	uint64_t max_bandwidth;		/* bytes per second, 0: no limit */
	unsigned int timeout_s;		/* 0: MVM_MIG_TIMEOUT_S */
};

enum mvm_mig_state {
	MVM_MIG_ACTIVE = 1,
	MVM_MIG_COMPLETED,
	MVM_MIG_FAILED,
	MVM_MIG_CANCELLED,
};

/* Where a migration is (the last round's figures). */
struct mvm_mig_progress {
	enum mvm_mig_state state;
	unsigned int round;		/* rounds sent, the first is all of RAM */
	uint64_t sent;			/* bytes of the stream so far */
	uint64_t left;			/* bytes of RAM to send again */
	uint64_t dirty_rate;		/* bytes per second the guest wrote */
	uint64_t expected_downtime_ms;
	unsigned int throttle_pct;
	uint64_t downtime_ms, total_ms;	/* when completed */
	char error[160];		/* when failed */
	char uri[128];
};

/* Called on the migration's thread when it ends, with its last figures. */
typedef void (*mvm_mig_done_fn)(const struct mvm_mig_progress *p, void *arg);

/*
 * Migrate m to uri on a thread of its own.  When it completes, m stops
 * (status 0, "migrated to URI"); when it fails, m's guest runs on.  done
 * (may be NULL) is called at the end either way.  0, or -1 with errno
 * (EBUSY: a migration is running).
 */
int mvm_migrate_start(struct mvm_machine *m, const char *uri,
		      const struct mvm_migrate_opts *o, mvm_mig_done_fn done,
		      void *arg);
/* Ask the running migration to give up: 0, or -1 with ESRCH (none). */
int mvm_migrate_cancel(struct mvm_machine *m);
/* The figures of the last migration started: 1, or 0 when none was. */
int mvm_migrate_progress(struct mvm_machine *m, struct mvm_mig_progress *p);
/* Cancel the migration if it runs, wait for its thread, free it. */
void mvm_migrate_finish(struct mvm_machine *m);

/* ---- The destination (migrate_in.c) ---- */

/* Read the stream's header and HELLO: 0, or -1 with errno and why. */
int mvm_incoming_hello(struct mvm_state_io *io, struct mvm_mig_hello *h,
		       char *why, size_t cap);

struct mvm_incoming_stats {
	uint64_t bytes;			/* of the stream */
	uint64_t pages;			/* RAM pages received */
	uint32_t rounds;
};

/*
 * Receive the rest into m (built from the HELLO, not yet running): RAM as
 * it comes, the machine's state whole until END, then check and load it.
 * 0, or -1 with errno and why; m must then not run.
 */
int mvm_incoming_receive(struct mvm_state_io *io, struct mvm_machine *m,
			 struct mvm_incoming_stats *st, char *why, size_t cap);

#endif /* MVM_MIGRATE_H */

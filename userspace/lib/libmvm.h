/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libmvm: thin wrappers over the /dev/mvm ABI (uapi/linux/mvm.h).
 *
 * Every function that can fail returns -1 (or NULL) with errno set by the
 * call that failed; cleanup done on the way out never changes that errno.
 * Nothing here prints: reporting is the caller's job.
 */
#ifndef LIBMVM_H
#define LIBMVM_H

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/mvm.h>

#include "mmio.h"

#define MVM_DEFAULT_DEVICE	"/dev/mvm"
#define MVM_PAGE_SIZE		((uint64_t)4096)

/* ---- Device ---- */

/* Which step of mvm_open() failed. */
enum mvm_open_step {
	MVM_OPEN_OK,
	MVM_OPEN_OPEN,		/* open(2); errno from it */
	MVM_OPEN_VERSION,	/* MVM_GET_API_VERSION; errno from it */
	MVM_OPEN_MISMATCH,	/* version != MVM_API_VERSION; errno EPROTONOSUPPORT */
};

struct mvm_open_status {
	enum mvm_open_step step;
	int version;		/* what the device reported, -1 if not read */
};

/*
 * Open the device read-write and close-on-exec and check its API version.
 * Returns the descriptor; on failure -1, errno set and *st saying where.
 */
int mvm_open(const char *path, struct mvm_open_status *st);

/* After a failure: close fd, keeping errno for the caller.  Returns -1. */
int mvm_close_failed(int fd);

/* MVM_GET_API_VERSION: the version, or -1. */
int mvm_api_version(int dev_fd);

/* MVM_CHECK_EXTENSION: 0 and *value (0 = unsupported), or -1. */
int mvm_check_extension(int dev_fd, unsigned int cap, unsigned long *value);

/* MVM_CREATE_VM (type 0): a VM descriptor, or -1. */
int mvm_create_vm(int dev_fd);

/* ---- VM ---- */

/* MVM_CREATE_VCPU: a vCPU descriptor, or -1. */
int mvm_create_vcpu(int vm_fd, unsigned int id);

/* MVM_SET_MEMORY_REGION; size 0 deletes the slot.  0 or -1. */
int mvm_set_memory_region(int vm_fd, uint32_t slot, uint64_t gpa,
			  uint64_t size, void *hva);
/* The same with MVM_MEM_* flags (changing only LOG_DIRTY keeps the slot). */
int mvm_set_memory_region_flags(int vm_fd, uint32_t slot, uint64_t gpa,
				uint64_t size, void *hva, uint32_t flags);

/* ---- Guest memory ---- */

/*
 * Anonymous private memory for a guest, size a non-zero multiple of
 * MVM_PAGE_SIZE (else EINVAL).  Regions of 2 MiB or more start on a 2 MiB
 * boundary and are advised MADV_HUGEPAGE where the host has it, so that
 * transparent huge pages can back them.  NULL on failure.
 */
void *mvm_guest_ram_alloc(size_t size);
int mvm_guest_ram_free(void *ram, size_t size);

/* ---- Sizes ---- */

/*
 * Parse "<digits>[K|M|G|T]" (case-insensitive, powers of 1024) into bytes.
 * 0, or -1 with errno EINVAL (syntax) or ERANGE (does not fit 64 bits).
 */
int mvm_parse_size(const char *s, uint64_t *bytes);

/*
 * Write bytes in the largest binary unit that divides it exactly
 * ("64 MiB", "1536 KiB", "4097 B").  Returns buf.
 */
#define MVM_SIZE_BUF	32
char *mvm_format_size(uint64_t bytes, char buf[MVM_SIZE_BUF]);

/* ---- vCPUs ---- */

/* A vCPU descriptor and its run page (MVM_GET_VCPU_MMAP_SIZE, mmap()). */
struct mvm_vcpu {
	int fd;
	unsigned int id;
	struct mvm_run *run;
	size_t run_size;
	/* MSR indices already reported through the machine's log hook. */
	uint32_t msrs_logged[16];
	unsigned int nr_msrs_logged;
	/* The CPUID table last set (a snapshot carries it): malloc()ed. */
	struct mvm_cpuid_entry *cpuid;
	uint32_t nr_cpuid;
};

/* MVM_CREATE_VCPU id on vm_fd and map its run page.  0, or -1. */
int mvm_vcpu_create(int dev_fd, int vm_fd, unsigned int id,
		    struct mvm_vcpu *v);
/* Unmap and close; safe on a zeroed struct with fd -1. */
void mvm_vcpu_destroy(struct mvm_vcpu *v);

int mvm_vcpu_get_regs(const struct mvm_vcpu *v, struct mvm_regs *r);
int mvm_vcpu_set_regs(const struct mvm_vcpu *v, const struct mvm_regs *r);
int mvm_vcpu_get_sregs(const struct mvm_vcpu *v, struct mvm_sregs *s);
int mvm_vcpu_set_sregs(const struct mvm_vcpu *v, const struct mvm_sregs *s);
/* MVM_SET_CPUID, and keep a copy of the table in v.  0, or -1. */
int mvm_vcpu_set_cpuid(struct mvm_vcpu *v, const struct mvm_cpuid_entry *e,
		       uint32_t nent);

/*
 * Make the vCPU's current or next MVM_RUN return EINTR at once.
 * Async-signal-safe: meant for a signal handler.
 */
void mvm_vcpu_kick(struct mvm_vcpu *v);

/* MVM_SET_MSRS of one MSR: 0, or -1 (EINVAL when the kernel refused it). */
int mvm_vcpu_set_msr(const struct mvm_vcpu *v, uint32_t index, uint64_t val);

struct mvm_state;	/* the state stream: state.h */

/*
 * The vCPU's whole state (CPUID table, registers, FPU, MSRs, local APIC,
 * events, run state) into the open section of a state stream, and back
 * into a vCPU of a machine built the same way (vcpu_state.c), its TSC and
 * TSC deadline moved on by tsc_add ticks.  0, or -1 with errno (EBADMSG:
 * the section is not one).
 */
int mvm_vcpu_state_save(const struct mvm_vcpu *v, struct mvm_state *s);
int mvm_vcpu_state_load(struct mvm_vcpu *v, struct mvm_state *s,
			uint64_t tsc_add);

/* Point the vCPU at real-mode address addr (< 1 MiB) with SS:SP = 0:sp. */
int mvm_vcpu_set_real_mode(const struct mvm_vcpu *v, uint32_t addr,
			   uint16_t sp);

/* ---- CPUID ---- */

/*
 * The CPUID table for a guest: the host's vendor and leaves 0 and 1, with
 * what the guest cannot use cleared and the hypervisor bit set (cpuid.c
 * lists the bits).  Returns the number of entries written (at most max).
 */
unsigned int mvm_cpuid_default(struct mvm_cpuid_entry *e, unsigned int max,
			       unsigned int vcpu_id);

/* What the Linux CPUID table depends on. */
struct mvm_cpuid_cfg {
	unsigned int vcpu_id, nr_cpus;
	unsigned int phys_bits;	/* MVM_CAP_GUEST_PHYS_BITS, 0 unknown */
	int kvmclock;		/* MVM_CAP_KVMCLOCK: the KVM PV leaves */
};

/*
 * The CPUID table for a Linux guest (cpuid_linux.c lists what it keeps):
 * returns the number of entries written (at most max; 64 is plenty).
 */
unsigned int mvm_cpuid_linux(struct mvm_cpuid_entry *e, unsigned int max,
			     const struct mvm_cpuid_cfg *c);

/* ---- Buses: where devices answer the guest's port and MMIO accesses ---- */

/*
 * A device's handlers for one range: off is from the range's base, size
 * 1, 2, 4 or 8.  A read returns the value in the low size bytes.
 */
struct mvm_io_ops {
	uint64_t (*read)(void *opaque, uint64_t off, unsigned int size);
	void (*write)(void *opaque, uint64_t off, unsigned int size,
		      uint64_t val);
};

struct mvm_bus_range {
	uint64_t base, len;
	const struct mvm_io_ops *ops;
	void *opaque;
};

/* Ranges sorted by base, never overlapping. */
struct mvm_bus {
	struct mvm_bus_range *ranges;
	size_t nr, cap;
	uint64_t limit;		/* the highest address on the bus */
};

/* 0, or -1 with EINVAL (empty, beyond limit), EEXIST (overlap), ENOMEM. */
int mvm_bus_register(struct mvm_bus *b, uint64_t base, uint64_t len,
		     const struct mvm_io_ops *ops, void *opaque);
/* Remove the range that starts at base: 0, or -1 with ENOENT. */
int mvm_bus_unregister(struct mvm_bus *b, uint64_t base);
void mvm_bus_free(struct mvm_bus *b);

/*
 * An access of size bytes at addr, which must lie in one range.  Returns
 * 1 when a device took it, 0 when none did: a read then gives all ones
 * and a write goes nowhere, as on a PC's bus.
 */
int mvm_bus_read(const struct mvm_bus *b, uint64_t addr, unsigned int size,
		 uint64_t *val);
int mvm_bus_write(const struct mvm_bus *b, uint64_t addr, unsigned int size,
		  uint64_t val);

/* ---- The machine: buses, the device registry, the run loop ---- */

/*
 * What every device registers once, whatever buses it sits on, so that
 * pausing, snapshots and migration are a walk over the registry.  Any
 * hook may be NULL.  save writes the device's fields into its section of
 * the stream; load reads them into a device just created the same way,
 * before any vCPU runs, and must refuse (-1) any value the device could
 * not have had: the stream comes from a file or a peer.  Both are called
 * with the machine lock held; a device with no state of its own (a port
 * that only acts) has neither.  pause/resume have no callers yet.
 */
struct mvm_vdev_ops {
	const char *name;
	int (*save)(void *opaque, struct mvm_state *s);
	int (*load)(void *opaque, struct mvm_state *s);
	void (*pause)(void *opaque);
	void (*resume)(void *opaque);
	void (*destroy)(void *opaque);	/* after its ranges are gone */
};

struct mvm_vdev {
	const struct mvm_vdev_ops *ops;
	void *opaque;
	struct mvm_vdev *next;
};

/* The machine's way to tell its owner something; may be NULL. */
typedef void (*mvm_log_fn)(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/*
 * The interrupt controller a machine's devices raise lines on, and what
 * the run loop tells it when the guest ends a level-triggered interrupt.
 * Both are called with the machine lock held.
 */
struct mvm_irq_ops {
	void (*set_irq)(void *ctx, unsigned int gsi, int level);
	void (*eoi)(void *ctx, uint8_t vector);
};

/* A range of guest RAM and the memory slot that maps it. */
struct mvm_ram_region {
	uint64_t gpa, size;
	uint64_t offset;		/* into the machine's RAM mapping */
	uint32_t slot;
};

struct mvm_machine;
struct mvm_migration;
struct mvm_stop;

/* A vCPU of the machine and the thread that runs it. */
struct mvm_machine_vcpu {
	struct mvm_machine *m;
	struct mvm_vcpu v;
	pthread_t thread;		/* lock: both, until the joins */
	int started;
	/* Its dirty ring (dirty.c), when the VM has rings: dirty_lock. */
	struct mvm_dirty_gfn *ring;
	uint32_t ring_next;
};

/* What the owner of a machine decides (any hook may be NULL). */
struct mvm_machine_hooks {
	/*
	 * A vCPU stopped for a reason the machine does not handle itself (a
	 * failure: internal error, entry refused, MMIO it cannot decode, an
	 * unknown exit, MVM_RUN failing).  Say why; the machine then stops
	 * with status 1.  Called without the lock, from the vCPU's thread.
	 */
	void (*vcpu_failed)(struct mvm_machine *m, unsigned int id,
			    const struct mvm_stop *stop);
};

struct mvm_machine {
	/*
	 * The machine lock: the run loops of all vCPUs take it around each
	 * device access, any other thread (input, timers) around anything
	 * it does to a device.  It covers every device's state, the buses
	 * and the fields below that say so.
	 */
	pthread_mutex_t lock;
	struct mvm_bus pio;		/* ports 0-0xffff */
	struct mvm_bus mmio;		/* guest-physical addresses in no slot */
	struct mvm_vdev *vdevs;		/* the registry, newest first */
	/* Set once under the lock, read by the run loops without it. */
	int poweroff;			/* a device asked to stop the machine */
	int poweroff_status;
	const char *poweroff_reason;	/* lock; NULL: the guest's own value */
	int wake_fd;			/* >= 0: written (eventfd) on a stop */
	volatile sig_atomic_t stop_signal;	/* lock: the signal that stops it */
	int log_msrs;			/* log unknown MSRs (once each) */
	const struct mvm_irq_ops *irq;	/* NULL: lines go nowhere */
	void *irq_ctx;
	mvm_log_fn log;
	const struct mvm_machine_hooks *hooks;

	/*
	 * What the machine owns and mvm_machine_destroy() releases: the
	 * device and VM descriptors, guest RAM (one host mapping, regions
	 * of it in memory slots), the vCPUs.  Set up before any vCPU runs,
	 * read-only afterwards.
	 */
	int dev_fd, vm_fd;
	uint32_t kind;			/* the VMM's own: what a restore builds */
	uint8_t *ram;
	uint64_t ram_size;
	int ram_mapped;			/* ram is a file mapping: munmap it */
	struct mvm_ram_region *regions;
	unsigned int nr_regions;
	struct mvm_machine_vcpu *vcpus;
	unsigned int nr_vcpus;
	unsigned int halted;		/* lock: vCPUs parked in HLT */
	int sig_fd;			/* mvm_machine_run(): the stop signals */
	sigset_t run_sigmask;		/* the caller's, given back at the end */
	/*
	 * Pausing (mvm_machine_pause()): pause_req is read by the run loops
	 * without the lock; a vCPU that sees it waits on cond, counted in
	 * parked, until resume or a stop.  running counts the vCPU threads
	 * still in their run loop.
	 */
	int pause_req;
	unsigned int parked, running;	/* lock */
	pthread_cond_t cond;		/* lock: parked, pause_req, a stop */
	char reason_buf[160];		/* lock: a poweroff_reason built here */
	/*
	 * Dirty tracking (dirty.c).  ring_bytes: each vCPU's dirty ring, 0
	 * for the slots' bitmaps; set before the vCPUs exist.  dirty_lock
	 * covers harvesting (the rings' read positions, dirty, logging);
	 * dirty has one bit per page of RAM (by its offset in the mapping)
	 * while logging is on.
	 */
	uint32_t ring_bytes;
	pthread_mutex_t dirty_lock;
	uint64_t *dirty;
	uint64_t *log_buf;		/* bitmaps: one slot's, harvesting */
	int logging;
	/* A throttle (machine_run.c): vCPUs held this % of the time. */
	unsigned int throttle_pct;	/* lock */
	pthread_t throttle_thread;
	int throttle_running;		/* lock */
	struct mvm_migration *migration;	/* lock: the last started (migrate.c) */
};

void mvm_machine_init(struct mvm_machine *m, mvm_log_fn log);

/*
 * Start a thread of the VMM's own (a vCPU, the input reader) on a 256 KiB
 * stack: small enough that the host never backs it with a transparent
 * huge page (a default 8 MiB stack gets a 2 MiB one at its first touch
 * where THP is "always").  0, or an errno value as pthread_create().
 */
int mvm_thread_create(pthread_t *thread, void *(*fn)(void *), void *arg);
/*
 * The same for a thread that must never take a signal (the input and
 * control threads): SIGINT, SIGTERM and SIGHUP are for the machine's
 * signalfd, whatever thread the kernel would pick.
 */
int mvm_thread_create_nosig(pthread_t *thread, void *(*fn)(void *), void *arg);
/*
 * Destroy every registered device (newest first) and free the buses, then
 * the vCPUs, the VM, guest RAM and the device descriptor, in that order.
 */
void mvm_machine_destroy(struct mvm_machine *m);
/*
 * Every device's state, a section each, in registry order; and back into
 * a machine with the same devices.  A missing, extra, foreign or corrupt
 * section, or a value a device refuses, fails the load with EBADMSG
 * (devices may then hold part of it: the machine must not run).
 * With the machine lock held, or before the machine runs.  0, or -1 with
 * errno.
 */
int mvm_machine_save_devices(struct mvm_machine *m, struct mvm_state *s);
int mvm_machine_load_devices(struct mvm_machine *m, struct mvm_state *s);
/*
 * The whole machine but its RAM, as sections of s: the VM's clock, every
 * vCPU in id order, the devices.  Paused (the lock held for a snapshot).
 */
int mvm_machine_save_state(struct mvm_machine *m, struct mvm_state *s);
/*
 * Those sections back into a machine built alike, before it runs (its
 * TSCs go on by the realtime that passed since the save): 0, or -1 with
 * errno and *why saying what was wrong.
 */
int mvm_machine_load_state(struct mvm_machine *m, struct mvm_state *s,
			   const char **why);
/* Add a device to the registry: 0, or -1 with ENOMEM. */
int mvm_machine_add_vdev(struct mvm_machine *m, const struct mvm_vdev_ops *ops,
			 void *opaque);
/* A device powers the machine off: the run loop stops after this exit. */
void mvm_machine_poweroff(struct mvm_machine *m, int status);
/*
 * Stop the machine with mvm's exit status and a reason to print (NULL for
 * none); the first request wins.  Lock held.
 */
void mvm_machine_stop(struct mvm_machine *m, int status, const char *reason);
/* Has a stop been requested?  Any thread, no lock. */
int mvm_machine_stopping(const struct mvm_machine *m);
/* Drive interrupt line gsi to level; lock held. */
void mvm_machine_set_irq(struct mvm_machine *m, unsigned int gsi, int level);

/* ---- What the machine owns: RAM, the VM, its vCPUs (machine.c) ---- */

/*
 * Allocate size bytes of guest RAM (mvm_guest_ram_alloc()), not yet in
 * any slot.  0, or -1 with errno.
 */
int mvm_machine_alloc_ram(struct mvm_machine *m, uint64_t size);
/*
 * Place [offset, offset + size) of the RAM at guest-physical gpa, in the
 * next memory slot (slot ids count from 0).  Page-aligned, inside the RAM,
 * before mvm_machine_create_vm(); 0, or -1 with EINVAL or ENOMEM.
 */
int mvm_machine_add_region(struct mvm_machine *m, uint64_t gpa,
			   uint64_t offset, uint64_t size);
/* The PC layout: [0, min(size, 3 GiB)) in slot 0, the rest from 4 GiB. */
int mvm_machine_pc_layout(struct mvm_machine *m);
/*
 * The machine takes dev_fd (closed by destroy), creates its VM and maps
 * every region.  0, or -1 with errno and *bad_slot: -1 when MVM_CREATE_VM
 * failed, else the region whose MVM_SET_MEMORY_REGION failed.
 */
int mvm_machine_create_vm(struct mvm_machine *m, int dev_fd, int *bad_slot);
/*
 * The host address of guest-physical [gpa, gpa + len), which must lie in
 * one region of RAM; NULL when it does not.
 */
void *mvm_machine_gpa_to_hva(const struct mvm_machine *m, uint64_t gpa,
			     uint64_t len);
/* Create vCPUs 0 .. n-1 with their run pages: 0, or -1 (*failed_id). */
int mvm_machine_create_vcpus(struct mvm_machine *m, unsigned int n,
			     unsigned int *failed_id);

/*
 * Take every vCPU out of the guest and hold it (its state is then what
 * the vCPU ioctls read), or let them go on.  Device state stays under the
 * lock as always.  Pausing a paused machine, or resuming a running one,
 * does nothing.  Any thread but a vCPU's; returns once every vCPU is held
 * (or the machine stopped).
 */
void mvm_machine_pause(struct mvm_machine *m);
void mvm_machine_resume(struct mvm_machine *m);
/*
 * The same for one of several holders (MVM_PAUSE_*): the vCPUs run while
 * none holds them, so a migration's final pause and its throttle neither
 * end nor are ended by the user's pause (MVM_PAUSE_USER, the calls above).
 */
#define MVM_PAUSE_USER		1U
#define MVM_PAUSE_MIGRATE	2U
#define MVM_PAUSE_THROTTLE	4U
void mvm_machine_pause_by(struct mvm_machine *m, unsigned int who);
void mvm_machine_resume_by(struct mvm_machine *m, unsigned int who);
/* Is every vCPU held (and the machine not stopping)?  Lock held. */
int mvm_machine_paused(const struct mvm_machine *m);
/* Did the user pause it (whether or not the vCPUs are held yet)?  Lock. */
int mvm_machine_user_paused(const struct mvm_machine *m);
/*
 * Hold the vCPUs pct % of the time (0: never; at most 99), in slices of
 * 10 ms of running, on a thread of the machine's (a migration's
 * auto-converge).  0, or -1 with errno when the thread cannot start.
 */
int mvm_machine_throttle(struct mvm_machine *m, unsigned int pct);

/* ---- Dirty tracking (dirty.c) ---- */

/*
 * Give the VM's vCPUs dirty rings of bytes each (MVM_CAP_DIRTY_LOG_RING):
 * after mvm_machine_create_vm(), before the vCPUs.  0, or -1 with errno
 * (EOPNOTSUPP: the module has no ring of that size).
 */
int mvm_machine_enable_ring(struct mvm_machine *m, uint32_t bytes);
/*
 * Logging on every slot on or off (MVM_MEM_LOG_DIRTY, changed in place);
 * on also starts the machine's dirty bitmap empty.  0, or -1 with errno.
 */
int mvm_machine_log_dirty(struct mvm_machine *m, int on);
/*
 * Move the pages written since the last call from the kernel (every
 * vCPU's ring, then MVM_RESET_DIRTY_RINGS; or each slot's bitmap) into
 * the machine's bitmap, which the pages the kernel reports are then
 * protected again.  Any thread (a vCPU's on MVM_EXIT_DIRTY_RING_FULL).
 * 0, or -1 with errno.
 */
int mvm_machine_harvest(struct mvm_machine *m);
/*
 * Harvest, then move the machine's bitmap into into (RAM pages bits,
 * ORed in) and clear it: the pages to send again.  Returns how many
 * pages it moved, or -1 with errno.
 */
int64_t mvm_machine_take_dirty(struct mvm_machine *m, uint64_t *into);
/* The VMM wrote guest RAM at [gpa, gpa + len) itself (a device's DMA). */
void mvm_machine_mark_dirty(struct mvm_machine *m, uint64_t gpa, uint64_t len);
/* machine.c's, as it creates and destroys a vCPU: its ring mapped, or not. */
int mvm_machine_map_ring(struct mvm_machine *m, struct mvm_machine_vcpu *t);
void mvm_machine_unmap_ring(struct mvm_machine *m, struct mvm_machine_vcpu *t);
/* The run loop: a pause was asked for; wait here until it ends.  No lock. */
void mvm_machine_park(struct mvm_machine *m);

/*
 * Run every vCPU on its own thread until the machine stops: a device's
 * request, every vCPU parked in HLT with interrupts off ("guest
 * halted"), a triple fault, a vCPU's failure (hooks->vcpu_failed), or
 * SIGINT/SIGTERM/SIGHUP.  Those signals are blocked in every thread while
 * it runs and read from a signalfd; SIGUSR1 kicks a vCPU out of MVM_RUN.
 * Returns the signal that stopped it, 0 for any other stop, or -1 with
 * errno when it could not start (the machine stopped with status 1).
 */
int mvm_machine_run(struct mvm_machine *m);
/*
 * mvm_machine_run() in two: start the vCPUs' threads (0, or -1 with
 * errno: the machine stopped with status 1 and nothing runs), then, once
 * the caller has done what can wait until the guest runs, wait for the
 * stop (the signal, or 0).
 */
int mvm_machine_start(struct mvm_machine *m);
int mvm_machine_wait(struct mvm_machine *m);

/*
 * MSRs a guest may touch that mean nothing on a virtual CPU (msr.c):
 * 1 when index is one (a read's value in *val, a write dropped), else 0.
 */
int mvm_msr_emulate(uint32_t index, int write, uint64_t *val);

/* Why mvm_vcpu_run_loop() returned. */
enum mvm_stop_reason {
	MVM_STOP_POWEROFF,	/* status */
	MVM_STOP_HALT,		/* HLT with interrupts off */
	MVM_STOP_SHUTDOWN,	/* triple fault */
	MVM_STOP_INTERNAL,	/* MVM_EXIT_INTERNAL_ERROR: internal */
	MVM_STOP_FAIL_ENTRY,	/* MVM_EXIT_FAIL_ENTRY: internal */
	MVM_STOP_MMIO,		/* an MMIO instruction mvm cannot emulate: mmio */
	MVM_STOP_EXIT,		/* an exit reason this library does not know */
	MVM_STOP_SIGNAL,	/* stop_signal was set */
	MVM_STOP_ERROR,		/* MVM_RUN failed: err */
};

struct mvm_stop {
	enum mvm_stop_reason reason;
	int status;		/* POWEROFF */
	int err;		/* ERROR: errno */
	uint32_t exit_reason;	/* the run page's, for every stop */
	struct mvm_regs regs;	/* at the stop */
	struct {
		uint32_t suberror;
		uint64_t hw_exit_code, info1, info2;
	} internal;
	struct {
		uint64_t phys_addr;
		uint8_t is_write, cpu_mode, insn_len;
		uint8_t insn_bytes[16];
		int error;		/* why: an MVM_MMIO_ERR_* (mmio.h) */
		const char *mnemonic;	/* static; NULL when not decoded */
	} mmio;
};

/*
 * Run v until something stops it; *stop says what.  Port I/O goes to
 * m->pio, MMIO to m->mmio (the instruction decoded here), both under
 * m->lock; MSRs from mvm_msr_emulate(), others give the guest #GP
 * (logged once per MSR when m->log_msrs).  Returns 0, or -1 for
 * MVM_STOP_ERROR.
 */
int mvm_vcpu_run_loop(struct mvm_machine *m, struct mvm_vcpu *v,
		      struct mvm_stop *stop);

/* ---- UNIX sockets mvm listens on (unix_sock.c) ---- */

struct sockaddr_un;
/* path as an address: 0, or -1 with ENAMETOOLONG. */
int mvm_unix_addr(const char *path, struct sockaddr_un *a);
/*
 * Listen at path, a new socket of mode 0600 (an existing path fails with
 * EADDRINUSE): the descriptor, or -1 with errno.
 */
int mvm_unix_listen(const char *path, int backlog);

/* ---- MMIO instructions (mmio.h) and guest page tables (gva.c) ---- */

/* A host pointer to guest-physical [gpa, gpa + len) in RAM, or NULL. */
typedef void *(*mvm_gpa_ptr_fn)(void *ctx, uint64_t gpa, uint64_t len);
/* [gpa, gpa + len) was just written through such a pointer (for dirty logging). */
typedef void (*mvm_gpa_written_fn)(void *ctx, uint64_t gpa, uint64_t len);

/* The linear address of seg:offset for a CPU in mode (16, 32, 64). */
uint64_t mvm_linear_address(const struct mvm_sregs *s, unsigned int mode,
			    enum mvm_seg seg, uint64_t offset);

/*
 * The guest-physical address of linear address la, through the page
 * tables s points to (read and, for accessed/dirty bits, written through
 * ram; each entry it sets bits in then given to written, unless NULL),
 * for a read or a write at the CPL in s.  0, or -1 with EFAULT where the
 * CPU would fault (not present, not writable, not user, a table not in
 * RAM).
 */
int mvm_gva_to_gpa(const struct mvm_sregs *s, uint64_t la, bool write,
		   mvm_gpa_ptr_fn ram, mvm_gpa_written_fn written, void *ctx,
		   uint64_t *gpa);

/* ---- Loading images ---- */

/*
 * Read the whole regular file path into ram at offset addr; *size gets its
 * length.  0, or -1 with errno: EFBIG when it does not fit below ram_size,
 * ENODATA when it is empty, EINVAL when it is not a regular file.
 */
int mvm_load_raw(const char *path, void *ram, uint64_t ram_size,
		 uint64_t addr, uint64_t *size);

/*
 * Open path read-only (close-on-exec) if it is a regular file: the
 * descriptor, and its size in *size; else -1 with errno (EISDIR, EINVAL
 * for other non-regular files).
 */
int mvm_open_regular(const char *path, uint64_t *size);

/* Read exactly n bytes of fd into dst: 0, or -1 (EIO if the file ends). */
int mvm_read_all(int fd, void *dst, uint64_t n);

/* ---- Booting Linux (bzimage.c, e820.c, acpi.c, aml.c) ---- */

/* Guest RAM: [0, min(mem, 3 GiB)) and the rest from 4 GiB. */
#define MVM_LOW_RAM_MAX		(3ULL << 30)
#define MVM_HIGH_RAM_BASE	(4ULL << 30)
/* The legacy hole the e820 map reserves: EBDA, VGA, option ROMs, BIOS. */
#define MVM_EBDA_START		0x9fc00ULL
#define MVM_BIOS_END		0x100000ULL
/* Where the ACPI tables go: the BIOS area the RSDP scan covers. */
#define MVM_ACPI_BASE		0xe0000ULL
#define MVM_ACPI_END		0xf0000ULL
/* The reset vector, F000:FFF0: where a "BIOS reboot" jumps. */
#define MVM_RESET_VECTOR	0xffff0ULL

/* Bytes of RAM below 4 GiB (the rest is above). */
static inline uint64_t mvm_low_ram(uint64_t mem)
{
	return mem < MVM_LOW_RAM_MAX ? mem : MVM_LOW_RAM_MAX;
}

struct mvm_e820_entry {
	uint64_t addr, size;
	uint32_t type;		/* 1 RAM, 2 reserved */
};

/* The guest's memory map for mem bytes of RAM; returns the entry count. */
unsigned int mvm_e820_build(uint64_t mem, struct mvm_e820_entry *e,
			    unsigned int max);

struct mvm_linux_boot {
	/* in */
	const char *kernel;	/* a bzImage */
	const char *initrd;	/* NULL for none */
	const char *cmdline;
	uint64_t mem;		/* guest RAM, laid out as above */
	uint64_t rsdp;		/* the ACPI RSDP's address, 0 for none */
	/* out */
	uint16_t version;	/* boot protocol, 0x20f = 2.15 */
	uint64_t kernel_addr, kernel_size, init_size;
	uint64_t initrd_addr, initrd_size;
	uint64_t zero_page, cmdline_addr;
	uint64_t entry;		/* the 64-bit entry point */
	uint64_t cr3, gdt;	/* identity page tables, the boot GDT */
	const char *why;	/* on failure: what is wrong, for a message */
	const char *file;	/* on failure: which input (a path, --cmdline) */
};

/*
 * Load the kernel (and initrd) into ram, the host mapping of guest RAM
 * (low part first), and build the zero page, command line, e820 map,
 * identity page tables and GDT for the 64-bit boot protocol.  0, or -1
 * with errno and b->why: ENOEXEC not a bzImage, EPROTONOSUPPORT too old
 * or no 64-bit entry, E2BIG command line too long, EFBIG it does not fit
 * in RAM, else the errno of the file access.
 */
int mvm_linux_load(void *ram, struct mvm_linux_boot *b);

/* Put the boot vCPU at b->entry in 64-bit mode, RSI = the zero page. */
int mvm_linux_setup_bsp(const struct mvm_vcpu *v,
			const struct mvm_linux_boot *b);

/*
 * Write hardware-reduced ACPI tables (RSDP, XSDT, FADT, DSDT, MADT) for
 * nr_cpus vCPUs into [MVM_ACPI_BASE, MVM_ACPI_END) of ram.  Returns the
 * RSDP's guest-physical address, or 0 when they do not fit.
 */
#define MVM_ACPI_SLEEP_CONTROL	0x600	/* FADT SLEEP_CONTROL_REG port */
#define MVM_ACPI_SLEEP_STATUS	0x601	/* FADT SLEEP_STATUS_REG port */
#define MVM_PVPANIC_PORT	0x505
/*
 * Below 4 GiB, above low RAM: PCI's 32-bit memory window for BARs, then
 * the ECAM window of bus 0 (1 MiB), both in the DSDT's host bridge; the
 * e820 map reserves the ECAM window as the MCFG table requires.
 */
#define MVM_PCI_MMIO_BASE	0xc0000000ULL
#define MVM_PCI_MMIO_END	0xe0000000ULL
#define MVM_PCI_ECAM_BASE	0xe0000000ULL
#define MVM_PCI_ECAM_SIZE	(1ULL << 20)
#define MVM_PCI_IO_BASE		0x1000	/* I/O window for BARs, to 0xffff */
#define MVM_IOAPIC_BASE		0xfec00000ULL
#define MVM_LAPIC_BASE		0xfee00000ULL
uint64_t mvm_acpi_build(void *ram, unsigned int nr_cpus);

/* A byte buffer for AML and tables: grows; on ENOMEM it sets err. */
struct mvm_aml {
	uint8_t *buf;
	size_t len, cap;
	int err;
};

void mvm_aml_bytes(struct mvm_aml *a, const void *p, size_t n);
void mvm_aml_byte(struct mvm_aml *a, uint8_t b);
/* Open a PkgLength'ed object (the opcode already emitted); close it. */
size_t mvm_aml_pkg_open(struct mvm_aml *a);
void mvm_aml_pkg_close(struct mvm_aml *a, size_t at);
/* An integer as the smallest constant (ZeroOp, OneOp, Byte/Word/DWord). */
void mvm_aml_integer(struct mvm_aml *a, uint64_t v);
void mvm_aml_string(struct mvm_aml *a, const char *s);
/* A four-character NameSeg, '_'-padded ("_S5" -> "_S5_"). */
void mvm_aml_nameseg(struct mvm_aml *a, const char *name);
void mvm_aml_free(struct mvm_aml *a);

/* The ACPI table checksum byte that makes len bytes sum to 0. */
uint8_t mvm_acpi_checksum(const void *p, size_t len);

#endif /* LIBMVM_H */

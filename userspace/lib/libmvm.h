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

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/mvm.h>

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
int mvm_vcpu_set_cpuid(const struct mvm_vcpu *v,
		       const struct mvm_cpuid_entry *e, uint32_t nent);

/*
 * Make the vCPU's current or next MVM_RUN return EINTR at once.
 * Async-signal-safe: meant for a signal handler.
 */
void mvm_vcpu_kick(struct mvm_vcpu *v);

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

struct mvm_snapshot;	/* save/restore streams: not written yet */

/*
 * What every device registers once, whatever buses it sits on, so that
 * pausing, snapshots and migration are a walk over the registry.  Any
 * hook may be NULL; save/load/pause/resume have no callers yet.
 */
struct mvm_vdev_ops {
	const char *name;
	int (*save)(void *opaque, struct mvm_snapshot *s);
	int (*load)(void *opaque, struct mvm_snapshot *s);
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

struct mvm_machine {
	struct mvm_bus pio;		/* ports 0-0xffff */
	struct mvm_bus mmio;		/* guest-physical addresses in no slot */
	struct mvm_vdev *vdevs;		/* the registry, newest first */
	int poweroff;			/* a device asked to stop the machine */
	int poweroff_status;
	volatile sig_atomic_t stop_signal;	/* set from a signal handler: stop */
	mvm_log_fn log;
};

void mvm_machine_init(struct mvm_machine *m, mvm_log_fn log);
/* Destroy every registered device (newest first) and free the buses. */
void mvm_machine_destroy(struct mvm_machine *m);
/* Add a device to the registry: 0, or -1 with ENOMEM. */
int mvm_machine_add_vdev(struct mvm_machine *m, const struct mvm_vdev_ops *ops,
			 void *opaque);
/* A device powers the machine off: the run loop stops after this exit. */
void mvm_machine_poweroff(struct mvm_machine *m, int status);

/* Why mvm_vcpu_run_loop() returned. */
enum mvm_stop_reason {
	MVM_STOP_POWEROFF,	/* status */
	MVM_STOP_HALT,		/* HLT with interrupts off */
	MVM_STOP_SHUTDOWN,	/* triple fault */
	MVM_STOP_INTERNAL,	/* MVM_EXIT_INTERNAL_ERROR: internal */
	MVM_STOP_FAIL_ENTRY,	/* MVM_EXIT_FAIL_ENTRY: internal */
	MVM_STOP_MMIO,		/* an MMIO instruction mvm cannot decode: mmio */
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
	} mmio;
};

/*
 * Run v until something stops it; *stop says what.  Port I/O goes to
 * m->pio, MMIO to m->mmio (the instruction decoded here), unknown MSRs
 * give the guest #GP (logged once per MSR).  Returns 0, or -1 for
 * MVM_STOP_ERROR.
 */
int mvm_vcpu_run_loop(struct mvm_machine *m, struct mvm_vcpu *v,
		      struct mvm_stop *stop);

/* ---- MMIO instruction decoding ---- */

enum mvm_mmio_op {
	MVM_MMIO_LOAD,		/* reg = [mem], zero- or sign-extended */
	MVM_MMIO_STORE,		/* [mem] = reg */
	MVM_MMIO_STORE_IMM,	/* [mem] = imm */
};

struct mvm_mmio_insn {
	enum mvm_mmio_op op;
	unsigned int len;	/* instruction length */
	unsigned int size;	/* bytes accessed in memory: 1, 2, 4, 8 */
	unsigned int reg_size;	/* bytes of the register written (LOAD) */
	unsigned int reg;	/* 0-15 in encoding order (rax, rcx, ...) */
	int high_byte;		/* reg is AH, CH, DH or BH */
	int sign_extend;	/* MOVSX */
	uint64_t imm;
};

/*
 * Decode the MOV forms that compilers and drivers use for MMIO (88, 89,
 * 8A, 8B, C6, C7, A0-A3, 0F B6/B7/BE/BF) in 16-, 32- or 64-bit mode.
 * 0, or -1 with EOPNOTSUPP (another instruction) or EINVAL (cut short).
 */
int mvm_mmio_decode(const uint8_t *bytes, unsigned int n, unsigned int mode,
		    struct mvm_mmio_insn *insn);

/* ---- Loading images ---- */

/*
 * Read the whole regular file path into ram at offset addr; *size gets its
 * length.  0, or -1 with errno: EFBIG when it does not fit below ram_size,
 * ENODATA when it is empty, EINVAL when it is not a regular file.
 */
int mvm_load_raw(const char *path, void *ram, uint64_t ram_size,
		 uint64_t addr, uint64_t *size);

#endif /* LIBMVM_H */

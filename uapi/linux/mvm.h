/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mvm: the whole userspace ABI of the mvm hypervisor module.
 *
 * Three levels of file descriptor: the device (/dev/mvm), a VM (returned by
 * MVM_CREATE_VM) and a vCPU (returned by MVM_CREATE_VCPU).  Ioctl numbers
 * are grouped by level with gaps.  Structures use fixed-width fields only;
 * reserved words and unknown flag bits must be zero or the call fails with
 * EINVAL.  A changed structure gets a new ioctl number.
 *
 * uapi/mvm-api.md beside this file is the written reference.
 */
#ifndef _UAPI_LINUX_MVM_H
#define _UAPI_LINUX_MVM_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#define MVM_API_VERSION		1

#define MVMIO			0xBE

/* ---- Device ioctls (/dev/mvm): 0x00-0x0f ---- */

/* Returns MVM_API_VERSION. */
#define MVM_GET_API_VERSION	_IO(MVMIO, 0x00)
/* Argument: an MVM_CAP_* number.  Returns its value, 0 when unsupported. */
#define MVM_CHECK_EXTENSION	_IO(MVMIO, 0x01)
/* Argument: VM type, must be 0.  Returns a VM file descriptor. */
#define MVM_CREATE_VM		_IO(MVMIO, 0x02)
/* Returns the size to mmap() a vCPU fd with, at offset 0: struct mvm_run. */
#define MVM_GET_VCPU_MMAP_SIZE	_IO(MVMIO, 0x03)

/* Capabilities (MVM_CHECK_EXTENSION) */
#define MVM_CAP_BACKEND		1	/* MVM_BACKEND_* */
#define MVM_CAP_MAX_VCPUS	2	/* vCPU ids are 0 .. value-1 */
#define MVM_CAP_NR_MEMSLOTS	3	/* slot ids are 0 .. value-1 */
#define MVM_CAP_GUEST_PHYS_BITS	4	/* guest-physical address width */
#define MVM_CAP_HW_FEATURES	5	/* MVM_SVM_F_* or MVM_VMX_F_* */
#define MVM_CAP_MAX_SLOT_PAGES	6	/* largest slot, in 4 KiB pages */
#define MVM_CAP_IRQCHIP		7	/* MVM_CREATE_IRQCHIP, MSI, irqfd */
#define MVM_CAP_KVMCLOCK	8	/* the kvmclock MSRs (see mvm-api.md) */
#define MVM_CAP_TSC_KHZ		9	/* the guest TSC's frequency, kHz */
#define MVM_CAP_DIRTY_LOG	10	/* MVM_MEM_LOG_DIRTY, MVM_GET_DIRTY_LOG */
/* MVM_ENABLE_CAP args[0] bits accepted: MVM_DIRTY_LOG_MANUAL_PROTECT */
#define MVM_CAP_MANUAL_DIRTY_LOG_PROTECT 11
/*
 * The per-vCPU dirty ring: CHECK_EXTENSION returns the largest ring size
 * accepted, in bytes; MVM_ENABLE_CAP args[0] = the ring size in bytes.
 */
#define MVM_CAP_DIRTY_LOG_RING	12
#define MVM_CAP_VM_CLOCK	13	/* MVM_GET_CLOCK, MVM_SET_CLOCK */
/*
 * 1: the whole vCPU state saves and restores: MVM_GET/SET_DEBUGREGS, the
 * latched INIT/SIPI in the vCPU events (MVM_VCPU_EVENTS_LATCHED), and
 * MVM_SET_LAPIC resumes the timer from the saved current count.
 */
#define MVM_CAP_SNAPSHOT	14
/* The most of each a VM or vCPU takes (its ioctl fails past it) */
#define MVM_CAP_MAX_IOEVENTFDS	15	/* per VM: MVM_IOEVENTFD, ENOSPC */
#define MVM_CAP_MAX_IRQFDS	16	/* per VM: MVM_IRQFD, ENOSPC */
#define MVM_CAP_MAX_CPUID_ENTRIES 17	/* MVM_SET_CPUID's nent, EINVAL */
#define MVM_CAP_MAX_MSR_ENTRIES	18	/* MVM_GET/SET_MSRS' nmsrs, EINVAL */

#define MVM_BACKEND_SVM		1	/* AMD SVM with nested paging */
#define MVM_BACKEND_VMX		2	/* Intel VMX with EPT */

/* MVM_CAP_HW_FEATURES on the SVM backend (CPUID 0x8000000A EDX) */
#define MVM_SVM_F_NPT		_BITUL(0)	/* nested paging */
#define MVM_SVM_F_LBRV		_BITUL(1)	/* LBR virtualization */
#define MVM_SVM_F_NRIPS		_BITUL(2)	/* next-RIP save */
#define MVM_SVM_F_TSC_SCALING	_BITUL(3)	/* TSC ratio MSR */
#define MVM_SVM_F_VMCB_CLEAN	_BITUL(4)	/* VMCB clean bits */
#define MVM_SVM_F_FLUSH_BY_ASID	_BITUL(5)	/* TLB flush by ASID */
#define MVM_SVM_F_DECODE_ASSISTS _BITUL(6)	/* decode assists */
#define MVM_SVM_F_PAUSE_FILTER	_BITUL(7)	/* PAUSE intercept filter */
#define MVM_SVM_F_PAUSE_THRESH	_BITUL(8)	/* PAUSE filter threshold */
#define MVM_SVM_F_AVIC		_BITUL(9)	/* AMD virtual interrupt ctrl */
#define MVM_SVM_F_VMSAVE_VIRT	_BITUL(10)	/* virtualized VMSAVE/VMLOAD */
#define MVM_SVM_F_VGIF		_BITUL(11)	/* virtual GIF */

/* MVM_CAP_HW_FEATURES on the VMX backend */
#define MVM_VMX_F_EPT		_BITUL(0)	/* extended page tables */
#define MVM_VMX_F_VPID		_BITUL(1)	/* virtual processor ids */
#define MVM_VMX_F_UNRESTRICTED	_BITUL(2)	/* unrestricted guest */
#define MVM_VMX_F_EPT_AD	_BITUL(3)	/* EPT accessed/dirty bits */
#define MVM_VMX_F_PREEMPT_TIMER	_BITUL(4)	/* VMX preemption timer */
#define MVM_VMX_F_PML		_BITUL(5)	/* page-modification logging */
#define MVM_VMX_F_APICV		_BITUL(6)	/* APIC register virtualization */
#define MVM_VMX_F_TSC_SCALING	_BITUL(7)	/* TSC scaling */

/* ---- VM ioctls: 0x10-0x3f ---- */

/* Argument: vCPU id.  Returns a vCPU file descriptor. */
#define MVM_CREATE_VCPU		_IO(MVMIO, 0x10)

/*
 * Map [guest_phys_addr, guest_phys_addr + memory_size) of the guest onto
 * the calling process's memory at userspace_addr.  memory_size 0 deletes
 * the slot.  All three values must be 4 KiB aligned.
 */
struct mvm_memory_region {
	__u32 slot;
	__u32 flags;		/* MVM_MEM_* */
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
	__u64 reserved[4];	/* must be 0 */
};

/* Guest writes to the slot exit to userspace as MMIO; reads are memory. */
#define MVM_MEM_READONLY	_BITUL(0)
/*
 * Record the pages written (by the guest or by the kernel on its behalf)
 * in a bitmap that MVM_GET_DIRTY_LOG reads.  May be turned on and off on
 * an existing slot: the same slot, addresses and size with only this
 * flag changed keeps the slot's mappings.
 */
#define MVM_MEM_LOG_DIRTY	_BITUL(1)

#define MVM_SET_MEMORY_REGION	_IOW(MVMIO, 0x11, struct mvm_memory_region)

/*
 * Signal an eventfd when the guest writes to a port, in the kernel and
 * without an exit to userspace (a device's doorbell).  The write completes
 * at once; the device thread reads the eventfd.
 */
struct mvm_ioeventfd {
	__u64 addr;		/* the port */
	__u64 datamatch;	/* with MVM_IOEVENTFD_DATAMATCH */
	__u32 len;		/* 1, 2 or 4: the access size that matches */
	__s32 fd;		/* an eventfd */
	__u32 flags;
	__u32 padding;
	__u64 reserved[2];	/* must be 0 */
};

#define MVM_IOEVENTFD_PIO	_BITUL(0)	/* addr is a port (required) */
#define MVM_IOEVENTFD_DATAMATCH	_BITUL(1)	/* only when the value matches */
#define MVM_IOEVENTFD_DEASSIGN	_BITUL(2)	/* remove the matching one */

#define MVM_IOEVENTFD		_IOW(MVMIO, 0x12, struct mvm_ioeventfd)

/*
 * An in-kernel local APIC for every vCPU created from now on (call it
 * before the first MVM_CREATE_VCPU: EBUSY after, EEXIST twice).  The
 * APICs take x2APIC MSRs and xAPIC MMIO at their base, run their timers
 * on host hrtimers, deliver IPIs and INIT/SIPI between vCPUs; vCPUs other
 * than 0 then start waiting for INIT/SIPI (MVM_MP_STATE_INIT_RECEIVED).
 * Interrupts from userspace devices come as MSIs: MVM_SIGNAL_MSI or an
 * irqfd.  MVM_INTERRUPT then fails with ENXIO.
 */
#define MVM_CREATE_IRQCHIP	_IO(MVMIO, 0x13)

/*
 * A message-signalled interrupt, as a device writes it: address
 * 0xfeeXXXXX (destination id in bits 19:12, bit 2 logical destination),
 * data (vector in bits 7:0, delivery mode in 10:8 - fixed, lowest
 * priority, NMI, INIT; bit 15 level-triggered: its EOI exits with
 * MVM_EXIT_EOI).  MVM_SIGNAL_MSI returns how many vCPUs took it (0 when
 * no APIC matched), or -1: ENXIO without an irqchip, EINVAL for a bad
 * message or non-zero flags/reserved.
 */
struct mvm_msi {
	__u64 address;
	__u32 data;
	__u32 flags;		/* must be 0 */
	__u64 reserved[2];	/* must be 0 */
};

#define MVM_SIGNAL_MSI		_IOW(MVMIO, 0x14, struct mvm_msi)

/*
 * Deliver msi each time the eventfd fd is signalled, in the kernel and
 * without a vCPU exit (a device thread's interrupt).  DEASSIGN removes
 * the irqfd on fd.  EEXIST: fd already has one; ENOSPC: MVM_CAP_MAX_IRQFDS.
 */
struct mvm_irqfd {
	__s32 fd;
	__u32 flags;		/* MVM_IRQFD_* */
	struct mvm_msi msi;
	__u64 reserved[2];	/* must be 0 */
};

#define MVM_IRQFD_DEASSIGN	_BITUL(0)

#define MVM_IRQFD		_IOW(MVMIO, 0x15, struct mvm_irqfd)

/*
 * The dirty bitmap of a slot with MVM_MEM_LOG_DIRTY: bit i (of 64-bit
 * words in host order) is page i of the slot; the buffer at bitmap holds
 * the slot's page count rounded up to 64 bits.  Copies the pages written
 * since the last call and clears them, write-protecting them again so the
 * next write is seen; with MVM_DIRTY_LOG_MANUAL_PROTECT enabled it only
 * copies, and MVM_CLEAR_DIRTY_LOG clears and protects.
 */
struct mvm_dirty_log {
	__u32 slot;
	__u32 flags;		/* must be 0 */
	__u64 bitmap;		/* user address */
	__u64 reserved[4];	/* must be 0 */
};

#define MVM_GET_DIRTY_LOG	_IOW(MVMIO, 0x16, struct mvm_dirty_log)

/*
 * Turn on a capability of this VM; args[0] says how (per capability).
 * MVM_CAP_MANUAL_DIRTY_LOG_PROTECT: args[0] MVM_DIRTY_LOG_MANUAL_PROTECT
 * turns manual protection on, 0 off again.
 */
struct mvm_enable_cap {
	__u32 cap;		/* MVM_CAP_* */
	__u32 flags;		/* must be 0 */
	__u64 args[4];		/* args[1..3] must be 0 */
	__u64 reserved[4];	/* must be 0 */
};

#define MVM_DIRTY_LOG_MANUAL_PROTECT	_BITUL(0)

#define MVM_ENABLE_CAP		_IOW(MVMIO, 0x17, struct mvm_enable_cap)

/*
 * Manual protection: clear the bits of bitmap (one per page, from page
 * first_page of the slot) that are set in it, and write-protect those
 * pages again.  first_page and num_pages are multiples of 64, except that
 * the range may end at the slot's end.
 */
struct mvm_clear_dirty_log {
	__u32 slot;
	__u32 flags;		/* must be 0 */
	__u64 first_page;
	__u64 num_pages;
	__u64 bitmap;		/* user address: num_pages bits, 64-bit words */
	__u64 reserved[2];	/* must be 0 */
};

#define MVM_CLEAR_DIRTY_LOG	_IOW(MVMIO, 0x18, struct mvm_clear_dirty_log)

/*
 * The dirty ring (MVM_CAP_DIRTY_LOG_RING): each vCPU fd maps, at page
 * offset MVM_DIRTY_RING_PAGE_OFFSET, an array of ring-size / 16 entries.
 * The kernel fills an entry, then sets MVM_DIRTY_GFN_F_DIRTY (release);
 * userspace reads flags (acquire), then slot and offset, and sets
 * MVM_DIRTY_GFN_F_RESET once it has taken the page; MVM_RESET_DIRTY_RINGS
 * then write-protects the pages of the entries so flagged, in ring order,
 * frees them and returns how many it freed.
 */
struct mvm_dirty_gfn {
	__u32 flags;		/* MVM_DIRTY_GFN_F_* */
	__u32 slot;		/* memory slot id */
	__u64 offset;		/* page index in the slot */
};

#define MVM_DIRTY_GFN_F_DIRTY	_BITUL(0)	/* set by the kernel */
#define MVM_DIRTY_GFN_F_RESET	_BITUL(1)	/* set by userspace */

#define MVM_DIRTY_RING_PAGE_OFFSET	64

#define MVM_RESET_DIRTY_RINGS	_IO(MVMIO, 0x19)

/*
 * The VM's kvmclock (the clock every vCPU's pvclock structure reads), in
 * ns.  GET also gives the host's realtime (CLOCK_REALTIME, ns) and TSC at
 * the same moment.  SET makes the clock read clock now; with
 * MVM_CLOCK_REALTIME it adds the realtime that passed since realtime (if
 * the host's realtime is later), so that a restored guest's clock goes
 * on by the time the VM was away.  MVM_CLOCK_HOST_TSC is ignored by SET
 * (GET's flags may be passed back as they are).
 */
struct mvm_clock_data {
	__u64 clock;		/* ns */
	__u32 flags;		/* MVM_CLOCK_* */
	__u32 padding;		/* must be 0 */
	__u64 realtime;		/* ns since the epoch, MVM_CLOCK_REALTIME */
	__u64 host_tsc;		/* MVM_CLOCK_HOST_TSC */
	__u64 reserved[4];	/* must be 0 */
};

#define MVM_CLOCK_REALTIME	_BITUL(0)
#define MVM_CLOCK_HOST_TSC	_BITUL(1)

#define MVM_GET_CLOCK		_IOR(MVMIO, 0x1a, struct mvm_clock_data)
#define MVM_SET_CLOCK		_IOW(MVMIO, 0x1b, struct mvm_clock_data)

/* ---- vCPU ioctls: 0x40-0x7f ---- */

/*
 * Runs the vCPU until an exit needs userspace; the reason is in the run
 * page (struct mvm_run, mmap()ed from the vCPU fd).  Returns 0, or -1 with
 * errno: EINTR when a signal is pending (or immediate_exit was set; the
 * exit reason is then MVM_EXIT_INTR), EIO from a foreign process, EINVAL
 * for regs_dirty registers whose flags or reserved words are not 0.
 */
#define MVM_RUN			_IO(MVMIO, 0x40)

/*
 * Flags, padding and reserved words must be 0 on SET (and in the run
 * page when regs_dirty is set: MVM_RUN fails with EINVAL); GET and every
 * return from MVM_RUN write them as 0.  The same holds for every vCPU
 * state structure below.
 */
struct mvm_regs {
	__u64 rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
	__u64 r8, r9, r10, r11, r12, r13, r14, r15;
	__u64 rip, rflags;
	__u32 flags;		/* must be 0 */
	__u32 padding;
	__u64 reserved[4];
};

#define MVM_GET_REGS		_IOR(MVMIO, 0x41, struct mvm_regs)
#define MVM_SET_REGS		_IOW(MVMIO, 0x42, struct mvm_regs)

/* A segment register, fields as in the descriptor. */
struct mvm_segment {
	__u64 base;
	__u32 limit;		/* in bytes: g=1 limits end in 0xfff */
	__u16 selector;
	__u8 type;		/* 4 bits */
	__u8 present, dpl, db, s, l, g, avl;
	__u8 unusable;		/* a null selector loaded in 64-bit mode etc. */
	__u8 padding[5];
};

struct mvm_dtable {
	__u64 base;
	__u16 limit;
	__u16 padding[3];
};

struct mvm_sregs {
	struct mvm_segment cs, ds, es, fs, gs, ss;
	struct mvm_segment tr, ldt;
	struct mvm_dtable gdt, idt;
	__u64 cr0, cr2, cr3, cr4, cr8;
	__u64 efer;
	__u32 flags;		/* must be 0 */
	__u32 padding;
	__u64 reserved[7];
};

#define MVM_GET_SREGS		_IOR(MVMIO, 0x43, struct mvm_sregs)
#define MVM_SET_SREGS		_IOW(MVMIO, 0x44, struct mvm_sregs)

/*
 * The CPUID table the vCPU's CPUID instruction reads, replaced whole.  A
 * leaf not in the table reads as zeros.  entries: the user address of nent
 * struct mvm_cpuid_entry; nent at most MVM_CAP_MAX_CPUID_ENTRIES.
 */
struct mvm_cpuid_entry {
	__u32 function;
	__u32 index;		/* subleaf, used with MVM_CPUID_FLAG_INDEX */
	__u32 flags;
	__u32 eax, ebx, ecx, edx;
	__u32 padding;
};

#define MVM_CPUID_FLAG_INDEX	_BITUL(0)	/* index (ECX) is significant */

struct mvm_cpuid {
	__u32 nent;
	__u32 flags;		/* must be 0 */
	__u64 entries;
	__u64 reserved[2];	/* must be 0 */
};

#define MVM_SET_CPUID		_IOW(MVMIO, 0x45, struct mvm_cpuid)

/*
 * Queue an external interrupt.  Takes no vCPU lock: another thread may
 * call it while MVM_RUN runs or waits in HLT, and the vCPU is kicked.  It
 * is delivered when the guest accepts interrupts.  EBUSY: one is queued.
 */
struct mvm_interrupt {
	__u32 vector;		/* 0-255 */
	__u32 flags;		/* must be 0 */
	__u64 reserved[2];	/* must be 0 */
};

#define MVM_INTERRUPT		_IOW(MVMIO, 0x46, struct mvm_interrupt)
/* Queue an NMI (no lock, kicks the vCPU); a second one while queued merges. */
#define MVM_NMI			_IO(MVMIO, 0x47)

/* Deliver an exception on the next entry (vCPU lock). */
struct mvm_exception {
	__u8 vector;		/* 0-31, not 2 (NMI) */
	__u8 has_error_code;
	__u8 padding[2];
	__u32 error_code;
	__u32 flags;		/* must be 0 */
	__u32 reserved[5];	/* must be 0 */
};

#define MVM_INJECT_EXCEPTION	_IOW(MVMIO, 0x48, struct mvm_exception)

/* Everything pending or in delivery, to save and restore a vCPU. */
struct mvm_vcpu_events {
	struct {
		__u8 injected;		/* delivered at the next entry */
		__u8 vector;
		__u8 has_error_code;
		__u8 padding;
		__u32 error_code;
	} exception;
	struct {
		__u8 queued;		/* an MVM_INTERRUPT not yet delivered */
		__u8 vector;
		__u8 injected;		/* in delivery: an exit interrupted it */
		__u8 injected_vector;
		__u8 shadow;		/* the STI / MOV SS interrupt shadow */
		__u8 padding[3];
	} interrupt;
	struct {
		__u8 pending;		/* queued, not yet delivered */
		__u8 injected;		/* in delivery */
		__u8 masked;		/* blocked until the handler's IRET */
		__u8 padding[5];
	} nmi;
	__u32 flags;		/* MVM_VCPU_EVENTS_* */
	/*
	 * With MVM_VCPU_EVENTS_LATCHED (GET sets it with an irqchip): an
	 * INIT or SIPI another APIC sent that the vCPU has not yet taken.
	 * Without the flag these must be 0, and SET leaves the latch as it is.
	 */
	struct {
		__u8 init;		/* 0 or 1 */
		__u8 sipi;		/* 0 or 1 */
		__u8 sipi_vector;	/* with sipi */
		__u8 padding;
	} latched;
	__u32 reserved[8];	/* must be 0 */
};

#define MVM_VCPU_EVENTS_LATCHED	_BITUL(0)

#define MVM_GET_VCPU_EVENTS	_IOR(MVMIO, 0x49, struct mvm_vcpu_events)
#define MVM_SET_VCPU_EVENTS	_IOW(MVMIO, 0x4a, struct mvm_vcpu_events)

/*
 * Read or write MSRs the kernel keeps for the vCPU (list in mvm-api.md).
 * Returns how many entries were done: it stops at the first MSR the kernel
 * does not keep or a value it refuses.
 */
struct mvm_msr_entry {
	__u32 index;
	__u32 reserved;		/* must be 0 */
	__u64 data;
};

struct mvm_msrs {
	__u32 nmsrs;		/* at most MVM_CAP_MAX_MSR_ENTRIES */
	__u32 flags;		/* must be 0 */
	__u64 entries;		/* user address of nmsrs entries */
	__u64 reserved[2];	/* must be 0 */
};

#define MVM_GET_MSRS		_IOW(MVMIO, 0x4b, struct mvm_msrs)
#define MVM_SET_MSRS		_IOW(MVMIO, 0x4c, struct mvm_msrs)

/*
 * The vCPU's FPU/SSE/AVX... state in the standard (non-compacted) XSAVE
 * layout, the one ptrace and signal frames use; XCR0 beside it.
 */
struct mvm_xsave {
	__u32 region[1024];
	__u32 flags;		/* must be 0 */
	__u32 padding;
	__u64 reserved[3];
};

#define MVM_GET_XSAVE		_IOR(MVMIO, 0x4d, struct mvm_xsave)
#define MVM_SET_XSAVE		_IOW(MVMIO, 0x4e, struct mvm_xsave)

struct mvm_xcrs {
	__u64 xcr0;
	__u32 flags;		/* must be 0 */
	__u32 padding;
	__u64 reserved[6];
};

#define MVM_GET_XCRS		_IOR(MVMIO, 0x4f, struct mvm_xcrs)
#define MVM_SET_XCRS		_IOW(MVMIO, 0x50, struct mvm_xcrs)

/*
 * Whether the vCPU runs (with an irqchip): RUNNABLE, HALTED (HLT with
 * interrupts on: MVM_RUN waits in the kernel for an interrupt) or
 * INIT_RECEIVED (after INIT: MVM_RUN waits for a start-up IPI).
 */
struct mvm_mp_state {
	__u32 state;
	__u32 flags;		/* must be 0 */
	__u64 reserved[3];
};

#define MVM_MP_STATE_RUNNABLE		0
#define MVM_MP_STATE_HALTED		1
#define MVM_MP_STATE_INIT_RECEIVED	2

#define MVM_GET_MP_STATE	_IOR(MVMIO, 0x51, struct mvm_mp_state)
#define MVM_SET_MP_STATE	_IOW(MVMIO, 0x52, struct mvm_mp_state)

/*
 * The local APIC's registers in the xAPIC page layout (offset 0x20 the
 * ID in bits 31:24, 0x80 TPR, 0x100-0x270 ISR/TMR/IRR, 0x320-0x3e0 LVT
 * and timer), the current timer count at 0x390; ENXIO without irqchip.
 */
struct mvm_lapic_state {
	__u8 regs[1024];
	__u32 flags;		/* must be 0 */
	__u32 padding;
	__u64 reserved[3];
};

#define MVM_GET_LAPIC		_IOR(MVMIO, 0x53, struct mvm_lapic_state)
#define MVM_SET_LAPIC		_IOW(MVMIO, 0x54, struct mvm_lapic_state)

/*
 * The debug registers: DR0-3, DR6 and DR7 as the guest's MOVs see them.
 * SET takes what a MOV to DR6/DR7 takes: bits 63:32 zero, and DR7's
 * bits 11, 12, 14 and 15 zero (EINVAL).  DR6's fixed bits (0xffff0ff0)
 * and DR7's bit 10 read as 1.
 */
struct mvm_debugregs {
	__u64 db[4];
	__u64 dr6;
	__u64 dr7;
	__u32 flags;		/* must be 0 */
	__u32 padding;		/* must be 0 */
	__u64 reserved[8];	/* must be 0 */
};

#define MVM_GET_DEBUGREGS	_IOR(MVMIO, 0x55, struct mvm_debugregs)
#define MVM_SET_DEBUGREGS	_IOW(MVMIO, 0x56, struct mvm_debugregs)

/* VMMCALL: no hypercalls are defined; RAX = -MVM_HC_UNKNOWN for all. */
#define MVM_HC_UNKNOWN		1000

/* ---- The run page ---- */

#define MVM_EXIT_UNKNOWN	0
#define MVM_EXIT_IO		1	/* port I/O: run->io */
#define MVM_EXIT_MMIO		2	/* access to no memory slot: run->mmio */
#define MVM_EXIT_HLT		3	/* HLT with interrupts off */
#define MVM_EXIT_SHUTDOWN	4	/* triple fault */
#define MVM_EXIT_INTR		5	/* a signal or immediate_exit */
#define MVM_EXIT_INTERNAL_ERROR	6	/* run->internal */
#define MVM_EXIT_FAIL_ENTRY	7	/* the CPU refused the state: run->internal */
#define MVM_EXIT_IRQ_WINDOW_OPEN 8	/* the guest accepts interrupts now */
#define MVM_EXIT_RDMSR		9	/* run->msr: fill data or set error */
#define MVM_EXIT_WRMSR		10	/* run->msr: set error to refuse */
#define MVM_EXIT_EOI		11	/* run->eoi: a level-triggered EOI */
#define MVM_EXIT_DIRTY_RING_FULL 12	/* harvest, MVM_RESET_DIRTY_RINGS, run */

#define MVM_IO_IN		0
#define MVM_IO_OUT		1

#define MVM_INTERNAL_UNHANDLED	1	/* an exit code mvm does not handle */
#define MVM_INTERNAL_EMULATION	2	/* an instruction needs emulation */
#define MVM_INTERNAL_HOST_STATE	3	/* the CPU lost the guest's state */

struct mvm_run {
	/* in */
	__u8 immediate_exit;	/* set: RUN completes the last exit, returns EINTR */
	__u8 request_interrupt_window;	/* set: MVM_EXIT_IRQ_WINDOW_OPEN */
	__u8 regs_dirty;	/* set: RUN loads regs below first */
	__u8 padding1[5];
	/* out */
	__u32 exit_reason;	/* MVM_EXIT_* */
	__u32 padding2;
	__u8 if_flag;		/* the guest's RFLAGS.IF */
	__u8 ready_for_interrupt_injection;	/* a queued one goes in now */
	__u8 padding3[6];
	__u64 reserved[5];
	union {
		/*
		 * MVM_EXIT_IO: count items of size bytes at run page offset
		 * data_offset: OUT data to consume, or IN data to fill in
		 * before the next RUN.
		 */
		struct {
			__u8 direction;	/* MVM_IO_IN / MVM_IO_OUT */
			__u8 size;	/* 1, 2 or 4 */
			__u16 port;
			__u32 count;
			__u64 data_offset;
		} io;
		/*
		 * MVM_EXIT_MMIO: for a write, data holds len bytes; for a
		 * read, fill data before the next RUN.  The instruction bytes
		 * (insn_len of them, 0 when unknown) and the CPU mode let
		 * userspace decode the access.
		 */
		struct {
			__u64 phys_addr;
			__u8 data[8];
			__u32 len;
			__u8 is_write;
			__u8 insn_len;
			__u8 cpu_mode;	/* 16, 32 or 64 */
			__u8 padding;
			__u8 insn_bytes[16];
		} mmio;
		/*
		 * MVM_EXIT_RDMSR/WRMSR: an MSR the kernel does not handle.
		 * RDMSR: put the value in data; either: set error to 1 and
		 * the guest gets #GP.  Completed by the next MVM_RUN.
		 */
		struct {
			__u32 index;
			__u8 error;
			__u8 padding[3];
			__u64 data;
		} msr;
		/*
		 * MVM_EXIT_EOI: the guest ended a level-triggered interrupt
		 * (an MSI with data bit 15 set): an IOAPIC clears its
		 * remote IRR and sends the line again if it is still up.
		 */
		struct {
			__u8 vector;
		} eoi;
		/* MVM_EXIT_INTERNAL_ERROR, MVM_EXIT_FAIL_ENTRY */
		struct {
			__u32 suberror;	/* MVM_INTERNAL_* */
			__u32 padding;
			__u64 hw_exit_code;	/* SVM EXITCODE / VMX exit reason */
			__u64 info1, info2;	/* EXITINFO1/2, qualification */
		} internal;
		__u8 padding4[256];
	};
	/*
	 * The vCPU's general registers at every return from MVM_RUN, so
	 * that userspace can complete an instruction (an MMIO access it
	 * decoded) without GET_REGS/SET_REGS: edit them and set regs_dirty.
	 */
	struct mvm_regs regs;
};

/* Where MVM_EXIT_IO data lives in the run page. */
#define MVM_RUN_IO_DATA_OFFSET	512

#endif /* _UAPI_LINUX_MVM_H */

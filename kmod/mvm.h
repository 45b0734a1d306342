/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mvm: definitions shared by the generic core and the vendor backends.
 *
 * Locking legend for struct fields:
 *   (c) constant after creation
 *   (l) vm->lock
 *   (a) atomic / refcount
 *   (m) vcpu->mutex
 */
#ifndef MVM_H
#define MVM_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/refcount.h>
#include <linux/seqlock.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/types.h>

#include <linux/mvm.h>

#include "lapic.h"
#include "mmu.h"

#define MVM_MAX_VCPUS		256
#define MVM_MAX_MEMSLOTS	64
/* Reported by MVM_CHECK_EXTENSION (MVM_CAP_MAX_*), not part of the ABI */
#define MVM_MAX_IOEVENTFDS	256
#define MVM_MAX_IRQFDS		256
#define MVM_MAX_CPUID_ENTRIES	256
#define MVM_MAX_MSR_ENTRIES	256
/* A slot's page count must fit in 31 bits (the stage-2 code indexes pages in an int). */
#define MVM_MAX_SLOT_PAGES	((1ULL << 31) - 1)

struct mvm_vm;
struct mvm_vcpu;

/*
 * One table per vendor.  The core validates every user input and never
 * hands a user pointer to a backend.
 */
struct mvm_backend {
	const char *name;
	u32 id;				/* MVM_BACKEND_* */

	/* Can this machine run the backend?  On failure *why says why. */
	int (*probe)(const char **why);
	/* Allocate / free per-CPU state for every possible CPU. */
	int (*setup)(void);
	void (*unsetup)(void);

	/* Turn virtualization on / off on the calling CPU (preemption off). */
	int (*cpu_enable)(void);
	void (*cpu_disable)(void);

	u32 (*hw_features)(void);	/* MVM_SVM_F_* / MVM_VMX_F_* */
	unsigned int (*guest_phys_bits)(void);

	int (*vcpu_create)(struct mvm_vcpu *vcpu);
	void (*vcpu_free)(struct mvm_vcpu *vcpu);

	/*
	 * Called with vcpu->mutex held, arguments already copied in and
	 * checked for reserved fields.  run() returns 0 with an exit in
	 * vcpu->run, or -errno.  A backend that runs guests fills every
	 * hook from here to set_msr; one that does not leaves them all NULL
	 * and the vCPU ioctls answer EOPNOTSUPP (MVM_IOCTL_GUEST).
	 */
	int (*vcpu_run)(struct mvm_vcpu *vcpu);
	/*
	 * The vCPU thread was scheduled in on cpu / out (preemption off):
	 * per-CPU state the backend keeps loaded between entries is stale.
	 */
	void (*sched_in)(struct mvm_vcpu *vcpu, int cpu);
	void (*get_regs)(struct mvm_vcpu *vcpu, struct mvm_regs *regs);
	void (*set_regs)(struct mvm_vcpu *vcpu, const struct mvm_regs *regs);
	void (*get_sregs)(struct mvm_vcpu *vcpu, struct mvm_sregs *sregs);
	int (*set_sregs)(struct mvm_vcpu *vcpu, const struct mvm_sregs *sregs);
	int (*inject_exception)(struct mvm_vcpu *vcpu,
				const struct mvm_exception *e);
	void (*get_events)(struct mvm_vcpu *vcpu, struct mvm_vcpu_events *ev);
	int (*set_events)(struct mvm_vcpu *vcpu,
			  const struct mvm_vcpu_events *ev);
	/* 0, or -1 for an MSR the backend does not keep or a bad value. */
	int (*get_xsave)(struct mvm_vcpu *vcpu, struct mvm_xsave *xs);
	int (*set_xsave)(struct mvm_vcpu *vcpu, const struct mvm_xsave *xs);
	void (*get_xcrs)(struct mvm_vcpu *vcpu, struct mvm_xcrs *xcrs);
	int (*set_xcrs)(struct mvm_vcpu *vcpu, const struct mvm_xcrs *xcrs);
	int (*get_msr)(struct mvm_vcpu *vcpu, u32 index, u64 *data);
	int (*set_msr)(struct mvm_vcpu *vcpu, u32 index, u64 data);
	/* DR0-3, DR6, DR7; set gets values the core checked as a MOV would. */
	void (*get_debugregs)(struct mvm_vcpu *vcpu, struct mvm_debugregs *d);
	void (*set_debugregs)(struct mvm_vcpu *vcpu,
			      const struct mvm_debugregs *d);
	/* The guest's TSC now, and its offset from the host's. */
	u64 (*read_tsc)(struct mvm_vcpu *vcpu);
	u64 (*tsc_offset)(struct mvm_vcpu *vcpu);
	/* INIT: the architectural INIT state (the TSC keeps running). */
	void (*vcpu_init)(struct mvm_vcpu *vcpu);

	const struct mvm_s2_fmt *s2;	/* stage-2 entry format */
};

/* Written under vm->lock and mmu.lock; read under either. */
struct mvm_memslot {
	u64 base_gfn;
	u64 npages;			/* 0: slot unused */
	u64 userspace_addr;
	u32 flags;			/* MVM_MEM_* */
	/*
	 * With MVM_MEM_LOG_DIRTY: one bit per page, set and cleared under
	 * mmu.lock only, and only through the live slot (a copy of the
	 * struct may outlive the bitmap).  NULL otherwise.  On a ring VM a
	 * bit means the page is in some vCPU's ring, not reset yet.
	 */
	unsigned long *dirty_bitmap;
};

/* Sequential-write detection and the worker that faults ahead (fault_ahead.c) */
struct mvm_fault_ahead {
	struct work_struct work;
	spinlock_t lock;		/* the fields below */
	u64 last;			/* block of the last write fault */
	u64 next, end;			/* blocks the worker has still to do */
};

struct mvm_vm {
	refcount_t users;		/* (a) VM fd + one per vCPU fd */
	struct mm_struct *mm;		/* (c) owner; mmgrab()ed */
	struct mutex lock;
	struct mvm_memslot slots[MVM_MAX_MEMSLOTS];	/* (l) */
	struct mvm_vcpu *vcpus[MVM_MAX_VCPUS];		/* (l) freed with the VM */
	unsigned int nr_vcpus;		/* (l) */
	struct mvm_mmu mmu;		/* its own lock */
	struct mvm_fault_ahead fault_ahead;	/* its own lock */
	struct list_head ioeventfds;	/* (l) writers, RCU readers */
	unsigned int nr_ioeventfds;	/* (l) */
	bool irqchip;			/* (l) set before any vCPU exists */
	bool dirty_manual;		/* (l) MVM_DIRTY_LOG_MANUAL_PROTECT */
	/* (l) ring entries per vCPU, 0: bitmaps; set before any vCPU exists */
	u32 dirty_ring_size;
	struct list_head irqfds;	/* (l) */
	unsigned int nr_irqfds;		/* (l) */

	/*
	 * kvmclock: the reference point all vCPUs share: the clock read
	 * clock_ns0 at host TSC clock_tsc0.  Both and clock_gen change
	 * together under clock_seq (MVM_SET_CLOCK); a vCPU whose clock_gen
	 * is older rewrites its structure before it enters the guest.
	 */
	seqlock_t clock_seq;
	u64 clock_tsc0;
	u64 clock_ns0;
	u32 clock_gen;
	u32 clock_mul;			/* (c) */
	s8 clock_shift;			/* (c) */
	u64 wall_clock_msr;		/* (l) last value written, any vCPU */
};

/* A vCPU's dirty ring (dirty_ring.c) */
struct mvm_dirty_ring {
	struct mvm_dirty_gfn *gfns;	/* (c) vmalloc'd, mapped by userspace */
	u32 size;			/* (c) entries, a power of two; 0: none */
	u32 dirty_index;		/* (mmu.lock) next entry to fill */
	u32 reset_index;		/* (mmu.lock) oldest entry not reset */
};

#define MVM_DIRTY_RING_MIN_BYTES	PAGE_SIZE
#define MVM_DIRTY_RING_MAX_BYTES	BIT(20)	/* 65536 entries */

struct mvm_vcpu {
	struct mvm_vm *vm;		/* (c) */
	u32 id;				/* (c) */
	void *arch;			/* (c) backend state */
	struct mvm_run *run;		/* (c) the page userspace mmap()s */
	struct mutex mutex;		/* serializes the vCPU's ioctls */
	struct preempt_notifier pn;	/* (m) registered during MVM_RUN */

	/*
	 * (a) Written by the vCPU thread with IRQs off around guest entry,
	 * read by mvm_flush_remote_tlbs() and kicks to find CPUs running the
	 * guest: guest_seq counts entries and exits (odd: in the guest).
	 */
	u32 guest_seq;
	int cpu;
	u32 flush_seq;			/* (mmu.lock) guest_seq a flush saw */

	/* (a) Events other threads queue without the vCPU lock. */
	atomic_t irq_queued;		/* vector, or -1 */
	atomic_t nmi_pending;
	wait_queue_head_t wait;		/* a halted vCPU sleeps here */
	unsigned int halt_poll_ns;	/* (m) adaptive poll before sleeping */

	/* (m): vcpu->mutex */
	struct mvm_cpuid_entry *cpuid;	/* (m) CPUID table, nr_cpuid entries */
	u32 nr_cpuid;			/* (m) */
	u32 mp_state;			/* (m) MVM_MP_STATE_* */
	/* (m) run->request_interrupt_window, read once per MVM_RUN */
	bool irq_window_wanted;
	struct mvm_lapic *lapic;	/* (c) with the VM's irqchip, else NULL */
	u64 clock_msr;			/* (m) kvmclock system time MSR */
	u64 clock_gpa;			/* (m) */
	u32 clock_version;		/* (m) */
	struct mvm_dirty_ring ring;	/* pushed by the vCPU thread only */
	u32 clock_gen;			/* (m) vm->clock_gen it was written for */
	bool clock_stale;		/* (m) the TSC offset changed since */
};

/* What an MSR handler did (backends and core alike). */
#define MVM_MSR_BAD	(-1)	/* #GP */
#define MVM_MSR_OK	0
#define MVM_MSR_UNKNOWN	1	/* not this handler's: ask the next, or userspace */
#define MVM_MSR_EXIT	2	/* done; run->exit_reason set for userspace */

/*
 * After stage-2 entries went away: no vCPU of vm may use a translation it
 * cached from them once this returns.  Bumps mmu.tlb_gen (every vCPU
 * flushes before its next entry) and interrupts the vCPUs in the guest
 * now, waiting until they have left it, with NMIs if they take long
 * (tlb.c).  Called with mmu.lock held.
 */
void mvm_flush_remote_tlbs(struct mvm_vm *vm);
int mvm_tlb_init(void);
void mvm_tlb_exit(void);

static inline bool mvm_guest_seq_in_guest(u32 seq)
{
	return seq & 1;
}

/*
 * The vCPU side of that: mark guest entry (IRQs off) _before_ reading
 * mmu.tlb_gen, and leave after the guest exited.
 */
static inline void mvm_vcpu_enter_guest_mode(struct mvm_vcpu *vcpu)
{
	WRITE_ONCE(vcpu->cpu, smp_processor_id());
	/* cpu before guest_seq: pairs with the smp_rmb() in tlb.c. */
	smp_wmb();
	/* Pairs with the barrier in mvm_flush_remote_tlbs(). */
	smp_store_mb(vcpu->guest_seq, vcpu->guest_seq + 1);
}

static inline void mvm_vcpu_exit_guest_mode(struct mvm_vcpu *vcpu)
{
	WRITE_ONCE(vcpu->guest_seq, vcpu->guest_seq + 1);
}

/*
 * Reclaim and throttling for memory.high that the kernel queued for this
 * thread's return to user mode, and that only that return can run: a
 * module may not call resume_user_mode_work().  The run loop then returns
 * EINTR, like for a signal, and the VMM runs again.  Not for the rest of
 * that work: rseq sets TIF_NOTIFY_RESUME at every preemption, and 6.12
 * queues task work (mm_cid) every 100 ms or so; neither needs the return
 * soon, and neither lets a guest take more than its share.
 */
static inline bool mvm_user_work_pending(void)
{
#ifdef CONFIG_MEMCG
	return test_thread_flag(TIF_NOTIFY_RESUME) &&
	       current->memcg_nr_pages_over_high;
#else
	return false;
#endif
}

/* Make a vCPU notice a queued event: out of the guest, or out of HLT. */
void mvm_vcpu_kick(struct mvm_vcpu *vcpu);

/* vCPU thread: would an interrupt or NMI end a HLT now? */
static inline bool mvm_vcpu_has_event(struct mvm_vcpu *vcpu)
{
	if (atomic_read(&vcpu->nmi_pending))
		return true;
	if (vcpu->lapic)
		return mvm_lapic_has_interrupt(vcpu->lapic) ||
		       (atomic_read(&vcpu->lapic->init_sipi) & MVM_APIC_INIT);
	return atomic_read(&vcpu->irq_queued) >= 0;
}

/*
 * vCPU thread, before each guest entry: take INIT and SIPI, and wait
 * (poll briefly, then sleep) while the vCPU is halted or waits for a SIPI.
 * 0 when it may run, -EINTR (run->exit_reason set) on a signal, 1 when
 * userspace must act first (MVM_EXIT_DIRTY_RING_FULL).
 */
int mvm_vcpu_wait_runnable(struct mvm_vcpu *vcpu);

/* vCPU thread: MSRs of the generic core (APIC, kvmclock): MVM_MSR_*. */
int mvm_core_rdmsr(struct mvm_vcpu *vcpu, u32 msr, u64 *val);
int mvm_core_wrmsr(struct mvm_vcpu *vcpu, u32 msr, u64 val);

/* insn.c: a 32-bit MOV to or from memory (the xAPIC page) */
struct mvm_mov {
	bool store;
	bool has_imm;		/* store of imm, else of/to register reg */
	u8 reg;			/* 0-15 in encoding order */
	u8 len;
	u32 imm;
};

int mvm_decode_mov32(const u8 *bytes, unsigned int n, u8 mode,
		     struct mvm_mov *mov);

/* pvclock.c */
bool mvm_pvclock_available(void);
void mvm_pvclock_vm_init(struct mvm_vm *vm);
void mvm_pvclock_update(struct mvm_vcpu *vcpu);
/* Before each entry: rewrite the structure if the clock or the TSC moved. */
void mvm_pvclock_check(struct mvm_vcpu *vcpu);
/* The vCPU's TSC offset changed: its structure is rewritten before the next entry. */
static inline void mvm_pvclock_tsc_changed(struct mvm_vcpu *vcpu)
{
	vcpu->clock_stale = true;
}

int mvm_pvclock_get_clock(struct mvm_vm *vm, struct mvm_clock_data *d);
int mvm_pvclock_set_clock(struct mvm_vm *vm, const struct mvm_clock_data *d);
int mvm_pvclock_rdmsr(struct mvm_vcpu *vcpu, u32 msr, u64 *val);
int mvm_pvclock_wrmsr(struct mvm_vcpu *vcpu, u32 msr, u64 val);

/* fault_ahead.c */
void mvm_fault_ahead_init(struct mvm_vm *vm);
void mvm_fault_ahead_stop(struct mvm_vm *vm);
void mvm_fault_ahead_note(struct mvm_vm *vm, u64 gfn);

/* dirty.c: dirty-page logging per slot */
int mvm_dirty_slot_alloc(struct mvm_memslot *s);
int mvm_dirty_log_toggle(struct mvm_vm *vm, unsigned int idx, bool on);
void mvm_dirty_free_all(struct mvm_vm *vm);
bool mvm_dirty_mark_locked(struct mvm_vcpu *vcpu, u64 gfn);
void mvm_dirty_mark(struct mvm_vcpu *vcpu, u64 gfn, u64 hva);
int mvm_get_dirty_log(struct mvm_vm *vm, const struct mvm_dirty_log *a);
int mvm_clear_dirty_log(struct mvm_vm *vm, const struct mvm_clear_dirty_log *a);
int mvm_dirty_enable_cap(struct mvm_vm *vm, const struct mvm_enable_cap *c);

/* dirty_ring.c: the per-vCPU dirty ring */
int mvm_dirty_ring_enable(struct mvm_vm *vm, u64 bytes);
int mvm_dirty_ring_alloc(struct mvm_vcpu *vcpu);
void mvm_dirty_ring_free(struct mvm_vcpu *vcpu);
bool mvm_dirty_ring_mark(struct mvm_vcpu *vcpu, const struct mvm_memslot *s,
			 u64 off);
bool mvm_dirty_ring_has_room(struct mvm_vcpu *vcpu);
int mvm_dirty_ring_check(struct mvm_vcpu *vcpu);
long mvm_dirty_ring_reset_all(struct mvm_vm *vm);
int mvm_dirty_ring_mmap(struct mvm_vcpu *vcpu, struct vm_area_struct *vma);

/* irqfd.c */
int mvm_irqfd(struct mvm_vm *vm, const struct mvm_irqfd *args);
void mvm_irqfd_free_all(struct mvm_vm *vm);

/* guest.c: guest memory from the vCPU thread */
struct mvm_paging {
	u64 cr0, cr3, cr4, efer;
	u8 cpl;
	bool ac;		/* RFLAGS.AC: SMAP lets supervisor accesses by */
};

/* How the guest accesses a linear address (mvm_gva_to_gpa's access). */
#define MVM_GVA_ANY	0	/* no permission checks (instruction bytes) */
#define MVM_GVA_READ	BIT(0)	/* a data read at the guest's CPL */
#define MVM_GVA_WRITE	BIT(1)	/* a data write at the guest's CPL */

/*
 * A positive return of the walks below: the guest's MMU would fault, and
 * the low 16 bits are the #PF error code it would push.
 */
#define MVM_GVA_FAULT	BIT(16)

int mvm_read_guest(struct mvm_vm *vm, u64 gpa, void *buf, size_t len);
/* Writes are the vCPU's: dirty logging publishes them in its ring. */
int mvm_write_guest(struct mvm_vcpu *vcpu, u64 gpa, const void *buf,
		    size_t len);
int mvm_gva_to_gpa(struct mvm_vm *vm, const struct mvm_paging *p, u64 gva,
		   unsigned int access, u64 *gpa);
int mvm_read_guest_virt(struct mvm_vm *vm, const struct mvm_paging *p,
			u64 gva, unsigned int access, void *buf, size_t len);
int mvm_write_guest_virt(struct mvm_vcpu *vcpu, const struct mvm_paging *p,
			 u64 gva, const void *buf, size_t len);

/* cpuid.c */
int mvm_set_cpuid(struct mvm_vcpu *vcpu, const struct mvm_cpuid *c);
void mvm_cpuid(struct mvm_vcpu *vcpu, u32 fn, u32 index, u32 out[4]);

extern const struct mvm_backend *mvm_backend;
extern const struct mvm_backend mvm_svm_backend;
extern const struct mvm_backend mvm_vmx_backend;

/* virt.c: hardware virtualization, on while any VM exists */
int mvm_virt_init(void);
void mvm_virt_exit(void);
int mvm_virt_get(void);
void mvm_virt_put(void);
bool mvm_virt_cpu_on(void);	/* IRQs off: is this CPU enabled? */

/* vm.c */
int mvm_vm_create(unsigned long type);
void mvm_vm_put(struct mvm_vm *vm);

/* ioeventfd.c */
int mvm_ioeventfd(struct mvm_vm *vm, const struct mvm_ioeventfd *args);
void mvm_ioeventfd_free_all(struct mvm_vm *vm);
/* A guest OUT of len bytes: true when an ioeventfd took it. */
bool mvm_ioeventfd_pio_write(struct mvm_vm *vm, u16 port, u32 len, u64 val);

/* memslot.c */
int mvm_set_memory_region(struct mvm_vm *vm,
			  const struct mvm_memory_region *mr);
const struct mvm_memslot *mvm_memslot_find(const struct mvm_vm *vm, u64 gfn);

/* The host address of gfn, a frame of slot s. */
static inline u64 mvm_memslot_hva(const struct mvm_memslot *s, u64 gfn)
{
	return s->userspace_addr + ((gfn - s->base_gfn) << PAGE_SHIFT);
}

/* vcpu.c */
int mvm_vcpu_create(struct mvm_vm *vm, u32 id);
void mvm_vcpu_free(struct mvm_vcpu *vcpu);

/* ioctl.c: table-driven dispatch */
struct mvm_ioctl {
	unsigned int cmd;
	long (*fn)(void *obj, unsigned long arg, void *buf);
	unsigned int flags;
};

#define MVM_IOCTL_VM_LOCK	BIT(0)	/* run under the object's lock */
#define MVM_IOCTL_GUEST		BIT(1)	/* needs a backend that runs guests */
#define MVM_IOCTL_MAX_ARG	512		/* largest copied-in argument */

long mvm_ioctl_dispatch(const struct mvm_ioctl *table, size_t n,
			void *obj, struct mutex *lock,
			unsigned int cmd, unsigned long arg);

/*
 * Whether an argument's bytes from @from to its end (its flags, padding and
 * reserved words, where those come last) are all 0, as SET requires:
 * mvm_zero_tail(r, sizeof(*r), offsetof(struct mvm_regs, flags)).
 */
static inline bool mvm_zero_tail(const void *arg, size_t size, size_t from)
{
	return !memchr_inv((const u8 *)arg + from, 0, size - from);
}

#endif /* MVM_H */

// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: vCPU objects and the vCPU file descriptor.
 *
 * A vCPU fd holds a reference on its VM; the vCPU itself lives as long as
 * the VM, so closing a vCPU fd never frees state another thread may use.
 * The thread that calls MVM_RUN is the vCPU: the host schedules it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/sched.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
/* smp_send_reschedule() traces on newer kernels */
#include <trace/events/ipi.h>

#include "mvm.h"

/* ---- Preemption: the backend hears when its thread changes CPU ---- */

static void mvm_vcpu_sched_in(struct preempt_notifier *pn, int cpu)
{
	struct mvm_vcpu *vcpu = container_of(pn, struct mvm_vcpu, pn);

	mvm_backend->sched_in(vcpu, cpu);
}

static void mvm_vcpu_sched_out(struct preempt_notifier *pn,
			       struct task_struct *next)
{
}

static struct preempt_ops mvm_preempt_ops = {
	.sched_in = mvm_vcpu_sched_in,
	.sched_out = mvm_vcpu_sched_out,
};

/* ---- vCPU ioctls: all run under vcpu->mutex ---- */

/*
 * The registers into the run page, whole: flags and reserved words that
 * userspace wrote there read as 0 again.
 */
static void mvm_vcpu_put_run_regs(struct mvm_vcpu *vcpu)
{
	struct mvm_regs regs = {};

	mvm_backend->get_regs(vcpu, &regs);
	vcpu->run->regs = regs;
}

static long mvm_vcpu_run(void *obj, unsigned long arg, void *buf)
{
	struct mvm_vcpu *vcpu = obj;
	long r;

	/*
	 * immediate_exit is looked at by the backend, after it completed
	 * what the last exit left to the next MVM_RUN (an IN's data, a
	 * RDMSR's value, registers the VMM wrote): a VMM sets it and calls
	 * MVM_RUN once to bring the state up to date before saving it.
	 */

	/* This thread is the vCPU for the length of the call. */
	preempt_notifier_init(&vcpu->pn, &mvm_preempt_ops);
	preempt_disable();
	preempt_notifier_register(&vcpu->pn);
	mvm_backend->sched_in(vcpu, smp_processor_id());
	preempt_enable();

	mvm_pvclock_update(vcpu);
	/* Read here, not at each entry: an exit the kernel handles touches no run page. */
	vcpu->irq_window_wanted = READ_ONCE(vcpu->run->request_interrupt_window);
	if (READ_ONCE(vcpu->run->regs_dirty)) {
		/* One copy, checked and used: the page stays userspace's. */
		struct mvm_regs regs = vcpu->run->regs;

		if (!mvm_zero_tail(&regs, sizeof(regs),
				   offsetof(struct mvm_regs, flags))) {
			r = -EINVAL;
			goto out;
		}
		mvm_backend->set_regs(vcpu, &regs);
		vcpu->run->regs_dirty = 0;
	}

	r = mvm_backend->vcpu_run(vcpu);
	mvm_vcpu_put_run_regs(vcpu);
out:

	preempt_disable();
	preempt_notifier_unregister(&vcpu->pn);
	preempt_enable();
	return r;
}

static long mvm_vcpu_get_regs(void *obj, unsigned long arg, void *buf)
{
	mvm_backend->get_regs(obj, buf);
	return 0;
}

static long mvm_vcpu_set_regs(void *obj, unsigned long arg, void *buf)
{
	const struct mvm_regs *regs = buf;

	if (!mvm_zero_tail(regs, sizeof(*regs), offsetof(struct mvm_regs, flags)))
		return -EINVAL;
	mvm_backend->set_regs(obj, regs);
	return 0;
}

static long mvm_vcpu_get_sregs(void *obj, unsigned long arg, void *buf)
{
	mvm_backend->get_sregs(obj, buf);
	return 0;
}

static bool mvm_seg_padding_clear(const struct mvm_segment *seg)
{
	return !memchr_inv(seg->padding, 0, sizeof(seg->padding));
}

static long mvm_vcpu_set_sregs(void *obj, unsigned long arg, void *buf)
{
	const struct mvm_sregs *sr = buf;
	const struct mvm_segment *segs[] = {
		&sr->cs, &sr->ds, &sr->es, &sr->fs, &sr->gs, &sr->ss,
		&sr->tr, &sr->ldt,
	};
	size_t i;

	if (!mvm_zero_tail(sr, sizeof(*sr), offsetof(struct mvm_sregs, flags)) ||
	    memchr_inv(sr->gdt.padding, 0, sizeof(sr->gdt.padding)) ||
	    memchr_inv(sr->idt.padding, 0, sizeof(sr->idt.padding)))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(segs); i++) {
		if (!mvm_seg_padding_clear(segs[i]) || segs[i]->type > 15 ||
		    segs[i]->dpl > 3)
			return -EINVAL;
	}
	return mvm_backend->set_sregs(obj, sr);
}

static long mvm_vcpu_set_cpuid(void *obj, unsigned long arg, void *buf)
{
	return mvm_set_cpuid(obj, buf);
}

/* Lock-free: the vCPU may be running or halted in another thread. */
static long mvm_vcpu_interrupt(void *obj, unsigned long arg, void *buf)
{
	const struct mvm_interrupt *irq = buf;
	struct mvm_vcpu *vcpu = obj;

	if (!mvm_zero_tail(irq, sizeof(*irq),
			   offsetof(struct mvm_interrupt, flags)) ||
	    irq->vector > 255)
		return -EINVAL;
	/* With an irqchip, interrupts come through the APIC (MSIs). */
	if (vcpu->lapic)
		return -ENXIO;
	if (atomic_cmpxchg(&vcpu->irq_queued, -1, irq->vector) != -1)
		return -EBUSY;
	mvm_vcpu_kick(vcpu);
	return 0;
}

static long mvm_vcpu_nmi(void *obj, unsigned long arg, void *buf)
{
	struct mvm_vcpu *vcpu = obj;

	atomic_set(&vcpu->nmi_pending, 1);
	mvm_vcpu_kick(vcpu);
	return 0;
}

static long mvm_vcpu_inject_exception(void *obj, unsigned long arg, void *buf)
{
	const struct mvm_exception *e = buf;

	if (e->vector > 31 || e->vector == 2 || e->has_error_code > 1 ||
	    memchr_inv(e->padding, 0, sizeof(e->padding)) ||
	    !mvm_zero_tail(e, sizeof(*e),
			   offsetof(struct mvm_exception, flags)) ||
	    (!e->has_error_code && e->error_code))
		return -EINVAL;
	return mvm_backend->inject_exception(obj, e);
}

static_assert(sizeof(struct mvm_vcpu_events) == 64);
static_assert(offsetof(struct mvm_vcpu_events, latched) == 28);
static_assert(offsetof(struct mvm_vcpu_events, reserved) == 32);

/*
 * The INIT and SIPI other APICs sent that the vCPU has not taken yet
 * (the init_sipi latch): MP state INIT_RECEIVED alone does not say that
 * a SIPI came already.
 */
static void mvm_vcpu_get_latched(struct mvm_vcpu *vcpu,
				 struct mvm_vcpu_events *ev)
{
	int v = atomic_read(&vcpu->lapic->init_sipi);

	ev->flags |= MVM_VCPU_EVENTS_LATCHED;
	ev->latched.init = !!(v & MVM_APIC_INIT);
	ev->latched.sipi = !!(v & MVM_APIC_SIPI);
	ev->latched.sipi_vector = ev->latched.sipi ? v & 0xff : 0;
}

static long mvm_vcpu_get_events(void *obj, unsigned long arg, void *buf)
{
	struct mvm_vcpu *vcpu = obj;

	mvm_backend->get_events(vcpu, buf);
	if (vcpu->lapic)
		mvm_vcpu_get_latched(vcpu, buf);
	return 0;
}

static bool mvm_latched_valid(const struct mvm_vcpu *vcpu,
			      const struct mvm_vcpu_events *ev)
{
	/* Without the flag, the words are reserved ones: 0. */
	if (!(ev->flags & MVM_VCPU_EVENTS_LATCHED))
		return !memchr_inv(&ev->latched, 0, sizeof(ev->latched));
	/* Only an APIC latches them. */
	return vcpu->lapic && ev->latched.init <= 1 && ev->latched.sipi <= 1 &&
	       !ev->latched.padding &&
	       (ev->latched.sipi || !ev->latched.sipi_vector);
}

static long mvm_vcpu_set_events(void *obj, unsigned long arg, void *buf)
{
	const struct mvm_vcpu_events *ev = buf;
	struct mvm_vcpu *vcpu = obj;
	int r;

	if ((ev->flags & ~MVM_VCPU_EVENTS_LATCHED) ||
	    !mvm_latched_valid(obj, ev) ||
	    memchr_inv(ev->reserved, 0, sizeof(ev->reserved)) ||
	    ev->exception.padding || ev->exception.vector > 31 ||
	    ev->exception.vector == 2 ||
	    memchr_inv(ev->interrupt.padding, 0, sizeof(ev->interrupt.padding)) ||
	    memchr_inv(ev->nmi.padding, 0, sizeof(ev->nmi.padding)) ||
	    ev->exception.injected > 1 || ev->exception.has_error_code > 1 ||
	    ev->interrupt.queued > 1 || ev->interrupt.injected > 1 ||
	    ev->interrupt.shadow > 1 || ev->nmi.pending > 1 ||
	    ev->nmi.injected > 1 || ev->nmi.masked > 1 ||
	    /* One event can be in delivery at a time. */
	    ev->exception.injected + ev->interrupt.injected +
	    ev->nmi.injected > 1)
		return -EINVAL;
	r = mvm_backend->set_events(vcpu, ev);
	if (r || !(ev->flags & MVM_VCPU_EVENTS_LATCHED))
		return r;
	/* Taken (or dropped) by the next MVM_RUN, as if just sent. */
	atomic_set(&vcpu->lapic->init_sipi,
		   (ev->latched.init ? MVM_APIC_INIT : 0) |
		   (ev->latched.sipi ? MVM_APIC_SIPI | ev->latched.sipi_vector : 0));
	return 0;
}

/* The core walks the user's list; the backend only sees index and value. */
static long mvm_vcpu_msrs(struct mvm_vcpu *vcpu, const struct mvm_msrs *m,
			  bool set)
{
	struct mvm_msr_entry __user *u = u64_to_user_ptr(m->entries);
	struct mvm_msr_entry e;
	u32 i;

	if (m->flags || memchr_inv(m->reserved, 0, sizeof(m->reserved)) ||
	    m->nmsrs > MVM_MAX_MSR_ENTRIES)
		return -EINVAL;
	for (i = 0; i < m->nmsrs; i++) {
		if (copy_from_user(&e, &u[i], sizeof(e)))
			return -EFAULT;
		if (e.reserved)
			return -EINVAL;
		if (set ? mvm_backend->set_msr(vcpu, e.index, e.data) :
			  mvm_backend->get_msr(vcpu, e.index, &e.data))
			break;
		if (!set && copy_to_user(&u[i].data, &e.data, sizeof(e.data)))
			return -EFAULT;
	}
	return i;
}

static long mvm_vcpu_get_msrs(void *obj, unsigned long arg, void *buf)
{
	return mvm_vcpu_msrs(obj, buf, false);
}

static long mvm_vcpu_set_msrs(void *obj, unsigned long arg, void *buf)
{
	return mvm_vcpu_msrs(obj, buf, true);
}

static long mvm_vcpu_get_xsave(void *obj, unsigned long arg, void *buf)
{
	return mvm_backend->get_xsave(obj, buf);
}

static long mvm_vcpu_set_xsave(void *obj, unsigned long arg, void *buf)
{
	const struct mvm_xsave *xs = buf;

	if (!mvm_zero_tail(xs, sizeof(*xs), offsetof(struct mvm_xsave, flags)))
		return -EINVAL;
	return mvm_backend->set_xsave(obj, xs);
}

static long mvm_vcpu_get_xcrs(void *obj, unsigned long arg, void *buf)
{
	mvm_backend->get_xcrs(obj, buf);
	return 0;
}

static long mvm_vcpu_set_xcrs(void *obj, unsigned long arg, void *buf)
{
	const struct mvm_xcrs *x = buf;

	if (!mvm_zero_tail(x, sizeof(*x), offsetof(struct mvm_xcrs, flags)))
		return -EINVAL;
	return mvm_backend->set_xcrs(obj, x);
}

static long mvm_vcpu_get_mp_state(void *obj, unsigned long arg, void *buf)
{
	struct mvm_mp_state *mp = buf;

	mp->state = ((struct mvm_vcpu *)obj)->mp_state;
	return 0;
}

static long mvm_vcpu_set_mp_state(void *obj, unsigned long arg, void *buf)
{
	const struct mvm_mp_state *mp = buf;
	struct mvm_vcpu *vcpu = obj;

	if (!mvm_zero_tail(mp, sizeof(*mp),
			   offsetof(struct mvm_mp_state, flags)) ||
	    mp->state > MVM_MP_STATE_INIT_RECEIVED)
		return -EINVAL;
	/* Only an APIC can send the SIPI that ends the wait. */
	if (mp->state == MVM_MP_STATE_INIT_RECEIVED && !vcpu->lapic)
		return -EINVAL;
	vcpu->mp_state = mp->state;
	return 0;
}

static long mvm_vcpu_get_lapic(void *obj, unsigned long arg, void *buf)
{
	struct mvm_lapic_state *st = buf;
	struct mvm_vcpu *vcpu = obj;

	if (!vcpu->lapic)
		return -ENXIO;
	mvm_lapic_get_state(vcpu->lapic, st->regs);
	return 0;
}

static long mvm_vcpu_set_lapic(void *obj, unsigned long arg, void *buf)
{
	const struct mvm_lapic_state *st = buf;
	struct mvm_vcpu *vcpu = obj;

	if (!vcpu->lapic)
		return -ENXIO;
	if (!mvm_zero_tail(st, sizeof(*st),
			   offsetof(struct mvm_lapic_state, flags)))
		return -EINVAL;
	return mvm_lapic_set_state(vcpu->lapic, st->regs);
}

/* ---- Debug registers ---- */

static_assert(sizeof(struct mvm_debugregs) == 120);
static_assert(offsetof(struct mvm_debugregs, flags) == 48);
static_assert(offsetof(struct mvm_debugregs, reserved) == 56);

/* DR7 bits 11, 12, 14 and 15 must be zero on AMD; bit 10 reads as 1. */
#define MVM_DR7_MBZ	0xd800ULL
#define MVM_DR7_FIXED1	0x400ULL
#define MVM_DR6_FIXED1	0xffff0ff0ULL

static long mvm_vcpu_get_debugregs(void *obj, unsigned long arg, void *buf)
{
	memset(buf, 0, sizeof(struct mvm_debugregs));
	mvm_backend->get_debugregs(obj, buf);
	return 0;
}

/* What a MOV to DR6/DR7 would take (#GP there, EINVAL here). */
static long mvm_vcpu_set_debugregs(void *obj, unsigned long arg, void *buf)
{
	struct mvm_debugregs *d = buf;

	if (d->flags || d->padding ||
	    memchr_inv(d->reserved, 0, sizeof(d->reserved)) ||
	    (d->dr6 >> 32) || (d->dr7 >> 32) || (d->dr7 & MVM_DR7_MBZ))
		return -EINVAL;
	d->dr6 |= MVM_DR6_FIXED1;
	d->dr7 |= MVM_DR7_FIXED1;
	mvm_backend->set_debugregs(obj, d);
	return 0;
}

/* Serialized with RUN, and only on a backend that runs guests. */
#define MVM_VCPU_STATE	(MVM_IOCTL_VM_LOCK | MVM_IOCTL_GUEST)

static const struct mvm_ioctl mvm_vcpu_ioctls[] = {
	{ MVM_RUN,	 mvm_vcpu_run,		MVM_VCPU_STATE },
	{ MVM_GET_REGS,	 mvm_vcpu_get_regs,	MVM_VCPU_STATE },
	{ MVM_SET_REGS,	 mvm_vcpu_set_regs,	MVM_VCPU_STATE },
	{ MVM_GET_SREGS, mvm_vcpu_get_sregs,	MVM_VCPU_STATE },
	{ MVM_SET_SREGS, mvm_vcpu_set_sregs,	MVM_VCPU_STATE },
	{ MVM_SET_CPUID, mvm_vcpu_set_cpuid,	MVM_VCPU_STATE },
	{ MVM_INTERRUPT, mvm_vcpu_interrupt,	MVM_IOCTL_GUEST },
	{ MVM_NMI,	 mvm_vcpu_nmi,		MVM_IOCTL_GUEST },
	{ MVM_INJECT_EXCEPTION, mvm_vcpu_inject_exception, MVM_VCPU_STATE },
	{ MVM_GET_VCPU_EVENTS, mvm_vcpu_get_events, MVM_VCPU_STATE },
	{ MVM_SET_VCPU_EVENTS, mvm_vcpu_set_events, MVM_VCPU_STATE },
	{ MVM_GET_MSRS,	 mvm_vcpu_get_msrs,	MVM_VCPU_STATE },
	{ MVM_SET_MSRS,	 mvm_vcpu_set_msrs,	MVM_VCPU_STATE },
	{ MVM_GET_XSAVE, mvm_vcpu_get_xsave,	MVM_VCPU_STATE },
	{ MVM_SET_XSAVE, mvm_vcpu_set_xsave,	MVM_VCPU_STATE },
	{ MVM_GET_XCRS,	 mvm_vcpu_get_xcrs,	MVM_VCPU_STATE },
	{ MVM_SET_XCRS,	 mvm_vcpu_set_xcrs,	MVM_VCPU_STATE },
	{ MVM_GET_MP_STATE, mvm_vcpu_get_mp_state, MVM_VCPU_STATE },
	{ MVM_SET_MP_STATE, mvm_vcpu_set_mp_state, MVM_VCPU_STATE },
	{ MVM_GET_LAPIC, mvm_vcpu_get_lapic,	MVM_VCPU_STATE },
	{ MVM_SET_LAPIC, mvm_vcpu_set_lapic,	MVM_VCPU_STATE },
	{ MVM_GET_DEBUGREGS, mvm_vcpu_get_debugregs, MVM_VCPU_STATE },
	{ MVM_SET_DEBUGREGS, mvm_vcpu_set_debugregs, MVM_VCPU_STATE },
};

static long mvm_vcpu_ioctl(struct file *filp, unsigned int cmd,
			   unsigned long arg)
{
	struct mvm_vcpu *vcpu = filp->private_data;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	return mvm_ioctl_dispatch(mvm_vcpu_ioctls, ARRAY_SIZE(mvm_vcpu_ioctls),
				  vcpu, &vcpu->mutex, cmd, arg);
}

/* ---- The run page: one page at offset 0; the dirty ring (dirty_ring.c) ---- */

static vm_fault_t mvm_vcpu_fault(struct vm_fault *vmf)
{
	struct mvm_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	if (vmf->pgoff != 0)
		return VM_FAULT_SIGBUS;
	page = virt_to_page(vcpu->run);
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct mvm_vcpu_vm_ops = {
	.fault = mvm_vcpu_fault,
};

static int mvm_vcpu_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct mvm_vcpu *vcpu = filp->private_data;

	/*
	 * As every ioctl: only the owner.  The run page carries registers
	 * and regs_dirty into the owner's next MVM_RUN.
	 */
	if (vcpu->vm->mm != current->mm)
		return -EIO;
	if (vma->vm_pgoff == MVM_DIRTY_RING_PAGE_OFFSET)
		return mvm_dirty_ring_mmap(vcpu, vma);
	if (vma->vm_pgoff != 0 || vma->vm_end - vma->vm_start > PAGE_SIZE)
		return -EINVAL;
	vma->vm_ops = &mvm_vcpu_vm_ops;
	return 0;
}

static int mvm_vcpu_release(struct inode *inode, struct file *filp)
{
	struct mvm_vcpu *vcpu = filp->private_data;

	mvm_vm_put(vcpu->vm);
	return 0;
}

static const struct file_operations mvm_vcpu_fops = {
	.owner		= THIS_MODULE,
	.release	= mvm_vcpu_release,
	.unlocked_ioctl	= mvm_vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= mvm_vcpu_mmap,
	.llseek		= noop_llseek,
};

/*
 * Any context, hard interrupts included (the APIC timer, an irqfd's
 * wakeup under the eventfd's lock): a reschedule IPI ends the guest, and
 * sending one needs no lock and no wait.
 */
void mvm_vcpu_kick(struct mvm_vcpu *vcpu)
{
	int cpu, me;

	/* Pairs with smp_store_mb() in mvm_vcpu_enter_guest_mode(). */
	smp_mb__after_atomic();
	if (mvm_guest_seq_in_guest(READ_ONCE(vcpu->guest_seq))) {
		cpu = READ_ONCE(vcpu->cpu);
		me = get_cpu();
		/* On this CPU the guest is out already: we are running. */
		if (cpu != me && cpu_online(cpu))
			smp_send_reschedule(cpu);
		put_cpu();
	}
	wake_up_interruptible(&vcpu->wait);
}

/* ---- HLT ---- */

static unsigned int mvm_halt_poll_max_ns = 200000;
module_param_named(halt_poll_ns, mvm_halt_poll_max_ns, uint, 0644);
MODULE_PARM_DESC(halt_poll_ns, "longest a halted vCPU polls before sleeping (ns)");

/* What ends the wait: a SIPI (or INIT) after INIT, else any event. */
static bool mvm_vcpu_wake_cond(struct mvm_vcpu *vcpu)
{
	if (vcpu->mp_state == MVM_MP_STATE_INIT_RECEIVED)
		return atomic_read(&vcpu->lapic->init_sipi);
	return mvm_vcpu_has_event(vcpu);
}

static int mvm_vcpu_block(struct mvm_vcpu *vcpu)
{
	u64 start = ktime_get_ns(), poll = vcpu->halt_poll_ns;
	bool woke_in_poll = false;
	int r = 0;

	/*
	 * An event that comes within a short time is cheaper to wait for
	 * spinning than sleeping.  The window grows while that pays off and
	 * shrinks when the vCPU ends up sleeping anyway.
	 */
	while (poll && ktime_get_ns() - start < poll) {
		if (mvm_vcpu_wake_cond(vcpu)) {
			woke_in_poll = true;
			break;
		}
		if (signal_pending(current) || need_resched())
			break;
		cpu_relax();
	}
	if (!woke_in_poll)
		r = wait_event_interruptible(vcpu->wait,
					     mvm_vcpu_wake_cond(vcpu));

	if (woke_in_poll)
		vcpu->halt_poll_ns = min(max(poll * 2, 10000ULL),
					 (u64)mvm_halt_poll_max_ns);
	else
		vcpu->halt_poll_ns = poll / 2;
	if (r) {
		vcpu->run->exit_reason = MVM_EXIT_INTR;
		return -EINTR;
	}
	return 0;
}

/* INIT: the architectural INIT state; then wait for a SIPI. */
static void mvm_vcpu_do_init(struct mvm_vcpu *vcpu)
{
	mvm_backend->vcpu_init(vcpu);
	mvm_lapic_reset(vcpu->lapic);
	atomic_set(&vcpu->nmi_pending, 0);
	vcpu->mp_state = MVM_MP_STATE_INIT_RECEIVED;
}

/* SIPI: start in real mode at vector << 12. */
static void mvm_vcpu_do_sipi(struct mvm_vcpu *vcpu, u8 vector)
{
	struct mvm_sregs sr;
	struct mvm_regs r;

	mvm_backend->get_sregs(vcpu, &sr);
	sr.cs.selector = vector << 8;
	sr.cs.base = (u64)vector << 12;
	mvm_backend->set_sregs(vcpu, &sr);
	mvm_backend->get_regs(vcpu, &r);
	r.rip = 0;
	mvm_backend->set_regs(vcpu, &r);
	vcpu->mp_state = MVM_MP_STATE_RUNNABLE;
}

int mvm_vcpu_wait_runnable(struct mvm_vcpu *vcpu)
{
	struct mvm_lapic *apic = vcpu->lapic;
	int r, ev;

	for (;;) {
		ev = apic ? atomic_xchg(&apic->init_sipi, 0) : 0;
		if (ev & MVM_APIC_INIT)
			mvm_vcpu_do_init(vcpu);
		/* A SIPI counts only while waiting for one. */
		if ((ev & MVM_APIC_SIPI) &&
		    vcpu->mp_state == MVM_MP_STATE_INIT_RECEIVED)
			mvm_vcpu_do_sipi(vcpu, ev & 0xff);
		switch (vcpu->mp_state) {
		case MVM_MP_STATE_RUNNABLE:
			/*
			 * Room in the dirty ring first (the clock's write below
			 * takes an entry), then: MVM_SET_CLOCK may have moved
			 * the clock since the last entry.
			 */
			r = mvm_dirty_ring_check(vcpu);
			if (r)
				return r;
			mvm_pvclock_check(vcpu);
			return 0;
		case MVM_MP_STATE_HALTED:
			if (mvm_vcpu_has_event(vcpu)) {
				vcpu->mp_state = MVM_MP_STATE_RUNNABLE;
				continue;
			}
			break;
		default:
			break;
		}
		r = mvm_vcpu_block(vcpu);
		if (r)
			return r;
	}
}

/* ---- MSRs of the core ---- */

int mvm_core_rdmsr(struct mvm_vcpu *vcpu, u32 msr, u64 *val)
{
	int r = MVM_MSR_UNKNOWN;

	if (vcpu->lapic)
		r = mvm_lapic_rdmsr(vcpu->lapic, msr, val);
	if (r == MVM_MSR_UNKNOWN)
		r = mvm_pvclock_rdmsr(vcpu, msr, val);
	return r;
}

int mvm_core_wrmsr(struct mvm_vcpu *vcpu, u32 msr, u64 val)
{
	int r = MVM_MSR_UNKNOWN;

	if (vcpu->lapic)
		r = mvm_lapic_wrmsr(vcpu->lapic, msr, val);
	if (r == MVM_MSR_UNKNOWN)
		r = mvm_pvclock_wrmsr(vcpu, msr, val);
	return r;
}

void mvm_vcpu_free(struct mvm_vcpu *vcpu)
{
	mvm_lapic_free(vcpu);
	mvm_backend->vcpu_free(vcpu);
	mvm_dirty_ring_free(vcpu);
	free_page((unsigned long)vcpu->run);
	kfree(vcpu->cpuid);
	kfree(vcpu);
}

/* Called with vm->lock held; id already checked against MVM_MAX_VCPUS. */
int mvm_vcpu_create(struct mvm_vm *vm, u32 id)
{
	struct mvm_vcpu *vcpu;
	struct file *file;
	int r, fd;

	lockdep_assert_held(&vm->lock);
	if (vm->vcpus[id])
		return -EEXIST;

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->id = id;
	mutex_init(&vcpu->mutex);
	atomic_set(&vcpu->irq_queued, -1);
	init_waitqueue_head(&vcpu->wait);
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->run) {
		r = -ENOMEM;
		goto err_free;
	}
	r = mvm_dirty_ring_alloc(vcpu);
	if (r)
		goto err_run;

	if (vm->irqchip) {
		r = mvm_lapic_create(vcpu);
		if (r)
			goto err_ring;
	}

	r = mvm_backend->vcpu_create(vcpu);
	if (r)
		goto err_lapic;
	/* The application processors wait for the BSP's INIT/SIPI. */
	if (vcpu->lapic && id != 0)
		vcpu->mp_state = MVM_MP_STATE_INIT_RECEIVED;

	/*
	 * The fd and its file first: either can fail (EMFILE is easy to
	 * cause), and once the vCPU is published other threads reach it
	 * without the lock (MSIs, irqfds, TLB shootdowns), so nothing
	 * published may be undone.  The file holds a reference on the VM.
	 */
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		r = fd;
		goto err_backend;
	}
	refcount_inc(&vm->users);
	file = anon_inode_getfile("mvm-vcpu", &mvm_vcpu_fops, vcpu, O_RDWR);
	if (IS_ERR(file)) {
		r = PTR_ERR(file);
		/* The caller's VM fd still holds a reference: not the last. */
		refcount_dec(&vm->users);
		goto err_fd;
	}

	/* Published before the fd exists: nothing can fail after this. */
	smp_store_release(&vm->vcpus[id], vcpu);
	vm->nr_vcpus++;
	/* Must come last: once installed, the fd may be closed at any time. */
	fd_install(fd, file);
	return fd;

err_fd:
	put_unused_fd(fd);
err_backend:
	mvm_backend->vcpu_free(vcpu);
err_lapic:
	mvm_lapic_free(vcpu);
err_ring:
	mvm_dirty_ring_free(vcpu);
err_run:
	free_page((unsigned long)vcpu->run);
err_free:
	kfree(vcpu);
	return r;
}

static_assert(sizeof(struct mvm_run) <= MVM_RUN_IO_DATA_OFFSET);
static_assert(MVM_RUN_IO_DATA_OFFSET + 4 <= PAGE_SIZE);

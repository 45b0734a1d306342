// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: port I/O exits to userspace, string I/O included.
 *
 * IN/OUT hand one element to userspace.  INS/OUTS (with or without REP)
 * hand as many elements as fit in the run page: the kernel moves them
 * between guest memory and the run page, updates RSI/RDI and RCX, and
 * leaves RIP on the instruction until RCX reaches 0, so a long REP goes
 * out in several exits and stays interruptible.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <asm/processor-flags.h>

#include "svm.h"

#define SVM_IO_DATA_ROOM	(PAGE_SIZE - MVM_RUN_IO_DATA_OFFSET)

void svm_paging(const struct svm_vcpu *svm, struct mvm_paging *p)
{
	const struct vmcb_save *s = &svm->vmcb->save;

	p->cr0 = s->cr0;
	p->cr3 = s->cr3;
	p->cr4 = s->cr4;
	p->efer = s->efer;
	p->cpl = s->cpl;
	p->ac = s->rflags & X86_EFLAGS_AC;
}

/* Up to 15 bytes at CS:RIP, fewer where the guest's memory ends. */
u8 svm_fetch_insn(struct svm_vcpu *svm, u8 *bytes)
{
	const struct vmcb_save *s = &svm->vmcb->save;
	u64 ip = s->rip + (svm_cpu_mode(s) == 64 ? 0 : s->cs.base);
	struct mvm_paging p;
	u8 len = 15;

	svm_paging(svm, &p);
	while (len && mvm_read_guest_virt(svm->vcpu->vm, &p, ip, MVM_GVA_ANY,
					  bytes, len))
		len = len > PAGE_SIZE - offset_in_page(ip) ?
		      PAGE_SIZE - offset_in_page(ip) : 0;
	return len;
}

/*
 * The address size of the string instruction, from EXITINFO1.  Some
 * implementations (QEMU's emulated SVM) leave those bits clear: then the
 * mode's default address size applies.
 */
static u64 svm_addr_mask(const struct svm_vcpu *svm, u64 info)
{
	u8 mode;

	if (info & BIT(9))		/* A64 */
		return ~0ULL;
	if (info & BIT(8))		/* A32 */
		return 0xffffffffULL;
	if (info & BIT(7))		/* A16 */
		return 0xffffULL;
	mode = svm_cpu_mode(&svm->vmcb->save);
	return mode == 64 ? ~0ULL : mode == 32 ? 0xffffffffULL : 0xffffULL;
}

/* reg += delta within the address size; the bits above it stay. */
static void svm_addr_add(unsigned long *reg, u64 mask, s64 delta)
{
	*reg = (*reg & ~mask) | ((*reg + delta) & mask);
}

/* The guest's MMU faults on la: #PF with CR2 = la. */
static void svm_inject_pf(struct svm_vcpu *svm, u64 la, int fault)
{
	svm->vmcb->save.cr2 = la;
	svm_inject_exception(svm, X86_TRAP_PF, true, fault & 0xffff);
}

/* The linear address of the string element at seg:reg. */
static u64 svm_io_string_la(struct svm_vcpu *svm, const struct vmcb_seg *seg,
			    u64 reg, u64 mask)
{
	u64 base = svm_cpu_mode(&svm->vmcb->save) == 64 ? 0 : seg->base;

	return base + (reg & mask);
}

/*
 * Move count elements of size bytes between the run page and the guest at
 * seg:reg (RSI for OUTS, RDI for INS), stepping reg by the direction flag
 * within the address size, with the guest's page permissions.  *done
 * says how many moved (reg has stepped past those); the return is 0, or
 * what stopped the next one: MVM_GVA_FAULT with its #PF error code, or
 * -EFAULT.
 */
static int svm_io_string_copy(struct svm_vcpu *svm, const struct vmcb_seg *seg,
			      enum svm_reg reg, u64 mask, u8 size, u32 count,
			      u8 *data, bool to_guest, u32 *done)
{
	struct vmcb_save *s = &svm->vmcb->save;
	s64 step = (s->rflags & X86_EFLAGS_DF) ? -size : size;
	struct mvm_vm *vm = svm->vcpu->vm;
	struct mvm_paging p;
	u32 i;
	int r = 0;

	svm_paging(svm, &p);
	for (i = 0; i < count; i++, data += size) {
		u64 la = svm_io_string_la(svm, seg, svm->regs[reg], mask);

		r = to_guest ? mvm_write_guest_virt(svm->vcpu, &p, la,
						     data, size) :
			       mvm_read_guest_virt(vm, &p, la, MVM_GVA_READ,
						   data, size);
		if (r)
			break;
		svm_addr_add(&svm->regs[reg], mask, step);
	}
	*done = i;
	return r;
}

/*
 * INS, before userspace reads the port: *ok = how many of count elements
 * the guest may store at ES:RDI (each whole element, a page at a time).
 * Returns 0, or what stops element *ok: MVM_GVA_FAULT with the #PF error
 * code (and *la the address), or -EFAULT.
 */
static int svm_ins_writable(struct svm_vcpu *svm, u64 mask, u8 size,
			    u32 count, u32 *ok, u64 *fault_la)
{
	struct vmcb_save *s = &svm->vmcb->save;
	s64 step = (s->rflags & X86_EFLAGS_DF) ? -size : size;
	unsigned long rdi = svm->regs[SVM_RDI];
	u64 last = ~0ULL, la, gpa;
	struct mvm_paging p;
	unsigned int k;
	u32 i;
	int r;

	svm_paging(svm, &p);
	for (i = 0; i < count; i++) {
		la = svm_io_string_la(svm, &s->es, rdi, mask);
		for (k = 0; k < 2; k++) {
			u64 at = la + (k ? size - 1 : 0);

			if ((at >> PAGE_SHIFT) == last)
				continue;
			r = mvm_gva_to_gpa(svm->vcpu->vm, &p, at, MVM_GVA_WRITE,
					   &gpa);
			if (r) {
				*ok = i;
				*fault_la = at;
				return r;
			}
			last = at >> PAGE_SHIFT;
		}
		svm_addr_add(&rdi, mask, step);
	}
	*ok = count;
	return 0;
}

static void svm_io_string_done(struct svm_vcpu *svm, bool rep, u64 mask,
			       u32 count, u64 next_rip)
{
	if (rep) {
		svm_addr_add(&svm->regs[SVM_RCX], mask, -(s64)count);
		if (svm->regs[SVM_RCX] & mask)
			return;		/* RIP stays: the REP goes on */
	}
	svm_set_next_rip(svm, next_rip);
}

int svm_exit_io(struct svm_vcpu *svm)
{
	struct vmcb_control *c = &svm->vmcb->control;
	struct mvm_run *run = svm->vcpu->run;
	u64 info = c->exit_info_1, mask;
	u8 size = (info & SVM_IOIO_SIZE_MASK) >> SVM_IOIO_SIZE_SHIFT;
	u8 *data = (u8 *)run + MVM_RUN_IO_DATA_OFFSET;
	bool str = info & SVM_IOIO_STR, rep = info & SVM_IOIO_REP;
	u32 count = 1, done;
	int r;

	if (size != 1 && size != 2 && size != 4)
		return svm_exit_internal(svm, MVM_EXIT_INTERNAL_ERROR,
					 MVM_INTERNAL_UNHANDLED);

	/*
	 * A doorbell an ioeventfd takes completes here, without an exit, and
	 * first: the run page is not touched on this path (under an emulated
	 * CPU every page an exit touches costs a page walk).
	 */
	if (!(info & (SVM_IOIO_IN | SVM_IOIO_STR | SVM_IOIO_REP)) &&
	    mvm_ioeventfd_pio_write(svm->vcpu->vm, info >> SVM_IOIO_PORT_SHIFT,
				    size, svm->vmcb->save.rax &
				    GENMASK_ULL(8 * size - 1, 0))) {
		svm_set_next_rip(svm, c->exit_info_2);
		return 0;
	}

	mask = svm_addr_mask(svm, info);
	if (rep) {
		u64 left = svm->regs[SVM_RCX] & mask;

		/* REP with RCX = 0 does nothing. */
		if (!left) {
			svm_set_next_rip(svm, c->exit_info_2);
			return 0;
		}
		count = min_t(u64, left, SVM_IO_DATA_ROOM / size);
	}

	/*
	 * An INS the guest's page tables refuse faults before the device is
	 * read: no port read whose data would have nowhere to go.  The
	 * elements before the first refused one go in now.
	 */
	if (str && (info & SVM_IOIO_IN)) {
		u64 la;

		r = svm_ins_writable(svm, mask, size, count, &done, &la);
		if (r < 0 && !done)
			return svm_exit_internal(svm, MVM_EXIT_INTERNAL_ERROR,
						 MVM_INTERNAL_EMULATION);
		if (r && !done) {
			svm_inject_pf(svm, la, r);
			return 0;
		}
		count = done;
	}

	run->exit_reason = MVM_EXIT_IO;
	run->io.size = size;
	run->io.port = info >> SVM_IOIO_PORT_SHIFT;
	run->io.count = count;
	run->io.data_offset = MVM_RUN_IO_DATA_OFFSET;
	/* For IOIO, EXITINFO2 is the next RIP even without NRIPS. */
	if (info & SVM_IOIO_IN) {
		/* Completed before the next entry, while EXITINFO still holds. */
		run->io.direction = MVM_IO_IN;
		svm->io_in_pending = true;
		svm->io_count = count;
		return 1;
	}

	run->io.direction = MVM_IO_OUT;
	if (!str) {
		memcpy(data, &svm->vmcb->save.rax, size);
		svm_set_next_rip(svm, c->exit_info_2);
		return 1;
	}
	/* Without decode assists the segment is unknown: OUTS uses DS. */
	r = svm_io_string_copy(svm, &svm->vmcb->save.ds, SVM_RSI, mask, size,
			       count, data, false, &done);
	if (r < 0)
		return svm_exit_internal(svm, MVM_EXIT_INTERNAL_ERROR,
					 MVM_INTERNAL_EMULATION);
	if (r && !done) {
		/* Not even one element readable: the OUTS faults, no exit. */
		svm_inject_pf(svm, svm_io_string_la(svm, &svm->vmcb->save.ds,
						    svm->regs[SVM_RSI], mask), r);
		return 0;
	}
	/* The elements before a fault go out now; the REP faults next time. */
	run->io.count = done;
	if (r)
		svm_io_string_done(svm, true, mask, done, 0);
	else
		svm_io_string_done(svm, rep, mask, done, c->exit_info_2);
	return 1;
}

/*
 * Before the next entry: put what userspace supplied for an IN or INS in
 * place.  0, 1 with an exit for userspace, or -errno.
 */
int svm_complete_io_in(struct svm_vcpu *svm)
{
	struct vmcb_control *c = &svm->vmcb->control;
	struct vmcb_save *s = &svm->vmcb->save;
	u8 *data = (u8 *)svm->vcpu->run + MVM_RUN_IO_DATA_OFFSET;
	u64 info = c->exit_info_1, mask, val = 0;
	u8 size = (info & SVM_IOIO_SIZE_MASK) >> SVM_IOIO_SIZE_SHIFT;
	u32 done;
	int r;

	if (!svm->io_in_pending)
		return 0;
	svm->io_in_pending = false;

	if (!(info & SVM_IOIO_STR)) {
		memcpy(&val, data, size);
		/* IN EAX zero-extends into RAX; IN AL/AX keep the rest. */
		if (size == 4)
			s->rax = val;
		else
			s->rax = (s->rax & ~((1ULL << (8 * size)) - 1)) | val;
		svm_set_next_rip(svm, c->exit_info_2);
		return 0;
	}

	/* INS stores at ES:RDI; ES cannot be overridden. */
	mask = svm_addr_mask(svm, info);
	r = svm_io_string_copy(svm, &s->es, SVM_RDI, mask, size,
			       svm->io_count, data, true, &done);
	if (r < 0)
		return svm_exit_internal(svm, MVM_EXIT_INTERNAL_ERROR,
					 MVM_INTERNAL_EMULATION);
	if (r) {
		/*
		 * The tables changed since the exit (another vCPU): what was
		 * stored stays, the rest of the data is lost with the #PF.
		 */
		if (info & SVM_IOIO_REP)
			svm_addr_add(&svm->regs[SVM_RCX], mask, -(s64)done);
		svm_inject_pf(svm, svm_io_string_la(svm, &s->es,
						    svm->regs[SVM_RDI], mask), r);
		return 0;
	}
	svm_io_string_done(svm, info & SVM_IOIO_REP, mask, svm->io_count,
			   c->exit_info_2);
	return 0;
}

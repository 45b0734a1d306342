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
}

/* Up to 15 bytes at CS:RIP, fewer where the guest's memory ends. */
u8 svm_fetch_insn(struct svm_vcpu *svm, u8 *bytes)
{
	const struct vmcb_save *s = &svm->vmcb->save;
	u64 ip = s->rip + (svm_cpu_mode(s) == 64 ? 0 : s->cs.base);
	struct mvm_paging p;
	u8 len = 15;

	svm_paging(svm, &p);
	while (len && mvm_read_guest_virt(svm->vcpu->vm, &p, ip, bytes, len))
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

/*
 * Move count elements of size bytes between the run page and the guest at
 * seg:reg (RSI for OUTS, RDI for INS), stepping reg by the direction flag
 * within the address size.
 */
static int svm_io_string_copy(struct svm_vcpu *svm, const struct vmcb_seg *seg,
			      enum svm_reg reg, u64 mask, u8 size, u32 count,
			      u8 *data, bool to_guest)
{
	struct vmcb_save *s = &svm->vmcb->save;
	s64 step = (s->rflags & X86_EFLAGS_DF) ? -size : size;
	u64 base = svm_cpu_mode(s) == 64 ? 0 : seg->base;
	struct mvm_vm *vm = svm->vcpu->vm;
	struct mvm_paging p;
	u32 i;
	int r;

	svm_paging(svm, &p);
	for (i = 0; i < count; i++, data += size) {
		u64 la = base + (svm->regs[reg] & mask);

		r = to_guest ? mvm_write_guest_virt(vm, &p, la, data, size) :
			       mvm_read_guest_virt(vm, &p, la, data, size);
		if (r)
			return r;
		svm_addr_add(&svm->regs[reg], mask, step);
	}
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
	u32 count = 1;

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
	if (svm_io_string_copy(svm, &svm->vmcb->save.ds, SVM_RSI, mask, size,
			       count, data, false))
		return svm_exit_internal(svm, MVM_EXIT_INTERNAL_ERROR,
					 MVM_INTERNAL_EMULATION);
	svm_io_string_done(svm, rep, mask, count, c->exit_info_2);
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
	if (svm_io_string_copy(svm, &s->es, SVM_RDI, mask, size,
			       svm->io_count, data, true))
		return svm_exit_internal(svm, MVM_EXIT_INTERNAL_ERROR,
					 MVM_INTERNAL_EMULATION);
	svm_io_string_done(svm, info & SVM_IOIO_REP, mask, svm->io_count,
			   c->exit_info_2);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: the vCPU run loop.  MVM_RUN, then hand each exit to the bus
 * that owns the address, until an exit needs the caller (power-off, HLT
 * with interrupts off, a failure).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "libmvm.h"

/* ---- Port I/O ---- */

static void run_pio(struct mvm_machine *m, struct mvm_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	unsigned int size = run->io.size;
	uint32_t i;

	/* count > 1 is string I/O (INS/OUTS): one access per item. */
	for (i = 0; i < run->io.count; i++, data += size) {
		uint64_t val = 0;

		if (run->io.direction == MVM_IO_OUT) {
			memcpy(&val, data, size);
			mvm_bus_write(&m->pio, run->io.port, size, val);
		} else {
			mvm_bus_read(&m->pio, run->io.port, size, &val);
			memcpy(data, &val, size);
		}
	}
}

/* The kernel's io fields, checked before trusting them with memcpy(). */
static int pio_valid(const struct mvm_vcpu *v)
{
	const struct mvm_run *run = v->run;
	uint64_t off = run->io.data_offset;

	if (run->io.size != 1 && run->io.size != 2 && run->io.size != 4)
		return 0;
	if (off < sizeof(*run) || off > v->run_size)
		return 0;
	return (uint64_t)run->io.count * run->io.size <= v->run_size - off;
}

/* ---- MMIO ---- */

/* The registers in encoding order: rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi. */
static __u64 *gpr(struct mvm_regs *r, unsigned int n)
{
	__u64 *const map[16] = {
		&r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp,
		&r->rsi, &r->rdi, &r->r8, &r->r9, &r->r10, &r->r11,
		&r->r12, &r->r13, &r->r14, &r->r15,
	};

	return map[n & 15];
}

static uint64_t mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static void set_reg(struct mvm_regs *r, const struct mvm_mmio_insn *in,
		    unsigned int mode, uint64_t val)
{
	__u64 *reg = gpr(r, in->reg);

	if (in->high_byte) {
		*reg = (*reg & ~0xff00ULL) | ((val & 0xff) << 8);
		return;
	}
	if (in->sign_extend && in->size < 8 && (val >> (8 * in->size - 1)) & 1)
		val |= ~mask(in->size);
	val &= mask(in->reg_size);
	/* A 32-bit destination zero-extends in 64-bit mode; 8/16 merge. */
	if (in->reg_size >= 4 && (mode == 64 || in->reg_size == 8))
		*reg = val;
	else
		*reg = (*reg & ~mask(in->reg_size)) | val;
}

/* Emulate the MMIO access in the run page: 0, or -1 if not decodable. */
static int run_mmio(struct mvm_machine *m, struct mvm_run *run)
{
	struct mvm_regs *r = &run->regs;
	struct mvm_mmio_insn in;
	uint64_t val;

	if (!run->mmio.insn_len ||
	    mvm_mmio_decode(run->mmio.insn_bytes, run->mmio.insn_len,
			    run->mmio.cpu_mode, &in) < 0)
		return -1;
	/* The CPU's view of the direction must agree with the decoder's. */
	if (run->mmio.is_write != (in.op != MVM_MMIO_LOAD))
		return -1;

	switch (in.op) {
	case MVM_MMIO_LOAD:
		mvm_bus_read(&m->mmio, run->mmio.phys_addr, in.size, &val);
		set_reg(r, &in, run->mmio.cpu_mode, val);
		break;
	case MVM_MMIO_STORE:
		val = *gpr(r, in.reg);
		if (in.high_byte)
			val >>= 8;
		mvm_bus_write(&m->mmio, run->mmio.phys_addr, in.size,
			      val & mask(in.size));
		break;
	case MVM_MMIO_STORE_IMM:
		mvm_bus_write(&m->mmio, run->mmio.phys_addr, in.size,
			      in.imm & mask(in.size));
		break;
	}
	r->rip += in.len;
	if (run->mmio.cpu_mode == 16)
		r->rip &= 0xffff;
	run->regs_dirty = 1;
	return 0;
}

/* ---- MSRs ---- */

static void run_msr(struct mvm_machine *m, struct mvm_vcpu *v, int write)
{
	struct mvm_run *run = v->run;
	unsigned int i;
	uint64_t val = run->msr.data;

	if (mvm_msr_emulate(run->msr.index, write, &val)) {
		run->msr.error = 0;
		if (!write)
			run->msr.data = val;
		return;
	}
	/* Not one we know: #GP, as a CPU without the MSR would give. */
	run->msr.error = 1;
	if (!m->log || !m->log_msrs)
		return;
	for (i = 0; i < v->nr_msrs_logged; i++)
		if (v->msrs_logged[i] == run->msr.index)
			return;
	if (v->nr_msrs_logged < sizeof(v->msrs_logged) / sizeof(v->msrs_logged[0])) {
		v->msrs_logged[v->nr_msrs_logged++] = run->msr.index;
		if (write)
			m->log("vCPU %u: WRMSR 0x%x (value 0x%llx): unknown MSR, the guest gets #GP (logged once per MSR)",
			       v->id, run->msr.index,
			       (unsigned long long)run->msr.data);
		else
			m->log("vCPU %u: RDMSR 0x%x: unknown MSR, the guest gets #GP (logged once per MSR)",
			       v->id, run->msr.index);
	}
}

/* ---- The loop ---- */

static void copy_internal(struct mvm_stop *stop, const struct mvm_run *run)
{
	stop->internal.suberror = run->internal.suberror;
	stop->internal.hw_exit_code = run->internal.hw_exit_code;
	stop->internal.info1 = run->internal.info1;
	stop->internal.info2 = run->internal.info2;
}

int mvm_vcpu_run_loop(struct mvm_machine *m, struct mvm_vcpu *v,
		      struct mvm_stop *stop)
{
	struct mvm_run *run = v->run;
	int ret, pause;

	memset(stop, 0, sizeof(*stop));
	for (;;) {
		if (mvm_machine_stopping(m)) {
			stop->reason = MVM_STOP_POWEROFF;
			stop->status = m->poweroff_status;
			break;
		}
		if (m->stop_signal) {
			stop->reason = MVM_STOP_SIGNAL;
			break;
		}
		/*
		 * A pause: one MVM_RUN with immediate_exit completes what the
		 * last exit left to the next run (an IN's data...), so the
		 * state held is whole; then wait.
		 */
		pause = __atomic_load_n(&m->pause_req, __ATOMIC_SEQ_CST);
		if (pause)
			run->immediate_exit = 1;
		if (ioctl(v->fd, MVM_RUN, 0UL) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				/*
				 * A signal, or our own kick: look again.  Ordered
				 * before the next look at pause_req, against a
				 * kick that sets it after that look.
				 */
				__atomic_store_n(&run->immediate_exit, 0,
						 __ATOMIC_SEQ_CST);
				if (pause)
					mvm_machine_park(m);
				continue;
			}
			stop->reason = MVM_STOP_ERROR;
			stop->err = errno;
			stop->exit_reason = run->exit_reason;
			return -1;
		}

		stop->exit_reason = run->exit_reason;
		switch (run->exit_reason) {
		case MVM_EXIT_IO:
			if (!pio_valid(v)) {
				stop->reason = MVM_STOP_EXIT;
				goto out;
			}
			pthread_mutex_lock(&m->lock);
			run_pio(m, run);
			pthread_mutex_unlock(&m->lock);
			continue;
		case MVM_EXIT_MMIO:
			pthread_mutex_lock(&m->lock);
			ret = run_mmio(m, run);
			pthread_mutex_unlock(&m->lock);
			if (ret == 0)
				continue;
			stop->reason = MVM_STOP_MMIO;
			stop->mmio.phys_addr = run->mmio.phys_addr;
			stop->mmio.is_write = run->mmio.is_write;
			stop->mmio.cpu_mode = run->mmio.cpu_mode;
			stop->mmio.insn_len = run->mmio.insn_len > 16 ? 16 :
					      run->mmio.insn_len;
			memcpy(stop->mmio.insn_bytes, run->mmio.insn_bytes,
			       sizeof(stop->mmio.insn_bytes));
			goto out;
		case MVM_EXIT_RDMSR:
		case MVM_EXIT_WRMSR:
			run_msr(m, v, run->exit_reason == MVM_EXIT_WRMSR);
			continue;
		case MVM_EXIT_EOI:
			pthread_mutex_lock(&m->lock);
			if (m->irq && m->irq->eoi)
				m->irq->eoi(m->irq_ctx, run->eoi.vector);
			pthread_mutex_unlock(&m->lock);
			continue;
		case MVM_EXIT_IRQ_WINDOW_OPEN:
		case MVM_EXIT_INTR:
			continue;
		case MVM_EXIT_DIRTY_RING_FULL:
			/* Take every ring's pages, reset them, run on. */
			if (mvm_machine_harvest(m) == 0)
				continue;
			stop->reason = MVM_STOP_ERROR;
			stop->err = errno;
			goto out;
		case MVM_EXIT_HLT:
			stop->reason = MVM_STOP_HALT;
			goto out;
		case MVM_EXIT_SHUTDOWN:
			stop->reason = MVM_STOP_SHUTDOWN;
			goto out;
		case MVM_EXIT_INTERNAL_ERROR:
			stop->reason = MVM_STOP_INTERNAL;
			copy_internal(stop, run);
			goto out;
		case MVM_EXIT_FAIL_ENTRY:
			stop->reason = MVM_STOP_FAIL_ENTRY;
			copy_internal(stop, run);
			goto out;
		default:
			stop->reason = MVM_STOP_EXIT;
			goto out;
		}
	}
out:
	stop->regs = run->regs;
	return 0;
}

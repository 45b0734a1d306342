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

/* What mvm_mmio_emulate() reaches through: this vCPU's machine. */
struct mmio_ctx {
	struct mvm_machine *m;
	const struct mvm_vcpu *v;
	struct mvm_sregs sregs;		/* read at the first translation */
	bool have_sregs;
};

static void *ram_ptr(void *ctx, uint64_t gpa, uint64_t len)
{
	return mvm_machine_gpa_to_hva(((struct mmio_ctx *)ctx)->m, gpa, len);
}

/* RAM (a MOVS's other operand) or a device on the MMIO bus. */
static void mmio_read(void *ctx, uint64_t gpa, unsigned int size, uint64_t *val)
{
	struct mmio_ctx *c = ctx;
	void *p = ram_ptr(c, gpa, size);

	*val = 0;
	if (p)
		memcpy(val, p, size);
	else
		mvm_bus_read(&c->m->mmio, gpa, size, val);
}

static void mmio_write(void *ctx, uint64_t gpa, unsigned int size, uint64_t val)
{
	struct mmio_ctx *c = ctx;
	void *p = ram_ptr(c, gpa, size);

	if (p) {
		memcpy(p, &val, size);
		mvm_machine_mark_dirty(c->m, gpa, size);
	} else {
		mvm_bus_write(&c->m->mmio, gpa, size, val);
	}
}

/* The page walk set accessed/dirty bits there: for a migration to send again. */
static void ram_written(void *ctx, uint64_t gpa, uint64_t len)
{
	mvm_machine_mark_dirty(((struct mmio_ctx *)ctx)->m, gpa, len);
}

static int mmio_translate(void *ctx, enum mvm_seg seg, uint64_t offset,
			  bool write, uint64_t *gpa)
{
	struct mmio_ctx *c = ctx;

	if (!c->have_sregs) {
		if (mvm_vcpu_get_sregs(c->v, &c->sregs) < 0)
			return -1;
		c->have_sregs = true;
	}
	return mvm_gva_to_gpa(&c->sregs,
			      mvm_linear_address(&c->sregs, c->v->run->mmio.cpu_mode,
						 seg, offset),
			      write, ram_ptr, ram_written, c, gpa);
}

/* Emulate the MMIO access in the run page: 0, or an MVM_MMIO_ERR_*. */
static int run_mmio(struct mvm_machine *m, const struct mvm_vcpu *v,
		    const char **mnemonic)
{
	struct mvm_run *run = v->run;
	struct mmio_ctx c = { .m = m, .v = v };
	const struct mvm_mmio_mem mem = {
		.ctx = &c, .read = mmio_read, .write = mmio_write,
		.translate = mmio_translate,
	};
	struct mvm_mmio_insn in;
	int err;

	err = mvm_mmio_decode(run->mmio.insn_bytes,
			      run->mmio.insn_len > sizeof(run->mmio.insn_bytes) ?
			      sizeof(run->mmio.insn_bytes) : run->mmio.insn_len,
			      run->mmio.cpu_mode, &in);
	*mnemonic = in.mnemonic;
	if (!err)
		err = mvm_mmio_emulate(&in, &run->regs, run->mmio.phys_addr,
				       run->mmio.is_write, &mem);
	if (err)
		return err;
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
	const char *mnemonic;
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
			ret = run_mmio(m, v, &mnemonic);
			pthread_mutex_unlock(&m->lock);
			if (ret == 0)
				continue;
			stop->reason = MVM_STOP_MMIO;
			stop->mmio.error = ret;
			stop->mmio.mnemonic = mnemonic;
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

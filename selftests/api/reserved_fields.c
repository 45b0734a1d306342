// SPDX-License-Identifier: GPL-2.0
/*
 * Every ioctl structure's flags, padding and reserved words, from one
 * table: a call given the structure with any one byte of them non-zero
 * (bit 0 or bit 7 of it, an unknown bit where the byte holds defined
 * flags) fails with EINVAL and changes nothing, the same structure with
 * them zero succeeds, and a GET writes them as 0 over what the buffer
 * held.  MVM_RUN takes the run page's registers (regs_dirty) only with
 * theirs zero, and writes them back as 0 at its return.
 */
#include <stddef.h>
#include <stdlib.h>
#include <sys/eventfd.h>

#include "kselftest_harness.h"
#include "mvm_util.h"

enum on { ON_VM, ON_VCPU, ON_CHIP_VM, ON_CHIP_VCPU };

/* off/len: the bytes; known: defined flag bits of the first byte. */
struct zero_range {
	unsigned short off, len;
	unsigned char known;
	bool get_fills;		/* a GET may set it (flags it reports) */
};

#define R(T, f)		{ offsetof(T, f), sizeof(((T *)0)->f), 0, false }
#define TAIL(T, f)	{ offsetof(T, f), sizeof(T) - offsetof(T, f), 0, false }
#define FLAGS(T, f, k, g) { offsetof(T, f), sizeof(((T *)0)->f), (k), (g) }

FIXTURE(abi) {
	int dev, fd[4];
	int efd;
	void *mem;
	__u64 bitmap[1];
};

struct abi_arg {
	const char *name;
	enum on on;
	unsigned long cmd, get;		/* get: 0 when there is none */
	size_t size;
	/* A valid argument; NULL: what get reads. */
	void (*good)(FIXTURE_DATA(abi) *self, void *arg);
	bool moves;			/* get reads a state that moves (a clock) */
	struct zero_range zero[8];
};

#define SLOT_PAGES	64
#define LOG_SLOT	1
#define LOG_GPA		0x100000ULL

static void good_region(FIXTURE_DATA(abi) *self, void *arg)
{
	struct mvm_memory_region *r = arg;

	r->guest_phys_addr = 0;
	r->memory_size = SLOT_PAGES * MVM_PAGE;
	r->userspace_addr = (__u64)(uintptr_t)self->mem;
}

static void good_ioeventfd(FIXTURE_DATA(abi) *self, void *arg)
{
	struct mvm_ioeventfd *io = arg;

	io->addr = 0x1234;
	io->len = 1;
	io->fd = self->efd;
	io->flags = MVM_IOEVENTFD_PIO;
}

static void good_msi(FIXTURE_DATA(abi) *self, void *arg)
{
	struct mvm_msi *m = arg;

	m->address = 0xfee00000;
	m->data = 0x30;
}

static void good_irqfd(FIXTURE_DATA(abi) *self, void *arg)
{
	struct mvm_irqfd *f = arg;

	f->fd = self->efd;
	good_msi(self, &f->msi);
}

static void good_dirty_log(FIXTURE_DATA(abi) *self, void *arg)
{
	struct mvm_dirty_log *d = arg;

	d->slot = LOG_SLOT;
	d->bitmap = (__u64)(uintptr_t)self->bitmap;
}

static void good_clear_log(FIXTURE_DATA(abi) *self, void *arg)
{
	struct mvm_clear_dirty_log *c = arg;

	c->slot = LOG_SLOT;
	c->num_pages = SLOT_PAGES;
	c->bitmap = (__u64)(uintptr_t)self->bitmap;
}

static void good_enable_cap(FIXTURE_DATA(abi) *self, void *arg)
{
	struct mvm_enable_cap *e = arg;

	e->cap = MVM_CAP_MANUAL_DIRTY_LOG_PROTECT;
	e->args[0] = MVM_DIRTY_LOG_MANUAL_PROTECT;
}

static void good_interrupt(FIXTURE_DATA(abi) *self, void *arg)
{
	((struct mvm_interrupt *)arg)->vector = 0x30;
}

static void good_exception(FIXTURE_DATA(abi) *self, void *arg)
{
	((struct mvm_exception *)arg)->vector = 6;	/* #UD */
}

static void good_none(FIXTURE_DATA(abi) *self, void *arg)
{
	/* All zero is valid: an empty CPUID table, no MSRs. */
}

#define ENABLE_CAP_ARGS1 { offsetof(struct mvm_enable_cap, args[1]), 24, 0, false }

static const struct abi_arg args[] = {
	{ "memory_region", ON_VM, MVM_SET_MEMORY_REGION, 0,
	  sizeof(struct mvm_memory_region), good_region, false,
	  { FLAGS(struct mvm_memory_region, flags,
		  MVM_MEM_READONLY | MVM_MEM_LOG_DIRTY, false),
	    R(struct mvm_memory_region, reserved) } },
	{ "ioeventfd", ON_VM, MVM_IOEVENTFD, 0, sizeof(struct mvm_ioeventfd),
	  good_ioeventfd, false,
	  { FLAGS(struct mvm_ioeventfd, flags, 0x07, false),
	    R(struct mvm_ioeventfd, padding),
	    R(struct mvm_ioeventfd, reserved) } },
	{ "signal_msi", ON_CHIP_VM, MVM_SIGNAL_MSI, 0, sizeof(struct mvm_msi),
	  good_msi, false,
	  { R(struct mvm_msi, flags), R(struct mvm_msi, reserved) } },
	{ "irqfd", ON_CHIP_VM, MVM_IRQFD, 0, sizeof(struct mvm_irqfd),
	  good_irqfd, false,
	  { FLAGS(struct mvm_irqfd, flags, MVM_IRQFD_DEASSIGN, false),
	    R(struct mvm_irqfd, msi.flags), R(struct mvm_irqfd, msi.reserved),
	    R(struct mvm_irqfd, reserved) } },
	{ "get_dirty_log", ON_VM, MVM_GET_DIRTY_LOG, 0,
	  sizeof(struct mvm_dirty_log), good_dirty_log, false,
	  { R(struct mvm_dirty_log, flags), R(struct mvm_dirty_log, reserved) } },
	{ "clear_dirty_log", ON_VM, MVM_CLEAR_DIRTY_LOG, 0,
	  sizeof(struct mvm_clear_dirty_log), good_clear_log, false,
	  { R(struct mvm_clear_dirty_log, flags),
	    R(struct mvm_clear_dirty_log, reserved) } },
	{ "enable_cap", ON_VM, MVM_ENABLE_CAP, 0, sizeof(struct mvm_enable_cap),
	  good_enable_cap, false,
	  { R(struct mvm_enable_cap, flags), ENABLE_CAP_ARGS1,
	    R(struct mvm_enable_cap, reserved) } },
	{ "clock", ON_VM, MVM_SET_CLOCK, MVM_GET_CLOCK,
	  sizeof(struct mvm_clock_data), NULL, true,
	  { FLAGS(struct mvm_clock_data, flags,
		  MVM_CLOCK_REALTIME | MVM_CLOCK_HOST_TSC, true),
	    R(struct mvm_clock_data, padding),
	    R(struct mvm_clock_data, reserved) } },
	{ "regs", ON_VCPU, MVM_SET_REGS, MVM_GET_REGS, sizeof(struct mvm_regs),
	  NULL, false, { TAIL(struct mvm_regs, flags) } },
	{ "sregs", ON_VCPU, MVM_SET_SREGS, MVM_GET_SREGS,
	  sizeof(struct mvm_sregs), NULL, false,
	  { R(struct mvm_sregs, cs.padding), R(struct mvm_sregs, ss.padding),
	    R(struct mvm_sregs, tr.padding), R(struct mvm_sregs, ldt.padding),
	    R(struct mvm_sregs, gdt.padding), R(struct mvm_sregs, idt.padding),
	    TAIL(struct mvm_sregs, flags) } },
	{ "cpuid", ON_VCPU, MVM_SET_CPUID, 0, sizeof(struct mvm_cpuid),
	  good_none, false,
	  { R(struct mvm_cpuid, flags), R(struct mvm_cpuid, reserved) } },
	{ "interrupt", ON_VCPU, MVM_INTERRUPT, 0, sizeof(struct mvm_interrupt),
	  good_interrupt, false, { TAIL(struct mvm_interrupt, flags) } },
	{ "exception", ON_VCPU, MVM_INJECT_EXCEPTION, 0,
	  sizeof(struct mvm_exception), good_exception, false,
	  { R(struct mvm_exception, padding),
	    TAIL(struct mvm_exception, flags) } },
	{ "vcpu_events", ON_VCPU, MVM_SET_VCPU_EVENTS, MVM_GET_VCPU_EVENTS,
	  sizeof(struct mvm_vcpu_events), NULL, false,
	  { R(struct mvm_vcpu_events, exception.padding),
	    R(struct mvm_vcpu_events, interrupt.padding),
	    R(struct mvm_vcpu_events, nmi.padding),
	    FLAGS(struct mvm_vcpu_events, flags, MVM_VCPU_EVENTS_LATCHED, true),
	    /* Without MVM_VCPU_EVENTS_LATCHED, reserved words too. */
	    FLAGS(struct mvm_vcpu_events, latched, 0, true),
	    R(struct mvm_vcpu_events, reserved) } },
	{ "get_msrs", ON_VCPU, MVM_GET_MSRS, 0, sizeof(struct mvm_msrs),
	  good_none, false,
	  { R(struct mvm_msrs, flags), R(struct mvm_msrs, reserved) } },
	{ "set_msrs", ON_VCPU, MVM_SET_MSRS, 0, sizeof(struct mvm_msrs),
	  good_none, false,
	  { R(struct mvm_msrs, flags), R(struct mvm_msrs, reserved) } },
	{ "xsave", ON_VCPU, MVM_SET_XSAVE, MVM_GET_XSAVE,
	  sizeof(struct mvm_xsave), NULL, false,
	  { TAIL(struct mvm_xsave, flags) } },
	{ "xcrs", ON_VCPU, MVM_SET_XCRS, MVM_GET_XCRS, sizeof(struct mvm_xcrs),
	  NULL, false, { TAIL(struct mvm_xcrs, flags) } },
	{ "mp_state", ON_VCPU, MVM_SET_MP_STATE, MVM_GET_MP_STATE,
	  sizeof(struct mvm_mp_state), NULL, false,
	  { TAIL(struct mvm_mp_state, flags) } },
	{ "lapic", ON_CHIP_VCPU, MVM_SET_LAPIC, MVM_GET_LAPIC,
	  sizeof(struct mvm_lapic_state), NULL, false,
	  { TAIL(struct mvm_lapic_state, flags) } },
	{ "debugregs", ON_VCPU, MVM_SET_DEBUGREGS, MVM_GET_DEBUGREGS,
	  sizeof(struct mvm_debugregs), NULL, false,
	  { TAIL(struct mvm_debugregs, flags) } },
};

FIXTURE_SETUP(abi)
{
	struct mvm_memory_region log = {
		.slot = LOG_SLOT, .flags = MVM_MEM_LOG_DIRTY,
		.guest_phys_addr = LOG_GPA, .memory_size = SLOT_PAGES * MVM_PAGE,
	};
	struct mvm_enable_cap manual = {
		.cap = MVM_CAP_MANUAL_DIRTY_LOG_PROTECT,
		.args = { MVM_DIRTY_LOG_MANUAL_PROTECT },
	};

	memset(self->fd, -1, sizeof(self->fd));
	self->efd = -1;
	MVM_OPEN_OR_SKIP(self->dev);
	self->fd[ON_VM] = mvm_create_vm(self->dev);
	ASSERT_LE(0, self->fd[ON_VM]);
	self->fd[ON_VCPU] = mvm_create_vcpu(self->fd[ON_VM], 0);
	ASSERT_LE(0, self->fd[ON_VCPU]);
	if (mvm_cap(self->dev, MVM_CAP_IRQCHIP) > 0) {
		self->fd[ON_CHIP_VM] = mvm_create_irqchip_vm(self->dev);
		ASSERT_LE(0, self->fd[ON_CHIP_VM]);
		self->fd[ON_CHIP_VCPU] = mvm_create_vcpu(self->fd[ON_CHIP_VM], 0);
		ASSERT_LE(0, self->fd[ON_CHIP_VCPU]);
	}
	self->efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, self->efd);
	/* Slot 0 is the table's memory_region; slot 1 is logged. */
	self->mem = mvm_mmap_anon(2 * SLOT_PAGES * MVM_PAGE);
	ASSERT_NE(NULL, self->mem);
	log.userspace_addr = (__u64)(uintptr_t)self->mem +
			     SLOT_PAGES * MVM_PAGE;
	if (mvm_cap(self->dev, MVM_CAP_DIRTY_LOG) > 0)
		ASSERT_EQ(0, mvm_err(ioctl(self->fd[ON_VM],
					   MVM_SET_MEMORY_REGION, &log)));
	if (mvm_cap(self->dev, MVM_CAP_MANUAL_DIRTY_LOG_PROTECT) > 0)
		ASSERT_EQ(0, mvm_err(ioctl(self->fd[ON_VM], MVM_ENABLE_CAP,
					   &manual)));
}

/* The capability a row's call needs, 0 for none. */
static unsigned long row_cap(const struct abi_arg *a)
{
	if (a->on == ON_CHIP_VM || a->on == ON_CHIP_VCPU)
		return MVM_CAP_IRQCHIP;
	switch (a->cmd) {
	case MVM_GET_DIRTY_LOG:
		return MVM_CAP_DIRTY_LOG;
	case MVM_CLEAR_DIRTY_LOG:
	case MVM_ENABLE_CAP:
		return MVM_CAP_MANUAL_DIRTY_LOG_PROTECT;
	case MVM_SET_CLOCK:
		return MVM_CAP_VM_CLOCK;
	}
	return 0;
}

/* Whether this module has what the row needs; said when it has not. */
static bool row_runs(struct __test_metadata *_metadata, int dev,
		     const struct abi_arg *a)
{
	unsigned long cap = row_cap(a);

	if (!cap || mvm_cap(dev, cap) > 0)
		return true;
	TH_LOG("%s: not tried, capability %lu is 0", a->name, cap);
	return false;
}

FIXTURE_TEARDOWN(abi)
{
	for (int i = 3; i >= 0; i--) {
		if (self->fd[i] >= 0)
			close(self->fd[i]);
	}
	if (self->efd >= 0)
		close(self->efd);
	if (self->mem)
		munmap(self->mem, 2 * SLOT_PAGES * MVM_PAGE);
	close(self->dev);
}

/* Each non-zero byte refused; returns how many calls were made. */
static int refuse_each(struct __test_metadata *_metadata,
		       const struct abi_arg *a, int fd, const void *good)
{
	static const unsigned char vals[] = { 0x01, 0x80 };
	unsigned char *bad = malloc(a->size);
	int calls = 0;

	if (!bad)
		return -1;
	for (int z = 0; z < 8 && a->zero[z].len; z++) {
		const struct zero_range *r = &a->zero[z];

		for (unsigned int b = r->off; b < r->off + r->len; b++) {
			for (int v = 0; v < 2; v++) {
				if (b == r->off && (vals[v] & r->known))
					continue;
				memcpy(bad, good, a->size);
				bad[b] = vals[v];
				EXPECT_EQ(EINVAL, mvm_err(ioctl(fd, a->cmd, bad)))
					TH_LOG("%s: byte %u = %#x", a->name, b,
					       vals[v]);
				calls++;
			}
		}
	}
	free(bad);
	return calls;
}

TEST_F(abi, refused_then_taken)
{
	for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
		const struct abi_arg *a = &args[i];
		int fd = self->fd[a->on];
		unsigned char *good, *after;

		if (!row_runs(_metadata, self->dev, a))
			continue;
		good = calloc(1, a->size);
		after = calloc(1, a->size);
		ASSERT_TRUE(good && after);
		if (a->good)
			a->good(self, good);
		else
			ASSERT_EQ(0, mvm_err(ioctl(fd, a->get, good)))
				TH_LOG("%s: GET", a->name);
		ASSERT_LT(0, refuse_each(_metadata, a, fd, good));
		/* The refused calls changed nothing. */
		if (a->get && !a->moves) {
			ASSERT_EQ(0, mvm_err(ioctl(fd, a->get, after)));
			EXPECT_EQ(0, memcmp(good, after, a->size))
				TH_LOG("%s: changed by a refused call", a->name);
		}
		/* signal_msi returns how many vCPUs took it. */
		EXPECT_LE(0, ioctl(fd, a->cmd, good))
			TH_LOG("%s: the valid call: %s", a->name,
			       strerror(errno));
		free(good);
		free(after);
	}
}

TEST_F(abi, get_zeroes)
{
	for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
		const struct abi_arg *a = &args[i];
		unsigned char *buf;

		if (!a->get || !row_runs(_metadata, self->dev, a))
			continue;
		buf = malloc(a->size);
		ASSERT_NE(NULL, buf);
		memset(buf, 0xa5, a->size);
		ASSERT_EQ(0, mvm_err(ioctl(self->fd[a->on], a->get, buf)));
		for (int z = 0; z < 8 && a->zero[z].len; z++) {
			const struct zero_range *r = &a->zero[z];
			bool zero = true;

			for (unsigned int b = r->off; b < r->off + r->len; b++)
				zero &= !buf[b];
			EXPECT_TRUE(zero || r->get_fills)
				TH_LOG("%s: bytes %u+%u not zeroed", a->name,
				       r->off, r->len);
		}
		free(buf);
	}
}

/* The run page's registers: taken only clean, given back clean. */
TEST_F(abi, run_regs)
{
	int vcpu = self->fd[ON_VCPU];
	long size = ioctl(self->dev, MVM_GET_VCPU_MMAP_SIZE, 0);
	struct mvm_regs want, got;
	struct mvm_run *run;

	ASSERT_LT(0, size);
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	ASSERT_NE(MAP_FAILED, run);
	ASSERT_EQ(0, mvm_err(ioctl(vcpu, MVM_GET_REGS, &want)));
	want.rbx = 0x1234;
	run->regs = want;
	run->regs.reserved[3] = 1;
	run->regs_dirty = 1;
	run->immediate_exit = 1;
	EXPECT_EQ(EINVAL, mvm_err(ioctl(vcpu, MVM_RUN, 0)));
	EXPECT_EQ(1, run->regs_dirty) TH_LOG("refused, yet taken");
	ASSERT_EQ(0, mvm_err(ioctl(vcpu, MVM_GET_REGS, &got)));
	EXPECT_NE(0x1234ULL, got.rbx) TH_LOG("refused, yet loaded");
	/* Clean, they are loaded; RUN ends at once (immediate_exit). */
	run->regs.reserved[3] = 0;
	EXPECT_EQ(EINTR, mvm_err(ioctl(vcpu, MVM_RUN, 0)));
	EXPECT_EQ(0, run->regs_dirty);
	EXPECT_EQ(0x1234ULL, run->regs.rbx);
	/* Not dirty: what userspace left there is written over. */
	run->regs.flags = 0xffffffff;
	run->regs.reserved[0] = ~0ULL;
	EXPECT_EQ(EINTR, mvm_err(ioctl(vcpu, MVM_RUN, 0)));
	EXPECT_EQ(0U, run->regs.flags);
	EXPECT_EQ(0ULL, run->regs.reserved[0]);
	munmap(run, size);
}

TEST_HARNESS_MAIN

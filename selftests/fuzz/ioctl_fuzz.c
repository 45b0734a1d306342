// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_fuzz: a seeded fuzzer of /dev/mvm's ioctls (issue 10).
 *
 * Every iteration opens /dev/mvm, creates 0-3 VMs with vCPUs, memory slots,
 * irqchips, ioeventfds and irqfds, and calls every ioctl of uapi/linux/mvm.h
 * with mostly valid-looking arguments, random bit flips, edge values,
 * unknown numbers and bad pointers, while a second thread closes fds,
 * deletes slots and reads/writes back vCPU state, and now and then a forked
 * child calls ioctls on inherited fds (they must fail with EIO).
 *
 * MVM_RUN runs only vCPUs whose state this program never wrote (their
 * reset state, real mode at 0xfffffff0, with IF=0): every page this program
 * maps is full of HLT, so a run ends in MVM_EXIT_HLT, an MMIO exit, or at
 * once with immediate_exit.  A watchdog thread signals a RUN that takes
 * over 1 s; one that does not return 5 s after that is a finding.  Fuzzed
 * state never runs: TCG errata (EFER.LME with CR0.PG=0 and others, see
 * README.md) would kill the test host, and they are no mvm bug.
 *
 * Findings (exit 1): an errno outside the allowed set, EIO missing in the
 * child, a SIGSEGV/SIGBUS of this process, a stuck RUN, the module's
 * refcount not back to its start value 5 s after everything is closed, or
 * SUnreclaim grown by more than 8 MiB.  Not a kselftest: it lives in
 * build-fuzz/, where selftests/run does not look; scripts/fuzz runs it.
 *
 * usage: ioctl_fuzz [--seconds N] [--seed S] [--verbose]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/mvm.h>

#include "fuzz_lib.h"

#define PAGE		4096UL
#define MAX_VMS		3
#define MAX_VCPUS	4	/* per VM */
#define HLT		0xf4
#define RESET_GPA	0xfffff000ULL	/* the page of the reset vector */

/* An edge value, or a random one. */
static uint64_t edge64(void)
{
	static const uint64_t e[] = {
		0, 1, ~0ULL, 1ULL << 63, 0x7fffffffffffffffULL, 0xffffffffULL,
		0x100000000ULL, 0xfff, 0x1000, 0xffffffff80000000ULL,
		0x0000800000000000ULL, 0x000fffffffffffffULL,
	};
	if (chance(50))
		return e[below(sizeof(e) / sizeof(e[0]))];
	return rnd();
}

/* ---- state ---- */

static unsigned long exits[13], run_fails;
static unsigned long calls, runs, vms_made, vcpus_made, forks;
static unsigned long errs[256];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t main_thread;
static long run_size;

/* Real memory the slots point at: every byte HLT. */
static unsigned char *mem_rw;		/* 2 MiB read-write */
static unsigned char *mem_ro;		/* 64 KiB read-only */
static unsigned char *mem_hole;		/* 64 KiB with 16 KiB unmapped at +16K */
static unsigned char *mem_none;		/* 16 KiB PROT_NONE */
/*
 * Dirty bitmaps: 64 KiB, then PROT_NONE up to the largest bitmap a slot
 * can have (2^31 pages: 256 MiB), so that a GET for a bigger slot than
 * fits ends in EFAULT, never in the fuzzer's own memory.
 */
#define BITBUF_SIZE	0x10000UL
#define BITBUF_GUARD	(256UL << 20)
static unsigned char *bitbuf;
#define MEM_RW_SIZE	(2UL << 20)

struct vcpu {
	int fd;			/* -1: closed */
	unsigned int id;
	int tainted;		/* its state was written: never RUN it */
	struct mvm_run *run;	/* MAP_FAILED when not mapped */
	struct mvm_dirty_gfn *ring;	/* MAP_FAILED when not mapped */
};

struct vm {
	int fd;
	int irqchip;
	int tainted;		/* MSIs sent: no RUN in it */
	int nvcpus;
	struct vcpu vcpus[MAX_VCPUS];
	int efds[4];
	struct mvm_memory_region last;	/* the last region made (size 0: none) */
	__u64 ring_bytes;		/* the dirty ring's size, 0: none */
};

static int dev = -1;
/* The module's limits (MVM_CAP_MAX_*), read at the start: lengths go around them. */
#define CPUID_ROOM	1024
static unsigned int max_msrs = 256, max_cpuid = 256;
static int nvms;
static struct vm vms[MAX_VMS];

/* Set around the calls whose new fd the caller records. */
static __thread int keep_fd;

/* The main thread's RUN, for the watchdog. */
static struct fz_slot run_slot;

static const char *call_context(void)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), ", call %lu", calls);
	return buf;
}

static int allowed(int e)
{
	switch (e) {
	case EINVAL: case EFAULT: case ENOTTY: case EEXIST: case ENOENT:
	case ENOMEM: case EBUSY: case ENXIO: case ENOSPC: case EIO:
	case EINTR: case EOPNOTSUPP: case E2BIG: case EMFILE: case EBADF:
	case EPERM: case EAGAIN: case ERANGE: case ENODEV:
		return 1;
	}
	return 0;
}

static const char *ioc_name(unsigned long req)
{
	switch (req) {
#define N(x) case x: return #x
	N(MVM_GET_API_VERSION); N(MVM_CHECK_EXTENSION); N(MVM_CREATE_VM);
	N(MVM_GET_VCPU_MMAP_SIZE); N(MVM_CREATE_VCPU); N(MVM_SET_MEMORY_REGION);
	N(MVM_IOEVENTFD); N(MVM_CREATE_IRQCHIP); N(MVM_SIGNAL_MSI); N(MVM_IRQFD);
	N(MVM_RUN); N(MVM_GET_REGS); N(MVM_SET_REGS); N(MVM_GET_SREGS);
	N(MVM_SET_SREGS); N(MVM_SET_CPUID); N(MVM_INTERRUPT); N(MVM_NMI);
	N(MVM_INJECT_EXCEPTION); N(MVM_GET_VCPU_EVENTS); N(MVM_SET_VCPU_EVENTS);
	N(MVM_GET_MSRS); N(MVM_SET_MSRS); N(MVM_GET_XSAVE); N(MVM_SET_XSAVE);
	N(MVM_GET_XCRS); N(MVM_SET_XCRS); N(MVM_GET_MP_STATE);
	N(MVM_SET_MP_STATE); N(MVM_GET_LAPIC); N(MVM_SET_LAPIC);
	N(MVM_GET_DIRTY_LOG); N(MVM_CLEAR_DIRTY_LOG); N(MVM_ENABLE_CAP);
	N(MVM_RESET_DIRTY_RINGS);
	N(MVM_GET_CLOCK); N(MVM_SET_CLOCK); N(MVM_GET_DEBUGREGS);
	N(MVM_SET_DEBUGREGS);
#undef N
	}
	return "unknown";
}

/*
 * One ioctl.  buf/len: the argument struct when it is a real buffer (its
 * first bytes are printed with a finding).
 */
static long fz(int fd, unsigned long req, unsigned long arg,
	       const void *buf, size_t len)
{
	long r;
	int e;

	ATOMIC_INC(calls);
	if (pthread_equal(pthread_self(), main_thread))
		snprintf(cur_call, sizeof(cur_call), "%s(fd %d, 0x%lx, 0x%lx)",
			 ioc_name(req), fd, req, arg);
	r = ioctl(fd, req, arg);
	if (r >= 0) {
		/*
		 * An fd made by a random ioctl number: nobody records it, so
		 * close it here (else it is this program's leak, not mvm's).
		 */
		if (!keep_fd && (_IOC_NR(req) == _IOC_NR(MVM_CREATE_VM) ||
				 _IOC_NR(req) == _IOC_NR(MVM_CREATE_VCPU)) &&
		    _IOC_TYPE(req) == MVMIO && r > 2)
			close(r);
		return r;
	}
	e = errno;
	if (e > 0 && e < 256)
		ATOMIC_INC(errs[e]);
	if (!allowed(e)) {
		char hex[3 * 48 + 1] = "";
		size_t i;

		for (i = 0; buf && i < len && i < 48; i++)
			sprintf(hex + 3 * i, " %02x", ((const unsigned char *)buf)[i]);
		finding("%s(fd %d, req 0x%lx, arg 0x%lx) -> %s (errno %d); arg bytes:%s",
			ioc_name(req), fd, req, arg, strerror(e), e, hex);
	}
	errno = e;
	return r;
}

#define FZ(fd, req, ptr) fz((fd), (req), (unsigned long)(ptr), (ptr), sizeof(*(ptr)))
#define FZV(fd, req, val) fz((fd), (req), (unsigned long)(val), NULL, 0)

/*
 * A pointer for an ioctl's argument: mostly the real buffer, else bad.  The
 * misaligned one points into a buffer of its own: good + 1 would let a GET
 * write one byte past the caller's struct (the fuzzer's own stack).
 */
static void *argp(void *good)
{
	static unsigned char odd[(1 << 15) + 1];

	switch (below(40)) {
	case 0: return NULL;
	case 1: return (void *)1UL;
	case 2: return (void *)0xffff888000000000UL;	/* kernel */
	case 3: return mem_none;
	case 4: return mem_ro;			/* readable, not writable */
	case 5: return mem_hole + 16384;	/* unmapped */
	case 6: return odd + 1;			/* misaligned */
	}
	return good;
}

/*
 * An ioctl number for an fd that may be anyone's vCPU: never one of the
 * vCPU ioctls (0x40-0x54), which would run or write state behind taint().
 */
static unsigned int rand_nr(void)
{
	unsigned int nr = below(256);

	return nr >= 0x40 && nr <= 0x54 ? nr + 0x15 : nr;
}

/* ---- picking objects ---- */

static int pick_fd(void)
{
	int i, n = 0, fds[1 + MAX_VMS * (1 + MAX_VCPUS + 4)];

	pthread_mutex_lock(&lock);
	fds[n++] = dev;
	for (i = 0; i < nvms; i++) {
		int j;

		fds[n++] = vms[i].fd;
		for (j = 0; j < vms[i].nvcpus; j++)
			fds[n++] = vms[i].vcpus[j].fd;
		for (j = 0; j < 4; j++)
			fds[n++] = vms[i].efds[j];
	}
	i = fds[below(n)];
	pthread_mutex_unlock(&lock);
	return chance(3) ? 3 + (int)below(1021) : i;
}

/* A VM index, or -1 when there is none. */
static int pick_vm(void)
{
	return nvms ? (int)below(nvms) : -1;
}

static struct vcpu *pick_vcpu(struct vm **vmp)
{
	int i = pick_vm();

	if (i < 0 || !vms[i].nvcpus)
		return NULL;
	*vmp = &vms[i];
	return &vms[i].vcpus[below(vms[i].nvcpus)];
}

static void taint(struct vcpu *c)
{
	__atomic_store_n(&c->tainted, 1, __ATOMIC_SEQ_CST);
}

/* ---- argument makers ---- */

static __u64 rand_uaddr(void)
{
	__u64 a;

	switch (below(10)) {
	case 0: case 1: case 2: case 3:
		a = (__u64)(uintptr_t)mem_rw + below(MEM_RW_SIZE / PAGE) * PAGE;
		break;
	case 4: a = (__u64)(uintptr_t)mem_ro + below(16) * PAGE; break;
	case 5: a = (__u64)(uintptr_t)mem_hole + below(16) * PAGE; break;
	case 6: a = (__u64)(uintptr_t)mem_none; break;
	default: a = edge64() & ~(PAGE - 1); break;
	}
	if (chance(5))
		a += 1 + below(PAGE - 1);
	return a;
}

static __u64 rand_gpa(void)
{
	static const __u64 g[] = {
		0, 0x1000, 0xa0000, 0xfee00000, 0xfec00000, RESET_GPA,
		0xffff0000, 0x100000000ULL, 1ULL << 40, 1ULL << 47, 1ULL << 52,
		~0ULL & ~(PAGE - 1),
	};
	__u64 a = chance(60) ? g[below(sizeof(g) / sizeof(g[0]))] :
			       below(1ULL << 33) & ~(PAGE - 1);

	if (chance(10))
		a = edge64();
	if (chance(5))
		a |= 1 + below(PAGE - 1);
	return a;
}

static __u64 rand_size(void)
{
	static const __u64 s[] = {
		0, PAGE, 2 * PAGE, 16 * PAGE, MEM_RW_SIZE, 1ULL << 30,
		1ULL << 40, ~0ULL & ~(PAGE - 1), 0x10000,
	};
	__u64 v = s[below(sizeof(s) / sizeof(s[0]))];

	if (chance(10))
		v = edge64();
	if (chance(5))
		v += 1 + below(PAGE - 1);
	return v;
}

static void op_memory_region(struct vm *vm)
{
	struct mvm_memory_region r = {
		.slot = chance(80) ? below(8) : chance(50) ? 64 + below(8) : rnd(),
		.flags = chance(70) ? 0 : chance(40) ? MVM_MEM_READONLY :
			 chance(50) ? MVM_MEM_LOG_DIRTY : rnd(),
		.guest_phys_addr = rand_gpa(),
		.memory_size = rand_size(),
		.userspace_addr = rand_uaddr(),
	};

	if (chance(5))
		r.reserved[below(4)] = edge64();
	if (FZ(vm->fd, MVM_SET_MEMORY_REGION, (struct mvm_memory_region *)argp(&r)) == 0)
		vm->last = r;
}

static __u64 rand_bitmap(void)
{
	switch (below(10)) {
	case 0: return 0;
	case 1: return (__u64)(uintptr_t)mem_none;
	case 2: return 0xffff888000000000ULL;	/* kernel */
	case 3: return (__u64)(uintptr_t)bitbuf + BITBUF_SIZE - 8; /* into the guard */
	default: return (__u64)(uintptr_t)bitbuf;
	}
}

/* A ring size: mostly one the kernel takes. */
static __u64 rand_ring_bytes(void)
{
	return chance(85) ? (__u64)PAGE << below(4) : edge64();
}

/* Userspace's side of the ring: any entry, any flags, slot and offset. */
static void scribble_ring(struct vm *vm)
{
	struct vcpu *c;
	__u32 n, i, k;

	if (!vm->ring_bytes || !vm->nvcpus)
		return;
	c = &vm->vcpus[below(vm->nvcpus)];
	if (c->ring == MAP_FAILED)
		return;
	n = vm->ring_bytes / sizeof(*c->ring);
	for (k = below(8); k; k--) {
		i = below(n);
		if (chance(70))
			c->ring[i].flags |= MVM_DIRTY_GFN_F_RESET;
		else
			c->ring[i].flags = rnd();
		if (chance(30))
			c->ring[i].slot = chance(50) ? below(8) : rnd();
		if (chance(30))
			c->ring[i].offset = chance(50) ? below(64) : edge64();
	}
}

/* Dirty logging: toggled on the last region, GET, CLEAR, ENABLE_CAP, rings. */
static void op_dirty(struct vm *vm)
{
	struct mvm_memory_region r = vm->last;
	struct mvm_clear_dirty_log c;
	struct mvm_enable_cap e;
	struct mvm_dirty_log d;

	switch (below(5)) {
	case 0:
		if (!r.memory_size)
			break;
		r.flags ^= MVM_MEM_LOG_DIRTY;
		if (FZ(vm->fd, MVM_SET_MEMORY_REGION, &r) == 0)
			vm->last = r;
		break;
	case 1:
		memset(&d, 0, sizeof(d));
		d.slot = chance(90) ? vm->last.slot : chance(50) ? below(8) : rnd();
		d.flags = chance(95) ? 0 : rnd();
		d.bitmap = rand_bitmap();
		if (chance(5))
			d.reserved[below(4)] = edge64();
		FZ(vm->fd, MVM_GET_DIRTY_LOG, (struct mvm_dirty_log *)argp(&d));
		break;
	case 2:
		memset(&c, 0, sizeof(c));
		c.slot = chance(90) ? vm->last.slot : chance(50) ? below(8) : rnd();
		c.flags = chance(95) ? 0 : rnd();
		c.first_page = chance(80) ? 64 * below(16) : edge64();
		c.num_pages = chance(80) ? 64 * below(16) + (chance(30) ? below(64) : 0) :
			      edge64();
		c.bitmap = rand_bitmap();
		if (chance(5))
			c.reserved[below(2)] = edge64();
		FZ(vm->fd, MVM_CLEAR_DIRTY_LOG, (struct mvm_clear_dirty_log *)argp(&c));
		break;
	case 3:
		memset(&e, 0, sizeof(e));
		e.cap = chance(70) ? MVM_CAP_MANUAL_DIRTY_LOG_PROTECT :
			chance(70) ? MVM_CAP_DIRTY_LOG_RING : rnd();
		if (e.cap == MVM_CAP_DIRTY_LOG_RING)
			e.args[0] = rand_ring_bytes();
		else
			e.args[0] = chance(90) ? below(2) : rnd();
		if (chance(5))
			e.args[1 + below(3)] = edge64();
		if (chance(5))
			e.flags = rnd();
		if (FZ(vm->fd, MVM_ENABLE_CAP, (struct mvm_enable_cap *)argp(&e)) == 0 &&
		    e.cap == MVM_CAP_DIRTY_LOG_RING)
			vm->ring_bytes = e.args[0];
		break;
	case 4:
		scribble_ring(vm);
		FZV(vm->fd, MVM_RESET_DIRTY_RINGS, chance(95) ? 0 : rnd());
		break;
	}
}

static int rand_efd(struct vm *vm)
{
	switch (below(8)) {
	case 0: return -1;
	case 1: return (int)rnd();
	case 2: return dev;
	case 3: return vm->fd;
	}
	return vm->efds[below(4)];
}

static void rand_msi(struct mvm_msi *m)
{
	memset(m, 0, sizeof(*m));
	m->address = 0xfee00000 | below(4) << 12 | (chance(20) ? 4 : 0);
	m->data = 0x20 + below(0xe0);	/* fixed */
	if (chance(20))
		m->data |= below(8) << 8;	/* any delivery mode */
	if (chance(10))
		m->data |= 1 << 15;
	if (chance(10))
		m->address = edge64();
	if (chance(5))
		m->flags = rnd();
	if (chance(5))
		m->reserved[below(2)] = rnd();
	if (chance(10))
		flip(m, sizeof(*m), 1 + below(3));
}

/* GET_CLOCK, and SET_CLOCK of what it gave, edged (a huge realtime gap). */
static void op_clock(struct vm *vm)
{
	struct mvm_clock_data c;

	memset(&c, 0, sizeof(c));
	if (chance(30)) {
		FZ(vm->fd, MVM_GET_CLOCK, (struct mvm_clock_data *)argp(&c));
		return;
	}
	FZ(vm->fd, MVM_GET_CLOCK, &c);
	switch (below(6)) {
	case 0: c.clock = edge64(); break;
	case 1: c.realtime = edge64(); break;
	case 2: c.flags = chance(50) ? below(8) : rnd(); break;
	case 3: c.padding = rnd(); break;
	case 4: c.reserved[below(4)] = edge64(); break;
	case 5: flip(&c, sizeof(c), below(6)); break;
	}
	FZ(vm->fd, MVM_SET_CLOCK, (struct mvm_clock_data *)argp(&c));
}

static void vm_taint_all(struct vm *vm)
{
	int j;

	__atomic_store_n(&vm->tainted, 1, __ATOMIC_SEQ_CST);
	for (j = 0; j < vm->nvcpus; j++)
		taint(&vm->vcpus[j]);
}

static void op_vm(struct vm *vm)
{
	struct mvm_ioeventfd io;
	struct mvm_irqfd irqfd;
	struct mvm_msi msi;

	switch (below(10)) {
	case 0: case 1:
		op_memory_region(vm);
		break;
	case 8:
		op_dirty(vm);
		break;
	case 9:
		op_clock(vm);
		break;
	case 2:
		if (FZV(vm->fd, MVM_CREATE_IRQCHIP, chance(90) ? 0 : rnd()) == 0)
			vm->irqchip = 1;
		break;
	case 3:
		memset(&io, 0, sizeof(io));
		io.addr = chance(80) ? below(0x10000) : edge64();
		io.datamatch = chance(50) ? below(256) : edge64();
		io.len = chance(80) ? 1u << below(3) : below(16);
		io.fd = rand_efd(vm);
		io.flags = MVM_IOEVENTFD_PIO;
		if (chance(30))
			io.flags |= MVM_IOEVENTFD_DATAMATCH;
		if (chance(30))
			io.flags |= MVM_IOEVENTFD_DEASSIGN;
		if (chance(10))
			io.flags = rnd();
		if (chance(5))
			io.padding = rnd();
		if (chance(5))
			io.reserved[below(2)] = rnd();
		FZ(vm->fd, MVM_IOEVENTFD, (struct mvm_ioeventfd *)argp(&io));
		break;
	case 4:
		vm_taint_all(vm);
		rand_msi(&msi);
		FZ(vm->fd, MVM_SIGNAL_MSI, (struct mvm_msi *)argp(&msi));
		break;
	case 5:
		vm_taint_all(vm);
		memset(&irqfd, 0, sizeof(irqfd));
		irqfd.fd = rand_efd(vm);
		irqfd.flags = chance(70) ? 0 : chance(80) ? MVM_IRQFD_DEASSIGN : rnd();
		rand_msi(&irqfd.msi);
		if (chance(5))
			irqfd.reserved[below(2)] = rnd();
		if (FZ(vm->fd, MVM_IRQFD, (struct mvm_irqfd *)argp(&irqfd)) == 0 &&
		    irqfd.fd >= 0 && chance(50)) {
			uint64_t one = 1;

			if (write(irqfd.fd, &one, sizeof(one)) < 0)
				(void)0;
		}
		break;
	case 6:
		/* An unknown VM ioctl number, or a known one with a wrong size. */
		FZV(vm->fd, chance(50) ? _IO(MVMIO, 0x16 + below(0x2a)) :
			    _IOC(below(4), MVMIO, 0x10 + below(6), below(256)),
		    rnd());
		break;
	case 7:
	{
		/* A vCPU not recorded: closed at once (a fresh id reused). */
		FZV(vm->fd, MVM_CREATE_VCPU, chance(50) ? below(8) : edge64());
		break;
	}
	}
}

static const __u32 msr_list[] = {
	0x10, 0x1b, 0x3b, 0x174, 0x175, 0x176, 0x277, 0x6e0, 0xc0000080,
	0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, 0xc0000100,
	0xc0000101, 0xc0000102, 0xc0000103, 0x4b564d00, 0x4b564d01,
	0x4b564d02, 0x4b564d03, 0x4b564d04, 0x12, 0x11, 0xfe, 0x2ff,
	0xc0010117, 0xda0, 0x1a0, 0x48, 0x49, 0x10a,
};

static __u32 rand_msr(void)
{
	switch (below(6)) {
	case 0: return 0x800 + below(0x100);
	case 1: return rnd();
	}
	return msr_list[below(sizeof(msr_list) / sizeof(msr_list[0]))];
}

static void op_msrs(struct vcpu *c, int set)
{
	struct mvm_msr_entry e[8];
	struct mvm_msrs m = { 0 };
	unsigned int i;

	memset(e, 0, sizeof(e));
	m.nmsrs = chance(90) ? below(9) : chance(50) ? max_msrs + 1 : rnd();
	m.entries = (__u64)(uintptr_t)argp(e);
	if (chance(5))
		m.flags = rnd();
	if (chance(5))
		m.reserved[below(2)] = rnd();
	for (i = 0; i < 8; i++) {
		e[i].index = rand_msr();
		e[i].data = chance(50) ? below(0x10000) : edge64();
		if (chance(3))
			e[i].reserved = rnd();
	}
	if (set) {
		/* Start from the values read back, flipped. */
		struct mvm_msrs g = { .nmsrs = 8, .entries = (__u64)(uintptr_t)e };

		if (chance(50) && fz(c->fd, MVM_GET_MSRS, (unsigned long)&g, &g, sizeof(g)) > 0)
			flip(e, sizeof(e), below(4));
		taint(c);
	}
	fz(c->fd, set ? MVM_SET_MSRS : MVM_GET_MSRS, (unsigned long)argp(&m),
	   &m, sizeof(m));
}

static void op_cpuid(struct vcpu *c)
{
	static struct mvm_cpuid_entry e[CPUID_ROOM];
	struct mvm_cpuid t = { 0 };
	unsigned int i, n;

	n = chance(90) ? below(max_cpuid + 2) : rnd();
	for (i = 0; i < CPUID_ROOM; i++) {
		e[i].function = chance(50) ? below(0x20) :
				chance(70) ? 0x80000000 + below(0x20) : rnd();
		e[i].index = below(4);
		e[i].flags = chance(80) ? below(2) : rnd();
		e[i].eax = rnd();
		e[i].ebx = rnd();
		e[i].ecx = rnd();
		e[i].edx = rnd();
		e[i].padding = chance(5) ? rnd() : 0;
	}
	t.nent = n;
	t.entries = (__u64)(uintptr_t)argp(e);
	if (chance(5))
		t.flags = rnd();
	if (chance(5))
		t.reserved[below(2)] = rnd();
	taint(c);
	FZ(c->fd, MVM_SET_CPUID, (struct mvm_cpuid *)argp(&t));
}

/* GET into buf, flip bits or randomize, SET (half the time: with a reserved field). */
#define GET_FLIP_SET(c, T, get, setreq) do {				\
	T s_;								\
	memset(&s_, 0, sizeof(s_));					\
	FZ((c)->fd, get, &s_);						\
	if (chance(10))							\
		randbytes(&s_, sizeof(s_));				\
	else								\
		flip(&s_, sizeof(s_), below(6));			\
	taint(c);							\
	FZ((c)->fd, setreq, (T *)argp(&s_));				\
} while (0)

static void op_vcpu(struct vm *vm, struct vcpu *c)
{
	struct mvm_regs regs;
	struct mvm_interrupt irq;
	struct mvm_exception ex;
	struct mvm_mp_state mp;
	static struct mvm_xsave xs;
	static unsigned char big[1 << 15];
	static struct mvm_lapic_state la;

	switch (below(26)) {
	case 0: FZ(c->fd, MVM_GET_REGS, (struct mvm_regs *)argp(&regs)); break;
	case 1: GET_FLIP_SET(c, struct mvm_regs, MVM_GET_REGS, MVM_SET_REGS); break;
	case 2: {
		struct mvm_sregs s;

		FZ(c->fd, MVM_GET_SREGS, (struct mvm_sregs *)argp(&s));
		break;
	}
	case 3: GET_FLIP_SET(c, struct mvm_sregs, MVM_GET_SREGS, MVM_SET_SREGS); break;
	case 4: {
		/* Edge control registers on the read state. */
		struct mvm_sregs s;

		memset(&s, 0, sizeof(s));
		FZ(c->fd, MVM_GET_SREGS, &s);
		switch (below(6)) {
		case 0: s.efer = edge64(); break;
		case 1: s.cr0 = edge64(); break;
		case 2: s.cr4 = edge64(); break;
		case 3: s.cr3 = edge64(); break;
		case 4: s.cr8 = edge64(); break;
		case 5: s.reserved[below(7)] = edge64(); break;
		}
		taint(c);
		FZ(c->fd, MVM_SET_SREGS, &s);
		break;
	}
	case 5: op_msrs(c, 0); break;
	case 6: case 7: op_msrs(c, 1); break;
	case 8: op_cpuid(c); break;
	case 9: FZ(c->fd, MVM_GET_XSAVE, (struct mvm_xsave *)argp(&xs)); break;
	case 10:
		memset(&xs, 0, sizeof(xs));
		FZ(c->fd, MVM_GET_XSAVE, &xs);
		/* The area at random; the reserved words now and then. */
		if (chance(20))
			randbytes(xs.region, sizeof(xs.region));
		else
			flip(&xs, chance(90) ? sizeof(xs.region) : sizeof(xs),
			     below(8));
		taint(c);
		FZ(c->fd, MVM_SET_XSAVE, (struct mvm_xsave *)argp(&xs));
		break;
	case 11: {
		struct mvm_xcrs x;

		memset(&x, 0, sizeof(x));
		FZ(c->fd, MVM_GET_XCRS, &x);
		if (chance(50))
			x.xcr0 = chance(50) ? below(1u << 10) : edge64();
		if (chance(10))
			x.reserved[below(6)] = rnd();
		taint(c);
		FZ(c->fd, MVM_SET_XCRS, (struct mvm_xcrs *)argp(&x));
		break;
	}
	case 12: GET_FLIP_SET(c, struct mvm_vcpu_events, MVM_GET_VCPU_EVENTS,
			      MVM_SET_VCPU_EVENTS); break;
	case 13:
		memset(&mp, 0, sizeof(mp));
		mp.state = chance(80) ? below(4) : rnd();
		mp.flags = chance(5) ? rnd() : 0;
		if (chance(5))
			mp.reserved[below(3)] = rnd();
		taint(c);
		FZ(c->fd, MVM_SET_MP_STATE, (struct mvm_mp_state *)argp(&mp));
		break;
	case 14: FZ(c->fd, MVM_GET_MP_STATE, (struct mvm_mp_state *)argp(&mp)); break;
	case 15: FZ(c->fd, MVM_GET_LAPIC, (struct mvm_lapic_state *)argp(&la)); break;
	case 16:
		memset(&la, 0, sizeof(la));
		FZ(c->fd, MVM_GET_LAPIC, &la);
		if (chance(20))
			randbytes(la.regs, sizeof(la.regs));
		else
			flip(&la, chance(90) ? sizeof(la.regs) : sizeof(la),
			     below(8));
		taint(c);
		FZ(c->fd, MVM_SET_LAPIC, (struct mvm_lapic_state *)argp(&la));
		break;
	case 17:
		memset(&irq, 0, sizeof(irq));
		irq.vector = chance(80) ? below(256) : rnd();
		irq.flags = chance(90) ? 0 : rnd();
		if (chance(5))
			irq.reserved[below(2)] = rnd();
		taint(c);
		FZ(c->fd, MVM_INTERRUPT, (struct mvm_interrupt *)argp(&irq));
		break;
	case 18:
		taint(c);
		FZV(c->fd, MVM_NMI, chance(90) ? 0 : rnd());
		break;
	case 19:
		memset(&ex, 0, sizeof(ex));
		ex.vector = chance(80) ? below(32) : rnd();
		ex.has_error_code = chance(80) ? below(2) : rnd();
		ex.error_code = rnd();
		if (chance(5))
			ex.padding[below(2)] = rnd();
		if (chance(5))
			ex.flags = rnd();
		if (chance(5))
			ex.reserved[below(5)] = rnd();
		taint(c);
		FZ(c->fd, MVM_INJECT_EXCEPTION, (struct mvm_exception *)argp(&ex));
		break;
	case 20:
		/* An unknown vCPU ioctl, or a known number with another size/dir. */
		if (chance(50))
			FZV(c->fd, _IO(MVMIO, 0x57 + below(0x40)), rnd());
		else
			FZV(c->fd, _IOC(below(4), MVMIO, 0x41 + below(0x16),
					below(1 << 14)), (unsigned long)argp(big));
		taint(c);
		break;
	case 21:
		/* A vCPU fd given VM and device ioctls. */
		FZV(c->fd, chance(50) ? MVM_CREATE_VCPU : MVM_CREATE_VM, 0);
		break;
	case 22: GET_FLIP_SET(c, struct mvm_debugregs, MVM_GET_DEBUGREGS,
			      MVM_SET_DEBUGREGS); break;
	case 23: {
		/* Edge values where a MOV would #GP or take them. */
		struct mvm_debugregs d;

		memset(&d, 0, sizeof(d));
		FZ(c->fd, MVM_GET_DEBUGREGS, &d);
		switch (below(4)) {
		case 0: d.db[below(4)] = edge64(); break;
		case 1: d.dr6 = chance(50) ? (__u32)rnd() : edge64(); break;
		case 2: d.dr7 = chance(50) ? (__u32)rnd() : edge64(); break;
		case 3: d.reserved[below(8)] = edge64(); break;
		}
		taint(c);
		FZ(c->fd, MVM_SET_DEBUGREGS, (struct mvm_debugregs *)argp(&d));
		break;
	}
	default:
		(void)vm;
		break;
	}
}

/* ---- MVM_RUN ---- */

static void do_run(struct vm *vm, struct vcpu *c)
{
	long r;

	if (c->fd < 0 || c->run == MAP_FAILED ||
	    __atomic_load_n(&c->tainted, __ATOMIC_SEQ_CST) ||
	    __atomic_load_n(&vm->tainted, __ATOMIC_SEQ_CST))
		return;
	/* With an irqchip, vCPUs but 0 wait for SIPI: only the watchdog ends that. */
	c->run->immediate_exit = vm->irqchip && c->id ? chance(90) : chance(70);
	c->run->request_interrupt_window = chance(10);
	snprintf(run_slot.what, sizeof(run_slot.what), "MVM_RUN(vCPU %u)", c->id);
	fz_run_begin(&run_slot);
	r = FZV(c->fd, MVM_RUN, 0);
	fz_run_end(&run_slot);
	ATOMIC_INC(runs);
	if (r < 0)
		run_fails++;
	else if (c->run->exit_reason < 13)
		exits[c->run->exit_reason]++;
	if (verbose)
		fprintf(stderr, "run vcpu %u: %ld errno %d exit %u\n", c->id, r,
			r < 0 ? errno : 0, c->run->exit_reason);
	/* Only immediate_exit may have been left behind; the next RUN is fresh. */
	c->run->immediate_exit = 0;
	c->run->request_interrupt_window = 0;
}

/* ---- the racing thread ---- */

static void *racer(void *arg)
{
	(void)arg;
	fz_seed_thread(1);
	while (!stop) {
		int i, fd = -1;
		struct vm *vm;
		struct vcpu *c;

		usleep(below(3000));
		pthread_mutex_lock(&lock);
		i = pick_vm();
		if (i < 0) {
			pthread_mutex_unlock(&lock);
			continue;
		}
		vm = &vms[i];
		c = vm->nvcpus ? &vm->vcpus[below(vm->nvcpus)] : NULL;
		switch (below(10)) {
		case 0:
			/* Close a vCPU fd (its run page stays mapped). */
			if (c && c->fd >= 0 && chance(30)) {
				close(c->fd);
				c->fd = -1;
			}
			pthread_mutex_unlock(&lock);
			break;
		case 1:
			/* Close a VM fd: its vCPUs keep it alive. */
			if (vm->fd >= 0 && chance(10)) {
				close(vm->fd);
				vm->fd = -1;
			}
			pthread_mutex_unlock(&lock);
			break;
		case 2: case 3: {
			struct mvm_memory_region r = { .slot = below(8) };

			fd = vm->fd;
			pthread_mutex_unlock(&lock);
			FZ(fd, MVM_SET_MEMORY_REGION, &r);	/* delete */
			break;
		}
		case 4: case 5: {
			/* State read and written back as it was: safe to run. */
			struct mvm_regs r;
			struct mvm_sregs s;
			struct mvm_mp_state mp;

			fd = c ? c->fd : -1;
			pthread_mutex_unlock(&lock);
			if (FZ(fd, MVM_GET_REGS, &r) == 0)
				FZ(fd, MVM_SET_REGS, &r);
			if (FZ(fd, MVM_GET_SREGS, &s) == 0)
				FZ(fd, MVM_SET_SREGS, &s);
			if (FZ(fd, MVM_GET_MP_STATE, &mp) == 0)
				FZ(fd, MVM_SET_MP_STATE, &mp);
			break;
		}
		case 6: {
			struct mvm_interrupt irq = { .vector = 32 + below(200) };

			fd = c ? c->fd : -1;
			pthread_mutex_unlock(&lock);
			/* IF=0 in an untainted vCPU: it stays queued. */
			FZ(fd, MVM_INTERRUPT, &irq);
			break;
		}
		case 7: {
			/* Add a slot at the reset page while the vCPU may run. */
			struct mvm_memory_region r = {
				.slot = below(8), .guest_phys_addr = RESET_GPA,
				.memory_size = PAGE,
				.userspace_addr = (__u64)(uintptr_t)mem_rw + below(16) * PAGE,
			};

			fd = vm->fd;
			pthread_mutex_unlock(&lock);
			FZ(fd, MVM_SET_MEMORY_REGION, &r);
			break;
		}
		default:
			fd = vm->fd;
			pthread_mutex_unlock(&lock);
			FZV(fd, MVM_CHECK_EXTENSION, below(12));
			break;
		}
	}
	return NULL;
}

/* ---- a child with inherited fds: every VM/vCPU ioctl fails with EIO ---- */

static void fork_child(void)
{
	pid_t pid;
	int st;

	pthread_mutex_lock(&lock);
	pid = fork();
	if (pid == 0) {
		int i, j, bad = 0;
		struct mvm_regs r;

		for (i = 0; i < nvms; i++) {
			if (vms[i].fd >= 0 &&
			    (ioctl(vms[i].fd, MVM_CREATE_VCPU, 5UL) != -1 || errno != EIO))
				bad = 1;
			for (j = 0; j < vms[i].nvcpus; j++) {
				int fd = vms[i].vcpus[j].fd;

				if (fd < 0)
					continue;
				if (ioctl(fd, MVM_GET_REGS, &r) != -1 || errno != EIO)
					bad = 2;
				if (ioctl(fd, MVM_RUN, 0) != -1 || errno != EIO)
					bad = 3;
				if (ioctl(fd, _IO(MVMIO, 0x7f), 0) != -1 || errno != EIO)
					bad = 4;
			}
		}
		_exit(bad ? 10 + bad : 0);
	}
	pthread_mutex_unlock(&lock);
	if (pid < 0)
		return;
	ATOMIC_INC(forks);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if ( (!WIFEXITED(st) || WEXITSTATUS(st)))
		finding("forked child: an ioctl on an inherited fd did not fail with EIO (status 0x%x)", st);
}

/* ---- one iteration ---- */

static void add_vcpu(struct vm *vm)
{
	static const unsigned long odd_ids[] = { 256, 255, 0xffffffffUL, 1UL << 32, 64 };
	unsigned long id = chance(85) ? below(MAX_VCPUS) :
			   odd_ids[below(sizeof(odd_ids) / sizeof(odd_ids[0]))];
	int fd;
	struct vcpu *c;

	if (vm->nvcpus >= MAX_VCPUS || vm->fd < 0)
		return;
	keep_fd = 1;
	fd = FZV(vm->fd, MVM_CREATE_VCPU, id);
	keep_fd = 0;
	if (fd < 0)
		return;
	ATOMIC_INC(vcpus_made);
	pthread_mutex_lock(&lock);
	c = &vm->vcpus[vm->nvcpus];
	c->fd = fd;
	c->id = id;
	c->tainted = 0;
	c->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	c->ring = MAP_FAILED;
	if (vm->ring_bytes) {
		/* Now and then a length or an offset the kernel refuses. */
		size_t len = chance(90) ? vm->ring_bytes : below(4) * PAGE;
		off_t off = chance(90) ? MVM_DIRTY_RING_PAGE_OFFSET : below(128);

		c->ring = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			       off * PAGE);
		/* Page 0 is the run page, which a one-page mapping may take. */
		if (c->ring != MAP_FAILED && (len != vm->ring_bytes ||
					      off != MVM_DIRTY_RING_PAGE_OFFSET) &&
		    (off || len > PAGE))
			finding("ring mmap of %zu bytes at page %ld taken", len,
				(long)off);
		if (c->ring != MAP_FAILED && len != vm->ring_bytes) {
			munmap(c->ring, len);
			c->ring = MAP_FAILED;
		}
	}
	vm->nvcpus++;
	pthread_mutex_unlock(&lock);
}

static void add_vm(void)
{
	struct vm *vm;
	int fd, j;
	struct mvm_memory_region r = {
		.slot = 0, .guest_phys_addr = RESET_GPA, .memory_size = PAGE,
		.userspace_addr = (__u64)(uintptr_t)mem_rw,
	};

	if (nvms >= MAX_VMS)
		return;
	keep_fd = 1;
	fd = FZV(dev, MVM_CREATE_VM, chance(95) ? 0 : rnd());
	keep_fd = 0;
	if (fd < 0)
		return;
	ATOMIC_INC(vms_made);
	pthread_mutex_lock(&lock);
	vm = &vms[nvms];
	memset(vm, 0, sizeof(*vm));
	vm->fd = fd;
	for (j = 0; j < 4; j++)
		vm->efds[j] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	nvms++;
	pthread_mutex_unlock(&lock);
	if (chance(30) && FZV(fd, MVM_CREATE_IRQCHIP, 0) == 0)
		vm->irqchip = 1;
	if (chance(30)) {
		struct mvm_enable_cap e = {
			.cap = MVM_CAP_DIRTY_LOG_RING, .args[0] = rand_ring_bytes(),
		};

		if (FZ(fd, MVM_ENABLE_CAP, &e) == 0)
			vm->ring_bytes = e.args[0];
	}
	/* The reset vector's page: HLT. */
	if (chance(80))
		FZ(fd, MVM_SET_MEMORY_REGION, &r);
}

static void close_all(void)
{
	int i, j;

	pthread_mutex_lock(&lock);
	for (i = 0; i < nvms; i++) {
		for (j = 0; j < vms[i].nvcpus; j++) {
			struct vcpu *c = &vms[i].vcpus[j];

			if (c->run != MAP_FAILED)
				munmap(c->run, run_size);
			if (c->ring != MAP_FAILED)
				munmap(c->ring, vms[i].ring_bytes);
			if (c->fd >= 0)
				close(c->fd);
		}
		for (j = 0; j < 4; j++)
			if (vms[i].efds[j] >= 0)
				close(vms[i].efds[j]);
		if (vms[i].fd >= 0)
			close(vms[i].fd);
	}
	nvms = 0;
	if (dev >= 0)
		close(dev);
	dev = -1;
	pthread_mutex_unlock(&lock);
}

static void iteration(void)
{
	int nv = below(MAX_VMS + 1), i, ops;
	int d = open("/dev/mvm", O_RDWR | O_CLOEXEC);

	if (d < 0) {
		finding("open /dev/mvm: %s", strerror(errno));
		stop = 1;
		return;
	}
	pthread_mutex_lock(&lock);
	dev = d;
	pthread_mutex_unlock(&lock);
	if (chance(10))
		FZV(dev, chance(50) ? MVM_GET_API_VERSION : MVM_GET_VCPU_MMAP_SIZE, rnd());
	if (chance(10))
		FZV(dev, MVM_CHECK_EXTENSION, chance(80) ? below(12) : rnd());
	if (chance(5))
		FZV(dev, _IO(MVMIO, 0x04 + below(0x0c)), rnd());
	for (i = 0; i < nv; i++)
		add_vm();
	for (i = 0; i < nvms; i++) {
		int n = below(MAX_VCPUS + 1), k;

		for (k = 0; k < n; k++)
			add_vcpu(&vms[i]);
	}
	ops = 20 + below(60);
	for (i = 0; i < ops && !stop; i++) {
		int v = pick_vm();
		struct vm *vm = NULL;
		struct vcpu *c;

		switch (below(10)) {
		case 0:
			if (v >= 0)
				op_vm(&vms[v]);
			break;
		case 1: case 2:
			if (v >= 0 && vms[v].fd >= 0 && chance(30))
				op_vm(&vms[v]);
			else if (v >= 0 && chance(20))
				add_vcpu(&vms[v]);
			else if ((c = pick_vcpu(&vm)))
				do_run(vm, c);
			break;
		case 3:
			if ((c = pick_vcpu(&vm)))
				do_run(vm, c);
			break;
		case 4:
		{
			/* Any mvm ioctl number on any fd we hold (never a foreign type). */
			static unsigned char big[1 << 15];
			unsigned long req = chance(50) ? _IO(MVMIO, rand_nr()) :
					    _IOC(below(4), MVMIO, rand_nr(), below(1 << 14));

			FZV(pick_fd(), req, chance(50) ? (unsigned long)argp(big) : edge64());
		}
			break;
		case 5:
			if (chance(10))
				fork_child();
			if (chance(5))
				add_vm();
			break;
		default:
			if ((c = pick_vcpu(&vm)) && c->fd >= 0)
				op_vcpu(vm, c);
			break;
		}
	}
	close_all();
}

static void map_memory(void)
{
	mem_rw = mmap(NULL, MEM_RW_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mem_ro = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mem_hole = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mem_none = mmap(NULL, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bitbuf = mmap(NULL, BITBUF_SIZE + BITBUF_GUARD, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (bitbuf == MAP_FAILED ||
	    mprotect(bitbuf, BITBUF_SIZE, PROT_READ | PROT_WRITE))
		bitbuf = MAP_FAILED;
	if (mem_rw == MAP_FAILED || mem_ro == MAP_FAILED ||
	    mem_hole == MAP_FAILED || mem_none == MAP_FAILED || bitbuf == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	memset(mem_rw, HLT, MEM_RW_SIZE);
	memset(mem_ro, HLT, 16 * PAGE);
	memset(mem_hole, HLT, 16 * PAGE);
	mprotect(mem_ro, 16 * PAGE, PROT_READ);
	munmap(mem_hole + 4 * PAGE, 4 * PAGE);
}

int main(int argc, char **argv)
{
	double seconds = fz_parse_args(argc, argv);
	struct timespec t0;
	pthread_t rt;
	struct fz_mem m0, m1;
	unsigned long iters = 0;
	int i, d, r;

	printf("fuzz: seed %llu, %.0f s\n", (unsigned long long)seed, seconds);
	fflush(stdout);
	main_thread = pthread_self();
	fz_context = call_context;

	d = open("/dev/mvm", O_RDWR | O_CLOEXEC);
	if (d < 0) {
		fprintf(stderr, "fuzz: /dev/mvm: %s\n", strerror(errno));
		return 2;
	}
	run_size = ioctl(d, MVM_GET_VCPU_MMAP_SIZE, 0);
	r = ioctl(d, MVM_CHECK_EXTENSION, MVM_CAP_MAX_MSR_ENTRIES);
	if (r > 0)
		max_msrs = (unsigned int)r;
	r = ioctl(d, MVM_CHECK_EXTENSION, MVM_CAP_MAX_CPUID_ENTRIES);
	if (r > 0 && r < CPUID_ROOM - 1)
		max_cpuid = (unsigned int)r;
	close(d);
	if (run_size <= 0)
		run_size = PAGE;
	fz_mem_read(&m0);
	map_memory();

	fz_signals();
	fz_slot_attach(&run_slot);
	fz_watchdog_start(1.0, 5.0);
	pthread_create(&rt, NULL, racer, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!stop && fz_since(&t0) < seconds) {
		iteration();
		iters++;
	}
	stop = 1;
	pthread_join(rt, NULL);
	fz_watchdog_stop();
	close_all();

	/* Everything is closed: the module's refcount goes back. */
	fz_mem_check(&m0, &m1, 0);

	printf("fuzz: seed %llu, %lu calls, %lu VMs, %lu vCPUs, 3 threads (main, racer, watchdog), "
	       "%lu iterations, %lu runs, %lu forks, refcnt %ld->%ld, SUnreclaim %+ld kB, "
	       "%lu failed (EINTR...), exits HLT=%lu MMIO=%lu other=%lu, %d findings; errors by errno:",
	       (unsigned long long)seed, calls, vms_made, vcpus_made, iters, runs, forks,
	       m0.refcnt, m1.refcnt, m1.sunreclaim_kb - m0.sunreclaim_kb, run_fails,
	       exits[MVM_EXIT_HLT], exits[MVM_EXIT_MMIO],
	       runs - exits[MVM_EXIT_HLT] - exits[MVM_EXIT_MMIO] - run_fails,
	       findings);
	for (i = 1; i < 256; i++)
		if (errs[i])
			printf(" %s=%lu", strerrorname_np(i) ? strerrorname_np(i) : "?", errs[i]);
	printf("\n");
	return findings ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * guest_fuzz: a seeded fuzzer of what guests can do to mvm (issue 10).
 *
 * Many short guests, one VM each: a mode picked at random (real mode,
 * 32-bit protected mode with paging off, 4 MiB or PAE paging, long mode,
 * compatibility mode, virtual-8086), at ring 0 or 3, with a minimal valid
 * environment (guest_gen.c: GDT, IDT whose handlers are themselves random
 * bytes or HLT or an OUT, TSS, stacks, page tables, a read-only slot, an
 * unmapped hole) and a code page of random bytes with instruction
 * fragments mixed in (guest_code.c).  Some VMs have the in-kernel irqchip,
 * some two vCPUs (one thread each).
 *
 * Every exit is completed generically, as a VMM that knows nothing would:
 * IN and MMIO reads get random data (MMIO through the VMM's decoder and
 * emulation; an access they refuse gets #UD or ends the guest), OUT and
 * writes are taken, RDMSR/WRMSR exits get a random value or #GP, an
 * interrupt window gets an interrupt.  HLT (mostly), shutdown, internal
 * errors, entry failures and unknown exits end the guest; they are
 * counted, not findings.  Between RUNs, now and then: an interrupt, NMI,
 * exception or MSI is injected, and vCPU state is read and written back
 * (regs, sregs, events, XSAVE, XCRs, MSRs, MP state, LAPIC): a SET
 * refusing what GET gave is a finding.
 *
 * A guest ends after MAX_RUNS RUN calls or one second.  The watchdog
 * (fuzz_lib.c) sends SIGUSR1 to a RUN that takes over 200 ms (a guest
 * looping without exits; its RUN returns EINTR and the guest ends) and
 * calls a RUN still in the kernel 5 s later a hung vCPU.  Findings (exit
 * 1): a hung vCPU, a RUN failing with another errno than EINTR, an exit
 * whose data does not fit the run page, a refused round trip, an injection
 * failing with an errno outside the documented ones, the module's
 * refcount not back, SUnreclaim grown by 8 MiB or free memory (caches
 * dropped) by 64 MiB.  scripts/vmtest fails the run on any kernel-log
 * finding of the test host.  Not a kselftest: build-fuzz/, scripts/fuzz.
 *
 * usage: guest_fuzz [--seconds N] [--seed S] [--verbose] [--guest N]
 * (--guest N: guest N of that seed alone, to reproduce what it did)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_lib.h"
#include "guest_fuzz.h"
#include "guest_state.h"
#include "mmio.h"		/* the VMM's MMIO decoder */

#define MAX_RUNS	64
#define GUEST_SECONDS	1.0

enum end { END_NONE, END_HLT, END_SHUTDOWN, END_KICKED, END_RUNS, END_TIME, END_INTERNAL,
	   END_FAIL_ENTRY, END_UNKNOWN, END_MMIO, END_ERRNO, NR_ENDS };
static const char *const end_names[NR_ENDS] = {
	"none", "hlt", "shutdown", "looped", "runs", "time", "internal", "fail-entry",
	"unknown", "mmio-undecoded", "errno",
};
static const char *const exit_names[] = {
	"UNKNOWN", "IO", "MMIO", "HLT", "SHUTDOWN", "INTR", "INTERNAL",
	"FAIL_ENTRY", "IRQ_WINDOW", "RDMSR", "WRMSR", "EOI", "other",
};
#define NR_EXITS ARRAY_LEN(exit_names)

struct stats st;

static int dev = -1;
static long run_size;
static uint8_t *ram, *rom, *high;
static unsigned long guest_no;

/* Internal errors and entry failures by (reason, suberror, hardware code). */
#define MAX_ODD 16
static struct { uint32_t reason, sub; uint64_t code; unsigned long n; } odd[MAX_ODD];
static pthread_mutex_t odd_lock = PTHREAD_MUTEX_INITIALIZER;

static void note_odd(const struct mvm_run *run)
{
	int i;

	pthread_mutex_lock(&odd_lock);
	for (i = 0; i < MAX_ODD && odd[i].n; i++)
		if (odd[i].reason == run->exit_reason && odd[i].sub == run->internal.suberror &&
		    odd[i].code == run->internal.hw_exit_code)
			break;
	if (i < MAX_ODD) {
		odd[i].reason = run->exit_reason;
		odd[i].sub = run->internal.suberror;
		odd[i].code = run->internal.hw_exit_code;
		odd[i].n++;
	}
	pthread_mutex_unlock(&odd_lock);
}

static const char *guest_context(void)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), ", guest %lu", guest_no);
	return buf;
}

/* ---- completing exits ---- */

/*
 * MMIO as the VMM does it (userspace/lib/mmio.h), with devices that read
 * random values and take any write, and a MOVS's other operand mapped
 * (to anywhere) half the time.
 */
static void mmio_read(void *ctx, uint64_t gpa, unsigned int size, uint64_t *val)
{
	(void)ctx;
	(void)gpa;
	*val = 0;
	randbytes(val, size);
}

static void mmio_write(void *ctx, uint64_t gpa, unsigned int size, uint64_t val)
{
	(void)ctx;
	(void)gpa;
	(void)size;
	(void)val;
}

static int mmio_translate(void *ctx, enum mvm_seg seg, uint64_t offset, bool write,
			  uint64_t *gpa)
{
	(void)ctx;
	(void)seg;
	(void)offset;
	(void)write;
	randbytes(gpa, sizeof(*gpa));
	return chance(50) ? 0 : -1;
}

static const struct mvm_mmio_mem fuzz_mmio = {
	.read = mmio_read, .write = mmio_write, .translate = mmio_translate,
};

/* An MMIO exit: 0 when completed (or #UD injected), -1 to end the guest. */
static int complete_mmio(struct fvcpu *c)
{
	struct mvm_run *run = c->run;
	struct mvm_mmio_insn in;

	if (run->mmio.len > 8 || run->mmio.insn_len > 15) {
		finding("MMIO exit at 0x%llx with len %u, insn_len %u",
			(unsigned long long)run->mmio.phys_addr, run->mmio.len, run->mmio.insn_len);
		return -1;
	}
	if (mvm_mmio_decode(run->mmio.insn_bytes, run->mmio.insn_len, run->mmio.cpu_mode, &in) ||
	    mvm_mmio_emulate(&in, &run->regs, run->mmio.phys_addr, run->mmio.is_write,
			     &fuzz_mmio)) {
		struct mvm_exception ud = { .vector = 6 };

		ATOMIC_INC(st.mmio_undecoded);
		if (chance(50))
			return -1;
		return inject_checked(c, MVM_INJECT_EXCEPTION, &ud, "MVM_INJECT_EXCEPTION(#UD)");
	}
	run->regs_dirty = 1;
	return 0;
}

static int complete_io(struct fvcpu *c)
{
	struct mvm_run *run = c->run;
	uint64_t len = (uint64_t)run->io.count * run->io.size;

	if (run->io.size == 0 || run->io.size > 4 || run->io.data_offset + len > (uint64_t)run_size) {
		finding("I/O exit on port 0x%x: size %u, count %u at offset %llu, run page %ld bytes",
			run->io.port, run->io.size, run->io.count,
			(unsigned long long)run->io.data_offset, run_size);
		return -1;
	}
	if (run->io.direction == MVM_IO_IN)
		randbytes((uint8_t *)run + run->io.data_offset, len);
	return 0;
}

/* What the CPU refused (verbose). */
static void print_state(struct fvcpu *c)
{
	struct mvm_sregs s;
	struct mvm_regs r;
	const struct mvm_segment *sg[] = { &s.cs, &s.ss, &s.ds, &s.tr };
	unsigned int i;

	if (ioctl(c->fd, MVM_GET_SREGS, &s) || ioctl(c->fd, MVM_GET_REGS, &r))
		return;
	fprintf(stderr, "  rip 0x%llx rflags 0x%llx cr0 0x%llx cr3 0x%llx cr4 0x%llx efer 0x%llx\n",
		(unsigned long long)r.rip, (unsigned long long)r.rflags,
		(unsigned long long)s.cr0, (unsigned long long)s.cr3,
		(unsigned long long)s.cr4, (unsigned long long)s.efer);
	for (i = 0; i < ARRAY_LEN(sg); i++)
		fprintf(stderr, "  seg %u: sel 0x%x base 0x%llx limit 0x%x type %u p %u dpl %u db %u s %u l %u g %u unusable %u\n",
			i, sg[i]->selector, (unsigned long long)sg[i]->base, sg[i]->limit,
			sg[i]->type, sg[i]->present, sg[i]->dpl, sg[i]->db, sg[i]->s, sg[i]->l,
			sg[i]->g, sg[i]->unusable);
}

/* The exit of the last RUN: 0 to run on, or why the guest ends. */
static int complete(struct fvcpu *c)
{
	struct mvm_run *run = c->run;
	uint32_t r = run->exit_reason;
	struct mvm_interrupt irq = { .vector = 32 + below(224) };

	ATOMIC_INC(st.exits[r < NR_EXITS - 1 ? r : NR_EXITS - 1]);
	switch (r) {
	case MVM_EXIT_IO:
		return complete_io(c) ? END_UNKNOWN : 0;
	case MVM_EXIT_MMIO:
		return complete_mmio(c) ? END_MMIO : 0;
	case MVM_EXIT_HLT:
		/* Mostly the end; else on after it, an interrupt or not. */
		if (chance(80))
			return END_HLT;
		if (!c->vm->irqchip && chance(50))
			inject_checked(c, MVM_INTERRUPT, &irq, "MVM_INTERRUPT");
		return 0;
	case MVM_EXIT_SHUTDOWN:
		return END_SHUTDOWN;
	case MVM_EXIT_INTR:
	case MVM_EXIT_EOI:
		return 0;
	case MVM_EXIT_IRQ_WINDOW_OPEN:
		inject_checked(c, MVM_INTERRUPT, &irq, "MVM_INTERRUPT");
		return 0;
	case MVM_EXIT_RDMSR:
		run->msr.data = chance(50) ? 0 : rnd();
		run->msr.error = chance(30);
		return 0;
	case MVM_EXIT_WRMSR:
		run->msr.error = chance(30);
		return 0;
	case MVM_EXIT_INTERNAL_ERROR:
	case MVM_EXIT_FAIL_ENTRY:
		note_odd(run);
		if (verbose)
			fprintf(stderr, "guest %lu (%s) vCPU %d: exit %u suberror %u code 0x%llx info 0x%llx 0x%llx\n",
				guest_no, mode_names[c->vm->g.mode], c->id, r,
				run->internal.suberror,
				(unsigned long long)run->internal.hw_exit_code,
				(unsigned long long)run->internal.info1,
				(unsigned long long)run->internal.info2);
		if (verbose && r == MVM_EXIT_FAIL_ENTRY)
			print_state(c);
		return r == MVM_EXIT_FAIL_ENTRY ? END_FAIL_ENTRY : END_INTERNAL;
	}
	return END_UNKNOWN;
}

/* ---- running one vCPU ---- */

static void run_vcpu(struct fvcpu *c)
{
	struct timespec t0;
	int end = END_RUNS, n;

	fz_slot_attach(&c->slot);
	snprintf(c->slot.what, sizeof(c->slot.what), "MVM_RUN (guest %lu, %s%s, vCPU %d)",
		 guest_no, mode_names[c->vm->g.mode], c->vm->g.user ? " ring 3" : "", c->id);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (n = 0; n < MAX_RUNS && !stop; n++) {
		long r;
		int kicks;

		if (fz_since(&t0) > GUEST_SECONDS) {
			end = END_TIME;
			break;
		}
		if (knobs.inject && chance(10))
			maybe_inject(c);
		if (knobs.trips && chance(5) && !c->run->regs_dirty)
			round_trip(c);
		c->run->immediate_exit = chance(3);
		c->run->request_interrupt_window = !c->vm->irqchip && chance(10);
		fz_run_begin(&c->slot);
		r = ioctl(c->fd, MVM_RUN, 0);
		kicks = fz_run_end(&c->slot);
		ATOMIC_INC(st.runs);
		c->run->immediate_exit = 0;
		if (r < 0 && errno == EINTR) {
			ATOMIC_INC(st.exits[MVM_EXIT_INTR]);
			if (kicks) {
				end = END_KICKED;
				break;
			}
			continue;
		}
		if (r < 0) {
			finding("%s: %s", c->slot.what, strerror(errno));
			end = END_ERRNO;
			break;
		}
		end = complete(c);
		if (end)
			break;
		end = END_RUNS;
	}
	ATOMIC_INC(st.ends[end]);
	if (verbose)
		fprintf(stderr, "guest %lu vCPU %d: %d RUNs, ended by %s (exit %u)\n", guest_no,
			c->id, n, end_names[end], c->run->exit_reason);
	fz_slot_detach(&c->slot);
}

static void *vcpu_thread(void *arg)
{
	struct fvcpu *c = arg;

	fz_seed_thread(2 * guest_no + 1);
	run_vcpu(c);
	return NULL;
}

/* ---- one guest ---- */

static int set_region(struct fvm *vm, uint32_t slot, uint64_t gpa, uint64_t size,
		      void *hva, uint32_t flags)
{
	struct mvm_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	return ioctl(vm->fd, MVM_SET_MEMORY_REGION, &r);
}

static int setup_vcpu(struct fvm *vm, int i)
{
	struct fvcpu *c = &vm->v[i];

	c->vm = vm;
	c->id = i;
	c->fd = ioctl(vm->fd, MVM_CREATE_VCPU, i);
	if (c->fd < 0)
		return -1;
	c->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
	if (c->run == MAP_FAILED)
		return -1;
	if (set_cpuid(c) || ioctl(c->fd, MVM_SET_SREGS, &vm->g.sregs[i]) ||
	    ioctl(c->fd, MVM_SET_REGS, &vm->g.regs[i]))
		return -1;
	/* With an irqchip vCPU 1 waits for INIT/SIPI; mostly let it run. */
	if (vm->irqchip && i && chance(80)) {
		struct mvm_mp_state mp = { .state = MVM_MP_STATE_RUNNABLE };

		if (ioctl(c->fd, MVM_SET_MP_STATE, &mp))
			return -1;
	}
	return 0;
}

static void free_vm(struct fvm *vm)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (vm->v[i].run && vm->v[i].run != MAP_FAILED)
			munmap(vm->v[i].run, run_size);
		if (vm->v[i].fd > 0)
			close(vm->v[i].fd);
	}
	if (vm->fd >= 0)
		close(vm->fd);
}

/* GF_DUMP=file with --guest N: the guest's memory and registers, not run (for a reproducer). */
static void dump_guest(const struct guest *g, const char *path)
{
	FILE *f = fopen(path, "w");
	int i;

	if (!f || fwrite(g->ram, RAM_SIZE, 1, f) != 1)
		perror(path);
	if (f)
		fclose(f);
	for (i = 0; i < g->nvcpus; i++)
		printf("vCPU %d: %s%s rip 0x%llx rsp 0x%llx rflags 0x%llx cr0 0x%llx cr4 0x%llx efer 0x%llx\n",
		       i, mode_names[g->mode], g->user ? " ring 3" : "",
		       (unsigned long long)g->regs[i].rip, (unsigned long long)g->regs[i].rsp,
		       (unsigned long long)g->regs[i].rflags, (unsigned long long)g->sregs[i].cr0,
		       (unsigned long long)g->sregs[i].cr4, (unsigned long long)g->sregs[i].efer);
}

static void one_guest(void)
{
	struct fvm vm;
	pthread_t th;
	int i, setup_err = 0;

	memset(&vm, 0, sizeof(vm));
	vm.fd = -1;
	do
		vm.g.mode = below(NR_MODES);
	while (!(knobs.modes >> vm.g.mode & 1));
	vm.g.nvcpus = knobs.two_vcpus && chance(30) ? 2 : 1;
	vm.g.ram = ram;
	vm.g.rom = rom;
	vm.g.high = high;
	snprintf(cur_call, sizeof(cur_call), "guest %lu setup", guest_no);
	mprotect(rom, ROM_SIZE, PROT_READ | PROT_WRITE);
	gen_guest(&vm.g);
	if (chance(50))
		mprotect(rom, ROM_SIZE, PROT_READ);
	if (getenv("GF_DUMP")) {
		dump_guest(&vm.g, getenv("GF_DUMP"));
		stop = 1;
		return;
	}
	ATOMIC_INC(st.guests[vm.g.mode]);

	vm.fd = ioctl(dev, MVM_CREATE_VM, 0);
	if (vm.fd < 0) {
		finding("MVM_CREATE_VM: %s", strerror(errno));
		stop = 1;
		return;
	}
	if (knobs.irqchip && chance(30) && ioctl(vm.fd, MVM_CREATE_IRQCHIP, 0) == 0)
		vm.irqchip = 1;
	if (set_region(&vm, 0, 0, RAM_LO_SIZE, ram, 0) ||
	    set_region(&vm, 1, ROM_GPA, ROM_SIZE, rom, MVM_MEM_READONLY) ||
	    set_region(&vm, 2, RAM_HI_GPA, RAM_HI_SIZE, ram + RAM_HI_GPA, 0) ||
	    (chance(30) && set_region(&vm, 3, HIGH_GPA, HIGH_SIZE, high, 0))) {
		finding("MVM_SET_MEMORY_REGION: %s", strerror(errno));
		stop = 1;
		free_vm(&vm);
		return;
	}
	for (i = 0; i < vm.g.nvcpus && !setup_err; i++)
		setup_err = setup_vcpu(&vm, i);
	if (setup_err) {
		/* The generator's state refused: counted, worth a look when common. */
		ATOMIC_INC(st.setup_refused[vm.g.mode]);
		if (verbose)
			fprintf(stderr, "guest %lu (%s): setup: %s\n", guest_no,
				mode_names[vm.g.mode], strerror(errno));
		free_vm(&vm);
		return;
	}
	if (verbose)
		fprintf(stderr, "guest %lu: %s%s, %d vCPU%s%s\n", guest_no, mode_names[vm.g.mode],
			vm.g.user ? " ring 3" : "", vm.g.nvcpus, vm.g.nvcpus > 1 ? "s" : "",
			vm.irqchip ? ", irqchip" : "");
	st.irqchip_vms += vm.irqchip;
	st.two_vcpus += vm.g.nvcpus == 2;
	st.user += vm.g.user;
	if (vm.g.nvcpus == 2 && pthread_create(&th, NULL, vcpu_thread, &vm.v[1]) == 0) {
		run_vcpu(&vm.v[0]);
		pthread_join(th, NULL);
	} else {
		run_vcpu(&vm.v[0]);
	}
	free_vm(&vm);
}

/* ---- main ---- */

static void *map(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	return p;
}

static void summary(double seconds, const struct fz_mem *m0, const struct fz_mem *m1)
{
	unsigned long guests = 0;
	unsigned int i;

	for (i = 0; i < NR_MODES; i++)
		guests += st.guests[i];
	printf("guest_fuzz: seed %llu, %.0f s, %lu guests (", (unsigned long long)seed,
	       seconds, guests);
	for (i = 0; i < NR_MODES; i++)
		printf("%s%s=%lu", i ? " " : "", mode_names[i], st.guests[i]);
	printf("; ring 3 %lu, 2 vCPUs %lu, irqchip %lu), %lu RUN calls, exits:",
	       st.user, st.two_vcpus, st.irqchip_vms, st.runs);
	for (i = 0; i < NR_EXITS; i++)
		if (st.exits[i])
			printf(" %s=%lu", exit_names[i], st.exits[i]);
	printf("; guests ended by:");
	for (i = 0; i < NR_ENDS; i++)
		if (st.ends[i])
			printf(" %s=%lu", end_names[i], st.ends[i]);
	printf("; setup refused:");
	for (i = 0; i < NR_MODES; i++)
		if (st.setup_refused[i])
			printf(" %s=%lu", mode_names[i], st.setup_refused[i]);
	printf("; injected irq=%lu nmi=%lu exc=%lu msi=%lu, round trips %lu, "
	       "undecoded MMIO %lu; refcnt %ld->%ld, SUnreclaim %+ld kB, MemFree %+ld kB, "
	       "%d findings\n",
	       st.inj_irq, st.inj_nmi, st.inj_exc, st.inj_msi, st.round_trips,
	       st.mmio_undecoded, m0->refcnt, m1->refcnt,
	       m1->sunreclaim_kb - m0->sunreclaim_kb, m1->free_kb - m0->free_kb, findings);
	for (i = 0; i < MAX_ODD && odd[i].n; i++)
		printf("guest_fuzz: %lu x %s, suberror %u, code 0x%llx\n", odd[i].n,
		       exit_names[odd[i].reason], odd[i].sub, (unsigned long long)odd[i].code);
}

/* --guest N: run guest N of the seed's sequence alone (each is seeded by its number). */
static long take_guest_arg(int *argc, char **argv)
{
	long n = -1;
	int i;

	for (i = 1; i + 1 < *argc; i++) {
		if (strcmp(argv[i], "--guest"))
			continue;
		n = atol(argv[i + 1]);
		memmove(&argv[i], &argv[i + 2], (*argc - i - 1) * sizeof(*argv));
		*argc -= 2;
		break;
	}
	return n;
}

int main(int argc, char **argv)
{
	long only = take_guest_arg(&argc, argv);
	double seconds = fz_parse_args(argc, argv);
	struct timespec t0;
	struct fz_mem m0, m1;

	printf("guest_fuzz: seed %llu, %.0f s\n", (unsigned long long)seed, seconds);
	fflush(stdout);
	fz_context = guest_context;
	knobs_init();
	if (!(knobs.modes & ((1UL << NR_MODES) - 1))) {
		fprintf(stderr, "guest_fuzz: GF_MODES selects no mode\n");
		return 2;
	}
	fz_mem_read(&m0);
	dev = open("/dev/mvm", O_RDWR | O_CLOEXEC);
	if (dev < 0 && getenv("GF_DUMP")) {
		run_size = PAGE;
	} else if (dev < 0) {
		fprintf(stderr, "guest_fuzz: /dev/mvm: %s\n", strerror(errno));
		return 2;
	}
	if (dev >= 0)
		run_size = ioctl(dev, MVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size <= 0) {
		fprintf(stderr, "guest_fuzz: MVM_GET_VCPU_MMAP_SIZE: %s\n", strerror(errno));
		return 2;
	}
	ram = map(RAM_SIZE);
	rom = map(ROM_SIZE);
	high = map(HIGH_SIZE);
	cpuid_init();
	fz_signals();
	fz_watchdog_start(0.2, 5.0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (only >= 0)
		guest_no = only;
	while (!stop && fz_since(&t0) < seconds) {
		fz_seed_thread(2 * guest_no);
		one_guest();
		guest_no++;
		if (only >= 0)
			break;
	}
	fz_watchdog_stop();
	close(dev);
	munmap(ram, RAM_SIZE);
	munmap(rom, ROM_SIZE);
	munmap(high, HIGH_SIZE);
	fz_mem_check(&m0, &m1, 64 << 10);
	summary(seconds, &m0, &m1);
	return findings ? 1 : 0;
}

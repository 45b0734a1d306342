// SPDX-License-Identifier: GPL-2.0
/*
 * mvm-bench: the same small guests on /dev/mvm and /dev/kvm, timed.
 *
 *   mvm-bench --hv mvm|kvm|mvm,kvm [--rounds N] [--quick] [--only NAME,...]
 *
 * Prints one "<name> <hv> <value> <unit>" line per figure, hypervisor and
 * round.  With both hypervisors, each figure is measured on one and then
 * the other, round after round: the two figures of a round are seconds
 * apart, so a change in the load of the machine around them (the test host
 * is itself emulated on a shared machine) moves both.  Both modules can be
 * loaded together: each holds the CPU's virtualization only while it has
 * VMs, and every figure ends with its VMs gone.  scripts/bench-guest takes
 * the medians and prints the comparison.  Guests are a few instructions of
 * real-mode (or flat 32-bit) code looping ESI times and ending in HLT with
 * interrupts off.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "hv.h"

#define CODE_GPA	0x1000
#define LOW_SIZE	0xf000		/* 0xf000 and up: no memory (MMIO) */
#define TOUCH_GPA	(16ULL << 20)

/* The hypervisor being measured, and its device; see use_hv(). */
static const struct hv_ops *hv;
static int dev;
static int quick;

#define MAX_HVS	2
static const struct hv_ops *hvs[MAX_HVS];
static int devs[MAX_HVS];
static unsigned int nr_hvs;

/*
 * Each figure has a deadline: a run still going then (the hypervisor
 * livelocked, or the test host starved) is interrupted by SIGALRM, and
 * the figure is reported as nan instead of stalling the whole benchmark.
 */
#define FIGURE_TIMEOUT_S	(quick ? 120 : 600)
static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
}

static void figure_start(void)
{
	timed_out = 0;
	alarm(FIGURE_TIMEOUT_S);
}

/* Prints the figure, or nan with the reason on stderr. */
static void figure_end(const char *name, double value, const char *fmt,
		       const char *unit)
{
	alarm(0);
	if (timed_out) {
		fprintf(stderr, "mvm-bench (%s): %s: no result after %d s\n",
			hv->name, name, FIGURE_TIMEOUT_S);
		printf("%s %s nan %s\n", name, hv->name, unit);
		return;
	}
	printf("%s %s ", name, hv->name);
	printf(fmt, value, unit);
}

static const unsigned char g_cpuid[] = {
	0x66, 0x31, 0xc0,		/* xor eax, eax */
	0x0f, 0xa2,			/* cpuid */
	0x66, 0x4e,			/* dec esi */
	0x75, 0xf7,			/* jnz 0 */
	0xf4,				/* hlt */
};
static const unsigned char g_vmmcall[] = {
	0x66, 0x31, 0xc0, 0x0f, 0x01, 0xd9, 0x66, 0x4e, 0x75, 0xf6, 0xf4,
};
static const unsigned char g_out90[] = {	/* out 0x90, al */
	0xe6, 0x90, 0x66, 0x4e, 0x75, 0xfa, 0xf4,
};
static const unsigned char g_out91[] = {
	0xe6, 0x91, 0x66, 0x4e, 0x75, 0xfa, 0xf4,
};
static const unsigned char g_mmio[] = {	/* mov [0xf000], al */
	0xa2, 0x00, 0xf0, 0x66, 0x4e, 0x75, 0xf9, 0xf4,
};
static const unsigned char g_touch[] = {	/* 32-bit */
	0xc6, 0x06, 0x01,		/* mov byte [esi], 1 */
	0x81, 0xc6, 0x00, 0x10, 0x00, 0x00,	/* add esi, 0x1000 */
	0x39, 0xfe,			/* cmp esi, edi */
	0x72, 0xf3,			/* jb 0 */
	0xf4,
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "mvm-bench (%s): %s: %s\n", hv->name, what,
		strerror(errno));
	exit(1);
}

struct guest {
	struct hv_vm *vm;
	void *low;
};

static void guest_new(struct guest *g, const unsigned char *code, size_t len,
		      bool prot32, uint64_t esi, uint64_t edi)
{
	uint64_t gprs[8] = { 0 };

	gprs[6] = esi;
	gprs[7] = edi;
	g->vm = hv->create_vm(dev);
	if (!g->vm)
		die("create VM");
	g->low = mmap(NULL, LOW_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->low == MAP_FAILED)
		die("mmap");
	memcpy((char *)g->low + CODE_GPA, code, len);
	if (hv->add_mem(g->vm, 0, 0, LOW_SIZE, g->low) ||
	    hv->create_vcpu(g->vm) ||
	    hv->set_entry(g->vm, CODE_GPA, prot32, gprs))
		die("set up the guest");
}

static void guest_free(struct guest *g)
{
	hv->destroy(g->vm);
	munmap(g->low, LOW_SIZE);
}

/* Run to HLT; I/O and MMIO exits go straight back in.  Seconds taken. */
static double guest_run(struct guest *g)
{
	enum hv_exit e;
	double t = now();

	for (;;) {
		if (timed_out)
			return 0;
		if (hv->run(g->vm, &e)) {
			if (errno == EINTR)
				continue;
			die("run");
		}
		if (e == HV_EXIT_HLT)
			break;
		if (e == HV_EXIT_MMIO)
			hv->mmio_done(g->vm, 3);
		else if (e != HV_EXIT_IO)
			die("unexpected exit");
	}
	return now() - t;
}

/*
 * One figure: its name, how it is measured and, for a loop, the guest code
 * and whether the port has an ioeventfd (then the exit ends in the kernel).
 */
struct figure {
	const char *name;
	void (*measure)(const struct figure *f);
	const unsigned char *code;
	size_t len;
	bool flag;	/* loop: ioeventfd on port 0x90; first touch: 4 KiB pages */
};

/*
 * A round of a loop figure runs several fresh guests, one after the other,
 * and counts their exits together.  Under an emulated CPU the cost of the
 * same exit path moves with where the new VM's pages land (seen: ~31 us or
 * ~49 us per round trip, round after round of one build); a round that
 * samples several VMs moves less, so the two hypervisors' rounds compare.
 */
#define LOOP_GUESTS	8

static void loop_figure(const struct figure *f)
{
	unsigned int i, guests = quick ? 1 : LOOP_GUESTS;
	unsigned int n = (quick ? 200 : 20000) / guests;
	double t = 0;

	figure_start();
	for (i = 0; i < guests && !timed_out; i++) {
		struct guest g;
		int efd = -1;

		guest_new(&g, f->code, f->len, false, n, 0);
		if (f->flag) {
			efd = eventfd(0, EFD_NONBLOCK);
			if (efd < 0 || hv->ioeventfd(g.vm, 0x90, efd))
				die("ioeventfd");
		}
		t += guest_run(&g);
		guest_free(&g);
		if (efd >= 0)
			close(efd);
	}
	figure_end(f->name, t * 1e9 / (n * guests), "%.0f %s\n", "ns");
}

static void create_figure(const struct figure *f)
{
	unsigned int i, n = quick ? 20 : 500;
	struct hv_vm *anchor, *vm;
	double t;

	/* One VM stays: a host with VMs, not virtualization switched on each time. */
	anchor = hv->create_vm(dev);
	if (!anchor)
		die("create VM");
	figure_start();
	t = now();
	for (i = 0; i < n && !timed_out; i++) {
		vm = hv->create_vm(dev);
		if (!vm || hv->create_vcpu(vm))
			die("create VM and vCPU");
		hv->destroy(vm);
	}
	t = now() - t;
	hv->destroy(anchor);
	figure_end(f->name, n / t, "%.0f %s\n", "per-s");
}

/*
 * Fresh anonymous memory as the host gives it (transparent huge pages when
 * the host enables them), or in 4 KiB pages only: then the cost per
 * stage-2 fault shows rather than the clearing of huge pages.
 */
static void first_touch_figure(const struct figure *f)
{
	uint64_t size = (quick ? 8ULL : 128ULL) << 20;
	struct guest g;
	void *mem;
	double t;

	guest_new(&g, g_touch, sizeof(g_touch), true, TOUCH_GPA,
		  TOUCH_GPA + size);
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED ||
	    (f->flag && madvise(mem, size, MADV_NOHUGEPAGE)) ||
	    hv->add_mem(g.vm, 1, TOUCH_GPA, size, mem))
		die("guest memory");
	figure_start();
	t = guest_run(&g);
	figure_end(f->name, (size >> 20) / t, "%.1f %s\n", "MiB/s");
	guest_free(&g);
	munmap(mem, size);
}

/*
 * Dirty logging, on a slot the guest has written all over once (mapped
 * writable): dirty-harvest times the get-and-clear of the log with every
 * page dirty, per GiB; logging-slowdown is the guest's rate of writing
 * pages with logging on (each first write after a harvest faults) as a
 * fraction of the rate with it off.
 */
static void dirty_figure(const struct figure *f)
{
	uint64_t size = (quick ? 8ULL : 256ULL) << 20, pages = size >> 12;
	unsigned int i, rounds = quick ? 2 : 4;
	uint64_t *bitmap = calloc(pages / 64, sizeof(uint64_t));
	double t_off = 0, t_on = 0, t_get = 0;
	struct guest g;
	void *mem;

	guest_new(&g, g_touch, sizeof(g_touch), true, TOUCH_GPA,
		  TOUCH_GPA + size);
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!bitmap || mem == MAP_FAILED ||
	    hv->add_mem(g.vm, 1, TOUCH_GPA, size, mem))
		die("guest memory");
	figure_start();
	guest_run(&g);			/* mapped: first touch is another figure */
	for (i = 0; i < rounds && !timed_out; i++) {
		if (hv->set_entry(g.vm, CODE_GPA, true, (uint64_t[8]){
			[6] = TOUCH_GPA, [7] = TOUCH_GPA + size }))
			die("set up the guest");
		t_off += guest_run(&g);
	}
	if (hv->log_dirty(g.vm, 1, TOUCH_GPA, size, mem, true) ||
	    hv->get_dirty(g.vm, 1, bitmap))
		die("dirty logging on");
	for (i = 0; i < rounds && !timed_out; i++) {
		double t;

		if (hv->set_entry(g.vm, CODE_GPA, true, (uint64_t[8]){
			[6] = TOUCH_GPA, [7] = TOUCH_GPA + size }))
			die("set up the guest");
		t_on += guest_run(&g);
		t = now();
		if (hv->get_dirty(g.vm, 1, bitmap))
			die("get dirty log");
		t_get += now() - t;
		/* Every page written: a log that says otherwise is no harvest. */
		for (uint64_t w = 0; w < pages / 64; w++)
			if (bitmap[w] != ~0ULL) {
				errno = EPROTO;
				die("dirty bitmap not full");
			}
	}
	if (f->flag)
		figure_end(f->name, t_off / t_on, "%.5f %s\n", "fraction");
	else
		figure_end(f->name, t_get / rounds * 1e6 * (1ULL << 30) / size,
			   "%.0f %s\n", "us-per-GiB");
	guest_free(&g);
	munmap(mem, size);
	free(bitmap);
}

#define LOOP(n, c, efd) \
	{ .name = n, .measure = loop_figure, .code = c, .len = sizeof(c), .flag = efd }

static const struct figure figures[] = {
	LOOP("cpuid", g_cpuid, false),
	LOOP("vmmcall", g_vmmcall, false),
	LOOP("pio-kernel", g_out90, true),
	LOOP("pio-user", g_out91, false),
	LOOP("mmio-user", g_mmio, false),
	{ .name = "create", .measure = create_figure },
	{ .name = "first-touch", .measure = first_touch_figure },
	{ .name = "first-touch-4k", .measure = first_touch_figure, .flag = true },
	{ .name = "dirty-harvest", .measure = dirty_figure },
	{ .name = "logging-slowdown", .measure = dirty_figure, .flag = true },
};

#define NR_FIGURES	(sizeof(figures) / sizeof(figures[0]))

/* The figures to measure: all, or those --only names. */
static bool wanted[NR_FIGURES];

/* --only NAME,...: marks them wanted; -1 if a name is not a figure's. */
static int parse_only(const char *list)
{
	char *copy = strdup(list), *save = NULL, *name;
	int bad = 0;
	size_t i;

	for (name = strtok_r(copy, ",", &save); name && !bad;
	     name = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NR_FIGURES && strcmp(name, figures[i].name); i++)
			;
		if (i < NR_FIGURES)
			wanted[i] = true;
		else
			bad = -1;
	}
	free(copy);
	return bad;
}

static void use_hv(unsigned int i)
{
	hv = hvs[i];
	dev = devs[i];
}

static int add_hvs(const char *list)
{
	char *copy = strdup(list), *save = NULL, *name;

	for (name = strtok_r(copy, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		if (nr_hvs == MAX_HVS)
			break;
		hvs[nr_hvs] = !strcmp(name, "kvm") ? &hv_kvm :
			      !strcmp(name, "mvm") ? &hv_mvm : NULL;
		if (!hvs[nr_hvs] ||
		    (nr_hvs && hvs[nr_hvs] == hvs[0]))
			break;
		nr_hvs++;
	}
	free(copy);
	return name ? -1 : 0;
}

int main(int argc, char **argv)
{
	unsigned int i, r, rounds = 1;
	const struct figure *f;
	bool only = false;
	int bad = 0;

	for (i = 1; i < (unsigned int)argc && !bad; i++) {
		if (!strcmp(argv[i], "--quick"))
			quick = 1;
		else if (!strcmp(argv[i], "--hv") && i + 1 < (unsigned int)argc)
			bad = add_hvs(argv[++i]);
		else if (!strcmp(argv[i], "--only") && i + 1 < (unsigned int)argc) {
			bad = parse_only(argv[++i]);
			only = true;
		}
		else if (!strcmp(argv[i], "--rounds") && i + 1 < (unsigned int)argc)
			bad = sscanf(argv[++i], "%u", &rounds) != 1 ||
			      !rounds || rounds > 99;
		else
			bad = 1;
	}
	for (i = 0; i < NR_FIGURES && !only; i++)
		wanted[i] = true;
	if (bad || !nr_hvs) {
		fprintf(stderr,
			"usage: mvm-bench --hv mvm|kvm|mvm,kvm [--rounds N] [--quick] [--only NAME,...]\n");
		return 2;
	}
	for (i = 0; i < nr_hvs; i++) {
		use_hv(i);
		devs[i] = open(hv->dev, O_RDWR | O_CLOEXEC);
		if (devs[i] < 0)
			die(hv->dev);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* No SA_RESTART: the alarm must end a blocking run ioctl. */
	sigaction(SIGALRM, &(struct sigaction){ .sa_handler = on_alarm }, NULL);

	for (f = figures; f < figures + NR_FIGURES; f++)
		for (r = 0; r < rounds && wanted[f - figures]; r++)
			for (i = 0; i < nr_hvs; i++) {
				use_hv(i);
				f->measure(f);
			}
	return 0;
}

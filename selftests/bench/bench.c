// SPDX-License-Identifier: GPL-2.0
/*
 * mvm-bench: the same small guests on /dev/mvm or /dev/kvm, timed.
 *
 *   mvm-bench --hv mvm|kvm [--quick]
 *
 * Prints one "<name> <value> <unit>" line per figure; scripts/bench-guest
 * runs it on both hypervisors in one test-host boot and prints the
 * comparison.  Guests are a few instructions of real-mode (or flat 32-bit)
 * code looping ESI times and ending in HLT with interrupts off.
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

static const struct hv_ops *hv;
static int dev;
static int quick;

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
		printf("%s nan %s\n", name, unit);
		return;
	}
	printf(fmt, name, value, unit);
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

static void loop_figure(const char *name, const unsigned char *code,
			size_t len, bool ioeventfd)
{
	unsigned int n = quick ? 200 : 20000;
	struct guest g;
	int efd = -1;
	double t;

	guest_new(&g, code, len, false, n, 0);
	if (ioeventfd) {
		efd = eventfd(0, EFD_NONBLOCK);
		if (efd < 0 || hv->ioeventfd(g.vm, 0x90, efd))
			die("ioeventfd");
	}
	figure_start();
	t = guest_run(&g);
	figure_end(name, t * 1e9 / n, "%s %.0f %s\n", "ns");
	guest_free(&g);
	if (efd >= 0)
		close(efd);
}

static void create_figure(void)
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
	figure_end("create", n / t, "%s %.0f %s\n", "per-s");
}

/*
 * Fresh anonymous memory as the host gives it (transparent huge pages when
 * the host enables them), or in 4 KiB pages only: then the cost per
 * stage-2 fault shows rather than the clearing of huge pages.
 */
static void first_touch_figure(const char *name, bool small_pages)
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
	    (small_pages && madvise(mem, size, MADV_NOHUGEPAGE)) ||
	    hv->add_mem(g.vm, 1, TOUCH_GPA, size, mem))
		die("guest memory");
	figure_start();
	t = guest_run(&g);
	figure_end(name, (size >> 20) / t, "%s %.1f %s\n", "MiB/s");
	guest_free(&g);
	munmap(mem, size);
}

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			quick = 1;
		} else if (!strcmp(argv[i], "--hv") && i + 1 < argc) {
			i++;
			hv = !strcmp(argv[i], "kvm") ? &hv_kvm :
			     !strcmp(argv[i], "mvm") ? &hv_mvm : NULL;
		} else {
			hv = NULL;
			break;
		}
	}
	if (!hv) {
		fprintf(stderr, "usage: mvm-bench --hv mvm|kvm [--quick]\n");
		return 2;
	}
	dev = open(hv->dev, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		die(hv->dev);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* No SA_RESTART: the alarm must end a blocking run ioctl. */
	sigaction(SIGALRM, &(struct sigaction){ .sa_handler = on_alarm }, NULL);
	loop_figure("cpuid", g_cpuid, sizeof(g_cpuid), false);
	loop_figure("vmmcall", g_vmmcall, sizeof(g_vmmcall), false);
	loop_figure("pio-kernel", g_out90, sizeof(g_out90), true);
	loop_figure("pio-user", g_out91, sizeof(g_out91), false);
	loop_figure("mmio-user", g_mmio, sizeof(g_mmio), false);
	create_figure();
	first_touch_figure("first-touch", false);
	first_touch_figure("first-touch-4k", true);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm run: what --raw (cmd_run.c) and --kernel (run_linux.c) share.  Both
 * build one machine (lib/machine.c): RAM in the PC layout, the VM, its
 * vCPUs; then each adds its devices and vCPU state, and both run it the
 * same way, with standard input fed to the UART by the input thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "migrate.h"
#include "run.h"
#include "term.h"

int run_check_limits(const struct cli *cli, int fd, uint64_t mem)
{
	unsigned long bits = 0, pages = 0;
	uint64_t top = mem <= MVM_LOW_RAM_MAX ? mem :
		       MVM_HIGH_RAM_BASE + (mem - MVM_LOW_RAM_MAX);
	uint64_t largest = mem <= MVM_LOW_RAM_MAX ? mem : mem - MVM_LOW_RAM_MAX;
	char s[MVM_SIZE_BUF];

	if (mvm_check_extension(fd, MVM_CAP_GUEST_PHYS_BITS, &bits) < 0 ||
	    mvm_check_extension(fd, MVM_CAP_MAX_SLOT_PAGES, &pages) < 0) {
		cli_err("%s: MVM_CHECK_EXTENSION failed: %s", cli->device,
			strerror(errno));
		return -1;
	}
	if (bits && bits < 64 && top > (1ULL << bits)) {
		cli_err("run: --mem %s: RAM would end at 0x%" PRIx64 ", beyond the %lu-bit guest-physical address space",
			mvm_format_size(mem, s), top, bits);
		return -1;
	}
	if (pages && largest / MVM_PAGE_SIZE > pages) {
		cli_err("run: --mem %s: more than the module's largest memory slot (%lu pages)",
			mvm_format_size(mem, s), pages);
		return -1;
	}
	return 0;
}

int run_pc_layout(const struct mvm_ram_region *r, unsigned int n,
		  uint64_t ram_size)
{
	uint64_t low = mvm_low_ram(ram_size);

	if (!n || r[0].gpa || r[0].offset || r[0].size != low)
		return 0;
	if (ram_size == low)
		return n == 1;
	return n == 2 && r[1].gpa == MVM_HIGH_RAM_BASE && r[1].offset == low &&
	       r[1].size == ram_size - low;
}

int run_alloc_ram(struct mvm_machine *m, uint64_t size)
{
	char s[MVM_SIZE_BUF];

	if (cli_check_host_memory(size) < 0)
		return -1;
	if (mvm_machine_alloc_ram(m, size) < 0 || mvm_machine_pc_layout(m) < 0) {
		cli_err("cannot allocate %s of guest memory: %s",
			mvm_format_size(size, s), strerror(errno));
		return -1;
	}
	return 0;
}

/* The dirty rings the next VM gets (run_machine_init() says). */
static uint32_t ring_bytes = RUN_RING_BYTES;

int run_create_vm(const struct cli *cli, struct mvm_machine *m)
{
	int fd = cli_open_device(cli), bad_slot;

	if (fd < 0)
		return -1;
	if (run_check_limits(cli, fd, m->ram_size) < 0) {
		close(fd);
		return -1;
	}
	if (mvm_machine_create_vm(m, fd, &bad_slot) == 0) {
		/* A module without rings (or not this size) logs to bitmaps. */
		if (ring_bytes && mvm_machine_enable_ring(m, ring_bytes) < 0 &&
		    errno != EOPNOTSUPP) {
			cli_err("cannot give the vCPUs dirty rings (MVM_ENABLE_CAP): %s",
				strerror(errno));
			return -1;
		}
		return 0;
	}
	if (bad_slot >= 0)
		cli_err("cannot give the guest its RAM with MVM_SET_MEMORY_REGION: %s",
			strerror(errno));
	else
		cli_create_vm_err();
	return -1;
}

int run_create_vcpus(struct mvm_machine *m, unsigned int n)
{
	unsigned int id = 0;

	if (mvm_machine_create_vcpus(m, n, &id) == 0)
		return 0;
	if (!m->vcpus)
		cli_err("out of memory for %u vCPUs", n);
	else
		cli_err("cannot create vCPU %u and map its run page: %s", id,
			strerror(errno));
	return -1;
}

static const char *suberror_name(uint32_t s)
{
	switch (s) {
	case MVM_INTERNAL_UNHANDLED:
		return "an exit mvm.ko does not handle";
	case MVM_INTERNAL_EMULATION:
		return "an instruction mvm.ko cannot emulate";
	case MVM_INTERNAL_HOST_STATE:
		return "the CPU gave back the host's state, not the guest's (an emulator erratum)";
	default:
		return "unknown suberror";
	}
}

/* Say why a vCPU failed (the machine's vcpu_failed hook). */
static void report_failure(struct mvm_machine *m, unsigned int id,
			   const struct mvm_stop *st)
{
	char who[32] = "";
	unsigned int i;

	if (m->nr_vcpus > 1)
		snprintf(who, sizeof(who), "vCPU %u: ", id);
	switch (st->reason) {
	case MVM_STOP_INTERNAL:
		cli_err("%sinternal error: %s (suberror %u, hardware exit code 0x%" PRIx64 ", info 0x%" PRIx64 " 0x%" PRIx64 ") at rip 0x%" PRIx64,
			who, suberror_name(st->internal.suberror),
			st->internal.suberror, st->internal.hw_exit_code,
			st->internal.info1, st->internal.info2,
			(uint64_t)st->regs.rip);
		break;
	case MVM_STOP_FAIL_ENTRY:
		cli_err("%sthe CPU refused to enter the guest: invalid vCPU state (hardware exit code 0x%" PRIx64 ", info 0x%" PRIx64 " 0x%" PRIx64 ")",
			who, st->internal.hw_exit_code, st->internal.info1,
			st->internal.info2);
		break;
	case MVM_STOP_MMIO: {
		char bytes[16 * 3 + 1] = "";

		for (i = 0; i < st->mmio.insn_len; i++)
			snprintf(bytes + 3 * i, sizeof(bytes) - 3 * i, " %02x",
				 st->mmio.insn_bytes[i]);
		cli_err("%sguest MMIO %s at 0x%" PRIx64 ": cannot emulate the instruction at rip 0x%" PRIx64 ": %s%s%s (%u-bit mode, bytes:%s)",
			who, st->mmio.is_write ? "write" : "read",
			st->mmio.phys_addr, (uint64_t)st->regs.rip,
			st->mmio.mnemonic ? st->mmio.mnemonic : "",
			st->mmio.mnemonic ? ", " : "",
			mvm_mmio_strerror(st->mmio.error),
			st->mmio.cpu_mode, st->mmio.insn_len ? bytes : " unknown");
		break;
	}
	case MVM_STOP_EXIT:
		cli_err("%smvm.ko reported exit reason %u, which this mvm does not know",
			who, st->exit_reason);
		break;
	case MVM_STOP_ERROR:
		cli_err("%sMVM_RUN failed: %s%s", who, strerror(st->err),
			st->err == EFAULT ?
			" (guest RAM is not mapped in this process)" : "");
		break;
	default:
		cli_err("%sstopped (reason %d)", who, (int)st->reason);
		break;
	}
}

static const struct mvm_machine_hooks run_hooks = {
	.vcpu_failed = report_failure,
};

void run_machine_init(struct mvm_machine *m, const struct run_args *a)
{
	ring_bytes = a->dirty_bitmap ? 0 : RUN_RING_BYTES;
	mvm_machine_init(m, cli_err);
	m->log_msrs = a->verbose;
	m->hooks = &run_hooks;
}

/* Feed standard input to the UART: raw mode and escapes on a terminal. */
static int start_input(struct mvm_machine *m, struct uart8250 *uart,
		       struct input **in)
{
	struct stat st;
	int tty = isatty(STDIN_FILENO);

	/* No stdin at all (closed): the guest gets no input. */
	if (!tty && fstat(STDIN_FILENO, &st) < 0)
		return 0;
	if (tty)
		term_raw();
	*in = input_start(m, uart, STDIN_FILENO, tty);
	if (!*in) {
		cli_err("cannot start the input thread: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * From the bind to the vCPUs' start (a destination waits there for its
 * stream, as long as it takes), SIGINT, SIGTERM and SIGHUP would end mvm
 * with the socket's path left behind, which no later mvm would take: the
 * path goes first.  The machine then reads them from a signalfd.
 */
static const char *volatile bound_sock;
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

static void on_stop_signal(int sig)
{
	if (bound_sock)
		unlink(bound_sock);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void guard_sock(const char *path)
{
	struct sigaction sa = { .sa_handler = path ? on_stop_signal : SIG_DFL };
	size_t i;

	sigemptyset(&sa.sa_mask);
	bound_sock = path;
	for (i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		sigaction(stop_signals[i], &sa, NULL);
}

int run_ctl_listen(struct mvm_machine *m, const char *api_sock,
		   struct mvm_ctl **ctl)
{
	*ctl = NULL;
	if (!api_sock)
		return 0;
	*ctl = mvm_ctl_listen(m, api_sock);
	if (!*ctl) {
		cli_err("--api-sock %s: %s%s", api_sock, strerror(errno),
			errno == EADDRINUSE ?
			" (the path exists: remove it, or choose another)" : "");
		return -1;
	}
	guard_sock(api_sock);
	return 0;
}

void run_ctl_close(struct mvm_ctl *ctl)
{
	if (!ctl)
		return;
	guard_sock(NULL);
	mvm_ctl_stop(ctl);
}

int run_machine_start(struct mvm_machine *m, struct mvm_ctl *ctl)
{
	int sig;

	fflush(stdout);
	sig = mvm_machine_start(m);
	/* Blocked and read from a signalfd now (or the start failed). */
	if (ctl)
		guard_sock(NULL);
	if (sig < 0)
		cli_err("cannot start the vCPUs' threads: %s", strerror(errno));
	return sig;
}

int run_machine_finish(struct mvm_machine *m, int sig, struct uart8250 *uart,
		       const struct console_watch *console, struct mvm_ctl *ctl)
{
	struct input *in = NULL;
	const char *why;
	int status, failed = 0;

	if (sig >= 0) {
		/*
		 * The guest runs first (what a migration's destination and a
		 * restore wait for): the socket has taken connections since
		 * it was bound, its requests and the input are served now.
		 */
		if (ctl && mvm_ctl_serve(ctl) < 0) {
			cli_err("--api-sock: cannot start its thread: %s",
				strerror(errno));
			failed = 1;
		}
		if (!failed && start_input(m, uart, &in) < 0)
			failed = 1;
		if (failed) {
			pthread_mutex_lock(&m->lock);
			mvm_machine_stop(m, 1, "");
			pthread_mutex_unlock(&m->lock);
		}
		sig = mvm_machine_wait(m);
	}
	/* Stopping since before the joins: requests after that change nothing. */
	run_ctl_close(ctl);
	/* A migration still running gives up; its guest has stopped anyway. */
	mvm_migrate_finish(m);
	input_stop(in);
	term_restore();
	if (sig > 0) {
		cli_err("stopped by signal %d (%s)", sig, strsignal(sig));
		return 128 + sig;
	}
	if (sig < 0)
		return 1;

	why = m->poweroff_reason;
	status = m->poweroff_status;
	/* A reset right after a panic (panic=N) is the panic's outcome. */
	if (console && console->panicked && why &&
	    (!strcmp(why, "guest rebooted") ||
	     !strcmp(why, "guest triple fault"))) {
		why = console->reason;
		status = 1;
	}
	if (why && *why)
		cli_err("%s", why);
	else if (!why && status)
		cli_err("guest powered off with status %d", status);
	return status;
}

int run_machine(struct mvm_machine *m, struct uart8250 *uart,
		const struct console_watch *console, struct mvm_ctl *ctl)
{
	return run_machine_finish(m, run_machine_start(m, ctl), uart, console,
				  ctl);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm run: run a guest: a flat binary started in real mode (--raw), with
 * a 16550A UART on COM1 and the power-off port, or a Linux kernel
 * (--kernel, run_linux.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "devices.h"
#include "libmvm.h"
#include "run.h"

#define DEFAULT_MEM		(64ULL << 20)
#define DEFAULT_LINUX_MEM	(512ULL << 20)
#define DEFAULT_CMDLINE		"console=ttyS0"
#define DEFAULT_LOAD_ADDR	0x7c00ULL	/* where a PC BIOS puts a boot sector */
#define REAL_MODE_END		0x100000ULL
/* RAM above 3 GiB moves above 4 GiB: the hole is for MMIO devices. */
#define LOW_RAM_MAX		MVM_LOW_RAM_MAX
#define HIGH_RAM_BASE		MVM_HIGH_RAM_BASE

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mvm [--device PATH] run --kernel BZIMAGE [--initrd FILE] [--cmdline TEXT]\n"
		"                              [--mem SIZE] [--cpus N] [-v]\n"
		"       mvm [--device PATH] run --raw FILE [--load-addr ADDR] [--mem SIZE]\n"
		"                              [--cpus 1] [-v]\n"
		"\n"
		"Run a guest until it powers off, reboots, panics or fails.\n"
		"\n"
		"--kernel boots a Linux bzImage (boot protocol 2.12 or later, 64-bit) through\n"
		"its 64-bit entry, with hardware-reduced ACPI tables, a local APIC per vCPU\n"
		"(x2APIC, in mvm.ko), an IOAPIC, a 16550A UART on COM1 (IRQ 4), a CMOS RTC,\n"
		"an i8042 for reboot, ACPI power-off and a pvpanic port (0x%x).  RAM is\n"
		"mapped from 0 up to 3 GiB and from 4 GiB on for the rest.  When standard\n"
		"input is a terminal it is put in raw mode: Ctrl-A x quits, Ctrl-A Ctrl-A\n"
		"sends Ctrl-A; from a pipe or file it is fed to the UART until its end.\n"
		"\n"
		"--raw FILE loads a flat binary at guest-physical ADDR and starts vCPU 0\n"
		"there in real mode: CS:IP = 0000:ADDR (ADDR above 0xffff: ADDR>>4 : ADDR&15),\n"
		"DS = ES = FS = GS = SS = 0, SP = ADDR when 0x1000 <= ADDR <= 0xffff (the\n"
		"stack grows down below the image) else 0, interrupts off, and CPUID showing\n"
		"the host's vendor and leaf 1 with the hypervisor bit.  Devices: the UART\n"
		"(stdout; stdin when a terminal or a pipe) and the power-off port 0x%x:\n"
		"writing a value V to it ends the run and mvm exits with status V (0-255).\n"
		"\n"
		"Exit status: with --kernel, 0 when the guest powers off or reboots or on\n"
		"Ctrl-A x; 1 when the guest panics or triple-faults, or mvm fails (the\n"
		"reason on stderr).  With --raw, the guest's power-off value, or 0 when it\n"
		"halts with interrupts off, 1 when it or mvm fails.  Both: 2 for a usage\n"
		"error; 128+N after signal N.\n"
		"\n"
		"options:\n"
		"  --kernel FILE    the Linux bzImage to boot\n"
		"  --initrd FILE    an initramfs for it\n"
		"  --cmdline TEXT   its command line (default: \"%s\")\n"
		"  --raw FILE       the flat binary to run\n"
		"  --load-addr ADDR where to load it and start, below 1 MiB; decimal or\n"
		"                   0x-prefixed hex (default: 0x7c00)\n"
		"  --mem SIZE       guest RAM, a multiple of 4 KiB; K, M, G, T suffixes\n"
		"                   (powers of 1024) are allowed (default: 512M with\n"
		"                   --kernel, 64M with --raw)\n"
		"  --cpus N         vCPUs, 1 to what mvm.ko allows; --raw: only 1\n"
		"                   (default: 1)\n"
		"  -v, --verbose    note MSRs the guest is refused (once each)\n"
		"  --device PATH    the mvm device (default: $MVM_DEVICE, else %s)\n"
		"  -h, --help       show this help\n",
		MVM_PVPANIC_PORT, MVM_POWEROFF_PORT, DEFAULT_CMDLINE,
		MVM_DEFAULT_DEVICE);
}

static int parse_addr(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

static int parse_args(struct run_args *a, struct cli *cli, int argc,
		      char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP,
		CLI_OPT_DEVICE,
		{ "raw", required_argument, NULL, OPT_RAW },
		{ "load-addr", required_argument, NULL, OPT_LOAD_ADDR },
		{ "mem", required_argument, NULL, OPT_MEM },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "initrd", required_argument, NULL, OPT_INITRD },
		{ "cmdline", required_argument, NULL, OPT_CMDLINE },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	int c, load_addr_set = 0;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:hv", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return -1;
		case OPT_DEVICE:
			cli->device = optarg;
			break;
		case OPT_RAW:
			a->raw = optarg;
			break;
		case OPT_KERNEL:
			a->kernel = optarg;
			break;
		case OPT_INITRD:
			a->initrd = optarg;
			break;
		case OPT_CMDLINE:
			a->cmdline = optarg;
			break;
		case 'v':
			a->verbose = 1;
			break;
		case OPT_LOAD_ADDR:
			if (parse_addr(optarg, &a->load_addr) < 0)
				return cli_usage_err("run", "--load-addr '%s': not an address (decimal, or hex with 0x)", optarg);
			if (a->load_addr >= REAL_MODE_END)
				return cli_usage_err("run", "--load-addr '%s': must be below 1 MiB (0x100000), where real mode can start", optarg);
			load_addr_set = 1;
			break;
		case OPT_MEM:
			if (cli_parse_mem("run", optarg, &a->mem))
				return EXIT_USAGE;
			break;
		case OPT_CPUS:
			if (cli_parse_count(optarg, &a->cpus) < 0 || a->cpus == 0)
				return cli_usage_err("run", "--cpus '%s': not a number of at least 1", optarg);
			break;
		default:
			return cli_bad_option("run", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_err("run", "unexpected argument '%s'",
				     argv[optind]);
	if (a->raw && a->kernel)
		return cli_usage_err("run", "--raw and --kernel: give one guest, not both");
	if (!a->raw && !a->kernel)
		return cli_usage_err("run", "no guest given: use --kernel BZIMAGE or --raw FILE");
	if (a->raw && (a->initrd || a->cmdline))
		return cli_usage_err("run", "--initrd and --cmdline go with --kernel, not --raw");
	if (a->kernel && load_addr_set)
		return cli_usage_err("run", "--load-addr goes with --raw, not --kernel");
	if (a->raw && a->cpus > 1)
		return cli_usage_err("run", "--cpus %lu: a raw image runs on one vCPU for now", a->cpus);
	if (!a->mem)
		a->mem = a->kernel ? DEFAULT_LINUX_MEM : DEFAULT_MEM;
	if (a->kernel && !a->cmdline)
		a->cmdline = DEFAULT_CMDLINE;
	return 0;
}

/* The image against the RAM layout, before any VM exists: 0 or -1. */
static int check_image(const struct run_args *a)
{
	uint64_t low = a->mem < LOW_RAM_MAX ? a->mem : LOW_RAM_MAX;
	char s[MVM_SIZE_BUF];
	struct stat st;

	if (stat(a->raw, &st) < 0) {
		cli_err("run: cannot open '%s': %s", a->raw, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		cli_err("run: '%s' is not a regular file", a->raw);
		return -1;
	}
	if (st.st_size == 0) {
		cli_err("run: '%s' is empty", a->raw);
		return -1;
	}
	if (a->load_addr >= low || (uint64_t)st.st_size > low - a->load_addr) {
		cli_err("run: '%s' (%jd bytes) does not fit in %s of guest RAM at 0x%" PRIx64,
			a->raw, (intmax_t)st.st_size, mvm_format_size(a->mem, s),
			a->load_addr);
		return -1;
	}
	return 0;
}

/* ---- The VM ---- */

struct vm {
	int dev_fd, vm_fd;
	void *ram;
	uint64_t ram_size;
	struct mvm_vcpu vcpu;
	struct mvm_machine machine;
	int tty_fd;			/* >= 0: restore tty_saved on it */
	struct termios tty_saved;
};

/* What the signal handler reaches: a handler has no argument to pass. */
static struct vm *signal_vm;

static void on_signal(int sig)
{
	if (!signal_vm)
		return;
	signal_vm->machine.stop_signal = sig;
	mvm_vcpu_kick(&signal_vm->vcpu);
}

void run_log_stderr(const char *fmt, ...)
{
	va_list ap;

	fputs("mvm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int set_signals(void (*handler)(int))
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = handler };
	size_t i;

	/* No SA_RESTART: MVM_RUN must return EINTR. */
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return -1;
	return 0;
}

/*
 * A terminal on stdin delivers keys as they are typed and does not echo
 * them: the guest echoes what it wants.  ISIG stays on, so ^C stops mvm.
 */
static void tty_raw(struct vm *vm)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &vm->tty_saved) < 0)
		return;
	t = vm->tty_saved;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_iflag &= ~(tcflag_t)ICRNL;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
		vm->tty_fd = STDIN_FILENO;
}

static int stdin_usable(void)
{
	struct stat st;

	if (isatty(STDIN_FILENO))
		return 1;
	return fstat(STDIN_FILENO, &st) == 0 && S_ISFIFO(st.st_mode);
}

static void destroy(struct vm *vm)
{
	signal_vm = NULL;
	set_signals(SIG_DFL);
	if (vm->tty_fd >= 0)
		tcsetattr(vm->tty_fd, TCSANOW, &vm->tty_saved);
	mvm_machine_destroy(&vm->machine);
	mvm_vcpu_destroy(&vm->vcpu);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->ram)
		mvm_guest_ram_free(vm->ram, vm->ram_size);
	if (vm->dev_fd >= 0)
		close(vm->dev_fd);
}

int run_check_limits(const struct cli *cli, int fd, uint64_t mem)
{
	unsigned long bits = 0, pages = 0;
	uint64_t top = mem <= LOW_RAM_MAX ? mem :
		       HIGH_RAM_BASE + (mem - LOW_RAM_MAX);
	uint64_t largest = mem <= LOW_RAM_MAX ? mem : mem - LOW_RAM_MAX;
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

void *run_alloc_ram(uint64_t size)
{
	char s[MVM_SIZE_BUF];
	void *ram = mvm_guest_ram_alloc(size);

	if (!ram)
		cli_err("cannot allocate %s of guest memory: %s",
			mvm_format_size(size, s), strerror(errno));
	return ram;
}

int run_map_ram(int vm_fd, void *ram, uint64_t size)
{
	uint64_t low = mvm_low_ram(size);

	if (mvm_set_memory_region(vm_fd, 0, 0, low, ram) < 0 ||
	    (size > low &&
	     mvm_set_memory_region(vm_fd, 1, HIGH_RAM_BASE, size - low,
				   (uint8_t *)ram + low) < 0)) {
		cli_err("cannot give the guest its RAM with MVM_SET_MEMORY_REGION: %s",
			strerror(errno));
		return -1;
	}
	return 0;
}

static int setup_vcpu(struct vm *vm, const struct run_args *a)
{
	struct mvm_cpuid_entry cpuid[4];
	unsigned int n;
	uint16_t sp = a->load_addr >= 0x1000 && a->load_addr <= 0xffff ?
		      (uint16_t)a->load_addr : 0;

	if (mvm_vcpu_create(vm->dev_fd, vm->vm_fd, 0, &vm->vcpu) < 0) {
		cli_err("cannot create vCPU 0 and map its run page: %s",
			strerror(errno));
		return -1;
	}
	n = mvm_cpuid_default(cpuid, 4, 0);
	if (mvm_vcpu_set_cpuid(&vm->vcpu, cpuid, n) < 0) {
		cli_err("cannot set the vCPU's CPUID table with MVM_SET_CPUID: %s",
			strerror(errno));
		return -1;
	}
	if (mvm_vcpu_set_real_mode(&vm->vcpu, (uint32_t)a->load_addr, sp) < 0) {
		cli_err("cannot set the vCPU's registers for real mode: %s",
			strerror(errno));
		return -1;
	}
	return 0;
}

static int add_devices(struct vm *vm)
{
	int in_fd = stdin_usable() ? STDIN_FILENO : -1;

	if (!uart8250_create(&vm->machine, UART_COM1_BASE, in_fd,
			     STDOUT_FILENO) ||
	    poweroff_port_create(&vm->machine, MVM_POWEROFF_PORT) < 0) {
		cli_err("cannot create the devices: %s", strerror(errno));
		return -1;
	}
	return 0;
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

/* Say why the guest stopped; returns mvm's exit status. */
int run_report(const struct mvm_stop *st)
{
	unsigned int i;

	switch (st->reason) {
	case MVM_STOP_POWEROFF:
		if (st->status)
			cli_err("guest powered off with status %d", st->status);
		return st->status;
	case MVM_STOP_HALT:
		cli_err("guest halted (HLT with interrupts off, rip 0x%" PRIx64 ")",
			(uint64_t)st->regs.rip);
		return 0;
	case MVM_STOP_SHUTDOWN:
		cli_err("guest triple-faulted (the vCPU shut down)");
		return 1;
	case MVM_STOP_INTERNAL:
		cli_err("internal error: %s (suberror %u, hardware exit code 0x%" PRIx64 ", info 0x%" PRIx64 " 0x%" PRIx64 ") at rip 0x%" PRIx64,
			suberror_name(st->internal.suberror),
			st->internal.suberror, st->internal.hw_exit_code,
			st->internal.info1, st->internal.info2,
			(uint64_t)st->regs.rip);
		return 1;
	case MVM_STOP_FAIL_ENTRY:
		cli_err("the CPU refused to enter the guest: invalid vCPU state (hardware exit code 0x%" PRIx64 ", info 0x%" PRIx64 " 0x%" PRIx64 ")",
			st->internal.hw_exit_code, st->internal.info1,
			st->internal.info2);
		return 1;
	case MVM_STOP_MMIO: {
		char bytes[16 * 3 + 1] = "";

		for (i = 0; i < st->mmio.insn_len; i++)
			snprintf(bytes + 3 * i, sizeof(bytes) - 3 * i, " %02x",
				 st->mmio.insn_bytes[i]);
		cli_err("guest MMIO %s at 0x%" PRIx64 ": cannot emulate the instruction at rip 0x%" PRIx64 " (%u-bit mode, bytes:%s)",
			st->mmio.is_write ? "write" : "read",
			st->mmio.phys_addr, (uint64_t)st->regs.rip,
			st->mmio.cpu_mode, st->mmio.insn_len ? bytes : " unknown");
		return 1;
	}
	case MVM_STOP_EXIT:
		cli_err("mvm.ko reported exit reason %u, which this mvm does not know",
			st->exit_reason);
		return 1;
	case MVM_STOP_SIGNAL:
		return 0;	/* handled by the caller */
	case MVM_STOP_ERROR:
		cli_err("MVM_RUN failed: %s%s", strerror(st->err),
			st->err == EFAULT ?
			" (guest RAM is not mapped in this process)" : "");
		return 1;
	}
	return 1;
}

static int run(struct cli *cli, const struct run_args *a)
{
	struct vm vm = {
		.dev_fd = -1, .vm_fd = -1, .tty_fd = -1, .ram_size = a->mem,
		.vcpu = { .fd = -1 },
	};
	struct mvm_stop st;
	uint64_t size;
	int ret = 1;

	mvm_machine_init(&vm.machine, run_log_stderr);
	vm.machine.log_msrs = a->verbose;
	if (check_image(a) < 0 || cli_check_host_memory(a->mem) < 0)
		goto out;
	vm.dev_fd = cli_open_device(cli);
	if (vm.dev_fd < 0 || run_check_limits(cli, vm.dev_fd, a->mem) < 0)
		goto out;

	vm.vm_fd = mvm_create_vm(vm.dev_fd);
	if (vm.vm_fd < 0) {
		cli_err("cannot create a VM with MVM_CREATE_VM: %s%s",
			strerror(errno), errno == EBUSY ?
			" (is another hypervisor, such as kvm_amd or kvm_intel, using the CPUs?)" : "");
		goto out;
	}
	vm.ram = run_alloc_ram(vm.ram_size);
	if (!vm.ram || run_map_ram(vm.vm_fd, vm.ram, vm.ram_size) < 0)
		goto out;
	if (mvm_load_raw(a->raw, vm.ram, vm.ram_size < LOW_RAM_MAX ?
			 vm.ram_size : LOW_RAM_MAX, a->load_addr, &size) < 0) {
		cli_err("run: cannot load '%s': %s", a->raw, strerror(errno));
		goto out;
	}
	if (setup_vcpu(&vm, a) < 0 || add_devices(&vm) < 0)
		goto out;

	signal_vm = &vm;
	if (set_signals(on_signal) < 0) {
		cli_err("cannot install signal handlers: %s", strerror(errno));
		goto out;
	}
	tty_raw(&vm);
	fflush(stdout);

	mvm_vcpu_run_loop(&vm.machine, &vm.vcpu, &st);
	ret = run_report(&st);
	if (st.reason == MVM_STOP_SIGNAL) {
		cli_err("stopped by signal %d (%s)", (int)vm.machine.stop_signal,
			strsignal(vm.machine.stop_signal));
		ret = 128 + vm.machine.stop_signal;
	}
out:
	destroy(&vm);
	return ret;
}

int cmd_run(struct cli *cli, int argc, char **argv)
{
	struct run_args a = {
		.load_addr = DEFAULT_LOAD_ADDR, .cpus = 1,
	};
	int ret;

	ret = parse_args(&a, cli, argc, argv);
	if (ret)
		return ret < 0 ? 0 : ret;	/* -1: help was shown */
	if (a.kernel)
		return run_linux(cli, &a);
	return run(cli, &a);
}

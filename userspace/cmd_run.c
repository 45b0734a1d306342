// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm run: run a guest: a flat binary started in real mode (--raw), with
 * a 16550A UART on COM1 and the power-off port, or a Linux kernel
 * (--kernel, run_linux.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "devices.h"
#include "libmvm.h"
#include "run.h"

#define DEFAULT_MEM		(64ULL << 20)
#define DEFAULT_LINUX_MEM	(512ULL << 20)
#define DEFAULT_CMDLINE		"console=ttyS0"
#define DEFAULT_LOAD_ADDR	0x7c00ULL	/* where a PC BIOS puts a boot sector */
#define REAL_MODE_END		0x100000ULL

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mvm [--device PATH] run --kernel BZIMAGE [--initrd FILE] [--cmdline TEXT]\n"
		"                              [--mem SIZE] [--cpus N] [--api-sock PATH] [-v]\n"
		"       mvm [--device PATH] run --raw FILE [--load-addr ADDR] [--mem SIZE]\n"
		"                              [--cpus 1] [--api-sock PATH] [-v]\n"
		"       mvm [--device PATH] run --incoming tcp:HOST:PORT|unix:PATH [--mem SIZE]\n"
		"                              [--cpus N] [--api-sock PATH] [-v]\n"
		"\n"
		"Run a guest until it powers off, reboots, panics or fails.\n"
		"\n"
		"--kernel boots a Linux bzImage (boot protocol 2.12 or later, 64-bit) through\n"
		"its 64-bit entry, with hardware-reduced ACPI tables, a local APIC per vCPU\n"
		"(x2APIC, in mvm.ko), an IOAPIC, a 16550A UART on COM1 (IRQ 4), a CMOS RTC,\n"
		"an i8042 for reboot, ACPI power-off and a pvpanic port (0x%x).\n"
		"\n"
		"--raw FILE loads a flat binary at guest-physical ADDR and starts vCPU 0\n"
		"there in real mode: CS:IP = 0000:ADDR (ADDR above 0xffff: ADDR>>4 : ADDR&15),\n"
		"DS = ES = FS = GS = SS = 0, SP = ADDR when 0x1000 <= ADDR <= 0xffff (the\n"
		"stack grows down below the image) else 0, interrupts off, and CPUID showing\n"
		"the host's vendor and leaf 1 with the hypervisor bit.  Devices: the UART\n"
		"and the power-off port 0x%x: writing a value V to it ends the run and\n"
		"mvm exits with status V (0-255).\n"
		"\n"
		"Both: RAM is mapped from 0 up to 3 GiB and from 4 GiB on for the rest.\n"
		"The UART writes to standard output.  When standard input is a terminal\n"
		"it is put in raw mode: Ctrl-A x quits, Ctrl-A Ctrl-A sends Ctrl-A; from a\n"
		"pipe or file it is fed to the UART until its end.\n"
		"\n"
		"Exit status: with --kernel, 0 when the guest powers off or reboots; with\n"
		"--raw, the guest's power-off value.  Both: 0 when every vCPU halts with\n"
		"interrupts off or on Ctrl-A x; 1 when the guest panics or triple-faults,\n"
		"or mvm fails (the reason on stderr); 2 for a usage error; 128+N after\n"
		"signal N.\n"
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
		"  --api-sock PATH  serve the control socket there (mode 0600; the path\n"
		"                   must not exist; see 'mvm ctl --help')\n"
		"  --incoming ADDR  take a live migration (mvm ctl SOCKET migrate ADDR) on\n"
		"                   tcp:HOST:PORT or unix:PATH (made mode 0600) and run the\n"
		"                   guest once all of it arrived; --mem and --cpus are then\n"
		"                   the most it takes, and it refuses a guest whose memory\n"
		"                   layout, TSC rate or CPU features this host cannot give\n"
		"  --dirty-log ring|bitmap\n"
		"                   how mvm.ko reports the pages a migrating guest writes:\n"
		"                   per-vCPU rings (the default, where mvm.ko has them) or a\n"
		"                   bitmap per memory slot\n"
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
		{ "api-sock", required_argument, NULL, OPT_API_SOCK },
		{ "incoming", required_argument, NULL, OPT_INCOMING },
		{ "dirty-log", required_argument, NULL, OPT_DIRTY_LOG },
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
		case OPT_API_SOCK:
			a->api_sock = optarg;
			break;
		case OPT_INCOMING:
			a->incoming = optarg;
			break;
		case OPT_DIRTY_LOG:
			if (strcmp(optarg, "ring") && strcmp(optarg, "bitmap"))
				return cli_usage_err("run", "--dirty-log '%s': ring or bitmap", optarg);
			a->dirty_bitmap = !strcmp(optarg, "bitmap");
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
			a->cpus_set = 1;
			break;
		default:
			return cli_bad_option("run", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_err("run", "unexpected argument '%s'",
				     argv[optind]);
	if (a->incoming && (a->raw || a->kernel || a->initrd || a->cmdline ||
			    load_addr_set))
		return cli_usage_err("run", "--incoming takes its guest from the migration: no --kernel, --raw, --initrd, --cmdline or --load-addr");
	if (a->incoming)
		return 0;	/* --mem and --cpus: the most it takes */
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
	uint64_t low = mvm_low_ram(a->mem);
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

/* ---- The machine ---- */

static int setup_vcpu(struct mvm_vcpu *v, const struct run_args *a)
{
	struct mvm_cpuid_entry cpuid[4];
	unsigned int n;
	uint16_t sp = a->load_addr >= 0x1000 && a->load_addr <= 0xffff ?
		      (uint16_t)a->load_addr : 0;

	n = mvm_cpuid_default(cpuid, 4, 0);
	if (mvm_vcpu_set_cpuid(v, cpuid, n) < 0) {
		cli_err("cannot set the vCPU's CPUID table with MVM_SET_CPUID: %s",
			strerror(errno));
		return -1;
	}
	if (mvm_vcpu_set_real_mode(v, (uint32_t)a->load_addr, sp) < 0) {
		cli_err("cannot set the vCPU's registers for real mode: %s",
			strerror(errno));
		return -1;
	}
	return 0;
}

int run_raw_devices(struct mvm_machine *m, struct run_devices *d)
{
	m->kind = RUN_KIND_RAW;
	/* Input comes from the input thread, not from the UART's reads. */
	d->uart = uart8250_create(m, UART_COM1_BASE, -1, STDOUT_FILENO);
	if (!d->uart || poweroff_port_create(m, MVM_POWEROFF_PORT) < 0) {
		cli_err("cannot create the devices: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int run(struct cli *cli, const struct run_args *a)
{
	struct mvm_machine m;
	struct mvm_ctl *ctl = NULL;
	struct run_devices dev;
	uint64_t size;
	int ret = 1;

	run_machine_init(&m, a);
	if (check_image(a) < 0 || run_alloc_ram(&m, a->mem) < 0)
		goto out;
	if (mvm_load_raw(a->raw, m.ram, mvm_low_ram(m.ram_size), a->load_addr,
			 &size) < 0) {
		cli_err("run: cannot load '%s': %s", a->raw, strerror(errno));
		goto out;
	}
	if (run_create_vm(cli, &m) < 0 || run_create_vcpus(&m, 1) < 0 ||
	    setup_vcpu(&m.vcpus[0].v, a) < 0)
		goto out;

	if (run_raw_devices(&m, &dev) < 0 ||
	    run_ctl_listen(&m, a->api_sock, &ctl) < 0)
		goto out;
	ret = run_machine(&m, dev.uart, NULL, ctl);
out:
	mvm_machine_destroy(&m);
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
	if (a.incoming)
		return run_incoming(cli, &a);
	if (a.kernel)
		return run_linux(cli, &a);
	return run(cli, &a);
}

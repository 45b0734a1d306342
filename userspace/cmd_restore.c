// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm restore: run a snapshot (mvm ctl SOCKET snapshot DIR).  The state
 * file is read and checked whole first; then the machine is built as the
 * snapshot's was (its kind's devices, in the same order), its memory is
 * mapped copy-on-write from DIR/memory, every vCPU and device gets its
 * state, and only then does any vCPU run.
 */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "run.h"
#include "snapshot.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mvm [--device PATH] restore DIR [--verify] [--api-sock PATH] [-v]\n"
		"\n"
		"Run the guest saved in DIR by 'mvm ctl SOCKET snapshot DIR', from where it\n"
		"was.  Its memory is mapped copy-on-write from DIR/memory: the guest starts\n"
		"at once and reads pages as it touches them, and several restores of one\n"
		"snapshot share the pages none of them changed.  A snapshot of another\n"
		"format version, a truncated or corrupt state file, or one that does not\n"
		"fit this mvm is refused before any vCPU runs.  Input, output and the exit\n"
		"status are as for 'mvm run'.\n"
		"\n"
		"options:\n"
		"  --verify         check the memory file's checksum first (reads all of it)\n"
		"  --api-sock PATH  serve the control socket there (see 'mvm ctl --help')\n"
		"  -v, --verbose    note MSRs the guest is refused (once each)\n"
		"  --device PATH    the mvm device (default: $MVM_DEVICE, else %s)\n"
		"  -h, --help       show this help\n",
		MVM_DEFAULT_DEVICE);
}

static int restore(struct cli *cli, const char *dir, int verify,
		   const struct run_args *a)
{
	struct mvm_snapshot snap;
	struct run_devices dev = { 0 };
	struct mvm_machine m;
	struct mvm_ctl *ctl = NULL;
	const char *why = NULL;
	int ret = 1, linux_kind;

	if (mvm_snapshot_open(&snap, dir, &why) < 0) {
		cli_err("restore: %s: %s%s%s", dir, why,
			errno == EBADMSG || errno == EPROTONOSUPPORT ? "" : ": ",
			errno == EBADMSG || errno == EPROTONOSUPPORT ?
			"" : strerror(errno));
		return 1;
	}
	linux_kind = snap.kind == RUN_KIND_LINUX;
	run_machine_init(&m, a);
	if (snap.kind != RUN_KIND_RAW && !linux_kind) {
		cli_err("restore: %s: a machine of a kind this mvm does not know (%u)",
			dir, snap.kind);
		goto out;
	}
	if (!run_pc_layout(snap.regions, snap.nr_regions, snap.ram_size) ||
	    (!linux_kind && snap.nr_vcpus != 1)) {
		cli_err("restore: %s: the machine section describes no machine mvm run builds",
			dir);
		goto out;
	}
	if (cli_check_host_memory(snap.ram_size) < 0)
		goto out;
	if (mvm_snapshot_map_ram(&snap, &m, verify, &why) < 0) {
		cli_err("restore: %s: %s%s%s", dir, why,
			errno == EBADMSG ? "" : ": ",
			errno == EBADMSG ? "" : strerror(errno));
		goto out;
	}
	if (run_create_vm(cli, &m) < 0 ||
	    (linux_kind && run_linux_irqchip(&m) < 0) ||
	    run_create_vcpus(&m, snap.nr_vcpus) < 0 ||
	    (linux_kind ? run_linux_devices(&m, &dev) :
			  run_raw_devices(&m, &dev)) < 0)
		goto out;
	if (mvm_snapshot_load(&snap, &m, &why) < 0) {
		cli_err("restore: %s: %s%s%s", dir, why,
			errno == EBADMSG ? "" : ": ",
			errno == EBADMSG ? "" : strerror(errno));
		goto out;
	}
	mvm_snapshot_close(&snap);
	if (run_ctl_listen(&m, a->api_sock, &ctl) < 0)
		goto out;
	ret = run_machine(&m, dev.uart, linux_kind ? &dev.console : NULL, ctl);
out:
	mvm_snapshot_close(&snap);
	mvm_machine_destroy(&m);
	return ret;
}

int cmd_restore(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP,
		CLI_OPT_DEVICE,
		{ "verify", no_argument, NULL, OPT_VERIFY },
		{ "api-sock", required_argument, NULL, OPT_API_SOCK },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	struct run_args a = { 0 };
	int c, verify = 0;

	cli_getopt_reset();
	/* Options may follow DIR: getopt_long() permutes here. */
	while ((c = getopt_long(argc, argv, ":hv", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return 0;
		case OPT_DEVICE:
			cli->device = optarg;
			break;
		case OPT_VERIFY:
			verify = 1;
			break;
		case OPT_API_SOCK:
			a.api_sock = optarg;
			break;
		case 'v':
			a.verbose = 1;
			break;
		default:
			return cli_bad_option("restore", c, argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_err("restore", "give one snapshot directory");
	return restore(cli, argv[optind], verify, &a);
}

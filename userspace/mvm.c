// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: the userspace VMM for the mvm hypervisor module.
 *
 * One binary, one subcommand per file (cmd_<name>.c), dispatched from the
 * table below.  Global options come before the subcommand's name.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "libmvm.h"

#ifndef MVM_VERSION
#define MVM_VERSION "0.0.0-dev"
#endif

struct cmd {
	const char *name;
	cli_cmd_fn func;
	const char *summary;
};

static int cmd_help(struct cli *cli, int argc, char **argv);

static const struct cmd cmds[] = {
	{ "info",   cmd_info,   "show the API version, backend, limits and hardware features" },
	{ "create", cmd_create, "create a VM with memory and vCPUs, then destroy it" },
	{ "run",    cmd_run,    "run a guest: Linux (--kernel) or a flat real-mode binary (--raw)" },
	{ "ctl",    cmd_ctl,    "send a request to a running mvm's control socket" },
	{ "restore", cmd_restore, "run a guest from a snapshot" },
	{ "help",   cmd_help,   "show this help, or a command's with 'mvm help COMMAND'" },
};

#define NR_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"usage: mvm [--device PATH] COMMAND [OPTIONS]\n"
		"       mvm --help | --version\n"
		"\n"
		"commands:\n");
	for (i = 0; i < NR_CMDS; i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f,
		"\n"
		"global options:\n"
		"  --device PATH  the mvm device (default: $MVM_DEVICE, else %s)\n"
		"  -h, --help     show this help\n"
		"  -V, --version  show the version\n"
		"\n"
		"Run 'mvm COMMAND --help' for a command's options.\n",
		MVM_DEFAULT_DEVICE);
}

static const struct cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < NR_CMDS; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

static int cmd_help(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP,
		{ NULL, 0, NULL, 0 }
	};
	char help_opt[] = "--help";
	const struct cmd *cmd;
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (c != 'h' && c != OPT_HELP)
			return cli_bad_option("help", c, argv);
	}
	if (optind == argc) {
		usage(stdout);
		return 0;
	}
	if (argc - optind > 1)
		return cli_usage_err("help", "unexpected argument '%s'",
				     argv[optind + 1]);

	cmd = find_cmd(argv[optind]);
	if (!cmd)
		return cli_usage_err("", "'%s' is not a command", argv[optind]);
	if (cmd->func == cmd_help) {
		usage(stdout);
		return 0;
	}
	/* A command's help is its own --help. */
	{
		char *sub_argv[] = { argv[optind], help_opt, NULL };

		return cmd->func(cli, 2, sub_argv);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP,
		CLI_OPT_DEVICE,
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	struct cli cli = { .device = getenv("MVM_DEVICE") };
	const struct cmd *cmd;
	int c;

	/* Lines in order even when stdout and stderr share a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!cli.device || !*cli.device)
		cli.device = MVM_DEFAULT_DEVICE;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return 0;
		case 'V':
		case OPT_VERSION:
			printf("mvm %s (API version %d)\n", MVM_VERSION,
			       MVM_API_VERSION);
			return 0;
		case OPT_DEVICE:
			cli.device = optarg;
			break;
		default:
			return cli_bad_option("", c, argv);
		}
	}

	if (optind == argc)
		return cli_usage_err("", "no command given");
	cmd = find_cmd(argv[optind]);
	if (!cmd)
		return cli_usage_err("", "'%s' is not a command", argv[optind]);

	return cmd->func(&cli, argc - optind, argv + optind);
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The mvm command line: what main() and the subcommands share.
 *
 * Exit status: 0 success, 1 a runtime error, 2 a usage error.  Every error
 * is one line on stderr starting "mvm: ".
 */
#ifndef MVM_CLI_H
#define MVM_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#define EXIT_USAGE	2

/* Long options have codes above any char, so a bad one is told apart. */
enum {
	OPT_HELP = 256,
	OPT_VERSION,
	OPT_DEVICE,
	OPT_MEM,
	OPT_CPUS,
	OPT_SLOTS,
	OPT_RAW,
	OPT_LOAD_ADDR,
	OPT_KERNEL,
	OPT_INITRD,
	OPT_CMDLINE,
	OPT_API_SOCK,
	OPT_VERIFY,
	OPT_INCOMING,
	OPT_DIRTY_LOG,
};

#define CLI_OPT_HELP	{ "help", no_argument, NULL, OPT_HELP }
#define CLI_OPT_DEVICE	{ "device", required_argument, NULL, OPT_DEVICE }

struct cli {
	const char *device;	/* --device, else $MVM_DEVICE, else /dev/mvm */
};

/* A subcommand: argv[0] is its name, options follow. */
typedef int (*cli_cmd_fn)(struct cli *cli, int argc, char **argv);

int cmd_info(struct cli *cli, int argc, char **argv);
int cmd_create(struct cli *cli, int argc, char **argv);
int cmd_run(struct cli *cli, int argc, char **argv);
int cmd_ctl(struct cli *cli, int argc, char **argv);
int cmd_restore(struct cli *cli, int argc, char **argv);

/* "mvm: <message>\n" on stderr. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "mvm: <cmd>: <message> (see 'mvm <cmd> --help')"; returns EXIT_USAGE. */
int cli_usage_err(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Report what getopt_long() rejected (it returned c); returns EXIT_USAGE. */
int cli_bad_option(const char *cmd, int c, char **argv);

/* Reset getopt_long() before parsing a new argument vector. */
void cli_getopt_reset(void);

/*
 * Open cli->device and check its API version.  On failure prints why,
 * with a hint where one helps, and returns -1.
 */
int cli_open_device(const struct cli *cli);

/* MVM_CREATE_VM failed (errno): say why, with a hint for EBUSY. */
void cli_create_vm_err(void);

/*
 * Refuse early guest memory the host could never back (more than RAM plus
 * swap, or than the process can address): prints why and returns -1.
 */
int cli_check_host_memory(uint64_t mem);

/* --mem SIZE: 0, or EXIT_USAGE after saying what is wrong. */
int cli_parse_mem(const char *cmd, const char *arg, uint64_t *mem);

/* A plain decimal count into *n; 0, or -1 when s is not one. */
int cli_parse_count(const char *s, unsigned long *n);

#endif /* MVM_CLI_H */

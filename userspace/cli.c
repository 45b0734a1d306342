// SPDX-License-Identifier: GPL-2.0-only
/* The mvm command line: error reporting, option helpers, device opening. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>

#include "cli.h"
#include "libmvm.h"

void cli_err(const char *fmt, ...)
{
	va_list ap;

	fputs("mvm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_usage_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	/* cmd "" is mvm itself, before any subcommand. */
	fprintf(stderr, "mvm: %s%s", cmd, *cmd ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'mvm %s%s--help')\n", cmd, *cmd ? " " : "");
	return EXIT_USAGE;
}

void cli_getopt_reset(void)
{
	/* 0, not 1: glibc then also forgets a half-read "-abc" cluster. */
	optind = 0;
	opterr = 0;
}

int cli_bad_option(const char *cmd, int c, char **argv)
{
	const char *what = argv[optind - 1];
	char shortopt[3] = { '-', (char)optopt, '\0' };
	int len;

	/*
	 * With opterr off and a ':' optstring, getopt_long() leaves optopt 0
	 * for an unknown long option, an OPT_* code for a known long option
	 * used wrongly, and the character for a short one; a short one may sit
	 * inside a cluster, so name it alone.
	 */
	if (optopt > 0 && optopt < 256)
		what = shortopt;
	len = (int)strcspn(what, "=");

	if (c == ':')
		return cli_usage_err(cmd, "option '%.*s' needs a value", len, what);
	if (optopt >= 256)
		return cli_usage_err(cmd, "option '%.*s' takes no value", len, what);
	return cli_usage_err(cmd, "unknown option '%.*s'", len, what);
}

void cli_create_vm_err(void)
{
	cli_err("cannot create a VM with MVM_CREATE_VM: %s%s", strerror(errno),
		errno == EBUSY ?
		" (is another hypervisor, such as kvm_amd or kvm_intel, using the CPUs?)" : "");
}

int cli_open_device(const struct cli *cli)
{
	struct mvm_open_status st;
	const char *path = cli->device;
	int fd, err;

	fd = mvm_open(path, &st);
	if (fd >= 0)
		return fd;
	err = errno;

	switch (st.step) {
	case MVM_OPEN_OPEN:
		if (err == EACCES || err == EPERM)
			cli_err("%s: permission denied (add yourself to group mvm)",
				path);
		else if (err == ENOENT || err == ENODEV || err == ENXIO)
			cli_err("cannot open %s: %s (is mvm.ko loaded?)", path,
				strerror(err));
		else
			cli_err("cannot open %s: %s", path, strerror(err));
		break;
	case MVM_OPEN_VERSION:
		if (err == ENOTTY || err == EINVAL)
			cli_err("%s: not an mvm device (MVM_GET_API_VERSION: %s)",
				path, strerror(err));
		else
			cli_err("%s: MVM_GET_API_VERSION failed: %s", path,
				strerror(err));
		break;
	case MVM_OPEN_MISMATCH:
	default:
		cli_err("%s: API version %d is not supported (this mvm needs version %d)",
			path, st.version, MVM_API_VERSION);
		break;
	}
	return -1;
}

int cli_parse_count(const char *s, unsigned long *n)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*n = strtoul(s, &end, 10);
	if (errno || *end)
		return -1;
	return 0;
}

/* Refuse early what the host could never back: RAM plus swap. */
int cli_check_host_memory(uint64_t mem)
{
	char s[MVM_SIZE_BUF], t[MVM_SIZE_BUF];
	struct sysinfo si;
	uint64_t total;

	if (mem > SIZE_MAX) {
		cli_err("cannot allocate %s of guest memory: more than this process can address",
			mvm_format_size(mem, s));
		return -1;
	}
	if (sysinfo(&si) < 0)
		return 0;	/* no figure: let mmap() decide */
	total = ((uint64_t)si.totalram + si.totalswap) * si.mem_unit;
	if (mem > total) {
		total &= ~((1ULL << 20) - 1);	/* whole MiB reads better */
		cli_err("cannot allocate %s of guest memory: the host has %s of RAM and swap",
			mvm_format_size(mem, s), mvm_format_size(total, t));
		return -1;
	}
	return 0;
}

int cli_parse_mem(const char *cmd, const char *arg, uint64_t *mem)
{
	if (mvm_parse_size(arg, mem) < 0)
		return errno == ERANGE ?
			cli_usage_err(cmd, "--mem '%s': too large", arg) :
			cli_usage_err(cmd, "--mem '%s': not a size (digits with an optional K, M, G or T suffix)", arg);
	if (*mem == 0)
		return cli_usage_err(cmd, "--mem '%s': must be more than 0", arg);
	if (*mem % MVM_PAGE_SIZE)
		return cli_usage_err(cmd, "--mem '%s': not a multiple of the 4 KiB page size", arg);
	return 0;
}

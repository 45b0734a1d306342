// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm ctl: send one request to a running mvm's control socket (mvm run
 * --api-sock) and print its reply.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "ctl.h"
#include "migrate.h"

/*
 * A reply slower than this means the VMM is stuck: say so, do not hang.
 * A snapshot writes all of guest RAM first: give it time.
 */
#define REPLY_TIMEOUT_S	1800

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mvm ctl SOCKET COMMAND [ARG]\n"
		"\n"
		"Send COMMAND to the mvm that serves SOCKET (mvm run --api-sock SOCKET) and\n"
		"print its reply, one JSON object.  Commands:\n"
		"  status   the machine's state (running, paused, stopping), vCPUs, memory\n"
		"  pause    take every vCPU out of the guest and hold it there\n"
		"  resume   let them run again\n"
		"  snapshot DIR\n"
		"           write the whole machine into the new directory DIR (a running\n"
		"           guest is paused for it and goes on); mvm restore DIR runs it\n"
		"  migrate ADDR [--downtime-ms N] [--max-bandwidth MBPS] [--timeout S]\n"
		"          [--detach]\n"
		"           move the running guest live to the mvm waiting at ADDR\n"
		"           (mvm run --incoming ADDR: tcp:HOST:PORT or unix:PATH).  RAM\n"
		"           goes over while the guest runs, round after round, until what\n"
		"           is left would take at most N ms (default %u) at the speed seen,\n"
		"           and on while a round halves that; then the guest pauses, the\n"
		"           rest goes, and it runs on there.  A guest that writes faster\n"
		"           than the link is slowed step by step.  MBPS caps the stream\n"
		"           (10^6 bytes a second); S: give up when the connection is not\n"
		"           made or nothing moved for S seconds (default %u).  Whatever\n"
		"           fails, the guest runs on here.  It waits for the end, printing\n"
		"           a line per round, then the reply; --detach returns at once\n"
		"           (see status)\n"
		"  migrate-cancel\n"
		"           give up the running migration (the guest runs on here)\n"
		"\n"
		"The protocol: one JSON object per line each way, {\"cmd\": \"pause\"} answered\n"
		"by {\"ok\": true} or {\"ok\": false, \"error\": \"...\"}.\n"
		"\n"
		"Exit status: 0 when the request was carried out, 1 when it was refused or\n"
		"no reply came (the reason on stderr), 2 for a usage error.\n"
		"\n"
		"options:\n"
		"  -h, --help       show this help\n",
		MVM_MIG_DOWNTIME_MS, MVM_MIG_TIMEOUT_S);
}

static int connect_to(const char *path)
{
	struct timeval tv = { .tv_sec = REPLY_TIMEOUT_S };
	int fd = mvm_ctl_connect(path), err;

	if (fd >= 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* Read up to the first newline: its length, or -1 (errno; EPROTO: none). */
static ssize_t read_line(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;
	char *nl;

	while (len < cap) {
		n = recv(fd, buf + len, cap - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
		nl = memchr(buf, '\n', len);
		if (nl)
			return nl - buf;
	}
	errno = EPROTO;
	return -1;
}

/* The commands that take an argument, and its name in the request. */
static const char *arg_name(const char *cmd)
{
	if (!strcmp(cmd, "snapshot"))
		return "path";
	if (!strcmp(cmd, "migrate"))
		return "uri";
	return NULL;
}

/* Send one request line on a new connection: its descriptor, or -1. */
static int send_line(const char *sock, json_object *req)
{
	char line[MVM_CTL_LINE_MAX];
	int fd, len;

	len = snprintf(line, sizeof(line), "%s\n",
		       json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
	if (len < 0 || (size_t)len >= sizeof(line)) {
		cli_usage_err("ctl", "the command is too long");
		return -1;
	}
	fd = connect_to(sock);
	if (fd < 0) {
		cli_err("ctl: cannot connect to %s: %s", sock, strerror(errno));
		return -1;
	}
	if (send(fd, line, (size_t)len, MSG_NOSIGNAL) != len) {
		cli_err("ctl: cannot send to %s: %s", sock, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The reply on fd, parsed (NULL: said why); its text in buf. */
static json_object *get_reply(const char *sock, int fd, char *buf, size_t cap)
{
	json_object *reply;
	ssize_t n = read_line(fd, buf, cap - 1);

	if (n < 0) {
		cli_err("ctl: no reply from %s: %s", sock,
			errno == EAGAIN ? "timed out" :
			errno == EPROTO ? "the connection ended" : strerror(errno));
		return NULL;
	}
	buf[n] = '\0';
	reply = json_tokener_parse(buf);
	if (!reply)
		cli_err("ctl: the reply is not JSON");
	return reply;
}

static int reply_ok(json_object *reply)
{
	json_object *ok;

	return reply && json_object_object_get_ex(reply, "ok", &ok) &&
	       json_object_is_type(ok, json_type_boolean) &&
	       json_object_get_boolean(ok);
}

static double num(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_double(v) : 0;
}

/* While a migration runs: its round line from status, when a new round came. */
static void show_progress(const char *sock, int *last_round)
{
	char buf[MVM_CTL_LINE_MAX + 1];
	json_object *req = json_object_new_object(), *reply, *mig;
	int fd, round;

	if (!req)
		return;
	json_object_object_add(req, "cmd", json_object_new_string("status"));
	fd = send_line(sock, req);
	json_object_put(req);
	if (fd < 0)
		return;
	reply = get_reply(sock, fd, buf, sizeof(buf));
	close(fd);
	if (reply && json_object_object_get_ex(reply, "migration", &mig)) {
		round = (int)num(mig, "round");
		if (round > *last_round) {
			*last_round = round;
			printf("round %d: sent %.1f MB, left %.1f MB, dirty %.1f MB/s, expected downtime %.0f ms%s\n",
			       round, num(mig, "sent") / 1e6, num(mig, "left") / 1e6,
			       num(mig, "dirty_rate") / 1e6,
			       num(mig, "expected_downtime_ms"),
			       num(mig, "throttle_pct") ? ", throttled" : "");
			fflush(stdout);
		}
	}
	json_object_put(reply);
}

static int send_request(const char *sock, json_object *req, int follow)
{
	char buf[MVM_CTL_LINE_MAX + 1];
	json_object *reply;
	int fd, ret = 1, last_round = 0;

	fd = send_line(sock, req);
	if (fd < 0)
		return 1;
	/* A migration answers at its end: show its rounds meanwhile. */
	while (follow) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 500) != 0)
			break;
		show_progress(sock, &last_round);
	}
	reply = get_reply(sock, fd, buf, sizeof(buf));
	if (reply) {
		printf("%s\n", buf);
		ret = !reply_ok(reply);
	}
	json_object_put(reply);
	close(fd);
	return ret;
}

/* migrate's options, after its address, into req: 0, or EXIT_USAGE. */
static int migrate_opts(json_object *req, int argc, char **argv, int *detach)
{
	static const struct {
		const char *opt, *key;
		long max;
	} ints[] = {
		{ "--downtime-ms", "downtime_ms", 60000 },
		{ "--max-bandwidth", "max_bandwidth", 1000000 },
		{ "--timeout", "timeout", 3600 },
	};
	int i;
	size_t k;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--detach")) {
			*detach = 1;
			json_object_object_add(req, "detach", json_object_new_boolean(1));
			continue;
		}
		for (k = 0; k < sizeof(ints) / sizeof(ints[0]); k++)
			if (!strcmp(argv[i], ints[k].opt))
				break;
		if (k == sizeof(ints) / sizeof(ints[0]))
			return cli_usage_err("ctl", "migrate: unknown option '%s'", argv[i]);
		{
			char *end;
			long v;

			if (i + 1 == argc)
				return cli_usage_err("ctl", "%s needs a value", argv[i]);
			errno = 0;
			v = strtol(argv[++i], &end, 10);
			if (errno || *end || v < 1 || v > ints[k].max)
				return cli_usage_err("ctl", "%s '%s': a number from 1 to %ld",
						     ints[k].opt, argv[i], ints[k].max);
			json_object_object_add(req, ints[k].key,
					       json_object_new_int64(v));
		}
	}
	return 0;
}

static int request(const char *sock, const char *cmd, const char *arg,
		   int argc, char **argv)
{
	json_object *req = json_object_new_object();
	char path[PATH_MAX];
	int detach = 0, ret;

	if (!req)
		return 1;
	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	if (arg) {
		/* The VMM's working directory is not ours: give it ours. */
		if (arg[0] != '/' && !strcmp(arg_name(cmd), "path")) {
			if (!getcwd(path, sizeof(path)) ||
			    strlen(path) + 1 + strlen(arg) >= sizeof(path)) {
				json_object_put(req);
				return cli_usage_err("ctl", "%s: the path is too long", arg);
			}
			strcat(path, "/");
			strcat(path, arg);
			arg = path;
		}
		json_object_object_add(req, arg_name(cmd),
				       json_object_new_string(arg));
	}
	if (!strcmp(cmd, "migrate")) {
		ret = migrate_opts(req, argc, argv, &detach);
		if (ret) {
			json_object_put(req);
			return ret;
		}
	}
	ret = send_request(sock, req, !strcmp(cmd, "migrate") && !detach);
	json_object_put(req);
	return ret;
}

int cmd_ctl(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP,
		{ NULL, 0, NULL, 0 }
	};
	const char *cmd;
	int c, nargs;

	(void)cli;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return 0;
		default:
			return cli_bad_option("ctl", c, argv);
		}
	}
	if (argc - optind < 2)
		return cli_usage_err("ctl", "give the socket and one command");
	nargs = argc - optind - 2;
	cmd = argv[optind + 1];
	if (!strcmp(cmd, "migrate") ? nargs < 1 :
	    nargs != !!arg_name(cmd))
		return cli_usage_err("ctl", "%s takes %s", cmd,
				     arg_name(cmd) ? "one argument" : "no argument");
	return request(argv[optind], cmd, arg_name(cmd) ? argv[optind + 2] : NULL,
		       nargs > 1 ? nargs - 1 : 0, argv + optind + 3);
}

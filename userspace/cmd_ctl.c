// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm ctl: send one request to a running mvm's control socket (mvm run
 * --api-sock) and print its reply.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "ctl.h"

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
		"\n"
		"The protocol: one JSON object per line each way, {\"cmd\": \"pause\"} answered\n"
		"by {\"ok\": true} or {\"ok\": false, \"error\": \"...\"}.\n"
		"\n"
		"Exit status: 0 when the request was carried out, 1 when it was refused or\n"
		"no reply came (the reason on stderr), 2 for a usage error.\n"
		"\n"
		"options:\n"
		"  -h, --help       show this help\n");
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
	return !strcmp(cmd, "snapshot") ? "path" : NULL;
}

static int send_request(const char *sock, const char *cmd, const char *arg)
{
	char buf[MVM_CTL_LINE_MAX + 1], line[MVM_CTL_LINE_MAX];
	json_object *req = json_object_new_object(), *reply, *ok;
	char path[PATH_MAX];
	ssize_t n;
	int fd, len, ret = 1;

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
	len = snprintf(line, sizeof(line), "%s\n",
		       json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
	json_object_put(req);
	if (len < 0 || (size_t)len >= sizeof(line))
		return cli_usage_err("ctl", "the command is too long");

	fd = connect_to(sock);
	if (fd < 0) {
		cli_err("ctl: cannot connect to %s: %s", sock, strerror(errno));
		return 1;
	}
	if (send(fd, line, (size_t)len, MSG_NOSIGNAL) != len) {
		cli_err("ctl: cannot send to %s: %s", sock, strerror(errno));
		goto out;
	}
	n = read_line(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		cli_err("ctl: no reply from %s: %s", sock,
			errno == EAGAIN ? "timed out" :
			errno == EPROTO ? "the connection ended" : strerror(errno));
		goto out;
	}
	buf[n] = '\0';
	printf("%s\n", buf);
	reply = json_tokener_parse(buf);
	if (reply && json_object_object_get_ex(reply, "ok", &ok) &&
	    json_object_is_type(ok, json_type_boolean) &&
	    json_object_get_boolean(ok))
		ret = 0;
	else if (!reply)
		cli_err("ctl: the reply is not JSON");
	json_object_put(reply);
out:
	close(fd);
	return ret;
}

int cmd_ctl(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP,
		{ NULL, 0, NULL, 0 }
	};
	int c;

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
	if (argc - optind != 2 + !!arg_name(argv[optind + 1]))
		return cli_usage_err("ctl", "%s takes %s", argv[optind + 1],
				     arg_name(argv[optind + 1]) ?
				     "one argument" : "no argument");
	return send_request(argv[optind], argv[optind + 1],
			    argv[optind + 2]);
}

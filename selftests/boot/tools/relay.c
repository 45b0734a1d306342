// SPDX-License-Identifier: GPL-2.0-only
/*
 * relay: forward one connection both ways, optionally spoiling it, for the
 * migration tests (boot/migrate_faults.sh).
 *
 *   relay LISTEN_ADDR CONNECT_ADDR [--flip-at N] [--close-at N]
 *
 * Addresses are tcp:HOST:PORT (HOST numeric: 127.0.0.1, [::1]) or
 * unix:PATH.  It listens on LISTEN_ADDR, says "relay: listening" on stderr,
 * takes one connection, connects to CONNECT_ADDR and copies bytes both ways
 * until both directions ended.  --flip-at N flips the lowest bit of the byte
 * at offset N (from 0) of the client-to-server direction; --close-at N closes
 * both ends once N bytes of that direction went through.  On its way out it
 * says on stderr how many bytes went each way.  A UNIX path it listened on is
 * removed.  Exit status 0 when it relayed (whatever the ends did), 1 on an
 * error of its own, 2 for a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Nothing moved for this long: the test that ran it is gone. */
#define IDLE_MS		(300 * 1000)
#define BUF_SIZE	(64 * 1024)

static const char *unlink_path;

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "relay: %s%s%s: %s\n", what, arg ? " " : "", arg ? arg : "",
		strerror(errno));
	if (unlink_path)
		unlink(unlink_path);
	exit(1);
}

/* ---- Addresses ---- */

struct addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* Parse tcp:HOST:PORT or unix:PATH into a; 0, or -1 (not an address). */
static int parse(const char *s, struct addr *a)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&a->ss;
	struct sockaddr_un *un = (struct sockaddr_un *)&a->ss;
	char host[64], *end;
	const char *colon;
	unsigned long port;
	size_t hlen;

	memset(a, 0, sizeof(*a));
	if (!strncmp(s, "unix:", 5)) {
		if (!s[5] || strlen(s + 5) >= sizeof(un->sun_path))
			return -1;
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, s + 5);
		a->len = sizeof(*un);
		return 0;
	}
	if (strncmp(s, "tcp:", 4))
		return -1;
	s += 4;
	colon = strrchr(s, ':');
	if (!colon || colon == s)
		return -1;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || !colon[1] || port > 65535)
		return -1;
	hlen = (size_t)(colon - s);
	if (s[0] == '[' && s[hlen - 1] == ']') {
		s++;
		hlen -= 2;
	}
	if (hlen >= sizeof(host))
		return -1;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		a->len = sizeof(*in);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		a->len = sizeof(*in6);
		return 0;
	}
	return -1;
}

static int listen_on(const char *s, const struct addr *a)
{
	int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		die("socket for", s);
	if (a->ss.ss_family != AF_UNIX)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0)
		die("cannot bind", s);
	if (a->ss.ss_family == AF_UNIX)
		unlink_path = ((const struct sockaddr_un *)&a->ss)->sun_path;
	if (listen(fd, 1) < 0)
		die("cannot listen on", s);
	return fd;
}

static int connect_to(const char *s, const struct addr *a)
{
	int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket for", s);
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len) < 0)
		die("cannot connect to", s);
	return fd;
}

/* ---- Relaying ---- */

/* One direction: bytes read from `from` wait in buf until `to` takes them. */
struct dir {
	int from, to;
	char buf[BUF_SIZE];
	size_t head, tail;	/* buf[head..tail) is still to be written */
	uint64_t moved;		/* bytes written to `to` */
	int eof;		/* `from` ended; `to` is shut down once buf is empty */
	int done;
};

/* Read what fits (never past limit bytes in all): 0, or -1 at an error. */
static int fill(struct dir *d, uint64_t limit)
{
	uint64_t room = sizeof(d->buf), seen = d->moved + (d->tail - d->head);
	ssize_t n;

	if (limit - seen < room)
		room = limit - seen;
	if (!room)
		return 0;
	n = read(d->from, d->buf, (size_t)room);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0)
		d->eof = 1;
	d->head = 0;
	d->tail = (size_t)n;
	return 0;
}

static int drain(struct dir *d)
{
	ssize_t n = write(d->to, d->buf + d->head, d->tail - d->head);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	d->head += (size_t)n;
	d->moved += (uint64_t)n;
	return 0;
}

static uint64_t number(const char *opt, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s ? s : "", &end, 10);
	if (!s || !*s || *end || errno || s[0] == '-') {
		fprintf(stderr, "relay: %s needs a byte offset\n", opt);
		exit(2);
	}
	return v;
}

static void usage(void)
{
	fprintf(stderr, "usage: relay LISTEN_ADDR CONNECT_ADDR [--flip-at N] [--close-at N]\n"
		"  (addresses: tcp:HOST:PORT with a numeric HOST, or unix:PATH)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t flip_at = UINT64_MAX, close_at = UINT64_MAX;
	struct dir *up, *down;	/* client to server, server to client */
	struct addr la, ca;
	int lfd, cfd, sfd, i, flipped = 0;
	const char *why = "both ends closed";

	if (argc < 3 || parse(argv[1], &la) || parse(argv[2], &ca))
		usage();
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--flip-at"))
			flip_at = number(argv[i], argv[i + 1]);
		else if (!strcmp(argv[i], "--close-at"))
			close_at = number(argv[i], argv[i + 1]);
		else
			usage();
		i++;
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stderr, NULL, _IONBF, 0);

	lfd = listen_on(argv[1], &la);
	fprintf(stderr, "relay: listening\n");
	cfd = accept(lfd, NULL, NULL);
	if (cfd < 0)
		die("cannot accept on", argv[1]);
	close(lfd);
	if (unlink_path) {
		unlink(unlink_path);
		unlink_path = NULL;
	}
	sfd = connect_to(argv[2], &ca);
	fcntl(cfd, F_SETFL, O_NONBLOCK);
	fcntl(sfd, F_SETFL, O_NONBLOCK);

	up = calloc(1, sizeof(*up));
	down = calloc(1, sizeof(*down));
	if (!up || !down)
		die("out of memory", NULL);
	up->from = cfd;
	up->to = sfd;
	down->from = sfd;
	down->to = cfd;

	while (!up->done || !down->done) {
		struct pollfd p[2] = { { .fd = cfd }, { .fd = sfd } };
		struct dir *d[2] = { up, down };
		int k, n;

		/* Each descriptor waits for what its directions need next. */
		for (k = 0; k < 2; k++) {
			struct pollfd *rd = &p[k], *wr = &p[!k];

			if (d[k]->done)
				continue;
			if (d[k]->head < d[k]->tail)
				wr->events |= POLLOUT;
			else if (!d[k]->eof)
				rd->events |= POLLIN;
		}
		/* A hung-up end nobody waits on must not wake the loop. */
		for (k = 0; k < 2; k++)
			if (!p[k].events)
				p[k].fd = -1;
		n = poll(p, 2, IDLE_MS);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("poll", NULL);
		if (n == 0) {
			why = "nothing moved for 300 s";
			break;
		}
		for (k = 0; k < 2; k++) {
			struct dir *x = d[k];
			int rfd = k, wfd = !k;
			uint64_t off;

			if (x->done)
				continue;
			if (x->head == x->tail && !x->eof &&
			    (p[rfd].revents & (POLLIN | POLLHUP | POLLERR))) {
				if (fill(x, x == up ? close_at : UINT64_MAX) < 0) {
					why = "a read failed";
					goto out;
				}
				off = x->moved;
				if (x == up && !flipped && flip_at >= off &&
				    flip_at < off + x->tail) {
					x->buf[flip_at - off] ^= 1;
					flipped = 1;
					fprintf(stderr, "relay: flipped bit 0 of byte %llu\n",
						(unsigned long long)flip_at);
				}
			}
			if (x->head < x->tail &&
			    (p[wfd].revents & (POLLOUT | POLLERR | POLLHUP))) {
				if (drain(x) < 0) {
					why = "a write failed (the other end went away)";
					goto out;
				}
			}
			if (x == up && x->moved >= close_at) {
				why = "--close-at reached";
				goto out;
			}
			if (x->eof && x->head == x->tail) {
				shutdown(x->to, SHUT_WR);
				x->done = 1;
			}
		}
	}
out:
	fprintf(stderr, "relay: %s: %" PRIu64 " bytes to the server, %" PRIu64
		" to the client\n", why, up->moved, down->moved);
	close(cfd);
	close(sfd);
	return 0;
}

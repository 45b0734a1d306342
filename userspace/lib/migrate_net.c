// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: a migration's addresses (tcp:HOST:PORT, unix:PATH) and the
 * checks of its handshake (migrate.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "migrate.h"

/* ---- Addresses ---- */

struct mig_addr {
	int unix_path;
	char host[256], port[16];
	struct sockaddr_un un;
};

static int fail(const char **why, const char *what, int err)
{
	*why = what;
	errno = err;
	return -1;
}

static int parse(const char *uri, struct mig_addr *a, const char **why)
{
	const char *colon;

	memset(a, 0, sizeof(*a));
	if (!strncmp(uri, "unix:", 5)) {
		a->unix_path = 1;
		if (!uri[5] || mvm_unix_addr(uri + 5, &a->un) < 0)
			return fail(why, "the UNIX socket path is empty or too long", EINVAL);
		return 0;
	}
	if (strncmp(uri, "tcp:", 4))
		return fail(why, "an address is tcp:HOST:PORT or unix:PATH", EINVAL);
	uri += 4;
	colon = strrchr(uri, ':');
	if (!colon || colon == uri || !colon[1] ||
	    (size_t)(colon - uri) >= sizeof(a->host) ||
	    strlen(colon + 1) >= sizeof(a->port) ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return fail(why, "a TCP address is tcp:HOST:PORT", EINVAL);
	memcpy(a->host, uri, (size_t)(colon - uri));
	/* [::1]:PORT */
	if (a->host[0] == '[' && a->host[strlen(a->host) - 1] == ']') {
		memmove(a->host, a->host + 1, strlen(a->host) - 2);
		a->host[strlen(a->host) - 2] = '\0';
	}
	strcpy(a->port, colon + 1);
	return 0;
}

static int tcp_socket(const struct addrinfo *ai)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			ai->ai_protocol), one = 1;

	/* Small sections (the handshake, the last state) go out at once. */
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

#define UNIX_RETRY_MS	20	/* a full UNIX listener: how often to try again */

/*
 * connect() without blocking past io's timeout or cancel (a host that
 * drops the SYNs would hold it for minutes): 0, or -1 with errno.  A TCP
 * connect goes on in the background (EINPROGRESS) and is waited for; a
 * UNIX one to a listener whose queue is full fails at once (EAGAIN) and
 * is tried again, in slices that count against the timeout.
 */
static int connect_waiting(struct mvm_state_io *io, const struct sockaddr *sa,
			   socklen_t len)
{
	int flags = fcntl(io->fd, F_GETFL), err = 0, waited = 0;
	struct timespec slice = { 0, UNIX_RETRY_MS * 1000000L };
	socklen_t n = sizeof(err);

	if (flags < 0 || fcntl(io->fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -1;
	while (connect(io->fd, sa, len) < 0) {
		if (errno == EINPROGRESS || errno == EINTR) {
			if (mvm_state_io_wait(io, 1) < 0 ||
			    getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &err, &n) < 0)
				return -1;
			if (err) {
				errno = err;
				return -1;
			}
			break;
		}
		if (errno != EAGAIN)
			return -1;
		if (io->cancel && __atomic_load_n(io->cancel, __ATOMIC_ACQUIRE)) {
			errno = ECANCELED;
			return -1;
		}
		if (io->timeout_ms > 0 && waited >= io->timeout_ms) {
			errno = ETIMEDOUT;
			return -1;
		}
		nanosleep(&slice, NULL);
		waited += UNIX_RETRY_MS;
	}
	return fcntl(io->fd, F_SETFL, flags);
}

int mvm_mig_connect(const char *uri, struct mvm_state_io *io, const char **why)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	struct mig_addr a;
	int err = 0;

	io->fd = -1;
	if (parse(uri, &a, why) < 0)
		return -1;
	if (a.unix_path) {
		io->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (io->fd < 0)
			return fail(why, "socket", errno);
		if (connect_waiting(io, (struct sockaddr *)&a.un, sizeof(a.un)) < 0) {
			err = errno;
			close(io->fd);
			io->fd = -1;
			return fail(why, "cannot connect", err);
		}
		return 0;
	}
	err = getaddrinfo(a.host, a.port, &hints, &res);
	if (err)
		return fail(why, "the host name does not resolve", EHOSTUNREACH);
	for (ai = res; ai; ai = ai->ai_next) {
		io->fd = tcp_socket(ai);
		if (io->fd < 0) {
			err = errno;
			continue;
		}
		if (connect_waiting(io, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = errno;
		close(io->fd);
		io->fd = -1;
		if (err == ECANCELED)
			break;
	}
	freeaddrinfo(res);
	if (io->fd < 0)
		return fail(why, "cannot connect", err);
	return 0;
}

int mvm_mig_listen(const char *uri, const char **why)
{
	struct addrinfo hints = {
		.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE,
	}, *res;
	struct mig_addr a;
	int fd, r, err, one = 1;

	if (parse(uri, &a, why) < 0)
		return -1;
	if (a.unix_path) {
		fd = mvm_unix_listen(a.un.sun_path, 1);
		return fd < 0 ? fail(why, "cannot listen", errno) : fd;
	}
	err = getaddrinfo(a.host, a.port, &hints, &res);
	if (err)
		return fail(why, "the host name does not resolve", EADDRNOTAVAIL);
	fd = tcp_socket(res);
	if (fd < 0) {
		err = errno;
		freeaddrinfo(res);
		return fail(why, "socket", err);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	r = bind(fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (r < 0 || listen(fd, 1) < 0) {
		err = errno;
		close(fd);
		return fail(why, "cannot listen", err);
	}
	return fd;
}

int mvm_mig_accept(int listen_fd, const char *uri)
{
	struct mig_addr a;
	const char *why;
	int fd, err;

	do
		fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	err = errno;
	close(listen_fd);
	if (parse(uri, &a, &why) == 0 && a.unix_path)
		unlink(a.un.sun_path);
	errno = err;
	return fd;
}

/* ---- The handshake's checks ---- */

/* The registers that say what a guest may use: each bit it has must stay. */
static const struct {
	uint32_t function, index;
	unsigned int reg;	/* 0 eax .. 3 edx */
	const char *name;
} features[] = {
	{ 0x1, 0, 2, "1.ecx" }, { 0x1, 0, 3, "1.edx" },
	{ 0x7, 0, 1, "7.0.ebx" }, { 0x7, 0, 2, "7.0.ecx" },
	{ 0x7, 0, 3, "7.0.edx" },
	{ 0xd, 0, 0, "0xd.0.eax (XCR0)" }, { 0xd, 0, 3, "0xd.0.edx (XCR0)" },
	{ 0xd, 1, 0, "0xd.1.eax" },
	{ 0x40000001, 0, 0, "0x40000001.eax (KVM features)" },
	{ 0x80000001, 0, 2, "0x80000001.ecx" },
	{ 0x80000001, 0, 3, "0x80000001.edx" },
	{ 0x80000008, 0, 1, "0x80000008.ebx" },
};

static const struct mvm_cpuid_entry *find(const struct mvm_cpuid_entry *e,
					  uint32_t n, uint32_t function,
					  uint32_t index)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (e[i].function == function &&
		    (!(e[i].flags & MVM_CPUID_FLAG_INDEX) || e[i].index == index))
			return &e[i];
	return NULL;
}

static uint32_t reg(const struct mvm_cpuid_entry *e, unsigned int r)
{
	if (!e)
		return 0;
	return r == 0 ? e->eax : r == 1 ? e->ebx : r == 2 ? e->ecx : e->edx;
}

int mvm_mig_cpuid_fits(const struct mvm_cpuid_entry *have, uint32_t nhave,
		       const struct mvm_cpuid_entry *want, uint32_t nwant,
		       char *why, size_t cap)
{
	const struct mvm_cpuid_entry *h, *w;
	uint32_t missing;
	size_t i;

	for (i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		w = find(want, nwant, features[i].function, features[i].index);
		if (!w)
			continue;
		h = find(have, nhave, features[i].function, features[i].index);
		missing = reg(w, features[i].reg) & ~reg(h, features[i].reg);
		if (missing) {
			snprintf(why, cap, "the guest has CPU features this host cannot give: CPUID %s bits 0x%x",
				 features[i].name, missing);
			return -1;
		}
	}
	/* Guest-physical address width: 0x80000008 EAX[7:0]. */
	w = find(want, nwant, 0x80000008, 0);
	h = find(have, nhave, 0x80000008, 0);
	if (w && (!h || (h->eax & 0xff) < (w->eax & 0xff))) {
		snprintf(why, cap, "the guest has %u-bit physical addresses, this host gives %u",
			 w->eax & 0xff, h ? h->eax & 0xff : 0);
		return -1;
	}
	return 0;
}

int mvm_mig_send_reply(struct mvm_state_io *io, uint32_t status,
		       const char *msg)
{
	struct mvm_state s;
	uint32_t n = (uint32_t)strlen(msg);
	int r;

	mvm_state_init(&s);
	mvm_state_begin(&s, MVM_STATE_REPLY, "reply", 0);
	mvm_state_put_u32(&s, status);
	mvm_state_put_u32(&s, n);
	mvm_state_put_bytes(&s, msg, n);
	r = mvm_state_end(&s) < 0 ? -1 : mvm_state_io_send(io, &s);
	mvm_state_free(&s);
	return r;
}

int mvm_mig_recv_reply(struct mvm_state_io *io, char *buf, size_t cap)
{
	struct mvm_state_section sec;
	struct mvm_state s;
	uint32_t status = 0, n = 0;
	int r;

	mvm_state_init(&s);
	r = mvm_state_io_recv(io, &s, &sec, 4096);
	if (r == 0)
		errno = EPROTO;
	if (r != 1)
		goto err;
	if (sec.type != MVM_STATE_REPLY || strcmp(sec.name, "reply") ||
	    mvm_state_get_u32(&s, &status) < 0 ||
	    mvm_state_get_u32_max(&s, &n, (uint32_t)cap - 1) < 0 ||
	    mvm_state_get_bytes(&s, buf, n) < 0 || mvm_state_done(&s) < 0) {
		errno = EBADMSG;
		goto err;
	}
	buf[n] = '\0';
	mvm_state_free(&s);
	return (int)(status > 0xffff ? EPROTO : status);
err:
	r = errno;
	mvm_state_free(&s);
	errno = r;
	return -1;
}

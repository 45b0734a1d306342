// SPDX-License-Identifier: GPL-2.0-only
/*
 * A migration's connect (userspace/lib/migrate_net.c) waits as its
 * transfers do: to a listener whose queue is full (the kernel drops the
 * SYN, as a host behind a firewall does; a UNIX listener refuses with
 * EAGAIN) it gives up after the stream's timeout, or at once on a cancel,
 * instead of the minutes a blocking connect() takes;
 * one that answers gives a connection that then blocks as before; an
 * address nobody listens on is refused.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "migrate.h"

/* A loopback listener whose accept queue holds one, never accepted. */
static int listener(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t n = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 0) < 0 || getsockname(fd, (struct sockaddr *)&a, &n) < 0)
		return -1;
	*port = ntohs(a.sin_port);
	return fd;
}

FIXTURE(full) {
	int lfd, first;
	char uri[64];
};

FIXTURE_VARIANT(full) {
	bool unix_path;
};

FIXTURE_VARIANT_ADD(full, tcp) { .unix_path = false };
FIXTURE_VARIANT_ADD(full, unix_path) { .unix_path = true };

/*
 * The queue filled by a first connection: the next one's SYNs are
 * dropped (TCP), or it is refused with EAGAIN until there is room (UNIX).
 */
FIXTURE_SETUP(full)
{
	struct mvm_state_io io = { .timeout_ms = 5000 };
	const char *why = "";
	int port = 0;

	if (variant->unix_path) {
		snprintf(self->uri, sizeof(self->uri), "unix:/tmp/mvm-connect-%d.sock",
			 getpid());
		unlink(self->uri + 5);
		self->lfd = mvm_unix_listen(self->uri + 5, 0);
	} else {
		self->lfd = listener(&port);
		snprintf(self->uri, sizeof(self->uri), "tcp:127.0.0.1:%d", port);
	}
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, mvm_mig_connect(self->uri, &io, &why)) TH_LOG("%s", why);
	self->first = io.fd;
}

FIXTURE_TEARDOWN(full)
{
	close(self->first);
	close(self->lfd);
	if (variant->unix_path)
		unlink(self->uri + 5);
}

TEST_F(full, times_out)
{
	struct mvm_state_io io = { .timeout_ms = 300 };
	const char *why = "";

	ASSERT_EQ(-1, mvm_mig_connect(self->uri, &io, &why));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_STREQ("cannot connect", why);
	EXPECT_EQ(-1, io.fd);
}

TEST_F(full, cancelled)
{
	int cancel = 1;
	struct mvm_state_io io = { .timeout_ms = 60000, .cancel = &cancel };
	const char *why = "";

	ASSERT_EQ(-1, mvm_mig_connect(self->uri, &io, &why));
	EXPECT_EQ(ECANCELED, errno);
	EXPECT_EQ(-1, io.fd);
}

/* A connection made: blocking again, so the stream's own waits decide. */
TEST(answered_blocks)
{
	struct mvm_state_io io = { .timeout_ms = 5000 };
	const char *why = "";
	char uri[64];
	int lfd, port = 0, c;

	lfd = listener(&port);
	ASSERT_LE(0, lfd);
	snprintf(uri, sizeof(uri), "tcp:127.0.0.1:%d", port);
	ASSERT_EQ(0, mvm_mig_connect(uri, &io, &why)) TH_LOG("%s", why);
	ASSERT_LE(0, io.fd);
	EXPECT_EQ(0, fcntl(io.fd, F_GETFL) & O_NONBLOCK);
	c = accept(lfd, NULL, NULL);
	ASSERT_LE(0, c);
	EXPECT_EQ(3, write(c, "abc", 3));
	EXPECT_EQ(0, mvm_state_io_wait(&io, 0));
	close(c);
	close(io.fd);
	close(lfd);
}

TEST(refused)
{
	struct mvm_state_io io = { .timeout_ms = 5000 };
	const char *why = "";
	char uri[64];
	int lfd, port = 0;

	/* A port that was just free, and is again. */
	lfd = listener(&port);
	ASSERT_LE(0, lfd);
	close(lfd);
	snprintf(uri, sizeof(uri), "tcp:127.0.0.1:%d", port);
	ASSERT_EQ(-1, mvm_mig_connect(uri, &io, &why));
	EXPECT_EQ(ECONNREFUSED, errno);
	EXPECT_EQ(-1, mvm_mig_connect("unix:/nonexistent/mvm-migrate.sock", &io, &why));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_STREQ("cannot connect", why);
}

TEST_HARNESS_MAIN

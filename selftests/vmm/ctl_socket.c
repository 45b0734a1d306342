// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control socket (userspace/lib/ctl.c), served for a machine without
 * vCPUs: requests change its state as they say; malformed, unknown and
 * oversized requests (migrate's arguments of the wrong type or out of
 * range among them) are answered with an error and change nothing; a
 * client that hangs up mid-request changes nothing; the socket is 0600
 * and an existing path is never replaced; a socket bound before it is
 * served answers its early clients once it is.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ctl.h"
#include "libmvm.h"

static int ask(struct mvm_machine *m, const char *req, char *reply)
{
	return mvm_ctl_handle(m, req, strlen(req), reply, MVM_CTL_LINE_MAX);
}

TEST(requests)
{
	static const char *const bad[] = {
		"", "   ", "pause", "{", "{\"cmd\":", "{\"cmd\":\"pause\"",
		"[\"pause\"]", "42", "\"pause\"", "null", "{}",
		"{\"cmd\":1}", "{\"cmd\":null}", "{\"cmd\":[\"pause\"]}",
		"{\"cmd\":\"Pause\"}", "{\"cmd\":\"pause \"}", "{\"cmd\":\"reboot\"}",
		"{\"cmd\":\"pause\",\"now\":true}", "{\"cmd\":\"pause\"} x",
		"{\"cmd\":\"pause\"}{\"cmd\":\"pause\"}",
		"{\"cmd\":\"pause\",\"cmd\":\"resume\",\"x\":1}",
		"{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":1}}}}},\"cmd\":\"pause\"}",
		"{\"cmd\":\"snapshot\"}", "{\"cmd\":\"snapshot\",\"path\":\"\"}",
		"{\"cmd\":\"snapshot\",\"path\":7}",
		"{\"cmd\":\"snapshot\",\"path\":\"\\u0000/x\"}",
		"{\"cmd\":\"snapshot\",\"path\":\"/tmp/a\\u0000b\"}",
		"{\"cmd\":\"snapshot\",\"path\":\"/tmp/x\",\"y\":1}",
		"{\"cmd\":\"migrate\"}", "{\"cmd\":\"migrate\",\"uri\":5}",
		"{\"cmd\":\"migrate\",\"uri\":\"tcp:h:1\",\"downtime_ms\":0}",
		"{\"cmd\":\"migrate\",\"uri\":\"tcp:h:1\",\"downtime_ms\":\"5\"}",
		"{\"cmd\":\"migrate\",\"uri\":\"tcp:h:1\",\"downtime_ms\":1.5}",
		"{\"cmd\":\"migrate\",\"uri\":\"tcp:h:1\",\"timeout\":100000}",
		"{\"cmd\":\"migrate\",\"uri\":\"tcp:h:1\",\"max_bandwidth\":-1}",
		"{\"cmd\":\"migrate\",\"uri\":\"tcp:h:1\",\"detach\":1}",
		"{\"cmd\":\"migrate\",\"uri\":\"tcp:h:1\",\"speed\":1}",
		/* Well-formed, but this machine has no VM and no vCPU to move. */
		"{\"cmd\":\"migrate\",\"uri\":\"unix:/nonexistent/x\"}",
		"{\"cmd\":\"migrate-cancel\"}", "{\"cmd\":\"migrate-cancel\",\"x\":1}",
	};
	char reply[MVM_CTL_LINE_MAX];
	struct mvm_machine m;
	size_t i;

	mvm_machine_init(&m, NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(0, ask(&m, bad[i], reply)) TH_LOG("taken: %s", bad[i]);
		EXPECT_NE(NULL, strstr(reply, "\"ok\":false")) TH_LOG("%s", reply);
		EXPECT_NE(NULL, strstr(reply, "\"error\":")) TH_LOG("%s", reply);
		EXPECT_EQ(0, mvm_machine_paused(&m)) TH_LOG("paused by: %s", bad[i]);
	}
	/* A NUL inside the line is no JSON either. */
	EXPECT_EQ(0, mvm_ctl_handle(&m, "{\"cmd\":\"pause\"}\0", 16, reply,
				    sizeof(reply)));
	EXPECT_EQ(0, mvm_machine_paused(&m));

	ASSERT_EQ(1, ask(&m, "{\"cmd\":\"status\"}", reply));
	EXPECT_NE(NULL, strstr(reply, "\"state\":\"running\"")) TH_LOG("%s", reply);
	ASSERT_EQ(1, ask(&m, " {\"cmd\": \"pause\"}\r", reply));
	EXPECT_STREQ("{\"ok\":true}", reply);
	EXPECT_EQ(1, mvm_machine_paused(&m));
	ASSERT_EQ(1, ask(&m, "{\"cmd\":\"pause\"}", reply));	/* again: fine */
	ASSERT_EQ(1, ask(&m, "{\"cmd\":\"status\"}", reply));
	EXPECT_NE(NULL, strstr(reply, "\"state\":\"paused\"")) TH_LOG("%s", reply);
	ASSERT_EQ(1, ask(&m, "{\"cmd\":\"resume\"}", reply));
	EXPECT_EQ(0, mvm_machine_paused(&m));
	mvm_machine_destroy(&m);
}

/* ---- Over the socket ---- */

static int dial(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(a.sun_path, path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	return fd;
}

/* Every reply line until n of them came or the server ended it. */
static int read_replies(int fd, char *buf, size_t cap, int n)
{
	size_t len = 0;
	int lines = 0;
	ssize_t r;

	while (lines < n && len < cap - 1) {
		r = recv(fd, buf + len, cap - 1 - len, 0);
		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r; i++)
			lines += buf[len + (size_t)i] == '\n';
		len += (size_t)r;
	}
	buf[len] = '\0';
	return lines;
}

FIXTURE(sock) {
	char dir[64], path[96];
	struct mvm_machine m;
	struct mvm_ctl *ctl;
};

FIXTURE_SETUP(sock)
{
	strcpy(self->dir, "/tmp/mvm-ctl-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/api", self->dir);
	mvm_machine_init(&self->m, NULL);
	self->ctl = mvm_ctl_start(&self->m, self->path);
	ASSERT_NE(NULL, self->ctl);
}

FIXTURE_TEARDOWN(sock)
{
	mvm_ctl_stop(self->ctl);
	/* The socket is gone with the server. */
	EXPECT_EQ(-1, access(self->path, F_OK));
	rmdir(self->dir);
	mvm_machine_destroy(&self->m);
}

TEST_F(sock, mode_and_existing_path)
{
	struct stat st;

	ASSERT_EQ(0, stat(self->path, &st));
	EXPECT_TRUE(S_ISSOCK(st.st_mode));
	EXPECT_EQ(0600U, st.st_mode & 0777U);
	/* A second server on the same path is refused; the first goes on. */
	EXPECT_EQ(NULL, mvm_ctl_start(&self->m, self->path));
	EXPECT_EQ(EADDRINUSE, errno);
	EXPECT_EQ(0, stat(self->path, &st));
}

TEST_F(sock, two_requests_one_write)
{
	char buf[2 * MVM_CTL_LINE_MAX];
	const char req[] = "{\"cmd\":\"pause\"}\n{\"cmd\":\"status\"}\n";
	int fd = dial(self->path);

	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)strlen(req), send(fd, req, strlen(req), 0));
	ASSERT_EQ(2, read_replies(fd, buf, sizeof(buf), 2));
	EXPECT_NE(NULL, strstr(buf, "{\"ok\":true}\n{\"ok\":true,\"state\":\"paused\""))
		TH_LOG("%s", buf);
	close(fd);
}

TEST_F(sock, hang_up_mid_request)
{
	char buf[MVM_CTL_LINE_MAX];
	int fd = dial(self->path);

	ASSERT_LE(0, fd);
	ASSERT_EQ(15, send(fd, "{\"cmd\":\"pause\"}", 15, 0));	/* no newline */
	close(fd);
	/* A request on a new connection is served after the hang-up. */
	fd = dial(self->path);
	ASSERT_LE(0, fd);
	ASSERT_EQ(17, send(fd, "{\"cmd\":\"status\"}\n", 17, 0));
	ASSERT_EQ(1, read_replies(fd, buf, sizeof(buf), 1));
	EXPECT_NE(NULL, strstr(buf, "\"state\":\"running\"")) TH_LOG("%s", buf);
	close(fd);
}

TEST_F(sock, oversized_request)
{
	char *big = malloc(3 * MVM_CTL_LINE_MAX), buf[MVM_CTL_LINE_MAX];
	int fd = dial(self->path);
	ssize_t sent = 0, n;

	ASSERT_NE(NULL, big);
	ASSERT_LE(0, fd);
	/* A valid pause, made too long by blanks: refused whole. */
	memset(big, ' ', 3 * MVM_CTL_LINE_MAX);
	memcpy(big, "{\"cmd\":\"pause\"}", 15);
	big[3 * MVM_CTL_LINE_MAX - 1] = '\n';
	while (sent < 3 * MVM_CTL_LINE_MAX) {
		n = send(fd, big + sent, (size_t)(3 * MVM_CTL_LINE_MAX - sent),
			 MSG_NOSIGNAL);
		if (n <= 0)
			break;	/* the server ended the connection */
		sent += n;
	}
	ASSERT_EQ(1, read_replies(fd, buf, sizeof(buf), 1));
	EXPECT_NE(NULL, strstr(buf, "\"error\":\"request too long\"")) TH_LOG("%s", buf);
	EXPECT_EQ(0, mvm_machine_paused(&self->m));
	close(fd);
	free(big);
}

/* More clients than are served at once: each gets its answer in turn. */
TEST_F(sock, many_clients)
{
	int fds[MVM_CTL_CLIENTS + 2];
	char buf[MVM_CTL_LINE_MAX];
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		fds[i] = dial(self->path);
		ASSERT_LE(0, fds[i]);
	}
	/* The first ones hold their places, silent; the last waits. */
	i = sizeof(fds) / sizeof(fds[0]) - 1;
	for (size_t j = 0; j < MVM_CTL_CLIENTS; j++)
		close(fds[j]);
	ASSERT_EQ(17, send(fds[i], "{\"cmd\":\"status\"}\n", 17, 0));
	ASSERT_EQ(1, read_replies(fds[i], buf, sizeof(buf), 1));
	EXPECT_NE(NULL, strstr(buf, "\"ok\":true")) TH_LOG("%s", buf);
	close(fds[i]);
	close(fds[i - 1]);
}

/*
 * Bound but not yet served (a migration's destination while the stream
 * arrives): a client connects, and its request is answered once served;
 * one that hung up meanwhile is dropped unread.
 */
TEST(listen_then_serve)
{
	char dir[] = "/tmp/mvm-ctl-XXXXXX", path[64], buf[MVM_CTL_LINE_MAX];
	const char req[] = "{\"cmd\":\"status\"}\n";
	const char pause[] = "{\"cmd\":\"pause\"}\n";
	struct pollfd p = { .events = POLLIN };
	int gone;
	struct mvm_machine m;
	struct mvm_ctl *ctl;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/api", dir);
	mvm_machine_init(&m, NULL);
	ctl = mvm_ctl_listen(&m, path);
	ASSERT_NE(NULL, ctl);
	/* Bound: a second one on the path is refused already. */
	EXPECT_EQ(NULL, mvm_ctl_listen(&m, path));
	EXPECT_EQ(EADDRINUSE, errno);
	/* A client that gave up: its pause is never carried out. */
	gone = dial(path);
	ASSERT_LE(0, gone);
	ASSERT_EQ((ssize_t)strlen(pause), send(gone, pause, strlen(pause), 0));
	close(gone);
	p.fd = dial(path);
	ASSERT_LE(0, p.fd);
	ASSERT_EQ((ssize_t)strlen(req), send(p.fd, req, strlen(req), 0));
	EXPECT_EQ(0, poll(&p, 1, 200)) TH_LOG("answered before it was served");
	ASSERT_EQ(0, mvm_ctl_serve(ctl));
	ASSERT_EQ(1, read_replies(p.fd, buf, sizeof(buf), 1));
	EXPECT_NE(NULL, strstr(buf, "\"state\":\"running\"")) TH_LOG("%s", buf);
	EXPECT_EQ(0, mvm_machine_paused(&m)) TH_LOG("a gone client's request ran");
	close(p.fd);
	mvm_ctl_stop(ctl);
	EXPECT_EQ(-1, access(path, F_OK));
	/* Stopped without ever serving: the socket goes too. */
	ctl = mvm_ctl_listen(&m, path);
	ASSERT_NE(NULL, ctl);
	mvm_ctl_stop(ctl);
	EXPECT_EQ(-1, access(path, F_OK));
	rmdir(dir);
	mvm_machine_destroy(&m);
}

TEST_HARNESS_MAIN

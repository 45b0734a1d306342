// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: the UNIX sockets mvm listens on (the control socket, a
 * migration's destination).  A socket is born mode 0600, so there is no
 * moment in which another user could connect, and never over an existing
 * path: a path in use is an error, not a socket taken from its owner.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "libmvm.h"

int mvm_unix_addr(const char *path, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(a->sun_path, path);
	return 0;
}

int mvm_unix_listen(const char *path, int backlog)
{
	struct sockaddr_un a;
	mode_t old;
	int fd, r, err;

	if (mvm_unix_addr(path, &a) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&a, sizeof(a));
	umask(old);
	if (r < 0 || listen(fd, backlog) < 0) {
		err = errno;
		if (r == 0)
			unlink(path);
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

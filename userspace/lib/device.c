// SPDX-License-Identifier: GPL-2.0-only
/* libmvm: device-level calls on /dev/mvm. */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libmvm.h"

int mvm_api_version(int dev_fd)
{
	return ioctl(dev_fd, MVM_GET_API_VERSION, 0);
}

int mvm_open(const char *path, struct mvm_open_status *st)
{
	int fd;

	st->step = MVM_OPEN_OK;
	st->version = -1;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		st->step = MVM_OPEN_OPEN;
		return -1;
	}

	st->version = mvm_api_version(fd);
	if (st->version < 0) {
		st->step = MVM_OPEN_VERSION;
		return mvm_close_failed(fd);
	}
	if (st->version != MVM_API_VERSION) {
		st->step = MVM_OPEN_MISMATCH;
		errno = EPROTONOSUPPORT;
		return mvm_close_failed(fd);
	}
	return fd;
}

int mvm_close_failed(int fd)
{
	int err = errno;

	close(fd);
	errno = err;
	return -1;
}

int mvm_check_extension(int dev_fd, unsigned int cap, unsigned long *value)
{
	int ret = ioctl(dev_fd, MVM_CHECK_EXTENSION, (unsigned long)cap);

	if (ret < 0)
		return -1;
	*value = (unsigned int)ret;
	return 0;
}

int mvm_create_vm(int dev_fd)
{
	return ioctl(dev_fd, MVM_CREATE_VM, 0UL);
}

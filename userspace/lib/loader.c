// SPDX-License-Identifier: GPL-2.0-only
/* libmvm: putting images into guest RAM. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libmvm.h"

int mvm_open_regular(const char *path, uint64_t *size)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		return mvm_close_failed(fd);
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return mvm_close_failed(fd);
	}
	*size = (uint64_t)st.st_size;
	return fd;
}

int mvm_read_all(int fd, void *dst, uint64_t n)
{
	uint64_t done = 0;

	while (done < n) {
		ssize_t r = read(fd, (uint8_t *)dst + done, n - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			errno = EIO;	/* the file shrank under us */
			return -1;
		}
		done += (uint64_t)r;
	}
	return 0;
}

int mvm_load_raw(const char *path, void *ram, uint64_t ram_size,
		 uint64_t addr, uint64_t *size)
{
	int fd;

	fd = mvm_open_regular(path, size);
	if (fd < 0)
		return -1;
	if (!*size) {
		errno = ENODATA;
		return mvm_close_failed(fd);
	}
	if (addr > ram_size || *size > ram_size - addr) {
		errno = EFBIG;
		return mvm_close_failed(fd);
	}
	if (mvm_read_all(fd, (uint8_t *)ram + addr, *size) < 0)
		return mvm_close_failed(fd);
	close(fd);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/* libmvm: putting images into guest RAM. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libmvm.h"

int mvm_load_raw(const char *path, void *ram, uint64_t ram_size,
		 uint64_t addr, uint64_t *size)
{
	uint8_t *dst = (uint8_t *)ram + addr;
	uint64_t done = 0;
	struct stat st;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto err_close;
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto err_close;
	}
	*size = (uint64_t)st.st_size;
	if (!*size) {
		errno = ENODATA;
		goto err_close;
	}
	if (addr > ram_size || *size > ram_size - addr) {
		errno = EFBIG;
		goto err_close;
	}

	while (done < *size) {
		ssize_t n = read(fd, dst + done, *size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto err_close;
		if (n == 0) {
			errno = EIO;	/* the file shrank under us */
			goto err_close;
		}
		done += (uint64_t)n;
	}
	close(fd);
	return 0;

err_close:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

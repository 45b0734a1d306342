// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: state stream sections over a descriptor.  A receiver reads a
 * section's fixed header first and refuses a length above what it will
 * take before it allocates anything, then reads the payload and checks it
 * with the same code that checks a stream in memory (state.c).
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state.h"

static int write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* n bytes, or -1: EPROTO when fd ends first (*got says how far). */
static int read_all(int fd, uint8_t *p, size_t n, size_t *got)
{
	ssize_t r;

	*got = 0;
	while (*got < n) {
		r = read(fd, p + *got, n - *got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			errno = EPROTO;
			return -1;
		}
		*got += (size_t)r;
	}
	return 0;
}

int mvm_state_send(int fd, const struct mvm_state *s)
{
	if (s->err) {
		errno = s->err;
		return -1;
	}
	return write_all(fd, s->buf, s->len);
}

int mvm_state_recv_header(int fd)
{
	uint8_t buf[MVM_STATE_HDR_SIZE];
	struct mvm_state s;
	size_t got;

	if (read_all(fd, buf, sizeof(buf), &got) < 0)
		return -1;
	mvm_state_init_read(&s, buf, sizeof(buf));
	return mvm_state_get_header(&s);
}

int mvm_state_recv(int fd, struct mvm_state *s, struct mvm_state_section *sec,
		   size_t max)
{
	uint8_t hdr[MVM_STATE_SEC_SIZE];
	uint64_t len;
	size_t got;
	uint8_t *b;

	free(s->buf);
	mvm_state_init(s);
	if (read_all(fd, hdr, sizeof(hdr), &got) < 0)
		return got == 0 && errno == EPROTO ? 0 : -1;
	memcpy(&len, hdr + 32, 8);
	len = le64toh(len);
	if (len > max) {
		errno = EMSGSIZE;
		return -1;
	}
	b = malloc(sizeof(hdr) + (size_t)len);
	if (!b)
		return -1;
	memcpy(b, hdr, sizeof(hdr));
	if (read_all(fd, b + sizeof(hdr), (size_t)len, &got) < 0) {
		free(b);
		return -1;
	}
	/* Checked and opened as one section of a stream in memory. */
	s->buf = b;
	s->len = s->cap = s->end = sizeof(hdr) + (size_t)len;
	return mvm_state_next(s, sec) == 1 ? 1 : -1;
}

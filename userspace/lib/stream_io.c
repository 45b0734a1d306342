// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: state stream sections over a descriptor.  A receiver reads a
 * section's fixed header first and refuses a length above what it will
 * take before it allocates anything, then reads the payload and checks it
 * with the same code that checks a stream in memory (state.c).  A
 * migration's transfers also give up on a cancel or when nothing moves
 * for a while (struct mvm_state_io).
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "state.h"

#define POLL_SLICE_MS	200	/* how often a waiting transfer looks at cancel */

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * Wait until io's descriptor can take (out) or give bytes: 0, or -1 with
 * ECANCELED (io->cancel was set) or ETIMEDOUT (nothing moved for
 * io->timeout_ms).  Without a timeout the descriptor simply blocks.
 */
static int wait_io(struct mvm_state_io *io, int out, int64_t since)
{
	struct pollfd p = { .fd = io->fd, .events = out ? POLLOUT : POLLIN };
	int r;

	if (io->timeout_ms <= 0 && !io->cancel)
		return 0;
	for (;;) {
		if (io->cancel && __atomic_load_n(io->cancel, __ATOMIC_ACQUIRE)) {
			errno = ECANCELED;
			return -1;
		}
		r = poll(&p, 1, POLL_SLICE_MS);
		if (r < 0 && errno != EINTR)
			return -1;
		if (r > 0)
			return 0;
		if (io->timeout_ms > 0 && now_ms() - since >= io->timeout_ms) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
}

int mvm_state_io_wait(struct mvm_state_io *io, int out)
{
	return wait_io(io, out, now_ms());
}

static int write_all(struct mvm_state_io *io, const uint8_t *p, size_t n)
{
	int64_t since = now_ms();
	ssize_t w;

	while (n) {
		if (wait_io(io, 1, since) < 0)
			return -1;
		w = send(io->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == ENOTSOCK)
			w = write(io->fd, p, n);
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
		io->bytes += (uint64_t)w;
		since = now_ms();
	}
	return 0;
}

/* n bytes, or -1: EPROTO when fd ends first (*got says how far). */
static int read_all(struct mvm_state_io *io, uint8_t *p, size_t n, size_t *got)
{
	int64_t since = now_ms();
	ssize_t r;

	*got = 0;
	while (*got < n) {
		if (wait_io(io, 0, since) < 0)
			return -1;
		r = read(io->fd, p + *got, n - *got);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			errno = EPROTO;
			return -1;
		}
		*got += (size_t)r;
		io->bytes += (uint64_t)r;
		since = now_ms();
	}
	return 0;
}

int mvm_state_io_send(struct mvm_state_io *io, const struct mvm_state *s)
{
	if (s->err) {
		errno = s->err;
		return -1;
	}
	return write_all(io, s->buf, s->len);
}

int mvm_state_send(int fd, const struct mvm_state *s)
{
	struct mvm_state_io io = { .fd = fd };

	return mvm_state_io_send(&io, s);
}

int mvm_state_io_recv_header(struct mvm_state_io *io)
{
	uint8_t buf[MVM_STATE_HDR_SIZE];
	struct mvm_state s;
	size_t got;

	if (read_all(io, buf, sizeof(buf), &got) < 0)
		return -1;
	mvm_state_init_read(&s, buf, sizeof(buf));
	return mvm_state_get_header(&s);
}

int mvm_state_recv_header(int fd)
{
	struct mvm_state_io io = { .fd = fd };

	return mvm_state_io_recv_header(&io);
}

int mvm_state_io_recv(struct mvm_state_io *io, struct mvm_state *s,
		      struct mvm_state_section *sec, size_t max)
{
	uint8_t hdr[MVM_STATE_SEC_SIZE];
	uint64_t len;
	size_t got;
	uint8_t *b;

	free(s->buf);
	mvm_state_init(s);
	if (read_all(io, hdr, sizeof(hdr), &got) < 0)
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
	if (read_all(io, b + sizeof(hdr), (size_t)len, &got) < 0) {
		free(b);
		return -1;
	}
	/* Checked and opened as one section of a stream in memory. */
	s->buf = b;
	s->len = s->cap = s->end = sizeof(hdr) + (size_t)len;
	return mvm_state_next(s, sec) == 1 ? 1 : -1;
}

int mvm_state_recv(int fd, struct mvm_state *s, struct mvm_state_section *sec,
		   size_t max)
{
	struct mvm_state_io io = { .fd = fd };

	return mvm_state_io_recv(&io, s, sec, max);
}

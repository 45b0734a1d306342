// SPDX-License-Identifier: GPL-2.0-only
/*
 * State stream sections over a descriptor (userspace/lib/stream_io.c), the
 * migration's transport: what is sent arrives section by section, a
 * megabyte one included; the end between sections is an end, inside one
 * an error; a length above the receiver's limit is refused before any
 * allocation; a flipped payload byte or another version is refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "state.h"

#define BIG	(1U << 20)

/* Header and three sections, the second BIG bytes, into s. */
static void build(struct mvm_state *s, uint8_t *big)
{
	mvm_state_init(s);
	mvm_state_put_header(s);
	mvm_state_begin(s, 7, "first", 0);
	mvm_state_put_u64(s, 0x1122334455667788ULL);
	mvm_state_end(s);
	mvm_state_begin(s, 8, "pages", 3);
	mvm_state_put_bytes(s, big, BIG);
	mvm_state_end(s);
	mvm_state_begin(s, 9, "empty", 0);
	mvm_state_end(s);
}

/* A descriptor that reads len bytes of buf, then ends. */
static int feed(const uint8_t *buf, size_t len)
{
	int fd = memfd_create("stream", MFD_CLOEXEC);

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len ||
	    lseek(fd, 0, SEEK_SET) != 0)
		return -1;
	return fd;
}

FIXTURE(io) {
	struct mvm_state out, in;
	uint8_t *big;
};

FIXTURE_SETUP(io)
{
	self->big = malloc(BIG);
	ASSERT_NE(NULL, self->big);
	for (uint32_t i = 0; i < BIG; i++)
		self->big[i] = (uint8_t)(i * 7 + (i >> 12));
	build(&self->out, self->big);
	ASSERT_EQ(0, self->out.err);
	mvm_state_init(&self->in);
}

FIXTURE_TEARDOWN(io)
{
	mvm_state_free(&self->out);
	mvm_state_free(&self->in);
	free(self->big);
}

TEST_F(io, round_trip)
{
	struct mvm_state_section sec;
	uint64_t v;
	uint8_t *got = malloc(BIG);
	int fd = feed(self->out.buf, self->out.len);

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, got);
	ASSERT_EQ(0, mvm_state_recv_header(fd));
	ASSERT_EQ(1, mvm_state_recv(fd, &self->in, &sec, BIG));
	EXPECT_EQ(7U, sec.type);
	EXPECT_STREQ("first", sec.name);
	ASSERT_EQ(0, mvm_state_get_u64(&self->in, &v));
	EXPECT_EQ(0x1122334455667788ULL, v);
	EXPECT_EQ(0, mvm_state_done(&self->in));
	ASSERT_EQ(1, mvm_state_recv(fd, &self->in, &sec, BIG));
	EXPECT_EQ(3U, sec.instance);
	EXPECT_EQ((uint64_t)BIG, sec.length);
	ASSERT_EQ(0, mvm_state_get_bytes(&self->in, got, BIG));
	EXPECT_EQ(0, memcmp(got, self->big, BIG));
	ASSERT_EQ(1, mvm_state_recv(fd, &self->in, &sec, BIG));
	EXPECT_EQ(0U, sec.length);
	EXPECT_EQ(0, mvm_state_recv(fd, &self->in, &sec, BIG));	/* the end */
	close(fd);
	free(got);
}

TEST_F(io, cut_inside_a_section)
{
	struct mvm_state_section sec;
	size_t cuts[] = { MVM_STATE_HDR_SIZE + 10, MVM_STATE_HDR_SIZE + 56 + 20,
			  self->out.len - 1 };

	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		int fd = feed(self->out.buf, cuts[i]), r = 1;

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, mvm_state_recv_header(fd));
		while (r == 1)
			r = mvm_state_recv(fd, &self->in, &sec, BIG);
		EXPECT_EQ(-1, r) TH_LOG("cut at %zu", cuts[i]);
		EXPECT_EQ(EPROTO, errno);
		close(fd);
	}
}

TEST_F(io, length_above_limit)
{
	struct mvm_state_section sec;
	int fd = feed(self->out.buf, self->out.len);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mvm_state_recv_header(fd));
	ASSERT_EQ(1, mvm_state_recv(fd, &self->in, &sec, BIG - 1));
	EXPECT_EQ(-1, mvm_state_recv(fd, &self->in, &sec, BIG - 1));
	EXPECT_EQ(EMSGSIZE, errno);
	close(fd);
}

TEST_F(io, flipped_and_versioned)
{
	struct mvm_state_section sec;
	int fd, r = 1;

	self->out.buf[self->out.len / 2] ^= 0x10;	/* inside the big payload */
	fd = feed(self->out.buf, self->out.len);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mvm_state_recv_header(fd));
	while (r == 1)
		r = mvm_state_recv(fd, &self->in, &sec, BIG);
	EXPECT_EQ(-1, r);
	EXPECT_EQ(EBADMSG, errno);
	close(fd);

	self->out.buf[8] = 2;				/* version 2 */
	fd = feed(self->out.buf, self->out.len);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, mvm_state_recv_header(fd));
	EXPECT_EQ(EPROTONOSUPPORT, errno);
	close(fd);
}

TEST_HARNESS_MAIN

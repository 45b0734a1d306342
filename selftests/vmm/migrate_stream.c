// SPDX-License-Identifier: GPL-2.0-only
/*
 * The destination's side of a migration stream (userspace/lib/migrate_in.c)
 * against a hostile or broken source, written here byte by byte from the
 * format in migrate.h: a good handshake is read as sent; one of another
 * version, with too many vCPUs, a region outside RAM, or not first, is
 * refused; RAM lands where it says, zero runs clear what was there; a RAM
 * section outside RAM, an over-long one, a flipped byte, an unknown
 * section, an END whose counts do not match, or a stream cut short is
 * refused with a reason, and none of them reaches the machine's state.
 * The CPU-feature check names what the guest has and this side lacks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "migrate.h"

#define RAM	(4U << 20)
#define PAGES	(RAM / MVM_PAGE_SIZE)

static void hello(struct mvm_state *s, uint32_t vcpus, uint64_t region_size)
{
	mvm_state_begin(s, MVM_STATE_HELLO, "hello", 0);
	mvm_state_put_u32(s, 2);		/* kind */
	mvm_state_put_u32(s, vcpus);
	mvm_state_put_u64(s, RAM);
	mvm_state_put_u32(s, 1);		/* regions */
	mvm_state_put_u64(s, 0);
	mvm_state_put_u64(s, region_size);
	mvm_state_put_u64(s, 0);
	mvm_state_put_u64(s, 2000000);		/* TSC kHz */
	mvm_state_put_u32(s, 1);		/* CPUID entries */
	mvm_state_put_u32(s, 7);
	mvm_state_put_u32(s, 0);
	mvm_state_put_u32(s, MVM_CPUID_FLAG_INDEX);
	mvm_state_put_u32(s, 0);
	mvm_state_put_u32(s, 0x20);		/* ebx: AVX2 */
	mvm_state_put_u32(s, 0);
	mvm_state_put_u32(s, 0);
	mvm_state_end(s);
}

static void ram(struct mvm_state *s, uint64_t off, uint32_t n, uint32_t flags,
		uint8_t fill)
{
	uint8_t page[MVM_PAGE_SIZE];
	uint32_t i;

	memset(page, fill, sizeof(page));
	mvm_state_begin(s, MVM_STATE_RAM, "ram", 0);
	mvm_state_put_u64(s, off);
	mvm_state_put_u32(s, n);
	mvm_state_put_u32(s, flags);
	for (i = 0; !(flags & MVM_MIG_RAM_ZERO) && i < n; i++)
		mvm_state_put_bytes(s, page, sizeof(page));
	mvm_state_end(s);
}

static void end(struct mvm_state *s, uint64_t sections, uint64_t pages)
{
	mvm_state_begin(s, MVM_STATE_END, "end", 0);
	mvm_state_put_u64(s, sections);
	mvm_state_put_u64(s, pages);
	mvm_state_put_u32(s, 2);
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

FIXTURE(in) {
	struct mvm_state s;
	struct mvm_machine m;
	struct mvm_state_io io;
	struct mvm_mig_hello h;
	struct mvm_incoming_stats st;
	char why[256];
};

FIXTURE_SETUP(in)
{
	mvm_state_init(&self->s);
	mvm_machine_init(&self->m, NULL);
	ASSERT_EQ(0, mvm_machine_alloc_ram(&self->m, RAM));
	ASSERT_EQ(0, mvm_machine_pc_layout(&self->m));
	self->io.fd = -1;
	self->why[0] = '\0';
}

FIXTURE_TEARDOWN(in)
{
	if (self->io.fd >= 0)
		close(self->io.fd);
	mvm_state_free(&self->s);
	mvm_machine_destroy(&self->m);
}

/* What was built so far, as the connection to read. */
static void connect_feed(struct __test_metadata *_metadata,
			 FIXTURE_DATA(in) *self)
{
	ASSERT_EQ(0, self->s.err);
	self->io.fd = feed(self->s.buf, self->s.len);
	ASSERT_LE(0, self->io.fd);
}

/* The body after a good handshake, refused for reason (a substring). */
static void refused(struct __test_metadata *_metadata, FIXTURE_DATA(in) *self,
		    const char *reason)
{
	connect_feed(_metadata, self);
	ASSERT_EQ(0, mvm_incoming_hello(&self->io, &self->h, self->why,
					sizeof(self->why))) TH_LOG("%s", self->why);
	EXPECT_EQ(-1, mvm_incoming_receive(&self->io, &self->m, &self->st,
					   self->why, sizeof(self->why)));
	EXPECT_NE(NULL, strstr(self->why, reason)) TH_LOG("why: %s", self->why);
}

TEST_F(in, hello_read_as_sent)
{
	mvm_state_put_header(&self->s);
	hello(&self->s, 2, RAM);
	connect_feed(_metadata, self);
	ASSERT_EQ(0, mvm_incoming_hello(&self->io, &self->h, self->why,
					sizeof(self->why))) TH_LOG("%s", self->why);
	EXPECT_EQ(2U, self->h.kind);
	EXPECT_EQ(2U, self->h.nr_vcpus);
	EXPECT_EQ((uint64_t)RAM, self->h.ram_size);
	EXPECT_EQ(1U, self->h.nr_regions);
	EXPECT_EQ((uint64_t)RAM, self->h.regions[0].size);
	EXPECT_EQ(2000000U, self->h.tsc_khz);
	ASSERT_EQ(1U, self->h.nr_cpuid);
	EXPECT_EQ(0x20U, self->h.cpuid[0].ebx);
}

TEST_F(in, hello_refused)
{
	struct {
		uint32_t vcpus;
		uint64_t region;
		int version, first_ram;
		const char *why;
	} bad[] = {
		{ MVM_MIG_MAX_VCPUS + 1, RAM, 1, 0, "no machine" },
		{ 0, RAM, 1, 0, "no machine" },
		{ 1, RAM + MVM_PAGE_SIZE, 1, 0, "no machine" },
		{ 1, RAM, 2, 0, "another format version" },
		{ 1, RAM, 1, 1, "does not start with a handshake" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mvm_state_reset(&self->s);
		mvm_state_put_header(&self->s);
		if (bad[i].version != 1)
			memcpy(self->s.buf + 8, &bad[i].version, 4);
		if (bad[i].first_ram)
			ram(&self->s, 0, 1, 0, 1);
		hello(&self->s, bad[i].vcpus, bad[i].region);
		connect_feed(_metadata, self);
		EXPECT_EQ(-1, mvm_incoming_hello(&self->io, &self->h, self->why,
						 sizeof(self->why))) TH_LOG("case %zu taken", i);
		EXPECT_NE(NULL, strstr(self->why, bad[i].why))
			TH_LOG("case %zu: %s", i, self->why);
		close(self->io.fd);
		self->io.fd = -1;
	}
}

TEST_F(in, ram_lands_and_zero_runs_clear)
{
	mvm_state_put_header(&self->s);
	hello(&self->s, 1, RAM);
	ram(&self->s, 2 * MVM_PAGE_SIZE, 3, 0, 0xab);
	ram(&self->s, 3 * MVM_PAGE_SIZE, 1, MVM_MIG_RAM_ZERO, 0);
	/* END counts one page too many: refused, but the RAM went in. */
	end(&self->s, 2, 5);
	refused(_metadata, self, "some of it was lost");
	EXPECT_EQ(0, self->m.ram[2 * MVM_PAGE_SIZE - 1]);
	EXPECT_EQ(0xab, self->m.ram[2 * MVM_PAGE_SIZE]);
	EXPECT_EQ(0, self->m.ram[3 * MVM_PAGE_SIZE]);
	EXPECT_EQ(0, self->m.ram[4 * MVM_PAGE_SIZE - 1]);
	EXPECT_EQ(0xab, self->m.ram[4 * MVM_PAGE_SIZE]);
	EXPECT_EQ(0, self->m.ram[5 * MVM_PAGE_SIZE]);
}

TEST_F(in, end_without_state)
{
	mvm_state_put_header(&self->s);
	hello(&self->s, 1, RAM);
	ram(&self->s, 0, 1, 0, 1);
	end(&self->s, 1, 1);
	/* The counts match; the machine's state is missing. */
	refused(_metadata, self, "clock");
}

TEST_F(in, ram_outside)
{
	mvm_state_put_header(&self->s);
	hello(&self->s, 1, RAM);
	ram(&self->s, RAM - MVM_PAGE_SIZE, 2, MVM_MIG_RAM_ZERO, 0);
	refused(_metadata, self, "does not fit");
}

TEST_F(in, ram_unaligned)
{
	mvm_state_put_header(&self->s);
	hello(&self->s, 1, RAM);
	ram(&self->s, 100, 1, 0, 1);
	refused(_metadata, self, "does not fit");
}

TEST_F(in, ram_unknown_flag)
{
	mvm_state_put_header(&self->s);
	hello(&self->s, 1, RAM);
	ram(&self->s, 0, 1, 4 | MVM_MIG_RAM_ZERO, 0);
	refused(_metadata, self, "does not fit");
}

TEST_F(in, ram_too_long)
{
	mvm_state_put_header(&self->s);
	hello(&self->s, 1, RAM);
	ram(&self->s, 0, MVM_MIG_RAM_MAX_PAGES + 1, 0, 1);
	refused(_metadata, self, "longer than any");
}

TEST_F(in, flipped_byte)
{
	size_t at;

	mvm_state_put_header(&self->s);
	hello(&self->s, 1, RAM);
	at = self->s.len;
	ram(&self->s, 0, 2, 0, 0x5a);
	end(&self->s, 1, 2);
	self->s.buf[at + MVM_STATE_SEC_SIZE + 16 + 4000] ^= 0x10;
	refused(_metadata, self, "corrupt");
}

TEST_F(in, unknown_section)
{
	mvm_state_put_header(&self->s);
	hello(&self->s, 1, RAM);
	mvm_state_begin(&self->s, 99, "what", 0);
	mvm_state_end(&self->s);
	refused(_metadata, self, "does not know");
}

static void sync_section(struct mvm_state *s, uint32_t round, int extra)
{
	mvm_state_begin(s, MVM_STATE_SYNC, "sync", 0);
	mvm_state_put_u32(s, round);
	if (extra)
		mvm_state_put_u32(s, 0);
	mvm_state_end(s);
}

/* The stream built so far over a socket pair: the source's end in *peer. */
static void connect_pair(struct __test_metadata *_metadata,
			 FIXTURE_DATA(in) *self, struct mvm_state_io *peer)
{
	int sv[2];

	ASSERT_EQ(0, self->s.err);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ((ssize_t)self->s.len, write(sv[0], self->s.buf, self->s.len));
	ASSERT_EQ(0, shutdown(sv[0], SHUT_WR));
	self->io.fd = sv[1];
	peer->fd = sv[0];
	peer->timeout_ms = 5000;
}

TEST_F(in, sync_answered)
{
	struct mvm_state_io peer = { .fd = -1 };
	char msg[64];

	mvm_state_put_header(&self->s);
	hello(&self->s, 1, RAM);
	ram(&self->s, 0, 1, 0, 1);
	sync_section(&self->s, 1, 0);
	ram(&self->s, MVM_PAGE_SIZE, 1, 0, 2);
	sync_section(&self->s, 2, 0);
	end(&self->s, 2, 2);
	connect_pair(_metadata, self, &peer);
	ASSERT_EQ(0, mvm_incoming_hello(&self->io, &self->h, self->why,
					sizeof(self->why))) TH_LOG("%s", self->why);
	/* The counts match, SYNC is none of them; the machine's state is missing. */
	EXPECT_EQ(-1, mvm_incoming_receive(&self->io, &self->m, &self->st,
					   self->why, sizeof(self->why)));
	EXPECT_NE(NULL, strstr(self->why, "clock")) TH_LOG("why: %s", self->why);
	EXPECT_EQ(2, self->m.ram[MVM_PAGE_SIZE]);
	/* Each round's end was answered, in order, with a yes. */
	EXPECT_EQ(0, mvm_mig_recv_reply(&peer, msg, sizeof(msg)));
	EXPECT_EQ(0, mvm_mig_recv_reply(&peer, msg, sizeof(msg)));
	close(peer.fd);
}

TEST_F(in, sync_malformed)
{
	struct mvm_state_io peer = { .fd = -1 };
	char msg[64];

	mvm_state_put_header(&self->s);
	hello(&self->s, 1, RAM);
	sync_section(&self->s, 1, 1);
	connect_pair(_metadata, self, &peer);
	ASSERT_EQ(0, mvm_incoming_hello(&self->io, &self->h, self->why,
					sizeof(self->why))) TH_LOG("%s", self->why);
	EXPECT_EQ(-1, mvm_incoming_receive(&self->io, &self->m, &self->st,
					   self->why, sizeof(self->why)));
	EXPECT_NE(NULL, strstr(self->why, "SYNC")) TH_LOG("why: %s", self->why);
	/* Not answered: the destination closes, the source hears nothing but that. */
	close(self->io.fd);
	self->io.fd = -1;
	EXPECT_EQ(-1, mvm_mig_recv_reply(&peer, msg, sizeof(msg)));
	close(peer.fd);
}

TEST_F(in, cut_short)
{
	mvm_state_put_header(&self->s);
	hello(&self->s, 1, RAM);
	ram(&self->s, 0, 2, 0, 0x5a);
	self->s.len -= 100;
	refused(_metadata, self, "closed the connection");
}

TEST(cpuid_fits)
{
	struct mvm_cpuid_entry have[2] = {
		{ .function = 7, .flags = MVM_CPUID_FLAG_INDEX, .ebx = 0x29 },
		{ .function = 0x80000008, .eax = 40 },
	}, want[2] = {
		{ .function = 7, .flags = MVM_CPUID_FLAG_INDEX, .ebx = 0x21 },
		{ .function = 0x80000008, .eax = 40 },
	};
	char why[160] = "";

	EXPECT_EQ(0, mvm_mig_cpuid_fits(have, 2, want, 2, why, sizeof(why)));
	want[0].ebx = 0x121;
	EXPECT_EQ(-1, mvm_mig_cpuid_fits(have, 2, want, 2, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "7.0.ebx bits 0x100")) TH_LOG("%s", why);
	want[0].ebx = 0x21;
	want[1].eax = 48;
	EXPECT_EQ(-1, mvm_mig_cpuid_fits(have, 2, want, 2, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "48-bit")) TH_LOG("%s", why);
	/* A leaf this side lacks altogether lacks every bit of it. */
	want[1].eax = 40;
	EXPECT_EQ(-1, mvm_mig_cpuid_fits(have + 1, 1, want, 2, why, sizeof(why)));
}

TEST_HARNESS_MAIN

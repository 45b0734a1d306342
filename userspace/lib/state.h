/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libmvm: the state stream, one format for snapshot files and the
 * migration stream (lib/state.c).
 *
 *   header:   "MVMSTATE", u32 version, u32 flags (0), u64 reserved (0)
 *   sections: u32 type, u32 instance, char name[24] (NUL-padded),
 *             u64 length, u32 crc32 (of the payload), u32 reserved (0),
 *             then length bytes of payload
 *
 * Every integer is little-endian.  A device's section carries its own
 * fields, written and read with the put/get calls below, which check
 * every read against the section's end: a short, long or corrupt section
 * is refused (EBADMSG), never read past.
 */
#ifndef MVM_STATE_H
#define MVM_STATE_H

#include <stddef.h>
#include <stdint.h>

#define MVM_STATE_MAGIC		"MVMSTATE"
#define MVM_STATE_VERSION	1
#define MVM_STATE_HDR_SIZE	24
#define MVM_STATE_SEC_SIZE	48
#define MVM_STATE_NAME_MAX	24

enum mvm_state_type {
	MVM_STATE_DEVICE = 1,	/* a device of the registry, by name/instance */
	MVM_STATE_MACHINE = 2,	/* what the machine is: snapshot.c */
	MVM_STATE_VCPU = 3,	/* a vCPU, by id */
	MVM_STATE_CLOCK = 4,	/* the VM's kvmclock (MVM_GET_CLOCK) */
	/* A migration's stream (migrate.h) */
	MVM_STATE_HELLO = 5,	/* source -> destination: the machine, CPU */
	MVM_STATE_REPLY = 6,	/* destination -> source: taken, or why not */
	MVM_STATE_RAM = 7,	/* a run of guest RAM pages */
	MVM_STATE_END = 8,	/* the last section: what was sent */
	MVM_STATE_SYNC = 9,	/* source -> destination: answer when read */
};

struct mvm_state_section {
	uint32_t type, instance;
	char name[MVM_STATE_NAME_MAX + 1];
	uint64_t length;
};

/*
 * A stream in memory: written by appending, read from pos.  err is
 * sticky: ENOMEM while writing, EBADMSG once a read went wrong; every
 * call after it does nothing, so a sequence of puts or gets is checked
 * once at its end.
 */
struct mvm_state {
	uint8_t *buf;
	size_t len, cap;
	size_t pos, end;	/* reading: the current section's window */
	int in_section;		/* reading: end is that section's end */
	size_t sec_at;		/* writing: the open section's header */
	int err;
};

void mvm_state_init(struct mvm_state *s);
void mvm_state_free(struct mvm_state *s);
/* Read a stream of len bytes at buf (not copied; do not free s then). */
void mvm_state_init_read(struct mvm_state *s, const void *buf, size_t len);

void mvm_state_put_header(struct mvm_state *s);
/* 0, or -1 with EBADMSG (not a state stream) or EPROTONOSUPPORT. */
int mvm_state_get_header(struct mvm_state *s);

void mvm_state_begin(struct mvm_state *s, uint32_t type, const char *name,
		     uint32_t instance);
/* Close the open section: its length and checksum.  0, or -1 (err). */
int mvm_state_end(struct mvm_state *s);
/*
 * The next section: 1 and *sec (its payload is what the gets read), 0 at
 * the end of the stream, -1 with EBADMSG when it is cut short or its
 * checksum or reserved word is wrong.
 */
int mvm_state_next(struct mvm_state *s, struct mvm_state_section *sec);
/* 1 and the next section's type without reading it, 0 at the end. */
int mvm_state_peek_type(const struct mvm_state *s, uint32_t *type);
/* Was the section read to its end, without error?  0, or -1 (EBADMSG). */
int mvm_state_done(struct mvm_state *s);

void mvm_state_put_u8(struct mvm_state *s, uint8_t v);
void mvm_state_put_u16(struct mvm_state *s, uint16_t v);
void mvm_state_put_u32(struct mvm_state *s, uint32_t v);
void mvm_state_put_u64(struct mvm_state *s, uint64_t v);
void mvm_state_put_bytes(struct mvm_state *s, const void *p, size_t n);

/* Each returns 0 or -1 (err set, *v zeroed). */
int mvm_state_get_u8(struct mvm_state *s, uint8_t *v);
int mvm_state_get_u16(struct mvm_state *s, uint16_t *v);
int mvm_state_get_u32(struct mvm_state *s, uint32_t *v);
int mvm_state_get_u64(struct mvm_state *s, uint64_t *v);
int mvm_state_get_bytes(struct mvm_state *s, void *p, size_t n);
/* A value read must be at most max, else the stream is refused. */
int mvm_state_get_u32_max(struct mvm_state *s, uint32_t *v, uint32_t max);

/* ---- Over a descriptor (a migration's socket): stream_io.c ---- */

/* Write all of s's bytes (a header, or whole sections) to fd: 0 or -1. */
int mvm_state_send(int fd, const struct mvm_state *s);
/*
 * Read the next section from fd into s (initialized; what it held is
 * freed first), which then reads its
 * payload: 1, 0 when fd ended before a section began, -1 with errno:
 * EPROTO it ended inside one, EMSGSIZE its length is above max (nothing
 * of it allocated), EBADMSG its checksum or reserved word is wrong, or
 * the error of read(2).
 */
int mvm_state_recv(int fd, struct mvm_state *s, struct mvm_state_section *sec,
		   size_t max);
/* Read the stream's header from fd: 0, or -1 (EBADMSG, EPROTONOSUPPORT, EPROTO). */
int mvm_state_recv_header(int fd);

/*
 * The same over a migration's connection: each transfer fails with
 * ECANCELED once *cancel (may be NULL) is set, and with ETIMEDOUT when no
 * byte moved for timeout_ms (0: wait for ever); bytes counts what moved.
 */
struct mvm_state_io {
	int fd;
	int timeout_ms;
	const int *cancel;
	uint64_t bytes;
};

int mvm_state_io_send(struct mvm_state_io *io, const struct mvm_state *s);
int mvm_state_io_recv(struct mvm_state_io *io, struct mvm_state *s,
		      struct mvm_state_section *sec, size_t max);
int mvm_state_io_recv_header(struct mvm_state_io *io);
/*
 * Wait until io->fd is writable (out) or readable, as a transfer waits:
 * 0, or -1 with ECANCELED or ETIMEDOUT (io->timeout_ms from now).
 */
int mvm_state_io_wait(struct mvm_state_io *io, int out);
/* Empty s for writing again, keeping its buffer. */
void mvm_state_reset(struct mvm_state *s);

#endif /* MVM_STATE_H */

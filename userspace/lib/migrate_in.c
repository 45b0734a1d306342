// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: the destination of a live migration (the stream is in
 * migrate.h).  RAM goes straight into the machine's memory, which no vCPU
 * runs on yet; the machine's own state is kept whole until END, and only
 * then checked and loaded.  Everything the peer says is checked against
 * what this side built: a RAM section outside RAM, a short or long one, a
 * count in END that does not match what came, or a section of another
 * kind is refused, and the machine is not run.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "migrate.h"

static int refuse(char *why, size_t cap, int err, const char *what)
{
	snprintf(why, cap, "%s", what);
	errno = err;
	return -1;
}

static int io_refuse(char *why, size_t cap, const char *doing)
{
	int err = errno;

	if (err == ETIMEDOUT)
		snprintf(why, cap, "%s: nothing came from the source for a while", doing);
	else if (err == EPROTO)
		snprintf(why, cap, "%s: the source closed the connection", doing);
	else if (err == EBADMSG)
		snprintf(why, cap, "%s: a section is corrupt (its checksum or reserved word is wrong)", doing);
	else if (err == EMSGSIZE)
		snprintf(why, cap, "%s: a section is longer than any the stream has", doing);
	else if (err == EPROTONOSUPPORT)
		snprintf(why, cap, "%s: the stream is of another format version", doing);
	else
		snprintf(why, cap, "%s: %s", doing, strerror(err));
	errno = err;
	return -1;
}

int mvm_incoming_hello(struct mvm_state_io *io, struct mvm_mig_hello *h,
		       char *why, size_t cap)
{
	struct mvm_state_section sec;
	struct mvm_state s;
	uint32_t i;
	int r;

	memset(h, 0, sizeof(*h));
	if (mvm_state_io_recv_header(io) < 0)
		return io_refuse(why, cap, "the stream's header");
	mvm_state_init(&s);
	r = mvm_state_io_recv(io, &s, &sec, 64 << 10);
	if (r != 1) {
		if (r == 0)
			errno = EPROTO;
		io_refuse(why, cap, "the handshake");
		goto out;
	}
	r = -1;
	if (sec.type != MVM_STATE_HELLO || strcmp(sec.name, "hello")) {
		refuse(why, cap, EBADMSG, "the stream does not start with a handshake");
		goto out;
	}
	mvm_state_get_u32(&s, &h->kind);
	mvm_state_get_u32_max(&s, &h->nr_vcpus, MVM_MIG_MAX_VCPUS);
	mvm_state_get_u64(&s, &h->ram_size);
	mvm_state_get_u32_max(&s, &h->nr_regions, MVM_MIG_MAX_REGIONS);
	for (i = 0; i < h->nr_regions && !s.err; i++) {
		struct mvm_ram_region *g = &h->regions[i];

		mvm_state_get_u64(&s, &g->gpa);
		mvm_state_get_u64(&s, &g->size);
		mvm_state_get_u64(&s, &g->offset);
		g->slot = i;
		if (g->offset > h->ram_size || g->size > h->ram_size - g->offset)
			s.err = EBADMSG;
	}
	mvm_state_get_u64(&s, &h->tsc_khz);
	mvm_state_get_u32_max(&s, &h->nr_cpuid, MVM_MIG_MAX_CPUID);
	for (i = 0; i < h->nr_cpuid && !s.err; i++) {
		struct mvm_cpuid_entry *e = &h->cpuid[i];

		mvm_state_get_u32(&s, &e->function);
		mvm_state_get_u32(&s, &e->index);
		mvm_state_get_u32(&s, &e->flags);
		mvm_state_get_u32(&s, &e->eax);
		mvm_state_get_u32(&s, &e->ebx);
		mvm_state_get_u32(&s, &e->ecx);
		mvm_state_get_u32(&s, &e->edx);
	}
	if (mvm_state_done(&s) < 0 || !h->nr_vcpus || !h->ram_size ||
	    h->ram_size % MVM_PAGE_SIZE || !h->nr_regions) {
		refuse(why, cap, EBADMSG, "the handshake describes no machine");
		goto out;
	}
	r = 0;
out:
	mvm_state_free(&s);
	return r;
}

/* A RAM section into RAM: 0, or -1 (EBADMSG) for one that does not fit. */
static int put_ram(struct mvm_machine *m, struct mvm_state *s,
		   uint64_t *pages)
{
	uint64_t off, i;
	uint32_t n, flags;
	uint8_t *p;

	if (mvm_state_get_u64(s, &off) < 0 || mvm_state_get_u32(s, &n) < 0 ||
	    mvm_state_get_u32(s, &flags) < 0 || !n ||
	    off % MVM_PAGE_SIZE || off > m->ram_size ||
	    n > (m->ram_size - off) / MVM_PAGE_SIZE ||
	    (flags & ~MVM_MIG_RAM_ZERO) ||
	    (!(flags & MVM_MIG_RAM_ZERO) && n > MVM_MIG_RAM_MAX_PAGES)) {
		errno = EBADMSG;
		return -1;
	}
	p = m->ram + off;
	if (flags & MVM_MIG_RAM_ZERO) {
		/* Untouched memory reads as zero already: write only the rest. */
		for (i = 0; i < n; i++, p += MVM_PAGE_SIZE) {
			const uint64_t *w = (const uint64_t *)p;
			size_t k;

			for (k = 0; k < MVM_PAGE_SIZE / 8 && !w[k]; k++)
				;
			if (k < MVM_PAGE_SIZE / 8)
				memset(p, 0, MVM_PAGE_SIZE);
		}
		if (mvm_state_done(s) < 0)
			return -1;
	} else if (mvm_state_get_bytes(s, p, (size_t)n * MVM_PAGE_SIZE) < 0 ||
		   mvm_state_done(s) < 0) {
		errno = EBADMSG;
		return -1;
	}
	*pages += n;
	return 0;
}

/* END's counts against what came: 0, or -1. */
static int check_end(struct mvm_state *s, uint64_t sections, uint64_t pages,
		     uint32_t *rounds)
{
	uint64_t want_sections, want_pages;

	if (mvm_state_get_u64(s, &want_sections) < 0 ||
	    mvm_state_get_u64(s, &want_pages) < 0 ||
	    mvm_state_get_u32(s, rounds) < 0 || mvm_state_done(s) < 0)
		return -1;
	return want_sections == sections && want_pages == pages ? 0 : -1;
}

int mvm_incoming_receive(struct mvm_state_io *io, struct mvm_machine *m,
			 struct mvm_incoming_stats *st, char *why, size_t cap)
{
	struct mvm_state_section sec;
	struct mvm_state s, state;
	uint64_t ram_sections = 0;
	const char *what = NULL;
	int r, ret = -1;

	memset(st, 0, sizeof(*st));
	mvm_state_init(&s);
	mvm_state_init(&state);
	for (;;) {
		r = mvm_state_io_recv(io, &s, &sec, MVM_MIG_SECTION_MAX);
		if (r != 1) {
			if (r == 0)
				errno = EPROTO;
			io_refuse(why, cap, "receiving");
			goto out;
		}
		if (sec.type == MVM_STATE_RAM && !strcmp(sec.name, "ram")) {
			if (put_ram(m, &s, &st->pages) < 0) {
				refuse(why, cap, EBADMSG, "a RAM section does not fit this machine's memory");
				goto out;
			}
			ram_sections++;
			continue;
		}
		/* A round's end: its number, then nothing; answered at once. */
		if (sec.type == MVM_STATE_SYNC && !strcmp(sec.name, "sync")) {
			uint32_t round;

			if (mvm_state_get_u32(&s, &round) < 0 || mvm_state_done(&s) < 0) {
				refuse(why, cap, EBADMSG, "a round's end (SYNC) is malformed");
				goto out;
			}
			if (mvm_mig_send_reply(io, 0, "") < 0) {
				io_refuse(why, cap, "answering a round's end");
				goto out;
			}
			continue;
		}
		if (sec.type == MVM_STATE_END && !strcmp(sec.name, "end"))
			break;
		if (sec.type != MVM_STATE_CLOCK && sec.type != MVM_STATE_VCPU &&
		    sec.type != MVM_STATE_DEVICE) {
			refuse(why, cap, EBADMSG, "the stream has a section this mvm does not know");
			goto out;
		}
		/* Kept as it came (checked already), loaded after END. */
		if (state.len + s.len > MVM_MIG_STATE_MAX) {
			refuse(why, cap, EMSGSIZE, "the machine's state is larger than any machine has");
			goto out;
		}
		mvm_state_put_bytes(&state, s.buf, s.len);
		if (state.err) {
			refuse(why, cap, ENOMEM, "out of memory for the machine's state");
			goto out;
		}
	}
	if (check_end(&s, ram_sections, st->pages, &st->rounds) < 0) {
		refuse(why, cap, EBADMSG, "the stream's end does not count what came: some of it was lost");
		goto out;
	}
	st->bytes = io->bytes;
	/* Every section has been read and checked: now the machine takes it. */
	{
		struct mvm_state rd;

		mvm_state_init_read(&rd, state.buf, state.len);
		if (mvm_machine_load_state(m, &rd, &what) < 0) {
			snprintf(why, cap, "loading the machine's state: %s%s%s", what,
				 errno == EBADMSG ? "" : ": ",
				 errno == EBADMSG ? "" : strerror(errno));
			goto out;
		}
		if (mvm_state_next(&rd, &sec) != 0) {
			refuse(why, cap, EBADMSG, "the machine's state has more than this machine");
			goto out;
		}
	}
	ret = 0;
out:
	r = errno;
	mvm_state_free(&s);
	mvm_state_free(&state);
	errno = r;
	return ret;
}

// SPDX-License-Identifier: GPL-2.0-only
/* libmvm: the state stream (the format is in state.h). */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "state.h"

void mvm_state_init(struct mvm_state *s)
{
	memset(s, 0, sizeof(*s));
}

void mvm_state_free(struct mvm_state *s)
{
	free(s->buf);
	mvm_state_init(s);
}

void mvm_state_reset(struct mvm_state *s)
{
	s->len = s->pos = s->end = s->sec_at = 0;
	s->in_section = 0;
	s->err = 0;
}

void mvm_state_init_read(struct mvm_state *s, const void *buf, size_t len)
{
	mvm_state_init(s);
	s->buf = (uint8_t *)buf;
	s->len = len;
	s->end = len;
}

static uint32_t crc(const uint8_t *p, size_t n)
{
	uLong c = crc32(0L, Z_NULL, 0);

	/* zlib takes uInt lengths: feed a large payload in pieces. */
	while (n) {
		uInt k = n > (1U << 30) ? 1U << 30 : (uInt)n;

		c = crc32(c, p, k);
		p += k;
		n -= k;
	}
	return (uint32_t)c;
}

/* ---- Writing ---- */

void mvm_state_put_bytes(struct mvm_state *s, const void *p, size_t n)
{
	size_t cap;
	uint8_t *b;

	if (s->err || !n)
		return;
	if (n > s->cap - s->len) {
		cap = s->cap ? s->cap : 4096;
		while (cap - s->len < n) {
			if (cap > SIZE_MAX / 2) {
				s->err = ENOMEM;
				return;
			}
			cap *= 2;
		}
		b = realloc(s->buf, cap);
		if (!b) {
			s->err = ENOMEM;
			return;
		}
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

void mvm_state_put_u8(struct mvm_state *s, uint8_t v)
{
	mvm_state_put_bytes(s, &v, 1);
}

void mvm_state_put_u16(struct mvm_state *s, uint16_t v)
{
	v = htole16(v);
	mvm_state_put_bytes(s, &v, 2);
}

void mvm_state_put_u32(struct mvm_state *s, uint32_t v)
{
	v = htole32(v);
	mvm_state_put_bytes(s, &v, 4);
}

void mvm_state_put_u64(struct mvm_state *s, uint64_t v)
{
	v = htole64(v);
	mvm_state_put_bytes(s, &v, 8);
}

void mvm_state_put_header(struct mvm_state *s)
{
	mvm_state_put_bytes(s, MVM_STATE_MAGIC, 8);
	mvm_state_put_u32(s, MVM_STATE_VERSION);
	mvm_state_put_u32(s, 0);
	mvm_state_put_u64(s, 0);
}

void mvm_state_begin(struct mvm_state *s, uint32_t type, const char *name,
		     uint32_t instance)
{
	char n[MVM_STATE_NAME_MAX] = { 0 };
	size_t len = strnlen(name, sizeof(n));

	/* NUL-padded; a name of the full width has no NUL. */
	memcpy(n, name, len);
	s->sec_at = s->len;
	mvm_state_put_u32(s, type);
	mvm_state_put_u32(s, instance);
	mvm_state_put_bytes(s, n, sizeof(n));
	mvm_state_put_u64(s, 0);	/* length and checksum: at the end */
	mvm_state_put_u32(s, 0);
	mvm_state_put_u32(s, 0);
}

int mvm_state_end(struct mvm_state *s)
{
	size_t payload = s->sec_at + MVM_STATE_SEC_SIZE;
	uint64_t len;
	uint32_t c;

	if (s->err) {
		errno = s->err;
		return -1;
	}
	len = htole64((uint64_t)(s->len - payload));
	c = htole32(crc(s->buf + payload, s->len - payload));
	memcpy(s->buf + s->sec_at + 32, &len, 8);
	memcpy(s->buf + s->sec_at + 40, &c, 4);
	return 0;
}

/* ---- Reading ---- */

int mvm_state_get_bytes(struct mvm_state *s, void *p, size_t n)
{
	if (s->err || n > s->end - s->pos) {
		s->err = EBADMSG;
		memset(p, 0, n);
		return -1;
	}
	memcpy(p, s->buf + s->pos, n);
	s->pos += n;
	return 0;
}

int mvm_state_get_u8(struct mvm_state *s, uint8_t *v)
{
	return mvm_state_get_bytes(s, v, 1);
}

int mvm_state_get_u16(struct mvm_state *s, uint16_t *v)
{
	int r = mvm_state_get_bytes(s, v, 2);

	*v = le16toh(*v);
	return r;
}

int mvm_state_get_u32(struct mvm_state *s, uint32_t *v)
{
	int r = mvm_state_get_bytes(s, v, 4);

	*v = le32toh(*v);
	return r;
}

int mvm_state_get_u64(struct mvm_state *s, uint64_t *v)
{
	int r = mvm_state_get_bytes(s, v, 8);

	*v = le64toh(*v);
	return r;
}

int mvm_state_get_u32_max(struct mvm_state *s, uint32_t *v, uint32_t max)
{
	if (mvm_state_get_u32(s, v) < 0)
		return -1;
	if (*v > max) {
		s->err = EBADMSG;
		*v = 0;
		return -1;
	}
	return 0;
}

int mvm_state_get_header(struct mvm_state *s)
{
	char magic[8];
	uint32_t version, flags;
	uint64_t reserved;

	mvm_state_get_bytes(s, magic, 8);
	mvm_state_get_u32(s, &version);
	mvm_state_get_u32(s, &flags);
	mvm_state_get_u64(s, &reserved);
	if (s->err || memcmp(magic, MVM_STATE_MAGIC, 8)) {
		s->err = EBADMSG;
		errno = EBADMSG;
		return -1;
	}
	if (version != MVM_STATE_VERSION || flags || reserved) {
		s->err = EPROTONOSUPPORT;
		errno = EPROTONOSUPPORT;
		return -1;
	}
	return 0;
}

/* A name is NUL-padded: nothing follows its first NUL. */
static int padded(const char *name)
{
	size_t n = strnlen(name, MVM_STATE_NAME_MAX);

	while (n < MVM_STATE_NAME_MAX)
		if (name[n++])
			return 0;
	return 1;
}

int mvm_state_next(struct mvm_state *s, struct mvm_state_section *sec)
{
	uint32_t c, reserved;

	memset(sec, 0, sizeof(*sec));
	/* Past what is left of the last section: the window opens on the rest. */
	if (s->in_section && !s->err)
		s->pos = s->end;
	s->in_section = 0;
	s->end = s->len;
	if (!s->err && s->pos == s->len)
		return 0;
	mvm_state_get_u32(s, &sec->type);
	mvm_state_get_u32(s, &sec->instance);
	mvm_state_get_bytes(s, sec->name, MVM_STATE_NAME_MAX);
	mvm_state_get_u64(s, &sec->length);
	mvm_state_get_u32(s, &c);
	mvm_state_get_u32(s, &reserved);
	if (s->err || reserved || !padded(sec->name) ||
	    sec->length > s->len - s->pos ||
	    crc(s->buf + s->pos, (size_t)sec->length) != c) {
		s->err = EBADMSG;
		errno = EBADMSG;
		return -1;
	}
	sec->name[MVM_STATE_NAME_MAX] = '\0';
	s->end = s->pos + (size_t)sec->length;
	s->in_section = 1;
	return 1;
}

int mvm_state_peek_type(const struct mvm_state *s, uint32_t *type)
{
	size_t at = s->in_section ? s->end : s->pos;
	uint32_t t;

	if (s->err || s->len - at < MVM_STATE_SEC_SIZE)
		return 0;
	memcpy(&t, s->buf + at, 4);
	*type = le32toh(t);
	return 1;
}

int mvm_state_done(struct mvm_state *s)
{
	if (s->err || s->pos != s->end) {
		s->err = EBADMSG;
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: just enough of an AML encoder for mvm's DSDT (ACPI 6.5, chapter
 * 20): names, packages, devices, buffers, integers and strings.  Objects
 * with a PkgLength are written body first; closing one measures the body
 * and inserts the PkgLength in front of it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libmvm.h"

#define AML_ZERO	0x00
#define AML_ONE		0x01
#define AML_BYTE	0x0a
#define AML_WORD	0x0b
#define AML_DWORD	0x0c
#define AML_STRING	0x0d
#define AML_QWORD	0x0e

static int reserve(struct mvm_aml *a, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (a->err)
		return -1;
	if (a->len + n <= a->cap)
		return 0;
	cap = a->cap ? a->cap : 256;
	while (cap < a->len + n)
		cap *= 2;
	p = realloc(a->buf, cap);
	if (!p) {
		a->err = ENOMEM;
		return -1;
	}
	a->buf = p;
	a->cap = cap;
	return 0;
}

void mvm_aml_bytes(struct mvm_aml *a, const void *p, size_t n)
{
	if (reserve(a, n) < 0)
		return;
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

void mvm_aml_byte(struct mvm_aml *a, uint8_t b)
{
	mvm_aml_bytes(a, &b, 1);
}

size_t mvm_aml_pkg_open(struct mvm_aml *a)
{
	return a->len;
}

/*
 * PkgLength counts itself: one byte holds up to 63 in bits 5:0; longer
 * ones put the count of extra bytes in bits 7:6, the low nibble in bits
 * 3:0 and the rest, 8 bits at a time, in the bytes that follow.
 */
void mvm_aml_pkg_close(struct mvm_aml *a, size_t at)
{
	size_t body = a->len - at, total, n, i;
	uint8_t enc[4];

	if (a->err)
		return;
	if (body + 1 <= 0x3f)
		n = 1;
	else if (body + 2 <= 0xfff)
		n = 2;
	else if (body + 3 <= 0xfffff)
		n = 3;
	else
		n = 4;
	total = body + n;
	if (n == 1) {
		enc[0] = (uint8_t)total;
	} else {
		enc[0] = (uint8_t)(((n - 1) << 6) | (total & 0xf));
		for (i = 1; i < n; i++)
			enc[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	}
	if (reserve(a, n) < 0)
		return;
	memmove(a->buf + at + n, a->buf + at, body);
	memcpy(a->buf + at, enc, n);
	a->len += n;
}

void mvm_aml_integer(struct mvm_aml *a, uint64_t v)
{
	uint8_t b[9];
	unsigned int n, i;

	if (v == 0 || v == 1) {
		mvm_aml_byte(a, v ? AML_ONE : AML_ZERO);
		return;
	}
	if (v <= 0xff) {
		b[0] = AML_BYTE;
		n = 1;
	} else if (v <= 0xffff) {
		b[0] = AML_WORD;
		n = 2;
	} else if (v <= 0xffffffffULL) {
		b[0] = AML_DWORD;
		n = 4;
	} else {
		b[0] = AML_QWORD;
		n = 8;
	}
	for (i = 0; i < n; i++)
		b[1 + i] = (uint8_t)(v >> (8 * i));
	mvm_aml_bytes(a, b, n + 1);
}

void mvm_aml_string(struct mvm_aml *a, const char *s)
{
	mvm_aml_byte(a, AML_STRING);
	mvm_aml_bytes(a, s, strlen(s) + 1);
}

void mvm_aml_nameseg(struct mvm_aml *a, const char *name)
{
	char seg[4] = { '_', '_', '_', '_' };
	size_t i;

	for (i = 0; i < 4 && name[i]; i++)
		seg[i] = name[i];
	mvm_aml_bytes(a, seg, 4);
}

void mvm_aml_free(struct mvm_aml *a)
{
	free(a->buf);
	a->buf = NULL;
	a->len = a->cap = 0;
}

uint8_t mvm_acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *b++);
	return (uint8_t)-sum;
}

// SPDX-License-Identifier: GPL-2.0-only
/* libmvm: sizes with binary suffixes, in and out. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "libmvm.h"

static const char units[] = "KMGT";

int mvm_parse_size(const char *s, uint64_t *bytes)
{
	uint64_t v = 0;
	unsigned int shift = 0;
	const char *p = s;

	/* Digits only: no sign, no blanks, no base prefix. */
	if (*p < '0' || *p > '9')
		goto err_inval;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
			goto err_range;
	}

	if (*p) {
		char c = *p++ & ~0x20;	/* ASCII upper case */
		unsigned int i;

		for (i = 0; units[i] && units[i] != c; i++)
			;
		if (!units[i] || *p)
			goto err_inval;
		shift = 10 * (i + 1);
	}

	if (shift && v > (UINT64_MAX >> shift))
		goto err_range;
	*bytes = v << shift;
	return 0;

err_inval:
	errno = EINVAL;
	return -1;
err_range:
	errno = ERANGE;
	return -1;
}

char *mvm_format_size(uint64_t bytes, char buf[MVM_SIZE_BUF])
{
	static const char *const names[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned int i = 0;

	while (i < 4 && bytes && !(bytes & 1023)) {
		bytes >>= 10;
		i++;
	}
	snprintf(buf, MVM_SIZE_BUF, "%" PRIu64 " %s", bytes, names[i]);
	return buf;
}

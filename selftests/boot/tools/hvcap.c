// SPDX-License-Identifier: GPL-2.0-only
/*
 * hvcap: print the value of one mvm capability, so scripts can decide to skip.
 *
 *   hvcap [--device PATH] CAP      CAP: a number or a name (IRQCHIP, KVMCLOCK, ...)
 *
 * Exit status: 0 when the capability is there (value non-zero), 4 (kselftest's "skip")
 * when it is not or there is no device, 1 on any other error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/mvm.h>

static const struct {
	const char *name;
	unsigned long cap;
} names[] = {
	{ "BACKEND", MVM_CAP_BACKEND },
	{ "MAX_VCPUS", MVM_CAP_MAX_VCPUS },
	{ "NR_MEMSLOTS", MVM_CAP_NR_MEMSLOTS },
	{ "GUEST_PHYS_BITS", MVM_CAP_GUEST_PHYS_BITS },
	{ "HW_FEATURES", MVM_CAP_HW_FEATURES },
	{ "MAX_SLOT_PAGES", MVM_CAP_MAX_SLOT_PAGES },
	{ "IRQCHIP", MVM_CAP_IRQCHIP },
	{ "KVMCLOCK", MVM_CAP_KVMCLOCK },
	{ "TSC_KHZ", MVM_CAP_TSC_KHZ },
};

int main(int argc, char **argv)
{
	const char *dev = getenv("MVM_DEVICE") ? getenv("MVM_DEVICE") : "/dev/mvm";
	unsigned long cap = 0;
	char *end;
	int fd, ret;

	if (argc == 4 && !strcmp(argv[1], "--device")) {
		dev = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: hvcap [--device PATH] CAP\n");
		return 1;
	}
	cap = strtoul(argv[1], &end, 0);
	if (*end || end == argv[1]) {
		const char *want = argv[1];

		if (!strncasecmp(want, "MVM_CAP_", 8))
			want += 8;
		cap = 0;
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcasecmp(want, names[i].name))
				cap = names[i].cap;
		if (!cap) {
			fprintf(stderr, "hvcap: unknown capability '%s'\n", argv[1]);
			return 1;
		}
	}

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("0\n");
		fprintf(stderr, "hvcap: %s: %s\n", dev, strerror(errno));
		return errno == ENOENT || errno == ENODEV || errno == ENXIO ? 4 : 1;
	}
	ret = ioctl(fd, MVM_CHECK_EXTENSION, cap);
	close(fd);
	if (ret < 0) {
		fprintf(stderr, "hvcap: MVM_CHECK_EXTENSION(%lu): %s\n", cap, strerror(errno));
		return 1;
	}
	printf("%d\n", ret);
	return ret ? 0 : 4;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm info: what the module and the hardware offer, as "key: value" lines
 * that scripts can grep.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "libmvm.h"

static const char *const svm_features[] = {
	"npt", "lbrv", "nrips", "tsc-scaling", "vmcb-clean", "flush-by-asid",
	"decode-assists", "pause-filter", "pause-threshold", "avic",
	"vmsave-virt", "vgif",
};

static const char *const vmx_features[] = {
	"ept", "vpid", "unrestricted-guest", "ept-ad", "preempt-timer", "pml",
	"apicv", "tsc-scaling",
};

/* One row per capability, in the order printed. */
static const struct {
	unsigned int cap;
	const char *name;
} caps[] = {
	{ MVM_CAP_BACKEND,         "MVM_CAP_BACKEND" },
	{ MVM_CAP_MAX_VCPUS,       "MVM_CAP_MAX_VCPUS" },
	{ MVM_CAP_NR_MEMSLOTS,     "MVM_CAP_NR_MEMSLOTS" },
	{ MVM_CAP_GUEST_PHYS_BITS, "MVM_CAP_GUEST_PHYS_BITS" },
	{ MVM_CAP_MAX_SLOT_PAGES,  "MVM_CAP_MAX_SLOT_PAGES" },
	{ MVM_CAP_HW_FEATURES,     "MVM_CAP_HW_FEATURES" },
};

enum { BACKEND, MAX_VCPUS, NR_SLOTS, PHYS_BITS, SLOT_PAGES, FEATURES, NR_CAPS };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mvm [--device PATH] info\n"
		"\n"
		"Show the mvm API version, the backend, the limits of a VM and the\n"
		"optional hardware features found, one 'key: value' per line.\n"
		"\n"
		"options:\n"
		"  --device PATH  the mvm device (default: $MVM_DEVICE, else %s)\n"
		"  -h, --help     show this help\n",
		MVM_DEFAULT_DEVICE);
}

/*
 * "features:" lists the bits set, "missing:" the named bits clear.  A set
 * bit this mvm has no name for still shows, as bitN.
 */
static void print_features(unsigned long bits, const char *const *names,
			   unsigned int nr_names)
{
	unsigned int i;
	int any = 0;

	printf("features:");
	for (i = 0; i < 8 * sizeof(bits); i++) {
		if (!(bits & (1UL << i)))
			continue;
		any = 1;
		if (names && i < nr_names)
			printf(" %s", names[i]);
		else
			printf(" bit%u", i);
	}
	printf("%s\nmissing:", any ? "" : " none");

	any = 0;
	for (i = 0; names && i < nr_names; i++) {
		if (bits & (1UL << i))
			continue;
		any = 1;
		printf(" %s", names[i]);
	}
	printf("%s\n", any ? "" : " none");
}

static int show(const char *device, int fd)
{
	const char *const *names = NULL;
	unsigned int nr_names = 0;
	unsigned long v[NR_CAPS];
	const char *backend;
	unsigned int i;

	for (i = 0; i < NR_CAPS; i++) {
		if (mvm_check_extension(fd, caps[i].cap, &v[i]) < 0) {
			cli_err("%s: MVM_CHECK_EXTENSION(%s) failed: %s",
				device, caps[i].name, strerror(errno));
			return 1;
		}
	}

	switch (v[BACKEND]) {
	case MVM_BACKEND_SVM:
		backend = "AMD SVM with nested paging";
		names = svm_features;
		nr_names = sizeof(svm_features) / sizeof(svm_features[0]);
		break;
	case MVM_BACKEND_VMX:
		backend = "Intel VMX with EPT";
		names = vmx_features;
		nr_names = sizeof(vmx_features) / sizeof(vmx_features[0]);
		break;
	default:
		backend = NULL;
		break;
	}

	printf("device: %s\n", device);
	printf("api-version: %d\n", MVM_API_VERSION);
	if (backend)
		printf("backend: %s\n", backend);
	else
		printf("backend: unknown (%lu)\n", v[BACKEND]);
	printf("max-vcpus: %lu\n", v[MAX_VCPUS]);
	printf("memory-slots: %lu\n", v[NR_SLOTS]);
	printf("guest-phys-bits: %lu\n", v[PHYS_BITS]);
	printf("max-slot-pages: %lu\n", v[SLOT_PAGES]);
	/* GiB to two decimals, rounded down: 262144 pages make a GiB. */
	printf("max-slot-gib: %llu.%02llu\n",
	       (unsigned long long)v[SLOT_PAGES] / 262144,
	       (unsigned long long)v[SLOT_PAGES] % 262144 * 100 / 262144);
	printf("feature-bits: 0x%lx\n", v[FEATURES]);
	print_features(v[FEATURES], names, nr_names);
	return 0;
}

int cmd_info(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP,
		CLI_OPT_DEVICE,
		{ NULL, 0, NULL, 0 }
	};
	int c, fd, ret;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return 0;
		case OPT_DEVICE:
			cli->device = optarg;
			break;
		default:
			return cli_bad_option("info", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_err("info", "unexpected argument '%s'",
				     argv[optind]);

	fd = cli_open_device(cli);
	if (fd < 0)
		return 1;
	ret = show(cli->device, fd);
	close(fd);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm create: build a VM with guest RAM and vCPUs, touch the RAM, tear it
 * all down.  The demo of the VM and memory-slot ABI until 'mvm run' exists.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "libmvm.h"

#define DEFAULT_MEM	(64ULL << 20)

struct create_args {
	const char *mem_arg;
	uint64_t mem;		/* bytes, page aligned */
	unsigned long cpus;
	unsigned long slots;
};

/* What the module allows, from MVM_CHECK_EXTENSION. */
struct limits {
	unsigned long max_vcpus;
	unsigned long nr_slots;
	unsigned long slot_pages;	/* 0: not reported, let the kernel judge */
	unsigned long phys_bits;	/* 0: likewise */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mvm [--device PATH] create [--mem SIZE] [--cpus N] [--slots N]\n"
		"\n"
		"Create a VM, give it SIZE of guest RAM from guest-physical address 0\n"
		"split over N memory slots, create vCPUs 0..N-1, touch every page of\n"
		"the RAM, then destroy the VM.\n"
		"\n"
		"options:\n"
		"  --mem SIZE     guest RAM, a multiple of 4 KiB; K, M, G, T suffixes\n"
		"                 (powers of 1024) are allowed (default: 64M)\n"
		"  --cpus N       vCPUs, 1 to the module's limit (default: 1)\n"
		"  --slots N      memory slots to split the RAM over (default: 1)\n"
		"  --device PATH  the mvm device (default: $MVM_DEVICE, else %s)\n"
		"  -h, --help     show this help\n",
		MVM_DEFAULT_DEVICE);
}

static int parse_args(struct create_args *a, struct cli *cli, int argc,
		      char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP,
		CLI_OPT_DEVICE,
		{ "mem", required_argument, NULL, OPT_MEM },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "slots", required_argument, NULL, OPT_SLOTS },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return -1;
		case OPT_DEVICE:
			cli->device = optarg;
			break;
		case OPT_MEM:
			a->mem_arg = optarg;
			if (cli_parse_mem("create", optarg, &a->mem))
				return EXIT_USAGE;
			break;
		case OPT_CPUS:
			if (cli_parse_count(optarg, &a->cpus) < 0 || a->cpus == 0)
				return cli_usage_err("create", "--cpus '%s': not a number of at least 1", optarg);
			break;
		case OPT_SLOTS:
			if (cli_parse_count(optarg, &a->slots) < 0 || a->slots == 0)
				return cli_usage_err("create", "--slots '%s': not a number of at least 1", optarg);
			break;
		default:
			return cli_bad_option("create", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_err("create", "unexpected argument '%s'",
				     argv[optind]);
	return 0;
}

static int get_limits(const char *device, int fd, struct limits *l)
{
	static const struct {
		unsigned int cap;
		const char *name;
		size_t off;
	} q[] = {
		{ MVM_CAP_MAX_VCPUS, "MVM_CAP_MAX_VCPUS", offsetof(struct limits, max_vcpus) },
		{ MVM_CAP_NR_MEMSLOTS, "MVM_CAP_NR_MEMSLOTS", offsetof(struct limits, nr_slots) },
		{ MVM_CAP_MAX_SLOT_PAGES, "MVM_CAP_MAX_SLOT_PAGES", offsetof(struct limits, slot_pages) },
		{ MVM_CAP_GUEST_PHYS_BITS, "MVM_CAP_GUEST_PHYS_BITS", offsetof(struct limits, phys_bits) },
	};
	size_t i;

	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		unsigned long *v = (unsigned long *)((char *)l + q[i].off);

		if (mvm_check_extension(fd, q[i].cap, v) < 0) {
			cli_err("%s: MVM_CHECK_EXTENSION(%s) failed: %s",
				device, q[i].name, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Arguments against the module's limits: 0, or an exit status. */
static int check_args(const struct create_args *a, const struct limits *l)
{
	uint64_t pages = a->mem / MVM_PAGE_SIZE;
	uint64_t largest = (pages + a->slots - 1) / a->slots;
	char s[MVM_SIZE_BUF];

	if (a->cpus > l->max_vcpus)
		return cli_usage_err("create", "--cpus %lu: the module allows 1 to %lu",
				     a->cpus, l->max_vcpus);
	if (a->slots > l->nr_slots)
		return cli_usage_err("create", "--slots %lu: the module allows 1 to %lu",
				     a->slots, l->nr_slots);
	if (a->slots > pages)
		return cli_usage_err("create", "--mem %s cannot be split into %lu slots of whole 4 KiB pages",
				     mvm_format_size(a->mem, s), a->slots);
	if (l->slot_pages && largest > l->slot_pages)
		return cli_usage_err("create", "--mem %s in %lu slot(s): a slot holds at most %lu pages; use more --slots",
				     mvm_format_size(a->mem, s), a->slots, l->slot_pages);
	if (l->phys_bits && l->phys_bits < 64 && a->mem > (1ULL << l->phys_bits))
		return cli_usage_err("create", "--mem %s: more than the %lu-bit guest-physical address space",
				     mvm_format_size(a->mem, s), l->phys_bits);
	return 0;
}

static void touch(volatile uint8_t *ram, uint64_t size)
{
	uint64_t off;

	for (off = 0; off < size; off += MVM_PAGE_SIZE)
		ram[off] = 1;
}

/* Contiguous from gpa 0; the first pages % slots slots get a page more. */
static int add_slots(struct mvm_machine *m, const struct create_args *a)
{
	uint64_t pages = a->mem / MVM_PAGE_SIZE, gpa = 0;
	unsigned long i;

	for (i = 0; i < a->slots; i++) {
		uint64_t size = (pages / a->slots + (i < pages % a->slots)) *
				MVM_PAGE_SIZE;

		if (mvm_machine_add_region(m, gpa, gpa, size) < 0)
			return -1;
		gpa += size;
	}
	return 0;
}

static void print_slots(const struct mvm_machine *m, uint64_t mem)
{
	char s[MVM_SIZE_BUF];
	unsigned int i;

	printf("memory: %s in %u slot(s) at gpa 0x0\n",
	       mvm_format_size(mem, s), m->nr_regions);
	for (i = 0; i < m->nr_regions; i++) {
		const struct mvm_ram_region *r = &m->regions[i];

		printf("slot %u: gpa 0x%" PRIx64 "-0x%" PRIx64 " (%s)\n", r->slot,
		       r->gpa, r->gpa + r->size - 1, mvm_format_size(r->size, s));
	}
}

static int create(struct cli *cli, struct create_args *a)
{
	struct mvm_machine m;
	char s[MVM_SIZE_BUF];
	struct limits lim;
	unsigned int id = 0;
	int ret = 1, bad, err = 0;

	mvm_machine_init(&m, NULL);
	m.dev_fd = cli_open_device(cli);
	if (m.dev_fd < 0 || get_limits(cli->device, m.dev_fd, &lim) < 0)
		goto out;
	if (check_args(a, &lim)) {
		ret = EXIT_USAGE;
		goto out;
	}
	if (cli_check_host_memory(a->mem) < 0)
		goto out;
	if (mvm_machine_alloc_ram(&m, a->mem) < 0 || add_slots(&m, a) < 0) {
		cli_err("cannot allocate %s of guest memory: %s",
			mvm_format_size(a->mem, s), strerror(errno));
		goto out;
	}
	if (mvm_machine_create_vm(&m, m.dev_fd, &bad) < 0)
		err = errno;
	if (err && bad < 0) {
		errno = err;
		cli_create_vm_err();
		goto out;
	}
	printf("vm: created\n");
	if (err) {
		const struct mvm_ram_region *r = &m.regions[bad];

		errno = err;
		cli_err("cannot register memory slot %u (gpa 0x%" PRIx64 ", %s) with MVM_SET_MEMORY_REGION: %s",
			r->slot, r->gpa, mvm_format_size(r->size, s),
			strerror(errno));
		goto out;
	}
	print_slots(&m, a->mem);
	if (mvm_machine_create_vcpus(&m, (unsigned int)a->cpus, &id) < 0) {
		cli_err("cannot create vCPU %u with MVM_CREATE_VCPU: %s", id,
			strerror(errno));
		goto out;
	}
	printf("vcpus: %lu\n", a->cpus);

	touch(m.ram, a->mem);
	printf("touched: %" PRIu64 " pages\n", a->mem / MVM_PAGE_SIZE);
	ret = 0;
out:
	fflush(stdout);
	if (m.vm_fd >= 0) {
		mvm_machine_destroy(&m);
		printf("vm: destroyed\n");
	} else {
		mvm_machine_destroy(&m);
	}
	return ret;
}

int cmd_create(struct cli *cli, int argc, char **argv)
{
	struct create_args a = { .mem = DEFAULT_MEM, .cpus = 1, .slots = 1 };
	int ret;

	ret = parse_args(&a, cli, argc, argv);
	if (ret)
		return ret < 0 ? 0 : ret;	/* -1: help was shown */
	return create(cli, &a);
}

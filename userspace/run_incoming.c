// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm run --incoming ADDR: the destination of a live migration (the
 * stream is in lib/migrate.h).  It listens, takes one connection, and
 * checks the source's handshake against what it can build: the machine's
 * kind and PC layout, --mem and --cpus when given (the most it accepts),
 * the host's memory, the module's limits, the TSC's rate and the CPU
 * features the guest was given.  Then it builds the machine as a restore
 * does, says yes, takes RAM and state, and runs the guest only once all
 * of it arrived and was loaded.  Any failure before that ends mvm with
 * status 1 and no vCPU run.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "migrate.h"
#include "run.h"

#define MAX_CPUID	64
/* The source sends without a pause: a silence this long is a dead one. */
#define RECV_TIMEOUT_MS	(MVM_MIG_TIMEOUT_S * 1000)

/* The CPUID table this mvm would give vCPU 0 of such a machine. */
static unsigned int own_cpuid(int dev_fd, const struct mvm_mig_hello *h,
			      struct mvm_cpuid_entry *e)
{
	unsigned long kvmclock = 0, bits = 0;
	struct mvm_cpuid_cfg cfg = { .nr_cpus = h->nr_vcpus };

	if (h->kind == RUN_KIND_RAW)
		return mvm_cpuid_default(e, MAX_CPUID, 0);
	mvm_check_extension(dev_fd, MVM_CAP_KVMCLOCK, &kvmclock);
	mvm_check_extension(dev_fd, MVM_CAP_GUEST_PHYS_BITS, &bits);
	cfg.kvmclock = kvmclock != 0;
	cfg.phys_bits = (unsigned int)bits;
	return mvm_cpuid_linux(e, MAX_CPUID, &cfg);
}

/*
 * What this side cannot take, in why; 0 when it can.  The machine's
 * descriptor is open by then (m->dev_fd): the module's answers count.
 */
static int check_hello(const struct mvm_machine *m,
		       const struct mvm_mig_hello *h, const struct run_args *a,
		       char *why, size_t cap)
{
	struct mvm_cpuid_entry own[MAX_CPUID];
	unsigned long khz = 0, max_vcpus = 0;
	char s1[MVM_SIZE_BUF], s2[MVM_SIZE_BUF];
	unsigned int n;

	if (h->kind != RUN_KIND_RAW && h->kind != RUN_KIND_LINUX) {
		snprintf(why, cap, "a machine of a kind this mvm does not know (%u)", h->kind);
		return -1;
	}
	if (!run_pc_layout(h->regions, h->nr_regions, h->ram_size) ||
	    (h->kind == RUN_KIND_RAW && h->nr_vcpus != 1)) {
		snprintf(why, cap, "the machine's memory layout is not one mvm run builds");
		return -1;
	}
	if (a->mem && h->ram_size > a->mem) {
		snprintf(why, cap, "the guest has %s of memory, this destination takes at most %s (--mem)",
			 mvm_format_size(h->ram_size, s1), mvm_format_size(a->mem, s2));
		return -1;
	}
	if (a->cpus_set && h->nr_vcpus > a->cpus) {
		snprintf(why, cap, "the guest has %u vCPUs, this destination takes at most %lu (--cpus)",
			 h->nr_vcpus, a->cpus);
		return -1;
	}
	mvm_check_extension(m->dev_fd, MVM_CAP_MAX_VCPUS, &max_vcpus);
	if (max_vcpus && h->nr_vcpus > max_vcpus) {
		snprintf(why, cap, "the guest has %u vCPUs, this mvm.ko runs at most %lu",
			 h->nr_vcpus, max_vcpus);
		return -1;
	}
	mvm_check_extension(m->dev_fd, MVM_CAP_TSC_KHZ, &khz);
	/* No TSC scaling: a guest's TSC would run at another rate here. */
	if (h->tsc_khz && khz && (h->tsc_khz > khz + khz / 1000 ||
				  khz > h->tsc_khz + h->tsc_khz / 1000)) {
		snprintf(why, cap, "the source's TSC runs at %" PRIu64 " kHz, this host's at %lu kHz",
			 h->tsc_khz, khz);
		return -1;
	}
	n = own_cpuid(m->dev_fd, h, own);
	return mvm_mig_cpuid_fits(own, n, h->cpuid, h->nr_cpuid, why, cap);
}

/* Build the machine the handshake describes (as a restore does): 0 or -1. */
static int build(struct cli *cli, struct mvm_machine *m,
		 const struct mvm_mig_hello *h, struct run_devices *dev)
{
	int linux_kind = h->kind == RUN_KIND_LINUX;

	if (run_alloc_ram(m, h->ram_size) < 0 || run_create_vm(cli, m) < 0 ||
	    (linux_kind && run_linux_irqchip(m) < 0) ||
	    run_create_vcpus(m, h->nr_vcpus) < 0 ||
	    (linux_kind ? run_linux_devices(m, dev) : run_raw_devices(m, dev)) < 0)
		return -1;
	return 0;
}

int run_incoming(struct cli *cli, const struct run_args *a)
{
	struct mvm_state_io io = { .fd = -1, .timeout_ms = RECV_TIMEOUT_MS };
	struct mvm_incoming_stats st;
	struct run_devices dev = { 0 };
	struct mvm_mig_hello *h;
	struct mvm_machine m;
	struct mvm_ctl *ctl = NULL;
	char why[256] = "";
	const char *what;
	int lfd, sig, ret = 1;

	run_machine_init(&m, a);
	h = calloc(1, sizeof(*h));
	if (!h) {
		cli_err("incoming: out of memory");
		return 1;
	}
	/*
	 * The control socket before the stream: a path in use refuses the
	 * start here, not once the source has handed its guest over.
	 */
	if (run_ctl_listen(&m, a->api_sock, &ctl) < 0)
		goto out;
	lfd = mvm_mig_listen(a->incoming, &what);
	if (lfd < 0) {
		cli_err("incoming: %s: %s: %s", a->incoming, what, strerror(errno));
		goto out;
	}
	cli_err("incoming: listening on %s", a->incoming);
	io.fd = mvm_mig_accept(lfd, a->incoming);
	if (io.fd < 0) {
		cli_err("incoming: %s: cannot accept a connection: %s",
			a->incoming, strerror(errno));
		goto out;
	}
	if (mvm_incoming_hello(&io, h, why, sizeof(why)) < 0) {
		mvm_mig_send_reply(&io, EPROTO, why);
		cli_err("incoming: %s", why);
		goto out;
	}
	/* The limits first: nothing is allocated for a machine refused. */
	m.dev_fd = cli_open_device(cli);
	if (m.dev_fd < 0) {
		mvm_mig_send_reply(&io, ENODEV, "the destination cannot open its mvm device");
		goto out;
	}
	if (check_hello(&m, h, a, why, sizeof(why)) < 0) {
		cli_err("incoming: refused: %s", why);
		mvm_mig_send_reply(&io, EINVAL, why);
		goto out;
	}
	close(m.dev_fd);
	m.dev_fd = -1;
	if (build(cli, &m, h, &dev) < 0) {
		mvm_mig_send_reply(&io, ENOMEM, "the destination cannot build the machine (its stderr says why)");
		goto out;
	}
	if (mvm_mig_send_reply(&io, 0, "") < 0) {
		cli_err("incoming: the source went away: %s", strerror(errno));
		goto out;
	}
	if (mvm_incoming_receive(&io, &m, &st, why, sizeof(why)) < 0) {
		cli_err("incoming: %s; no vCPU ran", why);
		mvm_mig_send_reply(&io, EBADMSG, why);
		goto out;
	}
	/*
	 * The vCPUs' threads wait paused, in MVM_RUN's immediate exit (the
	 * guest does not run), while the answer goes: the guest then runs
	 * as soon as the source hears it, without their start in between.
	 */
	mvm_machine_pause_by(&m, MVM_PAUSE_MIGRATE);
	sig = run_machine_start(&m, ctl);
	if (sig < 0) {
		mvm_mig_send_reply(&io, ENOMEM, "the destination cannot start its vCPUs");
		goto out;
	}
	if (mvm_mig_send_reply(&io, 0, "") < 0) {
		/* The source may not know it is done: it runs on, this does not. */
		cli_err("incoming: the source went away before the end: %s; no vCPU ran",
			strerror(errno));
		pthread_mutex_lock(&m.lock);
		mvm_machine_stop(&m, 1, "");
		pthread_mutex_unlock(&m.lock);
		mvm_machine_wait(&m);
		goto out;
	}
	mvm_machine_resume_by(&m, MVM_PAUSE_MIGRATE);
	close(io.fd);
	io.fd = -1;
	cli_err("incoming: migration complete: %.1f MB in %u rounds, guest running",
		st.bytes / 1e6, st.rounds);
	free(h);
	h = NULL;
	ret = run_machine_finish(&m, sig, dev.uart, m.kind == RUN_KIND_LINUX ?
				 &dev.console : NULL, ctl);
	ctl = NULL;
out:
	run_ctl_close(ctl);
	if (io.fd >= 0)
		close(io.fd);
	free(h);
	mvm_machine_destroy(&m);
	return ret;
}

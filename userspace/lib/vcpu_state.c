// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmvm: a vCPU's whole state into a state stream section and back,
 * through the vCPU state ioctls.  The uapi structures travel as they are
 * (x86, little-endian, fixed layouts); the MSRs as a list of what the
 * kernel keeps.
 *
 * The order of a load is the kernel's restore order (uapi/mvm-api.md):
 * the CPUID table first (it decides what the rest may hold), the
 * segments and control registers before the registers, XCR0 before the
 * XSAVE area it governs, the MSRs (the TSC sets the guest's offset), the
 * local APIC, then the TSC deadline (it arms a timer only in deadline
 * mode), the debug registers, then the pending events (with any INIT or
 * SIPI latched for the vCPU) and the run state last.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "libmvm.h"
#include "state.h"

/*
 * The longest CPUID table a state stream may carry: more than any table
 * mvm builds (the module takes MVM_CAP_MAX_CPUID_ENTRIES and says so).
 */
#define STATE_MAX_CPUID		256
#define MSR_TSC			0x10
#define MSR_TSC_DEADLINE	0x6e0
#define MSR_KVM_WALL_CLOCK	0x4b564d00

/*
 * What the kernel may keep for a vCPU (mvm-api.md); each saved if it
 * does.  The kvmclock MSRs by their new numbers only (0x11 and 0x12 are
 * the same state).
 */
static const uint32_t vcpu_msrs[] = {
	0xc0000080, 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084,
	0xc0000100, 0xc0000101, 0xc0000102, 0xc0000103,
	0x174, 0x175, 0x176, 0x277, 0x10, 0x1b, 0x48,
	MSR_KVM_WALL_CLOCK, 0x4b564d01,
	MSR_TSC_DEADLINE,
};

#define NR_VCPU_MSRS	(sizeof(vcpu_msrs) / sizeof(vcpu_msrs[0]))

/*
 * What the stream holds of the structures that end in flags and reserved
 * words: the state before them (for the run state, with the flags word
 * that stands where a padding word was), so the stream keeps the layout
 * it had before the ABI gave them those words.  A load zeroes the rest.
 */
#define REGS_BYTES	offsetof(struct mvm_regs, flags)
#define XSAVE_BYTES	offsetof(struct mvm_xsave, flags)
#define LAPIC_BYTES	offsetof(struct mvm_lapic_state, flags)
#define MP_STATE_BYTES	offsetof(struct mvm_mp_state, reserved)
static_assert(REGS_BYTES == 144 && XSAVE_BYTES == 4096 &&
	      LAPIC_BYTES == 1024 && MP_STATE_BYTES == 8,
	      "the state stream's vCPU section");

/*
 * Each MSR of the list the kernel keeps, in as few calls as it takes:
 * one, and one more past each MSR it does not keep (GET_MSRS stops there).
 * These calls are in a migration's pause.
 */
static void msrs_get(const struct mvm_vcpu *v, uint64_t *vals, int *kept)
{
	struct mvm_msr_entry e[NR_VCPU_MSRS];
	struct mvm_msrs m = { 0 };
	uint32_t i, from = 0;
	int n;

	memset(e, 0, sizeof(e));
	for (i = 0; i < NR_VCPU_MSRS; i++) {
		e[i].index = vcpu_msrs[i];
		kept[i] = 0;
	}
	while (from < NR_VCPU_MSRS) {
		m.nmsrs = NR_VCPU_MSRS - from;
		m.entries = (uint64_t)(uintptr_t)&e[from];
		n = ioctl(v->fd, MVM_GET_MSRS, &m);
		if (n < 0 || (uint32_t)n > m.nmsrs)
			n = 0;
		for (i = from; i < from + (uint32_t)n; i++) {
			vals[i] = e[i].data;
			kept[i] = 1;
		}
		from += (uint32_t)n + 1;	/* past the one not kept */
	}
}

/* ---- Save ---- */

static int get(const struct mvm_vcpu *v, unsigned long cmd, void *p, size_t n,
	       struct mvm_state *s)
{
	if (ioctl(v->fd, cmd, p) < 0)
		return -1;
	mvm_state_put_bytes(s, p, n);
	return 0;
}

int mvm_vcpu_state_save(const struct mvm_vcpu *v, struct mvm_state *s)
{
	struct mvm_regs regs;
	struct mvm_sregs sregs;
	struct mvm_xcrs xcrs;
	struct mvm_vcpu_events ev;
	struct mvm_debugregs dr;
	struct mvm_mp_state mp;
	struct mvm_lapic_state *lapic = malloc(sizeof(*lapic));
	struct mvm_xsave *xsave = malloc(sizeof(*xsave));
	uint64_t vals[NR_VCPU_MSRS];
	int kept[NR_VCPU_MSRS];
	uint32_t n = 0, i;
	int r = -1;

	if (!lapic || !xsave)
		goto out;
	mvm_state_put_u32(s, v->nr_cpuid);
	mvm_state_put_bytes(s, v->cpuid, v->nr_cpuid * sizeof(*v->cpuid));
	if (get(v, MVM_GET_SREGS, &sregs, sizeof(sregs), s) < 0 ||
	    get(v, MVM_GET_REGS, &regs, REGS_BYTES, s) < 0 ||
	    get(v, MVM_GET_XCRS, &xcrs, sizeof(xcrs), s) < 0 ||
	    get(v, MVM_GET_XSAVE, xsave, XSAVE_BYTES, s) < 0)
		goto out;
	msrs_get(v, vals, kept);
	for (i = 0; i < NR_VCPU_MSRS; i++) {
		/*
		 * A wall-clock address the guest never gave: writing it back
		 * would write the structure at guest-physical 0.
		 */
		if (vcpu_msrs[i] == MSR_KVM_WALL_CLOCK && !vals[i])
			kept[i] = 0;
		n += (uint32_t)kept[i];
	}
	mvm_state_put_u32(s, n);
	for (i = 0; i < NR_VCPU_MSRS; i++) {
		if (!kept[i])
			continue;
		mvm_state_put_u32(s, vcpu_msrs[i]);
		mvm_state_put_u64(s, vals[i]);
	}
	/* No irqchip, no local APIC: ENXIO, and nothing to save. */
	if (ioctl(v->fd, MVM_GET_LAPIC, lapic) == 0) {
		mvm_state_put_u8(s, 1);
		mvm_state_put_bytes(s, lapic, LAPIC_BYTES);
	} else if (errno == ENXIO) {
		mvm_state_put_u8(s, 0);
	} else {
		goto out;
	}
	if (get(v, MVM_GET_DEBUGREGS, &dr, sizeof(dr), s) < 0 ||
	    get(v, MVM_GET_VCPU_EVENTS, &ev, sizeof(ev), s) < 0 ||
	    get(v, MVM_GET_MP_STATE, &mp, MP_STATE_BYTES, s) < 0)
		goto out;
	r = s->err ? -1 : 0;
	if (s->err)
		errno = s->err;
out:
	free(lapic);
	free(xsave);
	return r;
}

/* ---- Load ---- */

static int set(const struct mvm_vcpu *v, unsigned long cmd, void *p, size_t n,
	       struct mvm_state *s)
{
	if (mvm_state_get_bytes(s, p, n) < 0) {
		errno = EBADMSG;
		return -1;
	}
	return ioctl(v->fd, cmd, p) < 0 ? -1 : 0;
}

/*
 * Set the MSRs of the list: all but the TSC deadline, or only that; in
 * one call (a migration's destination does this before its guest runs).
 */
static int load_msrs(struct mvm_vcpu *v, struct mvm_state *s, int deadline,
		     uint64_t tsc_add)
{
	struct mvm_msr_entry e[NR_VCPU_MSRS];
	struct mvm_msrs m = { 0 };
	uint32_t n, i, j = 0, index, k = 0;
	uint64_t val;
	int r;

	if (mvm_state_get_u32_max(s, &n, NR_VCPU_MSRS) < 0)
		return -1;
	memset(e, 0, sizeof(e));
	for (i = 0; i < n; i++) {
		if (mvm_state_get_u32(s, &index) < 0 ||
		    mvm_state_get_u64(s, &val) < 0)
			return -1;
		/* Only what a save writes, once each, in its order. */
		while (j < NR_VCPU_MSRS && vcpu_msrs[j] != index)
			j++;
		if (j++ == NR_VCPU_MSRS) {
			s->err = EBADMSG;
			return -1;
		}
		/* The TSC deadline on the second pass, after the APIC. */
		if ((index == MSR_TSC_DEADLINE) != deadline)
			continue;
		/* The time away, in guest TSC ticks; an unarmed deadline stays 0. */
		if (index == MSR_TSC || (index == MSR_TSC_DEADLINE && val))
			val += tsc_add;
		e[k].index = index;
		e[k++].data = val;
	}
	if (!k)
		return 0;
	m.nmsrs = k;
	m.entries = (uint64_t)(uintptr_t)e;
	r = ioctl(v->fd, MVM_SET_MSRS, &m);
	if (r < 0)
		return -1;
	if ((uint32_t)r != k) {
		errno = EINVAL;		/* one the kernel does not keep */
		return -1;
	}
	return 0;
}

int mvm_vcpu_state_load(struct mvm_vcpu *v, struct mvm_state *s,
			uint64_t tsc_add)
{
	struct mvm_regs regs = { 0 };
	struct mvm_sregs sregs;
	struct mvm_xcrs xcrs;
	struct mvm_vcpu_events ev;
	struct mvm_debugregs dr;
	struct mvm_mp_state mp = { 0 };
	struct mvm_lapic_state *lapic = calloc(1, sizeof(*lapic));
	struct mvm_xsave *xsave = calloc(1, sizeof(*xsave));
	struct mvm_cpuid_entry *cpuid = NULL;
	size_t msrs_at;
	uint32_t n;
	uint8_t has_lapic;
	int r = -1;

	if (!lapic || !xsave)
		goto out;
	if (mvm_state_get_u32_max(s, &n, STATE_MAX_CPUID) < 0)
		goto bad;
	cpuid = calloc(n ? n : 1, sizeof(*cpuid));
	if (!cpuid)
		goto out;
	if (mvm_state_get_bytes(s, cpuid, n * sizeof(*cpuid)) < 0)
		goto bad;
	if (mvm_vcpu_set_cpuid(v, cpuid, n) < 0 ||
	    set(v, MVM_SET_SREGS, &sregs, sizeof(sregs), s) < 0 ||
	    set(v, MVM_SET_REGS, &regs, REGS_BYTES, s) < 0 ||
	    set(v, MVM_SET_XCRS, &xcrs, sizeof(xcrs), s) < 0 ||
	    set(v, MVM_SET_XSAVE, xsave, XSAVE_BYTES, s) < 0)
		goto out;
	msrs_at = s->pos;
	if (load_msrs(v, s, 0, tsc_add) < 0)
		goto fail;
	if (mvm_state_get_u8(s, &has_lapic) < 0 || has_lapic > 1)
		goto bad;
	/* A local APIC exactly when this machine has them. */
	if (!has_lapic && ioctl(v->fd, MVM_GET_LAPIC, lapic) == 0)
		goto bad;
	if (has_lapic && set(v, MVM_SET_LAPIC, lapic, LAPIC_BYTES, s) < 0)
		goto out;
	/* Back to the MSR list for the deadline, then on past the APIC. */
	{
		size_t after = s->pos;

		s->pos = msrs_at;
		if (load_msrs(v, s, 1, tsc_add) < 0)
			goto fail;
		s->pos = after;
	}
	if (set(v, MVM_SET_DEBUGREGS, &dr, sizeof(dr), s) < 0 ||
	    set(v, MVM_SET_VCPU_EVENTS, &ev, sizeof(ev), s) < 0 ||
	    set(v, MVM_SET_MP_STATE, &mp, MP_STATE_BYTES, s) < 0)
		goto out;
	r = 0;
	goto out;
fail:
	if (!s->err)
		goto out;	/* the kernel refused: errno is its */
bad:
	errno = EBADMSG;
out:
	free(cpuid);
	free(lapic);
	free(xsave);
	return r;
}

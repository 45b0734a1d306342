// SPDX-License-Identifier: GPL-2.0
/*
 * What the guest fuzzer does to its vCPUs besides running them
 * (guest_state.h): their CPUID tables, injected events, and state read and
 * written back.  Whatever state a guest reached, GET must give something
 * SET takes back (a snapshot of it can be restored); a refusal is a finding.
 */
#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "guest_state.h"

static struct mvm_cpuid_entry host_cpuid[96];
static unsigned int host_ncpuid;

static void add_leaf(uint32_t fn, uint32_t idx, int indexed)
{
	struct mvm_cpuid_entry *e;
	unsigned int a, b, c, d;

	if (host_ncpuid >= ARRAY_LEN(host_cpuid))
		return;
	__cpuid_count(fn, idx, a, b, c, d);
	e = &host_cpuid[host_ncpuid++];
	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = idx;
	e->flags = indexed ? MVM_CPUID_FLAG_INDEX : 0;
	e->eax = a;
	e->ebx = b;
	e->ecx = c;
	e->edx = d;
}

void cpuid_init(void)
{
	unsigned int max, xmax, b, c, d, fn, i;

	__cpuid(0, max, b, c, d);
	__cpuid(0x80000000, xmax, b, c, d);
	for (fn = 0; fn <= max && fn <= 0xd; fn++) {
		int indexed = fn == 4 || fn == 7 || fn == 0xb || fn == 0xd;

		for (i = 0; i < (indexed ? 3u : 1u); i++)
			add_leaf(fn, i, indexed);
	}
	for (fn = 0x80000000; fn <= xmax && fn <= 0x80000021; fn++)
		add_leaf(fn, 0, 0);
}

int set_cpuid(struct fvcpu *c)
{
	struct mvm_cpuid_entry e[ARRAY_LEN(host_cpuid)];
	struct mvm_cpuid t = { .nent = host_ncpuid, .entries = (uint64_t)(uintptr_t)e };
	unsigned int i;

	memcpy(e, host_cpuid, sizeof(e));
	for (i = 0; i < host_ncpuid; i++) {
		if (e[i].function != 1)
			continue;
		e[i].ebx = (e[i].ebx & 0x00ffffff) | (uint32_t)c->id << 24;
		if (!c->vm->irqchip)
			e[i].ecx &= ~(1u << 21);	/* no x2APIC */
	}
	if (chance(10))
		flip(e, host_ncpuid * sizeof(e[0]), 1 + below(16));
	for (i = 0; i < host_ncpuid; i++) {
		e[i].padding = 0;
		e[i].flags &= MVM_CPUID_FLAG_INDEX;
	}
	return ioctl(c->fd, MVM_SET_CPUID, &t) < 0 ? -1 : 0;
}

/* ---- injection ---- */

int inject_checked(struct fvcpu *c, unsigned long req, void *arg, const char *what)
{
	if (ioctl(c->fd, req, arg) == 0)
		return 0;
	/* Queued already (EBUSY), not for this vector or VM (EINVAL, ENXIO). */
	if (errno != EBUSY && errno != EINVAL && errno != ENXIO && errno != EINTR)
		finding("%s on vCPU %d: %s", what, c->id, strerror(errno));
	return -1;
}

static void inject_msi(struct fvcpu *c)
{
	static const uint32_t modes[] = { 0, 0, 0, 0, 1, 4, 4, 5, 2, 7 };
	static const uint32_t dests[] = { 0, 1, 0xff, 0, 1, 2 };
	struct mvm_msi m = {
		.address = 0xfee00000ULL | (uint64_t)PICK(dests) << 12 | (chance(10) ? 4 : 0),
		.data = (0x10 + below(0xf0)) | PICK(modes) << 8,
	};

	if (chance(20))
		m.data |= 3u << 14;			/* level, asserted */
	ATOMIC_INC(st.inj_msi);
	if (ioctl(c->vm->fd, MVM_SIGNAL_MSI, &m) < 0 && errno != EINVAL)
		finding("MVM_SIGNAL_MSI(0x%llx, 0x%x): %s", (unsigned long long)m.address,
			m.data, strerror(errno));
}

void maybe_inject(struct fvcpu *c)
{
	struct fvcpu *t = c->vm->g.nvcpus == 2 && chance(40) ? &c->vm->v[!c->id] : c;
	struct mvm_interrupt irq = { .vector = chance(90) ? 32 + below(224) : below(32) };
	struct mvm_exception ex = { .vector = below(32) };

	switch (below(4)) {
	case 0: case 1:
		if (c->vm->irqchip) {
			inject_msi(c);
			break;
		}
		ATOMIC_INC(st.inj_irq);
		inject_checked(t, MVM_INTERRUPT, &irq, "MVM_INTERRUPT");
		break;
	case 2:
		ATOMIC_INC(st.inj_nmi);
		inject_checked(t, MVM_NMI, NULL, "MVM_NMI");
		break;
	default:
		/* Exceptions take the vCPU's lock: only into this one, not running. */
		ex.has_error_code = (0x20027d00u >> ex.vector) & 1;	/* 8, 10-14, 17, 21, 29 */
		ex.error_code = chance(50) ? 0 : rnd();
		ATOMIC_INC(st.inj_exc);
		inject_checked(c, MVM_INJECT_EXCEPTION, &ex, "MVM_INJECT_EXCEPTION");
	}
}

/* ---- state round trips ---- */

static const uint32_t kept_msrs[] = {
	0xc0000080, 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, 0xc0000102,
	0xc0000100, 0xc0000101, 0x174, 0x175, 0x176, 0x277, 0x10, 0xc0000103, 0x1b,
};

static void trip(struct fvcpu *c, const char *what, unsigned long get, unsigned long set,
		 void *buf)
{
	ATOMIC_INC(st.round_trips);
	if (ioctl(c->fd, get, buf) < 0) {
		finding("%s on vCPU %d (%s guest): GET failed: %s", what, c->id,
			mode_names[c->vm->g.mode], strerror(errno));
		return;
	}
	if (ioctl(c->fd, set, buf) < 0)
		finding("%s on vCPU %d (%s guest): SET refused what GET gave: %s", what,
			c->id, mode_names[c->vm->g.mode], strerror(errno));
}

static void trip_msrs(struct fvcpu *c)
{
	struct mvm_msr_entry e[ARRAY_LEN(kept_msrs)];
	struct mvm_msrs m = { .nmsrs = ARRAY_LEN(kept_msrs), .entries = (uint64_t)(uintptr_t)e };
	unsigned int i;
	int n, k;

	memset(e, 0, sizeof(e));
	for (i = 0; i < ARRAY_LEN(kept_msrs); i++)
		e[i].index = kept_msrs[i];
	ATOMIC_INC(st.round_trips);
	n = ioctl(c->fd, MVM_GET_MSRS, &m);
	if (n != (int)ARRAY_LEN(kept_msrs)) {
		finding("MVM_GET_MSRS on vCPU %d: %d of %u (MSR 0x%x)", c->id, n,
			m.nmsrs, n >= 0 && n < (int)m.nmsrs ? e[n].index : 0);
		return;
	}
	k = ioctl(c->fd, MVM_SET_MSRS, &m);
	if (k != n)
		finding("MVM_SET_MSRS on vCPU %d (%s guest): %d of %d taken back (MSR 0x%x = 0x%llx): %s",
			c->id, mode_names[c->vm->g.mode], k, n,
			k >= 0 && k < n ? e[k].index : 0,
			k >= 0 && k < n ? (unsigned long long)e[k].data : 0ULL,
			k < 0 ? strerror(errno) : "stopped");
}

void round_trip(struct fvcpu *c)
{
	static __thread struct mvm_xsave xs;
	static __thread struct mvm_lapic_state la;
	union {
		struct mvm_regs regs;
		struct mvm_sregs sregs;
		struct mvm_vcpu_events ev;
		struct mvm_xcrs xcrs;
		struct mvm_mp_state mp;
	} u;

	memset(&u, 0, sizeof(u));
	switch (below(8)) {
	case 0: trip(c, "regs", MVM_GET_REGS, MVM_SET_REGS, &u.regs); break;
	case 1: trip(c, "sregs", MVM_GET_SREGS, MVM_SET_SREGS, &u.sregs); break;
	case 2: trip(c, "vcpu events", MVM_GET_VCPU_EVENTS, MVM_SET_VCPU_EVENTS, &u.ev); break;
	case 3: trip(c, "xsave", MVM_GET_XSAVE, MVM_SET_XSAVE, &xs); break;
	case 4: trip(c, "xcrs", MVM_GET_XCRS, MVM_SET_XCRS, &u.xcrs); break;
	case 5: trip_msrs(c); break;
	case 6:
		if (c->vm->irqchip)
			trip(c, "mp state", MVM_GET_MP_STATE, MVM_SET_MP_STATE, &u.mp);
		break;
	default:
		if (c->vm->irqchip)
			trip(c, "lapic", MVM_GET_LAPIC, MVM_SET_LAPIC, &la);
	}
}

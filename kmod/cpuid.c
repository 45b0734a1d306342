// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: the per-vCPU CPUID table.  Userspace owns the policy: it sets the
 * whole table; the guest's CPUID reads it, and a leaf not in it reads as
 * zeros.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mvm.h"

#define MVM_CPUID_VALID_FLAGS	MVM_CPUID_FLAG_INDEX

int mvm_set_cpuid(struct mvm_vcpu *vcpu, const struct mvm_cpuid *c)
{
	struct mvm_cpuid_entry *e = NULL;
	u32 i;

	if (c->flags || memchr_inv(c->reserved, 0, sizeof(c->reserved)) ||
	    c->nent > MVM_MAX_CPUID_ENTRIES)
		return -EINVAL;
	if (c->nent) {
		e = memdup_user(u64_to_user_ptr(c->entries),
				array_size(c->nent, sizeof(*e)));
		if (IS_ERR(e))
			return PTR_ERR(e);
	}
	for (i = 0; i < c->nent; i++) {
		if ((e[i].flags & ~MVM_CPUID_VALID_FLAGS) || e[i].padding) {
			kfree(e);
			return -EINVAL;
		}
	}
	kfree(vcpu->cpuid);
	vcpu->cpuid = e;
	vcpu->nr_cpuid = c->nent;
	return 0;
}

void mvm_cpuid(struct mvm_vcpu *vcpu, u32 fn, u32 index, u32 out[4])
{
	const struct mvm_cpuid_entry *e;
	u32 i;

	for (i = 0; i < vcpu->nr_cpuid; i++) {
		e = &vcpu->cpuid[i];
		if (e->function != fn)
			continue;
		if ((e->flags & MVM_CPUID_FLAG_INDEX) && e->index != index)
			continue;
		out[0] = e->eax;
		out[1] = e->ebx;
		out[2] = e->ecx;
		out[3] = e->edx;
		return;
	}
	out[0] = 0;
	out[1] = 0;
	out[2] = 0;
	out[3] = 0;
}

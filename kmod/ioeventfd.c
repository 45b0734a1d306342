// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: ioeventfds.  A guest write to a registered port signals an eventfd
 * from the vCPU's exit path and completes in the kernel: a device thread
 * learns of a doorbell without the vCPU going out to userspace.
 *
 * The list is changed under vm->lock and read under RCU by vCPUs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/eventfd.h>
#include <linux/rculist.h>
#include <linux/slab.h>

#include "compat.h"
#include "mvm.h"

struct mvm_ioeventfd_ent {
	struct list_head link;
	struct eventfd_ctx *ctx;
	u64 addr;
	u64 datamatch;
	u32 len;
	bool match_data;
	struct rcu_head rcu;
};

#define MVM_IOEVENTFD_VALID_FLAGS (MVM_IOEVENTFD_PIO | \
				   MVM_IOEVENTFD_DATAMATCH | \
				   MVM_IOEVENTFD_DEASSIGN)

static void mvm_ioeventfd_free_rcu(struct rcu_head *head)
{
	struct mvm_ioeventfd_ent *e = container_of(head, typeof(*e), rcu);

	eventfd_ctx_put(e->ctx);
	kfree(e);
}

static bool mvm_ioeventfd_same(const struct mvm_ioeventfd_ent *e,
			       const struct mvm_ioeventfd *a, bool match_data)
{
	return e->addr == a->addr && e->len == a->len &&
	       e->match_data == match_data &&
	       (!match_data || e->datamatch == a->datamatch);
}

/* Called with vm->lock held. */
int mvm_ioeventfd(struct mvm_vm *vm, const struct mvm_ioeventfd *a)
{
	bool match_data = a->flags & MVM_IOEVENTFD_DATAMATCH;
	struct mvm_ioeventfd_ent *e, *tmp;
	struct eventfd_ctx *ctx;

	lockdep_assert_held(&vm->lock);
	if ((a->flags & ~MVM_IOEVENTFD_VALID_FLAGS) || a->padding ||
	    a->reserved[0] || a->reserved[1])
		return -EINVAL;
	/* MMIO doorbells need the kernel to decode the write: not yet. */
	if (!(a->flags & MVM_IOEVENTFD_PIO))
		return -EOPNOTSUPP;
	if (a->addr > 0xffff || (a->len != 1 && a->len != 2 && a->len != 4))
		return -EINVAL;

	ctx = eventfd_ctx_fdget(a->fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	if (a->flags & MVM_IOEVENTFD_DEASSIGN) {
		list_for_each_entry_safe(e, tmp, &vm->ioeventfds, link) {
			if (e->ctx != ctx || !mvm_ioeventfd_same(e, a, match_data))
				continue;
			list_del_rcu(&e->link);
			vm->nr_ioeventfds--;
			call_rcu(&e->rcu, mvm_ioeventfd_free_rcu);
			eventfd_ctx_put(ctx);
			return 0;
		}
		eventfd_ctx_put(ctx);
		return -ENOENT;
	}

	list_for_each_entry(e, &vm->ioeventfds, link) {
		if (mvm_ioeventfd_same(e, a, match_data)) {
			eventfd_ctx_put(ctx);
			return -EEXIST;
		}
	}
	if (vm->nr_ioeventfds >= MVM_MAX_IOEVENTFDS) {
		eventfd_ctx_put(ctx);
		return -ENOSPC;
	}
	e = kzalloc(sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e) {
		eventfd_ctx_put(ctx);
		return -ENOMEM;
	}
	e->ctx = ctx;
	e->addr = a->addr;
	e->len = a->len;
	e->match_data = match_data;
	e->datamatch = a->datamatch;
	list_add_tail_rcu(&e->link, &vm->ioeventfds);
	vm->nr_ioeventfds++;
	return 0;
}

bool mvm_ioeventfd_pio_write(struct mvm_vm *vm, u16 port, u32 len, u64 val)
{
	struct mvm_ioeventfd_ent *e;
	bool hit = false;

	rcu_read_lock();
	list_for_each_entry_rcu(e, &vm->ioeventfds, link) {
		if (e->addr != port || e->len != len ||
		    (e->match_data && e->datamatch != val))
			continue;
		mvm_eventfd_signal(e->ctx);
		hit = true;
		break;
	}
	rcu_read_unlock();
	return hit;
}

/* VM teardown: no vCPU runs any more. */
void mvm_ioeventfd_free_all(struct mvm_vm *vm)
{
	struct mvm_ioeventfd_ent *e, *tmp;

	list_for_each_entry_safe(e, tmp, &vm->ioeventfds, link) {
		list_del(&e->link);
		eventfd_ctx_put(e->ctx);
		kfree(e);
	}
}

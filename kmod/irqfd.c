// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: irqfds - an eventfd that, when signalled, delivers an MSI to the
 * in-kernel APICs without a vCPU exit: a device thread in userspace
 * interrupts the guest with one write(2).
 *
 * The irqfd waits on the eventfd's wait queue; eventfd_signal() calls
 * irqfd_wakeup() with the queue's lock held and interrupts off, so the
 * delivery there only sets bits and kicks (mvm_deliver_msi() is atomic).
 * Removing the wait entry takes that lock too: once it is off the queue,
 * no wakeup runs and the irqfd can be freed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "mvm.h"

struct mvm_irqfd_ent {
	struct mvm_vm *vm;
	struct eventfd_ctx *ctx;
	wait_queue_entry_t wait;
	poll_table pt;
	u64 address;
	u32 data;
	struct list_head link;		/* vm->irqfds, under vm->lock */
};

static int irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			int sync, void *key)
{
	struct mvm_irqfd_ent *e = container_of(wait, struct mvm_irqfd_ent,
					       wait);
	__poll_t flags = key_to_poll(key);
	u64 cnt;

	if (flags & EPOLLIN) {
		/* Consume the count: one delivery per wakeup is the contract. */
		eventfd_ctx_do_read(e->ctx, &cnt);
		mvm_deliver_msi(e->vm, e->address, e->data);
	}
	return 0;
}

static void irqfd_queue(struct file *file, wait_queue_head_t *wqh,
			poll_table *pt)
{
	struct mvm_irqfd_ent *e = container_of(pt, struct mvm_irqfd_ent, pt);

	add_wait_queue(wqh, &e->wait);
}

static void irqfd_free(struct mvm_irqfd_ent *e)
{
	u64 cnt;

	eventfd_ctx_remove_wait_queue(e->ctx, &e->wait, &cnt);
	eventfd_ctx_put(e->ctx);
	list_del(&e->link);
	e->vm->nr_irqfds--;
	kfree(e);
}

static struct mvm_irqfd_ent *irqfd_find(struct mvm_vm *vm,
					struct eventfd_ctx *ctx)
{
	struct mvm_irqfd_ent *e;

	list_for_each_entry(e, &vm->irqfds, link)
		if (e->ctx == ctx)
			return e;
	return NULL;
}

/* Under vm->lock. */
int mvm_irqfd(struct mvm_vm *vm, const struct mvm_irqfd *args)
{
	struct mvm_irqfd_ent *e;
	struct eventfd_ctx *ctx;
	struct file *file;
	__poll_t events;
	int r;

	if (args->flags & ~MVM_IRQFD_DEASSIGN || args->msi.flags ||
	    memchr_inv(args->msi.reserved, 0, sizeof(args->msi.reserved)) ||
	    memchr_inv(args->reserved, 0, sizeof(args->reserved)))
		return -EINVAL;
	if (!vm->irqchip)
		return -ENXIO;

	file = fget(args->fd);
	if (!file)
		return -EBADF;
	ctx = eventfd_ctx_fileget(file);
	if (IS_ERR(ctx)) {
		r = PTR_ERR(ctx);
		goto out_file;
	}

	if (args->flags & MVM_IRQFD_DEASSIGN) {
		e = irqfd_find(vm, ctx);
		r = e ? 0 : -ENOENT;
		if (e)
			irqfd_free(e);
		goto out_ctx;
	}

	/* Check the message now: a bad one would be dropped at every signal. */
	if (!mvm_msi_valid(args->msi.address, args->msi.data)) {
		r = -EINVAL;
		goto out_ctx;
	}
	if (irqfd_find(vm, ctx)) {
		r = -EEXIST;
		goto out_ctx;
	}
	if (vm->nr_irqfds >= MVM_MAX_IRQFDS) {
		r = -ENOSPC;
		goto out_ctx;
	}
	e = kzalloc(sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e) {
		r = -ENOMEM;
		goto out_ctx;
	}
	e->vm = vm;
	e->ctx = ctx;
	e->address = args->msi.address;
	e->data = args->msi.data;
	init_waitqueue_func_entry(&e->wait, irqfd_wakeup);
	init_poll_funcptr(&e->pt, irqfd_queue);
	list_add_tail(&e->link, &vm->irqfds);
	vm->nr_irqfds++;

	/* Queued from here; a count already there is one interrupt now. */
	events = vfs_poll(file, &e->pt);
	if (events & EPOLLIN)
		mvm_deliver_msi(vm, e->address, e->data);
	fput(file);
	return 0;

out_ctx:
	eventfd_ctx_put(ctx);
out_file:
	fput(file);
	return r;
}

void mvm_irqfd_free_all(struct mvm_vm *vm)
{
	struct mvm_irqfd_ent *e, *n;

	list_for_each_entry_safe(e, n, &vm->irqfds, link)
		irqfd_free(e);
}

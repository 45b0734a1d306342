// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: table-driven ioctl dispatch.
 *
 * The core copies in exactly the size an ioctl number declares, calls the
 * handler with a kernel buffer, and copies the result out.  Handlers never
 * see a user pointer for a structured argument.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/ioctl.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mvm.h"

/* The ABI pinned (the VMM checks the same on its side). */
#include <linux/mvm_abi_layout.h>

long mvm_ioctl_dispatch(const struct mvm_ioctl *table, size_t n,
			void *obj, struct mutex *lock,
			unsigned int cmd, unsigned long arg)
{
	u8 stack_buf[MVM_IOCTL_MAX_ARG] __aligned(8);
	void __user *uarg = (void __user *)arg;
	void *buf = stack_buf;
	const struct mvm_ioctl *ent = NULL;
	unsigned int size = _IOC_SIZE(cmd);
	long r;
	size_t i;

	for (i = 0; i < n; i++) {
		if (table[i].cmd == cmd) {
			ent = &table[i];
			break;
		}
	}
	if (!ent)
		return -ENOTTY;
	if ((ent->flags & MVM_IOCTL_GUEST) && !mvm_backend->vcpu_run)
		return -EOPNOTSUPP;

	/* The few large arguments (an XSAVE area) go to the heap. */
	if (size > sizeof(stack_buf)) {
		buf = kvzalloc(size, GFP_KERNEL_ACCOUNT);
		if (!buf)
			return -ENOMEM;
	}
	if (_IOC_DIR(cmd) & _IOC_WRITE) {
		if (copy_from_user(buf, uarg, size)) {
			r = -EFAULT;
			goto out;
		}
	} else if (size) {
		memset(buf, 0, size);
	}

	/*
	 * Killable: MVM_RUN holds the vCPU's lock for as long as its guest
	 * halts, which a guest can make for ever.  Another thread's call
	 * waits meanwhile, but a fatal signal still ends the wait.
	 */
	if (ent->flags & MVM_IOCTL_VM_LOCK) {
		r = mutex_lock_killable(lock);
		if (r)
			goto out;
	}
	r = ent->fn(obj, arg, buf);
	if (ent->flags & MVM_IOCTL_VM_LOCK)
		mutex_unlock(lock);

	if (r >= 0 && (_IOC_DIR(cmd) & _IOC_READ) && size) {
		if (copy_to_user(uarg, buf, size))
			r = -EFAULT;
	}
out:
	if (buf != stack_buf)
		kvfree(buf);
	return r;
}

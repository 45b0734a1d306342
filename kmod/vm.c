// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: VM objects and the VM file descriptor.
 *
 * A VM is referenced by its own fd and by every vCPU fd; it is freed, with
 * all its vCPUs, when the last of them closes, in whatever order and in
 * whatever process that happens.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "mvm.h"

static void mvm_vm_free(struct mvm_vm *vm)
{
	unsigned int i;

	/*
	 * First: until the notifier is unregistered, an invalidation of the
	 * owner's memory may run mvm_flush_remote_tlbs(), which reads the
	 * vCPUs.  Before it, the worker that reads the slots and the mm.
	 */
	mvm_fault_ahead_stop(vm);
	mvm_mmu_destroy(vm);
	mvm_dirty_free_all(vm);
	/* Before the vCPUs: a signalled irqfd delivers to their APICs. */
	mvm_irqfd_free_all(vm);
	for (i = 0; i < MVM_MAX_VCPUS; i++) {
		if (vm->vcpus[i])
			mvm_vcpu_free(vm->vcpus[i]);
	}
	mvm_ioeventfd_free_all(vm);
	mmdrop(vm->mm);
	kfree(vm);
	mvm_virt_put();
}

void mvm_vm_put(struct mvm_vm *vm)
{
	if (refcount_dec_and_test(&vm->users))
		mvm_vm_free(vm);
}

/* ---- VM ioctls ---- */

static long mvm_vm_create_vcpu(void *obj, unsigned long arg, void *buf)
{
	struct mvm_vm *vm = obj;

	if (arg >= MVM_MAX_VCPUS)
		return -EINVAL;
	return mvm_vcpu_create(vm, arg);
}

static long mvm_vm_set_memory_region(void *obj, unsigned long arg, void *buf)
{
	return mvm_set_memory_region(obj, buf);
}

static long mvm_vm_ioeventfd(void *obj, unsigned long arg, void *buf)
{
	return mvm_ioeventfd(obj, buf);
}

static long mvm_vm_create_irqchip(void *obj, unsigned long arg, void *buf)
{
	struct mvm_vm *vm = obj;

	if (vm->irqchip)
		return -EEXIST;
	if (vm->nr_vcpus)
		return -EBUSY;
	vm->irqchip = true;
	return 0;
}

/* Lock-free: a device thread may send while vCPUs are created. */
static long mvm_vm_signal_msi(void *obj, unsigned long arg, void *buf)
{
	const struct mvm_msi *msi = buf;
	struct mvm_vm *vm = obj;

	if (msi->flags || msi->reserved[0] || msi->reserved[1])
		return -EINVAL;
	if (!READ_ONCE(vm->irqchip))
		return -ENXIO;
	return mvm_deliver_msi(vm, msi->address, msi->data);
}

static long mvm_vm_irqfd(void *obj, unsigned long arg, void *buf)
{
	return mvm_irqfd(obj, buf);
}

static long mvm_vm_get_dirty_log(void *obj, unsigned long arg, void *buf)
{
	return mvm_get_dirty_log(obj, buf);
}

static long mvm_vm_clear_dirty_log(void *obj, unsigned long arg, void *buf)
{
	return mvm_clear_dirty_log(obj, buf);
}

static long mvm_vm_enable_cap(void *obj, unsigned long arg, void *buf)
{
	return mvm_dirty_enable_cap(obj, buf);
}

static long mvm_vm_reset_dirty_rings(void *obj, unsigned long arg, void *buf)
{
	return mvm_dirty_ring_reset_all(obj);
}

static long mvm_vm_get_clock(void *obj, unsigned long arg, void *buf)
{
	return mvm_pvclock_get_clock(obj, buf);
}

static long mvm_vm_set_clock(void *obj, unsigned long arg, void *buf)
{
	return mvm_pvclock_set_clock(obj, buf);
}

static const struct mvm_ioctl mvm_vm_ioctls[] = {
	{ MVM_CREATE_VCPU,	 mvm_vm_create_vcpu,	   MVM_IOCTL_VM_LOCK },
	{ MVM_SET_MEMORY_REGION, mvm_vm_set_memory_region, MVM_IOCTL_VM_LOCK },
	{ MVM_IOEVENTFD,	 mvm_vm_ioeventfd,	   MVM_IOCTL_VM_LOCK },
	{ MVM_CREATE_IRQCHIP,	 mvm_vm_create_irqchip,
	  MVM_IOCTL_VM_LOCK | MVM_IOCTL_GUEST },
	{ MVM_SIGNAL_MSI,	 mvm_vm_signal_msi,	   MVM_IOCTL_GUEST },
	{ MVM_IRQFD,		 mvm_vm_irqfd,
	  MVM_IOCTL_VM_LOCK | MVM_IOCTL_GUEST },
	{ MVM_GET_DIRTY_LOG,	 mvm_vm_get_dirty_log,	   MVM_IOCTL_VM_LOCK },
	{ MVM_CLEAR_DIRTY_LOG,	 mvm_vm_clear_dirty_log,   MVM_IOCTL_VM_LOCK },
	{ MVM_ENABLE_CAP,	 mvm_vm_enable_cap,	   MVM_IOCTL_VM_LOCK },
	{ MVM_RESET_DIRTY_RINGS, mvm_vm_reset_dirty_rings, MVM_IOCTL_VM_LOCK },
	/* The reference point has a seqlock of its own. */
	{ MVM_GET_CLOCK,	 mvm_vm_get_clock,	   0 },
	{ MVM_SET_CLOCK,	 mvm_vm_set_clock,	   MVM_IOCTL_VM_LOCK },
};

static long mvm_vm_ioctl(struct file *filp, unsigned int cmd,
			 unsigned long arg)
{
	struct mvm_vm *vm = filp->private_data;

	/* Guest memory is the owner's memory: nobody else may drive the VM. */
	if (vm->mm != current->mm)
		return -EIO;
	return mvm_ioctl_dispatch(mvm_vm_ioctls, ARRAY_SIZE(mvm_vm_ioctls),
				  vm, &vm->lock, cmd, arg);
}

static int mvm_vm_release(struct inode *inode, struct file *filp)
{
	mvm_vm_put(filp->private_data);
	return 0;
}

static const struct file_operations mvm_vm_fops = {
	.owner		= THIS_MODULE,
	.release	= mvm_vm_release,
	.unlocked_ioctl	= mvm_vm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

int mvm_vm_create(unsigned long type)
{
	struct mvm_vm *vm;
	int r;

	if (type != 0)
		return -EINVAL;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	refcount_set(&vm->users, 1);
	mutex_init(&vm->lock);
	INIT_LIST_HEAD(&vm->ioeventfds);
	INIT_LIST_HEAD(&vm->irqfds);
	mvm_pvclock_vm_init(vm);
	mvm_fault_ahead_init(vm);
	mmgrab(current->mm);
	vm->mm = current->mm;

	r = mvm_mmu_init(vm);
	if (r)
		goto err_free;

	r = mvm_virt_get();
	if (r)
		goto err_mmu;

	/* From here on the fd owns the VM: its release frees everything. */
	r = anon_inode_getfd("mvm-vm", &mvm_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (r < 0)
		goto err_virt;
	return r;

err_virt:
	mvm_virt_put();
err_mmu:
	mvm_mmu_destroy(vm);
err_free:
	mmdrop(vm->mm);
	kfree(vm);
	return r;
}

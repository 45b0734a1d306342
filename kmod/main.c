// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: module entry, the /dev/mvm misc device and its ioctls.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <asm/processor.h>

#include <asm/tsc.h>

#include "mvm.h"
#include "x86.h"

const struct mvm_backend *mvm_backend;

/* ---- Device ioctls ---- */

static long mvm_dev_api_version(void *obj, unsigned long arg, void *buf)
{
	return MVM_API_VERSION;
}

static long mvm_dev_check_extension(void *obj, unsigned long arg, void *buf)
{
	switch (arg) {
	case MVM_CAP_BACKEND:
		return mvm_backend->id;
	case MVM_CAP_MAX_VCPUS:
		return MVM_MAX_VCPUS;
	case MVM_CAP_NR_MEMSLOTS:
		return MVM_MAX_MEMSLOTS;
	case MVM_CAP_GUEST_PHYS_BITS:
		return mvm_backend->guest_phys_bits();
	case MVM_CAP_HW_FEATURES:
		return mvm_backend->hw_features();
	case MVM_CAP_MAX_SLOT_PAGES:
		return MVM_MAX_SLOT_PAGES;
	case MVM_CAP_IRQCHIP:
		return !!mvm_backend->vcpu_run;
	case MVM_CAP_KVMCLOCK:
		return mvm_backend->vcpu_run && mvm_pvclock_available();
	case MVM_CAP_TSC_KHZ:
		return tsc_khz;
	case MVM_CAP_DIRTY_LOG:
		return 1;
	case MVM_CAP_MANUAL_DIRTY_LOG_PROTECT:
		return MVM_DIRTY_LOG_MANUAL_PROTECT;
	case MVM_CAP_DIRTY_LOG_RING:
		return MVM_DIRTY_RING_MAX_BYTES;
	case MVM_CAP_VM_CLOCK:
		return mvm_pvclock_available();
	case MVM_CAP_SNAPSHOT:
		return !!mvm_backend->vcpu_run;
	case MVM_CAP_MAX_IOEVENTFDS:
		return MVM_MAX_IOEVENTFDS;
	case MVM_CAP_MAX_IRQFDS:
		return mvm_backend->vcpu_run ? MVM_MAX_IRQFDS : 0;
	case MVM_CAP_MAX_CPUID_ENTRIES:
		return MVM_MAX_CPUID_ENTRIES;
	case MVM_CAP_MAX_MSR_ENTRIES:
		return MVM_MAX_MSR_ENTRIES;
	default:
		return 0;
	}
}

static long mvm_dev_create_vm(void *obj, unsigned long arg, void *buf)
{
	return mvm_vm_create(arg);
}

static long mvm_dev_vcpu_mmap_size(void *obj, unsigned long arg, void *buf)
{
	return PAGE_SIZE;
}

static const struct mvm_ioctl mvm_dev_ioctls[] = {
	{ MVM_GET_API_VERSION,	mvm_dev_api_version,	0 },
	{ MVM_CHECK_EXTENSION,	mvm_dev_check_extension, 0 },
	{ MVM_CREATE_VM,	mvm_dev_create_vm,	0 },
	{ MVM_GET_VCPU_MMAP_SIZE, mvm_dev_vcpu_mmap_size, 0 },
};

static long mvm_dev_ioctl(struct file *filp, unsigned int cmd,
			  unsigned long arg)
{
	return mvm_ioctl_dispatch(mvm_dev_ioctls, ARRAY_SIZE(mvm_dev_ioctls),
				  NULL, NULL, cmd, arg);
}

static const struct file_operations mvm_dev_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= mvm_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice mvm_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "mvm",
	.fops	= &mvm_dev_fops,
	.mode	= 0660,
};

/* ---- Module load and unload ---- */

/* The first backend whose probe succeeds wins; say once why none did. */
static int mvm_pick_backend(void)
{
	const char *why = "the CPU has neither AMD SVM nor Intel VMX";
	const struct mvm_backend *be = NULL;
	int r = -ENODEV;

	/*
	 * Raw CPUID, not boot_cpu_has(): the kernel clears X86_FEATURE_VMX
	 * when firmware locked VMX off, and we want to say exactly that.
	 */
	if (cpuid_eax(0x80000000) >= 0x80000001 &&
	    (cpuid_ecx(0x80000001) & BIT(2)))
		be = &mvm_svm_backend;
	else if (cpuid_ecx(1) & BIT(5))
		be = &mvm_vmx_backend;

	if (be)
		r = be->probe(&why);
	if (r) {
		pr_err("not loading: %s\n", why);
		return r;
	}
	mvm_backend = be;
	return 0;
}

static int __init mvm_init(void)
{
	int r;

	mvm_x86_init();
	r = mvm_pick_backend();
	if (r)
		return r;

	r = mvm_backend->setup();
	if (r)
		return r;

	r = mvm_virt_init();
	if (r)
		goto err_unsetup;
	preempt_notifier_inc();

	r = mvm_tlb_init();
	if (r)
		goto err_notifier;
	r = misc_register(&mvm_dev);
	if (r) {
		pr_err("cannot register /dev/mvm: %d\n", r);
		goto err_tlb;
	}
	pr_info("loaded, backend %s\n", mvm_backend->name);
	return 0;

err_tlb:
	mvm_tlb_exit();
err_notifier:
	preempt_notifier_dec();
	mvm_virt_exit();
err_unsetup:
	mvm_backend->unsetup();
	return r;
}

static void __exit mvm_exit(void)
{
	misc_deregister(&mvm_dev);
	/* Deassigned ioeventfds are freed by RCU callbacks in this module. */
	rcu_barrier();
	mvm_tlb_exit();
	preempt_notifier_dec();
	mvm_virt_exit();
	mvm_backend->unsetup();
}

module_init(mvm_init);
module_exit(mvm_exit);

MODULE_DESCRIPTION("mvm: a small KVM-style hypervisor (AMD SVM, Intel VMX)");
MODULE_LICENSE("GPL");

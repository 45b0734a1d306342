// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: hardware virtualization on every online CPU, only while VMs exist.
 *
 * The first VM turns it on, the last VM's teardown turns it off, so mvm can
 * take turns with kvm_amd/kvm_intel on one machine.  CPUs that come online
 * meanwhile are turned on by the hotplug callback; an orderly reboot turns
 * everything off.
 *
 * The crash/kexec path is left to the kernel on purpose: it has a single
 * "emergency virt callback" slot, which KVM claims (kvm_intel at load in
 * 6.1, kvm_amd/kvm_intel whenever they enable virtualization in 6.12).
 * Holding it would make KVM WARN when it loads while mvm has VMs.  6.1
 * clears EFER.SVME itself on a crash; on 6.12 a crash while mvm has VMs
 * leaves the extensions on for the kdump kernel (a known limit).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <linux/smp.h>

#include "mvm.h"

/*
 * mvm_virt_users changes only with both mvm_virt_lock and the CPU hotplug
 * read lock held, so the hotplug callbacks (which run with hotplug locked)
 * may read it without the mutex.
 */
static DEFINE_MUTEX(mvm_virt_lock);
static unsigned int mvm_virt_users;
static bool mvm_rebooting;
static DEFINE_PER_CPU(bool, mvm_cpu_on);
static atomic_t mvm_enable_failed;
static enum cpuhp_state mvm_cpuhp_state;

static int mvm_cpu_enable_this(void)
{
	int r;

	if (__this_cpu_read(mvm_cpu_on))
		return 0;
	r = mvm_backend->cpu_enable();
	if (r)
		return r;
	__this_cpu_write(mvm_cpu_on, true);
	return 0;
}

static void mvm_cpu_disable_this(void)
{
	if (!__this_cpu_read(mvm_cpu_on))
		return;
	mvm_backend->cpu_disable();
	__this_cpu_write(mvm_cpu_on, false);
}

bool mvm_virt_cpu_on(void)
{
	lockdep_assert_irqs_disabled();
	return __this_cpu_read(mvm_cpu_on);
}

static void mvm_cpu_enable_ipi(void *unused)
{
	if (mvm_cpu_enable_this())
		atomic_inc(&mvm_enable_failed);
}

static void mvm_cpu_disable_ipi(void *unused)
{
	mvm_cpu_disable_this();
}

int mvm_virt_get(void)
{
	int r = 0;

	mutex_lock(&mvm_virt_lock);
	cpus_read_lock();
	if (mvm_rebooting) {
		r = -EBUSY;
		goto out;
	}
	if (mvm_virt_users) {
		mvm_virt_users++;
		goto out;
	}

	atomic_set(&mvm_enable_failed, 0);
	on_each_cpu(mvm_cpu_enable_ipi, NULL, 1);
	if (atomic_read(&mvm_enable_failed)) {
		on_each_cpu(mvm_cpu_disable_ipi, NULL, 1);
		pr_warn_ratelimited("cannot enable %s: another hypervisor holds the CPU\n",
				    mvm_backend->name);
		r = -EBUSY;
		goto out;
	}
	mvm_virt_users = 1;
out:
	cpus_read_unlock();
	mutex_unlock(&mvm_virt_lock);
	return r;
}

void mvm_virt_put(void)
{
	mutex_lock(&mvm_virt_lock);
	cpus_read_lock();
	if (!WARN_ON_ONCE(!mvm_virt_users) && !--mvm_virt_users)
		on_each_cpu(mvm_cpu_disable_ipi, NULL, 1);
	cpus_read_unlock();
	mutex_unlock(&mvm_virt_lock);
}

/* ---- CPU hotplug: runs on the CPU going up or down ---- */

static int mvm_cpu_online(unsigned int cpu)
{
	int r = 0;

	if (mvm_virt_users) {
		local_irq_disable();
		r = mvm_cpu_enable_this();
		local_irq_enable();
		if (r)
			pr_warn("CPU %u: cannot enable %s (%d)\n", cpu,
				mvm_backend->name, r);
	}
	return r;
}

static int mvm_cpu_offline(unsigned int cpu)
{
	local_irq_disable();
	mvm_cpu_disable_this();
	local_irq_enable();
	return 0;
}

/* ---- Reboot: leave every CPU as we found it ---- */

static int mvm_reboot(struct notifier_block *nb, unsigned long code, void *v)
{
	mutex_lock(&mvm_virt_lock);
	mvm_rebooting = true;
	on_each_cpu(mvm_cpu_disable_ipi, NULL, 1);
	mutex_unlock(&mvm_virt_lock);
	return NOTIFY_OK;
}

static struct notifier_block mvm_reboot_nb = {
	.notifier_call = mvm_reboot,
};

int mvm_virt_init(void)
{
	int r;

	r = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "mvm/cpu:online",
				      mvm_cpu_online, mvm_cpu_offline);
	if (r < 0)
		return r;
	mvm_cpuhp_state = r;

	r = register_reboot_notifier(&mvm_reboot_nb);
	if (r) {
		cpuhp_remove_state_nocalls(mvm_cpuhp_state);
		return r;
	}
	return 0;
}

void mvm_virt_exit(void)
{
	unregister_reboot_notifier(&mvm_reboot_nb);
	cpuhp_remove_state_nocalls(mvm_cpuhp_state);
	WARN_ON_ONCE(mvm_virt_users);
}

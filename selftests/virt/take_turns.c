// SPDX-License-Identifier: GPL-2.0
/*
 * mvm turns SVM/VMX on only while it has VMs, so it takes turns with KVM:
 * while an mvm VM exists KVM cannot get the CPUs, and while KVM holds them
 * MVM_CREATE_VM fails with EBUSY; once the other side lets go, it works.
 *
 * KVM of Linux 6.1 enables virtualization with its first VM; 6.12 enables
 * it when kvm_amd loads (enable_virt_at_load), so there "KVM lets go"
 * means unloading kvm_amd.  Needs root in the test host, kvm_amd available.
 */
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "mvm_util.h"

static int kvm_create_vm(int *kvm)
{
	int vm;

	*kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (*kvm < 0)
		return -errno;
	vm = ioctl(*kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		vm = -errno;
		close(*kvm);
	}
	return vm;
}

TEST(mvm_and_kvm_take_turns)
{
	int dev, vm, vcpu, kvm, kvm_vm;
	bool loaded;

	if (geteuid() != 0 || !getenv("MVM_IN_TESTHOST"))
		SKIP(return, "needs root in the test host");
	MVM_OPEN_OR_SKIP(dev);
	if (system("modprobe -q -n kvm_amd") != 0)
		SKIP(close(dev); return, "kvm_amd is not available");
	if (access("/dev/kvm", F_OK) == 0)
		SKIP(close(dev); return, "KVM is already loaded");

	/* mvm holds the CPUs: KVM cannot load (6.12) or create a VM (6.1). */
	vm = mvm_create_vm(dev);
	ASSERT_LE(0, vm);
	loaded = system("modprobe -q kvm_amd 2>/dev/null") == 0;
	TH_LOG("kvm_amd %s while an mvm VM exists",
	       loaded ? "loads" : "refuses to load");
	if (loaded)
		ASSERT_EQ(-EBUSY, kvm_create_vm(&kvm));

	/* The last mvm VM is gone: KVM gets the CPUs, mvm gets EBUSY. */
	close(vm);
	if (!loaded)
		ASSERT_EQ(0, system("modprobe -q kvm_amd"));
	kvm_vm = kvm_create_vm(&kvm);
	ASSERT_LE(0, kvm_vm);
	ASSERT_EQ(EBUSY, mvm_err(ioctl(dev, MVM_CREATE_VM, 0)));

	/* KVM lets go (last VM closed, or unloaded): mvm works again. */
	close(kvm_vm);
	close(kvm);
	vm = ioctl(dev, MVM_CREATE_VM, 0);
	if (vm < 0) {
		ASSERT_EQ(EBUSY, errno);
		TH_LOG("KVM holds the CPUs while loaded: unloading kvm_amd");
		ASSERT_EQ(0, system("modprobe -q -r kvm_amd"));
		vm = ioctl(dev, MVM_CREATE_VM, 0);
	}
	ASSERT_LE(0, vm);
	vcpu = mvm_create_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	close(vcpu);
	close(vm);
	ASSERT_EQ(0, system("modprobe -q -r kvm_amd"));
	close(dev);
}

TEST_HARNESS_MAIN

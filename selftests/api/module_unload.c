// SPDX-License-Identifier: GPL-2.0
/*
 * mvm.ko cannot be unloaded while a VM exists, and the VM is unharmed by
 * the attempt.  The full unload / reload cycle runs only as root with
 * MVM_KO (the path of mvm.ko, set by scripts/vmtest) so that the module is
 * put back for the tests that follow; otherwise it is skipped.
 */
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "mvm_util.h"

static long delete_mvm(void)
{
	return syscall(SYS_delete_module, "mvm", O_NONBLOCK);
}

/* Put the module back after an unload; 0 or errno. */
static int load_mvm(const char *ko)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC), e = 0;

	if (fd < 0)
		return errno;
	if (syscall(SYS_finit_module, fd, "", 0) < 0)
		e = errno;
	close(fd);
	return e ? e : mvm_wait_path(MVM_DEV, 1, 5) ? ETIMEDOUT : 0;
}

TEST(busy_while_vm_exists)
{
	int dev, vm, vcpu, v1, e;
	const char *ko = getenv("MVM_KO");
	void *mem;

	MVM_OPEN_OR_SKIP(dev);
	if (geteuid() != 0) {
		close(dev);
		SKIP(return, "delete_module needs root");
	}
	vm = mvm_create_vm(dev);
	ASSERT_LE(0, vm);
	vcpu = mvm_create_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	/* Only the VM (and its vCPU) hold the module now. */
	close(dev);

	e = mvm_err(delete_mvm());
	if (e == 0 && ko && load_mvm(ko) == 0)
		TH_LOG("mvm.ko was unloaded under a live VM; reloaded from %s", ko);
	ASSERT_NE(0, e) TH_LOG("delete_module succeeded while a VM exists");
	ASSERT_TRUE(e == EWOULDBLOCK || e == EBUSY)
		TH_LOG("delete_module: %s", strerror(e));
	TH_LOG("delete_module with a live VM: %s", e == EBUSY ? "EBUSY" : "EWOULDBLOCK");

	/* The VM still works. */
	mem = mvm_mmap_anon(MVM_2M);
	ASSERT_NE(NULL, mem);
	v1 = mvm_create_vcpu(vm, 1);
	ASSERT_LE(0, v1);
	ASSERT_EQ(EEXIST, mvm_err(mvm_create_vcpu(vm, 0)));
	ASSERT_EQ(0, mvm_set_region(vm, 0, 0, MVM_2M, (uintptr_t)mem));
	ASSERT_EQ(0, mvm_delete_region(vm, 0));

	/* A vCPU alone keeps the module too. */
	close(vm);
	close(v1);
	e = mvm_err(delete_mvm());
	ASSERT_TRUE(e == EWOULDBLOCK || e == EBUSY) TH_LOG("delete_module: %s", strerror(e));
	close(vcpu);
	munmap(mem, MVM_2M);
	ASSERT_EQ(0, access(MVM_DEV, F_OK));
}

/*
 * Unloading the last module that uses preempt notifiers turns a static key
 * off, and that patches the scheduler's code while the other CPU runs it;
 * in the emulated test host (QEMU TCG) that has locked the host up.  A KVM
 * VM holds the key too (kvm.ko counts one per VM): with one open, mvm.ko
 * comes and goes without any code patching.  -1 when KVM is not there.
 */
static int hold_notifier_key(void)
{
	int kvm, vm;

	if (system("modprobe -q kvm_amd 2>/dev/null || modprobe -q kvm_intel 2>/dev/null"))
		return -1;
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return -1;
	vm = ioctl(kvm, _IO(0xAE, 0x01), 0UL);	/* KVM_CREATE_VM */
	close(kvm);
	return vm;
}

static void release_notifier_key(int vm)
{
	if (vm < 0)
		return;
	close(vm);
	/* KVM may hold the CPUs' SVM/VMX while loaded (6.12): let mvm have them. */
	if (system("modprobe -q -r kvm_amd 2>/dev/null; modprobe -q -r kvm_intel 2>/dev/null"))
		return;
}

TEST(unload_and_reload)
{
	int kvm_vm;
	const char *ko = getenv("MVM_KO");
	long left;
	int dev, e;

	MVM_OPEN_OR_SKIP(dev);
	close(dev);
	if (!ko || !*ko)
		SKIP(return, "MVM_KO not set: not unloading the module the other tests use");
	if (geteuid() != 0)
		SKIP(return, "unloading needs root");
	ASSERT_EQ(0, access(ko, R_OK)) TH_LOG("MVM_KO=%s: %s", ko, strerror(errno));

	kvm_vm = hold_notifier_key();
	if (kvm_vm < 0)
		TH_LOG("no KVM VM to hold the preempt-notifier key: unloading anyway");

	/* Everything of the earlier tests is closed; wait for the last release. */
	left = mvm_wait_refcnt(0, 5);
	ASSERT_GE(0, left) TH_LOG("mvm.ko still has %ld users", left);
	ASSERT_EQ(0, mvm_err(delete_mvm())) TH_LOG("delete_module: %s", strerror(errno));
	e = mvm_wait_path(MVM_DEV, 0, 5);
	if (e) {
		load_mvm(ko);	/* leave the host as it was, then fail */
		release_notifier_key(kvm_vm);
	}
	ASSERT_EQ(0, e) TH_LOG(MVM_DEV " still there after unload");
	ASSERT_NE(0, access("/sys/module/mvm", F_OK));

	e = load_mvm(ko);
	release_notifier_key(kvm_vm);
	ASSERT_EQ(0, e) TH_LOG("reloading %s: %s", ko, strerror(e));
	dev = open(MVM_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	ASSERT_EQ(MVM_API_VERSION, ioctl(dev, MVM_GET_API_VERSION, 0UL));
	e = mvm_create_vm(dev);
	ASSERT_LE(0, e);
	close(e);
	close(dev);
}

TEST_HARNESS_MAIN

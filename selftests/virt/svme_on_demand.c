// SPDX-License-Identifier: GPL-2.0
/*
 * Virtualization is on only while VMs exist, on every online CPU, and a CPU
 * that comes online while VMs exist is turned on too.  Read EFER.SVME of
 * each CPU through /dev/cpu/N/msr (the msr module).  AMD only; needs root
 * in the test host and at least two CPUs for the hotplug part.
 */
#include "kselftest_harness.h"
#include "mvm_util.h"

#define MSR_EFER	0xc0000080
#define EFER_SVME	(1ULL << 12)

static int svme(int cpu)
{
	char path[64];
	__u64 efer;
	int fd, n;

	snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = pread(fd, &efer, sizeof(efer), MSR_EFER);
	close(fd);
	if (n != sizeof(efer))
		return -1;
	return !!(efer & EFER_SVME);
}

static int set_online(int cpu, int on)
{
	char path[64];
	int fd, n;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, on ? "1" : "0", 1);
	close(fd);
	return n == 1 ? 0 : -1;
}

TEST(svme_follows_vms_and_hotplug)
{
	int dev, vm, vm2, cpu, ncpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (geteuid() != 0 || !getenv("MVM_IN_TESTHOST"))
		SKIP(return, "needs root in the test host");
	MVM_OPEN_OR_SKIP(dev);
	if (mvm_cap(dev, MVM_CAP_BACKEND) != MVM_BACKEND_SVM)
		SKIP(close(dev); return, "not the SVM backend");
	if (system("modprobe -q msr") != 0 || svme(0) < 0)
		SKIP(close(dev); return, "no /dev/cpu/N/msr");

	for (cpu = 0; cpu < ncpus; cpu++)
		ASSERT_EQ(0, svme(cpu)) TH_LOG("CPU %d on before any VM", cpu);

	vm = mvm_create_vm(dev);
	ASSERT_LE(0, vm);
	vm2 = mvm_create_vm(dev);
	ASSERT_LE(0, vm2);
	for (cpu = 0; cpu < ncpus; cpu++)
		ASSERT_EQ(1, svme(cpu)) TH_LOG("CPU %d off with VMs", cpu);

	/* One of two VMs gone: still on. */
	close(vm2);
	for (cpu = 0; cpu < ncpus; cpu++)
		ASSERT_EQ(1, svme(cpu));

	if (ncpus >= 2) {
		ASSERT_EQ(0, set_online(ncpus - 1, 0));
		ASSERT_EQ(0, set_online(ncpus - 1, 1));
		ASSERT_EQ(1, svme(ncpus - 1)) TH_LOG("CPU back online but off");
	}

	close(vm);
	for (cpu = 0; cpu < ncpus; cpu++)
		ASSERT_EQ(0, svme(cpu)) TH_LOG("CPU %d still on after last VM", cpu);

	if (ncpus >= 2) {
		ASSERT_EQ(0, set_online(ncpus - 1, 0));
		ASSERT_EQ(0, set_online(ncpus - 1, 1));
		ASSERT_EQ(0, svme(ncpus - 1)) TH_LOG("CPU came online turned on");
	}
	close(dev);
}

TEST_HARNESS_MAIN

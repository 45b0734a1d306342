// SPDX-License-Identifier: GPL-2.0
/*
 * A failed MVM_CREATE_VCPU undoes everything it did, and nothing it did
 * was ever visible.  With RLIMIT_NOFILE spent, CREATE_VCPU fails with
 * EMFILE; meanwhile another thread broadcasts MSIs, which walk the VM's
 * vCPUs without a lock (so do irqfds and TLB shootdowns).  A vCPU
 * published before its descriptor existed, then freed when the descriptor
 * could not be made, is a use-after-free in that walk (under slub
 * poisoning, an oops in the test host's log).  Afterwards the id is free,
 * vCPUs can be made again, and the whole VM is freed on close.  The VM has
 * a dirty ring of 64 KiB per vCPU: the failed creations free theirs
 * (vmalloc use does not grow by the 125 MiB they would leak).
 */
#include <pthread.h>
#include <sys/resource.h>

#include "kselftest_harness.h"
#include "mvm_util.h"

#define ROUNDS	2000
#define RING	(64 * 1024)

struct msi_arg {
	int vm;
	volatile int stop;
	long sent;
};

/* All vCPUs (broadcast, physical 0xff), fixed vector 0x40. */
static void *msi_storm(void *p)
{
	struct msi_arg *a = p;
	struct mvm_msi msi = { .address = 0xfee00000ULL | 0xffULL << 12,
			       .data = 0x40 };

	while (!a->stop) {
		if (ioctl(a->vm, MVM_SIGNAL_MSI, &msi) >= 0)
			a->sent++;
	}
	return NULL;
}

TEST(create_vcpu_emfile)
{
	struct rlimit old, lim;
	struct mvm_enable_cap ring = { .cap = MVM_CAP_DIRTY_LOG_RING, .args[0] = RING };
	struct msi_arg a = { 0 };
	pthread_t t;
	int dev, vm, v0, v, i, fails = 0;
	long base, vmalloc_kb;

	base = mvm_module_refcnt();
	MVM_OPEN_OR_SKIP(dev);
	if (mvm_cap(dev, MVM_CAP_IRQCHIP) <= 0)
		SKIP(return, "no MVM_CAP_IRQCHIP");
	vm = mvm_create_irqchip_vm(dev);
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, ioctl(vm, MVM_ENABLE_CAP, &ring));
	v0 = mvm_create_vcpu(vm, 0);
	ASSERT_LE(0, v0);

	a.vm = vm;
	ASSERT_EQ(0, pthread_create(&t, NULL, msi_storm, &a));
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	/* No descriptor above the ones open now. */
	lim = old;
	lim.rlim_cur = v0 + 1;
	vmalloc_kb = mvm_meminfo_kb("VmallocUsed");
	ASSERT_LE(0, vmalloc_kb);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &lim));
	for (i = 0; i < ROUNDS; i++) {
		v = mvm_create_vcpu(vm, 1 + i % 8);
		if (v >= 0)
			break;
		fails += errno == EMFILE;
	}
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
	ASSERT_GT(16 * 1024, mvm_meminfo_kb("VmallocUsed") - vmalloc_kb);
	a.stop = 1;
	pthread_join(t, NULL);
	ASSERT_EQ(ROUNDS, i) TH_LOG("CREATE_VCPU succeeded past RLIMIT_NOFILE");
	ASSERT_EQ(ROUNDS, fails) TH_LOG("an errno other than EMFILE");
	ASSERT_LT(0, a.sent);
	TH_LOG("%d failed creations, %ld MSIs meanwhile", fails, a.sent);

	/* Nothing was left behind: the ids are free, the VM still works. */
	for (i = 1; i <= 8; i++) {
		v = mvm_create_vcpu(vm, i);
		ASSERT_LE(0, v) TH_LOG("vCPU %d: %s", i, strerror(errno));
		close(v);
	}
	ASSERT_EQ(EEXIST, mvm_err(mvm_create_vcpu(vm, 1)));
	close(v0);
	close(vm);
	close(dev);
	MVM_ASSERT_FREED(base);
}

TEST_HARNESS_MAIN

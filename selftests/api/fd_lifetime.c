// SPDX-License-Identifier: GPL-2.0
/*
 * A VM lives while its VM descriptor or any vCPU descriptor is open, in any
 * process, and is freed when the last one closes, whatever the order.
 * "Freed" is observed through mvm.ko's reference count (mvm_util.h).
 */
#include "kselftest_harness.h"
#include "mvm_util.h"

#define NR_VCPUS 4

/* A fresh VM with NR_VCPUS vCPUs; refcnt baseline read before anything. */
#define VM_WITH_VCPUS(base, dev, vm, vcpu) do {				\
	(base) = mvm_module_refcnt();					\
	MVM_OPEN_OR_SKIP(dev);						\
	(vm) = mvm_create_vm(dev);					\
	ASSERT_LE(0, (vm));						\
	for (int i_ = 0; i_ < NR_VCPUS; i_++) {				\
		(vcpu)[i_] = mvm_create_vcpu((vm), i_);			\
		ASSERT_LE(0, (vcpu)[i_]);				\
	}								\
} while (0)

/* A vCPU descriptor still names a vCPU: it answers, it is not EBADF. */
static int vcpu_answers(int vcpu)
{
	return mvm_err(ioctl(vcpu, _IO(MVMIO, 0x7f), 0UL)) == ENOTTY;
}

/* Same, from a process that does not own the VM: ENOTTY or EIO. */
static int foreign_vcpu_answers(int vcpu)
{
	int e = mvm_err(ioctl(vcpu, _IO(MVMIO, 0x7f), 0UL));

	return e == ENOTTY || e == EIO;
}

TEST(close_vm_then_vcpus)
{
	int dev, vm, vcpu[NR_VCPUS];
	long base;

	VM_WITH_VCPUS(base, dev, vm, vcpu);
	close(dev);
	close(vm);
	for (int i = 0; i < NR_VCPUS; i++) {
		ASSERT_TRUE(vcpu_answers(vcpu[i]));
		MVM_ASSERT_ALIVE(base);
		close(vcpu[i]);
	}
	MVM_ASSERT_FREED(base);
}

TEST(close_vcpus_then_vm)
{
	int dev, vm, vcpu[NR_VCPUS];
	long base;

	VM_WITH_VCPUS(base, dev, vm, vcpu);
	close(dev);
	for (int i = NR_VCPUS - 1; i >= 0; i--)
		close(vcpu[i]);
	/* The VM still works without any vCPU descriptor. */
	vcpu[0] = mvm_create_vcpu(vm, NR_VCPUS);
	ASSERT_LE(0, vcpu[0]);
	ASSERT_EQ(0, mvm_set_region(vm, 0, 0, MVM_PAGE, mvm_unmapped_range(MVM_PAGE)));
	close(vcpu[0]);
	close(vm);
	MVM_ASSERT_FREED(base);
}

TEST(close_interleaved)
{
	int dev, vm, vcpu[NR_VCPUS], extra;
	long base;

	VM_WITH_VCPUS(base, dev, vm, vcpu);
	close(vcpu[1]);
	close(dev);
	close(vcpu[3]);
	/* Still usable after some vCPUs and the device went. */
	extra = mvm_create_vcpu(vm, NR_VCPUS);
	ASSERT_LE(0, extra);
	close(vm);
	ASSERT_TRUE(vcpu_answers(vcpu[0]));
	close(vcpu[0]);
	ASSERT_TRUE(vcpu_answers(extra));
	close(extra);
	MVM_ASSERT_ALIVE(base);
	ASSERT_TRUE(vcpu_answers(vcpu[2]));
	close(vcpu[2]);
	MVM_ASSERT_FREED(base);
}

TEST(dup_fds)
{
	int dev, vm, vm2, vcpu[NR_VCPUS], vcpu2, v;
	long base;

	VM_WITH_VCPUS(base, dev, vm, vcpu);
	close(dev);
	vm2 = dup(vm);
	ASSERT_LE(0, vm2);
	vcpu2 = fcntl(vcpu[0], F_DUPFD_CLOEXEC, 0);
	ASSERT_LE(0, vcpu2);
	close(vm);
	for (int i = 0; i < NR_VCPUS; i++)
		close(vcpu[i]);
	/* The duplicates are the same open VM and vCPU. */
	ASSERT_EQ(EEXIST, mvm_err(mvm_create_vcpu(vm2, 0)));
	v = mvm_create_vcpu(vm2, NR_VCPUS);
	ASSERT_LE(0, v);
	close(v);
	close(vm2);
	ASSERT_TRUE(vcpu_answers(vcpu2));
	MVM_ASSERT_ALIVE(base);
	close(vcpu2);
	MVM_ASSERT_FREED(base);
}

TEST(device_closed_first)
{
	int dev, vm, vcpu[NR_VCPUS], v;
	void *mem;
	long base;

	VM_WITH_VCPUS(base, dev, vm, vcpu);
	close(dev);
	mem = mvm_mmap_anon(MVM_2M);
	ASSERT_NE(NULL, mem);
	v = mvm_create_vcpu(vm, NR_VCPUS);
	ASSERT_LE(0, v);
	ASSERT_EQ(0, mvm_set_region(vm, 0, 0, MVM_2M, (uintptr_t)mem));
	ASSERT_EQ(0, mvm_delete_region(vm, 0));
	close(v);
	for (int i = 0; i < NR_VCPUS; i++)
		close(vcpu[i]);
	close(vm);
	MVM_ASSERT_FREED(base);
	munmap(mem, MVM_2M);
}

/* The parent drops its copy; the forked child holds the VM but cannot use it. */
TEST(fork_inherited_vm)
{
	int dev, vm, vcpu[NR_VCPUS], sk[2];
	long base;
	pid_t pid;

	VM_WITH_VCPUS(base, dev, vm, vcpu);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sk));
	pid = mvm_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(sk[0]);
		close(dev);
		for (int i = 0; i < NR_VCPUS; i++)
			close(vcpu[i]);
		CHILD_CHECK(mvm_wait_signal(sk[1]) == 'c');	/* parent closed */
		CHILD_CHECK(mvm_err(mvm_create_vcpu(vm, NR_VCPUS)) == EIO);
		CHILD_CHECK(mvm_set_region(vm, 0, 0, MVM_PAGE,
					   mvm_unmapped_range(MVM_PAGE)) == EIO);
		CHILD_CHECK(mvm_delete_region(vm, 0) == EIO);
		CHILD_CHECK(mvm_signal(sk[1], 'u') == 0);
		CHILD_CHECK(mvm_wait_signal(sk[1]) == 'x');
		_exit(0);	/* the VM descriptor closes with the child */
	}
	close(sk[1]);
	close(dev);
	close(vm);
	for (int i = 0; i < NR_VCPUS; i++)
		close(vcpu[i]);
	ASSERT_EQ(0, mvm_signal(sk[0], 'c'));
	ASSERT_EQ('u', mvm_wait_signal(sk[0]));
	MVM_ASSERT_ALIVE(base);		/* the child's copy keeps it */
	ASSERT_EQ(0, mvm_signal(sk[0], 'x'));
	ASSERT_EQ(0, mvm_wait_child(pid));
	close(sk[0]);
	MVM_ASSERT_FREED(base);
}

/* A vCPU descriptor sent away outlives everything its creator held. */
TEST(vcpu_passed_over_socket)
{
	int dev, vm, vcpu[NR_VCPUS], sk[2], held;
	long base;
	pid_t pid;

	base = mvm_module_refcnt();
	MVM_OPEN_OR_SKIP(dev);
	close(dev);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sk));
	pid = mvm_fork();	/* before the VM exists: nothing inherited */
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(sk[0]);
		CHILD_CHECK(mvm_recv_fds(sk[1], &held, 1) == 0);
		CHILD_CHECK(mvm_wait_signal(sk[1]) == 'c');	/* creator closed all */
		CHILD_CHECK(fcntl(held, F_GETFD) >= 0);
		CHILD_CHECK(foreign_vcpu_answers(held));
		CHILD_CHECK(mvm_signal(sk[1], 'h') == 0);
		CHILD_CHECK(mvm_wait_signal(sk[1]) == 'x');
		close(held);
		CHILD_CHECK(mvm_signal(sk[1], 'd') == 0);
		_exit(0);
	}
	close(sk[1]);
	VM_WITH_VCPUS(base, dev, vm, vcpu);	/* nothing held: same baseline */
	ASSERT_EQ(0, mvm_send_fds(sk[0], &vcpu[2], 1));
	close(dev);
	close(vm);
	for (int i = 0; i < NR_VCPUS; i++)
		close(vcpu[i]);
	ASSERT_EQ(0, mvm_signal(sk[0], 'c'));
	ASSERT_EQ('h', mvm_wait_signal(sk[0]));
	MVM_ASSERT_ALIVE(base);
	ASSERT_EQ(0, mvm_signal(sk[0], 'x'));
	ASSERT_EQ('d', mvm_wait_signal(sk[0]));
	MVM_ASSERT_FREED(base);
	ASSERT_EQ(0, mvm_wait_child(pid));
	close(sk[0]);
}

/* The owning process exits while another one still holds the VM. */
TEST(owner_exits_first)
{
	int dev, fds[2], sk[2];
	long base;
	pid_t pid;

	base = mvm_module_refcnt();
	MVM_OPEN_OR_SKIP(dev);
	close(dev);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sk));
	pid = mvm_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int vm, vcpu;
		void *mem = mvm_mmap_anon(MVM_2M);

		close(sk[0]);
		dev = open(MVM_DEV, O_RDWR | O_CLOEXEC);
		CHILD_CHECK(dev >= 0 && mem);
		vm = mvm_create_vm(dev);
		CHILD_CHECK(vm >= 0);
		vcpu = mvm_create_vcpu(vm, 0);
		CHILD_CHECK(vcpu >= 0);
		memset(mem, 0x5a, MVM_2M);
		CHILD_CHECK(mvm_set_region(vm, 0, 0, MVM_2M, (uintptr_t)mem) == 0);
		CHILD_CHECK(mvm_send_fds(sk[1], (int[]){ vm, vcpu }, 2) == 0);
		_exit(0);	/* its mm, and the slot's memory, go away */
	}
	close(sk[1]);
	ASSERT_EQ(0, mvm_recv_fds(sk[0], fds, 2));
	ASSERT_EQ(0, mvm_wait_child(pid));
	MVM_ASSERT_ALIVE(base);
	ASSERT_EQ(EIO, mvm_err(mvm_create_vcpu(fds[0], 1)));
	ASSERT_EQ(EIO, mvm_delete_region(fds[0], 0));
	ASSERT_TRUE(foreign_vcpu_answers(fds[1]));
	close(fds[0]);
	close(fds[1]);
	close(sk[0]);
	MVM_ASSERT_FREED(base);
}

TEST_HARNESS_MAIN

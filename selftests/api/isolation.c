// SPDX-License-Identifier: GPL-2.0
/*
 * A VM belongs to the mm that created it: its descriptors can travel to
 * another process, but every ioctl from there fails with EIO and changes
 * nothing; nor can it map a vCPU's run page (which would let it put
 * registers into the owner's next MVM_RUN).  There is no global name space: two processes' VMs with the same
 * vCPU ids and guest ranges do not meet.
 */
#include "kselftest_harness.h"
#include "mvm_util.h"

#define GPA 0x100000ULL

/* Process B: everything it tries on A's VM fails and has no effect. */
static int b_tries(int sock)
{
	int fds[2], vm, vcpu, e;
	void *mem = mvm_mmap_anon(4 * MVM_PAGE);

	CHILD_CHECK(mem && mvm_recv_fds(sock, fds, 2) == 0);
	vm = fds[0];
	vcpu = fds[1];
	CHILD_CHECK(mvm_err(mvm_create_vcpu(vm, 1)) == EIO);
	CHILD_CHECK(mvm_err(mvm_create_vcpu(vm, 0)) == EIO);
	/* Slot 1 is free in A's VM; slot 0 is A's. */
	CHILD_CHECK(mvm_set_region(vm, 1, GPA + 4 * MVM_PAGE, MVM_PAGE,
				   (uintptr_t)mem) == EIO);
	CHILD_CHECK(mvm_set_region(vm, 0, 0, MVM_PAGE, (uintptr_t)mem) == EIO);
	CHILD_CHECK(mvm_delete_region(vm, 0) == EIO);
	/* Numbers no level knows: ENOTTY or EIO, whichever check comes first. */
	e = mvm_err(ioctl(vm, _IO(MVMIO, 0x3f), 0UL));
	CHILD_CHECK(e == ENOTTY || e == EIO);
	e = mvm_err(ioctl(vcpu, _IO(MVMIO, 0x40), 0UL));
	CHILD_CHECK(e == ENOTTY || e == EIO);
	CHILD_CHECK(mvm_signal(sock, 'b') == 0);
	/* Keep the descriptors open while A checks its VM. */
	CHILD_CHECK(mvm_wait_signal(sock) == 'x');
	close(vcpu);
	close(vm);
	return 0;
}

TEST(foreign_process_gets_eio)
{
	int dev, vm, vcpu, v1, sk[2];
	void *mem;
	long base;
	pid_t pid;

	base = mvm_module_refcnt();
	MVM_OPEN_OR_SKIP(dev);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sk));
	pid = mvm_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(sk[0]);
		close(dev);
		_exit(b_tries(sk[1]));
	}
	close(sk[1]);
	mem = mvm_mmap_anon(16 * MVM_PAGE);
	ASSERT_NE(NULL, mem);
	vm = mvm_create_vm(dev);
	ASSERT_LE(0, vm);
	vcpu = mvm_create_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	ASSERT_EQ(0, mvm_set_region(vm, 0, GPA, 4 * MVM_PAGE, (uintptr_t)mem));
	ASSERT_EQ(0, mvm_send_fds(sk[0], (int[]){ vm, vcpu }, 2));
	ASSERT_EQ('b', mvm_wait_signal(sk[0]));

	/* A still drives its VM while B holds it, and B changed nothing. */
	ASSERT_EQ(EEXIST, mvm_set_region(vm, 0, GPA, 4 * MVM_PAGE, (uintptr_t)mem));
	ASSERT_EQ(0, mvm_set_region(vm, 1, GPA + 4 * MVM_PAGE, MVM_PAGE,
				    (uintptr_t)mem + 4 * MVM_PAGE));
	ASSERT_EQ(0, mvm_set_region(vm, 2, GPA + 8 * MVM_PAGE, MVM_PAGE,
				    (uintptr_t)mem + 8 * MVM_PAGE));
	v1 = mvm_create_vcpu(vm, 1);
	ASSERT_LE(0, v1);
	ASSERT_EQ(0, mvm_delete_region(vm, 0));

	ASSERT_EQ(0, mvm_signal(sk[0], 'x'));
	ASSERT_EQ(0, mvm_wait_child(pid));
	close(v1);
	close(vcpu);
	close(vm);
	close(dev);
	close(sk[0]);
	munmap(mem, 16 * MVM_PAGE);
	MVM_ASSERT_FREED(base);
}

/*
 * mvm-api.md: a non-owner gets EIO "before anything else is looked at", so
 * even an unreadable argument from a foreign process is EIO, not EFAULT:
 * the module must not touch a foreign caller's argument at all.
 */
TEST(foreign_unreadable_argument_is_eio)
{
	int dev, vm, sk[2], held;
	pid_t pid;

	MVM_OPEN_OR_SKIP(dev);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sk));
	pid = mvm_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(sk[0]);
		close(dev);
		CHILD_CHECK(mvm_recv_fds(sk[1], &held, 1) == 0);
		CHILD_CHECK(mvm_err(ioctl(held, MVM_SET_MEMORY_REGION, (void *)8)) == EIO);
		CHILD_CHECK(mvm_err(ioctl(held, MVM_SET_MEMORY_REGION, NULL)) == EIO);
		_exit(0);
	}
	close(sk[1]);
	vm = mvm_create_vm(dev);
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, mvm_send_fds(sk[0], &vm, 1));
	ASSERT_EQ(0, mvm_wait_child(pid));
	close(vm);
	close(dev);
	close(sk[0]);
}

/* Builds a VM like the other process's: vCPU 0, slot 0 at GPA.  0 or errno. */
static int own_vm(int dev, void *mem, int *vm, int *vcpu)
{
	*vm = mvm_create_vm(dev);
	if (*vm < 0)
		return errno;
	*vcpu = mvm_create_vcpu(*vm, 0);
	if (*vcpu < 0)
		return errno;
	return mvm_set_region(*vm, 0, GPA, 4 * MVM_PAGE, (uintptr_t)mem);
}

TEST(separate_vms_do_not_meet)
{
	int dev, vm, vcpu, sk[2];
	void *mem;
	pid_t pid;

	MVM_OPEN_OR_SKIP(dev);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sk));
	mem = mvm_mmap_anon(4 * MVM_PAGE);
	ASSERT_NE(NULL, mem);
	pid = mvm_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int bdev, bvm, bvcpu;

		close(sk[0]);
		close(dev);	/* B opens the device itself */
		bdev = open(MVM_DEV, O_RDWR | O_CLOEXEC);
		CHILD_CHECK(bdev >= 0);
		CHILD_CHECK(mvm_wait_signal(sk[1]) == 'a');	/* A's VM exists */
		CHILD_CHECK(own_vm(bdev, mem, &bvm, &bvcpu) == 0);
		CHILD_CHECK(mvm_err(mvm_create_vcpu(bvm, 0)) == EEXIST);
		CHILD_CHECK(mvm_signal(sk[1], 'b') == 0);
		CHILD_CHECK(mvm_wait_signal(sk[1]) == 'x');
		/* A's checks did not touch B's VM either. */
		CHILD_CHECK(mvm_set_region(bvm, 0, GPA, MVM_PAGE, (uintptr_t)mem) == EEXIST);
		CHILD_CHECK(mvm_delete_region(bvm, 0) == 0);
		_exit(0);
	}
	close(sk[1]);
	ASSERT_EQ(0, own_vm(dev, mem, &vm, &vcpu));
	ASSERT_EQ(0, mvm_signal(sk[0], 'a'));
	ASSERT_EQ('b', mvm_wait_signal(sk[0]));
	/* B's identical VM left A's alone: same state as before. */
	ASSERT_EQ(EEXIST, mvm_err(mvm_create_vcpu(vm, 0)));
	ASSERT_EQ(EEXIST, mvm_set_region(vm, 0, GPA, MVM_PAGE, (uintptr_t)mem));
	ASSERT_EQ(ENOENT, mvm_delete_region(vm, 1));
	ASSERT_EQ(0, mvm_delete_region(vm, 0));
	ASSERT_EQ(0, mvm_signal(sk[0], 'x'));
	ASSERT_EQ(0, mvm_wait_child(pid));
	close(vcpu);
	close(vm);
	close(dev);
	close(sk[0]);
}

TEST(foreign_process_cannot_map_run_page)
{
	int dev, vm, vcpu;
	long size;
	pid_t pid;

	MVM_OPEN_OR_SKIP(dev);
	vm = mvm_create_vm(dev);
	ASSERT_LE(0, vm);
	vcpu = mvm_create_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	size = ioctl(dev, MVM_GET_VCPU_MMAP_SIZE, 0UL);
	ASSERT_LT(0, size);
	pid = mvm_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			       vcpu, 0);

		CHILD_CHECK(p == MAP_FAILED && errno == EIO);
		_exit(0);
	}
	ASSERT_EQ(0, mvm_wait_child(pid));
	/* The owner still can. */
	void *run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);

	ASSERT_NE(MAP_FAILED, run);
	munmap(run, size);
	close(vcpu);
	close(vm);
	close(dev);
}

TEST_HARNESS_MAIN

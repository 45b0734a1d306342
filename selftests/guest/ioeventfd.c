// SPDX-License-Identifier: GPL-2.0
/*
 * ioeventfd on ports (MVM_IOEVENTFD; KVM_IOEVENTFD with the PIO flag): a
 * guest OUT that matches a registration completes without an exit and
 * counts on the eventfd; one that does not match (another value with a
 * datamatch, another size) exits as usual; after DEASSIGN the port exits
 * again.  The errors: EEXIST for a registration made twice, ENOENT for
 * removing one that does not exist, EINVAL for a bad length, an unknown
 * flag or a descriptor that is no eventfd, EBADF for no descriptor; and,
 * mvm's own rules, EOPNOTSUPP for an MMIO address and EINVAL for a port
 * above 0xffff or reserved words not 0 (KVM takes all of these).
 */
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "test_vm.h"

#define PORT_ANY	0x7000		/* 4 bytes, any value */
#define PORT_MATCH	0x7004		/* 2 bytes, 0xbeef only */

enum { PIO = 1, DATAMATCH = 2, DEASSIGN = 4 };

/* 0 or the errno; @raw_flags are or-ed in as they are (unknown bits). */
static int ioeventfd(struct vm *vm, uint64_t addr, uint32_t len, int fd,
		     uint32_t flags, uint64_t match, uint32_t raw_flags)
{
	long r;

	if (vm_is_mvm(vm)) {
		struct mvm_ioeventfd e = {
			.addr = addr, .len = len, .fd = fd, .datamatch = match,
			.flags = raw_flags |
				 (flags & PIO ? MVM_IOEVENTFD_PIO : 0) |
				 (flags & DATAMATCH ? MVM_IOEVENTFD_DATAMATCH : 0) |
				 (flags & DEASSIGN ? MVM_IOEVENTFD_DEASSIGN : 0),
		};

		r = ioctl(vm->fd, MVM_IOEVENTFD, &e);
	} else {
		struct kvm_ioeventfd e = {
			.addr = addr, .len = len, .fd = fd, .datamatch = match,
			.flags = raw_flags |
				 (flags & PIO ? KVM_IOEVENTFD_FLAG_PIO : 0) |
				 (flags & DATAMATCH ? KVM_IOEVENTFD_FLAG_DATAMATCH : 0) |
				 (flags & DEASSIGN ? KVM_IOEVENTFD_FLAG_DEASSIGN : 0),
		};

		r = ioctl(vm->fd, KVM_IOEVENTFD, &e);
	}
	return r < 0 ? errno : 0;
}

static unsigned long long efd_count(int fd)
{
	uint64_t v = 0;

	return read(fd, &v, sizeof(v)) == sizeof(v) ? v : 0;
}

static void guest_code(void)
{
	for (int i = 0; i < 3; i++)
		outl(PORT_ANY, 0x1000 + i);
	outw(PORT_MATCH, 0xbeef);
	outw(PORT_MATCH, 0x1234);	/* no match: exits */
	outw(PORT_MATCH, 0xbeef);
	outb(PORT_ANY, 0x5a);		/* another size: exits */
	GUEST_SYNC(1);
	outl(PORT_ANY, 0x2000);		/* deassigned: exits */
	GUEST_DONE();
}

TEST(ioeventfd_signals)
{
	struct vm *vm;
	struct vcpu *vcpu;
	struct vcpu_exit *x;
	int any, match;

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, guest_code);
	x = &vcpu->exit;
	any = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	match = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ASSERT_LE(0, any);
	ASSERT_LE(0, match);
	ASSERT_EQ(0, ioeventfd(vm, PORT_ANY, 4, any, PIO, 0, 0));
	ASSERT_EQ(0, ioeventfd(vm, PORT_MATCH, 2, match, PIO | DATAMATCH, 0xbeef, 0));

	ASSERT_EXIT(vcpu, VCPU_EXIT_IO);
	ASSERT_EQ(PORT_MATCH, x->io.port);
	ASSERT_EQ(0x1234, *(uint16_t *)x->io.data);
	ASSERT_EXIT(vcpu, VCPU_EXIT_IO);
	ASSERT_EQ(PORT_ANY, x->io.port);
	ASSERT_EQ(1, x->io.size);
	ASSERT_SYNC(vcpu, 1);
	ASSERT_EQ(3ULL, efd_count(any));
	ASSERT_EQ(2ULL, efd_count(match));

	ASSERT_EQ(0, ioeventfd(vm, PORT_ANY, 4, any, PIO | DEASSIGN, 0, 0));
	ASSERT_EXIT(vcpu, VCPU_EXIT_IO);
	ASSERT_EQ(PORT_ANY, x->io.port);
	ASSERT_EQ(0x2000u, *(uint32_t *)x->io.data);
	ASSERT_DONE(vcpu);
	ASSERT_EQ(0ULL, efd_count(any));
	vm_free(vm);
	close(any);
	close(match);
}

TEST(ioeventfd_errors)
{
	struct vm *vm;
	struct vcpu *vcpu;
	int efd, pipefd[2];

	VM_CREATE_OR_SKIP(vm, vcpu);
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, pipe(pipefd));

	ASSERT_EQ(0, ioeventfd(vm, 0x100, 1, efd, PIO, 0, 0));
	ASSERT_EQ(EEXIST, ioeventfd(vm, 0x100, 1, efd, PIO, 0, 0));
	ASSERT_EQ(ENOENT, ioeventfd(vm, 0x101, 1, efd, PIO | DEASSIGN, 0, 0));
	ASSERT_EQ(ENOENT, ioeventfd(vm, 0x100, 1, efd, PIO | DEASSIGN | DATAMATCH, 7, 0));
	ASSERT_EQ(0, ioeventfd(vm, 0x100, 1, efd, PIO | DEASSIGN, 0, 0));
	ASSERT_EQ(ENOENT, ioeventfd(vm, 0x100, 1, efd, PIO | DEASSIGN, 0, 0));
	ASSERT_EQ(EINVAL, ioeventfd(vm, 0x100, 3, efd, PIO, 0, 0));
	ASSERT_EQ(EINVAL, ioeventfd(vm, 0x100, 1, efd, PIO, 0, 1u << 31));
	ASSERT_EQ(EINVAL, ioeventfd(vm, 0x100, 1, pipefd[0], PIO, 0, 0));
	ASSERT_EQ(EBADF, ioeventfd(vm, 0x100, 1, 1000, PIO, 0, 0));

	if (vm_is_mvm(vm)) {
		struct mvm_ioeventfd e = {
			.addr = 0x100, .len = 1, .fd = efd,
			.flags = MVM_IOEVENTFD_PIO, .reserved = { 0, 1 },
		};

		ASSERT_EQ(EOPNOTSUPP, ioeventfd(vm, 0xc0000000, 4, efd, 0, 0, 0));
		ASSERT_EQ(EINVAL, ioeventfd(vm, 0x10000, 1, efd, PIO, 0, 0));
		ASSERT_EQ(-1, ioctl(vm->fd, MVM_IOEVENTFD, &e));
		ASSERT_EQ(EINVAL, errno);
		e.reserved[1] = 0;
		e.padding = 1;
		ASSERT_EQ(-1, ioctl(vm->fd, MVM_IOEVENTFD, &e));
		ASSERT_EQ(EINVAL, errno);
	} else {
		TH_LOG("kvm: MMIO, ports > 0xffff, reserved words: mvm-only checks");
	}
	close(pipefd[0]);
	close(pipefd[1]);
	close(efd);
	vm_free(vm);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Every check and errno that uapi/mvm-api.md promises for the device and VM
 * ioctls, each in isolation, plus the order of MVM_SET_MEMORY_REGION's
 * checks where two failures meet.
 */
#include "kselftest_harness.h"
#include "mvm_util.h"

#define GPA	0x100000ULL	/* 1 MiB: room below for "starts before" cases */
#define NPAGES	64

FIXTURE(vm) {
	int dev, vm;
	long nr_slots, phys_bits, max_pages;
	__u64 mem;		/* NPAGES of mapped memory */
};

FIXTURE_SETUP(vm)
{
	/* The body opens or skips: see mvm_util.h. */
	self->dev = -1;
	self->vm = -1;
}

FIXTURE_TEARDOWN(vm)
{
	if (self->vm >= 0)
		close(self->vm);
	if (self->dev >= 0)
		close(self->dev);
}

/* Open the device or skip, then make a VM with NPAGES of memory to map. */
#define VM_OR_SKIP() do {						\
	void *p;							\
	MVM_OPEN_OR_SKIP(self->dev);					\
	self->vm = mvm_create_vm(self->dev);				\
	ASSERT_LE(0, self->vm);						\
	self->nr_slots = mvm_cap(self->dev, MVM_CAP_NR_MEMSLOTS);	\
	self->phys_bits = mvm_cap(self->dev, MVM_CAP_GUEST_PHYS_BITS);	\
	self->max_pages = mvm_cap(self->dev, MVM_CAP_MAX_SLOT_PAGES);	\
	ASSERT_LE(1, self->nr_slots);					\
	ASSERT_LE(32, self->phys_bits);					\
	p = mvm_mmap_anon(NPAGES * MVM_PAGE);				\
	ASSERT_NE(NULL, p);						\
	self->mem = (uintptr_t)p;					\
} while (0)

/* ---- device ---- */

TEST(api_version)
{
	int dev;

	MVM_OPEN_OR_SKIP(dev);
	ASSERT_EQ(MVM_API_VERSION, 1);
	ASSERT_EQ(1, ioctl(dev, MVM_GET_API_VERSION, 0UL));
	/* "Argument ignored." */
	ASSERT_EQ(1, ioctl(dev, MVM_GET_API_VERSION, 0xdeadbeefUL));
	close(dev);
}

TEST(capabilities)
{
	long backend, feat;
	int dev;

	MVM_OPEN_OR_SKIP(dev);
	backend = mvm_cap(dev, MVM_CAP_BACKEND);
	ASSERT_TRUE(backend == MVM_BACKEND_SVM || backend == MVM_BACKEND_VMX)
		TH_LOG("backend %ld", backend);
	ASSERT_LE(1, mvm_cap(dev, MVM_CAP_MAX_VCPUS));
	ASSERT_LE(1, mvm_cap(dev, MVM_CAP_NR_MEMSLOTS));
	ASSERT_LE(32, mvm_cap(dev, MVM_CAP_GUEST_PHYS_BITS));
	ASSERT_GE(52, mvm_cap(dev, MVM_CAP_GUEST_PHYS_BITS));
	ASSERT_EQ((1L << 31) - 1, mvm_cap(dev, MVM_CAP_MAX_SLOT_PAGES));
	/* Only the bits the header defines for this backend. */
	feat = mvm_cap(dev, MVM_CAP_HW_FEATURES);
	ASSERT_LE(0, feat);
	if (backend == MVM_BACKEND_SVM) {
		ASSERT_EQ(0, feat & ~((long)MVM_SVM_F_VGIF * 2 - 1));
	} else {
		ASSERT_EQ(0, feat & ~((long)MVM_VMX_F_TSC_SCALING * 2 - 1));
	}
	TH_LOG("backend %ld vcpus %ld slots %ld phys bits %ld features %#lx",
	       backend, mvm_cap(dev, MVM_CAP_MAX_VCPUS),
	       mvm_cap(dev, MVM_CAP_NR_MEMSLOTS),
	       mvm_cap(dev, MVM_CAP_GUEST_PHYS_BITS), feat);
	/* Unknown numbers answer 0, not an error. */
	ASSERT_EQ(0, mvm_cap(dev, 0));
	ASSERT_EQ(0, mvm_cap(dev, 0xffff));	/* no such capability */
	ASSERT_EQ(0, mvm_cap(dev, 0xffff));
	ASSERT_EQ(0, mvm_cap(dev, ~0UL));
	/* The argument is the whole unsigned long, not its low 32 bits. */
	ASSERT_EQ(0, mvm_cap(dev, (1UL << 32) | MVM_CAP_BACKEND));
	close(dev);
}

TEST(create_vm_type)
{
	int dev, vm;

	MVM_OPEN_OR_SKIP(dev);
	ASSERT_EQ(EINVAL, mvm_err(ioctl(dev, MVM_CREATE_VM, 1UL)));
	ASSERT_EQ(EINVAL, mvm_err(ioctl(dev, MVM_CREATE_VM, 0xffffUL)));
	ASSERT_EQ(EINVAL, mvm_err(ioctl(dev, MVM_CREATE_VM, ~0UL)));
	ASSERT_EQ(EINVAL, mvm_err(ioctl(dev, MVM_CREATE_VM, 1UL << 32)));
	vm = ioctl(dev, MVM_CREATE_VM, 0UL);
	ASSERT_LE(0, vm);
	close(vm);
	close(dev);
}

/* ---- VM: vCPUs ---- */

TEST_F(vm, create_vcpu_ids)
{
	long max;
	int v0, vlast;

	VM_OR_SKIP();
	max = mvm_cap(self->dev, MVM_CAP_MAX_VCPUS);
	ASSERT_LE(1, max);
	ASSERT_EQ(EINVAL, mvm_err(mvm_create_vcpu(self->vm, max)));
	ASSERT_EQ(EINVAL, mvm_err(mvm_create_vcpu(self->vm, max + 1)));
	ASSERT_EQ(EINVAL, mvm_err(mvm_create_vcpu(self->vm, ~0UL)));
	/* Not truncated to 32 bits: this is not id 0. */
	ASSERT_EQ(EINVAL, mvm_err(mvm_create_vcpu(self->vm, 1UL << 32)));

	v0 = mvm_create_vcpu(self->vm, 0);
	ASSERT_LE(0, v0);
	ASSERT_EQ(EEXIST, mvm_err(mvm_create_vcpu(self->vm, 0)));
	if (max > 1) {
		vlast = mvm_create_vcpu(self->vm, max - 1);
		ASSERT_LE(0, vlast);
		ASSERT_EQ(EEXIST, mvm_err(mvm_create_vcpu(self->vm, max - 1)));
		close(vlast);
	}
	close(v0);
}

/* ---- VM: SET_MEMORY_REGION, one failing check at a time ---- */

TEST_F(vm, region_flags_reserved_slot)
{
	struct mvm_memory_region r;

	VM_OR_SKIP();
	for (int bit = 0; bit < 32; bit++) {
		/* the defined flags */
		if ((1U << bit) & (MVM_MEM_READONLY | MVM_MEM_LOG_DIRTY))
			continue;
		r = (struct mvm_memory_region){ .slot = 0, .flags = 1U << bit,
			.guest_phys_addr = GPA, .memory_size = MVM_PAGE,
			.userspace_addr = self->mem };
		ASSERT_EQ(EINVAL, mvm_err(ioctl(self->vm, MVM_SET_MEMORY_REGION, &r)))
			TH_LOG("flags bit %d", bit);
	}
	for (int i = 0; i < 4; i++) {
		r = (struct mvm_memory_region){ .slot = 0,
			.guest_phys_addr = GPA, .memory_size = MVM_PAGE,
			.userspace_addr = self->mem };
		r.reserved[i] = 1;
		ASSERT_EQ(EINVAL, mvm_err(ioctl(self->vm, MVM_SET_MEMORY_REGION, &r)))
			TH_LOG("reserved[%d]", i);
	}
	ASSERT_EQ(EINVAL, mvm_set_region(self->vm, self->nr_slots, GPA, MVM_PAGE, self->mem));
	ASSERT_EQ(EINVAL, mvm_set_region(self->vm, ~0U, GPA, MVM_PAGE, self->mem));
	/* The last valid id works. */
	ASSERT_EQ(0, mvm_set_region(self->vm, self->nr_slots - 1, GPA, MVM_PAGE, self->mem));
	ASSERT_EQ(0, mvm_delete_region(self->vm, self->nr_slots - 1));
}

TEST_F(vm, region_bad_pointer)
{
	VM_OR_SKIP();
	ASSERT_EQ(EFAULT, mvm_err(ioctl(self->vm, MVM_SET_MEMORY_REGION, (void *)8)));
	ASSERT_EQ(EFAULT, mvm_err(ioctl(self->vm, MVM_SET_MEMORY_REGION, NULL)));
	ASSERT_EQ(EFAULT, mvm_err(ioctl(self->vm, MVM_SET_MEMORY_REGION,
					(void *)0xffff800000000000UL)));
}

TEST_F(vm, region_delete_missing)
{
	VM_OR_SKIP();
	ASSERT_EQ(ENOENT, mvm_delete_region(self->vm, 0));
	ASSERT_EQ(ENOENT, mvm_delete_region(self->vm, self->nr_slots - 1));
	/* The slot-id check comes first. */
	ASSERT_EQ(EINVAL, mvm_delete_region(self->vm, self->nr_slots));
}

TEST_F(vm, region_alignment)
{
	VM_OR_SKIP();
	ASSERT_EQ(EINVAL, mvm_set_region(self->vm, 0, GPA + 0x800, MVM_PAGE, self->mem));
	ASSERT_EQ(EINVAL, mvm_set_region(self->vm, 0, GPA + 1, MVM_PAGE, self->mem));
	ASSERT_EQ(EINVAL, mvm_set_region(self->vm, 0, GPA, MVM_PAGE + 0x800, self->mem));
	ASSERT_EQ(EINVAL, mvm_set_region(self->vm, 0, GPA, 1, self->mem));
	ASSERT_EQ(EINVAL, mvm_set_region(self->vm, 0, GPA, MVM_PAGE, self->mem + 0x10));
	ASSERT_EQ(EINVAL, mvm_set_region(self->vm, 0, GPA, MVM_PAGE, self->mem + 0x800));
	/* None of them created the slot. */
	ASSERT_EQ(ENOENT, mvm_delete_region(self->vm, 0));
}

TEST_F(vm, region_guest_range)
{
	__u64 top;

	VM_OR_SKIP();
	top = 1ULL << self->phys_bits;
	/* One page more than the largest slot. */
	ASSERT_EQ(EINVAL, mvm_set_region(self->vm, 0, 0,
					 (self->max_pages + 1) * MVM_PAGE, self->mem));
	ASSERT_EQ(EINVAL, mvm_set_region(self->vm, 0, 0, ~0ULL & ~0xfffULL, self->mem));
	/* Ends one page beyond 2^phys_bits, or starts there. */
	ASSERT_EQ(EINVAL, mvm_set_region(self->vm, 0, top - MVM_PAGE, 2 * MVM_PAGE, self->mem));
	ASSERT_EQ(EINVAL, mvm_set_region(self->vm, 0, top, MVM_PAGE, self->mem));
	/* Wraps around 2^64. */
	ASSERT_EQ(EINVAL, mvm_set_region(self->vm, 0, ~0ULL & ~0xfffULL, 2 * MVM_PAGE, self->mem));
	ASSERT_EQ(EINVAL, mvm_set_region(self->vm, 0, ~0ULL & ~0xfffULL, MVM_PAGE, self->mem));
	/* Ending exactly at 2^phys_bits is inside: the end is exclusive. */
	ASSERT_EQ(0, mvm_set_region(self->vm, 0, top - MVM_PAGE, MVM_PAGE, self->mem));
	ASSERT_EQ(0, mvm_delete_region(self->vm, 0));
}

TEST_F(vm, region_user_range)
{
	__u64 unmapped;

	VM_OR_SKIP();
	/* Kernel half. */
	ASSERT_EQ(EFAULT, mvm_set_region(self->vm, 0, GPA, MVM_PAGE, 0xffff800000000000ULL));
	ASSERT_EQ(EFAULT, mvm_set_region(self->vm, 0, GPA, MVM_PAGE, 0xfffffffffffff000ULL));
	/* Wraps around 2^64. */
	ASSERT_EQ(EFAULT, mvm_set_region(self->vm, 0, GPA, 2 * MVM_PAGE, 0xfffffffffffff000ULL));
	/*
	 * Starts in user space, ends beyond it: the top of a 5-level user
	 * space is 2^56 - 4 KiB (4-level: 2^47 - 4 KiB), so this crosses
	 * the end whatever the paging mode.
	 */
	ASSERT_EQ(EFAULT, mvm_set_region(self->vm, 0, GPA, 4 * MVM_PAGE,
					 (1ULL << 56) - 2 * MVM_PAGE));
	ASSERT_EQ(ENOENT, mvm_delete_region(self->vm, 0));

	/* Not mapped (yet) is fine: nothing is pinned at this point. */
	unmapped = mvm_unmapped_range(NPAGES * MVM_PAGE);
	ASSERT_NE(0ULL, unmapped);
	ASSERT_EQ(0, mvm_set_region(self->vm, 0, GPA, NPAGES * MVM_PAGE, unmapped));
	ASSERT_EQ(0, mvm_delete_region(self->vm, 0));
}

/* ---- VM: SET_MEMORY_REGION, slots meeting each other ---- */

TEST_F(vm, region_exists_and_overlaps)
{
	const __u64 sz = 4 * MVM_PAGE;
	__u64 m;

	VM_OR_SKIP();
	m = self->mem;
	ASSERT_LE(3, self->nr_slots);
	/* Slot 0 covers [GPA, GPA + 4 pages). */
	ASSERT_EQ(0, mvm_set_region(self->vm, 0, GPA, sz, m));
	ASSERT_EQ(EEXIST, mvm_set_region(self->vm, 0, GPA, sz, m));
	ASSERT_EQ(EEXIST, mvm_set_region(self->vm, 0, GPA + 16 * MVM_PAGE, sz, m + sz));

	/* Another slot: identical, partial at either end, inside, around. */
	ASSERT_EQ(EEXIST, mvm_set_region(self->vm, 1, GPA, sz, m + sz));
	ASSERT_EQ(EEXIST, mvm_set_region(self->vm, 1, GPA - MVM_PAGE, 2 * MVM_PAGE, m + sz));
	ASSERT_EQ(EEXIST, mvm_set_region(self->vm, 1, GPA + 3 * MVM_PAGE, 2 * MVM_PAGE, m + sz));
	ASSERT_EQ(EEXIST, mvm_set_region(self->vm, 1, GPA + MVM_PAGE, MVM_PAGE, m + sz));
	ASSERT_EQ(EEXIST, mvm_set_region(self->vm, 1, GPA - MVM_PAGE, sz + 2 * MVM_PAGE, m + sz));
	ASSERT_EQ(EEXIST, mvm_set_region(self->vm, 1, 0, 2 * GPA, m + sz));
	ASSERT_EQ(ENOENT, mvm_delete_region(self->vm, 1));

	/* Adjacent on both sides is fine. */
	ASSERT_EQ(0, mvm_set_region(self->vm, 1, GPA - sz, sz, m + sz));
	ASSERT_EQ(0, mvm_set_region(self->vm, 2, GPA + sz, sz, m + 2 * sz));

	/* Delete, then the id and the range are free again. */
	ASSERT_EQ(0, mvm_delete_region(self->vm, 0));
	ASSERT_EQ(ENOENT, mvm_delete_region(self->vm, 0));
	ASSERT_EQ(0, mvm_set_region(self->vm, 0, GPA, sz, m));
	ASSERT_EQ(0, mvm_delete_region(self->vm, 0));
	ASSERT_EQ(0, mvm_set_region(self->vm, 0, GPA + MVM_PAGE, MVM_PAGE, m + 3 * sz));
	ASSERT_EQ(0, mvm_delete_region(self->vm, 0));
	ASSERT_EQ(0, mvm_delete_region(self->vm, 1));
	ASSERT_EQ(0, mvm_delete_region(self->vm, 2));
}

/* Where two checks fail at once, the earlier one in mvm-api.md's table wins. */
TEST_F(vm, region_check_order)
{
	VM_OR_SKIP();
	/* slot id before "does not exist" */
	ASSERT_EQ(EINVAL, mvm_set_region(self->vm, self->nr_slots, 0, 0, 0));
	/* "does not exist" before alignment */
	ASSERT_EQ(ENOENT, mvm_set_region(self->vm, 0, GPA + 1, 0, self->mem + 1));
	/* alignment before the user range */
	ASSERT_EQ(EINVAL, mvm_set_region(self->vm, 0, GPA, MVM_PAGE, 0xffff800000000010ULL));
	/* guest range before the user range */
	ASSERT_EQ(EINVAL, mvm_set_region(self->vm, 0, ~0ULL & ~0xfffULL, 2 * MVM_PAGE,
					 0xffff800000000000ULL));
	/* user range before "exists" */
	ASSERT_EQ(0, mvm_set_region(self->vm, 0, GPA, MVM_PAGE, self->mem));
	ASSERT_EQ(EFAULT, mvm_set_region(self->vm, 0, GPA, MVM_PAGE, 0xffff800000000000ULL));
	ASSERT_EQ(EFAULT, mvm_set_region(self->vm, 1, GPA, MVM_PAGE, 0xffff800000000000ULL));
	ASSERT_EQ(0, mvm_delete_region(self->vm, 0));
}

/* ---- every level: unknown numbers, other levels' numbers, close-on-exec ---- */

TEST_F(vm, unknown_ioctls)
{
	struct mvm_memory_region r = { .memory_size = MVM_PAGE };
	const unsigned long dev_cmds[] = { MVM_GET_API_VERSION,
		MVM_CHECK_EXTENSION, MVM_CREATE_VM };
	const unsigned long vm_cmds[] = { MVM_CREATE_VCPU, MVM_SET_MEMORY_REGION };
	/* Unassigned numbers at each level, and known ones with another size/direction. */
	const unsigned long unknown[] = { _IO(MVMIO, 0x0e), _IO(MVMIO, 0x0f),
		_IO(MVMIO, 0x12), _IO(MVMIO, 0x3f), _IO(MVMIO, 0x7e),
		_IO(MVMIO, 0x7f), _IO(MVMIO, 0x80), _IO(MVMIO, 0xff),
		_IOR(MVMIO, 0x40, __u64), _IOW(MVMIO, 0x41, __u32),
		_IO(MVMIO, 0x11), _IOR(MVMIO, 0x11, struct mvm_memory_region),
		_IOW(MVMIO, 0x11, __u64), _IOR(MVMIO, 0x00, __u32),
		_IO('x', 0x01), 0 };
	int vcpu;

	VM_OR_SKIP();
	vcpu = mvm_create_vcpu(self->vm, 0);
	ASSERT_LE(0, vcpu);
	r.userspace_addr = self->mem;
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		unsigned long cmd = unknown[i];

		ASSERT_EQ(ENOTTY, mvm_err(ioctl(self->dev, cmd, &r))) TH_LOG("dev %#lx", cmd);
		ASSERT_EQ(ENOTTY, mvm_err(ioctl(self->vm, cmd, &r))) TH_LOG("vm %#lx", cmd);
		ASSERT_EQ(ENOTTY, mvm_err(ioctl(vcpu, cmd, &r))) TH_LOG("vcpu %#lx", cmd);
	}
	for (size_t i = 0; i < 3; i++) {
		ASSERT_EQ(ENOTTY, mvm_err(ioctl(self->vm, dev_cmds[i], 0UL)));
		ASSERT_EQ(ENOTTY, mvm_err(ioctl(vcpu, dev_cmds[i], 0UL)));
	}
	for (size_t i = 0; i < 2; i++) {
		ASSERT_EQ(ENOTTY, mvm_err(ioctl(self->dev, vm_cmds[i], &r)));
		ASSERT_EQ(ENOTTY, mvm_err(ioctl(vcpu, vm_cmds[i], &r)));
	}
	/* None of it created anything. */
	ASSERT_EQ(ENOENT, mvm_delete_region(self->vm, 0));
	close(vcpu);
}

TEST(cloexec)
{
	int dev, vm, vcpu;

	MVM_OPEN_OR_SKIP(dev);
	close(dev);
	/* Opened without O_CLOEXEC: the module's own descriptors still are. */
	dev = open(MVM_DEV, O_RDWR);
	ASSERT_LE(0, dev);
	vm = mvm_create_vm(dev);
	ASSERT_LE(0, vm);
	vcpu = mvm_create_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	ASSERT_TRUE(mvm_is_cloexec(vm));
	ASSERT_TRUE(mvm_is_cloexec(vcpu));
	close(vcpu);
	close(vm);
	close(dev);
}

TEST_HARNESS_MAIN

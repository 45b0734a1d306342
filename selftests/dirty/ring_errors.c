// SPDX-License-Identifier: GPL-2.0
/*
 * mvm's dirty ring refuses what it must, and survives what userspace
 * writes into the shared entries.
 *
 * Enabling: a size of 0, below a page, not a power of two or above
 * MVM_CAP_DIRTY_LOG_RING (which says 1 MiB), or other args, is EINVAL;
 * twice EEXIST; once a vCPU exists EBUSY.  RESET on a VM without the ring
 * is ENXIO, and so are GET and CLEAR_DIRTY_LOG on a ring VM.  mmap: no
 * ring, another page offset, not the ring's exact length, MAP_PRIVATE or
 * PROT_EXEC is EINVAL, and from another process EIO.  Reset: entries that
 * name no slot, a page past the slot, or carry stray flags are freed with
 * nothing protected; an entry not flagged RESET stops the walk, and the
 * kernel never reads past what it published; entries of a slot deleted
 * (and re-created) since are harmless, and the page is seen again after.
 * A ring still mapped when its VM's fds are closed stays usable, and the
 * VM goes with the mapping.
 */
#include "kselftest_harness.h"
#include "mvm_util.h"
#include "dirty_ring.h"
#include "dirty_test.h"
#include "test_vm.h"

#define SLOT_GPA	SMALL_GPA
#define PAGES		4
#define RING		4096
#define OFF		(MVM_DIRTY_RING_PAGE_OFFSET * MVM_PAGE)

static void guest_code(uint64_t base)
{
	for (uint64_t v = 1;; v++) {
		for (int i = 0; i < PAGES; i++)
			*(volatile uint64_t *)(base + i * 4096) = v;
		GUEST_SYNC(v);
	}
}

static int enable(int vm, uint64_t bytes, uint64_t arg1)
{
	struct mvm_enable_cap c = {
		.cap = MVM_CAP_DIRTY_LOG_RING, .args = { bytes, arg1 },
	};

	return mvm_err(ioctl(vm, MVM_ENABLE_CAP, &c));
}

static int map_err(int fd, size_t len, int prot, int flags, off_t off)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, len);
	return 0;
}

TEST(enable_and_mmap)
{
	struct mvm_dirty_log get = { .slot = 1 };
	int dev, vm, vcpu, bvm, bvcpu, e;
	struct mvm_dirty_gfn *g;
	uint64_t bm;
	pid_t pid;

	/* /dev/mvm's own calls: nothing to compare on KVM. */
	if (getenv("MVM_TEST_HV") && !strcmp(getenv("MVM_TEST_HV"), "kvm"))
		SKIP(return, "mvm's own errors");
	MVM_OPEN_OR_SKIP(dev);
	ASSERT_EQ(1L << 20, mvm_cap(dev, MVM_CAP_DIRTY_LOG_RING));
	vm = mvm_create_vm(dev);
	ASSERT_LE(0, vm);
	ASSERT_EQ(EINVAL, enable(vm, 0, 0));
	ASSERT_EQ(EINVAL, enable(vm, 2048, 0));
	ASSERT_EQ(EINVAL, enable(vm, 6144, 0));
	ASSERT_EQ(EINVAL, enable(vm, 2 << 20, 0));
	ASSERT_EQ(EINVAL, enable(vm, 1ULL << 40, 0));
	ASSERT_EQ(EINVAL, enable(vm, RING, 1));
	ASSERT_EQ(ENXIO, mvm_err(ioctl(vm, MVM_RESET_DIRTY_RINGS, 0)));
	ASSERT_EQ(0, enable(vm, 2 * RING, 0));
	ASSERT_EQ(EEXIST, enable(vm, RING, 0));
	ASSERT_EQ(0, mvm_err(ioctl(vm, MVM_RESET_DIRTY_RINGS, 0)));
	vcpu = mvm_create_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);

	/* A bitmap VM: no ring to enable once a vCPU exists, or to map. */
	bvm = mvm_create_vm(dev);
	ASSERT_LE(0, bvm);
	bvcpu = mvm_create_vcpu(bvm, 0);
	ASSERT_LE(0, bvcpu);
	ASSERT_EQ(EBUSY, enable(bvm, RING, 0));
	ASSERT_EQ(EINVAL, map_err(bvcpu, RING, PROT_READ, MAP_SHARED, OFF));
	close(bvcpu);
	close(bvm);

	ASSERT_EQ(0, map_err(vcpu, 2 * RING, PROT_READ | PROT_WRITE, MAP_SHARED, OFF));
	ASSERT_EQ(EINVAL, map_err(vcpu, 2 * RING, PROT_READ, MAP_SHARED,
				  OFF + MVM_PAGE));
	ASSERT_EQ(EINVAL, map_err(vcpu, RING, PROT_READ, MAP_SHARED, OFF));
	ASSERT_EQ(EINVAL, map_err(vcpu, 4 * RING, PROT_READ, MAP_SHARED, OFF));
	ASSERT_EQ(EINVAL, map_err(vcpu, 2 * RING, PROT_READ, MAP_PRIVATE, OFF));
	/* The anon inode's mount may refuse PROT_EXEC itself (EPERM). */
	e = map_err(vcpu, 2 * RING, PROT_READ | PROT_EXEC, MAP_SHARED, OFF);
	ASSERT_TRUE(e == EINVAL || e == EPERM) TH_LOG("errno %d", e);
	get.bitmap = (uint64_t)&bm;
	ASSERT_EQ(ENXIO, mvm_err(ioctl(vm, MVM_GET_DIRTY_LOG, &get)));
	pid = mvm_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		CHILD_CHECK(map_err(vcpu, 2 * RING, PROT_READ, MAP_SHARED, OFF) == EIO);
		CHILD_CHECK(mvm_err(ioctl(vm, MVM_RESET_DIRTY_RINGS, 0)) == EIO);
		_exit(0);
	}
	ASSERT_EQ(0, mvm_wait_child(pid));

	/* Mapped, then every fd closed: the mapping keeps the VM. */
	g = mmap(NULL, 2 * RING, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, OFF);
	ASSERT_NE(MAP_FAILED, g);
	close(vcpu);
	close(vm);
	ASSERT_EQ(0U, g[0].flags);
	g[511].flags = ~0U;
	ASSERT_EQ(0, munmap(g, 2 * RING));
	close(dev);
}

TEST(garbage_entries)
{
	uint64_t seen[1] = { 0 }, np[2] = { 0, PAGES }, *bm[2] = { NULL, seen };
	struct mvm_clear_dirty_log cl = { .slot = 1, .num_pages = PAGES,
					  .bitmap = (uint64_t)seen };
	struct mvm_dirty_gfn *g;
	struct vcpu *vcpu;
	uint32_t bad = 0;
	struct vm *vm;
	void *mem;

	VM_CREATE_RING_OR_SKIP(vm, vcpu, RING);
	if (!vm_is_mvm(vm))
		SKIP(vm_free(vm); return, "mvm's own errors and rules");
	mem = small_slot(vm, vcpu, guest_code, PAGES);
	ASSERT_NE(NULL, mem);
	ASSERT_EQ(ENXIO, mvm_err(ioctl(vm->fd, MVM_CLEAR_DIRTY_LOG, &cl)));
	ASSERT_SYNC(vcpu, 1);
	g = vcpu->ring;

	/* Four entries, one per page.  Not flagged RESET: nothing is reset. */
	ASSERT_EQ(MVM_DIRTY_GFN_F_DIRTY, g[3].flags);
	ASSERT_EQ(3ULL, g[3].offset);
	ASSERT_EQ(0U, g[4].flags);
	ASSERT_EQ(0, vm_ring_reset(vm));
	/* Garbage past the kernel's own index is never read. */
	for (int i = 4; i < 16; i++)
		g[i] = (struct mvm_dirty_gfn){ ~0U, ~0U, ~0ULL };
	g[0] = (struct mvm_dirty_gfn){ MVM_DIRTY_GFN_F_RESET, 63, 0 };
	g[1] = (struct mvm_dirty_gfn){ ~0U, ~0U, 0 };
	g[2] = (struct mvm_dirty_gfn){ MVM_DIRTY_GFN_F_RESET, 1, 1ULL << 60 };
	/* g[3] still only DIRTY: the walk stops there. */
	ASSERT_EQ(3, vm_ring_reset(vm));
	ASSERT_EQ(0, vm_ring_reset(vm));
	g[3].flags |= MVM_DIRTY_GFN_F_RESET;
	ASSERT_EQ(1, vm_ring_reset(vm));
	/*
	 * Pages 0-2's entries were spoilt: they stay writable and published
	 * (the kernel's record), and userspace lost track of them; page 3 was
	 * protected and shows again.
	 */
	vcpu->ring_next = 4;
	ASSERT_SYNC(vcpu, 2);
	ASSERT_EQ(1U, vcpu_ring_harvest(vcpu, bm, np, 2, &bad));
	ASSERT_EQ(8ULL, seen[0]);
	ASSERT_EQ(1, vm_ring_reset(vm));

	/*
	 * Entries of a slot deleted and created again since: they find the
	 * new slot's bits, set by the newer entries, and clear them early;
	 * every page still shows at its next write.
	 */
	ASSERT_EQ(0, vm_set_region(vm, 1, 0, 0, NULL, 0));
	ASSERT_EQ(0, vm_set_region(vm, 1, SLOT_GPA, PAGES * MVM_PAGE, mem,
				   VM_MEM_LOG_DIRTY));
	for (uint64_t round = 3; round <= 4; round++) {
		seen[0] = 0;
		ASSERT_SYNC(vcpu, round);
		ASSERT_EQ(4U, vcpu_ring_harvest(vcpu, bm, np, 2, &bad));
		ASSERT_EQ(0xfULL, seen[0]);
		if (round == 4)
			break;
		ASSERT_EQ(0, vm_set_region(vm, 1, 0, 0, NULL, 0));
		ASSERT_EQ(0, vm_set_region(vm, 1, SLOT_GPA, PAGES * MVM_PAGE,
					   mem, VM_MEM_LOG_DIRTY));
	}
	ASSERT_EQ(8, vm_ring_reset(vm));
	seen[0] = 0;
	ASSERT_SYNC(vcpu, 5);
	ASSERT_EQ(4U, vcpu_ring_harvest(vcpu, bm, np, 2, &bad));
	ASSERT_EQ(0xfULL, seen[0]);
	/* Harvested, then the slot deleted: the reset protects nothing. */
	ASSERT_EQ(0, vm_set_region(vm, 1, 0, 0, NULL, 0));
	ASSERT_EQ(4, vm_ring_reset(vm));
	ASSERT_EQ(0U, bad);
	vm_free(vm);
}

TEST_HARNESS_MAIN

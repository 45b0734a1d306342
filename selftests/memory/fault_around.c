// SPDX-License-Identifier: GPL-2.0
/*
 * A hypervisor may map more than the page a stage-2 fault asked for (mvm
 * maps the neighbours the host maps already, in an aligned run of 16).
 * What the guest sees must still be the host's memory as it is now, its
 * writes must still be logged and still respect the host's protection.
 * Two slots of 16 pages, 64 KiB aligned in guest and host, every page
 * written by the host first (so every host PTE is present and dirty); the
 * guest reads page 0 of each before anything else.  Slot 1:
 *   the host then maps a fresh page over page 3 (MAP_FIXED), writes page
 *   9 in place and makes page 5 read-only: the guest reads the fresh page
 *   and the new value, its write to page 1 lands, its write to page 5
 *   fails the run with EFAULT until the host makes it writable again.
 * Slot 2, shared memfd pages, logged from the start: the guest writes pages
 * 2 and 15, and the log holds those two and no page the guest did not
 * touch.
 */
#include "kselftest_harness.h"
#include "mvm_util.h"
#include "test_vm.h"

#define PAGES		16
#define SLOT1_GPA	(1ULL << 30)
#define SLOT2_GPA	(SLOT1_GPA + (2ULL << 20))
#define RUN		(PAGES * MVM_PAGE)

static volatile uint64_t *pg(uint64_t base, int i)
{
	return (volatile uint64_t *)(base + i * 4096);
}

static void guest_code(uint64_t base1, uint64_t base2)
{
	GUEST_ASSERT_EQ(0xa0, *pg(base1, 0));
	GUEST_ASSERT_EQ(0xa0, *pg(base2, 0));
	GUEST_SYNC(1);
	GUEST_ASSERT_EQ(0xb3, *pg(base1, 3));
	GUEST_ASSERT_EQ(0xc9, *pg(base1, 9));
	*pg(base1, 1) = 0xd1;
	GUEST_SYNC(2);
	*pg(base1, 5) = 0xe5;
	GUEST_SYNC(3);
	*pg(base2, 2) = 0xf2;
	*pg(base2, 15) = 0xff;
	GUEST_SYNC(4);
	GUEST_DONE();
}

/*
 * RUN bytes, 64 KiB aligned (so in one host page table), each page
 * written: anonymous, or shared memfd pages (which the write makes dirty
 * pages, ones a hypervisor may map writable at once).
 */
static uint8_t *run_mem(void **raw, bool shared)
{
	uint8_t *p = mvm_mmap_anon(2 * RUN);
	int fd;

	if (!p)
		return NULL;
	*raw = p;
	p = (uint8_t *)(((uintptr_t)p + RUN - 1) & ~(uintptr_t)(RUN - 1));
	if (shared) {
		fd = memfd_create("fault_around", 0);
		if (fd < 0 || ftruncate(fd, RUN) ||
		    mmap(p, RUN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 fd, 0) != p)
			return NULL;
		close(fd);
	}
	if (madvise(p, RUN, MADV_NOHUGEPAGE))
		return NULL;
	for (int i = 0; i < PAGES; i++)
		*(uint64_t *)(p + i * MVM_PAGE) = 0xa0 + i * !!i;
	return p;
}

static uint64_t val(const uint8_t *mem, int i)
{
	return *(const volatile uint64_t *)(mem + i * MVM_PAGE);
}

TEST(fault_around)
{
	uint8_t *m1, *m2, *p;
	void *raw1, *raw2;
	struct vcpu *vcpu;
	struct vm *vm;
	uint64_t bm;
	int r;

	VM_CREATE_OR_SKIP(vm, vcpu);
	if (!vm_has_dirty_log(vm, false))
		SKIP(vm_free(vm); return, "no dirty logging");
	vcpu_setup_long(vcpu, (void (*)(void))guest_code);
	for (int i = 0; i < PAGES; i++) {
		vm_map(vm, SLOT1_GPA + i * MVM_PAGE, SLOT1_GPA + i * MVM_PAGE);
		vm_map(vm, SLOT2_GPA + i * MVM_PAGE, SLOT2_GPA + i * MVM_PAGE);
	}
	vcpu_args_set(vcpu, 2, SLOT1_GPA, SLOT2_GPA);
	m1 = run_mem(&raw1, false);
	m2 = run_mem(&raw2, true);
	ASSERT_NE(NULL, m1);
	ASSERT_NE(NULL, m2);
	ASSERT_EQ(0, vm_set_region(vm, 1, SLOT1_GPA, RUN, m1, 0));
	ASSERT_EQ(0, vm_set_region(vm, 2, SLOT2_GPA, RUN, m2, VM_MEM_LOG_DIRTY));

	ASSERT_SYNC(vcpu, 1);
	p = mmap(m1 + 3 * MVM_PAGE, MVM_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(m1 + 3 * MVM_PAGE, p);
	*(uint64_t *)p = 0xb3;
	*(volatile uint64_t *)(m1 + 9 * MVM_PAGE) = 0xc9;
	ASSERT_EQ(0, mprotect(m1 + 5 * MVM_PAGE, MVM_PAGE, PROT_READ));

	ASSERT_SYNC(vcpu, 2);
	ASSERT_EQ(0xd1ULL, val(m1, 1));
	r = vcpu_run(vcpu);
	ASSERT_EQ(-EFAULT, r) TH_LOG("write to a page the host maps read-only: %s, %s",
				     strerror(-r), vcpu_exit_str(vcpu));
	ASSERT_EQ(0xa5ULL, val(m1, 5));
	ASSERT_EQ(0, mprotect(m1 + 5 * MVM_PAGE, MVM_PAGE, PROT_READ | PROT_WRITE));
	ASSERT_SYNC(vcpu, 3);
	ASSERT_EQ(0xe5ULL, val(m1, 5));

	ASSERT_SYNC(vcpu, 4);
	ASSERT_EQ(0xf2ULL, val(m2, 2));
	ASSERT_EQ(0xffULL, val(m2, 15));
	ASSERT_EQ(0, vm_dirty_get(vm, 2, &bm));
	/* Page 0 was read only: it may be reported (KVM maps it writable). */
	ASSERT_EQ((1ULL << 2) | (1ULL << 15), bm & ~1ULL);
	ASSERT_DONE(vcpu);

	vm_free(vm);
	munmap(raw1, 2 * RUN);
	munmap(raw2, 2 * RUN);
}

TEST_HARNESS_MAIN

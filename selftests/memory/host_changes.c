// SPDX-License-Identifier: GPL-2.0
/*
 * The host changes guest memory while the VM exists, between two runs, and
 * the guest sees the host's memory as it is now, never a page the host has
 * let go of.  One slot of five pages:
 *   0: the guest writes, the host sees it and overwrites it in place;
 *   1: the guest reads it untouched (zeros), then the host writes it (the
 *      host replaces the shared zero page: copy-on-write);
 *   2: the guest writes, the host maps fresh memory over it (MAP_FIXED):
 *      the guest reads zeros;
 *   3: the guest writes, the host moves another page onto it (mremap):
 *      the guest reads that page's value;
 *   4: the guest writes, the host unmaps it: the next run fails with
 *      EFAULT when the guest reads it; the host maps a page again, writes
 *      it, and the guest reads that value.
 */
#include "kselftest_harness.h"
#include "mvm_util.h"
#include "test_vm.h"

#define SLOT_GPA	(1ULL << 30)
#define PAGES		5

/* Values, one per role (64-bit so that ASSERT_EQ compares like types). */
#define A	0xa1ULL
#define B	0xb2ULL
#define C	0xc3ULL
#define D	0xd4ULL
#define E	0xe5ULL
#define F	0xf6ULL
#define G	0x97ULL
#define H	0x88ULL

static void guest_code(uint64_t base)
{
	volatile uint64_t *p[PAGES];

	for (int i = 0; i < PAGES; i++)
		p[i] = (volatile uint64_t *)(base + i * 4096);
	*p[0] = A;
	GUEST_ASSERT_EQ(0, *p[1]);
	*p[2] = D;
	*p[3] = E;
	*p[4] = H;
	GUEST_SYNC(1);
	GUEST_ASSERT_EQ(B, *p[0]);
	GUEST_ASSERT_EQ(C, *p[1]);
	GUEST_ASSERT_EQ(0, *p[2]);
	GUEST_ASSERT_EQ(F, *p[3]);
	GUEST_SYNC(2);
	GUEST_ASSERT_EQ(G, *p[4]);
	GUEST_DONE();
}

TEST(host_changes)
{
	struct vm *vm;
	struct vcpu *vcpu;
	uint8_t *mem, *other, *p;
	int r;

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, (void (*)(void))guest_code);
	for (int i = 0; i < PAGES; i++)
		vm_map(vm, SLOT_GPA + i * MVM_PAGE, SLOT_GPA + i * MVM_PAGE);
	vcpu_args_set(vcpu, 1, SLOT_GPA);
	mem = mvm_mmap_anon(PAGES * MVM_PAGE);
	ASSERT_NE(NULL, mem);
	ASSERT_EQ(0, madvise(mem, PAGES * MVM_PAGE, MADV_NOHUGEPAGE));
	ASSERT_EQ(0, vm_set_region(vm, 1, SLOT_GPA, PAGES * MVM_PAGE, mem, 0));

	ASSERT_SYNC(vcpu, 1);
	ASSERT_EQ(A, *(uint64_t *)mem);
	ASSERT_EQ(D, *(uint64_t *)(mem + 2 * MVM_PAGE));
	ASSERT_EQ(E, *(uint64_t *)(mem + 3 * MVM_PAGE));
	ASSERT_EQ(H, *(uint64_t *)(mem + 4 * MVM_PAGE));
	*(uint64_t *)mem = B;
	*(uint64_t *)(mem + MVM_PAGE) = C;
	p = mmap(mem + 2 * MVM_PAGE, MVM_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(mem + 2 * MVM_PAGE, p);
	other = mvm_mmap_anon(MVM_PAGE);
	ASSERT_NE(NULL, other);
	*(uint64_t *)other = F;
	p = mremap(other, MVM_PAGE, MVM_PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
		   mem + 3 * MVM_PAGE);
	ASSERT_EQ(mem + 3 * MVM_PAGE, p);

	ASSERT_SYNC(vcpu, 2);
	ASSERT_EQ(0, munmap(mem + 4 * MVM_PAGE, MVM_PAGE));
	r = vcpu_run(vcpu);
	ASSERT_EQ(-EFAULT, r) TH_LOG("run over an unmapped page: %s, %s",
				     strerror(-r), vcpu_exit_str(vcpu));
	p = mmap(mem + 4 * MVM_PAGE, MVM_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(mem + 4 * MVM_PAGE, p);
	*(uint64_t *)p = G;
	ASSERT_DONE(vcpu);

	vm_free(vm);
	munmap(mem, PAGES * MVM_PAGE);
}

TEST_HARNESS_MAIN

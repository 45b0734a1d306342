// SPDX-License-Identifier: GPL-2.0
/*
 * String I/O honours the guest's own page tables: a REP INSB into a page
 * the guest mapped read-only (CR0.WP on) takes a #PF (error code P|W,
 * CR2 the address) instead of the hypervisor storing the data there.  The
 * guest's #PF handler makes the page writable, and the INS then completes
 * with the device's data.  (mvm raises the #PF before the port is read, so
 * the device sees one read per element; KVM reads first and faults on the
 * store.  The test accepts both: it answers every IN.)
 */
#include "kselftest_harness.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define GVA		0x40000000ULL
#define PORT		0x7e
#define COUNT		8
#define CR0_WP		(1ULL << 16)
#define PTE_RW		(1ULL << 1)

volatile uint64_t pf_count;
uint64_t pf_err, pf_cr2, pte_gva;

void guest_pf(uint64_t *frame);
void guest_pf(uint64_t *frame)
{
	pf_count++;
	pf_err = frame[-1];
	pf_cr2 = guest_read_cr(2);
	*(volatile uint64_t *)pte_gva |= PTE_RW;
	__asm__ volatile("invlpg (%0)" : : "r"(pf_cr2) : "memory");
}

GUEST_ISR(guest_pf_isr, guest_pf, 1);
extern char guest_pf_isr[];

static void guest_code(void)
{
	void *p = (void *)GVA;
	uint64_t n = COUNT;

	__asm__ volatile("mov %0, %%cr0" : : "r"(guest_read_cr(0) | CR0_WP));
	__asm__ volatile("rep insb" : "+D"(p), "+c"(n) : "d"(PORT) : "memory");
	GUEST_SYNC(pf_count);
}

TEST(ins_into_guest_readonly_page)
{
	struct vm *vm;
	struct vcpu *vcpu;
	struct ucall uc;
	uint64_t gpa, *pte;
	uint8_t *page;
	int ins = 0;

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, guest_code);
	vcpu_set_idt_gate(vcpu, 14, guest_pf_isr);
	gpa = vm_alloc_pages(vm, 1);
	page = vm_gpa_hva(vm, gpa);
	vm_map(vm, GVA, gpa);
	pte = vm_pte(vm, GVA);
	ASSERT_NE(NULL, pte);
	*pte &= ~PTE_RW;
	pte_gva = (uint8_t *)pte - vm->mem;
	/* The handler reaches the entry at its GPA: map that table page so. */
	{
		uint64_t table = pte_gva & ~(GUEST_PAGE - 1), *e = vm_pte(vm, table);

		if (!e || !(*e & 1))
			vm_map(vm, table, table);
	}
	sync_global_to_guest(vm, pte_gva);

	for (;;) {
		ASSERT_EQ(0, vcpu_run(vcpu));
		if (vcpu_get_ucall(vcpu, &uc) != UCALL_NONE)
			break;
		ASSERT_EQ(VCPU_EXIT_IO, (int)vcpu->exit.reason)
			TH_LOG("%s", vcpu_exit_str(vcpu));
		ASSERT_EQ(PORT, vcpu->exit.io.port);
		ASSERT_FALSE(vcpu->exit.io.out);
		memset(vcpu->exit.io.data, 0x5a, vcpu->exit.io.count);
		ASSERT_GT(10, ++ins);
	}
	ASSERT_EQ((uint64_t)UCALL_SYNC, uc.cmd) TH_LOG("%s", vcpu_exit_str(vcpu));
	ASSERT_EQ(1ULL, uc.args[0]) TH_LOG("no #PF: the INS wrote the read-only page");
	sync_global_from_guest(vm, pf_err);
	sync_global_from_guest(vm, pf_cr2);
	ASSERT_EQ(3ULL, pf_err & 7);	/* present, write, supervisor */
	ASSERT_EQ(GVA, pf_cr2);
	for (int i = 0; i < COUNT; i++)
		ASSERT_EQ(0x5a, page[i]);
	vm_free(vm);
}

TEST_HARNESS_MAIN

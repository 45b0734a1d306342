/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest-test library: VMs and vCPUs on /dev/mvm or /dev/kvm, guests in
 * real mode, 32-bit protected mode or 64-bit long mode, and the ucall
 * channel.  Host side; guest code includes guest.h (included here too).
 *
 * ---- Design ----
 *
 * Backends.  struct vm/vcpu sit on a small table of operations (struct
 * hv_ops in test_vm_int.h) with one implementation per hypervisor:
 * backend_mvm.c (uapi/linux/mvm.h) and backend_kvm.c (<linux/kvm.h>).
 * MVM_TEST_HV=mvm (default) or kvm picks one; a missing device, or an
 * mvm.ko that cannot run guests, makes the test SKIP.  Registers, segment
 * registers and CPUID entries use mvm's uapi structs as the common form;
 * exits are decoded into struct vcpu_exit.  mvm reports an MMIO access
 * without decoding it (the instruction bytes and the registers are in the
 * run page), so backend_mvm.c decodes it with the VMM's decoder
 * (userspace/lib/mmio.h) and completes the access at the next run, as the
 * VMM does; KVM decodes in the kernel.
 *
 * Memory.  One slot, slot 0: GUEST_MEM_SIZE bytes of anonymous memory at
 * guest-physical 0.  Below GUEST_LOW_END is the test's own (real-mode or
 * 32-bit code at a GPA it chooses); the library allocates pages above it
 * (page tables, GDT, IDT, TSS, stack, the copied image).
 *
 * 64-bit guests run C functions of the test binary at their own virtual
 * addresses.  At vcpu_setup_long() every PT_LOAD segment of the running
 * executable (dl_iterate_phdr) is copied page by page into fresh guest
 * pages, and 4-level page tables map each page at the virtual address it
 * has in the host process.  So the binary may be PIE (it is: Debian's
 * default) and ASLR is irrelevant: no link address is assumed.  The library's
 * own pages (tables, GDT, IDT, TSS, stack) are identity mapped (GVA = GPA,
 * below GUEST_MEM_SIZE), which cannot collide with a PIE image and keeps
 * the guest's view of them obvious; vm_map() maps more (an MMIO page).
 * Globals are copied once, when the image is: the host writes one later
 * with sync_global_to_guest() and reads the guest's copy with
 * sync_global_from_guest().
 *
 * Rules for guest functions (guest/ is built with GUEST_CFLAGS, the guest
 * half of the library with -ffreestanding): no libc call, no stack
 * protector, no red zone (exceptions push onto the stack), nothing that
 * compiles to memcpy/memset (big struct copies); SSE is enabled in the
 * guest (CR4.OSFXSR), AVX is not.  Exceptions land in guest_x86.c's stubs
 * and come back as UCALL_UNHANDLED with the vector, error code, RIP, CR2.
 *
 * Real mode and 32-bit protected mode run assembly that the test copies to
 * a GPA (vcpu_setup_real/vcpu_setup_prot32); paging is off there, so a
 * ucall's RDI is a guest-physical address.
 *
 * Errors in the library's own calls end the test at once (test_fail():
 * a message and exit status 1 from the harness's test child), in the way
 * of KVM's TEST_ASSERT; checks of behaviour are the test's ASSERT_*.
 */
#ifndef MVM_SELFTEST_TEST_VM_H
#define MVM_SELFTEST_TEST_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/mvm.h>

#include "guest.h"

/* The longest CPUID table a test builds (mvm's own limit: MVM_CAP_MAX_CPUID_ENTRIES). */
#define TEST_MAX_CPUID	256
#define GUEST_MEM_SIZE	(4ULL << 20)
#define GUEST_LOW_END	(1ULL << 20)
#define GUEST_PAGE	4096ULL

/* The GDT the library builds (64-bit and 32-bit setups). */
#define GDT_CODE64	0x08
#define GDT_DATA	0x10
#define GDT_CODE32	0x18
#define GDT_TSS		0x20	/* 16 bytes: two slots */

enum guest_mode { GUEST_NONE, GUEST_REAL, GUEST_PROT32, GUEST_LONG };

enum vcpu_exit_reason {
	VCPU_EXIT_UNKNOWN,
	VCPU_EXIT_IO,
	VCPU_EXIT_MMIO,
	VCPU_EXIT_HLT,
	VCPU_EXIT_SHUTDOWN,
	VCPU_EXIT_INTR,
	VCPU_EXIT_INTERNAL,
	VCPU_EXIT_FAIL_ENTRY,
	VCPU_EXIT_EOI,		/* a level-triggered EOI (irqchip.h) */
	VCPU_EXIT_DIRTY_RING_FULL,	/* harvest and reset (dirty_ring.h) */
};

/* An exit, the same on every backend. */
struct vcpu_exit {
	enum vcpu_exit_reason reason;
	uint32_t raw;			/* the backend's own exit reason */
	struct {
		uint16_t port;
		uint8_t size;		/* 1, 2, 4 */
		bool out;
		uint32_t count;
		void *data;		/* count * size bytes, in the run page */
	} io;
	struct {
		uint64_t gpa;
		uint32_t len;		/* 0: mvm gave no decodable insn */
		bool is_write;
		uint8_t *data;		/* write: the value; read: fill it */
	} mmio;
	struct {
		uint32_t suberror;
		uint64_t code;		/* hardware exit code / entry failure */
		uint64_t info[2];
	} internal;
	struct {
		uint8_t vector;
	} eoi;
};

struct hv_ops;
struct vm;

struct vcpu {
	struct vm *vm;
	int id, fd;
	void *run;			/* the mmap()ed run page */
	size_t run_size;
	enum guest_mode mode;
	struct vcpu_exit exit;
	struct mvm_cpuid_entry cpuid[TEST_MAX_CPUID];
	int cpuid_n;
	void *priv;			/* backend state */
	struct mvm_dirty_gfn *ring;	/* the mmap()ed dirty ring, or NULL */
	uint32_t ring_next;		/* next entry to harvest */
};

struct vm {
	const struct hv_ops *ops;
	int dev, fd;
	uint8_t *mem;			/* slot 0, at GPA 0 */
	uint64_t mem_size;
	uint64_t next_page;		/* page allocator, GPA */
	uint64_t pml4;			/* 0 until vm_paging_init() */
	uint64_t gdt, idt, tss, stack_top;
	bool image_loaded;
	struct vcpu *vcpu;		/* one vCPU for now */
	bool irqchip;			/* in-kernel LAPICs (irqchip.h) */
	uint32_t ring_bytes;		/* per-vCPU dirty ring, 0: none */
	void *irq_priv;			/* irqchip.c's backend state */
};

/* ---- VMs ---- */

/*
 * A VM with GUEST_MEM_SIZE of memory and vCPU 0, on the hypervisor that
 * MVM_TEST_HV names.  NULL with *why set when the hypervisor is not there
 * or cannot run guests (the test skips); any other failure ends the test.
 */
struct vm *vm_create_1vcpu(struct vcpu **vcpu, const char **why);
void vm_free(struct vm *vm);
const char *vm_hv_name(const struct vm *vm);	/* "mvm" or "kvm" */
bool vm_is_mvm(const struct vm *vm);
/* Is this machine's CPU QEMU's emulator (TCG), as in the test host? */
bool host_is_qemu_tcg(void);

/* Host pointer to guest-physical @gpa (which must be in slot 0). */
void *vm_gpa_hva(struct vm *vm, uint64_t gpa);
/* Host pointer for guest-virtual @gva in @vcpu's current mode, or NULL. */
void *vcpu_gva_hva(struct vcpu *vcpu, uint64_t gva);
uint64_t vm_alloc_pages(struct vm *vm, int n);	/* zeroed, GPA */
void vm_map(struct vm *vm, uint64_t gva, uint64_t gpa);	/* one 4K page */
/*
 * The last-level entry of a page vm_map() mapped (host pointer), or NULL.
 * Page-table pages are identity mapped: its guest address is its offset
 * in vm->mem.
 */
uint64_t *vm_pte(struct vm *vm, uint64_t gva);

/* vm_memory.c: more slots (not 0) and large identity maps. */
#define VM_MEM_READONLY	1	/* MVM_MEM_READONLY / KVM_MEM_READONLY */
#define VM_MEM_LOG_DIRTY 2	/* MVM_MEM_LOG_DIRTY / KVM_MEM_LOG_DIRTY_PAGES */
/* Slot @slot over @hva (size 0 deletes it); 0 or -errno. */
int vm_set_region(struct vm *vm, uint32_t slot, uint64_t gpa, uint64_t size,
		  void *hva, uint32_t flags);
/* GVA = GPA over [@gpa, @gpa + @size) with 2 MiB pages (2 MiB aligned). */
void vm_map_identity_2m(struct vm *vm, uint64_t gpa, uint64_t size);

/*
 * Dirty logging (MVM_GET_DIRTY_LOG / KVM_GET_DIRTY_LOG and their CLEAR,
 * manual protection through MVM_ENABLE_CAP / KVM_ENABLE_CAP with
 * KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2).  Bitmaps are 64-bit words, bit i
 * page i of the slot (of first_page on). 0 or -errno.
 */
int vm_dirty_get(struct vm *vm, uint32_t slot, uint64_t *bitmap);
int vm_dirty_clear(struct vm *vm, uint32_t slot, uint64_t first_page,
		   uint64_t num_pages, uint64_t *bitmap);
int vm_dirty_manual(struct vm *vm, bool on);
/* Does the hypervisor have it (MVM_CAP_DIRTY_LOG / ..._PROTECT2)? */
bool vm_has_dirty_log(struct vm *vm, bool manual);

#define sync_global_to_guest(vm, g)					\
	__builtin_memcpy(vcpu_gva_hva((vm)->vcpu, (uint64_t)&(g)), &(g), sizeof(g))
#define sync_global_from_guest(vm, g)					\
	__builtin_memcpy(&(g), vcpu_gva_hva((vm)->vcpu, (uint64_t)&(g)), sizeof(g))

/* ---- guest modes ---- */

/* @code (@len bytes) copied to @gpa (< 1 MiB, 16-aligned); CS.base = @gpa, IP = 0. */
void vcpu_setup_real(struct vcpu *vcpu, uint64_t gpa, const void *code, size_t len);
/* Flat 4 GiB segments, paging off; @code copied to @gpa, EIP = @gpa. */
void vcpu_setup_prot32(struct vcpu *vcpu, uint64_t gpa, const void *code, size_t len);
/* 64-bit paging, the test binary mapped at its own addresses; RIP = @fn. */
void vcpu_setup_long(struct vcpu *vcpu, void (*fn)(void));
/* Arguments for the guest function (RDI, RSI, RDX, RCX). */
void vcpu_args_set(struct vcpu *vcpu, int n, ...);

/* ---- running ---- */

/* One MVM_RUN/KVM_RUN; returns 0 or -errno.  The exit is in vcpu->exit. */
int vcpu_run(struct vcpu *vcpu);
/* The ucall the last exit was (UCALL_NONE if it was none), into @uc. */
uint64_t vcpu_get_ucall(struct vcpu *vcpu, struct ucall *uc);
/*
 * Run, and return the ucall that stopped the guest; UCALL_NONE for any
 * other exit (vcpu->exit says which).  @what (may be NULL) gets a line
 * describing anything but SYNC/DONE: the failed GUEST_ASSERT with file,
 * line and values, the unexpected exception, or the exit.
 */
uint64_t vcpu_run_ucall(struct vcpu *vcpu, struct ucall *uc, char *what,
			size_t n);
const char *exit_reason_str(enum vcpu_exit_reason r);
/* A line describing the last exit (static buffer). */
const char *vcpu_exit_str(struct vcpu *vcpu);

/* ---- state ---- */

void vcpu_get_regs(struct vcpu *vcpu, struct mvm_regs *r);
void vcpu_set_regs(struct vcpu *vcpu, const struct mvm_regs *r);
void vcpu_get_sregs(struct vcpu *vcpu, struct mvm_sregs *s);
void vcpu_set_sregs(struct vcpu *vcpu, const struct mvm_sregs *s);
/*
 * The CPUID table: the library installs a default (KVM: its supported
 * table, which 64-bit guests need there; mvm: empty).  vcpu_cpuid_set()
 * adds or replaces one entry (same function, flags and index) and loads
 * the whole table again; it must come before the first run on KVM.
 */
void vcpu_cpuid_set(struct vcpu *vcpu, const struct mvm_cpuid_entry *e);

void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));
#define TEST_REQUIRE(cond, fmt, ...) do {				\
	if (!(cond))							\
		test_fail(__FILE__, __LINE__, "%s: " fmt, #cond,	\
			  ##__VA_ARGS__);				\
} while (0)

/* ---- for the tests (kselftest harness in scope) ---- */

/* Create VM + vCPU 0 or SKIP the test; logs which hypervisor it runs on. */
#define VM_CREATE_OR_SKIP(vm, vcpu) do {				\
	const char *__why = NULL;					\
	(vm) = vm_create_1vcpu(&(vcpu), &__why);			\
	if (!(vm))							\
		SKIP(return, "%s", __why);				\
	TH_LOG("hypervisor: %s", vm_hv_name(vm));			\
} while (0)

/* Run to the next ucall, which must be @cmd (SYNC or DONE). */
#define ASSERT_UCALL(vcpu, cmd, uc) do {				\
	char __what[512];						\
	uint64_t __c = vcpu_run_ucall((vcpu), (uc), __what,		\
				      sizeof(__what));			\
	ASSERT_EQ((uint64_t)(cmd), __c) TH_LOG("%s", __what);		\
} while (0)

/* Run to GUEST_SYNC(@val). */
#define ASSERT_SYNC(vcpu, val) do {					\
	struct ucall __uc;						\
	ASSERT_UCALL((vcpu), UCALL_SYNC, &__uc);			\
	ASSERT_EQ((uint64_t)(val), __uc.args[0]);			\
} while (0)

#define ASSERT_DONE(vcpu) do {						\
	struct ucall __uc;						\
	ASSERT_UCALL((vcpu), UCALL_DONE, &__uc);			\
} while (0)

/* Run; the exit must be @why, a VCPU_EXIT_* (no ucall). */
#define ASSERT_EXIT(vcpu, why) do {					\
	ASSERT_EQ(0, vcpu_run(vcpu));					\
	ASSERT_EQ((int)(why), (int)(vcpu)->exit.reason)		\
		TH_LOG("%s", vcpu_exit_str(vcpu));			\
} while (0)

#endif /* MVM_SELFTEST_TEST_VM_H */

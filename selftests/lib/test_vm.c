// SPDX-License-Identifier: GPL-2.0
/*
 * The core of the guest-test library (design: test_vm.h): backend choice,
 * guest memory, page tables, the three guest modes and ucalls.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "irqchip.h"
#include "test_vm_int.h"

#define PTE_P		0x1ULL
#define PTE_RW		0x2ULL
#define PTE_ADDR	0x000ffffffffff000ULL

#define CR0_PE		(1ULL << 0)
#define CR0_MP		(1ULL << 1)
#define CR0_ET		(1ULL << 4)
#define CR0_NE		(1ULL << 5)
#define CR0_WP		(1ULL << 16)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define CR4_OSFXSR	(1ULL << 9)
#define CR4_OSXMMEXCPT	(1ULL << 10)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

#define STACK_PAGES	8

/* guest_x86.c and guest_ucall.c */
extern char guest_idt_stubs[];
void guest_returned(void);

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "# %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

#define CHECK(call, what) do {						\
	int __r = (call);						\
	TEST_REQUIRE(__r == 0, "%s: %s", (what), strerror(-__r));	\
} while (0)

/* ---- VMs ---- */

static const struct hv_ops *hv_chosen(const char **why)
{
	const char *hv = getenv("MVM_TEST_HV");

	if (!hv || !*hv || !strcmp(hv, "mvm"))
		return &mvm_ops;
	if (!strcmp(hv, "kvm"))
		return &kvm_ops;
	*why = "MVM_TEST_HV must be mvm or kvm";
	return NULL;
}

const char *vm_hv_name(const struct vm *vm)
{
	return vm->ops->name;
}

bool vm_is_mvm(const struct vm *vm)
{
	return vm->ops == &mvm_ops;
}

static bool is_absent(int err)
{
	return err == -ENOENT || err == -ENODEV || err == -ENXIO ||
	       err == -EACCES || err == -EPERM || err == -ENOTTY ||
	       err == -EOPNOTSUPP;
}

static struct vm *vm_create(struct vcpu **vcpup, const char **why,
			    bool irqchip, uint32_t ring_bytes)
{
	const struct hv_ops *ops = hv_chosen(why);
	struct vm *vm;
	struct vcpu *vcpu;
	int r;

	if (!ops)
		return NULL;
	vm = calloc(1, sizeof(*vm));
	TEST_REQUIRE(vm, "out of memory");
	vm->ops = ops;
	vm->dev = vm->fd = -1;
	r = ops->create_vm(vm, why);
	if (r && (is_absent(r) || r == -EBUSY)) {
		if (!*why)
			*why = ops->dev;
		vm_free(vm);
		return NULL;
	}
	CHECK(r, "create VM");

	vm->mem_size = GUEST_MEM_SIZE;
	vm->mem = mmap(NULL, vm->mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_REQUIRE(vm->mem != MAP_FAILED, "mmap guest memory");
	CHECK(ops->set_memory(vm, 0, 0, vm->mem_size, vm->mem), "memory slot 0");
	vm->next_page = GUEST_LOW_END;
	if (irqchip) {
		r = vm_irqchip_create(vm, why);
		if (r && *why) {
			vm_free(vm);
			return NULL;
		}
		CHECK(r, "create irqchip");
		vm->irqchip = true;
	}
	if (ring_bytes) {
		r = vm_dirty_ring_enable(vm, ring_bytes, why);
		if (r && *why) {
			vm_free(vm);
			return NULL;
		}
		CHECK(r, "enable the dirty ring");
	}

	vcpu = calloc(1, sizeof(*vcpu));
	TEST_REQUIRE(vcpu, "out of memory");
	vcpu->vm = vm;
	vcpu->fd = -1;
	vm->vcpu = vcpu;
	r = ops->create_vcpu(vm, vcpu, why);
	if (r && is_absent(r) && *why) {
		vm_free(vm);
		return NULL;
	}
	CHECK(r, "create vCPU 0");
	vcpu_dirty_ring_map(vcpu);
	CHECK(ops->default_cpuid(vcpu), "default CPUID table");
	if (vcpu->cpuid_n)
		CHECK(ops->set_cpuid(vcpu), "set CPUID table");
	*vcpup = vcpu;
	return vm;
}

struct vm *vm_create_1vcpu(struct vcpu **vcpup, const char **why)
{
	return vm_create(vcpup, why, false, 0);
}

/* irqchip.h; the CPUID bits for the APIC come in irqchip.c. */
struct vm *vm_create_1vcpu_irqchip(struct vcpu **vcpup, const char **why)
{
	return vm_create(vcpup, why, true, 0);
}

/* dirty_ring.h */
struct vm *vm_create_1vcpu_ring(struct vcpu **vcpup, uint32_t bytes,
				const char **why)
{
	return vm_create(vcpup, why, false, bytes);
}

void vm_free(struct vm *vm)
{
	struct vcpu *vcpu;

	if (!vm)
		return;
	vcpu = vm->vcpu;
	if (vcpu) {
		vcpu_dirty_ring_unmap(vcpu);
		if (vcpu->run)
			munmap(vcpu->run, vcpu->run_size);
		if (vcpu->fd >= 0)
			close(vcpu->fd);
		vm->ops->free_vcpu(vcpu);
		free(vcpu);
	}
	vm_irqchip_free(vm);
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->dev >= 0)
		close(vm->dev);
	if (vm->mem && vm->mem != MAP_FAILED)
		munmap(vm->mem, vm->mem_size);
	free(vm);
}

/* ---- memory and page tables ---- */

void *vm_gpa_hva(struct vm *vm, uint64_t gpa)
{
	TEST_REQUIRE(gpa < vm->mem_size, "GPA 0x%llx is in no slot",
		     (unsigned long long)gpa);
	return vm->mem + gpa;
}

uint64_t vm_alloc_pages(struct vm *vm, int n)
{
	uint64_t gpa = vm->next_page;

	TEST_REQUIRE(gpa + n * GUEST_PAGE <= vm->mem_size,
		     "guest memory exhausted (%d pages more)", n);
	vm->next_page += n * GUEST_PAGE;
	memset(vm->mem + gpa, 0, n * GUEST_PAGE);
	return gpa;
}

/* The level-1 entry for @gva, creating tables on the way when @alloc. */
static uint64_t *pte(struct vm *vm, uint64_t gva, bool alloc)
{
	uint64_t *table = vm_gpa_hva(vm, vm->pml4);

	for (int level = 3; level > 0; level--) {
		uint64_t *e = &table[(gva >> (12 + 9 * level)) & 511];

		if (!(*e & PTE_P)) {
			if (!alloc)
				return NULL;
			*e = vm_alloc_pages(vm, 1) | PTE_P | PTE_RW;
		}
		table = vm_gpa_hva(vm, *e & PTE_ADDR);
	}
	return &table[(gva >> 12) & 511];
}

uint64_t *vm_pte(struct vm *vm, uint64_t gva)
{
	TEST_REQUIRE(vm->pml4, "no page tables (not a 64-bit guest)");
	return pte(vm, gva, false);
}

void vm_map(struct vm *vm, uint64_t gva, uint64_t gpa)
{
	uint64_t *e;

	TEST_REQUIRE(vm->pml4, "no page tables (not a 64-bit guest)");
	e = pte(vm, gva, true);
	TEST_REQUIRE(!(*e & PTE_P), "GVA 0x%llx mapped twice",
		     (unsigned long long)gva);
	*e = (gpa & PTE_ADDR) | PTE_P | PTE_RW;
}

void *vcpu_gva_hva(struct vcpu *vcpu, uint64_t gva)
{
	struct vm *vm = vcpu->vm;
	uint64_t *e;

	if (vcpu->mode != GUEST_LONG)
		return gva < vm->mem_size ? vm->mem + gva : NULL;
	e = pte(vm, gva, false);
	if (!e || !(*e & PTE_P) || (*e & PTE_ADDR) >= vm->mem_size)
		return NULL;
	return vm->mem + (*e & PTE_ADDR) + (gva & 0xfff);
}

/* Identity-mapped pages for the library's own structures. */
static uint64_t alloc_identity(struct vm *vm, int n)
{
	uint64_t gpa = vm_alloc_pages(vm, n);

	for (int i = 0; i < n; i++)
		vm_map(vm, gpa + i * GUEST_PAGE, gpa + i * GUEST_PAGE);
	return gpa;
}

/* Copy one PT_LOAD segment of the executable to guest pages at its address. */
static int load_segment(struct dl_phdr_info *info, size_t size, void *data)
{
	struct vm *vm = data;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t start, end;

		if (ph->p_type != PT_LOAD)
			continue;
		start = (info->dlpi_addr + ph->p_vaddr) & ~(GUEST_PAGE - 1);
		end = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz +
		       GUEST_PAGE - 1) & ~(GUEST_PAGE - 1);
		for (uint64_t va = start; va < end; va += GUEST_PAGE) {
			uint64_t *e = pte(vm, va, true), gpa;

			if (*e & PTE_P)
				continue;	/* a page two segments share */
			gpa = vm_alloc_pages(vm, 1);
			memcpy(vm->mem + gpa, (void *)va, GUEST_PAGE);
			*e = gpa | PTE_P | PTE_RW;
		}
	}
	return 1;	/* the first object is the executable: stop */
}

static void set_gdt_entry(uint64_t *gdt, int sel, uint64_t desc)
{
	gdt[sel / 8] = desc;
}

/* GDT (code64, data, code32, TSS) and a 104-byte TSS, at GPA = GVA. */
static void build_gdt(struct vm *vm, bool paging)
{
	uint64_t *gdt, tss;

	vm->gdt = paging ? alloc_identity(vm, 1) : vm_alloc_pages(vm, 1);
	vm->tss = paging ? alloc_identity(vm, 1) : vm_alloc_pages(vm, 1);
	gdt = vm_gpa_hva(vm, vm->gdt);
	tss = vm->tss;
	set_gdt_entry(gdt, GDT_CODE64, 0x00af9b000000ffffULL);
	set_gdt_entry(gdt, GDT_DATA, 0x00cf93000000ffffULL);
	set_gdt_entry(gdt, GDT_CODE32, 0x00cf9b000000ffffULL);
	/* 64-bit busy TSS, limit 0x67 (two slots in long mode). */
	set_gdt_entry(gdt, GDT_TSS, 0x67 | (tss & 0xffffff) << 16 |
		      0x8bULL << 40 | ((tss >> 24) & 0xff) << 56);
	set_gdt_entry(gdt, GDT_TSS + 8, tss >> 32);
}

static void seg(struct mvm_segment *s, uint16_t sel, uint64_t base,
		uint32_t limit, uint8_t type, bool code_or_data, bool db,
		bool l, bool g)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = base;
	s->limit = limit;
	s->type = type;
	s->present = 1;
	s->s = code_or_data;
	s->db = db;
	s->l = l;
	s->g = g;
}

static void flat_sregs(struct vm *vm, struct mvm_sregs *s, bool long_mode)
{
	if (long_mode)
		seg(&s->cs, GDT_CODE64, 0, 0xffffffff, 0xb, true, false, true, true);
	else
		seg(&s->cs, GDT_CODE32, 0, 0xffffffff, 0xb, true, true, false, true);
	seg(&s->ds, GDT_DATA, 0, 0xffffffff, 0x3, true, true, false, true);
	s->es = s->fs = s->gs = s->ss = s->ds;
	seg(&s->tr, GDT_TSS, vm->tss, 0x67, 0xb, false, false, false, false);
	memset(&s->ldt, 0, sizeof(s->ldt));
	s->ldt.type = 0x2;
	s->ldt.unusable = 1;
	s->gdt.base = vm->gdt;
	s->gdt.limit = GDT_TSS + 16 - 1;
}

static void copy_code(struct vm *vm, uint64_t gpa, const void *code, size_t len)
{
	TEST_REQUIRE(gpa + len <= GUEST_LOW_END,
		     "code must lie below GUEST_LOW_END");
	memcpy(vm_gpa_hva(vm, gpa), code, len);
}

/* ---- guest modes ---- */

void vcpu_setup_real(struct vcpu *vcpu, uint64_t gpa, const void *code,
		     size_t len)
{
	struct vm *vm = vcpu->vm;
	struct mvm_sregs s;
	struct mvm_regs r = { .rflags = 2, .rsp = 0x7000 };

	TEST_REQUIRE(!(gpa & 15) && gpa < (1ULL << 20), "real-mode code GPA");
	copy_code(vm, gpa, code, len);
	vcpu_get_sregs(vcpu, &s);
	seg(&s.cs, gpa >> 4, gpa, 0xffff, 0xb, true, false, false, false);
	seg(&s.ds, 0, 0, 0xffff, 0x3, true, false, false, false);
	s.es = s.fs = s.gs = s.ss = s.ds;
	s.cr0 &= ~(CR0_PE | CR0_PG);
	s.efer = 0;
	vcpu_set_sregs(vcpu, &s);
	vcpu_set_regs(vcpu, &r);
	vcpu->mode = GUEST_REAL;
}

void vcpu_setup_prot32(struct vcpu *vcpu, uint64_t gpa, const void *code,
		       size_t len)
{
	struct vm *vm = vcpu->vm;
	struct mvm_sregs s;
	struct mvm_regs r = { .rflags = 2, .rip = gpa, .rsp = 0x7000 };

	copy_code(vm, gpa, code, len);
	if (!vm->gdt)
		build_gdt(vm, false);
	vcpu_get_sregs(vcpu, &s);
	flat_sregs(vm, &s, false);
	s.cr0 = CR0_PE | CR0_ET | CR0_NE;
	s.cr3 = 0;
	s.cr4 = 0;
	s.efer = 0;
	vcpu_set_sregs(vcpu, &s);
	vcpu_set_regs(vcpu, &r);
	vcpu->mode = GUEST_PROT32;
}

void vcpu_setup_long(struct vcpu *vcpu, void (*fn)(void))
{
	struct vm *vm = vcpu->vm;
	struct mvm_sregs s;
	struct mvm_regs r = { .rflags = 2 };
	uint64_t *idt, stack, *ret;

	if (!vm->pml4) {
		vm->pml4 = vm_alloc_pages(vm, 1);
		build_gdt(vm, true);
		/* 32 interrupt gates (type 0xe, present) to the stubs. */
		vm->idt = alloc_identity(vm, 1);
		idt = vm_gpa_hva(vm, vm->idt);
		for (int v = 0; v < 32; v++) {
			uint64_t h = (uint64_t)guest_idt_stubs + 16 * v;

			idt[2 * v] = (h & 0xffff) | (uint64_t)GDT_CODE64 << 16 |
				     0x8eULL << 40 | ((h >> 16) & 0xffff) << 48;
			idt[2 * v + 1] = h >> 32;
		}
		stack = alloc_identity(vm, STACK_PAGES);
		vm->stack_top = stack + STACK_PAGES * GUEST_PAGE;
		dl_iterate_phdr(load_segment, vm);
		vm->image_loaded = true;
	}

	vcpu_get_sregs(vcpu, &s);
	flat_sregs(vm, &s, true);
	s.idt.base = vm->idt;
	s.idt.limit = 32 * 16 - 1;
	s.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s.cr3 = vm->pml4;
	s.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	s.efer = EFER_LME | EFER_LMA;
	vcpu_set_sregs(vcpu, &s);

	/* A call's frame: RSP + 8 16-aligned, the return into guest_returned. */
	r.rsp = vm->stack_top - 8;
	ret = vm_gpa_hva(vm, r.rsp);
	*ret = (uint64_t)guest_returned;
	r.rip = (uint64_t)fn;
	vcpu_set_regs(vcpu, &r);
	vcpu->mode = GUEST_LONG;
}

void vcpu_args_set(struct vcpu *vcpu, int n, ...)
{
	struct mvm_regs r;
	va_list ap;

	TEST_REQUIRE(n >= 0 && n <= 4, "at most 4 arguments");
	vcpu_get_regs(vcpu, &r);
	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		uint64_t v = va_arg(ap, uint64_t);

		switch (i) {
		case 0: r.rdi = v; break;
		case 1: r.rsi = v; break;
		case 2: r.rdx = v; break;
		case 3: r.rcx = v; break;
		}
	}
	va_end(ap);
	vcpu_set_regs(vcpu, &r);
}

/* ---- state ---- */

void vcpu_get_regs(struct vcpu *vcpu, struct mvm_regs *r)
{
	CHECK(vcpu->vm->ops->get_regs(vcpu, r), "get regs");
}

void vcpu_set_regs(struct vcpu *vcpu, const struct mvm_regs *r)
{
	CHECK(vcpu->vm->ops->set_regs(vcpu, r), "set regs");
}

void vcpu_get_sregs(struct vcpu *vcpu, struct mvm_sregs *s)
{
	CHECK(vcpu->vm->ops->get_sregs(vcpu, s), "get sregs");
}

void vcpu_set_sregs(struct vcpu *vcpu, const struct mvm_sregs *s)
{
	CHECK(vcpu->vm->ops->set_sregs(vcpu, s), "set sregs");
}

void vcpu_cpuid_set(struct vcpu *vcpu, const struct mvm_cpuid_entry *e)
{
	int i;

	for (i = 0; i < vcpu->cpuid_n; i++) {
		struct mvm_cpuid_entry *c = &vcpu->cpuid[i];

		if (c->function == e->function &&
		    (c->flags & MVM_CPUID_FLAG_INDEX) ==
		    (e->flags & MVM_CPUID_FLAG_INDEX) &&
		    (!(e->flags & MVM_CPUID_FLAG_INDEX) || c->index == e->index))
			break;
	}
	TEST_REQUIRE(i < TEST_MAX_CPUID, "CPUID table full");
	vcpu->cpuid[i] = *e;
	if (i == vcpu->cpuid_n)
		vcpu->cpuid_n++;
	CHECK(vcpu->vm->ops->set_cpuid(vcpu), "set CPUID table");
}

/* ---- running and ucalls ---- */

int vcpu_run(struct vcpu *vcpu)
{
	return vcpu->vm->ops->run(vcpu);
}

uint64_t vcpu_get_ucall(struct vcpu *vcpu, struct ucall *uc)
{
	struct vcpu_exit *x = &vcpu->exit;
	struct mvm_regs r;
	void *p;

	memset(uc, 0, sizeof(*uc));
	if (x->reason != VCPU_EXIT_IO || x->io.port != UCALL_PORT ||
	    !x->io.out)
		return UCALL_NONE;
	vcpu_get_regs(vcpu, &r);
	if (vcpu->mode != GUEST_LONG)
		r.rdi = (uint32_t)r.rdi;	/* EDI/DI: the upper half is stale */
	p = vcpu_gva_hva(vcpu, r.rdi);
	TEST_REQUIRE(p && (uint64_t)((uint8_t *)p - vcpu->vm->mem) + sizeof(*uc)
		     <= vcpu->vm->mem_size,
		     "ucall: RDI 0x%llx is not guest memory",
		     (unsigned long long)r.rdi);
	memcpy(uc, p, sizeof(*uc));
	return uc->cmd;
}

/* A guest string (file name, expression), bounded, or "?". */
static const char *guest_str(struct vcpu *vcpu, uint64_t gva, char *buf,
			     size_t n)
{
	size_t i;

	for (i = 0; gva && i + 1 < n; i++) {
		const char *c = vcpu_gva_hva(vcpu, gva + i);

		if (!c || !*c)
			break;
		buf[i] = *c;
	}
	buf[i] = '\0';
	return i ? buf : "?";
}

static void describe_ucall(struct vcpu *vcpu, const struct ucall *uc,
			   char *what, size_t n)
{
	char file[128], expr[256];

	switch (uc->cmd) {
	case UCALL_ABORT:
		snprintf(what, n, "guest assertion failed at %s:%llu: %s "
			 "(values 0x%llx, 0x%llx) on %s",
			 guest_str(vcpu, uc->file, file, sizeof(file)),
			 (unsigned long long)uc->line,
			 guest_str(vcpu, uc->expr, expr, sizeof(expr)),
			 (unsigned long long)uc->args[0],
			 (unsigned long long)uc->args[1], vm_hv_name(vcpu->vm));
		break;
	case UCALL_UNHANDLED:
		snprintf(what, n, "guest exception %llu, error code 0x%llx, "
			 "RIP 0x%llx, CR2 0x%llx on %s",
			 (unsigned long long)uc->args[0],
			 (unsigned long long)uc->args[1],
			 (unsigned long long)uc->args[2],
			 (unsigned long long)uc->args[3], vm_hv_name(vcpu->vm));
		break;
	default:
		snprintf(what, n, "ucall %llu (args 0x%llx, 0x%llx)",
			 (unsigned long long)uc->cmd,
			 (unsigned long long)uc->args[0],
			 (unsigned long long)uc->args[1]);
	}
}

const char *exit_reason_str(enum vcpu_exit_reason r)
{
	static const char *const names[] = {
		[VCPU_EXIT_UNKNOWN] = "unknown",
		[VCPU_EXIT_IO] = "io",
		[VCPU_EXIT_MMIO] = "mmio",
		[VCPU_EXIT_HLT] = "hlt",
		[VCPU_EXIT_SHUTDOWN] = "shutdown",
		[VCPU_EXIT_INTR] = "intr",
		[VCPU_EXIT_INTERNAL] = "internal error",
		[VCPU_EXIT_FAIL_ENTRY] = "entry failure",
		[VCPU_EXIT_EOI] = "eoi",
		[VCPU_EXIT_DIRTY_RING_FULL] = "dirty ring full",
	};

	return r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

const char *vcpu_exit_str(struct vcpu *vcpu)
{
	static char buf[512];
	struct vcpu_exit *x = &vcpu->exit;
	struct mvm_regs r;
	struct ucall uc;
	int n;

	if (vcpu_get_ucall(vcpu, &uc) != UCALL_NONE) {
		describe_ucall(vcpu, &uc, buf, sizeof(buf));
		return buf;
	}
	n = snprintf(buf, sizeof(buf), "%s exit %s (raw %u)",
		     vm_hv_name(vcpu->vm), exit_reason_str(x->reason), x->raw);
	switch (x->reason) {
	case VCPU_EXIT_IO:
		snprintf(buf + n, sizeof(buf) - n, ": port 0x%x size %u %s count %u",
			 x->io.port, x->io.size, x->io.out ? "out" : "in",
			 x->io.count);
		break;
	case VCPU_EXIT_MMIO:
		snprintf(buf + n, sizeof(buf) - n, ": gpa 0x%llx len %u %s",
			 (unsigned long long)x->mmio.gpa, x->mmio.len,
			 x->mmio.is_write ? "write" : "read");
		break;
	case VCPU_EXIT_EOI:
		snprintf(buf + n, sizeof(buf) - n, ": vector 0x%x",
			 x->eoi.vector);
		break;
	case VCPU_EXIT_INTERNAL:
	case VCPU_EXIT_FAIL_ENTRY:
		snprintf(buf + n, sizeof(buf) - n,
			 ": suberror %u code 0x%llx info 0x%llx 0x%llx",
			 x->internal.suberror,
			 (unsigned long long)x->internal.code,
			 (unsigned long long)x->internal.info[0],
			 (unsigned long long)x->internal.info[1]);
		break;
	default:
		vcpu->vm->ops->get_regs(vcpu, &r);
		snprintf(buf + n, sizeof(buf) - n, ": RIP 0x%llx",
			 (unsigned long long)r.rip);
	}
	return buf;
}

uint64_t vcpu_run_ucall(struct vcpu *vcpu, struct ucall *uc, char *what,
			size_t n)
{
	int r = vcpu_run(vcpu);
	uint64_t cmd;

	if (what && n)
		what[0] = '\0';
	if (r) {
		memset(uc, 0, sizeof(*uc));
		if (what)
			snprintf(what, n, "%s run: %s", vm_hv_name(vcpu->vm),
				 strerror(-r));
		return UCALL_NONE;
	}
	cmd = vcpu_get_ucall(vcpu, uc);
	if (!what)
		return cmd;
	if (cmd == UCALL_NONE)
		snprintf(what, n, "%s", vcpu_exit_str(vcpu));
	else
		describe_ucall(vcpu, uc, what, n);
	return cmd;
}

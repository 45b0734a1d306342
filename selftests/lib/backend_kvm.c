// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM backend (/dev/kvm, <linux/kvm.h>): the reference the tests are
 * checked against.  Without an in-kernel irqchip (the default), HLT exits
 * to userspace whatever RFLAGS.IF says; irqchip.c adds the split irqchip.
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "guest_apic.h"
#include "test_vm_int.h"

static int kvm_err(long r)
{
	return r < 0 ? -errno : 0;
}

/*
 * Whether this host's CPU is QEMU's TCG.  Its VMRUN ignores the interrupt
 * shadow saved in the VMCB's INT_STATE (mvm re-creates it with an STI right
 * before VMRUN, vmenter.S; KVM does not): a vCPU that exits between its STI
 * and HLT can be given its interrupt before the HLT, which then sleeps
 * through the wake-up it was waiting for.  KVM's runs of the tests wait
 * without HLT there (guest_halt_until()), so that they compare results and
 * do not hang on the emulator.  MVM_TEST_KVM_HLT=1 makes them use HLT
 * all the same, to see whether the emulator still has that erratum.
 */
bool host_is_qemu_tcg(void)
{
	unsigned int a, b, c, d;
	char sig[12];

	__cpuid(1, a, b, c, d);
	if (!(c & (1u << 31)))		/* no hypervisor */
		return false;
	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	return !memcmp(sig, "TCGTCGTCGTCG", 12);
}

static int kvm_create_vm(struct vm *vm, const char **why)
{
	guest_halt_polls = host_is_qemu_tcg() && !getenv("MVM_TEST_KVM_HLT");
	vm->dev = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->dev < 0) {
		*why = "/dev/kvm unavailable (kvm_amd/kvm_intel not loaded?)";
		return -errno;
	}
	if (ioctl(vm->dev, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		*why = "unexpected KVM API version";
		return -ENODEV;
	}
	vm->fd = ioctl(vm->dev, KVM_CREATE_VM, 0);
	if (vm->fd < 0 && errno == EBUSY)
		*why = "KVM_CREATE_VM: EBUSY (another hypervisor holds the CPUs)";
	return vm->fd < 0 ? -errno : 0;
}

static int kvm_set_memory(struct vm *vm, uint32_t slot, uint64_t gpa,
			  uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)hva,
	};

	return kvm_err(ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r));
}

static int kvm_create_vcpu(struct vm *vm, struct vcpu *vcpu, const char **why)
{
	long size = ioctl(vm->dev, KVM_GET_VCPU_MMAP_SIZE, 0);

	(void)why;
	if (size <= 0)
		return -errno;
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, vcpu->id);
	if (vcpu->fd < 0)
		return -errno;
	vcpu->run_size = size;
	vcpu->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		vcpu->run = NULL;
		return -errno;
	}
	return 0;
}

static int kvm_default_cpuid(struct vcpu *vcpu)
{
	struct kvm_cpuid2 *c;
	int n = TEST_MAX_CPUID, r;

	c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
	if (!c)
		return -ENOMEM;
	c->nent = n;
	r = kvm_err(ioctl(vcpu->vm->dev, KVM_GET_SUPPORTED_CPUID, c));
	if (!r) {
		vcpu->cpuid_n = c->nent;
		for (unsigned int i = 0; i < c->nent; i++) {
			struct kvm_cpuid_entry2 *k = &c->entries[i];
			struct mvm_cpuid_entry *e = &vcpu->cpuid[i];

			memset(e, 0, sizeof(*e));
			e->function = k->function;
			e->index = k->index;
			e->flags = (k->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ?
				   MVM_CPUID_FLAG_INDEX : 0;
			e->eax = k->eax;
			e->ebx = k->ebx;
			e->ecx = k->ecx;
			e->edx = k->edx;
		}
	}
	free(c);
	return r;
}

static int kvm_set_cpuid(struct vcpu *vcpu)
{
	struct kvm_cpuid2 *c;
	int r;

	c = calloc(1, sizeof(*c) + vcpu->cpuid_n * sizeof(c->entries[0]));
	if (!c)
		return -ENOMEM;
	c->nent = vcpu->cpuid_n;
	for (int i = 0; i < vcpu->cpuid_n; i++) {
		const struct mvm_cpuid_entry *e = &vcpu->cpuid[i];
		struct kvm_cpuid_entry2 *k = &c->entries[i];

		k->function = e->function;
		k->index = e->index;
		k->flags = (e->flags & MVM_CPUID_FLAG_INDEX) ?
			   KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
		k->eax = e->eax;
		k->ebx = e->ebx;
		k->ecx = e->ecx;
		k->edx = e->edx;
	}
	r = kvm_err(ioctl(vcpu->fd, KVM_SET_CPUID2, c));
	free(c);
	return r;
}

static int kvm_run(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct vcpu_exit *x = &vcpu->exit;
	int r;

	/*
	 * An AP waiting for INIT/SIPI (KVM_MP_STATE_UNINITIALIZED) blocks,
	 * takes the INIT and returns EAGAIN: go on to the SIPI, as mvm does.
	 */
	do
		r = kvm_err(ioctl(vcpu->fd, KVM_RUN, 0));
	while (r == -EAGAIN);

	memset(x, 0, sizeof(*x));
	x->raw = run->exit_reason;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		x->reason = VCPU_EXIT_IO;
		x->io.port = run->io.port;
		x->io.size = run->io.size;
		x->io.out = run->io.direction == KVM_EXIT_IO_OUT;
		x->io.count = run->io.count;
		x->io.data = (char *)run + run->io.data_offset;
		break;
	case KVM_EXIT_MMIO:
		x->reason = VCPU_EXIT_MMIO;
		x->mmio.gpa = run->mmio.phys_addr;
		x->mmio.len = run->mmio.len;
		x->mmio.is_write = run->mmio.is_write;
		x->mmio.data = run->mmio.data;
		break;
	case KVM_EXIT_HLT:
		x->reason = VCPU_EXIT_HLT;
		break;
	case KVM_EXIT_SHUTDOWN:
		x->reason = VCPU_EXIT_SHUTDOWN;
		break;
	case KVM_EXIT_INTR:
		x->reason = VCPU_EXIT_INTR;
		break;
	case KVM_EXIT_DIRTY_RING_FULL:
		x->reason = VCPU_EXIT_DIRTY_RING_FULL;
		break;
	case KVM_EXIT_IOAPIC_EOI:
		x->reason = VCPU_EXIT_EOI;
		x->eoi.vector = run->eoi.vector;
		break;
	case KVM_EXIT_FAIL_ENTRY:
		x->reason = VCPU_EXIT_FAIL_ENTRY;
		x->internal.code = run->fail_entry.hardware_entry_failure_reason;
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		x->reason = VCPU_EXIT_INTERNAL;
		x->internal.suberror = run->internal.suberror;
		for (unsigned int i = 0; i < 3 && i < run->internal.ndata; i++) {
			if (i == 0)
				x->internal.code = run->internal.data[0];
			else
				x->internal.info[i - 1] = run->internal.data[i];
		}
		break;
	default:
		x->reason = VCPU_EXIT_UNKNOWN;
	}
	return r;
}

/* struct kvm_regs is struct mvm_regs up to its flags word. */
_Static_assert(sizeof(struct kvm_regs) == offsetof(struct mvm_regs, flags),
	       "regs");

static int kvm_get_regs(struct vcpu *vcpu, struct mvm_regs *r)
{
	struct kvm_regs k;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &k) < 0)
		return kvm_err(-1);
	memset(r, 0, sizeof(*r));
	memcpy(r, &k, sizeof(k));
	return 0;
}

static int kvm_set_regs(struct vcpu *vcpu, const struct mvm_regs *r)
{
	struct kvm_regs k;

	memcpy(&k, r, sizeof(k));
	return kvm_err(ioctl(vcpu->fd, KVM_SET_REGS, &k));
}

static void seg_from_kvm(struct mvm_segment *m, const struct kvm_segment *k)
{
	memset(m, 0, sizeof(*m));
	m->base = k->base;
	m->limit = k->limit;
	m->selector = k->selector;
	m->type = k->type;
	m->present = k->present;
	m->dpl = k->dpl;
	m->db = k->db;
	m->s = k->s;
	m->l = k->l;
	m->g = k->g;
	m->avl = k->avl;
	m->unusable = k->unusable;
}

static void seg_to_kvm(struct kvm_segment *k, const struct mvm_segment *m)
{
	memset(k, 0, sizeof(*k));
	k->base = m->base;
	k->limit = m->limit;
	k->selector = m->selector;
	k->type = m->type;
	k->present = m->present;
	k->dpl = m->dpl;
	k->db = m->db;
	k->s = m->s;
	k->l = m->l;
	k->g = m->g;
	k->avl = m->avl;
	k->unusable = m->unusable;
}

#define SEGS(X) X(cs) X(ds) X(es) X(fs) X(gs) X(ss) X(tr) X(ldt)

static int kvm_get_sregs(struct vcpu *vcpu, struct mvm_sregs *s)
{
	struct kvm_sregs k;

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &k) < 0)
		return -errno;
	memset(s, 0, sizeof(*s));
#define FROM(seg) seg_from_kvm(&s->seg, &k.seg);
	SEGS(FROM)
	s->gdt.base = k.gdt.base;
	s->gdt.limit = k.gdt.limit;
	s->idt.base = k.idt.base;
	s->idt.limit = k.idt.limit;
	s->cr0 = k.cr0;
	s->cr2 = k.cr2;
	s->cr3 = k.cr3;
	s->cr4 = k.cr4;
	s->cr8 = k.cr8;
	s->efer = k.efer;
	return 0;
}

static int kvm_set_sregs(struct vcpu *vcpu, const struct mvm_sregs *s)
{
	struct kvm_sregs k;

	/* Keep what mvm_sregs does not carry: APIC base, pending interrupt. */
	if (ioctl(vcpu->fd, KVM_GET_SREGS, &k) < 0)
		return -errno;
#define TO(seg) seg_to_kvm(&k.seg, &s->seg);
	SEGS(TO)
	k.gdt.base = s->gdt.base;
	k.gdt.limit = s->gdt.limit;
	k.idt.base = s->idt.base;
	k.idt.limit = s->idt.limit;
	k.cr0 = s->cr0;
	k.cr2 = s->cr2;
	k.cr3 = s->cr3;
	k.cr4 = s->cr4;
	k.cr8 = s->cr8;
	k.efer = s->efer;
	return kvm_err(ioctl(vcpu->fd, KVM_SET_SREGS, &k));
}

static void kvm_free_vcpu(struct vcpu *vcpu)
{
	(void)vcpu;
}

const struct hv_ops kvm_ops = {
	.name = "kvm",
	.dev = "/dev/kvm",
	.create_vm = kvm_create_vm,
	.set_memory = kvm_set_memory,
	.create_vcpu = kvm_create_vcpu,
	.default_cpuid = kvm_default_cpuid,
	.set_cpuid = kvm_set_cpuid,
	.run = kvm_run,
	.get_regs = kvm_get_regs,
	.set_regs = kvm_set_regs,
	.get_sregs = kvm_get_sregs,
	.set_sregs = kvm_set_sregs,
	.free_vcpu = kvm_free_vcpu,
};

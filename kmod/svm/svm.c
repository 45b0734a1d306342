// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: the AMD SVM backend.
 *
 * Probing, per-CPU enablement (EFER.SVME and the host save area) and the
 * per-vCPU VMCB.  Optional features are read from CPUID 0x8000000A and are
 * never assumed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>

#include "svm.h"
#include "svm_hw.h"

/*
 * Per CPU: the host save area VMRUN writes (VM_HSAVE_PA), the page VMSAVE
 * keeps the rest of the host state in around each VMRUN, and the ASID
 * allocator.  ASIDs are handed out once per generation; when they run out
 * the generation moves on and the whole TLB is flushed.
 */
struct svm_cpu {
	struct page *hsave;
	struct page *host_save;
	u32 next_asid;
	u64 asid_gen;
	/*
	 * Set when SVM is turned on: the TLB may hold entries of any ASID
	 * from whoever used SVM here before (another hypervisor, an earlier
	 * load of mvm), and mvm's ASIDs start again from 1.
	 */
	bool flush_all;
	/* The VMCB last run here: another one gets an IBPB first. */
	struct vmcb *last_vmcb;
};

static DEFINE_PER_CPU(struct svm_cpu, svm_cpus);
static u32 svm_cpuid_edx;

static u32 svm_max_asid;
static unsigned int svm_phys_bits;

/* Intercept every port and every MSR: one read-only copy for all vCPUs. */
static struct page *svm_iopm;
static struct page *svm_msrpm;

/* ---- Probe ---- */

static int svm_probe(const char **why)
{
	u64 vm_cr;

	if (cpuid_eax(0x80000000) < SVM_CPUID_LEAF) {
		*why = "CPUID has no SVM feature leaf";
		return -ENODEV;
	}
	rdmsrl(SVM_MSR_VM_CR, vm_cr);
	if (vm_cr & SVM_VM_CR_SVMDIS) {
		*why = "AMD SVM is disabled by the firmware (VM_CR.SVMDIS)";
		return -EPERM;
	}
	svm_cpuid_edx = cpuid_edx(SVM_CPUID_LEAF);
	svm_max_asid = cpuid_ebx(SVM_CPUID_LEAF) - 1;
	if (!svm_max_asid) {
		*why = "AMD SVM reports no guest ASIDs";
		return -ENODEV;
	}
	if (!(svm_cpuid_edx & SVM_CPUID_NPT)) {
		*why = "AMD SVM without nested paging is not supported";
		return -ENODEV;
	}
	svm_phys_bits = min(cpuid_eax(CPUID_ADDR_SIZES) & 0xff, 52U);
	svm_quirks_probe();
	/*
	 * Nothing a module can do about this one: QEMU 7.2's TCG clears a
	 * flag in CPU 0's hidden state from every other CPU's FXRSTOR/XRSTOR
	 * without a lock, and so undoes CPU 0's own changes to that word,
	 * which hold its SVM state (nested paging on/off, GIF).
	 */
	if (svm_under_qemu_tcg())
		pr_info("under QEMU's TCG, run vCPU threads off CPU 0 (taskset): there the emulator can lose the nested paging and GIF state of VMRUN and #VMEXIT\n");
	return 0;
}

bool svm_has(u32 cpuid_feature)
{
	return svm_cpuid_edx & cpuid_feature;
}

static u32 svm_hw_features(void)
{
	static const struct { u32 cpuid, mvm; } map[] = {
		{ SVM_CPUID_NPT,		MVM_SVM_F_NPT },
		{ SVM_CPUID_LBRV,		MVM_SVM_F_LBRV },
		{ SVM_CPUID_NRIPS,		MVM_SVM_F_NRIPS },
		{ SVM_CPUID_TSC_RATE,		MVM_SVM_F_TSC_SCALING },
		{ SVM_CPUID_VMCB_CLEAN,		MVM_SVM_F_VMCB_CLEAN },
		{ SVM_CPUID_FLUSH_BY_ASID,	MVM_SVM_F_FLUSH_BY_ASID },
		{ SVM_CPUID_DECODE_ASSISTS,	MVM_SVM_F_DECODE_ASSISTS },
		{ SVM_CPUID_PAUSE_FILTER,	MVM_SVM_F_PAUSE_FILTER },
		{ SVM_CPUID_PAUSE_THRESH,	MVM_SVM_F_PAUSE_THRESH },
		{ SVM_CPUID_AVIC,		MVM_SVM_F_AVIC },
		{ SVM_CPUID_VMSAVE_VIRT,	MVM_SVM_F_VMSAVE_VIRT },
		{ SVM_CPUID_VGIF,		MVM_SVM_F_VGIF },
	};
	u32 f = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(map); i++) {
		if (svm_cpuid_edx & map[i].cpuid)
			f |= map[i].mvm;
	}
	return f;
}

/* What the CPU addresses and the nested page tables can map. */
static unsigned int svm_guest_phys_bits(void)
{
	return min_t(unsigned int, svm_phys_bits,
		     PAGE_SHIFT + 9 * svm_npt_fmt.root_level());
}

/* ---- Per-CPU state ---- */

static void svm_unsetup(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sc = per_cpu_ptr(&svm_cpus, cpu);

		if (sc->hsave)
			__free_page(sc->hsave);
		if (sc->host_save)
			__free_page(sc->host_save);
		sc->hsave = NULL;
		sc->host_save = NULL;
	}
	if (svm_iopm)
		__free_pages(svm_iopm, SVM_IOPM_ORDER);
	if (svm_msrpm)
		__free_pages(svm_msrpm, SVM_MSRPM_ORDER);
	svm_iopm = NULL;
	svm_msrpm = NULL;
}

static int svm_setup(void)
{
	int cpu;

	svm_iopm = alloc_pages(GFP_KERNEL, SVM_IOPM_ORDER);
	svm_msrpm = alloc_pages(GFP_KERNEL, SVM_MSRPM_ORDER);
	if (!svm_iopm || !svm_msrpm)
		goto err;
	memset(page_address(svm_iopm), 0xff, PAGE_SIZE << SVM_IOPM_ORDER);
	memset(page_address(svm_msrpm), 0xff, PAGE_SIZE << SVM_MSRPM_ORDER);

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sc = per_cpu_ptr(&svm_cpus, cpu);
		int node = cpu_to_node(cpu);

		sc->hsave = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO, 0);
		sc->host_save = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO, 0);
		if (!sc->hsave || !sc->host_save)
			goto err;
		/* Generation 0 is no generation: every new vCPU gets an ASID. */
		sc->asid_gen = 1;
		sc->next_asid = 1;
	}
	return 0;
err:
	svm_unsetup();
	return -ENOMEM;
}

u64 svm_host_save_pa(void)
{
	return page_to_phys(__this_cpu_read(svm_cpus.host_save));
}

/*
 * Before each VMRUN, IRQs off: a vCPU new to this CPU or to its ASID
 * generation gets a fresh ASID, and so does one whose stage-2 tables lost
 * entries since its TLB was last clean (or it flushes its ASID when the
 * CPU can).  A new generation starts with a flush of every ASID.
 */
void svm_assign_asid(struct svm_vcpu *svm)
{
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpus);
	s64 tlb_gen = atomic64_read(&svm->vcpu->vm->mmu.tlb_gen);
	struct vmcb_control *c = &svm->vmcb->control;
	int cpu = smp_processor_id();
	bool fresh = svm->cpu != cpu || svm->asid_gen != sc->asid_gen;

	c->tlb_control = SVM_TLB_NONE;
	if (svm->tlb_gen != tlb_gen) {
		svm->tlb_gen = tlb_gen;
		if (svm_cpuid_edx & SVM_CPUID_FLUSH_BY_ASID)
			c->tlb_control = SVM_TLB_FLUSH_ASID;
		else
			fresh = true;
	}
	if (unlikely(sc->flush_all)) {
		sc->flush_all = false;
		c->tlb_control = SVM_TLB_FLUSH_ALL;
	}
	if (!fresh)
		return;
	if (sc->next_asid > svm_max_asid) {
		sc->asid_gen++;
		sc->next_asid = 1;
		c->tlb_control = SVM_TLB_FLUSH_ALL;
	}
	svm->asid = sc->next_asid++;
	svm->asid_gen = sc->asid_gen;
	svm->cpu = cpu;
	c->asid = svm->asid;
}

/*
 * Before each VMRUN, IRQs off: a guest must not steer the indirect
 * branches of another vCPU (of its own VM or another) that runs next on
 * this CPU.  Skipped where the host's mitigations already issue an IBPB
 * at every #VMEXIT.
 */
void svm_ibpb_on_switch(struct svm_vcpu *svm)
{
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpus);

	if (likely(sc->last_vmcb == svm->vmcb))
		return;
	sc->last_vmcb = svm->vmcb;
	if (!cpu_feature_enabled(X86_FEATURE_IBPB_ON_VMEXIT))
		indirect_branch_prediction_barrier();
}

u64 svm_iopm_pa(void)
{
	return page_to_phys(svm_iopm);
}

u64 svm_msrpm_pa(void)
{
	return page_to_phys(svm_msrpm);
}

/* A set EFER.SVME that is not ours means another hypervisor owns the CPU. */
static int svm_cpu_enable(void)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (efer & SVM_EFER_SVME)
		return -EBUSY;
	wrmsrl(MSR_EFER, efer | SVM_EFER_SVME);
	wrmsrl(SVM_MSR_VM_HSAVE_PA, page_to_phys(__this_cpu_read(svm_cpus.hsave)));
	__this_cpu_write(svm_cpus.flush_all, true);
	return 0;
}

static void svm_cpu_disable(void)
{
	u64 efer;

	svm_switch_cpu_disable();
	wrmsrl(SVM_MSR_VM_HSAVE_PA, 0);
	rdmsrl(MSR_EFER, efer);
	wrmsrl(MSR_EFER, efer & ~SVM_EFER_SVME);
}

/* ---- vCPUs ---- */

static int svm_vcpu_create(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *svm;

	svm = kzalloc(sizeof(*svm), GFP_KERNEL_ACCOUNT);
	if (!svm)
		return -ENOMEM;
	svm->vmcb_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!svm->vmcb_page)
		goto err_free;
	if (!fpu_alloc_guest_fpstate(&svm->fpu))
		goto err_vmcb;
	svm->vcpu = vcpu;
	svm->vmcb = page_address(svm->vmcb_page);
	svm->vmcb_pa = page_to_phys(svm->vmcb_page);
	svm->cpu = -1;
	svm->tlb_gen = -1;
	vcpu->arch = svm;
	svm_vmcb_reset(svm);
	return 0;

err_vmcb:
	__free_page(svm->vmcb_page);
err_free:
	kfree(svm);
	return -ENOMEM;
}

static void svm_vcpu_free(struct mvm_vcpu *vcpu)
{
	struct svm_vcpu *svm = vcpu->arch;
	int cpu;

	/* A new VMCB at the same address must not pass for this one. */
	for_each_possible_cpu(cpu)
		cmpxchg(&per_cpu_ptr(&svm_cpus, cpu)->last_vmcb, svm->vmcb, NULL);

	fpu_free_guest_fpstate(&svm->fpu);
	__free_page(svm->vmcb_page);
	kfree(svm);
	vcpu->arch = NULL;
}

const struct mvm_backend mvm_svm_backend = {
	.name			= "AMD SVM",
	.id			= MVM_BACKEND_SVM,
	.probe			= svm_probe,
	.setup			= svm_setup,
	.unsetup		= svm_unsetup,
	.cpu_enable		= svm_cpu_enable,
	.cpu_disable		= svm_cpu_disable,
	.hw_features		= svm_hw_features,
	.guest_phys_bits	= svm_guest_phys_bits,
	.vcpu_create		= svm_vcpu_create,
	.vcpu_free		= svm_vcpu_free,
	.s2			= &svm_npt_fmt,
	.vcpu_run		= svm_vcpu_run,
	.sched_in		= svm_sched_in,
	.get_regs		= svm_get_regs,
	.set_regs		= svm_set_regs,
	.get_sregs		= svm_get_sregs,
	.set_sregs		= svm_set_sregs,
	.inject_exception	= svm_inject_exception_ioctl,
	.get_events		= svm_get_events,
	.set_events		= svm_set_events,
	.get_xsave		= svm_get_xsave,
	.set_xsave		= svm_set_xsave,
	.get_xcrs		= svm_get_xcrs,
	.set_xcrs		= svm_set_xcrs,
	.get_msr		= svm_get_msr,
	.set_msr		= svm_set_msr,
	.get_debugregs		= svm_get_debugregs,
	.set_debugregs		= svm_set_debugregs,
	.read_tsc		= svm_read_tsc,
	.tsc_offset		= svm_tsc_offset,
	.vcpu_init		= svm_vcpu_init,
};

// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm: the Intel VMX backend.
 *
 * Probing, per-CPU enablement (CR4.VMXE + VMXON) and the per-vCPU VMCS
 * region.  EPT is required; every other feature is read from the VMX
 * capability MSRs and never assumed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <asm/asm.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "vmx.h"
#include "vmx_hw.h"

static DEFINE_PER_CPU(struct page *, vmx_vmxon_page);
static u32 vmx_revision;
static u32 vmx_features;
static unsigned int vmx_phys_bits;

struct vmx_vcpu {
	struct page *vmcs_page;
};

/* ---- Probe ---- */

static u32 vmx_allowed1(u32 msr)
{
	u64 v;

	rdmsrl(msr, v);
	return v >> 32;
}

static int vmx_probe(const char **why)
{
	u32 proc, proc2 = 0;
	u64 fc, basic, ept = 0;

	rdmsrl(VMX_MSR_FEATURE_CONTROL, fc);
	if ((fc & VMX_FC_LOCKED) && !(fc & VMX_FC_VMXON_OUTSIDE_SMX)) {
		*why = "Intel VMX is disabled by the firmware (IA32_FEATURE_CONTROL)";
		return -EPERM;
	}
	rdmsrl(VMX_MSR_BASIC, basic);
	if (VMX_BASIC_REGION_SIZE(basic) > PAGE_SIZE) {
		*why = "VMX region size larger than a page";
		return -ENODEV;
	}
	vmx_revision = VMX_BASIC_REVISION(basic);

	proc = vmx_allowed1(VMX_MSR_PROCBASED_CTLS);
	if (proc & VMX_PROC_SECONDARY)
		proc2 = vmx_allowed1(VMX_MSR_PROCBASED_CTLS2);
	if (proc2 & VMX_PROC2_EPT)
		rdmsrl(VMX_MSR_EPT_VPID_CAP, ept);
	if (!(proc2 & VMX_PROC2_EPT) || !(ept & VMX_EPT_CAP_WALK4) ||
	    !(ept & VMX_EPT_CAP_WB)) {
		*why = "Intel VMX without EPT (4-level, write-back) is not supported";
		return -ENODEV;
	}

	vmx_features = MVM_VMX_F_EPT;
	if (proc2 & VMX_PROC2_VPID)
		vmx_features |= MVM_VMX_F_VPID;
	if (proc2 & VMX_PROC2_UNRESTRICTED)
		vmx_features |= MVM_VMX_F_UNRESTRICTED;
	if (ept & VMX_EPT_CAP_AD)
		vmx_features |= MVM_VMX_F_EPT_AD;
	if (vmx_allowed1(VMX_MSR_PINBASED_CTLS) & VMX_PIN_PREEMPT_TIMER)
		vmx_features |= MVM_VMX_F_PREEMPT_TIMER;
	if (proc2 & VMX_PROC2_PML)
		vmx_features |= MVM_VMX_F_PML;
	if (proc2 & VMX_PROC2_APIC_REG_VIRT)
		vmx_features |= MVM_VMX_F_APICV;
	if (proc2 & VMX_PROC2_TSC_SCALING)
		vmx_features |= MVM_VMX_F_TSC_SCALING;

	vmx_phys_bits = min(cpuid_eax(CPUID_ADDR_SIZES) & 0xff, 52U);
	return 0;
}

static u32 vmx_hw_features(void)
{
	return vmx_features;
}

/* What the CPU addresses and the EPT tables can map. */
static unsigned int vmx_guest_phys_bits(void)
{
	return min_t(unsigned int, vmx_phys_bits,
		     PAGE_SHIFT + 9 * vmx_ept_fmt.root_level());
}

/* ---- Per-CPU state ---- */

/* A VMXON region or VMCS: a zeroed page starting with the revision id. */
static struct page *vmx_alloc_region(int node, gfp_t gfp)
{
	struct page *p = alloc_pages_node(node, gfp | __GFP_ZERO, 0);

	if (p)
		*(u32 *)page_address(p) = vmx_revision;
	return p;
}

static void vmx_unsetup(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		if (per_cpu(vmx_vmxon_page, cpu))
			__free_page(per_cpu(vmx_vmxon_page, cpu));
		per_cpu(vmx_vmxon_page, cpu) = NULL;
	}
}

static int vmx_setup(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct page *p = vmx_alloc_region(cpu_to_node(cpu), GFP_KERNEL);

		if (!p) {
			vmx_unsetup();
			return -ENOMEM;
		}
		per_cpu(vmx_vmxon_page, cpu) = p;
	}
	return 0;
}

/* A set CR4.VMXE that is not ours means another hypervisor owns the CPU. */
static int vmx_cpu_enable(void)
{
	u64 pa = page_to_phys(__this_cpu_read(vmx_vmxon_page));

	if (__read_cr4() & X86_CR4_VMXE)
		return -EBUSY;
	cr4_set_bits(X86_CR4_VMXE);

	/*
	 * VMXON fails with CF or ZF set, or faults (the exception table sends
	 * a fault to 2:): both undo CR4.VMXE.
	 */
	asm goto("1: vmxon %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 "jmp 3f\n"
		 "2: jmp %l[fail]\n"
		 "3:\n\t"
		 _ASM_EXTABLE(1b, 2b)
		 : : [pa] "m" (pa) : "cc", "memory" : fail);
	return 0;

fail:
	cr4_clear_bits(X86_CR4_VMXE);
	return -EIO;
}

static void vmx_cpu_disable(void)
{
	/* A fault means VMX was already off: clear CR4.VMXE all the same. */
	asm volatile("1: vmxoff\n"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : : : "cc", "memory");
	cr4_clear_bits(X86_CR4_VMXE);
}

/* ---- vCPUs ---- */

static int vmx_vcpu_create(struct mvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx;

	vmx = kzalloc(sizeof(*vmx), GFP_KERNEL_ACCOUNT);
	if (!vmx)
		return -ENOMEM;
	vmx->vmcs_page = vmx_alloc_region(NUMA_NO_NODE, GFP_KERNEL_ACCOUNT);
	if (!vmx->vmcs_page) {
		kfree(vmx);
		return -ENOMEM;
	}
	vcpu->arch = vmx;
	return 0;
}

static void vmx_vcpu_free(struct mvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = vcpu->arch;

	__free_page(vmx->vmcs_page);
	kfree(vmx);
	vcpu->arch = NULL;
}

const struct mvm_backend mvm_vmx_backend = {
	.name			= "Intel VMX",
	.id			= MVM_BACKEND_VMX,
	.probe			= vmx_probe,
	.setup			= vmx_setup,
	.unsetup		= vmx_unsetup,
	.cpu_enable		= vmx_cpu_enable,
	.cpu_disable		= vmx_cpu_disable,
	.hw_features		= vmx_hw_features,
	.guest_phys_bits	= vmx_guest_phys_bits,
	.vcpu_create		= vmx_vcpu_create,
	.vcpu_free		= vmx_vcpu_free,
	.s2			= &vmx_ept_fmt,
};

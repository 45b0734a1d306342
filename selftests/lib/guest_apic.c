// SPDX-License-Identifier: GPL-2.0
/*
 * Guest side of the local APIC tests (guest_apic.h): one entry stub per
 * vector 32-255, 16 bytes apart from guest_apic_stubs, each pushing its
 * vector and joining a common path that saves the registers a C call may
 * clobber, counts the interrupt and returns with IRETQ.  Freestanding.
 */
#include "guest_apic.h"

volatile uint32_t guest_apic_count[GUEST_APIC_MAX_CPUS][256];
volatile uint64_t guest_apic_tsc[GUEST_APIC_MAX_CPUS][256];
volatile uint32_t guest_apic_auto_eoi = 1;
volatile uint32_t *guest_apic_mmio;
volatile uint32_t guest_halt_polls;

void guest_apic_irq(uint64_t vector);

/*
 * Entered with the vector on the stack above the CPU's frame; RBP keeps
 * the unaligned RSP so the call can run on a 16-aligned stack.
 */
__asm__(
	".pushsection .text\n"
	".align 16\n"
	".globl guest_apic_stubs\n"
	"guest_apic_stubs:\n"
	".set vec, 32\n"
	".rept 224\n"
	".align 16\n"
	"pushq $vec\n"
	"jmp guest_apic_common\n"
	".set vec, vec + 1\n"
	".endr\n"
	".align 16\n"
	"guest_apic_common:\n"
	"push %rax\n push %rcx\n push %rdx\n push %rsi\n push %rdi\n"
	"push %r8\n push %r9\n push %r10\n push %r11\n push %rbp\n"
	"mov 80(%rsp), %rdi\n"
	"mov %rsp, %rbp\n"
	"and $-16, %rsp\n"
	"call guest_apic_irq\n"
	"mov %rbp, %rsp\n"
	"pop %rbp\n pop %r11\n pop %r10\n pop %r9\n pop %r8\n"
	"pop %rdi\n pop %rsi\n pop %rdx\n pop %rcx\n pop %rax\n"
	"add $8, %rsp\n"
	"iretq\n"
	".popsection\n");

void guest_apic_irq(uint64_t vector)
{
	volatile uint32_t *mmio = guest_apic_mmio;
	uint32_t cpu = (mmio ? mmio[0x20 / 4] >> 24 : x2apic_id()) %
		       GUEST_APIC_MAX_CPUS;

	guest_apic_tsc[cpu][vector & 255] = guest_rdtsc();
	guest_apic_count[cpu][vector & 255]++;
	/* The spurious vector takes no EOI (SDM 11.9). */
	if (guest_apic_auto_eoi && vector != APIC_SPURIOUS_VEC) {
		if (mmio)
			mmio[0xb0 / 4] = 0;
		else
			x2apic_eoi();
	}
}

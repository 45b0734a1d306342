/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mvm: enter an SVM guest.
 *
 * void __svm_vmrun(unsigned long *regs, u64 vmcb_pa, u64 host_save_pa,
 *		   bool shadow, u64 guest_spec_ctrl, u64 host_spec_ctrl)
 *
 * regs: the guest's general registers indexed in instruction-encoding order
 * (RAX and RSP live in the VMCB and are not touched here).  Called with
 * IRQs off and GIF clear.  VMRUN saves and restores only part of the host
 * state; FS/GS/TR/LDTR, KERNEL_GS_BASE and the SYSCALL/SYSENTER MSRs are
 * in the per-CPU host save area, which the caller filled with VMSAVE, and
 * come back from it with VMLOAD.  Until then the GS base is the guest's:
 * nothing here may touch per-CPU data, and GIF=0 keeps NMIs out until the
 * caller's STGI.  shadow: the guest is in an interrupt shadow (INT_STATE).
 * guest_spec_ctrl, host_spec_ctrl: the SPEC_CTRL values to switch between
 * (svm_switch.c); equal when there is nothing to switch.
 *
 * Physical interrupts must be able to end the guest: with V_INTR_MASKING
 * the host's IF at VMRUN decides, so STI sets it (GIF=0 still holds them
 * off in the host until STGI).  Where the STI goes matters only under an
 * emulator that carries STI's one-instruction interrupt shadow across
 * VMRUN into the guest and ignores the one in INT_STATE (QEMU's TCG): then
 * STI right before VMRUN is how a guest in a shadow keeps it, and an STI
 * well before VMRUN lets a pending host interrupt exit before the guest's
 * first instruction, which inject_exit (svm_quirks.c) relies on.  On a real
 * CPU both are the same.
 */
#include <linux/linkage.h>
#include <linux/objtool.h>
#include <asm/asm.h>
#include <asm/msr-index.h>
#include <asm/nospec-branch.h>

#define WORD		8
#define REG_RCX		(1 * WORD)
#define REG_RDX		(2 * WORD)
#define REG_RBX		(3 * WORD)
#define REG_RBP		(5 * WORD)
#define REG_RSI		(6 * WORD)
#define REG_RDI		(7 * WORD)
#define REG_R8		(8 * WORD)
#define REG_R9		(9 * WORD)
#define REG_R10		(10 * WORD)
#define REG_R11		(11 * WORD)
#define REG_R12		(12 * WORD)
#define REG_R13		(13 * WORD)
#define REG_R14		(14 * WORD)
#define REG_R15		(15 * WORD)

/* Stack slots below the callee-saved registers. */
#define SLOT_VMCB	(0 * WORD)
#define SLOT_HOST	(1 * WORD)
#define SLOT_REGS	(2 * WORD)
#define SLOT_SHADOW	(3 * WORD)
#define SLOT_GUEST_SC	(4 * WORD)
#define SLOT_HOST_SC	(5 * WORD)
#define NR_SLOTS	6

	.text

SYM_FUNC_START(__svm_vmrun)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%r9			/* SLOT_HOST_SC */
	push	%r8			/* SLOT_GUEST_SC */
	push	%rcx			/* SLOT_SHADOW */
	push	%rdi			/* SLOT_REGS */
	push	%rdx			/* SLOT_HOST */
	push	%rsi			/* SLOT_VMCB */

	/*
	 * The guest's SPEC_CTRL in, where it differs from the host's.  From
	 * here to VMRUN no RET and no indirect branch runs.  Clobbers RAX,
	 * RCX and RDX (the host's RDX is not needed again).
	 */
	cmp	%r8, %r9
	je	3f
	mov	%r8, %rax
	mov	%r8, %rdx
	shr	$32, %rdx
	mov	$MSR_IA32_SPEC_CTRL, %ecx
	wrmsr
	mov	SLOT_SHADOW(%rsp), %rcx
3:
	testb	%cl, %cl
	jnz	1f
	sti
1:

	/* The guest's FS/GS/TR/LDTR/syscall MSRs in. */
	mov	%rsi, %rax
	vmload	%rax

	mov	REG_RCX(%rdi), %rcx
	mov	REG_RDX(%rdi), %rdx
	mov	REG_RBX(%rdi), %rbx
	mov	REG_RBP(%rdi), %rbp
	mov	REG_RSI(%rdi), %rsi
	mov	REG_R8(%rdi), %r8
	mov	REG_R9(%rdi), %r9
	mov	REG_R10(%rdi), %r10
	mov	REG_R11(%rdi), %r11
	mov	REG_R12(%rdi), %r12
	mov	REG_R13(%rdi), %r13
	mov	REG_R14(%rdi), %r14
	mov	REG_R15(%rdi), %r15
	mov	REG_RDI(%rdi), %rdi

	mov	SLOT_VMCB(%rsp), %rax
	cmpb	$0, SLOT_SHADOW(%rsp)
	je	2f
	sti
2:	vmrun	%rax
	/* Named so that svm_exit.c can tell the host's own RIP in the VMCB. */
SYM_INNER_LABEL(__svm_vmrun_exit, SYM_L_GLOBAL)
	ANNOTATE_NOENDBR
	cli

	/* RAX/RSP of the host are back; the guest's are in the VMCB. */
	push	%rdi
	mov	(SLOT_REGS + WORD)(%rsp), %rdi
	mov	%rcx, REG_RCX(%rdi)
	mov	%rdx, REG_RDX(%rdi)
	mov	%rbx, REG_RBX(%rdi)
	mov	%rbp, REG_RBP(%rdi)
	mov	%rsi, REG_RSI(%rdi)
	mov	%r8, REG_R8(%rdi)
	mov	%r9, REG_R9(%rdi)
	mov	%r10, REG_R10(%rdi)
	mov	%r11, REG_R11(%rdi)
	mov	%r12, REG_R12(%rdi)
	mov	%r13, REG_R13(%rdi)
	mov	%r14, REG_R14(%rdi)
	mov	%r15, REG_R15(%rdi)
	popq	REG_RDI(%rdi)

	/* Guest FS/GS/... back to the VMCB, the host's back in: _must_ precede any per-CPU access. */
	mov	SLOT_VMCB(%rsp), %rax
	vmsave	%rax
	mov	SLOT_HOST(%rsp), %rax
	vmload	%rax

	/*
	 * The guest may have trained the return stack buffer and the branch
	 * predictors: refill the RSB and untrain returns as the host kernel's
	 * own mitigations chose (the same features its KVM uses), before
	 * the first RET.  UNTRAIN_RET's IBPB clobbers RAX, RCX and RDX.
	 */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT

	/* The host's SPEC_CTRL back, before the first RET too. */
	mov	SLOT_HOST_SC(%rsp), %rax
	cmp	SLOT_GUEST_SC(%rsp), %rax
	je	4f
	mov	%rax, %rdx
	shr	$32, %rdx
	mov	$MSR_IA32_SPEC_CTRL, %ecx
	wrmsr
4:
#ifdef UNTRAIN_RET_VM
	UNTRAIN_RET_VM
#else
	UNTRAIN_RET
#endif

	/* Leave no guest values in registers for speculation to use. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	add	$(NR_SLOTS * WORD), %rsp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(__svm_vmrun)

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ticker: a guest for 'mvm run --raw' that never ends.  16-bit real mode,
 * linked at 0x7c00: it prints "tick N" (N counting from 1) on COM1, line
 * after line, with a short busy wait between lines, so that a test can
 * see whether it runs (the control socket's pause and resume).
 */
#define WAIT		0x4000

	.code16
	.text
	.globl	_start
_start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	movw	$_start, %sp
	xorl	%ebp, %ebp		/* the count */

next:
	incl	%ebp
	movw	$msg_tick, %si
	call	puts
	movl	%ebp, %eax
	call	putdec
	movb	$'\n', %al
	call	com1_putc
	movw	$WAIT, %cx
1:	loop	1b
	jmp	next

/* Send the NUL-terminated string at DS:SI. */
puts:
	lodsb
	testb	%al, %al
	jz	1f
	call	com1_putc
	jmp	puts
1:	ret

/* Send EAX in decimal. */
putdec:
	movl	$10, %ebx
	xorw	%cx, %cx
1:	xorl	%edx, %edx
	divl	%ebx
	pushw	%dx
	incw	%cx
	testl	%eax, %eax
	jnz	1b
2:	popw	%ax
	addb	$'0', %al
	call	com1_putc
	loop	2b
	ret

#include "com1.inc"

msg_tick:	.asciz	"tick "

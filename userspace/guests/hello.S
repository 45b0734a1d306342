/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hello: the demo guest for 'mvm run --raw'.  16-bit real mode, linked at
 * 0x7c00 (mvm run's default --load-addr), no BIOS: it drives the 16550A at
 * COM1 itself, as a driver would (divisor, line settings, FIFOs, a scratch,
 * FIFO and loopback probe), prints a greeting and what it found (the CPUID
 * vendor and hypervisor bit the VMM set, the UART type, the probe's result,
 * how many bytes it has sent), then powers off through mvm's power-off port
 * with status 0.
 */
#define COM1		0x3f8
#define UART_THR	0
#define UART_RBR	0
#define UART_DLL	0
#define UART_IER	1
#define UART_DLM	1
#define UART_IIR	2
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

#define LCR_DLAB	0x80
#define LCR_8N1		0x03
#define FCR_ON_CLEAR_14	0xc7	/* enable, clear both FIFOs, trigger at 14 */
#define MCR_NORMAL	0x0b	/* DTR, RTS, OUT2 */
#define MCR_LOOP_TEST	0x1e	/* loopback with RTS, OUT1, OUT2, not DTR */
#define MSR_LOOP_WANT	0xd0	/* so: CTS, RI, DCD set; DSR clear */
#define LSR_DR		0x01
#define LSR_THRE	0x20

#define POWEROFF_PORT	0x501	/* mvm: a write powers off, value = status */

	.code16
	.text
	.globl	_start
_start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$_start, %sp		/* the stack grows down below us */

	call	uart_init

	movw	$msg_hello, %si
	call	puts

	/* CPUID leaf 0: the vendor string is EBX, EDX, ECX. */
	xorl	%eax, %eax
	cpuid
	movl	%ebx, vendor
	movl	%edx, vendor + 4
	movl	%ecx, vendor + 8
	movw	$msg_vendor, %si
	call	puts
	movw	$vendor, %si
	call	puts

	/* CPUID leaf 1, ECX bit 31: running under a hypervisor. */
	movl	$1, %eax
	cpuid
	movw	$msg_hv_set, %si
	testl	$0x80000000, %ecx
	jnz	1f
	movw	$msg_hv_clear, %si
1:	call	puts

	movw	$msg_uart, %si
	call	puts
	movw	uart_name, %si
	call	puts
	movw	loop_result, %si
	call	puts

	movw	$msg_sent, %si
	call	puts
	movw	sent, %ax
	call	putdec
	movw	$msg_end, %si
	call	puts

	/* Power off, status 0. */
	movw	$POWEROFF_PORT, %dx
	xorb	%al, %al
	outb	%al, %dx
	/* Without that port: stop for good. */
stop:	cli
	hlt
	jmp	stop

/* Program COM1 for 115200 8N1 with FIFOs, then probe it. */
uart_init:
	movw	$COM1 + UART_IER, %dx
	xorb	%al, %al		/* no interrupts: we poll */
	outb	%al, %dx
	movw	$COM1 + UART_LCR, %dx
	movb	$LCR_DLAB, %al
	outb	%al, %dx
	movw	$COM1 + UART_DLL, %dx
	movb	$1, %al			/* 115200 / 1 */
	outb	%al, %dx
	movw	$COM1 + UART_DLM, %dx
	xorb	%al, %al
	outb	%al, %dx
	movw	$COM1 + UART_LCR, %dx
	movb	$LCR_8N1, %al
	outb	%al, %dx
	movw	$COM1 + UART_FCR, %dx
	movb	$FCR_ON_CLEAR_14, %al
	outb	%al, %dx

	/* A 16550A reports its working FIFOs in IIR bits 7:6. */
	movw	$COM1 + UART_IIR, %dx
	inb	%dx, %al
	andb	$0xc0, %al
	cmpb	$0xc0, %al
	jne	1f
	movw	$name_16550a, uart_name
1:
	/* The scratch register must keep what we write. */
	movw	$COM1 + UART_SCR, %dx
	movb	$0x5a, %al
	outb	%al, %dx
	inb	%dx, %al
	cmpb	$0x5a, %al
	jne	loop_done

	/* Loopback: the modem outputs come back as inputs, THR as RBR. */
	movw	$COM1 + UART_MCR, %dx
	movb	$MCR_LOOP_TEST, %al
	outb	%al, %dx
	movw	$COM1 + UART_MSR, %dx
	inb	%dx, %al
	andb	$0xf0, %al
	cmpb	$MSR_LOOP_WANT, %al
	jne	loop_off
	movw	$COM1 + UART_THR, %dx
	movb	$0xa5, %al
	outb	%al, %dx
	movw	$COM1 + UART_LSR, %dx
	movw	$1000, %cx		/* a real UART needs a character time */
2:	inb	%dx, %al
	testb	$LSR_DR, %al
	jnz	3f
	loop	2b
	jmp	loop_off
3:	movw	$COM1 + UART_RBR, %dx
	inb	%dx, %al
	cmpb	$0xa5, %al
	jne	loop_off
	movw	$msg_loop_ok, loop_result
loop_off:
	movw	$COM1 + UART_MCR, %dx
	movb	$MCR_NORMAL, %al
	outb	%al, %dx
loop_done:
	ret

/* Send AL, and count it. */
putc:
	call	com1_putc
	incw	sent
	ret

/* Send the NUL-terminated string at DS:SI. */
puts:
	lodsb
	testb	%al, %al
	jz	1f
	call	putc
	jmp	puts
1:	ret

#include "com1.inc"

/* Send AX in decimal. */
putdec:
	pushw	%bx
	pushw	%cx
	pushw	%dx
	movw	$10, %bx
	xorw	%cx, %cx
1:	xorw	%dx, %dx
	divw	%bx
	pushw	%dx
	incw	%cx
	testw	%ax, %ax
	jnz	1b
2:	popw	%ax
	addb	$'0', %al
	call	putc
	loop	2b
	popw	%dx
	popw	%cx
	popw	%bx
	ret

msg_hello:	.asciz	"Hello from a guest running on mvm!\n"
msg_vendor:	.asciz	"CPUID vendor \""
msg_hv_set:	.asciz	"\", hypervisor bit set"
msg_hv_clear:	.asciz	"\", hypervisor bit clear"
msg_uart:	.asciz	"; UART "
name_16550a:	.asciz	"16550A"
name_8250:	.asciz	"8250/16450"
msg_loop_ok:	.asciz	", loopback test passed"
msg_loop_bad:	.asciz	", loopback test FAILED"
msg_sent:	.asciz	"; "
msg_end:	.asciz	" bytes sent before this number.\n"

	.balign	2
uart_name:	.word	name_8250
loop_result:	.word	msg_loop_bad
sent:		.word	0
vendor:		.space	12
		.byte	0

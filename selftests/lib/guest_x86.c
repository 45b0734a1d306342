// SPDX-License-Identifier: GPL-2.0
/*
 * Guest side of the 64-bit setup: one exception stub per vector 0-31, each
 * 16 bytes apart from guest_idt_stubs (the host points the IDT at them),
 * and a handler that reports the exception through the ucall channel as
 * UCALL_UNHANDLED.  Freestanding, like everything that runs in the guest.
 */
#include "guest.h"

struct guest_ex_frame {
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;	/* pushed by the CPU */
};

void guest_exception_handler(struct guest_ex_frame *f);

/*
 * Vectors 8, 10-14, 17, 21, 29 and 30 push an error code; the others get a
 * 0 pushed in its place so the frame has one layout.
 */
__asm__(
	".pushsection .text\n"
	".align 16\n"
	".globl guest_idt_stubs\n"
	"guest_idt_stubs:\n"
	".irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
	".align 16\n"
	".if (\\vec != 8) && ((\\vec < 10) || (\\vec > 14)) && (\\vec != 17) && (\\vec != 21) && (\\vec != 29) && (\\vec != 30)\n"
	"pushq $0\n"
	".endif\n"
	"pushq $\\vec\n"
	"jmp guest_exception_common\n"
	".endr\n"
	".align 16\n"
	"guest_exception_common:\n"
	"mov %rsp, %rdi\n"
	"and $-16, %rsp\n"
	"call guest_exception_handler\n"
	"1: hlt\n"
	"jmp 1b\n"
	".popsection\n");

void guest_exception_handler(struct guest_ex_frame *f)
{
	for (;;)
		guest_ucall(UCALL_UNHANDLED, f->vector, f->error_code, f->rip,
			    guest_read_cr(2));
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Guest side of the ucall channel.  Runs inside the guest: compiled
 * freestanding (Makefile: GUEST_CFLAGS), no libc, no stack protector.
 * The struct lives on the guest stack; the host reads it while the vCPU is
 * stopped at the OUT, so it need not outlive the call.
 */
#include "guest.h"

void guest_ucall(uint64_t cmd, uint64_t a0, uint64_t a1, uint64_t a2,
		 uint64_t a3)
{
	/* Field by field: a struct initializer could become a memset call. */
	volatile struct ucall uc;

	uc.cmd = cmd;
	uc.args[0] = a0;
	uc.args[1] = a1;
	uc.args[2] = a2;
	uc.args[3] = a3;
	uc.line = 0;
	uc.file = 0;
	uc.expr = 0;
	__asm__ volatile("outb %%al, %%dx"
			 : : "a"(0), "d"(UCALL_PORT), "D"(&uc) : "memory");
}

void guest_assert_fail(const char *file, uint64_t line, const char *expr,
		       uint64_t a, uint64_t b)
{
	volatile struct ucall uc;

	uc.cmd = UCALL_ABORT;
	uc.args[0] = a;
	uc.args[1] = b;
	uc.args[2] = 0;
	uc.args[3] = 0;
	uc.line = line;
	uc.file = (uint64_t)file;
	uc.expr = (uint64_t)expr;
	/* The host fails the test; a host that runs on anyway sees it again. */
	for (;;)
		__asm__ volatile("outb %%al, %%dx"
				 : : "a"(0), "d"(UCALL_PORT), "D"(&uc)
				 : "memory");
}

/* Where a guest function returns to (test_vm.c puts it on the stack). */
void guest_returned(void)
{
	guest_assert_fail(__FILE__, __LINE__,
			  "guest code returned without GUEST_DONE()", 0, 0);
}

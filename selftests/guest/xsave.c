// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's SSE registers in the XSAVE layout.  The guest loads XMM0-15
 * with known bytes, reads them back and stops on an OUT; the host finds
 * them at offset 160 + 16 * n of GET_XSAVE, changes XMM1 with SET_XSAVE,
 * and the guest sees the new XMM1 and the others unchanged.  The host's
 * own XMM8-15 hold their values across the run (a raw RUN syscall between
 * two asm blocks, so no libc code runs in between).  XCR0: x87 off, or
 * AVX without SSE, is refused with EINVAL; x87|SSE is taken.
 */
#include <sys/syscall.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define PORT		0x83
#define XMM_OFF		160
#define XSTATE_BV_OFF	512
#define XFEATURE_FP	1ULL
#define XFEATURE_SSE	2ULL
#define XFEATURE_AVX	4ULL

uint8_t xmm_pat[16][16], xmm_before[16][16], xmm_after[16][16], xmm1_new[16];

#define XMM_ALL(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9)	\
	X(10) X(11) X(12) X(13) X(14) X(15)
#define LOAD(n)		"movdqu xmm_pat+" #n "*16(%%rip), %%xmm" #n "\n\t"
#define STORE_B(n)	"movdqu %%xmm" #n ", xmm_before+" #n "*16(%%rip)\n\t"
#define STORE_A(n)	"movdqu %%xmm" #n ", xmm_after+" #n "*16(%%rip)\n\t"

static bool same16(const uint8_t *a, const uint8_t *b)
{
	for (int i = 0; i < 16; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static void guest_code(void)
{
	/* No C code between the loads and the stores: nothing else uses XMM. */
	__asm__ volatile(XMM_ALL(LOAD) XMM_ALL(STORE_B)
			 "outb %%al, %0\n\t"
			 XMM_ALL(STORE_A) : : "i"(PORT) : "memory");
	for (int n = 0; n < 16; n++) {
		GUEST_ASSERT(same16(xmm_before[n], xmm_pat[n]));
		GUEST_ASSERT(same16(xmm_after[n], n == 1 ? xmm1_new : xmm_pat[n]));
	}
	GUEST_DONE();
}

/* One RUN with host XMM8-15 loaded from @mine; what they hold after, into @seen. */
static long run_keeping_xmm(struct vm *vm, struct vcpu *vcpu,
			    uint8_t (*mine)[16], uint8_t (*seen)[16])
{
	unsigned long cmd = vm_is_mvm(vm) ? MVM_RUN : KVM_RUN;
	long ret = SYS_ioctl;

	__asm__ volatile("movdqu 0(%[mine]), %%xmm8\n\t movdqu 16(%[mine]), %%xmm9\n\t"
			 "movdqu 32(%[mine]), %%xmm10\n\t movdqu 48(%[mine]), %%xmm11\n\t"
			 "movdqu 64(%[mine]), %%xmm12\n\t movdqu 80(%[mine]), %%xmm13\n\t"
			 "movdqu 96(%[mine]), %%xmm14\n\t movdqu 112(%[mine]), %%xmm15\n\t"
			 "syscall\n\t"
			 "movdqu %%xmm8, 0(%[seen])\n\t movdqu %%xmm9, 16(%[seen])\n\t"
			 "movdqu %%xmm10, 32(%[seen])\n\t movdqu %%xmm11, 48(%[seen])\n\t"
			 "movdqu %%xmm12, 64(%[seen])\n\t movdqu %%xmm13, 80(%[seen])\n\t"
			 "movdqu %%xmm14, 96(%[seen])\n\t movdqu %%xmm15, 112(%[seen])"
			 : "+a"(ret)
			 : [mine] "r"(mine), [seen] "r"(seen),
			   "D"((long)vcpu->fd), "S"(cmd), "d"(0L)
			 : "rcx", "r11", "memory", "xmm8", "xmm9", "xmm10",
			   "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	return ret;
}

TEST(xsave)
{
	static struct mvm_xsave xs;
	uint8_t mine[8][16], seen[8][16], *region = (uint8_t *)xs.region;
	volatile double d = 1.0 / 3.0, before = d * 7.0;
	uint64_t xcr0;
	struct vm *vm;
	struct vcpu *vcpu;

	for (int n = 0; n < 16; n++)
		for (int i = 0; i < 16; i++)
			xmm_pat[n][i] = 0x10 * n + i + 1;
	for (int i = 0; i < 16; i++)
		xmm1_new[i] = 0xf0 ^ i;
	for (int n = 0; n < 8; n++)
		for (int i = 0; i < 16; i++)
			mine[n][i] = 0x80 + 16 * n + i;

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, guest_code);	/* copies the globals above */

	ASSERT_EQ(0, run_keeping_xmm(vm, vcpu, mine, seen));
	ASSERT_EQ(0, memcmp(mine, seen, sizeof(mine)))
		TH_LOG("the host's XMM8-15 changed across the run");
	ASSERT_TRUE(before == d * 7.0);

	ASSERT_EQ(0, vcpu_get_xsave(vcpu, &xs));
	for (int n = 0; n < 16; n++) {
		ASSERT_EQ(0, memcmp(region + XMM_OFF + 16 * n, xmm_pat[n], 16))
			TH_LOG("XMM%d not at its XSAVE offset", n);
	}
	memcpy(region + XMM_OFF + 16, xmm1_new, 16);
	*(uint64_t *)(region + XSTATE_BV_OFF) |= XFEATURE_SSE;
	ASSERT_EQ(0, vcpu_set_xsave(vcpu, &xs));
	ASSERT_DONE(vcpu);

	ASSERT_EQ(0, vcpu_get_xcr0(vcpu, &xcr0));
	ASSERT_EQ(XFEATURE_FP, xcr0 & XFEATURE_FP);	/* RESET value: 1 */
	ASSERT_EQ(-EINVAL, vcpu_set_xcr0(vcpu, XFEATURE_SSE));
	ASSERT_EQ(-EINVAL, vcpu_set_xcr0(vcpu, XFEATURE_FP | XFEATURE_AVX));
	ASSERT_EQ(0, vcpu_set_xcr0(vcpu, XFEATURE_FP | XFEATURE_SSE));
	ASSERT_EQ(0, vcpu_get_xcr0(vcpu, &xcr0));
	ASSERT_EQ(XFEATURE_FP | XFEATURE_SSE, xcr0);
	vm_free(vm);
}

TEST_HARNESS_MAIN

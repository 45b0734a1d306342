// SPDX-License-Identifier: GPL-2.0
/*
 * String port I/O: REP OUTSB/OUTSW and REP INSB with counts too large for
 * one exit (mvm hands them out in chunks, KVM one element or one page at a
 * time: only the data and the final registers are compared), upwards
 * (DF=0) and downwards (DF=1), and OUTSB/OUTSW without REP.  The bytes
 * reach the host, and the guest's buffer, in the order the instruction
 * moves them; RSI/RDI end past the last element and RCX at 0 (unchanged
 * without REP).
 */
#include "kselftest_harness.h"
#include "test_vm.h"

#define N_UP		10000u		/* bytes, REP OUTSB / REP INSB up */
#define N_WORDS		3000u		/* REP OUTSW: 6000 bytes */
#define N_DOWN		5000u		/* bytes, DF=1 */
#define BUF_PAGES	4

enum { P_OUTSB = 0xe0, P_OUTSW = 0xe2, P_DOWN = 0xe4, P_SINGLE = 0xe6,
       P_INSB = 0xe8, P_INDOWN = 0xea, NPORTS = 6 };

/* @reg: "S" for OUTS, "D" for INS.  DOWN() runs @insn with DF=1. */
#define STR_IO(insn, reg, port, ptr, cnt)				\
	__asm__ volatile(insn : "+" reg(ptr), "+c"(cnt) : "d"(port)	\
			 : "memory", "cc")
#define DOWN(insn)	"std\n\t" insn "\n\tcld"

static uint8_t in_byte(int port, uint32_t k)
{
	return (uint8_t)(k * 7 + (port == P_INSB ? 3 : 101));
}

static void guest_code(uint64_t src, uint64_t dst)
{
	uint64_t p, c;

	p = src, c = N_UP;
	STR_IO("rep outsb", "S", P_OUTSB, p, c);
	GUEST_ASSERT_EQ(src + N_UP, p);
	GUEST_ASSERT_EQ(0, c);
	p = src, c = N_WORDS;
	STR_IO("rep outsw", "S", P_OUTSW, p, c);
	GUEST_ASSERT_EQ(src + 2 * N_WORDS, p);
	GUEST_ASSERT_EQ(0, c);
	p = src + N_DOWN - 1, c = N_DOWN;
	STR_IO(DOWN("rep outsb"), "S", P_DOWN, p, c);
	GUEST_ASSERT_EQ(src - 1, p);
	GUEST_ASSERT_EQ(0, c);
	p = src, c = 77;
	STR_IO("outsb", "S", P_SINGLE, p, c);
	STR_IO("outsw", "S", P_SINGLE, p, c);
	GUEST_ASSERT_EQ(src + 3, p);
	GUEST_ASSERT_EQ(77, c);

	p = dst, c = N_UP;
	STR_IO("rep insb", "D", P_INSB, p, c);
	GUEST_ASSERT_EQ(dst + N_UP, p);
	GUEST_ASSERT_EQ(0, c);
	for (uint32_t k = 0; k < N_UP; k++)
		GUEST_ASSERT_EQ(in_byte(P_INSB, k), ((volatile uint8_t *)dst)[k]);
	p = dst + N_DOWN - 1, c = N_DOWN;
	STR_IO(DOWN("rep insb"), "D", P_INDOWN, p, c);
	GUEST_ASSERT_EQ(dst - 1, p);
	GUEST_ASSERT_EQ(0, c);
	for (uint32_t k = 0; k < N_DOWN; k++)
		GUEST_ASSERT_EQ(in_byte(P_INDOWN, k),
				((volatile uint8_t *)dst)[N_DOWN - 1 - k]);
	GUEST_DONE();
}

static uint64_t alloc_mapped(struct vm *vm)
{
	uint64_t gpa = vm_alloc_pages(vm, BUF_PAGES);

	for (int i = 0; i < BUF_PAGES; i++)
		vm_map(vm, gpa + i * GUEST_PAGE, gpa + i * GUEST_PAGE);
	return gpa;
}

TEST(string_io)
{
	static uint8_t got[NPORTS][BUF_PAGES * 4096];
	uint32_t len[NPORTS] = { 0 }, exits = 0;
	struct vm *vm;
	struct vcpu *vcpu;
	struct vcpu_exit *x;
	struct ucall uc;
	uint64_t src, dst;
	uint8_t *s;

	VM_CREATE_OR_SKIP(vm, vcpu);
	vcpu_setup_long(vcpu, (void (*)(void))guest_code);
	src = alloc_mapped(vm);
	dst = alloc_mapped(vm);
	s = vm_gpa_hva(vm, src);
	for (uint32_t i = 0; i < BUF_PAGES * 4096; i++)
		s[i] = (uint8_t)(i * 13 + i / 256);
	vcpu_args_set(vcpu, 2, src, dst);
	x = &vcpu->exit;

	for (;;) {
		ASSERT_EQ(0, vcpu_run(vcpu));
		if (vcpu_get_ucall(vcpu, &uc) != UCALL_NONE)
			break;
		ASSERT_EQ(VCPU_EXIT_IO, (int)x->reason) TH_LOG("%s", vcpu_exit_str(vcpu));
		ASSERT_TRUE(x->io.port >= P_OUTSB && x->io.port <= P_INDOWN &&
			    !(x->io.port & 1));
		int i = (x->io.port - P_OUTSB) / 2;
		uint32_t n = x->io.count * x->io.size;

		ASSERT_GE(sizeof(got[i]), len[i] + n);
		ASSERT_EQ(x->io.port < P_INSB, x->io.out);
		for (uint32_t k = 0; k < n; k++) {
			if (x->io.out)
				got[i][len[i] + k] = ((uint8_t *)x->io.data)[k];
			else
				((uint8_t *)x->io.data)[k] = in_byte(x->io.port, len[i] + k);
		}
		len[i] += n;
		exits++;
	}
	ASSERT_EQ((uint64_t)UCALL_DONE, uc.cmd) TH_LOG("%s", vcpu_exit_str(vcpu));
	TH_LOG("%s: %u I/O exits", vm_hv_name(vm), exits);

	ASSERT_EQ(N_UP, len[0]);
	ASSERT_EQ(0, memcmp(got[0], s, N_UP));
	ASSERT_EQ(2 * N_WORDS, len[1]);
	ASSERT_EQ(0, memcmp(got[1], s, 2 * N_WORDS));
	ASSERT_EQ(N_DOWN, len[2]);
	for (uint32_t k = 0; k < N_DOWN; k++) {
		ASSERT_EQ(s[N_DOWN - 1 - k], got[2][k]) TH_LOG("DF=1 byte %u", k);
	}
	ASSERT_EQ(3u, len[3]);
	ASSERT_EQ(0, memcmp(got[3], s, 3));
	ASSERT_EQ(N_UP, len[4]);
	ASSERT_EQ(N_DOWN, len[5]);
	vm_free(vm);
}

TEST_HARNESS_MAIN

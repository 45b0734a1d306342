// SPDX-License-Identifier: GPL-2.0
/*
 * IPIs between two vCPUs on two host threads, through the x2APIC ICR.
 * vCPU 1 waits for INIT/SIPI from the start (MP state INIT_RECEIVED) and
 * its first MVM_RUN returns nothing until vCPU 0 sends INIT then SIPI with
 * vector 8: it then runs real-mode code at 0x8000 (CS 0x0800, base 0x8000,
 * checked through GET_SREGS at that code's ucall), and the host puts it
 * into long mode.  Then: fixed IPIs both ways, an NMI IPI, self-IPIs (the
 * SELF_IPI MSR and the "self" shorthand), and the "all but self" and "all
 * including self" shorthands, each counted per vCPU and vector.
 */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest_apic.h"
#include "irqchip.h"
#include "test_vm.h"
#include "vcpu_ctl.h"

#define TRAMP_GPA	0x8000
#define UC_GPA		0x9000
#define SIPI_VEC	(TRAMP_GPA >> 12)
#define AP_MAGIC	0x5150
#define VEC_TO_AP	0x40
#define VEC_TO_BSP	0x41
#define VEC_SELF	0x42
#define VEC_BUT_SELF	0x43
#define VEC_ALL		0x44

#define STR_(x)	#x
#define STR(x)	STR_(x)

_Static_assert(UCALL_SYNC == 1 && UCALL_OFF_ARG0 == 8, "the assembly below");

/* Where SIPI starts vCPU 1: a real-mode ucall, SYNC(AP_MAGIC). */
extern const char tramp_start[], tramp_end[];
__asm__(".pushsection .rodata\n"
	"tramp_start:\n"
	".code16\n"
	"mov $" STR(UC_GPA) ", %edi\n"
	"movl $1, (%di)\n"
	"movl $0, 4(%di)\n"
	"movl $" STR(AP_MAGIC) ", 8(%di)\n"
	"movl $0, 12(%di)\n"
	"mov $" STR(UCALL_PORT) ", %dx\n"
	"out %al, %dx\n"
	"1: hlt\n"
	"jmp 1b\n"
	".code64\n"
	"tramp_end:\n"
	".popsection\n");

volatile uint32_t ap_ready, bsp_done, nmi_count[2];

void guest_nmi(uint64_t *frame)
{
	nmi_count[x2apic_id() & 1]++;
}

GUEST_ISR(guest_nmi_isr, guest_nmi, 0);
extern char guest_nmi_isr[];

static void guest_bsp(void)
{
	volatile uint32_t *bsp = guest_apic_count[0], *ap = guest_apic_count[1];

	x2apic_enable();
	x2apic_icr(1, APIC_DM_INIT | APIC_ICR_ASSERT);
	x2apic_icr(1, APIC_DM_STARTUP | SIPI_VEC);
	while (!ap_ready)
		__asm__ volatile("pause");

	x2apic_icr(1, APIC_DM_FIXED | VEC_TO_AP);
	guest_halt_until(&bsp[VEC_TO_BSP], 1);
	x2apic_icr(1, APIC_DM_NMI);
	while (!nmi_count[1])
		__asm__ volatile("pause");

	guest_wrmsr(X2APIC_SELF_IPI, VEC_SELF);
	guest_halt_until(&bsp[VEC_SELF], 1);
	x2apic_icr(0, APIC_SH_SELF | VEC_SELF);
	guest_halt_until(&bsp[VEC_SELF], 2);

	x2apic_icr(0, APIC_SH_ALL_BUT_SELF | VEC_BUT_SELF);
	while (!ap[VEC_BUT_SELF])
		__asm__ volatile("pause");
	x2apic_icr(0, APIC_SH_ALL | VEC_ALL);
	guest_halt_until(&bsp[VEC_ALL], 1);
	while (!ap[VEC_ALL])
		__asm__ volatile("pause");
	for (int i = 0; i < 100; i++)
		guest_irq_window();

	GUEST_ASSERT_EQ(0, bsp[VEC_BUT_SELF] + bsp[VEC_TO_AP] + nmi_count[0]);
	GUEST_ASSERT_EQ(1, ap[VEC_TO_AP]);
	GUEST_ASSERT_EQ(1, ap[VEC_BUT_SELF]);
	GUEST_ASSERT_EQ(1, ap[VEC_ALL]);
	GUEST_ASSERT_EQ(1, nmi_count[1]);
	GUEST_ASSERT_EQ(0, ap[VEC_SELF] + ap[VEC_TO_BSP]);
	GUEST_ASSERT_EQ(2, bsp[VEC_SELF]);
	bsp_done = 1;
	GUEST_DONE();
}

static void guest_ap(void)
{
	x2apic_enable();
	GUEST_ASSERT_EQ(1, x2apic_id());
	ap_ready = 1;
	guest_halt_until(&guest_apic_count[1][VEC_TO_AP], 1);
	x2apic_icr(0, APIC_DM_FIXED | VEC_TO_BSP);
	while (!bsp_done)
		guest_irq_window();
	GUEST_DONE();
}

struct ap {
	struct vcpu *vcpu;
	struct mvm_sregs lm_sregs, sipi_sregs;
	struct mvm_regs lm_regs;
	bool started, done;
	volatile bool exited, bsp_exited;
	pthread_t bsp_thread;
	char what[512];
};

static void on_sigusr1(int sig)
{
}

/*
 * One vCPU failed: signal the other thread's run out until it has ended,
 * so that the test ends with both reports instead of leaving the other
 * vCPU waiting for it.  (One that succeeded leaves the other able to end.)
 */
static void kick_until(pthread_t t, volatile bool *exited)
{
	while (!*exited) {
		pthread_kill(t, SIGUSR1);
		usleep(10 * 1000);
	}
}

/* No harness ASSERT_* here: it would abort from a non-test thread. */
static void *run_ap(void *arg)
{
	struct ap *a = arg;
	struct ucall uc;

	a->vcpu->mode = GUEST_REAL;	/* what SIPI makes of it */
	if (vcpu_run_ucall(a->vcpu, &uc, a->what, sizeof(a->what)) ==
	    UCALL_SYNC && uc.args[0] == AP_MAGIC) {
		a->started = true;
		vcpu_get_sregs(a->vcpu, &a->sipi_sregs);
		vcpu_set_sregs(a->vcpu, &a->lm_sregs);
		vcpu_set_regs(a->vcpu, &a->lm_regs);
		a->vcpu->mode = GUEST_LONG;
		a->done = vcpu_run_ucall(a->vcpu, &uc, a->what,
					 sizeof(a->what)) == UCALL_DONE;
	}
	a->exited = true;
	if (!a->done)
		kick_until(a->bsp_thread, &a->bsp_exited);
	return NULL;
}

TEST(lapic_ipi)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };	/* no SA_RESTART */
	struct ap a = {};
	char what[512];
	struct ucall uc;
	uint64_t cmd;
	const char *why = NULL;
	struct vm *vm;
	struct vcpu *vcpu;
	uint32_t mp;
	pthread_t t;

	vm = vm_create_irqchip(&vcpu, &why);
	if (!vm)
		SKIP(return, "%s", why);
	TH_LOG("hypervisor: %s", vm_hv_name(vm));
	vcpu_setup_long(vcpu, guest_bsp);
	vcpu_apic_handlers(vcpu);
	vcpu_set_idt_gate(vcpu, 2, guest_nmi_isr);
	memcpy(vm_gpa_hva(vm, TRAMP_GPA), tramp_start, tramp_end - tramp_start);

	a.vcpu = vm_add_vcpu(vm, 1, guest_ap);
	vcpu_cpuid_apic(a.vcpu);
	vcpu_apic_handlers(a.vcpu);	/* its own IDTR limit */
	vcpu_get_sregs(a.vcpu, &a.lm_sregs);
	vcpu_get_regs(a.vcpu, &a.lm_regs);
	ASSERT_EQ(0, vcpu_get_mp_state(vcpu, &mp));
	ASSERT_EQ((uint32_t)MVM_MP_STATE_RUNNABLE, mp);
	ASSERT_EQ(0, vcpu_get_mp_state(a.vcpu, &mp));
	ASSERT_EQ((uint32_t)MVM_MP_STATE_INIT_RECEIVED, mp);

	a.bsp_thread = pthread_self();
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, pthread_create(&t, NULL, run_ap, &a));
	cmd = vcpu_run_ucall(vcpu, &uc, what, sizeof(what));
	a.bsp_exited = true;
	if (cmd != UCALL_DONE)
		kick_until(t, &a.exited);
	pthread_join(t, NULL);
	ASSERT_EQ((uint64_t)UCALL_DONE, cmd)
		TH_LOG("vCPU 0: %s; vCPU 1: %s", what, a.what);
	ASSERT_TRUE(a.started) TH_LOG("vCPU 1: %s", a.what);
	ASSERT_EQ(SIPI_VEC << 8, a.sipi_sregs.cs.selector);
	ASSERT_EQ((uint64_t)TRAMP_GPA, a.sipi_sregs.cs.base);
	ASSERT_TRUE(a.done) TH_LOG("vCPU 1: %s", a.what);
	vm_free_vcpu(a.vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm run --kernel: boot Linux.
 *
 * Everything that can be checked without the module comes first (host
 * memory, the kernel and initrd, the command line), so a bad argument
 * costs nothing.  Then the VM: an in-kernel local APIC per vCPU, RAM,
 * the userspace devices, one thread per vCPU.  vCPUs other than 0 wait in
 * the kernel for the boot vCPU's INIT/SIPI, so all threads start at once.
 *
 * Threads: the main thread waits for a stop (a device's request through
 * the machine's wake eventfd, or SIGINT/SIGTERM/SIGHUP through a
 * signalfd: those are blocked in every thread), then kicks every vCPU out
 * of MVM_RUN (immediate_exit, and SIGUSR1 for one waiting in the kernel)
 * and joins them.  Device state is under the machine lock.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console.h"
#include "devices.h"
#include "run.h"
#include "term.h"

#define MSR_APIC_BASE		0x1b
#define APIC_BASE_BSP		(1ULL << 8)
#define APIC_BASE_EXTD		(1ULL << 10)	/* x2APIC mode */
#define APIC_BASE_EN		(1ULL << 11)

#define UART_COM1_GSI		4
/* A stop reason already printed (a vCPU's failure): say nothing more. */
#define REPORTED		""
#define MAX_CPUID_ENTRIES	64

struct linux_vm;

struct vcpu_thread {
	struct linux_vm *vm;
	struct mvm_vcpu v;
	pthread_t thread;
	int started;
};

struct linux_vm {
	const struct run_args *a;
	int dev_fd, vm_fd, wake_fd, sig_fd;
	void *ram;
	struct mvm_linux_boot boot;
	struct mvm_machine machine;
	struct vcpu_thread *vcpus;
	unsigned int nr_vcpus;
	unsigned int halted;		/* lock: vCPUs stopped in HLT */
	struct uart8250 *uart;
	struct console_watch console;
	struct input *input;
	unsigned long kvmclock, phys_bits;
};

/* ---- Checks before any VM exists ---- */

static int load_guest(struct linux_vm *vm)
{
	const struct run_args *a = vm->a;
	struct mvm_linux_boot *b = &vm->boot;
	uint64_t rsdp;

	rsdp = mvm_acpi_build(vm->ram, (unsigned int)a->cpus);
	if (!rsdp) {
		cli_err("run: the ACPI tables for %lu vCPUs do not fit below 1 MiB",
			a->cpus);
		return -1;
	}
	b->kernel = a->kernel;
	b->initrd = a->initrd;
	b->cmdline = a->cmdline;
	b->mem = a->mem;
	b->rsdp = rsdp;
	if (mvm_linux_load(vm->ram, b) == 0)
		return 0;

	switch (errno) {
	case ENOEXEC:
	case EPROTONOSUPPORT:
	case E2BIG:
	case EFBIG:
	case ENODATA:
		cli_err("%s: %s", b->file, b->why);
		break;
	default:
		cli_err("%s: %s: %s", b->file, b->why, strerror(errno));
		break;
	}
	return -1;
}

/* ---- The VM ---- */

static int check_caps(struct linux_vm *vm)
{
	unsigned long max = 0, irqchip = 0;

	if (mvm_check_extension(vm->dev_fd, MVM_CAP_MAX_VCPUS, &max) < 0 ||
	    mvm_check_extension(vm->dev_fd, MVM_CAP_IRQCHIP, &irqchip) < 0 ||
	    mvm_check_extension(vm->dev_fd, MVM_CAP_KVMCLOCK, &vm->kvmclock) < 0 ||
	    mvm_check_extension(vm->dev_fd, MVM_CAP_GUEST_PHYS_BITS,
				&vm->phys_bits) < 0) {
		cli_err("MVM_CHECK_EXTENSION failed: %s", strerror(errno));
		return -1;
	}
	if (max && vm->a->cpus > max) {
		cli_err("run: --cpus %lu: this mvm.ko runs at most %lu vCPUs per VM",
			vm->a->cpus, max);
		return -1;
	}
	if (!irqchip) {
		cli_err("this mvm.ko has no in-kernel APIC (MVM_CAP_IRQCHIP)");
		return -1;
	}
	return 0;
}

static int create_vm(struct linux_vm *vm)
{
	vm->vm_fd = mvm_create_vm(vm->dev_fd);
	if (vm->vm_fd < 0) {
		cli_err("cannot create a VM with MVM_CREATE_VM: %s%s",
			strerror(errno), errno == EBUSY ?
			" (is another hypervisor, such as kvm_amd or kvm_intel, using the CPUs?)" : "");
		return -1;
	}
	if (ioctl(vm->vm_fd, MVM_CREATE_IRQCHIP, 0UL) < 0) {
		if (errno == ENOTTY || errno == EINVAL)
			cli_err("this mvm.ko has no in-kernel APIC (MVM_CAP_IRQCHIP)");
		else
			cli_err("MVM_CREATE_IRQCHIP failed: %s", strerror(errno));
		return -1;
	}
	return run_map_ram(vm->vm_fd, vm->ram, vm->a->mem);
}

static void uart_irq(void *ctx, int level)
{
	mvm_machine_set_irq(ctx, UART_COM1_GSI, level);
}

static int add_devices(struct linux_vm *vm)
{
	struct mvm_machine *m = &vm->machine;

	console_watch_init(&vm->console, m);
	if (ioapic_create(m, vm->vm_fd, MVM_IOAPIC_BASE,
			  (uint8_t)vm->nr_vcpus) < 0)
		goto err;
	/* Input comes from the input thread, not from the UART's reads. */
	vm->uart = uart8250_create(m, UART_COM1_BASE, -1, STDOUT_FILENO);
	if (!vm->uart)
		goto err;
	uart8250_set_irq(vm->uart, uart_irq, m);
	uart8250_set_tx_hook(vm->uart, console_watch_byte, &vm->console);
	if (rtc_create(m) < 0 || i8042_create(m) < 0 ||
	    acpi_pm_create(m, MVM_ACPI_SLEEP_CONTROL,
			   MVM_ACPI_SLEEP_STATUS) < 0 ||
	    pvpanic_create(m, MVM_PVPANIC_PORT, console_watch_reason,
			   &vm->console) < 0 ||
	    poweroff_port_create(m, MVM_POWEROFF_PORT) < 0)
		goto err;
	return 0;
err:
	cli_err("cannot create the devices: %s", strerror(errno));
	return -1;
}

static int set_mp_state(const struct mvm_vcpu *v, uint32_t state)
{
	struct mvm_mp_state mp = { .state = state };

	return ioctl(v->fd, MVM_SET_MP_STATE, &mp) < 0 ? -1 : 0;
}

static int setup_vcpu(struct linux_vm *vm, unsigned int id)
{
	struct vcpu_thread *t = &vm->vcpus[id];
	struct mvm_cpuid_entry cpuid[MAX_CPUID_ENTRIES];
	struct mvm_cpuid_cfg cfg = {
		.vcpu_id = id, .nr_cpus = vm->nr_vcpus,
		.phys_bits = (unsigned int)vm->phys_bits,
		.kvmclock = vm->kvmclock != 0,
	};
	uint64_t apic_base = MVM_LAPIC_BASE | APIC_BASE_EN | APIC_BASE_EXTD |
			     (id == 0 ? APIC_BASE_BSP : 0);
	unsigned int n;

	t->vm = vm;
	if (mvm_vcpu_create(vm->dev_fd, vm->vm_fd, id, &t->v) < 0) {
		t->v.fd = -1;
		cli_err("cannot create vCPU %u and map its run page: %s", id,
			strerror(errno));
		return -1;
	}
	n = mvm_cpuid_linux(cpuid, MAX_CPUID_ENTRIES, &cfg);
	if (mvm_vcpu_set_cpuid(&t->v, cpuid, n) < 0) {
		cli_err("vCPU %u: MVM_SET_CPUID failed: %s", id, strerror(errno));
		return -1;
	}
	/* x2APIC on "by the firmware": Linux keeps it and uses MSRs only. */
	if (mvm_vcpu_set_msr(&t->v, MSR_APIC_BASE, apic_base) < 0) {
		cli_err("vCPU %u: cannot set APIC_BASE to x2APIC mode with MVM_SET_MSRS: %s",
			id, strerror(errno));
		return -1;
	}
	if (id == 0 && mvm_linux_setup_bsp(&t->v, &vm->boot) < 0) {
		cli_err("cannot set the boot vCPU's registers for the 64-bit entry: %s",
			strerror(errno));
		return -1;
	}
	/*
	 * The others wait for the boot vCPU's INIT and start-up IPIs.  mvm.ko
	 * starts them that way; saying so costs nothing and does not depend
	 * on it.
	 */
	if (id != 0 && set_mp_state(&t->v, MVM_MP_STATE_INIT_RECEIVED) < 0) {
		cli_err("vCPU %u: MVM_SET_MP_STATE (wait for INIT/SIPI) failed: %s",
			id, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- Running ---- */

static void on_kick(int sig)
{
	(void)sig;	/* only there to make MVM_RUN return EINTR */
}

static void stop_machine(struct linux_vm *vm, int status, const char *why)
{
	pthread_mutex_lock(&vm->machine.lock);
	mvm_machine_stop(&vm->machine, status, why);
	pthread_mutex_unlock(&vm->machine.lock);
}

static void *vcpu_main(void *arg)
{
	struct vcpu_thread *t = arg;
	struct linux_vm *vm = t->vm;
	struct mvm_stop st;
	int all;

	mvm_vcpu_run_loop(&vm->machine, &t->v, &st);
	switch (st.reason) {
	case MVM_STOP_POWEROFF:
	case MVM_STOP_SIGNAL:
		break;
	case MVM_STOP_HALT:
		/*
		 * HLT with interrupts off parks this vCPU for good: Linux
		 * stops the other CPUs this way before it powers off, so
		 * the machine only ends when every vCPU is parked.
		 */
		pthread_mutex_lock(&vm->machine.lock);
		all = ++vm->halted == vm->nr_vcpus;
		if (all)
			mvm_machine_stop(&vm->machine, 0, "guest halted");
		pthread_mutex_unlock(&vm->machine.lock);
		break;
	case MVM_STOP_SHUTDOWN:
		stop_machine(vm, 1, "guest triple fault");
		break;
	default:
		/* A failure: run_report() says what, on stderr. */
		if (mvm_machine_stopping(&vm->machine))
			break;	/* torn down under it: not news */
		run_report(&st);
		stop_machine(vm, 1, REPORTED);
		break;
	}
	return NULL;
}

static void kick_all(struct linux_vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		if (!vm->vcpus[i].started)
			continue;
		mvm_vcpu_kick(&vm->vcpus[i].v);
		pthread_kill(vm->vcpus[i].thread, SIGUSR1);
	}
}

/* Block the stop signals (every thread inherits that) and read them. */
static int setup_signals(struct linux_vm *vm, sigset_t *old)
{
	struct sigaction kick = { .sa_handler = on_kick };
	sigset_t set;

	/* No SA_RESTART: MVM_RUN must return EINTR. */
	sigemptyset(&kick.sa_mask);
	if (sigaction(SIGUSR1, &kick, NULL) < 0 ||
	    signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return -1;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, old))
		return -1;
	vm->sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	return vm->sig_fd < 0 ? -1 : 0;
}

/* Wait for a stop request or a signal; returns the signal or 0. */
static int wait_for_stop(struct linux_vm *vm)
{
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = vm->wake_fd, .events = POLLIN },
			{ .fd = vm->sig_fd, .events = POLLIN },
		};
		struct signalfd_siginfo si;

		if (mvm_machine_stopping(&vm->machine))
			return 0;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		if ((p[1].revents & POLLIN) &&
		    read(vm->sig_fd, &si, sizeof(si)) == sizeof(si))
			return (int)si.ssi_signo;
		if (p[0].revents & POLLIN)
			return 0;
	}
}

static int start_input(struct linux_vm *vm)
{
	struct stat st;
	int tty = isatty(STDIN_FILENO);

	/* No stdin at all (closed): the guest gets no input. */
	if (!tty && fstat(STDIN_FILENO, &st) < 0)
		return 0;
	if (tty)
		term_raw();
	vm->input = input_start(&vm->machine, vm->uart, STDIN_FILENO, tty);
	if (!vm->input) {
		cli_err("cannot start the input thread: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int run_vcpus(struct linux_vm *vm)
{
	unsigned int i;
	int err, sig;

	fflush(stdout);
	for (i = 0; i < vm->nr_vcpus; i++) {
		err = mvm_thread_create(&vm->vcpus[i].thread, vcpu_main,
					&vm->vcpus[i]);
		if (err) {
			cli_err("cannot start the thread of vCPU %u: %s", i,
				strerror(err));
			stop_machine(vm, 1, REPORTED);
			break;
		}
		vm->vcpus[i].started = 1;
	}
	sig = i == vm->nr_vcpus ? wait_for_stop(vm) : 0;
	if (sig)
		vm->machine.stop_signal = sig;
	kick_all(vm);
	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].started)
			pthread_join(vm->vcpus[i].thread, NULL);
	input_stop(vm->input);
	vm->input = NULL;
	term_restore();
	return sig;
}

/* The exit status, after saying why on stderr. */
static int outcome(struct linux_vm *vm, int sig)
{
	struct mvm_machine *m = &vm->machine;
	const char *why = m->poweroff_reason;
	int status = m->poweroff_status;

	if (sig) {
		cli_err("stopped by signal %d (%s)", sig, strsignal(sig));
		return 128 + sig;
	}
	/* A reset right after a panic (panic=N) is the panic's outcome. */
	if (vm->console.panicked && why &&
	    (!strcmp(why, "guest rebooted") ||
	     !strcmp(why, "guest triple fault"))) {
		why = vm->console.reason;
		status = 1;
	}
	if (why && *why)
		cli_err("%s", why);
	else if (!why && status)
		cli_err("guest powered off with status %d", status);
	return status;
}

static void destroy(struct linux_vm *vm)
{
	unsigned int i;

	input_stop(vm->input);
	term_restore();
	mvm_machine_destroy(&vm->machine);
	for (i = 0; vm->vcpus && i < vm->nr_vcpus; i++)
		mvm_vcpu_destroy(&vm->vcpus[i].v);
	free(vm->vcpus);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->ram)
		mvm_guest_ram_free(vm->ram, vm->a->mem);
	if (vm->dev_fd >= 0)
		close(vm->dev_fd);
	if (vm->wake_fd >= 0)
		close(vm->wake_fd);
	if (vm->sig_fd >= 0)
		close(vm->sig_fd);
}

int run_linux(struct cli *cli, const struct run_args *a)
{
	struct linux_vm vm = {
		.a = a, .dev_fd = -1, .vm_fd = -1, .wake_fd = -1, .sig_fd = -1,
		.nr_vcpus = (unsigned int)a->cpus,
	};
	sigset_t old;
	unsigned int i;
	int ret = 1, sig;

	mvm_machine_init(&vm.machine, run_log_stderr);
	vm.machine.log_msrs = a->verbose;
	if (a->cpus > 254) {
		/* xAPIC ids are 8 bits and the IOAPIC takes the next one. */
		ret = cli_usage_err("run", "--cpus %lu: at most 254", a->cpus);
		goto out;
	}
	if (cli_check_host_memory(a->mem) < 0)
		goto out;
	vm.ram = run_alloc_ram(a->mem);
	if (!vm.ram || load_guest(&vm) < 0)
		goto out;

	vm.dev_fd = cli_open_device(cli);
	if (vm.dev_fd < 0 || run_check_limits(cli, vm.dev_fd, a->mem) < 0 ||
	    check_caps(&vm) < 0 || create_vm(&vm) < 0 || add_devices(&vm) < 0)
		goto out;

	vm.vcpus = calloc(vm.nr_vcpus, sizeof(*vm.vcpus));
	if (!vm.vcpus) {
		cli_err("out of memory");
		goto out;
	}
	for (i = 0; i < vm.nr_vcpus; i++)
		vm.vcpus[i].v.fd = -1;
	for (i = 0; i < vm.nr_vcpus; i++)
		if (setup_vcpu(&vm, i) < 0)
			goto out;

	vm.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm.wake_fd < 0 || setup_signals(&vm, &old) < 0) {
		cli_err("cannot set up signals and events: %s", strerror(errno));
		goto out;
	}
	vm.machine.wake_fd = vm.wake_fd;
	if (start_input(&vm) < 0)
		goto out_signals;

	sig = run_vcpus(&vm);
	ret = outcome(&vm, sig);

out_signals:
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	signal(SIGUSR1, SIG_DFL);
out:
	destroy(&vm);
	return ret;
}

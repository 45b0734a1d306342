// SPDX-License-Identifier: GPL-2.0-only
/*
 * mvm run --kernel: boot Linux.
 *
 * Everything that can be checked without the module comes first (host
 * memory, the kernel and initrd, the command line), so a bad argument
 * costs nothing.  Then the machine (run_machine.c): an in-kernel local
 * APIC per vCPU, RAM, the userspace devices, one thread per vCPU.  vCPUs
 * other than 0 wait in the kernel for the boot vCPU's INIT/SIPI, so all
 * threads start at once.  Device state is under the machine lock.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/ioctl.h>

#include "run.h"
#include "virtio.h"

#define MSR_APIC_BASE		0x1b
#define APIC_BASE_BSP		(1ULL << 8)
#define APIC_BASE_EXTD		(1ULL << 10)	/* x2APIC mode */
#define APIC_BASE_EN		(1ULL << 11)

#define UART_COM1_GSI		4
#define MAX_CPUID_ENTRIES	64

/* What booting Linux adds to the machine. */
struct linux_vm {
	const struct run_args *a;
	struct mvm_machine m;
	struct mvm_linux_boot boot;
	struct run_devices dev;
	unsigned long kvmclock, phys_bits;
};

/* ---- Checks before any VM exists ---- */

static int load_guest(struct linux_vm *vm)
{
	const struct run_args *a = vm->a;
	struct mvm_linux_boot *b = &vm->boot;
	uint64_t rsdp;

	rsdp = mvm_acpi_build(vm->m.ram, (unsigned int)a->cpus);
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
	if (mvm_linux_load(vm->m.ram, b) == 0)
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

	if (mvm_check_extension(vm->m.dev_fd, MVM_CAP_MAX_VCPUS, &max) < 0 ||
	    mvm_check_extension(vm->m.dev_fd, MVM_CAP_IRQCHIP, &irqchip) < 0 ||
	    mvm_check_extension(vm->m.dev_fd, MVM_CAP_KVMCLOCK, &vm->kvmclock) < 0 ||
	    mvm_check_extension(vm->m.dev_fd, MVM_CAP_GUEST_PHYS_BITS,
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

int run_linux_irqchip(struct mvm_machine *m)
{
	if (ioctl(m->vm_fd, MVM_CREATE_IRQCHIP, 0UL) == 0)
		return 0;
	if (errno == ENOTTY || errno == EINVAL)
		cli_err("this mvm.ko has no in-kernel APIC (MVM_CAP_IRQCHIP)");
	else
		cli_err("MVM_CREATE_IRQCHIP failed: %s", strerror(errno));
	return -1;
}

static void uart_irq(void *ctx, int level)
{
	mvm_machine_set_irq(ctx, UART_COM1_GSI, level);
}

int run_linux_devices(struct mvm_machine *m, struct run_devices *d)
{
	struct pci_host *pci;

	m->kind = RUN_KIND_LINUX;
	console_watch_init(&d->console, m);
	if (ioapic_create(m, m->vm_fd, MVM_IOAPIC_BASE,
			  (uint8_t)m->nr_vcpus) < 0)
		goto err;
	/* Input comes from the input thread, not from the UART's reads. */
	d->uart = uart8250_create(m, UART_COM1_BASE, -1, STDOUT_FILENO);
	if (!d->uart)
		goto err;
	uart8250_set_irq(d->uart, uart_irq, m);
	uart8250_set_tx_hook(d->uart, console_watch_byte, &d->console);
	if (rtc_create(m) < 0 || i8042_create(m) < 0 ||
	    acpi_pm_create(m, MVM_ACPI_SLEEP_CONTROL,
			   MVM_ACPI_SLEEP_STATUS) < 0 ||
	    pvpanic_create(m, MVM_PVPANIC_PORT, console_watch_reason,
			   &d->console) < 0 ||
	    poweroff_port_create(m, MVM_POWEROFF_PORT) < 0 ||
	    !(pci = pci_host_create(m)) || virtio_rng_create(m, pci) < 0)
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
	struct mvm_vcpu *v = &vm->m.vcpus[id].v;
	struct mvm_cpuid_entry cpuid[MAX_CPUID_ENTRIES];
	struct mvm_cpuid_cfg cfg = {
		.vcpu_id = id, .nr_cpus = vm->m.nr_vcpus,
		.phys_bits = (unsigned int)vm->phys_bits,
		.kvmclock = vm->kvmclock != 0,
	};
	uint64_t apic_base = MVM_LAPIC_BASE | APIC_BASE_EN | APIC_BASE_EXTD |
			     (id == 0 ? APIC_BASE_BSP : 0);
	unsigned int n;

	n = mvm_cpuid_linux(cpuid, MAX_CPUID_ENTRIES, &cfg);
	if (mvm_vcpu_set_cpuid(v, cpuid, n) < 0) {
		cli_err("vCPU %u: MVM_SET_CPUID failed: %s", id, strerror(errno));
		return -1;
	}
	/* x2APIC on "by the firmware": Linux keeps it and uses MSRs only. */
	if (mvm_vcpu_set_msr(v, MSR_APIC_BASE, apic_base) < 0) {
		cli_err("vCPU %u: cannot set APIC_BASE to x2APIC mode with MVM_SET_MSRS: %s",
			id, strerror(errno));
		return -1;
	}
	if (id == 0 && mvm_linux_setup_bsp(v, &vm->boot) < 0) {
		cli_err("cannot set the boot vCPU's registers for the 64-bit entry: %s",
			strerror(errno));
		return -1;
	}
	/*
	 * The others wait for the boot vCPU's INIT and start-up IPIs.  mvm.ko
	 * starts them that way; saying so costs nothing and does not depend
	 * on it.
	 */
	if (id != 0 && set_mp_state(v, MVM_MP_STATE_INIT_RECEIVED) < 0) {
		cli_err("vCPU %u: MVM_SET_MP_STATE (wait for INIT/SIPI) failed: %s",
			id, strerror(errno));
		return -1;
	}
	return 0;
}

int run_linux(struct cli *cli, const struct run_args *a)
{
	struct linux_vm vm = { .a = a };
	struct mvm_ctl *ctl = NULL;
	unsigned int i;
	int ret = 1;

	run_machine_init(&vm.m, a);
	if (a->cpus > 254) {
		/* xAPIC ids are 8 bits and the IOAPIC takes the next one. */
		ret = cli_usage_err("run", "--cpus %lu: at most 254", a->cpus);
		goto out;
	}
	if (run_alloc_ram(&vm.m, a->mem) < 0 || load_guest(&vm) < 0)
		goto out;
	if (run_create_vm(cli, &vm.m) < 0 || check_caps(&vm) < 0 ||
	    run_linux_irqchip(&vm.m) < 0 ||
	    run_create_vcpus(&vm.m, (unsigned int)a->cpus) < 0 ||
	    run_linux_devices(&vm.m, &vm.dev) < 0)
		goto out;
	for (i = 0; i < vm.m.nr_vcpus; i++)
		if (setup_vcpu(&vm, i) < 0)
			goto out;
	if (run_ctl_listen(&vm.m, a->api_sock, &ctl) < 0)
		goto out;
	ret = run_machine(&vm.m, vm.dev.uart, &vm.dev.console, ctl);
out:
	mvm_machine_destroy(&vm.m);
	return ret;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark's view of a hypervisor: just enough of /dev/mvm and
 * /dev/kvm to run the same small guest on both and time it.
 */
#ifndef MVM_BENCH_HV_H
#define MVM_BENCH_HV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hv_exit { HV_EXIT_IO, HV_EXIT_MMIO, HV_EXIT_HLT, HV_EXIT_OTHER };

struct hv_vm;

struct hv_ops {
	const char *name;
	const char *dev;
	struct hv_vm *(*create_vm)(int dev);
	int (*add_mem)(struct hv_vm *vm, uint32_t slot, uint64_t gpa,
		       uint64_t size, void *host);
	int (*create_vcpu)(struct hv_vm *vm);
	/* CS:IP = 0:ip in real mode, or flat 32-bit protected mode. */
	int (*set_entry)(struct hv_vm *vm, uint64_t ip, bool prot32,
			 const uint64_t gprs[8]);
	int (*run)(struct hv_vm *vm, enum hv_exit *exit);
	/* After an MMIO exit: complete the instruction (len bytes). */
	int (*mmio_done)(struct hv_vm *vm, unsigned int insn_len);
	int (*ioeventfd)(struct hv_vm *vm, uint16_t port, int efd);
	/* Turn dirty logging of a slot added with add_mem on or off. */
	int (*log_dirty)(struct hv_vm *vm, uint32_t slot, uint64_t gpa,
			 uint64_t size, void *host, bool on);
	/* Get (and clear, re-protecting) the slot's dirty bitmap. */
	int (*get_dirty)(struct hv_vm *vm, uint32_t slot, uint64_t *bitmap);
	void (*destroy)(struct hv_vm *vm);
};

extern const struct hv_ops hv_mvm, hv_kvm;

#endif

/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The layout of every structure of uapi/linux/mvm.h, pinned: each one's
 * size and each field's offset, as x86-64 compilers lay them out.  Both
 * sides of the ABI compile this file (the module in kmod/ioctl.c, the
 * VMM's library in userspace/lib/vm.c), so a change that moves a field
 * fails to build on both.  From the first release on, a structure that
 * has to change gets a new ioctl number (the old one stays), and its
 * lines here are added, not edited.  (Before it, with version 1 still
 * open, the structures were changed in place to give each its flags and
 * reserved words.)
 * Include after <linux/mvm.h>, with static_assert and offsetof
 * defined (<assert.h> and <stddef.h> in userspace).
 */
#ifndef MVM_ABI_LAYOUT_H
#define MVM_ABI_LAYOUT_H

/* struct mvm_memory_region */
static_assert(sizeof(struct mvm_memory_region) == 64);
static_assert(offsetof(struct mvm_memory_region, slot) == 0);
static_assert(offsetof(struct mvm_memory_region, flags) == 4);
static_assert(offsetof(struct mvm_memory_region, guest_phys_addr) == 8);
static_assert(offsetof(struct mvm_memory_region, memory_size) == 16);
static_assert(offsetof(struct mvm_memory_region, userspace_addr) == 24);
static_assert(offsetof(struct mvm_memory_region, reserved) == 32);

/* struct mvm_ioeventfd */
static_assert(sizeof(struct mvm_ioeventfd) == 48);
static_assert(offsetof(struct mvm_ioeventfd, addr) == 0);
static_assert(offsetof(struct mvm_ioeventfd, datamatch) == 8);
static_assert(offsetof(struct mvm_ioeventfd, len) == 16);
static_assert(offsetof(struct mvm_ioeventfd, fd) == 20);
static_assert(offsetof(struct mvm_ioeventfd, flags) == 24);
static_assert(offsetof(struct mvm_ioeventfd, padding) == 28);
static_assert(offsetof(struct mvm_ioeventfd, reserved) == 32);

/* struct mvm_msi */
static_assert(sizeof(struct mvm_msi) == 32);
static_assert(offsetof(struct mvm_msi, address) == 0);
static_assert(offsetof(struct mvm_msi, data) == 8);
static_assert(offsetof(struct mvm_msi, flags) == 12);
static_assert(offsetof(struct mvm_msi, reserved) == 16);

/* struct mvm_irqfd */
static_assert(sizeof(struct mvm_irqfd) == 56);
static_assert(offsetof(struct mvm_irqfd, fd) == 0);
static_assert(offsetof(struct mvm_irqfd, flags) == 4);
static_assert(offsetof(struct mvm_irqfd, msi) == 8);
static_assert(offsetof(struct mvm_irqfd, reserved) == 40);

/* struct mvm_dirty_log */
static_assert(sizeof(struct mvm_dirty_log) == 48);
static_assert(offsetof(struct mvm_dirty_log, slot) == 0);
static_assert(offsetof(struct mvm_dirty_log, flags) == 4);
static_assert(offsetof(struct mvm_dirty_log, bitmap) == 8);
static_assert(offsetof(struct mvm_dirty_log, reserved) == 16);

/* struct mvm_enable_cap */
static_assert(sizeof(struct mvm_enable_cap) == 72);
static_assert(offsetof(struct mvm_enable_cap, cap) == 0);
static_assert(offsetof(struct mvm_enable_cap, flags) == 4);
static_assert(offsetof(struct mvm_enable_cap, args) == 8);
static_assert(offsetof(struct mvm_enable_cap, reserved) == 40);

/* struct mvm_clear_dirty_log */
static_assert(sizeof(struct mvm_clear_dirty_log) == 48);
static_assert(offsetof(struct mvm_clear_dirty_log, slot) == 0);
static_assert(offsetof(struct mvm_clear_dirty_log, flags) == 4);
static_assert(offsetof(struct mvm_clear_dirty_log, first_page) == 8);
static_assert(offsetof(struct mvm_clear_dirty_log, num_pages) == 16);
static_assert(offsetof(struct mvm_clear_dirty_log, bitmap) == 24);
static_assert(offsetof(struct mvm_clear_dirty_log, reserved) == 32);

/* struct mvm_dirty_gfn */
static_assert(sizeof(struct mvm_dirty_gfn) == 16);
static_assert(offsetof(struct mvm_dirty_gfn, flags) == 0);
static_assert(offsetof(struct mvm_dirty_gfn, slot) == 4);
static_assert(offsetof(struct mvm_dirty_gfn, offset) == 8);

/* struct mvm_clock_data */
static_assert(sizeof(struct mvm_clock_data) == 64);
static_assert(offsetof(struct mvm_clock_data, clock) == 0);
static_assert(offsetof(struct mvm_clock_data, flags) == 8);
static_assert(offsetof(struct mvm_clock_data, padding) == 12);
static_assert(offsetof(struct mvm_clock_data, realtime) == 16);
static_assert(offsetof(struct mvm_clock_data, host_tsc) == 24);
static_assert(offsetof(struct mvm_clock_data, reserved) == 32);

/* struct mvm_regs */
static_assert(sizeof(struct mvm_regs) == 184);
static_assert(offsetof(struct mvm_regs, rax) == 0);
static_assert(offsetof(struct mvm_regs, rbx) == 8);
static_assert(offsetof(struct mvm_regs, rcx) == 16);
static_assert(offsetof(struct mvm_regs, rdx) == 24);
static_assert(offsetof(struct mvm_regs, rsi) == 32);
static_assert(offsetof(struct mvm_regs, rdi) == 40);
static_assert(offsetof(struct mvm_regs, rsp) == 48);
static_assert(offsetof(struct mvm_regs, rbp) == 56);
static_assert(offsetof(struct mvm_regs, r8) == 64);
static_assert(offsetof(struct mvm_regs, r9) == 72);
static_assert(offsetof(struct mvm_regs, r10) == 80);
static_assert(offsetof(struct mvm_regs, r11) == 88);
static_assert(offsetof(struct mvm_regs, r12) == 96);
static_assert(offsetof(struct mvm_regs, r13) == 104);
static_assert(offsetof(struct mvm_regs, r14) == 112);
static_assert(offsetof(struct mvm_regs, r15) == 120);
static_assert(offsetof(struct mvm_regs, rip) == 128);
static_assert(offsetof(struct mvm_regs, rflags) == 136);
static_assert(offsetof(struct mvm_regs, flags) == 144);
static_assert(offsetof(struct mvm_regs, padding) == 148);
static_assert(offsetof(struct mvm_regs, reserved) == 152);

/* struct mvm_segment */
static_assert(sizeof(struct mvm_segment) == 32);
static_assert(offsetof(struct mvm_segment, base) == 0);
static_assert(offsetof(struct mvm_segment, limit) == 8);
static_assert(offsetof(struct mvm_segment, selector) == 12);
static_assert(offsetof(struct mvm_segment, type) == 14);
static_assert(offsetof(struct mvm_segment, present) == 15);
static_assert(offsetof(struct mvm_segment, dpl) == 16);
static_assert(offsetof(struct mvm_segment, db) == 17);
static_assert(offsetof(struct mvm_segment, s) == 18);
static_assert(offsetof(struct mvm_segment, l) == 19);
static_assert(offsetof(struct mvm_segment, g) == 20);
static_assert(offsetof(struct mvm_segment, avl) == 21);
static_assert(offsetof(struct mvm_segment, unusable) == 22);
static_assert(offsetof(struct mvm_segment, padding) == 23);

/* struct mvm_dtable */
static_assert(sizeof(struct mvm_dtable) == 16);
static_assert(offsetof(struct mvm_dtable, base) == 0);
static_assert(offsetof(struct mvm_dtable, limit) == 8);
static_assert(offsetof(struct mvm_dtable, padding) == 10);

/* struct mvm_sregs */
static_assert(sizeof(struct mvm_sregs) == 400);
static_assert(offsetof(struct mvm_sregs, cs) == 0);
static_assert(offsetof(struct mvm_sregs, ds) == 32);
static_assert(offsetof(struct mvm_sregs, es) == 64);
static_assert(offsetof(struct mvm_sregs, fs) == 96);
static_assert(offsetof(struct mvm_sregs, gs) == 128);
static_assert(offsetof(struct mvm_sregs, ss) == 160);
static_assert(offsetof(struct mvm_sregs, tr) == 192);
static_assert(offsetof(struct mvm_sregs, ldt) == 224);
static_assert(offsetof(struct mvm_sregs, gdt) == 256);
static_assert(offsetof(struct mvm_sregs, idt) == 272);
static_assert(offsetof(struct mvm_sregs, cr0) == 288);
static_assert(offsetof(struct mvm_sregs, cr2) == 296);
static_assert(offsetof(struct mvm_sregs, cr3) == 304);
static_assert(offsetof(struct mvm_sregs, cr4) == 312);
static_assert(offsetof(struct mvm_sregs, cr8) == 320);
static_assert(offsetof(struct mvm_sregs, efer) == 328);
static_assert(offsetof(struct mvm_sregs, flags) == 336);
static_assert(offsetof(struct mvm_sregs, padding) == 340);
static_assert(offsetof(struct mvm_sregs, reserved) == 344);

/* struct mvm_cpuid_entry */
static_assert(sizeof(struct mvm_cpuid_entry) == 32);
static_assert(offsetof(struct mvm_cpuid_entry, function) == 0);
static_assert(offsetof(struct mvm_cpuid_entry, index) == 4);
static_assert(offsetof(struct mvm_cpuid_entry, flags) == 8);
static_assert(offsetof(struct mvm_cpuid_entry, eax) == 12);
static_assert(offsetof(struct mvm_cpuid_entry, ebx) == 16);
static_assert(offsetof(struct mvm_cpuid_entry, ecx) == 20);
static_assert(offsetof(struct mvm_cpuid_entry, edx) == 24);
static_assert(offsetof(struct mvm_cpuid_entry, padding) == 28);

/* struct mvm_cpuid */
static_assert(sizeof(struct mvm_cpuid) == 32);
static_assert(offsetof(struct mvm_cpuid, nent) == 0);
static_assert(offsetof(struct mvm_cpuid, flags) == 4);
static_assert(offsetof(struct mvm_cpuid, entries) == 8);
static_assert(offsetof(struct mvm_cpuid, reserved) == 16);

/* struct mvm_interrupt */
static_assert(sizeof(struct mvm_interrupt) == 24);
static_assert(offsetof(struct mvm_interrupt, vector) == 0);
static_assert(offsetof(struct mvm_interrupt, flags) == 4);
static_assert(offsetof(struct mvm_interrupt, reserved) == 8);

/* struct mvm_exception */
static_assert(sizeof(struct mvm_exception) == 32);
static_assert(offsetof(struct mvm_exception, vector) == 0);
static_assert(offsetof(struct mvm_exception, has_error_code) == 1);
static_assert(offsetof(struct mvm_exception, padding) == 2);
static_assert(offsetof(struct mvm_exception, error_code) == 4);
static_assert(offsetof(struct mvm_exception, flags) == 8);
static_assert(offsetof(struct mvm_exception, reserved) == 12);

/* struct mvm_vcpu_events */
static_assert(sizeof(struct mvm_vcpu_events) == 64);
static_assert(offsetof(struct mvm_vcpu_events, exception) == 0);
static_assert(offsetof(struct mvm_vcpu_events, interrupt) == 8);
static_assert(offsetof(struct mvm_vcpu_events, nmi) == 16);
static_assert(offsetof(struct mvm_vcpu_events, flags) == 24);
static_assert(offsetof(struct mvm_vcpu_events, latched) == 28);
static_assert(offsetof(struct mvm_vcpu_events, reserved) == 32);

/* struct mvm_msr_entry */
static_assert(sizeof(struct mvm_msr_entry) == 16);
static_assert(offsetof(struct mvm_msr_entry, index) == 0);
static_assert(offsetof(struct mvm_msr_entry, reserved) == 4);
static_assert(offsetof(struct mvm_msr_entry, data) == 8);

/* struct mvm_msrs */
static_assert(sizeof(struct mvm_msrs) == 32);
static_assert(offsetof(struct mvm_msrs, nmsrs) == 0);
static_assert(offsetof(struct mvm_msrs, flags) == 4);
static_assert(offsetof(struct mvm_msrs, entries) == 8);
static_assert(offsetof(struct mvm_msrs, reserved) == 16);

/* struct mvm_xsave */
static_assert(sizeof(struct mvm_xsave) == 4128);
static_assert(offsetof(struct mvm_xsave, region) == 0);
static_assert(offsetof(struct mvm_xsave, flags) == 4096);
static_assert(offsetof(struct mvm_xsave, padding) == 4100);
static_assert(offsetof(struct mvm_xsave, reserved) == 4104);

/* struct mvm_xcrs */
static_assert(sizeof(struct mvm_xcrs) == 64);
static_assert(offsetof(struct mvm_xcrs, xcr0) == 0);
static_assert(offsetof(struct mvm_xcrs, flags) == 8);
static_assert(offsetof(struct mvm_xcrs, padding) == 12);
static_assert(offsetof(struct mvm_xcrs, reserved) == 16);

/* struct mvm_mp_state */
static_assert(sizeof(struct mvm_mp_state) == 32);
static_assert(offsetof(struct mvm_mp_state, state) == 0);
static_assert(offsetof(struct mvm_mp_state, flags) == 4);
static_assert(offsetof(struct mvm_mp_state, reserved) == 8);

/* struct mvm_lapic_state */
static_assert(sizeof(struct mvm_lapic_state) == 1056);
static_assert(offsetof(struct mvm_lapic_state, regs) == 0);
static_assert(offsetof(struct mvm_lapic_state, flags) == 1024);
static_assert(offsetof(struct mvm_lapic_state, padding) == 1028);
static_assert(offsetof(struct mvm_lapic_state, reserved) == 1032);

/* struct mvm_debugregs */
static_assert(sizeof(struct mvm_debugregs) == 120);
static_assert(offsetof(struct mvm_debugregs, db) == 0);
static_assert(offsetof(struct mvm_debugregs, dr6) == 32);
static_assert(offsetof(struct mvm_debugregs, dr7) == 40);
static_assert(offsetof(struct mvm_debugregs, flags) == 48);
static_assert(offsetof(struct mvm_debugregs, padding) == 52);
static_assert(offsetof(struct mvm_debugregs, reserved) == 56);

/* struct mvm_run */
static_assert(sizeof(struct mvm_run) == 504);
static_assert(offsetof(struct mvm_run, immediate_exit) == 0);
static_assert(offsetof(struct mvm_run, request_interrupt_window) == 1);
static_assert(offsetof(struct mvm_run, regs_dirty) == 2);
static_assert(offsetof(struct mvm_run, padding1) == 3);
static_assert(offsetof(struct mvm_run, exit_reason) == 8);
static_assert(offsetof(struct mvm_run, padding2) == 12);
static_assert(offsetof(struct mvm_run, if_flag) == 16);
static_assert(offsetof(struct mvm_run, ready_for_interrupt_injection) == 17);
static_assert(offsetof(struct mvm_run, padding3) == 18);
static_assert(offsetof(struct mvm_run, reserved) == 24);
static_assert(offsetof(struct mvm_run, regs) == 320);

#endif /* MVM_ABI_LAYOUT_H */

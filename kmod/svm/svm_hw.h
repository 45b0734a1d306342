/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * AMD SVM architectural constants (AMD64 APM vol. 2, chapter 15).
 */
#ifndef MVM_SVM_HW_H
#define MVM_SVM_HW_H

#include <linux/bits.h>

/* CPUID Fn8000_000A EDX: optional SVM features */
#define SVM_CPUID_LEAF			0x8000000a
#define SVM_CPUID_NPT			BIT(0)
#define SVM_CPUID_LBRV			BIT(1)
#define SVM_CPUID_SVML			BIT(2)
#define SVM_CPUID_NRIPS			BIT(3)
#define SVM_CPUID_TSC_RATE		BIT(4)
#define SVM_CPUID_VMCB_CLEAN		BIT(5)
#define SVM_CPUID_FLUSH_BY_ASID		BIT(6)
#define SVM_CPUID_DECODE_ASSISTS	BIT(7)
#define SVM_CPUID_PAUSE_FILTER		BIT(10)
#define SVM_CPUID_PAUSE_THRESH		BIT(12)
#define SVM_CPUID_AVIC			BIT(13)
#define SVM_CPUID_VMSAVE_VIRT		BIT(15)
#define SVM_CPUID_VGIF			BIT(16)

/* CPUID Fn8000_0008 EAX[7:0]: physical address width */
#define CPUID_ADDR_SIZES		0x80000008

/* MSRs */
#define SVM_MSR_VM_CR			0xc0010114
#define SVM_VM_CR_SVMDIS		BIT(4)	/* firmware disabled SVM */
#define SVM_MSR_VM_HSAVE_PA		0xc0010117

#define SVM_EFER_SVME			BIT(12)

/* The VMCB is one 4 KiB page, 4 KiB aligned. */
#define SVM_VMCB_SIZE			4096

#endif /* MVM_SVM_HW_H */

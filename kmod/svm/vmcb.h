/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VMCB (AMD64 APM vol. 2, appendix B): a 4 KiB page, the control area
 * at offset 0 and the state save area at 0x400.
 */
#ifndef MVM_SVM_VMCB_H
#define MVM_SVM_VMCB_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>

/* ---- Intercept vector 3 (offset 0x00c) ---- */
#define SVM_I3_INTR		BIT(0)
#define SVM_I3_NMI		BIT(1)
#define SVM_I3_SMI		BIT(2)
#define SVM_I3_INIT		BIT(3)
#define SVM_I3_VINTR		BIT(4)
#define SVM_I3_TR_WRITE		BIT(13)
#define SVM_I3_RDPMC		BIT(15)
#define SVM_I3_CPUID		BIT(18)
#define SVM_I3_RSM		BIT(19)
#define SVM_I3_IRET		BIT(20)
#define SVM_I3_INVD		BIT(22)
#define SVM_I3_HLT		BIT(24)
#define SVM_I3_INVLPGA		BIT(26)
#define SVM_I3_IOIO		BIT(27)
#define SVM_I3_MSR		BIT(28)
#define SVM_I3_TASK_SWITCH	BIT(29)
#define SVM_I3_FERR_FREEZE	BIT(30)
#define SVM_I3_SHUTDOWN		BIT(31)

/* ---- Intercept vector 4 (offset 0x010) ---- */
#define SVM_I4_VMRUN		BIT(0)	/* _must_ be set or VMRUN fails */
#define SVM_I4_VMMCALL		BIT(1)
#define SVM_I4_VMLOAD		BIT(2)
#define SVM_I4_VMSAVE		BIT(3)
#define SVM_I4_STGI		BIT(4)
#define SVM_I4_CLGI		BIT(5)
#define SVM_I4_SKINIT		BIT(6)
#define SVM_I4_RDTSCP		BIT(7)
#define SVM_I4_ICEBP		BIT(8)
#define SVM_I4_WBINVD		BIT(9)
#define SVM_I4_MONITOR		BIT(10)
#define SVM_I4_MWAIT		BIT(11)
#define SVM_I4_MWAIT_COND	BIT(12)
#define SVM_I4_XSETBV		BIT(13)
#define SVM_I4_RDPRU		BIT(14)

/* intercept_cr: writes of CRn */
#define SVM_CR_WRITE(n)		BIT(16 + (n))

/* int_ctl */
#define SVM_INT_V_TPR_MASK	0xfU
#define SVM_INT_V_IRQ		BIT(8)
#define SVM_INT_V_INTR_PRIO_SHIFT 16
#define SVM_INT_V_INTR_PRIO_MASK (0xfU << SVM_INT_V_INTR_PRIO_SHIFT)
#define SVM_INT_V_IGN_TPR	BIT(20)
#define SVM_INT_V_INTR_MASKING	BIT(24)

/* int_state */
#define SVM_INTERRUPT_SHADOW	BIT_ULL(0)

/* nested_ctl */
#define SVM_NESTED_NP_ENABLE	BIT_ULL(0)

/* tlb_control */
#define SVM_TLB_NONE		0
#define SVM_TLB_FLUSH_ALL	1
#define SVM_TLB_FLUSH_ASID	3

/* event_inj / exit_int_info */
#define SVM_EVTINJ_VEC_MASK	0xffU
#define SVM_EVTINJ_TYPE_SHIFT	8
#define SVM_EVTINJ_TYPE_MASK	(7U << SVM_EVTINJ_TYPE_SHIFT)
#define SVM_EVTINJ_TYPE_INTR	(0U << SVM_EVTINJ_TYPE_SHIFT)
#define SVM_EVTINJ_TYPE_NMI	(2U << SVM_EVTINJ_TYPE_SHIFT)
#define SVM_EVTINJ_TYPE_EXEPT	(3U << SVM_EVTINJ_TYPE_SHIFT)
#define SVM_EVTINJ_TYPE_SOFT	(4U << SVM_EVTINJ_TYPE_SHIFT)
#define SVM_EVTINJ_VALID_ERR	BIT(11)
#define SVM_EVTINJ_VALID	BIT(31)

/* Segment attributes, the descriptor's bits 8-15 and 20-23 packed. */
#define SVM_SEG_TYPE_MASK	0xf
#define SVM_SEG_S		BIT(4)
#define SVM_SEG_DPL_SHIFT	5
#define SVM_SEG_P		BIT(7)
#define SVM_SEG_AVL		BIT(8)
#define SVM_SEG_L		BIT(9)
#define SVM_SEG_DB		BIT(10)
#define SVM_SEG_G		BIT(11)

/* ---- Exit codes ---- */
#define SVM_EXIT_CR0_WRITE	0x010
#define SVM_EXIT_CR4_WRITE	0x014
#define SVM_EXIT_CR8_WRITE	0x018
#define SVM_EXIT_DR0_READ	0x020
#define SVM_EXIT_DR7_READ	0x027
#define SVM_EXIT_DR0_WRITE	0x030
#define SVM_EXIT_DR7_WRITE	0x037
#define SVM_EXIT_EXCP_BASE	0x040
#define SVM_EXIT_EXCP_DB	0x041
#define SVM_EXIT_EXCP_AC	0x051
#define SVM_EXIT_EXCP_MC	0x052
#define SVM_EXIT_INTR		0x060
#define SVM_EXIT_NMI		0x061
#define SVM_EXIT_SMI		0x062
#define SVM_EXIT_INIT		0x063
#define SVM_EXIT_VINTR		0x064
#define SVM_EXIT_TR_WRITE	0x06d
#define SVM_EXIT_RDPMC		0x06f
#define SVM_EXIT_CPUID		0x072
#define SVM_EXIT_RSM		0x073
#define SVM_EXIT_IRET		0x074
#define SVM_EXIT_INVD		0x076
#define SVM_EXIT_HLT		0x078
#define SVM_EXIT_INVLPGA	0x07a
#define SVM_EXIT_IOIO		0x07b
#define SVM_EXIT_MSR		0x07c
#define SVM_EXIT_TASK_SWITCH	0x07d
#define SVM_EXIT_FERR_FREEZE	0x07e
#define SVM_EXIT_SHUTDOWN	0x07f
#define SVM_EXIT_VMRUN		0x080
#define SVM_EXIT_VMMCALL	0x081
#define SVM_EXIT_VMLOAD		0x082
#define SVM_EXIT_VMSAVE		0x083
#define SVM_EXIT_STGI		0x084
#define SVM_EXIT_CLGI		0x085
#define SVM_EXIT_SKINIT		0x086
#define SVM_EXIT_RDTSCP		0x087
#define SVM_EXIT_ICEBP		0x088
#define SVM_EXIT_WBINVD		0x089
#define SVM_EXIT_MONITOR	0x08a
#define SVM_EXIT_MWAIT		0x08b
#define SVM_EXIT_MWAIT_COND	0x08c
#define SVM_EXIT_XSETBV		0x08d
#define SVM_EXIT_RDPRU		0x08e
#define SVM_EXIT_NPF		0x400
#define SVM_EXIT_INVALID	((u64)-1)	/* VMRUN refused the state */
#define SVM_EXIT_MAX		0x401		/* handler table size */

/* EXITINFO1 of IOIO */
#define SVM_IOIO_IN		BIT(0)
#define SVM_IOIO_STR		BIT(2)
#define SVM_IOIO_REP		BIT(3)
#define SVM_IOIO_SIZE_SHIFT	4
#define SVM_IOIO_SIZE_MASK	(7U << SVM_IOIO_SIZE_SHIFT)
#define SVM_IOIO_PORT_SHIFT	16

/* EXITINFO1 of NPF: a page-fault error code */
#define SVM_NPF_PRESENT		BIT_ULL(0)
#define SVM_NPF_WRITE		BIT_ULL(1)
#define SVM_NPF_FETCH		BIT_ULL(4)

/* ---- Layout ---- */
struct vmcb_seg {
	u16 selector;
	u16 attrib;
	u32 limit;
	u64 base;
} __packed;

struct vmcb_control {
	u32 intercept_cr;		/* 0x000: reads 15:0, writes 31:16 */
	u32 intercept_dr;		/* 0x004 */
	u32 intercept_exceptions;	/* 0x008 */
	u32 intercept3;			/* 0x00c: SVM_I3_* */
	u32 intercept4;			/* 0x010: SVM_I4_* */
	u32 intercept5;			/* 0x014 */
	u8 reserved_018[0x03c - 0x018];
	u16 pause_filter_thresh;	/* 0x03c */
	u16 pause_filter_count;		/* 0x03e */
	u64 iopm_base_pa;		/* 0x040 */
	u64 msrpm_base_pa;		/* 0x048 */
	u64 tsc_offset;			/* 0x050 */
	u32 asid;			/* 0x058 */
	u8 tlb_control;			/* 0x05c */
	u8 reserved_05d[3];
	u32 int_ctl;			/* 0x060 */
	u32 int_vector;			/* 0x064 */
	u64 int_state;			/* 0x068 */
	u64 exit_code;			/* 0x070 */
	u64 exit_info_1;		/* 0x078 */
	u64 exit_info_2;		/* 0x080 */
	u64 exit_int_info;		/* 0x088 */
	u64 nested_ctl;			/* 0x090 */
	u64 avic_vapic_bar;		/* 0x098 */
	u64 ghcb_gpa;			/* 0x0a0 */
	u64 event_inj;			/* 0x0a8 */
	u64 nested_cr3;			/* 0x0b0 */
	u64 virt_ext;			/* 0x0b8 */
	u32 clean;			/* 0x0c0 */
	u32 reserved_0c4;
	u64 next_rip;			/* 0x0c8 */
	u8 insn_len;			/* 0x0d0 */
	u8 insn_bytes[15];		/* 0x0d1 */
	u8 reserved_0e0[0x400 - 0x0e0];
} __packed;

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs;	/* 0x400.. */
	struct vmcb_seg gdtr, ldtr, idtr, tr;	/* 0x460.. */
	u8 reserved_4a0[0x4cb - 0x4a0];
	u8 cpl;					/* 0x4cb */
	u32 reserved_4cc;
	u64 efer;				/* 0x4d0 */
	u8 reserved_4d8[0x548 - 0x4d8];
	u64 cr4;				/* 0x548 */
	u64 cr3;
	u64 cr0;
	u64 dr7;
	u64 dr6;
	u64 rflags;
	u64 rip;				/* 0x578 */
	u8 reserved_580[0x5d8 - 0x580];
	u64 rsp;				/* 0x5d8 */
	u64 s_cet, ssp, isst_addr;
	u64 rax;				/* 0x5f8 */
	u64 star, lstar, cstar, sfmask;
	u64 kernel_gs_base;			/* 0x620 */
	u64 sysenter_cs, sysenter_esp, sysenter_eip;
	u64 cr2;				/* 0x640 */
	u8 reserved_648[0x668 - 0x648];
	u64 g_pat;				/* 0x668 */
	u64 dbgctl;
	u64 br_from, br_to;
	u64 last_excp_from, last_excp_to;	/* 0x688, 0x690 */
	u8 reserved_698[0x6e0 - 0x698];
	u64 spec_ctrl;				/* 0x6e0, with V_SPEC_CTRL */
	u8 reserved_6e8[0x1000 - 0x6e8];
} __packed;

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
} __packed;

static_assert(sizeof(struct vmcb_seg) == 16);
static_assert(sizeof(struct vmcb_control) == 0x400);
static_assert(offsetof(struct vmcb_control, iopm_base_pa) == 0x040);
static_assert(offsetof(struct vmcb_control, asid) == 0x058);
static_assert(offsetof(struct vmcb_control, int_vector) == 0x064);
static_assert(offsetof(struct vmcb_control, exit_code) == 0x070);
static_assert(offsetof(struct vmcb_control, nested_cr3) == 0x0b0);
static_assert(offsetof(struct vmcb_control, next_rip) == 0x0c8);
static_assert(offsetof(struct vmcb, save) == 0x400);
static_assert(offsetof(struct vmcb, save.cpl) == 0x4cb);
static_assert(offsetof(struct vmcb, save.efer) == 0x4d0);
static_assert(offsetof(struct vmcb, save.cr4) == 0x548);
static_assert(offsetof(struct vmcb, save.rip) == 0x578);
static_assert(offsetof(struct vmcb, save.rsp) == 0x5d8);
static_assert(offsetof(struct vmcb, save.rax) == 0x5f8);
static_assert(offsetof(struct vmcb, save.kernel_gs_base) == 0x620);
static_assert(offsetof(struct vmcb, save.cr2) == 0x640);
static_assert(offsetof(struct vmcb, save.g_pat) == 0x668);
static_assert(offsetof(struct vmcb, save.spec_ctrl) == 0x6e0);
static_assert(sizeof(struct vmcb) == 4096);

/* I/O and MSR permission maps: 12 KiB and 8 KiB, physically contiguous. */
#define SVM_IOPM_ORDER		2
#define SVM_MSRPM_ORDER		1

#endif /* MVM_SVM_VMCB_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mvm: VMX backend internals.
 */
#ifndef MVM_VMX_H
#define MVM_VMX_H

#include "../mvm.h"

extern const struct mvm_s2_fmt vmx_ept_fmt;

#endif /* MVM_VMX_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mvm: the vendor-neutral x86 layer: architectural rules both backends
 * apply once their own exit information is decoded.
 */
#ifndef MVM_X86_H
#define MVM_X86_H

#include <linux/types.h>

/*
 * Is xcr0 a value XSETBV takes on a CPU that supports the features in
 * supported?  The SDM's XSETBV rules and the APM's: x87 always on, AVX
 * only with SSE, the three AVX-512 components all or none and only with
 * AVX, MPX's two together, AMX's two together, nothing unsupported.
 */
bool mvm_xcr0_valid(u64 xcr0, u64 supported);

/*
 * The XCR0 bits a guest may set on this host: what the host kernel
 * enabled, limited to what the guest's FPU buffer (features) holds.
 */
u64 mvm_guest_xcr0_supported(u64 features);

#endif /* MVM_X86_H */

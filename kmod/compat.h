/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mvm: what differs between the kernels mvm builds against, absorbed here.
 * Kbuild tests the headers for each difference (MVM_HAVE_* flags), which
 * also covers stable and distribution kernels that backported a change.
 */
#ifndef MVM_COMPAT_H
#define MVM_COMPAT_H

#include <linux/eventfd.h>

/* Linux 6.8 dropped the count argument of eventfd_signal(). */
static inline void mvm_eventfd_signal(struct eventfd_ctx *ctx)
{
#ifdef MVM_HAVE_EVENTFD_SIGNAL_NOCOUNT
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

#endif /* MVM_COMPAT_H */

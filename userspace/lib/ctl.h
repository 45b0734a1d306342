/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libmvm: the control socket (lib/ctl.c), a UNIX stream socket that takes
 * one JSON object per line and answers each with one JSON object per
 * line:
 *
 *   {"cmd": "pause"}   ->  {"ok": true}
 *   {"cmd": "status"}  ->  {"ok": true, "state": "running", ...}
 *   anything wrong     ->  {"ok": false, "error": "<what>"}
 *
 * A request that is not a JSON object, has an unknown command or
 * argument, or a line longer than MVM_CTL_LINE_MAX, is answered with an
 * error and changes nothing (the over-long line also ends the
 * connection); a client that hangs up before its newline changes nothing.
 */
#ifndef MVM_CTL_H
#define MVM_CTL_H

#include <stddef.h>

#include "libmvm.h"

#define MVM_CTL_LINE_MAX	4096
#define MVM_CTL_CLIENTS		4	/* served at once; more wait */

struct mvm_ctl;

/*
 * Listen on path (created mode 0600; an existing path is refused with
 * EADDRINUSE, never replaced) for m.  Clients may connect at once; their
 * requests wait in the socket until mvm_ctl_serve(), which drops those
 * whose client hung up meanwhile, unread.  NULL with errno on failure.
 */
struct mvm_ctl *mvm_ctl_listen(struct mvm_machine *m, const char *path);
/* Serve the requests on a thread of its own: 0, or -1 with errno. */
int mvm_ctl_serve(struct mvm_ctl *c);
/* mvm_ctl_listen() and mvm_ctl_serve() at once. */
struct mvm_ctl *mvm_ctl_start(struct mvm_machine *m, const char *path);
/* A client's connection to the socket at path: a descriptor, or -1. */
int mvm_ctl_connect(const char *path);
/*
 * End the thread (if it was serving), close every connection, remove the
 * socket.  NULL is fine.
 */
void mvm_ctl_stop(struct mvm_ctl *c);

/*
 * Answer one request (len bytes, no newline) into reply (NUL-terminated,
 * no newline, at most cap bytes).  Returns 1 when the request was
 * carried out, 0 when it was refused.
 */
int mvm_ctl_handle(struct mvm_machine *m, const char *req, size_t len,
		   char *reply, size_t cap);

#endif /* MVM_CTL_H */

/* SPDX-License-Identifier: MIT */
/*
 * sysgate-helper, the emulation helper program (main.c): it becomes one
 * caller (become.c) and then serves the daemon's requests with exactly that
 * caller's rights (serve.c).  The daemon starts it (spawn.c) and checks all it
 * returns; nothing here is trusted by the daemon.
 */
#pragma once

#include <stdint.h>

/* become.c */

/* Join what join (HELPER_JOIN_*) names, take the caller's groups, root, ids and
 * capabilities from the fds of the exec contract (wire.h); close them.  0, or -errno
 * with the step that failed in *ret_step. */
int helper_become(unsigned join, uint32_t *ret_step);

/* serve.c */

/* Answer the daemon's requests on sock until it closes it: 0; -EBADMSG when it sent
 * something malformed; other -errno when the socket failed. */
int helper_serve(int sock);

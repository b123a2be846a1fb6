/* SPDX-License-Identifier: MIT */
/* Between trace.c (tracees, stops) and trace_stop.c (a seccomp stop decided and carried out). */
#pragma once

#include <sys/types.h>

struct session;

/* trace_stop.c */

/* tid is in a PTRACE_EVENT_SECCOMP stop: decide its call under s's policy, carry
 * the verdict out in its registers (or kill it), resume it, count and record. */
void trace_seccomp_stop(struct session *s, pid_t tid);

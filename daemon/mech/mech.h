/* SPDX-License-Identifier: MIT */
/*
 * The three ways a routed call reaches the daemon: notify.c (a seccomp
 * listener, with wakeup.c choosing how its tasks are woken), trace.c and
 * trace_stop.c (the daemon as ptracer), trap.c (the in-process SIGSYS shim).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

#include <event2/event.h>

#include "daemon.h"

struct conn;
struct session;
struct sg_msg_trap_call;
struct sg_call;
struct verdict;

/* notify.c */

/* libevent callback of a session's listener. */
void notify_cb(evutil_socket_t fd, short what, void *arg);
/* Handle at most one pending notification: 1 one was answered (or had left),
 * 0 none pending within timeout_ms (0: do not wait), -EPIPE when no task uses
 * the filter any more, other -errno on a broken listener. */
int notify_handle(struct session *s, int timeout_ms);
/* Answer an emulated call whose helper job is over: SEND as v says (unless ADDFD with
 * SEND answered it already), then count and record it; a task that left is neither. */
void notify_answer_job(struct session *s, uint64_t id, const struct sg_call *c,
		       const struct verdict *v, bool answered);

/* wakeup.c */

/* Count busy sessions periodically; synchronous wake-up on while they fit the CPUs. */
int wakeup_start(struct sysgated *d);
void wakeup_stop(struct sysgated *d);
/* One tick: count the sessions busy since the last tick, switch the mode (exposed for tests). */
void wakeup_tick(struct sysgated *d);
/* Apply the current wake-up mode to a new notify session's listener. */
void wakeup_session_start(struct session *s);
/* trace.c */

/* PTRACE_SEIZE pid (the shim's child, not yet filtered) with the trace options; on
 * failure a negative errno and the reason for the ERROR reply. */
int trace_attach(struct sysgated *d, pid_t pid, char *reason, size_t reason_size);
/* pid, attached by trace_attach(), belongs to s from now on. */
int trace_track(struct session *s, pid_t pid);
/* s is being freed: kill its remaining tracees (fail closed) and forget them. */
void trace_session_gone(struct session *s);
/* Free the tracee map and its SIGCHLD event (after every session). */
void trace_done(struct sysgated *d);

/* trap.c */

/* REGISTER of a trap session: the target must be the peer itself, in the daemon's pid namespace. */
int trap_check_peer(const struct conn *c, uint32_t target, char *reason, size_t size);
/* Tie a new trap session to the connection that registered it. */
void trap_link(struct session *s, struct conn *c);
/* Undo trap_link (the session or the connection goes away); no-op for other sessions. */
void trap_unlink(struct session *s);
/* TRAP_CALL on a connection: decide, carry out a kill, reply TRAP_VERDICT. */
void trap_handle_call(struct conn *c, const struct sg_msg_trap_call *call);

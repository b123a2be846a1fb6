/* SPDX-License-Identifier: MIT */
/*
 * The trap mechanism, daemon side: a process running libsysgate-preload.so
 * registers a session for itself on its own connection (no listener fd), then
 * sends one TRAP_CALL per syscall its SIGSYS handler caught and waits for the
 * TRAP_VERDICT.  The caller's identity is the connection's SO_PEERCRED and
 * pidfd, never what the packet claims: the tid must be a thread of that
 * process.  A kill is carried out here, through the session's pidfd.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conn.h"
#include "daemon.h"
#include "log.h"
#include "mech/mech.h"
#include "proc.h"
#include "verdict.h"

/* REGISTER of a trap session: the peer registers itself; see daemon.h. */
int trap_check_peer(const struct conn *c, uint32_t target, char *reason, size_t size)
{
	struct proc_status st;
	int r;

	if (c->trap_session) {
		snprintf(reason, size, "this connection already has a trap session");
		return -EBUSY;
	}
	if (c->pid <= 0) {
		snprintf(reason, size, "the registering process is not visible to the daemon");
		return -ESRCH;
	}
	r = proc_status_read(c->pid, &st);
	if (r < 0) {
		snprintf(reason, size, "cannot read the registering process: %s", strerror(-r));
		return r;
	}
	/* Thread ids in TRAP_CALL are the peer's own: only comparable in one pid namespace. */
	if ((st.have & PROC_HAVE_NSPID) && st.n_nspid != 1) {
		snprintf(reason, size, "trap needs the process in the daemon's pid namespace");
		return -EOPNOTSUPP;
	}
	if ((uint32_t)c->pid != target) {
		snprintf(reason, size, "a trap session is registered by its target itself "
			 "(pid %" PRIu32 " is not the registering process)", target);
		return -EPERM;
	}
	return 0;
}

/* Tie a new trap session to its connection; see daemon.h. */
void trap_link(struct session *s, struct conn *c)
{
	s->trap_conn = c;
	c->trap_session = s;
}

/* Undo trap_link; see daemon.h. */
void trap_unlink(struct session *s)
{
	if (!s->trap_conn)
		return;
	s->trap_conn->trap_session = NULL;
	s->trap_conn = NULL;
}

/* Whether tid is a live thread of the session's process (checked after, via the pidfd). */
static bool tid_of_session(const struct session *s, pid_t tid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)s->target_pid, (int)tid);
	if (stat(path, &st) < 0)
		return false;
	/* the pid still names the registered process, not one that reused it */
	return syscall(SYS_pidfd_send_signal, s->pidfd, 0, NULL, 0) == 0;
}

static void reply(struct conn *c, enum sg_trap_action action, int64_t value)
{
	ssize_t n = proto_encode_trap_verdict(c->d->obuf, SG_MSG_MAX, action, value);

	if (n < 0) {
		conn_close(c);
		return;
	}
	(void)conn_send(c, c->d->obuf, (size_t)n, false);
}

/* TRAP_CALL: decide, carry out a kill, reply; see daemon.h. */
void trap_handle_call(struct conn *c, const struct sg_msg_trap_call *tc)
{
	struct session *s = c->trap_session;
	enum sg_trap_action action = SG_TRAP_RETURN;
	int64_t value = 0;
	struct verdict v;
	struct sg_call call = { 0 };

	if (!s) {
		log_info("pid %d: trap call without a trap session, closing", (int)c->pid);
		conn_close(c);
		return;
	}
	call.arch = tc->arch;
	call.nr = tc->nr;
	memcpy(call.args, tc->args, sizeof(call.args));
	call.ip = tc->ip;
	call.tid = (pid_t)tc->tid;
	if (!tid_of_session(s, call.tid)) {
		/* Not a thread of the registered process: a lie or a child on an inherited
		 * socket. Fail closed without deciding anything. */
		log_info("session %" PRIu64 ": tid %d is not a thread of pid %d, denying",
			 s->id, (int)call.tid, (int)s->target_pid);
		reply(c, SG_TRAP_RETURN, -EPERM);
		return;
	}
	verdict_decide(s, &call, false, &v);
	if (v.kind == SG_ACT_KILL) {
		conn_tell_killed(s, s->target_pid);
		if (syscall(SYS_pidfd_send_signal, s->pidfd, SIGKILL, NULL, 0) < 0) {
			log_err(negative_errno(), "session %" PRIu64 ": cannot kill pid %d, "
				"denying its call", s->id, (int)s->target_pid);
			verdict_kill_failed(&v);
		}
	}
	switch (v.kind) {
	case SG_ACT_ALLOW:
		action = SG_TRAP_ALLOW;
		break;
	case SG_ACT_FAKE:
		value = v.value;
		break;
	case SG_ACT_KILL:
		action = SG_TRAP_KILL;
		break;
	default:
		value = -(int64_t)v.err;
		break;
	}
	/* Count and record first: a failed reply closes c, which ends s. */
	verdict_done(s, &call, &v);
	reply(c, action, value);
}

/* SPDX-License-Identifier: MIT */
/*
 * The notify mechanism: receive one seccomp user notification, decide it with
 * the session's policy, answer the kernel, count it and record it.  The core
 * reads no target memory: an allow is SECCOMP_USER_NOTIF_FLAG_CONTINUE decided
 * from registers only.  Who made the call (comm, exe, ids) is read from /proc
 * only for recorded calls, and trusted only after SECCOMP_IOCTL_NOTIF_ID_VALID
 * says the task is still the one that made it.  An emulated call that the
 * session's helper carries out is answered later, when its job is over
 * (notify_answer_job); meanwhile the listener keeps being served.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conn.h"
#include "daemon.h"
#include "emu/emu.h"
#include "log.h"
#include "mech/mech.h"

static int notif_id_valid(int fd, uint64_t id)
{
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0)
		return negative_errno();
	return 0;
}

/* SECCOMP_IOCTL_NOTIF_SEND; 0, or -ENOENT when the task left (not an error). */
static int respond(struct session *s, uint64_t id, const struct verdict *ans)
{
	struct seccomp_notif_resp *resp = s->resp;

	memset(resp, 0, s->resp_size);
	resp->id = id;
	switch (ans->kind) {
	case SG_ACT_ALLOW:
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		break;
	case SG_ACT_FAKE:
		resp->val = ans->value;
		break;
	case SG_ACT_DENY:
		resp->error = -ans->err;
		break;
	default: /* KILL: the task is dying, the answer only completes the protocol */
		resp->error = -EPERM;
		break;
	}
	while (ioctl(s->fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == ENOENT) {
			log_debug("session %" PRIu64 ": id %llu: the task left before the answer",
				  s->id, (unsigned long long)id);
			return -ENOENT;
		}
		return log_warn(negative_errno(), "session %" PRIu64 ": answer id %llu failed, "
				"ignoring", s->id, (unsigned long long)id);
	}
	return 0;
}

/*
 * Kill the whole calling process: its thread group through a pidfd, opened
 * before ID_VALID confirms the tgid still belongs to the task that made the
 * call.  1 killed, 0 the task left (drop the notification), < 0 cannot kill.
 */
static int kill_caller(struct session *s, const struct task_meta *m)
{
	_cleanup_close_ int pidfd = -EBADF;
	int r;

	if (!m->have_status)
		return notif_id_valid(s->fd, s->req->id) == -ENOENT ? 0 : -ESRCH;
	pidfd = (int)syscall(SYS_pidfd_open, m->tgid, 0);
	if (pidfd < 0) {
		r = negative_errno();
		return notif_id_valid(s->fd, s->req->id) == -ENOENT ? 0 : r;
	}
	r = notif_id_valid(s->fd, s->req->id);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	conn_tell_killed(s, m->tgid);
	if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0)
		return negative_errno();
	return 1;
}

/* The call of a notification, in the daemon's terms. */
static void call_of(const struct seccomp_notif *req, struct sg_call *c)
{
	c->arch = req->data.arch;
	c->nr = req->data.nr;
	memcpy(c->args, req->data.args, sizeof(c->args));
	c->ip = req->data.instruction_pointer;
	c->tid = (pid_t)req->pid;
}

/* Answer one received notification. */
static void handle(struct session *s)
{
	const struct seccomp_notif *req = s->req;
	bool starting = session_state(s) == SG_SESSION_STARTING;
	struct verdict v;
	struct sg_call c;
	int r;

	s->state = SG_SESSION_RUNNING;
	call_of(req, &c);
	verdict_decide(s, &c, starting, &v);

	if (v.kind == SG_ACT_KILL) {
		r = kill_caller(s, &v.meta);
		if (r == 0) {
			log_debug("session %" PRIu64 ": task %u left before it could be killed",
				  s->id, req->pid);
			return;
		}
		if (r < 0) { /* fail closed: the call is denied */
			log_err(r, "session %" PRIu64 ": cannot kill pid %u, denying its call",
				s->id, req->pid);
			verdict_kill_failed(&v);
		}
	} else if (v.kind == SG_ACT_EMULATE) {
		/* The emulator confirms the task with ID_VALID before it acts. */
		r = emulate_notify(s, &c, &v);
		if (r == EMU_QUEUED) /* the session's helper carries it out; answered later */
			return;
		if (r == -ENOENT) {
			log_debug("session %" PRIu64 ": task %u left before the answer", s->id,
				  req->pid);
			return;
		}
		if (r == 1) { /* answered with the injected fd */
			verdict_done(s, &c, &v);
			json_object_put(v.call.emu);
			return;
		}
	} else if (v.record && notif_id_valid(s->fd, req->id) == -ENOENT) {
		/* The task left or was interrupted: the call did not happen, and what we
		 * read may belong to another process that reused the pid. */
		log_debug("session %" PRIu64 ": task %u left before the answer", s->id, req->pid);
		return;
	}

	(void)respond(s, req->id, &v);
	verdict_done(s, &c, &v);
	if (v.call.emu)
		json_object_put(v.call.emu);
}

/* Answer an emulated call whose helper job is over; see mech.h. */
void notify_answer_job(struct session *s, uint64_t id, const struct sg_call *c,
		       const struct verdict *v, bool answered)
{
	if (!answered && respond(s, id, v) == -ENOENT)
		return; /* the task left: the call did not happen */
	verdict_done(s, c, v);
}

/* Handle at most one pending notification; see daemon.h. */
int notify_handle(struct session *s, int timeout_ms)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	int r;

	/* RECV on a listener no task uses any more would block forever: poll first. */
	do
		r = poll(&pfd, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return negative_errno();
	if (r == 0)
		return 0;
	if (!(pfd.revents & POLLIN))
		return pfd.revents & (POLLHUP | POLLERR | POLLNVAL) ? -EPIPE : 0;

	memset(s->req, 0, s->req_size); /* the kernel wants it zeroed (EINVAL otherwise) */
	while (ioctl(s->fd, SECCOMP_IOCTL_NOTIF_RECV, s->req) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == ENOENT) /* the task left between poll and RECV */
			return 1;
		return negative_errno();
	}
	handle(s);
	return 1;
}

/* libevent callback of a session's listener. */
void notify_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	int r = 0;

	(void)fd;
	(void)what;
	for (unsigned i = 0; i < SG_NOTIFY_BATCH; i++) {
		r = notify_handle(s, 0);
		if (r <= 0)
			break;
	}
	if (r == -EPIPE)
		session_end(s, "no task uses the filter any more");
	else if (r < 0) {
		log_warn(r, "session %" PRIu64 ": listener failed, ending the session", s->id);
		session_end(s, "listener failed");
	}
}

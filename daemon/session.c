/* SPDX-License-Identifier: MIT */
/*
 * Sessions: REGISTER validated end to end (listener fd, mechanism, policy,
 * target process, owner), the listener added to the loop, and the end of a
 * session with its record.  session_policy_admit() is the one check of what a
 * session may run, for REGISTER and for policy load (swap.c).  Identity comes from SO_PEERCRED and /proc, read
 * through pidfds so a reused pid is never taken for the process it replaced.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conn.h"
#include "daemon.h"
#include "helper/helper.h"
#include "log.h"
#include "mech/mech.h"
#include "proc.h"
#include "session.h"

#define SG_CHILDREN_MAX 4096 /* children of the registering process we look at */

static int pidfd_open_pid(pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	return fd < 0 ? negative_errno() : fd;
}

/* 0 while the process behind pidfd is alive (not reaped), -ESRCH after. */
static int pidfd_alive(int pidfd)
{
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
		return negative_errno();
	return 0;
}

/* Whether fd is a seccomp user-notification listener. */
bool fd_is_seccomp_listener(int fd)
{
	char link[64];

	return proc_fd_link(fd, link, sizeof(link)) > 0 &&
	       strcmp(link, "anon_inode:seccomp notify") == 0;
}

/*
 * pid as the daemon sees it is `target` (as the peer sees it) and is the peer
 * or its child: open a pidfd, then confirm from /proc and that the pidfd is
 * still alive, so the pid was not reused in between.  1 with *ret_st filled
 * and the pidfd returned in *ret_pidfd, 0 when it is not the one.
 */
static int check_candidate(pid_t pid, const struct conn *c, unsigned depth, uint32_t target,
			   int *ret_pidfd, struct proc_status *ret_st)
{
	_cleanup_close_ int pidfd = -EBADF;
	struct proc_status st;
	int r;

	pidfd = pidfd_open_pid(pid);
	if (pidfd == -ESRCH)
		return 0;
	if (pidfd < 0)
		return pidfd;
	r = proc_status_read(pid, &st);
	if (r == -ESRCH)
		return 0;
	if (r < 0)
		return r;
	if (!(st.have & PROC_HAVE_UID))
		return -EIO;
	if (st.have & PROC_HAVE_NSPID) {
		if (st.n_nspid <= depth || (uint32_t)st.nspid[depth] != target)
			return 0;
	} else if ((uint32_t)pid != target) { /* before 4.1: one pid namespace assumed */
		return 0;
	}
	if (pid != c->pid && (!(st.have & PROC_HAVE_PPID) || st.ppid != c->pid))
		return 0;
	r = pidfd_alive(pidfd);
	if (r == -ESRCH)
		return 0;
	if (r < 0)
		return r;
	*ret_st = st;
	*ret_pidfd = TAKE_FD(pidfd);
	return 1;
}

/* A child of the peer that is target (see check_candidate): 1 with *ret_pid, 0 when none is. */
static int find_child(const struct conn *c, unsigned depth, uint32_t target, pid_t *ret_pid,
		      int *ret_pidfd, struct proc_status *ret_st)
{
	_cleanup_free_ pid_t *kids = calloc(SG_CHILDREN_MAX, sizeof(*kids));
	size_t n = 0;
	int r;

	if (!kids)
		return -ENOMEM;
	r = proc_children(c->pid, kids, SG_CHILDREN_MAX, &n);
	if (r == -E2BIG) /* look at the first SG_CHILDREN_MAX anyway */
		r = 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		r = check_candidate(kids[i], c, depth, target, ret_pidfd, ret_st);
		if (r > 0)
			*ret_pid = kids[i];
	}
	return r;
}

/*
 * The registered target must be the peer itself or a child of the peer.  The
 * peer names it in its own pid namespace: compare each child's NSpid entry at
 * the peer's depth, so a shim in a container works too.
 */
static int find_target(const struct conn *c, uint32_t target, pid_t *ret_pid, int *ret_pidfd,
		       char *reason, size_t size)
{
	struct proc_status peer, st;
	unsigned depth = 0;
	pid_t found = 0;
	int pidfd = -EBADF, r;

	if (c->pid <= 0) {
		snprintf(reason, size, "the registering process is not visible to the daemon");
		return -ESRCH;
	}
	r = proc_status_read(c->pid, &peer);
	if (r < 0) {
		snprintf(reason, size, "cannot read the registering process: %s", strerror(-r));
		return r;
	}
	if (peer.have & PROC_HAVE_NSPID)
		depth = peer.n_nspid - 1;

	r = check_candidate(c->pid, c, depth, target, &pidfd, &st);
	if (r > 0)
		found = c->pid;
	else if (r == 0)
		r = find_child(c, depth, target, &found, &pidfd, &st);
	if (r < 0) {
		snprintf(reason, size, "cannot verify pid %" PRIu32 ": %s", target, strerror(-r));
		return r;
	}
	if (!found) {
		snprintf(reason, size, "pid %" PRIu32 " is neither the registering process nor one "
			 "of its children", target);
		return -ESRCH;
	}
	/* A registering process alive now still is the one SO_PEERCRED named. */
	if (c->pidfd >= 0 && pidfd_alive(c->pidfd) < 0) {
		safe_close(pidfd);
		snprintf(reason, size, "the registering process has exited");
		return -ESRCH;
	}
	if (c->uid != 0 && st.ruid != c->uid) {
		safe_close(pidfd);
		snprintf(reason, size, "pid %" PRIu32 " belongs to another user", target);
		return -EPERM;
	}
	*ret_pid = found;
	*ret_pidfd = pidfd;
	return 0;
}

/* Whether uid may start one more session. */
static bool session_allowed(struct sysgated *d, uid_t uid)
{
	const struct session *s;
	size_t n = 0;

	if (d->n_sessions >= SG_SESSIONS_MAX)
		return false;
	if (uid == 0)
		return true;
	TAILQ_FOREACH(s, &d->sessions, entry)
		n += s->uid == uid;
	return n < SG_SESSIONS_PER_UID;
}

/* The administrator's bounds apply; see session.h. */
bool session_bounded_owner(uid_t owner)
{
	return geteuid() == 0 && owner != 0;
}

/* session_bounded_owner() of s's owner; see session.h. */
bool session_bounded(const struct session *s)
{
	return session_bounded_owner(s->uid);
}

/* What a session may run: the one check of REGISTER and policy load; see session.h. */
int session_policy_admit(enum sg_mechanism mech, uint32_t reg_flags,
			 const struct emu_bounds *bounds, const char *name,
			 size_t name_len, const char *text, size_t text_len,
			 struct sg_policy **ret, char *reason, size_t size)
{
	_cleanup_(policy_freep) struct sg_policy *p = NULL;
	struct sg_policy_error e = { 0 };
	int r;

	if (name_len >= SG_POLICY_NAME_MAX) { /* it is in every record */
		snprintf(reason, size, "policy name too long (max %d bytes)",
			 SG_POLICY_NAME_MAX - 1);
		return -ENAMETOOLONG;
	}
	r = policy_parse(text, text_len, name_len ? name : NULL, &p, &e);
	if (r >= 0)
		r = policy_check_loadable(p, &e);
	/* The emulators work through the notify listener. */
	if (r >= 0 && mech != SG_MECH_NOTIFY)
		r = policy_check_no_emulate(p, proto_mechanism_name(mech), &e);
	if (r >= 0 && bounds)
		r = bounds_check_policy(bounds, p, &e);
	if (r < 0) {
		if (e.msg[0])
			policy_error_format(&e, reason, size);
		else
			snprintf(reason, size, "policy: %s", strerror(-r));
		return r;
	}
	if ((reg_flags & SG_REG_LEARN) && (p->def.kind != SG_ACT_ALLOW || p->n_rules != 0)) {
		snprintf(reason, size, "a learning session's policy must allow every call");
		return -EINVAL;
	}
	*ret = TAKE_PTR(p);
	return 0;
}

/* REGISTER's checks before the policy: the mechanism, the quota, the listener or trap peer. */
static int register_check(struct sysgated *d, const struct conn *c,
			  const struct sg_msg_register *reg, int fd, char *reason, size_t size)
{
	if (reg->mechanism >= SG_MECH_MAX) { /* proto_decode checks it too */
		snprintf(reason, size, "unknown mechanism %u", reg->mechanism);
		return -EINVAL;
	}
	if (!session_allowed(d, c->uid)) {
		snprintf(reason, size, "too many sessions");
		return -EUSERS;
	}
	if (reg->mechanism == SG_MECH_TRAP)
		return trap_check_peer(c, reg->target_pid, reason, size);
	if (reg->mechanism == SG_MECH_NOTIFY && !fd_is_seccomp_listener(fd)) {
		snprintf(reason, size, "the file descriptor is not a seccomp listener");
		return -EBADF;
	}
	return 0;
}

/* Create the session of a checked REGISTER (trace: its target attached) and finish its
 * set-up; announced (session-start) only once nothing can fail any more, so a session
 * freed here leaves no record.  Takes ownership of fd, pidfd and p. */
static int register_start(struct sysgated *d, const struct conn *c,
			  const struct sg_msg_register *reg, int fd, int pidfd, struct sg_policy *p,
			  pid_t target, char *reason, size_t size, struct session **ret)
{
	struct session *s;
	int r;

	r = session_new(d, reg->mechanism, fd, pidfd, p, target, c->pid, c->uid, c->gid, &s);
	if (r >= 0) {
		s->reg_flags = reg->flags;
		s->reg_conn = (struct conn *)c;
		s->compile_flags = swap_compile_flags(s->policy, s->mech, reg->flags);
	}
	if (r >= 0 && reg->mechanism == SG_MECH_TRACE) {
		r = trace_track(s, target);
		if (r < 0)
			session_free(s);
	}
	if (r < 0) {
		/* A seized target must not run on unsupervised (the shim kills it too);
		 * ours until we reap it, so the pid is still the target's. */
		if (reg->mechanism == SG_MECH_TRACE)
			(void)kill(target, SIGKILL);
		snprintf(reason, size, "cannot start the session: %s", strerror(-r));
		return r;
	}
	session_announce(s);
	*ret = s;
	return 0;
}

/* REGISTER: validate everything and start the session; takes ownership of fd. */
int session_register(struct sysgated *d, const struct conn *c, const struct sg_msg *m, int fd,
		     char *reason, size_t reason_size, uint64_t *ret_id)
{
	_cleanup_close_ int lfd = fd, pidfd = -EBADF;
	_cleanup_(policy_freep) struct sg_policy *p = NULL;
	const struct sg_msg_register *reg = &m->u.reg;
	struct session *s;
	pid_t target = 0;
	int r;

	reason[0] = '\0';
	r = register_check(d, c, reg, lfd, reason, reason_size);
	if (r < 0)
		return r;
	r = session_policy_admit(reg->mechanism, reg->flags,
				 session_bounded_owner(c->uid) ? &d->bounds : NULL, m->str,
				 m->str_len, m->str2, m->str2_len, &p, reason, reason_size);
	if (r < 0)
		return r;
	if (reg->flags & SG_REG_AUDIT)
		p->audit_mode = true;
	r = find_target(c, reg->target_pid, &target, &pidfd, reason, reason_size);
	if (r < 0)
		return r;
	if (reg->mechanism == SG_MECH_TRACE) {
		r = trace_attach(d, target, reason, reason_size);
		if (r < 0)
			return r;
	}
	r = register_start(d, c, reg, TAKE_FD(lfd), TAKE_FD(pidfd), TAKE_PTR(p), target, reason,
			   reason_size, &s);
	if (r < 0)
		return r;
	*ret_id = s->id;
	return 0;
}

/* Create and announce a notify session on a validated listener; takes ownership of fd, pidfd
 * and policy. */
int session_create(struct sysgated *d, int fd, int pidfd, struct sg_policy *policy, pid_t target,
		   pid_t peer, uid_t uid, gid_t gid, struct session **ret)
{
	int r = session_new(d, SG_MECH_NOTIFY, fd, pidfd, policy, target, peer, uid, gid, ret);

	if (r >= 0)
		session_announce(*ret);
	return r;
}

/* Create a session of mechanism mech, not yet announced; takes ownership of fd, pidfd and
 * policy. */
int session_new(struct sysgated *d, enum sg_mechanism mech, int fd, int pidfd,
		struct sg_policy *policy, pid_t target, pid_t peer, uid_t uid, gid_t gid,
		struct session **ret)
{
	struct session *s = calloc(1, sizeof(*s));

	if (!s) {
		safe_close(fd);
		safe_close(pidfd);
		policy_free(policy);
		return -ENOMEM;
	}
	s->d = d;
	s->fd = fd;
	s->pidfd = pidfd;
	s->policy = policy;
	s->mech = mech;
	/* trap: the preload library starts after the exec, no STARTING exec to let through. */
	s->state = mech == SG_MECH_TRAP ? SG_SESSION_RUNNING : SG_SESSION_STARTING;
	s->target_pid = target;
	s->peer_pid = peer;
	s->uid = uid;
	s->gid = gid;
	s->started_usec = now_usec();
	s->compile_flags = swap_compile_flags(policy, mech, 0); /* REGISTER may say more */
	/* The kernel may know a larger struct than our headers: size by what it says. */
	s->req_size = d->sizes.seccomp_notif > sizeof(*s->req) ? d->sizes.seccomp_notif
							       : sizeof(*s->req);
	s->resp_size = d->sizes.seccomp_notif_resp > sizeof(*s->resp) ? d->sizes.seccomp_notif_resp
								     : sizeof(*s->resp);
	s->req = calloc(1, s->req_size);
	s->resp = calloc(1, s->resp_size);
	if (mech == SG_MECH_NOTIFY)
		s->ev = event_new(d->base, fd, EV_READ | EV_PERSIST, notify_cb, s);
	if (!s->req || !s->resp ||
	    (mech == SG_MECH_NOTIFY && (!s->ev || event_add(s->ev, NULL) < 0))) {
		session_free(s);
		return -ENOMEM;
	}
	s->id = ++d->next_session_id;
	if (mech == SG_MECH_NOTIFY)
		wakeup_session_start(s);
	TAILQ_INSERT_TAIL(&d->sessions, s, entry);
	d->n_sessions++;
	*ret = s;
	return 0;
}

/* The session is set up: log it and write its session-start record. */
void session_announce(struct session *s)
{
	struct sysgated *d = s->d;

	d->had_session = true;
	log_info("session %" PRIu64 ": pid %d uid %u policy '%s' mechanism %s", s->id,
		 (int)s->target_pid, (unsigned)s->uid, s->policy->file,
		 proto_mechanism_name(s->mech));
	(void)audit_session_start(d, s);
}

/* Free without a record; accepts NULL, returns NULL. */
struct session *session_free(struct session *s)
{
	if (!s)
		return NULL;
	if (s->id) {
		TAILQ_REMOVE(&s->d->sessions, s, entry);
		s->d->n_sessions--;
	}
	if (s->ev)
		event_free(s->ev);
	helper_session_gone(s);
	if (s->mech == SG_MECH_TRACE)
		trace_session_gone(s);
	trap_unlink(s);
	/* Closing the listener fails pending and later notified calls with ENOSYS. */
	safe_close(s->fd);
	safe_close(s->pidfd);
	policy_free(s->policy);
	policy_free(s->filter_policy);
	stats_done(&s->stats);
	free(s->req);
	free(s->resp);
	free(s);
	return NULL;
}

/* The session is over: record session-end, free it, maybe leave the loop. */
void session_end(struct session *s, const char *why)
{
	struct sysgated *d = s->d;

	log_info("session %" PRIu64 ": ended (%s), %" PRIu64 " notifications", s->id, why,
		 s->notifications);
	(void)audit_session_end(d, s);
	learn_keep(s);
	session_free(s);
	daemon_check_idle(d);
}

/* Session by id, or NULL. */
struct session *session_find(struct sysgated *d, uint64_t id)
{
	struct session *s;

	TAILQ_FOREACH(s, &d->sessions, entry)
		if (s->id == id)
			return s;
	return NULL;
}

/* The session's state now; see session.h. */
enum sg_session_state session_state(const struct session *s)
{
	/* A target that is the peer itself did not come from a fork for the command: its
	 * start is its first routed call, as for every session whose exec is routed. */
	if (s->state != SG_SESSION_STARTING || s->pidfd < 0 || s->target_pid == s->peer_pid)
		return s->state;
	/* The pidfd, alive after the read, says the pid was still the target's. */
	if (proc_execd(s->target_pid) > 0 && pidfd_alive(s->pidfd) == 0)
		return SG_SESSION_RUNNING;
	return SG_SESSION_STARTING;
}

/* Count one decided call. */
void session_count(struct session *s, uint32_t arch, int nr, enum sg_count what)
{
	int r;

	s->counts[what]++;
	r = stats_add(&s->stats, arch, nr, what);
	if (r < 0 && !s->stats_warned) {
		s->stats_warned = true;
		log_warn(r, "session %" PRIu64 ": per-syscall counts incomplete", s->id);
	}
}

/* SPDX-License-Identifier: MIT */
/*
 * The requests of the control socket (control.c reads them): the first message
 * must be HELLO, and the role it names decides what a peer may ask.  A
 * malformed message or a protocol violation gets an ERROR with the reason, a
 * `refused` record, and the connection closed.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "conn.h"
#include "daemon.h"
#include "log.h"
#include "mech/mech.h"

static int send_ack(struct conn *c, uint64_t value)
{
	uint8_t pkt[64];
	ssize_t n = proto_encode_ack(pkt, sizeof(pkt), value);

	return n < 0 ? (int)n : conn_send(c, pkt, (size_t)n, false);
}

static int send_error(struct conn *c, int error, const char *reason)
{
	ssize_t n = proto_encode_error(c->d->obuf, SG_MSG_MAX, error, reason);

	return n < 0 ? (int)n : conn_send(c, c->d->obuf, (size_t)n, false);
}

static int send_end(struct conn *c)
{
	uint8_t pkt[64];
	ssize_t n = proto_encode_empty(pkt, sizeof(pkt), SG_MSG_END);

	return n < 0 ? (int)n : conn_send(c, pkt, (size_t)n, false);
}

/* A malformed message or a protocol violation: ERROR, `refused`, close. */
void request_refuse(struct conn *c, int error, const char *request, const char *reason)
{
	if (audit_refused(c->d, c, request, reason) != -EAGAIN) /* the journal is limited too */
		log_warn(0, "pid %d uid %u: %s refused: %s, closing the connection", (int)c->pid,
			 (unsigned)c->uid, request, reason);
	if (!c->dead)
		(void)send_error(c, error, reason);
	if (c->dead)
		return;
	if (c->n_queued == 0)
		conn_close(c);
	else
		c->close_when_flushed = true;
}

static void handle_register(struct conn *c, struct sg_msg *m)
{
	char reason[SG_REASON_MAX];
	uint64_t id = 0;
	int r;

	r = session_register(c->d, c, m, TAKE_FD(m->fds[0]), reason, sizeof(reason), &id);
	if (r < 0) {
		size_t l = strcspn(reason, "\n");

		if (audit_refused(c->d, c, "register", reason) != -EAGAIN)
			log_info("pid %d uid %u: session refused: %.*s", (int)c->pid,
				 (unsigned)c->uid, (int)l, reason);
		(void)send_error(c, r, reason);
		return;
	}
	if (m->u.reg.mechanism == SG_MECH_TRAP)
		trap_link(session_find(c->d, id), c);
	(void)send_ack(c, id);
}

static void handle_status(struct conn *c)
{
	struct sysgated *d = c->d;
	struct sg_msg_status st = { 0 };
	struct session *s;
	ssize_t n;

	st.pid = (uint32_t)getpid();
	st.uptime_usec = mono_usec() - d->start_mono_usec;
	TAILQ_FOREACH(s, &d->sessions, entry)
		if (conn_may_see(c, s->uid)) {
			st.n_sessions++;
			st.notifications += s->notifications;
		}
	/* Root sees the daemon's totals; anyone else only their own sessions' counts, and
	 * none of the audit log's (the daemon's file, whose records are everyone's). */
	if (c->uid == 0) {
		st.notifications = d->notifications;
		st.records = d->audit.records;
		st.records_failed = d->audit.records_failed;
	}
	n = proto_encode_status(d->obuf, SG_MSG_MAX, &st, SG_VERSION);
	if (n > 0)
		(void)conn_send(c, d->obuf, (size_t)n, false);
}

static int send_session(struct conn *c, const struct session *s)
{
	struct sg_msg_session m = { 0 };
	ssize_t n;

	m.id = s->id;
	m.started_usec = s->started_usec;
	memcpy(m.counts, s->counts, sizeof(m.counts));
	m.target_pid = (uint32_t)s->target_pid;
	m.uid = s->uid;
	m.gid = s->gid;
	m.mechanism = s->mech;
	m.state = session_state(s);
	m.flags = (s->policy->audit_mode ? SG_SESSION_AUDIT : 0) |
		  ((s->compile_flags & SG_COMPILE_ROUTE_ALL) ? SG_SESSION_ROUTES_ALL : 0) |
		  ((s->reg_flags & SG_REG_LEARN) ? SG_SESSION_LEARNING : 0);
	n = proto_encode_session(c->d->obuf, SG_MSG_MAX, &m, s->policy->file);
	return n < 0 ? (int)n : conn_send(c, c->d->obuf, (size_t)n, false);
}

/* A session the peer may see, or NULL: another uid's session does not exist for it. */
static struct session *visible_session(struct conn *c, uint64_t id)
{
	struct session *s = session_find(c->d, id);

	return s && conn_may_see(c, s->uid) ? s : NULL;
}

/* A request of swap.c or learn.c: 0, or ERROR with their reason. */
static void handle_change(struct conn *c, const struct sg_msg *m)
{
	char reason[SG_REASON_MAX] = "";
	int r;

	if (m->type == SG_MSG_SESSION_MODE)
		r = swap_session_mode(c->d, c, m->u.session_mode.id, m->u.session_mode.audit,
				      reason, sizeof(reason));
	else if (m->type == SG_MSG_POLICY_LOAD) {
		r = swap_policy_load(c->d, c, m, reason, sizeof(reason));
		if (r < 0 && r != -ENOENT) /* a refused policy is recorded, as a refused REGISTER */
			(void)audit_refused(c->d, c, "policy-load", reason[0] ? reason : strerror(-r));
	} else {
		r = learn_send(c->d, c, m->u.session_req.id, reason, sizeof(reason));
		if (r >= 0 || c->dead)
			return;
	}
	if (r < 0)
		(void)send_error(c, r, reason[0] ? reason : strerror(-r));
	else
		(void)send_ack(c, 0);
}

static void handle_sessions(struct conn *c)
{
	struct session *s;

	TAILQ_FOREACH(s, &c->d->sessions, entry)
		if (conn_may_see(c, s->uid) && send_session(c, s) < 0)
			return;
	(void)send_end(c);
}

static void handle_session(struct conn *c, uint64_t id)
{
	struct session *s = visible_session(c, id);

	if (!s)
		(void)send_error(c, -ENOENT, "no such session");
	else
		(void)send_session(c, s);
}

static int send_stats(struct conn *c, const struct session *s)
{
	for (size_t i = 0; i < s->stats.cap; i++) {
		const struct stat_row *row = &s->stats.rows[i];
		struct sg_msg_stat st = { 0 };
		uint8_t pkt[128];
		ssize_t n;
		int r;

		if (!row->used)
			continue;
		st.session_id = s->id;
		memcpy(st.counts, row->counts, sizeof(st.counts));
		st.arch = row->arch;
		st.nr = row->nr;
		n = proto_encode_stat(pkt, sizeof(pkt), &st);
		if (n < 0)
			return (int)n;
		r = conn_send(c, pkt, (size_t)n, false);
		if (r < 0)
			return r;
	}
	return 0;
}

static void handle_stats(struct conn *c, uint64_t id)
{
	struct session *s;

	if (id != 0) {
		s = visible_session(c, id);
		if (!s) {
			(void)send_error(c, -ENOENT, "no such session");
			return;
		}
		if (send_stats(c, s) < 0)
			return;
	} else {
		TAILQ_FOREACH(s, &c->d->sessions, entry)
			if (conn_may_see(c, s->uid) && send_stats(c, s) < 0)
				return;
	}
	(void)send_end(c);
}

static void handle_subscribe(struct conn *c, uint64_t session, uint32_t flags)
{
	/* Records are filtered by what the peer may see: no error for a session it may not. */
	if (send_ack(c, 0) < 0)
		return;
	if ((flags & SG_SUB_BACKLOG) && audit_backlog(c->d, c, session) < 0)
		return;
	if (flags & SG_SUB_FOLLOW) {
		c->follow = true;
		c->sub_session = session;
	} else
		(void)send_end(c);
}

/* HELLO, the first message of a connection: it sets the peer's role. */
static void handle_hello(struct conn *c, const struct sg_msg *m)
{
	if (m->type != SG_MSG_HELLO) {
		request_refuse(c, -EPROTO, proto_type_name(m->type),
			       "the first message must be hello");
		return;
	}
	c->role = m->u.hello.role;
	c->tell_killed = c->role == SG_ROLE_SHIM &&
			 (m->u.hello.flags & SG_HELLO_TELL_KILLED);
	(void)send_ack(c, 0);
}

/* Whether a peer that said hello may make request m now; refused (and closed) if not. */
static bool request_allowed(struct conn *c, const struct sg_msg *m)
{
	const char *name = proto_type_name(m->type);
	bool shim = c->role == SG_ROLE_SHIM, client = c->role == SG_ROLE_CLIENT;

	switch (m->type) {
	case SG_MSG_HELLO:
		request_refuse(c, -EPROTO, name, "duplicate hello");
		return false;
	case SG_MSG_REGISTER:
		request_refuse(c, -EPERM, name, "register needs the shim role");
		return false;
	case SG_MSG_STATUS_REQ:
	case SG_MSG_SESSIONS_REQ:
	case SG_MSG_SESSION_REQ:
	case SG_MSG_STATS_REQ:
	case SG_MSG_SUBSCRIBE:
	case SG_MSG_SESSION_MODE:
	case SG_MSG_POLICY_LOAD:
	case SG_MSG_LEARN_REQ:
		if (!client && !(shim && m->type == SG_MSG_LEARN_REQ)) {
			request_refuse(c, -EPERM, name, "queries need the client role");
			return false;
		}
		if (c->follow) {
			request_refuse(c, -EPROTO, name, "no requests while following records");
			return false;
		}
		return true;
	default:
		request_refuse(c, -EPROTO, name, "not a request");
		return false;
	}
}

/* One decoded message; owns m->fds. */
void request_dispatch(struct conn *c, struct sg_msg *m)
{
	bool shim = c->role == SG_ROLE_SHIM;

	if (m->type == SG_MSG_REGISTER && shim) {
		handle_register(c, m);
		return;
	}
	if (m->type == SG_MSG_TRAP_CALL && shim) {
		trap_handle_call(c, &m->u.trap_call);
		return;
	}
	proto_close_fds(m->fds, m->n_fds);
	if (c->role == SG_ROLE_NONE) {
		handle_hello(c, m);
		return;
	}
	if (!request_allowed(c, m))
		return;
	switch (m->type) {
	case SG_MSG_STATUS_REQ:
		handle_status(c);
		break;
	case SG_MSG_SESSIONS_REQ:
		handle_sessions(c);
		break;
	case SG_MSG_SESSION_REQ:
		handle_session(c, m->u.session_req.id);
		break;
	case SG_MSG_STATS_REQ:
		handle_stats(c, m->u.stats_req.session_id);
		break;
	case SG_MSG_SESSION_MODE:
	case SG_MSG_POLICY_LOAD:
	case SG_MSG_LEARN_REQ:
		handle_change(c, m);
		break;
	default:
		handle_subscribe(c, m->u.subscribe.session_id, m->u.subscribe.flags);
		break;
	}
}

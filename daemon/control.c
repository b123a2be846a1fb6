/* SPDX-License-Identifier: MIT */
/*
 * The control socket: accept shims and clients, identify each peer by
 * SO_PEERCRED (and SO_PEERPIDFD), never by what it says, and serve its
 * requests.  The first message must be HELLO; a malformed message or a
 * protocol violation gets an ERROR with the reason, a `refused` record, and
 * the connection closed.  Sends never block: a full peer gets its packets
 * queued (a subscriber that falls SG_CONN_QUEUE_MAX behind is dropped) and is
 * not read from until the queue drains.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "conn.h"
#include "daemon.h"
#include "log.h"
#include "mech/mech.h"

#define CONN_READ_BATCH 16 /* requests read per wake-up of one connection */

/* Whether the peer may see what uid owns: root sees all, others their own. */
bool conn_may_see(const struct conn *c, uid_t owner)
{
	return c->uid == 0 || c->uid == owner;
}

static void pkt_queue_free(struct conn *c)
{
	struct pkt *p;

	while ((p = STAILQ_FIRST(&c->queue))) {
		STAILQ_REMOVE_HEAD(&c->queue, entry);
		free(p);
	}
	c->n_queued = 0;
}

/* Close a connection now; freed later by the reaper. */
void conn_close(struct conn *c)
{
	struct sysgated *d = c->d;

	if (c->dead)
		return;
	c->dead = true;
	c->follow = false;
	if (c->trap_session) /* the trap process closed its socket: exited or exec'd */
		session_end(c->trap_session, "the trap connection closed");
	if (c->ev_read)
		event_del(c->ev_read);
	if (c->ev_write)
		event_del(c->ev_write);
	c->fd = safe_close(c->fd);
	c->pidfd = safe_close(c->pidfd);
	pkt_queue_free(c);
	learn_conn_gone(c);
	TAILQ_REMOVE(&d->conns, c, entry);
	d->n_conns--;
	TAILQ_INSERT_TAIL(&d->dead_conns, c, entry);
	if (d->ev_reap)
		event_active(d->ev_reap, EV_TIMEOUT, 1);
}

static void conn_free(struct conn *c)
{
	if (c->ev_read)
		event_free(c->ev_read);
	if (c->ev_write)
		event_free(c->ev_write);
	free(c);
}

/* Free the closed connections, outside of their callbacks. */
static void reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sysgated *d = arg;
	struct conn *c;

	(void)fd;
	(void)what;
	while ((c = TAILQ_FIRST(&d->dead_conns))) {
		TAILQ_REMOVE(&d->dead_conns, c, entry);
		conn_free(c);
	}
}

/* Send one packet, queueing it when the peer's socket is full. */
int conn_send(struct conn *c, const void *pkt, size_t len, bool record)
{
	struct pkt *p;
	int r;

	if (c->dead)
		return -EPIPE;
	if (record && c->n_queued >= SG_CONN_QUEUE_MAX) {
		log_warn(0, "pid %d uid %u: subscriber fell %zu records behind, disconnecting it",
			 (int)c->pid, (unsigned)c->uid, c->n_queued);
		conn_close(c);
		return -ENOBUFS;
	}
	if (c->n_queued == 0) {
		r = proto_send(c->fd, pkt, len, NULL, 0);
		if (r == 0)
			return 0;
		if (r != -EAGAIN) {
			log_debug("pid %d: send failed (%s), closing", (int)c->pid, strerror(-r));
			conn_close(c);
			return r;
		}
	}
	p = malloc(sizeof(*p) + len);
	if (!p) {
		log_warn(-ENOMEM, "pid %d: cannot queue a packet, closing", (int)c->pid);
		conn_close(c);
		return -ENOMEM;
	}
	p->len = len;
	memcpy(p->data, pkt, len);
	STAILQ_INSERT_TAIL(&c->queue, p, entry);
	if (c->n_queued++ == 0) {
		/* no new requests until the replies are out: bounded memory per peer */
		event_del(c->ev_read);
		event_add(c->ev_write, NULL);
	}
	return 0;
}

static void conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct pkt *p;
	int r;

	(void)fd;
	(void)what;
	while ((p = STAILQ_FIRST(&c->queue))) {
		r = proto_send(c->fd, p->data, p->len, NULL, 0);
		if (r == -EAGAIN)
			return;
		if (r < 0) {
			log_debug("pid %d: send failed (%s), closing", (int)c->pid, strerror(-r));
			conn_close(c);
			return;
		}
		STAILQ_REMOVE_HEAD(&c->queue, entry);
		c->n_queued--;
		free(p);
	}
	event_del(c->ev_write);
	if (c->close_when_flushed)
		conn_close(c);
	else
		event_add(c->ev_read, NULL);
}

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
static void refuse(struct conn *c, int error, const char *request, const char *reason)
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

/* The type named in a packet's header, for a message that did not decode. */
static const char *request_name(const uint8_t *buf, size_t len)
{
	struct sg_hdr hdr;

	if (len < sizeof(hdr))
		return "malformed message";
	memcpy(&hdr, buf, sizeof(hdr));
	if (hdr.magic != SG_PROTO_MAGIC || hdr.type == SG_MSG_NONE || hdr.type >= SG_MSG_TYPE_MAX)
		return "malformed message";
	return proto_type_name(hdr.type);
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
	m.state = s->state;
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
	else if (m->type == SG_MSG_POLICY_LOAD)
		r = swap_policy_load(c->d, c, m, reason, sizeof(reason));
	else {
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

/* One decoded message; owns m->fds. */
static void dispatch(struct conn *c, struct sg_msg *m)
{
	const char *name = proto_type_name(m->type);
	bool shim = c->role == SG_ROLE_SHIM, client = c->role == SG_ROLE_CLIENT;

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
		if (m->type != SG_MSG_HELLO) {
			refuse(c, -EPROTO, name, "the first message must be hello");
			return;
		}
		c->role = m->u.hello.role;
		(void)send_ack(c, 0);
		return;
	}
	switch (m->type) {
	case SG_MSG_HELLO:
		refuse(c, -EPROTO, name, "duplicate hello");
		return;
	case SG_MSG_REGISTER:
		refuse(c, -EPERM, name, "register needs the shim role");
		return;
	case SG_MSG_STATUS_REQ:
	case SG_MSG_SESSIONS_REQ:
	case SG_MSG_SESSION_REQ:
	case SG_MSG_STATS_REQ:
	case SG_MSG_SUBSCRIBE:
	case SG_MSG_SESSION_MODE:
	case SG_MSG_POLICY_LOAD:
	case SG_MSG_LEARN_REQ:
		if (!client && !(shim && m->type == SG_MSG_LEARN_REQ)) {
			refuse(c, -EPERM, name, "queries need the client role");
			return;
		}
		if (c->follow) {
			refuse(c, -EPROTO, name, "no requests while following records");
			return;
		}
		break;
	default:
		refuse(c, -EPROTO, name, "not a request");
		return;
	}
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

static void conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct sysgated *d = c->d;
	int fds[SG_MSG_FDS_MAX];
	const char *reason = NULL;
	struct sg_msg m;
	size_t n_fds;
	ssize_t n;
	int r;

	(void)fd;
	(void)what;
	for (unsigned i = 0; i < CONN_READ_BATCH && !c->dead && c->n_queued == 0; i++) {
		n = proto_recv(c->fd, d->buf, SG_MSG_MAX, fds, &n_fds);
		if (n == -EAGAIN)
			return;
		if (n == -EMSGSIZE) {
			refuse(c, -EMSGSIZE, "malformed message", "message or its fds too large");
			return;
		}
		if (n <= 0) { /* EOF or a dead peer */
			if (n < 0)
				log_debug("pid %d: receive failed (%s), closing", (int)c->pid,
					  strerror((int)-n));
			conn_close(c);
			return;
		}
		r = proto_decode(d->buf, (size_t)n, fds, n_fds, &m, &reason);
		if (r < 0) {
			proto_close_fds(fds, n_fds);
			refuse(c, r, request_name(d->buf, (size_t)n), reason ? reason : "malformed");
			return;
		}
		dispatch(c, &m);
	}
}

/* Whether uid may open one more connection. */
static bool conn_allowed(struct sysgated *d, uid_t uid)
{
	const struct conn *c;
	size_t n = 0;

	if (d->n_conns >= SG_CONNS_MAX)
		return false;
	if (uid == 0)
		return true;
	TAILQ_FOREACH(c, &d->conns, entry)
		n += c->uid == uid;
	return n < SG_CONNS_PER_UID;
}

static int conn_new(struct sysgated *d, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct conn *c;
	int pidfd = -EBADF;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred)) {
		safe_close(fd);
		return log_warn(negative_errno(), "cannot identify a peer, closing it");
	}
	if (!conn_allowed(d, cred.uid)) {
		safe_close(fd);
		return log_warn(-EUSERS, "pid %d uid %u: too many connections, refusing it",
				(int)cred.pid, (unsigned)cred.uid);
	}
	len = sizeof(pidfd);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) < 0) {
		if (errno != ENOPROTOOPT && errno != EINVAL && errno != ESRCH)
			log_debug("pid %d: no SO_PEERPIDFD: %s", (int)cred.pid, strerror(errno));
		pidfd = -EBADF;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		safe_close(fd);
		safe_close(pidfd);
		return log_warn(-ENOMEM, "cannot accept pid %d", (int)cred.pid);
	}
	c->d = d;
	c->fd = fd;
	c->pidfd = pidfd;
	c->pid = cred.pid;
	c->uid = cred.uid;
	c->gid = cred.gid;
	STAILQ_INIT(&c->queue);
	c->ev_read = event_new(d->base, fd, EV_READ | EV_PERSIST, conn_read_cb, c);
	c->ev_write = event_new(d->base, fd, EV_WRITE | EV_PERSIST, conn_write_cb, c);
	TAILQ_INSERT_TAIL(&d->conns, c, entry);
	d->n_conns++;
	if (!c->ev_read || !c->ev_write || event_add(c->ev_read, NULL) < 0) {
		conn_close(c);
		return log_warn(-ENOMEM, "cannot serve pid %d", (int)cred.pid);
	}
	log_debug("pid %d uid %u: connected", (int)c->pid, (unsigned)c->uid);
	return 0;
}

static void accept_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sysgated *d = arg;

	(void)fd;
	(void)what;
	event_add(d->ev_listen, NULL);
}

static void accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct sysgated *d = arg;
	struct timeval pause = { 1, 0 };

	(void)what;
	for (unsigned i = 0; i < 64; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN)
				return;
			/* Out of fds or memory: the listener stays readable, so back off. */
			log_warn(negative_errno(), "accept failed, pausing for a second");
			event_del(d->ev_listen);
			event_add(d->ev_accept_pause, &pause);
			return;
		}
		(void)conn_new(d, fd);
	}
}

/* Start accepting on d->listen_fd. */
int control_start(struct sysgated *d)
{
	int flags = fcntl(d->listen_fd, F_GETFL);

	/* a socket from systemd may be blocking; accept must never block the loop */
	if (flags < 0 || fcntl(d->listen_fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return log_err(negative_errno(), "cannot make the listening socket non-blocking");
	d->ev_reap = event_new(d->base, -1, 0, reap_cb, d);
	d->ev_accept_pause = evtimer_new(d->base, accept_resume_cb, d);
	d->ev_listen = event_new(d->base, d->listen_fd, EV_READ | EV_PERSIST, accept_cb, d);
	if (!d->ev_reap || !d->ev_accept_pause || !d->ev_listen || event_add(d->ev_listen, NULL) < 0)
		return log_err(-ENOMEM, "cannot watch the listening socket");
	return 0;
}

/* What is queued and fits in the peer's socket now (shutdown: no waiting). */
static void conn_flush_now(struct conn *c)
{
	struct pkt *p;

	while ((p = STAILQ_FIRST(&c->queue)) && proto_send(c->fd, p->data, p->len, NULL, 0) == 0) {
		STAILQ_REMOVE_HEAD(&c->queue, entry);
		c->n_queued--;
		free(p);
	}
}

/* Close every connection (after a last non-blocking flush) and stop accepting. */
void control_stop(struct sysgated *d)
{
	struct conn *c;

	while ((c = TAILQ_FIRST(&d->conns))) {
		conn_flush_now(c);
		conn_close(c);
	}
	while ((c = TAILQ_FIRST(&d->dead_conns))) {
		TAILQ_REMOVE(&d->dead_conns, c, entry);
		conn_free(c);
	}
	if (d->ev_listen)
		event_free(d->ev_listen);
	if (d->ev_accept_pause)
		event_free(d->ev_accept_pause);
	if (d->ev_reap)
		event_free(d->ev_reap);
	d->ev_listen = d->ev_accept_pause = d->ev_reap = NULL;
}

/* SPDX-License-Identifier: MIT */
/*
 * The control socket: accept shims and clients, identify each peer by
 * SO_PEERCRED (and SO_PEERPIDFD), never by what it says, read its messages
 * (request.c serves them) and send the replies.  Sends never block: a full peer
 * gets its packets queued (a subscriber that falls SG_CONN_QUEUE_MAX behind is
 * dropped) and is not read from until the queue drains.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "daemon.h"
#include "log.h"
#include "proc.h"

#define CONN_READ_BATCH 16 /* requests read per wake-up of one connection */

/* Whether the peer may see what uid owns: root sees all, others their own. */
bool conn_may_see(const struct conn *c, uid_t owner)
{
	return c->uid == 0 || c->uid == owner;
}

/* KILLED to the shim whose child pid is, if it asked; see conn.h. */
void conn_tell_killed(const struct session *s, pid_t pid)
{
	uint8_t pkt[sizeof(struct sg_hdr) + sizeof(struct sg_msg_session_req)];
	struct proc_status st;
	struct conn *c;
	ssize_t n;

	if (proc_status_read(pid, &st) < 0 || !(st.have & PROC_HAVE_PPID))
		return;
	TAILQ_FOREACH(c, &s->d->conns, entry)
		if (c->tell_killed && c->pid == st.ppid && conn_may_see(c, s->uid))
			break;
	if (!c)
		return;
	n = proto_encode_killed(pkt, sizeof(pkt), s->id);
	if (n > 0)
		(void)conn_send(c, pkt, (size_t)n, false);
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
			request_refuse(c, -EMSGSIZE, "malformed message",
				       "message or its fds too large");
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
			request_refuse(c, r, request_name(d->buf, (size_t)n),
				       reason ? reason : "malformed");
			return;
		}
		request_dispatch(c, &m);
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

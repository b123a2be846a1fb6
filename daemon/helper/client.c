/* SPDX-License-Identifier: MIT */
/*
 * A session's helper, from the daemon's side: a bounded queue of jobs, one in
 * flight at a time, each answered when the helper replies (the loop never
 * waits for it).  A job whose caller is not what the running helper is gets a
 * new helper; a helper that says READY is checked from /proc before it gets
 * work; a malformed packet or an unexpected reply ends it (a broken helper is
 * a hostile one); a caller that stops waiting (SECCOMP_IOCTL_NOTIF_ID_VALID,
 * polled while its job runs) gets its helper killed, since that helper may be
 * blocked for good.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include "daemon.h"
#include "helper/helper.h"
#include "log.h"
#include "proto.h"
#include "session.h"

static void kick(struct helper *h);

/* The job leaves the session's count and is answered (or dropped) by its emulator. */
static void job_fail(struct helper *h, struct helper_job *j, int err, const char *outcome)
{
	h->n_jobs--;
	j->ops->fail(j, err, outcome);
}

static void clear_inflight(struct helper *h)
{
	h->inflight = NULL;
	evtimer_del(h->ev_valid);
}

static void proc_stop(struct helper *h)
{
	if (h->ev) {
		event_free(h->ev);
		h->ev = NULL;
	}
	helper_proc_kill(h->s->d, &h->proc);
	h->ready = false;
}

/* The helper failed (why: for the log): stop it; its job fails EIO. */
static void broken(struct helper *h, int r, const char *why)
{
	struct helper_job *j = h->inflight;

	if (r == -EBADMSG)
		log_warn(r, "session %" PRIu64 ": helper pid %d %s, killing it", h->s->id,
			 (int)h->proc.pid, why);
	else
		log_debug("session %" PRIu64 ": helper pid %d %s", h->s->id, (int)h->proc.pid, why);
	proc_stop(h);
	if (j) {
		clear_inflight(h);
		job_fail(h, j, EIO, "helper-failed");
	} else if ((j = TAILQ_FIRST(&h->queue))) { /* it never became the head job's caller */
		TAILQ_REMOVE(&h->queue, j, entry);
		job_fail(h, j, EIO, "helper-failed");
	}
	kick(h);
}

/* READY: the helper says it is set up; the daemon checks that itself. */
static void on_ready(struct helper *h, const struct helper_msg *m)
{
	struct helper_job *j = TAILQ_FIRST(&h->queue);
	struct tsnap got;
	int r;

	if (m->type != HELPER_MSG_READY || m->seq != 0) {
		broken(h, -EBADMSG, "sent a reply before READY");
		return;
	}
	if (m->u.reply.err)
		log_debug("session %" PRIu64 ": helper pid %d failed at %s", h->s->id,
			  (int)h->proc.pid, helper_step_name(m->u.reply.step));
	r = m->u.reply.err ? -m->u.reply.err : tsnap_read(h->proc.pid, &got);
	if (r >= 0 && !tsnap_same(&got, &h->want)) {
		log_debug("session %" PRIu64 ": helper uid %u/%u caps %" PRIx64 "/%" PRIx64
			  " ns %" PRIu64 "/%" PRIu64 "/%" PRIu64 ", caller uid %u/%u caps %" PRIx64
			  "/%" PRIx64 " ns %" PRIu64 "/%" PRIu64 "/%" PRIu64, h->s->id,
			  got.cr.uid[1], got.cr.gid[1], got.cr.caps[CAP_SET_EFF],
			  got.cr.caps[CAP_SET_BND], got.ns_user, got.ns_mnt, got.ns_pid,
			  h->want.cr.uid[1], h->want.cr.gid[1], h->want.cr.caps[CAP_SET_EFF],
			  h->want.cr.caps[CAP_SET_BND], h->want.ns_user, h->want.ns_mnt,
			  h->want.ns_pid);
		r = -EPERM;
	}
	if (r < 0) {
		log_warn(r, "session %" PRIu64 ": helper for pid %d did not become its caller, "
			 "failing the call", h->s->id, j ? (int)j->tid : 0);
		proc_stop(h);
		if (j) {
			TAILQ_REMOVE(&h->queue, j, entry);
			job_fail(h, j, EPERM, "helper-failed");
		}
	} else {
		h->ready = true;
	}
	kick(h);
}

static void on_reply(struct helper *h, const struct helper_msg *m, int *fds, size_t n_fds)
{
	struct helper_job *j = h->inflight;
	int r;

	if (m->type != HELPER_MSG_REPLY || !j || m->seq != j->seq) {
		proto_close_fds(fds, n_fds);
		broken(h, -EBADMSG, "sent an unexpected packet");
		return;
	}
	r = j->ops->reply(j, m->u.reply.err, fds, n_fds);
	if (r == 0)
		return; /* its next request is in flight */
	clear_inflight(h);
	if (r == 1)
		h->n_jobs--;
	else
		job_fail(h, j, -r, "denied");
	kick(h);
}

static void readable_cb(evutil_socket_t fd, short what, void *arg)
{
	static unsigned char buf[HELPER_MSG_MAX + 1];
	struct helper *h = arg;
	int fds[SG_MSG_FDS_MAX];
	struct helper_msg m;
	size_t n_fds = 0;
	ssize_t n;
	int r;

	(void)what;
	n = proto_recv(fd, buf, sizeof(buf), fds, &n_fds);
	if (n == -EAGAIN)
		return;
	r = n > 0 ? helper_decode(buf, (size_t)n, n_fds, &m) : n == 0 ? -EPIPE : (int)n;
	if (r < 0) {
		proto_close_fds(fds, n_fds);
		broken(h, r == -EPIPE ? r : -EBADMSG,
		       r == -EPIPE ? "exited" : "sent a malformed packet");
	} else if (!h->ready) {
		proto_close_fds(fds, n_fds);
		on_ready(h, &m);
	} else {
		on_reply(h, &m, fds, n_fds);
	}
}

/* Whether j's caller still waits for its answer (SECCOMP_IOCTL_NOTIF_ID_VALID). */
static bool caller_waits(const struct helper *h, const struct helper_job *j)
{
	uint64_t id = j->id;

	return ioctl(h->s->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0 || errno != ENOENT;
}

/* Poll the in-flight job's notification: a caller that left leaves a helper that may
 * never come back (a FIFO nobody opens): kill it. */
static void valid_cb(evutil_socket_t fd, short what, void *arg)
{
	struct helper *h = arg;
	struct helper_job *j = h->inflight;

	(void)fd;
	(void)what;
	if (!j || caller_waits(h, j))
		return;
	log_debug("session %" PRIu64 ": pid %d left while the helper worked for it, killing "
		  "the helper", h->s->id, (int)j->tid);
	clear_inflight(h);
	proc_stop(h);
	job_fail(h, j, ESRCH, NULL);
	kick(h);
}

static int proc_start(struct helper *h, const struct helper_job *j)
{
	int r = helper_spawn(j->tid, &h->proc);

	if (r < 0)
		return r;
	h->want = j->snap;
	h->ready = false;
	h->ev = event_new(h->s->d->base, h->proc.sock, EV_READ | EV_PERSIST, readable_cb, h);
	if (!h->ev || event_add(h->ev, NULL) < 0) {
		proc_stop(h);
		return -ENOMEM;
	}
	log_debug("session %" PRIu64 ": helper pid %d started for pid %d", h->s->id,
		  (int)h->proc.pid, (int)j->tid);
	return 0;
}

/* Start the head job when the helper is free, replacing the helper for another caller. */
static void kick(struct helper *h)
{
	const struct timeval tv = { 0, SG_HELPER_VALID_MS * 1000 };
	struct helper_job *j;
	int r;

	while (!h->inflight && (j = TAILQ_FIRST(&h->queue))) {
		if (!caller_waits(h, j)) { /* nothing to do for a caller that left */
			TAILQ_REMOVE(&h->queue, j, entry);
			job_fail(h, j, ESRCH, NULL);
			continue;
		}
		if (h->proc.pid && !tsnap_same(&j->snap, &h->want))
			proc_stop(h);
		if (!h->proc.pid && (r = proc_start(h, j)) < 0) {
			log_warn(r, "session %" PRIu64 ": cannot start a helper for pid %d, "
				 "failing the call", h->s->id, (int)j->tid);
			TAILQ_REMOVE(&h->queue, j, entry);
			job_fail(h, j, r == -ESRCH ? ESRCH : EIO, "helper-failed");
			continue;
		}
		if (!h->ready)
			return; /* READY starts it */
		TAILQ_REMOVE(&h->queue, j, entry);
		h->inflight = j;
		evtimer_add(h->ev_valid, &tv);
		r = j->ops->start(j);
		if (r != 0)
			clear_inflight(h);
		if (r < 0)
			job_fail(h, j, -r, "helper-failed");
		else if (r == 1) /* finished without the helper */
			h->n_jobs--;
	}
}

static struct helper *helper_get(struct session *s)
{
	struct helper *h = s->helper;

	if (h)
		return h;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->s = s;
	h->proc.pidfd = h->proc.sock = -EBADF;
	TAILQ_INIT(&h->queue);
	h->ev_valid = event_new(s->d->base, -1, EV_PERSIST, valid_cb, h);
	if (!h->ev_valid) {
		free(h);
		return NULL;
	}
	return s->helper = h;
}

/* Queue a job; see helper.h. */
int helper_submit(struct session *s, struct helper_job *j)
{
	struct helper *h = helper_get(s);

	if (!h)
		return -ENOMEM;
	if (h->n_jobs >= SG_HELPER_QUEUE_MAX)
		return -EAGAIN;
	j->s = s;
	TAILQ_INSERT_TAIL(&h->queue, j, entry);
	h->n_jobs++;
	kick(h);
	return 0;
}

/* Send the in-flight job's next request; see helper.h. */
int helper_send(struct helper_job *j, uint32_t type, const char *path, uint32_t flags,
		uint32_t mode, uint32_t opts, int fd)
{
	struct helper *h = j->s->helper;
	struct helper_msg_req m;
	int r;

	if (!h || h->inflight != j || !h->ready)
		return -EINVAL;
	if (fd >= 0)
		opts |= HELPER_AT_FD;
	j->seq = ++h->next_seq;
	r = helper_encode_req(&m, type, j->seq, path, flags, mode, j->snap.cr.umask, opts);
	if (r < 0)
		return r;
	r = proto_send(h->proc.sock, &m, sizeof(m), fd >= 0 ? &fd : NULL, fd >= 0 ? 1 : 0);
	return r < 0 ? -EIO : 0; /* the helper died, or is not reading: the call fails */
}

/* The session ends; see helper.h. */
void helper_session_gone(struct session *s)
{
	struct helper *h = s->helper;
	struct helper_job *j;

	if (!h)
		return;
	proc_stop(h);
	if ((j = h->inflight)) {
		clear_inflight(h);
		job_fail(h, j, ESRCH, NULL);
	}
	while ((j = TAILQ_FIRST(&h->queue))) {
		TAILQ_REMOVE(&h->queue, j, entry);
		job_fail(h, j, ESRCH, NULL);
	}
	event_free(h->ev_valid);
	free(h);
	s->helper = NULL;
}

/* SPDX-License-Identifier: MIT */
/*
 * sysgate-run and the daemon: connect (or start an embedded daemon), HELLO,
 * REGISTER, each a request answered by ACK or ERROR within a time limit, while
 * forwarded signals can still end the start-up.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "launch.h"
#include "proto.h"
#include "sysgated.h"

#define REPLY_TIMEOUT_MS (30 * 1000) /* for HELLO and REGISTER */

/* See launch.h. */
int launch_startup_signals(struct launch *l)
{
	struct signalfd_siginfo si;
	int r;

	while ((r = signals_read(&l->sig, &si)) > 0)
		if (si.ssi_signo != SIGCHLD) {
			l->abort_sig = (int)si.ssi_signo;
			return -EINTR;
		}
	return r;
}

/* Send one request and receive the reply (ACK or ERROR, in *ret); 0, or a negative
 * errno for I/O, a timeout, a malformed reply (*ret_reason) or a signal (-EINTR). */
static int daemon_call(struct launch *l, const void *pkt, size_t len, const int *fds,
		       size_t n_fds, struct sg_msg *ret, const char **ret_reason)
{
	int rfds[SG_MSG_FDS_MAX];
	size_t n_rfds = 0;
	ssize_t n;
	int r;

	*ret_reason = NULL;
	r = proto_send(l->sock, pkt, len, fds, n_fds);
	if (r < 0)
		return r;
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = l->sock, .events = POLLIN },
			{ .fd = l->sig.fd, .events = POLLIN },
		};

		r = poll(p, 2, REPLY_TIMEOUT_MS);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -ETIMEDOUT;
		if (p[0].revents)
			break;
		r = launch_startup_signals(l);
		if (r < 0)
			return r;
	}
	n = proto_recv(l->sock, l->buf, SG_MSG_MAX, rfds, &n_rfds);
	if (n < 0)
		return (int)n;
	if (n == 0)
		return -ECONNRESET;
	r = proto_decode(l->buf, (size_t)n, rfds, n_rfds, ret, ret_reason);
	proto_close_fds(rfds, n_rfds); /* none expected; they were O_CLOEXEC */
	if (r < 0)
		return r;
	if (ret->type != SG_MSG_ACK && ret->type != SG_MSG_ERROR) {
		*ret_reason = "unexpected reply";
		return -EBADMSG;
	}
	return 0;
}

/* After a failed connect or HELLO: did the embedded daemon exit (it closes the socket on its way
 * out, a moment before it can be reaped)?  1 and *ret_status, or 0. */
static int embedded_reap_wait(struct embedded *e, int *ret_status)
{
	struct timespec ts = { .tv_nsec = 10 * 1000 * 1000 };

	for (int i = 0; i < 50; i++) {
		int r = embedded_reap(e, ret_status);

		if (r != 0)
			return r > 0;
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* Report that the embedded daemon is unusable (how it exited, if it did); returns r. */
static int embedded_failed(struct launch *l, int r)
{
	char what[64] = "";
	int status;

	if (l->emb.pid > 0 && embedded_reap_wait(&l->emb, &status) > 0) {
		if (WIFEXITED(status))
			snprintf(what, sizeof(what), ": it exited with status %d", WEXITSTATUS(status));
		else
			snprintf(what, sizeof(what), ": it was killed by signal %d", WTERMSIG(status));
	}
	if (l->opts->embedded)
		shim_err(what[0] ? 0 : r, "cannot start an embedded daemon%s", what);
	else
		shim_err(what[0] ? 0 : r, "no daemon at '%s' and cannot start an embedded one%s",
			 l->daemon_path, what);
	return r;
}

/* Connect to the daemon, or start an embedded one; see launch.h. */
int launch_daemon_open(struct launch *l)
{
	const struct run_opts *o = l->opts;
	const char *env = getenv("SYSGATE_SOCKET");
	int r, unreachable = 0;

	l->daemon_path = o->socket_path ? o->socket_path
			 : env && env[0] ? env : SG_DEFAULT_SOCKET;
	if (!o->embedded) {
		r = proto_connect(l->daemon_path);
		if (r >= 0) {
			l->sock = r;
			shim_info("using the daemon at '%s'", l->daemon_path);
			return 0;
		}
		/* The daemon named by --socket is the one asked for: that one or none. */
		if (o->socket_path)
			return shim_err(r, "cannot connect to the daemon at '%s' (--socket)",
					l->daemon_path);
		if (r != -ENOENT && r != -ECONNREFUSED && r != -EACCES)
			return shim_err(r, "cannot connect to the daemon at '%s'", l->daemon_path);
		unreachable = r;
	}
	r = embedded_start(&l->emb, o, &l->sig);
	if (r >= 0)
		r = proto_connect(l->emb.sock_path);
	if (r < 0)
		return embedded_failed(l, r);
	l->sock = r;
	/* Not asked for: the audit records do not go to that daemon's log; say where. */
	if (unreachable && strcmp(o->log, "-") == 0)
		shim_err(0, "no daemon at '%s' (%s): using an embedded one, audit records on "
			 "standard error", l->daemon_path, strerror(-unreachable));
	else if (unreachable)
		shim_err(0, "no daemon at '%s' (%s): using an embedded one, audit records in '%s'",
			 l->daemon_path, strerror(-unreachable), o->log);
	shim_info("using an embedded daemon (pid %d) at '%s'", (int)l->emb.pid, l->emb.sock_path);
	return 0;
}

/* Say HELLO as a shim; see launch.h. */
int launch_daemon_hello(struct launch *l)
{
	const char *reason;
	struct sg_msg m;
	ssize_t n;
	int r;

	/* KILLED: how the exit status tells a policy's kill from any other SIGKILL */
	n = proto_encode_hello_flags(l->buf, SG_MSG_MAX, SG_ROLE_SHIM, SG_HELLO_TELL_KILLED);
	if (n < 0)
		return shim_err((int)n, "cannot encode hello");
	r = daemon_call(l, l->buf, (size_t)n, NULL, 0, &m, &reason);
	if (r == -EINTR && l->abort_sig)
		return r;
	if (r < 0 && l->emb.pid > 0)
		return embedded_failed(l, r);
	if (r < 0)
		return shim_err(r, "daemon at '%s': hello failed%s%s", l->daemon_path,
				reason ? ": " : "", reason ? reason : "");
	if (m.type == SG_MSG_ERROR) {
		shim_err(0, "the daemon refused sysgate-run: %s", m.str);
		return -EPERM;
	}
	return 0;
}

/* See launch.h. */
uint32_t launch_reg_flags(const struct run_opts *o)
{
	return (o->audit ? SG_REG_AUDIT : 0) | (o->swappable ? SG_REG_SWAPPABLE : 0) |
	       (o->learn_out ? SG_REG_LEARN : 0);
}

/* Hand the listener and the policy to the daemon; see launch.h. */
int launch_daemon_register(struct launch *l)
{
	bool notify = l->opts->mechanism == SG_MECH_NOTIFY;
	const char *reason;
	struct sg_msg m;
	ssize_t n;
	int r;

	n = proto_encode_register_flags(l->buf, SG_MSG_MAX, l->child, l->opts->mechanism,
					launch_reg_flags(l->opts), l->policy_path, l->policy_text,
					strlen(l->policy_text));
	if (n < 0)
		return shim_err((int)n, "cannot encode the session request");
	/* notify hands the listener over; under trace the daemon attaches to the child. */
	r = daemon_call(l, l->buf, (size_t)n, notify ? &l->listener : NULL, notify ? 1 : 0, &m,
			&reason);
	if (r == -EINTR && l->abort_sig)
		return r;
	if (r < 0)
		return shim_err(r, "cannot register the session with the daemon%s%s",
				reason ? ": " : "", reason ? reason : "");
	if (m.type == SG_MSG_ERROR) {
		if (m.str_len)
			shim_err(0, "daemon refused the session: %s", m.str);
		else
			shim_err(m.u.error.error, "daemon refused the session");
		return -EPERM;
	}
	l->session = m.u.ack.value;
	shim_info("session %llu: pid %d under policy '%s'", (unsigned long long)m.u.ack.value,
		  (int)l->child, l->policy_path);
	return 0;
}

/* Whether the daemon said a policy killed the command: a KILLED waiting in the socket. */
bool launch_daemon_killed(struct launch *l)
{
	struct pollfd p = { .fd = l->sock, .events = POLLIN };
	int fds[SG_MSG_FDS_MAX];
	const char *reason;
	bool killed = false;
	struct sg_msg m;
	size_t n_fds;
	ssize_t n;

	/* The daemon sends KILLED before the signal: it is here, or it never comes. */
	while (l->sock >= 0 && poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) {
		n_fds = 0;
		n = proto_recv(l->sock, l->buf, SG_MSG_MAX, fds, &n_fds);
		if (n <= 0)
			break;
		if (proto_decode(l->buf, (size_t)n, fds, n_fds, &m, &reason) == 0 &&
		    m.type == SG_MSG_KILLED) {
			shim_info("session %llu: the policy killed '%s'",
				  (unsigned long long)m.u.session_req.id, l->opts->argv[0]);
			killed = true;
		}
		proto_close_fds(fds, n_fds);
	}
	return killed;
}

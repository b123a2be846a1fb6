/* SPDX-License-Identifier: MIT */
/*
 * control.c over a real socket: an in-process daemon whose loop the test
 * pumps, and clients speaking the wire protocol.  HELLO first, refusals of
 * malformed messages and protocol violations (ERROR, `refused`, closed),
 * replies, the record backlog and stream, dropping a subscriber that cannot
 * keep up (the file keeps every record), and what another uid may see.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "helpers.h"

TestSuite(control, .fini = th_cleanup, .timeout = 60);

static struct {
	char dir[64];
	char path[96];
	uint8_t buf[SG_MSG_MAX];
} ct;

/* A daemon listening in a temporary directory. */
static struct sysgated *control_daemon(void)
{
	struct sysgated *d = th_daemon();

	snprintf(ct.dir, sizeof(ct.dir), "/tmp/sg-control-XXXXXX");
	cr_assert_not_null(mkdtemp(ct.dir));
	cr_assert_eq(chmod(ct.dir, 0755), 0); /* other uids connect too */
	snprintf(ct.path, sizeof(ct.path), "%s/sock", ct.dir);
	d->listen_fd = proto_listen(ct.path, 0666);
	cr_assert_geq(d->listen_fd, 0);
	cr_assert_eq(control_start(d), 0);
	return d;
}

static void control_cleanup(void)
{
	if (ct.path[0])
		unlink(ct.path);
	if (ct.dir[0])
		rmdir(ct.dir);
	th_cleanup();
}

/* Run the loop until fd is readable (bounded). */
static void pump(struct sysgated *d, int fd)
{
	for (int i = 0; i < TH_TIMEOUT_MS; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		event_base_loop(d->base, EVLOOP_NONBLOCK);
		if (poll(&p, 1, 1) == 1)
			return;
	}
	cr_assert_fail("no reply within %d ms", TH_TIMEOUT_MS);
}

/* Receive one packet (pumping the loop); 0 on EOF. */
static int next(struct sysgated *d, int fd, struct sg_msg *m)
{
	int fds[SG_MSG_FDS_MAX];
	const char *reason = NULL;
	size_t n_fds;
	ssize_t n;

	pump(d, fd);
	n = proto_recv(fd, ct.buf, sizeof(ct.buf), fds, &n_fds);
	cr_assert_geq(n, 0, "recv: %s", strerror((int)-n));
	if (n == 0)
		return 0;
	cr_assert_eq(proto_decode(ct.buf, (size_t)n, fds, n_fds, m, &reason), 0, "%s", reason);
	return 1;
}

static void send_pkt(int fd, const void *pkt, ssize_t len)
{
	cr_assert_gt(len, 0);
	cr_assert_eq(proto_send(fd, pkt, (size_t)len, NULL, 0), 0);
}

/* Connect and say HELLO with role. */
static int client(struct sysgated *d, enum sg_role role)
{
	uint8_t pkt[64];
	struct sg_msg m;
	int fd = proto_connect(ct.path);

	cr_assert_geq(fd, 0);
	send_pkt(fd, pkt, proto_encode_hello(pkt, sizeof(pkt), role));
	cr_assert_eq(next(d, fd, &m), 1);
	cr_assert_eq(m.type, SG_MSG_ACK);
	return fd;
}

static void expect_refused(struct sysgated *d, int fd, int error, const char *reason)
{
	struct sg_msg m;

	cr_assert_eq(next(d, fd, &m), 1);
	cr_assert_eq(m.type, SG_MSG_ERROR, "got %s", proto_type_name(m.type));
	cr_expect_eq(m.u.error.error, error, "error %d", m.u.error.error);
	cr_expect_str_eq(m.str, reason);
	cr_expect_eq(next(d, fd, &m), 0, "the connection stays open after a refusal");
}

Test(control, hello_then_status, .fini = control_cleanup)
{
	struct sysgated *d = control_daemon();
	int fd = client(d, SG_ROLE_CLIENT);
	uint8_t pkt[64];
	struct sg_msg m;

	send_pkt(fd, pkt, proto_encode_empty(pkt, sizeof(pkt), SG_MSG_STATUS_REQ));
	cr_assert_eq(next(d, fd, &m), 1);
	cr_assert_eq(m.type, SG_MSG_STATUS);
	cr_expect_eq(m.u.status.pid, (uint32_t)getpid());
	cr_expect_eq(m.u.status.n_sessions, 0);
	cr_expect_str_eq(m.str, SG_VERSION);
	close(fd);
}

Test(control, the_first_message_must_be_hello, .fini = control_cleanup)
{
	struct sysgated *d = control_daemon();
	int fd = proto_connect(ct.path);
	uint8_t pkt[64];
	json_object *recs, *rec;

	send_pkt(fd, pkt, proto_encode_empty(pkt, sizeof(pkt), SG_MSG_STATUS_REQ));
	expect_refused(d, fd, -EPROTO, "the first message must be hello");
	recs = th_audit_records(d);
	rec = th_find(recs, "event", "refused");
	cr_assert_not_null(rec, "%s", th_audit_text(d));
	cr_expect_str_eq(json_object_get_string(json_object_object_get(rec, "request")),
			 "status-req");
	cr_expect_eq(json_object_get_int64(json_object_object_get(rec, "peer_pid")), getpid());
	json_object_put(recs);
	close(fd);
}

Test(control, a_malformed_message_is_refused, .fini = control_cleanup)
{
	struct sysgated *d = control_daemon();
	int fd = client(d, SG_ROLE_CLIENT);
	static const char junk[] = "this is not a sysgate packet";

	send_pkt(fd, junk, sizeof(junk));
	expect_refused(d, fd, -EBADMSG, "bad magic");
	close(fd);
}

Test(control, fds_on_a_message_that_carries_none_are_refused_and_closed,
     .fini = control_cleanup)
{
	struct sysgated *d = control_daemon();
	int fd = proto_connect(ct.path), p[2];
	uint8_t pkt[64];
	ssize_t n = proto_encode_hello(pkt, sizeof(pkt), SG_ROLE_CLIENT);

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	cr_assert_eq(proto_send(fd, pkt, (size_t)n, &p[0], 1), 0);
	close(p[0]);
	expect_refused(d, fd, -EBADMSG, "wrong number of file descriptors for the message type");
	/* the daemon kept no copy: the pipe has no reader left */
	cr_expect_eq(write(p[1], "x", 1), -1);
	cr_expect_eq(errno, EPIPE);
	close(p[1]);
	close(fd);
}

Test(control, roles_limit_the_requests, .fini = control_cleanup)
{
	struct sysgated *d = control_daemon();
	int shim = client(d, SG_ROLE_SHIM), cl = client(d, SG_ROLE_CLIENT);
	uint8_t pkt[64];

	send_pkt(shim, pkt, proto_encode_empty(pkt, sizeof(pkt), SG_MSG_SESSIONS_REQ));
	expect_refused(d, shim, -EPERM, "queries need the client role");
	send_pkt(cl, pkt, proto_encode_hello(pkt, sizeof(pkt), SG_ROLE_CLIENT));
	expect_refused(d, cl, -EPROTO, "duplicate hello");
	close(shim);
	close(cl);
}

static void body_getppid_wait(int sock)
{
	char c;

	syscall(SYS_getppid);
	(void)!read(sock, &c, 1);
}

/* A live session owned by the test's uid, with one fake getppid counted. */
static struct session *live_session(struct sysgated *d, struct th_target *t)
{
	static const int route[] = { __NR_getppid };
	struct session *s;

	th_target_start(t, route, 1, body_getppid_wait);
	s = th_session(d, t, "version 1\ndefault allow\ngetppid fake 5\n");
	cr_assert_eq(notify_handle(s, TH_TIMEOUT_MS), 1);
	return s;
}

Test(control, sessions_session_and_stats_replies, .fini = control_cleanup)
{
	struct sysgated *d = control_daemon();
	struct th_target t;
	struct session *s = live_session(d, &t);
	int fd = client(d, SG_ROLE_CLIENT);
	uint8_t pkt[64];
	struct sg_msg m;

	send_pkt(fd, pkt, proto_encode_empty(pkt, sizeof(pkt), SG_MSG_SESSIONS_REQ));
	cr_assert_eq(next(d, fd, &m), 1);
	cr_assert_eq(m.type, SG_MSG_SESSION);
	cr_expect_eq(m.u.session.id, s->id);
	cr_expect_eq(m.u.session.target_pid, (uint32_t)t.pid);
	cr_expect_eq(m.u.session.counts[SG_COUNT_FAKE], 1);
	cr_expect_eq(m.u.session.state, SG_SESSION_RUNNING);
	cr_expect_str_eq(m.str, "test.policy");
	cr_assert_eq(next(d, fd, &m), 1);
	cr_expect_eq(m.type, SG_MSG_END);

	send_pkt(fd, pkt, proto_encode_session_req(pkt, sizeof(pkt), s->id));
	cr_assert_eq(next(d, fd, &m), 1);
	cr_expect_eq(m.type, SG_MSG_SESSION);
	send_pkt(fd, pkt, proto_encode_session_req(pkt, sizeof(pkt), 999));
	cr_assert_eq(next(d, fd, &m), 1);
	cr_assert_eq(m.type, SG_MSG_ERROR);
	cr_expect_eq(m.u.error.error, -ENOENT);
	cr_expect_str_eq(m.str, "no such session");

	send_pkt(fd, pkt, proto_encode_stats_req(pkt, sizeof(pkt), 0));
	cr_assert_eq(next(d, fd, &m), 1);
	cr_assert_eq(m.type, SG_MSG_STAT);
	cr_expect_eq(m.u.stat.session_id, s->id);
	cr_expect_eq(m.u.stat.nr, __NR_getppid);
	cr_expect_eq(m.u.stat.arch, d->native_arch);
	cr_expect_eq(m.u.stat.counts[SG_COUNT_FAKE], 1);
	cr_assert_eq(next(d, fd, &m), 1);
	cr_expect_eq(m.type, SG_MSG_END);
	send_pkt(fd, pkt, proto_encode_stats_req(pkt, sizeof(pkt), 999));
	cr_assert_eq(next(d, fd, &m), 1);
	cr_expect_eq(m.type, SG_MSG_ERROR);
	close(fd);
}

static json_object *emit(struct sysgated *d, uint64_t session, int i)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "i", json_object_new_int(i));
	cr_assert_eq(audit_emit(d, json_object_get(o), session, getuid()), 0);
	return o;
}

Test(control, subscribe_sends_the_backlog_then_end, .fini = control_cleanup)
{
	struct sysgated *d = control_daemon();
	int fd = client(d, SG_ROLE_CLIENT);
	uint8_t pkt[64];
	struct sg_msg m;

	json_object_put(emit(d, 1, 0));
	json_object_put(emit(d, 2, 1));
	json_object_put(emit(d, 1, 2));
	send_pkt(fd, pkt, proto_encode_subscribe(pkt, sizeof(pkt), 1, SG_SUB_BACKLOG));
	cr_assert_eq(next(d, fd, &m), 1);
	cr_assert_eq(m.type, SG_MSG_ACK);
	cr_assert_eq(next(d, fd, &m), 1);
	cr_assert_eq(m.type, SG_MSG_RECORD);
	cr_expect_str_eq(m.str, "{\"i\":0}");
	cr_assert_eq(next(d, fd, &m), 1);
	cr_assert_eq(m.type, SG_MSG_RECORD);
	cr_expect_str_eq(m.str, "{\"i\":2}", "only session 1's records");
	cr_assert_eq(next(d, fd, &m), 1);
	cr_expect_eq(m.type, SG_MSG_END);
	close(fd);
}

Test(control, follow_streams_new_records_of_the_session_asked_for, .fini = control_cleanup)
{
	struct sysgated *d = control_daemon();
	int fd = client(d, SG_ROLE_CLIENT);
	uint8_t pkt[64];
	struct sg_msg m;

	send_pkt(fd, pkt, proto_encode_subscribe(pkt, sizeof(pkt), 5, SG_SUB_FOLLOW));
	cr_assert_eq(next(d, fd, &m), 1);
	cr_assert_eq(m.type, SG_MSG_ACK);
	json_object_put(emit(d, 6, 1));
	json_object_put(emit(d, 5, 2));
	cr_assert_eq(next(d, fd, &m), 1);
	cr_assert_eq(m.type, SG_MSG_RECORD);
	cr_expect_eq(m.u.record.session_id, 5);
	cr_expect_str_eq(m.str, "{\"i\":2}");
	/* a follower sends no more requests */
	send_pkt(fd, pkt, proto_encode_empty(pkt, sizeof(pkt), SG_MSG_STATUS_REQ));
	expect_refused(d, fd, -EPROTO, "no requests while following records");
	close(fd);
}

Test(control, a_subscriber_that_cannot_keep_up_is_dropped_and_the_file_keeps_all,
     .fini = control_cleanup)
{
	struct sysgated *d = control_daemon();
	int fd = client(d, SG_ROLE_CLIENT);
	const int total = SG_CONN_QUEUE_MAX + 3000;
	uint8_t pkt[64];
	struct sg_msg m;
	const char *text;
	int lines = 0;

	send_pkt(fd, pkt, proto_encode_subscribe(pkt, sizeof(pkt), 0, SG_SUB_FOLLOW));
	cr_assert_eq(next(d, fd, &m), 1);
	cr_assert_eq(d->n_conns, 1);
	for (int i = 0; i < total; i++)
		json_object_put(emit(d, 1, i)); /* the client reads none of them */
	cr_expect_eq(d->n_conns, 0, "the subscriber was not dropped");
	cr_expect_eq(d->audit.records, (uint64_t)total);
	cr_expect_eq(d->audit.records_failed, 0);
	text = th_audit_text(d);
	for (const char *p = text; (p = strchr(p, '\n')); p++)
		lines++;
	cr_expect_eq(lines, total);
	event_base_loop(d->base, EVLOOP_NONBLOCK); /* the reaper frees it */
	cr_expect(TAILQ_EMPTY(&d->dead_conns));
	close(fd);
}

/* In a child running as nobody: what uid 65534 gets; exit code says what failed. */
static int nobody_client(uint64_t root_session)
{
	int fds[SG_MSG_FDS_MAX];
	uint8_t pkt[64];
	const char *reason;
	struct sg_msg m;
	size_t n_fds;
	ssize_t n;
	int fd;

	if (setgid(65534) < 0 || setuid(65534) < 0)
		return 10;
	fd = proto_connect(ct.path);
	if (fd < 0)
		return 11;
	if (proto_call(fd, pkt, (size_t)proto_encode_hello(pkt, sizeof(pkt), SG_ROLE_CLIENT), NULL,
		       0, ct.buf, sizeof(ct.buf), &m, &reason) < 0)
		return 12;
	if (proto_call(fd, pkt, (size_t)proto_encode_empty(pkt, sizeof(pkt), SG_MSG_SESSIONS_REQ),
		       NULL, 0, ct.buf, sizeof(ct.buf), &m, &reason) < 0 || m.type != SG_MSG_END)
		return 13; /* root's session must not be listed */
	if (proto_call(fd, pkt, (size_t)proto_encode_session_req(pkt, sizeof(pkt), root_session),
		       NULL, 0, ct.buf, sizeof(ct.buf), &m, &reason) != -ENOENT ||
	    strcmp(m.str, "no such session") != 0)
		return 14; /* nor revealed to exist */
	if (proto_call(fd, pkt, (size_t)proto_encode_stats_req(pkt, sizeof(pkt), 0), NULL, 0,
		       ct.buf, sizeof(ct.buf), &m, &reason) < 0 || m.type != SG_MSG_END)
		return 15;
	if (proto_call(fd, pkt, (size_t)proto_encode_stats_req(pkt, sizeof(pkt), root_session),
		       NULL, 0, ct.buf, sizeof(ct.buf), &m, &reason) != -ENOENT)
		return 16;
	if (proto_call(fd, pkt, (size_t)proto_encode_empty(pkt, sizeof(pkt), SG_MSG_STATUS_REQ),
		       NULL, 0, ct.buf, sizeof(ct.buf), &m, &reason) < 0 ||
	    m.u.status.n_sessions != 0)
		return 17;
	if (proto_call(fd, pkt, (size_t)proto_encode_subscribe(pkt, sizeof(pkt), 0, SG_SUB_BACKLOG),
		       NULL, 0, ct.buf, sizeof(ct.buf), &m, &reason) < 0 || m.type != SG_MSG_ACK)
		return 18;
	n = proto_recv(fd, ct.buf, sizeof(ct.buf), fds, &n_fds);
	if (n <= 0 || proto_decode(ct.buf, (size_t)n, fds, n_fds, &m, &reason) < 0 ||
	    m.type != SG_MSG_END)
		return 19; /* no record of root's session, nor root-only refusals */
	return 0;
}

Test(control, another_uid_sees_none_of_roots_sessions_or_records, .fini = control_cleanup)
{
	struct sysgated *d;
	struct th_target t;
	struct session *s;
	pid_t pid;
	int status = -1;

	if (geteuid() != 0)
		cr_skip_test("needs root to run a client as another uid");
	d = control_daemon();
	s = live_session(d, &t);
	/* a root-only refusal in the ring too */
	{
		int fd = proto_connect(ct.path);
		uint8_t pkt[64];

		send_pkt(fd, pkt, proto_encode_empty(pkt, sizeof(pkt), SG_MSG_END));
		pump(d, fd);
		close(fd);
	}
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(nobody_client(s->id));
	th_track_child(pid);
	for (int i = 0; i < TH_TIMEOUT_MS; i++) {
		event_base_loop(d->base, EVLOOP_NONBLOCK);
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(1000);
	}
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "nobody's client failed at step %d",
		  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* As nobody: SG_CONNS_PER_UID connections are served, the next one is closed. */
static int nobody_connections(void)
{
	int fds[SG_CONNS_PER_UID + 1];
	uint8_t pkt[64];
	const char *reason;
	struct sg_msg m;
	ssize_t n = proto_encode_hello(pkt, sizeof(pkt), SG_ROLE_CLIENT);

	if (setgid(65534) < 0 || setuid(65534) < 0)
		return 10;
	for (int i = 0; i <= SG_CONNS_PER_UID; i++) {
		fds[i] = proto_connect(ct.path);
		if (fds[i] < 0)
			return 11;
		/* one at a time, so the daemon accepts them in this order */
		if (i < SG_CONNS_PER_UID && proto_call(fds[i], pkt, (size_t)n, NULL, 0, ct.buf,
						      sizeof(ct.buf), &m, &reason) < 0)
			return 12;
	}
	if (proto_call(fds[SG_CONNS_PER_UID], pkt, (size_t)n, NULL, 0, ct.buf, sizeof(ct.buf), &m,
		       &reason) >= 0)
		return 13; /* the one over the limit was served */
	return 0;
}

Test(control, one_uid_cannot_take_every_connection, .fini = control_cleanup)
{
	struct sysgated *d;
	pid_t pid;
	int status = -1, root;

	if (geteuid() != 0)
		cr_skip_test("needs root to run a client as another uid");
	d = control_daemon();
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(nobody_connections());
	th_track_child(pid);
	for (int i = 0; i < TH_TIMEOUT_MS; i++) {
		event_base_loop(d->base, EVLOOP_NONBLOCK);
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(1000);
	}
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "nobody's client failed at step %d",
		  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	/* root is not limited by it */
	root = client(d, SG_ROLE_CLIENT);
	close(root);
}

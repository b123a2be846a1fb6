/* SPDX-License-Identifier: MIT */
/* Tests for proto/io.c over real AF_UNIX SOCK_SEQPACKET sockets. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "proto.h"

static uint8_t pkt[SG_MSG_MAX];
static uint8_t rbuf[SG_MSG_MAX];
static int sp[2] = { -1, -1 };
static char tmpdir[64];

static void pair_setup(void)
{
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
}

static void pair_teardown(void)
{
	for (int i = 0; i < 2; i++)
		if (sp[i] >= 0)
			close(sp[i]);
}

static void dir_setup(void)
{
	strcpy(tmpdir, "/tmp/sg-proto-io-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void dir_teardown(void)
{
	static const char *const names[] = { "sock", "file", "stale" };
	char p[128];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", tmpdir, names[i]);
		unlink(p);
	}
	rmdir(tmpdir);
}

TestSuite(proto_io, .init = pair_setup, .fini = pair_teardown);

/* True when every write end of the pipe is closed: read sees EOF, not EAGAIN. */
static bool pipe_writers_gone(int rfd)
{
	char c;

	cr_assert_eq(fcntl(rfd, F_SETFL, O_NONBLOCK), 0);
	return read(rfd, &c, 1) == 0;
}

/* Send a packet with n fds via a raw sendmsg (proto_send refuses more than the max). */
static void raw_send(int sock, const void *data, size_t len, const int *fds, size_t n)
{
	char control[CMSG_SPACE(sizeof(int) * 16)] __attribute__((aligned(8))) = { 0 };
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	cr_assert_leq(n, 16);
	mh.msg_control = control;
	mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	cr_assert_eq(sendmsg(sock, &mh, MSG_NOSIGNAL), (ssize_t)len);
}

Test(proto_io, passes_an_fd_with_register)
{
	int p[2], fds[SG_MSG_FDS_MAX];
	size_t n_fds = 99;
	ssize_t len = proto_encode_register(pkt, sizeof(pkt), 1234, SG_MECH_NOTIFY, "p", "t", 1);
	struct sg_msg m;
	const char *reason;
	char c = 0;

	cr_assert_gt(len, 0);
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(proto_send(sp[0], pkt, (size_t)len, &p[1], 1), 0);
	cr_assert_eq(proto_recv(sp[1], rbuf, sizeof(rbuf), fds, &n_fds), len);
	cr_assert_eq(n_fds, 1);
	cr_assert_geq(fds[0], 0);
	cr_assert_neq(fds[0], p[1]);
	cr_assert_lt(fds[1], 0);
	cr_assert_eq(proto_decode(rbuf, (size_t)len, fds, n_fds, &m, &reason), 0);
	cr_assert_eq(m.fds[0], fds[0]);
	/* The received fd is the same pipe: what goes in comes out of the original. */
	cr_assert_eq(write(fds[0], "z", 1), 1);
	cr_assert_eq(read(p[0], &c, 1), 1);
	cr_assert_eq(c, 'z');
	proto_close_fds(fds, n_fds);
	cr_assert_lt(fds[0], 0, "close_fds resets entries");
	close(p[1]);
	cr_assert(pipe_writers_gone(p[0]));
	close(p[0]);
}

Test(proto_io, received_fds_are_cloexec)
{
	int p[2], fds[SG_MSG_FDS_MAX];
	size_t n_fds;
	ssize_t len = proto_encode_register(pkt, sizeof(pkt), 1, SG_MECH_NOTIFY, "p", "t", 1);

	cr_assert_eq(pipe(p), 0); /* deliberately without O_CLOEXEC */
	cr_assert_eq(fcntl(p[0], F_GETFD) & FD_CLOEXEC, 0);
	cr_assert_eq(proto_send(sp[0], pkt, (size_t)len, p, 2), 0);
	cr_assert_eq(proto_recv(sp[1], rbuf, sizeof(rbuf), fds, &n_fds), len);
	cr_assert_eq(n_fds, 2);
	for (size_t i = 0; i < n_fds; i++)
		cr_assert(fcntl(fds[i], F_GETFD) & FD_CLOEXEC, "fd %zu lacks FD_CLOEXEC", i);
	proto_close_fds(fds, n_fds);
	close(p[0]);
	close(p[1]);
}

Test(proto_io, passes_the_most_fds_allowed)
{
	int p[2], out[SG_MSG_FDS_MAX], fds[SG_MSG_FDS_MAX];
	size_t n_fds;
	ssize_t len = proto_encode_ack(pkt, sizeof(pkt), 1);

	cr_assert_eq(pipe(p), 0);
	for (int i = 0; i < SG_MSG_FDS_MAX; i++)
		out[i] = p[1];
	cr_assert_eq(proto_send(sp[0], pkt, (size_t)len, out, SG_MSG_FDS_MAX), 0);
	cr_assert_eq(proto_recv(sp[1], rbuf, sizeof(rbuf), fds, &n_fds), len);
	cr_assert_eq(n_fds, SG_MSG_FDS_MAX);
	proto_close_fds(fds, n_fds);
	close(p[1]);
	cr_assert(pipe_writers_gone(p[0]));
	close(p[0]);
}

Test(proto_io, truncated_packet_is_emsgsize_and_fds_closed)
{
	int p[2], fds[SG_MSG_FDS_MAX];
	size_t n_fds = 99;

	memset(pkt, 'x', 200);
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(proto_send(sp[0], pkt, 200, &p[1], 1), 0);
	close(p[1]);
	cr_assert_eq(proto_recv(sp[1], rbuf, 100, fds, &n_fds), -EMSGSIZE);
	cr_assert_eq(n_fds, 0);
	cr_assert_lt(fds[0], 0);
	cr_assert(pipe_writers_gone(p[0]), "received fd was left open");
	close(p[0]);
}

Test(proto_io, packet_over_the_maximum_is_emsgsize)
{
	static uint8_t big[SG_MSG_MAX + 1];
	int fds[SG_MSG_FDS_MAX];
	size_t n_fds;
	int sz = (int)sizeof(big) * 2;

	cr_assert_eq(setsockopt(sp[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)), 0);
	cr_assert_eq(proto_send(sp[0], big, sizeof(big), NULL, 0), 0);
	cr_assert_eq(proto_recv(sp[1], rbuf, sizeof(rbuf), fds, &n_fds), -EMSGSIZE);
}

Test(proto_io, too_many_fds_are_closed_and_refused)
{
	int p[2], out[SG_MSG_FDS_MAX + 2], fds[SG_MSG_FDS_MAX];
	size_t n_fds = 99;
	ssize_t len = proto_encode_ack(pkt, sizeof(pkt), 1);

	cr_assert_eq(pipe(p), 0);
	for (size_t i = 0; i < SG_MSG_FDS_MAX + 2; i++)
		out[i] = p[1];
	cr_assert_eq(proto_send(sp[0], pkt, (size_t)len, out, SG_MSG_FDS_MAX + 1), -EINVAL);
	raw_send(sp[0], pkt, (size_t)len, out, SG_MSG_FDS_MAX + 2);
	close(p[1]);
	cr_assert_eq(proto_recv(sp[1], rbuf, sizeof(rbuf), fds, &n_fds), -EMSGSIZE);
	cr_assert_eq(n_fds, 0);
	for (int i = 0; i < SG_MSG_FDS_MAX; i++)
		cr_assert_lt(fds[i], 0);
	cr_assert(pipe_writers_gone(p[0]), "an fd of the refused packet stayed open");
	close(p[0]);
}

Test(proto_io, eof_returns_zero)
{
	int fds[SG_MSG_FDS_MAX];
	size_t n_fds;

	close(sp[0]);
	sp[0] = -1;
	cr_assert_eq(proto_recv(sp[1], rbuf, sizeof(rbuf), fds, &n_fds), 0);
	cr_assert_eq(n_fds, 0);
}

Test(proto_io, send_to_closed_peer_is_epipe_without_sigpipe)
{
	ssize_t len = proto_encode_ack(pkt, sizeof(pkt), 1);

	close(sp[1]);
	sp[1] = -1;
	cr_assert_eq(proto_send(sp[0], pkt, (size_t)len, NULL, 0), -EPIPE);
}

Test(proto_io, full_nonblocking_socket_is_eagain)
{
	ssize_t len = proto_encode_ack(pkt, sizeof(pkt), 1);
	int r = 0;

	cr_assert_eq(fcntl(sp[0], F_SETFL, O_NONBLOCK), 0);
	for (int i = 0; i < 100000 && r == 0; i++)
		r = proto_send(sp[0], pkt, (size_t)len, NULL, 0);
	cr_assert_eq(r, -EAGAIN);
}

Test(proto_io, call_returns_the_error_reply)
{
	struct sg_msg m;
	const char *reason = NULL;
	int fds[SG_MSG_FDS_MAX];
	size_t n_fds;
	ssize_t len;

	/* Queue the daemon's answer first: the call then finds it after sending. */
	len = proto_encode_error(pkt, sizeof(pkt), -ENOENT, "no such session");
	cr_assert_eq(proto_send(sp[1], pkt, (size_t)len, NULL, 0), 0);
	len = proto_encode_session_req(pkt, sizeof(pkt), 42);
	cr_assert_eq(proto_call(sp[0], pkt, (size_t)len, NULL, 0, rbuf, sizeof(rbuf), &m, &reason),
		     -ENOENT);
	cr_assert_eq(m.type, SG_MSG_ERROR);
	cr_assert_str_eq(m.str, "no such session");
	cr_assert_str_eq(reason, "no such session");
	/* And the request reached the other end intact. */
	len = proto_recv(sp[1], pkt, sizeof(pkt), fds, &n_fds);
	cr_assert_gt(len, 0);
	cr_assert_eq(proto_decode(pkt, (size_t)len, fds, n_fds, &m, &reason), 0);
	cr_assert_eq(m.type, SG_MSG_SESSION_REQ);
	cr_assert_eq(m.u.session_req.id, 42);
}

Test(proto_io, call_returns_zero_on_a_normal_reply)
{
	struct sg_msg m;
	const char *reason = "unset";
	ssize_t len = proto_encode_ack(pkt, sizeof(pkt), 7);

	cr_assert_eq(proto_send(sp[1], pkt, (size_t)len, NULL, 0), 0);
	len = proto_encode_hello(pkt, sizeof(pkt), SG_ROLE_CLIENT);
	cr_assert_eq(proto_call(sp[0], pkt, (size_t)len, NULL, 0, rbuf, sizeof(rbuf), &m, &reason), 0);
	cr_assert_eq(m.type, SG_MSG_ACK);
	cr_assert_eq(m.u.ack.value, 7);
	cr_assert_null(reason);
}

Test(proto_io, call_refuses_a_malformed_reply_and_closes_its_fds)
{
	struct sg_msg m;
	const char *reason = NULL;
	int p[2];
	ssize_t len = proto_encode_ack(pkt, sizeof(pkt), 7);

	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(proto_send(sp[1], pkt, (size_t)len, &p[1], 1), 0); /* ACK takes no fd */
	close(p[1]);
	len = proto_encode_hello(pkt, sizeof(pkt), SG_ROLE_CLIENT);
	cr_assert_eq(proto_call(sp[0], pkt, (size_t)len, NULL, 0, rbuf, sizeof(rbuf), &m, &reason),
		     -EBADMSG);
	cr_assert_str_eq(reason, "wrong number of file descriptors for the message type");
	cr_assert(pipe_writers_gone(p[0]));
	close(p[0]);
}

Test(proto_io, call_on_eof_is_econnreset)
{
	struct sg_msg m;
	const char *reason = NULL;
	ssize_t len = proto_encode_hello(pkt, sizeof(pkt), SG_ROLE_CLIENT);

	cr_assert_eq(shutdown(sp[1], SHUT_WR), 0);
	cr_assert_eq(proto_call(sp[0], pkt, (size_t)len, NULL, 0, rbuf, sizeof(rbuf), &m, &reason),
		     -ECONNRESET);
	cr_assert_not_null(reason);
}

static void path_in_tmp(char *p, size_t size, const char *name)
{
	snprintf(p, size, "%s/%s", tmpdir, name);
}

Test(proto_io, listen_connect_and_mode, .init = dir_setup, .fini = dir_teardown)
{
	char path[128];
	struct stat st;
	int l, c, a;
	ssize_t len = proto_encode_ack(pkt, sizeof(pkt), 5);
	int fds[SG_MSG_FDS_MAX];
	size_t n_fds;

	path_in_tmp(path, sizeof(path), "sock");
	l = proto_listen(path, 0640);
	cr_assert_geq(l, 0, "listen: %s", strerror(-l));
	cr_assert(fcntl(l, F_GETFD) & FD_CLOEXEC);
	cr_assert_eq(lstat(path, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0640);
	c = proto_connect(path);
	cr_assert_geq(c, 0, "connect: %s", strerror(-c));
	cr_assert(fcntl(c, F_GETFD) & FD_CLOEXEC);
	a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	cr_assert_geq(a, 0);
	cr_assert_eq(proto_send(c, pkt, (size_t)len, NULL, 0), 0);
	cr_assert_eq(proto_recv(a, rbuf, sizeof(rbuf), fds, &n_fds), len);
	/* A live listener is never taken over. */
	cr_assert_eq(proto_listen(path, 0600), -EADDRINUSE);
	cr_assert_eq(lstat(path, &st), 0);
	close(a);
	close(c);
	close(l);
}

Test(proto_io, listen_replaces_a_stale_socket, .init = dir_setup, .fini = dir_teardown)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int s, l, c;

	path_in_tmp(sa.sun_path, sizeof(sa.sun_path), "stale");
	/* A socket file nobody listens on, as left by a crashed daemon. */
	s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	cr_assert_geq(s, 0);
	cr_assert_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(s);
	cr_assert_eq(lstat(sa.sun_path, &st), 0);
	cr_assert_eq(proto_connect(sa.sun_path), -ECONNREFUSED);
	l = proto_listen(sa.sun_path, 0600);
	cr_assert_geq(l, 0, "listen: %s", strerror(-l));
	/* The path now leads to the new listener. */
	c = proto_connect(sa.sun_path);
	cr_assert_geq(c, 0, "connect: %s", strerror(-c));
	close(c);
	close(l);
}

Test(proto_io, listen_leaves_a_non_socket_alone, .init = dir_setup, .fini = dir_teardown)
{
	char path[128];
	struct stat st;
	int fd;

	path_in_tmp(path, sizeof(path), "file");
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(proto_listen(path, 0600), -EEXIST);
	cr_assert_eq(lstat(path, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
}

Test(proto_io, listen_refuses_a_live_stream_socket, .init = dir_setup, .fini = dir_teardown)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s;

	path_in_tmp(sa.sun_path, sizeof(sa.sun_path), "sock");
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_geq(s, 0);
	cr_assert_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(s, 1), 0);
	cr_assert_eq(proto_listen(sa.sun_path, 0600), -EADDRINUSE);
	close(s);
}

Test(proto_io, connect_errors, .init = dir_setup, .fini = dir_teardown)
{
	char path[128], longp[200];

	path_in_tmp(path, sizeof(path), "sock");
	cr_assert_eq(proto_connect(path), -ENOENT);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	cr_assert_eq(proto_connect(longp), -ENAMETOOLONG);
	cr_assert_eq(proto_listen(longp, 0600), -ENAMETOOLONG);
	cr_assert_eq(proto_connect(""), -EINVAL);
}

/* SPDX-License-Identifier: MIT */
/*
 * Moving sysgate packets over AF_UNIX SOCK_SEQPACKET sockets: one packet per
 * sendmsg/recvmsg, fds as SCM_RIGHTS.  No event loop and no logging here.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "macro.h"
#include "proto.h"

/* Control buffer for up to SG_MSG_FDS_MAX fds, aligned for struct cmsghdr. */
union fd_cmsg {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(int) * SG_MSG_FDS_MAX)];
};

/* Send one packet with optional fds; see proto.h. */
int proto_send(int sock, const void *pkt, size_t len, const int *fds, size_t n_fds)
{
	union fd_cmsg control;
	struct iovec iov = { .iov_base = (void *)pkt, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (sock < 0 || !pkt || len == 0 || n_fds > SG_MSG_FDS_MAX || (n_fds > 0 && !fds))
		return -EINVAL;
	if (n_fds > 0) {
		struct cmsghdr *c;

		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return negative_errno();
	/* SOCK_SEQPACKET sends whole packets; anything else is not our socket type. */
	if ((size_t)n != len)
		return -EIO;
	return 0;
}

/* Close the fds of a message; entries become -EBADF. */
void proto_close_fds(int *fds, size_t n_fds)
{
	if (!fds)
		return;
	for (size_t i = 0; i < n_fds; i++)
		fds[i] = safe_close(fds[i]);
}

/* Collect the SCM_RIGHTS fds of a received message; more than SG_MSG_FDS_MAX are
 * all closed and give -EMSGSIZE.  Other control messages are ignored. */
static int collect_fds(struct msghdr *mh, int fds[SG_MSG_FDS_MAX], size_t *ret_n)
{
	size_t n = 0;
	bool too_many = false;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (n < SG_MSG_FDS_MAX) {
				fds[n++] = fd;
			} else {
				safe_close(fd);
				too_many = true;
			}
		}
	}
	if (too_many) {
		proto_close_fds(fds, n);
		*ret_n = 0;
		return -EMSGSIZE;
	}
	*ret_n = n;
	return 0;
}

/* Receive one packet with its fds; see proto.h. */
ssize_t proto_recv(int sock, void *buf, size_t size, int fds[SG_MSG_FDS_MAX], size_t *ret_n_fds)
{
	union fd_cmsg control;
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	size_t n_fds = 0;
	ssize_t n;
	int r;

	if (sock < 0 || !buf || size == 0 || !fds || !ret_n_fds)
		return -EINVAL;
	for (size_t i = 0; i < SG_MSG_FDS_MAX; i++)
		fds[i] = -EBADF;
	*ret_n_fds = 0;

	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return negative_errno();

	/* Take ownership of whatever arrived before deciding anything else. */
	r = collect_fds(&mh, fds, &n_fds);
	if (r < 0)
		return r;
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		proto_close_fds(fds, n_fds);
		return -EMSGSIZE;
	}
	/* A zero-length packet is indistinguishable from EOF here; both end the peer. */
	if (n == 0) {
		proto_close_fds(fds, n_fds);
		return 0;
	}
	*ret_n_fds = n_fds;
	return n;
}

/* Fill a sockaddr_un for path; -ENAMETOOLONG when it does not fit. */
static int make_addr(const char *path, struct sockaddr_un *sa, socklen_t *ret_len)
{
	size_t len;

	if (!path || !*path)
		return -EINVAL;
	len = strlen(path);
	if (len >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, len + 1);
	*ret_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
	return 0;
}

/* Connect a SOCK_SEQPACKET socket to path; returns the fd or -errno. */
int proto_connect(const char *path)
{
	_cleanup_close_ int fd = -EBADF;
	struct sockaddr_un sa;
	socklen_t sa_len;
	int r;

	r = make_addr(path, &sa, &sa_len);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return negative_errno();
	if (connect(fd, (struct sockaddr *)&sa, sa_len) < 0)
		return negative_errno();
	return TAKE_FD(fd);
}

/* Remove path if it is a socket nobody listens on; -EADDRINUSE when a peer answers,
 * -EEXIST when something other than a socket is in the way. */
static int remove_stale_socket(const struct sockaddr_un *sa, socklen_t sa_len)
{
	_cleanup_close_ int probe = -EBADF;
	struct stat st;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : negative_errno();
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;

	/* Non-blocking, so a live daemon with a full backlog answers EAGAIN, not a hang. */
	probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (probe < 0)
		return negative_errno();
	if (connect(probe, (const struct sockaddr *)sa, sa_len) == 0)
		return -EADDRINUSE;
	switch (errno) {
	case ECONNREFUSED:
		break;
	case ENOENT: /* gone meanwhile */
		return 0;
	case EAGAIN:
	case EINPROGRESS:
	case EPROTOTYPE: /* someone listens with another socket type: still live */
		return -EADDRINUSE;
	default:
		return negative_errno();
	}
	if (unlink(sa->sun_path) < 0 && errno != ENOENT)
		return negative_errno();
	return 0;
}

/* Bind and listen on path with the given mode; returns the fd or -errno. */
int proto_listen(const char *path, mode_t mode)
{
	_cleanup_close_ int fd = -EBADF;
	struct sockaddr_un sa;
	socklen_t sa_len;
	int r;

	r = make_addr(path, &sa, &sa_len);
	if (r < 0)
		return r;
	r = remove_stale_socket(&sa, sa_len);
	if (r < 0)
		return r;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return negative_errno();
	if (bind(fd, (struct sockaddr *)&sa, sa_len) < 0)
		return negative_errno();
	/* Nobody can connect before listen(), so the mode is right before anyone can. */
	if (chmod(path, mode) < 0 || listen(fd, SOMAXCONN) < 0) {
		r = negative_errno();
		(void)unlink(path);
		return r;
	}
	return TAKE_FD(fd);
}

/* Send a request and receive one decoded reply; see proto.h. */
int proto_call(int sock, const void *pkt, size_t len, const int *fds, size_t n_fds, void *buf,
	       size_t size, struct sg_msg *ret, const char **ret_reason)
{
	int rfds[SG_MSG_FDS_MAX];
	size_t n_rfds = 0;
	struct sg_msg m;
	const char *reason = NULL;
	ssize_t n;
	int r;

	if (!ret)
		return -EINVAL;
	if (ret_reason)
		*ret_reason = NULL;
	r = proto_send(sock, pkt, len, fds, n_fds);
	if (r < 0)
		return r;
	n = proto_recv(sock, buf, size, rfds, &n_rfds);
	if (n < 0)
		return (int)n;
	if (n == 0) {
		if (ret_reason)
			*ret_reason = "connection closed before the reply";
		return -ECONNRESET;
	}
	r = proto_decode(buf, (size_t)n, rfds, n_rfds, &m, &reason);
	if (r < 0) {
		proto_close_fds(rfds, n_rfds);
		if (ret_reason)
			*ret_reason = reason;
		return r;
	}
	*ret = m;
	if (m.type == SG_MSG_ERROR) {
		if (ret_reason)
			*ret_reason = m.str;
		return m.u.error.error;
	}
	return 0;
}

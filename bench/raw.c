/* SPDX-License-Identifier: MIT */
/*
 * The kernel's limit of the notify path, measured by talking to it directly: a raw
 * USER_NOTIF round trip answered by a dedicated supervisor process (with SYNC_WAKE_UP
 * when the kernel has it), and the bare loop every limit is timed with.  The bare
 * syscall and the ALLOW filters are timed by bench-target itself (target.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "seccomp_compat.h"

/* Mean ns per call of syscall nr over n calls in this process. */
double time_calls(long nr, long n)
{
	struct timespec a, b;

	syscall(nr);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		syscall(nr);
	clock_gettime(CLOCK_MONOTONIC, &b);
	return ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / (double)n;
}

/* One byte and room for one SCM_RIGHTS fd, for passing a listener over a socketpair. */
struct fd_msg {
	char c;
	struct iovec iov;
	char cbuf[CMSG_SPACE(sizeof(int))] __attribute__((aligned(__alignof__(struct cmsghdr))));
	struct msghdr mh;
};

static void fd_msg_init(struct fd_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->iov = (struct iovec){ .iov_base = &m->c, .iov_len = 1 };
	m->mh = (struct msghdr){ .msg_iov = &m->iov, .msg_iovlen = 1, .msg_control = m->cbuf,
				 .msg_controllen = sizeof(m->cbuf) };
}

static int send_fd(int sock, int fd)
{
	struct fd_msg m;
	struct cmsghdr *cm;

	fd_msg_init(&m);
	cm = CMSG_FIRSTHDR(&m.mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &m.mh, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	struct fd_msg m;
	struct cmsghdr *cm;
	int fd;

	fd_msg_init(&m);
	if (recvmsg(sock, &m.mh, MSG_CMSG_CLOEXEC) != 1)
		return -errno;
	cm = CMSG_FIRSTHDR(&m.mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EBADMSG;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* Child: load ctx, pass its listener to the parent, time n getppid calls, write the
 * result to the pipe, exit. */
static _Noreturn void child_measure(scmp_filter_ctx ctx, int sock, int out, long n)
{
	double ns;
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (seccomp_load(ctx) < 0)
		_exit(3);
	/* sendmsg is not routed by this filter: no deadlock. */
	fd = seccomp_notify_fd(ctx);
	if (fd < 0 || send_fd(sock, fd) < 0)
		_exit(4);
	close(fd);
	ns = time_calls(SYS_getppid, n);
	if (syscall(SYS_getppid) != 7)
		_exit(6); /* the supervisor's answer did not arrive */
	if (write(out, &ns, sizeof(ns)) != sizeof(ns))
		_exit(5);
	_exit(0);
}

/* Supervisor: answer every notification with 7 until no task uses the filter. */
static int serve(int fd, bool *ret_sync)
{
	struct seccomp_notif *req = NULL;
	struct seccomp_notif_resp *resp = NULL;
	struct seccomp_notif_sizes sz;
	int r = 0;

	*ret_sync = ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
			  (unsigned long)SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0 ||
	    seccomp_notify_alloc(&req, &resp) < 0)
		return -ENOMEM;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 10000) <= 0) {
			r = -ETIMEDOUT;
			break;
		}
		if (!(p.revents & POLLIN))
			break; /* POLLHUP: the child is gone */
		memset(req, 0, sz.seccomp_notif);
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
			continue; /* ENOENT: the task left */
		memset(resp, 0, sz.seccomp_notif_resp);
		resp->id = req->id;
		resp->val = 7;
		(void)ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp);
	}
	seccomp_notify_free(req, resp);
	return r;
}

/* getppid routed by USER_NOTIF and answered by a dedicated process. */
int raw_notify(long n, double *ret_ns, bool *ret_sync)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int sv[2] = { -1, -1 }, pipefd[2] = { -1, -1 }, fd = -1, st, r = 0;
	pid_t pid;

	if (!ctx)
		return -ENOMEM;
	if (seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(getppid), 0) < 0)
		r = -EINVAL;
	if (r == 0 && (pipe2(pipefd, O_CLOEXEC) < 0 ||
		       socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0))
		r = -errno;
	if (r < 0)
		goto out;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto out;
	}
	if (pid == 0)
		child_measure(ctx, sv[1], pipefd[1], n);
	close(pipefd[1]);
	close(sv[1]); /* a child that dies before sending its listener: EOF, not a hang */
	pipefd[1] = sv[1] = -1;
	fd = recv_fd(sv[0]);
	r = fd < 0 ? fd : serve(fd, ret_sync);
	if (r == 0) { /* bounded: a child that hangs is killed */
		struct pollfd p = { .fd = pipefd[0], .events = POLLIN };

		if (poll(&p, 1, 60000) <= 0 || bench_interrupted)
			r = -ETIMEDOUT;
		else if (read(pipefd[0], ret_ns, sizeof(*ret_ns)) != sizeof(*ret_ns))
			r = -EIO;
	}
	if (r < 0)
		kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	if (r == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		fprintf(stderr, "sysgate-bench: %s child: status 0x%x\n", __func__, (unsigned)st);
		r = -ECHILD;
	}
out:
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < 2; i++) {
		if (sv[i] >= 0)
			close(sv[i]);
		if (pipefd[i] >= 0)
			close(pipefd[i]);
	}
	seccomp_release(ctx);
	return r;
}

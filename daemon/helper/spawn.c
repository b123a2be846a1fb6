/* SPDX-License-Identifier: MIT */
/*
 * Starting a helper: the daemon opens, as root, what the helper needs of its
 * caller (/proc/TID, its root, its mount and user namespaces when they are not
 * the daemon's), forks, and the child execs sysgate-helper with those fds and
 * nothing else (a fresh program: no copy of the daemon's memory).  When the
 * caller lives in another pid namespace an intermediate child joins it and
 * makes the helper with CLONE_PARENT, so the helper is in the caller's pid
 * namespace (its /proc/self is itself there) and still the daemon's child.
 * Killed helpers are reaped when their pidfd says they died; trace.c's
 * waitpid(-1) may reap them first, which is fine (ECHILD).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "helper/helper.h"
#include "helper/paths.h"
#include "log.h"

#ifndef P_PIDFD
#define P_PIDFD 3 /* 5.4 */
#endif

struct spawn_fds {
	int fd[HELPER_FD_END]; /* by HELPER_FD_*: -EBADF when not passed */
	int exe;
	unsigned join;
};

/* The helper program: $SYSGATE_HELPER, else the build tree's when we run from it, else
 * the installed one. */
static void exe_path(char *buf, size_t size)
{
	const char *env = getenv("SYSGATE_HELPER");
	char self[PATH_MAX];
	ssize_t n;

	if (env && env[0] == '/') {
		snprintf(buf, size, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	if (strncmp(self, SG_HELPER_BUILD_ROOT "/", strlen(SG_HELPER_BUILD_ROOT) + 1) == 0)
		snprintf(buf, size, "%s", SG_HELPER_BUILD_PATH);
	else
		snprintf(buf, size, "%s", SG_HELPER_PATH);
}

/* The child: the fds to their places, everything else closed, exec.  Syscalls only. */
_Noreturn static void exec_helper(const struct spawn_fds *f)
{
	char join[16], *argv[] = { (char *)"sysgate-helper", join, NULL }, *envp[] = { NULL };
	int hi[HELPER_FD_END], exe, null = open("/dev/null", O_RDWR | O_CLOEXEC);
	sigset_t none;

	/* The daemon blocks SIGCHLD (trace.c's signalfd); the mask survives exec. */
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);

	/* Out of the way first: a source may sit on a destination. */
	for (int i = HELPER_FD_SOCK; i < HELPER_FD_END; i++)
		hi[i] = f->fd[i] >= 0 ? fcntl(f->fd[i], F_DUPFD_CLOEXEC, 100) : -1;
	exe = fcntl(f->exe, F_DUPFD_CLOEXEC, 100);
	if (null < 0 || exe < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		_exit(127);
	for (int i = HELPER_FD_SOCK; i < HELPER_FD_END; i++)
		if (hi[i] >= 0 && dup2(hi[i], i) < 0)
			_exit(127);
	if (syscall(SYS_close_range, HELPER_FD_END, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		_exit(127);
	snprintf(join, sizeof(join), "%u", f->join);
	syscall(SYS_execveat, exe, "", argv, envp, AT_EMPTY_PATH);
	_exit(127);
}

/* An intermediate child joins the pid namespace; its CLONE_PARENT child is the helper. */
static pid_t fork_in_pidns(int pidns, const struct spawn_fds *f)
{
	_cleanup_close_ int rd = -EBADF;
	int p[2], status;
	pid_t mid, pid = -1;

	if (pipe2(p, O_CLOEXEC) < 0)
		return negative_errno();
	rd = p[0];
	mid = fork();
	if (mid < 0) {
		safe_close(p[1]);
		return negative_errno();
	}
	if (mid == 0) {
		if (setns(pidns, CLONE_NEWPID) < 0)
			_exit(1);
		pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, NULL, NULL, 0);
		if (pid == 0)
			exec_helper(f);
		(void)!write(p[1], &pid, sizeof(pid));
		_exit(pid < 0);
	}
	safe_close(p[1]);
	while (waitpid(mid, &status, __WALL) < 0 && errno == EINTR)
		;
	if (read(rd, &pid, sizeof(pid)) != sizeof(pid) || pid <= 0)
		return -ECHILD;
	return pid;
}

/* Whether task's namespace name is not ours. */
static int ns_differs(int procfd, const char *name)
{
	struct stat a, b;
	char self[64];

	snprintf(self, sizeof(self), "/proc/self/%s", name);
	if (fstatat(procfd, name, &a, 0) < 0)
		return errno == ENOENT ? -ESRCH : negative_errno();
	if (stat(self, &b) < 0)
		return negative_errno();
	return a.st_dev != b.st_dev || a.st_ino != b.st_ino;
}

static int open_ns(int procfd, const char *name, unsigned bit, struct spawn_fds *f, int slot)
{
	int r = ns_differs(procfd, name);

	if (r <= 0)
		return r;
	f->fd[slot] = openat(procfd, name, O_RDONLY | O_CLOEXEC);
	if (f->fd[slot] < 0)
		return errno == ENOENT ? -ESRCH : negative_errno();
	f->join |= bit;
	return 0;
}

static void spawn_fds_close(struct spawn_fds *f)
{
	for (int i = 0; i < HELPER_FD_END; i++)
		f->fd[i] = safe_close(f->fd[i]);
	f->exe = safe_close(f->exe);
}

/* Open what the helper needs of tid. */
static int spawn_fds_open(pid_t tid, struct spawn_fds *f, int *ret_pidns)
{
	char path[PATH_MAX];
	int procfd, r;

	exe_path(path, sizeof(path));
	f->exe = open(path, O_PATH | O_CLOEXEC);
	if (f->exe < 0)
		return log_err(negative_errno(), "cannot find the helper program '%s'", path);
	snprintf(path, sizeof(path), "/proc/%d", (int)tid);
	procfd = f->fd[HELPER_FD_PROC] = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return errno == ENOENT ? -ESRCH : negative_errno();
	f->fd[HELPER_FD_ROOT] = openat(procfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (f->fd[HELPER_FD_ROOT] < 0)
		return errno == ENOENT ? -ESRCH : negative_errno();
	r = open_ns(procfd, "ns/mnt", HELPER_JOIN_MNT, f, HELPER_FD_MNT);
	if (r >= 0)
		r = open_ns(procfd, "ns/user", HELPER_JOIN_USER, f, HELPER_FD_USER);
	if (r >= 0 && (r = ns_differs(procfd, "ns/pid")) > 0) {
		*ret_pidns = openat(procfd, "ns/pid", O_RDONLY | O_CLOEXEC);
		r = *ret_pidns < 0 ? negative_errno() : 0;
	}
	return r < 0 ? r : 0;
}

/* Start a helper for tid; see helper.h. */
int helper_spawn(pid_t tid, struct helper_proc *ret)
{
	struct spawn_fds f = { .exe = -EBADF };
	_cleanup_close_ int pidns = -EBADF, mine = -EBADF;
	int sv[2], r;
	pid_t pid;

	for (int i = 0; i < HELPER_FD_END; i++)
		f.fd[i] = -EBADF;
	r = spawn_fds_open(tid, &f, &pidns);
	if (r >= 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		r = negative_errno();
	if (r < 0) {
		spawn_fds_close(&f);
		return r;
	}
	mine = sv[0];
	f.fd[HELPER_FD_SOCK] = sv[1];
	if (pidns >= 0) {
		pid = fork_in_pidns(pidns, &f);
	} else {
		pid = fork();
		if (pid == 0)
			exec_helper(&f);
		if (pid < 0)
			pid = negative_errno();
	}
	spawn_fds_close(&f);
	if (pid < 0)
		return pid;
	ret->pid = pid;
	ret->sock = -EBADF;
	ret->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (ret->pidfd < 0 || fcntl(mine, F_SETFL, O_NONBLOCK) < 0) {
		r = negative_errno();
		if (ret->pidfd < 0) { /* our child, not reaped: still this pid */
			(void)kill(pid, SIGKILL);
			(void)waitpid(pid, NULL, __WALL);
		}
		helper_proc_kill(NULL, ret);
		return r;
	}
	ret->sock = TAKE_FD(mine);
	return 0;
}

static struct helper_grave *grave_free(struct helper_grave *g)
{
	LIST_REMOVE(g, entry);
	if (g->ev)
		event_free(g->ev);
	safe_close(g->pidfd);
	free(g);
	return NULL;
}

/* A killed helper's pidfd is readable: it died; reap it (unless someone else did). */
static void grave_cb(evutil_socket_t fd, short what, void *arg)
{
	siginfo_t si = { 0 };

	(void)what;
	(void)waitid((idtype_t)P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG);
	grave_free(arg);
}

/* Wait in the loop for a killed helper to die; false when that cannot be arranged. */
static bool grave_new(struct sysgated *d, int pidfd)
{
	struct helper_grave *g = calloc(1, sizeof(*g));

	if (!g)
		return false;
	g->d = d;
	g->pidfd = pidfd;
	g->ev = event_new(d->base, pidfd, EV_READ, grave_cb, g);
	if (!g->ev || event_add(g->ev, NULL) < 0) {
		if (g->ev)
			event_free(g->ev);
		free(g);
		return false;
	}
	LIST_INSERT_HEAD(&d->helper_graves, g, entry);
	return true;
}

/* Kill a helper process and reap it; see helper.h. */
void helper_proc_kill(struct sysgated *d, struct helper_proc *p)
{
	siginfo_t si = { 0 };

	p->sock = safe_close(p->sock);
	if (p->pidfd >= 0) {
		(void)syscall(SYS_pidfd_send_signal, p->pidfd, SIGKILL, NULL, 0);
		/* Reaped now, or by trace.c's waitpid(-1) already (ECHILD), or later. */
		if (waitid((idtype_t)P_PIDFD, (id_t)p->pidfd, &si, WEXITED | WNOHANG) < 0 ||
		    si.si_pid != 0 || !d || !grave_new(d, p->pidfd))
			safe_close(p->pidfd);
	}
	p->pidfd = -EBADF;
	p->pid = 0;
}

/* Close what helper_proc_kill() still waits for; see helper.h. */
void helper_graves_free(struct sysgated *d)
{
	while (!LIST_EMPTY(&d->helper_graves))
		grave_free(LIST_FIRST(&d->helper_graves));
}

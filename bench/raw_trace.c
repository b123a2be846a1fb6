/* SPDX-License-Identifier: MIT */
/*
 * The kernel's limits of the other two interception paths: a raw ptrace tracer
 * answering SCMP_ACT_TRACE stops, and SCMP_ACT_TRAP whose SIGSYS handler asks a
 * peer process over a socket.  Both fake getppid = 7.  x86_64 only (registers).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "bench.h"

#if defined(__x86_64__)

/* The child's socket to its peer, for the SIGSYS handler (child only). */
static volatile sig_atomic_t trap_fd = -1;

static void on_alarm(int sig)
{
	(void)sig;
}

static void on_sigsys(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	int nr = si->si_syscall, saved = errno;
	long v = -ENOSYS;

	(void)sig;
	if (write(trap_fd, &nr, sizeof(nr)) != sizeof(nr) || read(trap_fd, &v, sizeof(v)) != sizeof(v))
		v = -EIO;
	uc->uc_mcontext.gregs[REG_RAX] = v;
	errno = saved;
}

/* Child: filter with getppid -> action, time n calls, check the fake, report. */
static _Noreturn void child_run(uint32_t action, int out, long n)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	double ns;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (!ctx || seccomp_rule_add(ctx, action, SCMP_SYS(getppid), 0) < 0 || seccomp_load(ctx) < 0)
		_exit(3);
	ns = time_calls(SYS_getppid, n);
	if (syscall(SYS_getppid) != 7)
		_exit(6);
	if (write(out, &ns, sizeof(ns)) != sizeof(ns))
		_exit(5);
	_exit(0);
}

/* Read the child's figure (bounded), reap it unless reaped_st >= 0 is its status;
 * kill it on any failure. */
static int finish(pid_t pid, int in, int r, int reaped_st, double *ret_ns)
{
	struct pollfd p = { .fd = in, .events = POLLIN };
	int st = reaped_st;

	if (r == 0 && (poll(&p, 1, 60000) <= 0 || read(in, ret_ns, sizeof(*ret_ns)) != sizeof(*ret_ns)))
		r = -ETIMEDOUT;
	if (r < 0)
		kill(pid, SIGKILL);
	while (reaped_st < 0 && waitpid(pid, &st, __WALL) < 0 && errno == EINTR)
		;
	if (r == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		fprintf(stderr, "sysgate-bench: %s child: status 0x%x\n", __func__, (unsigned)st);
		r = -ECHILD;
	}
	close(in);
	return r;
}

/* The tracer: at each seccomp stop skip the call and set its result to 7; *ret_st
 * is the child's status once it has been reaped here, else -1. */
static int trace_loop(pid_t pid, int *ret_st)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	int st, r = 0;

	*ret_st = -1;
	sigaction(SIGALRM, &sa, &old);
	alarm(120); /* bounded: a blocked waitpid returns EINTR */
	if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st) ||
	    ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL) < 0 ||
	    ptrace(PTRACE_CONT, pid, 0, 0) < 0)
		r = errno ? -errno : -EPROTO;
	while (r == 0) {
		if (waitpid(pid, &st, 0) < 0) {
			r = errno == EINTR ? -ETIMEDOUT : -errno;
			break;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			*ret_st = st;
			break;
		}
		if (st >> 8 == (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8))) {
			ptrace(PTRACE_POKEUSER, pid, offsetof(struct user_regs_struct, orig_rax), -1L);
			ptrace(PTRACE_POKEUSER, pid, offsetof(struct user_regs_struct, rax), 7L);
			ptrace(PTRACE_CONT, pid, 0, 0);
		} else
			ptrace(PTRACE_CONT, pid, 0,
			       WIFSTOPPED(st) && WSTOPSIG(st) != SIGTRAP ? WSTOPSIG(st) : 0);
		if (bench_interrupted)
			r = -EINTR;
	}
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	return r;
}

/* getppid under SCMP_ACT_TRACE, faked by a ptrace tracer. */
int raw_trace(long n, double *ret_ns)
{
	int pipefd[2], r, st;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(pipefd[0]), close(pipefd[1]);
		return r;
	}
	if (pid == 0) {
		close(pipefd[0]);
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0)
			_exit(3);
		raise(SIGSTOP);
		child_run(SCMP_ACT_TRACE(1), pipefd[1], n);
	}
	close(pipefd[1]);
	r = trace_loop(pid, &st);
	/* the figure was written before exit: still in the pipe */
	return finish(pid, pipefd[0], r, st, ret_ns);
}

/* getppid under SCMP_ACT_TRAP, the SIGSYS handler asking a peer over a socket. */
int raw_trap(long n, double *ret_ns)
{
	int sv[2], pipefd[2], r = 0;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		r = -errno;
		close(sv[0]), close(sv[1]);
		return r;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(sv[0]), close(sv[1]), close(pipefd[0]), close(pipefd[1]);
		return r;
	}
	if (pid == 0) {
		struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };

		close(sv[0]), close(pipefd[0]);
		trap_fd = sv[1];
		sigaction(SIGSYS, &sa, NULL);
		child_run(SCMP_ACT_TRAP, pipefd[1], n);
	}
	close(sv[1]), close(pipefd[1]);
	for (;;) { /* the peer: answer 7 until the child closes its end */
		struct pollfd p = { .fd = sv[0], .events = POLLIN };
		long v = 7;
		int nr;

		if (poll(&p, 1, 10000) <= 0 || bench_interrupted) {
			r = -ETIMEDOUT;
			break;
		}
		if (read(sv[0], &nr, sizeof(nr)) != sizeof(nr))
			break;
		if (write(sv[0], &v, sizeof(v)) != sizeof(v)) {
			r = -EIO;
			break;
		}
	}
	close(sv[0]);
	return finish(pid, pipefd[0], r, -1, ret_ns);
}

#else

/* getppid under SCMP_ACT_TRACE: only written for x86_64. */
int raw_trace(long n, double *ret_ns)
{
	(void)n, (void)ret_ns;
	return -EOPNOTSUPP;
}

/* getppid under SCMP_ACT_TRAP: only written for x86_64. */
int raw_trap(long n, double *ret_ns)
{
	(void)n, (void)ret_ns;
	return -EOPNOTSUPP;
}

#endif

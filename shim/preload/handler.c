/* SPDX-License-Identifier: MIT */
/*
 * The SIGSYS handler of the trap mechanism.  Async-signal-safe only: every
 * syscall goes through the trampoline (exempt from the filter), no malloc, no
 * stdio, errno saved and restored.
 *
 * One socket per process, used under a lock (a futex mutex).  The handler runs with every
 * signal blocked (sa_mask is full) while it holds the lock, so no signal
 * handler can interrupt it and re-enter: the lock is only ever contended by
 * other threads.  The lock is released before an allowed call is re-issued,
 * and the re-issued call runs under the mask the interrupted code had, so a
 * signal handler that interrupts it (and itself makes a trapped call) takes
 * the lock afresh.  After fork the child does not use the parent's socket: it
 * sees its pid differ from the owner's, closes its copy, and connects and
 * registers its own session lazily.  A handler with no daemon answers every
 * trapped call with -ENOSYS; nothing trapped is ever allowed without a verdict.
 *
 * The state is file-static: a signal handler cannot be handed a context.
 */
#include <errno.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <ucontext.h>
#include <unistd.h>

#include "preload.h"
#include "proto.h"

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1
#endif
#define SG_ALTSTACK_SIZE (64 * 1024)
#define SG_REPLY_MAX 2048 /* an ACK, a verdict, or an ERROR with its reason */

static atomic_int lock_word;
static int sock_fd = -1;       /* the daemon connection of ready_pid */
/* After a fork the child's first trapped threads race to take the connection over: the one
 * that moves claim_pid to its pid reconnects, holding the lock; the others wait until
 * ready_pid says it is done, and only then take the lock (which the claimer set, whatever
 * the parent's copy said). */
static atomic_int claim_pid, ready_pid;
static const char *sock_path;  /* kept for reconnecting after fork */
static const char *reg_name, *reg_text;
static size_t reg_text_len;
static uint32_t reg_flags; /* SG_REG_* sent with REGISTER */
static int unreachable = ENOSYS; /* errno of trapped calls while no daemon answers */
static uint8_t *reg_buf;       /* SG_MSG_MAX bytes, mmap'd at init */

static long sys(long nr, long a1, long a2, long a3)
{
	return sg_sys64(nr, a1, a2, a3, 0, 0, 0);
}

/* 0 free, 1 held, 2 held with waiters (Drepper's futex mutex); waiters sleep in the kernel
 * while the holder waits for the daemon. */
static void lock(void)
{
	int c = 0;

	if (atomic_compare_exchange_strong(&lock_word, &c, 1))
		return;
	if (c != 2)
		c = atomic_exchange(&lock_word, 2);
	while (c != 0) {
		(void)sg_sys64(__NR_futex, (long)&lock_word, FUTEX_WAIT_PRIVATE, 2, 0, 0, 0);
		c = atomic_exchange(&lock_word, 2);
	}
}

static void unlock(void)
{
	if (atomic_exchange(&lock_word, 0) == 2)
		(void)sg_sys64(__NR_futex, (long)&lock_word, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
}

static long send_pkt(int fd, const void *buf, size_t len)
{
	return sg_sys64(__NR_sendto, fd, (long)buf, (long)len, MSG_NOSIGNAL, 0, 0);
}

/* Receive one reply; its length or -errno (a truncated packet: -EMSGSIZE). */
static long recv_pkt(int fd, void *buf, size_t size)
{
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	long n;

	do
		n = sys(__NR_recvmsg, fd, (long)&mh, 0);
	while (n == -EINTR);
	if (n >= 0 && (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		return -EMSGSIZE;
	return n;
}

/* Send the n-byte packet (n < 0: its encoding failed), receive the reply into reply and
 * decode it into m; 0 when it is of type want, else -errno (an ERROR's own). */
static long request(int fd, const void *pkt, ssize_t n, uint16_t want, uint8_t *reply,
		    size_t size, struct sg_msg *m)
{
	const char *why;
	long r = n < 0 ? n : send_pkt(fd, pkt, (size_t)n);

	if (r >= 0)
		r = recv_pkt(fd, reply, size);
	if (r >= 0)
		r = proto_decode(reply, (size_t)r, NULL, 0, m, &why);
	if (r >= 0 && m->type != want)
		r = m->type == SG_MSG_ERROR ? m->u.error.error : -EPROTO;
	return r < 0 ? r : 0;
}

/* Connect and register the calling process; fd or -errno. Async-signal-safe. */
static int connect_register(const char *path, const char *name, const char *text, size_t text_len,
			  void *buf, size_t size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint8_t reply[SG_REPLY_MAX];
	struct sg_msg m;
	size_t plen = strlen(path);
	long fd, r;
	ssize_t n;

	if (plen >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, plen);
	fd = sys(__NR_socket, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return (int)fd;
	r = sys(__NR_connect, fd, (long)&sa, (long)sizeof(sa));
	if (r < 0)
		goto fail;
	n = proto_encode_hello(buf, size, SG_ROLE_SHIM);
	r = request((int)fd, buf, n, SG_MSG_ACK, reply, sizeof(reply), &m);
	if (r < 0)
		goto fail;
	n = proto_encode_register_flags(buf, size, (pid_t)sys(__NR_getpid, 0, 0, 0), SG_MECH_TRAP,
					reg_flags, name, text, text_len);
	r = request((int)fd, buf, n, SG_MSG_ACK, reply, sizeof(reply), &m);
	if (r < 0)
		goto fail;
	return (int)fd;
fail:
	(void)sys(__NR_close, fd, 0, 0);
	return (int)r;
}

/* Set up the handler's state; see preload.h. */
int trap_handler_init(const char *path, const char *name, uint32_t flags, const char *text,
		      size_t text_len, int unreachable_errno)
{
	void *p = mmap(NULL, SG_MSG_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	reg_buf = p;
	sock_fd = -1;
	atomic_store(&claim_pid, getpid());
	atomic_store(&ready_pid, getpid());
	sock_path = path;
	reg_name = name;
	reg_text = text;
	reg_text_len = text_len;
	reg_flags = flags;
	unreachable = unreachable_errno;
	return 0;
}

/* Connect and register this process now; see preload.h. */
int trap_handler_connect(void)
{
	int fd = connect_register(sock_path, reg_name, reg_text, reg_text_len, reg_buf,
				  SG_MSG_MAX);

	if (fd < 0)
		return fd;
	sock_fd = fd;
	return 0;
}

/* The first trapped call of a forked process (pid): one thread reconnects, the others wait
 * for it; every one returns holding the lock. */
static void take_over(pid_t pid)
{
	int seen = atomic_load(&claim_pid);

	if (seen != pid && atomic_compare_exchange_strong(&claim_pid, &seen, pid)) {
		atomic_store(&lock_word, 1); /* ours: the parent's copy may say held */
		if (sock_fd >= 0)
			(void)sys(__NR_close, sock_fd, 0, 0);
		sock_fd = sock_path ? connect_register(sock_path, reg_name, reg_text,
							    reg_text_len, reg_buf, SG_MSG_MAX)
				    : -ENOTCONN;
		atomic_store(&ready_pid, pid);
		(void)sg_sys64(__NR_futex, (long)&ready_pid, FUTEX_WAKE_PRIVATE, INT_MAX, 0, 0, 0);
		return;
	}
	for (int r = atomic_load(&ready_pid); r != pid; r = atomic_load(&ready_pid))
		(void)sg_sys64(__NR_futex, (long)&ready_pid, FUTEX_WAIT_PRIVATE, r, 0, 0, 0);
	lock();
}

/* Ask the daemon about c under the lock; the verdict, or -errno when there is none. */
static int ask(const struct sg_msg_trap_call *c, struct sg_msg_trap_verdict *ret)
{
	uint8_t pkt[256], reply[SG_REPLY_MAX];
	pid_t pid = (pid_t)sys(__NR_getpid, 0, 0, 0);
	struct sg_msg m;
	long r;

	if (atomic_load(&ready_pid) != pid)
		take_over(pid); /* a forked child: never the parent's socket; returns locked */
	else
		lock();
	if (sock_fd < 0)
		r = -ENOTCONN;
	else
		r = request(sock_fd, pkt, proto_encode_trap_call(pkt, sizeof(pkt), c),
			    SG_MSG_TRAP_VERDICT, reply, sizeof(reply), &m);
	if (r < 0 && r != -ENOTCONN && sock_fd >= 0) { /* broken: stop using it, fail closed */
		(void)sys(__NR_close, sock_fd, 0, 0);
		sock_fd = -1;
	}
	unlock();
	if (r < 0)
		return (int)r;
	*ret = m.u.trap_verdict;
	return 0;
}

/* The call's arguments from the registers of its ABI. */
static void args_of(uint32_t arch, const greg_t *g, uint64_t a[6])
{
	if (arch == AUDIT_ARCH_I386) {
		a[0] = (uint32_t)g[REG_RBX];
		a[1] = (uint32_t)g[REG_RCX];
		a[2] = (uint32_t)g[REG_RDX];
		a[3] = (uint32_t)g[REG_RSI];
		a[4] = (uint32_t)g[REG_RDI];
		a[5] = (uint32_t)g[REG_RBP];
		return;
	}
	a[0] = (uint64_t)g[REG_RDI];
	a[1] = (uint64_t)g[REG_RSI];
	a[2] = (uint64_t)g[REG_RDX];
	a[3] = (uint64_t)g[REG_R10];
	a[4] = (uint64_t)g[REG_R8];
	a[5] = (uint64_t)g[REG_R9];
}

/* Whether the call cannot be re-issued from inside a handler: a new thread or vfork child
 * would start on the handler's stack frame. */
static bool not_reissuable(uint32_t arch, int nr, const uint64_t a[6])
{
	if (arch != AUDIT_ARCH_X86_64)
		return arch == AUDIT_ARCH_I386 && (nr == 120 /* clone */ || nr == 190 /* vfork */);
	return nr == __NR_vfork || nr == __NR_clone3 || (nr == __NR_clone && a[1] != 0) ||
	       (nr == __NR_clone && (a[0] & CLONE_VFORK));
}

/* Run an allowed call from the trampoline under the interrupted code's signal mask. */
static long reissue(uint32_t arch, int nr, const uint64_t a[6], const ucontext_t *uc)
{
	sigset_t full;
	long r;

	(void)sg_sys64(__NR_rt_sigprocmask, SIG_SETMASK, (long)&uc->uc_sigmask, 0, 8, 0, 0);
	if (arch == AUDIT_ARCH_I386)
		r = sg_sys32(nr, (long)a[0], (long)a[1], (long)a[2], (long)a[3], (long)a[4],
			       (long)a[5]);
	else
		r = sg_sys64(nr, (long)a[0], (long)a[1], (long)a[2], (long)a[3], (long)a[4],
			       (long)a[5]);
	memset(&full, 0xff, sizeof(full));
	(void)sg_sys64(__NR_rt_sigprocmask, SIG_SETMASK, (long)&full, 0, 8, 0, 0);
	return r;
}

static _Noreturn void die_killed(void)
{
	for (;;) {
		(void)sys(__NR_kill, sys(__NR_getpid, 0, 0, 0), SIGKILL, 0);
		(void)sys(__NR_pause, 0, 0, 0);
	}
}

static void on_sigsys(int sig, siginfo_t *si, void *ucv)
{
	int saved_errno = errno;
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	struct sg_msg_trap_call c = { 0 };
	struct sg_msg_trap_verdict v;
	long ret;

	(void)sig;
	if (si->si_code != SYS_SECCOMP) /* someone sent SIGSYS: nothing was trapped */
		return;
	c.arch = si->si_arch;
	c.nr = si->si_syscall;
	c.ip = (uint64_t)(uintptr_t)si->si_call_addr;
	c.tid = (uint32_t)sys(__NR_gettid, 0, 0, 0);
	args_of(c.arch, g, c.args);
	if (ask(&c, &v) < 0)
		ret = -unreachable;
	else if (v.action == SG_TRAP_KILL)
		die_killed();
	else if (v.action == SG_TRAP_RETURN)
		ret = (long)v.value;
	else if (not_reissuable(c.arch, c.nr, c.args))
		ret = -ENOSYS; /* glibc falls back from clone3; a fork-like clone still works */
	else
		ret = reissue(c.arch, c.nr, c.args, uc);
	g[REG_RAX] = (greg_t)ret;
	errno = saved_errno;
}

/* Install the SIGSYS handler and this thread's alternate stack; see preload.h. */
int trap_handler_install(void)
{
	struct sigaction sa = { 0 };
	stack_t ss = { 0 };
	void *stk;

	stk = mmap(NULL, SG_ALTSTACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	if (stk == MAP_FAILED)
		return -errno;
	ss.ss_sp = stk;
	ss.ss_size = SG_ALTSTACK_SIZE;
	if (sigaltstack(&ss, NULL) < 0)
		return -errno;
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigfillset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		return -errno;
	return 0;
}

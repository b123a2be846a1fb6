/* SPDX-License-Identifier: MIT */
/*
 * pid_reuse DAEMON MECH ROUNDS -- CMD...: a target exits while its call is being
 * decided and its pid goes to a new process (DESIGN.md invariant 1).  CMD runs
 * reuse_target under sysgate-run; DAEMON is the daemon's pid, MECH the session's
 * mechanism.  Each round forks C in the session, whose call the policy kills
 * (getpriority arg 1111) or fakes 11 (arg 1112); holds the daemon with ptrace
 * right after it received that call (notify: the SECCOMP_IOCTL_NOTIF_RECV
 * naming C; trace: the waitpid reporting C's seccomp stop; trap: the TRAP_CALL
 * of C's thread); has C killed and its pid taken by N, which makes its own call
 * (faked 77); then lets the daemon go on and sees what N got.  One line per round
 * on stderr; "rounds=R held=H reused=U misdirected=M" on stdout, misdirected
 * counting the rounds in which N got anything but its own 77.  Exits 0 when it
 * ran to the end, 2 on bad usage.
 */
#include <linux/seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "attack.h"
#include "proto.h"

#define HOLD_SECONDS 3 /* bound for the daemon to reach the call */

static pid_t dpid;
static int dstatus; /* the daemon's last ptrace stop */
static const char *mech;
static FILE *to, *from;

static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(to, fmt, ap);
	va_end(ap);
	fputc('\n', to);
	fflush(to);
}

/* The session's answer line, without its newline. */
static const char *hear(void)
{
	static char line[128];

	if (!fgets(line, sizeof(line), from)) {
		fprintf(stderr, "pid_reuse: the session ended early\n");
		exit(3);
	}
	line[strcspn(line, "\n")] = '\0';
	return line;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* The daemon's next ptrace stop, within seconds; -1 on timeout. */
static int next_stop(int *st, unsigned seconds)
{
	pid_t r;

	alarm(seconds);
	r = waitpid(dpid, st, __WALL);
	alarm(0);
	return r == dpid && WIFSTOPPED(*st) ? 0 : -1;
}

/* The signal to pass on when resuming from stop st: none for a syscall or event stop. */
static int sig_of(int st)
{
	if (WSTOPSIG(st) == (SIGTRAP | 0x80) || (unsigned)st >> 16)
		return 0;
	return WSTOPSIG(st);
}

static int read_daemon(uint64_t addr, void *buf, size_t size)
{
	struct iovec local = { buf, size }, remote = { (void *)(uintptr_t)addr, size };

	return process_vm_readv(dpid, &local, 1, &remote, 1, 0) == (ssize_t)size ? 0 : -1;
}

/* trap: the packet recvmsg (args) received is C's TRAP_CALL. */
static bool trap_call_of(const uint64_t *args, long rval, pid_t c)
{
	struct {
		struct sg_hdr h;
		struct sg_msg_trap_call tc;
	} pkt;
	struct msghdr mh;
	struct iovec iov;

	if (rval < (long)sizeof(pkt) || read_daemon(args[1], &mh, sizeof(mh)) < 0 ||
	    read_daemon((uintptr_t)mh.msg_iov, &iov, sizeof(iov)) < 0 ||
	    read_daemon((uintptr_t)iov.iov_base, &pkt, sizeof(pkt)) < 0)
		return false;
	return pkt.h.type == SG_MSG_TRAP_CALL && pkt.tc.tid == (uint32_t)c;
}

/* Whether the daemon has just received C's call: syscall nr with args returned rval. */
static bool received(long nr, const uint64_t *args, long rval, pid_t c)
{
	struct seccomp_notif req;
	int status;

	if (strcmp(mech, "notify") == 0)
		return nr == __NR_ioctl && args[1] == SECCOMP_IOCTL_NOTIF_RECV && rval == 0 &&
		       read_daemon(args[2], &req, sizeof(req)) == 0 && req.pid == (uint32_t)c;
	if (strcmp(mech, "trace") == 0)
		return nr == __NR_wait4 && rval == c && read_daemon(args[1], &status,
								      sizeof(status)) == 0 &&
		       status >> 8 == (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8));
	return nr == __NR_recvmsg && trap_call_of(args, rval, c);
}

/* Stop the daemon, tell C to go, and step the daemon's syscalls until it received C's
 * call: held there (true), or stopped elsewhere after HOLD_SECONDS (false). */
static bool hold(pid_t c)
{
	struct __ptrace_syscall_info info;
	uint64_t args[6] = { 0 };
	int *st = &dstatus;
	long nr = -1;

	if (ptrace(PTRACE_INTERRUPT, dpid, 0, 0) < 0 || next_stop(st, HOLD_SECONDS) < 0)
		exit(3);
	say("go");
	for (;;) {
		if (ptrace(PTRACE_SYSCALL, dpid, 0, sig_of(*st)) < 0 ||
		    next_stop(st, HOLD_SECONDS) < 0)
			return false;
		if (WSTOPSIG(*st) != (SIGTRAP | 0x80) ||
		    ptrace(PTRACE_GET_SYSCALL_INFO, dpid, sizeof(info), &info) <= 0)
			continue;
		if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
			nr = (long)info.entry.nr;
			memcpy(args, info.entry.args, sizeof(args));
		} else if (info.op == PTRACE_SYSCALL_INFO_EXIT &&
			   received(nr, args, (long)info.exit.rval, c)) {
			return true;
		}
	}
}

/* Let the daemon run on, syscalls untraced, from where hold() left it: stopped (held) or
 * running under PTRACE_SYSCALL (not held).  PTRACE_INTERRUPT ends in an event stop. */
static void release(bool stopped)
{
	if (ptrace(PTRACE_INTERRUPT, dpid, 0, 0) < 0)
		exit(3);
	if (stopped && ptrace(PTRACE_CONT, dpid, 0, sig_of(dstatus)) < 0)
		exit(3);
	for (;;) {
		if (next_stop(&dstatus, HOLD_SECONDS) < 0)
			exit(3);
		if ((unsigned)dstatus >> 16 == PTRACE_EVENT_STOP)
			break;
		if (ptrace(PTRACE_CONT, dpid, 0, sig_of(dstatus)) < 0)
			exit(3);
	}
	if (ptrace(PTRACE_CONT, dpid, 0, 0) < 0)
		exit(3);
}

/* One round; whether N got another verdict than its own. */
static bool round_of(int i, unsigned *held, unsigned *reused)
{
	long arg = i % 2 ? 1112 : 1111;
	bool h, u, wrong;
	char n[64];
	int c;

	say("fork %ld", arg);
	if (sscanf(hear(), "child %d", &c) != 1)
		exit(3);
	h = hold(c);
	say("reuse");
	u = strcmp(hear(), "reuse yes") == 0;
	release(h);
	say("collect");
	snprintf(n, sizeof(n), "%s", hear());
	wrong = u && strcmp(n, "n=77") != 0;
	fprintf(stderr, "round %d: C %d arg %ld held=%d reused=%d %s%s\n", i, c, arg, h, u, n,
		wrong ? " MISDIRECTED" : "");
	*held += h;
	*reused += u;
	return wrong;
}

static pid_t spawn(char **argv)
{
	int in[2], out[2];
	pid_t pid;

	if (pipe(in) < 0 || pipe(out) < 0 || (pid = fork()) < 0)
		exit(3);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	to = fdopen(in[1], "w");
	from = fdopen(out[0], "r");
	if (!to || !from)
		exit(3);
	return pid;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	unsigned held = 0, reused = 0, wrong = 0;
	int rounds, st;
	pid_t session;

	if (argc < 6 || strcmp(argv[4], "--") != 0) {
		fprintf(stderr, "usage: pid_reuse DAEMON MECH ROUNDS -- CMD...\n");
		return 2;
	}
	dpid = atoi(argv[1]);
	mech = argv[2];
	rounds = atoi(argv[3]);
	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART: a bounded waitpid */
	signal(SIGPIPE, SIG_IGN);
	if (ptrace(PTRACE_SEIZE, dpid, 0, PTRACE_O_TRACESYSGOOD) < 0) {
		fprintf(stderr, "pid_reuse: cannot trace the daemon: %s\n", strerror(errno));
		return 3;
	}
	session = spawn(argv + 5);
	for (int i = 0; i < rounds; i++)
		wrong += round_of(i, &held, &reused);
	fclose(to);
	waitpid(session, &st, 0);
	if (ptrace(PTRACE_INTERRUPT, dpid, 0, 0) == 0 && next_stop(&st, HOLD_SECONDS) == 0)
		ptrace(PTRACE_DETACH, dpid, 0, 0);
	printf("rounds=%d held=%u reused=%u misdirected=%u\n", rounds, held, reused, wrong);
	return 0;
}

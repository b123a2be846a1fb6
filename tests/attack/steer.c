/* SPDX-License-Identifier: MIT */
/*
 * steer SOCK others MAXID ROOTPID OTHERPID | setuid | counts: as an unprivileged
 * user, try to see and steer sessions that are not ours, and to register processes
 * that are not ours (DESIGN.md invariant 6).  others: session ids 0..MAXID are
 * tried one by one; ROOTPID is a process of root's, OTHERPID one of another
 * user's.  One line per try:
 *   sessions, session, stats     what listing, asking for each id and counting
 *                                showed ("hidden", or "seen N" sessions or rows)
 *   existence                    whether a session of another user answers
 *                                otherwise than a missing one ("hidden" or "told")
 *   mode, policy-load            switching each id to audit and enforce, loading
 *                                an allow-all policy into it ("refused" or
 *                                "steered N")
 *   learn                        asking what each id did ("refused" or "seen N")
 *   log                          following the records of every id for a second
 *                                ("hidden" or "seen N")
 *   status                       the sessions status counts ("hidden" or "seen N")
 *   register-MECH-WHOSE          REGISTER for root's, the other user's, init's or
 *                                (trap) our child's pid; notify with our own child's
 *                                listener ("refused" or "ACCEPTED")
 * setuid:
 *   register-trace-setuid        REGISTER (trace) of our child while it runs a
 *                                setuid-root program (passwd, blocked on its input)
 * counts:
 *   status-counts                the daemon's notification and record counts in
 *                                STATUS ("hidden": none, as we made none; or "seen N")
 * Exits 0 when it ran to the end, 2 on bad usage.
 */
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "attack.h"
#include "proto.h"
#include "sysgate.h"

static const char *sock_path;
static uint64_t max_id;
static uint8_t buf[SG_MSG_MAX], out[SG_MSG_MAX];

static int conn(enum sg_role role)
{
	int fd = proto_connect(sock_path);
	struct sg_msg m;
	const char *why;

	if (fd < 0 || proto_call(fd, out, (size_t)proto_encode_hello(out, sizeof(out), role),
				 NULL, 0, buf, sizeof(buf), &m, &why) < 0) {
		fprintf(stderr, "steer: cannot connect to %s\n", sock_path);
		exit(3);
	}
	return fd;
}

/* Send a request and read one reply packet (decoded into m); the call's result. */
static int ask(int fd, ssize_t n, struct sg_msg *m)
{
	const char *why;

	if (n <= 0)
		exit(3);
	return proto_call(fd, out, (size_t)n, NULL, 0, buf, sizeof(buf), m, &why);
}

/* The next packet on fd within ms, decoded; false on timeout, EOF or garbage. */
static bool next_msg(int fd, int ms, struct sg_msg *m)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int fds[SG_MSG_FDS_MAX];
	const char *why;
	size_t n_fds;
	ssize_t n;

	if (poll(&p, 1, ms) != 1)
		return false;
	n = proto_recv(fd, buf, sizeof(buf), fds, &n_fds);
	if (n <= 0)
		return false;
	proto_close_fds(fds, n_fds);
	return proto_decode(buf, (size_t)n, fds, 0, m, &why) == 0;
}

static void say(const char *what, long n, const char *none, const char *some)
{
	if (n == 0)
		printf("%s=%s\n", what, none);
	else
		printf("%s=%s %ld\n", what, some, n);
	fflush(stdout);
}

/* Rows of another's session in a list reply (SESSION or STAT ... END). */
static long foreign_rows(int fd)
{
	struct sg_msg m;
	long n = 0;

	while (next_msg(fd, 1000, &m) && m.type != SG_MSG_END && m.type != SG_MSG_ERROR)
		n += m.type == SG_MSG_SESSION ? m.u.session.uid != getuid() : m.type == SG_MSG_STAT;
	return n;
}

static void see(void)
{
	int fd = conn(SG_ROLE_CLIENT);
	long sessions, one = 0, rows = 0, told = 0;
	char missing[SG_REASON_MAX] = "";
	struct sg_msg m;

	sessions = (proto_send(fd, out, (size_t)proto_encode_empty(out, sizeof(out),
				SG_MSG_SESSIONS_REQ), NULL, 0), foreign_rows(fd));
	/* a session that cannot exist: its answer is what "missing" looks like */
	ask(fd, proto_encode_session_req(out, sizeof(out), UINT64_MAX), &m);
	snprintf(missing, sizeof(missing), "%s", m.type == SG_MSG_ERROR ? m.str : "");
	for (uint64_t id = 0; id <= max_id; id++) {
		int r = ask(fd, proto_encode_session_req(out, sizeof(out), id), &m);

		one += r == 0 && m.type == SG_MSG_SESSION && m.u.session.uid != getuid();
		told += r < 0 && strcmp(m.str ? m.str : "", missing) != 0;
		proto_send(fd, out, (size_t)proto_encode_stats_req(out, sizeof(out), id), NULL, 0);
		rows += foreign_rows(fd);
	}
	say("sessions", sessions, "hidden", "seen");
	say("session", one, "hidden", "seen");
	say("stats", rows, "hidden", "seen");
	say("existence", told, "hidden", "told");
	ask(fd, proto_encode_empty(out, sizeof(out), SG_MSG_STATUS_REQ), &m);
	say("status", m.type == SG_MSG_STATUS ? (long)m.u.status.n_sessions : -1, "hidden", "seen");
	close(fd);
}

/* Switch, load into and learn every id: what was let through. */
static void steer(void)
{
	static const char allow_all[] = "version 1\ndefault allow\n";
	long moded = 0, loaded = 0, learnt = 0;
	int fd = conn(SG_ROLE_CLIENT);
	struct sg_msg m;

	for (uint64_t id = 1; id <= max_id; id++) { /* 0 names no session here */
		for (uint32_t audit = 0; audit < 2; audit++)
			moded += ask(fd, proto_encode_session_mode(out, sizeof(out), id, audit),
				     &m) == 0;
		loaded += ask(fd, proto_encode_policy_load(out, sizeof(out), id, "mine", allow_all,
							   strlen(allow_all)), &m) == 0;
		if (ask(fd, proto_encode_learn_req(out, sizeof(out), id), &m) == 0) {
			learnt++;
			while (m.type == SG_MSG_LEARN_ROW && next_msg(fd, 1000, &m))
				;
		}
	}
	say("mode", moded, "refused", "steered");
	say("policy-load", loaded, "refused", "steered");
	say("learn", learnt, "refused", "seen");
	close(fd);
}

/* Follow every record (and each id's) for a second: those of sessions not ours. */
static void follow(void)
{
	int fd = conn(SG_ROLE_CLIENT);
	struct sg_msg m;
	long seen = 0;

	ask(fd, proto_encode_subscribe(out, sizeof(out), 0, SG_SUB_BACKLOG | SG_SUB_FOLLOW), &m);
	while (next_msg(fd, 1000, &m))
		seen += m.type == SG_MSG_RECORD;
	close(fd);
	for (uint64_t id = 1; id <= max_id; id++) {
		fd = conn(SG_ROLE_CLIENT);
		ask(fd, proto_encode_subscribe(out, sizeof(out), id, SG_SUB_BACKLOG), &m);
		while (next_msg(fd, 100, &m) && m.type != SG_MSG_END)
			seen += m.type == SG_MSG_RECORD;
		close(fd);
	}
	say("log", seen, "hidden", "seen");
}

/* A child of ours with a seccomp filter (routing mknodat, which it never calls) whose
 * listener it hands us; it waits to be killed. */
static pid_t listener_child(int *ret_listener)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mknodat, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };
	int sv[2], lfd, fds[SG_MSG_FDS_MAX];
	size_t n_fds = 0;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 || (pid = fork()) < 0)
		exit(3);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(3);
		lfd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				   SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
		if (lfd < 0 || proto_send(sv[1], "L", 1, &lfd, 1) < 0)
			_exit(3);
		for (;;)
			pause();
	}
	if (proto_recv(sv[0], buf, sizeof(buf), fds, &n_fds) != 1 || n_fds != 1)
		exit(3);
	close(sv[0]);
	close(sv[1]);
	*ret_listener = fds[0];
	return pid;
}

/* REGISTER of target under mech (notify: with listener); prints NAME=refused or ACCEPTED. */
static void try_register(const char *name, enum sg_mechanism mech, pid_t target, int listener)
{
	static const char pol[] = "version 1\ndefault allow\ngetppid fake 1\n";
	int fd = conn(SG_ROLE_SHIM), r;
	struct sg_msg m;
	const char *why;
	ssize_t n;

	n = proto_encode_register(out, sizeof(out), target, mech, "mine", pol, strlen(pol));
	if (n <= 0)
		exit(3);
	r = proto_call(fd, out, (size_t)n, &listener, listener >= 0, buf, sizeof(buf), &m, &why);
	if (r < 0)
		printf("%s=refused\n", name);
	else
		printf("%s=ACCEPTED session %llu\n", name, (unsigned long long)m.u.ack.value);
	fflush(stdout);
	close(fd);
}

static void registers(pid_t root, pid_t other)
{
	static const char *const mechs[] = { "notify", "trace", "trap" };
	const pid_t whose[] = { root, other, 1 };
	static const char *const names[] = { "root", "other", "init" };
	char name[64];
	int lfd;
	pid_t kid = listener_child(&lfd);

	for (int m = 0; m < 3; m++)
		for (int w = 0; w < 3; w++) {
			snprintf(name, sizeof(name), "register-%s-%s", mechs[m], names[w]);
			try_register(name, (enum sg_mechanism)m, whose[w], m == 0 ? lfd : -1);
		}
	try_register("register-trap-child", SG_MECH_TRAP, kid, -1);
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	close(lfd);
}

/* Whether pid's effective uid is 0, within 3 s. */
static bool euid_root(pid_t pid)
{
	char path[64], text[4096];
	unsigned ruid, euid;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	for (int i = 0; i < 300; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof(text) - 1);
		const char *u;

		if (fd >= 0)
			close(fd);
		text[n > 0 ? n : 0] = '\0';
		u = strstr(text, "\nUid:");
		if (u && sscanf(u, "\nUid: %u %u", &ruid, &euid) == 2 && euid == 0)
			return true;
		usleep(10 * 1000);
	}
	return false;
}

/* Our child running passwd (setuid root), blocked on its input: REGISTER it for trace. */
static void setuid_register(void)
{
	int p[2];
	pid_t kid;

	if (pipe2(p, O_CLOEXEC) < 0 || (kid = fork()) < 0)
		exit(3);
	if (kid == 0) {
		dup2(p[0], 0);
		execl("/usr/bin/passwd", "passwd", (char *)NULL);
		_exit(127);
	}
	if (euid_root(kid))
		try_register("register-trace-setuid", SG_MECH_TRACE, kid, -1);
	else
		printf("register-trace-setuid=untested: passwd did not run setuid root\n");
	fflush(stdout);
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	close(p[0]);
	close(p[1]);
}

/* What STATUS counts: all ours (none), or others' too. */
static void counts(void)
{
	int fd = conn(SG_ROLE_CLIENT);
	struct sg_msg m;

	if (ask(fd, proto_encode_empty(out, sizeof(out), SG_MSG_STATUS_REQ), &m) < 0 ||
	    m.type != SG_MSG_STATUS)
		exit(3);
	say("status-counts", (long)(m.u.status.notifications + m.u.status.records), "hidden",
	    "seen");
	close(fd);
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	sock_path = argc > 2 ? argv[1] : NULL;
	if (argc == 6 && strcmp(argv[2], "others") == 0) {
		max_id = strtoull(argv[3], NULL, 10);
		see();
		steer();
		follow();
		registers(atoi(argv[4]), atoi(argv[5]));
	} else if (argc == 3 && strcmp(argv[2], "setuid") == 0) {
		setuid_register();
	} else if (argc == 3 && strcmp(argv[2], "counts") == 0) {
		counts();
	} else {
		fprintf(stderr, "usage: steer SOCK others MAXID ROOTPID OTHERPID | setuid | "
				"counts\n");
		return 2;
	}
	return 0;
}

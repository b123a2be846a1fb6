/* SPDX-License-Identifier: MIT */
/*
 * daemon/helper/spawn.c and the helper program: a helper started for a task
 * holds exactly its credentials (as /proc/PID/status says: ids, groups, the five
 * capability sets, no_new_privs) and lives in its user, mount and pid
 * namespaces; snap.c sees the two as the same.  A caller is taken within what
 * the daemon can still grant (its bounding set, its no_new_privs).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "helper/helper.h"
#include "proc.h"

#define CAP(c) (1ull << (c))

static pid_t target = -1, outer = -1;
static struct helper_proc proc = { .pidfd = -EBADF, .sock = -EBADF };

static void cleanup(void)
{
	if (proc.pid > 0) {
		kill(proc.pid, SIGKILL);
		waitpid(proc.pid, NULL, __WALL);
	}
	for (pid_t *p = (pid_t[]){ target, outer }, *end = p + 2; p < end; p++)
		if (*p > 0) {
			kill(*p, SIGKILL);
			waitpid(*p, NULL, __WALL);
		}
	safe_close(proc.sock);
	safe_close(proc.pidfd);
}

TestSuite(helper_spawn, .fini = cleanup, .timeout = 30);

static void need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("starting a helper for another task needs root");
}

static int set_caps(uint64_t eff, uint64_t prm, uint64_t inh)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {
		{ (uint32_t)eff, (uint32_t)prm, (uint32_t)inh },
		{ (uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32) },
	};

	return (int)syscall(SYS_capset, &h, d);
}

/* Become an unusual task: distinct real/effective/saved ids, groups, capabilities in
 * every set, a smaller bounding set, no_new_privs.  Then say so and wait. */
static void become_odd(int ready)
{
	const gid_t groups[] = { 3, 7, 4242 };

	if (setgroups(3, groups) < 0)
		_exit(10);
	if (prctl(PR_CAPBSET_DROP, CAP_SYS_MODULE, 0, 0, 0) < 0)
		_exit(11);
	if (set_caps(CAP(CAP_SETUID) | CAP(CAP_SETGID) | CAP(CAP_SETPCAP),
		     CAP(CAP_SETUID) | CAP(CAP_SETGID) | CAP(CAP_SETPCAP) | CAP(CAP_CHOWN) |
		     CAP(CAP_NET_BIND_SERVICE), CAP(CAP_CHOWN)) < 0)
		_exit(12);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setresgid(1001, 1002, 1003) < 0 ||
	    setresuid(2001, 2002, 2003) < 0)
		_exit(13);
	if (set_caps(CAP(CAP_NET_BIND_SERVICE), CAP(CAP_NET_BIND_SERVICE) | CAP(CAP_CHOWN),
		     CAP(CAP_CHOWN)) < 0)
		_exit(14);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		_exit(15);
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) /* the id change cleared it */
		_exit(16);
	(void)!write(ready, "1", 1);
	for (;;)
		pause();
}

static void wait_byte(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	cr_assert_eq(poll(&p, 1, 5000), 1, "the target did not get ready");
	if (p.revents & POLLHUP && !(p.revents & POLLIN)) {
		int st = 0;

		waitpid(target > 0 ? target : outer, &st, WNOHANG);
		cr_assert_fail("the target exited %d", WEXITSTATUS(st));
	}
	cr_assert_eq(read(fd, &c, 1), 1, "the target died while getting ready");
}

/* Start the helper for pid and wait for its READY. */
static void spawn_ready(pid_t pid)
{
	unsigned char buf[HELPER_MSG_MAX + 1];
	struct pollfd p = { .events = POLLIN };
	int fds[SG_MSG_FDS_MAX];
	struct helper_msg m;
	size_t n_fds;
	ssize_t n;

	cr_assert_eq(helper_spawn(pid, &proc), 0);
	p.fd = proc.sock;
	cr_assert_eq(poll(&p, 1, 5000), 1, "no READY from the helper");
	n = proto_recv(proc.sock, buf, sizeof(buf), fds, &n_fds);
	cr_assert_gt(n, 0, "the helper closed its socket: %s", strerror((int)-n));
	cr_assert_eq(helper_decode(buf, (size_t)n, n_fds, &m), 0);
	cr_assert_eq(m.type, HELPER_MSG_READY);
	cr_assert_eq(m.u.reply.err, 0, "the helper failed at %s: %s",
		     helper_step_name(m.u.reply.step), strerror(m.u.reply.err));
}

/* The value of one /proc/PID/status line. */
static char *status_line(pid_t pid, const char *key, char *buf, size_t size)
{
	char text[16384], path[64], *p, *nl;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	text[0] = '\n'; /* every key starts a line */
	cr_assert_geq(proc_read(path, text + 1, sizeof(text) - 1), 0);
	p = strstr(text, key);
	cr_assert_not_null(p, "%s has no %s", path, key);
	p++; /* the key's newline */
	nl = strchr(p, '\n');
	snprintf(buf, size, "%.*s", (int)(nl ? nl - p : (long)strlen(p)), p);
	return buf;
}

static uid_t status_owner(pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	cr_assert_eq(stat(path, &st), 0);
	return st.st_uid;
}

static pid_t getppid_of(pid_t pid)
{
	struct proc_status st;

	cr_assert_eq(proc_status_read(pid, &st), 0);
	return st.ppid;
}

static void expect_same_credentials(pid_t a, pid_t b)
{
	const char *keys[] = { "\nUid:", "\nGid:", "\nGroups:", "\nCapInh:", "\nCapPrm:",
			       "\nCapEff:", "\nCapBnd:", "\nCapAmb:", "\nNoNewPrivs:" };
	char x[256], y[256];
	struct tsnap sa, sb;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		cr_expect_str_eq(status_line(a, keys[i], x, sizeof(x)),
				 status_line(b, keys[i], y, sizeof(y)));
	cr_assert_eq(tsnap_read(a, &sa), 0);
	cr_assert_eq(tsnap_read(b, &sb), 0);
	cr_expect(tsnap_same(&sa, &sb), "snap.c sees a difference");
}

Test(helper_spawn, the_helper_holds_exactly_the_callers_credentials)
{
	char buf[256];
	int p[2];

	need_root();
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	target = fork();
	cr_assert_geq(target, 0);
	if (target == 0)
		become_odd(p[1]);
	wait_byte(p[0]);
	spawn_ready(target);
	expect_same_credentials(target, proc.pid);
	cr_expect_str_eq(status_line(proc.pid, "\nName:", buf, sizeof(buf)),
			 "Name:\tsysgate-helper");
	/* not dumpable: its /proc files are root's, not the uid it shares with the target */
	cr_expect_eq(status_owner(proc.pid), 0);
	cr_expect_eq(status_owner(target), 2002);
}

/* outer: new user, mount and pid namespaces, mapped by the test; its child, pid 1 there
 * and uid 0 inside, is the target. */
static void nested(int ready, int go)
{
	char c;
	pid_t t;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID) < 0)
		_exit(1);
	(void)!write(ready, "1", 1);
	if (read(go, &c, 1) != 1 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		_exit(2);
	t = fork();
	if (t == 0)
		(void)!write(ready, "2", 1);
	for (;;)
		pause();
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text), "%s: %s", path,
		     strerror(errno));
	close(fd);
}

static uint64_t ns_of(pid_t pid, const char *ns)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
	cr_assert_eq(stat(path, &st), 0, "%s: %s", path, strerror(errno));
	return st.st_ino;
}

Test(helper_spawn, the_helper_lives_in_the_callers_user_mount_and_pid_namespaces)
{
	int ready[2], go[2];
	char path[64], buf[256];
	pid_t kids[4];
	size_t n = 0;

	need_root();
	cr_assert_eq(pipe2(ready, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(go, O_CLOEXEC), 0);
	outer = fork();
	cr_assert_geq(outer, 0);
	if (outer == 0)
		nested(ready[1], go[0]);
	wait_byte(ready[0]);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)outer);
	write_file(path, "0 100000 65536\n");
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)outer);
	write_file(path, "0 100000 65536\n");
	cr_assert_eq(write(go[1], "1", 1), 1);
	wait_byte(ready[0]);
	cr_assert_eq(proc_children(outer, kids, 4, &n), 0);
	cr_assert_eq(n, 1);
	target = kids[0];
	spawn_ready(target);
	expect_same_credentials(target, proc.pid);
	cr_expect_str_eq(status_line(proc.pid, "\nUid:", buf, sizeof(buf)),
			 "Uid:\t100000\t100000\t100000\t100000");
	cr_expect_eq(ns_of(proc.pid, "user"), ns_of(target, "user"));
	cr_expect_eq(ns_of(proc.pid, "mnt"), ns_of(target, "mnt"));
	cr_expect_eq(ns_of(proc.pid, "pid"), ns_of(target, "pid"));
	cr_expect_neq(ns_of(proc.pid, "pid"), ns_of(getpid(), "pid"));
	cr_expect_eq(getppid_of(proc.pid), getpid(), "the helper is the daemon's child");
}

/* In a child that dropped CAP_NET_ADMIN from its bounding set and set no_new_privs (as a
 * sandboxed daemon may be): a caller of its user namespace is what the child can still
 * grant of it; one of another user namespace keeps its sets (joining it gives a full set
 * there); no_new_privs is added to both. */
static int grantable_child(void)
{
	struct tsnap t = { 0 }, other;
	struct stat st;

	if (prctl(PR_CAPBSET_DROP, CAP_NET_ADMIN, 0, 0, 0) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || stat("/proc/self/ns/user", &st) < 0)
		return 10;
	for (int i = 0; i < CAP_SET_N; i++)
		t.cr.caps[i] = CAP(CAP_NET_ADMIN) | CAP(CAP_CHOWN);
	other = t;
	t.ns_user = st.st_ino;
	other.ns_user = st.st_ino + 1;
	if (tsnap_grantable(&t) < 0 || tsnap_grantable(&other) < 0)
		return 11;
	for (int i = 0; i < CAP_SET_N; i++) {
		if (t.cr.caps[i] != CAP(CAP_CHOWN))
			return 12;
		if (other.cr.caps[i] != (CAP(CAP_NET_ADMIN) | CAP(CAP_CHOWN)))
			return 13;
	}
	return t.cr.nnp && other.cr.nnp ? 0 : 14;
}

Test(helper_spawn, a_caller_is_taken_within_what_the_daemon_can_grant)
{
	int status = 0;
	pid_t pid;

	need_root();
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(grantable_child());
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x", status);
}

/* SPDX-License-Identifier: MIT */
/*
 * mech/trap.c: who may register a trap session (the peer itself, once per
 * connection, in the daemon's pid namespace), and TRAP_CALL: a call of a
 * thread of the registered process is decided, counted, recorded and answered
 * with TRAP_VERDICT (a kill carried out through the session's pidfd); a tid
 * of any other task is denied EPERM without a decision; a call on a
 * connection without a trap session closes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(trap, .fini = th_cleanup, .timeout = 30);

static const int route[] = { __NR_getppid };

Test(trap, the_peer_registers_itself)
{
	struct sysgated *d = th_daemon();
	struct conn c = th_peer(d);
	char reason[SG_REASON_MAX] = "", want[128];

	cr_expect_eq(trap_check_peer(&c, (uint32_t)getpid(), reason, sizeof(reason)), 0, "%s",
		     reason);
	cr_expect_eq(trap_check_peer(&c, (uint32_t)getppid(), reason, sizeof(reason)), -EPERM);
	snprintf(want, sizeof(want), "a trap session is registered by its target itself (pid %u "
		 "is not the registering process)", (unsigned)getppid());
	cr_expect_str_eq(reason, want);
}

Test(trap, one_trap_session_per_connection)
{
	struct sysgated *d = th_daemon();
	struct conn c = th_peer(d);
	char reason[SG_REASON_MAX] = "";
	struct session *s = th_session_mech(d, SG_MECH_TRAP, -EBADF, getpid(),
					    "version 1\ndefault allow\n");

	trap_link(s, &c);
	cr_expect_eq(c.trap_session, s);
	cr_expect_eq(s->trap_conn, &c);
	cr_expect_eq(trap_check_peer(&c, (uint32_t)getpid(), reason, sizeof(reason)), -EBUSY);
	cr_expect_str_eq(reason, "this connection already has a trap session");
	trap_unlink(s);
	cr_expect_null(c.trap_session);
	cr_expect_null(s->trap_conn);
	trap_unlink(s); /* twice: a no-op */
	cr_expect_eq(trap_check_peer(&c, (uint32_t)getpid(), reason, sizeof(reason)), 0);
}

Test(trap, a_peer_the_daemon_cannot_see_is_refused)
{
	struct sysgated *d = th_daemon();
	struct conn c = th_peer(d);
	char reason[SG_REASON_MAX] = "";
	pid_t pid;

	c.pid = 0; /* SO_PEERCRED of a peer in a pid namespace the daemon cannot see into */
	cr_expect_eq(trap_check_peer(&c, 0, reason, sizeof(reason)), -ESRCH);
	cr_expect_str_eq(reason, "the registering process is not visible to the daemon");
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(0);
	cr_assert_eq(waitpid(pid, NULL, 0), pid);
	c.pid = pid; /* gone */
	cr_expect_eq(trap_check_peer(&c, (uint32_t)pid, reason, sizeof(reason)), -ESRCH);
	cr_expect_str_eq(reason, "cannot read the registering process: No such process");
}

/* A process in a new pid namespace (its init), as the daemon sees it; 0 when none can be
 * made.  The test process stays in its own (LeakSanitizer cannot stop the world in a new
 * one): a child makes the namespace and reports its init's pid. */
static pid_t init_of_new_pid_ns(void)
{
	int p[2];
	pid_t child, init = 0;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (unshare(CLONE_NEWPID) == 0)
			init = fork();
		if (init == 0 && getpid() == 1) { /* the init: waits until its parent dies */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			pause();
		}
		(void)!write(p[1], &init, sizeof(init));
		pause();
		_exit(0);
	}
	th_track_child(child);
	close(p[1]);
	cr_assert_eq(read(p[0], &init, sizeof(init)), (ssize_t)sizeof(init));
	close(p[0]);
	if (init <= 0)
		return 0;
	/* killed by th_cleanup() itself: its parent may die before it set PDEATHSIG */
	th_track_child(init);
	return init;
}

Test(trap, a_peer_in_another_pid_namespace_is_refused)
{
	struct sysgated *d = th_daemon();
	struct conn c = th_peer(d);
	char reason[SG_REASON_MAX] = "";
	pid_t pid = init_of_new_pid_ns();

	if (!pid)
		cr_skip_test("cannot make a pid namespace here");
	c.pid = pid;
	cr_expect_eq(trap_check_peer(&c, (uint32_t)pid, reason, sizeof(reason)), -EOPNOTSUPP);
	cr_expect_str_eq(reason, "trap needs the process in the daemon's pid namespace");
}

/* A trap session for a waiting target, linked to a connection; the test's end in *fd. */
static struct session *trap_session(struct sysgated *d, struct th_target *t, const char *policy,
				    struct conn **ret_c, int *fd)
{
	struct session *s;

	th_target_start(t, route, 1, th_body_wait);
	close(t->listener);
	t->listener = -EBADF;
	s = th_session_mech(d, SG_MECH_TRAP, -EBADF, t->pid, policy);
	s->pidfd = (int)syscall(SYS_pidfd_open, t->pid, 0);
	cr_assert_geq(s->pidfd, 0);
	*ret_c = th_peer_conn(d, fd);
	trap_link(s, *ret_c);
	return s;
}

/* TRAP_CALL of getppid by tid; the TRAP_VERDICT that answers it. */
static struct sg_msg_trap_verdict trap_call(struct conn *c, int fd, pid_t tid)
{
	struct sg_msg_trap_call tc = { .arch = c->d->native_arch, .nr = __NR_getppid,
				       .ip = 0x1000, .tid = (uint32_t)tid };
	uint8_t buf[SG_MSG_MAX];
	struct sg_msg m;

	trap_handle_call(c, &tc);
	cr_assert_eq(th_recv(fd, buf, &m), 1);
	cr_assert_eq(m.type, SG_MSG_TRAP_VERDICT, "got %s", proto_type_name(m.type));
	return m.u.trap_verdict;
}

Test(trap, a_call_is_decided_answered_counted_and_recorded)
{
	static const struct {
		const char *rule;
		enum sg_trap_action action;
		int64_t value;
		enum sg_count count;
		const char *rec; /* the record's verdict, NULL: none */
	} rows[] = {
		{ "getppid allow", SG_TRAP_ALLOW, 0, SG_COUNT_ALLOW, NULL },
		{ "getppid allow log", SG_TRAP_ALLOW, 0, SG_COUNT_ALLOW, "allow" },
		{ "getppid fake 7", SG_TRAP_RETURN, 7, SG_COUNT_FAKE, "fake" },
		{ "getppid deny EACCES", SG_TRAP_RETURN, -EACCES, SG_COUNT_DENY, "deny" },
		{ "getppid deny EACCES quiet", SG_TRAP_RETURN, -EACCES, SG_COUNT_DENY, NULL },
		{ "getppid deny EACCES audit", SG_TRAP_ALLOW, 0, SG_COUNT_AUDIT, "deny" },
	};
	struct sysgated *d = th_daemon();

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		char policy[128];
		struct th_target t;
		struct sg_msg_trap_verdict v;
		struct conn *c;
		struct session *s;
		int fd;

		snprintf(policy, sizeof(policy), "version 1\ndefault kill\n%s\n", rows[i].rule);
		s = trap_session(d, &t, policy, &c, &fd);
		v = trap_call(c, fd, t.pid);
		cr_expect_eq(v.action, rows[i].action, "%s: action %u", rows[i].rule, v.action);
		cr_expect_eq(v.value, rows[i].value, "%s: value %lld", rows[i].rule,
			     (long long)v.value);
		cr_expect_eq(s->counts[rows[i].count], 1, "%s: not counted", rows[i].rule);
		cr_expect_eq(s->notifications, 1, "%s", rows[i].rule);
		th_expect_syscall_record(d, rows[i].rec, rows[i].rule);
		session_free(s);
	}
}

Test(trap, a_kill_kills_the_process_through_the_pidfd)
{
	struct sysgated *d = th_daemon();
	struct th_target t;
	struct conn *c;
	int fd;
	struct session *s = trap_session(d, &t, "version 1\ndefault allow\ngetppid kill\n", &c,
					 &fd);
	struct sg_msg_trap_verdict v = trap_call(c, fd, t.pid);

	cr_expect_eq(v.action, SG_TRAP_KILL);
	json_object_put(th_expect_killed(d, &t, s));
}

static void *report_tid(void *arg)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);

	(void)!write(*(int *)arg, &tid, sizeof(tid));
	pause();
	return NULL;
}

/* A second thread reports its tid, then both wait. */
static void body_thread(int sock)
{
	pthread_t th;

	if (pthread_create(&th, NULL, report_tid, &sock) != 0)
		_exit(97);
	th_body_wait(sock);
}

Test(trap, only_threads_of_the_registered_process_are_decided)
{
	struct sysgated *d = th_daemon();
	struct th_target t;
	struct sg_msg_trap_verdict v;
	struct conn *c;
	struct session *s;
	pid_t thread;
	int fd;

	th_target_start(&t, route, 1, body_thread);
	th_target_read(&t, &thread, sizeof(thread));
	s = th_session_mech(d, SG_MECH_TRAP, -EBADF, t.pid, "version 1\ndefault fake 5\n");
	s->pidfd = (int)syscall(SYS_pidfd_open, t.pid, 0);
	cr_assert_geq(s->pidfd, 0);
	c = th_peer_conn(d, &fd);
	trap_link(s, c);
	v = trap_call(c, fd, thread);
	cr_expect(v.action == SG_TRAP_RETURN && v.value == 5, "a thread of it: decided");
	/* the test process is no thread of it: denied, neither counted nor recorded */
	v = trap_call(c, fd, getpid());
	cr_expect_eq(v.action, SG_TRAP_RETURN);
	cr_expect_eq(v.value, -EPERM);
	cr_expect_eq(s->notifications, 1);
	cr_expect_eq(s->counts[SG_COUNT_FAKE], 1);
}

Test(trap, a_call_without_a_trap_session_closes_the_connection)
{
	struct sysgated *d = th_daemon();
	int fd;
	struct conn *c = th_peer_conn(d, &fd);
	struct sg_msg_trap_call tc = { .arch = d->native_arch, .nr = __NR_getppid,
				       .tid = (uint32_t)getpid() };
	uint8_t buf[SG_MSG_MAX];
	struct sg_msg m;

	trap_handle_call(c, &tc);
	cr_expect(c->dead);
	cr_expect_eq(th_recv(fd, buf, &m), 0, "closed without an answer");
}

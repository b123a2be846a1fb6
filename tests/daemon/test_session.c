/* SPDX-License-Identifier: MIT */
/*
 * session.c: REGISTER validation (listener fd, mechanism, policy, target
 * process and its owner), including a shim in another pid namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(session, .fini = th_cleanup, .timeout = 30);

static const int route[] = { __NR_getppid };

/* Linked with --wrap=calloc: fails the nth calloc from now when calloc_fail_in is n > 0,
 * so that a test can fail each allocation of a REGISTER in turn. */
void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);
static int calloc_fail_in;

/* calloc, or NULL with ENOMEM when calloc_fail_in counts down to this call. */
void *__wrap_calloc(size_t n, size_t size)
{
	if (calloc_fail_in > 0 && --calloc_fail_in == 0) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_calloc(n, size);
}
static const char good_policy[] = "version 1\ndefault allow\ngetppid fake 1\n";

/* The registering peer: a connection of d, which outlives the sessions it registers. */
static struct conn *peer(struct sysgated *d)
{
	int fd;

	return th_peer_conn(d, &fd);
}

static struct sg_msg reg_msg(uint32_t target, uint32_t mech, const char *text)
{
	struct sg_msg m;

	memset(&m, 0, sizeof(m));
	m.type = SG_MSG_REGISTER;
	m.u.reg.target_pid = target;
	m.u.reg.mechanism = mech;
	m.str = "name.policy";
	m.str_len = strlen(m.str);
	m.str2 = text;
	m.str2_len = strlen(text);
	return m;
}

/* Register; returns the result with the reason in reason. The fd is consumed. */
static int reg(struct sysgated *d, const struct conn *c, uint32_t target, uint32_t mech,
	       const char *text, int fd, char *reason, uint64_t *id)
{
	struct sg_msg m = reg_msg(target, mech, text);

	return session_register(d, c, &m, fd, reason, SG_REASON_MAX, id);
}

Test(session, registers_a_child_of_the_peer)
{
	struct sysgated *d = th_daemon();
	struct conn *c = peer(d);
	char reason[SG_REASON_MAX];
	struct th_target t;
	struct session *s;
	json_object *recs;
	uint64_t id = 0;

	th_target_start(&t, route, 1, th_body_wait);
	cr_assert_eq(reg(d, c, (uint32_t)t.pid, SG_MECH_NOTIFY, good_policy, t.listener, reason,
			 &id), 0, "%s", reason);
	cr_expect_eq(id, 1);
	s = session_find(d, id);
	cr_assert_not_null(s);
	cr_expect_eq(s->target_pid, t.pid);
	cr_expect_eq(s->peer_pid, getpid());
	cr_expect_eq(s->uid, getuid());
	cr_expect_eq(s->state, SG_SESSION_STARTING);
	cr_expect_str_eq(s->policy->file, "name.policy");
	cr_expect_geq(s->pidfd, 0);
	cr_expect_eq(d->n_sessions, 1);
	recs = th_audit_records(d);
	cr_expect_eq(th_count(recs, "event", "session-start"), 1, "%s", th_audit_text(d));
	json_object_put(recs);
}

static void body_wait_then_exec(int sock)
{
	char c;

	(void)!read(sock, &c, 1);
	execl("/bin/sleep", "sleep", "30", (char *)NULL);
	_exit(98);
}

Test(session, a_target_is_starting_until_it_has_execd)
{
	struct sysgated *d = th_daemon();
	struct conn *c = peer(d);
	char reason[SG_REASON_MAX];
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	struct th_target t;
	struct session *s;
	uint64_t id = 0;

	th_target_start(&t, route, 1, body_wait_then_exec);
	cr_assert_eq(reg(d, c, (uint32_t)t.pid, SG_MECH_NOTIFY, good_policy, t.listener, reason,
			 &id), 0, "%s", reason);
	s = session_find(d, id);
	cr_expect_eq(session_state(s), SG_SESSION_STARTING);
	/* the exec is not routed: no call tells the daemon, /proc does */
	cr_assert_eq(write(t.sock, "x", 1), 1);
	for (int i = 0; i < TH_TIMEOUT_MS / 5 && session_state(s) != SG_SESSION_RUNNING; i++)
		nanosleep(&ts, NULL);
	cr_expect_eq(session_state(s), SG_SESSION_RUNNING);
	cr_expect_eq(s->notifications, 0);
}

Test(session, a_fd_that_is_not_a_listener_is_refused)
{
	struct sysgated *d = th_daemon();
	struct conn *c = peer(d);
	char reason[SG_REASON_MAX];
	uint64_t id = 0;
	int p[2];

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	cr_expect_eq(reg(d, c, (uint32_t)getpid(), SG_MECH_NOTIFY, good_policy, p[0], reason, &id),
		     -EBADF);
	cr_expect(strstr(reason, "not a seccomp listener"), "%s", reason);
	close(p[1]);
}

Test(session, a_bad_policy_is_refused_with_its_position)
{
	struct sysgated *d = th_daemon();
	struct conn *c = peer(d);
	char reason[SG_REASON_MAX];
	struct th_target t;
	uint64_t id = 0;

	th_target_start(&t, route, 1, th_body_wait);
	cr_expect_eq(reg(d, c, (uint32_t)t.pid, SG_MECH_NOTIFY,
			 "version 1\ndefault allow\nopenat frobnicate\n", t.listener, reason, &id),
		     -EINVAL);
	cr_expect_eq(strncmp(reason, "name.policy:3:8: error: ", 24), 0, "%s", reason);
	cr_expect(strstr(reason, "\nopenat frobnicate\n       ^"), "no caret: %s", reason);
	th_target_start(&t, route, 1, th_body_wait);
	cr_expect_lt(reg(d, c, (uint32_t)t.pid, SG_MECH_NOTIFY,
			 "version 1\ndefault allow\nmknod emulate devnull\n", t.listener, reason,
			 &id), 0);
	cr_expect(strstr(reason, "name.policy:3:"), "%s", reason);
	cr_expect_eq(d->n_sessions, 0);
}

Test(session, a_pid_that_is_not_a_child_of_the_peer_is_refused)
{
	struct sysgated *d = th_daemon();
	struct conn *c = peer(d);
	char reason[SG_REASON_MAX];
	struct th_target t;
	uint64_t id = 0;

	th_target_start(&t, route, 1, th_body_wait);
	cr_expect_eq(reg(d, c, (uint32_t)getppid(), SG_MECH_NOTIFY, good_policy, t.listener,
			 reason, &id), -ESRCH);
	cr_expect(strstr(reason, "neither the registering process nor one of its children"), "%s",
		  reason);
}

Test(session, the_peer_itself_may_be_the_target)
{
	struct sysgated *d = th_daemon();
	struct conn *c = peer(d);
	char reason[SG_REASON_MAX];
	struct th_target t;
	uint64_t id = 0;

	th_target_start(&t, route, 1, th_body_wait);
	cr_expect_eq(reg(d, c, (uint32_t)getpid(), SG_MECH_NOTIFY, good_policy, t.listener,
			 reason, &id), 0, "%s", reason);
	cr_expect_eq(session_find(d, id)->target_pid, getpid());
}

Test(session, a_reaped_target_is_refused)
{
	struct sysgated *d = th_daemon();
	struct conn *c = peer(d);
	char reason[SG_REASON_MAX];
	struct th_target t;
	uint64_t id = 0;

	th_target_start(&t, route, 1, th_body_wait);
	close(t.sock);
	th_target_wait(&t);
	cr_expect_eq(reg(d, c, (uint32_t)t.pid, SG_MECH_NOTIFY, good_policy, t.listener, reason,
			 &id), -ESRCH, "%s", reason);
}

Test(session, another_users_target_is_refused_unless_the_peer_is_root)
{
	struct sysgated *d = th_daemon();
	struct conn *c = peer(d);
	char reason[SG_REASON_MAX];
	struct th_target t;
	uint64_t id = 0;

	/* a peer of another uid (as SO_PEERCRED would say) registering our child */
	c->uid = getuid() + 4242;
	th_target_start(&t, route, 1, th_body_wait);
	cr_expect_eq(reg(d, c, (uint32_t)t.pid, SG_MECH_NOTIFY, good_policy, t.listener, reason,
			 &id), -EPERM);
	cr_expect(strstr(reason, "belongs to another user"), "%s", reason);

	if (getuid() != 0)
		return;
	/* root may register anybody's child; the session is owned by root */
	c->uid = 0;
	th_target_start(&t, route, 1, th_body_wait);
	cr_expect_eq(reg(d, c, (uint32_t)t.pid, SG_MECH_NOTIFY, good_policy, t.listener, reason,
			 &id), 0, "%s", reason);
}

/* pid 1 of a new pid namespace: forks the target (pid 2 there) and waits. */
static void ns_init(int sock)
{
	struct th_target t;

	th_target_start(&t, route, 1, th_body_wait);
	/* hand the target's listener up; sendmsg from the test helpers' socket */
	{
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(int))];
		} control;
		int32_t pid = t.pid;
		struct iovec iov = { .iov_base = &pid, .iov_len = sizeof(pid) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
				     .msg_controllen = sizeof(control.buf) };
		struct cmsghdr *cm;

		memset(&control, 0, sizeof(control));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &t.listener, sizeof(int));
		if (sendmsg(sock, &mh, 0) < 0)
			_exit(1);
	}
	pause();
	_exit(0);
}

Test(session, a_shim_in_another_pid_namespace_names_its_child_in_its_own_view)
{
	struct sysgated *d;
	struct conn *c;
	char reason[SG_REASON_MAX];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	int32_t inner = 0;
	struct iovec iov = { .iov_base = &inner, .iov_len = sizeof(inner) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			     .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *cm;
	pid_t kids[8];
	size_t n = 0;
	uint64_t id = 0;
	int sv[2], listener, listener2;
	pid_t init;

	if (geteuid() != 0)
		cr_skip_test("needs root for a new pid namespace");
	cr_assert_eq(unshare(CLONE_NEWPID), 0, "unshare: %s", strerror(errno));
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	init = fork();
	cr_assert_geq(init, 0);
	if (init == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(sv[0]);
		ns_init(sv[1]);
	}
	th_track_child(init);
	close(sv[1]);
	cr_assert_eq(recvmsg(sv[0], &mh, MSG_CMSG_CLOEXEC), (ssize_t)sizeof(inner));
	cm = CMSG_FIRSTHDR(&mh);
	cr_assert(cm && cm->cmsg_type == SCM_RIGHTS, "no listener from the namespace");
	memcpy(&listener, CMSG_DATA(cm), sizeof(int));
	cr_expect_eq(inner, 2, "the target is pid 2 in the namespace");
	listener2 = fcntl(listener, F_DUPFD_CLOEXEC, 3);

	d = th_daemon();
	c = peer(d);
	c->pid = init; /* SO_PEERCRED gives the daemon's view of the namespace's init */
	/* the target named in the daemon's view is not what the shim would say: refused */
	cr_assert_eq(proc_children(init, kids, 8, &n), 0);
	cr_assert_eq(n, 1);
	cr_expect_eq(reg(d, c, (uint32_t)kids[0], SG_MECH_NOTIFY, good_policy, listener2, reason,
			 &id), -ESRCH, "%s", reason);
	/* in its own view: accepted, and the session knows the daemon's view */
	cr_expect_eq(reg(d, c, (uint32_t)inner, SG_MECH_NOTIFY, good_policy, listener, reason, &id),
		     0, "%s", reason);
	cr_expect_eq(session_find(d, id)->target_pid, kids[0]);
	close(sv[0]);
}

Test(session, an_overlong_policy_name_is_refused)
{
	struct sysgated *d = th_daemon();
	struct conn *c = peer(d);
	char reason[SG_REASON_MAX], *name = malloc(8192);
	struct th_target t;
	struct sg_msg m;
	uint64_t id = 0;

	cr_assert_not_null(name);
	memset(name, 'a', 8191);
	name[8191] = '\0';
	th_target_start(&t, route, 1, th_body_wait);
	m = reg_msg((uint32_t)t.pid, SG_MECH_NOTIFY, good_policy);
	m.str = name;
	m.str_len = 8191;
	cr_expect_eq(session_register(d, c, &m, t.listener, reason, sizeof(reason), &id),
		     -ENAMETOOLONG);
	cr_expect(strstr(reason, "policy name too long"), "%s", reason);
	cr_expect_eq(d->n_sessions, 0);
	free(name);
}

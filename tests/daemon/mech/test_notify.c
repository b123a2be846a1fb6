/* SPDX-License-Identifier: MIT */
/*
 * notify.c with real listeners: a forked child routes getppid/execve to a
 * listener it hands over, the test runs the daemon's decision path on it, and
 * the child reports what its call returned.  Verdicts, records, counts, the
 * STARTING rule, kill through a pidfd, and the end of a session on POLLHUP.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(notify, .fini = th_cleanup, .timeout = 30);

static const int route_getppid[] = { __NR_getppid };

/* Run th_body_getppid under policy; returns what getppid gave the child. */
static struct th_call getppid_under(struct sysgated *d, const char *policy, struct session **ret_s)
{
	struct th_target t;
	struct th_call c;
	struct session *s;

	th_target_start(&t, route_getppid, 1, th_body_getppid);
	s = th_session(d, &t, policy);
	cr_assert_eq(notify_handle(s, TH_TIMEOUT_MS), 1);
	th_target_read(&t, &c, sizeof(c));
	cr_assert(WIFEXITED(th_target_wait(&t)));
	if (ret_s)
		*ret_s = s;
	return c;
}

Test(notify, fake_returns_the_value_and_is_recorded_and_counted)
{
	struct sysgated *d = th_daemon();
	struct session *s;
	struct th_call c = getppid_under(d, "version 1\ndefault allow\ngetppid fake 4242\n", &s);
	const struct stat_row *row;
	json_object *recs, *rec;

	cr_expect_eq(c.ret, 4242);
	cr_expect_eq(c.err, 0);
	cr_expect_eq(s->counts[SG_COUNT_FAKE], 1);
	cr_expect_eq(s->notifications, 1);
	cr_expect_eq(d->notifications, 1);
	cr_expect_eq(s->state, SG_SESSION_RUNNING);
	row = stats_get(&s->stats, d->native_arch, __NR_getppid);
	cr_assert_not_null(row);
	cr_expect_eq(row->counts[SG_COUNT_FAKE], 1);

	recs = th_audit_records(d);
	rec = th_find(recs, "event", "syscall");
	cr_assert_not_null(rec, "%s", th_audit_text(d));
	cr_expect_str_eq(th_jstr(rec, "verdict"), "fake");
	cr_expect_eq(th_jint(rec, "value"), 4242);
	cr_expect_str_eq(th_jstr(rec, "syscall"), "getppid");
	cr_expect_str_eq(th_jstr(rec, "rule"), "test.policy:3");
	cr_expect_str_eq(th_jstr(rec, "mechanism"), "notify");
	cr_expect_eq(th_jint(rec, "session"), (int64_t)s->id);
	cr_expect_eq(th_jint(rec, "uid"), (int64_t)getuid());
	cr_expect_eq(th_jint(rec, "nr"), __NR_getppid);
	cr_expect(!th_jhas(rec, "errno") && !th_jhas(rec, "default") && !th_jhas(rec, "audit"), "%s",
		  json_object_to_json_string(rec));
	/* pid/tid of the child, its comm and exe read from /proc and confirmed */
	cr_expect_eq(th_jint(rec, "pid"), th_jint(rec, "tid"));
	cr_expect_gt(th_jint(rec, "pid"), 0);
	cr_expect(th_jstr(rec, "comm")[0] != '\0');
	cr_expect(th_jstr(rec, "exe")[0] == '/', "%s", th_jstr(rec, "exe"));
	cr_expect_eq(th_count(recs, "event", "session-start"), 1);
	json_object_put(recs);
}

Test(notify, deny_sets_errno_and_records_its_name)
{
	struct sysgated *d = th_daemon();
	struct th_call c = getppid_under(d, "version 1\ndefault allow\ngetppid deny EACCES\n", NULL);
	json_object *recs = th_audit_records(d), *rec = th_find(recs, "event", "syscall");

	cr_expect_eq(c.ret, -1);
	cr_expect_eq(c.err, EACCES);
	cr_assert_not_null(rec, "%s", th_audit_text(d));
	cr_expect_str_eq(th_jstr(rec, "verdict"), "deny");
	cr_expect_eq(th_jint(rec, "errno"), EACCES);
	cr_expect_str_eq(th_jstr(rec, "errno_name"), "EACCES");
	cr_expect(!th_jhas(rec, "value"));
	json_object_put(recs);
}

Test(notify, quiet_deny_is_not_recorded)
{
	struct sysgated *d = th_daemon();
	struct session *s;
	struct th_call c = getppid_under(d, "version 1\ndefault allow\ngetppid deny ENOSPC quiet\n",
					 &s);
	json_object *recs = th_audit_records(d);

	cr_expect_eq(c.err, ENOSPC);
	cr_expect_eq(th_count(recs, "event", "syscall"), 0, "%s", th_audit_text(d));
	cr_expect_eq(s->counts[SG_COUNT_DENY], 1);
	json_object_put(recs);
}

Test(notify, allow_continues_the_real_call_and_log_records_it)
{
	struct sysgated *d = th_daemon();
	struct th_call c = getppid_under(d, "version 1\ndefault allow\ngetppid allow log\n", NULL);
	json_object *recs = th_audit_records(d), *rec = th_find(recs, "event", "syscall");

	cr_expect_eq(c.ret, getpid(), "the real getppid ran: %ld", c.ret);
	cr_assert_not_null(rec, "%s", th_audit_text(d));
	cr_expect_str_eq(th_jstr(rec, "verdict"), "allow");
	cr_expect(!th_jhas(rec, "errno") && !th_jhas(rec, "value"));
	json_object_put(recs);
}

Test(notify, plain_allow_is_not_recorded)
{
	struct sysgated *d = th_daemon();
	struct th_call c = getppid_under(d, "version 1\ndefault deny\ngetppid allow\n", NULL);
	json_object *recs = th_audit_records(d);

	cr_expect_eq(c.ret, getpid());
	cr_expect_eq(th_count(recs, "event", "syscall"), 0, "%s", th_audit_text(d));
	json_object_put(recs);
}

Test(notify, audit_rule_allows_and_records_the_would_be_deny)
{
	struct sysgated *d = th_daemon();
	struct session *s;
	struct th_call c = getppid_under(d, "version 1\ndefault allow\ngetppid deny EACCES audit\n",
					 &s);
	json_object *recs = th_audit_records(d), *rec = th_find(recs, "event", "syscall");

	cr_expect_eq(c.ret, getpid(), "audit mode must not enforce: %ld", c.ret);
	cr_assert_not_null(rec, "%s", th_audit_text(d));
	cr_expect_str_eq(th_jstr(rec, "verdict"), "deny");
	cr_expect_eq(th_jint(rec, "errno"), EACCES);
	cr_expect(json_object_get_boolean(json_object_object_get(rec, "audit")));
	cr_expect_eq(s->counts[SG_COUNT_AUDIT], 1);
	cr_expect_eq(s->counts[SG_COUNT_DENY], 0);
	json_object_put(recs);
}

Test(notify, default_action_records_default_and_its_line)
{
	struct sysgated *d = th_daemon();
	struct th_call c = getppid_under(d, "version 1\n\ndefault errno EIO\nopenat allow\n", NULL);
	json_object *recs = th_audit_records(d), *rec = th_find(recs, "event", "syscall");

	cr_expect_eq(c.err, EIO);
	cr_assert_not_null(rec, "%s", th_audit_text(d));
	cr_expect(json_object_get_boolean(json_object_object_get(rec, "default")));
	cr_expect_str_eq(th_jstr(rec, "rule"), "test.policy:3");
	json_object_put(recs);
}

static void *thread_getppid(void *arg)
{
	(void)arg;
	syscall(SYS_getppid);
	return NULL;
}

/* A second thread makes the call; the whole process must die. */
static void body_thread_getppid(int sock)
{
	pthread_t th;
	pid_t tid;

	(void)sock;
	if (pthread_create(&th, NULL, thread_getppid, NULL) != 0)
		_exit(97);
	pthread_join(th, NULL);
	tid = (pid_t)syscall(SYS_gettid);
	(void)!write(sock, &tid, sizeof(tid)); /* reached only if not killed */
	_exit(96);
}

Test(notify, kill_kills_the_whole_calling_process)
{
	struct sysgated *d = th_daemon();
	struct th_target t;
	struct session *s;
	json_object *rec;

	th_target_start(&t, route_getppid, 1, body_thread_getppid);
	s = th_session(d, &t, "version 1\ndefault allow\ngetppid kill\n");
	cr_assert_eq(notify_handle(s, TH_TIMEOUT_MS), 1);
	rec = th_expect_killed(d, &t, s);
	cr_expect_neq(th_jint(rec, "tid"), t.pid, "tid is the calling thread");
	json_object_put(rec);
}

Test(notify, starting_exec_of_the_target_continues)
{
	static const int route[] = { __NR_execve, __NR_execveat };
	struct sysgated *d = th_daemon();
	struct th_target t;
	struct session *s;
	json_object *recs;
	int status;

	th_target_start(&t, route, 2, th_body_exec);
	s = th_session(d, &t, "version 1\ndefault allow\nexecve, execveat deny\n");
	cr_assert_eq(s->state, SG_SESSION_STARTING);
	cr_assert_eq(notify_handle(s, TH_TIMEOUT_MS), 1);
	cr_expect_eq(s->state, SG_SESSION_RUNNING);
	status = th_target_wait(&t);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 7, "the exec did not go through: 0x%x",
		  status);
	cr_expect_eq(s->counts[SG_COUNT_ALLOW], 1);
	recs = th_audit_records(d);
	cr_expect_eq(th_count(recs, "event", "syscall"), 0, "recorded without log: %s",
		     th_audit_text(d));
	json_object_put(recs);
}

static void body_getppid_then_exec(int sock)
{
	struct th_call c;

	syscall(SYS_getppid);
	execl("/bin/sh", "sh", "-c", "exit 7", (char *)NULL);
	c.ret = -1;
	c.err = errno;
	(void)!write(sock, &c, sizeof(c));
}

Test(notify, exec_after_the_first_call_is_decided_by_the_policy)
{
	static const int route[] = { __NR_getppid, __NR_execve };
	struct sysgated *d = th_daemon();
	struct th_target t;
	struct th_call c;
	struct session *s;
	json_object *recs, *rec;

	th_target_start(&t, route, 2, body_getppid_then_exec);
	s = th_session(d, &t, "version 1\ndefault allow\ngetppid fake 1\nexecve deny EACCES\n");
	cr_assert_eq(notify_handle(s, TH_TIMEOUT_MS), 1);
	cr_assert_eq(notify_handle(s, TH_TIMEOUT_MS), 1);
	th_target_read(&t, &c, sizeof(c));
	cr_expect_eq(c.err, EACCES);
	recs = th_audit_records(d);
	rec = th_find(recs, "syscall", "execve");
	cr_assert_not_null(rec, "%s", th_audit_text(d));
	cr_expect_str_eq(th_jstr(rec, "verdict"), "deny");
	json_object_put(recs);
}

Test(notify, starting_exec_from_another_pid_is_decided_by_the_policy)
{
	static const int route[] = { __NR_execve };
	struct sysgated *d = th_daemon();
	struct th_target t;
	struct session *s = NULL;
	int status, r;

	th_target_start(&t, route, 1, th_body_exec);
	/* registered for another pid: the child's exec is not the shim's exec */
	r = session_create(d, t.listener, -EBADF,
			   th_policy("version 1\ndefault allow\nexecve deny EACCES\n"), getpid(),
			   getpid(), getuid(), getgid(), &s);
	t.listener = -EBADF;
	cr_assert_eq(r, 0);
	cr_assert_eq(notify_handle(s, TH_TIMEOUT_MS), 1);
	status = th_target_wait(&t);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 98, "exec was allowed: 0x%x", status);
	cr_expect_eq(s->counts[SG_COUNT_DENY], 1);
}

Test(notify, session_ends_when_no_task_uses_the_filter)
{
	struct sysgated *d = th_daemon();
	struct session *s;
	json_object *recs, *end, *counts;

	getppid_under(d, "version 1\ndefault allow\ngetppid fake 3\n", &s);
	cr_assert_eq(notify_handle(s, TH_TIMEOUT_MS), -EPIPE);
	/* through the loop: notify_cb ends the session with a record of its counts */
	cr_assert_eq(d->n_sessions, 1);
	for (int i = 0; i < 100 && d->n_sessions > 0; i++)
		event_base_loop(d->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	cr_assert_eq(d->n_sessions, 0);
	recs = th_audit_records(d);
	end = th_find(recs, "event", "session-end");
	cr_assert_not_null(end, "%s", th_audit_text(d));
	cr_expect_eq(th_jint(end, "notifications"), 1);
	counts = json_object_object_get(end, "counts");
	cr_assert_not_null(counts);
	cr_expect_eq(th_jint(counts, "fake"), 1);
	cr_expect_eq(th_jint(counts, "deny"), 0);
	json_object_put(recs);
}

static void body_pause(int sock)
{
	(void)sock;
	pause();
}

Test(notify, no_pending_notification_returns_zero_without_blocking)
{
	static const int route[] = { __NR_getppid };
	struct sysgated *d = th_daemon();
	struct th_target t;
	struct session *s;

	th_target_start(&t, route, 1, body_pause);
	s = th_session(d, &t, "version 1\ndefault allow\n");
	cr_expect_eq(notify_handle(s, 0), 0);
}

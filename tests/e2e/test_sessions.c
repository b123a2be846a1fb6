/*
 * SPDX-License-Identifier: MIT
 *
 * Several sessions on one daemon: each is decided by its own policy, and
 * sysgatectl lists them while they run, forgets them after, and counts them.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

TestSuite(sessions, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 60);

/* `sysgatectl --json sessions`: an array of session objects. */
static json_object *list_sessions(void)
{
	json_object *arr = sg_ctl_json("sessions", NULL);

	cr_assert(json_object_is_type(arr, json_type_array), "sessions: not an array: %s",
		  sg_jtext(arr));
	return arr;
}

/* The pid a waiter wrote to its ready file. */
static long ready_pid(const char *path)
{
	char *s;

	sg_wait_file(path);
	s = sg_read_file(path);
	cr_assert_not_null(s);
	return strtol(s, NULL, 10);
}

/* A waiter under sysgate-run with the given policy: checks getppid == value, writes ready,
 * waits for its stdin to close, checks again. */
static struct sg_proc *start_waiter(const char *policy, const char *value, const char *ready)
{
	struct sg_opts o = { .stdin_pipe = true };

	return sg_spawn(sg_shim_argv(policy, sg_target("waiter"), "-v", value, "-r", ready, NULL),
			&o);
}

static void finish(struct sg_proc *p, const char *value)
{
	struct sg_result *r;

	close(p->stdin_fd);
	p->stdin_fd = -1;
	r = sg_wait(p);
	sg_assert_exit(r, 0);
	cr_expect(strstr(r->out, sg_strf("before wait = %s ", value)) &&
			  strstr(r->out, sg_strf("after wait = %s ", value)),
		  "%s", r->out);
}

Test(sessions, concurrent_sessions_get_their_own_policies)
{
	const char *p1 = sg_policy("one", "version 1\ndefault allow\ngetppid fake 1\n");
	const char *p2 = sg_policy("two", "version 1\ndefault allow\ngetppid fake 2\n");
	const char *r1 = sg_strf("%s/ready1", sg_dir()), *r2 = sg_strf("%s/ready2", sg_dir());
	struct sg_proc *a = start_waiter(p1, "1", r1);
	struct sg_proc *b = start_waiter(p2, "2", r2);

	/* both sessions are live at once: each made a call, neither has finished */
	sg_wait_file(r1);
	sg_wait_file(r2);
	finish(a, "1");
	finish(b, "2");
}

Test(sessions, sessions_are_listed_while_running_and_gone_after)
{
	const char *p1 = sg_policy("one", "version 1\ndefault allow\ngetppid fake 1\n");
	const char *p2 = sg_policy("two", "version 1\ndefault allow\ngetppid fake 2\n");
	const char *r1 = sg_strf("%s/ready1", sg_dir()), *r2 = sg_strf("%s/ready2", sg_dir());
	struct sg_proc *a = start_waiter(p1, "1", r1);
	struct sg_proc *b = start_waiter(p2, "2", r2);
	long pid1 = ready_pid(r1), pid2 = ready_pid(r2);
	json_object *list = list_sessions(), *s1, *s2;
	size_t ended;

	cr_assert_eq(json_object_array_length(list), 2, "%s", sg_jtext(list));
	s1 = sg_jsonl_find(list, "pid", sg_strf("%ld", pid1), NULL);
	s2 = sg_jsonl_find(list, "pid", sg_strf("%ld", pid2), NULL);
	cr_expect_not_null(s1, "no session with pid %ld: %s", pid1, sg_jtext(list));
	cr_expect_not_null(s2, "no session with pid %ld: %s", pid2, sg_jtext(list));
	if (s1 && s2) {
		int64_t id1 = 0, id2 = 0, uid = -1;

		cr_expect(sg_jint(s1, "id", &id1) && sg_jint(s2, "id", &id2) && id1 != id2,
			  "%s", sg_jtext(list));
		cr_expect(sg_jint(s1, "uid", &uid) && uid == (int64_t)getuid(), "%s",
			  sg_jtext(s1));
		cr_expect(sg_jstr(s1, "policy") && strstr(sg_jstr(s1, "policy"), "one.policy"),
			  "%s", sg_jtext(s1));
		cr_expect_str_eq(sg_jstr(s1, "mechanism"), sg_mechanism(), "%s", sg_jtext(s1));
		cr_expect_str_eq(sg_jstr(s1, "state"), "running", "%s", sg_jtext(s1));
	}

	finish(a, "1");
	finish(b, "2");
	ended = sg_audit_wait_n(2, "event", "session-end", NULL);
	cr_assert_eq(ended, 2, "%zu of 2 sessions ended:\n%s", ended, sg_jtext(sg_audit()));
	list = list_sessions();
	cr_expect_eq(json_object_array_length(list), 0, "sessions after both ended: %s",
		     sg_jtext(list));
}

/* The count named verdict in a stats row or session ("counts" object), or -1. */
static int64_t row_count(json_object *row, const char *verdict)
{
	json_object *counts;
	int64_t v = -1;

	if (!json_object_object_get_ex(row, "counts", &counts))
		return -1;
	return sg_jint(counts, verdict, &v) ? v : -1;
}

/* `sysgatectl --json stats`: an array of rows. */
static json_object *stat_rows(json_object *doc)
{
	cr_assert(json_object_is_type(doc, json_type_array), "stats: not an array: %s",
		  sg_jtext(doc));
	return doc;
}

Test(sessions, stats_and_sessions_count_the_verdicts)
{
	const char *pol = sg_policy("stats", "version 1\n"
					     "default allow\n"
					     "getppid fake 9\n");
	const char *ready = sg_strf("%s/ready", sg_dir());
	struct sg_opts o = { .stdin_pipe = true };
	struct sg_proc *p = sg_spawn(sg_shim_argv(pol, sg_target("waiter"), "-v", "9", "-n", "250",
						  "-r", ready, NULL),
				     &o);
	json_object *rows, *row, *list, *s;
	int64_t id = 0;
	long pid = ready_pid(ready);

	list = list_sessions();
	s = sg_jsonl_find(list, "pid", sg_strf("%ld", pid), NULL);
	cr_assert_not_null(s, "no session for pid %ld: %s", pid, sg_jtext(list));
	cr_assert(sg_jint(s, "id", &id), "%s", sg_jtext(s));
	cr_expect_eq(row_count(s, "fake"), 250, "%s", sg_jtext(s));
	cr_expect_eq(row_count(s, "deny"), 0, "%s", sg_jtext(s));

	rows = stat_rows(sg_ctl_json("stats", NULL));
	row = sg_jsonl_find(rows, "syscall", "getppid", NULL);
	cr_assert_not_null(row, "no getppid row: %s", sg_jtext(rows));
	cr_expect_eq(row_count(row, "fake"), 250, "%s", sg_jtext(row));
	cr_expect_eq(row_count(row, "allow"), 0, "%s", sg_jtext(row));
	cr_expect_str_eq(sg_jstr(row, "arch"), "x86_64", "%s", sg_jtext(row));

	rows = stat_rows(sg_ctl_json("stats", "--session", sg_strf("%lld", (long long)id), NULL));
	row = sg_jsonl_find(rows, "syscall", "getppid", NULL);
	cr_expect(row && row_count(row, "fake") == 250, "%s", sg_jtext(rows));

	finish(p, "9");
}

Test(sessions, daemon_death_fails_closed)
{
	const char *pol = sg_policy("live", "version 1\ndefault allow\ngetppid fake 5\n");
	const char *ready = sg_strf("%s/ready", sg_dir());
	struct sg_proc *p = start_waiter(pol, "5", ready);
	struct sg_result *r;

	sg_wait_file(ready);
	/* the daemon crashes while the session runs: the routed call must not be allowed */
	sg_daemon_kill();
	close(p->stdin_fd);
	p->stdin_fd = -1;
	r = sg_wait(p);
	cr_expect(strstr(r->out, "before wait = 5 "), "%s", r->out);
	if (strcmp(sg_mechanism(), "trace") == 0) {
		/* the tracer's exit kills its tracees (PTRACE_O_EXITKILL) */
		sg_assert_exit(r, 128 + SIGKILL);
		cr_expect(!strstr(r->out, "after wait"), "%s", r->out);
		return;
	}
	sg_assert_exit(r, 1);
	cr_expect(strstr(r->out, "after wait = -1 errno=ENOSYS "), "%s", r->out);
}

Test(sessions, daemon_shutdown_fails_closed)
{
	const char *pol = sg_policy("live", "version 1\ndefault allow\ngetppid fake 5\n");
	const char *ready = sg_strf("%s/ready", sg_dir());
	struct sg_proc *p = start_waiter(pol, "5", ready);
	struct sg_result *r;
	int status;

	sg_wait_file(ready);
	/* a clean SIGTERM ends the running session: its routed calls must not be allowed after */
	status = sg_daemon_stop();
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "sysgated: %s\n%s",
		  sg_status_str(status), sg_daemon_stderr());
	close(p->stdin_fd);
	p->stdin_fd = -1;
	r = sg_wait(p);
	cr_expect(strstr(r->out, "before wait = 5 "), "%s", r->out);
	cr_expect_eq(sg_audit_count("event", "session-end", NULL), 1, "%s", sg_jtext(sg_audit()));
	if (strcmp(sg_mechanism(), "trace") == 0) { /* the ended session's tracees are killed */
		sg_assert_exit(r, 128 + SIGKILL);
		cr_expect(!strstr(r->out, "after wait"), "%s", r->out);
		return;
	}
	sg_assert_exit(r, 1);
	cr_expect(strstr(r->out, "after wait = -1 errno=ENOSYS "), "%s", r->out);
}

Test(sessions, starting_exec_is_continued_even_when_exec_is_denied)
{
	const char *pol = sg_policy("noexec", "version 1\n"
					      "default allow\n"
					      "execve, execveat deny EPERM\n");
	struct sg_result *r = sg_shim(pol, sg_target("do_exec"), "EPERM", "/bin/true", NULL);
	json_object *rec;

	/* sysgate-run's own exec of do_exec went through; do_exec's exec did not */
	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "exec=-1 errno=EPERM\n");
	cr_assert_eq(sg_audit_wait_n(1, "event", "session-end", NULL), 1);
	cr_expect_eq(sg_audit_count("event", "syscall", NULL), 1, "%s", sg_jtext(sg_audit()));
	rec = sg_audit_find("event", "syscall", "syscall", "execve", NULL);
	cr_assert_not_null(rec, "%s", sg_jtext(sg_audit()));
	cr_expect_str_eq(sg_jstr(rec, "verdict"), "deny", "%s", sg_jtext(rec));
	cr_expect_str_eq(sg_jstr(rec, "errno_name"), "EPERM", "%s", sg_jtext(rec));
	cr_expect_str_eq(sg_jstr(rec, "comm"), "do_exec", "%s", sg_jtext(rec));
}

Test(sessions, an_exec_after_one_the_kernel_allowed_is_decided_by_the_policy)
{
	/* sysgate-run's execve is allowed in the kernel; execveat is routed */
	const char *pol = sg_policy("noexecat", "version 1\n"
						"default allow\n"
						"execveat deny EPERM\n");
	struct sg_result *r = sg_shim(pol, sg_target("do_exec"), "--at", "EPERM", "/bin/true",
				      NULL);

	/* do_exec's execveat is its session's first routed call, not the command's start */
	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "exec=-1 errno=EPERM\n");
	cr_expect_not_null(sg_audit_wait("event", "syscall", "syscall", "execveat", "verdict",
					 "deny", NULL), "%s", sg_jtext(sg_audit()));
}

Test(sessions, starting_exec_is_recorded_when_a_rule_says_log)
{
	sg_skip_mechanism("trap", "the preload library starts after the exec: there is no "
			  "routed starting exec to record");
	const char *pol = sg_policy("logexec", "version 1\n"
					       "default allow\n"
					       "execve allow log\n");
	struct sg_result *r = sg_shim(pol, sg_target("exit_with"), "0", NULL);
	json_object *rec;

	sg_assert_exit(r, 0);
	rec = sg_audit_wait("event", "syscall", "syscall", "execve", NULL);
	cr_assert_not_null(rec, "the logged exec was not recorded:\n%s", sg_jtext(sg_audit()));
	cr_expect_str_eq(sg_jstr(rec, "verdict"), "allow", "%s", sg_jtext(rec));
	cr_expect(sg_rule_is(rec, pol, 3), "%s", sg_jtext(rec));
}

Test(sessions, users_see_only_their_own_sessions)
{
	const char *pol = sg_policy("live", "version 1\ndefault allow\ngetppid fake 5\n");
	const char *udir = sg_strf("%s/nobody", sg_dir());
	const char *rr = sg_strf("%s/ready-root", sg_dir()), *rn = sg_strf("%s/ready", udir);
	struct sg_opts on = { .stdin_pipe = true, .as_nobody = true };
	const char *list_args[] = { sg_ctl_path(), "-s", sg_sock(), "--json", "sessions", NULL };
	struct sg_opts onc = { .as_nobody = true };
	struct sg_proc *root, *user;
	struct sg_result *r;
	json_object *doc, *mine;
	long pid_root, pid_user;
	int64_t uid = -1;

	if (geteuid() != 0)
		sg_skip("needs root to run a session as another user");
	cr_assert_eq(mkdir(udir, 0700), 0);
	cr_assert_eq(chown(udir, SG_NOBODY, SG_NOBODY), 0);
	root = start_waiter(pol, "5", rr);
	user = sg_spawn(sg_shim_argv(pol, sg_target("waiter"), "-v", "5", "-r", rn, NULL), &on);
	pid_root = ready_pid(rr);
	pid_user = ready_pid(rn);

	/* root sees both */
	doc = list_sessions();
	cr_expect_eq(json_object_array_length(doc), 2, "%s", sg_jtext(doc));
	mine = sg_jsonl_find(doc, "pid", sg_strf("%ld", pid_user), NULL);
	cr_expect(mine && sg_jint(mine, "uid", &uid) && uid == SG_NOBODY, "%s", sg_jtext(doc));

	/* the user sees only its own */
	r = sg_run(list_args, &onc);
	sg_assert_exit(r, 0);
	doc = sg_json_parse(r->out, r->cmd);
	cr_expect_eq(json_object_array_length(doc), 1, "uid %d sees: %s", SG_NOBODY, r->out);
	cr_expect_not_null(sg_jsonl_find(doc, "pid", sg_strf("%ld", pid_user), NULL), "%s",
			   r->out);
	cr_expect_null(sg_jsonl_find(doc, "pid", sg_strf("%ld", pid_root), NULL), "%s", r->out);

	finish(root, "5");
	finish(user, "5");
}

Test(sessions, a_command_that_makes_no_routed_call_is_listed_running)
{
	/* default allow: the kernel allows the exec and everything the waiter does */
	const char *pol = sg_policy("quiet", "version 1\ndefault allow\ngetppid fake 1\n");
	const char *ready = sg_strf("%s/ready", sg_dir());
	struct sg_opts o = { .stdin_pipe = true };
	struct sg_proc *p = sg_spawn(sg_shim_argv(pol, sg_target("waiter"), "-r", ready, NULL), &o);
	long pid = ready_pid(ready);
	json_object *list = list_sessions(), *s;
	struct sg_result *r;
	const char *row;

	s = sg_jsonl_find(list, "pid", sg_strf("%ld", pid), NULL);
	cr_assert_not_null(s, "no session for pid %ld: %s", pid, sg_jtext(list));
	cr_expect_eq(row_count(s, "allow") + row_count(s, "fake"), 0, "a call was routed: %s",
		     sg_jtext(s));
	cr_expect_str_eq(sg_jstr(s, "state"), "running", "%s", sg_jtext(s));
	r = sg_ctl("sessions", NULL);
	sg_assert_exit(r, 0);
	row = strstr(r->out, sg_strf(" %ld ", pid));
	cr_expect(row && strstr(row, " running "), "%s", r->out);
	close(p->stdin_fd);
	p->stdin_fd = -1;
	sg_assert_exit(sg_wait(p), 0);
}

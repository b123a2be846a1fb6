/*
 * SPDX-License-Identifier: MIT
 *
 * sysgatectl against a real daemon: status, the log (backlog and follow), what
 * a non-root user may see (invariant 6), policy linting; and the daemon's own
 * clean shutdown.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

TestSuite(client, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 60);

static const char *deny_policy(void)
{
	return sg_policy("wronly", "version 1\n"
				   "default allow\n"
				   "openat deny EACCES if arg2 & 3 == 1\n");
}

/* Run do_open O_WRONLY under the deny policy: one deny record. */
static void make_deny_record(void)
{
	const char *file = sg_write_file("file", "x\n", 0644);
	struct sg_result *r = sg_shim(deny_policy(), sg_target("do_open"), file, "O_WRONLY",
				      "EACCES", NULL);

	sg_assert_exit(r, 0);
}

Test(client, status_describes_the_daemon)
{
	struct sg_result *r = sg_ctl("status", NULL);
	json_object *st;
	int64_t v;

	sg_assert_exit(r, 0);
	cr_expect_neq(r->out[0], '\0', "status printed nothing");
	cr_expect(strstr(r->out, sg_strf("%d", (int)sg_daemon_pid())), "no daemon pid in:\n%s",
		  r->out);
	st = sg_ctl_json("status", NULL);
	cr_expect(sg_jint(st, "pid", &v) && v == sg_daemon_pid(), "%s", sg_jtext(st));
	cr_expect(sg_jint(st, "sessions", &v) && v == 0, "%s", sg_jtext(st));
	cr_expect_not_null(sg_jstr(st, "version"), "%s", sg_jtext(st));

	make_deny_record();
	cr_assert_not_null(sg_audit_wait("event", "session-end", NULL));
	st = sg_ctl_json("status", NULL);
	cr_expect(sg_jint(st, "notifications", &v) && v >= 1, "%s", sg_jtext(st));
	cr_expect(sg_jint(st, "records", &v) && v >= 3, "start, deny, end: %s", sg_jtext(st));
	cr_expect(sg_jint(st, "records_failed", &v) && v == 0, "%s", sg_jtext(st));
}

Test(client, log_prints_the_backlog)
{
	json_object *recs, *rec, *logged;
	struct sg_result *r;

	make_deny_record();
	logged = sg_audit_wait("event", "syscall", "verdict", "deny", NULL);
	cr_assert_not_null(logged, "no deny record in the audit log:\n%s", sg_jtext(sg_audit()));

	r = sg_ctl("--json", "log", NULL);
	sg_assert_exit(r, 0);
	recs = sg_jsonl_parse(r->out, "sysgatectl --json log");
	rec = sg_jsonl_find(recs, "event", "syscall", "verdict", "deny", NULL);
	cr_assert_not_null(rec, "no deny record in:\n%s", r->out);
	/* exactly the daemon's record */
	cr_expect(json_object_equal(rec, logged), "log: %s\naudit log: %s", sg_jtext(rec),
		  sg_jtext(logged));

	r = sg_ctl("log", NULL);
	sg_assert_exit(r, 0);
	cr_expect(strstr(r->out, "openat") && strstr(r->out, "deny") && strstr(r->out, "EACCES"),
		  "human log lacks the deny:\n%s", r->out);
}

/* Wait (bounded) until the follower's output has a record of session id. */
static json_object *wait_followed(struct sg_proc *p, int64_t session)
{
	json_object *rec = NULL;

	for (int i = 0; i < SG_WAIT_MS / 10 && !rec; i++) {
		char *out = sg_read_file(p->out_path);
		char *last = out ? strrchr(out, '\n') : NULL;

		if (last) {
			last[1] = '\0';
			rec = sg_jsonl_find(sg_jsonl_parse(out, "log -f"), "event", "syscall",
					    "session", sg_strf("%lld", (long long)session), NULL);
		}
		if (!rec)
			usleep(10000);
	}
	return rec;
}

Test(client, log_follow_streams_new_records)
{
	const char *argv[] = { sg_ctl_path(), "-s", sg_sock(), "--json", "log", "-f", NULL };
	struct sg_proc *follow;
	struct sg_result *r;

	make_deny_record();
	follow = sg_spawn(argv, NULL);
	/* the backlog arrives first: then the follower is surely subscribed */
	cr_assert_not_null(wait_followed(follow, sg_session_id(0)),
			   "log -f did not print the backlog:\n%s", sg_read_file(follow->out_path));
	make_deny_record();
	cr_assert_eq(sg_audit_wait_n(2, "event", "session-start", NULL), 2);
	cr_expect_not_null(wait_followed(follow, sg_session_id(1)),
			   "log -f did not stream the new record:\n%s",
			   sg_read_file(follow->out_path));
	kill(follow->pid, SIGTERM);
	r = sg_wait(follow);
	cr_expect(sg_exited(r, 0), "log -f on SIGTERM: %s\n%s", sg_status_str(r->status), r->err);
}

/* A session owned by root that stays alive until its stdin closes. */
static struct sg_proc *root_session(int64_t *ret_id)
{
	const char *ready = sg_strf("%s/ready", sg_dir());
	struct sg_opts o = { .stdin_pipe = true };
	const char *pol = sg_policy("live", "version 1\ndefault allow\ngetppid fake 5\n");
	struct sg_proc *p = sg_spawn(sg_shim_argv(pol, sg_target("waiter"), "-v", "5", "-r", ready,
						  NULL),
				     &o);
	json_object *list;

	sg_wait_file(ready);
	list = sg_ctl_json("sessions", NULL);
	cr_assert_eq(json_object_array_length(list), 1, "root sees: %s", sg_jtext(list));
	cr_assert(sg_jint(json_object_array_get_idx(list, 0), "id", ret_id), "%s",
		  sg_jtext(list));
	return p;
}

Test(client, non_root_sees_none_of_roots_sessions)
{
	const char *list_args[] = { "--json", "sessions", NULL };
	const char *stats_args[] = { "--json", "stats", NULL };
	const char *log_args[] = { "--json", "log", NULL };
	struct sg_result *r;
	struct sg_proc *p;
	json_object *doc;
	int64_t id;

	if (geteuid() != 0)
		sg_skip("needs root to run a client as another user");
	p = root_session(&id);

	r = sg_ctl_as_nobody(list_args);
	sg_assert_exit(r, 0);
	doc = sg_json_parse(r->out, r->cmd);
	cr_expect(json_object_is_type(doc, json_type_array) && json_object_array_length(doc) == 0,
		  "uid %d sees root's sessions: %s", SG_NOBODY, r->out);

	{
		const char *one[] = { "--json", "session", sg_strf("%lld", (long long)id), NULL };

		r = sg_ctl_as_nobody(one);
		cr_expect(WIFEXITED(r->status) && WEXITSTATUS(r->status) != 0,
			  "uid %d got root's session %lld: %s\n%s", SG_NOBODY, (long long)id,
			  sg_status_str(r->status), r->out);
		cr_expect_neq(r->err[0], '\0', "no error message");
	}
	r = sg_ctl_as_nobody(stats_args);
	sg_assert_exit(r, 0);
	doc = sg_json_parse(r->out, r->cmd);
	cr_expect(json_object_array_length(doc) == 0, "uid %d sees root's stats: %s", SG_NOBODY,
		  r->out);
	r = sg_ctl_as_nobody(log_args);
	sg_assert_exit(r, 0);
	cr_expect_eq(json_object_array_length(sg_jsonl_parse(r->out, r->cmd)), 0,
		     "uid %d sees root's records:\n%s", SG_NOBODY, r->out);

	/* root still sees it, by id too */
	r = sg_ctl("--json", "session", sg_strf("%lld", (long long)id), NULL);
	sg_assert_exit(r, 0);
	{
		int64_t got = 0;

		cr_expect(sg_jint(sg_json_parse(r->out, r->cmd), "id", &got) && got == id, "%s",
			  r->out);
	}
	close(p->stdin_fd);
	p->stdin_fd = -1;
	sg_assert_exit(sg_wait(p), 0);
}

/* A session owned by uid 65534, alive until its stdin closes, with one decided call. */
static struct sg_proc *nobody_session(void)
{
	const char *dir = sg_strf("%s/nobody", sg_dir()), *ready = sg_strf("%s/ready", dir);
	struct sg_opts o = { .stdin_pipe = true, .as_nobody = true };
	const char *pol = sg_policy("mine", "version 1\ndefault allow\ngetppid fake 6\n");
	struct sg_proc *p;

	cr_assert_eq(mkdir(dir, 0777), 0);
	cr_assert_eq(chmod(dir, 0777), 0);
	p = sg_spawn(sg_shim_argv(pol, sg_target("waiter"), "-v", "6", "-r", ready, NULL), &o);
	sg_wait_file(ready);
	return p;
}

/* sysgatectl --json status as uid 65534. */
static json_object *status_as_nobody(void)
{
	const char *args[] = { "--json", "status", NULL };
	struct sg_result *r = sg_ctl_as_nobody(args);

	sg_assert_exit(r, 0);
	return sg_json_parse(r->out, r->cmd);
}

static int64_t count_of(json_object *st, const char *key)
{
	int64_t v = -1;

	cr_assert(sg_jint(st, key, &v), "no %s in %s", key, sg_jtext(st));
	return v;
}

static void session_end(struct sg_proc *p)
{
	close(p->stdin_fd);
	p->stdin_fd = -1;
	sg_assert_exit(sg_wait(p), 0);
}

Test(client, status_shows_a_non_root_user_only_their_own_counts)
{
	struct sg_proc *root, *mine;
	json_object *st;
	int64_t id, all;

	if (geteuid() != 0)
		sg_skip("needs root to run a client as another user");
	root = root_session(&id);

	st = status_as_nobody();
	cr_expect_eq(count_of(st, "sessions"), 0, "%s", sg_jtext(st));
	cr_expect_eq(count_of(st, "notifications"), 0, "root's count shown: %s", sg_jtext(st));
	cr_expect_eq(count_of(st, "records"), 0, "the log's count shown: %s", sg_jtext(st));
	cr_expect_eq(count_of(st, "records_failed"), 0, "%s", sg_jtext(st));

	mine = nobody_session();
	st = sg_ctl_json("status", NULL); /* root: everything */
	all = count_of(st, "notifications");
	cr_expect_geq(all, 2, "%s", sg_jtext(st));
	cr_expect_eq(count_of(st, "sessions"), 2, "%s", sg_jtext(st));
	cr_expect_geq(count_of(st, "records"), 2, "two session-start records: %s", sg_jtext(st));
	st = status_as_nobody();
	cr_expect_eq(count_of(st, "sessions"), 1, "%s", sg_jtext(st));
	cr_expect_geq(count_of(st, "notifications"), 1, "its own call: %s", sg_jtext(st));
	cr_expect_lt(count_of(st, "notifications"), all, "root's calls counted: %s", sg_jtext(st));
	cr_expect_eq(count_of(st, "records"), 0, "%s", sg_jtext(st));

	session_end(mine);
	session_end(root);
}

Test(client, policy_check_points_at_the_error)
{
	const char *bad = sg_policy("bad", "version 1\n"
					   "default allow\n"
					   "openat frobnicate\n");
	const char *good = deny_policy();
	struct sg_result *r = sg_ctl("policy", "check", bad, NULL);
	const char *where = sg_strf("%s:3:8: ", bad), *line, *caret;

	sg_assert_exit(r, 1);
	line = strstr(r->err, where);
	cr_expect_not_null(line, "no '%s' in:\n%s", where, r->err);
	line = strstr(r->err, "\nopenat frobnicate\n");
	cr_assert_not_null(line, "no source line in:\n%s", r->err);
	caret = line + strlen("\nopenat frobnicate\n");
	cr_expect(strncmp(caret, "       ^", 8) == 0, "caret not under column 8:\n%s", r->err);

	r = sg_ctl("policy", "check", good, NULL);
	sg_assert_exit(r, 0);
	r = sg_ctl("policy", "show", good, NULL);
	sg_assert_exit(r, 0);
	cr_expect(strstr(r->out, "openat"), "the filter does not mention openat:\n%s", r->out);
}

Test(client, daemon_stops_cleanly_on_sigterm)
{
	struct stat st;
	int status;

	make_deny_record();
	status = sg_daemon_stop();
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "sysgated on SIGTERM: %s\n%s",
		  sg_status_str(status), sg_daemon_stderr());
	cr_expect(lstat(sg_sock(), &st) < 0 && errno == ENOENT, "%s is left behind", sg_sock());
	/* a session-end was written for every session */
	cr_expect_eq(sg_audit_count("event", "session-start", NULL),
		     sg_audit_count("event", "session-end", NULL), "%s", sg_jtext(sg_audit()));
}

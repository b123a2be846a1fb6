/*
 * SPDX-License-Identifier: MIT
 *
 * sysgatectl policy replay against a real daemon: the records of a real session,
 * read from the daemon's backlog (--session) and from its audit log (--log),
 * decided again with another policy.
 */
#include <string.h>

#include "harness.h"

TestSuite(replay, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 60);

/* Run do_open O_WRONLY under a policy that denies it: one deny record; the session id. */
static int64_t make_deny_session(const char **ret_policy)
{
	const char *file = sg_write_file("file", "x\n", 0644);
	const char *pol = sg_policy("wronly", "version 1\n"
					      "default allow\n"
					      "openat deny EACCES if arg2 & 3 == 1\n");
	struct sg_result *r = sg_shim(pol, sg_target("do_open"), file, "O_WRONLY", "EACCES", NULL);

	sg_assert_exit(r, 0);
	cr_assert_not_null(sg_audit_wait("event", "session-end", NULL));
	cr_assert_not_null(sg_audit_find("event", "syscall", "verdict", "deny", NULL),
			   "no deny record:\n%s", sg_jtext(sg_audit()));
	*ret_policy = pol;
	return sg_session_id(0);
}

Test(replay, session_backlog_shows_what_a_looser_policy_allows)
{
	const char *old, *loose = sg_policy("loose", "version 1\n"
						     "default deny EPERM\n"
						     "openat allow\n");
	int64_t id = make_deny_session(&old);
	struct sg_result *r;
	json_object *o, *changes, *c, *v;

	r = sg_ctl("policy", "replay", loose, "--session", sg_strf("%lld", (long long)id), NULL);
	sg_assert_exit(r, 1);
	cr_expect(strstr(r->out, "openat") && strstr(r->out, "deny EACCES -> allow") &&
		  strstr(r->out, sg_strf("%s:3", loose)),
		  "no changed openat in:\n%s", r->out);
	cr_expect(strstr(r->out, sg_strf("from session %lld)", (long long)id)), "%s", r->out);

	/* The saved audit log tells the same story. */
	r = sg_ctl("--json", "policy", "replay", loose, "--log", sg_audit_path(), NULL);
	sg_assert_exit(r, 1);
	o = sg_json_parse(r->out, "policy replay --json");
	cr_assert(json_object_object_get_ex(o, "changes", &changes));
	cr_assert_eq(json_object_array_length(changes), 1, "%s", r->out);
	c = json_object_array_get_idx(changes, 0);
	cr_expect_str_eq(sg_jstr(c, "syscall"), "openat");
	cr_assert(json_object_object_get_ex(c, "old", &v));
	cr_expect_str_eq(sg_jstr(v, "errno_name"), "EACCES");
	cr_assert(json_object_object_get_ex(c, "new", &v));
	cr_expect_str_eq(sg_jstr(v, "verdict"), "allow");
}

Test(replay, the_same_policy_changes_nothing)
{
	const char *old;
	int64_t id = make_deny_session(&old);
	struct sg_result *r;

	r = sg_ctl("policy", "replay", old, "--session", sg_strf("%lld", (long long)id), NULL);
	sg_assert_exit(r, 0);
	cr_expect(strstr(r->out, "0 of 1 recorded calls would be decided differently"), "%s",
		  r->out);
}

Test(replay, unknown_session_fails_with_exit_2)
{
	struct sg_result *r;
	const char *pol = sg_policy("any", "version 1\ndefault allow\n");

	r = sg_ctl("policy", "replay", pol, "--session", "999", NULL);
	sg_assert_exit(r, 2);
	cr_expect(strstr(r->err, "the daemon holds no records of session 999"), "%s", r->err);
}

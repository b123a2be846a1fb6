/* SPDX-License-Identifier: MIT */
/*
 * Verdicts as the target sees them and as the audit log records them: fake,
 * deny on an argument condition, quiet (in the kernel, unrecorded), log, audit.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

TestSuite(verdicts, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 60);

static unsigned long long arg_value(json_object *rec, unsigned i)
{
	const char *s = sg_jarg(rec, i);

	cr_assert_not_null(s, "no args[%u] in %s", i, sg_jtext(rec));
	return strtoull(s, NULL, 0);
}

Test(verdicts, fake_mknod_succeeds_without_a_node_and_is_logged)
{
	const char *pol = sg_policy("fake", "version 1\n"
					    "default allow\n"
					    "mknod, mknodat fake 0 log\n");
	const char *node = sg_strf("%s/node", sg_dir());
	struct sg_result *r = sg_shim(pol, sg_target("do_mknod"), node, "ok", NULL);
	json_object *rec;
	struct stat st;
	int64_t v;

	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "mknod=0\n");
	cr_expect(lstat(node, &st) < 0 && errno == ENOENT, "the faked mknod created %s", node);
	rec = sg_audit_wait("event", "syscall", "syscall", "mknodat", NULL);
	cr_assert_not_null(rec, "no mknodat record; audit log:\n%s", sg_jtext(sg_audit()));
	cr_expect_str_eq(sg_jstr(rec, "verdict"), "fake", "%s", sg_jtext(rec));
	cr_expect(sg_jint(rec, "value", &v) && v == 0, "%s", sg_jtext(rec));
	cr_expect(sg_rule_is(rec, pol, 3), "rule should be line 3: %s", sg_jtext(rec));
	cr_expect(!sg_jhas(rec, "default"), "%s", sg_jtext(rec));
	cr_expect(!sg_jhas(rec, "errno"), "errno on a fake record: %s", sg_jtext(rec));
	cr_expect_eq(arg_value(rec, 2) & S_IFMT, S_IFCHR, "mode argument: %s", sg_jtext(rec));
	cr_expect_eq(arg_value(rec, 3), 0x103, "dev argument (1:3): %s", sg_jtext(rec));
}

Test(verdicts, deny_on_an_argument_mask_hits_only_write_opens)
{
	const char *pol = sg_policy("wronly", "version 1\n"
					      "default allow\n"
					      "\n"
					      "# write-only opens fail\n"
					      "openat deny EACCES if arg2 & 3 == 1\n");
	const char *file = sg_write_file("file", "x\n", 0644);
	struct sg_result *w, *rd;
	json_object *rec;
	int64_t v;

	w = sg_shim(pol, sg_target("do_open"), file, "O_WRONLY", "EACCES", NULL);
	sg_assert_exit(w, 0);
	cr_expect_str_eq(w->out, "open=-1 errno=EACCES\n");
	rd = sg_shim(pol, sg_target("do_open"), file, "O_RDONLY", "ok", NULL);
	sg_assert_exit(rd, 0);
	cr_expect_str_eq(rd->out, "open=ok\n");

	sg_audit_wait_sessions_ended(2);
	rec = sg_audit_find("event", "syscall", "syscall", "openat", NULL);
	cr_assert_not_null(rec, "no openat record; audit log:\n%s", sg_jtext(sg_audit()));
	cr_expect_str_eq(sg_jstr(rec, "verdict"), "deny", "%s", sg_jtext(rec));
	cr_expect_str_eq(sg_jstr(rec, "errno_name"), "EACCES", "%s", sg_jtext(rec));
	cr_expect(sg_jint(rec, "errno", &v) && v == EACCES, "%s", sg_jtext(rec));
	cr_expect(sg_rule_is(rec, pol, 5), "rule should be line 5: %s", sg_jtext(rec));
	cr_expect_eq(arg_value(rec, 2) & 3, 1, "flags argument: %s", sg_jtext(rec));
	cr_expect(!sg_jhas(rec, "default"), "%s", sg_jtext(rec));
	/* the read-only open (and the loader's) stayed in the kernel: one record only */
	cr_expect_eq(sg_audit_count("event", "syscall", NULL), 1, "audit log:\n%s",
		     sg_jtext(sg_audit()));
}

Test(verdicts, quiet_deny_fails_the_call_without_a_record)
{
	const char *pol = sg_policy("quiet", "version 1\n"
					     "default allow\n"
					     "openat deny EACCES if arg2 & 3 == 1 quiet\n");
	const char *file = sg_write_file("file", "x\n", 0644);
	struct sg_result *r = sg_shim(pol, sg_target("do_open"), file, "O_WRONLY", "EACCES", NULL);

	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "open=-1 errno=EACCES\n");
	sg_audit_wait_sessions_ended(1);
	cr_expect_eq(sg_audit_count("event", "syscall", NULL), 0, "audit log:\n%s",
		     sg_jtext(sg_audit()));
}

Test(verdicts, allowed_call_is_recorded_only_with_log)
{
	const char *plain = sg_policy("plain", "version 1\n"
					       "default allow\n"
					       "mknodat allow\n");
	const char *logged = sg_policy("logged", "version 1\n"
						 "default allow\n"
						 "mknodat allow log\n");
	const char *n1 = sg_strf("%s/n1", sg_dir()), *n2 = sg_strf("%s/n2", sg_dir());
	struct sg_result *r;
	json_object *rec;
	struct stat st;
	int64_t s1 = 0;

	if (geteuid() != 0)
		sg_skip("needs root: the allowed mknod really makes a device node");
	r = sg_shim(plain, sg_target("do_mknod"), n1, "ok", NULL);
	sg_assert_exit(r, 0);
	cr_expect(lstat(n1, &st) == 0 && S_ISCHR(st.st_mode), "the allowed mknod made no node");
	r = sg_shim(logged, sg_target("do_mknod"), n2, "ok", NULL);
	sg_assert_exit(r, 0);
	cr_expect(lstat(n2, &st) == 0 && S_ISCHR(st.st_mode), "the allowed mknod made no node");

	sg_audit_wait_sessions_ended(2);
	cr_expect_eq(sg_audit_count("event", "syscall", NULL), 1, "audit log:\n%s",
		     sg_jtext(sg_audit()));
	rec = sg_audit_find("event", "syscall", "syscall", "mknodat", NULL);
	cr_assert_not_null(rec, "no record for the logged mknodat:\n%s", sg_jtext(sg_audit()));
	cr_expect_str_eq(sg_jstr(rec, "verdict"), "allow", "%s", sg_jtext(rec));
	cr_expect(sg_rule_is(rec, logged, 3), "%s", sg_jtext(rec));
	/* and it belongs to the second session */
	cr_expect(sg_jint(rec, "session", &s1) && s1 == sg_session_id(1), "%s", sg_jtext(rec));
}

Test(verdicts, audit_rule_allows_and_records_the_would_be_deny)
{
	const char *pol = sg_policy("audit", "version 1\n"
					     "default allow\n"
					     "openat deny EACCES if arg2 & 3 == 1 audit\n");
	const char *file = sg_write_file("file", "x\n", 0644);

	sg_expect_audited_open(sg_shim(pol, sg_target("do_open"), file, "O_WRONLY", "ok", NULL),
			       pol, 3);
}

Test(verdicts, errno_action_and_bare_deny)
{
	const char *pol = sg_policy("errno", "version 1\n"
					     "default allow\n"
					     "openat errno ENOSPC if arg2 & 3 == 1\n"
					     "openat deny if arg2 & 3 == 2\n");
	const char *file = sg_write_file("file", "x\n", 0644);
	struct sg_result *r;
	json_object *rec;

	r = sg_shim(pol, sg_target("do_open"), file, "O_WRONLY", "ENOSPC", NULL);
	sg_assert_exit(r, 0);
	r = sg_shim(pol, sg_target("do_open"), file, "O_RDWR", "EPERM", NULL);
	sg_assert_exit(r, 0);
	sg_audit_wait_sessions_ended(2);
	rec = sg_audit_find("event", "syscall", "errno_name", "ENOSPC", NULL);
	cr_expect(rec && strcmp(sg_jstr(rec, "verdict"), "deny") == 0, "%s",
		  sg_jtext(sg_audit()));
	rec = sg_audit_find("event", "syscall", "errno_name", "EPERM", NULL);
	cr_expect(rec && strcmp(sg_jstr(rec, "verdict"), "deny") == 0, "%s",
		  sg_jtext(sg_audit()));
}

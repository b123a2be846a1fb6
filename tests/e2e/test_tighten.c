/* SPDX-License-Identifier: MIT */
/* Gradual tightening (issue 7): audit mode, by policy directive and by sysgate-run --audit. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "harness.h"

TestSuite(tighten, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 60);

#define DENY_WRITE_OPENS "openat deny EACCES if arg2 & 3 == 1\n"

/* The open succeeded and its record says audit with the would-be errno and rule line. */
static void expect_audited_open(struct sg_result *r, const char *pol, unsigned line)
{
	json_object *rec;
	int64_t v;

	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "open=ok\n");
	rec = sg_audit_wait("event", "syscall", "syscall", "openat", NULL);
	cr_assert_not_null(rec, "no openat record; audit log:\n%s", sg_jtext(sg_audit()));
	cr_expect(sg_jtrue(rec, "audit"), "no \"audit\": true in %s", sg_jtext(rec));
	cr_expect_str_eq(sg_jstr(rec, "verdict"), "deny", "%s", sg_jtext(rec));
	cr_expect(sg_jint(rec, "errno", &v) && v == EACCES, "%s", sg_jtext(rec));
	cr_expect(sg_rule_is(rec, pol, line), "%s", sg_jtext(rec));
}

Test(tighten, mode_audit_allows_and_records_the_would_be_deny)
{
	const char *pol = sg_policy("modeaudit", "version 1\nmode audit\ndefault allow\n"
						 DENY_WRITE_OPENS);
	const char *file = sg_write_file("file", "x\n", 0644);

	expect_audited_open(sg_shim(pol, sg_target("do_open"), file, "O_WRONLY", "ok", NULL), pol,
			    4);
	/* allowed calls stay silent: the only syscall record is the openat */
	cr_expect_eq(sg_audit_count("event", "syscall", NULL), 1, "%s", sg_jtext(sg_audit()));
}

Test(tighten, audit_flag_allows_what_the_same_policy_denies_otherwise)
{
	const char *pol = sg_policy("enforce", "version 1\ndefault allow\n" DENY_WRITE_OPENS);
	const char *file = sg_write_file("file", "x\n", 0644);
	const char *argv[] = { sg_run_path(), "-s", sg_sock(), "-m", sg_mechanism(), "--audit",
			       "-p", pol, "--", sg_target("do_open"), file, "O_WRONLY", "ok",
			       NULL };
	struct sg_result *r;

	expect_audited_open(sg_run(argv, NULL), pol, 3);
	/* without --audit the same policy denies */
	r = sg_shim(pol, sg_target("do_open"), file, "O_WRONLY", "ok", NULL);
	cr_expect(strstr(r->out, "open=ok") == NULL, "the open was not denied: %s", r->out);
	cr_expect_eq(sg_audit_count("event", "syscall", "syscall", "openat", "errno", "13", NULL), 2,
		     "%s", sg_jtext(sg_audit()));
}

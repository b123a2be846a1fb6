/*
 * SPDX-License-Identifier: MIT
 *
 * Invariant 3: the i386 entry of a 64-bit process (int 0x80) is covered by
 * the same policy as the native one; it cannot be used to slip past a rule.
 */
#include "harness.h"

TestSuite(arches, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 60);

Test(arches, int80_call_gets_the_policy_verdict)
{
	const char *pol = sg_policy("fake", "version 1\n"
					    "default allow\n"
					    "getppid fake 4242\n");
	struct sg_result *r = sg_shim(pol, sg_target("compat"), "4242", NULL);
	json_object *rec;
	int64_t nr;

	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "int80 getppid=4242\n");
	rec = sg_audit_wait("event", "syscall", "syscall", "getppid", NULL);
	cr_assert_not_null(rec, "no getppid record:\n%s", sg_jtext(sg_audit()));
	cr_expect_str_eq(sg_jstr(rec, "arch"), "x86", "%s", sg_jtext(rec));
	cr_expect(sg_jint(rec, "nr", &nr) && nr == 64, "i386 getppid is 64: %s", sg_jtext(rec));
	cr_expect_str_eq(sg_jstr(rec, "verdict"), "fake", "%s", sg_jtext(rec));
}

Test(arches, int80_call_is_denied_by_a_native_rule)
{
	const char *pol = sg_policy("deny", "version 1\n"
					    "default allow\n"
					    "getppid deny EACCES\n");
	struct sg_result *r = sg_shim(pol, sg_target("compat"), "-13", NULL);

	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "int80 getppid=-13\n");
	cr_expect_not_null(sg_audit_wait("event", "syscall", "arch", "x86", "syscall", "getppid",
					 "errno_name", "EACCES", NULL),
			   "%s", sg_jtext(sg_audit()));
}

Test(arches, int80_call_is_killed_by_a_kill_rule)
{
	const char *pol = sg_policy("kill", "version 1\n"
					    "default allow\n"
					    "getppid kill\n");
	struct sg_result *r = sg_shim(pol, sg_target("compat"), "0", NULL);

	sg_assert_exit(r, 128 + 9);
	cr_expect_eq(r->out[0], '\0', "it ran on: %s", r->out);
	cr_expect_not_null(sg_audit_wait("event", "syscall", "arch", "x86", "syscall", "getppid",
					 "verdict", "kill", NULL),
			   "%s", sg_jtext(sg_audit()));
}

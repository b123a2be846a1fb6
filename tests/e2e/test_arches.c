/*
 * SPDX-License-Identifier: MIT
 *
 * Invariant 3: the i386 entry of a 64-bit process (int 0x80) is covered by
 * the same policy as the native one; it cannot be used to slip past a rule.
 */
#include <signal.h>
#include <unistd.h>

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

	sg_assert_exit(r, 128 + SIGSYS); /* the policy killed it */
	cr_expect_eq(r->out[0], '\0', "it ran on: %s", r->out);
	cr_expect_not_null(sg_audit_wait("event", "syscall", "arch", "x86", "syscall", "getppid",
					 "verdict", "kill", NULL),
			   "%s", sg_jtext(sg_audit()));
}

/* The -m32 helper, or skip: it is built only when the compiler can (gcc-multilib). */
static const char *i386_helper(void)
{
	const char *path = sg_target("i386_getppid");

	sg_skip_mechanism("trap", "LD_PRELOAD cannot reach an i386 program (sysgate-run refuses "
			  "it with 125: test_trap checks that)");
	if (access(path, X_OK) != 0)
		sg_skip("no i386 helper: the compiler cannot build static -m32 programs "
			"(install gcc-multilib)");
	return path;
}

/* The i386 program under `getppid RULE` prints OUT and is recorded with KEY = VALUE. */
static void i386_verdict(const char *rule, const char *expect, const char *key,
			 const char *value)
{
	const char *pol = sg_policy("i386", sg_strf("version 1\ndefault allow\ngetppid %s\n", rule));
	struct sg_result *r = sg_shim(pol, i386_helper(), expect, NULL);

	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, sg_strf("i386 getppid=%s\n", expect));
	cr_expect_not_null(sg_audit_wait("event", "syscall", "arch", "x86", "syscall", "getppid",
					 key, value, NULL),
			   "%s", sg_jtext(sg_audit()));
}

Test(arches, i386_program_gets_the_native_fake)
{
	i386_verdict("fake 4242", "4242", "verdict", "fake");
}

Test(arches, i386_program_gets_the_native_deny)
{
	i386_verdict("deny EACCES", "-13", "errno_name", "EACCES");
}

Test(arches, i386_program_is_killed_by_a_kill_rule)
{
	const char *pol = sg_policy("kill", "version 1\n"
					    "default allow\n"
					    "getppid kill\n");
	struct sg_result *r = sg_shim(pol, i386_helper(), "0", NULL);

	sg_assert_exit(r, 128 + SIGSYS); /* the policy killed it */
	cr_expect_eq(r->out[0], '\0', "it ran on: %s", r->out);
}

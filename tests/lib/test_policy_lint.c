/* SPDX-License-Identifier: MIT */
/* lib/policy_lint.c: the warnings of policy check, each with its line and column. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "policy_tools.h"

static size_t lint(const char *text, struct sg_lint **ret)
{
	struct sg_policy_error e = { 0 };
	struct sg_policy *p = NULL;
	size_t n = 99;

	cr_assert_eq(policy_parse(text, strlen(text), "t", &p, &e), 0, "%u:%u: %s", e.line, e.col,
		     e.msg);
	cr_assert_eq(policy_lint(p, ret, &n), 0);
	policy_free(p);
	return n;
}

#define BASE "version 1\ndefault deny EPERM\nexecve, exit_group allow\n" /* lines 1-3 */

Test(policy_lint, a_clean_policy_has_no_warning)
{
	struct sg_lint *w = NULL;

	cr_assert_eq(lint(BASE "openat allow if arg2 & 3 == 0\nopenat deny EACCES\n", &w), 0,
		     "%s", w ? w[0].msg : "");
	cr_expect_null(w);
}

Test(policy_lint, rule_after_an_unconditional_rule_is_shadowed)
{
	struct sg_lint *w = NULL;

	cr_assert_eq(lint(BASE "read allow\nwrite allow\n  read kill\n", &w), 1);
	cr_expect_eq(w[0].line, 6);
	cr_expect_eq(w[0].col, 3);
	cr_expect(strstr(w[0].msg, "rule for 'read' can never match: the rule on line 4"), "%s",
		  w[0].msg);
	free(w);
}

Test(policy_lint, same_conditions_shadow_but_other_conditions_do_not)
{
	struct sg_lint *w = NULL;

	cr_assert_eq(lint(BASE "ioctl deny if arg1 == 5\nioctl allow if arg1 == 6\n"
			  "ioctl kill if arg1 == 5\n", &w), 1);
	cr_expect_eq(w[0].line, 6);
	cr_expect(strstr(w[0].msg, "same conditions"), "%s", w[0].msg);
	free(w);
}

Test(policy_lint, syscall_missing_on_a_policy_arch)
{
	struct sg_lint *w = NULL;

	/* tuxcall exists on x86_64 only */
	cr_assert_eq(lint("version 1\narch x86_64 x86\ndefault deny EPERM\n"
			  "execve, exit_group allow\ntuxcall allow\n", &w), 1);
	cr_expect_eq(w[0].line, 5);
	cr_expect_eq(w[0].col, 1);
	cr_expect_str_eq(w[0].msg, "syscall 'tuxcall' does not exist on x86: its rules have "
				   "no effect there");
	free(w);
}

Test(policy_lint, multiplexed_call_with_conditions_on_x86)
{
	struct sg_lint *w = NULL;

	cr_assert_eq(lint("version 1\narch x86\ndefault deny EPERM\nexecve, exit_group allow\n"
			  "accept allow\n", &w), 0);
	cr_assert_eq(lint("version 1\narch x86\ndefault deny EPERM\nexecve, exit_group allow\n"
			  "accept allow if arg0 == 3\n", &w), 1);
	cr_expect(strstr(w[0].msg, "only through socketcall(2)/ipc(2)"), "%s", w[0].msg);
	free(w);
}

Test(policy_lint, execve_not_allowed)
{
	struct sg_lint *w = NULL;

	cr_assert_eq(lint("version 1\ndefault deny EPERM\nexit_group allow\n", &w), 1);
	cr_expect_eq(w[0].line, 2);
	cr_expect(strstr(w[0].msg, "execve is not allowed (default deny EPERM): the daemon lets "
			 "sysgate-run's own exec"), "%s", w[0].msg);
	free(w);
	cr_assert_eq(lint("version 1\ndefault allow\nexecve deny EACCES if arg0 == 0\n"
			  "execve kill\n", &w), 1);
	cr_expect_eq(w[0].line, 4);
	cr_expect(strstr(w[0].msg, "execve is not allowed (kill)"), "%s", w[0].msg);
	free(w);
	/* allowed under a condition: no warning */
	cr_assert_eq(lint("version 1\ndefault allow\nexecve allow if arg0 == 0\nexecve kill\n",
			  &w), 0);
}

Test(policy_lint, blocking_default_without_exit_group)
{
	struct sg_lint *w = NULL;

	cr_assert_eq(lint("version 1\ndefault kill\nexecve allow\n", &w), 1);
	cr_expect_eq(w[0].line, 2);
	cr_expect_str_eq(w[0].msg, "default kill without 'exit_group' allowed: the program is "
				   "killed when it exits");
	free(w);
	cr_assert_eq(lint("version 1\ndefault deny\nexecve allow\nexit_group deny EIO\n", &w), 1);
	cr_expect_str_eq(w[0].msg, "default deny EPERM without 'exit_group' allowed: the program "
				   "cannot exit normally");
	free(w);
	/* fake is not deny/kill; an audit default enforces nothing */
	cr_assert_eq(lint("version 1\ndefault deny audit\nexecve allow\n", &w), 0);
}

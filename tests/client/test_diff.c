/* SPDX-License-Identifier: MIT */
/*
 * client/diff.c: loading a policy for the analysis verbs (called in-process), and
 * sysgatectl policy diff OLD NEW: the table, the rules of a conditions change, the
 * JSON document, and diff(1)'s exit statuses.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "policy.h"
#include "sysgatectl.h"

TestSuite(client_diff, .init = cli_setup, .fini = cli_teardown);

#define OLD_TEXT "version 1\narch x86_64\ndefault deny EPERM\nexecve, exit_group allow\n" \
		 "read allow\nsocket allow\n"
#define NEW_TEXT "version 1\narch x86_64\ndefault deny EPERM\nexecve, exit_group allow\n" \
		 "read deny EACCES\nsocket allow if arg0 == 1\n"

static int run_diff(const char *json, const char *old_text, const char *new_text)
{
	const char *o = cli_write_file("old.policy", old_text);
	const char *n = cli_write_file("new.policy", new_text);
	const char *const args[] = { "policy", "diff", o, n, NULL };
	const char *const jargs[] = { json, "policy", "diff", o, n, NULL };

	return cli_run(json ? jargs : args);
}

Test(client_diff, load_policy_returns_it_with_its_text)
{
	const char *path = cli_write_policy("version 1\ndefault allow\nread kill\n");
	struct sg_policy *p = NULL;
	char *text = NULL;

	cli_capture_stderr();
	cr_assert_eq(ctl_load_policy(path, &p, &text), 0);
	cr_expect_str_eq(text, "version 1\ndefault allow\nread kill\n");
	cr_expect_eq(p->n_written, 1);
	cr_expect_str_eq(p->file, path);
	cr_expect_str_eq(cli_stderr(), "");
	policy_free(p);
	free(text);
	p = NULL;
	cr_assert_eq(ctl_load_policy(path, &p, NULL), 0, "without the text");
	policy_free(p);
}

Test(client_diff, load_policy_prints_where_it_fails)
{
	const char *bad = cli_write_policy("version 1\ndefault allow\n\tread frob # x\n");
	struct sg_policy *p = NULL;
	char want[256];

	cli_capture_stderr();
	cr_expect_eq(ctl_load_policy(bad, &p, NULL), -EINVAL);
	cr_expect_null(p);
	snprintf(want, sizeof(want), "%s:3:7: error: unknown action 'frob'\n\tread frob # x\n"
		 "\t     ^\n", bad);
	cr_expect_str_eq(cli_stderr(), want);
	cr_expect_eq(ctl_load_policy("/nonexistent/a.policy", &p, NULL), -ENOENT);
	cr_expect_str_eq(cli_stderr(), "/nonexistent/a.policy: error: cannot open policy: No such "
				       "file or directory\n");
	cr_expect_eq(ctl_load_policy(cli_dir, &p, NULL), -EISDIR);
	snprintf(want, sizeof(want), "%s: error: cannot read policy: Is a directory\n", cli_dir);
	cr_expect_str_eq(cli_stderr(), want);
}

Test(client_diff, table_and_the_rules_of_a_conditions_change_exit_1)
{
	char want[2048], ov[256], nv[256];
	const char *o, *n;
	int wo, wn;

	cr_assert_eq(run_diff(NULL, OLD_TEXT, NEW_TEXT), 1, "stderr: %s", cli_err);
	o = cli_write_file("old.policy", OLD_TEXT);
	n = cli_write_file("new.policy", NEW_TEXT);
	snprintf(ov, sizeof(ov), "allow (%s:5)", o);
	snprintf(nv, sizeof(nv), "deny EACCES (%s:5)", n);
	wo = (int)strlen(ov);
	wn = (int)strlen(nv);
	snprintf(want, sizeof(want),
		 "ARCH    SYSCALL  %-*s  %-*s  CHANGE\n"
		 "x86_64  read     %s  %s  tighter\n"
		 "x86_64  socket   %-*s  %-*s  conditions\n"
		 "\nx86_64 socket: the conditions differ\n"
		 "  %s:6: socket allow\n"
		 "  %s:6: socket allow if arg0 == 0x1\n"
		 "  %s:3: default deny EPERM\n\n2 differences\n",
		 wo, "OLD", wn, "NEW", ov, nv, wo, "(rules below)", wn, "(rules below)", o, n, n);
	cr_expect_str_eq(cli_out, want);
	cr_expect_str_eq(cli_err, "");
}

Test(client_diff, the_default_and_an_arch_covered_by_one_side)
{
	const char *o, *n;
	char want[1024], ov[256], nv[256];

	cr_assert_eq(run_diff(NULL, "version 1\narch x86_64 x86\ndefault allow\n",
			      "version 1\narch x86_64\ndefault kill\n"), 1, "stderr: %s", cli_err);
	o = cli_write_file("old.policy", "version 1\narch x86_64 x86\ndefault allow\n");
	n = cli_write_file("new.policy", "version 1\narch x86_64\ndefault kill\n");
	snprintf(ov, sizeof(ov), "allow (%s:3, default)", o);
	snprintf(nv, sizeof(nv), "kill (%s:3, default)", n);
	snprintf(want, sizeof(want),
		 "ARCH  SYSCALL    %-*s  %-*s  CHANGE\n"
		 "*     (default)  %s  %s  tighter\n"
		 "x86   *          %-*s  %-*s  arch\n\n2 differences\n",
		 (int)strlen(ov), "OLD", (int)strlen(nv), "NEW", ov, nv, (int)strlen(ov),
		 "arch covered", (int)strlen(nv), "arch not covered: kill");
	cr_expect_str_eq(cli_out, want);
}

Test(client_diff, equal_policies_exit_0)
{
	cr_assert_eq(run_diff(NULL, OLD_TEXT, "# the same, written otherwise\n" OLD_TEXT "read kill\n"),
		     0, "stderr: %s", cli_err);
	cr_expect_str_eq(cli_out, "no differences\n");
	cli_forget_output();
	cr_assert_eq(run_diff("--json", OLD_TEXT, OLD_TEXT), 0, "stderr: %s", cli_err);
	cr_expect(strstr(cli_out_json(), "\"differences\":0,\"changes\":[]}"), "%s", cli_out);
}

Test(client_diff, json_document)
{
	const char *o, *n;
	char want[2048];

	cr_assert_eq(run_diff("--json", OLD_TEXT, NEW_TEXT), 1, "stderr: %s", cli_err);
	o = cli_write_file("old.policy", OLD_TEXT);
	n = cli_write_file("new.policy", NEW_TEXT);
	snprintf(want, sizeof(want),
		 "{\"old\":\"%s\",\"new\":\"%s\",\"differences\":2,\"changes\":["
		 "{\"arch\":\"x86_64\",\"syscall\":\"read\",\"nr\":0,\"default\":false,"
		 "\"change\":\"tighter\","
		 "\"old\":{\"covered\":true,\"verdict\":\"allow\",\"text\":\"allow\","
		 "\"rule\":\"%s:5\",\"default\":false},"
		 "\"new\":{\"covered\":true,\"verdict\":\"deny\",\"errno\":13,\"errno_name\":\"EACCES\","
		 "\"text\":\"deny EACCES\",\"rule\":\"%s:5\",\"default\":false}},"
		 "{\"arch\":\"x86_64\",\"syscall\":\"socket\",\"nr\":41,\"default\":false,"
		 "\"change\":\"conditions\","
		 "\"old\":{\"covered\":true,\"rules\":[{\"rule\":\"%s:6\",\"text\":\"socket allow\"}]},"
		 "\"new\":{\"covered\":true,\"rules\":[{\"rule\":\"%s:6\",\"text\":\"socket allow if "
		 "arg0 == 0x1\"},{\"rule\":\"%s:3\",\"text\":\"default deny EPERM\"}]}}]}",
		 o, n, o, n, o, n, n);
	cr_expect_str_eq(cli_out_json(), want);
}

Test(client_diff, a_parse_error_exits_2_with_the_position)
{
	char want[256];

	cr_assert_eq(run_diff(NULL, OLD_TEXT, "version 1\ndefault deny\nread frob\n"), 2);
	snprintf(want, sizeof(want), "%s/new.policy:3:6: error: ", cli_dir);
	cr_expect(strstr(cli_err, want) == cli_err, "stderr: %s", cli_err);
	cr_expect_str_eq(cli_out, "");
}

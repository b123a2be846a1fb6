/* SPDX-License-Identifier: MIT */
/* The built sysgatectl's policy analysis verbs: diff, check warnings, merge (no daemon). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"

static char files[8][192];

/* Write cli_dir/NAME; removed by the suite's fini. */
static const char *put(const char *name, const char *text)
{
	size_t i;
	FILE *f;

	for (i = 0; i < 8 && files[i][0] && strstr(files[i], name) == NULL; i++)
		;
	cr_assert_lt(i, 8);
	snprintf(files[i], sizeof(files[i]), "%s/%s", cli_dir, name);
	f = fopen(files[i], "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	return files[i];
}

static void fini(void)
{
	for (size_t i = 0; i < 8; i++) {
		if (files[i][0])
			unlink(files[i]);
		files[i][0] = '\0';
	}
	cli_teardown();
}

TestSuite(client_analysis, .init = cli_setup, .fini = fini);

#define OLD_TEXT "version 1\narch x86_64\ndefault deny EPERM\nexecve, exit_group allow\n" \
		 "read allow\nsocket allow\n"
#define NEW_TEXT "version 1\narch x86_64\ndefault deny EPERM\nexecve, exit_group allow\n" \
		 "read deny EACCES\nsocket allow if arg0 == 1\n"

Test(client_analysis, diff_prints_a_table_and_exits_1)
{
	const char *o = put("old.policy", OLD_TEXT), *n = put("new.policy", NEW_TEXT);
	const char *const args[] = { "policy", "diff", o, n, NULL };
	char want[1024];

	cr_assert_eq(cli_run(args), 1, "stderr: %s", cli_err);
	cr_expect(strstr(cli_out, "ARCH    SYSCALL  OLD"), "%s", cli_out);
	snprintf(want, sizeof(want), "x86_64  read     allow (%s:5)", o);
	cr_expect(strstr(cli_out, want), "no '%s' in:\n%s", want, cli_out);
	snprintf(want, sizeof(want), "deny EACCES (%s:5)", n);
	cr_expect(strstr(cli_out, want), "no '%s' in:\n%s", want, cli_out);
	cr_expect(strstr(cli_out, "tighter\n"), "%s", cli_out);
	snprintf(want, sizeof(want), "\nx86_64 socket: the conditions differ\n"
		 "  %s:6: socket allow\n"
		 "  %s:6: socket allow if arg0 == 0x1\n"
		 "  %s:3: default deny EPERM\n\n2 differences\n", o, n, n);
	cr_expect(strstr(cli_out, want), "no '%s' in:\n%s", want, cli_out);
	cr_expect_str_eq(cli_err, "");
}

Test(client_analysis, diff_of_equal_policies_exits_0)
{
	const char *o = put("old.policy", OLD_TEXT);
	const char *n = put("new.policy", "# the same, written otherwise\n" OLD_TEXT "read kill\n");
	const char *const args[] = { "policy", "diff", o, n, NULL };

	cr_assert_eq(cli_run(args), 0, "stderr: %s", cli_err);
	cr_expect_str_eq(cli_out, "no differences\n");
}

Test(client_analysis, diff_json)
{
	const char *o = put("old.policy", OLD_TEXT), *n = put("new.policy", NEW_TEXT);
	const char *const args[] = { "--json", "policy", "diff", o, n, NULL };
	struct json_object *doc, *changes, *c, *v;

	cr_assert_eq(cli_run(args), 1, "stderr: %s", cli_err);
	doc = json_tokener_parse(cli_out);
	cr_assert_not_null(doc, "not JSON: %s", cli_out);
	cr_assert(json_object_object_get_ex(doc, "differences", &v));
	cr_expect_eq(json_object_get_int(v), 2);
	cr_assert(json_object_object_get_ex(doc, "changes", &changes));
	c = json_object_array_get_idx(changes, 0);
	cr_assert(json_object_object_get_ex(c, "syscall", &v));
	cr_expect_str_eq(json_object_get_string(v), "read");
	cr_assert(json_object_object_get_ex(c, "change", &v));
	cr_expect_str_eq(json_object_get_string(v), "tighter");
	cr_assert(json_object_object_get_ex(c, "new", &v));
	cr_assert(json_object_object_get_ex(v, "errno_name", &v));
	cr_expect_str_eq(json_object_get_string(v), "EACCES");
	c = json_object_array_get_idx(changes, 1);
	cr_assert(json_object_object_get_ex(c, "new", &v));
	cr_assert(json_object_object_get_ex(v, "rules", &v));
	cr_expect_eq(json_object_array_length(v), 2); /* the conditional rule, the default */
	json_object_put(doc);
}

Test(client_analysis, diff_parse_error_exits_2_with_the_position)
{
	const char *o = put("old.policy", OLD_TEXT);
	const char *n = put("new.policy", "version 1\ndefault deny\nread frob\n");
	const char *const args[] = { "policy", "diff", o, n, NULL };
	char want[256];

	cr_assert_eq(cli_run(args), 2);
	snprintf(want, sizeof(want), "%s:3:6: error: ", n);
	cr_expect(strstr(cli_err, want) == cli_err, "stderr: %s", cli_err);
	cr_expect_str_eq(cli_out, "");
}

Test(client_analysis, diff_usage)
{
	const char *const args[] = { "policy", "diff", "only-one", NULL };

	cr_assert_eq(cli_run(args), 2);
	cr_expect(strstr(cli_err, "missing argument"), "stderr: %s", cli_err);
}

Test(client_analysis, check_warns_on_stderr_and_still_succeeds)
{
	const char *p = put("w.policy", "version 1\ndefault deny EPERM\nexit_group allow\n"
			    "read allow\n  read kill\n");
	const char *const args[] = { "policy", "check", p, NULL };
	char want[512];

	cr_assert_eq(cli_run(args), 0, "stderr: %s", cli_err);
	snprintf(want, sizeof(want), "%s: ok (3 rules; arches x86_64 x86 x32; 1 routed; "
		 "2 warnings)\n", p);
	cr_expect_str_eq(cli_out, want);
	snprintf(want, sizeof(want),
		 "%s:2:1: warning: execve is not allowed (default deny EPERM): the daemon lets "
		 "sysgate-run's own exec of the command through, but any later exec is refused "
		 "(a shell running a command, a program restarting itself)\n"
		 "%s:5:3: warning: rule for 'read' can never match: the rule on line 4 decides "
		 "every 'read' call before it\n", p, p);
	cr_expect_str_eq(cli_err, want);
}

Test(client_analysis, check_strict_fails_on_a_warning)
{
	const char *p = put("w.policy", "version 1\ndefault kill\nexecve, execveat allow\n");
	const char *clean = put("c.policy", "version 1\ndefault kill\n"
				"execve, execveat, exit_group allow\n");
	const char *const args[] = { "policy", "check", "--strict", p, NULL };
	const char *const jargs[] = { "--json", "policy", "check", "--strict", p, NULL };
	const char *const cargs[] = { "policy", "check", "--strict", clean, NULL };
	char want[512];

	cr_assert_eq(cli_run(args), 1);
	snprintf(want, sizeof(want), "%s:2:1: warning: default kill without 'exit_group' "
		 "allowed: the program is killed when it exits\n"
		 "sysgatectl: %s: 1 warning (--strict)\n", p, p);
	cr_expect_str_eq(cli_err, want);
	cr_expect_str_eq(cli_out, "");
	cli_forget_output();
	cr_assert_eq(cli_run(jargs), 1);
	{
		struct json_object *doc = json_tokener_parse(cli_out), *v, *w;

		cr_assert_not_null(doc, "%s", cli_out);
		cr_assert(json_object_object_get_ex(doc, "ok", &v));
		cr_expect(!json_object_get_boolean(v));
		cr_assert(json_object_object_get_ex(doc, "warnings", &v));
		cr_assert_eq(json_object_array_length(v), 1);
		cr_assert(json_object_object_get_ex(json_object_array_get_idx(v, 0), "line", &w));
		cr_expect_eq(json_object_get_int(w), 2);
		json_object_put(doc);
	}
	cli_forget_output();
	cr_assert_eq(cli_run(cargs), 0, "stderr: %s", cli_err);
	cr_expect_str_eq(cli_err, "");
}

Test(client_analysis, strict_is_for_check_only)
{
	const char *const args[] = { "--strict", "policy", "show", "x", NULL };

	cr_assert_eq(cli_run(args), 2);
	cr_expect(strstr(cli_err, "--strict applies to policy check only"), "%s", cli_err);
}

Test(client_analysis, merge_to_stdout_and_to_a_file)
{
	const char *a = put("a.policy", "version 1\narch x86_64\ndefault deny EPERM\n"
			    "execve, exit_group, read allow\n");
	const char *b = put("b.policy", "version 1\narch x86_64\ndefault deny EPERM\n"
			    "execve, exit_group, write allow\n");
	const char *out = put("out.policy", "old content\n");
	const char *const args[] = { "policy", "merge", a, b, NULL };
	const char *const oargs[] = { "policy", "merge", "-o", out, a, b, NULL };
	const char *const check[] = { "policy", "check", "--strict", out, NULL };
	char want[1024], got[1024] = "";
	FILE *f;

	cr_assert_eq(cli_run(args), 0, "stderr: %s", cli_err);
	snprintf(want, sizeof(want),
		 "# merged from: %s %s\nversion 1\narch x86_64\ndefault deny EPERM\n"
		 "execve allow%36s # %s:4\nexit_group allow%32s # %s:4\n"
		 "read allow%38s # %s:4\nwrite allow%37s # %s:4\n",
		 a, b, "", a, "", a, "", a, "", b);
	cr_expect_str_eq(cli_out, want);
	cr_expect_str_eq(cli_err, "");
	cli_forget_output();

	cr_assert_eq(cli_run(oargs), 0, "stderr: %s", cli_err);
	cr_expect_str_eq(cli_out, "");
	f = fopen(out, "r");
	cr_assert_not_null(f);
	cr_expect_gt(fread(got, 1, sizeof(got) - 1, f), 0);
	fclose(f);
	cr_expect_str_eq(got, want);
	cli_forget_output();
	cr_expect_eq(cli_run(check), 0, "the merged policy does not check clean: %s", cli_err);
}

Test(client_analysis, merge_refuses_different_fake_rules)
{
	const char *a = put("a.policy", "version 1\ndefault deny\nmknod fake 1\n");
	const char *b = put("b.policy", "version 1\ndefault deny\nmknod fake 2\n");
	const char *const args[] = { "policy", "merge", a, b, NULL };
	char want[512];

	cr_assert_eq(cli_run(args), 1);
	cr_expect_str_eq(cli_out, "");
	snprintf(want, sizeof(want), "%s:3: error: cannot merge 'mknod': 'mknod fake 2' (this "
		 "line) and 'mknod fake 1' (%s:3) decide it differently", b, a);
	cr_expect(strstr(cli_err, want) == cli_err, "stderr: %s", cli_err);
}

Test(client_analysis, merge_notes_what_is_not_carried_over)
{
	const char *a = put("a.policy", "version 1\ndefault allow\nptrace kill\n");
	const char *b = put("b.policy", "version 1\ndefault deny EPERM\nread allow\n");
	const char *const args[] = { "policy", "merge", a, b, NULL };
	char want[512];

	cr_assert_eq(cli_run(args), 0, "stderr: %s", cli_err);
	snprintf(want, sizeof(want), "sysgatectl: note: %s:2: 'default allow' is not carried "
		 "over: calls it decides are decided by the merged default\n", a);
	cr_expect_str_eq(cli_err, want);
	cr_expect(strstr(cli_out, "\ndefault deny EPERM\n"), "%s", cli_out);
}

Test(client_analysis, merge_usage)
{
	const char *const one[] = { "policy", "merge", "a", NULL };
	const char *const json[] = { "--json", "policy", "merge", "a", "b", NULL };
	const char *const o[] = { "-o", "x", "policy", "check", "a", NULL };

	cr_expect_eq(cli_run(one), 2);
	cli_forget_output();
	cr_expect_eq(cli_run(json), 2);
	cli_forget_output();
	cr_expect_eq(cli_run(o), 2);
	cr_expect(strstr(cli_err, "--output applies to policy merge and learn only"), "%s", cli_err);
}

Test(client_analysis, help_lists_the_analysis_commands)
{
	static const char *const args[] = { "--help", NULL };
	static const char *const words[] = { "policy diff OLD NEW", "policy merge A B [...] [-o FILE]",
					     "--strict", "-o, --output FILE", "warn on" };

	cr_assert_eq(cli_run(args), 0);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		cr_expect(strstr(cli_out, words[i]), "--help does not mention '%s'", words[i]);
}

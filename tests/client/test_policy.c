/* SPDX-License-Identifier: MIT */
/*
 * client/policy.c: sysgatectl policy check and show, which need no daemon: the summary
 * line or JSON document, the lint warnings (and --strict), and every way a policy can
 * fail to load, with its position.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

TestSuite(client_policy, .init = cli_setup, .fini = cli_teardown);

/* Run sysgatectl with the words, FILE after them (NULL-terminated, at most 6 words). */
static int run_on(const char *file, const char *w0, const char *w1, const char *w2,
		  const char *w3)
{
	const char *args[8] = { w0, w1, w2, w3 };
	size_t n = 0;

	while (n < 4 && args[n])
		n++;
	args[n] = file;
	args[n + 1] = NULL;
	cli_spawn(cli_sock, args); /* nobody listens there: must not matter */
	return cli_finish();
}

Test(client_policy, check_summarises_rules_arches_and_routed_calls)
{
	const char *p = cli_write_policy("version 1\ndefault allow\n"
					 "openat deny EACCES if arg2 & 3 == 1\nmknod fake 0\n"
					 "mkdir fake 0 quiet\n");
	char want[1024];

	cr_assert_eq(run_on(p, "policy", "check", NULL, NULL), 0, "stderr: %s", cli_err);
	/* implied (lib/policy_equiv.c): open, creat, openat2 (refused: its flags are in memory),
	 * mknodat, mkdirat and io_uring's three calls; each a note on stderr */
	snprintf(want, sizeof(want), "%s: ok (3 rules, 8 implied; arches x86_64 x86 x32; "
		 "9 routed)\n", p);
	cr_expect_str_eq(cli_out, want);
	snprintf(want, sizeof(want), "%s:3:1: note: implied 'open deny EACCES if arg1 & 0x3 == "
		 "0x1' by 'openat deny EACCES if arg2 & 0x3 == 0x1': open, openat, creat and "
		 "openat2 open the same files; name 'open' in the policy to decide it yourself\n", p);
	cr_expect(strstr(cli_err, want) == cli_err, "stderr: %s", cli_err);
	cli_forget_output();
	cr_assert_eq(run_on(p, "--json", "policy", "check", NULL), 0, "stderr: %s", cli_err);
	snprintf(want, sizeof(want), "{\"file\":\"%s\",\"ok\":true,\"rules\":3,"
		 "\"arches\":[\"x86_64\",\"x86\",\"x32\"],\"routed\":9,\"warnings\":[],"
		 "\"implied\":[{\"line\":3,\"col\":1,\"syscall\":\"open\",", p);
	cr_expect(strncmp(cli_out_json(), want, strlen(want)) == 0, "%s", cli_out_json());
}

Test(client_policy, check_names_the_arches_of_the_policy)
{
	const char *p = cli_write_policy("version 1\narch x86\ndefault allow\n");
	char want[256];

	cr_assert_eq(run_on(p, "policy", "check", NULL, NULL), 0, "stderr: %s", cli_err);
	snprintf(want, sizeof(want), "%s: ok (0 rules; arches x86; 0 routed)\n", p);
	cr_expect_str_eq(cli_out, want);
}

Test(client_policy, a_parse_error_is_printed_with_the_caret)
{
	const char *p = cli_write_policy("version 1\ndefault allow\nopenat frobnicate\n");
	char want[512];

	cr_assert_eq(run_on(p, "policy", "check", NULL, NULL), 1);
	snprintf(want, sizeof(want), "%s:3:8: error: unknown action 'frobnicate'\n"
		 "openat frobnicate\n       ^\n", p);
	cr_expect_str_eq(cli_err, want);
	cr_expect_str_eq(cli_out, "");
	cli_forget_output();
	cr_assert_eq(run_on(p, "--json", "policy", "check", NULL), 1);
	cr_expect_str_eq(cli_err, want, "the message goes to stderr with --json too");
	snprintf(want, sizeof(want), "{\"file\":\"%s\",\"ok\":false,\"error\":{\"line\":3,"
		 "\"col\":8,\"message\":\"unknown action 'frobnicate'\"}}", p);
	cr_expect_str_eq(cli_out_json(), want);
}

Test(client_policy, a_file_that_cannot_be_opened)
{
	static const char want[] = "/nonexistent/x.policy: error: cannot open policy: No such file "
				   "or directory\n";

	cr_assert_eq(run_on("/nonexistent/x.policy", "policy", "check", NULL, NULL), 1);
	cr_expect_str_eq(cli_err, want);
	cli_forget_output();
	cr_assert_eq(run_on("/nonexistent/x.policy", "policy", "check", "--json", NULL), 1);
	cr_expect_str_eq(cli_out_json(), "{\"file\":\"/nonexistent/x.policy\",\"ok\":false,"
			 "\"error\":{\"line\":0,\"col\":0,\"message\":\"cannot open policy: No such "
			 "file or directory\"}}");
	cli_forget_output();
	cr_assert_eq(run_on("/nonexistent/x.policy", "policy", "show", NULL, NULL), 1);
	cr_expect_str_eq(cli_err, want);
	cr_expect_str_eq(cli_out, "");
}

Test(client_policy, an_emulator_that_cannot_load_fails_check_and_show)
{
	const char *p = cli_write_policy("version 1\ndefault allow\n  read emulate chown\n");
	char want[256];

	snprintf(want, sizeof(want), "%s:3:3: error: emulator 'chown' cannot carry out 'read'\n", p);
	cr_assert_eq(run_on(p, "policy", "check", NULL, NULL), 1);
	cr_expect_str_eq(cli_err, want);
	cli_forget_output();
	cr_assert_eq(run_on(p, "policy", "show", NULL, NULL), 1);
	cr_expect_str_eq(cli_err, want);
	cr_expect_str_eq(cli_out, "");
}

Test(client_policy, warnings_go_to_stderr_and_the_check_succeeds)
{
	const char *p = cli_write_policy("version 1\ndefault deny EPERM\nexit_group allow\n"
					 "read allow\n  read kill\n");
	char want[512];

	cr_assert_eq(run_on(p, "policy", "check", NULL, NULL), 0, "stderr: %s", cli_err);
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

Test(client_policy, strict_fails_on_a_warning)
{
	/* execveat named: no implied rule, no note */
	const char *p = cli_write_file("w.policy",
				       "version 1\ndefault kill\nexecve, execveat allow\n");
	const char *clean = cli_write_file("c.policy", "version 1\ndefault kill\n"
					   "execve, execveat, exit_group allow\n");
	char want[512];

	cr_assert_eq(run_on(p, "policy", "check", "--strict", NULL), 1);
	snprintf(want, sizeof(want), "%s:2:1: warning: default kill without 'exit_group' "
		 "allowed: the program is killed when it exits\n"
		 "sysgatectl: %s: 1 warning (--strict)\n", p, p);
	cr_expect_str_eq(cli_err, want);
	cr_expect_str_eq(cli_out, "");
	cli_forget_output();
	cr_assert_eq(run_on(p, "--json", "policy", "check", "--strict"), 1);
	snprintf(want, sizeof(want), "{\"file\":\"%s\",\"ok\":false,\"rules\":2,"
		 "\"arches\":[\"x86_64\",\"x86\",\"x32\"],\"routed\":0,\"warnings\":[{\"line\":2,"
		 "\"col\":1,\"message\":\"default kill without 'exit_group' allowed: the program "
		 "is killed when it exits\"}],\"implied\":[]}", p);
	cr_expect_str_eq(cli_out_json(), want);
	cli_forget_output();
	cr_assert_eq(run_on(clean, "policy", "check", "--strict", NULL), 0, "stderr: %s", cli_err);
	cr_expect_str_eq(cli_err, "");
}

Test(client_policy, show_prints_the_filter_as_pfc)
{
	const char *p = cli_write_policy("version 1\ndefault allow\nptrace kill\n");

	cr_assert_eq(run_on(p, "policy", "show", NULL, NULL), 0, "stderr: %s", cli_err);
	cr_expect(strstr(cli_out, "pseudo filter code start"), "stdout: %s", cli_out);
	cr_expect(strstr(cli_out, "\"ptrace\""), "stdout: %s", cli_out);
	cr_expect(strstr(cli_out, "filter for arch x86_64 "), "stdout: %s", cli_out);
	cr_expect(strstr(cli_out, "filter for arch x86 "), "stdout: %s", cli_out);
	cr_expect_str_eq(cli_err, "");
}

/* SPDX-License-Identifier: MIT */
/*
 * client/main.c: sysgatectl's command line (options, commands, their arguments, the rules
 * between them) and its exit statuses, by running the built program.  What each verb
 * prints is in the verb's own test file.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "cli.h"
#include "sysgate.h"

TestSuite(client_main, .init = cli_setup, .fini = cli_teardown);

#define TRY "Try 'sysgatectl --help' for more information.\n"

Test(client_main, help_lists_every_command_and_option)
{
	static const char *const args[] = { "--help", NULL };
	static const char *const words[] = {
		"status", "sessions", "session ID", "session ID audit|enforce",
		"policy load ID FILE", "learn ID [-o FILE]", "stats [--session ID]",
		"log [-f] [--session ID]", "policy check FILE", "policy show FILE",
		"policy diff OLD NEW", "policy merge A B [...] [-o FILE]",
		"policy replay FILE --log LOGFILE | --session ID", "-s, --socket PATH", "--json",
		"--session ID", "--log LOGFILE", "-f, --follow", "--strict", "-o, --output FILE",
		"-h, --help", "--version", SG_DEFAULT_SOCKET,
		"Exit status: 0 on success, 1 on failure, 2 on a usage error.",
	};

	cr_assert_eq(cli_run(args), 0);
	cr_expect_eq(strncmp(cli_out, "Usage: sysgatectl ", 18), 0, "%s", cli_out);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		cr_expect(strstr(cli_out, words[i]), "--help does not mention '%s'", words[i]);
	cr_expect_str_eq(cli_err, "");
}

Test(client_main, help_and_version_win_over_what_follows)
{
	static const char *const version[] = { "--version", "frobnicate", NULL };
	static const char *const help[] = { "-h", "--session", "x", NULL };

	cr_assert_eq(cli_run(version), 0);
	cr_expect_str_eq(cli_out, "sysgatectl " SG_VERSION "\n");
	cr_expect_str_eq(cli_err, "");
	cli_forget_output();
	cr_assert_eq(cli_run(help), 0, "stderr: %s", cli_err);
	cr_expect(strstr(cli_out, "Usage: "), "%s", cli_out);
}

static const struct {
	const char *args[9];
	const char *msg; /* the line after "sysgatectl: " */
} usage_cases[] = {
	{ { NULL }, "missing command" },
	{ { "frobnicate", NULL }, "unknown command 'frobnicate'" },
	{ { "--bogus", "status", NULL }, "unrecognized option '--bogus'" },
	{ { "-s", NULL }, "option requires an argument -- 's'" },
	{ { "-s", "", "status", NULL }, "empty socket path" },
	{ { "status", "extra", NULL }, "unexpected argument 'extra'" },
	{ { "sessions", "1", NULL }, "unexpected argument '1'" },
	{ { "session", NULL }, "'session': missing argument" },
	{ { "session", "abc", NULL }, "invalid session id 'abc'" },
	{ { "session", "0", NULL }, "invalid session id '0'" },
	{ { "session", "-3", NULL }, "invalid option -- '3'" }, /* an option, for getopt */
	{ { "session", "+3", NULL }, "invalid session id '+3'" },
	{ { "session", "3x", NULL }, "invalid session id '3x'" },
	{ { "session", "18446744073709551616", NULL }, "invalid session id '18446744073709551616'" },
	{ { "session", "1", "frob", NULL }, "'session ID': expected 'audit' or 'enforce', not 'frob'" },
	{ { "session", "x", "audit", NULL }, "invalid session id 'x'" },
	{ { "session", "1", "audit", "x", NULL }, "unexpected argument 'audit'" },
	{ { "learn", NULL }, "'learn': missing argument" },
	{ { "learn", "x", NULL }, "invalid session id 'x'" },
	{ { "stats", "--session", "x", NULL }, "invalid session id 'x'" },
	{ { "--session", "1", "sessions", NULL }, "--session applies to stats, log and policy replay only" },
	{ { "-f", "status", NULL }, "--follow applies to log only" },
	{ { "policy", NULL }, "'policy' needs 'check', 'show', 'diff', 'merge', 'replay' or 'load'" },
	{ { "policy", "frob", "x", NULL }, "unknown policy command 'frob'" },
	{ { "policy", "check", NULL }, "'policy': missing argument" },
	{ { "policy", "show", "a", "b", NULL }, "unexpected argument 'b'" },
	{ { "policy", "diff", "only-one", NULL }, "'policy': missing argument" },
	{ { "policy", "merge", "a", NULL }, "'policy': missing argument" },
	{ { "policy", "load", "1", NULL }, "'policy': missing argument" },
	{ { "policy", "load", "0", "f", NULL }, "invalid session id '0'" },
	{ { "policy", "replay", "p", NULL }, "policy replay needs either --log LOGFILE or --session ID" },
	{ { "policy", "replay", "p", "--log", "x", "--session", "1", NULL },
	  "policy replay needs either --log LOGFILE or --session ID" },
	{ { "--log", "", "policy", "replay", "p", NULL }, "empty log file name" },
	{ { "--log", "x", "status", NULL }, "--log applies to policy replay only" },
	{ { "-o", "", "policy", "merge", "a", "b", NULL }, "empty output file name" },
	{ { "-o", "x", "policy", "check", "a", NULL }, "--output applies to policy merge and learn only" },
	{ { "--json", "policy", "merge", "a", "b", NULL }, "policy merge writes a policy, not JSON: no --json" },
	{ { "--strict", "policy", "show", "x", NULL }, "--strict applies to policy check only" },
};

Test(client_main, usage_errors_exit_2_with_one_message_and_the_hint)
{
	for (size_t i = 0; i < sizeof(usage_cases) / sizeof(usage_cases[0]); i++) {
		char want[256];
		int r = cli_run(usage_cases[i].args);

		snprintf(want, sizeof(want), "sysgatectl: %s\n" TRY, usage_cases[i].msg);
		cr_expect_eq(r, 2, "case %zu ('%s'): exit %d", i, usage_cases[i].msg, r);
		cr_expect_str_eq(cli_err, want, "case %zu", i);
		cr_expect_str_eq(cli_out, "", "case %zu printed to stdout", i);
		cli_forget_output();
	}
}

Test(client_main, the_socket_comes_from_the_option_then_the_environment)
{
	static const char *const opt[] = { "sessions", "-s", "/nonexistent/x.sock", NULL };
	static const char *const plain[] = { "status", NULL };
	char want[256];

	/* an option after the command, and over the environment */
	cli_spawn(cli_sock, opt);
	cr_assert_eq(cli_finish(), 1);
	cr_expect(strstr(cli_err, "cannot connect to '/nonexistent/x.sock'"), "stderr: %s", cli_err);
	cli_forget_output();
	cli_spawn(cli_sock, plain);
	cr_assert_eq(cli_finish(), 1);
	snprintf(want, sizeof(want), "sysgatectl: cannot connect to '%s': ", cli_sock);
	cr_expect(strstr(cli_err, want) == cli_err, "stderr: %s", cli_err);
}

Test(client_main, an_empty_or_unset_environment_means_the_default_socket)
{
	static const char *const args[] = { "status", NULL };
	struct stat st;

	if (stat(SG_DEFAULT_SOCKET, &st) == 0) {
		cli_teardown(); /* a skipped test gets no fini */
		cr_skip_test("a daemon may listen at " SG_DEFAULT_SOCKET " on this machine");
	}
	cli_spawn("", args);
	cr_assert_eq(cli_finish(), 1);
	cr_expect(strstr(cli_err, "cannot connect to '" SG_DEFAULT_SOCKET "'"), "%s", cli_err);
	cli_forget_output();
	cr_assert_eq(cli_run(args), 1);
	cr_expect(strstr(cli_err, "cannot connect to '" SG_DEFAULT_SOCKET "'"), "%s", cli_err);
}

/* Failures exit 1; diff and replay answer like diff(1), so their failures exit 2. */
Test(client_main, exit_status_of_a_failed_command_by_verb)
{
	static const struct {
		const char *args[8];
		int status;
	} cases[] = {
		{ { "policy", "check", "/nonexistent.policy", NULL }, 1 },
		{ { "policy", "show", "/nonexistent.policy", NULL }, 1 },
		{ { "policy", "merge", "/nonexistent.policy", "/nonexistent2.policy", NULL }, 1 },
		{ { "policy", "diff", "/nonexistent.policy", "/nonexistent2.policy", NULL }, 2 },
		{ { "policy", "replay", "/nonexistent.policy", "--log", "-", NULL }, 2 },
		{ { "stats", NULL }, 1 },
		{ { "learn", "3", NULL }, 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cli_spawn(cli_sock, cases[i].args); /* nobody listens there */
		cr_expect_eq(cli_finish(), cases[i].status, "case %zu: stderr %s", i, cli_err);
		cr_expect_neq(cli_err[0], '\0', "case %zu: no message", i);
		cr_expect(!strstr(cli_err, "Try "), "case %zu: not a usage error: %s", i, cli_err);
		cli_forget_output();
	}
}

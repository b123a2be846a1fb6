/* SPDX-License-Identifier: MIT */
/* Tests for sysgatectl's command line (client/main.c) and the daemon-free verbs (client/policy.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"

TestSuite(client_cli, .init = cli_setup, .fini = cli_teardown);

Test(client_cli, help_lists_every_command)
{
	static const char *const args[] = { "--help", NULL };
	static const char *const words[] = { "status", "sessions", "session ID", "stats",
					     "--session ID", "log", "--follow", "policy check FILE",
					     "policy show FILE", "--socket", "--json", "--version" };

	cr_assert_eq(cli_run(args), 0);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		cr_expect(strstr(cli_out, words[i]), "--help does not mention '%s'", words[i]);
	cr_assert_str_eq(cli_err, "");
}

Test(client_cli, version)
{
	static const char *const args[] = { "--version", NULL };

	cr_assert_eq(cli_run(args), 0);
	cr_assert_eq(strncmp(cli_out, "sysgatectl ", 11), 0, "got '%s'", cli_out);
}

Test(client_cli, usage_errors_exit_2)
{
	static const char *const cases[][5] = {
		{ NULL },
		{ "frobnicate", NULL },
		{ "--bogus", "status", NULL },
		{ "status", "extra", NULL },
		{ "session", NULL },
		{ "session", "abc", NULL },
		{ "session", "0", NULL },
		{ "session", "-3", NULL },
		{ "session", "18446744073709551616", NULL },
		{ "--session", "1", "sessions", NULL },
		{ "-f", "status", NULL },
		{ "stats", "--session", "x", NULL },
		{ "policy", NULL },
		{ "policy", "frob", "x", NULL },
		{ "policy", "check", NULL },
		{ "policy", "show", "a", "b", NULL },
		{ "-s", NULL },
		{ "-s", "", "status", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = cli_run(cases[i]);

		cr_expect_eq(r, 2, "case %zu ('%s'): exit %d", i, cases[i][0] ? cases[i][0] : "",
			     r);
		cr_expect(strstr(cli_err, "sysgatectl: ") == cli_err, "case %zu: stderr '%s'", i, cli_err);
		cr_expect_str_eq(cli_out, "", "case %zu printed to stdout", i);
		cli_forget_output();
	}
}

Test(client_cli, connect_failure_names_the_socket)
{
	static const char *const args[] = { "status", NULL };
	char want[256];

	cli_spawn(cli_sock, args);
	cr_assert_eq(cli_finish(), 1);
	snprintf(want, sizeof(want), "sysgatectl: cannot connect to '%s': No such file or "
		 "directory (is sysgated running?)\n", cli_sock);
	cr_assert_str_eq(cli_err, want);
}

Test(client_cli, socket_option_beats_the_environment)
{
	static const char *const args[] = { "-s", "/nonexistent/x.sock", "sessions", NULL };

	cli_spawn(cli_sock, args);
	cr_assert_eq(cli_finish(), 1);
	cr_assert(strstr(cli_err, "'/nonexistent/x.sock'"), "stderr: %s", cli_err);
}

Test(client_cli, policy_check_without_a_daemon)
{
	const char *p = cli_write_policy("version 1\ndefault allow\n"
				     "openat deny EACCES if arg2 & 3 == 1\nmknod fake 0\n");
	const char *const args[] = { "policy", "check", p, NULL };
	const char *const jargs[] = { "--json", "policy", "check", p, NULL };
	char want[1024];

	cli_spawn(cli_sock, args); /* nobody listens there: must not matter */
	cr_assert_eq(cli_finish(), 0, "stderr: %s", cli_err);
	/* implied: open (write opens), creat (always a write open), openat2 (refused: its
	 * flags are in memory), mknodat, and io_uring's three calls */
	snprintf(want, sizeof(want), "%s: ok (2 rules, 7 implied; arches x86_64 x86 x32; "
		 "9 routed)\n", p);
	cr_assert_str_eq(cli_out, want);
	snprintf(want, sizeof(want), "%s:3:1: note: implied 'open deny EACCES if arg1 & 0x3 == "
		 "0x1' by 'openat deny EACCES if arg2 & 0x3 == 0x1': open, openat, creat and "
		 "openat2 open the same files; name 'open' in the policy to decide it yourself\n", p);
	cr_assert(strstr(cli_err, want) == cli_err, "stderr: %s", cli_err);
	cli_forget_output();
	cli_spawn(cli_sock, jargs);
	cr_assert_eq(cli_finish(), 0, "stderr: %s", cli_err);
	snprintf(want, sizeof(want), "{\"file\":\"%s\",\"ok\":true,\"rules\":2,"
		 "\"arches\":[\"x86_64\",\"x86\",\"x32\"],\"routed\":9,\"warnings\":[],"
		 "\"implied\":[", p);
	{
		struct json_object *o = json_tokener_parse(cli_out), *v, *x;
		const char *doc = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE);

		cr_assert(strncmp(doc, want, strlen(want)) == 0, "%s", doc);
		cr_assert(json_object_object_get_ex(o, "implied", &v));
		cr_assert_eq(json_object_array_length(v), 7);
		cr_assert(json_object_object_get_ex(json_object_array_get_idx(v, 2), "rule", &x));
		cr_expect_str_eq(json_object_get_string(x), "openat2 deny ENOSYS");
		cr_assert(json_object_object_get_ex(json_object_array_get_idx(v, 2), "line", &x));
		cr_expect_eq(json_object_get_int(x), 3);
		json_object_put(o);
	}
}

Test(client_cli, policy_check_reports_the_error)
{
	const char *p = cli_write_policy("version 1\ndefault allow\nopenat frobnicate\n");
	const char *const args[] = { "policy", "check", p, NULL };
	char want[256];

	cli_spawn(cli_sock, args);
	cr_assert_eq(cli_finish(), 1);
	snprintf(want, sizeof(want), "%s:3:8: ", p);
	cr_assert(strstr(cli_err, want) == cli_err, "stderr: %s", cli_err);
	cr_assert(strstr(cli_err, "\nopenat frobnicate\n       ^\n"), "stderr: %s", cli_err);
	cr_assert_str_eq(cli_out, "");
}

Test(client_cli, policy_show_prints_pfc)
{
	const char *p = cli_write_policy("version 1\ndefault allow\nptrace kill\n");
	const char *const args[] = { "policy", "show", p, NULL };

	cli_spawn(cli_sock, args);
	cr_assert_eq(cli_finish(), 0, "stderr: %s", cli_err);
	cr_assert(strstr(cli_out, "pseudo filter code start"), "stdout: %s", cli_out);
	cr_assert(strstr(cli_out, "\"ptrace\""), "stdout: %s", cli_out);
	cr_assert(strstr(cli_out, "filter for arch x86 "), "stdout: %s", cli_out);
}

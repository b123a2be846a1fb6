/* SPDX-License-Identifier: MIT */
/*
 * client/replay.c: sysgatectl policy replay FILE --log LOGFILE, the table or JSON of the
 * recorded calls decided differently.  One record's checks are test_replay_record.c's; the
 * command line's rules test_main.c's.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"

TestSuite(client_replay, .init = cli_setup, .fini = cli_teardown);

#define REC(args, verdict) \
	"{\"time\":\"2026-11-23T03:10:00.123456Z\",\"event\":\"syscall\",\"session\":4," \
	"\"mechanism\":\"notify\",\"pid\":77,\"tid\":77,\"comm\":\"t\",\"exe\":\"/t\",\"uid\":0," \
	"\"gid\":0,\"arch\":\"x86_64\",\"syscall\":\"openat\",\"nr\":257,\"args\":[" args "]," \
	verdict "}\n"

static const char policy[] = "version 1\n"
			     "default deny EPERM\n"
			     "openat deny EACCES if arg2 & 0x3 == 0x1\n"
			     "openat allow\n";

static const char *write_log(const char *text)
{
	return cli_write_file("audit.log", text);
}

static const char log_text[] =
	"{\"time\":\"2026-11-23T03:10:00Z\",\"event\":\"session-start\",\"session\":4,\"pid\":77}\n"
	REC("\"0x3\",\"0x1000\",\"0x1\",\"0x0\",\"0x0\",\"0x0\"", "\"verdict\":\"allow\",\"rule\":\"o:3\"")
	REC("\"0x3\",\"0x1000\",\"0x0\",\"0x0\",\"0x0\",\"0x0\"", "\"verdict\":\"allow\",\"rule\":\"o:3\"")
	REC("\"0x3\",\"0x1000\",\"0x0\",\"0x0\",\"0x0\",\"0x0\"",
	    "\"verdict\":\"deny\",\"errno\":1,\"errno_name\":\"EPERM\",\"rule\":\"o:2\",\"default\":true");

Test(client_replay, table_names_each_changed_call_and_exits_1)
{
	const char *pol = cli_write_policy(policy), *log = write_log(log_text);
	const char *args[] = { "policy", "replay", pol, "--log", log, NULL };
	char want[512];

	cr_assert_eq(cli_run(args), 1, "stderr: %s", cli_err);
	/* Record 2 (O_WRONLY) is denied now by line 3; record 4 was denied, now line 4 allows. */
	snprintf(want, sizeof(want), "2        4   77  x86_64  openat   allow -> deny EACCES  %s:3",
		 pol);
	cr_expect(strstr(cli_out, want), "no '%s' in:\n%s", want, cli_out);
	snprintf(want, sizeof(want), "4        4   77  x86_64  openat   deny EPERM -> allow   %s:4",
		 pol);
	cr_expect(strstr(cli_out, want), "no '%s' in:\n%s", want, cli_out);
	cr_expect(strstr(cli_out, "\n     3 ") == NULL, "record 3 is decided alike:\n%s", cli_out);
	snprintf(want, sizeof(want), "2 of 3 recorded calls would be decided differently by %s "
		 "(4 records from %s)\n", pol, log);
	cr_expect(strstr(cli_out, want), "no summary '%s' in:\n%s", want, cli_out);
	cr_expect_str_eq(cli_err, "");
}

Test(client_replay, no_change_exits_0)
{
	const char *pol = cli_write_policy("version 1\ndefault deny EPERM\nopenat allow\n");
	const char *log = write_log(REC("\"0x3\",\"0x1\",\"0x0\",\"0x0\",\"0x0\",\"0x0\"",
					"\"verdict\":\"allow\""));
	const char *args[] = { "policy", "replay", pol, "--log", log, NULL };

	cr_assert_eq(cli_run(args), 0, "stderr: %s", cli_err);
	cr_expect(strstr(cli_out, "0 of 1 recorded calls"), "%s", cli_out);
	cr_expect(strstr(cli_out, "RECORD") == NULL, "a table without rows:\n%s", cli_out);
}

Test(client_replay, json_document)
{
	const char *pol = cli_write_policy(policy), *log = write_log(log_text);
	const char *args[] = { "--json", "policy", "replay", pol, "--log", log, NULL };
	struct json_object *o, *changes, *c, *v;

	cr_assert_eq(cli_run(args), 1, "stderr: %s", cli_err);
	o = json_tokener_parse(cli_out);
	cr_assert_not_null(o, "not JSON: %s", cli_out);
	cr_assert(json_object_object_get_ex(o, "changes", &changes));
	cr_assert_eq(json_object_array_length(changes), 2);
	c = json_object_array_get_idx(changes, 0);
	cr_assert(json_object_object_get_ex(c, "record", &v));
	cr_expect_eq(json_object_get_int(v), 2);
	cr_assert(json_object_object_get_ex(c, "new", &v));
	cr_assert(json_object_object_get_ex(v, "errno_name", &v));
	cr_expect_str_eq(json_object_get_string(v), "EACCES");
	cr_assert(json_object_object_get_ex(o, "calls", &v));
	cr_expect_eq(json_object_get_int(v), 3);
	json_object_put(o);
}

Test(client_replay, invalid_records_stop_with_the_line_and_exit_2)
{
	static const struct {
		const char *line, *msg;
	} cases[] = {
		{ "{\"event\":\"syscall\"\n", "invalid JSON" },
		{ "[1]\n", "not a JSON object" },
		{ "{\"event\":\"syscall\",\"syscall\":\"x\",\"arch\":\"vax\"}\n", "unknown arch 'vax'" },
		{ REC("\"0x1\"", "\"verdict\":\"allow\""), "key 'args' is not an array of 6 strings" },
		{ REC("\"0x1\",\"2\",\"0x0\",\"0x0\",\"0x0\",\"0x0\"", "\"verdict\":\"allow\""),
		  "args[1]: expected a hex string" },
		{ REC("\"0x1\",\"0x2\",\"0x0\",\"0x0\",\"0x0\",\"0x0\"", "\"verdict\":\"deny\""),
		  "missing key 'errno'" },
		{ REC("\"0x1\",\"0x2\",\"0x0\",\"0x0\",\"0x0\",\"0x0\"", "\"verdict\":\"maybe\""),
		  "unknown verdict 'maybe'" },
		{ "\n", "invalid JSON" },
	};
	const char *pol = cli_write_policy(policy);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[1024], want[256];
		const char *log, *args[] = { "policy", "replay", pol, "--log", NULL, NULL };

		/* A good first line: the error names line 2. */
		snprintf(text, sizeof(text), "%s%s",
			 REC("\"0x3\",\"0x1\",\"0x0\",\"0x0\",\"0x0\",\"0x0\"", "\"verdict\":\"allow\""),
			 cases[i].line);
		log = write_log(text);
		args[4] = log;
		cr_expect_eq(cli_run(args), 2, "case %zu: stderr %s", i, cli_err);
		snprintf(want, sizeof(want), "sysgatectl: %s:2: invalid audit record: %s", log,
			 cases[i].msg);
		cr_expect(strncmp(cli_err, want, strlen(want)) == 0, "case %zu: want '%s', got '%s'",
			  i, want, cli_err);
		cr_expect_str_eq(cli_out, "", "case %zu", i);
		cli_forget_output();
	}
}


Test(client_replay, policy_errors_exit_2_with_position)
{
	const char *pol = cli_write_policy("version 1\ndefault deny EPERM\nopenat frob\n");
	const char *log = write_log(log_text);
	const char *args[] = { "policy", "replay", pol, "--log", log, NULL };
	char want[256];

	cr_assert_eq(cli_run(args), 2);
	snprintf(want, sizeof(want), "%s:3:8: error: unknown action 'frob'", pol);
	cr_expect(strstr(cli_err, want), "want '%s', got '%s'", want, cli_err);
}


Test(client_replay, uncovered_arch_is_a_kill_and_audit_differs_from_deny)
{
	const char *pol = cli_write_policy("version 1\narch x86_64\ndefault allow\n"
					   "openat deny EACCES audit\n");
	const char *log = cli_write_file(
		"audit.log",
		"{\"event\":\"syscall\",\"arch\":\"x86\",\"syscall\":\"read\",\"nr\":3,\"args\":"
		"[\"0x0\",\"0x0\",\"0x0\",\"0x0\",\"0x0\",\"0x0\"],\"verdict\":\"allow\"}\n"
		REC("\"0x3\",\"0x1\",\"0x0\",\"0x0\",\"0x0\",\"0x0\"",
		    "\"verdict\":\"deny\",\"errno\":13,\"errno_name\":\"EACCES\""));
	const char *args[] = { "policy", "replay", pol, "--log", log, NULL };
	char want[256];

	cr_assert_eq(cli_run(args), 1, "stderr: %s", cli_err);
	/* No session or pid in the record: '-'. */
	snprintf(want, sizeof(want), "     1        -    -  x86     read     allow -> kill");
	cr_expect(strstr(cli_out, want), "no '%s' in:\n%s", want, cli_out);
	snprintf(want, sizeof(want), "%s: arch not covered\n", pol);
	cr_expect(strstr(cli_out, want), "no '%s' in:\n%s", want, cli_out);
	cr_expect(strstr(cli_out, "deny EACCES -> deny EACCES (audit)"), "%s", cli_out);
	cr_expect(strstr(cli_out, "2 of 2 recorded calls"), "%s", cli_out);
}

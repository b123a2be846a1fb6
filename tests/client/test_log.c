/* SPDX-License-Identifier: MIT */
/*
 * client/log.c: one line per audit record (a table of records and their lines), and
 * sysgatectl log against a scripted peer: the subscription, records passed through
 * with --json, the end of the backlog, and -f ending cleanly.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sysgatectl.h"

TestSuite(client_log, .init = cli_setup, .fini = cli_teardown);

static const struct {
	const char *json;
	const char *line;
} records[] = {
	{ "{\"time\":\"2026-11-23T03:10:00.123456Z\",\"event\":\"syscall\",\"session\":1,"
	  "\"mechanism\":\"notify\",\"pid\":42,\"tid\":43,\"comm\":\"cat\",\"exe\":\"/bin/cat\","
	  "\"uid\":0,\"gid\":0,\"arch\":\"x86_64\",\"syscall\":\"openat\",\"nr\":257,"
	  "\"args\":[\"0xffffff9c\",\"0x7ffd0000\",\"0x0\",\"0x0\",\"0x0\",\"0x0\"],"
	  "\"verdict\":\"deny\",\"errno\":13,\"errno_name\":\"EACCES\",\"rule\":\"p.policy:4\"}",
	  "2026-11-23T03:10:00.123456Z session 1 pid 42 (cat) "
	  "openat(0xffffff9c, 0x7ffd0000, 0x0, 0x0, 0x0, 0x0) = deny EACCES rule p.policy:4" },
	{ "{\"time\":\"T\",\"event\":\"syscall\",\"session\":2,\"pid\":5,\"comm\":\"x\","
	  "\"syscall\":\"mknod\",\"args\":[\"0x1\"],\"verdict\":\"fake\",\"value\":0,"
	  "\"rule\":\"q:9\"}",
	  "T session 2 pid 5 (x) mknod(0x1) = fake 0 rule q:9" },
	{ "{\"time\":\"T\",\"event\":\"syscall\",\"session\":2,\"pid\":5,\"comm\":\"x\","
	  "\"syscall\":\"ptrace\",\"args\":[],\"verdict\":\"allow\",\"rule\":\"q:1\","
	  "\"default\":true,\"audit\":true}",
	  "T session 2 pid 5 (x) ptrace() = allow rule q:1 (default) audit" },
	{ "{\"time\":\"T\",\"syscall\":\"read\",\"default\":false,\"audit\":false,\"args\":[1,null]}",
	  "T read(1, null)" },
	{ "{\"event\":\"syscall\",\"errno\":1}", "- ?() errno 1" },
	{ "{\"time\":\"T\",\"nr\":257,\"verdict\":\"kill\"}", "T nr_257() = kill" },
	{ "{\"time\":7,\"session\":\"x\",\"pid\":\"y\",\"syscall\":3}", "- ?()" },
	{ "{\"time\":\"T\",\"pid\":1,\"comm\":\"evil\\u001b[2J\\n\",\"syscall\":\"read\"}",
	  "T pid 1 (evil?[2J?) read()" },
	{ "{\"time\":\"T\",\"event\":\"session-start\",\"session\":3,\"pid\":10,\"uid\":0,"
	  "\"gid\":0,\"policy\":\"default\",\"mechanism\":\"notify\"}",
	  "T session-start session 3 pid=10 uid=0 gid=0 policy=default mechanism=notify" },
	{ "{\"time\":\"T\",\"event\":\"refused\",\"peer_pid\":9,\"peer_uid\":1000,"
	  "\"request\":\"session\",\"reason\":\"not your session\",\"empty\":\"\","
	  "\"x\":[1,2],\"tab\":\"a\\tb\",\"o\":{\"k\":true}}",
	  "T refused peer_pid=9 peer_uid=1000 request=session reason='not your session' "
	  "empty='' x=[1,2] tab='a?b' o={\"k\":true}" },
	{ "{\"time\":\"T\",\"event\":\"session-end\",\"session\":3,\"allow\":5}\n",
	  "T session-end session 3 allow=5" },
	{ "not json\x1b", "not json?" },
	{ "[1,2]", "[1,2]" },
	{ "{\"a\":1} {\"b\":2}", "{\"a\":1} {\"b\":2}" },
	{ "{\"a\":", "{\"a\":" },
	{ "", "" },
};

Test(client_log, one_line_per_record_table)
{
	for (size_t i = 0; i < sizeof(records) / sizeof(records[0]); i++) {
		char *line = log_format_record(records[i].json, strlen(records[i].json));

		cr_assert_not_null(line);
		cr_expect_str_eq(line, records[i].line, "record %zu:\n got '%s'\nwant '%s'", i, line,
				 records[i].line);
		free(line);
	}
}

Test(client_log, only_len_bytes_are_read)
{
	static const char text[] = "{\"time\":\"T\",\"syscall\":\"read\"}GARBAGE";
	char *line = log_format_record(text, sizeof(text) - 1 - 7);

	cr_assert_not_null(line);
	cr_expect_str_eq(line, "T read()");
	free(line);
}

/* Subscribe as args ask (session, flags) and answer ACK. */
static void subscribed(const char *const *args, uint64_t session, uint32_t flags)
{
	struct sg_msg m;

	cli_start(args);
	m = cli_expect(SG_MSG_SUBSCRIBE);
	cr_expect_eq(m.u.subscribe.flags, flags);
	cr_expect_eq(m.u.subscribe.session_id, session);
	cli_reply(proto_encode_ack(cli_buf, sizeof(cli_buf), 0));
}

static void send_record(uint64_t session, const char *json)
{
	cli_reply(proto_encode_record(cli_buf, sizeof(cli_buf), session, json, strlen(json)));
}

Test(client_log, json_passes_records_through_one_per_line)
{
	static const char *const args[] = { "--json", "log", "--session", "5", NULL };

	subscribed(args, 5, SG_SUB_BACKLOG);
	send_record(5, "{\"event\":\"syscall\",\"b\":1,  \"a\":\"x\"}");
	send_record(5, "{\"event\":\"session-end\"}\n");
	cli_reply(proto_encode_empty(cli_buf, sizeof(cli_buf), SG_MSG_END));
	cr_assert_eq(cli_finish(), 0, "stderr: %s", cli_err);
	cr_assert_str_eq(cli_out, "{\"event\":\"syscall\",\"b\":1,  \"a\":\"x\"}\n"
			      "{\"event\":\"session-end\"}\n");
}

Test(client_log, human_lines_until_the_end_of_the_backlog)
{
	static const char *const args[] = { "log", NULL };

	subscribed(args, 0, SG_SUB_BACKLOG);
	send_record(1, records[1].json);
	send_record(3, records[8].json);
	cli_reply(proto_encode_empty(cli_buf, sizeof(cli_buf), SG_MSG_END));
	cr_assert_eq(cli_finish(), 0, "stderr: %s", cli_err);
	cr_assert_str_eq(cli_out, "T session 2 pid 5 (x) mknod(0x1) = fake 0 rule q:9\n"
			      "T session-start session 3 pid=10 uid=0 gid=0 policy=default "
			      "mechanism=notify\n");
}

Test(client_log, the_backlog_must_end_with_end)
{
	static const char *const args[] = { "log", NULL };

	subscribed(args, 0, SG_SUB_BACKLOG);
	close(cli_peer);
	cli_peer = -1;
	cr_assert_eq(cli_finish(), 1);
	cr_expect_str_eq(cli_err, "sysgatectl: log: the daemon closed the connection before the end "
				  "of the backlog\n");
}

Test(client_log, other_replies_stop_the_stream)
{
	static const char *const args[] = { "log", NULL };
	static const char *const eargs[] = { "log", "--session", "2", NULL };

	subscribed(args, 0, SG_SUB_BACKLOG);
	cli_reply(proto_encode_empty(cli_buf, sizeof(cli_buf), SG_MSG_STATUS_REQ));
	cr_assert_eq(cli_finish(), 1);
	cr_expect_str_eq(cli_err, "sysgatectl: log: unexpected 'status-req' reply from the daemon\n");

	cli_start(eargs);
	cli_expect(SG_MSG_SUBSCRIBE);
	cli_reply(proto_encode_error(cli_buf, sizeof(cli_buf), -ENOENT, "no session 2"));
	cr_assert_eq(cli_finish(), 1);
	cr_expect_str_eq(cli_err, "sysgatectl: log: no session 2\n");
}

Test(client_log, follow_ends_cleanly_on_sigterm_or_sigint)
{
	static const char *const args[] = { "log", "-f", NULL };
	static const int sigs[] = { SIGTERM, SIGINT };
	static const char r1[] = "{\"time\":\"T\",\"event\":\"syscall\",\"session\":1,\"pid\":3,"
				 "\"comm\":\"sh\",\"syscall\":\"kill\",\"args\":[\"0x1\"],"
				 "\"verdict\":\"deny\",\"errno_name\":\"EPERM\"}";

	for (size_t i = 0; i < 2; i++) {
		subscribed(args, 0, SG_SUB_BACKLOG | SG_SUB_FOLLOW);
		send_record(1, r1);
		cli_wait_output("T session 1 pid 3 (sh) kill(0x1) = deny EPERM\n");
		cr_assert_eq(kill(cli_child, sigs[i]), 0);
		cr_assert_eq(cli_finish(), 0, "signal %d: stderr: %s", sigs[i], cli_err);
	}
}

Test(client_log, follow_ends_cleanly_on_eof)
{
	static const char *const args[] = { "log", "--follow", NULL };

	subscribed(args, 0, SG_SUB_BACKLOG | SG_SUB_FOLLOW);
	send_record(1, "{\"time\":\"T2\"}");
	close(cli_peer);
	cli_peer = -1;
	cr_assert_eq(cli_finish(), 0, "stderr: %s", cli_err);
	cr_expect_str_eq(cli_out, "T2 ?()\n", "the records before the end are printed");
}

/* SPDX-License-Identifier: MIT */
/*
 * client/status.c: what sysgatectl status prints from the daemon's STATUS reply, as
 * label/value lines or one JSON document, against a scripted peer.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "cli.h"

TestSuite(client_status, .init = cli_setup, .fini = cli_teardown);

static const struct sg_msg_status st = {
	.pid = 4321, .n_sessions = 2, .uptime_usec = 61000000, .notifications = 99,
	.records = 7, .records_failed = 1,
};

/* Run sysgatectl with args; the peer answers the STATUS_REQ with the STATUS above. */
static int run_status(const char *const *args, const struct sg_msg_status *s, const char *version)
{
	cli_start(args);
	cli_expect(SG_MSG_STATUS_REQ);
	cli_reply(proto_encode_status(cli_buf, sizeof(cli_buf), s, version));
	return cli_finish();
}

Test(client_status, human_lines_align_the_values)
{
	static const char *const args[] = { "status", NULL };

	cr_assert_eq(run_status(args, &st, "9.8.7"), 0, "stderr: %s", cli_err);
	cr_assert_str_eq(cli_out, "daemon pid:            4321\n"
			      "version:               9.8.7\n"
			      "uptime:                1m 1s\n"
			      "sessions visible:      2\n"
			      "notifications decided: 99\n"
			      "records written:       7\n"
			      "records failed:        1\n");
	cr_expect_str_eq(cli_err, "");
}

Test(client_status, large_counters_and_a_long_uptime)
{
	static const char *const args[] = { "status", NULL };
	struct sg_msg_status big = { .pid = 1, .uptime_usec = 90061000000ull,
				     .notifications = UINT64_MAX, .records = 0 };

	cr_assert_eq(run_status(args, &big, ""), 0, "stderr: %s", cli_err);
	cr_expect(strstr(cli_out, "\nuptime:                1d 1h 1m 1s\n"), "%s", cli_out);
	cr_expect(strstr(cli_out, "\nnotifications decided: 18446744073709551615\n"), "%s", cli_out);
	cr_expect(strstr(cli_out, "\nversion:               \n"), "%s", cli_out);
}

Test(client_status, json_document)
{
	static const char *const args[] = { "--json", "status", NULL };

	cr_assert_eq(run_status(args, &st, "9.8.7"), 0, "stderr: %s", cli_err);
	cr_assert_str_eq(cli_out_json(),
			 "{\"pid\":4321,\"version\":\"9.8.7\",\"uptime_usec\":61000000,"
			 "\"sessions\":2,\"notifications\":99,\"records\":7,\"records_failed\":1}");
	cr_expect_eq(cli_out[strlen(cli_out) - 1], '\n');
}

Test(client_status, a_reply_of_another_type_fails)
{
	static const char *const args[] = { "status", NULL };

	cli_start(args);
	cli_expect(SG_MSG_STATUS_REQ);
	cli_reply(proto_encode_empty(cli_buf, sizeof(cli_buf), SG_MSG_END));
	cr_assert_eq(cli_finish(), 1);
	cr_expect_str_eq(cli_err, "sysgatectl: status: unexpected 'end' reply from the daemon\n");
	cr_expect_str_eq(cli_out, "");
}

Test(client_status, an_error_reply_fails_with_its_reason)
{
	static const char *const args[] = { "--json", "status", NULL };

	cli_start(args);
	cli_expect(SG_MSG_STATUS_REQ);
	cli_reply(proto_encode_error(cli_buf, sizeof(cli_buf), -EPERM, "not allowed"));
	cr_assert_eq(cli_finish(), 1);
	cr_expect_str_eq(cli_err, "sysgatectl: status: not allowed\n");
	cr_expect_str_eq(cli_out, "");
}

/* SPDX-License-Identifier: MIT */
/*
 * Tests for sysgatectl's side of the protocol (client/conn.c and the verbs):
 * the program runs against a scripted peer that checks each request and plays
 * the daemon's replies.  Against a real sysgated: tests/e2e/test_client.c.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"

TestSuite(client_peer, .init = cli_setup, .fini = cli_teardown);

Test(client_peer, status_json)
{
	static const char *const args[] = { "--json", "status", NULL };
	struct sg_msg_status st = { .pid = 4321, .n_sessions = 2, .uptime_usec = 61000000,
				    .notifications = 99, .records = 7, .records_failed = 1 };
	struct json_object *o, *v;

	cli_listen();
	cli_spawn(cli_sock, args);
	cli_handshake();
	cli_expect(SG_MSG_STATUS_REQ);
	cli_reply(proto_encode_status(cli_buf, sizeof(cli_buf), &st, "9.8.7"));
	cr_assert_eq(cli_finish(), 0, "stderr: %s", cli_err);
	o = json_tokener_parse(cli_out);
	cr_assert_not_null(o, "not JSON: %s", cli_out);
	cr_assert(json_object_object_get_ex(o, "pid", &v));
	cr_assert_eq(json_object_get_int64(v), 4321);
	cr_assert(json_object_object_get_ex(o, "version", &v));
	cr_assert_str_eq(json_object_get_string(v), "9.8.7");
	cr_assert(json_object_object_get_ex(o, "records_failed", &v));
	cr_assert_eq(json_object_get_int64(v), 1);
	cr_assert(json_object_object_get_ex(o, "sessions", &v));
	cr_assert_eq(json_object_get_int64(v), 2);
	json_object_put(o);
}

Test(client_peer, status_human)
{
	static const char *const args[] = { "status", NULL };
	struct sg_msg_status st = { .pid = 4321, .n_sessions = 2, .uptime_usec = 61000000,
				    .notifications = 99, .records = 7, .records_failed = 1 };

	cli_listen();
	cli_spawn(cli_sock, args);
	cli_handshake();
	cli_expect(SG_MSG_STATUS_REQ);
	cli_reply(proto_encode_status(cli_buf, sizeof(cli_buf), &st, "9.8.7"));
	cr_assert_eq(cli_finish(), 0, "stderr: %s", cli_err);
	cr_assert_str_eq(cli_out, "daemon pid:            4321\n"
			      "version:               9.8.7\n"
			      "uptime:                1m 1s\n"
			      "sessions visible:      2\n"
			      "notifications decided: 99\n"
			      "records written:       7\n"
			      "records failed:        1\n");
}

static void send_sessions(void)
{
	struct sg_msg_session s1 = { .id = 1, .started_usec = 1700000000000000ull,
				     .counts = { 10, 2, 0, 0, 0, 0 }, .target_pid = 100, .uid = 0,
				     .gid = 0, .mechanism = SG_MECH_NOTIFY,
				     .state = SG_SESSION_RUNNING };
	struct sg_msg_session s2 = { .id = 12, .started_usec = 1700000100000000ull,
				     .counts = { 3, 0, 1, 1, 0, 0 }, .target_pid = 2000,
				     .uid = 1000, .gid = 1000, .mechanism = SG_MECH_NOTIFY,
				     .state = SG_SESSION_STARTING,
				     .flags = SG_SESSION_AUDIT | SG_SESSION_ROUTES_ALL };

	cli_expect(SG_MSG_SESSIONS_REQ);
	cli_reply(proto_encode_session(cli_buf, sizeof(cli_buf), &s1, "default"));
	cli_reply(proto_encode_session(cli_buf, sizeof(cli_buf), &s2, "strict"));
	cli_reply(proto_encode_empty(cli_buf, sizeof(cli_buf), SG_MSG_END));
}

Test(client_peer, sessions_table)
{
	static const char *const args[] = { "sessions", NULL };

	cli_listen();
	cli_spawn(cli_sock, args);
	cli_handshake();
	send_sessions();
	cr_assert_eq(cli_finish(), 0, "stderr: %s", cli_err);
	cr_assert_str_eq(cli_out,
		"ID   PID   UID  MECH    MODE     STATE     POLICY   STARTED               ALLOW  DENY  FAKE  KILL\n"
		" 1   100     0  notify  enforce  running   default  2023-11-14T22:13:20Z     10     2     0     0\n"
		"12  2000  1000  notify  audit*   starting  strict   2023-11-14T22:15:00Z      3     0     1     1\n");
}

Test(client_peer, sessions_json)
{
	static const char *const args[] = { "sessions", "--json", NULL };
	struct json_object *o, *s, *v;

	cli_listen();
	cli_spawn(cli_sock, args);
	cli_handshake();
	send_sessions();
	cr_assert_eq(cli_finish(), 0, "stderr: %s", cli_err);
	o = json_tokener_parse(cli_out);
	cr_assert(json_object_is_type(o, json_type_array), "not an array: %s", cli_out);
	cr_assert_eq(json_object_array_length(o), 2);
	s = json_object_array_get_idx(o, 1);
	cr_assert(json_object_object_get_ex(s, "id", &v));
	cr_assert_eq(json_object_get_int64(v), 12);
	cr_assert(json_object_object_get_ex(s, "state", &v));
	cr_assert_str_eq(json_object_get_string(v), "starting");
	cr_assert(json_object_object_get_ex(s, "mode", &v));
	cr_assert_str_eq(json_object_get_string(v), "audit");
	cr_assert(json_object_object_get_ex(s, "routes_all", &v));
	cr_assert(json_object_get_boolean(v));
	cr_assert(json_object_object_get_ex(s, "started", &v));
	cr_assert_str_eq(json_object_get_string(v), "2023-11-14T22:15:00.000000Z");
	cr_assert(json_object_object_get_ex(s, "counts", &v));
	cr_assert(json_object_object_get_ex(v, "kill", &v));
	cr_assert_eq(json_object_get_int64(v), 1);
	json_object_put(o);
}

Test(client_peer, empty_session_list_is_a_bare_header)
{
	static const char *const args[] = { "sessions", NULL };

	cli_listen();
	cli_spawn(cli_sock, args);
	cli_handshake();
	cli_expect(SG_MSG_SESSIONS_REQ);
	cli_reply(proto_encode_empty(cli_buf, sizeof(cli_buf), SG_MSG_END));
	cr_assert_eq(cli_finish(), 0, "stderr: %s", cli_err);
	cr_assert_eq(strchr(cli_out, '\n') - cli_out + 1, (long)strlen(cli_out), "more than a header: %s", cli_out);
}

Test(client_peer, session_error_reply_exits_1)
{
	static const char *const args[] = { "session", "42", NULL };

	cli_listen();
	cli_spawn(cli_sock, args);
	cli_handshake();
	cr_assert_eq(cli_expect(SG_MSG_SESSION_REQ).u.session_req.id, 42);
	cli_reply(proto_encode_error(cli_buf, sizeof(cli_buf), -ENOENT, "no such session"));
	cr_assert_eq(cli_finish(), 1);
	cr_assert_str_eq(cli_err, "sysgatectl: session 42: no such session\n");
	cr_assert_str_eq(cli_out, "");
}

Test(client_peer, refused_hello_exits_1)
{
	static const char *const args[] = { "status", NULL };

	cli_listen();
	cli_spawn(cli_sock, args);
	cli_accept();
	cli_expect(SG_MSG_HELLO);
	cli_reply(proto_encode_error(cli_buf, sizeof(cli_buf), -EPERM, "too many clients"));
	cr_assert_eq(cli_finish(), 1);
	cr_assert(strstr(cli_err, "too many clients"), "stderr: %s", cli_err);
}

Test(client_peer, malformed_reply_exits_1)
{
	static const char *const args[] = { "status", NULL };

	cli_listen();
	cli_spawn(cli_sock, args);
	cli_handshake();
	cli_expect(SG_MSG_STATUS_REQ);
	memset(cli_buf, 0, 16); /* zero magic */
	cli_reply(16);
	cr_assert_eq(cli_finish(), 1);
	cr_assert(strstr(cli_err, "bad magic"), "stderr: %s", cli_err);
}

Test(client_peer, log_json_passes_records_through)
{
	static const char *const args[] = { "--json", "log", "--session", "5", NULL };
	static const char r1[] = "{\"event\":\"syscall\",\"b\":1,  \"a\":\"x\"}";
	static const char r2[] = "{\"event\":\"session-end\"}";
	struct sg_msg m;

	cli_listen();
	cli_spawn(cli_sock, args);
	cli_handshake();
	m = cli_expect(SG_MSG_SUBSCRIBE);
	cr_assert_eq(m.u.subscribe.flags, SG_SUB_BACKLOG);
	cr_assert_eq(m.u.subscribe.session_id, 5);
	cli_reply(proto_encode_ack(cli_buf, sizeof(cli_buf), 0));
	cli_reply(proto_encode_record(cli_buf, sizeof(cli_buf), 5, r1, strlen(r1)));
	cli_reply(proto_encode_record(cli_buf, sizeof(cli_buf), 5, r2, strlen(r2)));
	cli_reply(proto_encode_empty(cli_buf, sizeof(cli_buf), SG_MSG_END));
	cr_assert_eq(cli_finish(), 0, "stderr: %s", cli_err);
	cr_assert_str_eq(cli_out, "{\"event\":\"syscall\",\"b\":1,  \"a\":\"x\"}\n"
			      "{\"event\":\"session-end\"}\n");
}

Test(client_peer, log_without_end_is_an_error)
{
	static const char *const args[] = { "log", NULL };

	cli_listen();
	cli_spawn(cli_sock, args);
	cli_handshake();
	cli_expect(SG_MSG_SUBSCRIBE);
	cli_reply(proto_encode_ack(cli_buf, sizeof(cli_buf), 0));
	close(cli_peer);
	cli_peer = -1;
	cr_assert_eq(cli_finish(), 1);
	cr_assert(strstr(cli_err, "closed the connection"), "stderr: %s", cli_err);
}

Test(client_peer, log_follow_ends_cleanly_on_sigterm)
{
	static const char *const args[] = { "log", "-f", NULL };
	static const char r1[] = "{\"time\":\"T\",\"event\":\"syscall\",\"session\":1,\"pid\":3,"
				 "\"comm\":\"sh\",\"syscall\":\"kill\",\"args\":[\"0x1\"],"
				 "\"verdict\":\"deny\",\"errno_name\":\"EPERM\"}";

	cli_listen();
	cli_spawn(cli_sock, args);
	cli_handshake();
	cr_assert_eq(cli_expect(SG_MSG_SUBSCRIBE).u.subscribe.flags, SG_SUB_BACKLOG | SG_SUB_FOLLOW);
	cli_reply(proto_encode_ack(cli_buf, sizeof(cli_buf), 0));
	cli_reply(proto_encode_record(cli_buf, sizeof(cli_buf), 1, r1, strlen(r1)));
	cli_wait_output("T session 1 pid 3 (sh) kill(0x1) = deny EPERM\n");
	cr_assert_eq(kill(cli_child, SIGTERM), 0);
	cr_assert_eq(cli_finish(), 0, "stderr: %s", cli_err);
}

Test(client_peer, log_follow_ends_cleanly_on_eof)
{
	static const char *const args[] = { "log", "--follow", NULL };

	cli_listen();
	cli_spawn(cli_sock, args);
	cli_handshake();
	cli_expect(SG_MSG_SUBSCRIBE);
	cli_reply(proto_encode_ack(cli_buf, sizeof(cli_buf), 0));
	close(cli_peer);
	cli_peer = -1;
	cr_assert_eq(cli_finish(), 0, "stderr: %s", cli_err);
}

Test(client_peer, stats_table_and_json)
{
	static const char *const args[] = { "stats", "--session", "3", NULL };
	static const char *const jargs[] = { "stats", "--json", NULL };
	struct sg_msg_stat a = { .session_id = 3, .counts = { 5, 1, 0, 0, 0, 2 },
				 .arch = 0xc000003eu, .nr = 257 };
	struct sg_msg_stat b = { .session_id = 3, .counts = { 0, 0, 4, 0, 0, 0 },
				 .arch = 0x40000003u, .nr = 14 };
	struct json_object *o, *v;

	cli_listen();
	cli_spawn(cli_sock, args);
	cli_handshake();
	cr_assert_eq(cli_expect(SG_MSG_STATS_REQ).u.stats_req.session_id, 3);
	cli_reply(proto_encode_stat(cli_buf, sizeof(cli_buf), &a));
	cli_reply(proto_encode_stat(cli_buf, sizeof(cli_buf), &b));
	cli_reply(proto_encode_empty(cli_buf, sizeof(cli_buf), SG_MSG_END));
	cr_assert_eq(cli_finish(), 0, "stderr: %s", cli_err);
	cr_assert_str_eq(cli_out,
		"SESSION  ARCH    SYSCALL  ALLOW  DENY  FAKE  KILL  EMULATE  AUDIT\n"
		"      3  x86_64  openat       5     1     0     0        0      2\n"
		"      3  x86     mknod        0     0     4     0        0      0\n");
	close(cli_peer);
	cli_peer = -1;
	cli_forget_output();

	cli_spawn(cli_sock, jargs);
	cli_handshake();
	cr_assert_eq(cli_expect(SG_MSG_STATS_REQ).u.stats_req.session_id, 0);
	cli_reply(proto_encode_stat(cli_buf, sizeof(cli_buf), &b));
	cli_reply(proto_encode_empty(cli_buf, sizeof(cli_buf), SG_MSG_END));
	cr_assert_eq(cli_finish(), 0, "stderr: %s", cli_err);
	o = json_tokener_parse(cli_out);
	cr_assert_eq(json_object_array_length(o), 1, "%s", cli_out);
	v = json_object_array_get_idx(o, 0);
	cr_assert_str_eq(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN),
			 "{\"session\":3,\"arch\":\"x86\",\"syscall\":\"mknod\",\"nr\":14,"
			 "\"counts\":{\"allow\":0,\"deny\":0,\"fake\":4,\"kill\":0,"
			 "\"emulate\":0,\"audit\":0}}");
	json_object_put(o);
}

Test(client_peer, session_human)
{
	static const char *const args[] = { "session", "12", NULL };
	struct sg_msg_session s = { .id = 12, .started_usec = 1700000100000000ull,
				    .counts = { 3, 0, 1, 1, 0, 0 }, .target_pid = 2000,
				    .uid = 1000, .gid = 100, .mechanism = SG_MECH_NOTIFY,
				    .state = SG_SESSION_RUNNING,
				    .flags = SG_SESSION_LEARNING | SG_SESSION_ROUTES_ALL };

	cli_listen();
	cli_spawn(cli_sock, args);
	cli_handshake();
	cr_assert_eq(cli_expect(SG_MSG_SESSION_REQ).u.session_req.id, 12);
	cli_reply(proto_encode_session(cli_buf, sizeof(cli_buf), &s, "strict"));
	cr_assert_eq(cli_finish(), 0, "stderr: %s", cli_err);
	cr_assert_str_eq(cli_out, "id:         12\n"
			      "pid:        2000\n"
			      "uid:        1000\n"
			      "gid:        100\n"
			      "mechanism:  notify\n"
			      "mode:       learn\n"
			      "routes all: yes\n"
			      "state:      running\n"
			      "policy:     strict\n"
			      "started:    2023-11-14T22:15:00.000000Z\n"
			      "allow:      3\n"
			      "deny:       0\n"
			      "fake:       1\n"
			      "kill:       1\n"
			      "emulate:    0\n"
			      "audit:      0\n");
}

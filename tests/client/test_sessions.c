/* SPDX-License-Identifier: MIT */
/*
 * client/sessions.c: sysgatectl sessions, session ID and session ID audit|enforce against
 * a scripted peer, and the JSON object of one SESSION message (mode, state and mechanism
 * names as a table).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "sysgatectl.h"

TestSuite(client_sessions, .init = cli_setup, .fini = cli_teardown);

static const struct sg_msg_session s1 = {
	.id = 1, .started_usec = 1700000000000000ull, .counts = { 10, 2, 0, 0, 0, 0 },
	.target_pid = 100, .uid = 0, .gid = 0, .mechanism = SG_MECH_NOTIFY,
	.state = SG_SESSION_RUNNING,
};
static const struct sg_msg_session s12 = {
	.id = 12, .started_usec = 1700000100000000ull, .counts = { 3, 0, 1, 1, 0, 0 },
	.target_pid = 2000, .uid = 1000, .gid = 100, .mechanism = SG_MECH_NOTIFY,
	.state = SG_SESSION_STARTING, .flags = SG_SESSION_AUDIT | SG_SESSION_ROUTES_ALL,
};

static void send_sessions(void)
{
	cli_expect(SG_MSG_SESSIONS_REQ);
	cli_reply(proto_encode_session(cli_buf, sizeof(cli_buf), &s1, "default"));
	cli_reply(proto_encode_session(cli_buf, sizeof(cli_buf), &s12, "strict"));
	cli_reply(proto_encode_empty(cli_buf, sizeof(cli_buf), SG_MSG_END));
}

Test(client_sessions, list_as_a_table)
{
	static const char *const args[] = { "sessions", NULL };

	cli_start(args);
	send_sessions();
	cr_assert_eq(cli_finish(), 0, "stderr: %s", cli_err);
	cr_assert_str_eq(cli_out,
		"ID   PID   UID  MECH    MODE     STATE     POLICY   STARTED               ALLOW  DENY  FAKE  KILL\n"
		" 1   100     0  notify  enforce  running   default  2023-11-14T22:13:20Z     10     2     0     0\n"
		"12  2000  1000  notify  audit*   starting  strict   2023-11-14T22:15:00Z      3     0     1     1\n");
}

Test(client_sessions, list_as_a_json_array)
{
	static const char *const args[] = { "sessions", "--json", NULL };

	cli_start(args);
	send_sessions();
	cr_assert_eq(cli_finish(), 0, "stderr: %s", cli_err);
	cr_assert_str_eq(cli_out_json(),
		"[{\"id\":1,\"pid\":100,\"uid\":0,\"gid\":0,\"mechanism\":\"notify\",\"mode\":\"enforce\","
		"\"routes_all\":false,\"state\":\"running\",\"policy\":\"default\","
		"\"started\":\"2023-11-14T22:13:20.000000Z\",\"counts\":{\"allow\":10,\"deny\":2,"
		"\"fake\":0,\"kill\":0,\"emulate\":0,\"audit\":0}},"
		"{\"id\":12,\"pid\":2000,\"uid\":1000,\"gid\":100,\"mechanism\":\"notify\",\"mode\":\"audit\","
		"\"routes_all\":true,\"state\":\"starting\",\"policy\":\"strict\","
		"\"started\":\"2023-11-14T22:15:00.000000Z\",\"counts\":{\"allow\":3,\"deny\":0,"
		"\"fake\":1,\"kill\":1,\"emulate\":0,\"audit\":0}}]");
}

Test(client_sessions, an_empty_list_is_the_header_or_an_empty_array)
{
	static const char *const args[] = { "sessions", NULL };
	static const char *const jargs[] = { "--json", "sessions", NULL };

	cli_start(args);
	cli_expect(SG_MSG_SESSIONS_REQ);
	cli_reply(proto_encode_empty(cli_buf, sizeof(cli_buf), SG_MSG_END));
	cr_assert_eq(cli_finish(), 0, "stderr: %s", cli_err);
	cr_expect_str_eq(cli_out, "ID  PID  UID  MECH  MODE  STATE  POLICY  STARTED  ALLOW  DENY  "
			 "FAKE  KILL\n");
	cli_start(jargs);
	cli_expect(SG_MSG_SESSIONS_REQ);
	cli_reply(proto_encode_empty(cli_buf, sizeof(cli_buf), SG_MSG_END));
	cr_assert_eq(cli_finish(), 0, "stderr: %s", cli_err);
	cr_expect_str_eq(cli_out_json(), "[]");
}

Test(client_sessions, one_session_as_labelled_lines)
{
	static const char *const args[] = { "session", "12", NULL };
	struct sg_msg_session s = s12;

	s.state = SG_SESSION_RUNNING;
	s.flags = SG_SESSION_LEARNING | SG_SESSION_ROUTES_ALL;
	s.counts[SG_COUNT_EMULATE] = 5;
	cli_start(args);
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
			      "emulate:    5\n"
			      "audit:      0\n");
}

Test(client_sessions, one_session_as_json)
{
	static const char *const args[] = { "--json", "session", "1", NULL };

	cli_start(args);
	cr_assert_eq(cli_expect(SG_MSG_SESSION_REQ).u.session_req.id, 1);
	cli_reply(proto_encode_session(cli_buf, sizeof(cli_buf), &s1, "default"));
	cr_assert_eq(cli_finish(), 0, "stderr: %s", cli_err);
	cr_expect(strncmp(cli_out_json(), "{\"id\":1,\"pid\":100,", 18) == 0, "%s", cli_out);
}

Test(client_sessions, errors_name_the_session)
{
	static const char *const args[] = { "session", "42", NULL };
	static const char *const margs[] = { "session", "42", "enforce", NULL };

	cli_start(args);
	cr_assert_eq(cli_expect(SG_MSG_SESSION_REQ).u.session_req.id, 42);
	cli_reply(proto_encode_error(cli_buf, sizeof(cli_buf), -ENOENT, "no such session"));
	cr_assert_eq(cli_finish(), 1);
	cr_expect_str_eq(cli_err, "sysgatectl: session 42: no such session\n");
	cr_expect_str_eq(cli_out, "");
	cli_start(margs);
	cli_expect(SG_MSG_SESSION_MODE);
	cli_reply(proto_encode_session(cli_buf, sizeof(cli_buf), &s1, "default"));
	cr_assert_eq(cli_finish(), 1);
	cr_expect_str_eq(cli_err, "sysgatectl: session 42: unexpected 'session' reply from the daemon\n");
	cr_expect_str_eq(cli_out, "");
}

Test(client_sessions, mode_switch_sends_the_mode_and_says_it)
{
	static const struct {
		const char *mode;
		uint32_t audit;
	} cases[] = { { "audit", 1 }, { "enforce", 0 } };

	for (size_t i = 0; i < 2; i++) {
		const char *const args[] = { "session", "7", cases[i].mode, NULL };
		struct sg_msg m;
		char want[64];

		cli_start(args);
		m = cli_expect(SG_MSG_SESSION_MODE);
		cr_expect_eq(m.u.session_mode.id, 7);
		cr_expect_eq(m.u.session_mode.audit, cases[i].audit);
		cli_reply(proto_encode_ack(cli_buf, sizeof(cli_buf), 0));
		cr_assert_eq(cli_finish(), 0, "stderr: %s", cli_err);
		snprintf(want, sizeof(want), "session 7: %s\n", cases[i].mode);
		cr_expect_str_eq(cli_out, want);
	}
}

static const struct {
	uint32_t mechanism, state, flags;
	const char *names; /* "mechanism mode routes_all state" as session_to_json says them */
} name_cases[] = {
	{ SG_MECH_NOTIFY, SG_SESSION_RUNNING, 0, "notify enforce false running" },
	{ SG_MECH_TRACE, SG_SESSION_STARTING, SG_SESSION_AUDIT, "trace audit false starting" },
	{ SG_MECH_TRAP, SG_SESSION_RUNNING, SG_SESSION_ROUTES_ALL, "trap enforce true running" },
	{ SG_MECH_NOTIFY, SG_SESSION_RUNNING, SG_SESSION_LEARNING | SG_SESSION_AUDIT,
	  "notify learn false running" },
	/* values a newer daemon might send */
	{ SG_MECH_MAX, SG_SESSION_STATE_MAX, 1u << 8, "unknown enforce false unknown" },
};

static struct json_object *to_json(const struct sg_msg_session *s, const char *policy)
{
	struct sg_msg m = { .type = SG_MSG_SESSION, .u.session = *s, .str = policy,
			    .str_len = strlen(policy) };

	return session_to_json(&m);
}

Test(client_sessions, json_names_of_mechanism_mode_and_state)
{
	for (size_t i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		struct sg_msg_session s = s1;
		struct json_object *o, *v;
		char got[128];
		const char *keys[] = { "mechanism", "mode", "routes_all", "state" };
		size_t n = 0;

		s.mechanism = name_cases[i].mechanism;
		s.state = name_cases[i].state;
		s.flags = name_cases[i].flags;
		o = to_json(&s, "p");
		for (size_t k = 0; k < 4; k++) {
			cr_assert(json_object_object_get_ex(o, keys[k], &v), "no '%s'", keys[k]);
			n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s", k ? " " : "",
					      json_object_get_string(v));
		}
		cr_expect_str_eq(got, name_cases[i].names, "case %zu", i);
		json_object_put(o);
	}
}

Test(client_sessions, json_of_a_decoded_message)
{
	struct sg_msg_session s = { .id = 3, .started_usec = 1700000000000001ull,
				    .counts = { 9, 8, 7, 6, 5, 4 }, .target_pid = 77, .uid = 1000,
				    .gid = 100, .mechanism = SG_MECH_NOTIFY,
				    .state = SG_SESSION_RUNNING };
	static uint8_t buf[512];
	ssize_t n = proto_encode_session(buf, sizeof(buf), &s, "strict");
	struct json_object *o;
	struct sg_msg m;

	cr_assert_gt(n, 0);
	cr_assert_eq(proto_decode(buf, (size_t)n, NULL, 0, &m, NULL), 0);
	o = session_to_json(&m);
	cr_assert_str_eq(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			 "{\"id\":3,\"pid\":77,\"uid\":1000,\"gid\":100,\"mechanism\":\"notify\","
			 "\"mode\":\"enforce\",\"routes_all\":false,\"state\":\"running\",\"policy\":\"strict\","
			 "\"started\":\"2023-11-14T22:13:20.000001Z\",\"counts\":{\"allow\":9,"
			 "\"deny\":8,\"fake\":7,\"kill\":6,\"emulate\":5,\"audit\":4}}");
	json_object_put(o);
}

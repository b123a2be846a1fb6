/* SPDX-License-Identifier: MIT */
/* Tests for proto/msg.c and msg_encode.c: every message type round-trips (malformed packets:
 * test_msg_decode.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg_test.h"
#include "proto.h"

Test(proto_msg, hello_round_trips)
{
	size_t n = enc(proto_encode_hello(buf, sizeof(buf), SG_ROLE_CLIENT));
	struct sg_msg m;

	cr_assert_eq(n, HDR + sizeof(struct sg_msg_hello));
	m = decode_ok(n, NULL, 0);
	cr_assert_eq(m.type, SG_MSG_HELLO);
	cr_assert_eq(m.u.hello.role, SG_ROLE_CLIENT);
	cr_assert_null(m.str);
	cr_assert_eq(m.n_fds, 0);
	n = enc(proto_encode_hello(buf, sizeof(buf), SG_ROLE_SHIM));
	cr_assert_eq(decode_ok(n, NULL, 0).u.hello.role, SG_ROLE_SHIM);
	cr_assert_eq(decode_ok(n, NULL, 0).u.hello.flags, 0);
	n = enc(proto_encode_hello_flags(buf, sizeof(buf), SG_ROLE_SHIM, SG_HELLO_TELL_KILLED));
	cr_assert_eq(decode_ok(n, NULL, 0).u.hello.flags, SG_HELLO_TELL_KILLED);
	cr_assert_eq(proto_encode_hello_flags(buf, sizeof(buf), SG_ROLE_SHIM, SG_HELLO_KNOWN + 1),
		     -EINVAL);
}

Test(proto_msg, ack_round_trips)
{
	size_t n = enc(proto_encode_ack(buf, sizeof(buf), UINT64_MAX - 1));
	struct sg_msg m = decode_ok(n, NULL, 0);

	cr_assert_eq(m.type, SG_MSG_ACK);
	cr_assert_eq(m.u.ack.value, UINT64_MAX - 1);
}

Test(proto_msg, error_round_trips_with_reason)
{
	size_t n = enc(proto_encode_error(buf, sizeof(buf), -ENOENT, "no such session"));
	struct sg_msg m = decode_ok(n, NULL, 0);

	cr_assert_eq(n, HDR + sizeof(struct sg_msg_error) + sizeof("no such session"));
	cr_assert_eq(m.type, SG_MSG_ERROR);
	cr_assert_eq(m.u.error.error, -ENOENT);
	cr_assert_eq(m.u.error.reason_len, sizeof("no such session"));
	cr_assert_str_eq(m.str, "no such session");
	cr_assert_eq(m.str_len, strlen("no such session"));
}

Test(proto_msg, error_with_null_reason_is_empty_string)
{
	size_t n = enc(proto_encode_error(buf, sizeof(buf), -EPERM, NULL));
	struct sg_msg m = decode_ok(n, NULL, 0);

	cr_assert_eq(m.u.error.reason_len, 1);
	cr_assert_str_eq(m.str, "");
	cr_assert_eq(m.str_len, 0);
}

Test(proto_msg, register_round_trips_with_fd_and_strings)
{
	static const char text[] = "version 1\ndefault allow\n";
	int fd = 7;
	size_t n = enc(proto_encode_register(buf, sizeof(buf), 4242, SG_MECH_NOTIFY, "default",
					     text, strlen(text)));
	struct sg_msg m = decode_ok(n, &fd, 1);

	cr_assert_eq(m.type, SG_MSG_REGISTER);
	cr_assert_eq(m.u.reg.target_pid, 4242);
	cr_assert_eq(m.u.reg.mechanism, SG_MECH_NOTIFY);
	cr_assert_str_eq(m.str, "default");
	cr_assert_eq(m.str_len, 7);
	cr_assert_str_eq(m.str2, text);
	cr_assert_eq(m.str2_len, strlen(text));
	cr_assert_eq(m.n_fds, 1);
	cr_assert_eq(m.fds[0], 7);
	cr_assert_lt(m.fds[1], 0);
}

Test(proto_msg, register_text_may_be_empty)
{
	int fd = 3;
	size_t n = enc(proto_encode_register(buf, sizeof(buf), 1, SG_MECH_NOTIFY, "x", "", 0));
	struct sg_msg m = decode_ok(n, &fd, 1);

	cr_assert_eq(m.u.reg.text_len, 1);
	cr_assert_str_eq(m.str2, "");
	cr_assert_eq(m.u.reg.mechanism, SG_MECH_NOTIFY);
}

Test(proto_msg, register_notify_has_one_fd_trace_and_trap_none)
{
	const char *reason = NULL;
	struct sg_msg m;
	int fd = 3;
	size_t n = enc(proto_encode_register(buf, sizeof(buf), 1, SG_MECH_TRAP, "x", "", 0));

	m = decode_ok(n, NULL, 0);
	cr_assert_eq(m.u.reg.mechanism, SG_MECH_TRAP);
	cr_assert_eq(proto_decode(buf, n, &fd, 1, &m, &reason), -EBADMSG);
	n = enc(proto_encode_register(buf, sizeof(buf), 1, SG_MECH_TRACE, "x", "", 0));
	m = decode_ok(n, NULL, 0);
	cr_assert_eq(proto_decode(buf, n, &fd, 1, &m, &reason), -EBADMSG);
	n = enc(proto_encode_register(buf, sizeof(buf), 1, SG_MECH_NOTIFY, "x", "", 0));
	cr_assert_eq(proto_decode(buf, n, NULL, 0, &m, &reason), -EBADMSG);
}

Test(proto_msg, trap_call_and_verdict_round_trip)
{
	struct sg_msg_trap_call c = { .arch = 0xc000003e, .nr = 257, .args = { 1, 2, 3, 4, 5, 6 },
				      .ip = 0x7fff12345678ull, .tid = 42 };
	const char *reason = NULL;
	struct sg_msg m;
	size_t n = enc(proto_encode_trap_call(buf, sizeof(buf), &c));

	m = decode_ok(n, NULL, 0);
	cr_assert_eq(m.type, SG_MSG_TRAP_CALL);
	cr_assert_eq(m.u.trap_call.nr, 257);
	cr_assert_eq(m.u.trap_call.args[5], 6);
	cr_assert_eq(m.u.trap_call.ip, 0x7fff12345678ull);
	cr_assert_eq(m.u.trap_call.tid, 42);
	c.tid = 0;
	cr_assert_eq(proto_encode_trap_call(buf, sizeof(buf), &c), -EINVAL);

	n = enc(proto_encode_trap_verdict(buf, sizeof(buf), SG_TRAP_RETURN, -13));
	m = decode_ok(n, NULL, 0);
	cr_assert_eq(m.u.trap_verdict.action, SG_TRAP_RETURN);
	cr_assert_eq(m.u.trap_verdict.value, -13);
	cr_assert_eq(proto_encode_trap_verdict(buf, sizeof(buf), SG_TRAP_ACTION_MAX, 0), -EINVAL);
	buf[sizeof(struct sg_hdr)] = SG_TRAP_ACTION_MAX; /* action out of range */
	cr_assert_eq(proto_decode(buf, n, NULL, 0, &m, &reason), -EBADMSG);
}

Test(proto_msg, trace_register_carries_no_fd)
{
	int fd = 3;
	size_t n = enc(proto_encode_register(buf, sizeof(buf), 7, SG_MECH_TRACE, "x", "t", 1));
	struct sg_msg m = decode_ok(n, NULL, 0);
	const char *reason = NULL;

	cr_assert_eq(m.u.reg.mechanism, SG_MECH_TRACE);
	cr_assert_eq(m.n_fds, 0);
	cr_assert_eq(proto_decode(buf, n, &fd, 1, &m, &reason), -EBADMSG);
	cr_assert_str_eq(reason, "wrong number of file descriptors for the mechanism");
}

Test(proto_msg, status_round_trips)
{
	struct sg_msg_status st = {
		.pid = 99, .n_sessions = 3, .uptime_usec = 123456789, .notifications = 1u << 31,
		.records = 77, .records_failed = 2, .version_len = 999, .reserved = 5,
	};
	size_t n = enc(proto_encode_status(buf, sizeof(buf), &st, "0.1.0"));
	struct sg_msg m = decode_ok(n, NULL, 0);

	cr_assert_eq(m.type, SG_MSG_STATUS);
	cr_assert_eq(m.u.status.pid, 99);
	cr_assert_eq(m.u.status.n_sessions, 3);
	cr_assert_eq(m.u.status.uptime_usec, 123456789);
	cr_assert_eq(m.u.status.notifications, 1u << 31);
	cr_assert_eq(m.u.status.records, 77);
	cr_assert_eq(m.u.status.records_failed, 2);
	cr_assert_eq(m.u.status.version_len, 6, "encoder sets the length itself");
	cr_assert_eq(m.u.status.reserved, 0, "encoder clears reserved");
	cr_assert_str_eq(m.str, "0.1.0");
}

Test(proto_msg, empty_messages_round_trip)
{
	static const enum sg_msg_type types[] = { SG_MSG_STATUS_REQ, SG_MSG_SESSIONS_REQ, SG_MSG_END };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t n = enc(proto_encode_empty(buf, sizeof(buf), types[i]));

		cr_assert_eq(n, HDR);
		cr_assert_eq(decode_ok(n, NULL, 0).type, types[i]);
	}
	cr_assert_eq(proto_encode_empty(buf, sizeof(buf), SG_MSG_HELLO), -EINVAL);
	cr_assert_eq(proto_encode_empty(buf, sizeof(buf), SG_MSG_NONE), -EINVAL);
}

Test(proto_msg, session_req_round_trips)
{
	size_t n = enc(proto_encode_session_req(buf, sizeof(buf), 17));
	struct sg_msg m = decode_ok(n, NULL, 0);

	cr_assert_eq(m.type, SG_MSG_SESSION_REQ);
	cr_assert_eq(m.u.session_req.id, 17);
}

Test(proto_msg, killed_round_trips_and_needs_a_session)
{
	size_t n = enc(proto_encode_killed(buf, sizeof(buf), 42));
	struct sg_msg m = decode_ok(n, NULL, 0);
	struct sg_msg_session_req zero = { 0 };
	const char *reason = NULL;

	cr_assert_eq(n, HDR + sizeof(struct sg_msg_session_req));
	cr_assert_eq(m.type, SG_MSG_KILLED);
	cr_assert_eq(m.u.session_req.id, 42);
	cr_assert_str_eq(proto_type_name(SG_MSG_KILLED), "killed");
	cr_assert_eq(proto_encode_killed(buf, sizeof(buf), 0), -EINVAL);
	/* session 0 on the wire is refused */
	memcpy(buf + HDR, &zero, sizeof(zero));
	cr_assert_eq(proto_decode(buf, n, NULL, 0, &m, &reason), -EBADMSG);
	cr_assert_str_eq(reason, "session id 0");
}

Test(proto_msg, session_round_trips)
{
	struct sg_msg_session s = {
		.id = 5, .started_usec = 1700000000123456ull, .counts = { 1, 2, 3, 4, 5, 6 },
		.target_pid = 321, .uid = 1000, .gid = 1001, .mechanism = SG_MECH_TRACE,
		.state = SG_SESSION_RUNNING, .flags = SG_SESSION_AUDIT | SG_SESSION_ROUTES_ALL,
	};
	size_t n = enc(proto_encode_session(buf, sizeof(buf), &s, "strict"));
	struct sg_msg m = decode_ok(n, NULL, 0);

	cr_assert_eq(m.type, SG_MSG_SESSION);
	cr_assert_eq(m.u.session.id, 5);
	cr_assert_eq(m.u.session.started_usec, 1700000000123456ull);
	for (int i = 0; i < SG_NCOUNTS; i++)
		cr_assert_eq(m.u.session.counts[i], (uint64_t)i + 1);
	cr_assert_eq(m.u.session.target_pid, 321);
	cr_assert_eq(m.u.session.uid, 1000);
	cr_assert_eq(m.u.session.gid, 1001);
	cr_assert_eq(m.u.session.mechanism, SG_MECH_TRACE);
	cr_assert_eq(m.u.session.state, SG_SESSION_RUNNING);
	cr_assert_eq(m.u.session.flags, SG_SESSION_AUDIT | SG_SESSION_ROUTES_ALL);
	cr_assert_str_eq(m.str, "strict");
}

Test(proto_msg, stats_req_and_stat_round_trip)
{
	struct sg_msg_stat st = { .session_id = 9, .counts = { 10, 0, 0, 0, 0, 1 },
				  .arch = 0xc000003eu, .nr = -1 };
	size_t n = enc(proto_encode_stats_req(buf, sizeof(buf), 0));
	struct sg_msg m = decode_ok(n, NULL, 0);

	cr_assert_eq(m.type, SG_MSG_STATS_REQ);
	cr_assert_eq(m.u.stats_req.session_id, 0);
	n = enc(proto_encode_stat(buf, sizeof(buf), &st));
	m = decode_ok(n, NULL, 0);
	cr_assert_eq(m.type, SG_MSG_STAT);
	cr_assert_eq(m.u.stat.session_id, 9);
	cr_assert_eq(m.u.stat.counts[0], 10);
	cr_assert_eq(m.u.stat.counts[5], 1);
	cr_assert_eq(m.u.stat.arch, 0xc000003eu);
	cr_assert_eq(m.u.stat.nr, -1);
}

Test(proto_msg, subscribe_round_trips)
{
	size_t n = enc(proto_encode_subscribe(buf, sizeof(buf), 4, SG_SUB_BACKLOG | SG_SUB_FOLLOW));
	struct sg_msg m = decode_ok(n, NULL, 0);

	cr_assert_eq(m.type, SG_MSG_SUBSCRIBE);
	cr_assert_eq(m.u.subscribe.session_id, 4);
	cr_assert_eq(m.u.subscribe.flags, SG_SUB_BACKLOG | SG_SUB_FOLLOW);
	n = enc(proto_encode_subscribe(buf, sizeof(buf), 0, SG_SUB_FOLLOW));
	cr_assert_eq(decode_ok(n, NULL, 0).u.subscribe.flags, SG_SUB_FOLLOW);
}

Test(proto_msg, record_round_trips)
{
	static const char json[] = "{\"event\":\"syscall\",\"nr\":257}";
	size_t n = enc(proto_encode_record(buf, sizeof(buf), 12, json, strlen(json)));
	struct sg_msg m = decode_ok(n, NULL, 0);

	cr_assert_eq(m.type, SG_MSG_RECORD);
	cr_assert_eq(m.u.record.session_id, 12);
	cr_assert_eq(m.u.record.len, sizeof(json));
	cr_assert_str_eq(m.str, json);
	cr_assert_eq(m.str_len, strlen(json));
}

Test(proto_msg, decodes_from_unaligned_buffer)
{
	static uint8_t raw[256];
	struct sg_msg m;
	const char *reason;
	ssize_t n = proto_encode_session_req(raw + 1, sizeof(raw) - 1, 0x0102030405060708ull);

	cr_assert_gt(n, 0);
	cr_assert_eq(proto_decode(raw + 1, (size_t)n, NULL, 0, &m, &reason), 0);
	cr_assert_eq(m.u.session_req.id, 0x0102030405060708ull);
}

Test(proto_msg, largest_string_fits_and_one_more_does_not)
{
	char *s = malloc(SG_STR_MAX + 1);
	struct sg_msg m;

	cr_assert_not_null(s);
	memset(s, 'a', SG_STR_MAX);
	m = decode_ok(enc(proto_encode_record(buf, sizeof(buf), 1, s, SG_STR_MAX - 1)), NULL, 0);
	cr_assert_eq(m.str_len, SG_STR_MAX - 1);
	cr_assert_eq(proto_encode_record(buf, sizeof(buf), 1, s, SG_STR_MAX), -EMSGSIZE);
	/* Two strings each under the limit but together over the packet size. */
	s[SG_STR_MAX - 1] = '\0';
	cr_assert_eq(proto_encode_register(buf, sizeof(buf), 1, SG_MECH_NOTIFY, s, s,
					   SG_STR_MAX - 1), -EMSGSIZE);
	free(s);
}

Test(proto_msg, encoders_refuse_bad_arguments)
{
	cr_assert_eq(proto_encode_hello(buf, 24, SG_ROLE_CLIENT), 24);
	cr_assert_eq(proto_encode_hello(buf, 23, SG_ROLE_CLIENT), -EMSGSIZE);
	cr_assert_eq(proto_encode_hello(buf, sizeof(buf), SG_ROLE_NONE), -EINVAL);
	cr_assert_eq(proto_encode_hello(buf, sizeof(buf), SG_ROLE_MAX), -EINVAL);
	cr_assert_eq(proto_encode_hello(NULL, 100, SG_ROLE_CLIENT), -EINVAL);
	cr_assert_eq(proto_encode_error(buf, sizeof(buf), 0, "x"), -EINVAL);
	cr_assert_eq(proto_encode_error(buf, sizeof(buf), EPERM, "x"), -EINVAL);
	cr_assert_eq(proto_encode_error(buf, sizeof(buf), -4096, "x"), -EINVAL);
	cr_assert_eq(proto_encode_register(buf, sizeof(buf), 0, SG_MECH_NOTIFY, "p", "t", 1), -EINVAL);
	cr_assert_eq(proto_encode_register(buf, sizeof(buf), 1, SG_MECH_MAX, "p", "t", 1), -EINVAL);
	cr_assert_eq(proto_encode_register(buf, sizeof(buf), 1, SG_MECH_NOTIFY, NULL, "t", 1), -EINVAL);
	cr_assert_eq(proto_encode_register(buf, sizeof(buf), 1, SG_MECH_NOTIFY, "p", "a\0b", 3),
		     -EINVAL);
	cr_assert_eq(proto_encode_status(buf, sizeof(buf), NULL, "v"), -EINVAL);
	cr_assert_eq(proto_encode_record(buf, sizeof(buf), 1, "{}\0", 3), -EINVAL);
	cr_assert_eq(proto_encode_record(buf, sizeof(buf), 1, NULL, 0), -EINVAL);
	cr_assert_eq(proto_encode_subscribe(buf, sizeof(buf), 0, 0), -EINVAL);
	cr_assert_eq(proto_encode_subscribe(buf, sizeof(buf), 0, 1u << 2), -EINVAL);
	{
		struct sg_msg_session s = { .state = SG_SESSION_STATE_MAX };

		cr_assert_eq(proto_encode_session(buf, sizeof(buf), &s, "p"), -EINVAL);
		s.state = SG_SESSION_RUNNING;
		s.flags = SG_SESSION_KNOWN + 1;
		cr_assert_eq(proto_encode_session(buf, sizeof(buf), &s, "p"), -EINVAL);
	}
}

Test(proto_msg, names)
{
	cr_assert_str_eq(proto_type_name(SG_MSG_REGISTER), "register");
	cr_assert_str_eq(proto_type_name(SG_MSG_RECORD), "record");
	cr_assert_str_eq(proto_type_name(SG_MSG_TYPE_MAX), "unknown");
	cr_assert_str_eq(proto_type_name(0xffff), "unknown");
	for (uint16_t t = 0; t < SG_MSG_TYPE_MAX; t++)
		cr_assert_not_null(proto_type_name(t));
	cr_assert_str_eq(proto_mechanism_name(SG_MECH_NOTIFY), "notify");
	cr_assert_str_eq(proto_mechanism_name(SG_MECH_TRACE), "trace");
	cr_assert_str_eq(proto_mechanism_name(SG_MECH_TRAP), "trap");
	cr_assert_null(proto_mechanism_name(SG_MECH_MAX));
	cr_assert_eq(proto_mechanism_from_name("trap"), SG_MECH_TRAP);
	cr_assert_eq(proto_mechanism_from_name("notify"), SG_MECH_NOTIFY);
	cr_assert_eq(proto_mechanism_from_name("Notify"), -EINVAL);
	cr_assert_eq(proto_mechanism_from_name(NULL), -EINVAL);
}

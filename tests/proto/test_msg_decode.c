/* SPDX-License-Identifier: MIT */
/* Tests for proto/msg_decode.c: every malformed packet is refused, with its reason. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg_test.h"
#include "proto.h"

/* ---- malformed packets: each builder writes one into buf and returns its length ---- */

static void set32(size_t off, uint32_t v)
{
	memcpy(buf + off, &v, sizeof(v));
}

static void set16(size_t off, uint16_t v)
{
	memcpy(buf + off, &v, sizeof(v));
}

/* Give the header the packet's real length after a builder resized it. */
static size_t with_len(size_t len)
{
	set32(offsetof(struct sg_hdr, len), (uint32_t)len);
	return len;
}

static size_t hello(void)
{
	return enc(proto_encode_hello(buf, sizeof(buf), SG_ROLE_CLIENT));
}

static size_t error_abc(void)
{
	return enc(proto_encode_error(buf, sizeof(buf), -EPERM, "abc"));
}

static size_t reg(void)
{
	return enc(proto_encode_register(buf, sizeof(buf), 10, SG_MECH_NOTIFY, "pol", "txt", 3));
}

static size_t session(void)
{
	struct sg_msg_session s = { .id = 1, .target_pid = 2 };

	return enc(proto_encode_session(buf, sizeof(buf), &s, "p"));
}

static size_t subscribe(void)
{
	return enc(proto_encode_subscribe(buf, sizeof(buf), 0, SG_SUB_BACKLOG));
}

#define F(type, field) (HDR + offsetof(struct type, field))

static size_t b_empty(void) { return 0; }
static size_t b_short_hdr(void) { hello(); return HDR - 1; }
static size_t b_bad_magic(void) { size_t n = hello(); set32(0, 0x31544753u); return n; }
static size_t b_version0(void) { size_t n = hello(); set16(4, 0); return n; }
static size_t b_version2(void) { size_t n = hello(); set16(4, 2); return n; }
static size_t b_type_none(void) { size_t n = hello(); set16(6, SG_MSG_NONE); return n; }
static size_t b_type_max(void) { size_t n = hello(); set16(6, SG_MSG_TYPE_MAX); return n; }
static size_t b_type_ffff(void) { size_t n = hello(); set16(6, 0xffff); return n; }
static size_t b_len_big(void) { size_t n = hello(); set32(8, (uint32_t)n + 1); return n; }
static size_t b_len_small(void) { size_t n = hello(); set32(8, (uint32_t)n - 1); return n; }
static size_t b_len_cut(void) { return hello() - 4; /* header still says the full length */ }
static size_t b_hdr_flags(void) { size_t n = hello(); set32(12, 1); return n; }
static size_t b_fixed_short(void) { return with_len(hello() - 4); }
static size_t b_fixed_long(void) { size_t n = hello(); set32(n, 0); return with_len(n + 4); }
static size_t b_empty_long(void)
{
	size_t n = enc(proto_encode_empty(buf, sizeof(buf), SG_MSG_END));

	buf[n] = 0;
	return with_len(n + 1);
}
static size_t b_error_fixed_short(void) { error_abc(); return with_len(HDR + 4); }
static size_t b_too_large(void)
{
	size_t n = error_abc();

	memset(buf + n, 'x', SG_MSG_MAX + 1 - n);
	return with_len(SG_MSG_MAX + 1);
}
static size_t b_str_unterminated(void) { size_t n = error_abc(); buf[n - 1] = 'd'; return n; }
static size_t b_str_interior_nul(void) { size_t n = error_abc(); buf[n - 3] = '\0'; return n; }
static size_t b_str_zero(void) { error_abc(); set32(F(sg_msg_error, reason_len), 0); return with_len(HDR + 8); }
static size_t b_str_huge(void) { size_t n = error_abc(); set32(F(sg_msg_error, reason_len), UINT32_MAX); return n; }
static size_t b_str_limit(void) { size_t n = error_abc(); set32(F(sg_msg_error, reason_len), SG_STR_MAX + 1); return n; }
static size_t b_str_past_end(void) { size_t n = error_abc(); set32(F(sg_msg_error, reason_len), 5); return n; }
static size_t b_str_short(void) { size_t n = error_abc(); set32(F(sg_msg_error, reason_len), 3); return n; }
static size_t b_str_trailing(void) { size_t n = error_abc(); buf[n] = 0; return with_len(n + 1); }
/* name_len + text_len wraps around in 32 bits to the true remaining size. */
static size_t b_reg_wrap(void)
{
	size_t n = reg();

	set32(F(sg_msg_register, name_len), 0xfffffffcu);
	set32(F(sg_msg_register, text_len), 12);
	return n;
}
/* Each length alone fits, together they run past the end. */
static size_t b_reg_sum_past(void)
{
	size_t n = reg();

	set32(F(sg_msg_register, text_len), 5);
	return n;
}
static size_t b_reg_text_unterminated(void) { size_t n = reg(); buf[n - 1] = 'x'; return n; }
static size_t b_reg_text_missing(void) { reg(); return with_len(HDR + sizeof(struct sg_msg_register) + 4); }
static size_t b_role0(void) { size_t n = hello(); set32(F(sg_msg_hello, role), 0); return n; }
static size_t b_role_max(void) { size_t n = hello(); set32(F(sg_msg_hello, role), SG_ROLE_MAX); return n; }
static size_t b_hello_flags(void) { size_t n = hello(); set32(F(sg_msg_hello, flags), 4); return n; }
static size_t b_err_zero(void) { size_t n = error_abc(); set32(F(sg_msg_error, error), 0); return n; }
static size_t b_err_pos(void) { size_t n = error_abc(); set32(F(sg_msg_error, error), EPERM); return n; }
static size_t b_err_big(void) { size_t n = error_abc(); set32(F(sg_msg_error, error), (uint32_t)-4096); return n; }
static size_t b_reg_mech(void) { size_t n = reg(); set32(F(sg_msg_register, mechanism), SG_MECH_MAX); return n; }
static size_t b_reg_pid0(void) { size_t n = reg(); set32(F(sg_msg_register, target_pid), 0); return n; }
static size_t b_reg_pid_neg(void) { size_t n = reg(); set32(F(sg_msg_register, target_pid), 0x80000000u); return n; }
static size_t b_reg_flags(void) { size_t n = reg(); set32(F(sg_msg_register, flags), 8); return n; }
static size_t learn_row(void)
{
	struct sg_msg_learn_row r = { .count = 3, .arch = 1, .nr = 41, .n_values = 1, .values = { 2 } };

	return enc(proto_encode_learn_row(buf, sizeof(buf), &r));
}
static size_t b_row_values(void) { size_t n = learn_row(); set32(F(sg_msg_learn_row, n_values), SG_LEARN_VALUES_MAX + 1); return n; }
static size_t b_row_unused(void) { size_t n = learn_row(); set32(F(sg_msg_learn_row, values[3]), 7); return n; }
static size_t b_row_arg(void) { size_t n = learn_row(); set32(F(sg_msg_learn_row, arg), 6); return n; }
static size_t b_load_id0(void) { size_t n = enc(proto_encode_policy_load(buf, sizeof(buf), 1, "p", "x", 1)); set32(F(sg_msg_policy_load, id), 0); return n; }
static size_t b_reg_reserved(void) { size_t n = reg(); set32(F(sg_msg_register, reserved), 1); return n; }
static size_t b_sess_mech(void) { size_t n = session(); set32(F(sg_msg_session, mechanism), 7); return n; }
static size_t b_sess_state(void) { size_t n = session(); set32(F(sg_msg_session, state), SG_SESSION_STATE_MAX); return n; }
static size_t b_sess_flags(void) { size_t n = session(); set32(F(sg_msg_session, flags), SG_SESSION_KNOWN + 1); return n; }
static size_t b_sess_reserved(void) { size_t n = session(); set32(F(sg_msg_session, reserved), 1); return n; }
static size_t b_status_reserved(void)
{
	struct sg_msg_status st = { 0 };
	size_t n = enc(proto_encode_status(buf, sizeof(buf), &st, "1"));

	set32(F(sg_msg_status, reserved), 1);
	return n;
}
static size_t b_sub_none(void) { size_t n = subscribe(); set32(F(sg_msg_subscribe, flags), 0); return n; }
static size_t b_sub_unknown(void) { size_t n = subscribe(); set32(F(sg_msg_subscribe, flags), SG_SUB_BACKLOG | 4); return n; }
static size_t b_sub_high(void) { size_t n = subscribe(); set32(F(sg_msg_subscribe, flags), 0x80000000u); return n; }
static size_t b_sub_reserved(void) { size_t n = subscribe(); set32(F(sg_msg_subscribe, reserved), 1); return n; }
static size_t b_rec_reserved(void)
{
	size_t n = enc(proto_encode_record(buf, sizeof(buf), 1, "{}", 2));

	set32(F(sg_msg_record, reserved), 1);
	return n;
}
static size_t b_end(void) { return enc(proto_encode_empty(buf, sizeof(buf), SG_MSG_END)); }

struct bad_case {
	const char *name;
	size_t (*build)(void);
	size_t n_fds;
	int error;
	const char *reason;
};

static const struct bad_case bad_cases[] = {
	{ "empty packet", b_empty, 0, -EBADMSG, "short header" },
	{ "15-byte packet", b_short_hdr, 0, -EBADMSG, "short header" },
	{ "bad magic", b_bad_magic, 0, -EBADMSG, "bad magic" },
	{ "version 0", b_version0, 0, -EPROTO, "unsupported protocol version" },
	{ "version 2", b_version2, 0, -EPROTO, "unsupported protocol version" },
	{ "type NONE", b_type_none, 0, -EBADMSG, "unknown message type" },
	{ "type MAX", b_type_max, 0, -EBADMSG, "unknown message type" },
	{ "type 0xffff", b_type_ffff, 0, -EBADMSG, "unknown message type" },
	{ "len field > packet", b_len_big, 0, -EBADMSG, "length field does not match the packet length" },
	{ "len field < packet", b_len_small, 0, -EBADMSG, "length field does not match the packet length" },
	{ "packet cut short", b_len_cut, 0, -EBADMSG, "length field does not match the packet length" },
	{ "header flags", b_hdr_flags, 0, -EBADMSG, "non-zero header flags" },
	{ "packet too large", b_too_large, 0, -EBADMSG, "packet too large" },
	{ "hello fixed short", b_fixed_short, 0, -EBADMSG, "fixed part too short" },
	{ "hello fixed long", b_fixed_long, 0, -EBADMSG, "fixed part too long" },
	{ "end with a body", b_empty_long, 0, -EBADMSG, "fixed part too long" },
	{ "error fixed short", b_error_fixed_short, 0, -EBADMSG, "fixed part too short" },
	{ "string not terminated", b_str_unterminated, 0, -EBADMSG, "string not NUL-terminated" },
	{ "string interior NUL", b_str_interior_nul, 0, -EBADMSG, "string contains a NUL byte" },
	{ "string length 0", b_str_zero, 0, -EBADMSG, "zero string length" },
	{ "string length 2^32-1", b_str_huge, 0, -EBADMSG, "string length over the limit" },
	{ "string length SG_STR_MAX+1", b_str_limit, 0, -EBADMSG, "string length over the limit" },
	{ "string past the end", b_str_past_end, 0, -EBADMSG, "string runs past the end of the packet" },
	{ "string length short", b_str_short, 0, -EBADMSG, "string not NUL-terminated" },
	{ "bytes after string", b_str_trailing, 0, -EBADMSG, "trailing bytes after the strings" },
	{ "lengths wrap 32 bits", b_reg_wrap, 1, -EBADMSG, "string length over the limit" },
	{ "lengths sum past end", b_reg_sum_past, 1, -EBADMSG, "string runs past the end of the packet" },
	{ "text not terminated", b_reg_text_unterminated, 1, -EBADMSG, "string not NUL-terminated" },
	{ "text missing", b_reg_text_missing, 1, -EBADMSG, "string runs past the end of the packet" },
	{ "role 0", b_role0, 0, -EBADMSG, "role out of range" },
	{ "role MAX", b_role_max, 0, -EBADMSG, "role out of range" },
	{ "hello flags", b_hello_flags, 0, -EBADMSG, "unknown flags" },
	{ "error code 0", b_err_zero, 0, -EBADMSG, "error code out of range" },
	{ "error code positive", b_err_pos, 0, -EBADMSG, "error code out of range" },
	{ "error code -4096", b_err_big, 0, -EBADMSG, "error code out of range" },
	{ "register mechanism", b_reg_mech, 1, -EBADMSG, "mechanism out of range" },
	{ "register pid 0", b_reg_pid0, 1, -EBADMSG, "target pid out of range" },
	{ "register pid > INT32_MAX", b_reg_pid_neg, 1, -EBADMSG, "target pid out of range" },
	{ "register flags", b_reg_flags, 1, -EBADMSG, "unknown flags" },
	{ "learn row values", b_row_values, 0, -EBADMSG, "too many values" },
	{ "learn row unused value", b_row_unused, 0, -EBADMSG, "non-zero unused value" },
	{ "learn row arg", b_row_arg, 0, -EBADMSG, "field out of range" },
	{ "policy load id 0", b_load_id0, 0, -EBADMSG, "session id 0" },
	{ "register reserved", b_reg_reserved, 1, -EBADMSG, "non-zero reserved field" },
	{ "session mechanism", b_sess_mech, 0, -EBADMSG, "mechanism out of range" },
	{ "session state", b_sess_state, 0, -EBADMSG, "session state out of range" },
	{ "session flags", b_sess_flags, 0, -EBADMSG, "unknown flags" },
	{ "session reserved", b_sess_reserved, 0, -EBADMSG, "non-zero reserved field" },
	{ "status reserved", b_status_reserved, 0, -EBADMSG, "non-zero reserved field" },
	{ "subscribe no flag", b_sub_none, 0, -EBADMSG, "subscribe without flags" },
	{ "subscribe flag 4", b_sub_unknown, 0, -EBADMSG, "unknown subscribe flags" },
	{ "subscribe flag 2^31", b_sub_high, 0, -EBADMSG, "unknown subscribe flags" },
	{ "subscribe reserved", b_sub_reserved, 0, -EBADMSG, "non-zero reserved field" },
	{ "record reserved", b_rec_reserved, 0, -EBADMSG, "non-zero reserved field" },
	{ "register without fd", reg, 0, -EBADMSG, "wrong number of file descriptors for the mechanism" },
	{ "register with 2 fds", reg, 2, -EBADMSG, "wrong number of file descriptors for the message type" },
	{ "hello with an fd", hello, 1, -EBADMSG, "wrong number of file descriptors for the message type" },
	{ "end with an fd", b_end, 1, -EBADMSG, "wrong number of file descriptors for the message type" },
	{ "error with 4 fds", error_abc, 4, -EBADMSG, "wrong number of file descriptors for the message type" },
	{ "hello with 5 fds", hello, 5, -EBADMSG, "wrong number of file descriptors for the message type" },
};

Test(proto_msg_decode, rejects_malformed_packets_with_reason)
{
	static const int fds[8] = { 40, 41, 42, 43, 44, 45, 46, 47 };

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct sg_msg m, untouched;
		const char *reason = NULL;
		size_t len;
		int r;

		memset(buf, 0, sizeof(buf));
		len = c->build();
		memset(&m, 0xa5, sizeof(m));
		untouched = m;
		r = proto_decode(buf, len, fds, c->n_fds, &m, &reason);
		cr_expect_eq(r, c->error, "%s: got %d, want %d (%s)", c->name, r, c->error,
			     reason ? reason : "(null)");
		cr_expect(reason && strcmp(reason, c->reason) == 0, "%s: reason '%s', want '%s'",
			  c->name, reason ? reason : "(null)", c->reason);
		cr_expect(memcmp(&m, &untouched, sizeof(m)) == 0, "%s: ret changed on failure",
			  c->name);
	}
}

/* The cases above are mutations of packets that decode: prove the bases are valid. */
Test(proto_msg_decode, malformed_table_bases_are_valid)
{
	static const int fd = 3;

	decode_ok(hello(), NULL, 0);
	decode_ok(error_abc(), NULL, 0);
	decode_ok(reg(), &fd, 1);
	decode_ok(session(), NULL, 0);
	decode_ok(subscribe(), NULL, 0);
	decode_ok(b_end(), NULL, 0);
}

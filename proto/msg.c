/* SPDX-License-Identifier: MIT */
/*
 * Encoding and validating decoding of sysgate wire messages.  A packet is
 * struct sg_hdr, the type's fixed struct, then the type's strings in the order
 * of their length fields, each with its NUL (a length counts the NUL, so 0 is
 * never valid).  Nothing follows the last string.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "macro.h"
#include "proto.h"

/* The wire layout is ABI between separately built programs: pin every size. */
_Static_assert(sizeof(struct sg_hdr) == 16, "sg_hdr size");
_Static_assert(sizeof(struct sg_msg_hello) == 8, "sg_msg_hello size");
_Static_assert(sizeof(struct sg_msg_ack) == 8, "sg_msg_ack size");
_Static_assert(sizeof(struct sg_msg_error) == 8, "sg_msg_error size");
_Static_assert(sizeof(struct sg_msg_register) == 24, "sg_msg_register size");
_Static_assert(sizeof(struct sg_msg_status) == 48, "sg_msg_status size");
_Static_assert(sizeof(struct sg_msg_session_req) == 8, "sg_msg_session_req size");
_Static_assert(sizeof(struct sg_msg_session_mode) == 16, "sg_msg_session_mode size");
_Static_assert(sizeof(struct sg_msg_policy_load) == 16, "sg_msg_policy_load size");
_Static_assert(sizeof(struct sg_msg_learn_row) == 48 + 8 * SG_LEARN_VALUES_MAX,
	       "sg_msg_learn_row size");
_Static_assert(sizeof(struct sg_msg_session) == 96, "sg_msg_session size");
_Static_assert(sizeof(struct sg_msg_stats_req) == 8, "sg_msg_stats_req size");
_Static_assert(sizeof(struct sg_msg_stat) == 64, "sg_msg_stat size");
_Static_assert(sizeof(struct sg_msg_subscribe) == 16, "sg_msg_subscribe size");
_Static_assert(sizeof(struct sg_msg_record) == 16, "sg_msg_record size");
_Static_assert(sizeof(struct sg_msg_trap_call) == 72, "sg_msg_trap_call size");
_Static_assert(sizeof(struct sg_msg_trap_verdict) == 16, "sg_msg_trap_verdict size");
_Static_assert(SG_STR_MAX < SG_MSG_MAX, "a string must fit in a packet");
_Static_assert(SG_MSG_MAX <= UINT32_MAX, "sg_hdr.len is 32 bits");

#define SG_ERRNO_MAX 4095
#define SG_SUB_KNOWN (SG_SUB_BACKLOG | SG_SUB_FOLLOW)

/* What a type looks like on the wire. */
struct msg_layout {
	size_t fixed;      /* size of the fixed struct */
	unsigned n_strs;   /* strings after it, 0..2 */
	size_t str_off[2]; /* offsets of their uint32_t length fields in the fixed struct */
	unsigned n_fds;    /* exact number of fds the type carries */
};

static const struct msg_layout layouts[SG_MSG_TYPE_MAX] = {
	[SG_MSG_HELLO] = { sizeof(struct sg_msg_hello), 0, { 0, 0 }, 0 },
	[SG_MSG_ACK] = { sizeof(struct sg_msg_ack), 0, { 0, 0 }, 0 },
	[SG_MSG_ERROR] = { sizeof(struct sg_msg_error), 1,
			   { offsetof(struct sg_msg_error, reason_len), 0 }, 0 },
	[SG_MSG_REGISTER] = { sizeof(struct sg_msg_register), 2,
			      { offsetof(struct sg_msg_register, name_len),
				offsetof(struct sg_msg_register, text_len) }, 1 },
	[SG_MSG_STATUS_REQ] = { 0, 0, { 0, 0 }, 0 },
	[SG_MSG_STATUS] = { sizeof(struct sg_msg_status), 1,
			    { offsetof(struct sg_msg_status, version_len), 0 }, 0 },
	[SG_MSG_SESSIONS_REQ] = { 0, 0, { 0, 0 }, 0 },
	[SG_MSG_SESSION_REQ] = { sizeof(struct sg_msg_session_req), 0, { 0, 0 }, 0 },
	[SG_MSG_SESSION] = { sizeof(struct sg_msg_session), 1,
			     { offsetof(struct sg_msg_session, policy_len), 0 }, 0 },
	[SG_MSG_STATS_REQ] = { sizeof(struct sg_msg_stats_req), 0, { 0, 0 }, 0 },
	[SG_MSG_STAT] = { sizeof(struct sg_msg_stat), 0, { 0, 0 }, 0 },
	[SG_MSG_END] = { 0, 0, { 0, 0 }, 0 },
	[SG_MSG_SUBSCRIBE] = { sizeof(struct sg_msg_subscribe), 0, { 0, 0 }, 0 },
	[SG_MSG_RECORD] = { sizeof(struct sg_msg_record), 1,
			    { offsetof(struct sg_msg_record, len), 0 }, 0 },
	[SG_MSG_TRAP_CALL] = { sizeof(struct sg_msg_trap_call), 0, { 0, 0 }, 0 },
	[SG_MSG_TRAP_VERDICT] = { sizeof(struct sg_msg_trap_verdict), 0, { 0, 0 }, 0 },
	[SG_MSG_SESSION_MODE] = { sizeof(struct sg_msg_session_mode), 0, { 0, 0 }, 0 },
	[SG_MSG_POLICY_LOAD] = { sizeof(struct sg_msg_policy_load), 2,
				 { offsetof(struct sg_msg_policy_load, name_len),
				   offsetof(struct sg_msg_policy_load, text_len) }, 0 },
	[SG_MSG_LEARN_REQ] = { sizeof(struct sg_msg_session_req), 0, { 0, 0 }, 0 },
	[SG_MSG_LEARN_ROW] = { sizeof(struct sg_msg_learn_row), 0, { 0, 0 }, 0 },
	[SG_MSG_KILLED] = { sizeof(struct sg_msg_session_req), 0, { 0, 0 }, 0 },
};

static const char *const type_names[SG_MSG_TYPE_MAX] = {
	[SG_MSG_NONE] = "none",
	[SG_MSG_HELLO] = "hello",
	[SG_MSG_ACK] = "ack",
	[SG_MSG_ERROR] = "error",
	[SG_MSG_REGISTER] = "register",
	[SG_MSG_STATUS_REQ] = "status-req",
	[SG_MSG_STATUS] = "status",
	[SG_MSG_SESSIONS_REQ] = "sessions-req",
	[SG_MSG_SESSION_REQ] = "session-req",
	[SG_MSG_SESSION] = "session",
	[SG_MSG_STATS_REQ] = "stats-req",
	[SG_MSG_STAT] = "stat",
	[SG_MSG_END] = "end",
	[SG_MSG_SUBSCRIBE] = "subscribe",
	[SG_MSG_SESSION_MODE] = "session-mode",
	[SG_MSG_POLICY_LOAD] = "policy-load",
	[SG_MSG_LEARN_REQ] = "learn-request",
	[SG_MSG_LEARN_ROW] = "learn-row",
	[SG_MSG_KILLED] = "killed",
	[SG_MSG_RECORD] = "record",
	[SG_MSG_TRAP_CALL] = "trap-call",
	[SG_MSG_TRAP_VERDICT] = "trap-verdict",
};

static const char *const mech_names[SG_MECH_MAX] = {
	[SG_MECH_NOTIFY] = "notify",
	[SG_MECH_TRACE] = "trace",
	[SG_MECH_TRAP] = "trap",
};

/* A string argument to put on the wire; s == NULL: none. len excludes the NUL. */
struct wire_str {
	const char *s;
	size_t len;
};

/* Check a string argument and return its wire length (NUL included), or -errno. */
static ssize_t wire_str_len(const struct wire_str *ws)
{
	if (!ws->s)
		return -EINVAL;
	if (ws->len >= SG_STR_MAX)
		return -EMSGSIZE;
	if (memchr(ws->s, '\0', ws->len))
		return -EINVAL;
	return (ssize_t)ws->len + 1;
}

/* Write header, fixed struct and strings; the fixed struct's length fields are set here. */
static ssize_t encode(void *buf, size_t size, uint16_t type, void *fixed, size_t fixed_len,
		      const struct wire_str *strs, unsigned n_strs)
{
	const struct msg_layout *l = &layouts[type];
	struct sg_hdr hdr = { 0 };
	size_t total = sizeof(hdr) + fixed_len;
	uint8_t *p = buf;

	if (!buf)
		return -EINVAL;
	for (unsigned i = 0; i < n_strs; i++) {
		ssize_t n = wire_str_len(&strs[i]);
		uint32_t n32;

		if (n < 0)
			return n;
		n32 = (uint32_t)n;
		memcpy((uint8_t *)fixed + l->str_off[i], &n32, sizeof(n32));
		total += (size_t)n;
	}
	if (total > SG_MSG_MAX || total > size)
		return -EMSGSIZE;

	hdr.magic = SG_PROTO_MAGIC;
	hdr.version = SG_PROTO_VERSION;
	hdr.type = type;
	hdr.len = (uint32_t)total;
	memcpy(p, &hdr, sizeof(hdr));
	p += sizeof(hdr);
	if (fixed_len > 0)
		memcpy(p, fixed, fixed_len);
	p += fixed_len;
	for (unsigned i = 0; i < n_strs; i++) {
		memcpy(p, strs[i].s, strs[i].len);
		p[strs[i].len] = '\0';
		p += strs[i].len + 1;
	}
	return (ssize_t)total;
}

/* Encode HELLO announcing the peer's role. */
ssize_t proto_encode_hello(void *buf, size_t size, enum sg_role role)
{
	return proto_encode_hello_flags(buf, size, role, 0);
}

/* Encode HELLO with flags; see proto.h. */
ssize_t proto_encode_hello_flags(void *buf, size_t size, enum sg_role role, uint32_t flags)
{
	struct sg_msg_hello m = { 0 };

	if (role <= SG_ROLE_NONE || role >= SG_ROLE_MAX || (flags & ~(uint32_t)SG_HELLO_KNOWN))
		return -EINVAL;
	m.role = (uint32_t)role;
	m.flags = flags;
	return encode(buf, size, SG_MSG_HELLO, &m, sizeof(m), NULL, 0);
}

/* Encode ACK with its value. */
ssize_t proto_encode_ack(void *buf, size_t size, uint64_t value)
{
	struct sg_msg_ack m = { .value = value };

	return encode(buf, size, SG_MSG_ACK, &m, sizeof(m), NULL, 0);
}

/* Encode ERROR: error is a negative errno; reason NULL means "". */
ssize_t proto_encode_error(void *buf, size_t size, int error, const char *reason)
{
	struct sg_msg_error m = { .error = error };
	struct wire_str s = { reason ? reason : "", reason ? strlen(reason) : 0 };

	if (error >= 0 || error < -SG_ERRNO_MAX)
		return -EINVAL;
	return encode(buf, size, SG_MSG_ERROR, &m, sizeof(m), &s, 1);
}

/* Encode REGISTER: policy_text has text_len bytes, no NUL among them; the fd travels apart. */
ssize_t proto_encode_register(void *buf, size_t size, pid_t target, enum sg_mechanism mech,
			      const char *policy_name, const char *policy_text, size_t text_len)
{
	return proto_encode_register_flags(buf, size, target, mech, 0, policy_name, policy_text,
					   text_len);
}

/* Encode REGISTER with flags; see proto.h. */
ssize_t proto_encode_register_flags(void *buf, size_t size, pid_t target, enum sg_mechanism mech,
				    uint32_t flags, const char *policy_name, const char *policy_text,
				    size_t text_len)
{
	struct sg_msg_register m = { 0 };
	struct wire_str s[2] = {
		{ policy_name, policy_name ? strlen(policy_name) : 0 },
		{ policy_text, text_len },
	};

	if (target <= 0 || (unsigned)mech >= SG_MECH_MAX || (flags & ~(uint32_t)SG_REG_KNOWN))
		return -EINVAL;
	m.flags = flags;
	m.target_pid = (uint32_t)target;
	m.mechanism = (uint32_t)mech;
	return encode(buf, size, SG_MSG_REGISTER, &m, sizeof(m), s, 2);
}

/* Encode STATUS; st's version_len and reserved are ignored. */
ssize_t proto_encode_status(void *buf, size_t size, const struct sg_msg_status *st,
			    const char *version)
{
	struct sg_msg_status m;
	struct wire_str s = { version, version ? strlen(version) : 0 };

	if (!st)
		return -EINVAL;
	m = *st;
	m.version_len = 0;
	m.reserved = 0;
	return encode(buf, size, SG_MSG_STATUS, &m, sizeof(m), &s, 1);
}

/* Encode a message without a body: STATUS_REQ, SESSIONS_REQ or END. */
ssize_t proto_encode_empty(void *buf, size_t size, enum sg_msg_type type)
{
	if (type != SG_MSG_STATUS_REQ && type != SG_MSG_SESSIONS_REQ && type != SG_MSG_END)
		return -EINVAL;
	return encode(buf, size, (uint16_t)type, NULL, 0, NULL, 0);
}

/* Encode SESSION_MODE; see proto.h. */
ssize_t proto_encode_session_mode(void *buf, size_t size, uint64_t id, uint32_t audit)
{
	struct sg_msg_session_mode m = { .id = id, .audit = audit };

	if (audit > 1)
		return -EINVAL;

	return encode(buf, size, SG_MSG_SESSION_MODE, &m, sizeof(m), NULL, 0);
}

/* Encode POLICY_LOAD; see proto.h. */
ssize_t proto_encode_policy_load(void *buf, size_t size, uint64_t id, const char *name,
				 const char *text, size_t text_len)
{
	struct sg_msg_policy_load m = { .id = id };
	struct wire_str s[2] = { { name, name ? strlen(name) : 0 }, { text, text_len } };

	if (id == 0 || !name || !text || memchr(text, '\0', text_len))
		return -EINVAL;
	return encode(buf, size, SG_MSG_POLICY_LOAD, &m, sizeof(m), s, 2);
}

/* Encode LEARN_REQ for one session id. */
ssize_t proto_encode_learn_req(void *buf, size_t size, uint64_t id)
{
	struct sg_msg_session_req m = { .id = id };

	if (id == 0)
		return -EINVAL;
	return encode(buf, size, SG_MSG_LEARN_REQ, &m, sizeof(m), NULL, 0);
}

/* Encode KILLED for one session id. */
ssize_t proto_encode_killed(void *buf, size_t size, uint64_t id)
{
	struct sg_msg_session_req m = { .id = id };

	if (id == 0)
		return -EINVAL;
	return encode(buf, size, SG_MSG_KILLED, &m, sizeof(m), NULL, 0);
}

/* Encode LEARN_ROW; the values past n_values go out as 0. */
ssize_t proto_encode_learn_row(void *buf, size_t size, const struct sg_msg_learn_row *row)
{
	struct sg_msg_learn_row m;

	if (!row || row->n_values > SG_LEARN_VALUES_MAX || row->arg >= 6 || row->overflow > 1)
		return -EINVAL;
	m = *row;
	m.reserved = 0;
	for (uint32_t i = m.n_values; i < SG_LEARN_VALUES_MAX; i++)
		m.values[i] = 0;
	return encode(buf, size, SG_MSG_LEARN_ROW, &m, sizeof(m), NULL, 0);
}

/* Encode SESSION_REQ for one session id. */
ssize_t proto_encode_session_req(void *buf, size_t size, uint64_t id)
{
	struct sg_msg_session_req m = { .id = id };

	return encode(buf, size, SG_MSG_SESSION_REQ, &m, sizeof(m), NULL, 0);
}

/* Encode SESSION; s->policy_len is ignored. */
ssize_t proto_encode_session(void *buf, size_t size, const struct sg_msg_session *s,
			     const char *policy_name)
{
	struct sg_msg_session m;
	struct wire_str ws = { policy_name, policy_name ? strlen(policy_name) : 0 };

	if (!s || s->mechanism >= SG_MECH_MAX || s->state >= SG_SESSION_STATE_MAX ||
	    (s->flags & ~(uint32_t)SG_SESSION_KNOWN))
		return -EINVAL;
	m = *s;
	m.policy_len = 0;
	m.reserved = 0;
	return encode(buf, size, SG_MSG_SESSION, &m, sizeof(m), &ws, 1);
}

/* Encode STATS_REQ; session_id 0 asks for every visible session. */
ssize_t proto_encode_stats_req(void *buf, size_t size, uint64_t session_id)
{
	struct sg_msg_stats_req m = { .session_id = session_id };

	return encode(buf, size, SG_MSG_STATS_REQ, &m, sizeof(m), NULL, 0);
}

/* Encode one STAT row. */
ssize_t proto_encode_stat(void *buf, size_t size, const struct sg_msg_stat *st)
{
	struct sg_msg_stat m;

	if (!st)
		return -EINVAL;
	m = *st;
	return encode(buf, size, SG_MSG_STAT, &m, sizeof(m), NULL, 0);
}

/* Encode SUBSCRIBE; flags must be a non-empty set of SG_SUB_*. */
ssize_t proto_encode_subscribe(void *buf, size_t size, uint64_t session_id, uint32_t flags)
{
	struct sg_msg_subscribe m = { .session_id = session_id, .flags = flags };

	if (flags == 0 || (flags & ~(uint32_t)SG_SUB_KNOWN))
		return -EINVAL;
	return encode(buf, size, SG_MSG_SUBSCRIBE, &m, sizeof(m), NULL, 0);
}

/* Encode RECORD: json has json_len bytes, no NUL among them. */
ssize_t proto_encode_record(void *buf, size_t size, uint64_t session_id, const char *json,
			    size_t json_len)
{
	struct sg_msg_record m = { .session_id = session_id };
	struct wire_str s = { json, json_len };

	return encode(buf, size, SG_MSG_RECORD, &m, sizeof(m), &s, 1);
}

/* Encode TRAP_CALL; no allocation, callable from a signal handler. */
ssize_t proto_encode_trap_call(void *buf, size_t size, const struct sg_msg_trap_call *call)
{
	struct sg_msg_trap_call m;

	if (!call || call->tid == 0 || call->tid > INT32_MAX)
		return -EINVAL;
	m = *call;
	m.reserved = 0;
	return encode(buf, size, SG_MSG_TRAP_CALL, &m, sizeof(m), NULL, 0);
}

/* Encode TRAP_VERDICT. */
ssize_t proto_encode_trap_verdict(void *buf, size_t size, enum sg_trap_action action,
				  int64_t value)
{
	struct sg_msg_trap_verdict m = { .action = (uint32_t)action, .value = value };

	if ((unsigned)action >= SG_TRAP_ACTION_MAX)
		return -EINVAL;
	return encode(buf, size, SG_MSG_TRAP_VERDICT, &m, sizeof(m), NULL, 0);
}

/* Type-specific field checks on the fixed struct; NULL when valid. */
static const char *check_fields(uint16_t type, const struct sg_msg *m)
{
	switch (type) {
	case SG_MSG_HELLO:
		if (m->u.hello.role <= SG_ROLE_NONE || m->u.hello.role >= SG_ROLE_MAX)
			return "role out of range";
		if (m->u.hello.flags & ~(uint32_t)SG_HELLO_KNOWN)
			return "unknown flags";
		break;
	case SG_MSG_ERROR:
		if (m->u.error.error >= 0 || m->u.error.error < -SG_ERRNO_MAX)
			return "error code out of range";
		break;
	case SG_MSG_REGISTER:
		if (m->u.reg.target_pid == 0 || m->u.reg.target_pid > INT32_MAX)
			return "target pid out of range";
		if (m->u.reg.mechanism >= SG_MECH_MAX)
			return "mechanism out of range";
		if (m->u.reg.flags & ~(uint32_t)SG_REG_KNOWN)
			return "unknown flags";
		if (m->u.reg.reserved != 0)
			return "non-zero reserved field";
		break;
	case SG_MSG_SESSION_MODE:
		if (m->u.session_mode.audit > 1)
			return "mode out of range";
		if (m->u.session_mode.reserved != 0)
			return "non-zero reserved field";
		break;
	case SG_MSG_POLICY_LOAD:
		if (m->u.policy_load.id == 0)
			return "session id 0";
		break;
	case SG_MSG_LEARN_REQ:
	case SG_MSG_KILLED:
		if (m->u.session_req.id == 0)
			return "session id 0";
		break;
	case SG_MSG_LEARN_ROW:
		if (m->u.learn_row.n_values > SG_LEARN_VALUES_MAX)
			return "too many values";
		if (m->u.learn_row.arg >= 6 || m->u.learn_row.overflow > 1)
			return "field out of range";
		if (m->u.learn_row.reserved != 0)
			return "non-zero reserved field";
		for (uint32_t i = m->u.learn_row.n_values; i < SG_LEARN_VALUES_MAX; i++)
			if (m->u.learn_row.values[i] != 0)
				return "non-zero unused value";
		break;
	case SG_MSG_STATUS:
		if (m->u.status.reserved != 0)
			return "non-zero reserved field";
		break;
	case SG_MSG_SESSION:
		if (m->u.session.mechanism >= SG_MECH_MAX)
			return "mechanism out of range";
		if (m->u.session.state >= SG_SESSION_STATE_MAX)
			return "session state out of range";
		if (m->u.session.flags & ~(uint32_t)SG_SESSION_KNOWN)
			return "unknown flags";
		if (m->u.session.reserved != 0)
			return "non-zero reserved field";
		break;
	case SG_MSG_SUBSCRIBE:
		if (m->u.subscribe.flags == 0)
			return "subscribe without flags";
		if (m->u.subscribe.flags & ~(uint32_t)SG_SUB_KNOWN)
			return "unknown subscribe flags";
		if (m->u.subscribe.reserved != 0)
			return "non-zero reserved field";
		break;
	case SG_MSG_RECORD:
		if (m->u.record.reserved != 0)
			return "non-zero reserved field";
		break;
	case SG_MSG_TRAP_CALL:
		if (m->u.trap_call.reserved != 0)
			return "non-zero reserved field";
		if (m->u.trap_call.tid == 0 || m->u.trap_call.tid > INT32_MAX)
			return "tid out of range";
		break;
	case SG_MSG_TRAP_VERDICT:
		if (m->u.trap_verdict.action >= SG_TRAP_ACTION_MAX)
			return "trap action out of range";
		if (m->u.trap_verdict.reserved != 0)
			return "non-zero reserved field";
		break;
	default:
		break;
	}
	return NULL;
}

/* Walk the strings after the fixed struct; NULL when they exactly fill the packet. */
static const char *check_strings(const struct msg_layout *l, const uint8_t *p, size_t left,
				 struct sg_msg *m)
{
	for (unsigned i = 0; i < l->n_strs; i++) {
		uint32_t slen;

		memcpy(&slen, (const uint8_t *)&m->u + l->str_off[i], sizeof(slen));
		if (slen == 0)
			return "zero string length";
		if (slen > SG_STR_MAX)
			return "string length over the limit";
		/* Compare against what is left before moving on: lengths never add up. */
		if (slen > left)
			return "string runs past the end of the packet";
		if (p[slen - 1] != '\0')
			return "string not NUL-terminated";
		if (memchr(p, '\0', slen - 1))
			return "string contains a NUL byte";
		if (i == 0) {
			m->str = (const char *)p;
			m->str_len = slen - 1;
		} else {
			m->str2 = (const char *)p;
			m->str2_len = slen - 1;
		}
		p += slen;
		left -= slen;
	}
	if (left != 0)
		return l->n_strs == 0 ? "fixed part too long" : "trailing bytes after the strings";
	return NULL;
}

/* Header checks; NULL when valid, with *ret_error set otherwise. */
static const char *check_header(const void *buf, size_t len, struct sg_hdr *hdr, int *ret_error)
{
	*ret_error = -EBADMSG;
	if (len < sizeof(*hdr))
		return "short header";
	memcpy(hdr, buf, sizeof(*hdr));
	if (hdr->magic != SG_PROTO_MAGIC)
		return "bad magic";
	if (hdr->version != SG_PROTO_VERSION) {
		*ret_error = -EPROTO;
		return "unsupported protocol version";
	}
	if (hdr->type == SG_MSG_NONE || hdr->type >= SG_MSG_TYPE_MAX)
		return "unknown message type";
	if (hdr->len != len)
		return "length field does not match the packet length";
	if (len > SG_MSG_MAX)
		return "packet too large";
	if (hdr->flags != 0)
		return "non-zero header flags";
	return NULL;
}

/* Validate one packet and decode it; see proto.h. */
int proto_decode(const void *buf, size_t len, const int *fds, size_t n_fds, struct sg_msg *ret,
		 const char **ret_reason)
{
	const struct msg_layout *l;
	struct sg_msg m = { 0 };
	struct sg_hdr hdr;
	const char *reason;
	const uint8_t *body;
	size_t body_len;
	int r;

	if (!buf || !ret || (n_fds > 0 && !fds)) {
		if (ret_reason)
			*ret_reason = "invalid argument";
		return -EINVAL;
	}

	reason = check_header(buf, len, &hdr, &r);
	if (reason)
		goto fail;
	r = -EBADMSG;
	l = &layouts[hdr.type];
	if (n_fds != l->n_fds && !(hdr.type == SG_MSG_REGISTER && n_fds == 0)) {
		reason = "wrong number of file descriptors for the message type";
		goto fail;
	}
	body = (const uint8_t *)buf + sizeof(hdr);
	body_len = len - sizeof(hdr);
	if (body_len < l->fixed) {
		reason = "fixed part too short";
		goto fail;
	}
	m.type = hdr.type;
	if (l->fixed > 0)
		memcpy(&m.u, body, l->fixed);
	reason = check_fields(hdr.type, &m);
	if (reason)
		goto fail;
	/* REGISTER: notify carries its listener; trace (the daemon attaches) and trap
	 * (the process asks over its connection) carry none. */
	if (hdr.type == SG_MSG_REGISTER &&
	    n_fds != (m.u.reg.mechanism == SG_MECH_NOTIFY ? 1u : 0u)) {
		reason = "wrong number of file descriptors for the mechanism";
		goto fail;
	}
	reason = check_strings(l, body + l->fixed, body_len - l->fixed, &m);
	if (reason)
		goto fail;

	for (size_t i = 0; i < SG_MSG_FDS_MAX; i++)
		m.fds[i] = i < n_fds ? fds[i] : -EBADF;
	m.n_fds = (unsigned)n_fds;
	*ret = m;
	if (ret_reason)
		*ret_reason = NULL;
	return 0;

fail:
	if (ret_reason)
		*ret_reason = reason;
	return r;
}

/* Name of a message type for diagnostics. */
const char *proto_type_name(uint16_t type)
{
	if (type >= SG_MSG_TYPE_MAX)
		return "unknown";
	return type_names[type];
}

/* Name of a mechanism, or NULL when out of range. */
const char *proto_mechanism_name(uint32_t mech)
{
	if (mech >= SG_MECH_MAX)
		return NULL;
	return mech_names[mech];
}

/* Mechanism by name, or -EINVAL. */
int proto_mechanism_from_name(const char *name)
{
	if (!name)
		return -EINVAL;
	for (unsigned i = 0; i < SG_MECH_MAX; i++)
		if (strcmp(name, mech_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

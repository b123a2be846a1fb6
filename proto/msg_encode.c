/* SPDX-License-Identifier: MIT */
/*
 * Encoding of sysgate wire messages (layout.h): each encoder checks its
 * arguments, then writes the header, the fixed struct and the strings.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "layout.h"
#include "proto.h"

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
	const struct msg_layout *l = &proto_msg_layouts[type];
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

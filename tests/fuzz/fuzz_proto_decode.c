/* SPDX-License-Identifier: MIT */
/* Fuzzes the wire protocol decoder (proto_decode) with 0 to 5 fds: the first byte picks the fd
 * count, the rest is the packet; what decodes must point inside the packet and encode back to
 * the very same bytes. */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "proto.h"

/* A decoded string lies inside the packet, NUL-terminated with no NUL before. */
static void check_str(const char *s, size_t len, const uint8_t *pkt, size_t size)
{
	FUZZ_CHECK((const uint8_t *)s >= pkt && (const uint8_t *)s + len < pkt + size,
		   "string outside the packet");
	FUZZ_CHECK(s[len] == '\0' && strlen(s) == len, "string of %zu bytes", len);
}

/* Encode m again with the encoder of its type. */
static ssize_t encode(const struct sg_msg *m, uint8_t *buf, size_t size)
{
	switch (m->type) {
	case SG_MSG_HELLO:
		return proto_encode_hello_flags(buf, size, m->u.hello.role, m->u.hello.flags);
	case SG_MSG_ACK:
		return proto_encode_ack(buf, size, m->u.ack.value);
	case SG_MSG_ERROR:
		return proto_encode_error(buf, size, m->u.error.error, m->str);
	case SG_MSG_REGISTER:
		return proto_encode_register_flags(buf, size, (pid_t)m->u.reg.target_pid,
						   m->u.reg.mechanism, m->u.reg.flags, m->str,
						   m->str2, m->str2_len);
	case SG_MSG_STATUS:
		return proto_encode_status(buf, size, &m->u.status, m->str);
	case SG_MSG_STATUS_REQ:
	case SG_MSG_SESSIONS_REQ:
	case SG_MSG_END:
		return proto_encode_empty(buf, size, m->type);
	case SG_MSG_SESSION_REQ:
		return proto_encode_session_req(buf, size, m->u.session_req.id);
	case SG_MSG_SESSION:
		return proto_encode_session(buf, size, &m->u.session, m->str);
	case SG_MSG_STATS_REQ:
		return proto_encode_stats_req(buf, size, m->u.stats_req.session_id);
	case SG_MSG_STAT:
		return proto_encode_stat(buf, size, &m->u.stat);
	case SG_MSG_SUBSCRIBE:
		return proto_encode_subscribe(buf, size, m->u.subscribe.session_id,
					      m->u.subscribe.flags);
	case SG_MSG_RECORD:
		return proto_encode_record(buf, size, m->u.record.session_id, m->str, m->str_len);
	case SG_MSG_TRAP_CALL:
		return proto_encode_trap_call(buf, size, &m->u.trap_call);
	case SG_MSG_TRAP_VERDICT:
		return proto_encode_trap_verdict(buf, size, m->u.trap_verdict.action,
						 m->u.trap_verdict.value);
	case SG_MSG_SESSION_MODE:
		return proto_encode_session_mode(buf, size, m->u.session_mode.id,
						 m->u.session_mode.audit);
	case SG_MSG_POLICY_LOAD:
		return proto_encode_policy_load(buf, size, m->u.policy_load.id, m->str, m->str2,
						m->str2_len);
	case SG_MSG_LEARN_REQ:
		return proto_encode_learn_req(buf, size, m->u.session_req.id);
	case SG_MSG_LEARN_ROW:
		return proto_encode_learn_row(buf, size, &m->u.learn_row);
	case SG_MSG_KILLED:
		return proto_encode_killed(buf, size, m->u.session_req.id);
	default:
		FUZZ_CHECK(0, "decoded a message of type %u", m->type);
	}
	return -EINVAL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int fds[SG_MSG_FDS_MAX + 1] = { 100, 101, 102, 103, 104 };
	const char *reason = "unset";
	struct sg_msg m;
	uint8_t *again;
	size_t n_fds, len;
	ssize_t n;
	int r;

	if (size == 0)
		return 0;
	n_fds = data[0] % (SG_MSG_FDS_MAX + 2);
	data++;
	len = size - 1;
	memset(&m, 0xa5, sizeof(m));
	r = proto_decode(data, len, fds, n_fds, &m, &reason);
	if (r < 0) {
		FUZZ_CHECK(r == -EBADMSG || r == -EPROTO, "%d", r);
		FUZZ_CHECK(reason && reason[0], "no reason for %d", r);
		return 0;
	}
	FUZZ_CHECK(reason == NULL, "reason on success: %s", reason);
	FUZZ_CHECK(m.n_fds == n_fds && n_fds <= SG_MSG_FDS_MAX, "%u fds of %zu", m.n_fds, n_fds);
	for (size_t i = 0; i < SG_MSG_FDS_MAX; i++)
		FUZZ_CHECK(m.fds[i] == (i < n_fds ? fds[i] : -EBADF), "fd %zu", i);
	if (m.str)
		check_str(m.str, m.str_len, data, len);
	if (m.str2)
		check_str(m.str2, m.str2_len, data, len);
	FUZZ_CHECK(proto_type_name(m.type) && strcmp(proto_type_name(m.type), "unknown") != 0,
		   "type %u", m.type);
	again = malloc(len);
	FUZZ_CHECK(again, "malloc");
	n = encode(&m, again, len);
	FUZZ_CHECK(n == (ssize_t)len && memcmp(again, data, len) == 0,
		   "a %s message decoded from %zu bytes encodes to %zd other bytes",
		   proto_type_name(m.type), len, n);
	free(again);
	return 0;
}

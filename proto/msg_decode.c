/* SPDX-License-Identifier: MIT */
/*
 * Validating decoding of sysgate wire messages (layout.h): the header, the
 * number of fds, the fixed struct's fields, then the strings, which must fill
 * the packet exactly.  Every failure names its reason.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "layout.h"
#include "proto.h"

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
	l = &proto_msg_layouts[hdr.type];
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
